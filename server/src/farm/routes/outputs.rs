//! A job's files and outputs, for projects without shared storage. People who see the job:
//! `GET /jobs/{id}/files`, `GET /jobs/{id}/outputs` and `GET /jobs/{id}/outputs/{name}`
//! (HTTP Range). The worker holding a task of the job: `GET /worker/task/{id}/files`, each
//! file's bytes (`…/files/{sha256}`, Range, to resume a download), `PUT …/outputs/{name}`
//! (streamed, within the project's quota) and the job's outputs to read back (the video task
//! joins the frames other workers sent).

use crate::auth::Authed;
use crate::auth::worker::WorkerAuth;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::farm::access;
use crate::farm::db::{self, stored_files};
use crate::farm::file_store;
use crate::farm::routes::files::serve_file;
use crate::farm::routes::storage::receive_error;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use drover_shared::api::{JobFile, JobOutput, check_output_name, is_sha256};
use drover_shared::{ErrorBody, JobId, TaskId, TaskStatus};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Largest single output (an EXR sequence's frame, a long video).
pub const MAX_OUTPUT_BYTES: u64 = 4 * 1024 * 1024 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(job_files))
        .routes(routes!(job_outputs))
        .routes(routes!(job_output))
}

/// The worker's routes; the caller adds the worker authentication.
pub fn worker_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(task_files))
        .routes(routes!(task_file))
        .routes(routes!(task_outputs))
        .routes(routes!(task_output, put_output))
}

fn check_name(name: &str) -> ApiResult<()> {
    check_output_name(name).map_err(ApiError::BadRequest)
}

/// Who reads a job's files or outputs: a person who sees the job, or the worker running one
/// of its tasks (checked before, by [`running_job`]).
#[derive(Clone, Copy)]
enum Reader {
    Person(access::Sight),
    Worker,
}

impl Reader {
    /// Refuses, in the read that follows, a job the reader may not see (404, as for a job
    /// that does not exist).
    fn check(self, c: &rusqlite::Connection, job: JobId) -> ApiResult<()> {
        match self {
            Self::Person(sight) => access::visible_job(c, sight, job).map(drop),
            Self::Worker => Ok(()),
        }
    }
}

/// The file set of `job`, for `reader`.
async fn files_of(state: &AppState, reader: Reader, job: JobId) -> ApiResult<Json<Vec<JobFile>>> {
    state
        .store
        .read(move |c| {
            reader.check(c, job)?;
            Ok(Json(stored_files::job_files(c, job)?))
        })
        .await
}

/// The outputs of `job`, by name, for `reader`.
async fn outputs_of(
    state: &AppState,
    reader: Reader,
    job: JobId,
) -> ApiResult<Json<Vec<JobOutput>>> {
    state
        .store
        .read(move |c| {
            reader.check(c, job)?;
            Ok(Json(stored_files::outputs(c, job)?))
        })
        .await
}

/// Output `name` of `job`'s bytes, for `reader` (Range as `request` asks).
async fn output_of(
    state: &AppState,
    reader: Reader,
    job: JobId,
    name: String,
    request: Request,
) -> ApiResult<Response> {
    check_name(&name)?;
    let lookup = name.clone();
    state
        .store
        .read(move |c| {
            reader.check(c, job)?;
            stored_files::output(c, job, &lookup)?
                .ok_or_else(|| ApiError::NotFound(format!("job {job} has no output {lookup}")))
        })
        .await?;
    serve_file(
        file_store::output_path(&state.data_dir, job, &name),
        request,
    )
    .await
}

/// A job's file set (empty for a job on shared storage).
#[utoipa::path(get, path = "/jobs/{id}/files", tag = "jobs", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<JobFile>), (status = 404, body = ErrorBody)))]
async fn job_files(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(job): Path<JobId>,
) -> ApiResult<Json<Vec<JobFile>>> {
    files_of(&state, Reader::Person(me.sight()), job).await
}

/// What a job's tasks sent back (rendered frames, the video), by name.
#[utoipa::path(get, path = "/jobs/{id}/outputs", tag = "jobs", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<JobOutput>), (status = 404, body = ErrorBody)))]
async fn job_outputs(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(job): Path<JobId>,
) -> ApiResult<Json<Vec<JobOutput>>> {
    outputs_of(&state, Reader::Person(me.sight()), job).await
}

/// One output's bytes; supports `Range: bytes=…`.
#[utoipa::path(get, path = "/jobs/{id}/outputs/{name}", tag = "jobs",
    params(("id" = i64, Path), ("name" = String, Path)), security(("bearer" = [])),
    responses((status = 200, description = "The output's bytes"), (status = 206, description = "The asked range"),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 416, description = "Range outside the file")))]
async fn job_output(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((job, name)): Path<(JobId, String)>,
    request: Request,
) -> ApiResult<Response> {
    output_of(&state, Reader::Person(me.sight()), job, name, request).await
}

/// The job of a task this worker runs now; 409 for a task that is not (or no longer) its.
async fn running_job(
    state: &AppState,
    worker: drover_shared::WorkerId,
    task: TaskId,
) -> ApiResult<JobId> {
    state
        .store
        .read(move |c| {
            let t = db::tasks::get(c, task)?
                .ok_or_else(|| ApiError::not_found(format!("task {task}")))?;
            if t.worker_id != Some(worker) || t.status != TaskStatus::Active {
                return Err(ApiError::Conflict(format!(
                    "task {task} is not running on this worker"
                )));
            }
            Ok(t.job_id)
        })
        .await
}

