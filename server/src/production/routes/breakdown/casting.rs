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
use crate::production::routes::{Fields, get_read, write};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::delete;
use serde_json::Value;

/// The casting and asset-instance routes.
pub(super) fn router() -> Routes {
    Routes::new()
        .route(
            "/data/assets/{asset}/assets",
            get_read(|d, asset: String| cast::linked_assets(d, &asset)),
        )
        .route(
            "/data/assets/{asset}/cast-in",
            get_read(|d, asset: String| cast::cast_in(d, &asset)),
        )
        .route(
            "/data/projects/{project}/entities/{entity}/casting",
            get_read(|d, (project, entity): (String, String)| cast::casting(d, &project, &entity))
                .put(set_casting),
        )
        .route(
            "/data/projects/{project}/sequences/all/casting",
            get_read(|d, project: String| cast::shots_casting(d, &project, &ShotsOf::Project)),
        )
        .route(
            "/data/projects/{project}/episodes/casting",
            get_read(|d, project: String| {
                cast::grouped_casting(d, &project, &CastingsOf::Episodes)
            }),
        )
        .route(
            "/data/projects/{project}/asset-types/{asset_type}/casting",
            get_read(|d, (project, asset_type): (String, String)| {
                cast::grouped_casting(d, &project, &CastingsOf::AssetsOfType(&asset_type))
            }),
        )
        .route(
            "/data/projects/{project}/sequences/{sequence}/casting",
            get_read(|d, (project, sequence): (String, String)| {
                cast::shots_casting(d, &project, &ShotsOf::Sequence(&sequence))
            }),
        )
        .route(
            "/data/projects/{project}/episodes/{episode}/sequences/all/casting",
            get_read(|d, (project, episode): (String, String)| {
                cast::shots_casting(d, &project, &ShotsOf::Episode(&episode))
            }),
        )
        .route(
            "/data/shots/{shot}/asset-instances",
            get_read(|d, shot: String| cast::shot_asset_instances(d, &shot))
                .post(add_shot_asset_instance),
        )
        .route(
            "/data/shots/{shot}/asset-instances/{instance}",
            delete(remove_shot_asset_instance),
        )
        .route(
            "/data/assets/{asset}/asset-asset-instances",
            get_read(|d, asset: String| cast::asset_asset_instances(d, &asset))
                .post(new_asset_asset_instance),
        )
        .route(
            "/data/scenes/{scene}/shots",
            get_read(|d, scene: String| cast::scene_shots(d, &scene)).post(scene_shot),
        )
        .route(
            "/data/sequences/{sequence}/scenes",
            get_read(|d, sequence: String| cast::sequence_scenes(d, &sequence)),
        )
        .route(
            "/data/scenes/{scene}/asset-instances",
            get_read(|d, scene: String| cast::scene_asset_instances(d, &scene, false)),
        )
        .route(
            "/data/scenes/{scene}/camera-instances",
            get_read(|d, scene: String| cast::scene_asset_instances(d, &scene, true)),
        )
        .route(
            "/data/assets/{asset}/shot-asset-instances",
            get_read(|d, asset: String| cast::asset_instances_by_place(d, &asset, true)),
        )
        .route(
            "/data/assets/{asset}/scene-asset-instances",
            get_read(|d, asset: String| cast::asset_instances_by_place(d, &asset, false)),
        )
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
