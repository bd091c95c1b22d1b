//! The routes of Kitsu's budget and production schedule pages: a production's budgets and
//! their entries, the time spent by month to set against them, production schedule
//! versions with their task links (copied, edited, applied to the production), and a task
//! type's schedule broken down by asset type, sequence, episode or edit.

use super::data::query_pairs;
use super::gate::Routes;
use super::{Fields, read, write};
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::production::db::Row;
use crate::production::db::schedule_items::{self, Breakdown};
use crate::production::db::{budgets, schedule_versions as versions};
use crate::state::AppState;
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde_json::Value;

/// Budgets, schedule versions and the broken-down task type schedule.
pub fn router() -> Routes {
    Routes::new()
        .route(
            "/data/projects/{project}/budgets",
            get(list_budgets).post(create_budget),
        )
        .route(
            "/data/projects/{project}/budgets/time-spents",
            get(month_time_spents),
        )
        .route(
            "/data/projects/{project}/budgets/{budget}",
            get(get_budget).put(update_budget).delete(delete_budget),
        )
        .route(
            "/data/projects/{project}/budgets/{budget}/entries",
            get(list_entries).post(create_entry),
        )
        .route(
            "/data/projects/{project}/budgets/{budget}/entries/{entry}",
            get(get_entry).put(update_entry).delete(delete_entry),
        )
        .route(
            "/data/projects/{project}/schedule-items/{task_type}/{kind}",
            get(schedule_items),
        )
        .route(
            "/data/production-schedule-versions",
            get(list_versions).post(create_version),
        )
        .route(
            "/data/production-schedule-versions/{version}",
            get(get_version).put(update_version).delete(delete_version),
        )
        .route(
            "/data/production-schedule-versions/{version}/task-links",
            get(task_links),
        )
        .route(
            "/data/production-schedule-version-task-links",
            post(create_task_link),
        )
        .route(
            "/data/production-schedule-version-task-links/{link}",
            get(get_task_link)
                .put(update_task_link)
                .delete(delete_task_link),
        )
        .route(
            "/actions/production-schedule-versions/{version}/set-task-links-from-production",
            post(links_from_production),
        )
        .route(
            "/actions/production-schedule-versions/{version}/set-task-links-from-production-schedule-version",
            post(links_from_version),
        )
        .route(
            "/actions/production-schedule-versions/{version}/apply-to-production",
            post(apply_to_production),
        )
}

/// A query parameter's value.
fn param(raw: Option<&str>, name: &str) -> Option<String> {
    query_pairs(raw)
        .into_iter()
        .find(|(k, v)| k == name && !v.is_empty())
        .map(|(_, v)| v)
}

async fn list_budgets(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<String>,
) -> ApiResult<Json<Vec<Row>>> {
    Ok(Json(
        read(&state, &me, move |d| budgets::budgets(d, &project)).await?,
    ))
}

/// Zou answers 200 for a new budget or entry (these are not its generic creations).
async fn create_budget(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<String>,
    Fields(body): Fields,
) -> ApiResult<Json<Row>> {
    Ok(Json(
        write(&state, &me, move |d| {
            budgets::create_budget(d, &project, &body)
        })
        .await?,
    ))
}

async fn month_time_spents(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<String>,
) -> ApiResult<Json<Row>> {
    Ok(Json(
        read(&state, &me, move |d| {
            budgets::month_time_spents(d, &project)
        })
        .await?,
    ))
}

async fn get_budget(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, budget)): Path<(String, String)>,
) -> ApiResult<Json<Row>> {
    Ok(Json(
        read(&state, &me, move |d| budgets::budget(d, &project, &budget)).await?,
    ))
}

async fn update_budget(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, budget)): Path<(String, String)>,
    Fields(body): Fields,
) -> ApiResult<Json<Row>> {
    Ok(Json(
        write(&state, &me, move |d| {
            budgets::update_budget(d, &project, &budget, &body)
        })
        .await?,
    ))
}

async fn delete_budget(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, budget)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    write(&state, &me, move |d| {
        budgets::delete_budget(d, &project, &budget)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_entries(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, budget)): Path<(String, String)>,
) -> ApiResult<Json<Vec<Row>>> {
    Ok(Json(
        read(&state, &me, move |d| budgets::entries(d, &project, &budget)).await?,
    ))
}

