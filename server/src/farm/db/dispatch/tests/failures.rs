//! Failed tasks: soft-failed until enough different workers failed them, never back to a
//! worker that failed them, and a worker failing too often blocklisted for the job.
use super::*;

#[test]
fn failed_task_soft_fails_until_enough_different_workers_failed_it() {
    let farm = Farm::new();
    farm.set(&[("task_fail_worker_count", json!(3))]);
    let job = farm.command_job("flaky", "1", 50);
    let mut statuses = Vec::new();
    for n in 1..=3 {
        let worker = farm.worker(&format!("node-{n}"));
        let task = farm.claim(worker).unwrap();
        farm.fail(worker, task.id);
        let task = farm.task(task.id);
        statuses.push((task.status, task.failures));
    }
    assert_eq!(
        statuses,
        [
            (TaskStatus::SoftFailed, 1),
            (TaskStatus::SoftFailed, 2),
            (TaskStatus::Failed, 3)
        ]
    );
    assert_eq!(farm.job(job.id).status, JobStatus::Failed);
    assert_eq!(farm.claim(farm.worker("node-4")), None);
}

#[test]
fn soft_failed_task_goes_to_another_worker_never_back_to_one_that_failed_it() {
    let farm = Farm::new();
    farm.set(&[("task_fail_worker_count", json!(3))]);
    farm.command_job("flaky", "1", 50);
    let first = farm.worker("node-1");
    let task = farm.claim(first).unwrap();
    farm.fail(first, task.id);
    assert_eq!(farm.worker_status(first), WorkerStatus::Idle);
    assert_eq!(farm.claim(first), None);
    let second = farm.worker("node-2");
    assert_eq!(farm.claim(second).map(|t| t.id), Some(task.id));
}

#[test]
fn worker_failing_enough_tasks_of_a_job_is_blocklisted_for_it() {
    let farm = Farm::new();
    farm.set(&[
        ("blocklist_threshold", json!(2)),
        ("task_fail_worker_count", json!(10)),
        ("job_fail_percent", json!(100)),
    ]);
    let job = farm.command_job("shot", "1-5", 50);
    let bad = farm.worker("bad-node");
    let first = farm.claim(bad).unwrap();
    farm.fail(bad, first.id);
    assert!(blocklist::list(&farm.conn, job.id).unwrap().is_empty());
    let second = farm.claim(bad).unwrap();
    farm.fail(bad, second.id);
    let entries = blocklist::list(&farm.conn, job.id).unwrap();
    assert_eq!(
        entries
            .iter()
            .map(|e| (e.worker_id, e.task_type))
            .collect::<Vec<_>>(),
        [(bad, TaskType::Command)]
    );
    assert_eq!(farm.claim(bad), None, "three tasks are left, none for it");
    let good = farm.worker("good-node");
    assert_eq!(
        farm.claim(good).map(|t| t.id),
        Some(first.id),
        "the soft-failed tasks go to others first, in task order"
    );
}

#[test]
fn blocklisted_worker_still_gets_other_jobs() {
    let farm = Farm::new();
    farm.set(&[
        ("blocklist_threshold", json!(1)),
        ("job_fail_percent", json!(100)),
    ]);
    let broken = farm.command_job("broken", "1-2", 90);
    let other = farm.command_job("other", "1", 10);
    let worker = farm.worker("node-1");
    let task = farm.claim(worker).unwrap();
    assert_eq!(task.job_id, broken.id);
    farm.fail(worker, task.id);
    assert_eq!(picked(farm.claim(worker).as_ref()), Some((other.id, 1)));
}
