//! The dispatch rules on an in-memory database, with the rows written by the functions the
//! routes use (`jobs::insert` of a compiled job, `workers::register` and `sign_on`) and
//! time moved by the `now` that `enforce_timeouts` takes.

use super::*;
use crate::auth::db::users;
use crate::farm::compile::compile;
use crate::farm::db::{blocklist, projects};
use drover_shared::api::{
    BlenderRenderSettings, CommandSettings, ImageFormat, Job, JobKind, ProjectInput, Settings,
    SubmitJob, TaskQuery,
};
use drover_shared::protocol::{HostFacts, SignOn};
use drover_shared::{JobCommand, ProjectId, Role, TaskType, UserId};
use serde_json::json;

/// Every task type there is, as a default worker signs on with.
const ALL_TYPES: &[TaskType] = TaskType::ALL;

/// A database with one person and one project to submit jobs into.
struct Farm {
    conn: Connection,
    user: UserId,
    project: ProjectId,
}

impl Farm {
    fn new() -> Self {
        let conn = crate::db::test_conn();
        let user = users::insert(&conn, "ann@studio.com", "hash", Role::Artist)
            .unwrap()
            .id;
        let project = projects::insert(
            &conn,
            &ProjectInput {
                name: Some("Spring".into()),
                ..ProjectInput::default()
            },
        )
        .unwrap()
        .id;
        Self {
            conn,
            user,
            project,
        }
    }

    /// Stores farm settings as `PUT /settings` does.
    fn set(&self, settings: &[(&str, serde_json::Value)]) {
        let settings: Settings = settings
            .iter()
            .map(|(name, value)| {
                settings::validate(name, value).unwrap();
                ((*name).to_owned(), value.clone())
            })
            .collect();
        settings::upsert(&self.conn, &settings).unwrap();
    }

    /// Compiles and stores a job as `POST /jobs` does.
    fn submit(&self, name: &str, kind: JobKind, priority: u8, tag: Option<&str>) -> Job {
        let submit = SubmitJob {
            name: name.into(),
            project_id: self.project,
            kind,
            priority: Some(priority),
            paused: false,
            tag: tag.map(str::to_owned),
            production_task_id: None,
        };
        let compiled = compile(&submit).unwrap();
        jobs::insert(&self.conn, &submit, &compiled, self.user).unwrap()
    }

    /// A `command` job of one task per frame.
    fn command_job(&self, name: &str, frames: &str, priority: u8) -> Job {
        self.submit(name, command(frames), priority, None)
    }

    /// A Blender job of one task per frame whose last task joins them into a video.
    fn render_with_video(&self, frames: &str) -> Job {
        let kind = JobKind::BlenderRender(BlenderRenderSettings {
            blend_file: "/projects/spring/shot.blend".into(),
            frames: frames.into(),
            chunk_size: 1,
            output: "//render/frame_####".into(),
            format: ImageFormat::default(),
            scene: None,
            video: true,
            fps: None,
            auto_run_python: false,
        });
        self.submit("shot", kind, 50, None)
    }

    /// Registers a worker and signs it on with these tags and task types.
    fn worker_with(&self, name: &str, tags: &[&str], types: &[TaskType]) -> WorkerId {
        let id = workers::register(&self.conn, name, b"secret hash").unwrap();
        let sign_on = SignOn {
            name: name.into(),
            tags: tags.iter().map(|&t| t.to_owned()).collect(),
            task_types: types.to_vec(),
            version: "test".into(),
            facts: HostFacts::default(),
        };
        workers::sign_on(&self.conn, id, &sign_on).unwrap();
        id
    }

    /// A worker without tags that runs every task type.
    fn worker(&self, name: &str) -> WorkerId {
        self.worker_with(name, &[], ALL_TYPES)
    }

    /// What `POST /worker/task` hands `worker`, if anything.
    fn claim(&self, worker: WorkerId) -> Option<Task> {
        let (claimed, _events) = claim(&self.conn, worker).unwrap()?;
        Some(assignment(&self.conn, claimed).unwrap().unwrap().task)
    }

    /// `worker` reports `task` done.
    fn complete(&self, worker: WorkerId, task: TaskId) {
        self.report(worker, task, TaskStatus::Completed).unwrap();
    }

