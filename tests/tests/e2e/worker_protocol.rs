//! The worker protocol spoken directly through the client: joining, claiming under
//! contention, reporting, heartbeats, and the live event stream.

use drover_shared::api::TaskQuery;
use drover_shared::api::WorkerStatusChange;
use drover_shared::events::{EventKind, EventQuery};
use drover_shared::protocol::{Heartbeat, HostFacts, SignOn, TaskUpdate};
use drover_shared::{JobStatus, Role, TaskId, TaskStatus, WorkerStatus};
use drover_tests::{project, setup, signed_on_worker, submit};
use reqwest::StatusCode;
use std::collections::HashSet;

#[tokio::test]
async fn joining_needs_the_farm_token_and_worker_tokens_stay_in_their_lane() {
    let (ts, admin) = setup().await;
    let err = ts
        .anonymous
        .register_worker("guess", "intruder")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
    let token = admin.join_token().await.unwrap().token;
    let artist = ts.client_as(Role::Artist).await;
    assert_eq!(
        artist.join_token().await.unwrap_err().status(),
        Some(StatusCode::FORBIDDEN)
    );
    let worker = signed_on_worker(&ts, &token, "node").await;
    assert_eq!(
        worker.projects(false).await.unwrap_err().status(),
        Some(StatusCode::FORBIDDEN)
    );
    assert_eq!(
        admin.claim_task(0).await.unwrap_err().status(),
        Some(StatusCode::FORBIDDEN)
    );
    assert!(
        worker.claim_task(0).await.unwrap().is_none(),
        "no work: 204"
    );
    let forged = ts.anonymous.with_token("wk.1.forged");
    assert_eq!(
        forged.claim_task(0).await.unwrap_err().status(),
        Some(StatusCode::UNAUTHORIZED)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_claimers_never_share_a_task() {
    let (ts, admin) = setup().await;
    let token = admin.join_token().await.unwrap().token;
    let p = project(&admin, "film").await;
    let job = submit(&admin, p.id, "1-150", 1).await;
    let mut workers = Vec::new();
    for i in 0..200 {
        workers.push(signed_on_worker(&ts, &token, &format!("node-{i}")).await);
    }
    let claims = workers.iter().map(|w| {
        let w = w.clone();
        tokio::spawn(async move { w.claim_task(0).await.unwrap() })
    });
    let mut given = Vec::new();
    for claim in claims {
        if let Some(assignment) = claim.await.unwrap() {
            given.push(assignment.task.id);
        }
    }
    let distinct: HashSet<TaskId> = given.iter().copied().collect();
    assert_eq!(given.len(), 150, "every task was handed out");
    assert_eq!(distinct.len(), 150, "no task was handed out twice");
    let active = admin
        .tasks(&TaskQuery {
            job_id: Some(job.id),
            status: Some(TaskStatus::Active),
            per_page: Some(1000),
            ..TaskQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(active.total, 150);
    let owners: HashSet<_> = active.items.iter().map(|t| t.worker_id).collect();
    assert_eq!(owners.len(), 150, "one task per worker");
}

#[tokio::test]
async fn claims_follow_priority_and_results_are_checked() {
    let (ts, admin) = setup().await;
    let token = admin.join_token().await.unwrap().token;
    let p = project(&admin, "film").await;
    let low = submit(&admin, p.id, "1-2", 1).await;
    let mut urgent = drover_tests::command_job(p.id, "1", 1);
    urgent.priority = Some(90);
    let urgent = admin.submit_job(&urgent).await.unwrap();
    let worker = signed_on_worker(&ts, &token, "node").await;
    let first = worker.claim_task(0).await.unwrap().unwrap();
    assert_eq!(first.job_id, urgent.id, "highest priority first");
    assert!(
        first.task.started.is_some(),
        "a claimed task says when it started"
    );
    // Asking again hands back the same task (the answer may have been lost).
    assert_eq!(
        worker.claim_task(0).await.unwrap().unwrap().task.id,
        first.task.id
    );
    let done = TaskUpdate {
        status: Some(TaskStatus::Completed),
        log: Some("ok\n".into()),
        ..TaskUpdate::default()
    };
    worker.update_task(first.task.id, &done).await.unwrap();
    let again = worker.update_task(first.task.id, &done).await.unwrap_err();
    assert_eq!(
        again.status(),
        Some(StatusCode::CONFLICT),
        "a task completes once"
    );
    assert_eq!(
        admin.job(urgent.id).await.unwrap().status,
        JobStatus::Completed
    );
    let next = worker.claim_task(0).await.unwrap().unwrap();
    assert_eq!((next.job_id, next.task.frame_start), (low.id, 1));
    let other = signed_on_worker(&ts, &token, "other").await;
    let stolen = other.update_task(next.task.id, &done).await.unwrap_err();
    assert_eq!(
        stolen.status(),
        Some(StatusCode::CONFLICT),
        "only the task's worker reports on it"
    );
    assert!(
        !other
            .may_i_run(next.task.id)
            .await
            .unwrap()
            .may_keep_running
    );
    assert!(
        worker
            .may_i_run(next.task.id)
            .await
            .unwrap()
            .may_keep_running
    );
    admin
        .job_command(low.id, drover_shared::JobCommand::Pause, None)
        .await
        .unwrap();
    let answer = worker.may_i_run(next.task.id).await.unwrap();
    assert!(!answer.may_keep_running);
    assert!(answer.reason.contains("paused"), "{}", answer.reason);
    let bad = TaskUpdate {
        status: Some(TaskStatus::Queued),
        ..TaskUpdate::default()
    };
    let err = worker.update_task(next.task.id, &bad).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::CONFLICT));
}

#[tokio::test]
async fn events_stream_live_and_replay_after_a_reconnect() {
    let (ts, admin) = setup().await;
    let token = admin.join_token().await.unwrap().token;
    let p = project(&admin, "film").await;
    let query = EventQuery {
        topics: Some("jobs,tasks,logs".into()),
        ..EventQuery::default()
    };
    let mut stream = admin.events(&query).await.unwrap();
    let job = submit(&admin, p.id, "1", 1).await;
    let worker = signed_on_worker(&ts, &token, "node").await;
    let assignment = worker.claim_task(0).await.unwrap().unwrap();
    for (status, log) in [(None, "hello\n"), (Some(TaskStatus::Completed), "world\n")] {
        let update = TaskUpdate {
            status,
            log: Some(log.into()),
            ..TaskUpdate::default()
        };
        worker
            .update_task(assignment.task.id, &update)
            .await
            .unwrap();
    }
    // The job's end is told when its write commits; the last log chunk once it is in the
    // file, which may be after.
    let ended = |seen: &[drover_shared::events::Event]| {
        seen.iter().any(|e| {
            matches!(
                e.kind,
                EventKind::JobProgress {
                    status: JobStatus::Completed,
                    ..
                }
            )
        }) && seen
            .iter()
            .any(|e| matches!(&e.kind, EventKind::Log { text, .. } if text == "world\n"))
    };
    let mut seen = Vec::new();
    while !ended(&seen) {
        let event = tokio::time::timeout(std::time::Duration::from_secs(10), stream.next())
            .await
            .expect("an event within 10 s")
            .unwrap()
            .unwrap();
        seen.push(event);
    }
    assert!(matches!(&seen[0].kind, EventKind::Job { job: j } if j.id == job.id));
    assert!(
        seen.iter().any(
            |e| matches!(&e.kind, EventKind::Log { text, offset: 0, .. } if text == "hello\n")
        )
    );
    assert!(
        seen.iter().any(
            |e| matches!(&e.kind, EventKind::Log { text, offset: 6, .. } if text == "world\n")
        ),
        "a log event says where its text starts in the file"
    );
    assert!(seen.iter().any(|e| matches!(
        e.kind,
        EventKind::Task {
            status: TaskStatus::Active,
            ..
        }
    )));
    assert!(
        seen.windows(2).all(|w| w[1].seq > w[0].seq),
        "sequence numbers increase"
    );
    // A client that reconnects after the first event gets the rest again.
    let replay = EventQuery {
        since: Some(seen[0].seq),
        ..query
    };
    let mut again = admin.events(&replay).await.unwrap();
    let next = again.next().await.unwrap().unwrap();
    assert_eq!(next.seq, seen[1].seq);
    let bad = admin
        .events(&EventQuery {
            topics: Some("gossip".into()),
            ..EventQuery::default()
        })
        .await;
    assert_eq!(
        bad.err().and_then(|e| e.status()),
        Some(StatusCode::BAD_REQUEST)
    );
}

#[tokio::test]
async fn tagged_jobs_go_only_to_workers_with_the_tag() {
    let (ts, admin) = setup().await;
    let token = admin.join_token().await.unwrap().token;
    let p = project(&admin, "film").await;
    let mut gpu_job = drover_tests::command_job(p.id, "1", 1);
    gpu_job.tag = Some("gpu".into());
    let gpu_job = admin.submit_job(&gpu_job).await.unwrap();
    let plain = signed_on_worker(&ts, &token, "cpu-node").await;
    assert!(
        plain.claim_task(0).await.unwrap().is_none(),
        "an untagged worker skips tagged jobs"
    );
    let credentials = ts
        .anonymous
        .register_worker(&token, "gpu-node")
        .await
        .unwrap();
    let gpu = ts.anonymous.with_token(&credentials.token);
    let sign_on = SignOn {
        name: "gpu-node".into(),
        tags: vec!["gpu".into()],
        task_types: vec![drover_shared::TaskType::Command],
        version: "test".into(),
        facts: HostFacts::default(),
    };
    gpu.sign_on(&sign_on).await.unwrap();
    assert_eq!(gpu.claim_task(0).await.unwrap().unwrap().job_id, gpu_job.id);
    let untagged = submit(&admin, p.id, "1", 1).await;
    assert_eq!(
        plain.claim_task(0).await.unwrap().unwrap().job_id,
        untagged.id,
        "untagged jobs go anywhere"
    );
}

#[tokio::test]
async fn logs_are_served_whole_by_range_and_as_a_tail() {
    let (ts, admin) = setup().await;
    let token = admin.join_token().await.unwrap().token;
    let p = project(&admin, "film").await;
    submit(&admin, p.id, "1", 1).await;
    let worker = signed_on_worker(&ts, &token, "node").await;
    let task = worker.claim_task(0).await.unwrap().unwrap().task.id;
    assert_eq!(admin.task_log(task).await.unwrap(), "", "no log yet");
    for chunk in ["first line\n", "second line\n"] {
        let update = TaskUpdate {
            log: Some(chunk.into()),
            ..TaskUpdate::default()
        };
        worker.update_task(task, &update).await.unwrap();
    }
    assert_eq!(
        admin.task_log(task).await.unwrap(),
        "first line\nsecond line\n"
    );
    assert_eq!(
        admin.task_log_from(task, 11).await.unwrap(),
        b"second line\n"
    );
    assert!(admin.task_log_from(task, 1000).await.unwrap().is_empty());
    assert_eq!(
        admin.task_log_tail(task).await.unwrap(),
        "first line\nsecond line\n"
    );
    let missing = admin.task_log(TaskId(999_999)).await.unwrap_err();
    assert_eq!(missing.status(), Some(StatusCode::NOT_FOUND));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_without_updates_fails_on_its_worker_after_the_timeout() {
    let (ts, admin) = setup().await;
    let settings = serde_json::json!({"task_timeout_secs": 10});
    admin
        .update_settings(&serde_json::from_value(settings).unwrap())
        .await
        .unwrap();
    let token = admin.join_token().await.unwrap().token;
    let p = project(&admin, "film").await;
    let job = submit(&admin, p.id, "1", 1).await;
    let worker = signed_on_worker(&ts, &token, "silent").await;
    let task = worker.claim_task(0).await.unwrap().unwrap().task.id;
    let failed = drover_tests::wait_for(20, "the task to time out", || async {
        let tasks = drover_tests::job_tasks(&admin, job.id).await;
        (tasks[0].status == TaskStatus::SoftFailed).then(|| tasks[0].clone())
    })
    .await;
    assert_eq!((failed.id, failed.failures), (task, 1));
    assert!(
        failed.activity.contains("no update for 10 s"),
        "{}",
        failed.activity
    );
    assert!(!worker.may_i_run(task).await.unwrap().may_keep_running);
}

/// A heartbeat that changes nothing but the host facts is written with the monitor's next
/// pass, a second or so later; a pending request is answered by it all the same; carrying the
/// request out changes the status, which is written at once and clears the request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeats_are_answered_at_once_and_written_within_seconds() {
    let (ts, admin) = setup().await;
    let token = admin.join_token().await.unwrap().token;
    let worker = signed_on_worker(&ts, &token, "node").await;
    let before = admin.workers().await.unwrap().remove(0);
    assert_eq!(before.status, WorkerStatus::Idle);
    let beat = |status, cores| Heartbeat {
        status,
        facts: HostFacts {
            cores,
            ..HostFacts::default()
        },
    };

    // Past the sign-on's millisecond, so last_seen visibly moves.
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let answer = worker
        .heartbeat(&beat(WorkerStatus::Idle, 64))
        .await
        .unwrap();
    assert_eq!(answer.request, None);
    let mut written = None;
    for _ in 0..50 {
        let now = admin.worker(before.id).await.unwrap();
        if now.facts.cores == 64 {
            written = Some(now);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let written = written.expect("the beat's facts written within 5 s");
    assert!(written.last_seen > before.last_seen, "{written:?}");
    assert_eq!(written.status, WorkerStatus::Idle);

    let change = WorkerStatusChange {
        id: before.id,
        status: WorkerStatus::Asleep,
        after_current_task: false,
    };
    admin.set_worker_status(&change).await.unwrap();
    let answer = worker
        .heartbeat(&beat(WorkerStatus::Idle, 64))
        .await
        .unwrap();
    assert_eq!(answer.request.map(|r| r.status), Some(WorkerStatus::Asleep));
    let answer = worker
        .heartbeat(&beat(WorkerStatus::Asleep, 32))
        .await
        .unwrap();
    assert_eq!(answer.request, None, "carried out");
    let asleep = admin.worker(before.id).await.unwrap();
    assert_eq!(
        (asleep.status, asleep.requested_status, asleep.facts.cores),
        (WorkerStatus::Asleep, None, 32),
        "a change of status is written at once"
    );
}
