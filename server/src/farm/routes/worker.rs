//! `/worker/...`: the protocol render nodes speak. Registration takes the farm's join token;
//! every other route takes the worker's own token and nothing else.

use crate::auth::worker::{WorkerAuth, worker_token};
use crate::auth::{hash_token, new_token};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::farm::db::{self, dispatch};
use crate::farm::files;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use drover_shared::events::EventKind;
use drover_shared::protocol::{
    Assignment, ClaimQuery, Heartbeat, HeartbeatResponse, MayIRun, RegisterWorker, SignOn,
    SignOnResponse, TaskUpdate, WorkerCredentials,
};
use drover_shared::{ErrorBody, TaskId, WorkerStatus};
use std::time::{Duration, Instant};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Largest preview upload.
const PREVIEW_LIMIT_BYTES: usize = 25 * 1024 * 1024;
/// Longest a claim waits for work.
const MAX_WAIT_SECS: u32 = 60;
/// A claim re-checks at least this often while it waits (work can appear without a wake-up,
/// e.g. a dependency completing on a worker whose update raced the wait).
const RECHECK: Duration = Duration::from_secs(2);

pub fn public_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(register))
}

pub fn protected_router(state: &AppState) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_on))
        .routes(routes!(sign_off))
        .routes(routes!(heartbeat))
        .routes(routes!(claim))
        .routes(routes!(update_task))
        .routes(routes!(may_i_run))
        .routes(routes!(upload_preview))
        .merge(super::outputs::worker_router())
        .layer(DefaultBodyLimit::max(PREVIEW_LIMIT_BYTES))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::auth::worker::require_worker,
        ))
}

fn refusal(e: dispatch::Refusal) -> ApiError {
    match e {
        dispatch::Refusal::NotFound(m) => ApiError::NotFound(m),
        dispatch::Refusal::NotYours(m) => ApiError::Conflict(m),
        dispatch::Refusal::Invalid(m) => ApiError::BadRequest(m),
        dispatch::Refusal::Sql(e) => ApiError::from(e),
    }
}

/// Join the farm with its join token; answers the worker's own token, to keep.
#[utoipa::path(post, path = "/worker/register", tag = "worker", request_body = RegisterWorker, security(()),
    responses((status = 201, body = WorkerCredentials), (status = 400, body = ErrorBody),
        (status = 401, description = "Wrong join token", body = ErrorBody)))]
async fn register(
    State(state): State<AppState>,
    Json(body): Json<RegisterWorker>,
) -> ApiResult<(StatusCode, Json<WorkerCredentials>)> {
    if hash_token(&body.join_token) != state.join_token_hash {
        return Err(ApiError::Unauthorized(
            "wrong join token; ask an admin for the farm's token".into(),
        ));
    }
    let name = body.name.trim().to_owned();
    if name.is_empty() {
        return Err(ApiError::BadRequest("name must not be empty".into()));
    }
    let secret = new_token();
    let hash = hash_token(&secret);
    let id = state
        .store
        .write(move |c| db::workers::register(c, &name, &hash).map_err(ApiError::from))
        .await?;
    tracing::info!(worker = %id, "worker registered");
    Ok((
        StatusCode::CREATED,
        Json(WorkerCredentials {
            id,
            token: worker_token(id, &secret),
        }),
    ))
}

