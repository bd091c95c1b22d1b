//! A job's file set at submission: the paths and hashes checked before anything is written,
//! then, in the submit's write, the project's storage mode and quota and every file's
//! presence (a job never refers to a file the server does not have whole).

use crate::error::{ApiError, ApiResult};
use crate::farm::db::{self, stored_files};
use crate::farm::routes::storage::MAX_FILES;
use drover_shared::api::{Job, JobKind, StorageMode, SubmitJob, check_job_path, is_sha256};
use rusqlite::Connection;
use std::collections::HashSet;

/// Checks a submission's files on their own: at most [`MAX_FILES`], each path relative and
/// inside the job folder and named once, each hash a SHA-256; a Blender job with files
/// renders one of them and writes its frames inside the job folder.
pub fn check(submit: &SubmitJob) -> ApiResult<()> {
    if submit.files.is_empty() {
        return Ok(());
    }
    if submit.files.len() > MAX_FILES {
        return Err(ApiError::PayloadTooLarge(format!(
            "a job has at most {MAX_FILES} files"
        )));
    }
    let mut paths = HashSet::with_capacity(submit.files.len());
    for file in &submit.files {
        check_job_path(&file.path).map_err(ApiError::BadRequest)?;
        if !is_sha256(&file.sha256) {
            return Err(ApiError::BadRequest(format!(
                "the sha256 of {:?} is not a SHA-256 (64 lowercase hex digits)",
                file.path
            )));
        }
        if !paths.insert(file.path.as_str()) {
            return Err(ApiError::BadRequest(format!(
                "the job names {:?} twice",
                file.path
            )));
        }
    }
    if let JobKind::BlenderRender(settings) = &submit.kind {
        if !paths.contains(settings.blend_file.as_str()) {
            return Err(ApiError::BadRequest(format!(
                "blend_file {:?} is not one of the job's files: with files, it is a path in \
                 the job folder",
                settings.blend_file
            )));
        }
        check_job_path(&settings.output).map_err(|why| {
            ApiError::BadRequest(format!(
                "with files, output is a path in the job folder (like render/frame_####): {why}"
            ))
        })?;
    }
    Ok(())
}

/// In the submit's write, after the job's row: checks the project's mode against the job
/// (files only for `upload`; a Blender job there must bring its .blend) and stores the set.
pub fn attach(c: &Connection, job: &Job, submit: &SubmitJob) -> ApiResult<()> {
    let project = job.project_id;
    let storage = stored_files::project_storage(c, project)?
        .ok_or_else(|| ApiError::BadRequest(format!("project {project} does not exist")))?;
    match storage.mode {
        StorageMode::Shared if !submit.files.is_empty() => Err(ApiError::BadRequest(format!(
            "project {project} keeps its files on shared storage: submit server paths and no \
             files (or a manager sets its storage mode to `upload`)"
        ))),
        StorageMode::Shared => Ok(()),
        StorageMode::Upload
            if submit.files.is_empty() && matches!(submit.kind, JobKind::BlenderRender(_)) =>
        {
            Err(ApiError::BadRequest(format!(
                "project {project} shares no folder with its render nodes: a Blender job sends \
                 its .blend and what it uses as `files`"
            )))
        }
        StorageMode::Upload => {
            stored_files::attach(c, job.id, project, &submit.files, db::now_ms()).map_err(
                |refusal| match refusal {
                    stored_files::SetRefusal::Missing(hashes) => ApiError::BadRequest(format!(
                        "the project has not sent these files of the job yet (upload them \
                         first): {}",
                        hashes.join(", ")
                    )),
                    stored_files::SetRefusal::WrongSize(path) => ApiError::BadRequest(format!(
                        "{path:?} has another size than the stored file of its hash"
                    )),
                    stored_files::SetRefusal::OverQuota { needed, quota } => {
                        ApiError::PayloadTooLarge(format!(
                            "the job's files would take project {project} to {needed} bytes, \
                             past its quota of {quota}"
                        ))
                    }
                    stored_files::SetRefusal::Sql(e) => ApiError::from(e),
                },
            )
        }
    }
}
