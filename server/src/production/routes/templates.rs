//! Project templates beyond their rows (which the generic `/data/project-templates` routes
//! serve): the task types, task statuses and asset types a template lists, a template taken
//! from a production, and a template applied to one.

use super::gate::Routes;
use super::{Fields, read, write};
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::production::db::Row;
use crate::production::db::templates::{self as db, Link};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};

/// What a template lists, as URLs name it.
pub(super) const LINKS: &[&str] = &["task-types", "task-statuses", "asset-types"];

/// The routes.
pub fn router() -> Routes {
    Routes::new()
        .route(
            "/data/project-templates/{template}/{link}",
            get(linked).post(link_add),
        )
        .route(
            "/data/project-templates/{template}/{link}/{id}",
            delete(link_remove),
        )
        .route(
            "/data/project-templates/from-project/{project}",
            post(from_project),
        )
        .route(
            "/data/projects/{project}/apply-template/{template}",
            post(apply),
        )
}

fn link(name: &str) -> ApiResult<Link> {
    Link::from_route(name)
        .ok_or_else(|| ApiError::NotFound(format!("a project template lists no `{name}`")))
}

async fn linked(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((template, name)): Path<(String, String)>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    let link = link(&name)?;
    Ok(axum::Json(
        read(&state, &me, move |d| db::linked(d, &template, link)).await?,
    ))
}

async fn link_add(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((template, name)): Path<(String, String)>,
    Fields(body): Fields,
) -> ApiResult<(StatusCode, axum::Json<Vec<Row>>)> {
    let link = link(&name)?;
    let rows = write(&state, &me, move |d| {
        db::link_add(d, &template, link, &body)
    })
    .await?;
    Ok((StatusCode::CREATED, axum::Json(rows)))
}

async fn link_remove(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((template, name, id)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let link = link(&name)?;
    write(&state, &me, move |d| {
        db::link_remove(d, &template, link, &id)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn from_project(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<String>,
    Fields(body): Fields,
) -> ApiResult<(StatusCode, axum::Json<Row>)> {
    let made = write(&state, &me, move |d| db::from_project(d, &project, &body)).await?;
    Ok((StatusCode::CREATED, axum::Json(made)))
}

async fn apply(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, template)): Path<(String, String)>,
) -> ApiResult<axum::Json<Row>> {
    Ok(axum::Json(
        write(&state, &me, move |d| db::apply(d, &project, &template)).await?,
    ))
}
