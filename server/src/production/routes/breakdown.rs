//! The breakdown routes gazu calls by name: assets under a project and asset type, episodes,
//! sequences and shots (made idempotently), the lists with their parents' names, an entity's
//! tasks, casting and asset instances.

use super::data::query_pairs;
use super::gate::Routes;
use super::{Fields, read, write};
use crate::auth::Authed;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::production::db::breakdown as db;
use crate::production::db::casting::{self as cast, CastingsOf, ShotsOf};
use crate::production::db::files::{self, OutputFilters};
use crate::production::db::names::{self, ModelName};
use crate::production::db::related::{self, PROJECT_TASK_LISTS};
use crate::production::db::with_tasks::{Form, Kind, with_tasks};
use crate::production::db::{ListQuery, Row, project::project_rows};
use crate::production::lists::Key;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, delete, get, post};
use serde_json::{Map, Value};

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
        .route("/data/assets/all", get(all_assets))
        .route("/data/shots/all", get(all_shots))
        .route("/data/edits/all", all_of(names::EDITS))
        .route("/data/scenes/all", all_of(names::SCENES))
        .route("/data/assets/with-tasks", with_tasks_of(Kind::Assets))
        .route("/data/shots/with-tasks", with_tasks_of(Kind::Shots))
        .route("/data/sequences/with-tasks", with_tasks_of(Kind::Sequences))
        .route("/data/episodes/with-tasks", with_tasks_of(Kind::Episodes))
        .route("/data/edits/with-tasks", with_tasks_of(Kind::Edits))
        .route("/data/sequences/{sequence}/shots", get(sequence_shots))
        .route("/data/episodes/{episode}/sequences", get(episode_sequences))
        .route("/data/{kind}/{entity}/tasks", get(entity_tasks))
        .route("/data/assets/{asset}/assets", get(linked_assets))
        .route("/data/assets/{asset}/cast-in", get(cast_in))
        .route(
            "/data/projects/{project}/entities/{entity}/casting",
            get(casting).put(set_casting),
        )
        .route(
            "/data/projects/{project}/sequences/all/casting",
            get(project_shots_casting),
        )
        .route(
            "/data/projects/{project}/episodes/casting",
            get(episodes_casting),
        )
        .route(
            "/data/projects/{project}/asset-types/{asset_type}/casting",
            get(asset_type_casting),
        )
        .route(
            "/data/projects/{project}/sequences/{sequence}/casting",
            get(sequence_casting),
        )
        .route(
            "/data/projects/{project}/episodes/{episode}/sequences/all/casting",
            get(episode_casting),
        )
        .route(
            "/data/shots/{shot}/asset-instances",
            get(shot_asset_instances).post(add_shot_asset_instance),
        )
        .route(
            "/data/shots/{shot}/asset-instances/{instance}",
            delete(remove_shot_asset_instance),
        )
        .route(
            "/data/assets/{asset}/asset-asset-instances",
            get(asset_asset_instances).post(new_asset_asset_instance),
        )
        .route(
            "/data/scenes/{scene}/shots",
            get(scene_shots).post(scene_shot),
        )
        .route("/data/sequences/{sequence}/scenes", get(sequence_scenes))
        .route("/data/scenes/{scene}/asset-instances", get(scene_instances))
        .route("/data/scenes/{scene}/camera-instances", get(scene_cameras))
        .route(
            "/data/assets/{asset}/shot-asset-instances",
            get(asset_shot_instances),
        )
        .route(
            "/data/assets/{asset}/scene-asset-instances",
            get(asset_scene_instances),
        )
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
    let found = read(&state, &me, move |d| {
        project_rows(d, &project, names::ASSETS, &query)
    })
    .await?;
    Ok(axum::Json(found))
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
    let found = read(&state, &me, move |d| {
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
    .await?;
    Ok(axum::Json(found))
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

async fn all_assets(
    Authed(me): Authed,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult<axum::Json<Vec<Row>>> {
    let query = list_query(raw.as_deref())?;
    let found = read(&state, &me, move |d| d.query(names::ASSETS, &query)).await?;
    Ok(axum::Json(found))
}

/// `GET /data/{edits|scenes}/all`: every row of the kind the person may see (filters from
/// the query string, e.g. `project_id` and `name`, as gazu's `get_edit_by_name` sends).
fn all_of(kind: ModelName) -> MethodRouter<AppState> {
    get(
        move |Authed(me): Authed, State(state): State<AppState>, RawQuery(raw): RawQuery| async move {
            let query = list_query(raw.as_deref())?;
            let found = read(&state, &me, move |d| d.query(kind, &query)).await?;
            ApiResult::Ok(axum::Json(found))
        },
    )
}

/// `GET /data/<kind>/with-tasks?project_id=P[&episode_id=E][&stream=true[&compact=true]]`:
/// the production screens' lists. Streamed, the answer is NDJSON (compact: a header naming
/// the fields, then an array per entity), as Zou writes it; otherwise a JSON list.
fn with_tasks_of(kind: Kind) -> MethodRouter<AppState> {
    get(
        move |Authed(me): Authed, State(state): State<AppState>, RawQuery(raw): RawQuery| async move {
            let pairs = query_pairs(raw.as_deref());
            let param = |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
                    .filter(|v| !v.is_empty())
            };
            let flag = |name: &str| param(name).is_some_and(|v| v == "true" || v == "1");
            let project = param("project_id").ok_or_else(|| {
                ApiError::BadRequest("`project_id` names the production to list".into())
            })?;
            // Episodes have no episode above them.
            let episode = param("episode_id").filter(|_| kind != Kind::Episodes);
            let form = if flag("stream") {
                Form::Stream {
                    compact: flag("compact"),
                }
            } else {
                Form::Plain
            };
            let key = Key {
                kind,
                project,
                episode,
                form,
                person: me.user.id.to_string(),
            };
            let body = kept_or_written(&state, &me, key).await?;
            let content_type = match form {
                Form::Plain => "application/json",
                Form::Stream { .. } => "application/x-ndjson",
            };
            ApiResult::Ok(([(header::CONTENT_TYPE, content_type)], body).into_response())
        },
    )
}

/// The list `key` names: an answer kept since the request came in, when there is one (once
/// the reader is found to still see the project), else written anew, by at most
/// [`BUILDERS`](crate::production::lists::BUILDERS) requests at once, and kept.
async fn kept_or_written(state: &AppState, me: &CurrentUser, key: Key) -> ApiResult<Bytes> {
    // Every write acknowledged before now moved the version to this or below.
    let came_in = state.store.production_version();
    let project = key.project.clone();
    let may_read = |project: String| {
        read(state, me, move |d| {
            d.get(names::PROJECTS, &project).map(|_| ())
        })
    };
    if let Some(kept) = state.lists.get(&key, came_in) {
        may_read(project).await?;
        return Ok(kept);
    }
    let _turn = state.lists.builder().await;
    // Whoever wrote the list while this request waited for its turn kept it.
    if let Some(kept) = state.lists.get(&key, came_in) {
        may_read(project).await?;
        return Ok(kept);
    }
    let version = state.store.production_version();
    let (kind, episode, form) = (key.kind, key.episode.clone(), key.form);
    let body = Bytes::from(
        read(state, me, move |d| {
            with_tasks(d, kind, &project, episode.as_deref(), form)
        })
        .await?,
    );
    state
        .lists
        .keep(key, version, state.store.production_version(), body.clone());
    Ok(body)
}

async fn episodes_casting(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<String>,
) -> ApiResult<axum::Json<Map<String, Value>>> {
    let found = read(&state, &me, move |d| {
        cast::grouped_casting(d, &project, &CastingsOf::Episodes)
    })
    .await?;
    Ok(axum::Json(found))
}

async fn asset_type_casting(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, asset_type)): Path<(String, String)>,
) -> ApiResult<axum::Json<Map<String, Value>>> {
    let found = read(&state, &me, move |d| {
        cast::grouped_casting(d, &project, &CastingsOf::AssetsOfType(&asset_type))
    })
    .await?;
    Ok(axum::Json(found))
}

