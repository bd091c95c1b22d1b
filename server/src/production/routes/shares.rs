//! Playlists shared with people outside the studio: the managers' share links (made, listed,
//! revoked; invitations, which need an e-mail this server does not send) and client notices,
//! and the guest pages under `/shared/playlists/{token}`, which the token alone opens (with
//! the link's password where Zou asks for it).
//!
//! Every guest request is checked here before anything is read: the token against the
//! guessing throttle (a wrong token counts as a wrong guess against the address), then the
//! link (active, not expired; 404 otherwise, as Zou answers), then its password (an argon2
//! check, throttled as a login is). What follows reads and writes through
//! [`crate::production::db::shares`], which keeps every answer to the link's playlist.

use super::attachments::{CommentBody, stage};
use super::gate::Routes;
use super::media::stream_file;
use super::{Fields, read, with_data, write};
use crate::auth::hashing::{hash_password, verify_password};
use crate::auth::throttle::Scope;
use crate::auth::{Authed, ClientAddr, new_token};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Path, Query};
use crate::production::db::data::text;
use crate::production::db::schema::parse_bool;
use crate::production::db::shares::{self as db, Link};
use crate::production::db::{Data, DataError, Row, Viewer, names};
use crate::production::media::{self, Kind};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::Response;
use axum::routing::{delete, get, post, put};
use drover_shared::{Role, UserId};
use rand::TryRngCore;
use serde_json::{Value, json};
use std::net::IpAddr;

/// Longest token looked up: real ones are 43 characters.
const MAX_TOKEN_CHARS: usize = 128;
/// Longest link password taken (argon2's work grows with it).
const MAX_PASSWORD_CHARS: usize = 1024;

/// The managers' routes (behind the token check and the role gate).
pub fn router() -> Routes {
    Routes::new()
        .route(
            "/data/playlists/{playlist}/share",
            get(list_links).post(create_link),
        )
        .route(
            "/data/playlists/{playlist}/share/{token}",
            delete(revoke_link),
        )
        .route(
            "/data/playlists/{playlist}/share/{token}/invite",
            post(invite),
        )
        .route(
            "/data/playlists/{playlist}/notify-clients",
            post(notify_clients),
        )
}

/// The guest pages: public, each opened by its link.
pub fn public_router() -> Routes {
    Routes::new()
        .route("/shared/playlists/{token}", get(shared_playlist))
        .route("/shared/playlists/{token}/context", get(context))
        .route("/shared/playlists/{token}/guest", post(guest))
        .route(
            "/shared/playlists/{token}/comments",
            get(comments).post(post_comment),
        )
        .route(
            "/shared/playlists/{token}/comments/{comment}",
            put(edit_comment).delete(delete_comment),
        )
        .route(
            "/shared/playlists/{token}/comments/{comment}/attachments",
            post(attach),
        )
        .route(
            "/shared/playlists/{token}/comments/{comment}/attachments/{attachment}",
            delete(detach_of_comment),
        )
        .route(
            "/shared/playlists/{token}/attachments/{attachment}",
            delete(detach),
        )
        .route(
            "/shared/playlists/{token}/attachment-files/{attachment}/file/{name}",
            get(attachment_file),
        )
        .route("/shared/playlists/{token}/annotations", put(annotate))
        .route(
            "/shared/playlists/{token}/preview-files/{preview}",
            get(preview_file),
        )
        .route(
            "/shared/playlists/{token}/preview-files/{preview}/download",
            get(download),
        )
        .route(
            "/shared/playlists/{token}/pictures/thumbnails/preview-files/{file}",
            get(thumbnail),
        )
        .route(
            "/shared/playlists/{token}/pictures/originals/preview-files/{file}",
            get(original),
        )
        .route(
            "/shared/playlists/{token}/movies/originals/preview-files/{file}",
            get(movie),
        )
        .route(
            "/shared/playlists/{token}/pictures/thumbnails/persons/{file}",
            get(person_thumbnail),
        )
}

