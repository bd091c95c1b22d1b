//! `/workers` of the farm API: render nodes as the dashboard sees them.

use crate::auth::{AdminOnly, Authed, ManagerOnly};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::farm::db;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use drover_shared::ErrorBody;
use drover_shared::api::{JoinToken, Worker, WorkerSchedule, WorkerStatusChange, WorkerWatts};
use drover_shared::events::EventKind;
use drover_shared::{WorkerId, WorkerStatus};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_workers, set_worker_status))
        .routes(routes!(get_worker))
        .routes(routes!(set_worker_watts))
        .routes(routes!(get_schedule, set_schedule))
        .routes(routes!(join_token))
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

/// Ask a worker to sleep (`asleep`), wake (`idle`) or shut down (`offline`), now (its
/// running task is requeued and stopped) or, with `after_current_task` (`lazy` before), once
/// its current task ends. The worker
/// carries it out at its next heartbeat; `requested_status` shows it until then.
#[utoipa::path(post, path = "/workers", tag = "workers", request_body = WorkerStatusChange,
    security(("bearer" = ["manager"])),
    responses((status = 204), (status = 400, description = "Unknown status, or one a worker cannot be asked for", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn set_worker_status(
    ManagerOnly(_): ManagerOnly,
    State(state): State<AppState>,
    Json(change): Json<WorkerStatusChange>,
) -> ApiResult<StatusCode> {
    if !matches!(
        change.status,
        WorkerStatus::Asleep | WorkerStatus::Idle | WorkerStatus::Offline
    ) {
        return Err(ApiError::BadRequest(format!(
            "a worker can be asked to be asleep, idle (awake) or offline (shut down), not {}",
            change.status
        )));
    }
    let id = change.id;
    state
        .write_publishing(move |c, events| {
            if !db::workers::request(c, change.id, change.status, change.after_current_task)? {
                return Err(ApiError::not_found(format!("worker {id}")));
            }
            if !change.after_current_task && change.status != WorkerStatus::Idle {
                let why = format!("requeued: its worker was told to go {} now", change.status);
                events.extend(db::dispatch::requeue_worker_tasks(c, change.id, &why)?);
            }
            db::dispatch::push_worker(c, id, events)?;
            Ok(())
        })
        .await?;
    state.work_available();
    tracing::info!(worker = %id, status = %change.status, after_current_task = change.after_current_task, "worker request");
    Ok(StatusCode::NO_CONTENT)
}

/// The farm's join token, for registering render nodes (`drover-worker --token`).
#[utoipa::path(get, path = "/farm/join-token", tag = "workers", security(("bearer" = ["admin"])),
    responses((status = 200, body = JoinToken), (status = 403, body = ErrorBody)))]
async fn join_token(
    AdminOnly(_): AdminOnly,
    State(state): State<AppState>,
) -> ApiResult<Json<JoinToken>> {
    let dir = state.data_dir.clone();
    let token = tokio::task::spawn_blocking(move || crate::auth::join_token::load_or_create(&dir))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Internal(format!("reading the join token: {e}")))?;
    Ok(Json(JoinToken { token }))
}

/// Set a render node's rated draw in watts, which the farm history's energy estimate uses when
/// the host measures none (no RAPL, no `nvidia-smi`); `null` falls back to the farm's
/// `default_worker_watts`.
#[utoipa::path(put, path = "/workers/{id}/watts", tag = "workers", params(("id" = i64, Path)),
    request_body = WorkerWatts, security(("bearer" = ["manager"])),
    responses((status = 200, body = Worker), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn set_worker_watts(
    ManagerOnly(_): ManagerOnly,
    State(state): State<AppState>,
    Path(id): Path<WorkerId>,
    Json(body): Json<WorkerWatts>,
) -> ApiResult<Json<Worker>> {
    if body
        .watts
        .is_some_and(|w| !w.is_finite() || !(0.0..=100_000.0).contains(&w))
    {
        return Err(ApiError::BadRequest(
            "watts must be a number from 0 to 100000, or null for the farm's default".into(),
        ));
    }
    let worker = state
        .write_publishing(move |c, events| {
            if !db::stats::set_worker_watts(c, id, body.watts)? {
                return Err(ApiError::not_found(format!("worker {id}")));
            }
            let worker = db::workers::get(c, id)?
                .ok_or_else(|| ApiError::not_found(format!("worker {id}")))?;
            events.push(EventKind::Worker {
                worker: worker.clone(),
            });
            Ok(worker)
        })
        .await?;
    Ok(Json(worker))
}

/// A render node's sleep schedule: the days and hours it takes no work (the default, off,
/// when it has none).
#[utoipa::path(get, path = "/workers/{id}/schedule", tag = "workers", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = WorkerSchedule), (status = 404, body = ErrorBody)))]
async fn get_schedule(
    Authed(_): Authed,
    State(state): State<AppState>,
    Path(id): Path<WorkerId>,
) -> ApiResult<Json<WorkerSchedule>> {
    Ok(Json(
        state
            .store
            .read(move |c| {
                if db::workers::get(c, id)?.is_none() {
                    return Err(ApiError::not_found(format!("worker {id}")));
                }
                db::schedules::get(c, id).map_err(ApiError::from)
            })
            .await?,
    ))
}

/// Set a render node's sleep schedule, as Flamenco's: on the days listed, between `start`
/// and `end` (local time at `utc_offset_minutes`), it is asked to sleep once its current task
/// ends, and to wake when the window closes. A manager's own sleep or wake request in between
/// holds until the schedule next turns.
#[utoipa::path(put, path = "/workers/{id}/schedule", tag = "workers", params(("id" = i64, Path)),
    request_body = WorkerSchedule, security(("bearer" = ["manager"])),
    responses((status = 200, body = WorkerSchedule), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn set_schedule(
    ManagerOnly(_): ManagerOnly,
    State(state): State<AppState>,
    Path(id): Path<WorkerId>,
    Json(body): Json<WorkerSchedule>,
) -> ApiResult<Json<WorkerSchedule>> {
    body.check().map_err(ApiError::BadRequest)?;
    let schedule = state
        .write_publishing(move |c, events| {
            if db::workers::get(c, id)?.is_none() {
                return Err(ApiError::not_found(format!("worker {id}")));
            }
            db::schedules::set(c, id, &body)?;
            // Carried out now rather than at the monitor's next look.
            events.extend(db::dispatch::follow_schedules(
                c,
                time::OffsetDateTime::now_utc(),
            )?);
            Ok(db::schedules::get(c, id)?)
        })
        .await?;
    state.work_available();
    Ok(Json(schedule))
}
