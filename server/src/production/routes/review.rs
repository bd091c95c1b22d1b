//! The task routes gazu calls by name: the full task, assignments, comments with a status
//! change (and attachments), preview revisions on comments, main previews and time spent.

use super::attachments::{CommentBody, stage, write_with_files};
use super::gate::Routes;
use super::media::store_upload;
use super::multipart::MaybeUpload;
use super::{Fields, read, write};
use crate::auth::Authed;
use crate::error::ApiResult;
use crate::extract::Path;
use crate::production::db::Row;
use crate::production::db::review as db;
use crate::production::db::time;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};

type Created<T> = (StatusCode, axum::Json<T>);

/// The review routes: full task, assignment, comments, previews, time spent.
pub fn router() -> Routes {
    Routes::new()
        .route("/data/tasks/{task}/full", get(full_task))
        .route("/data/tasks/{task}/comments", get(comments))
        .route("/actions/persons/{person}/assign", put(assign))
        .route("/actions/tasks/{task}/comment", post(comment))
        .route(
            "/actions/tasks/{task}/comments/{comment}/add-preview",
            post(add_preview),
        )
        .route(
            "/actions/tasks/{task}/comments/{comment}/preview-files/{preview}",
            post(add_extra_preview),
        )
        .route(
            "/actions/preview-files/{preview}/set-main-preview",
            put(set_main_preview),
        )
        .route(
            "/actions/tasks/{task}/set-main-preview",
            put(set_task_main_preview),
        )
        .route(
            "/actions/tasks/{task}/time-spents/{date}/persons/{person}",
            post(set_time_spent).delete(delete_time_spent),
        )
        .route(
            "/actions/tasks/{task}/time-spents/{date}/persons/{person}/add",
            post(add_time_spent),
        )
        .route("/actions/tasks/{task}/time-spents", get(time_spents))
        .route(
            "/actions/tasks/{task}/time-spents/{date}",
            get(time_spents_on),
        )
}

async fn full_task(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(task): Path<String>,
) -> ApiResult<axum::Json<Row>> {
    Ok(axum::Json(
        read(&state, &me, move |d| db::full_task(d, &task)).await?,
    ))
}

async fn comments(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(task): Path<String>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    Ok(axum::Json(
        read(&state, &me, move |d| db::comments(d, &task)).await?,
    ))
}

async fn assign(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(person): Path<String>,
    Fields(body): Fields,
) -> ApiResult<axum::Json<Vec<Row>>> {
    Ok(axum::Json(
        write(&state, &me, move |d| db::assign(d, &person, &body)).await?,
    ))
}

/// A comment, with its attachments when it is sent as multipart (gazu's
/// `add_comment(attachments=…)`).
async fn comment(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(task): Path<String>,
    body: CommentBody,
) -> ApiResult<Created<Row>> {
    let staged = stage(&state, body.files).await?;
    let fields = body.fields;
    let made = write_with_files(&state, &me, staged, move |d, files| {
        db::comment(d, &task, &fields, files)
    })
    .await?;
    Ok((StatusCode::CREATED, axum::Json(made)))
}

async fn add_preview(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((task, comment)): Path<(String, String)>,
    Fields(body): Fields,
) -> ApiResult<Created<Row>> {
    let made = write(&state, &me, move |d| {
        db::add_preview(d, &task, &comment, &body)
    })
    .await?;
    Ok((StatusCode::CREATED, axum::Json(made)))
}

/// Another picture for the revision of `preview`, uploaded in the same request when it
/// carries a `file` part (the seed's form) or later through `/pictures/preview-files/{id}`
/// (gazu's).
async fn add_extra_preview(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((task, comment, preview)): Path<(String, String, String)>,
    MaybeUpload(upload): MaybeUpload,
) -> ApiResult<Created<Row>> {
    let made = write(&state, &me, move |d| {
        db::add_extra_preview(d, &task, &comment, &preview)
    })
    .await?;
    let made = match upload {
        Some(upload) => {
            let id = crate::production::db::data::text(&made, "id").to_owned();
            store_upload(&state, &me, id, upload).await?
        }
        None => made,
    };
    Ok((StatusCode::CREATED, axum::Json(made)))
}

async fn set_main_preview(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(preview): Path<String>,
) -> ApiResult<axum::Json<Row>> {
    Ok(axum::Json(
        write(&state, &me, move |d| db::set_main_preview(d, &preview)).await?,
    ))
}

async fn set_task_main_preview(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(task): Path<String>,
) -> ApiResult<axum::Json<Row>> {
    Ok(axum::Json(
        write(&state, &me, move |d| db::set_task_main_preview(d, &task)).await?,
    ))
}

async fn time_spent(
    state: AppState,
    me: crate::auth::CurrentUser,
    (task, date, person): (String, String, String),
    body: Row,
    add: bool,
) -> ApiResult<Created<Row>> {
    let row = write(&state, &me, move |d| {
        time::set_time_spent(d, &task, &date, &person, &body, add)
    })
    .await?;
    Ok((StatusCode::CREATED, axum::Json(row)))
}

async fn set_time_spent(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(path): Path<(String, String, String)>,
    Fields(body): Fields,
) -> ApiResult<Created<Row>> {
    time_spent(state, me, path, body, false).await
}

/// Zou answers the removed row (its duration now 0) with 201.
async fn delete_time_spent(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((task, date, person)): Path<(String, String, String)>,
) -> ApiResult<Created<Row>> {
    let row = write(&state, &me, move |d| {
        time::delete_time_spent(d, &task, &date, &person)
    })
    .await?;
    Ok((StatusCode::CREATED, axum::Json(row)))
}

async fn add_time_spent(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(path): Path<(String, String, String)>,
    Fields(body): Fields,
) -> ApiResult<Created<Row>> {
    time_spent(state, me, path, body, true).await
}

async fn time_spents(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(task): Path<String>,
) -> ApiResult<axum::Json<Row>> {
    Ok(axum::Json(
        read(&state, &me, move |d| time::time_spents(d, &task, None)).await?,
    ))
}

async fn time_spents_on(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((task, date)): Path<(String, String)>,
) -> ApiResult<axum::Json<Row>> {
    Ok(axum::Json(
        read(&state, &me, move |d| {
            time::time_spents(d, &task, Some(&date))
        })
        .await?,
    ))
}
