//! `/limits` of the farm API: farm-wide named limits (managers set them, everyone sees their
//! use), and `PUT /jobs/{id}/limits`, a job's own.

use crate::auth::{Authed, ManagerOnly};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::farm::access;
use crate::farm::db;
use crate::farm::db::limits::LimitError;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use drover_shared::api::{FarmLimit, Job, JobLimits, LimitInput};
use drover_shared::events::EventKind;
use drover_shared::{ErrorBody, JobId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_limits))
        .routes(routes!(set_limit, delete_limit))
        .routes(routes!(set_job_limits))
}

/// The farm's limits with how many running tasks hold each now.
#[utoipa::path(get, path = "/limits", tag = "limits", security(("bearer" = [])),
    responses((status = 200, body = Vec<FarmLimit>)))]
async fn list_limits(
    Authed(_): Authed,
    State(state): State<AppState>,
) -> ApiResult<Json<Vec<FarmLimit>>> {
    Ok(Json(
        state
            .store
            .read(|c| db::limits::list(c).map_err(ApiError::from))
            .await?,
    ))
}

/// Create or change a limit: at most `max_running` tasks of the jobs naming it run at once.
/// Lowering it stops nothing that runs; it only holds back what would start.
#[utoipa::path(put, path = "/limits/{name}", tag = "limits", params(("name" = String, Path)),
    request_body = LimitInput, security(("bearer" = ["manager"])),
    responses((status = 200, body = Vec<FarmLimit>), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
async fn set_limit(
    ManagerOnly(_): ManagerOnly,
    State(state): State<AppState>,
    Path(name): Path<String>,
    Json(input): Json<LimitInput>,
) -> ApiResult<Json<Vec<FarmLimit>>> {
    db::limits::check_name(&name).map_err(ApiError::BadRequest)?;
    let list = state
        .store
        .write(move |c| {
            db::limits::upsert(c, &name, input.max_running)?;
            db::limits::list(c).map_err(ApiError::from)
        })
        .await?;
    state.work_available();
    Ok(Json(list))
}

/// Remove a limit; the jobs naming it no longer do.
#[utoipa::path(delete, path = "/limits/{name}", tag = "limits", params(("name" = String, Path)),
    security(("bearer" = ["manager"])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_limit(
    ManagerOnly(_): ManagerOnly,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    let found = state
        .store
        .write(move |c| {
            if db::limits::delete(c, &name)? {
                Ok(())
            } else {
                Err(ApiError::not_found(format!("limit {name:?}")))
            }
        })
        .await;
    found?;
    state.work_available();
    Ok(StatusCode::NO_CONTENT)
}

/// Set a job's own limits: the most workers it uses at once, its task timeout (in place of the
/// farm's), and the farm limits it consumes. Who may control the job may change them.
#[utoipa::path(put, path = "/jobs/{id}/limits", tag = "jobs", params(("id" = i64, Path)),
    request_body = JobLimits, security(("bearer" = [])),
    responses((status = 200, body = Job),
        (status = 400, description = "A zero, an unknown limit, a name twice", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn set_job_limits(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(id): Path<JobId>,
    Json(body): Json<JobLimits>,
) -> ApiResult<Json<Job>> {
    access::require_farm_jobs(&me)?;
    let job = state
        .write_publishing(move |c, events| {
            let job = access::visible_job(c, me.sight(), id)?;
            access::check_control(&me, &job)?;
            db::limits::set_job(
                c,
                id,
                body.max_workers,
                body.task_timeout_secs,
                &body.limits,
            )
            .map_err(limit_error)?;
            let job =
                db::jobs::get(c, id)?.ok_or_else(|| ApiError::not_found(format!("job {id}")))?;
            events.push(EventKind::Job { job: job.clone() });
            Ok::<_, ApiError>(job)
        })
        .await?;
    state.work_available();
    Ok(Json(job))
}

/// A limit refused is the request's fault.
pub(crate) fn limit_error(e: LimitError) -> ApiError {
    match e {
        LimitError::Sql(e) => e.into(),
        LimitError::Invalid(why) => ApiError::BadRequest(why),
    }
}
