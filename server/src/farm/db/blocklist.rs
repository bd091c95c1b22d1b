//! Workers kept away from a job after failing too many of its tasks.

use drover_shared::JobId;
use drover_shared::api::BlocklistEntry;
use rusqlite::{Connection, named_params};

/// A job's blocklist.
pub fn list(conn: &Connection, job: JobId) -> rusqlite::Result<Vec<BlocklistEntry>> {
    conn.prepare_cached(
        "SELECT b.worker_id, w.name, b.task_type, b.created FROM blocklist b
         JOIN workers w ON w.id = b.worker_id WHERE b.job_id = :job ORDER BY b.created, w.name",
    )?
    .query_map(named_params! { ":job": job }, |r| {
        Ok(BlocklistEntry {
            worker_id: r.get(0)?,
            worker_name: r.get(1)?,
            task_type: r.get(2)?,
            created: super::time_from_ms(r.get(3)?),
        })
    })?
    .collect()
}

/// Clears a job's blocklist and the failure records behind it, so the workers may try its
/// tasks again.
pub fn clear(conn: &Connection, job: JobId) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM blocklist WHERE job_id = :job",
        named_params! { ":job": job },
    )?;
    conn.execute(
        "DELETE FROM task_failures WHERE job_id = :job",
        named_params! { ":job": job },
    )?;
    Ok(())
}