    /// `worker` reports that `task` failed.
    fn fail(&self, worker: WorkerId, task: TaskId) {
        self.report(worker, task, TaskStatus::Failed).unwrap();
    }

    fn report(
        &self,
        worker: WorkerId,
        task: TaskId,
        status: TaskStatus,
    ) -> Result<(JobId, Vec<EventKind>), Refusal> {
        let report = TaskUpdate {
            status: Some(status),
            activity: Some(format!("{status} on purpose")),
            ..TaskUpdate::default()
        };
        update(&self.conn, worker, task, &report)
    }

    /// Sends a job command as `POST /jobs/{id}/command` does.
    fn command(&self, job: JobId, command: JobCommand) {
        jobs::apply_command(&self.conn, job, command, None).unwrap();
        jobs::refresh_status(&self.conn, job, fail_percent(&self.conn).unwrap()).unwrap();
    }

    fn task(&self, id: TaskId) -> Task {
        tasks::get(&self.conn, id).unwrap().unwrap()
    }

    fn job(&self, id: JobId) -> Job {
        jobs::get(&self.conn, id).unwrap().unwrap()
    }

    fn worker_status(&self, id: WorkerId) -> WorkerStatus {
        workers::get(&self.conn, id).unwrap().unwrap().status
    }

    /// A job's tasks in task order.
    fn tasks_of(&self, job: JobId) -> Vec<Task> {
        let query = TaskQuery {
            job_id: Some(job),
            ..TaskQuery::default()
        };
        tasks::list(&self.conn, &query, None).unwrap().items
    }
}

fn command(frames: &str) -> JobKind {
    JobKind::Command(CommandSettings {
        argv: vec!["true".into()],
        frames: frames.into(),
        chunk_size: 1,
    })
}

/// A stored time in Unix milliseconds, as `enforce_timeouts` takes its `now`.
fn ms(time: time::OffsetDateTime) -> i64 {
    (time.unix_timestamp_nanos() / 1_000_000) as i64
}

/// The job and first frame of a claimed task, to compare with what was expected.
fn picked(task: Option<&Task>) -> Option<(JobId, i64)> {
    task.map(|t| (t.job_id, t.frame_start))
}

#[test]
fn claim_takes_the_highest_priority_job_first() {
    let farm = Farm::new();
    let low = farm.command_job("low", "1-2", 10);
    let high = farm.command_job("high", "1-2", 90);
    let middle = farm.command_job("middle", "1-2", 50);
    let order: Vec<JobId> = (0..6)
        .map(|n| {
            let worker = farm.worker(&format!("node-{n}"));
            farm.claim(worker).unwrap().job_id
        })
        .collect();
    assert_eq!(
        order,
        [high.id, high.id, middle.id, middle.id, low.id, low.id]
    );
}

#[test]
fn claim_takes_the_oldest_job_among_equal_priorities() {
    let farm = Farm::new();
    let older = farm.command_job("older", "1", 50);
    let newer = farm.command_job("newer", "1", 50);
    let first = farm.claim(farm.worker("node-1"));
    let second = farm.claim(farm.worker("node-2"));
    assert_eq!(picked(first.as_ref()), Some((older.id, 1)));
    assert_eq!(picked(second.as_ref()), Some((newer.id, 1)));
}

#[test]
fn claim_hands_out_a_jobs_tasks_in_frame_order() {
    let farm = Farm::new();
    let job = farm.command_job("shot", "5,1-3", 50);
    let frames: Vec<i64> = (0..4)
        .map(|n| {
            let task = farm.claim(farm.worker(&format!("node-{n}"))).unwrap();
            assert_eq!(task.job_id, job.id);
            task.frame_start
        })
        .collect();
    assert_eq!(frames, [1, 2, 3, 5]);
}

#[test]
fn raising_a_jobs_priority_puts_it_first_in_the_queue() {
    let farm = Farm::new();
    let first = farm.command_job("first", "1-2", 50);
    let second = farm.command_job("second", "1-2", 50);
    jobs::apply_command(&farm.conn, second.id, JobCommand::SetPriority, Some(80)).unwrap();
    let task = farm.claim(farm.worker("node-1")).unwrap();
    assert_eq!(task.job_id, second.id);
    assert_ne!(task.job_id, first.id);
}

