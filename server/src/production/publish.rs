//! Farm ⇄ production: a render job that names a production task publishes its result there
//! when it ends. A completed job leaves a comment that sets the task to "waiting for
//! approval" with the job's video, or its last rendered frame, as the comment's preview; a
//! failed job leaves a comment with the log tail of its failed task.
//!
//! The comment is written **as the job's submitter**, with the rights they have when the job
//! ends (role, team, the statuses open to them): a person whose rights no longer allow it gets
//! no comment, and the row is closed with the reason (`refused`) instead.
//!
//! Settling a job queues a row in `prod_render_publish` in the same transaction as the job's
//! new status. [`publish_pending`] (run by the monitor every second) stores the media under a
//! preview id chosen up front, then writes the comment, the preview and the row's
//! `published_at` in one transaction: a crash at any point publishes the job once, later.

use crate::db::render_publish::{self, Outcome, Pending};
use crate::error::{ApiError, ApiResult};
use crate::farm::{file_store, files};
use crate::production::db::data::{Events, text};
use crate::production::db::names;
use crate::production::db::review::{self, Uploaded};
use crate::production::db::{Data, DataError, Viewer};
use crate::production::media;
use crate::state::AppState;
use drover_shared::api::{Job, JobKind, PreviewSize, StorageMode};
use drover_shared::{Role, TaskId};
use rusqlite::Connection;
use serde_json::Value;
use std::fmt::Write as _;
use std::path::Path;

/// Jobs published per pass.
const BATCH: usize = 20;

/// The least role that may comment on a task and add a preview to the comment (the role gate
/// of `POST /actions/tasks/{task}/comment` and `…/add-preview`): clients only read.
const POSTING_ROLE: Role = Role::Vendor;

/// Publishes every job waiting in the outbox; returns how many were published.
pub async fn publish_pending(state: &AppState) -> ApiResult<usize> {
    let pending = state
        .store
        .read(|c| render_publish::pending(c, BATCH).map_err(ApiError::from))
        .await?;
    let count = pending.len();
    for job in pending {
        publish(state, job).await?;
    }
    Ok(count)
}

/// What a job's comment carries besides its text.
enum Attachment {
    /// A preview stored under this id.
    Preview(String, Uploaded),
    /// The log tail of the failed task.
    Log(TaskId, String),
    /// Nothing could be found.
    Nothing,
}

async fn publish(state: &AppState, pending: Pending) -> ApiResult<()> {
    let data_dir = state.data_dir.clone();
    let job_id = pending.job.id;
    let attachment = match pending.outcome {
        Outcome::Completed => {
            let storage = state
                .store
                .read(move |c| {
                    crate::farm::db::stored_files::job_storage(c, job_id).map_err(ApiError::from)
                })
                .await?;
            render_preview(&data_dir, &pending.job, storage).await
        }
        Outcome::Failed => {
            let failed = state
                .store
                .read(move |c| render_publish::last_failed_task(c, job_id).map_err(ApiError::from))
                .await?;
            match failed {
                Some(task) => {
                    let tail = tokio::task::spawn_blocking(move || {
                        files::log_tail(&data_dir, job_id, task)
                    })
                    .await
                    .map_err(|e| ApiError::Internal(format!("reading the log: {e}")))?;
                    match tail {
                        Ok(Some(tail)) => Attachment::Log(task, tail),
                        _ => Attachment::Nothing,
                    }
                }
                None => Attachment::Nothing,
            }
        }
    };
    let schema = state.production.clone();
    state
        .write_live(move |conn| {
            let live = Events::default();
            match comment_as_submitter(conn, &schema, &pending, attachment, &live)? {
                Ok(comment) => render_publish::mark_published(conn, job_id, Some(&comment))?,
                Err(reason) => {
                    tracing::warn!(job = %job_id, %reason, "a render was not posted on its task");
                    render_publish::mark_refused(conn, job_id, &reason)?;
                    // Nothing of the comment was kept: nothing to tell.
                    live.take();
                }
            }
            Ok::<_, ApiError>(((), live.take()))
        })
        .await
}

/// Writes the job's comment with the rights its submitter has now: `Ok(Err(reason))` when
/// those rights refuse it (nothing of the comment is kept then).
fn comment_as_submitter(
    conn: &Connection,
    schema: &crate::production::db::Schema,
    pending: &Pending,
    attachment: Attachment,
    live: &Events,
) -> ApiResult<Result<String, String>> {
    let submitter = pending.job.created_by;
    let Some(role) = render_publish::submitter_role(conn, submitter)? else {
        return Ok(Err("the submitter's account is deactivated or gone".into()));
    };
    if !role.allows(POSTING_ROLE) {
        return Ok(Err(format!(
            "the submitter is a {role} now, and a {role} may not comment on tasks"
        )));
    }
    let viewer = Viewer {
        id: submitter,
        role,
    };
    let d = Data {
        conn,
        schema,
        viewer: &viewer,
        live,
    };
    // A savepoint of its own: a comment half-written when a later step is refused goes.
    match crate::db::in_savepoint(conn, || comment_on_task(&d, pending, attachment)) {
        Ok(comment) => Ok(Ok(comment)),
        Err(DataError::NotFound(_)) => Ok(Err(
            "the production task is gone, or its project's team no longer has the submitter"
                .to_owned(),
        )),
        Err(DataError::Forbidden(why) | DataError::BadRequest(why)) => Ok(Err(why)),
        Err(e) => Err(e.into()),
    }
}

