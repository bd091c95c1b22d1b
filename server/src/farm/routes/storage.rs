//! A project's storage and its files by content: `GET`/`PUT /projects/{id}/storage` (mode
//! and quota), `POST /projects/{id}/files/check` (which hashes the server lacks) and
//! `GET`/`PUT /projects/{id}/files/{sha256}` (a resumable, streamed upload, checked against
//! its hash). Who may submit into the project may upload; managers set the mode and quota.

use crate::auth::{Authed, ManagerOnly};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::farm::access;
use crate::farm::db::{self, stored_files};
use crate::farm::file_store::{self, ReceiveError, Received};
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use drover_shared::api::{
    FileCheck, FileCheckAnswer, ProjectStorage, ProjectStorageInput, StorageMode, UploadQuery,
    UploadState, is_sha256,
};
use drover_shared::{ErrorBody, ProjectId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Most files one check (or one job) names.
pub const MAX_FILES: usize = 100_000;
/// Body limit of the routes that take a file list: 100,000 entries with long paths.
pub const LIST_BODY_LIMIT: usize = 48 * 1024 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_storage, set_storage))
        .routes(routes!(upload_state, upload))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(check_files))
                .layer(DefaultBodyLimit::max(LIST_BODY_LIMIT)),
        )
}

/// A project's storage mode, quota and use (404 for a project the person does not see).
#[utoipa::path(get, path = "/projects/{id}/storage", tag = "projects", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = ProjectStorage), (status = 404, body = ErrorBody)))]
async fn get_storage(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<ProjectId>,
) -> ApiResult<Json<ProjectStorage>> {
    let sight = me.sight();
    state
        .store
        .read(move |c| {
            if !access::sees_project(c, sight, project)? {
                return Ok(None);
            }
            Ok::<_, ApiError>(stored_files::project_storage(c, project)?)
        })
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("project {project}")))
}

/// Set a project's storage mode (`shared`: render nodes read its folders; `upload`: jobs
/// bring their files) and quota. Jobs keep the mode they were submitted in.
#[utoipa::path(put, path = "/projects/{id}/storage", tag = "projects", params(("id" = i64, Path)),
    request_body = ProjectStorageInput, security(("bearer" = ["manager"])),
    responses((status = 200, body = ProjectStorage), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn set_storage(
    ManagerOnly(_): ManagerOnly,
    State(state): State<AppState>,
    Path(project): Path<ProjectId>,
    Json(input): Json<ProjectStorageInput>,
) -> ApiResult<Json<ProjectStorage>> {
    if input.quota_bytes.is_some_and(|q| q > i64::MAX as u64) {
        return Err(ApiError::BadRequest("quota_bytes is too large".into()));
    }
    state
        .store
        .write(move |c| {
            stored_files::set_project_storage(c, project, &input).map_err(ApiError::from)
        })
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("project {project}")))
}

/// 403/404 unless the person may submit into the project, 400 unless it is in upload mode;
/// answers its storage.
fn check_uploads_into(
    c: &rusqlite::Connection,
    me: &crate::auth::CurrentUser,
    project: ProjectId,
) -> ApiResult<ProjectStorage> {
    access::check_submit_into(c, me, project)?;
    let storage = stored_files::project_storage(c, project)?
        .ok_or_else(|| ApiError::not_found(format!("project {project}")))?;
    if storage.mode != StorageMode::Upload {
        return Err(ApiError::BadRequest(format!(
            "project {project} keeps its files on shared storage: its jobs name server paths \
             and send no files (a manager can set its storage mode to `upload`)"
        )));
    }
    Ok(storage)
}

fn check_hash(sha256: &str) -> ApiResult<()> {
    if is_sha256(sha256) {
        Ok(())
    } else {
        Err(ApiError::BadRequest(format!(
            "{sha256:?} is not a SHA-256 (64 lowercase hex digits)"
        )))
    }
}

/// Which of a job's files the project lacks: upload those, each once. Files are kept by
/// content: what the project sent before is not sent again, and a file another project sent
/// is sent once more (so that knowing a hash never stands in for having the file) but kept
/// once on disk.
#[utoipa::path(post, path = "/projects/{id}/files/check", tag = "projects", params(("id" = i64, Path)),
    request_body = FileCheck, security(("bearer" = [])),
    responses((status = 200, body = FileCheckAnswer), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)))]
async fn check_files(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<ProjectId>,
    Json(check): Json<FileCheck>,
) -> ApiResult<Json<FileCheckAnswer>> {
    access::require_farm_jobs(&me)?;
    if check.files.len() > MAX_FILES {
        return Err(ApiError::PayloadTooLarge(format!(
            "a check names at most {MAX_FILES} files"
        )));
    }
    for file in &check.files {
        check_hash(&file.sha256)?;
    }
    state
        .store
        .read(move |c| {
            let storage = check_uploads_into(c, &me, project)?;
            let missing =
                stored_files::missing(c, project, check.files.iter().map(|f| f.sha256.as_str()))?;
            Ok(Json(FileCheckAnswer {
                missing,
                quota_bytes: storage.quota_bytes,
                used_bytes: storage.used_bytes,
            }))
        })
        .await
}

