//! The admin lists and production settings Kitsu's admin pages edit beyond the generic
//! rows: metadata columns, task type and status links and their order, salary scales, what
//! departments use, the automations and backgrounds of productions and templates, and
//! preview background pictures.

use super::gate::Routes;
use super::multipart::MaybeUpload;
use super::{Fields, read, write};
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
use axum::routing::{get, post, put};
use serde_json::Value;

use axum::Json;
type Made<T> = (StatusCode, Json<T>);

/// The routes.
pub fn router() -> Routes {
    Routes::new()
        .route(
            "/data/projects/{project}/metadata-descriptors/reorder",
            post(descriptor_reorder),
        )
        .route(
            "/data/projects/{project}/metadata-descriptors/{descriptor}",
            get(descriptor_one)
                .put(descriptor_update)
                .delete(descriptor_remove),
        )
        .route(
            "/data/metadata-descriptors/all-projects",
            post(descriptor_add_everywhere),
        )
        .route(
            "/data/metadata-descriptors/all-projects/{field}",
            put(descriptor_update_everywhere).delete(descriptor_remove_everywhere),
        )
        .route(
            "/actions/metadata-descriptors/all-projects/reorder",
            post(descriptor_reorder_everywhere),
        )
        .route("/data/task-type-links", post(task_type_link))
        .route("/data/task-status-links", post(task_status_link))
        .route(
            "/actions/projects/{project}/task-type-links/reorder",
            post(reorder_task_type_links),
        )
        .route(
            "/actions/projects/{project}/task-status-links/reorder",
            post(reorder_task_status_links),
        )
        .route("/actions/task-types/reorder", post(reorder_task_types))
        .route(
            "/data/salary-scales",
            get(salary_scales).post(no_salary_scale),
        )
        .route("/data/departments/hardware-items", get(department_hardware))
        .route(
            "/data/departments/software-licenses",
            get(department_software),
        )
        .route(
            "/data/departments/{department}/hardware-items",
            post(department_hardware_add),
        )
        .route(
            "/data/departments/{department}/software-licenses",
            post(department_software_add),
        )
        .route(
            "/data/departments/{department}/hardware-items/{item}",
            axum::routing::delete(department_hardware_remove),
        )
        .route(
            "/data/departments/{department}/software-licenses/{item}",
            axum::routing::delete(department_software_remove),
        )
        .route(
            "/data/projects/{project}/settings/status-automations",
            get(project_automations).post(project_automation_add),
        )
        .route(
            "/data/projects/{project}/settings/status-automations/{id}",
            axum::routing::delete(project_automation_remove),
        )
        .route(
            "/data/projects/{project}/settings/preview-background-files",
            get(project_backgrounds).post(project_background_add),
        )
        .route(
            "/data/projects/{project}/settings/preview-background-files/{id}",
            axum::routing::delete(project_background_remove),
        )
        .route(
            "/data/project-templates/{template}/status-automations",
            get(template_automations).post(template_automation_add),
        )
        .route(
            "/data/project-templates/{template}/status-automations/{id}",
            axum::routing::delete(template_automation_remove),
        )
        .route(
            "/data/project-templates/{template}/preview-background-files",
            get(template_backgrounds).post(template_background_add),
        )
        .route(
            "/data/project-templates/{template}/preview-background-files/{id}",
            axum::routing::delete(template_background_remove),
        )
        .route(
            "/actions/project-templates/{template}/task-types/reorder",
            post(template_reorder_types),
        )
        .route(
            "/actions/project-templates/{template}/task-statuses/reorder",
            post(template_reorder_statuses),
        )
        .route(
            "/actions/project-templates/{template}/default-preview-background-file",
            put(template_default_background),
        )
        .route(
            "/actions/project-templates/{template}/metadata-descriptors",
            put(template_descriptors),
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

async fn descriptor_one(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, id)): Path<(String, String)>,
) -> ApiResult<Json<Row>> {
    Ok(Json(
        read(&state, &me, move |d| descriptors::one(d, &project, &id)).await?,
    ))
}

async fn descriptor_update(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, id)): Path<(String, String)>,
    Fields(body): Fields,
) -> ApiResult<Json<Row>> {
    Ok(Json(
        write(&state, &me, move |d| {
            descriptors::update(d, &project, &id, &body)
        })
        .await?,
    ))
}

