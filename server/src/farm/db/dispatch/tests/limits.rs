//! Limits: a job's most workers at once, its own task timeout, and farm-wide named limits
//! that never run more tasks than their count.
use super::*;
use crate::farm::db::limits;

impl Farm {
    fn job_limits(
        &self,
        job: JobId,
        max_workers: Option<u32>,
        timeout: Option<u32>,
        names: &[&str],
    ) {
        let names: Vec<String> = names.iter().map(|&n| n.to_owned()).collect();
        limits::set_job(&self.conn, job, max_workers, timeout, &names).unwrap();
    }
}

#[test]
fn a_job_uses_no_more_workers_than_its_max() {
    let farm = Farm::new();
    let capped = farm.command_job("capped", "1-4", 90);
    let other = farm.command_job("other", "1-4", 10);
    farm.job_limits(capped.id, Some(2), None, &[]);
    assert_eq!(farm.job(capped.id).max_workers, Some(2));
    let picks: Vec<JobId> = (0..4)
        .map(|n| {
            farm.claim(farm.worker(&format!("node-{n}")))
                .unwrap()
                .job_id
        })
        .collect();
    assert_eq!(picks, [capped.id, capped.id, other.id, other.id]);
}

#[test]
fn a_farm_limit_never_runs_more_tasks_than_its_count() {
    let farm = Farm::new();
    limits::upsert(&farm.conn, "nuke-licences", 2).unwrap();
    let comp_a = farm.command_job("comp a", "1-3", 90);
    let comp_b = farm.command_job("comp b", "1-3", 80);
    let free = farm.command_job("free", "1-5", 10);
    farm.job_limits(comp_a.id, None, None, &["nuke-licences"]);
    farm.job_limits(comp_b.id, None, None, &["nuke-licences"]);
    assert_eq!(farm.job(comp_b.id).limits, ["nuke-licences"]);
    let workers: Vec<WorkerId> = (0..4).map(|n| farm.worker(&format!("node-{n}"))).collect();
    let picks: Vec<Task> = workers.iter().map(|&w| farm.claim(w).unwrap()).collect();
    let jobs: Vec<JobId> = picks.iter().map(|t| t.job_id).collect();
    assert_eq!(
        jobs,
        [comp_a.id, comp_a.id, free.id, free.id],
        "two licences"
    );
    let use_now = limits::list(&farm.conn).unwrap();
    assert_eq!(
        (use_now[0].in_use, use_now[0].max_running, use_now[0].jobs),
        (2, 2, 2)
    );

    // A licence comes back when a task ends; comp a still goes first.
    farm.complete(workers[0], picks[0].id);
    assert_eq!(farm.claim(workers[0]).unwrap().job_id, comp_a.id);
    // Raised, the next worker takes comp b; at 0 nothing holding it starts.
    limits::upsert(&farm.conn, "nuke-licences", 3).unwrap();
    let fifth = farm.worker("node-5");
    assert_eq!(farm.claim(fifth).unwrap().job_id, comp_b.id);
    limits::upsert(&farm.conn, "nuke-licences", 0).unwrap();
    assert_eq!(farm.claim(farm.worker("node-6")).unwrap().job_id, free.id);
    // Removed, it holds nothing back (comp a has no frame left to hand out).
    assert!(limits::delete(&farm.conn, "nuke-licences").unwrap());
    assert!(farm.job(comp_b.id).limits.is_empty());
    assert_eq!(farm.claim(farm.worker("node-7")).unwrap().job_id, comp_b.id);
}

#[test]
fn a_jobs_limits_are_checked_before_they_are_stored() {
    let farm = Farm::new();
    let job = farm.command_job("job", "1", 50);
    limits::upsert(&farm.conn, "gpu", 1).unwrap();
    let refused = |max: Option<u32>, timeout: Option<u32>, names: &[&str]| {
        let names: Vec<String> = names.iter().map(|&n| n.to_owned()).collect();
        match limits::set_job(&farm.conn, job.id, max, timeout, &names) {
            Err(limits::LimitError::Invalid(why)) => why,
            other => panic!("{other:?}"),
        }
    };
    assert!(refused(Some(0), None, &[]).contains("max_workers must be at least 1"));
    assert!(refused(None, Some(0), &[]).contains("task_timeout_secs"));
    assert!(refused(None, None, &["gpu", "gpu"]).contains("named twice"));
    assert!(refused(None, None, &["nuke"]).contains("no farm limit \"nuke\""));
    let job = farm.job(job.id);
    assert_eq!((job.max_workers, job.task_timeout_secs), (None, None));
    assert!(job.limits.is_empty());
}

#[test]
fn a_jobs_own_task_timeout_replaces_the_farms() {
    let farm = Farm::new();
    farm.set(&[
        ("task_timeout_secs", json!(600)),
        ("worker_timeout_secs", json!(86_400)),
    ]);
    let bake = farm.command_job("bake", "1", 90);
    let quick = farm.command_job("quick", "1", 10);
    farm.job_limits(bake.id, None, Some(3600), &[]);
    farm.job_limits(quick.id, None, Some(30), &[]);
    let long = farm.claim(farm.worker("node-1")).unwrap();
    let short = farm.claim(farm.worker("node-2")).unwrap();
    assert_eq!((long.job_id, short.job_id), (bake.id, quick.id));
    let since = ms(farm.task(long.id).updated).max(ms(farm.task(short.id).updated));
    enforce_timeouts(&farm.conn, since + 31_000).unwrap();
    let failed = farm.task(short.id);
    assert_eq!(failed.status, TaskStatus::SoftFailed);
    assert!(failed.activity.contains("no update for 30 s"), "{failed:?}");
    // Past the farm's 600 s, the bake still runs: its job gives it an hour.
    enforce_timeouts(&farm.conn, since + 601_000).unwrap();
    assert_eq!(farm.task(long.id).status, TaskStatus::Active);
    enforce_timeouts(&farm.conn, since + 3_601_000).unwrap();
    assert_eq!(farm.task(long.id).status, TaskStatus::SoftFailed);
}
