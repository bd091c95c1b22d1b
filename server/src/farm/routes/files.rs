//! Task logs and last-rendered images: `GET /tasks/{id}/log` (whole, HTTP Range supported),
//! `GET /tasks/{id}/logtail`, `GET /jobs/{id}/last-rendered`, `GET /jobs/last-rendered`.

use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Path, Query};
use crate::farm::access::{self, Sight};
use crate::farm::db;
use crate::farm::files;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use drover_shared::api::PreviewQuery;
use drover_shared::{ErrorBody, JobId, TaskId};
use tower::ServiceExt;
use tower_http::services::ServeFile;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(task_log))
        .routes(routes!(task_log_tail))
        .routes(routes!(job_last_rendered))
        .routes(routes!(farm_last_rendered))
}

/// The job of a task the person may see; 404 otherwise.
async fn task_job(state: &AppState, sight: Sight, task: TaskId) -> ApiResult<JobId> {
    state
        .store
        .read(move |c| {
            let missing = || ApiError::not_found(format!("task {task}"));
            let job = db::tasks::get(c, task)?.ok_or_else(missing)?.job_id;
            access::visible_job(c, sight, job).map_err(|_| missing())?;
            Ok(job)
        })
        .await
}

/// Serves a file with HTTP Range support (206 for a range, 416 outside it).
pub(crate) async fn serve_file(path: std::path::PathBuf, request: Request) -> ApiResult<Response> {
    let response = ServeFile::new(path)
        .oneshot(request)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(response.into_response())
}

/// A task's whole log as text; supports `Range: bytes=…`. Empty while nothing was logged.
#[utoipa::path(get, path = "/tasks/{id}/log", tag = "tasks", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, description = "text/plain", body = String), (status = 206, description = "The asked range"),
        (status = 404, body = ErrorBody), (status = 416, description = "Range outside the log")))]
async fn task_log(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(task): Path<TaskId>,
    request: Request,
) -> ApiResult<Response> {
    let job = task_job(&state, me.sight(), task).await?;
    let path = files::log_path(&state.data_dir, job, task);
    if !tokio::fs::try_exists(&path).await.unwrap_or(false) {
        return Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "").into_response());
    }
    let mut response = serve_file(path, request).await?;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    Ok(response)
}

/// The last 4 KiB of a task's log, from a line start.
#[utoipa::path(get, path = "/tasks/{id}/logtail", tag = "tasks", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, description = "text/plain", body = String), (status = 404, body = ErrorBody)))]
async fn task_log_tail(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(task): Path<TaskId>,
) -> ApiResult<Response> {
    let job = task_job(&state, me.sight(), task).await?;
    let dir = state.data_dir.clone();
    let tail = tokio::task::spawn_blocking(move || files::log_tail(&dir, job, task))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Internal(format!("reading the log of task {task}: {e}")))?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        tail.unwrap_or_default(),
    )
        .into_response())
}

/// A job's last-rendered image (JPEG): `size=full` (at most 1920 px wide), `w600` or `w200`.
#[utoipa::path(get, path = "/jobs/{id}/last-rendered", tag = "jobs", params(("id" = i64, Path), PreviewQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "image/jpeg"), (status = 404, body = ErrorBody)))]
async fn job_last_rendered(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(job): Path<JobId>,
    Query(query): Query<PreviewQuery>,
    request: Request,
) -> ApiResult<Response> {
    let sight = me.sight();
    let exists = state
        .store
        .read(move |c| {
            access::visible_job(c, sight, job)?;
            Ok::<_, ApiError>(db::last_rendered::exists(c, job)?)
        })
        .await?;
    if !exists {
        return Err(ApiError::NotFound(format!(
            "job {job} has rendered nothing yet"
        )));
    }
    serve_file(
        files::preview_path(&state.data_dir, job, query.size),
        request,
    )
    .await
}

/// The farm's most recent rendered image (JPEG) among the jobs the caller may see; its job is
/// in the `x-drover-job-id` header.
#[utoipa::path(get, path = "/jobs/last-rendered", tag = "jobs", params(PreviewQuery), security(("bearer" = [])),
    responses((status = 200, description = "image/jpeg"), (status = 404, body = ErrorBody)))]
async fn farm_last_rendered(
    Authed(me): Authed,
    State(state): State<AppState>,
    Query(query): Query<PreviewQuery>,
    request: Request,
) -> ApiResult<Response> {
    let team = me.sight().team_member();
    let job = state
        .store
        .read(move |c| db::last_rendered::latest(c, team).map_err(ApiError::from))
        .await?
        .ok_or_else(|| ApiError::NotFound("nothing was rendered yet".into()))?;
    let mut response = serve_file(
        files::preview_path(&state.data_dir, job, query.size),
        request,
    )
    .await?;
    if let Ok(value) = HeaderValue::from_str(&job.to_string()) {
        response.headers_mut().insert("x-drover-job-id", value);
    }
    Ok(response)
}
