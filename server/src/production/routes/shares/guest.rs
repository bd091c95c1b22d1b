//! The guest pages under `/shared/playlists/{token}`: each request opens its link first
//! ([`open`]: throttle, then the link, then its password where Zou checks it) and reads or
//! writes only within that link's playlist.

use super::MAX_PASSWORD_CHARS;
use crate::auth::hashing::{hash_password, verify_password};
use crate::auth::throttle::Scope;
use crate::auth::{ClientAddr, new_token};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Path, Query};
use crate::production::db::data::text;
use crate::production::db::shares::{self as db, Link};
use crate::production::db::{Data, DataError, Row, Viewer};
use crate::production::media;
use crate::production::routes::attachments::{CommentBody, stage};
use crate::production::routes::gate::Routes;
use crate::production::routes::{Fields, with_data};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{MethodRouter, delete, get, post, put};
use drover_shared::{Role, UserId};
use serde::Serialize;
use std::net::IpAddr;

mod files;

/// Longest token looked up: real ones are 43 characters.
const MAX_TOKEN_CHARS: usize = 128;

/// The guest pages' routes.
pub(super) fn router() -> Routes {
    Routes::new()
        .route("/shared/playlists/{token}", guest_read(db::shared_playlist))
        .route("/shared/playlists/{token}/context", guest_read(db::context))
        .route("/shared/playlists/{token}/guest", post(guest))
        .route(
            "/shared/playlists/{token}/comments",
            guest_read(db::comments).post(post_comment),
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
            get(files::attachment_file),
        )
        .route("/shared/playlists/{token}/annotations", put(annotate))
        .route(
            "/shared/playlists/{token}/preview-files/{preview}",
            get(files::preview_file),
        )
        .route(
            "/shared/playlists/{token}/preview-files/{preview}/download",
            get(files::download),
        )
        .route(
            "/shared/playlists/{token}/pictures/thumbnails/preview-files/{file}",
            get(files::thumbnail),
        )
        .route(
            "/shared/playlists/{token}/pictures/originals/preview-files/{file}",
            get(files::original),
        )
        .route(
            "/shared/playlists/{token}/movies/originals/preview-files/{file}",
            get(files::movie),
        )
        .route(
            "/shared/playlists/{token}/pictures/thumbnails/persons/{file}",
            get(files::person_thumbnail),
        )
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
    state
        .write_live(move |conn| with_data(conn, &schema, &viewer, f))
        .await
}

/// A guest page that is one read of the link's playlist, behind the link's password.
fn guest_read<T, F>(f: F) -> MethodRouter<AppState>
where
    T: Serialize + Send + 'static,
    F: Fn(&Data, &Link) -> Result<T, DataError> + Clone + Send + Sync + 'static,
{
    get(
        move |State(state): State<AppState>,
              ClientAddr(addr): ClientAddr,
              Path(token): Path<String>,
              Query(q): Query<PasswordQuery>| async move {
            let link = open(&state, addr, &token, Password::Checked(q.password)).await?;
            run_read(&state, reader(), move |d| f(d, &link))
                .await
                .map(axum::Json)
        },
    )
}

// ---- guest pages ------------------------------------------------------------------------

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
