//! Preview and avatar files over HTTP, as Kitsu serves them: uploads of a preview file's
//! picture or movie (`POST /pictures/preview-files/{id}`), its pictures and movie
//! (`/pictures/{originals,thumbnails,thumbnails-square,previews}/preview-files/{id}.png`,
//! `/movies/originals/preview-files/{id}.mp4`), and people's avatars.

use super::openapi::Routes;
use super::{read, write};
use crate::auth::{Authed, CurrentUser};
use crate::db::production::Row;
use crate::db::production::data::text;
use crate::db::production::review::{self, Uploaded};
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::media::{self, Kind, MediaError};
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use tokio::io::AsyncWriteExt;

/// Largest preview or avatar upload: uploads are spooled to disk as they arrive, so this
/// bounds the disk a request may fill, not memory (a feature's ProRes master is tens of GB).
pub const UPLOAD_LIMIT_BYTES: usize = 64 * 1024 * 1024 * 1024;

/// The preview and avatar file routes.
pub fn router() -> Routes {
    Routes::new()
        .route("/pictures/preview-files/{preview}", post(upload_preview))
        .route(
            "/pictures/thumbnails/persons/{file}",
            post(upload_avatar).get(avatar),
        )
        .route("/pictures/{kind}/preview-files/{file}", get(picture))
        .route("/movies/{quality}/preview-files/{file}", get(movie))
        .body_limit(UPLOAD_LIMIT_BYTES)
}

/// A file sent as a multipart part `file` (or any part with a file name), spooled to a
/// temporary file in the data dir as it arrived; removed when dropped unless stored.
pub struct Upload {
    /// The file name it was sent with.
    pub name: String,
    /// The part's declared content type, if any.
    pub content_type: Option<String>,
    /// The spooled file.
    pub file: tempfile::TempPath,
    /// Its size in bytes.
    pub size: u64,
}

/// A multipart body read in full: its text parts as fields, its file parts spooled in order.
pub struct MultipartForm {
    /// Text parts, by name.
    pub fields: Row,
    /// File parts (`file`, `file-1`… as gazu names them).
    pub files: Vec<Upload>,
}

impl MultipartForm {
    /// Reads every part of a multipart request, spooling file parts under `data_dir`.
    pub async fn read(req: Request, state: &AppState) -> ApiResult<Self> {
        let bad = |e: axum::extract::multipart::MultipartError| refused(e.status(), e.body_text());
        let io = |e: std::io::Error| ApiError::Internal(format!("spooling an upload: {e}"));
        let mut multipart = Multipart::from_request(req, state)
            .await
            .map_err(|e| refused(e.status(), e.body_text()))?;
        let mut form = Self {
            fields: Row::new(),
            files: Vec::new(),
        };
        while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
            let name = field.name().unwrap_or("").to_owned();
            if name != "file" && field.file_name().is_none() {
                let value = field.text().await.map_err(bad)?;
                form.fields.insert(name, serde_json::Value::from(value));
                continue;
            }
            let file_name = field.file_name().unwrap_or("upload").to_owned();
            let content_type = field.content_type().map(str::to_owned);
            let data_dir = state.data_dir.clone();
            let spool = tokio::task::spawn_blocking(move || media::spool_file(&data_dir))
                .await
                .map_err(|e| ApiError::Internal(format!("spooling an upload: {e}")))?
                .map_err(io)?;
            let (file, path) = spool.into_parts();
            let mut file = tokio::fs::File::from_std(file);
            let mut size = 0u64;
            while let Some(chunk) = field.chunk().await.map_err(bad)? {
                size += chunk.len() as u64;
                file.write_all(&chunk).await.map_err(io)?;
            }
            file.flush().await.map_err(io)?;
            form.files.push(Upload {
                name: file_name,
                content_type,
                file: path,
                size,
            });
        }
        Ok(form)
    }
}

/// A multipart body refused: 413 past the upload limit, 400 when malformed.
fn refused(status: StatusCode, message: String) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge(message)
    } else {
        ApiError::BadRequest(message)
    }
}

/// Whether a request's body is `multipart/form-data`.
pub fn is_multipart(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"))
}

/// The upload of a request that may or may not be multipart.
pub struct MaybeUpload(pub Option<Upload>);

impl FromRequest<AppState> for MaybeUpload {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        if !is_multipart(&req) {
            return Ok(Self(None));
        }
        let form = MultipartForm::read(req, state).await?;
        Ok(Self(form.files.into_iter().next()))
    }
}

impl From<MediaError> for ApiError {
    fn from(e: MediaError) -> Self {
        match e {
            MediaError::Refused(m) => Self::BadRequest(m),
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
        let row = d.get("preview-files", &preview)?;
        d.authorize_row("preview-files", &row)?;
        Ok(row)
    })
    .await?;
    let id = text(&checked, "id").to_owned();
    let data_dir = state.data_dir.clone();
    let (name, size, file) = (upload.name, upload.size, upload.file);
    let (stored_id, stored_name) = (id.clone(), name.clone());
    let stored = tokio::task::spawn_blocking(move || {
        // `file` lives to the end of this closure: the spooled copy goes unless it was moved.
        media::store_preview(&data_dir, &stored_id, &stored_name, &file)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("storing media: {e}")))?;
    let stored = match stored {
        Ok(stored) => stored,
        Err(refused) => {
            // As Kitsu does: a preview waiting for a file it cannot take is removed, so no
            // row stays "processing" for ever.
            if text(&checked, "status") == "processing" {
                let id = id.clone();
                write(state, me, move |d| d.delete("preview-files", &id)).await?;
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
    read(state, me, move |d| d.get_visible("preview-files", &id)).await
}

async fn send_file(path: std::path::PathBuf, content_type: &'static str) -> ApiResult<Response> {
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|_| ApiError::NotFound("File not found".into()))?;
    Response::builder()
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(bytes))
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
    let found = read(&state, &me, move |d| d.get("persons", &person)).await?;
    let id = text(&found, "id").to_owned();
    if id != me.user.id.to_string() && me.user.role != drover_shared::Role::Admin {
        return Err(ApiError::Forbidden(
            "only admins change other people's avatars".into(),
        ));
    }
    let data_dir = state.data_dir.clone();
    let stored_id = id.clone();
    tokio::task::spawn_blocking(move || media::store_avatar(&data_dir, &stored_id, &upload.file))
        .await
        .map_err(|e| ApiError::Internal(format!("storing media: {e}")))??;
    let person = state
        .store
        .write(move |c| {
            c.execute(
                "UPDATE users SET has_avatar = 1, updated_at = ? WHERE id = ?",
                [crate::db::production::schema::now_text(), id.clone()],
            )?;
            Ok::<_, ApiError>(id)
        })
        .await?;
    let row = read(&state, &me, move |d| d.get("persons", &person)).await?;
    Ok(axum::Json(row))
}

async fn avatar(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> ApiResult<Response> {
    let person = file.split('.').next().unwrap_or("").to_owned();
    let found = read(&state, &me, move |d| d.get("persons", &person)).await?;
    send_file(
        media::avatar_path(&state.data_dir, text(&found, "id")),
        "image/png",
    )
    .await
}
