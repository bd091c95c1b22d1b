//! Dependencies between jobs (0029): which jobs a job waits for, in which mode, and what that
//! does to it now. The state is kept on the job row (`dep_state`, `dep_reason`) by the writer
//! whenever an upstream job's status or the job's dependencies change, so the claim reads one
//! column; frame-by-frame waits are rows of `task_deps` from each task to the upstream tasks
//! rendering its frames, which the claim already honours.

use drover_shared::{DependMode, DependencyState, JobId, JobStatus};
use rusqlite::{Connection, OptionalExtension, named_params};

/// Why a job's dependencies cannot be set.
#[derive(Debug, thiserror::Error)]
pub enum DepError {
    /// The job names itself.
    #[error("job {0} cannot wait for itself")]
    OnItself(JobId),
    /// A job it names waits, through others or directly, for this job.
    #[error("job {upstream} already waits for job {job}: that would be a cycle")]
    Cycle {
        /// The job whose dependencies were being set.
        job: JobId,
        /// The job named that waits for it.
        upstream: JobId,
    },
    /// SQLite failed.
    #[error(transparent)]
    Sql(#[from] rusqlite::Error),
}

/// The jobs waiting for `job`.
pub fn dependents(conn: &Connection, job: JobId) -> rusqlite::Result<Vec<JobId>> {
    conn.prepare_cached("SELECT job_id FROM job_deps WHERE depends_on = :job ORDER BY job_id")?
        .query_map(named_params! { ":job": job }, |r| r.get(0))?
        .collect()
}

/// Replaces what `job` waits for: checks for cycles, stores the links and the mode, links its
/// tasks to the upstream frames in frame mode, and brings its state up to date. The callers
/// checked that every job named exists and that the person may see it. Runs in the caller's
/// transaction.
pub fn set(
    conn: &Connection,
    job: JobId,
    depends_on: &[JobId],
    mode: DependMode,
) -> Result<(), DepError> {
    for &upstream in depends_on {
        if upstream == job {
            return Err(DepError::OnItself(job));
        }
        if waits_for(conn, upstream, job)? {
            return Err(DepError::Cycle { job, upstream });
        }
    }
    conn.prepare_cached("DELETE FROM job_deps WHERE job_id = :job")?
        .execute(named_params! { ":job": job })?;
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO job_deps (job_id, depends_on) VALUES (:job, :upstream)",
    )?;
    for upstream in depends_on {
        insert.execute(named_params! { ":job": job, ":upstream": upstream })?;
    }
    conn.prepare_cached("UPDATE jobs SET depend_mode = :mode WHERE id = :job")?
        .execute(named_params! { ":mode": mode, ":job": job })?;
    link_frames(conn, job)?;
    refresh(conn, job)?;
    Ok(())
}

/// Whether `job` waits for `other`, directly or through other jobs.
fn waits_for(conn: &Connection, job: JobId, other: JobId) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "WITH RECURSIVE up (id) AS (
             SELECT depends_on FROM job_deps WHERE job_id = :job
             UNION
             SELECT d.depends_on FROM job_deps d JOIN up ON d.job_id = up.id
         )
         SELECT 1 FROM up WHERE id = :other LIMIT 1",
    )?
    .query_row(named_params! { ":job": job, ":other": other }, |_| Ok(()))
    .optional()
    .map(|found| found.is_some())
}

/// Rebuilds the frame-by-frame links of `job`'s tasks: in frame mode each of its frame tasks
/// waits for the upstream frame tasks whose frames overlap its own (a job's video, which
/// waits for its own frames, is neither side of a link); in job mode there are none. Links
/// to upstream jobs that already completed are not made: nothing is left to wait for.
///
/// The overlap is found by a walk over both jobs' frame tasks in frame order, not by a join:
/// no index serves "ranges that overlap", and the join cost the product of the two jobs'
/// tasks in the writer (17 s for 10,000 on 10,000 frames, past 15 minutes for 100,000 on
/// 100,000, every write of the farm waiting behind it).
pub fn link_frames(conn: &Connection, job: JobId) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "DELETE FROM task_deps
         WHERE task_id IN (SELECT id FROM tasks WHERE job_id = :job)
           AND depends_on NOT IN (SELECT id FROM tasks WHERE job_id = :job)",
    )?
    .execute(named_params! { ":job": job })?;
    let upstream: Vec<JobId> = conn
        .prepare_cached(
            "SELECT l.depends_on FROM jobs j
             JOIN job_deps l ON l.job_id = j.id
             JOIN jobs uj ON uj.id = l.depends_on AND uj.status <> 'completed'
             WHERE j.id = :job AND j.depend_mode = 'frame'",
        )?
        .query_map(named_params! { ":job": job }, |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if upstream.is_empty() {
        return Ok(());
    }
    let own = frame_tasks(conn, job, false)?;
    let mut link = conn.prepare_cached(
        "INSERT OR IGNORE INTO task_deps (task_id, depends_on) VALUES (:task, :upstream)",
    )?;
    for up in upstream {
        let theirs = frame_tasks(conn, up, true)?;
        // Any task overlapping frame `f` starts at `f - widest` or later.
        let widest = theirs.iter().map(|t| t.2 - t.1).max().unwrap_or(0);
        for &(task, start, end) in &own {
            let from = theirs.partition_point(|t| t.1 < start.saturating_sub(widest));
            let to = theirs.partition_point(|t| t.1 <= end);
            for &(upstream_task, _, upstream_end) in theirs.get(from..to).unwrap_or_default() {
                if upstream_end >= start {
                    link.execute(named_params! { ":task": task, ":upstream": upstream_task })?;
                }
            }
        }
    }
    Ok(())
}

