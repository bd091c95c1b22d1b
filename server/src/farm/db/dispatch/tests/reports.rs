//! A claimed task belongs to its worker: only it reports on it, once; a finished job, a
//! paused or canceled one, and a sleeping worker.
use super::*;

#[test]
fn claimed_task_is_never_given_to_a_second_worker() {
    let farm = Farm::new();
    farm.command_job("shot", "1-2", 50);
    let first = farm.worker("node-1");
    let second = farm.worker("node-2");
    let third = farm.worker("node-3");
    let a = farm.claim(first).unwrap();
    let b = farm.claim(second).unwrap();
    assert_ne!(a.id, b.id);
    assert_eq!(farm.claim(third), None);
    assert_eq!(
        farm.claim(first).map(|t| t.id),
        Some(a.id),
        "a worker asking again gets its own task back (its answer may have been lost)"
    );
    assert_eq!(farm.task(a.id).worker_id, Some(first));
}

#[test]
fn worker_cannot_report_on_a_task_given_to_another() {
    let farm = Farm::new();
    farm.command_job("shot", "1", 50);
    let owner = farm.worker("node-1");
    let stranger = farm.worker("node-2");
    let task = farm.claim(owner).unwrap();
    assert!(matches!(
        farm.report(stranger, task.id, TaskStatus::Completed),
        Err(Refusal::NotYours(_))
    ));
    assert!(matches!(
        farm.report(stranger, TaskId(999), TaskStatus::Completed),
        Err(Refusal::NotFound(_))
    ));
    assert_eq!(farm.task(task.id).status, TaskStatus::Active);
}

#[test]
fn completed_task_cannot_complete_twice() {
    let farm = Farm::new();
    let job = farm.command_job("shot", "1-2", 50);
    let worker = farm.worker("node-1");
    let task = farm.claim(worker).unwrap();
    farm.complete(worker, task.id);
    assert!(matches!(
        farm.report(worker, task.id, TaskStatus::Completed),
        Err(Refusal::NotYours(_))
    ));
    assert_eq!(farm.job(job.id).progress.completed, 1);
}

#[test]
fn completing_every_task_completes_the_job() {
    let farm = Farm::new();
    let job = farm.command_job("shot", "1-2", 50);
    let worker = farm.worker("node-1");
    assert_eq!(farm.job(job.id).status, JobStatus::Queued);
    let task = farm.claim(worker).unwrap();
    assert_eq!(farm.job(job.id).status, JobStatus::Active);
    farm.complete(worker, task.id);
    let task = farm.claim(worker).unwrap();
    farm.complete(worker, task.id);
    assert_eq!(farm.job(job.id).status, JobStatus::Completed);
    assert_eq!(farm.worker_status(worker), WorkerStatus::Idle);
    assert_eq!(farm.claim(worker), None);
}

#[test]
fn paused_job_gives_nothing_and_stops_its_running_task() {
    let farm = Farm::new();
    let job = farm.command_job("shot", "1-3", 50);
    let worker = farm.worker("node-1");
    let running = farm.claim(worker).unwrap();
    farm.command(job.id, JobCommand::Pause);
    assert_eq!(farm.job(job.id).status, JobStatus::Paused);
    assert!(
        !may_i_run(&farm.conn, worker, running.id)
            .unwrap()
            .may_keep_running
    );
    assert_eq!(farm.claim(worker), None);
    assert_eq!(farm.claim(farm.worker("node-2")), None);
    farm.command(job.id, JobCommand::Resume);
    assert_eq!(
        picked(farm.claim(worker).as_ref()),
        Some((job.id, 1)),
        "resumed, the paused task runs again from the start of the queue"
    );
}

#[test]
fn canceled_job_gives_nothing_and_stops_its_running_task() {
    let farm = Farm::new();
    let job = farm.command_job("shot", "1-3", 50);
    let worker = farm.worker("node-1");
    let running = farm.claim(worker).unwrap();
    farm.command(job.id, JobCommand::Cancel);
    assert_eq!(farm.job(job.id).status, JobStatus::Canceled);
    let answer = may_i_run(&farm.conn, worker, running.id).unwrap();
    assert!(!answer.may_keep_running);
    assert_eq!(farm.claim(worker), None);
    assert_eq!(farm.claim(farm.worker("node-2")), None);
}

