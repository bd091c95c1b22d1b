//! Which job rendered what last (the images live in the data dir).

use drover_shared::{JobId, TaskId, UserId};
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

/// The job that rendered something most recently, farm-wide or, with `team`, among the jobs
/// of the projects whose team that person is on.
pub fn latest(conn: &Connection, team: Option<UserId>) -> rusqlite::Result<Option<JobId>> {
    match team {
        None => conn
            .prepare_cached(
                "SELECT job_id FROM last_rendered ORDER BY updated DESC, job_id DESC LIMIT 1",
            )?
            .query_row([], |r| r.get(0))
            .optional(),
        Some(person) => conn
            .prepare_cached(&format!(
                "SELECT r.job_id FROM last_rendered AS r JOIN jobs AS j ON j.id = r.job_id
                 WHERE j.project_id IN ({})
                 ORDER BY r.updated DESC, r.job_id DESC LIMIT 1",
                super::teams::TEAM_PROJECT_IDS
            ))?
            .query_row(named_params! { ":viewer": person }, |r| r.get(0))
            .optional(),
    }
}
