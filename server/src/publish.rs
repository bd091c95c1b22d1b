//! Farm ⇄ production: a render job that names a production task publishes its result there
//! when it ends. A completed job leaves a comment that sets the task to "waiting for
//! approval" with the job's video, or its last rendered frame, as the comment's preview; a
//! failed job leaves a comment with the log tail of its failed task.
//!
//! Settling a job queues a row in `prod_render_publish` in the same transaction as the job's
//! new status. [`publish_pending`] (run by the monitor every second) stores the media under a
//! preview id chosen up front, then writes the comment, the preview and the row's
//! `published_at` in one transaction: a crash at any point publishes the job once, later.

use crate::db::production::review::{self, Uploaded};
use crate::db::production::{Data, DataError, Viewer, data::text};
use crate::error::{ApiError, ApiResult};
use crate::files;
use crate::media;
use crate::state::AppState;
use drover_shared::api::{BlenderRenderSettings, PreviewSize};
use drover_shared::{JobId, Role, TaskId};
use rusqlite::OptionalExtension;
use serde_json::Value;
use std::fmt::Write as _;
use std::path::Path;

/// Jobs published per pass.
const BATCH: usize = 20;

/// A job waiting for its comment.
#[derive(Debug)]
struct Pending {
    job: JobId,
    completed: bool,
    task: String,
    name: String,
    created_by: String,
    job_type: String,
    settings: String,
    frames: u64,
}

/// Publishes every job waiting in the outbox; returns how many were published.
pub async fn publish_pending(state: &AppState) -> ApiResult<usize> {
    let pending = state
        .store
        .read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT r.job_id, r.outcome, j.production_task_id, j.name, j.created_by, \
                        j.job_type, j.settings, j.n_completed \
                 FROM prod_render_publish AS r JOIN jobs AS j ON j.id = r.job_id \
                 WHERE r.published_at IS NULL ORDER BY r.ended_at LIMIT ?",
            )?;
            let rows = stmt
                .query_map([BATCH as i64], |r| {
                    Ok(Pending {
                        job: r.get(0)?,
                        completed: r.get::<_, String>(1)? == "completed",
                        task: r.get(2)?,
                        name: r.get(3)?,
                        created_by: r.get(4)?,
                        job_type: r.get(5)?,
                        settings: r.get(6)?,
                        frames: r.get(7)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok::<_, ApiError>(rows)
        })
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

async fn publish(state: &AppState, job: Pending) -> ApiResult<()> {
    let data_dir = state.data_dir.clone();
    let attachment = if job.completed {
        render_preview(&data_dir, &job).await
    } else {
        let failed: Option<TaskId> = state
            .store
            .read(move |c| {
                c.query_row(
                    "SELECT id FROM tasks WHERE job_id = ? AND status = 'failed' \
                     ORDER BY updated DESC LIMIT 1",
                    [job.job],
                    |r| r.get(0),
                )
                .optional()
                .map_err(ApiError::from)
            })
            .await?;
        match failed {
            Some(task) => {
                let job_id = job.job;
                let tail =
                    tokio::task::spawn_blocking(move || files::log_tail(&data_dir, job_id, task))
                        .await
                        .map_err(|e| ApiError::Internal(format!("reading the log: {e}")))?;
                match tail {
                    Ok(Some(tail)) => Attachment::Log(task, tail),
                    _ => Attachment::Nothing,
                }
            }
            None => Attachment::Nothing,
        }
    };
    let schema = state.production.clone();
    state
        .store
        .write(move |conn| {
            let viewer = Viewer {
                id: job.created_by.clone(),
                // The submitter was checked against the task when the job was submitted; the
                // farm writes the result on their behalf.
                role: Role::Admin,
            };
            let d = Data {
                conn,
                schema: &schema,
                viewer: &viewer,
            };
            let comment = comment_on_task(&d, &job, attachment)?;
            conn.execute(
                "UPDATE prod_render_publish SET published_at = strftime('%Y-%m-%dT%H:%M:%S', \
                 'now'), comment_id = ? WHERE job_id = ?",
                rusqlite::params![comment, job.job],
            )?;
            Ok::<_, ApiError>(())
        })
        .await
}

/// Writes the comment (and its preview) on the job's task; `None` when the task is gone.
fn comment_on_task(
    d: &Data,
    job: &Pending,
    attachment: Attachment,
) -> Result<Option<String>, DataError> {
    let task = match d.get("tasks", &job.task) {
        Ok(task) => task,
        Err(DataError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    let status = if job.completed {
        review_status(d, text(&task, "project_id"))?
    } else {
        None
    }
    .unwrap_or_else(|| text(&task, "task_status_id").to_owned());
    let mut text_body = if job.completed {
        format!(
            "Render job \u{201c}{}\u{201d} (#{}) completed on the farm: {} task(s) rendered.",
            job.name, job.job, job.frames
        )
    } else {
        format!(
            "Render job \u{201c}{}\u{201d} (#{}) failed on the farm.",
            job.name, job.job
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
    Ok(Some(text(&comment, "id").to_owned()))
}

/// The project's "waiting for approval" status (a feedback-request status it uses, else the
/// studio's `wfa`).
fn review_status(d: &Data, project: &str) -> Result<Option<String>, DataError> {
    Ok(d.conn
        .query_row(
            "SELECT s.id FROM prod_task_status AS s \
             LEFT JOIN prod_project_task_status_link AS l \
                    ON l.task_status_id = s.id AND l.project_id = ? \
             WHERE s.is_feedback_request = 1 OR s.short_name = 'wfa' \
             ORDER BY l.project_id IS NULL, s.short_name <> 'wfa' LIMIT 1",
            [project],
            |r| r.get(0),
        )
        .optional()?)
}

/// Stores the job's video (when it made one the server can read) or its last frame as a new
/// preview's media; the conversion takes the submitter's turn in the movie queue.
async fn render_preview(data_dir: &Path, job: &Pending) -> Attachment {
    let video = (job.job_type == "blender-render")
        .then(|| serde_json::from_str::<BlenderRenderSettings>(&job.settings).ok())
        .flatten()
        .filter(|s| s.video)
        .map(|s| s.video_paths(&s.output).1);
    let candidates = video
        .into_iter()
        .map(|path| (std::path::PathBuf::from(path), "render.mp4"))
        .chain(std::iter::once((
            files::preview_path(data_dir, job.job, PreviewSize::Full),
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
        match media::store_preview(data_dir, &id, name, &copy, &job.created_by).await {
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
            Err(e) => tracing::warn!(job = %job.job, path = %path.display(), error = %e,
                "could not store the render as a preview"),
        }
    }
    Attachment::Nothing
}