// ---- managers ---------------------------------------------------------------------------

async fn list_links(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(playlist): Path<String>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    Ok(axum::Json(
        read(&state, &me, move |d| db::links_of(d, &playlist)).await?,
    ))
}

/// A token of 256 bits from the operating system's random source, URL-safe.
fn share_token() -> ApiResult<String> {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| ApiError::Internal(format!("the system's random source failed: {e}")))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

async fn create_link(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(playlist): Path<String>,
    Fields(body): Fields,
) -> ApiResult<(StatusCode, axum::Json<Row>)> {
    let expiration_date = db::parse_expiration(body.get("expiration_date"))?;
    let can_comment = match body.get("can_comment") {
        None | Some(Value::Null) => true,
        Some(v) => parse_bool(v)
            .ok_or_else(|| ApiError::BadRequest("`can_comment` must be true or false".into()))?,
    };
    let password = match body.get("password") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) if s.chars().count() > MAX_PASSWORD_CHARS => {
            return Err(ApiError::BadRequest(format!(
                "a link's password is at most {MAX_PASSWORD_CHARS} characters"
            )));
        }
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(ApiError::BadRequest("`password` must be text".into())),
    };
    // Refused before a password is hashed: the playlist must be one the manager reaches.
    let check = playlist.clone();
    read(&state, &me, move |d| d.get(names::PLAYLISTS, &check)).await?;
    let password_hash = match password {
        Some(p) => Some(hash_password(p).await?),
        None => None,
    };
    let new = db::NewLink {
        token: share_token()?,
        expiration_date,
        can_comment,
        password_hash,
    };
    let made = write(&state, &me, move |d| db::create_link(d, &playlist, &new)).await?;
    Ok((StatusCode::CREATED, axum::Json(made)))
}

async fn revoke_link(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((playlist, token)): Path<(String, String)>,
) -> ApiResult<axum::Json<Row>> {
    Ok(axum::Json(
        write(&state, &me, move |d| db::revoke_link(d, &playlist, &token)).await?,
    ))
}

/// Zou e-mails the link; this server has no mailer, so once the link is found it says so
/// (409) rather than pretend to have sent anything.
async fn invite(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((playlist, token)): Path<(String, String)>,
) -> ApiResult<axum::Json<Value>> {
    read(&state, &me, move |d| {
        db::check_invitable(d, &playlist, &token)
    })
    .await?;
    Err(ApiError::Conflict(
        "e-mail is not configured on this server, so no invitation was sent: copy the share \
         link and send it yourself"
            .into(),
    ))
}

async fn notify_clients(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(playlist): Path<String>,
    Fields(body): Fields,
) -> ApiResult<axum::Json<Value>> {
    let told = write(&state, &me, move |d| {
        db::notify_clients(d, &playlist, &body)
    })
    .await?;
    Ok(axum::Json(json!({"status": "success", "notified": told})))
}

// ---- opening a link ---------------------------------------------------------------------

/// `?password=` on the routes that check it.
#[derive(serde::Deserialize)]
struct PasswordQuery {
    password: Option<String>,
}

/// `?guest_id=` on the deletions.
#[derive(serde::Deserialize)]
struct GuestQuery {
    guest_id: Option<String>,
}

fn not_found() -> ApiError {
    ApiError::NotFound("Share link not found".into())
}

/// Whether a route checks the link's password (Zou checks it on the playlist, its context
/// and its comments), and the one offered.
enum Password {
    /// The route does not check it.
    Unchecked,
    /// The route checks it; `?password=` as sent.
    Checked(Option<String>),
}

