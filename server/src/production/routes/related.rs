//! The lists gazu reads around one entity, task or person: an entity's task types and its
//! tasks of one type, the tasks of the shots under a sequence or an episode, an episode's
//! shots and asset tasks, the assets cast in a shot and their types, a task's or a shot's
//! previews, and another person's tasks.

use super::breakdown::{ENTITY_KINDS, listed};
use super::gate::Routes;
use super::{get_read, read_json};
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::production::db::casting;
use crate::production::db::names::{self, ModelName};
use crate::production::db::related as db;
use crate::production::db::{ListQuery, Row};
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::routing::get;

/// The kinds with a list of the tasks of the shots under them.
pub(super) const SHOT_PARENTS: &[&str] = &["sequences", "episodes"];
/// The kinds whose previews are listed by task type.
pub(super) const PREVIEWED_KINDS: &[&str] = &["shots", "assets", "edits", "sequences", "concepts"];

/// The routes.
pub fn router() -> Routes {
    Routes::new()
        .route("/data/{kind}/{entity}/task-types", get(entity_task_types))
        .route(
            "/data/entities/{entity}/task-types/{task_type}/tasks",
            get_read(|d, (entity, task_type): (String, String)| {
                db::entity_tasks_of_type(d, &entity, &task_type)
            }),
        )
        .route("/data/{kind}/{entity}/shot-tasks", get(shot_tasks))
        .route("/data/episodes/{episode}/asset-tasks", get(asset_tasks))
        .route(
            "/data/episodes/{episode}/shots",
            get_read(|d, episode: String| db::episode_shots(d, &episode)),
        )
        .route(
            "/data/shots/{shot}/assets",
            get_read(|d, shot: String| casting::shot_assets(d, &shot)),
        )
        .route(
            "/data/shots/{shot}/asset-types",
            get_read(|d, shot: String| db::shot_asset_types(d, &shot)),
        )
        .route(
            "/data/tasks/{task}/previews",
            get_read(|d, task: String| db::task_previews(d, &task)),
        )
        .route("/data/{kind}/{entity}/preview-files", get(entity_previews))
        // What the review room offers for an entity of any kind: its previews by task type.
        .route(
            "/data/playlists/entities/{entity}/preview-files",
            get_read(|d, entity: String| {
                db::entity_previews_by_task_type(d, names::ENTITIES, &entity)
            }),
        )
        .route(
            "/data/persons/{person}/tasks",
            get_read(|d, person: String| db::person_tasks(d, &person, false)),
        )
        .route(
            "/data/persons/{person}/done-tasks",
            get_read(|d, person: String| db::person_tasks(d, &person, true)),
        )
        .route(
            "/data/playlists/preview-files/running",
            get(running_previews),
        )
}

async fn running_previews(
    Authed(me): Authed,
    State(state): State<AppState>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    read_json(&state, &me, db::running_previews).await
}

/// The model a `{kind}` path segment names among `kinds`, or 404.
fn kind_of(kinds: &[&str], kind: &str, what: &str) -> ApiResult<ModelName> {
    listed(kinds, kind).ok_or_else(|| ApiError::NotFound(format!("`{kind}` have no {what}")))
}

/// `relations=true` from the query string.
fn relations(raw: Option<&str>) -> ApiResult<bool> {
    Ok(ListQuery::parse(super::data::query_pairs(raw))?.relations)
}

async fn entity_task_types(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((kind, entity)): Path<(String, String)>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    let kind = kind_of(ENTITY_KINDS, &kind, "task types")?;
    read_json(&state, &me, move |d| {
        db::entity_task_types(d, kind, &entity)
    })
    .await
}

async fn shot_tasks(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((kind, entity)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<axum::Json<Vec<Row>>> {
    let kind = kind_of(SHOT_PARENTS, &kind, "shot tasks")?;
    let relations = relations(raw.as_deref())?;
    read_json(&state, &me, move |d| {
        db::shot_tasks_under(d, kind, &entity, relations)
    })
    .await
}

async fn asset_tasks(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(episode): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<axum::Json<Vec<Row>>> {
    let relations = relations(raw.as_deref())?;
    read_json(&state, &me, move |d| {
        db::episode_asset_tasks(d, &episode, relations)
    })
    .await
}

async fn entity_previews(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((kind, entity)): Path<(String, String)>,
) -> ApiResult<axum::Json<Row>> {
    let kind = kind_of(PREVIEWED_KINDS, &kind, "previews by task type")?;
    read_json(&state, &me, move |d| {
        db::entity_previews_by_task_type(d, kind, &entity)
    })
    .await
}
