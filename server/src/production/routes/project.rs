//! Project routes gazu calls by name: settings (task types, task statuses, asset types), the
//! team, open projects, metadata descriptors, playlists, output files, and the task CSV
//! export.

use super::data::query_pairs;
use super::gate::Routes;
use super::{Fields, read, write};
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::production::db::casting;
use crate::production::db::data::text;
use crate::production::db::names;
use crate::production::db::news;
use crate::production::db::outputs::{self, Target};
use crate::production::db::project::{self as db, Setting};
use crate::production::db::{ListQuery, Row};
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post, put};

/// The project routes: settings, team, playlists, output files, the CSV.
pub fn router() -> Routes {
    Routes::new()
        .route("/data/projects/open", get(open_projects))
        .route(
            "/data/projects/{project}/settings/{setting}",
            get(setting_list).post(setting_add),
        )
        .route(
            "/data/projects/{project}/settings/{setting}/{id}",
            delete(setting_remove),
        )
        .route(
            "/data/projects/{project}/task-types",
            get(project_task_types),
        )
        .route(
            "/data/projects/{project}/task-status",
            get(project_task_statuses),
        )
        .route(
            "/data/projects/{project}/asset-types",
            get(project_asset_types),
        )
        .route("/data/projects/{project}/team", get(team).post(team_add))
        .route("/data/projects/all", get(all_projects))
        .route("/data/projects/news", get(studio_news))
        .route("/data/projects/{project}/news", get(project_news))
        .route("/data/projects/{project}/news/{news}", get(one_news))
        .route(
            "/data/projects/{project}/assets/shared-used",
            get(shared_used),
        )
        .route(
            "/data/projects/{project}/episodes/{episode}/assets/shared-used",
            get(episode_shared_used),
        )
        .route(
            "/data/projects/{project}/entities/casting",
            put(set_castings),
        )
        .route(
            "/data/projects/{project}/entities/casting/assets/{asset}",
            put(cast_asset),
        )
        .route(
            "/data/projects/{project}/team/{person}",
            delete(team_remove),
        )
        .route(
            "/data/projects/{project}/metadata-descriptors",
            get(metadata_descriptors).post(super::admin_lists::descriptor_add),
        )
        .route("/data/projects/{project}/playlists", get(playlists))
        .route(
            "/data/projects/{project}/episodes/{episode}/playlists",
            get(episode_playlists),
        )
        .route(
            "/data/entities/{entity}/output-files/new",
            post(new_output_file),
        )
        .route(
            "/data/asset-instances/{instance}/entities/{temporal}/output-files/new",
            post(new_instance_output_file),
        )
        .route("/data/entities/{entity}/output-types", get(output_types))
        .route(
            "/export/csv/tasks.csv",
            super::get_csv("kitsu_tasks_export.csv", db::tasks_csv),
        )
}

fn setting(name: &str) -> ApiResult<Setting> {
    Setting::from_route(name)
        .ok_or_else(|| ApiError::NotFound(format!("no project setting `{name}`")))
}

/// `GET /data/projects/open`: the open projects the person may see, by name.
async fn open_projects(
    Authed(me): Authed,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult<axum::Json<Vec<Row>>> {
    let query = ListQuery::parse(query_pairs(raw.as_deref()))?;
    Ok(axum::Json(
        read(&state, &me, move |d| db::open_projects(d, &query)).await?,
    ))
}

async fn setting_list(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, name)): Path<(String, String)>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    let setting = setting(&name)?;
    Ok(axum::Json(
        read(&state, &me, move |d| db::setting_list(d, &project, setting)).await?,
    ))
}

async fn setting_add(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, name)): Path<(String, String)>,
    Fields(body): Fields,
) -> ApiResult<(StatusCode, axum::Json<Row>)> {
    if name == "batch" {
        let project = write(&state, &me, move |d| db::settings_batch(d, &project, &body)).await?;
        return Ok((StatusCode::CREATED, axum::Json(project)));
    }
    let setting = setting(&name)?;
    let project = write(&state, &me, move |d| {
        db::setting_add(d, &project, setting, &body)
    })
    .await?;
    Ok((StatusCode::CREATED, axum::Json(project)))
}

