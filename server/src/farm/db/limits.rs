//! Limits (0030): farm-wide named limits with their use, and a job's own (the most workers
//! at once, its task timeout, the farm limits it consumes). The claim reads them in its job
//! query (`dispatch::find_task`); a running task holds one unit of each limit its job names.

use drover_shared::JobId;
use drover_shared::api::{FarmLimit, MAX_LIMITS_PER_JOB};
use rusqlite::{Connection, OptionalExtension, named_params};

/// Why a job's limits cannot be set.
#[derive(Debug, thiserror::Error)]
pub enum LimitError {
    /// The request is wrong: an unknown limit, a zero, too many names.
    #[error("{0}")]
    Invalid(String),
    /// SQLite failed.
    #[error(transparent)]
    Sql(#[from] rusqlite::Error),
}

/// Checks a limit's name: 1–64 ASCII letters, digits, `-`, `_` or `.`.
pub fn check_name(name: &str) -> Result<(), String> {
    let fine = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if fine {
        Ok(())
    } else {
        Err(format!(
            "a limit's name is 1 to 64 letters, digits, `-`, `_` or `.`, not {name:?}"
        ))
    }
}

/// Every farm limit with its use now, by name.
pub fn list(conn: &Connection) -> rusqlite::Result<Vec<FarmLimit>> {
    conn.prepare_cached(
        "SELECT fl.name, fl.max_running,
                (SELECT coalesce(sum(j.n_active), 0) FROM job_limits x JOIN jobs j ON j.id = x.job_id
                 WHERE x.name = fl.name),
                (SELECT count(*) FROM job_limits x WHERE x.name = fl.name)
         FROM farm_limits fl ORDER BY fl.name",
    )?
    .query_map([], |r| {
        Ok(FarmLimit {
            name: r.get(0)?,
            max_running: r.get(1)?,
            in_use: r.get(2)?,
            jobs: r.get(3)?,
        })
    })?
    .collect()
}

/// Creates or changes a limit.
pub fn upsert(conn: &Connection, name: &str, max_running: u32) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO farm_limits (name, max_running, updated) VALUES (:name, :max, :now)
         ON CONFLICT (name) DO UPDATE SET max_running = :max, updated = :now",
    )?
    .execute(named_params! { ":name": name, ":max": max_running, ":now": super::now_ms() })?;
    Ok(())
}

/// Removes a limit (the jobs naming it no longer do). False when there was none.
pub fn delete(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM farm_limits WHERE name = :name")?
        .execute(named_params! { ":name": name })?
        > 0)
}

/// Whether a limit exists.
fn exists(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM farm_limits WHERE name = :name")?
        .query_row(named_params! { ":name": name }, |_| Ok(()))
        .optional()?
        .is_some())
}

/// Checks a job's own limits before they are stored: no zero, known farm limits, each once,
/// not too many.
pub fn check_job(
    conn: &Connection,
    max_workers: Option<u32>,
    task_timeout_secs: Option<u32>,
    names: &[String],
) -> Result<(), LimitError> {
    if max_workers == Some(0) {
        return Err(LimitError::Invalid(
            "max_workers must be at least 1 (pause the job to run none)".into(),
        ));
    }
    if task_timeout_secs == Some(0) {
        return Err(LimitError::Invalid(
            "task_timeout_secs must be at least 1".into(),
        ));
    }
    if names.len() > MAX_LIMITS_PER_JOB {
        return Err(LimitError::Invalid(format!(
            "a job may name at most {MAX_LIMITS_PER_JOB} limits, not {}",
            names.len()
        )));
    }
    for (i, name) in names.iter().enumerate() {
        check_name(name).map_err(LimitError::Invalid)?;
        if names[..i].contains(name) {
            return Err(LimitError::Invalid(format!(
                "limit {name:?} is named twice"
            )));
        }
        if !exists(conn, name)? {
            return Err(LimitError::Invalid(format!(
                "there is no farm limit {name:?} (see GET /limits)"
            )));
        }
    }
    Ok(())
}

/// Stores a job's own limits, replacing what it had. Call [`check_job`] first.
pub fn set_job(
    conn: &Connection,
    job: JobId,
    max_workers: Option<u32>,
    task_timeout_secs: Option<u32>,
    names: &[String],
) -> Result<(), LimitError> {
    check_job(conn, max_workers, task_timeout_secs, names)?;
    conn.prepare_cached(
        "UPDATE jobs SET max_workers = :max, task_timeout_secs = :timeout WHERE id = :job",
    )?
    .execute(named_params! { ":max": max_workers, ":timeout": task_timeout_secs, ":job": job })?;
    conn.prepare_cached("DELETE FROM job_limits WHERE job_id = :job")?
        .execute(named_params! { ":job": job })?;
    let mut insert =
        conn.prepare_cached("INSERT INTO job_limits (job_id, name) VALUES (:job, :name)")?;
    for name in names {
        insert.execute(named_params! { ":job": job, ":name": name })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_short_plain_words() {
        assert!(check_name("nuke-licences").is_ok());
        assert!(check_name("gpu_memory.heavy2").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("two words").is_err());
        assert!(check_name(&"x".repeat(65)).is_err());
        assert!(check_name("é").is_err());
    }
}