#[test]
fn sleeping_worker_gets_nothing() {
    let farm = Farm::new();
    farm.command_job("shot", "1", 50);
    let worker = farm.worker("node-1");
    workers::request(&farm.conn, worker, WorkerStatus::Asleep, true).unwrap();
    assert_eq!(farm.claim(worker), None, "told to sleep");
    workers::heartbeat(
        &farm.conn,
        worker,
        WorkerStatus::Asleep,
        &HostFacts::default(),
    )
    .unwrap();
    assert_eq!(farm.claim(worker), None, "asleep");
    workers::heartbeat(
        &farm.conn,
        worker,
        WorkerStatus::Idle,
        &HostFacts::default(),
    )
    .unwrap();
    assert!(farm.claim(worker).is_some());
}

#[test]
fn a_job_predicts_its_finish_from_its_finished_runs_not_its_skipped_tasks() {
    let farm = Farm::new();
    let job = farm.command_job("shot", "1-4", 50);
    assert_eq!(
        farm.job(job.id).eta,
        None,
        "nothing finished: nothing to go by"
    );
    let first = tasks::get(&farm.conn, farm.tasks_of(job.id)[0].id)
        .unwrap()
        .unwrap();
    tasks::set_by_hand(
        &farm.conn,
        first.id,
        TaskStatus::Completed,
        "skipped by ann",
    )
    .unwrap();
    assert_eq!(farm.job(job.id).eta, None, "a skipped task ran nothing");
    let worker = farm.worker("node-1");
    let task = farm.claim(worker).unwrap();
    // The run took 4 s.
    farm.conn
        .execute(
            "UPDATE tasks SET started = started - 4000 WHERE id = ?1",
            [task.id.0],
        )
        .unwrap();
    farm.complete(worker, task.id);
    let eta = farm.job(job.id).eta.expect("one run finished");
    assert_eq!(eta.runs, 1);
    assert!((4000..4100).contains(&eta.task_ms), "{eta:?}");
    // Two tasks wait, none runs: one worker's pace, 8 s from now.
    let left = (eta.finish - time::OffsetDateTime::now_utc()).whole_milliseconds();
    assert!((7_000..=8_300).contains(&left), "{left} ms");
    // Paused or ended, a job predicts nothing.
    farm.command(job.id, JobCommand::Pause);
    assert_eq!(farm.job(job.id).eta, None);
}

#[test]
fn a_job_s_own_pace_takes_over_from_its_earlier_jobs_as_its_frames_finish() {
    use crate::farm::state_machine::TaskCounts;
    let now = time::OffsetDateTime::now_utc();
    // 100 frames; its own runs took 1 s each, earlier jobs of the shot 2 s a frame.
    let task_ms = |completed: u64| {
        let counts = TaskCounts {
            total: 100,
            completed,
            queued: 100 - completed,
            ..TaskCounts::default()
        };
        let done = (1000 * completed as i64, completed);
        jobs::eta(JobStatus::Active, &counts, done, Some(2000.0), now)
            .unwrap()
            .task_ms
    };
    assert_eq!(task_ms(0), 2000, "before a frame: the earlier jobs' pace");
    let (tenth, quarter, half) = (task_ms(10), task_ms(25), task_ms(50));
    assert!((1550..=1590).contains(&tenth), "{tenth}");
    assert!((1160..=1200).contains(&quarter), "{quarter}");
    assert!((1040..=1060).contains(&half), "{half}");
    assert!(task_ms(90) < 1020);
    // Without earlier jobs, its own pace from the first frame.
    let counts = TaskCounts {
        total: 100,
        completed: 10,
        queued: 90,
        ..TaskCounts::default()
    };
    let eta = jobs::eta(JobStatus::Active, &counts, (10_000, 10), None, now).unwrap();
    assert_eq!((eta.task_ms, eta.runs), (1000, 10));
}
