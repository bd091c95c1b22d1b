//! `/jobs` of the farm API: submission, listing, commands and deletion.

use crate::auth::{Authed, CurrentUser};
use crate::db::render_publish::TaskProjects;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::farm::access;
use crate::farm::db;
use crate::farm::{compile, file_sets, state_machine};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use drover_shared::api::{
    BlocklistEntry, DeleteJobs, FramesChanged, Job, JobCommandRequest, JobDependencies, JobFrames,
    JobQuery, Page, SubmitJob,
};
use drover_shared::events::EventKind;
use drover_shared::{DependMode, ErrorBody, JobCommand, JobId};
use rusqlite::Connection;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Most jobs one `POST /jobs/delete` removes: each is checked and deleted in one write.
const MAX_DELETED_AT_ONCE: usize = 10_000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(
            // A job with its file set names up to 100,000 files.
            OpenApiRouter::new()
                .routes(routes!(list_jobs, submit_job))
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::farm::routes::storage::LIST_BODY_LIMIT,
                )),
        )
        .routes(routes!(get_job, command_job, delete_job))
        .routes(routes!(set_dependencies))
        .routes(routes!(set_frames))
        .routes(routes!(delete_jobs))
        .routes(routes!(get_blocklist, clear_blocklist))
}

/// Jobs, highest priority first, then oldest first: every job for managers and admins, the
/// jobs of the projects whose team the caller is on for others.
#[utoipa::path(get, path = "/jobs", tag = "jobs", params(JobQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<Job>), (status = 400, body = ErrorBody)))]
async fn list_jobs(
    Authed(me): Authed,
    State(state): State<AppState>,
    Query(query): Query<JobQuery>,
) -> ApiResult<Json<Page<Job>>> {
    let team = me.sight().team_member();
    Ok(Json(
        state
            .store
            .read(move |c| db::jobs::list(c, &query, team).map_err(ApiError::from))
            .await?,
    ))
}

/// Submit a job: it is compiled into one task per chunk of frames in the same transaction.
/// Clients and vendors may not; artists and supervisors submit into their team's projects;
/// jobs running code of their own need the farm's `code_jobs_min_role`.
#[utoipa::path(post, path = "/jobs", tag = "jobs", request_body = SubmitJob, security(("bearer" = [])),
    responses((status = 201, body = Job),
        (status = 400, description = "Bad frames, chunk size, settings, job type or project; nothing is stored", body = ErrorBody),
        (status = 403, description = "The caller's role or team may not submit this job", body = ErrorBody)))]
async fn submit_job(
    Authed(me): Authed,
    State(state): State<AppState>,
    Json(submit): Json<SubmitJob>,
) -> ApiResult<(StatusCode, Json<Job>)> {
    access::require_farm_jobs(&me)?;
    let compiled = compile::compile(&submit).map_err(ApiError::BadRequest)?;
    file_sets::check(&submit)?;
    let user = me.user.id;
    let role = me.user.role;
    let job = state
        .write_publishing(move |c, events| {
            access::check_submit_into(c, &me, submit.project_id)?;
            access::check_code(c, &me, &submit.kind)?;
            if let Some(task) = submit.production_task_id {
                check_production_task(c, task, &submit, user, role)?;
            }
            access::check_upstream(c, me.sight(), &submit.depends_on)?;
            db::limits::check_job(
                c,
                submit.max_workers,
                submit.task_timeout_secs,
                &submit.limits,
            )
            .map_err(super::limits::limit_error)?;
            let mut job = db::jobs::insert(c, &submit, &compiled, user)?;
            file_sets::attach(c, &job, &submit)?;
            if submit.max_workers.is_some()
                || submit.task_timeout_secs.is_some()
                || !submit.limits.is_empty()
            {
                db::limits::set_job(
                    c,
                    job.id,
                    submit.max_workers,
                    submit.task_timeout_secs,
                    &submit.limits,
                )
                .map_err(super::limits::limit_error)?;
                job = db::jobs::get(c, job.id)?
                    .ok_or_else(|| ApiError::not_found(format!("job {}", job.id)))?;
            }
            if !submit.depends_on.is_empty() || submit.depend_mode != DependMode::default() {
                db::job_deps::set(c, job.id, &submit.depends_on, submit.depend_mode)
                    .map_err(dep_error)?;
                job = db::jobs::get(c, job.id)?
                    .ok_or_else(|| ApiError::not_found(format!("job {}", job.id)))?;
            }
            events.push(EventKind::Job { job: job.clone() });
            Ok::<_, ApiError>(job)
        })
        .await?;
    tracing::info!(job = %job.id, tasks = job.progress.total, "job submitted");
    state.work_available();
    Ok((StatusCode::CREATED, Json(job)))
}