/// Writes the comment (and its preview) on the job's task; answers the comment's id.
fn comment_on_task(
    d: &Data,
    pending: &Pending,
    attachment: Attachment,
) -> Result<String, DataError> {
    let job = &pending.job;
    let task = d.get(names::TASKS, &pending.task.to_string())?;
    let completed = pending.outcome == Outcome::Completed;
    let status = if completed {
        render_publish::review_status(d.conn, text(&task, "project_id"))?
    } else {
        None
    }
    .unwrap_or_else(|| text(&task, "task_status_id").to_owned());
    let mut text_body = if completed {
        format!(
            "Render job \u{201c}{}\u{201d} (#{}) completed on the farm: {} task(s) rendered.",
            job.name, job.id, job.progress.completed
        )
    } else {
        format!(
            "Render job \u{201c}{}\u{201d} (#{}) failed on the farm.",
            job.name, job.id
        )
    };
    match &attachment {
        Attachment::Preview(_, up) if up.is_movie => text_body.push_str(" The video is attached."),
        Attachment::Preview(..) => text_body.push_str(" Its last rendered frame is attached."),
        Attachment::Log(task, tail) => {
            let _ = write!(
                text_body,
                "\n\nEnd of the log of task #{task}:\n```\n{}\n```",
                tail.trim_end()
            );
        }
        Attachment::Nothing => {}
    }
    let mut body = serde_json::Map::new();
    body.insert("task_status_id".into(), Value::from(status));
    body.insert("comment".into(), Value::from(text_body));
    let comment = review::comment(d, text(&task, "id"), &body, &[])?;
    if let Attachment::Preview(id, uploaded) = attachment {
        let mut preview = serde_json::Map::new();
        preview.insert("id".into(), Value::from(id.as_str()));
        review::add_preview(d, text(&task, "id"), text(&comment, "id"), &preview)?;
        review::record_upload(d, &id, &uploaded)?;
    }
    Ok(text(&comment, "id").to_owned())
}

/// Stores the job's video (when it made one the server can read: on shared storage at its
/// path, else among the job's outputs under its file name) or its last frame as a new
/// preview's media; the conversion takes the submitter's turn in the movie queue.
async fn render_preview(data_dir: &Path, job: &Job, storage: StorageMode) -> Attachment {
    let video = match &job.kind {
        JobKind::BlenderRender(s) if s.video => {
            let path = std::path::PathBuf::from(s.video_paths(&s.output).1);
            match storage {
                StorageMode::Shared => Some(path),
                StorageMode::Upload => path
                    .file_name()
                    .map(|name| file_store::output_path(data_dir, job.id, &name.to_string_lossy())),
            }
        }
        _ => None,
    };
    let candidates = video
        .into_iter()
        .map(|path| (path, "render.mp4"))
        .chain(std::iter::once((
            files::preview_path(data_dir, job.id, PreviewSize::Full),
            "last-frame.jpg",
        )));
    for (path, name) in candidates {
        // The job's file stays where it is: the preview is made from a copy in the spool.
        let (spool, from) = (data_dir.to_owned(), path.clone());
        let copied = tokio::task::spawn_blocking(move || {
            let copy = media::spool_file(&spool).ok()?;
            let size = std::fs::copy(&from, copy.path()).ok()?;
            Some((copy.into_temp_path(), size))
        })
        .await;
        let Ok(Some((copy, size))) = copied else {
            continue;
        };
        let id = uuid::Uuid::new_v4().to_string();
        let submitter = job.created_by.to_string();
        match media::store_preview(data_dir, &id, name, &copy, &submitter).await {
            Ok(stored) => {
                let uploaded = Uploaded {
                    original_name: name.into(),
                    extension: stored.extension,
                    width: stored.width,
                    height: stored.height,
                    duration: stored.duration,
                    file_size: size,
                    is_movie: stored.is_movie,
                };
                return Attachment::Preview(id, uploaded);
            }
            Err(e) => tracing::warn!(job = %job.id, path = %path.display(), error = %e,
                "could not store the render as a preview"),
        }
    }
    Attachment::Nothing
}
