//! What a person works on (`GET /data/user/…`, gazu's `user` module): their open projects,
//! and the asset types, assets, episodes, sequences, shots and scenes where they have a task,
//! with their own tasks and task types on one entity.

use super::breakdown::listed;
use super::data::{query_pairs, query_param};
use super::gate::Routes;
use super::{get_read, read, read_json};
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::production::db::mine as db;
use crate::production::db::names;
use crate::production::db::project::open_projects;
use crate::production::db::time;
use crate::production::db::{ListQuery, Row};
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::routing::get;

/// The kinds of entity a person's own tasks and task types are listed on.
pub(super) const MY_ENTITY_KINDS: &[&str] = &["assets", "shots", "sequences", "scenes"];
/// What a sequence lists of the person's work.
pub(super) const MY_SEQUENCE_LISTS: &[&str] = &["shots", "scenes"];
/// Every `{kind}` under a sequence: its lists, and the person's tasks and task types on it.
pub(super) const MY_SEQUENCE_PATHS: &[&str] = &["shots", "scenes", "tasks", "task-types"];

/// The routes.
pub fn router() -> Routes {
    Routes::new()
        .route("/data/user/projects/open", get(my_open_projects))
        .route(
            "/data/user/projects/{project}/asset-types",
            get_read(|d, project: String| db::asset_types(d, &project)),
        )
        .route(
            "/data/user/projects/{project}/asset-types/{asset_type}/assets",
            get_read(|d, (project, asset_type): (String, String)| {
                db::assets_of_type(d, &project, &asset_type)
            }),
        )
        .route(
            "/data/user/projects/{project}/sequences",
            get_read(|d, project: String| db::sequences(d, &project)),
        )
        .route(
            "/data/user/projects/{project}/episodes",
            get_read(|d, project: String| db::episodes(d, &project)),
        )
        .route("/data/user/sequences/{sequence}/{kind}", get(my_children))
        .route("/data/user/{kind}/{entity}/tasks", get(my_tasks))
        .route("/data/user/{kind}/{entity}/task-types", get(my_task_types))
        .route("/data/user/time-spents", get(my_time_between))
        .route(
            "/data/user/tasks/{task}/time-spents/{date}",
            get_read(|d, (task, date): (String, String)| time::my_task_time_spent(d, &task, &date)),
        )
        .route(
            "/data/user/day-offs/{date}",
            get_read(|d, date: String| time::my_day_off(d, &date)),
        )
        .route(
            "/data/persons/{person}/time-spents",
            get(person_time_between),
        )
        .route(
            "/data/persons/{person}/time-spents/{date}",
            get_read(|d, (person, date): (String, String)| {
                time::time_spents_between(d, Some(&person), &date, &date)
            }),
        )
}

/// `start_date` and `end_date` from the query string (400 when one is missing).
fn period(raw: Option<&str>) -> ApiResult<(String, String)> {
    let pairs = query_pairs(raw);
    let get = |name: &str| {
        query_param(&pairs, name)
            .ok_or_else(|| ApiError::BadRequest(format!("`{name}` (YYYY-MM-DD) is required")))
    };
    Ok((get("start_date")?, get("end_date")?))
}

async fn my_time_between(
    Authed(me): Authed,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Rows {
    let (start, end) = period(raw.as_deref())?;
    read_json(&state, &me, move |d| {
        time::time_spents_between(d, None, &start, &end)
    })
    .await
}

async fn person_time_between(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(person): Path<String>,
    RawQuery(raw): RawQuery,
) -> Rows {
    let (start, end) = period(raw.as_deref())?;
    read_json(&state, &me, move |d| {
        time::time_spents_between(d, Some(&person), &start, &end)
    })
    .await
}

type Rows = ApiResult<axum::Json<Vec<Row>>>;

async fn my_open_projects(
    Authed(me): Authed,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Rows {
    let query = ListQuery::parse(query_pairs(raw.as_deref()))?;
    read_json(&state, &me, move |d| open_projects(d, &query)).await
}

/// `/data/user/sequences/{s}/…`: the sequence's shots or scenes, or (as on any entity) the
/// person's tasks and task types on it; the router sends all four here.
async fn my_children(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((sequence, kind)): Path<(String, String)>,
) -> Rows {
    let found = match kind.as_str() {
        "tasks" => {
            read(&state, &me, move |d| {
                db::tasks(d, names::SEQUENCES, &sequence)
            })
            .await?
        }
        "task-types" => {
            read(&state, &me, move |d| {
                db::task_types(d, names::SEQUENCES, &sequence)
            })
            .await?
        }
        _ => {
            let route = listed(MY_SEQUENCE_LISTS, &kind)
                .ok_or_else(|| ApiError::NotFound(format!("a sequence lists no `{kind}`")))?;
            read(&state, &me, move |d| db::children(d, &sequence, route)).await?
        }
    };
    Ok(axum::Json(found))
}

async fn my_tasks(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((kind, entity)): Path<(String, String)>,
) -> Rows {
    let route = listed(MY_ENTITY_KINDS, &kind)
        .ok_or_else(|| ApiError::NotFound(format!("`{kind}` have no tasks of yours")))?;
    read_json(&state, &me, move |d| db::tasks(d, route, &entity)).await
}

async fn my_task_types(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((kind, entity)): Path<(String, String)>,
) -> Rows {
    let route = listed(MY_ENTITY_KINDS, &kind)
        .ok_or_else(|| ApiError::NotFound(format!("`{kind}` have no tasks of yours")))?;
    read_json(&state, &me, move |d| db::task_types(d, route, &entity)).await
}
