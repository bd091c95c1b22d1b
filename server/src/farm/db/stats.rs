//! The farm's history as it is asked for: the day rollups (`farm_day_stats` and
//! `farm_day_job_stats`, kept by triggers from `farm_runs`, 0033) summed over a range of days
//! by day, project, person, worker or job (`farm_day_worker_stats` for workers). Only sums here; the rates (CO2e, cost) are applied by
//! the route.

use crate::db::teams::TEAM_PROJECT_IDS;
use drover_shared::UserId;
use drover_shared::api::StatsGroup;
use rusqlite::{Connection, named_params};

/// One row's sums.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sums {
    /// The day, or the project's, person's, job's or worker's id.
    pub key: String,
    /// Its name.
    pub label: String,
    /// Runs that completed.
    pub completed: u64,
    /// Runs that failed.
    pub failed: u64,
    /// Runs stopped before they ended.
    pub stopped: u64,
    /// Milliseconds rendered.
    pub ms: i64,
    /// Watt-hours drawn.
    pub wh: f64,
    /// Milliseconds times cores.
    pub core_ms: i64,
}

/// The days asked for, `YYYY-MM-DD` (UTC), both included.
#[derive(Debug, Clone)]
pub struct Days {
    /// The first day.
    pub from: String,
    /// The last day.
    pub to: String,
}

const SUMS: &str = "sum(s.completed), sum(s.failed), sum(s.stopped), sum(s.ms), sum(s.wh), \
                    sum(s.core_ms)";
/// The history over `days` by `by`, of every project, or of those whose team `member` is on.
pub fn sums(
    conn: &Connection,
    days: &Days,
    by: StatsGroup,
    member: Option<UserId>,
) -> rusqlite::Result<Vec<Sums>> {
    let team = if member.is_some() {
        format!("AND s.project_id IN ({TEAM_PROJECT_IDS})")
    } else {
        String::new()
    };
    let rollup = |key: &str, label: &str, join: &str| {
        format!(
            "SELECT {key}, {label}, {SUMS} FROM farm_day_stats AS s {join}
             WHERE s.day BETWEEN :from AND :to {team} GROUP BY {key}"
        )
    };
    let sql = match by {
        StatsGroup::Day => rollup("s.day", "s.day", ""),
        StatsGroup::Project => rollup(
            "s.project_id",
            "coalesce(p.name, 'project ' || s.project_id)",
            "LEFT JOIN projects AS p ON p.id = s.project_id",
        ),
        StatsGroup::Person => rollup(
            "s.submitter",
            "coalesce(u.email, 'a deleted account')",
            "LEFT JOIN users AS u ON u.id = s.submitter",
        ),
        // The farm's nodes as a whole: the route shows this to managers only.
        StatsGroup::Worker => format!(
            "SELECT s.worker_id, coalesce(w.name, 'worker ' || s.worker_id), {SUMS}
             FROM farm_day_worker_stats AS s LEFT JOIN workers AS w ON w.id = s.worker_id
             WHERE s.day BETWEEN :from AND :to GROUP BY s.worker_id"
        ),
        StatsGroup::Job => format!(
            "SELECT s.job_id, coalesce(j.name, 'job ' || s.job_id || ' (deleted)'), {SUMS}
             FROM farm_day_job_stats AS s LEFT JOIN jobs AS j ON j.id = s.job_id
             WHERE s.day BETWEEN :from AND :to {team} GROUP BY s.job_id"
        ),
    };
    let mut statement = conn.prepare_cached(&sql)?;
    let mut params: Vec<(&str, &dyn rusqlite::ToSql)> =
        vec![(":from", &days.from), (":to", &days.to)];
    if let Some(member) = member.as_ref().filter(|_| by != StatsGroup::Worker) {
        params.push((":viewer", member));
    }
    statement
        .query_map(params.as_slice(), |r| {
            Ok(Sums {
                key: r.get::<_, rusqlite::types::Value>(0).map(|v| match v {
                    rusqlite::types::Value::Integer(i) => i.to_string(),
                    rusqlite::types::Value::Text(t) => t,
                    _ => String::new(),
                })?,
                label: r.get(1)?,
                completed: r.get::<_, Option<u64>>(2)?.unwrap_or(0),
                failed: r.get::<_, Option<u64>>(3)?.unwrap_or(0),
                stopped: r.get::<_, Option<u64>>(4)?.unwrap_or(0),
                ms: r.get::<_, Option<i64>>(5)?.unwrap_or(0),
                wh: r.get::<_, Option<f64>>(6)?.unwrap_or(0.0),
                core_ms: r.get::<_, Option<i64>>(7)?.unwrap_or(0),
            })
        })?
        .collect()
}

/// Sets a render node's rated draw (watts), for the estimate where it measures none; `None`
/// leaves it to the farm's `default_worker_watts`. False when there is no such worker.
pub fn set_worker_watts(
    conn: &Connection,
    worker: drover_shared::WorkerId,
    watts: Option<f64>,
) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached("UPDATE workers SET watts = :watts WHERE id = :id")?
        .execute(named_params! { ":watts": watts, ":id": worker })?
        > 0)
}