async fn create_entry(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, budget)): Path<(String, String)>,
    Fields(body): Fields,
) -> ApiResult<Json<Row>> {
    Ok(Json(
        write(&state, &me, move |d| {
            budgets::create_entry(d, &project, &budget, &body)
        })
        .await?,
    ))
}

async fn get_entry(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, budget, entry)): Path<(String, String, String)>,
) -> ApiResult<Json<Row>> {
    Ok(Json(
        read(&state, &me, move |d| {
            budgets::entry(d, &project, &budget, &entry)
        })
        .await?,
    ))
}

async fn update_entry(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, budget, entry)): Path<(String, String, String)>,
    Fields(body): Fields,
) -> ApiResult<Json<Row>> {
    Ok(Json(
        write(&state, &me, move |d| {
            budgets::update_entry(d, &project, &budget, &entry, &body)
        })
        .await?,
    ))
}

async fn delete_entry(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, budget, entry)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    write(&state, &me, move |d| {
        budgets::delete_entry(d, &project, &budget, &entry)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A read that may write: the missing schedule items are made as it reads.
async fn schedule_items(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, task_type, kind)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Vec<Row>>> {
    let kind = Breakdown::from_route(&kind)
        .ok_or_else(|| ApiError::NotFound(format!("no schedule items by `{kind}`")))?;
    let episode = param(raw.as_deref(), "episode_id");
    Ok(Json(
        write(&state, &me, move |d| {
            schedule_items::items(d, &project, &task_type, kind, episode.as_deref())
        })
        .await?,
    ))
}

async fn list_versions(
    Authed(me): Authed,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Vec<Row>>> {
    let project = param(raw.as_deref(), "project_id");
    Ok(Json(
        read(&state, &me, move |d| {
            versions::versions(d, project.as_deref())
        })
        .await?,
    ))
}

async fn create_version(
    Authed(me): Authed,
    State(state): State<AppState>,
    Fields(body): Fields,
) -> ApiResult<(StatusCode, Json<Row>)> {
    let made = write(&state, &me, move |d| versions::create_version(d, &body)).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

async fn get_version(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(version): Path<String>,
) -> ApiResult<Json<Row>> {
    Ok(Json(
        read(&state, &me, move |d| versions::version(d, &version)).await?,
    ))
}

async fn update_version(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(version): Path<String>,
    Fields(body): Fields,
) -> ApiResult<Json<Row>> {
    Ok(Json(
        write(&state, &me, move |d| {
            versions::update_version(d, &version, &body)
        })
        .await?,
    ))
}

async fn delete_version(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(version): Path<String>,
) -> ApiResult<StatusCode> {
    write(&state, &me, move |d| versions::delete_version(d, &version)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn task_links(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(version): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Vec<Row>>> {
    let task_type = param(raw.as_deref(), "task_type_id");
    Ok(Json(
        read(&state, &me, move |d| {
            versions::task_links(d, &version, task_type.as_deref())
        })
        .await?,
    ))
}

async fn create_task_link(
    Authed(me): Authed,
    State(state): State<AppState>,
    Fields(body): Fields,
) -> ApiResult<(StatusCode, Json<Row>)> {
    let made = write(&state, &me, move |d| versions::create_task_link(d, &body)).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

async fn get_task_link(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(link): Path<String>,
) -> ApiResult<Json<Row>> {
    Ok(Json(
        read(&state, &me, move |d| versions::task_link(d, &link)).await?,
    ))
}

async fn update_task_link(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(link): Path<String>,
    Fields(body): Fields,
) -> ApiResult<Json<Row>> {
    Ok(Json(
        write(&state, &me, move |d| {
            versions::update_task_link(d, &link, &body)
        })
        .await?,
    ))
}

async fn delete_task_link(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(link): Path<String>,
) -> ApiResult<StatusCode> {
    write(&state, &me, move |d| versions::delete_task_link(d, &link)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn links_from_production(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(version): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        write(&state, &me, move |d| {
            versions::set_links_from_production(d, &version)
        })
        .await?,
    ))
}

async fn links_from_version(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(version): Path<String>,
    Fields(body): Fields,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        write(&state, &me, move |d| {
            versions::set_links_from_version(d, &version, &body)
        })
        .await?,
    ))
}

async fn apply_to_production(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(version): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        write(&state, &me, move |d| {
            versions::apply_to_production(d, &version)
        })
        .await?,
    ))
}