/// The link `token` opens, checked against the throttle, and its password when the route
/// checks it and the link has one. Every refusal is 404, as Zou answers.
async fn open(state: &AppState, addr: IpAddr, token: &str, password: Password) -> ApiResult<Link> {
    let throttle = &state.auth.throttle;
    throttle.check(Scope::ShareLink, token, addr)?;
    if token.is_empty() || token.len() > MAX_TOKEN_CHARS {
        throttle.wrong(Scope::ShareLink, token, addr);
        return Err(not_found());
    }
    let lookup = token.to_owned();
    let link = state
        .store
        .read(move |c| db::valid_link(c, &lookup).map_err(ApiError::from))
        .await?;
    let Some(link) = link else {
        throttle.wrong(Scope::ShareLink, token, addr);
        return Err(not_found());
    };
    let (Password::Checked(offered), Some(hash)) = (password, link.password_hash.clone()) else {
        return Ok(link);
    };
    // No password offered is no guess: the page asks for it then.
    let Some(offered) = offered.filter(|p| !p.is_empty()) else {
        return Err(ApiError::NotFound(
            "Share link not found (this link needs its password)".into(),
        ));
    };
    if offered.chars().count() > MAX_PASSWORD_CHARS {
        throttle.wrong(Scope::ShareLink, token, addr);
        return Err(not_found());
    }
    let attempt = throttle.begin(Scope::ShareLink, token, addr)?;
    match verify_password(offered, hash).await {
        Ok(true) => {
            attempt.succeeded();
            Ok(link)
        }
        Ok(false) => {
            attempt.failed();
            Err(not_found())
        }
        Err(busy) => {
            attempt.abandoned();
            Err(busy)
        }
    }
}

/// The server reading for a guest: every right, the nil id (it writes nothing).
fn reader() -> Viewer {
    Viewer {
        id: UserId(uuid::Uuid::nil()),
        role: Role::Admin,
    }
}

/// The server writing as guest `guest_id`: rows it writes are the guest's; the checks of
/// [`db`] (the guest is the link's, the rows are the link's playlist's) come first.
fn as_guest(guest_id: &str) -> ApiResult<Viewer> {
    let id = guest_id
        .trim()
        .parse::<UserId>()
        .map_err(|_| ApiError::Forbidden("Guest not part of this shared playlist".into()))?;
    Ok(Viewer {
        id,
        role: Role::Admin,
    })
}

/// Runs `f` on a read connection as `viewer`.
async fn run_read<T, F>(state: &AppState, viewer: Viewer, f: F) -> ApiResult<T>
where
    F: FnOnce(&Data) -> Result<T, DataError> + Send + 'static,
    T: Send + 'static,
{
    let schema = state.production.clone();
    let (value, _) = state
        .store
        .read(move |conn| with_data(conn, &schema, &viewer, f))
        .await?;
    Ok(value)
}

/// Runs `f` as one write as `viewer`; its live events go out once it has committed.
async fn run_write<T, F>(state: &AppState, viewer: Viewer, f: F) -> ApiResult<T>
where
    F: FnOnce(&Data) -> Result<T, DataError> + Send + 'static,
    T: Send + 'static,
{
    let schema = state.production.clone();
    let (value, events) = state
        .store
        .write(move |conn| with_data(conn, &schema, &viewer, f))
        .await?;
    state.live.publish(events).await;
    Ok(value)
}

// ---- guest pages ------------------------------------------------------------------------

async fn shared_playlist(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Path(token): Path<String>,
    Query(q): Query<PasswordQuery>,
) -> ApiResult<axum::Json<Row>> {
    let link = open(&state, addr, &token, Password::Checked(q.password)).await?;
    Ok(axum::Json(
        run_read(&state, reader(), move |d| db::shared_playlist(d, &link)).await?,
    ))
}

async fn context(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Path(token): Path<String>,
    Query(q): Query<PasswordQuery>,
) -> ApiResult<axum::Json<Row>> {
    let link = open(&state, addr, &token, Password::Checked(q.password)).await?;
    Ok(axum::Json(
        run_read(&state, reader(), move |d| db::context(d, &link)).await?,
    ))
}