async fn setting_remove(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, name, id)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let setting = setting(&name)?;
    write(&state, &me, move |d| {
        db::setting_remove(d, &project, setting, &id)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn project_setting(
    state: AppState,
    me: crate::auth::CurrentUser,
    project: String,
    setting: Setting,
) -> ApiResult<axum::Json<Vec<Row>>> {
    Ok(axum::Json(
        read(&state, &me, move |d| db::setting_list(d, &project, setting)).await?,
    ))
}

async fn project_task_types(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<String>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    project_setting(state, me, project, Setting::TaskTypes).await
}

async fn project_task_statuses(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<String>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    project_setting(state, me, project, Setting::TaskStatus).await
}

async fn project_asset_types(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<String>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    project_setting(state, me, project, Setting::AssetTypes).await
}

async fn team(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<String>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    Ok(axum::Json(
        read(&state, &me, move |d| db::team(d, &project)).await?,
    ))
}

async fn team_add(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<String>,
    Fields(body): Fields,
) -> ApiResult<(StatusCode, axum::Json<Row>)> {
    let project = write(&state, &me, move |d| db::team_add(d, &project, &body)).await?;
    Ok((StatusCode::CREATED, axum::Json(project)))
}

async fn team_remove(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, person)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    write(&state, &me, move |d| db::team_remove(d, &project, &person)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn metadata_descriptors(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<String>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    Ok(axum::Json(
        read(&state, &me, move |d| db::metadata_descriptors(d, &project)).await?,
    ))
}

async fn playlists(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<axum::Json<Vec<Row>>> {
    some_playlists(state, me, project, None, raw).await
}

/// `GET /data/projects/{p}/episodes/{e}/playlists`: an episode's (`main`: of no episode,
/// `all`: of every episode).
async fn episode_playlists(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, episode)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<axum::Json<Vec<Row>>> {
    some_playlists(state, me, project, Some(episode), raw).await
}

async fn some_playlists(
    state: AppState,
    me: crate::auth::CurrentUser,
    project: String,
    episode: Option<String>,
    raw: Option<String>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    let pairs = query_pairs(raw.as_deref());
    let value = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let page = match value("page") {
        Some(p) => p
            .parse::<usize>()
            .ok()
            .filter(|page| *page > 0)
            .ok_or_else(|| {
                ApiError::BadRequest(format!("`page` is a page number from 1, not {p}"))
            })?,
        None => 1,
    };
    let (sort_by, task_type) = (value("sort_by"), value("task_type_id"));
    Ok(axum::Json(
        read(&state, &me, move |d| {
            db::playlists(
                d,
                &project,
                episode.as_deref(),
                page,
                sort_by.as_deref(),
                task_type.as_deref(),
            )
        })
        .await?,
    ))
}

async fn new_output_file(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(entity): Path<String>,
    Fields(body): Fields,
) -> ApiResult<(StatusCode, axum::Json<Row>)> {
    let made = write(&state, &me, move |d| {
        let entity = d.get(names::ENTITIES, &entity)?;
        let target = Target {
            entity: &entity,
            instance: None,
            temporal: None,
        };
        outputs::new_output_file(d, &target, &body)
    })
    .await?;
    Ok((StatusCode::CREATED, axum::Json(made)))
}

/// Answers 200, as the seed lists for this route.
async fn new_instance_output_file(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((instance, temporal)): Path<(String, String)>,
    Fields(body): Fields,
) -> ApiResult<axum::Json<Row>> {
    let made = write(&state, &me, move |d| {
        let instance = d.get(names::ASSET_INSTANCES, &instance)?;
        let asset = d.get(names::ASSETS, text(&instance, "asset_id"))?;
        let temporal = d.get(names::ENTITIES, &temporal)?;
        let target = Target {
            entity: &asset,
            instance: Some(&instance),
            temporal: Some(&temporal),
        };
        outputs::new_output_file(d, &target, &body)
    })
    .await?;
    Ok(axum::Json(made))
}

async fn output_types(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(entity): Path<String>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    Ok(axum::Json(
        read(&state, &me, move |d| {
            outputs::entity_output_types(d, &entity)
        })
        .await?,
    ))
}

async fn all_projects(
    Authed(me): Authed,
    State(state): State<AppState>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    Ok(axum::Json(read(&state, &me, db::all_projects).await?))
}

async fn shared_used(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<String>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    Ok(axum::Json(
        read(&state, &me, move |d| {
            casting::shared_assets_used(d, &project, None)
        })
        .await?,
    ))
}

async fn episode_shared_used(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, episode)): Path<(String, String)>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    Ok(axum::Json(
        read(&state, &me, move |d| {
            casting::shared_assets_used(d, &project, Some(&episode))
        })
        .await?,
    ))
}

async fn set_castings(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<String>,
    Fields(body): Fields,
) -> ApiResult<axum::Json<serde_json::Map<String, serde_json::Value>>> {
    Ok(axum::Json(
        write(&state, &me, move |d| {
            casting::set_castings(d, &project, &body)
        })
        .await?,
    ))
}

async fn cast_asset(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, asset)): Path<(String, String)>,
    Fields(body): Fields,
) -> ApiResult<axum::Json<serde_json::Map<String, serde_json::Value>>> {
    Ok(axum::Json(
        write(&state, &me, move |d| {
            casting::cast_asset(d, &project, &asset, &body)
        })
        .await?,
    ))
}

/// `GET /data/projects/news`: the feed of every open production the person may read.
async fn studio_news(
    Authed(me): Authed,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult<axum::Json<Row>> {
    let filters = news::Filters::from_pairs(&query_pairs(raw.as_deref()))?;
    Ok(axum::Json(
        read(&state, &me, move |d| news::feed(d, None, &filters)).await?,
    ))
}

/// `GET /data/projects/{p}/news`: the production's feed.
async fn project_news(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<axum::Json<Row>> {
    let filters = news::Filters::from_pairs(&query_pairs(raw.as_deref()))?;
    Ok(axum::Json(
        read(&state, &me, move |d| {
            news::feed(d, Some(&project), &filters)
        })
        .await?,
    ))
}

async fn one_news(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, item)): Path<(String, String)>,
) -> ApiResult<axum::Json<serde_json::Value>> {
    Ok(axum::Json(
        read(&state, &me, move |d| news::one(d, &project, &item)).await?,
    ))
}
