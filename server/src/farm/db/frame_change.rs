//! A job's frames changed after submission (`PUT /jobs/{id}/frames`): frames added become
//! tasks, tasks whose frames went are taken out, the video waits for the new set, and the
//! job's counts, frame-by-frame links and status follow. One call, in the caller's
//! transaction.

use crate::farm::compile::{CompiledJob, task_name};
use drover_shared::api::{Job, JobKind};
use drover_shared::frames::FrameSet;
use drover_shared::{TaskId, TaskStatus};
use rusqlite::{Connection, named_params};

/// What the change did to the job's tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FrameChange {
    /// Tasks made.
    pub added: u64,
    /// Tasks taken out.
    pub removed: u64,
}

/// One task as the change sees it.
struct Row {
    id: TaskId,
    status: TaskStatus,
    start: i64,
    end: i64,
    /// The job's video: it waits for the job's own frame tasks.
    video: bool,
}

/// What becomes of a frame task whose frames are `start..=end` under the new `frames`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Every frame stays: the task stays as it is.
    Keep,
    /// It goes; the frames of it that stay (if any) are made again as new tasks. A completed
    /// task keeping some frames is kept whole instead (its frames are rendered already).
    Remove,
}

/// The fate of a frame task.
pub fn fate(frames: &FrameSet, start: i64, end: i64, status: TaskStatus) -> Fate {
    if frames.contains_all(start, end)
        || (status == TaskStatus::Completed && frames.contains_any(start, end))
    {
        Fate::Keep
    } else {
        Fate::Remove
    }
}

/// Gives `job` the frames of `compiled` (its settings' frame string already replaced in
/// `kind`): keeps the tasks still inside, removes the others (a worker running one is freed
/// and stopped by its next `may-i-run`), adds tasks for the frames no kept task covers, points
/// the video (if any) at the new frames and queues it again, then recounts the job and
/// relinks frame-by-frame dependencies on both sides. The caller settles the job's status.
pub fn change_frames(
    conn: &Connection,
    job: &Job,
    kind: &JobKind,
    compiled: &CompiledJob,
) -> rusqlite::Result<FrameChange> {
    let now = super::now_ms();
    let rows: Vec<Row> = conn
        .prepare_cached(
            "SELECT t.id, t.status, t.frame_start, t.frame_end,
                    EXISTS (SELECT 1 FROM task_deps x JOIN tasks xt ON xt.id = x.depends_on
                            WHERE x.task_id = t.id AND xt.job_id = t.job_id)
             FROM tasks t WHERE t.job_id = :job ORDER BY t.id",
        )?
        .query_map(named_params! { ":job": job.id }, |r| {
            Ok(Row {
                id: r.get(0)?,
                status: r.get(1)?,
                start: r.get(2)?,
                end: r.get(3)?,
                video: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut change = FrameChange::default();
    let mut kept = Vec::new();
    let mut free_worker = conn
        .prepare_cached("UPDATE workers SET status = 'idle', task_id = NULL WHERE task_id = :t")?;
    let mut delete = conn.prepare_cached("DELETE FROM tasks WHERE id = :t")?;
    for row in rows.iter().filter(|r| !r.video) {
        match fate(&compiled.frames, row.start, row.end, row.status) {
            Fate::Keep => kept.push((row.start, row.end)),
            Fate::Remove => {
                free_worker.execute(named_params! { ":t": row.id })?;
                delete.execute(named_params! { ":t": row.id })?;
                change.removed += 1;
            }
        }
    }
    let status = if job.status == drover_shared::JobStatus::Paused {
        TaskStatus::Paused
    } else {
        TaskStatus::Queued
    };
    let mut added_ids = Vec::new();
    if let Some(missing) = compiled.frames.without(&kept) {
        let mut insert = conn.prepare_cached(
            "INSERT INTO tasks (job_id, name, task_type, status, frame_start, frame_end, updated)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        let chunks = missing
            .chunks(compiled.chunk_size.max(1))
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        for chunk in chunks {
            insert.execute((
                job.id,
                task_name(chunk),
                compiled.task_type,
                status,
                chunk.start,
                chunk.end,
                now,
            ))?;
            added_ids.push(conn.last_insert_rowid());
            change.added += 1;
        }
    }
    if let Some(video) = rows.iter().find(|r| r.video) {
        let (first, last) = compiled.frame_bounds();
        conn.prepare_cached(
            "UPDATE tasks SET frame_start = :first, frame_end = :last, updated = :now,
                    status = CASE WHEN status = 'active' THEN status ELSE :status END,
                    activity = CASE WHEN status = 'active' THEN activity ELSE '' END
             WHERE id = :video",
        )?
        .execute(named_params! {
            ":first": first, ":last": last, ":now": now, ":status": status, ":video": video.id,
        })?;
        let mut link = conn.prepare_cached(
            "INSERT OR IGNORE INTO task_deps (task_id, depends_on) VALUES (:video, :task)",
        )?;
        for task in &added_ids {
            link.execute(named_params! { ":video": video.id, ":task": task })?;
        }
    }
    let settings = match kind {
        JobKind::BlenderRender(s) => serde_json::to_string(s),
        JobKind::Command(s) => serde_json::to_string(s),
    }
    .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    conn.prepare_cached("UPDATE jobs SET settings = :settings, updated = :now WHERE id = :job")?
        .execute(named_params! { ":settings": settings, ":now": now, ":job": job.id })?;
    super::jobs::recount(conn, job.id)?;
    super::job_deps::link_frames(conn, job.id)?;
    for dependent in super::job_deps::dependents(conn, job.id)? {
        super::job_deps::link_frames(conn, dependent)?;
    }
    Ok(change)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_keep_their_frames_or_go() {
        let frames = FrameSet::parse("1-10").unwrap();
        assert_eq!(fate(&frames, 1, 5, TaskStatus::Queued), Fate::Keep);
        assert_eq!(fate(&frames, 11, 15, TaskStatus::Completed), Fate::Remove);
        // Partly inside: made again for the frames that stay, unless rendered already.
        assert_eq!(fate(&frames, 6, 15, TaskStatus::Active), Fate::Remove);
        assert_eq!(fate(&frames, 6, 15, TaskStatus::Completed), Fate::Keep);
    }
}