/// A job's frame tasks (not its video, the one that waits for its own job's tasks) as
/// (id, first frame, last frame), by first frame; `live` leaves the canceled ones out.
fn frame_tasks(
    conn: &Connection,
    job: JobId,
    live: bool,
) -> rusqlite::Result<Vec<(i64, i64, i64)>> {
    conn.prepare_cached(
        "SELECT t.id, t.frame_start, t.frame_end FROM tasks t
         WHERE t.job_id = :job AND (:live = 0 OR t.status <> 'canceled')
           AND NOT EXISTS (SELECT 1 FROM task_deps x JOIN tasks xt ON xt.id = x.depends_on
                           WHERE x.task_id = t.id AND xt.job_id = t.job_id)
         ORDER BY t.frame_start, t.id",
    )?
    .query_map(named_params! { ":job": job, ":live": live }, |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?
    .collect()
}

/// Works out what `job`'s dependencies do to it now and stores it. Returns true when that
/// changed (the job's clients should hear of it).
pub fn refresh(conn: &Connection, job: JobId) -> rusqlite::Result<bool> {
    let Some((mode, before_state, before_reason)) = conn
        .prepare_cached("SELECT depend_mode, dep_state, dep_reason FROM jobs WHERE id = :job")?
        .query_row(named_params! { ":job": job }, |r| {
            Ok((
                r.get::<_, DependMode>(0)?,
                r.get::<_, Option<DependencyState>>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })
        .optional()?
    else {
        return Ok(false);
    };
    let upstream: Vec<(JobId, String, JobStatus)> = conn
        .prepare_cached(
            "SELECT u.id, u.name, u.status FROM job_deps d JOIN jobs u ON u.id = d.depends_on
             WHERE d.job_id = :job ORDER BY u.id",
        )?
        .query_map(named_params! { ":job": job }, |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let (state, reason) = derive(mode, &upstream);
    if upstream
        .iter()
        .all(|(_, _, status)| *status == JobStatus::Completed)
    {
        // Nothing left to wait for: the frame links are spent (and the claim reads fewer).
        conn.prepare_cached(
            "DELETE FROM task_deps
             WHERE task_id IN (SELECT id FROM tasks WHERE job_id = :job)
               AND depends_on NOT IN (SELECT id FROM tasks WHERE job_id = :job)",
        )?
        .execute(named_params! { ":job": job })?;
    }
    if state == before_state && reason == before_reason {
        return Ok(false);
    }
    conn.prepare_cached(
        "UPDATE jobs SET dep_state = :state, dep_reason = :reason, updated = :now WHERE id = :job",
    )?
    .execute(named_params! {
        ":state": state, ":reason": reason, ":now": super::now_ms(), ":job": job,
    })?;
    Ok(true)
}

/// Refreshes every job waiting for `job` (its status just changed, or it is about to be
/// deleted and its links are gone). Returns those whose state changed.
pub fn refresh_dependents(conn: &Connection, job: JobId) -> rusqlite::Result<Vec<JobId>> {
    let mut changed = Vec::new();
    for dependent in dependents(conn, job)? {
        if refresh(conn, dependent)? {
            changed.push(dependent);
        }
    }
    Ok(changed)
}

/// How many upstream jobs a reason names before "and N more".
const NAMED_IN_REASON: usize = 3;

/// The state and its reason from the mode and the upstream jobs' statuses: held when one
/// failed or was canceled; else waiting (whole jobs) or following (frame by frame) while one
/// has not completed; else nothing.
pub fn derive(
    mode: DependMode,
    upstream: &[(JobId, String, JobStatus)],
) -> (Option<DependencyState>, Option<String>) {
    let named = |jobs: &[&(JobId, String, JobStatus)]| {
        let mut words: Vec<String> = jobs
            .iter()
            .take(NAMED_IN_REASON)
            .map(|(id, name, _)| format!("job {id} ({name})"))
            .collect();
        if jobs.len() > NAMED_IN_REASON {
            words.push(format!("{} more", jobs.len() - NAMED_IN_REASON));
        }
        words.join(", ")
    };
    let stopped: Vec<_> = upstream
        .iter()
        .filter(|(_, _, s)| matches!(s, JobStatus::Failed | JobStatus::Canceled))
        .collect();
    if let Some((_, _, status)) = stopped.first() {
        let verb = if stopped.len() == 1 {
            format!("{status}")
        } else {
            "failed or were canceled".to_owned()
        };
        return (
            Some(DependencyState::Held),
            Some(format!(
                "held: {} {verb}; render it again or remove the dependency",
                named(&stopped)
            )),
        );
    }
    let pending: Vec<_> = upstream
        .iter()
        .filter(|(_, _, s)| *s != JobStatus::Completed)
        .collect();
    if pending.is_empty() {
        return (None, None);
    }
    match mode {
        DependMode::Job => (
            Some(DependencyState::Waiting),
            Some(format!("waiting for {}", named(&pending))),
        ),
        DependMode::Frame => (
            Some(DependencyState::Following),
            Some(format!("frame by frame after {}", named(&pending))),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn up(id: i64, status: JobStatus) -> (JobId, String, JobStatus) {
        (JobId(id), format!("shot {id}"), status)
    }

    #[test]
    fn nothing_to_wait_for_once_every_upstream_job_completed() {
        assert_eq!(derive(DependMode::Job, &[]), (None, None));
        let done = [up(1, JobStatus::Completed), up(2, JobStatus::Completed)];
        assert_eq!(derive(DependMode::Job, &done), (None, None));
        assert_eq!(derive(DependMode::Frame, &done), (None, None));
    }

    #[test]
    fn whole_jobs_wait_and_frame_by_frame_follows() {
        let jobs = [up(1, JobStatus::Completed), up(2, JobStatus::Active)];
        let (state, reason) = derive(DependMode::Job, &jobs);
        assert_eq!(state, Some(DependencyState::Waiting));
        assert_eq!(reason.as_deref(), Some("waiting for job 2 (shot 2)"));
        assert!(DependencyState::Waiting.blocks());
        let (state, reason) = derive(DependMode::Frame, &jobs);
        assert_eq!(state, Some(DependencyState::Following));
        assert_eq!(
            reason.as_deref(),
            Some("frame by frame after job 2 (shot 2)")
        );
        assert!(!DependencyState::Following.blocks());
        // Paused upstream jobs are still to be done: waiting, not held.
        let paused = [up(3, JobStatus::Paused)];
        assert_eq!(
            derive(DependMode::Job, &paused).0,
            Some(DependencyState::Waiting)
        );
    }

    #[test]
    fn a_failed_or_canceled_upstream_job_holds_in_either_mode() {
        for mode in [DependMode::Job, DependMode::Frame] {
            let jobs = [up(1, JobStatus::Active), up(2, JobStatus::Failed)];
            let (state, reason) = derive(mode, &jobs);
            assert_eq!(state, Some(DependencyState::Held));
            assert!(DependencyState::Held.blocks());
            assert_eq!(
                reason.as_deref(),
                Some("held: job 2 (shot 2) failed; render it again or remove the dependency")
            );
        }
        let jobs = [up(1, JobStatus::Canceled), up(2, JobStatus::Failed)];
        let reason = derive(DependMode::Job, &jobs).1.unwrap();
        assert!(
            reason.starts_with("held: job 1 (shot 1), job 2 (shot 2) failed or were canceled"),
            "{reason}"
        );
    }

    #[test]
    fn long_lists_are_cut_short_in_words() {
        let jobs: Vec<_> = (1..=5).map(|i| up(i, JobStatus::Queued)).collect();
        let reason = derive(DependMode::Job, &jobs).1.unwrap();
        assert_eq!(
            reason,
            "waiting for job 1 (shot 1), job 2 (shot 2), job 3 (shot 3), 2 more"
        );
    }
}
