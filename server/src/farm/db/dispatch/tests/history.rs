//! The farm history: every run that ends is kept with its draw and rolled up per day, and the
//! sums read back by project, job and worker, filtered by team.
use super::*;
use crate::farm::db::stats::{self, Days};
use drover_shared::api::StatsGroup;

fn all_days() -> Days {
    Days {
        from: "2000-01-01".into(),
        to: "2999-12-31".into(),
    }
}

#[test]
fn each_ended_run_is_kept_with_its_energy_and_summed_by_project_job_and_worker() {
    let farm = Farm::new();
    farm.set(&[("default_worker_watts", json!(200.0))]);
    let job = farm.command_job("sim", "1-3", 50);
    let rated = farm.worker("rated");
    let measured = farm.worker("measured");
    // The measured node reports 400 W; the rated one measures nothing and is rated 100 W.
    assert!(stats::set_worker_watts(&farm.conn, rated, Some(100.0)).unwrap());
    farm.conn
        .execute(
            "UPDATE workers SET facts = json_object('cores', 4, 'load_1m', 4.0,
                                                   'power_watts', 400.0) WHERE id = ?1",
            [measured],
        )
        .unwrap();
    farm.conn
        .execute(
            "UPDATE workers SET facts = json_object('cores', 2, 'load_1m', 1.0) WHERE id = ?1",
            [rated],
        )
        .unwrap();
    let first = farm.claim(rated).unwrap();
    let second = farm.claim(measured).unwrap();
    // Each ran for an hour.
    farm.conn
        .execute(
            "UPDATE tasks SET started = started - 3600000 WHERE id IN (?1, ?2)",
            [first.id, second.id],
        )
        .unwrap();
    farm.complete(rated, first.id);
    farm.fail(measured, second.id);

    let runs: Vec<(String, f64, i64, bool)> = farm
        .conn
        .prepare("SELECT outcome, watts, cores, measured FROM farm_runs ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    // Rated 100 W at half its cores' load: 30 % idle + 70 % × 0.5 = 65 W.
    assert_eq!(runs.len(), 2);
    assert_eq!(
        (runs[0].0.as_str(), runs[0].2, runs[0].3),
        ("completed", 2, false)
    );
    assert!((runs[0].1 - 65.0).abs() < 1e-9, "{}", runs[0].1);
    assert_eq!(
        (runs[1].0.as_str(), runs[1].1, runs[1].2, runs[1].3),
        ("failed", 400.0, 4, true)
    );

    // Ending a run wrote the run only; the rollup brings the day sums up to date, once.
    assert_eq!(stats::roll_up(&farm.conn).unwrap(), 2);
    assert_eq!(stats::roll_up(&farm.conn).unwrap(), 0);
    let by_project = stats::sums(&farm.conn, &all_days(), StatsGroup::Project, None).unwrap();
    assert_eq!(by_project.len(), 1);
    let row = &by_project[0];
    assert_eq!(
        (row.label.as_str(), row.completed, row.failed),
        ("Spring", 1, 1)
    );
    assert!((row.ms - 2 * 3_600_000).abs() < 5_000, "{}", row.ms);
    assert!(
        (row.wh - 465.0).abs() < 1.0,
        "65 Wh + 400 Wh, not {}",
        row.wh
    );
    let by_job = stats::sums(&farm.conn, &all_days(), StatsGroup::Job, None).unwrap();
    assert_eq!(
        (by_job[0].key.clone(), by_job[0].label.as_str()),
        (job.id.to_string(), "sim")
    );
    assert_eq!(
        stats::sums(&farm.conn, &all_days(), StatsGroup::Worker, None)
            .unwrap()
            .len(),
        2
    );
    // Someone on no team sees nothing of it; the history outlives the job.
    let outsider = users::insert(&farm.conn, "out@studio.com", "hash", Role::Artist)
        .unwrap()
        .id;
    assert!(
        stats::sums(&farm.conn, &all_days(), StatsGroup::Day, Some(outsider))
            .unwrap()
            .is_empty()
    );
    farm.conn
        .execute("DELETE FROM jobs WHERE id = ?1", [job.id])
        .unwrap();
    let by_job = stats::sums(&farm.conn, &all_days(), StatsGroup::Job, None).unwrap();
    assert_eq!(by_job[0].label, format!("job {} (deleted)", job.id));
    let days = stats::sums(&farm.conn, &all_days(), StatsGroup::Day, None).unwrap();
    assert_eq!(days.len(), 1);
    assert_eq!(days[0].completed + days[0].failed, 2);
}

#[test]
fn a_node_s_history_over_whole_months_and_odd_days_sums_as_its_runs_do() {
    let farm = Farm::new();
    let job = farm.command_job("sim", "1", 50);
    let nodes = [farm.worker("a"), farm.worker("b")];
    // A run a day per node from 2026-01-15 to 2026-04-20, of a length that varies by day.
    let start = time::macros::date!(2026 - 01 - 15);
    let mut day = start;
    let mut n = 0i64;
    while day <= time::macros::date!(2026 - 04 - 20) {
        let ended = day.midnight().assume_utc().unix_timestamp() * 1000 + 3_600_000;
        for (i, node) in nodes.iter().enumerate() {
            n += 1;
            farm.conn
                .execute(
                    "INSERT INTO farm_runs (task_id, job_id, project_id, submitter, worker_id,
                         started, ended, ms, outcome, watts, measured, cores)
                     VALUES (1, ?1, 1, 'x', ?2, ?3 - ?4, ?3, ?4,
                             CASE WHEN ?5 % 7 = 0 THEN 'failed' ELSE 'completed' END, 100.0, 1, 2)",
                    rusqlite::params![job.id.0, node.0, ended, 1000 * (n % 13 + i as i64 + 1), n],
                )
                .unwrap();
        }
        day = day.next_day().unwrap();
    }
    stats::roll_up(&farm.conn).unwrap();
    for (from, to) in [
        ("2026-01-20", "2026-04-10"),
        ("2026-02-01", "2026-03-31"),
        ("2026-01-01", "2026-12-31"),
        ("2026-02-10", "2026-03-05"),
        ("2026-03-01", "2026-03-01"),
    ] {
        let days = Days {
            from: from.into(),
            to: to.into(),
        };
        let mut got = stats::sums(&farm.conn, &days, StatsGroup::Worker, None).unwrap();
        got.sort_by(|a, b| a.key.cmp(&b.key));
        let expected: Vec<(String, u64, u64, i64)> = farm
            .conn
            .prepare(
                "SELECT worker_id, sum(outcome = 'completed'), sum(outcome = 'failed'), sum(ms)
                 FROM farm_runs
                 WHERE strftime('%Y-%m-%d', ended / 1000, 'unixepoch') BETWEEN ?1 AND ?2
                 GROUP BY worker_id ORDER BY worker_id",
            )
            .unwrap()
            .query_map([from, to], |r| {
                Ok((
                    r.get::<_, i64>(0)?.to_string(),
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                ))
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let got: Vec<(String, u64, u64, i64)> = got
            .into_iter()
            .map(|s| (s.key, s.completed, s.failed, s.ms))
            .collect();
        assert_eq!(got, expected, "{from}..{to}");
        assert_eq!(got.len(), 2, "{from}..{to}");
    }
}
