//! `/projects` of the farm API: listing, details, and creation and edits for managers.

use crate::auth::{Authed, ManagerOnly};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::farm::access;
use crate::farm::db;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use drover_shared::ErrorBody;
use drover_shared::ProjectId;
use drover_shared::api::{Project, ProjectInput, ProjectList, ProjectListQuery, ProjectSummary};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_projects, create_project))
        .routes(routes!(get_project, update_project))
}

/// Projects keyed by id, each with name and description; active ones unless
/// `include_inactive=true`. People who are not managers see the projects whose team they are
/// on.
#[utoipa::path(get, path = "/projects", tag = "projects", params(ProjectListQuery),
    security(("bearer" = [])),
    responses((status = 200, body = std::collections::BTreeMap<String, ProjectSummary>), (status = 400, body = ErrorBody)))]
async fn list_projects(
    Authed(me): Authed,
    State(state): State<AppState>,
    Query(query): Query<ProjectListQuery>,
) -> ApiResult<Json<ProjectList>> {
    let team = me.sight().team_member();
    let rows = state
        .store
        .read(move |c| db::projects::list(c, query.include_inactive, team).map_err(ApiError::from))
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|(id, p)| (id.to_string(), p))
            .collect(),
    ))
}

/// One project (404 for a project of another team, for people who are not managers).
#[utoipa::path(get, path = "/projects/{id}", tag = "projects", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Project), (status = 404, body = ErrorBody)))]
async fn get_project(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(id): Path<ProjectId>,
) -> ApiResult<Json<Project>> {
    let sight = me.sight();
    state
        .store
        .read(move |c| {
            if !access::sees_project(c, sight, id)? {
                return Ok(None);
            }
            Ok::<_, ApiError>(db::projects::get(c, id)?)
        })
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("project {id}")))
}

fn check_name(input: &ProjectInput) -> ApiResult<()> {
    match &input.name {
        Some(name) if name.trim().is_empty() => {
            Err(ApiError::BadRequest("name must not be empty".into()))
        }
        _ => Ok(()),
    }
}

/// Project names are unique (production tracking looks projects up by name): a second one
/// is a 400, not a failure of the server.
fn project_error(e: rusqlite::Error) -> ApiError {
    if let rusqlite::Error::SqliteFailure(failure, _) = &e
        && failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
    {
        return ApiError::BadRequest("a project with this name exists".into());
    }
    ApiError::from(e)
}

/// Create a project.
#[utoipa::path(post, path = "/projects", tag = "projects", request_body = ProjectInput,
    security(("bearer" = ["manager"])),
    responses((status = 201, body = Project), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn create_project(
    ManagerOnly(_): ManagerOnly,
    State(state): State<AppState>,
    Json(input): Json<ProjectInput>,
) -> ApiResult<(StatusCode, Json<Project>)> {
    if input.name.is_none() {
        return Err(ApiError::BadRequest("name is required".into()));
    }
    check_name(&input)?;
    let project = state
        .store
        .write(move |c| db::projects::insert(c, &input).map_err(project_error))
        .await?;
    Ok((StatusCode::CREATED, Json(project)))
}

/// Edit a project; absent fields keep their value.
#[utoipa::path(put, path = "/projects/{id}", tag = "projects", params(("id" = i64, Path)),
    request_body = ProjectInput, security(("bearer" = ["manager"])),
    responses((status = 200, body = Project), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn update_project(
    ManagerOnly(_): ManagerOnly,
    State(state): State<AppState>,
    Path(id): Path<ProjectId>,
    Json(input): Json<ProjectInput>,
) -> ApiResult<Json<Project>> {
    check_name(&input)?;
    state
        .store
        .write(move |c| db::projects::update(c, id, &input).map_err(project_error))
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("project {id}")))
}
