//! The farm's history as it is asked for: the runs that ended (`farm_runs`, appended by a
//! trigger as each run ends, 0033) rolled up per day ([`roll_up`]: by project and submitter,
//! by worker, by job; by worker also per month), and those rollups summed over a range of
//! days by day, project, person, worker, job or shot. Only sums here; the rates (CO2e, cost)
//! are applied by the route.

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

/// Runs rolled up per write at most, so one pass never holds the writer long.
pub const ROLL_UP_BATCH: i64 = 200_000;

/// Rolls the runs that ended since the last pass into the day rollups (at most
/// [`ROLL_UP_BATCH`] of them); returns how many. Runs in the writer: the monitor calls it
/// every few seconds and the stats routes before they read, so a read sees every run ended.
pub fn roll_up(conn: &Connection) -> rusqlite::Result<i64> {
    let mark: i64 = conn
        .prepare_cached("SELECT last_run FROM farm_rollup_mark WHERE id = 1")?
        .query_row([], |r| r.get(0))?;
    let upto: i64 = conn
        .prepare_cached(
            "SELECT coalesce(max(id), :mark) FROM farm_runs
             WHERE id > :mark AND id <= :mark + :batch",
        )?
        .query_row(
            named_params! { ":mark": mark, ":batch": ROLL_UP_BATCH },
            |r| r.get(0),
        )?;
    if upto == mark {
        return Ok(0);
    }
    let sums = "sum(outcome = 'completed'), sum(outcome = 'failed'), sum(outcome = 'stopped'), \
                sum(ms), sum(ms * watts / 3600000.0), sum(ms * cores)";
    let add = "completed = completed + excluded.completed, failed = failed + excluded.failed, \
               stopped = stopped + excluded.stopped, ms = ms + excluded.ms, \
               wh = wh + excluded.wh, core_ms = core_ms + excluded.core_ms";
    let day = "strftime('%Y-%m-%d', ended / 1000, 'unixepoch')";
    for (table, keys, select_keys) in [
        (
            "farm_day_stats",
            "day, project_id, submitter",
            "project_id, submitter",
        ),
        ("farm_day_worker_stats", "day, worker_id", "worker_id"),
        ("farm_month_worker_stats", "month, worker_id", "worker_id"),
        ("farm_day_job_stats", "day, job_id", "job_id"),
    ] {
        let day = if table == "farm_month_worker_stats" {
            "strftime('%Y-%m', ended / 1000, 'unixepoch')"
        } else {
            day
        };
        // A job's rows also keep its project and the shot it rendered for (read now, while
        // the job is there: the history outlives it).
        let (columns, selected, keep) = if table == "farm_day_job_stats" {
            (
                format!("{keys}, project_id, entity_id"),
                format!(
                    "{day}, {select_keys}, max(project_id), \
                     (SELECT t.entity_id FROM jobs AS j JOIN prod_task AS t \
                      ON t.id = j.production_task_id WHERE j.id = farm_runs.job_id)"
                ),
                ", entity_id = coalesce(entity_id, excluded.entity_id)",
            )
        } else {
            (keys.to_owned(), format!("{day}, {select_keys}"), "")
        };
        conn.prepare_cached(&format!(
            "INSERT INTO {table} ({columns}, completed, failed, stopped, ms, wh, core_ms)
             SELECT {selected}, {sums} FROM farm_runs WHERE id > :mark AND id <= :upto
             GROUP BY {day}, {select_keys}
             ON CONFLICT ({keys}) DO UPDATE SET {add}{keep}"
        ))?
        .execute(named_params! { ":mark": mark, ":upto": upto })?;
    }
    conn.prepare_cached("UPDATE farm_rollup_mark SET last_run = :upto WHERE id = 1")?
        .execute(named_params! { ":upto": upto })?;
    Ok(upto - mark)
}

