//! The admin lists and production settings Kitsu's admin pages edit beyond the generic
//! rows: metadata columns, task type and status links and their order, salary scales, what
//! departments use, the automations and backgrounds of productions and templates, and
//! preview background pictures.

use super::gate::Routes;
use super::multipart::MaybeUpload;
use super::{Fields, delete_write, get_read, post_made, post_write, put_write, read, write};
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::production::db::admin_lists::{self as db, DepartmentLink, Ordered, Uses};
use crate::production::db::data::text;
use crate::production::db::descriptors;
use crate::production::db::{Row, names};
use crate::production::media;
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{MethodRouter, get, post};
use serde_json::Value;

use axum::Json;
type Made<T> = (StatusCode, Json<T>);

/// The routes.
pub fn router() -> Routes {
    type Two = (String, String);
    Routes::new()
        .route(
            "/data/projects/{project}/metadata-descriptors/reorder",
            post_write(|d, p: String, body| descriptors::reorder(d, &p, &body)),
        )
        .route(
            "/data/projects/{project}/metadata-descriptors/{descriptor}",
            get_read(|d, (p, id): Two| descriptors::one(d, &p, &id))
                .merge(put_write(|d, (p, id): Two, body| {
                    descriptors::update(d, &p, &id, &body)
                }))
                .merge(delete_write(|d, (p, id): Two| {
                    descriptors::remove(d, &p, &id)
                })),
        )
        .route(
            "/data/metadata-descriptors/all-projects",
            post_made(|d, (): (), body| descriptors::add_everywhere(d, &body)),
        )
        .route(
            "/data/metadata-descriptors/all-projects/{field}",
            put_write(|d, field: String, body| descriptors::update_everywhere(d, &field, &body))
                .delete(descriptor_remove_everywhere),
        )
        .route(
            "/actions/metadata-descriptors/all-projects/reorder",
            post_write(|d, (): (), body| descriptors::reorder_everywhere(d, &body)),
        )
        .route(
            "/data/task-type-links",
            post_made(|d, (): (), body| db::task_type_link(d, &body)),
        )
        .route(
            "/data/task-status-links",
            post_made(|d, (): (), body| db::task_status_link(d, &body)),
        )
        .route(
            "/actions/projects/{project}/task-type-links/reorder",
            reorder_links(Ordered::TaskTypes),
        )
        .route(
            "/actions/projects/{project}/task-status-links/reorder",
            reorder_links(Ordered::TaskStatuses),
        )
        .route(
            "/actions/task-types/reorder",
            post_write(|d, (): (), body| db::reorder_task_types(d, &body)),
        )
        .route(
            "/data/salary-scales",
            get(salary_scales).post(no_salary_scale),
        )
        .route(
            "/data/departments/hardware-items",
            get_read(|d, (): ()| db::department_links(d, DepartmentLink::HardwareItems)),
        )
        .route(
            "/data/departments/software-licenses",
            get_read(|d, (): ()| db::department_links(d, DepartmentLink::Software)),
        )
        .route(
            "/data/departments/{department}/hardware-items",
            department_link_add(DepartmentLink::HardwareItems),
        )
        .route(
            "/data/departments/{department}/software-licenses",
            department_link_add(DepartmentLink::Software),
        )
        .route(
            "/data/departments/{department}/hardware-items/{item}",
            department_link_remove(DepartmentLink::HardwareItems),
        )
        .route(
            "/data/departments/{department}/software-licenses/{item}",
            department_link_remove(DepartmentLink::Software),
        )
        .route(
            "/data/projects/{project}/settings/status-automations",
            project_uses(Uses::StatusAutomations),
        )
        .route(
            "/data/projects/{project}/settings/status-automations/{id}",
            project_use_remove(Uses::StatusAutomations),
        )
        .route(
            "/data/projects/{project}/settings/preview-background-files",
            project_uses(Uses::Backgrounds),
        )
        .route(
            "/data/projects/{project}/settings/preview-background-files/{id}",
            project_use_remove(Uses::Backgrounds),
        )
        .route(
            "/data/project-templates/{template}/status-automations",
            template_uses(Uses::StatusAutomations),
        )
        .route(
            "/data/project-templates/{template}/status-automations/{id}",
            template_use_remove(Uses::StatusAutomations),
        )
        .route(
            "/data/project-templates/{template}/preview-background-files",
            template_uses(Uses::Backgrounds),
        )
        .route(
            "/data/project-templates/{template}/preview-background-files/{id}",
            template_use_remove(Uses::Backgrounds),
        )
        .route(
            "/actions/project-templates/{template}/task-types/reorder",
            post_write(|d, t: String, body| db::reorder_template(d, &t, Ordered::TaskTypes, &body)),
        )
        .route(
            "/actions/project-templates/{template}/task-statuses/reorder",
            post_write(|d, t: String, body| {
                db::reorder_template(d, &t, Ordered::TaskStatuses, &body)
            }),
        )
        .route(
            "/actions/project-templates/{template}/default-preview-background-file",
            put_write(|d, t: String, body| db::template_default_background(d, &t, &body)),
        )
        .route(
            "/actions/project-templates/{template}/metadata-descriptors",
            put_write(|d, t: String, body| db::template_descriptors(d, &t, &Value::Object(body))),
        )
        .route(
            "/pictures/preview-background-files/{file}",
            post(upload_background).get(background),
        )
        .route(
            "/pictures/thumbnails/preview-background-files/{file}",
            get(background_thumbnail),
        )
}