async fn descriptor_remove(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    write(&state, &me, move |d| descriptors::remove(d, &project, &id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn descriptor_reorder(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<String>,
    Fields(body): Fields,
) -> ApiResult<Json<Vec<Row>>> {
    Ok(Json(
        write(&state, &me, move |d| {
            descriptors::reorder(d, &project, &body)
        })
        .await?,
    ))
}

async fn descriptor_add_everywhere(
    Authed(me): Authed,
    State(state): State<AppState>,
    Fields(body): Fields,
) -> ApiResult<Made<Vec<Row>>> {
    let made = write(&state, &me, move |d| descriptors::add_everywhere(d, &body)).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

async fn descriptor_update_everywhere(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(field): Path<String>,
    Fields(body): Fields,
) -> ApiResult<Json<Vec<Row>>> {
    Ok(Json(
        write(&state, &me, move |d| {
            descriptors::update_everywhere(d, &field, &body)
        })
        .await?,
    ))
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

async fn descriptor_reorder_everywhere(
    Authed(me): Authed,
    State(state): State<AppState>,
    Fields(body): Fields,
) -> ApiResult<Json<Vec<Row>>> {
    Ok(Json(
        write(&state, &me, move |d| {
            descriptors::reorder_everywhere(d, &body)
        })
        .await?,
    ))
}

// Task type and status links.

async fn task_type_link(
    Authed(me): Authed,
    State(state): State<AppState>,
    Fields(body): Fields,
) -> ApiResult<Made<Row>> {
    let link = write(&state, &me, move |d| db::task_type_link(d, &body)).await?;
    Ok((StatusCode::CREATED, Json(link)))
}

async fn task_status_link(
    Authed(me): Authed,
    State(state): State<AppState>,
    Fields(body): Fields,
) -> ApiResult<Made<Row>> {
    let link = write(&state, &me, move |d| db::task_status_link(d, &body)).await?;
    Ok((StatusCode::CREATED, Json(link)))
}

async fn reorder_links(
    state: &AppState,
    me: crate::auth::CurrentUser,
    project: String,
    ordered: Ordered,
    body: Row,
) -> ApiResult<Json<Vec<Row>>> {
    Ok(Json(
        write(state, &me, move |d| {
            db::reorder_project_links(d, &project, ordered, &body)
        })
        .await?,
    ))
}

async fn reorder_task_type_links(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<String>,
    Fields(body): Fields,
) -> ApiResult<Json<Vec<Row>>> {
    reorder_links(&state, me, project, Ordered::TaskTypes, body).await
}

async fn reorder_task_status_links(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<String>,
    Fields(body): Fields,
) -> ApiResult<Json<Vec<Row>>> {
    reorder_links(&state, me, project, Ordered::TaskStatuses, body).await
}

async fn reorder_task_types(
    Authed(me): Authed,
    State(state): State<AppState>,
    Fields(body): Fields,
) -> ApiResult<Json<Vec<Row>>> {
    Ok(Json(
        write(&state, &me, move |d| db::reorder_task_types(d, &body)).await?,
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

async fn department_links(
    state: &AppState,
    me: &crate::auth::CurrentUser,
    link: DepartmentLink,
) -> ApiResult<Json<Row>> {
    Ok(Json(
        read(state, me, move |d| db::department_links(d, link)).await?,
    ))
}

async fn department_link_add(
    state: &AppState,
    me: &crate::auth::CurrentUser,
    department: String,
    link: DepartmentLink,
    body: Row,
) -> ApiResult<Made<Row>> {
    let made = write(state, me, move |d| {
        db::department_link_add(d, &department, link, &body)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(made)))
}

async fn department_link_remove(
    state: &AppState,
    me: &crate::auth::CurrentUser,
    department: String,
    link: DepartmentLink,
    item: String,
) -> ApiResult<StatusCode> {
    write(state, me, move |d| {
        db::department_link_remove(d, &department, link, &item)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn department_hardware(
    Authed(me): Authed,
    State(state): State<AppState>,
) -> ApiResult<Json<Row>> {
    department_links(&state, &me, DepartmentLink::HardwareItems).await
}

async fn department_software(
    Authed(me): Authed,
    State(state): State<AppState>,
) -> ApiResult<Json<Row>> {
    department_links(&state, &me, DepartmentLink::Software).await
}

async fn department_hardware_add(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(department): Path<String>,
    Fields(body): Fields,
) -> ApiResult<Made<Row>> {
    department_link_add(&state, &me, department, DepartmentLink::HardwareItems, body).await
}

async fn department_software_add(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(department): Path<String>,
    Fields(body): Fields,
) -> ApiResult<Made<Row>> {
    department_link_add(&state, &me, department, DepartmentLink::Software, body).await
}

async fn department_hardware_remove(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((department, item)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    department_link_remove(&state, &me, department, DepartmentLink::HardwareItems, item).await
}

async fn department_software_remove(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((department, item)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    department_link_remove(&state, &me, department, DepartmentLink::Software, item).await
}

// What productions and templates use.

async fn project_uses(
    state: &AppState,
    me: &crate::auth::CurrentUser,
    project: String,
    uses: Uses,
) -> ApiResult<Json<Vec<Row>>> {
    Ok(Json(
        read(state, me, move |d| db::project_uses_list(d, &project, uses)).await?,
    ))
}

async fn project_use_add(
    state: &AppState,
    me: &crate::auth::CurrentUser,
    project: String,
    uses: Uses,
    body: Row,
) -> ApiResult<Made<Row>> {
    let project = write(state, me, move |d| {
        db::project_uses_add(d, &project, uses, &body)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(project)))
}

async fn project_use_remove(
    state: &AppState,
    me: &crate::auth::CurrentUser,
    project: String,
    uses: Uses,
    id: String,
) -> ApiResult<StatusCode> {
    write(state, me, move |d| {
        db::project_uses_remove(d, &project, uses, &id)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn project_automations(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<String>,
) -> ApiResult<Json<Vec<Row>>> {
    project_uses(&state, &me, project, Uses::StatusAutomations).await
}

async fn project_automation_add(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<String>,
    Fields(body): Fields,
) -> ApiResult<Made<Row>> {
    project_use_add(&state, &me, project, Uses::StatusAutomations, body).await
}

async fn project_automation_remove(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    project_use_remove(&state, &me, project, Uses::StatusAutomations, id).await
}

async fn project_backgrounds(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<String>,
) -> ApiResult<Json<Vec<Row>>> {
    project_uses(&state, &me, project, Uses::Backgrounds).await
}

async fn project_background_add(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<String>,
    Fields(body): Fields,
) -> ApiResult<Made<Row>> {
    project_use_add(&state, &me, project, Uses::Backgrounds, body).await
}

async fn project_background_remove(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    project_use_remove(&state, &me, project, Uses::Backgrounds, id).await
}

async fn template_uses(
    state: &AppState,
    me: &crate::auth::CurrentUser,
    template: String,
    uses: Uses,
) -> ApiResult<Json<Vec<Row>>> {
    Ok(Json(
        read(state, me, move |d| {
            db::template_uses_list(d, &template, uses)
        })
        .await?,
    ))
}

async fn template_use_add(
    state: &AppState,
    me: &crate::auth::CurrentUser,
    template: String,
    uses: Uses,
    body: Row,
) -> ApiResult<Made<Row>> {
    let linked = write(state, me, move |d| {
        db::template_uses_add(d, &template, uses, &body)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(linked)))
}

async fn template_use_remove(
    state: &AppState,
    me: &crate::auth::CurrentUser,
    template: String,
    uses: Uses,
    id: String,
) -> ApiResult<StatusCode> {
    write(state, me, move |d| {
        db::template_uses_remove(d, &template, uses, &id)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn template_automations(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(template): Path<String>,
) -> ApiResult<Json<Vec<Row>>> {
    template_uses(&state, &me, template, Uses::StatusAutomations).await
}

async fn template_automation_add(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(template): Path<String>,
    Fields(body): Fields,
) -> ApiResult<Made<Row>> {
    template_use_add(&state, &me, template, Uses::StatusAutomations, body).await
}

async fn template_automation_remove(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((template, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    template_use_remove(&state, &me, template, Uses::StatusAutomations, id).await
}

async fn template_backgrounds(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(template): Path<String>,
) -> ApiResult<Json<Vec<Row>>> {
    template_uses(&state, &me, template, Uses::Backgrounds).await
}

async fn template_background_add(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(template): Path<String>,
    Fields(body): Fields,
) -> ApiResult<Made<Row>> {
    template_use_add(&state, &me, template, Uses::Backgrounds, body).await
}

async fn template_background_remove(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((template, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    template_use_remove(&state, &me, template, Uses::Backgrounds, id).await
}

async fn template_reorder_types(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(template): Path<String>,
    Fields(body): Fields,
) -> ApiResult<Json<Vec<Row>>> {
    Ok(Json(
        write(&state, &me, move |d| {
            db::reorder_template(d, &template, Ordered::TaskTypes, &body)
        })
        .await?,
    ))
}

async fn template_reorder_statuses(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(template): Path<String>,
    Fields(body): Fields,
) -> ApiResult<Json<Vec<Row>>> {
    Ok(Json(
        write(&state, &me, move |d| {
            db::reorder_template(d, &template, Ordered::TaskStatuses, &body)
        })
        .await?,
    ))
}

async fn template_default_background(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(template): Path<String>,
    Fields(body): Fields,
) -> ApiResult<Json<Row>> {
    Ok(Json(
        write(&state, &me, move |d| {
            db::template_default_background(d, &template, &body)
        })
        .await?,
    ))
}

async fn template_descriptors(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(template): Path<String>,
    Fields(body): Fields,
) -> ApiResult<Json<Row>> {
    Ok(Json(
        write(&state, &me, move |d| {
            db::template_descriptors(d, &template, &Value::Object(body))
        })
        .await?,
    ))
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
