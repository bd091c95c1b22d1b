//! Which job rendered what last (the images live in the data dir).

use drover_shared::{JobId, TaskId};
use rusqlite::{Connection, OptionalExtension, named_params};

/// Records a job's new last-rendered image.
pub fn set(conn: &Connection, job: JobId, task: TaskId) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO last_rendered (job_id, task_id, updated) VALUES (:job, :task, :now)
         ON CONFLICT (job_id) DO UPDATE SET task_id = excluded.task_id, updated = excluded.updated",
        named_params! { ":job": job, ":task": task, ":now": super::now_ms() },
    )?;
    Ok(())
}

/// True when the job has a last-rendered image.
pub fn exists(conn: &Connection, job: JobId) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM last_rendered WHERE job_id = :job")?
        .exists(named_params! { ":job": job })
}

/// The job that rendered something most recently, farm-wide.
pub fn latest(conn: &Connection) -> rusqlite::Result<Option<JobId>> {
    conn.query_row(
        "SELECT job_id FROM last_rendered ORDER BY updated DESC, job_id DESC LIMIT 1",
        [],
        |r| r.get(0),
    )
    .optional()
}