async fn all_shots(
    Authed(me): Authed,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult<axum::Json<Vec<Row>>> {
    let query = list_query(raw.as_deref())?;
    let found = read(&state, &me, move |d| db::shots_with_names(d, &query)).await?;
    Ok(axum::Json(found))
}

async fn sequence_shots(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(sequence): Path<String>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    let found = read(&state, &me, move |d| {
        let sequence = d.get(names::SEQUENCES, &sequence)?;
        let id = crate::production::db::data::text(&sequence, "id");
        db::shots_with_names(d, &ListQuery::filtered(&[("parent_id", id)]))
    })
    .await?;
    Ok(axum::Json(found))
}

async fn episode_sequences(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(episode): Path<String>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    let found = read(&state, &me, move |d| {
        let episode = d.get(names::EPISODES, &episode)?;
        let id = crate::production::db::data::text(&episode, "id");
        d.list(names::SEQUENCES, &[("parent_id", id)])
    })
    .await?;
    Ok(axum::Json(found))
}

/// Entity kinds `POST /actions/projects/{p}/task-types/{tt}/<kind>/create-tasks` makes
/// tasks on.
pub(super) const TASK_CREATIONS: &[&str] = &["assets", "shots", "sequences", "episodes", "edits"];

async fn create_tasks(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, task_type, kind)): Path<(String, String, String)>,
    Fields(body): Fields,
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
    let found = read(&state, &me, move |d| {
        db::entity_tasks(d, kind, &entity, relations)
    })
    .await?;
    Ok(axum::Json(found))
}

async fn linked_assets(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(asset): Path<String>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    let found = read(&state, &me, move |d| cast::linked_assets(d, &asset)).await?;
    Ok(axum::Json(found))
}

