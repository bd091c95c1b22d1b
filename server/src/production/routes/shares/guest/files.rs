//! The files a share link opens: its playlist's previews (pictures, movies, downloads),
//! the avatars of the people in its comments, and its comments' attachments.

use super::{Password, open, reader, run_read};
use crate::auth::ClientAddr;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::production::db::data::text;
use crate::production::db::shares::{self as db, Link};
use crate::production::db::{DataError, Row, names};
use crate::production::media::{self, Kind};
use crate::production::routes::media::stream_file;
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::Response;
use serde_json::Value;

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

pub(super) async fn preview_file(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Path((token, preview)): Path<(String, String)>,
) -> ApiResult<axum::Json<Row>> {
    let link = open(&state, addr, &token, Password::Unchecked).await?;
    Ok(axum::Json(shared_preview(&state, link, &preview).await?))
}

pub(super) async fn thumbnail(
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

pub(super) async fn original(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Path((token, file)): Path<(String, String)>,
) -> ApiResult<Response> {
    let link = open(&state, addr, &token, Password::Unchecked).await?;
    let preview = shared_preview(&state, link, &file).await?;
    let (path, content_type) = original_of(&state, &preview)?;
    send(path, content_type).await
}

pub(super) async fn movie(
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

pub(super) async fn download(
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

pub(super) async fn person_thumbnail(
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

pub(super) async fn attachment_file(
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