async fn guest(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Path(token): Path<String>,
    Fields(body): Fields,
) -> ApiResult<(StatusCode, axum::Json<Row>)> {
    let link = open(&state, addr, &token, Password::Unchecked).await?;
    let ask = db::guest_ask(&body)?;
    let by_id = ask.guest_id.clone();
    let (found_link, found_ask) = (link.clone(), db::guest_ask(&body)?);
    let found = state
        .store
        .read(move |c| db::existing_guest(c, &found_link, &found_ask).map_err(ApiError::from))
        .await?;
    if let Some(found) = found {
        let status = if by_id.as_deref() == Some(text(&found, "id")) {
            StatusCode::OK
        } else {
            StatusCode::CREATED
        };
        return Ok((status, axum::Json(found)));
    }
    // A password no one knows: a guest never logs in.
    let hash = hash_password(new_token()).await?;
    let made = run_write(&state, reader(), move |d| {
        db::create_guest(d, &link, &ask, &hash)
    })
    .await?;
    Ok((StatusCode::CREATED, axum::Json(made)))
}

async fn comments(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Path(token): Path<String>,
    Query(q): Query<PasswordQuery>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    let link = open(&state, addr, &token, Password::Checked(q.password)).await?;
    Ok(axum::Json(
        run_read(&state, reader(), move |d| db::comments(d, &link)).await?,
    ))
}

async fn post_comment(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Path(token): Path<String>,
    Query(q): Query<PasswordQuery>,
    Fields(body): Fields,
) -> ApiResult<(StatusCode, axum::Json<Row>)> {
    let link = open(&state, addr, &token, Password::Checked(q.password)).await?;
    db::may_comment(&link)?;
    let viewer = as_guest(text(&body, "guest_id"))?;
    let made = run_write(&state, viewer, move |d| db::post_comment(d, &link, &body)).await?;
    Ok((StatusCode::CREATED, axum::Json(made)))
}

async fn edit_comment(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Path((token, comment)): Path<(String, String)>,
    Fields(body): Fields,
) -> ApiResult<axum::Json<Row>> {
    let link = open(&state, addr, &token, Password::Unchecked).await?;
    db::may_comment(&link)?;
    let viewer = as_guest(text(&body, "guest_id"))?;
    Ok(axum::Json(
        run_write(&state, viewer, move |d| {
            db::edit_comment(d, &link, &comment, &body)
        })
        .await?,
    ))
}

/// The guest a deletion names: `?guest_id=` (Kitsu's page) or the body's (Zou's schema).
fn deleting_guest(q: GuestQuery, body: &Row) -> String {
    q.guest_id
        .unwrap_or_else(|| text(body, "guest_id").to_owned())
}

/// Removes the files of deleted attachments, once their rows are gone.
async fn remove_files(state: &AppState, ids: Vec<String>) -> ApiResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let data_dir = state.data_dir.clone();
    tokio::task::spawn_blocking(move || {
        for id in &ids {
            media::remove_attachment(&data_dir, id);
        }
    })
    .await
    .map_err(|e| ApiError::Internal(format!("removing attachments: {e}")))
}

