//! `/tasks` (seed 000): listing (numbered or keyset pages) and status changes.

use crate::auth::Authed;
use crate::db;
use crate::domain::state;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Query};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use drover_shared::ErrorBody;
use drover_shared::api::{Page, Task, TaskQuery, TaskStatusChange};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_tasks, set_task_status))
}

/// Tasks in task order. Pass the answer's `next_after` as `after` for the next page: that
/// costs the same at any depth.
#[utoipa::path(get, path = "/tasks", tag = "tasks", params(TaskQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<Task>), (status = 400, body = ErrorBody)))]
async fn list_tasks(
    Authed(_): Authed,
    State(state): State<AppState>,
    Query(query): Query<TaskQuery>,
) -> ApiResult<Json<Page<Task>>> {
    Ok(Json(
        state
            .store
            .read(move |c| db::tasks::list(c, &query).map_err(ApiError::from))
            .await?,
    ))
}

/// Set a task's status; the job's status follows. Artists may change only tasks of their
/// own jobs.
#[utoipa::path(post, path = "/tasks", tag = "tasks", request_body = TaskStatusChange, security(("bearer" = [])),
    responses((status = 204), (status = 400, description = "Unknown status", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The task cannot go to that status from its current one", body = ErrorBody)))]
async fn set_task_status(
    Authed(me): Authed,
    State(app): State<AppState>,
    Json(change): Json<TaskStatusChange>,
) -> ApiResult<StatusCode> {
    let events = app
        .store
        .write(move |c| {
            let task = db::tasks::get(c, change.id)?
                .ok_or_else(|| ApiError::not_found(format!("task {}", change.id)))?;
            let (_, owner, _) = db::jobs::state(c, task.job_id)?
                .ok_or_else(|| ApiError::not_found(format!("job {}", task.job_id)))?;
            me.require_owner_or_manager(owner, "tasks of jobs")?;
            if !state::task_transition_allowed(task.status, change.status) {
                return Err(ApiError::Conflict(format!(
                    "a {} task cannot become {}",
                    task.status, change.status
                )));
            }
            db::tasks::set_status(c, change.id, change.status)?;
            let fail_percent = db::settings::get_f64(c, db::settings::JOB_FAIL_PERCENT)?;
            let mut events = Vec::new();
            if let Some(task) = db::tasks::get(c, change.id)? {
                events.push(db::dispatch::task_event(&task));
            }
            db::dispatch::settle_job(c, task.job_id, fail_percent, &mut events)?;
            Ok::<_, ApiError>(events)
        })
        .await?;
    app.publish(events);
    app.work_available();
    Ok(StatusCode::NO_CONTENT)
}
