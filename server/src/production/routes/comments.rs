//! The comment routes of Kitsu's task panel after a comment is written: deleting it,
//! acknowledging it, and replying to it (with files) or taking a reply back. The media of
//! what is deleted is removed once the write has committed.

use super::attachments::{CommentBody, stage, write_with_files};
use super::gate::Routes;
use super::{Fields, write};
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::production::db::Row;
use crate::production::db::comments as db;
use crate::production::media;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, post};
use serde_json::Value;

/// Comment deletion and replies.
pub fn router() -> Routes {
    Routes::new()
        .route(
            "/data/tasks/{task}/comments/{comment}",
            delete(delete_comment),
        )
        .route(
            "/data/tasks/{task}/comments/{comment}/ack",
            post(acknowledge),
        )
        .route("/data/tasks/{task}/comments/{comment}/reply", post(reply))
        .route(
            "/data/tasks/{task}/comments/{comment}/reply/{reply}",
            delete(delete_reply),
        )
}

/// Removes the media of deleted previews and attachments (already without rows).
async fn remove_media(
    state: &AppState,
    previews: Vec<String>,
    attachments: Vec<String>,
) -> ApiResult<()> {
    if previews.is_empty() && attachments.is_empty() {
        return Ok(());
    }
    let data_dir = state.data_dir.clone();
    tokio::task::spawn_blocking(move || {
        for id in &previews {
            media::remove_preview(&data_dir, id);
        }
        for id in &attachments {
            media::remove_attachment(&data_dir, id);
        }
    })
    .await
    .map_err(|e| ApiError::Internal(format!("removing a comment's media: {e}")))
}

async fn delete_comment(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((task, comment)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let removed = write(&state, &me, move |d| db::delete_comment(d, &task, &comment)).await?;
    remove_media(&state, removed.previews, removed.attachments).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn acknowledge(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((task, comment)): Path<(String, String)>,
    Fields(_): Fields,
) -> ApiResult<axum::Json<Row>> {
    Ok(axum::Json(
        write(&state, &me, move |d| db::acknowledge(d, &task, &comment)).await?,
    ))
}

/// A reply, with its attachments when it is sent as multipart.
async fn reply(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((task, comment)): Path<(String, String)>,
    body: CommentBody,
) -> ApiResult<axum::Json<Value>> {
    let staged = stage(&state, body.files).await?;
    let fields = body.fields;
    let made = write_with_files(&state, &me, staged, move |d, files| {
        db::reply(d, &task, &comment, &fields, files)
    })
    .await?;
    Ok(axum::Json(made))
}

async fn delete_reply(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((task, comment, reply)): Path<(String, String, String)>,
) -> ApiResult<axum::Json<Row>> {
    let (comment, attachments) = write(&state, &me, move |d| {
        db::delete_reply(d, &task, &comment, &reply)
    })
    .await?;
    remove_media(&state, Vec::new(), attachments).await?;
    Ok(axum::Json(comment))
}