async fn cast_in(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(asset): Path<String>,
) -> ApiResult<axum::Json<Vec<Value>>> {
    let found = read(&state, &me, move |d| cast::cast_in(d, &asset)).await?;
    Ok(axum::Json(found))
}

async fn casting(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, entity)): Path<(String, String)>,
) -> ApiResult<axum::Json<Vec<Value>>> {
    let found = read(&state, &me, move |d| cast::casting(d, &project, &entity)).await?;
    Ok(axum::Json(found))
}

async fn set_casting(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, entity)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> ApiResult<axum::Json<Vec<Value>>> {
    let Ok(Value::Array(casting)) = serde_json::from_slice::<Value>(&body) else {
        return Err(ApiError::BadRequest(
            "Request body must be a JSON array".into(),
        ));
    };
    let sent = write(&state, &me, move |d| {
        cast::set_casting(d, &project, &entity, &casting)
    })
    .await?;
    Ok(axum::Json(sent))
}

async fn project_shots_casting(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<String>,
) -> ApiResult<axum::Json<Map<String, Value>>> {
    let found = read(&state, &me, move |d| {
        cast::shots_casting(d, &project, &ShotsOf::Project)
    })
    .await?;
    Ok(axum::Json(found))
}

async fn sequence_casting(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, sequence)): Path<(String, String)>,
) -> ApiResult<axum::Json<Map<String, Value>>> {
    let found = read(&state, &me, move |d| {
        cast::shots_casting(d, &project, &ShotsOf::Sequence(&sequence))
    })
    .await?;
    Ok(axum::Json(found))
}

async fn episode_casting(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, episode)): Path<(String, String)>,
) -> ApiResult<axum::Json<Map<String, Value>>> {
    let found = read(&state, &me, move |d| {
        cast::shots_casting(d, &project, &ShotsOf::Episode(&episode))
    })
    .await?;
    Ok(axum::Json(found))
}

async fn shot_asset_instances(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(shot): Path<String>,
) -> ApiResult<axum::Json<Map<String, Value>>> {
    let found = read(&state, &me, move |d| cast::shot_asset_instances(d, &shot)).await?;
    Ok(axum::Json(found))
}

async fn add_shot_asset_instance(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(shot): Path<String>,
    Fields(body): Fields,
) -> ApiResult<Created<Row>> {
    let shot = write(&state, &me, move |d| {
        cast::add_shot_asset_instance(d, &shot, &body)
    })
    .await?;
    Ok(created(shot))
}

async fn remove_shot_asset_instance(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((shot, instance)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    write(&state, &me, move |d| {
        cast::remove_shot_asset_instance(d, &shot, &instance)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn asset_asset_instances(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(asset): Path<String>,
) -> ApiResult<axum::Json<Map<String, Value>>> {
    let found = read(&state, &me, move |d| cast::asset_asset_instances(d, &asset)).await?;
    Ok(axum::Json(found))
}

async fn new_asset_asset_instance(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(asset): Path<String>,
    Fields(body): Fields,
) -> ApiResult<Created<Row>> {
    let made = write(&state, &me, move |d| {
        cast::new_asset_asset_instance(d, &asset, &body)
    })
    .await?;
    Ok(created(made))
}

async fn scene_shot(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(scene): Path<String>,
    Fields(body): Fields,
) -> ApiResult<axum::Json<Row>> {
    let shot = write(&state, &me, move |d| {
        db::mark_scene_source(d, &scene, &body)
    })
    .await?;
    Ok(axum::Json(shot))
}

async fn scene_shots(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(scene): Path<String>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    Ok(axum::Json(
        read(&state, &me, move |d| cast::scene_shots(d, &scene)).await?,
    ))
}

async fn sequence_scenes(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(sequence): Path<String>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    Ok(axum::Json(
        read(&state, &me, move |d| cast::sequence_scenes(d, &sequence)).await?,
    ))
}

async fn scene_instances(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(scene): Path<String>,
) -> ApiResult<axum::Json<Map<String, Value>>> {
    Ok(axum::Json(
        read(&state, &me, move |d| {
            cast::scene_asset_instances(d, &scene, false)
        })
        .await?,
    ))
}

async fn scene_cameras(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(scene): Path<String>,
) -> ApiResult<axum::Json<Map<String, Value>>> {
    Ok(axum::Json(
        read(&state, &me, move |d| {
            cast::scene_asset_instances(d, &scene, true)
        })
        .await?,
    ))
}

async fn asset_shot_instances(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(asset): Path<String>,
) -> ApiResult<axum::Json<Map<String, Value>>> {
    Ok(axum::Json(
        read(&state, &me, move |d| {
            cast::asset_instances_by_place(d, &asset, true)
        })
        .await?,
    ))
}

async fn asset_scene_instances(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(asset): Path<String>,
) -> ApiResult<axum::Json<Map<String, Value>>> {
    Ok(axum::Json(
        read(&state, &me, move |d| {
            cast::asset_instances_by_place(d, &asset, false)
        })
        .await?,
    ))
}
