//! The casting routes (an entity's casting, the castings of a project's shots, episodes or
//! asset types, where an asset is cast) and asset instances in shots, scenes and assets.

use super::{Created, created};
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::production::db::Row;
use crate::production::db::breakdown as db;
use crate::production::db::casting::{self as cast, CastingsOf, ShotsOf};
use crate::production::routes::gate::Routes;
use crate::production::routes::{Fields, read, write};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use serde_json::{Map, Value};

/// The casting and asset-instance routes.
pub(super) fn router() -> Routes {
    Routes::new()
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
