//! Preview and avatar files over HTTP, as Kitsu serves them: uploads of a preview file's
//! picture or movie (`POST /pictures/preview-files/{id}`), its pictures and movie
//! (`/pictures/{originals,thumbnails,thumbnails-square,previews}/preview-files/{id}.png`,
//! `/movies/originals/preview-files/{id}.mp4`), and people's avatars.

use super::gate::Routes;
use super::multipart::{MaybeUpload, Upload};
use super::{read, write};
use crate::auth::{Authed, CurrentUser};
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::production::db::Row;
use crate::production::db::data::text;
use crate::production::db::names;
use crate::production::db::review::{self, Uploaded};
use crate::production::media::{self, Kind, MediaError};
use crate::state::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::Response;
use axum::routing::{delete, get, post};

/// The preview and avatar file routes. Their JSON bodies keep the app's small limit;
/// multipart bodies are read by [`super::multipart::MultipartForm`], which sets its own.
pub fn router() -> Routes {
    Routes::new()
        .route("/pictures/preview-files/{preview}", post(upload_preview))
        .route(
            "/pictures/thumbnails/persons/{file}",
            post(upload_avatar).get(avatar),
        )
        .route(
            "/pictures/thumbnails/projects/{file}",
            post(upload_project_picture).get(project_picture),
        )
        .route(
            "/pictures/thumbnails/organisations/{file}",
            post(upload_organisation_logo).get(organisation_logo),
        )
        .route("/actions/user/clear-avatar", delete(clear_my_avatar))
        .route(
            "/actions/persons/{person}/clear-avatar",
            delete(clear_avatar),
        )
        .route(
            "/pictures/originals/preview-files/{preview}/download",
            get(download_picture),
        )
        .route(
            "/movies/originals/preview-files/{preview}/download",
            get(download_movie),
        )
        .route("/pictures/{kind}/preview-files/{file}", get(picture))
        .route("/movies/{quality}/preview-files/{file}", get(movie))
}

impl From<MediaError> for ApiError {
    fn from(e: MediaError) -> Self {
        match e {
            MediaError::Refused(m) => Self::BadRequest(m),
            MediaError::TooLarge(m) => Self::PayloadTooLarge(m),
            MediaError::Busy(m) => Self::TooManyRequests(m),
            MediaError::Io(e) => Self::Internal(format!("storing media: {e}")),
        }
    }
}

/// Stores an upload for a preview file the person may change, then records it.
pub async fn store_upload(
    state: &AppState,
    me: &CurrentUser,
    preview: String,
    upload: Upload,
) -> ApiResult<Row> {
    let checked = read(state, me, move |d| {
        let row = d.get(names::PREVIEW_FILES, &preview)?;
        d.authorize_row(names::PREVIEW_FILES, &row)?;
        Ok(row)
    })
    .await?;
    let id = text(&checked, "id").to_owned();
    let (name, size, file) = (upload.name, upload.size, upload.file);
    // `file` lives to the end of this function: the spooled copy goes unless it was moved.
    // The uploader's id is their lane in the movie queue.
    let stored =
        media::store_preview(&state.data_dir, &id, &name, &file, &me.user.id.to_string()).await;
    let stored = match stored {
        Ok(stored) => stored,
        Err(refused) => {
            // As Kitsu does: a preview waiting for a file it cannot take is removed, so no
            // row stays "processing" for ever.
            if text(&checked, "status") == "processing" {
                let id = id.clone();
                write(state, me, move |d| d.delete(names::PREVIEW_FILES, &id)).await?;
            }
            return Err(refused.into());
        }
    };
    let uploaded = Uploaded {
        original_name: name,
        extension: stored.extension,
        width: stored.width,
        height: stored.height,
        duration: stored.duration,
        file_size: size,
        is_movie: stored.is_movie,
    };
    write(state, me, move |d| review::record_upload(d, &id, &uploaded)).await
}

async fn upload_preview(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(preview): Path<String>,
    MaybeUpload(upload): MaybeUpload,
) -> ApiResult<(StatusCode, axum::Json<Row>)> {
    let upload = upload.ok_or_else(|| ApiError::BadRequest("File not provided.".into()))?;
    let row = store_upload(&state, &me, preview, upload).await?;
    Ok((StatusCode::CREATED, axum::Json(row)))
}

/// A preview the person may see; 404 when there is none or it is in a project they are not on.
async fn visible_preview(state: &AppState, me: &CurrentUser, file: &str) -> ApiResult<Row> {
    let id = file.split('.').next().unwrap_or("").to_owned();
    read(state, me, move |d| d.get_visible(names::PREVIEW_FILES, &id)).await
}

/// Answers a stored file, streamed from disk (a movie can be gigabytes).
async fn send_file(path: std::path::PathBuf, content_type: &'static str) -> ApiResult<Response> {
    stream_file(&path, content_type)
        .await?
        .ok_or_else(|| ApiError::NotFound("File not found".into()))
}

