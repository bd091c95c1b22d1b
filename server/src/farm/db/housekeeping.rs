//! Housekeeping (0036): jobs that ended longer ago than the farm keeps their status
//! (`keep_completed_days`, `keep_failed_days`, `keep_canceled_days`; 0 keeps them for ever)
//! are archived (the row stays, with `archived`; the caller removes its logs, previews and
//! outputs) or deleted, as the `housekeeping` setting says, a batch at a time.

use super::settings::FarmSettings;
use drover_shared::api::Job;
use drover_shared::{JobId, JobStatus};
use rusqlite::{Connection, named_params};

/// Milliseconds in a day.
const DAY_MS: f64 = 86_400_000.0;

/// What one pass did.
#[derive(Debug, Default)]
pub struct Swept {
    /// Jobs archived: their files are to go.
    pub archived: Vec<JobId>,
    /// Jobs deleted: their files are to go, and their clients told.
    pub deleted: Vec<JobId>,
    /// Jobs as they are now: those archived, and those a deleted job no longer holds back.
    pub changed: Vec<Job>,
}

/// The jobs past their days at `now` (ms), oldest first, at most `limit`: ended (completed,
/// failed or canceled) before their status's cut-off and not archived since they last
/// changed (a job rendered again after it was archived counts anew).
pub fn due(
    conn: &Connection,
    settings: &FarmSettings,
    now: i64,
    limit: usize,
) -> rusqlite::Result<Vec<JobId>> {
    let mut due = Vec::new();
    let limit_sql = i64::try_from(limit).unwrap_or(i64::MAX);
    for (status, days) in [
        (JobStatus::Completed, settings.keep_completed_days),
        (JobStatus::Failed, settings.keep_failed_days),
        (JobStatus::Canceled, settings.keep_canceled_days),
    ] {
        if days.is_nan() || days <= 0.0 || due.len() >= limit {
            continue;
        }
        // Whole milliseconds of a bounded setting (≤ 36,500 days).
        #[expect(
            clippy::cast_possible_truncation,
            reason = "bounded by the setting's range"
        )]
        let cutoff = now.saturating_sub((days * DAY_MS) as i64);
        let found = conn
            .prepare_cached(
                "SELECT id FROM jobs WHERE status = :status AND updated < :cutoff
                 AND (archived IS NULL OR archived < updated)
                 ORDER BY updated LIMIT :limit",
            )?
            .query_map(
                named_params! { ":status": status, ":cutoff": cutoff, ":limit": limit_sql },
                |r| r.get("id"),
            )?
            .collect::<rusqlite::Result<Vec<JobId>>>()?;
        due.extend(found);
    }
    due.truncate(limit);
    Ok(due)
}

/// Archives or deletes the jobs of `ids` still due at `now`, as the settings say, in the
/// caller's transaction.
pub fn sweep(
    conn: &Connection,
    settings: &FarmSettings,
    ids: &[JobId],
    now: i64,
) -> rusqlite::Result<Swept> {
    // Read again inside the write: a job rendered again since the read is not due.
    let still_due = due(conn, settings, now, usize::MAX)?;
    let ids: Vec<JobId> = ids
        .iter()
        .copied()
        .filter(|id| still_due.contains(id))
        .collect();
    let mut swept = Swept::default();
    if settings.housekeeping == "delete" {
        let mut waiting = Vec::new();
        for id in &ids {
            waiting.extend(super::job_deps::dependents(conn, *id)?);
        }
        super::jobs::delete(conn, &ids)?;
        waiting.sort_unstable();
        waiting.dedup();
        for id in waiting {
            if super::job_deps::refresh(conn, id)?
                && let Some(job) = super::jobs::get(conn, id)?
            {
                swept.changed.push(job);
            }
        }
        swept.deleted = ids;
    } else {
        let mut archive = conn.prepare_cached("UPDATE jobs SET archived = :now WHERE id = :id")?;
        for id in &ids {
            archive.execute(named_params! { ":now": now, ":id": id })?;
            if let Some(job) = super::jobs::get(conn, *id)? {
                swept.changed.push(job);
            }
        }
        swept.archived = ids;
    }
    Ok(swept)
}