const SUMS: &str = "sum(s.completed) AS a, sum(s.failed) AS b, sum(s.stopped) AS c, \
                    sum(s.ms) AS d, sum(s.wh) AS e, sum(s.core_ms) AS f";
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
    // Summed first, named after: a name is looked up once per row of the answer, not once
    // per day of it.
    let summed = |table: &str, key: &str, team: &str, label: &str, join: &str| {
        format!(
            "SELECT g.k, {label}, g.a, g.b, g.c, g.d, g.e, g.f FROM (
                 SELECT s.{key} AS k, {SUMS} FROM {table} AS s
                 WHERE s.day BETWEEN :from AND :to {team} GROUP BY s.{key}) AS g {join}"
        )
    };
    let sql = match by {
        StatsGroup::Day => summed("farm_day_stats", "day", &team, "g.k", ""),
        StatsGroup::Project => summed(
            "farm_day_stats",
            "project_id",
            &team,
            "coalesce(p.name, 'project ' || g.k)",
            "LEFT JOIN projects AS p ON p.id = g.k",
        ),
        StatsGroup::Person => summed(
            "farm_day_stats",
            "submitter",
            &team,
            "coalesce(u.email, 'a deleted account')",
            "LEFT JOIN users AS u ON u.id = g.k",
        ),
        // The farm's nodes as a whole: the route shows this to managers only. The months the
        // range covers whole are read from the month rollup, the days around them from the
        // day rollup.
        StatsGroup::Worker => format!(
            "SELECT g.k, coalesce(w.name, 'worker ' || g.k), g.a, g.b, g.c, g.d, g.e, g.f FROM (
                 SELECT s.worker_id AS k, {SUMS} FROM (
                     SELECT {WORKER_COLUMNS} FROM farm_day_worker_stats
                     WHERE day >= :from AND day < :months_start AND day <= :to
                     UNION ALL
                     SELECT {WORKER_COLUMNS} FROM farm_day_worker_stats
                     WHERE day >= :months_end AND day <= :to AND day >= :from
                     UNION ALL
                     SELECT {WORKER_COLUMNS} FROM farm_month_worker_stats
                     WHERE month >= :first_month AND month < :after_month) AS s
                 GROUP BY s.worker_id) AS g
             LEFT JOIN workers AS w ON w.id = g.k"
        ),
        StatsGroup::Job => summed(
            "farm_day_job_stats",
            "job_id",
            &team,
            "coalesce(j.name, 'job ' || g.k || ' (deleted)')",
            "LEFT JOIN jobs AS j ON j.id = g.k",
        ),
        // Named as Kitsu lists it: its sequence's name first, or its asset type's.
        StatsGroup::Shot => summed(
            "farm_day_job_stats",
            "entity_id",
            &format!("{team} AND s.entity_id IS NOT NULL"),
            "coalesce(CASE WHEN ty.name IN ('Shot', 'Scene') \
                 THEN coalesce(parent.name || ' ', '') || e.name \
                 ELSE ty.name || ' ' || e.name END, 'a deleted shot')",
            "LEFT JOIN prod_entity AS e ON e.id = g.k \
             LEFT JOIN prod_entity AS parent ON parent.id = e.parent_id \
             LEFT JOIN prod_entity_type AS ty ON ty.id = e.entity_type_id",
        ),
    };
    let mut statement = conn.prepare_cached(&sql)?;
    let mut params: Vec<(&str, &dyn rusqlite::ToSql)> =
        vec![(":from", &days.from), (":to", &days.to)];
    let months = whole_months(days);
    if by == StatsGroup::Worker {
        params.extend([
            (":months_start", &months.start as &dyn rusqlite::ToSql),
            (":months_end", &months.end),
            (":first_month", &months.first),
            (":after_month", &months.after),
        ]);
    }
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

/// The columns a node's day or month row sums.
const WORKER_COLUMNS: &str = "worker_id, completed, failed, stopped, ms, wh, core_ms";

/// The whole months inside a range of days, as the worker query reads them: the month rows
/// `first` ≤ month < `after`, and the days outside `start` ≤ day < `end` (`YYYY-MM-DD`).
#[derive(Debug, PartialEq)]
struct WholeMonths {
    start: String,
    end: String,
    first: String,
    after: String,
}

/// Past every day and month: the range then has no whole month and is read by day.
const NONE: &str = "9999-99-99";

fn whole_months(days: &Days) -> WholeMonths {
    let none = || WholeMonths {
        start: NONE.into(),
        end: NONE.into(),
        first: NONE.into(),
        after: NONE.into(),
    };
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let (Ok(from), Ok(to)) = (
        time::Date::parse(&days.from, &format),
        time::Date::parse(&days.to, &format),
    ) else {
        return none();
    };
    let first_of_next = |d: time::Date| {
        let (year, month) = if d.month() == time::Month::December {
            (d.year() + 1, time::Month::January)
        } else {
            (d.year(), d.month().next())
        };
        time::Date::from_calendar_date(year, month, 1)
    };
    // The first whole month starts on `from` if it is a 1st, else at the next 1st; the whole
    // months end at the 1st after which only part of a month is left.
    let start = if from.day() == 1 {
        Ok(from)
    } else {
        first_of_next(from)
    };
    let after_to = to.next_day().map(|d| (d, d.day() == 1));
    let (Ok(start), Some((after_to, to_ends_month))) = (start, after_to) else {
        return none();
    };
    let end = if to_ends_month {
        after_to
    } else {
        match time::Date::from_calendar_date(to.year(), to.month(), 1) {
            Ok(end) => end,
            Err(_) => return none(),
        }
    };
    if start >= end {
        return none();
    }
    let day = |d: time::Date| d.format(&format).unwrap_or_else(|_| NONE.into());
    let month = |d: time::Date| day(d)[..7].to_owned();
    WholeMonths {
        start: day(start),
        end: day(end),
        first: month(start),
        after: month(end),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn months(from: &str, to: &str) -> WholeMonths {
        whole_months(&Days {
            from: from.into(),
            to: to.into(),
        })
    }

    #[test]
    fn whole_months_are_those_the_range_covers_from_their_first_to_their_last_day() {
        let year = months("2025-12-02", "2026-12-01");
        assert_eq!(
            year,
            WholeMonths {
                start: "2026-01-01".into(),
                end: "2026-12-01".into(),
                first: "2026-01".into(),
                after: "2026-12".into(),
            }
        );
        // A range from a 1st to a month's last day is all months; December ends a year.
        let exact = months("2026-02-01", "2026-12-31");
        assert_eq!(
            (exact.start.as_str(), exact.end.as_str()),
            ("2026-02-01", "2027-01-01")
        );
        assert_eq!(
            (exact.first.as_str(), exact.after.as_str()),
            ("2026-02", "2027-01")
        );
        // Leap February.
        let february = months("2028-02-01", "2028-02-29");
        assert_eq!(
            (february.first.as_str(), february.after.as_str()),
            ("2028-02", "2028-03")
        );
    }

    #[test]
    fn a_range_without_a_whole_month_is_read_by_day() {
        for (from, to) in [
            ("2026-11-02", "2026-11-30"),
            ("2026-11-15", "2026-12-14"),
            ("2026-11-01", "2026-11-29"),
            ("2026-11-30", "2026-11-30"),
            ("not a day", "2026-11-30"),
        ] {
            assert_eq!(months(from, to).start, NONE, "{from}..{to}");
        }
    }
}