/// A response streaming the file at `path` with its length, or `None` when there is none.
pub async fn stream_file(
    path: &std::path::Path,
    content_type: &str,
) -> ApiResult<Option<Response>> {
    let Ok(file) = tokio::fs::File::open(path).await else {
        return Ok(None);
    };
    let length = file
        .metadata()
        .await
        .map_err(|e| ApiError::Internal(format!("reading a stored file: {e}")))?
        .len();
    // A type an uploader declared that is no valid header value is sent as bytes.
    let content_type = header::HeaderValue::from_str(content_type)
        .unwrap_or(header::HeaderValue::from_static("application/octet-stream"));
    Response::builder()
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CONTENT_LENGTH, length)
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .body(Body::from_stream(tokio_util::io::ReaderStream::new(file)))
        .map(Some)
        .map_err(|e| ApiError::Internal(e.to_string()))
}

async fn picture(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((kind, file)): Path<(String, String)>,
) -> ApiResult<Response> {
    let kind = Kind::from_route(&kind)
        .ok_or_else(|| ApiError::NotFound(format!("no picture kind `{kind}`")))?;
    let preview = visible_preview(&state, &me, &file).await?;
    let extension = match (kind, text(&preview, "extension")) {
        (Kind::Original, "") => return Err(ApiError::NotFound("File not found".into())),
        (Kind::Original, ext) => ext.to_owned(),
        _ => "png".to_owned(),
    };
    let content_type = if extension == "png" {
        "image/png"
    } else {
        "application/octet-stream"
    };
    let path = media::preview_path(&state.data_dir, text(&preview, "id"), kind, &extension);
    send_file(path, content_type).await
}

/// A preview's original as a download (`Content-Disposition: attachment`), under Zou's
/// name for it; `movie` says which kind of preview the route serves.
async fn download(
    state: &AppState,
    me: &CurrentUser,
    preview: String,
    movie: bool,
) -> ApiResult<Response> {
    let (preview, name) = read(state, me, move |d| {
        let row = d.get_visible(names::PREVIEW_FILES, &preview)?;
        let name = crate::production::db::downloads::download_name(d, &row)?;
        Ok((row, name))
    })
    .await?;
    let is_movie = preview.get("is_movie").and_then(serde_json::Value::as_bool) == Some(true);
    let extension = text(&preview, "extension");
    if is_movie != movie || extension.is_empty() {
        return Err(ApiError::NotFound("File not found".into()));
    }
    let (extension, content_type) = if movie {
        ("mp4", "video/mp4")
    } else if extension == "png" {
        ("png", "image/png")
    } else {
        (extension, "application/octet-stream")
    };
    let path = media::preview_path(
        &state.data_dir,
        text(&preview, "id"),
        Kind::Original,
        extension,
    );
    let mut response = send_file(path, content_type).await?;
    // The name is a slug of letters, digits, `_`, `-` and `.`: safe inside the quotes.
    let disposition = header::HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .map_err(|e| ApiError::Internal(format!("a download name: {e}")))?;
    response
        .headers_mut()
        .insert(header::CONTENT_DISPOSITION, disposition);
    Ok(response)
}

async fn download_picture(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(preview): Path<String>,
) -> ApiResult<Response> {
    download(&state, &me, preview, false).await
}

async fn download_movie(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(preview): Path<String>,
) -> ApiResult<Response> {
    download(&state, &me, preview, true).await
}

async fn movie(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((quality, file)): Path<(String, String)>,
) -> ApiResult<Response> {
    if !matches!(quality.as_str(), "originals" | "low") {
        return Err(ApiError::NotFound(format!("no movie quality `{quality}`")));
    }
    let preview = visible_preview(&state, &me, &file).await?;
    if preview.get("is_movie").and_then(serde_json::Value::as_bool) != Some(true) {
        return Err(ApiError::NotFound("File not found".into()));
    }
    let id = text(&preview, "id");
    let low = media::movie_low_path(&state.data_dir, id);
    // Movies no taller than the low copy's height have none: the original serves for both.
    let path = if quality == "low" && tokio::fs::try_exists(&low).await.unwrap_or(false) {
        low
    } else {
        media::preview_path(&state.data_dir, id, Kind::Original, "mp4")
    };
    send_file(path, "video/mp4").await
}