/// `POST /actions/projects/{p}/<links>/reorder`.
fn reorder_links(ordered: Ordered) -> MethodRouter<AppState> {
    post_write(move |d, p: String, body| db::reorder_project_links(d, &p, ordered, &body))
}

/// `POST /data/departments/{d}/<link>`.
fn department_link_add(link: DepartmentLink) -> MethodRouter<AppState> {
    post_made(move |d, department: String, body| {
        db::department_link_add(d, &department, link, &body)
    })
}

/// `DELETE /data/departments/{d}/<link>/{item}`.
fn department_link_remove(link: DepartmentLink) -> MethodRouter<AppState> {
    delete_write(move |d, (department, item): (String, String)| {
        db::department_link_remove(d, &department, link, &item)
    })
}

/// `GET` and `POST /data/projects/{p}/settings/<uses>`; the `POST` answers the production.
fn project_uses(uses: Uses) -> MethodRouter<AppState> {
    get_read(move |d, p: String| db::project_uses_list(d, &p, uses)).merge(post_made(
        move |d, p: String, body| db::project_uses_add(d, &p, uses, &body),
    ))
}

/// `DELETE /data/projects/{p}/settings/<uses>/{id}`.
fn project_use_remove(uses: Uses) -> MethodRouter<AppState> {
    delete_write(move |d, (p, id): (String, String)| db::project_uses_remove(d, &p, uses, &id))
}

/// `GET` and `POST /data/project-templates/{t}/<uses>`; the `POST` answers the row linked.
fn template_uses(uses: Uses) -> MethodRouter<AppState> {
    get_read(move |d, t: String| db::template_uses_list(d, &t, uses)).merge(post_made(
        move |d, t: String, body| db::template_uses_add(d, &t, uses, &body),
    ))
}

/// `DELETE /data/project-templates/{t}/<uses>/{id}`.
fn template_use_remove(uses: Uses) -> MethodRouter<AppState> {
    delete_write(move |d, (t, id): (String, String)| db::template_uses_remove(d, &t, uses, &id))
}

// Metadata descriptors.

/// `POST /data/projects/{p}/metadata-descriptors`, served on the path `project.rs` reads.
pub(super) async fn descriptor_add(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<String>,
    Fields(body): Fields,
) -> ApiResult<Made<Row>> {
    let made = write(&state, &me, move |d| descriptors::add(d, &project, &body)).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

async fn descriptor_remove_everywhere(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(field): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Vec<String>>> {
    let entity_type = super::data::query_pairs(raw.as_deref())
        .into_iter()
        .find(|(k, _)| k == "entity_type")
        .map(|(_, v)| v)
        .unwrap_or_default();
    Ok(Json(
        write(&state, &me, move |d| {
            descriptors::remove_everywhere(d, &field, &entity_type)
        })
        .await?,
    ))
}

// Salary scales and departments.

async fn salary_scales(
    Authed(me): Authed,
    State(state): State<AppState>,
) -> ApiResult<Json<Vec<Row>>> {
    // A write: the grid's missing cells are made on the way, as Zou makes them.
    Ok(Json(write(&state, &me, db::salary_scales).await?))
}

async fn no_salary_scale() -> ApiError {
    ApiError::BadRequest(
        "Salary scales cannot be created: they are made for every department, position and \
         seniority"
            .into(),
    )
}

// Preview background pictures.

/// `POST /pictures/preview-background-files/{id}` (admins, by the catalogue's role): the
/// picture, decoded within the picture budgets and stored as PNG with a thumbnail; answers
/// the row, its `extension` now `png`.
async fn upload_background(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(file): Path<String>,
    MaybeUpload(upload): MaybeUpload,
) -> ApiResult<Made<Row>> {
    let upload = upload.ok_or_else(|| ApiError::BadRequest("File not provided.".into()))?;
    let background = file.split('.').next().unwrap_or("").to_owned();
    let found = read(&state, &me, move |d| {
        d.get(names::PREVIEW_BACKGROUND_FILES, &background)
    })
    .await?;
    let id = text(&found, "id").to_owned();
    let size = media::background::store(&state.data_dir, &id, &upload.file).await?;
    let original = upload.name.chars().take(250).collect::<String>();
    let row = write(&state, &me, move |d| {
        d.update(
            names::PREVIEW_BACKGROUND_FILES,
            &id,
            serde_json::json!({"extension": "png", "original_name": original,
                "file_size": size}),
        )
    })
    .await?;
    Ok((StatusCode::CREATED, Json(row)))
}

/// The stored picture (`{id}.png`, whatever extension the link gives) or its thumbnail.
async fn background_file(
    state: &AppState,
    me: &crate::auth::CurrentUser,
    file: &str,
    thumbnail: bool,
) -> ApiResult<Response> {
    let id = file.split('.').next().unwrap_or("").to_owned();
    let found = read(state, me, move |d| {
        d.get(names::PREVIEW_BACKGROUND_FILES, &id)
    })
    .await?;
    let id = text(&found, "id");
    let path = if thumbnail {
        media::background::thumbnail_path(&state.data_dir, id)
    } else {
        media::background::path(&state.data_dir, id)
    };
    super::media::stream_file(&path, "image/png")
        .await?
        .ok_or_else(|| ApiError::NotFound("File not found".into()))
}

async fn background(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> ApiResult<Response> {
    background_file(&state, &me, &file, false).await
}

async fn background_thumbnail(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> ApiResult<Response> {
    background_file(&state, &me, &file, true).await
}