async fn delete_comment(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Path((token, comment)): Path<(String, String)>,
    Query(q): Query<GuestQuery>,
    Fields(body): Fields,
) -> ApiResult<StatusCode> {
    let link = open(&state, addr, &token, Password::Unchecked).await?;
    db::may_comment(&link)?;
    let guest = deleting_guest(q, &body);
    let viewer = as_guest(&guest)?;
    let removed = run_write(&state, viewer, move |d| {
        db::delete_comment(d, &link, &comment, &guest)
    })
    .await?;
    // A guest's comment carries no previews; its attachments' files go.
    remove_files(&state, removed.attachments).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `guest_id` of an attachment upload: a form field, else the query's.
#[derive(serde::Deserialize)]
struct UploadQuery {
    guest_id: Option<String>,
}

async fn attach(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Path((token, comment)): Path<(String, String)>,
    Query(q): Query<UploadQuery>,
    body: CommentBody,
) -> ApiResult<(StatusCode, axum::Json<Row>)> {
    let link = open(&state, addr, &token, Password::Unchecked).await?;
    db::may_comment(&link)?;
    let guest = match text(&body.fields, "guest_id") {
        "" => q.guest_id.unwrap_or_default(),
        given => given.to_owned(),
    };
    let viewer = as_guest(&guest)?;
    if body.files.is_empty() {
        return Err(ApiError::BadRequest("File not provided.".into()));
    }
    // Refused before the files are stored: a guest of another link stores nothing.
    let (check_link, check_guest) = (link.clone(), guest.clone());
    state
        .store
        .read(move |c| db::guest_of(c, &check_link, &check_guest).map_err(ApiError::from))
        .await?;
    let staged = stage(&state, body.files).await?;
    let ids: Vec<String> = staged.iter().map(|f| f.id.clone()).collect();
    let result = run_write(&state, viewer, move |d| {
        db::attach(d, &link, &comment, &guest, &staged)
    })
    .await;
    if result.is_err() {
        // Best effort: a file with no row is never served.
        let _ = remove_files(&state, ids).await;
    }
    Ok((StatusCode::CREATED, axum::Json(result?)))
}

async fn detach_of_comment(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Path((token, comment, attachment)): Path<(String, String, String)>,
    Query(q): Query<GuestQuery>,
    Fields(body): Fields,
) -> ApiResult<StatusCode> {
    detach_one(
        &state,
        addr,
        token,
        Some(comment),
        attachment,
        deleting_guest(q, &body),
    )
    .await
}

async fn detach(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Path((token, attachment)): Path<(String, String)>,
    Query(q): Query<GuestQuery>,
    Fields(body): Fields,
) -> ApiResult<StatusCode> {
    detach_one(
        &state,
        addr,
        token,
        None,
        attachment,
        deleting_guest(q, &body),
    )
    .await
}

async fn detach_one(
    state: &AppState,
    addr: IpAddr,
    token: String,
    comment: Option<String>,
    attachment: String,
    guest: String,
) -> ApiResult<StatusCode> {
    let link = open(state, addr, &token, Password::Unchecked).await?;
    db::may_comment(&link)?;
    let viewer = as_guest(&guest)?;
    let id = run_write(state, viewer, move |d| {
        db::detach(d, &link, comment.as_deref(), &attachment, &guest)
    })
    .await?;
    remove_files(state, vec![id]).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn annotate(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Path(token): Path<String>,
    Fields(body): Fields,
) -> ApiResult<axum::Json<Row>> {
    let link = open(&state, addr, &token, Password::Unchecked).await?;
    let viewer = as_guest(text(&body, "guest_id"))?;
    Ok(axum::Json(
        run_write(&state, viewer, move |d| db::annotate(d, &link, &body)).await?,
    ))
}

// ---- files ------------------------------------------------------------------------------

/// The preview `file` (`{id}` or `{id}.{ext}`) if the link shares it: 404 when there is no
/// such preview, 403 when the link does not share it (as Zou answers).
async fn shared_preview(state: &AppState, link: Link, file: &str) -> ApiResult<Row> {
    let id = file.split('.').next().unwrap_or("").to_owned();
    run_read(state, reader(), move |d| {
        let preview = d.get(names::PREVIEW_FILES, &id)?;
        if db::shares_preview(d.conn, &link, text(&preview, "id"))? {
            Ok(preview)
        } else {
            Err(DataError::Forbidden(
                "this preview is not part of this shared playlist".into(),
            ))
        }
    })
    .await
}

async fn send(path: std::path::PathBuf, content_type: &str) -> ApiResult<Response> {
    stream_file(&path, content_type)
        .await?
        .ok_or_else(|| ApiError::NotFound("File not found".into()))
}

/// Marks a response as a download named `name`.
fn as_download(mut response: Response, name: &str) -> Response {
    let safe: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    if let Ok(value) = header::HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

async fn preview_file(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Path((token, preview)): Path<(String, String)>,
) -> ApiResult<axum::Json<Row>> {
    let link = open(&state, addr, &token, Password::Unchecked).await?;
    Ok(axum::Json(shared_preview(&state, link, &preview).await?))
}

async fn thumbnail(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Path((token, file)): Path<(String, String)>,
) -> ApiResult<Response> {
    let link = open(&state, addr, &token, Password::Unchecked).await?;
    let preview = shared_preview(&state, link, &file).await?;
    let path = media::preview_path(
        &state.data_dir,
        text(&preview, "id"),
        Kind::Thumbnail,
        "png",
    );
    send(path, "image/png").await
}

/// The original of a preview: its picture (PNG), movie (MP4) or other file, with its type.
fn original_of(state: &AppState, preview: &Row) -> ApiResult<(std::path::PathBuf, &'static str)> {
    let id = text(preview, "id");
    let extension = text(preview, "extension");
    if extension.is_empty() {
        return Err(ApiError::NotFound("File not found".into()));
    }
    let content_type = match extension {
        "png" => "image/png",
        "mp4" => "video/mp4",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    };
    Ok((
        media::preview_path(&state.data_dir, id, Kind::Original, extension),
        content_type,
    ))
}

async fn original(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Path((token, file)): Path<(String, String)>,
) -> ApiResult<Response> {
    let link = open(&state, addr, &token, Password::Unchecked).await?;
    let preview = shared_preview(&state, link, &file).await?;
    let (path, content_type) = original_of(&state, &preview)?;
    send(path, content_type).await
}

async fn movie(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Path((token, file)): Path<(String, String)>,
) -> ApiResult<Response> {
    let link = open(&state, addr, &token, Password::Unchecked).await?;
    let preview = shared_preview(&state, link, &file).await?;
    if preview.get("is_movie").and_then(Value::as_bool) != Some(true) {
        return Err(ApiError::NotFound("File not found".into()));
    }
    let path = media::preview_path(&state.data_dir, text(&preview, "id"), Kind::Original, "mp4");
    send(path, "video/mp4").await
}

async fn download(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Path((token, preview)): Path<(String, String)>,
) -> ApiResult<Response> {
    let link = open(&state, addr, &token, Password::Unchecked).await?;
    let preview = shared_preview(&state, link, &preview).await?;
    let (path, content_type) = original_of(&state, &preview)?;
    let name = format!("{}.{}", text(&preview, "id"), text(&preview, "extension"));
    Ok(as_download(send(path, content_type).await?, &name))
}

async fn person_thumbnail(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Path((token, file)): Path<(String, String)>,
) -> ApiResult<Response> {
    let link = open(&state, addr, &token, Password::Unchecked).await?;
    let person = file.split('.').next().unwrap_or("").to_owned();
    let shown = person.clone();
    let found = state
        .store
        .read(move |c| db::shows_person(c, &link, &shown).map_err(ApiError::from))
        .await?;
    if !found {
        return Err(ApiError::NotFound("Person not found".into()));
    }
    send(media::avatar_path(&state.data_dir, &person), "image/png").await
}

async fn attachment_file(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Path((token, attachment, _name)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    let link = open(&state, addr, &token, Password::Unchecked).await?;
    let found = run_read(&state, reader(), move |d| {
        db::shown_attachment(d, &link, &attachment)
    })
    .await?
    .ok_or_else(|| ApiError::NotFound("Attachment not found".into()))?;
    let mimetype = text(&found, "mimetype");
    // The type is the uploader's word: only pictures are shown inline.
    let inline =
        mimetype.starts_with("image/") && !mimetype.contains("svg") && !mimetype.contains("xml");
    let response = send(
        media::attachment_path(&state.data_dir, text(&found, "id")),
        if inline {
            mimetype
        } else {
            "application/octet-stream"
        },
    )
    .await?;
    Ok(if inline {
        response
    } else {
        as_download(response, text(&found, "name"))
    })
}