async fn upload_avatar(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(file): Path<String>,
    MaybeUpload(upload): MaybeUpload,
) -> ApiResult<axum::Json<Row>> {
    let upload = upload.ok_or_else(|| ApiError::BadRequest("File not provided.".into()))?;
    let person = file.split('.').next().unwrap_or("").to_owned();
    let found = read(&state, &me, move |d| d.get(names::PERSONS, &person)).await?;
    let id = text(&found, "id").to_owned();
    if id.parse::<drover_shared::UserId>() != Ok(me.user.id)
        && me.user.role != drover_shared::Role::Admin
    {
        return Err(ApiError::Forbidden(
            "only admins change other people's avatars".into(),
        ));
    }
    media::store_avatar(&state.data_dir, &id, &upload.file).await?;
    let person = state
        .store
        .write(move |c| {
            crate::production::db::user::set_has_avatar(c, &id)?;
            Ok::<_, ApiError>(id)
        })
        .await?;
    let row = read(&state, &me, move |d| d.get(names::PERSONS, &person)).await?;
    Ok(axum::Json(row))
}

/// Takes a person's avatar away: the row says so, then the file goes.
async fn clear_avatar_of(state: &AppState, person: String) -> ApiResult<StatusCode> {
    let id = person.clone();
    state
        .store
        .write(move |c| {
            crate::production::db::user::clear_has_avatar(c, &id).map_err(ApiError::from)
        })
        .await?;
    let path = media::avatar_path(&state.data_dir, &person);
    match tokio::fs::remove_file(&path).await {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(ApiError::Internal(format!("removing an avatar: {e}"))),
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /actions/user/clear-avatar`: the person's own avatar goes.
async fn clear_my_avatar(
    Authed(me): Authed,
    State(state): State<AppState>,
) -> ApiResult<StatusCode> {
    clear_avatar_of(&state, me.user.id.to_string()).await
}

/// `DELETE /actions/persons/{id}/clear-avatar`: an admin takes someone's avatar away.
async fn clear_avatar(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(person): Path<String>,
) -> ApiResult<StatusCode> {
    let found = read(&state, &me, move |d| d.get(names::PERSONS, &person)).await?;
    clear_avatar_of(&state, text(&found, "id").to_owned()).await
}

async fn avatar(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> ApiResult<Response> {
    picture_of(&state, &me, names::PERSONS, &file).await
}

/// The 150×150 picture of a person, a production or the studio (`{id}.png`), for those who
/// may read the row.
async fn picture_of(
    state: &AppState,
    me: &CurrentUser,
    route: names::ModelName,
    file: &str,
) -> ApiResult<Response> {
    let id = file.split('.').next().unwrap_or("").to_owned();
    let found = read(state, me, move |d| d.get(route, &id)).await?;
    send_file(
        media::avatar_path(&state.data_dir, text(&found, "id")),
        "image/png",
    )
    .await
}

/// `POST /pictures/thumbnails/projects/{id}`: a production's picture, for those who may
/// change the project; answers the project, now `has_avatar`.
async fn upload_project_picture(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(file): Path<String>,
    MaybeUpload(upload): MaybeUpload,
) -> ApiResult<axum::Json<Row>> {
    let upload = upload.ok_or_else(|| ApiError::BadRequest("File not provided.".into()))?;
    let project = file.split('.').next().unwrap_or("").to_owned();
    // Refused before the picture is decoded or stored.
    let id = read(&state, &me, move |d| {
        let found = d.get(names::PROJECTS, &project)?;
        let id = text(&found, "id").to_owned();
        d.authorize_in_project(names::PROJECTS, &id)?;
        Ok(id)
    })
    .await?;
    media::store_avatar(&state.data_dir, &id, &upload.file).await?;
    let row = write(&state, &me, move |d| {
        d.update(
            names::PROJECTS,
            &id,
            serde_json::json!({"has_avatar": true}),
        )
    })
    .await?;
    Ok(axum::Json(row))
}

/// `GET /pictures/thumbnails/projects/{id}.png`: the production's picture, for its team.
async fn project_picture(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> ApiResult<Response> {
    picture_of(&state, &me, names::PROJECTS, &file).await
}

/// `POST /pictures/thumbnails/organisations/{id}`: the studio's logo (admins, by the
/// catalogue's role); answers the organisation, now `has_avatar`.
async fn upload_organisation_logo(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(file): Path<String>,
    MaybeUpload(upload): MaybeUpload,
) -> ApiResult<axum::Json<Row>> {
    let upload = upload.ok_or_else(|| ApiError::BadRequest("File not provided.".into()))?;
    let organisation = file.split('.').next().unwrap_or("").to_owned();
    let found = read(&state, &me, move |d| {
        d.get(names::ORGANISATIONS, &organisation)
    })
    .await?;
    let id = text(&found, "id").to_owned();
    media::store_avatar(&state.data_dir, &id, &upload.file).await?;
    let row = write(&state, &me, move |d| {
        d.update(
            names::ORGANISATIONS,
            &id,
            serde_json::json!({"has_avatar": true}),
        )
    })
    .await?;
    Ok(axum::Json(row))
}

/// `GET /pictures/thumbnails/organisations/{id}.png`: the studio's logo, for everyone
/// logged in (the top bar shows it).
async fn organisation_logo(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> ApiResult<Response> {
    picture_of(&state, &me, names::ORGANISATIONS, &file).await
}