/// The file set of the job of a task this worker runs.
#[utoipa::path(get, path = "/worker/task/{id}/files", tag = "worker", params(("id" = i64, Path)),
    security(("worker" = [])),
    responses((status = 200, body = Vec<JobFile>), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn task_files(
    WorkerAuth(worker): WorkerAuth,
    State(state): State<AppState>,
    Path(task): Path<TaskId>,
) -> ApiResult<Json<Vec<JobFile>>> {
    let job = running_job(&state, worker, task).await?;
    files_of(&state, Reader::Worker, job).await
}

/// One file of the task's job, by content; supports `Range: bytes=…` to resume.
#[utoipa::path(get, path = "/worker/task/{id}/files/{sha256}", tag = "worker",
    params(("id" = i64, Path), ("sha256" = String, Path)), security(("worker" = [])),
    responses((status = 200, description = "The file's bytes"), (status = 206, description = "The asked range"),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn task_file(
    WorkerAuth(worker): WorkerAuth,
    State(state): State<AppState>,
    Path((task, sha256)): Path<(TaskId, String)>,
    request: Request,
) -> ApiResult<Response> {
    if !is_sha256(&sha256) {
        return Err(ApiError::BadRequest(format!("{sha256:?} is not a SHA-256")));
    }
    let job = running_job(&state, worker, task).await?;
    let hash = sha256.clone();
    let used = state
        .store
        .read(move |c| Ok::<_, ApiError>(stored_files::job_uses(c, job, &hash)?))
        .await?;
    if !used {
        return Err(ApiError::NotFound(format!(
            "job {job} has no file {sha256}"
        )));
    }
    let mut response = serve_file(file_store::blob_path(&state.data_dir, &sha256), request).await?;
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/octet-stream"),
    );
    Ok(response)
}

/// The outputs of the task's job (the video task reads the frames back).
#[utoipa::path(get, path = "/worker/task/{id}/outputs", tag = "worker", params(("id" = i64, Path)),
    security(("worker" = [])),
    responses((status = 200, body = Vec<JobOutput>), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn task_outputs(
    WorkerAuth(worker): WorkerAuth,
    State(state): State<AppState>,
    Path(task): Path<TaskId>,
) -> ApiResult<Json<Vec<JobOutput>>> {
    let job = running_job(&state, worker, task).await?;
    outputs_of(&state, Reader::Worker, job).await
}

/// One output of the task's job; supports `Range: bytes=…`.
#[utoipa::path(get, path = "/worker/task/{id}/outputs/{name}", tag = "worker",
    params(("id" = i64, Path), ("name" = String, Path)), security(("worker" = [])),
    responses((status = 200, description = "The output's bytes"), (status = 206, description = "The asked range"),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn task_output(
    WorkerAuth(worker): WorkerAuth,
    State(state): State<AppState>,
    Path((task, name)): Path<(TaskId, String)>,
    request: Request,
) -> ApiResult<Response> {
    check_name(&name)?;
    let job = running_job(&state, worker, task).await?;
    output_of(&state, Reader::Worker, job, name, request).await
}

/// Send an output of the task (raw bytes, streamed): a frame, the video. The same name
/// again replaces it (a frame rendered again). Within the project's quota (413 past it,
/// nothing kept) and at most 4 GiB.
#[utoipa::path(put, path = "/worker/task/{id}/outputs/{name}", tag = "worker",
    params(("id" = i64, Path), ("name" = String, Path)),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"), security(("worker" = [])),
    responses((status = 200, body = JobOutput), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody)))]
async fn put_output(
    WorkerAuth(worker): WorkerAuth,
    State(state): State<AppState>,
    Path((task, name)): Path<(TaskId, String)>,
    body: Body,
) -> ApiResult<Json<JobOutput>> {
    check_name(&name)?;
    let job = running_job(&state, worker, task).await?;
    let lookup = name.clone();
    let (room, quota) = state
        .store
        .read(move |c| {
            let project = db::jobs::get(c, job)?
                .ok_or_else(|| ApiError::not_found(format!("job {job}")))?
                .project_id;
            let storage = stored_files::project_storage(c, project)?
                .ok_or_else(|| ApiError::not_found(format!("project {project}")))?;
            // A replacement frees what the output it replaces takes.
            let used = storage.used_bytes
                - stored_files::output_size(c, job, &lookup)?.min(storage.used_bytes);
            Ok::<_, ApiError>((
                storage.quota_bytes.saturating_sub(used),
                storage.quota_bytes,
            ))
        })
        .await?;
    let limit = room.min(MAX_OUTPUT_BYTES);
    let why = if room < MAX_OUTPUT_BYTES {
        format!(
            "the output does not fit in the project's quota of {quota} bytes ({room} bytes are \
             left): ask a manager to raise it, or remove jobs"
        )
    } else {
        format!("an output has at most {MAX_OUTPUT_BYTES} bytes")
    };
    let path = file_store::output_path(&state.data_dir, job, &name);
    let size = file_store::receive_output(body, &path, limit, &why)
        .await
        .map_err(receive_error)?;
    state
        .store
        .write(move |c| {
            // Still this worker's: a task taken away while its output travelled keeps the
            // file (the next run replaces it) but is refused, as its result would be.
            let t = db::tasks::get(c, task)?
                .ok_or_else(|| ApiError::not_found(format!("task {task}")))?;
            if t.worker_id != Some(worker) || t.status != TaskStatus::Active {
                return Err(ApiError::Conflict(format!(
                    "task {task} is not running on this worker"
                )));
            }
            Ok(Json(stored_files::put_output(
                c,
                job,
                &name,
                size,
                task,
                db::now_ms(),
            )?))
        })
        .await
}
