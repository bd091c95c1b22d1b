//! `/workers` (seed 000): render nodes as the dashboard sees them.

use crate::auth::{Authed, ManagerOnly};
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use drover_shared::ErrorBody;
use drover_shared::WorkerId;
use drover_shared::api::{Worker, WorkerStatusChange};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_workers, set_worker_status))
        .routes(routes!(get_worker))
}

/// Every worker.
#[utoipa::path(get, path = "/workers", tag = "workers", security(("bearer" = [])),
    responses((status = 200, body = Vec<Worker>)))]
async fn list_workers(
    Authed(_): Authed,
    State(state): State<AppState>,
) -> ApiResult<Json<Vec<Worker>>> {
    Ok(Json(
        state
            .store
            .read(|c| db::workers::list(c).map_err(ApiError::from))
            .await?,
    ))
}

/// One worker.
#[utoipa::path(get, path = "/workers/{id}", tag = "workers", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Worker), (status = 404, body = ErrorBody)))]
async fn get_worker(
    Authed(_): Authed,
    State(state): State<AppState>,
    Path(id): Path<WorkerId>,
) -> ApiResult<Json<Worker>> {
    state
        .store
        .read(move |c| db::workers::get(c, id).map_err(ApiError::from))
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("worker {id}")))
}

/// Set a worker's status.
#[utoipa::path(post, path = "/workers", tag = "workers", request_body = WorkerStatusChange,
    security(("bearer" = ["manager"])),
    responses((status = 204), (status = 400, description = "Unknown status", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn set_worker_status(
    ManagerOnly(_): ManagerOnly,
    State(state): State<AppState>,
    Json(change): Json<WorkerStatusChange>,
) -> ApiResult<StatusCode> {
    let id = change.id;
    let found = state
        .store
        .write(move |c| {
            db::workers::set_status(c, change.id, change.status).map_err(ApiError::from)
        })
        .await?;
    if found {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("worker {id}")))
    }
}
