//! Task listing (numbered and keyset pages) and status changes.

use drover_shared::api::{TaskQuery, TaskStatusChange};
use drover_shared::{JobStatus, Role, TaskId, TaskStatus};
use drover_tests::{project, setup, submit};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn keyset_pages_walk_every_task_once() {
    let (_ts, admin) = setup().await;
    let p = project(&admin, "film").await;
    let job = submit(&admin, p.id, "1-1234", 1).await;
    submit(&admin, p.id, "1-5", 1).await;
    let mut seen = Vec::new();
    let mut query = TaskQuery {
        job_id: Some(job.id),
        per_page: Some(500),
        ..TaskQuery::default()
    };
    loop {
        let page = admin.tasks(&query).await.unwrap();
        assert_eq!(page.total, 1234);
        seen.extend(page.items.iter().map(|t| t.frame_start));
        match page.next_after {
            Some(after) => query.after = Some(TaskId(after)),
            None => break,
        }
    }
    assert_eq!(seen, (1..=1234).collect::<Vec<_>>());
    let deep = admin
        .tasks(&TaskQuery {
            job_id: Some(job.id),
            page: Some(3),
            per_page: Some(500),
            ..TaskQuery::default()
        })
        .await
        .unwrap();
    assert_eq!((deep.items.len(), deep.items[0].frame_start), (234, 1001));
    let all = admin.tasks(&TaskQuery::default()).await.unwrap();
    assert_eq!((all.total, all.per_page), (1239, 100));
    let too_big = admin
        .tasks(&TaskQuery {
            per_page: Some(5000),
            ..TaskQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(too_big.per_page, 1000);
}

#[tokio::test]
async fn status_changes_follow_the_rules_and_the_job_follows_its_tasks() {
    let (_ts, admin) = setup().await;
    let p = project(&admin, "film").await;
    let job = submit(&admin, p.id, "1-2", 1).await;
    let tasks = drover_tests::job_tasks(&admin, job.id).await;
    let set = |id, status| {
        let admin = admin.clone();
        async move {
            admin
                .set_task_status(&TaskStatusChange { id, status })
                .await
        }
    };

    let err = set(tasks[0].id, TaskStatus::Completed).await.unwrap_err();
    assert_eq!(
        err.status(),
        Some(StatusCode::CONFLICT),
        "a queued task cannot complete without running"
    );
    set(tasks[0].id, TaskStatus::Active).await.unwrap();
    assert_eq!(admin.job(job.id).await.unwrap().status, JobStatus::Active);
    set(tasks[0].id, TaskStatus::Completed).await.unwrap();
    set(tasks[1].id, TaskStatus::Active).await.unwrap();
    set(tasks[1].id, TaskStatus::Completed).await.unwrap();
    let done = admin.job(job.id).await.unwrap();
    assert_eq!(
        (done.status, done.progress.completed),
        (JobStatus::Completed, 2)
    );

    set(tasks[1].id, TaskStatus::Queued).await.unwrap();
    assert_eq!(admin.job(job.id).await.unwrap().status, JobStatus::Active);
    let filtered = admin
        .tasks(&TaskQuery {
            job_id: Some(job.id),
            status: Some(TaskStatus::Queued),
            ..TaskQuery::default()
        })
        .await
        .unwrap();
    assert_eq!((filtered.total, filtered.items[0].id), (1, tasks[1].id));

    let missing = set(TaskId(999_999), TaskStatus::Queued).await.unwrap_err();
    assert_eq!(missing.status(), Some(StatusCode::NOT_FOUND));
    let unknown = admin
        .send_json(
            Method::POST,
            "/tasks",
            &json!({"id": tasks[0].id, "status": "exploded"}),
        )
        .await
        .unwrap();
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_failed_task_over_the_threshold_fails_the_job() {
    let (_ts, admin) = setup().await;
    let p = project(&admin, "film").await;
    let job = submit(&admin, p.id, "1-5", 1).await;
    let first = drover_tests::job_tasks(&admin, job.id).await[0].id;
    admin
        .set_task_status(&TaskStatusChange {
            id: first,
            status: TaskStatus::Active,
        })
        .await
        .unwrap();
    admin
        .set_task_status(&TaskStatusChange {
            id: first,
            status: TaskStatus::Failed,
        })
        .await
        .unwrap();
    let failed = admin.job(job.id).await.unwrap();
    assert_eq!(
        (failed.status, failed.progress.failed),
        (JobStatus::Failed, 1)
    );
}

#[tokio::test]
async fn artists_change_only_tasks_of_their_jobs() {
    let (ts, admin) = setup().await;
    let p = project(&admin, "film").await;
    let job = submit(&admin, p.id, "1", 1).await;
    let task = drover_tests::job_tasks(&admin, job.id).await[0].id;
    let artist = ts.client_as(Role::Artist).await;
    drover_tests::join_team(&admin, p.id, &artist).await;
    let err = artist
        .set_task_status(&TaskStatusChange {
            id: task,
            status: TaskStatus::Canceled,
        })
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::FORBIDDEN));
    let own = drover_tests::submit_render(&artist, p.id, "1", 1).await;
    let own_task = drover_tests::job_tasks(&artist, own.id).await[0].id;
    artist
        .set_task_status(&TaskStatusChange {
            id: own_task,
            status: TaskStatus::Canceled,
        })
        .await
        .unwrap();
    assert_eq!(
        artist.job(own.id).await.unwrap().status,
        JobStatus::Canceled
    );
}

/// The job's tasks' statuses, in task order.
async fn statuses(client: &drover_shared::Client, job: drover_shared::JobId) -> Vec<TaskStatus> {
    drover_tests::job_tasks(client, job)
        .await
        .iter()
        .map(|t| t.status)
        .collect()
}

#[tokio::test]
async fn picked_tasks_are_skipped_failed_and_requeued_and_the_job_follows() {
    use TaskStatus::{Completed, Failed, Queued};
    use drover_shared::TaskAction;
    let (ts, admin) = setup().await;
    let p = project(&admin, "film").await;
    let job = submit(&admin, p.id, "1-4", 1).await;
    let other = submit(&admin, p.id, "1", 1).await;
    let tasks = drover_tests::job_tasks(&admin, job.id).await;
    let id = |i: usize| tasks[i].id;

    let done = admin
        .task_action(job.id, TaskAction::Skip, vec![id(0), id(1), id(1)])
        .await
        .unwrap();
    assert_eq!((done.changed, done.unchanged), (2, 0));
    let skipped = drover_tests::job_tasks(&admin, job.id).await;
    assert!(
        skipped[0].activity.starts_with("skipped by "),
        "{}",
        skipped[0].activity
    );
    let again = admin
        .task_action(job.id, TaskAction::Skip, vec![id(0), id(2)])
        .await
        .unwrap();
    assert_eq!(
        (again.changed, again.unchanged),
        (1, 1),
        "a done task is not skipped twice"
    );
    admin
        .task_action(job.id, TaskAction::Fail, vec![id(3)])
        .await
        .unwrap();
    assert_eq!(
        statuses(&admin, job.id).await,
        [Completed, Completed, Completed, Failed]
    );
    assert_eq!(admin.job(job.id).await.unwrap().status, JobStatus::Failed);

    // Requeued, the job runs again, and only the skipped frames count as done.
    admin
        .task_action(job.id, TaskAction::Requeue, vec![id(2), id(3)])
        .await
        .unwrap();
    assert_eq!(
        statuses(&admin, job.id).await,
        [Completed, Completed, Queued, Queued]
    );
    let job_now = admin.job(job.id).await.unwrap();
    assert_eq!(
        (job_now.status, job_now.progress.completed),
        (JobStatus::Active, 2)
    );

    // Refused whole: no task, too many, a task of another job.
    let refused = |e: drover_shared::ClientError| {
        assert_eq!(e.status(), Some(StatusCode::BAD_REQUEST), "{e}");
        e.to_string()
    };
    refused(
        admin
            .task_action(job.id, TaskAction::Skip, vec![])
            .await
            .unwrap_err(),
    );
    let many = (1..=10_001).map(TaskId).collect();
    refused(
        admin
            .task_action(job.id, TaskAction::Skip, many)
            .await
            .unwrap_err(),
    );
    let stranger = drover_tests::job_tasks(&admin, other.id).await[0].id;
    let words = refused(
        admin
            .task_action(job.id, TaskAction::Skip, vec![id(2), stranger])
            .await
            .unwrap_err(),
    );
    assert!(
        words.contains(&format!("task {stranger} is not a task of job")),
        "{words}"
    );
    assert_eq!(
        statuses(&admin, job.id).await[2],
        Queued,
        "nothing was changed"
    );

    // Only who controls the job.
    let artist = ts.client_as(Role::Artist).await;
    drover_tests::join_team(&admin, p.id, &artist).await;
    let e = artist
        .task_action(job.id, TaskAction::Requeue, vec![id(0)])
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::FORBIDDEN));
    let outsider = ts.client_as(Role::Supervisor).await;
    let e = outsider
        .task_action(job.id, TaskAction::Fail, vec![id(0)])
        .await
        .unwrap_err();
    assert_eq!(
        e.status(),
        Some(StatusCode::NOT_FOUND),
        "another team's job is not there"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skipping_a_running_task_stops_its_worker_and_it_stays_done() {
    use drover_shared::TaskAction;
    let (ts, admin) = setup().await;
    let p = project(&admin, "film").await;
    let mut job = drover_tests::command_job(p.id, "1-2", 1);
    job.kind = drover_shared::api::JobKind::Command(drover_shared::api::CommandSettings {
        argv: vec![
            "sh".into(),
            "-c".into(),
            "[ {start} = 1 ] && sleep 60; true".into(),
        ],
        frames: "1-2".into(),
        chunk_size: 1,
    });
    let job = admin.submit_job(&job).await.unwrap();
    let _workers = drover_tests::workers(&ts, &admin, &["w1"]).await;
    let first = drover_tests::job_tasks(&admin, job.id).await[0].id;
    drover_tests::wait_for(20, "frame 1 to run", || async {
        let task = drover_tests::job_tasks(&admin, job.id).await[0].clone();
        (task.status == TaskStatus::Active).then_some(())
    })
    .await;
    admin
        .task_action(job.id, TaskAction::Skip, vec![first])
        .await
        .unwrap();
    // The worker drops the sleeping frame and renders frame 2: the job completes long
    // before the 60 s sleep would have ended.
    let done = drover_tests::job_done(&admin, job.id, 20).await;
    assert_eq!(done.status, JobStatus::Completed);
    let tasks = drover_tests::job_tasks(&admin, job.id).await;
    assert!(
        tasks[0].activity.starts_with("skipped by"),
        "{}",
        tasks[0].activity
    );
}
