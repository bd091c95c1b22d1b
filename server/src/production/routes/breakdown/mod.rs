//! The breakdown routes gazu calls by name: assets under a project and asset type, episodes,
//! sequences and shots (made idempotently), the lists with their parents' names, an entity's
//! tasks, casting and asset instances. Here: the assets, episodes, sequences and shots and
//! their lists; the with-tasks lists in [`lists`], casting and instances in [`casting`].

mod casting;
mod lists;

use super::data::query_pairs;
use super::gate::Routes;
use super::{Fields, get_read, read_json, write};
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::production::db::breakdown as db;
use crate::production::db::files::{self, OutputFilters};
use crate::production::db::names::{self, ModelName};
use crate::production::db::related::{self, PROJECT_TASK_LISTS};
use crate::production::db::{ListQuery, Row, project::project_rows};
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{MethodRouter, get, post};
use serde_json::Value;

type Created<T> = (StatusCode, axum::Json<T>);

/// The breakdown routes: assets, episodes, sequences, shots, casting, instances.
pub fn router() -> Routes {
    Routes::new()
        .route(
            "/data/projects/{project}/asset-types/{asset_type}/assets/new",
            post(new_asset),
        )
        .route(
            "/data/projects/{project}/asset-types/{asset_type}/assets",
            get(assets_of_type),
        )
        .route(
            "/actions/projects/{project}/asset-types/{asset_type}/assets/share",
            post(share_assets),
        )
        .route(
            "/actions/projects/{project}/task-types/{task_type}/{kind}/create-tasks",
            post(create_tasks),
        )
        .route(
            "/data/projects/{project}/{kind}",
            get(project_list).post(new_temporal),
        )
        .route("/data/assets/all", all_of(names::ASSETS))
        .route("/data/shots/all", get(all_shots))
        .route("/data/edits/all", all_of(names::EDITS))
        .route("/data/scenes/all", all_of(names::SCENES))
        .route(
            "/data/sequences/{sequence}/shots",
            get_read(|d, sequence: String| {
                let sequence = d.get(names::SEQUENCES, &sequence)?;
                let id = crate::production::db::data::text(&sequence, "id");
                db::shots_with_names(d, &ListQuery::filtered(&[("parent_id", id)]))
            }),
        )
        .route(
            "/data/episodes/{episode}/sequences",
            get_read(|d, episode: String| {
                let episode = d.get(names::EPISODES, &episode)?;
                let id = crate::production::db::data::text(&episode, "id");
                d.list(names::SEQUENCES, &[("parent_id", id)])
            }),
        )
        .route("/data/{kind}/{entity}/tasks", get(entity_tasks))
        .merge(lists::router())
        .merge(casting::router())
}

fn list_query(raw: Option<&str>) -> ApiResult<ListQuery> {
    Ok(ListQuery::parse(query_pairs(raw))?)
}

fn created<T>(value: T) -> Created<T> {
    (StatusCode::CREATED, axum::Json(value))
}

async fn new_asset(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, asset_type)): Path<(String, String)>,
    Fields(body): Fields,
) -> ApiResult<Created<Row>> {
    let made = write(&state, &me, move |d| {
        db::new_asset(d, &project, &asset_type, &body)
    })
    .await?;
    Ok(created(made))
}

async fn assets_of_type(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, asset_type)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<axum::Json<Vec<Row>>> {
    let mut query = list_query(raw.as_deref())?;
    query.filters.push(("entity_type_id".into(), asset_type));
    read_json(&state, &me, move |d| {
        project_rows(d, &project, names::ASSETS, &query)
    })
    .await
}

async fn share_assets(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, asset_type)): Path<(String, String)>,
    Fields(body): Fields,
) -> ApiResult<Created<Vec<Row>>> {
    let shared = match body.get("is_shared") {
        None | Some(Value::Null) => true,
        Some(v) => crate::production::db::schema::parse_bool(v)
            .ok_or_else(|| ApiError::BadRequest("`is_shared` must be true or false".into()))?,
    };
    let changed = write(&state, &me, move |d| {
        db::share_assets(d, &project, &asset_type, shared)
    })
    .await?;
    Ok(created(changed))
}

/// The model a URL's `{kind}` names, when it is one of `kinds`.
pub(super) fn listed(kinds: &[&str], kind: &str) -> Option<ModelName> {
    kinds
        .contains(&kind)
        .then(|| crate::production::db::by_route(kind))
        .flatten()
        .map(|model| model.route)
}