/// Start a session: capabilities and host facts; answers the status to start in.
#[utoipa::path(post, path = "/worker/sign-on", tag = "worker", request_body = SignOn, security(("worker" = [])),
    responses((status = 200, body = SignOnResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn sign_on(
    WorkerAuth(id): WorkerAuth,
    State(state): State<AppState>,
    Json(body): Json<SignOn>,
) -> ApiResult<Json<SignOnResponse>> {
    if body.task_types.is_empty() {
        return Err(ApiError::BadRequest(
            "task_types must name at least one task type".into(),
        ));
    }
    let (status, timeout_secs) = state
        .write_publishing(move |c, events| {
            // A worker signing on again after a crash runs nothing yet: requeue what it had.
            events.extend(dispatch::requeue_worker_tasks(
                c,
                id,
                "requeued: its worker restarted",
            )?);
            let status = db::workers::sign_on(c, id, &body)?;
            let timeout = db::settings::load(c)?.worker_timeout_secs;
            dispatch::push_worker(c, id, events)?;
            Ok::<_, ApiError>((status, timeout))
        })
        .await?;
    state.work_available();
    tracing::info!(worker = %id, %status, "worker signed on");
    // Often enough that a sleep or wake request is carried out within seconds; 1,000
    // workers at 5 s cost the server 200 small requests a second.
    let heartbeat_secs = (timeout_secs / 4).clamp(1, 5);
    Ok(Json(SignOnResponse {
        status,
        heartbeat_secs,
    }))
}

/// End the session: running tasks go back to the queue, the worker goes offline.
#[utoipa::path(post, path = "/worker/sign-off", tag = "worker", security(("worker" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn sign_off(
    WorkerAuth(id): WorkerAuth,
    State(state): State<AppState>,
) -> ApiResult<StatusCode> {
    state
        .write_publishing(move |c, events| {
            events.extend(dispatch::requeue_worker_tasks(
                c,
                id,
                "requeued: its worker signed off",
            )?);
            db::workers::set_status(c, id, WorkerStatus::Offline)?;
            db::workers::clear_offline_request(c, id)?;
            dispatch::push_worker(c, id, events)?;
            Ok::<_, ApiError>(())
        })
        .await?;
    state.work_available();
    tracing::info!(worker = %id, "worker signed off");
    Ok(StatusCode::NO_CONTENT)
}

/// Report being alive, with host facts; answers a pending request from a manager.
#[utoipa::path(post, path = "/worker/heartbeat", tag = "worker", request_body = Heartbeat, security(("worker" = [])),
    responses((status = 200, body = HeartbeatResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn heartbeat(
    WorkerAuth(id): WorkerAuth,
    State(state): State<AppState>,
    Json(body): Json<Heartbeat>,
) -> ApiResult<Json<HeartbeatResponse>> {
    // A beat that changes nothing but facts and last_seen waits in memory for the monitor's
    // write (`farm::beats`); one that changes the status, or carries out the request pending,
    // is written at once, as the next claim must see it.
    let known = state
        .store
        .read(move |c| db::workers::status_and_request(c, id).map_err(ApiError::from))
        .await?;
    if let Some((status, request)) = known
        && status == body.status
        && request.as_ref().is_none_or(|r| r.status != status)
    {
        state.beats.note(id, &body.facts);
        return Ok(Json(HeartbeatResponse { request }));
    }
    let bus = state.events.clone();
    let (request, before) = state
        .write_publishing(move |c, events| {
            let before = db::workers::status(c, id)?;
            let request = db::workers::heartbeat(c, id, body.status, &body.facts)?;
            // A change of status is news at once; host facts alone (load, memory), which
            // change on every beat, at most every so often per worker: 10,000 nodes beating
            // every 5 s would otherwise be 2,000 events a second to every dashboard.
            if bus.worker_news_due(id, before != Some(body.status)) {
                dispatch::push_worker(c, id, events)?;
            }
            Ok::<_, ApiError>((request, before))
        })
        .await?;
    if before == Some(WorkerStatus::Asleep) && body.status != WorkerStatus::Asleep {
        state.work_available();
    }
    Ok(Json(HeartbeatResponse { request }))
}

/// Claim the next task: 200 with it, or 204 after waiting up to `wait_secs` for one.
#[utoipa::path(post, path = "/worker/task", tag = "worker", params(ClaimQuery), security(("worker" = [])),
    responses((status = 200, body = Assignment), (status = 204, description = "No work for this worker"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn claim(
    WorkerAuth(id): WorkerAuth,
    State(state): State<AppState>,
    Query(query): Query<ClaimQuery>,
) -> ApiResult<Response> {
    let wait = Duration::from_secs(u64::from(query.wait_secs.unwrap_or(30).min(MAX_WAIT_SECS)));
    let deadline = Instant::now() + wait;
    loop {
        // Registered before looking, so a wake-up between the look and the wait is not lost.
        let notified = state.work.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        // Reading the assignment in the same write costs the writer less than a second hop
        // through the read pool costs every claim (measured: 7,000 vs 5,000 dispatches/s).
        let claimed = state
            .write_publishing(move |c, events| {
                let Some((claimed, claim_events)) = dispatch::claim(c, id)? else {
                    return Ok(None);
                };
                events.extend(claim_events);
                let assignment = dispatch::assignment(c, claimed)?;
                if let Some(assignment) = &assignment {
                    events.push(dispatch::task_event(&assignment.task));
                }
                Ok::<_, ApiError>(assignment)
            })
            .await?;
        if let Some(assignment) = claimed {
            return Ok(Json(assignment).into_response());
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(StatusCode::NO_CONTENT.into_response());
        }
        let _ = tokio::time::timeout((deadline - now).min(RECHECK), notified).await;
    }
}

/// Report progress, log text, or the result (`completed`, `failed`) of a task. 409 when the
/// task is no longer this worker's: stop it.
#[utoipa::path(post, path = "/worker/task/{id}", tag = "worker", params(("id" = i64, Path)),
    request_body = TaskUpdate, security(("worker" = [])),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "Not this worker's task any more", body = ErrorBody)))]
async fn update_task(
    WorkerAuth(worker): WorkerAuth,
    State(state): State<AppState>,
    Path(task): Path<TaskId>,
    Json(update): Json<TaskUpdate>,
) -> ApiResult<StatusCode> {
    // A task of its own, which a dropped request does not cancel: an update whose write
    // committed also has its log chunk appended and told, and the idle workers woken.
    tokio::spawn(apply_update(state, worker, task, update))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(StatusCode::NO_CONTENT)
}

/// Writes a task update, appends its log chunk and tells it, and wakes the workers it may
/// have given work.
async fn apply_update(
    state: AppState,
    worker: drover_shared::WorkerId,
    task: TaskId,
    update: TaskUpdate,
) -> ApiResult<()> {
    let log = update.log.clone();
    let ends = update.status.is_some();
    let (job, released) = state
        .write_publishing(move |c, events| {
            let (job, update_events) =
                dispatch::update(c, worker, task, &update).map_err(refusal)?;
            // A job that waited for this one changed state: its tasks may all be runnable now.
            let released = update_events
                .iter()
                .any(|e| matches!(e, EventKind::Job { .. }));
            events.extend(update_events);
            Ok::<_, ApiError>((job, released))
        })
        .await?;
    if let Some(text) = log.filter(|t| !t.is_empty()) {
        let dir = state.data_dir.clone();
        let chunk = text.clone();
        let offset =
            tokio::task::spawn_blocking(move || files::append_log(&dir, job, task, &chunk))
                .await
                .map_err(|e| ApiError::Internal(e.to_string()))?
                .map_err(|e| ApiError::Internal(format!("writing the log of task {task}: {e}")))?;
        state.events.publish(EventKind::Log {
            task_id: task,
            job_id: job,
            text,
            offset,
        });
    }
    if released {
        state.work_available();
    } else if ends {
        // A failure makes the task runnable by others; a completion frees a slot of its job's
        // cap and limits, or releases the frame waiting for it downstream.
        state.task_ended();
    }
    Ok(())
}

/// Whether the worker may keep running the task (false once it was paused, canceled,
/// requeued or given to someone else).
#[utoipa::path(get, path = "/worker/task/{id}/may-i-run", tag = "worker", params(("id" = i64, Path)),
    security(("worker" = [])),
    responses((status = 200, body = MayIRun), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn may_i_run(
    WorkerAuth(worker): WorkerAuth,
    State(state): State<AppState>,
    Path(task): Path<TaskId>,
) -> ApiResult<Json<MayIRun>> {
    Ok(Json(
        state
            .store
            .read(move |c| dispatch::may_i_run(c, worker, task).map_err(ApiError::from))
            .await?,
    ))
}

/// Upload a rendered frame (PNG or JPEG, up to 25 MB) as the job's last-rendered image.
#[utoipa::path(post, path = "/worker/task/{id}/preview", tag = "worker", params(("id" = i64, Path)),
    request_body(content = Vec<u8>, content_type = "image/jpeg"), security(("worker" = [])),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody)))]
