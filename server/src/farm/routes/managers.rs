//! `/managers` of the farm API: sites or sub-farms reporting their worker counts.

use crate::auth::{Authed, ManagerOnly};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::farm::db;
use crate::state::AppState;
use axum::extract::State;
use drover_shared::ErrorBody;
use drover_shared::api::{Manager, ManagerCreated, ManagerWorkers, NewManager};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_managers, create_manager))
        .routes(routes!(update_manager))
}

/// Every manager.
#[utoipa::path(get, path = "/managers", tag = "managers", security(("bearer" = [])),
    responses((status = 200, body = Vec<Manager>)))]
async fn list_managers(
    Authed(_): Authed,
    State(state): State<AppState>,
) -> ApiResult<Json<Vec<Manager>>> {
    Ok(Json(
        state
            .store
            .read(|c| db::managers::list(c).map_err(ApiError::from))
            .await?,
    ))
}

/// Connect a new manager; answers its uuid.
#[utoipa::path(post, path = "/managers", tag = "managers", request_body = NewManager,
    security(("bearer" = ["manager"])),
    responses((status = 200, body = ManagerCreated), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn create_manager(
    ManagerOnly(_): ManagerOnly,
    State(state): State<AppState>,
    Json(body): Json<NewManager>,
) -> ApiResult<Json<ManagerCreated>> {
    let name = body.name.trim().to_owned();
    if name.is_empty() {
        return Err(ApiError::BadRequest("name must not be empty".into()));
    }
    let uuid = state
        .store
        .write(move |c| db::managers::insert(c, &name).map_err(ApiError::from))
        .await?;
    Ok(Json(ManagerCreated { uuid }))
}

/// Update how many workers a manager has; answers the new value.
#[utoipa::path(patch, path = "/managers/{uuid}", tag = "managers", params(("uuid" = String, Path, format = Uuid)),
    request_body = ManagerWorkers, security(("bearer" = ["manager"])),
    responses((status = 200, body = ManagerWorkers), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn update_manager(
    ManagerOnly(_): ManagerOnly,
    State(state): State<AppState>,
    Path(uuid): Path<uuid::Uuid>,
    Json(body): Json<ManagerWorkers>,
) -> ApiResult<Json<ManagerWorkers>> {
    let total = body.total_workers;
    let found = state
        .store
        .write(move |c| db::managers::set_total_workers(c, uuid, total).map_err(ApiError::from))
        .await?;
    if found {
        Ok(Json(body))
    } else {
        Err(ApiError::not_found(format!("manager {uuid}")))
    }
}