/// A job may name a production task of its own project that the submitter can see.
fn check_production_task(
    c: &rusqlite::Connection,
    task: drover_shared::ProductionTaskId,
    submit: &SubmitJob,
    user: drover_shared::UserId,
    role: drover_shared::Role,
) -> ApiResult<()> {
    let found = crate::db::render_publish::task_projects(c, task, submit.project_id)?;
    let Some(TaskProjects {
        task_project,
        job_project,
    }) = found
    else {
        return Err(ApiError::BadRequest(format!(
            "production task {task} does not exist"
        )));
    };
    let visible = role.allows(drover_shared::Role::Manager)
        || crate::production::db::on_team(c, &task_project, user)?;
    if !visible {
        return Err(ApiError::BadRequest(format!(
            "production task {task} does not exist"
        )));
    }
    if task_project != job_project {
        return Err(ApiError::BadRequest(format!(
            "production task {task} belongs to another project than the job"
        )));
    }
    Ok(())
}

/// One job.
#[utoipa::path(get, path = "/jobs/{id}", tag = "jobs", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Job), (status = 404, body = ErrorBody)))]
async fn get_job(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(id): Path<JobId>,
) -> ApiResult<Json<Job>> {
    let sight = me.sight();
    state
        .store
        .read(move |c| access::visible_job(c, sight, id))
        .await
        .map(Json)
}