async fn upload_preview(
    WorkerAuth(worker): WorkerAuth,
    State(state): State<AppState>,
    Path(task): Path<TaskId>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<StatusCode> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !matches!(content_type, "image/png" | "image/jpeg") {
        return Err(ApiError::UnsupportedMediaType(
            "send the image as image/png or image/jpeg".into(),
        ));
    }
    let job = state
        .store
        .read(move |c| {
            let t = db::tasks::get(c, task)?
                .ok_or_else(|| ApiError::not_found(format!("task {task}")))?;
            if t.worker_id != Some(worker) {
                return Err(ApiError::Conflict(format!(
                    "task {task} is not this worker's"
                )));
            }
            Ok(t.job_id)
        })
        .await?;
    files::store_preview(state.data_dir.to_path_buf(), job, body)
        .await
        .map_err(|e| match e {
            files::PreviewError::BadImage(m) => ApiError::BadRequest(m),
            files::PreviewError::TooLarge(m) => ApiError::PayloadTooLarge(m),
            files::PreviewError::Io(e) => ApiError::Internal(format!("storing a preview: {e}")),
        })?;
    state
        .write_publishing(move |c, events| {
            db::last_rendered::set(c, job, task)?;
            events.push(EventKind::LastRendered {
                job_id: job,
                task_id: task,
            });
            Ok::<_, ApiError>(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
