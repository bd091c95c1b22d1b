//! Files attached to comments, as Kitsu serves them: sent with the comment itself (gazu's
//! `add_comment(attachments=…)` posts the comment as multipart) or added later
//! (`add-attachment`), removed, listed, downloaded and shown as thumbnails.
//!
//! A file is written to disk before the write that adds its row; if that write fails (a
//! refused comment, a wrong task), the files are removed again, so neither a row without its
//! file nor a file kept for a refused request is left behind.

use super::gate::Routes;
use super::media::stream_file;
use super::multipart::{MultipartForm, Upload, is_multipart};
use super::{Fields, read, write};
use crate::auth::{Authed, CurrentUser};
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::production::db::Row;
use crate::production::db::attachments::{self as db, Staged};
use crate::production::db::data::text;
use crate::production::db::names;
use crate::production::media;
use crate::state::AppState;
use axum::extract::{FromRequest, Request, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use axum::routing::{delete, get, post};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

/// Picture types a browser may show inline; anything else is sent as a download, since its
/// type comes from the uploader (an HTML or SVG file shown inline could run script).
const INLINE_SAFE: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/bmp",
    "image/avif",
];

/// The attachment routes.
pub fn router() -> Routes {
    Routes::new()
        .route(
            "/actions/tasks/{task}/comments/{comment}/add-attachment",
            post(add_attachment),
        )
        .route(
            "/data/tasks/{task}/comments/{comment}/attachments/{attachment}",
            delete(remove_attachment),
        )
        .route(
            "/data/attachment-files/{attachment}/file/{name}",
            get(download),
        )
        .route(
            "/pictures/thumbnails/attachment-files/{file}",
            get(thumbnail),
        )
        .route("/data/tasks/{task}/attachment-files", get(task_attachments))
        .route(
            "/data/projects/{project}/attachment-files",
            get(project_attachments),
        )
}

/// A comment's body as gazu sends it: JSON or form fields, or multipart with the fields as
/// text parts and the attachments as file parts.
pub struct CommentBody {
    /// The comment's fields.
    pub fields: Row,
    /// The files to attach.
    pub files: Vec<Upload>,
}

impl FromRequest<AppState> for CommentBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        if !is_multipart(&req) {
            let Fields(fields) = Fields::from_request(req, state).await?;
            return Ok(Self {
                fields,
                files: Vec::new(),
            });
        }
        let MultipartForm { fields, files } = MultipartForm::read(req, &state.data_dir).await?;
        Ok(Self { fields, files })
    }
}

/// Stores uploads under fresh ids (with thumbnails for pictures), ready for their rows.
pub async fn stage(state: &AppState, files: Vec<Upload>) -> ApiResult<Vec<Staged>> {
    let mut staged: Vec<Staged> = Vec::with_capacity(files.len());
    for upload in files {
        let file = Staged::new(
            uuid::Uuid::new_v4().to_string(),
            &upload.name,
            upload.content_type.as_deref(),
            upload.size,
        );
        let stored = media::store_attachment(&state.data_dir, &file.id, &upload.file).await;
        staged.push(file);
        if let Err(e) = stored {
            let data_dir = state.data_dir.clone();
            let _ = tokio::task::spawn_blocking(move || remove_files(&data_dir, &staged)).await;
            return Err(ApiError::from(e));
        }
    }
    Ok(staged)
}

fn remove_files(data_dir: &std::path::Path, staged: &[Staged]) {
    for file in staged {
        media::remove_attachment(data_dir, &file.id);
    }
}

/// Runs `f` as one write with staged files; when it fails, their files are removed.
pub async fn write_with_files<T, F>(
    state: &AppState,
    me: &CurrentUser,
    staged: Vec<Staged>,
    f: F,
) -> ApiResult<T>
where
    F: FnOnce(
            &crate::production::db::Data,
            &[Staged],
        ) -> Result<T, crate::production::db::DataError>
        + Send
        + 'static,
    T: Send + 'static,
{
    let files = staged.clone();
    let result = write(state, me, move |d| f(d, &files)).await;
    if result.is_err() && !staged.is_empty() {
        let data_dir = state.data_dir.clone();
        // Best effort: a leftover file has no row, so nothing ever points at it.
        let _ = tokio::task::spawn_blocking(move || remove_files(&data_dir, &staged)).await;
    }
    result
}

async fn add_attachment(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((task, comment)): Path<(String, String)>,
    body: CommentBody,
) -> ApiResult<(StatusCode, axum::Json<Vec<Value>>)> {
    if body.files.is_empty() {
        return Err(ApiError::BadRequest("File not provided.".into()));
    }
    let staged = stage(&state, body.files).await?;
    let added = write_with_files(&state, &me, staged, move |d, files| {
        db::add_to_comment(d, &task, &comment, files)
    })
    .await?;
    Ok((StatusCode::CREATED, axum::Json(added)))
}

async fn remove_attachment(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((task, comment, attachment)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let id = write(&state, &me, move |d| {
        db::remove(d, &task, &comment, &attachment)
    })
    .await?;
    let data_dir = state.data_dir.clone();
    tokio::task::spawn_blocking(move || media::remove_attachment(&data_dir, &id))
        .await
        .map_err(|e| ApiError::Internal(format!("removing an attachment: {e}")))?;
    Ok(StatusCode::NO_CONTENT)
}

/// `Content-Disposition` for a file name: an ASCII fallback and the exact UTF-8 name.
fn disposition(kind: &str, name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if (c.is_ascii_graphic() && c != '"' && c != '\\') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let exact = utf8_percent_encode(name, NON_ALPHANUMERIC);
    format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{exact}")
}

async fn download(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((attachment, _name)): Path<(String, String)>,
) -> ApiResult<Response> {
    let found = read(&state, &me, move |d| {
        d.get_visible(names::ATTACHMENT_FILES, &attachment)
    })
    .await?;
    let path = media::attachment_path(&state.data_dir, text(&found, "id"));
    let mimetype = text(&found, "mimetype");
    let inline = INLINE_SAFE.contains(&mimetype.split(';').next().unwrap_or("").trim());
    let kind = if inline { "inline" } else { "attachment" };
    let mut response = stream_file(&path, mimetype)
        .await?
        .ok_or_else(|| ApiError::NotFound("Attachment file not found".into()))?;
    let disposition = header::HeaderValue::from_str(&disposition(kind, text(&found, "name")))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    response
        .headers_mut()
        .insert(header::CONTENT_DISPOSITION, disposition);
    Ok(response)
}

async fn thumbnail(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> ApiResult<Response> {
    let id = file.split('.').next().unwrap_or("").to_owned();
    let found = read(&state, &me, move |d| {
        d.get_visible(names::ATTACHMENT_FILES, &id)
    })
    .await?;
    let path = media::attachment_thumbnail_path(&state.data_dir, text(&found, "id"));
    stream_file(&path, "image/png")
        .await?
        .ok_or_else(|| ApiError::NotFound("This attachment has no thumbnail".into()))
}

async fn task_attachments(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(task): Path<String>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    let found = read(&state, &me, move |d| {
        db::of_task_or_project(d, names::TASKS, &task)
    })
    .await?;
    Ok(axum::Json(found))
}

async fn project_attachments(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<String>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    let found = read(&state, &me, move |d| {
        db::of_task_or_project(d, names::PROJECTS, &project)
    })
    .await?;
    Ok(axum::Json(found))
}
