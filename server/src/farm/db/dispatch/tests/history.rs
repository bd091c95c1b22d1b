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