#[test]
fn tagged_job_goes_only_to_workers_with_its_tag() {
    let farm = Farm::new();
    let job = farm.submit("gpu shot", command("1-2"), 50, Some("gpu"));
    let untagged = farm.worker("cpu-node");
    let other_tag = farm.worker_with("big-ram", &["ram"], ALL_TYPES);
    let gpu = farm.worker_with("gpu-node", &["ram", "gpu"], ALL_TYPES);
    assert_eq!(farm.claim(untagged), None);
    assert_eq!(farm.claim(other_tag), None);
    assert_eq!(picked(farm.claim(gpu).as_ref()), Some((job.id, 1)));
}

#[test]
fn untagged_job_goes_to_tagged_workers_too() {
    let farm = Farm::new();
    let job = farm.command_job("anywhere", "1", 50);
    let gpu = farm.worker_with("gpu-node", &["gpu"], ALL_TYPES);
    assert_eq!(picked(farm.claim(gpu).as_ref()), Some((job.id, 1)));
}

#[test]
fn worker_gets_only_the_task_types_it_runs() {
    let farm = Farm::new();
    let render = farm.submit(
        "render",
        JobKind::BlenderRender(BlenderRenderSettings {
            blend_file: "/projects/spring/shot.blend".into(),
            frames: "1".into(),
            chunk_size: 1,
            output: "//render/frame_####".into(),
            format: ImageFormat::default(),
            scene: None,
            video: false,
            fps: None,
            auto_run_python: false,
        }),
        90,
        None,
    );
    let script = farm.command_job("script", "1", 10);
    let commands_only = farm.worker_with("shell-node", &[], &[TaskType::Command]);
    let renders_only = farm.worker_with("blender-node", &[], &[TaskType::BlenderRender]);
    let ffmpeg_only = farm.worker_with("ffmpeg-node", &[], &[TaskType::Ffmpeg]);
    assert_eq!(
        picked(farm.claim(commands_only).as_ref()),
        Some((script.id, 1)),
        "the higher-priority render is not this worker's type"
    );
    assert_eq!(
        picked(farm.claim(renders_only).as_ref()),
        Some((render.id, 1))
    );
    assert_eq!(farm.claim(ffmpeg_only), None);
}

#[test]
fn video_task_waits_for_every_frame_task() {
    let farm = Farm::new();
    let job = farm.render_with_video("1-3");
    let tasks = farm.tasks_of(job.id);
    let video = tasks.last().unwrap();
    assert_eq!((video.task_type, tasks.len()), (TaskType::Ffmpeg, 4));
    let runners: Vec<(WorkerId, Task)> = (1..=3)
        .map(|n| {
            let worker = farm.worker(&format!("node-{n}"));
            (worker, farm.claim(worker).unwrap())
        })
        .collect();
    let joiner = farm.worker("joiner");
    assert_eq!(farm.claim(joiner), None, "every frame still runs");
    for (worker, task) in &runners[..2] {
        farm.complete(*worker, task.id);
    }
    assert_eq!(farm.claim(joiner), None, "frame 3 still runs");
    let (worker, task) = &runners[2];
    farm.complete(*worker, task.id);
    assert_eq!(farm.claim(joiner).map(|t| t.id), Some(video.id));
}

#[test]
fn task_whose_dependency_failed_is_never_handed_out() {
    let farm = Farm::new();
    // One worker's failure fails a frame for good; the job itself carries on.
    farm.set(&[
        ("task_fail_worker_count", json!(1)),
        ("job_fail_percent", json!(100)),
    ]);
    let job = farm.render_with_video("1-2");
    let first = farm.worker("node-1");
    let second = farm.worker("node-2");
    let frame_1 = farm.claim(first).unwrap();
    let frame_2 = farm.claim(second).unwrap();
    farm.fail(first, frame_1.id);
    farm.complete(second, frame_2.id);
    assert_eq!(farm.task(frame_1.id).status, TaskStatus::Failed);
    for worker in [first, second, farm.worker("node-3")] {
        assert_eq!(farm.claim(worker), None);
    }
    let video = farm.tasks_of(job.id).pop().unwrap();
    assert_eq!(video.status, TaskStatus::Queued);
}

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