/// The lists under a project, by kind.
pub(super) const PROJECT_LISTS: &[&str] = &[
    "assets",
    "episodes",
    "sequences",
    "shots",
    "scenes",
    "edits",
    "tasks",
    "schedule-items",
    "milestones",
    "concepts",
    // Read through the project's tasks.
    "comments",
    "preview-files",
    "subscriptions",
    "notifications",
    "entity-links",
    "output-files",
];

/// What `POST /data/projects/{p}/{kind}` makes by name.
pub(super) const PROJECT_CREATIONS: &[&str] = &[
    "episodes",
    "sequences",
    "shots",
    "scenes",
    "edits",
    "concepts",
];

async fn project_list(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, kind)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<axum::Json<Vec<Row>>> {
    let Some(kind) = listed(PROJECT_LISTS, &kind) else {
        return Err(ApiError::NotFound(format!(
            "no list `{kind}` under a project"
        )));
    };
    let query = list_query(raw.as_deref())?;
    let filters = OutputFilters::from_pairs(&query_pairs(raw.as_deref()));
    read_json(&state, &me, move |d| {
        if PROJECT_TASK_LISTS.contains(&kind.as_str()) {
            return related::project_task_rows(d, &project, kind.as_str());
        }
        if kind == names::OUTPUT_FILES {
            return files::project_output_files(d, &project, &filters);
        }
        let mut rows = project_rows(d, &project, kind, &query)?;
        if kind == names::SHOTS {
            db::add_names(d, &mut rows, "parent_id", "prod_entity", "sequence_name")?;
        }
        Ok(rows)
    })
    .await
}

async fn new_temporal(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, kind)): Path<(String, String)>,
    Fields(body): Fields,
) -> ApiResult<Created<Row>> {
    let Some(kind) = listed(PROJECT_CREATIONS, &kind) else {
        return Err(ApiError::NotFound(format!(
            "`{kind}` are not made under a project this way"
        )));
    };
    let made = write(&state, &me, move |d| {
        db::new_temporal(d, &project, kind, &body)
    })
    .await?;
    Ok(created(made))
}

/// `GET /data/{assets|edits|scenes}/all`: every row of the kind the person may see (filters from
/// the query string, e.g. `project_id` and `name`, as gazu's `get_edit_by_name` sends).
fn all_of(kind: ModelName) -> MethodRouter<AppState> {
    get(
        move |Authed(me): Authed, State(state): State<AppState>, RawQuery(raw): RawQuery| async move {
            let query = list_query(raw.as_deref())?;
            read_json(&state, &me, move |d| d.query(kind, &query)).await
        },
    )
}

async fn all_shots(
    Authed(me): Authed,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult<axum::Json<Vec<Row>>> {
    let query = list_query(raw.as_deref())?;
    read_json(&state, &me, move |d| db::shots_with_names(d, &query)).await
}

/// Entity kinds `POST /actions/projects/{p}/task-types/{tt}/<kind>/create-tasks` makes
/// tasks on.
pub(super) const TASK_CREATIONS: &[&str] = &[
    "assets",
    "shots",
    "sequences",
    "episodes",
    "edits",
    "concepts",
];

async fn create_tasks(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, task_type, kind)): Path<(String, String, String)>,
    super::EntityIds(body): super::EntityIds,
) -> ApiResult<Created<Vec<Row>>> {
    let Some(kind) = listed(TASK_CREATIONS, &kind) else {
        return Err(ApiError::NotFound(format!(
            "tasks are not made on `{kind}` this way"
        )));
    };
    let made = write(&state, &me, move |d| {
        db::create_tasks(d, &project, &task_type, kind, &body)
    })
    .await?;
    Ok((StatusCode::CREATED, axum::Json(made)))
}

/// Entity kinds whose tasks `GET /data/<kind>/{id}/tasks` lists.
pub(super) const ENTITY_KINDS: &[&str] = &[
    "assets",
    "shots",
    "sequences",
    "episodes",
    "scenes",
    "edits",
    "concepts",
    "entities",
];

async fn entity_tasks(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((kind, entity)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<axum::Json<Vec<Row>>> {
    let Some(kind) = listed(ENTITY_KINDS, &kind) else {
        return Err(ApiError::NotFound(format!("`{kind}` have no tasks")));
    };
    let relations = list_query(raw.as_deref())?.relations;
    read_json(&state, &me, move |d| {
        db::entity_tasks(d, kind, &entity, relations)
    })
    .await
}
