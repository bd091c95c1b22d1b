//! What the farm recovers by itself: silent tasks and unheard workers timed out, task
//! counters and finished jobs repaired, the tasks of workers gone during a restart requeued.
use super::*;

#[test]
fn silent_task_fails_on_its_worker_after_the_task_timeout() {
    let farm = Farm::new();
    // The worker keeps answering its heartbeats all along; only the task is silent.
    farm.set(&[
        ("task_timeout_secs", json!(600)),
        ("worker_timeout_secs", json!(86_400)),
    ]);
    farm.command_job("hangs", "1", 50);
    let worker = farm.worker("node-1");
    let task = farm.claim(worker).unwrap();
    let claimed_at = ms(farm.task(task.id).updated);
    let events = enforce_timeouts(&farm.conn, claimed_at + 599_000).unwrap();
    assert!(events.is_empty());
    assert_eq!(farm.task(task.id).status, TaskStatus::Active);

    enforce_timeouts(&farm.conn, claimed_at + 601_000).unwrap();
    let failed = farm.task(task.id);
    assert_eq!(
        (failed.status, failed.failures),
        (TaskStatus::SoftFailed, 1)
    );
    assert!(
        failed.activity.contains("no update for 600 s"),
        "{failed:?}"
    );
    assert_eq!(farm.worker_status(worker), WorkerStatus::Idle);
    assert_eq!(
        farm.claim(worker),
        None,
        "it failed here, so it goes elsewhere"
    );
}

#[test]
fn unheard_worker_goes_offline_and_its_task_is_requeued() {
    let farm = Farm::new();
    farm.set(&[("worker_timeout_secs", json!(60))]);
    farm.command_job("shot", "1", 50);
    let lost = farm.worker("node-1");
    let task = farm.claim(lost).unwrap();
    let last_seen_ms = ms(workers::get(&farm.conn, lost)
        .unwrap()
        .unwrap()
        .last_seen
        .unwrap());
    assert!(
        enforce_timeouts(&farm.conn, last_seen_ms + 59_000)
            .unwrap()
            .is_empty()
    );
    assert_eq!(farm.worker_status(lost), WorkerStatus::Busy);

    let events = enforce_timeouts(&farm.conn, last_seen_ms + 61_000).unwrap();
    assert!(events.iter().any(|e| matches!(
        e,
        EventKind::Worker { worker } if worker.id == lost && worker.status == WorkerStatus::Offline
    )));
    let requeued = farm.task(task.id);
    assert_eq!(
        (requeued.status, requeued.worker_id, requeued.failures),
        (TaskStatus::Queued, None, 0),
        "the task did nothing wrong: no failure is counted"
    );
    assert_eq!(farm.worker_status(lost), WorkerStatus::Offline);
    let other = farm.worker("node-2");
    assert_eq!(farm.claim(other).map(|t| t.id), Some(task.id));
}

#[test]
fn repair_recounts_every_jobs_task_counters() {
    let farm = Farm::new();
    let job = farm.command_job("shot", "1-4", 50);
    let worker = farm.worker("node-1");
    let task = farm.claim(worker).unwrap();
    farm.complete(worker, task.id);
    farm.claim(worker).unwrap();
    // What a crash between a task's change and its job's could leave behind; no function
    // of the server writes counters out of step, so the test does it by hand.
    farm.conn
        .execute(
            "UPDATE jobs SET n_total = 9, n_queued = 0, n_active = 3, n_completed = 0 \
             WHERE id = :job",
            named_params! { ":job": job.id },
        )
        .unwrap();
    repair(&farm.conn).unwrap();
    let progress = farm.job(job.id).progress;
    assert_eq!(
        (
            progress.total,
            progress.queued,
            progress.active,
            progress.completed
        ),
        (4, 2, 1, 1)
    );
    assert_eq!(farm.job(job.id).status, JobStatus::Active);
}

#[test]
fn repair_settles_a_job_whose_tasks_all_ended() {
    let farm = Farm::new();
    let job = farm.command_job("shot", "1", 50);
    let worker = farm.worker("node-1");
    let task = farm.claim(worker).unwrap();
    farm.complete(worker, task.id);
    // A crash after the task completed and before its job was settled.
    farm.conn
        .execute(
            "UPDATE jobs SET status = 'active' WHERE id = :job",
            named_params! { ":job": job.id },
        )
        .unwrap();
    repair(&farm.conn).unwrap();
    assert_eq!(farm.job(job.id).status, JobStatus::Completed);
}

#[test]
fn after_a_restart_the_task_of_a_worker_that_never_came_back_is_requeued() {
    let farm = Farm::new();
    farm.set(&[("worker_timeout_secs", json!(60))]);
    farm.command_job("shot", "1", 50);
    let gone = farm.worker("node-1");
    let task = farm.claim(gone).unwrap();
    // The server was down for an hour: the worker was last heard from an hour ago.
    farm.conn
        .execute(
            "UPDATE workers SET last_seen = last_seen - 3600000 WHERE id = :w",
            named_params! { ":w": gone },
        )
        .unwrap();
    repair(&farm.conn).unwrap();
    let restart = crate::db::now_ms();
    assert!(
        enforce_timeouts(&farm.conn, restart).unwrap().is_empty(),
        "the server's own absence does not time its workers out"
    );
    assert_eq!(farm.task(task.id).status, TaskStatus::Active);

    enforce_timeouts(&farm.conn, restart + 61_000).unwrap();
    assert_eq!(farm.worker_status(gone), WorkerStatus::Offline);
    let requeued = farm.task(task.id);
    assert_eq!(
        (requeued.status, requeued.worker_id),
        (TaskStatus::Queued, None)
    );
    assert_eq!(
        farm.claim(farm.worker("node-2")).map(|t| t.id),
        Some(task.id)
    );
}
