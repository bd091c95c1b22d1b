//! A pipeline's files as gazu's `files` module reads them: output files of an entity or an
//! asset instance (all, the last revisions, the next revision number, their output types)
//! and working files of a task or an entity.

use super::data::query_pairs;
use super::gate::Routes;
use super::{Fields, get_read, read_json};
use crate::auth::Authed;
use crate::error::ApiResult;
use crate::extract::Path;
use crate::production::db::Row;
use crate::production::db::files::{self as db, OutputFilters, Outputs};
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::routing::{get, post};
use serde_json::Value;

/// The routes.
pub fn router() -> Routes {
    Routes::new()
        .route("/data/entities/{entity}/output-files", get(entity_outputs))
        .route(
            "/data/entities/{entity}/output-files/last-revisions",
            get(entity_last_outputs),
        )
        .route(
            "/data/entities/{entity}/output-files/next-revision",
            post(entity_next_revision),
        )
        .route(
            "/data/asset-instances/{instance}/output-files",
            get(instance_outputs),
        )
        .route(
            "/data/asset-instances/{instance}/entities/{temporal}/output-files/last-revisions",
            get(instance_last_outputs),
        )
        .route(
            "/data/asset-instances/{instance}/entities/{temporal}/output-files/next-revision",
            post(instance_next_revision),
        )
        .route(
            "/data/asset-instances/{instance}/entities/{temporal}/output-types",
            get_read(|d, (instance, temporal): (String, String)| {
                db::instance_output_types(d, &instance, &temporal)
            }),
        )
        .route(
            "/data/tasks/{task}/working-files",
            get_read(|d, task: String| db::task_working_files(d, &task)),
        )
        .route(
            "/data/tasks/{task}/working-files/last-revisions",
            get_read(|d, task: String| db::last_working_files(d, &task)),
        )
        .route(
            "/data/entities/{entity}/working-files",
            get(entity_working_files),
        )
}

type Rows = ApiResult<axum::Json<Vec<Row>>>;

fn filters(raw: Option<&str>) -> OutputFilters {
    OutputFilters::from_pairs(&query_pairs(raw))
}

async fn entity_outputs(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(entity): Path<String>,
    RawQuery(raw): RawQuery,
) -> Rows {
    let filters = filters(raw.as_deref());
    read_json(&state, &me, move |d| {
        db::output_files(d, &Outputs::Entity(&entity), &filters)
    })
    .await
}

async fn entity_last_outputs(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(entity): Path<String>,
    RawQuery(raw): RawQuery,
) -> Rows {
    let filters = filters(raw.as_deref());
    read_json(&state, &me, move |d| {
        db::last_output_files(d, &Outputs::Entity(&entity), &filters)
    })
    .await
}

async fn entity_next_revision(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(entity): Path<String>,
    Fields(body): Fields,
) -> ApiResult<axum::Json<Value>> {
    read_json(&state, &me, move |d| {
        db::next_output_revision(d, &Outputs::Entity(&entity), &body)
    })
    .await
}

async fn instance_outputs(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(instance): Path<String>,
    RawQuery(raw): RawQuery,
) -> Rows {
    let filters = filters(raw.as_deref());
    read_json(&state, &me, move |d| {
        db::output_files(d, &Outputs::Instance(&instance), &filters)
    })
    .await
}

async fn instance_last_outputs(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((instance, temporal)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Rows {
    let filters = filters(raw.as_deref());
    read_json(&state, &me, move |d| {
        db::last_output_files(d, &Outputs::InstanceIn(&instance, &temporal), &filters)
    })
    .await
}

async fn instance_next_revision(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((instance, temporal)): Path<(String, String)>,
    Fields(body): Fields,
) -> ApiResult<axum::Json<Value>> {
    read_json(&state, &me, move |d| {
        db::next_output_revision(d, &Outputs::InstanceIn(&instance, &temporal), &body)
    })
    .await
}

async fn entity_working_files(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(entity): Path<String>,
    RawQuery(raw): RawQuery,
) -> Rows {
    let pairs = query_pairs(raw.as_deref());
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.clone())
    };
    let (task, name) = (param("task_id"), param("name"));
    read_json(&state, &me, move |d| {
        db::entity_working_files(d, &entity, task.as_deref(), name.as_deref())
    })
    .await
}
