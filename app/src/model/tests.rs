//! Unit tests of the parent module.
use super::*;
use drover_shared::api::{CommandSettings, JobProgress};

pub(crate) fn job(id: i64, chunk_size: u32, completed: u64) -> Job {
    Job {
        id: JobId(id),
        name: format!("job {id}"),
        project_id: ProjectId(1),
        kind: JobKind::Command(CommandSettings {
            argv: vec!["true".into()],
            frames: "1-100".into(),
            chunk_size,
        }),
        status: JobStatus::Active,
        priority: 50,
        tag: None,
        created_by: UserId(uuid_nil()),
        created: time::OffsetDateTime::UNIX_EPOCH,
        updated: time::OffsetDateTime::UNIX_EPOCH,
        progress: JobProgress {
            total: 100 / u64::from(chunk_size),
            completed,
            ..JobProgress::default()
        },
        production_task_id: None,
        depends_on: Vec::new(),
        depend_mode: drover_shared::DependMode::Job,
        max_workers: None,
        task_timeout_secs: None,
        limits: Vec::new(),
        dependency: None,
        eta: None,
        archived: None,
    }
}

/// A farm as `role` sees it (someone else submitted the jobs), holding `jobs`.
pub(crate) fn farm(role: drover_shared::Role, jobs: Vec<Job>) -> Farm {
    let mut farm = Farm::new(User {
        id: UserId(uuid::Uuid::from_u128(7)),
        email: "me@studio.test".into(),
        role,
        created: time::OffsetDateTime::UNIX_EPOCH,
    });
    farm.set_jobs(jobs);
    farm
}

/// A job of 20 tasks in `status`, `failed` of them failed.
pub(crate) fn job_in(id: i64, status: JobStatus, failed: u64) -> Job {
    let mut job = job(id, 5, 0);
    job.status = status;
    job.progress.failed = failed;
    job
}

fn uuid_nil() -> uuid::Uuid {
    uuid::Uuid::nil()
}

#[test]
fn progress_events_update_jobs_and_count_frames() {
    let mut farm = Farm::default();
    farm.set_jobs(vec![job(1, 5, 0)]);
    let event = Event {
        seq: 7,
        at: 0,
        kind: EventKind::JobProgress {
            job_id: JobId(1),
            status: JobStatus::Active,
            progress: JobProgress {
                total: 20,
                completed: 3,
                ..JobProgress::default()
            },
        },
    };
    assert_eq!(farm.apply(&event), FollowUp::None);
    assert_eq!(farm.jobs[&JobId(1)].progress.completed, 3);
    assert_eq!(farm.history.frames_done, 15);
    let resync = Event {
        seq: 8,
        at: 0,
        kind: EventKind::Resync,
    };
    assert_eq!(farm.apply(&resync), FollowUp::Refetch);
}

#[test]
fn frames_per_minute_is_measured_over_the_last_minute() {
    let mut history = History::default();
    for i in 0..61u32 {
        history.samples.push_back(Sample {
            t: f64::from(i) * 2.0,
            frames_done: u64::from(i) * 4,
            ..Sample::default()
        });
    }
    let rates = history.frames_per_minute();
    // 4 frames every 2 s is 120 per minute.
    assert!((rates.last().unwrap()[1] - 120.0).abs() < 1e-9);
}

#[test]
fn live_log_chunks_join_the_fetched_start_without_gaps_or_repeats() {
    let mut farm = Farm::default();
    let mut open = OpenJob::new(JobId(1));
    open.select(TaskId(5));
    farm.open_job = Some(open);
    let mut chunk = |task: i64, offset: u64, text: &str| {
        farm.apply(&Event {
            seq: 1,
            at: 0,
            kind: EventKind::Log {
                task_id: TaskId(task),
                job_id: JobId(1),
                text: text.into(),
                offset,
            },
        });
    };
    // Arrive while the log is being fetched: "ab" is in the fetched text, "cd" is not.
    chunk(5, 1, "b");
    chunk(5, 2, "cd");
    chunk(6, 0, "other task");
    let open = farm.open_job.as_mut().unwrap();
    open.set_log(TaskId(5), "ab");
    assert_eq!(open.log, "abcd");
    open.log_chunk(4, "e");
    open.log_chunk(2, "cd");
    assert_eq!(open.log, "abcde");
}