/// Where the upload of a file stands: stored, or how many bytes arrived (resume from there).
#[utoipa::path(get, path = "/projects/{id}/files/{sha256}", tag = "projects",
    params(("id" = i64, Path), ("sha256" = String, Path), UploadQuery), security(("bearer" = [])),
    responses((status = 200, body = UploadState), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn upload_state(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, sha256)): Path<(ProjectId, String)>,
    Query(query): Query<UploadQuery>,
) -> ApiResult<Json<UploadState>> {
    check_hash(&sha256)?;
    let hash = sha256.clone();
    let (stored, uploading) = state
        .store
        .read(move |c| {
            check_uploads_into(c, &me, project)?;
            Ok::<_, ApiError>((
                stored_files::held_size(c, project, &hash)?,
                stored_files::upload_size(c, project, &hash)?,
            ))
        })
        .await?;
    if let Some(size) = stored {
        return Ok(Json(whole(sha256, size)));
    }
    let received = match uploading {
        Some(size) if size == query.size => {
            file_store::received(&file_store::partial_path(&state.data_dir, project, &sha256))
                .await
                .min(size)
        }
        _ => 0,
    };
    Ok(Json(UploadState {
        sha256,
        size: query.size,
        received,
        stored: false,
    }))
}

fn whole(sha256: String, size: u64) -> UploadState {
    UploadState {
        sha256,
        size,
        received: size,
        stored: true,
    }
}

/// Upload a file (raw bytes, streamed) or its rest from `offset`, which must be what the
/// server received (409 otherwise). Once `size` bytes are in, the SHA-256 is checked: a
/// mismatch is refused (400) and the upload starts over. Counts against the project's quota
/// from its first byte (413 past it, nothing kept).
#[utoipa::path(put, path = "/projects/{id}/files/{sha256}", tag = "projects",
    params(("id" = i64, Path), ("sha256" = String, Path), UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"), security(("bearer" = [])),
    responses((status = 200, body = UploadState), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody)))]
async fn upload(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, sha256)): Path<(ProjectId, String)>,
    Query(query): Query<UploadQuery>,
    body: Body,
) -> ApiResult<Json<UploadState>> {
    check_hash(&sha256)?;
    let size = query.size;
    let offset = query.offset.unwrap_or(0);
    if offset > size {
        return Err(ApiError::BadRequest(format!(
            "offset {offset} is past the file's size of {size} bytes"
        )));
    }
    let Some(_guard) = state.uploads.take(project, &sha256) else {
        return Err(ApiError::Conflict(
            "this file is being uploaded by another request: wait, then ask where it stands".into(),
        ));
    };
    let partial = file_store::partial_path(&state.data_dir, project, &sha256);
    let on_disk = file_store::received(&partial).await;
    let hash = sha256.clone();
    let stored = state
        .store
        .write(move |c| {
            let storage = check_uploads_into(c, &me, project)?;
            let now = db::now_ms();
            if let Some(stored) = stored_files::stored_size(c, &hash)? {
                if stored != size {
                    return Err(ApiError::BadRequest(format!(
                        "the file {hash} has {stored} bytes, not {size}"
                    )));
                }
                // Held by this project already: nothing to send. Held only by others: the
                // bytes come all the same, to prove the sender has them.
                if stored_files::held_size(c, project, &hash)?.is_some() {
                    return Ok(Some(stored));
                }
            }
            let reserved = stored_files::upload_size(c, project, &hash)?;
            if reserved.is_some_and(|r| r != size) {
                // A different size for the same hash: what was received belongs to another
                // announcement; start over.
                stored_files::end_upload(c, project, &hash)?;
            }
            let reserved = reserved.filter(|r| *r == size).unwrap_or(0);
            // Starting over (offset 0) is always allowed; resuming only from what is on disk.
            let offset_fits = offset == 0 || (reserved > 0 && offset == on_disk);
            if !offset_fits {
                return Err(ApiError::Conflict(format!(
                    "the server has {} bytes of this upload: send from offset {}",
                    if reserved == 0 { 0 } else { on_disk },
                    if reserved == 0 { 0 } else { on_disk }
                )));
            }
            if storage.used_bytes - reserved + size > storage.quota_bytes {
                return Err(ApiError::PayloadTooLarge(format!(
                    "project {project} would use {} of its {} quota with this file of {size} \
                     bytes (it uses {} bytes now): ask a manager to raise it, or remove jobs",
                    storage.used_bytes - reserved + size,
                    storage.quota_bytes,
                    storage.used_bytes
                )));
            }
            stored_files::begin_upload(c, project, &hash, size, now)?;
            Ok(None)
        })
        .await?;
    if let Some(size) = stored {
        return Ok(Json(whole(sha256, size)));
    }
    let blob = file_store::blob_path(&state.data_dir, &sha256);
    let outcome = file_store::receive(body, &partial, &blob, offset, size, &sha256).await;
    let hash = sha256.clone();
    match outcome {
        Ok(Received::Stored) => {
            state
                .store
                .write(move |c| {
                    stored_files::store(c, project, &hash, size, db::now_ms())
                        .map_err(ApiError::from)
                })
                .await?;
            Ok(Json(whole(sha256, size)))
        }
        Ok(Received::Partial(received)) => Ok(Json(UploadState {
            sha256,
            size,
            received,
            stored: false,
        })),
        Err(e) => {
            if matches!(e, ReceiveError::TooLong(_) | ReceiveError::Mismatch { .. }) {
                state
                    .store
                    .write(move |c| {
                        stored_files::end_upload(c, project, &hash).map_err(ApiError::from)
                    })
                    .await?;
            }
            Err(receive_error(e))
        }
    }
}

/// The answer to a refused or failed body.
pub fn receive_error(e: ReceiveError) -> ApiError {
    match e {
        ReceiveError::TooLong(_) | ReceiveError::Mismatch { .. } => {
            ApiError::BadRequest(e.to_string())
        }
        ReceiveError::TooLarge(m) => ApiError::PayloadTooLarge(m),
        ReceiveError::Io { .. } => ApiError::Internal(e.to_string()),
    }
}
