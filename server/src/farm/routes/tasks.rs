//! `/tasks` of the farm API: listing (numbered or keyset pages) and status changes.

use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Query};
use crate::farm::access;
use crate::farm::db;
use crate::farm::state_machine;
use crate::state::AppState;
use axum::extract::Path;
use axum::extract::State;
use axum::http::StatusCode;
use drover_shared::ErrorBody;
use drover_shared::api::{
    MAX_TASKS_PER_ACTION, Page, Task, TaskActionDone, TaskActionRequest, TaskQuery,
    TaskStatusChange,
};
use drover_shared::{JobId, JobStatus, TaskAction};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tasks, set_task_status))
        .routes(routes!(task_action))
}

/// Tasks in task order. Pass the answer's `next_after` as `after` for the next page: that
/// costs the same at any depth. People who are not managers see the tasks of their team's
/// projects; a job of another team's project answers 404.
#[utoipa::path(get, path = "/tasks", tag = "tasks", params(TaskQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<Task>), (status = 400, body = ErrorBody),
        (status = 404, description = "`job_id` names no job the caller may see", body = ErrorBody)))]
async fn list_tasks(
    Authed(me): Authed,
    State(state): State<AppState>,
    Query(query): Query<TaskQuery>,
) -> ApiResult<Json<Page<Task>>> {
    let sight = me.sight();
    Ok(Json(
        state
            .store
            .read(move |c| {
                // One job's tasks: the job's visibility is the list's (and its counters count).
                let team = match query.job_id {
                    Some(job) => {
                        access::visible_job(c, sight, job)?;
                        None
                    }
                    None => sight.team_member(),
                };
                Ok::<_, ApiError>(db::tasks::list(c, &query, team)?)
            })
            .await?,
    ))
}

/// Set a task's status; the job's status follows. Artists may change only tasks of their
/// own jobs, supervisors those of their team's projects; queuing a task of a job that runs
/// code of its own needs `code_jobs_min_role`.
#[utoipa::path(post, path = "/tasks", tag = "tasks", request_body = TaskStatusChange, security(("bearer" = [])),
    responses((status = 204), (status = 400, description = "Unknown status", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The task cannot go to that status from its current one", body = ErrorBody)))]
async fn set_task_status(
    Authed(me): Authed,
    State(app): State<AppState>,
    Json(change): Json<TaskStatusChange>,
) -> ApiResult<StatusCode> {
    access::require_farm_jobs(&me)?;
    app.write_publishing(move |c, events| {
        let missing = || ApiError::not_found(format!("task {}", change.id));
        let task = db::tasks::get(c, change.id)?.ok_or_else(missing)?;
        let job = access::visible_job(c, me.sight(), task.job_id).map_err(|_| missing())?;
        access::check_control(&me, &job)?;
        if change.status == drover_shared::TaskStatus::Queued {
            access::check_code(c, &me, &job.kind)?;
        }
        if !state_machine::task_transition_allowed(task.status, change.status) {
            return Err(ApiError::Conflict(format!(
                "a {} task cannot become {}",
                task.status, change.status
            )));
        }
        db::tasks::set_status(c, change.id, change.status)?;
        let fail_percent = db::settings::load(c)?.job_fail_percent;
        if let Some(task) = db::tasks::get(c, change.id)? {
            events.push(db::dispatch::task_event(&task));
        }
        db::dispatch::settle_job(c, task.job_id, fail_percent, events)?;
        Ok::<_, ApiError>(())
    })
    .await?;
    app.work_available();
    Ok(StatusCode::NO_CONTENT)
}

/// Requeue, skip or fail selected tasks of a job, as the app's task table does with a
/// selection: `requeue` runs them again (failures forgotten), `skip` marks them done without
/// running them (frames rendered elsewhere), `fail` fails them for good. Running ones are
/// stopped (their worker hears it within two seconds). Tasks the action does not apply to
/// are left as they are and counted in `unchanged`. Who may control the job may do this;
/// requeuing a job that runs code of its own needs `code_jobs_min_role`.
#[utoipa::path(post, path = "/jobs/{id}/tasks", tag = "tasks", params(("id" = i64, Path)),
    request_body = TaskActionRequest, security(("bearer" = [])),
    responses((status = 200, body = TaskActionDone),
        (status = 400, description = "No task, too many, or a task of another job", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn task_action(
    Authed(me): Authed,
    State(app): State<AppState>,
    Path(id): Path<JobId>,
    Json(request): Json<TaskActionRequest>,
) -> ApiResult<Json<TaskActionDone>> {
    let asked = request.task_ids.len();
    if asked == 0 || asked > MAX_TASKS_PER_ACTION {
        return Err(ApiError::BadRequest(format!(
            "task_ids must name 1 to {MAX_TASKS_PER_ACTION} tasks, not {asked}"
        )));
    }
    access::require_farm_jobs(&me)?;
    let action = request.action;
    let done = app
        .write_publishing(move |c, events| {
            let job = access::visible_job(c, me.sight(), id)?;
            access::check_control(&me, &job)?;
            if request.action == TaskAction::Requeue {
                access::check_code(c, &me, &job.kind)?;
            }
            let tasks = db::tasks::of_job(c, id, &request.task_ids)?;
            let mut distinct = request.task_ids.clone();
            distinct.sort_unstable();
            distinct.dedup();
            if tasks.len() != distinct.len() {
                let known: std::collections::HashSet<_> = tasks.iter().map(|(id, _)| *id).collect();
                let strangers: Vec<String> = distinct
                    .iter()
                    .filter(|t| !known.contains(t))
                    .take(5)
                    .map(ToString::to_string)
                    .collect();
                return Err(ApiError::BadRequest(format!(
                    "task {} is not a task of job {id}",
                    strangers.join(", ")
                )));
            }
            let paused = job.status == JobStatus::Paused;
            let activity: String = format!("{} by {}", past(request.action), me.user.email)
                .chars()
                .take(500)
                .collect();
            let mut changed = 0;
            for (task, from) in &tasks {
                let Some(to) = request.action.target(*from, paused) else {
                    continue;
                };
                db::tasks::set_by_hand(c, *task, to, &activity)?;
                if let Some(task) = db::tasks::get(c, *task)? {
                    events.push(db::dispatch::task_event(&task));
                }
                changed += 1;
            }
            if changed > 0 {
                let fail_percent = db::settings::load(c)?.job_fail_percent;
                db::dispatch::settle_job(c, id, fail_percent, events)?;
            }
            let done = TaskActionDone {
                changed,
                unchanged: tasks.len() as u64 - changed,
            };
            Ok::<_, ApiError>(done)
        })
        .await?;
    tracing::info!(job = %id, action = %action, changed = done.changed, "tasks changed by hand");
    app.work_available();
    Ok(Json(done))
}

/// The action as the task's activity line says it.
fn past(action: TaskAction) -> &'static str {
    match action {
        TaskAction::Requeue => "requeued",
        TaskAction::Skip => "skipped",
        TaskAction::Fail => "failed",
    }
}