/// Send a command to a job. Artists may command only the jobs they submitted, supervisors
/// the jobs of their team's projects; commands that run a job's tasks again (start, resume,
/// render_again, requeue_failed) on a job running code of its own need `code_jobs_min_role`.
#[utoipa::path(put, path = "/jobs/{id}", tag = "jobs", params(("id" = i64, Path)),
    request_body = JobCommandRequest, security(("bearer" = [])),
    responses((status = 200, body = Job), (status = 400, description = "Unknown command or bad priority", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The job's state does not allow the command", body = ErrorBody)))]
async fn command_job(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(id): Path<JobId>,
    Json(request): Json<JobCommandRequest>,
) -> ApiResult<Json<Job>> {
    match (request.command, request.priority) {
        (JobCommand::SetPriority, None) => {
            return Err(ApiError::BadRequest(
                "set_priority needs `priority` (0–100)".into(),
            ));
        }
        (JobCommand::SetPriority, Some(p)) if p > 100 => {
            return Err(ApiError::BadRequest(format!(
                "priority must be between 0 and 100, not {p}"
            )));
        }
        (JobCommand::SetPriority, Some(_)) | (_, None) => {}
        (command, Some(_)) => {
            return Err(ApiError::BadRequest(format!(
                "`priority` goes with set_priority, not {command}"
            )));
        }
    }
    access::require_farm_jobs(&me)?;
    let job = state
        .write_publishing(move |c, events| {
            let job = access::visible_job(c, me.sight(), id)?;
            access::check_control(&me, &job)?;
            if runs_tasks_again(request.command) {
                access::check_code(c, &me, &job.kind)?;
            }
            let (status, _, counts) =
                db::jobs::state(c, id)?.ok_or_else(|| ApiError::not_found(format!("job {id}")))?;
            state_machine::check_command(status, request.command, &counts)
                .map_err(|e| ApiError::Conflict(e.0))?;
            db::jobs::apply_command(c, id, request.command, request.priority)?;
            refresh_status(c, id)?;
            let job =
                db::jobs::get(c, id)?.ok_or_else(|| ApiError::not_found(format!("job {id}")))?;
            events.push(EventKind::Job { job: job.clone() });
            if job.status != status {
                db::dispatch::push_dependents(c, id, events)?;
            }
            Ok::<_, ApiError>(job)
        })
        .await?;
    tracing::info!(job = %id, command = %request.command, status = %job.status, "job command");
    state.work_available();
    Ok(Json(job))
}

/// Replace what a job waits for. Whole jobs: none of its tasks runs before they all
/// completed; frame by frame: each task runs once the frames it covers are rendered by them.
/// A failed or canceled job waited for holds it, with the reason in `dependency`. Each job
/// named must be one the caller sees; naming the job itself, or a job that waits for it, is
/// refused (400). Who may control the job may change this.
#[utoipa::path(put, path = "/jobs/{id}/dependencies", tag = "jobs", params(("id" = i64, Path)),
    request_body = JobDependencies, security(("bearer" = [])),
    responses((status = 200, body = Job),
        (status = 400, description = "An unknown job, the job itself, a cycle, or too many", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn set_dependencies(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(id): Path<JobId>,
    Json(body): Json<JobDependencies>,
) -> ApiResult<Json<Job>> {
    access::require_farm_jobs(&me)?;
    let job = state
        .write_publishing(move |c, events| {
            let job = access::visible_job(c, me.sight(), id)?;
            access::check_control(&me, &job)?;
            access::check_upstream(c, me.sight(), &body.depends_on)?;
            db::job_deps::set(c, id, &body.depends_on, body.depend_mode).map_err(dep_error)?;
            let job =
                db::jobs::get(c, id)?.ok_or_else(|| ApiError::not_found(format!("job {id}")))?;
            events.push(EventKind::Job { job: job.clone() });
            Ok::<_, ApiError>(job)
        })
        .await?;
    tracing::info!(job = %id, depends_on = ?job.depends_on, mode = %job.depend_mode, "job dependencies set");
    state.work_available();
    Ok(Json(job))
}

/// Change a job's frames after submission: frames added become tasks (chunked as the job
/// is, after its others), tasks whose frames all went are taken out of the job (a running one
/// is stopped), a task keeping only some of its frames is made again for those (one that
/// completed is kept whole), and a video waits for the new frames. Who may control the job
/// may do this; adding frames to a job that runs code of its own needs `code_jobs_min_role`.
#[utoipa::path(put, path = "/jobs/{id}/frames", tag = "jobs", params(("id" = i64, Path)),
    request_body = JobFrames, security(("bearer" = [])),
    responses((status = 200, body = FramesChanged),
        (status = 400, description = "Frames that do not parse, or too many tasks", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn set_frames(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(id): Path<JobId>,
    Json(body): Json<JobFrames>,
) -> ApiResult<Json<FramesChanged>> {
    access::require_farm_jobs(&me)?;
    let changed = state
        .write_publishing(move |c, events| {
            let job = access::visible_job(c, me.sight(), id)?;
            access::check_control(&me, &job)?;
            access::check_code(c, &me, &job.kind)?;
            let mut kind = job.kind.clone();
            kind.set_frames(body.frames.trim().to_owned());
            // The job's checks again, with the new frames: a bad range or too many tasks is
            // refused before anything changes.
            let compiled = compile::compile(&SubmitJob {
                name: job.name.clone(),
                project_id: job.project_id,
                kind: kind.clone(),
                priority: Some(job.priority),
                paused: false,
                tag: None,
                production_task_id: None,
                files: Vec::new(),
                depends_on: Vec::new(),
                depend_mode: DependMode::default(),
                max_workers: None,
                task_timeout_secs: None,
                limits: Vec::new(),
            })
            .map_err(ApiError::BadRequest)?;
            let done = db::frame_change::change_frames(c, &job, &kind, &compiled)?;
            let fail_percent = db::settings::load(c)?.job_fail_percent;
            db::dispatch::settle_job(c, id, fail_percent, events)?;
            let job =
                db::jobs::get(c, id)?.ok_or_else(|| ApiError::not_found(format!("job {id}")))?;
            events.push(EventKind::Job { job: job.clone() });
            let changed = FramesChanged {
                job,
                added: done.added,
                removed: done.removed,
            };
            Ok::<_, ApiError>(changed)
        })
        .await?;
    tracing::info!(job = %id, added = changed.added, removed = changed.removed, "job frames changed");
    state.work_available();
    Ok(Json(changed))
}

/// A dependency refused is the request's fault.
fn dep_error(e: db::job_deps::DepError) -> ApiError {
    match e {
        db::job_deps::DepError::Sql(e) => e.into(),
        refused => ApiError::BadRequest(refused.to_string()),
    }
}

/// True for the commands that make a job's tasks run (again): running its code.
fn runs_tasks_again(command: JobCommand) -> bool {
    match command {
        JobCommand::Start
        | JobCommand::Resume
        | JobCommand::RenderAgain
        | JobCommand::RequeueFailed => true,
        JobCommand::Pause | JobCommand::Cancel | JobCommand::SetPriority => false,
    }
}

/// Re-derives a job's status with the farm's failure threshold.
pub(super) fn refresh_status(c: &Connection, id: JobId) -> ApiResult<()> {
    let fail_percent = db::settings::load(c)?.job_fail_percent;
    db::jobs::refresh_status(c, id, fail_percent)?;
    Ok(())
}

/// Deletes jobs the caller controls: all of them, or none when one is missing, out of sight
/// or not theirs to control.
fn delete_controlled(
    c: &Connection,
    me: &CurrentUser,
    ids: &[JobId],
    events: &mut Vec<EventKind>,
) -> ApiResult<()> {
    let sight = me.sight();
    let mut missing = Vec::new();
    for id in ids {
        match access::visible_job(c, sight, *id) {
            Ok(job) => access::check_control(me, &job)?,
            Err(ApiError::NotFound(_)) => missing.push(id.to_string()),
            Err(e) => return Err(e),
        }
    }
    if !missing.is_empty() {
        return Err(ApiError::NotFound(format!("no job {}", missing.join(", "))));
    }
    // The jobs that waited for these lose the dependency (the links go with the rows): they
    // take their new state, and their clients hear of it.
    let mut waiting = Vec::new();
    for id in ids {
        waiting.extend(db::job_deps::dependents(c, *id)?);
    }
    db::jobs::delete(c, ids)?;
    events.extend(ids.iter().map(|id| EventKind::JobDeleted { job_id: *id }));
    waiting.sort_unstable();
    waiting.dedup();
    for id in waiting {
        if db::job_deps::refresh(c, id)?
            && let Some(job) = db::jobs::get(c, id)?
        {
            events.push(EventKind::Job { job });
        }
    }
    Ok(())
}

/// Delete a job with its tasks.
#[utoipa::path(delete, path = "/jobs/{id}", tag = "jobs", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_job(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(id): Path<JobId>,
) -> ApiResult<StatusCode> {
    access::require_farm_jobs(&me)?;
    state
        .write_publishing(move |c, events| delete_controlled(c, &me, &[id], events))
        .await?;
    remove_files(&state, vec![id]).await;
    state.work_available();
    Ok(StatusCode::NO_CONTENT)
}

/// After jobs were deleted: remove their logs and previews.
async fn remove_files(state: &AppState, ids: Vec<JobId>) {
    let dir = state.data_dir.clone();
    let _ = tokio::task::spawn_blocking(move || {
        for id in ids {
            crate::farm::files::remove_job_files(&dir, id);
        }
    })
    .await;
}

/// The workers kept away from a job after failing too many of its tasks.
#[utoipa::path(get, path = "/jobs/{id}/blocklist", tag = "jobs", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<BlocklistEntry>), (status = 404, body = ErrorBody)))]
async fn get_blocklist(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(id): Path<JobId>,
) -> ApiResult<Json<Vec<BlocklistEntry>>> {
    let sight = me.sight();
    let list = state
        .store
        .read(move |c| {
            access::visible_job(c, sight, id)?;
            Ok::<_, ApiError>(db::blocklist::list(c, id)?)
        })
        .await?;
    Ok(Json(list))
}

/// Clear a job's blocklist: its workers may try its tasks again.
#[utoipa::path(delete, path = "/jobs/{id}/blocklist", tag = "jobs", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn clear_blocklist(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(id): Path<JobId>,
) -> ApiResult<StatusCode> {
    access::require_farm_jobs(&me)?;
    state
        .store
        .write(move |c| {
            let job = access::visible_job(c, me.sight(), id)?;
            access::check_control(&me, &job)?;
            Ok::<_, ApiError>(db::blocklist::clear(c, id)?)
        })
        .await?;
    state.work_available();
    Ok(StatusCode::NO_CONTENT)
}

/// Delete several jobs with their tasks: all of them or, when one is missing or not the
/// caller's, none.
#[utoipa::path(post, path = "/jobs/delete", tag = "jobs", request_body = DeleteJobs, security(("bearer" = [])),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_jobs(
    Authed(me): Authed,
    State(state): State<AppState>,
    Json(body): Json<DeleteJobs>,
) -> ApiResult<StatusCode> {
    if body.ids.is_empty() {
        return Err(ApiError::BadRequest(
            "ids must name at least one job".into(),
        ));
    }
    if body.ids.len() > MAX_DELETED_AT_ONCE {
        return Err(ApiError::BadRequest(format!(
            "ids may name at most {MAX_DELETED_AT_ONCE} jobs at once"
        )));
    }
    access::require_farm_jobs(&me)?;
    let ids = body.ids.clone();
    state
        .write_publishing(move |c, events| delete_controlled(c, &me, &body.ids, events))
        .await?;
    remove_files(&state, ids).await;
    state.work_available();
    Ok(StatusCode::NO_CONTENT)
}
