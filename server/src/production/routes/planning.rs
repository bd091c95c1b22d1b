//! The routes of Kitsu's "My tasks", "My checks" and task type pages that plan work: the
//! tasks waiting for the person's feedback, their time spent on a day, day offs, and the
//! task type schedule of a production.

use super::data::{query_pairs, query_param};
use super::gate::Routes;
use super::read;
use super::write;
use crate::auth::Authed;
use crate::error::ApiResult;
use crate::extract::Path;
use crate::production::db::{Row, day_offs, schedule, time, user};
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::routing::get;
use serde_json::Value;

/// Checks, the person's day, day offs and the task type schedule.
pub fn router() -> Routes {
    Routes::new()
        .route("/data/user/tasks-to-check", get(tasks_to_check))
        .route("/data/user/time-spents/{date}", get(my_time_spents))
        .route("/data/persons/{person}/day-offs", get(person_day_offs))
        .route("/data/projects/{project}/day-offs", get(project_day_offs))
        .route(
            "/data/projects/{project}/schedule-items/task-types",
            get(task_type_schedule),
        )
}

async fn tasks_to_check(
    Authed(me): Authed,
    State(state): State<AppState>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    Ok(axum::Json(read(&state, &me, user::tasks_to_check).await?))
}

async fn my_time_spents(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(date): Path<String>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    Ok(axum::Json(
        read(&state, &me, move |d| time::my_time_spents(d, &date)).await?,
    ))
}

async fn person_day_offs(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(person): Path<String>,
) -> ApiResult<axum::Json<Vec<Value>>> {
    Ok(axum::Json(
        read(&state, &me, move |d| day_offs::person_day_offs(d, &person)).await?,
    ))
}

async fn project_day_offs(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<axum::Json<Row>> {
    let pairs = query_pairs(raw.as_deref());
    let param = |name: &str| query_param(&pairs, name);
    let (start, end) = (param("start_date"), param("end_date"));
    Ok(axum::Json(
        read(&state, &me, move |d| {
            day_offs::project_day_offs(d, &project, start.as_deref(), end.as_deref())
        })
        .await?,
    ))
}

/// A read that may write: the missing schedule items are made as it reads.
async fn task_type_schedule(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<String>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    Ok(axum::Json(
        write(&state, &me, move |d| schedule::task_type_items(d, &project)).await?,
    ))
}
