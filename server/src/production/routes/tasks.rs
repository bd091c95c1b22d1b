//! The task routes of Kitsu's lists and task panel that act on several tasks or on the
//! person's own following of them: subscriptions, cleared assignments, priorities.

use super::gate::Routes;
use super::{Fields, read, write};
use crate::auth::Authed;
use crate::error::ApiResult;
use crate::extract::Path;
use crate::production::db::Row;
use crate::production::db::tasks as db;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post, put};

/// Subscriptions, cleared assignments and priorities.
pub fn router() -> Routes {
    Routes::new()
        .route("/data/user/tasks/{task}/subscribed", get(subscribed))
        .route("/actions/user/tasks/{task}/subscribe", post(subscribe))
        .route(
            "/actions/user/tasks/{task}/unsubscribe",
            delete(unsubscribe),
        )
        .route("/actions/user/tasks/subscribe", post(subscribe_many))
        .route("/actions/user/tasks/unsubscribe", post(unsubscribe_many))
        .route("/actions/tasks/clear-assignation", put(clear_assignation))
        .route("/actions/tasks/set-priority", put(set_priority))
}

async fn subscribed(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(task): Path<String>,
) -> ApiResult<axum::Json<bool>> {
    Ok(axum::Json(
        read(&state, &me, move |d| db::is_subscribed(d, &task)).await?,
    ))
}

async fn subscribe(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(task): Path<String>,
    Fields(_): Fields,
) -> ApiResult<(StatusCode, axum::Json<Row>)> {
    let made = write(&state, &me, move |d| db::subscribe(d, &task)).await?;
    Ok((StatusCode::CREATED, axum::Json(made)))
}

async fn unsubscribe(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(task): Path<String>,
) -> ApiResult<StatusCode> {
    write(&state, &me, move |d| db::unsubscribe(d, &task)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn subscribe_many(
    Authed(me): Authed,
    State(state): State<AppState>,
    Fields(body): Fields,
) -> ApiResult<(StatusCode, axum::Json<Vec<Row>>)> {
    let made = write(&state, &me, move |d| db::subscribe_many(d, &body)).await?;
    Ok((StatusCode::CREATED, axum::Json(made)))
}

async fn unsubscribe_many(
    Authed(me): Authed,
    State(state): State<AppState>,
    Fields(body): Fields,
) -> ApiResult<axum::Json<Vec<String>>> {
    Ok(axum::Json(
        write(&state, &me, move |d| db::unsubscribe_many(d, &body)).await?,
    ))
}

async fn clear_assignation(
    Authed(me): Authed,
    State(state): State<AppState>,
    Fields(body): Fields,
) -> ApiResult<axum::Json<Vec<String>>> {
    Ok(axum::Json(
        write(&state, &me, move |d| db::clear_assignation(d, &body)).await?,
    ))
}

async fn set_priority(
    Authed(me): Authed,
    State(state): State<AppState>,
    Fields(body): Fields,
) -> ApiResult<axum::Json<Vec<Row>>> {
    Ok(axum::Json(
        write(&state, &me, move |d| db::set_priority(d, &body)).await?,
    ))
}
