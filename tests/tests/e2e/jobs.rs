//! Job submission, listing, commands and deletion.

use drover_shared::api::{BlenderRenderSettings, ImageFormat, JobKind, JobQuery, TaskQuery};
use drover_shared::{JobCommand, JobId, JobStatus, Role, TaskStatus};
use drover_tests::{command_job, project, setup, submit};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn submitting_compiles_one_task_per_chunk() {
    let (_ts, admin) = setup().await;
    let p = project(&admin, "film").await;
    let job = submit(&admin, p.id, "1-10,20,30-33", 4).await;
    assert_eq!(job.status, JobStatus::Queued);
    assert_eq!(job.priority, 50);
    assert_eq!((job.progress.total, job.progress.queued), (5, 5));
    let tasks = admin
        .tasks(&TaskQuery {
            job_id: Some(job.id),
            ..TaskQuery::default()
        })
        .await
        .unwrap();
    let frames: Vec<_> = tasks
        .items
        .iter()
        .map(|t| (t.frame_start, t.frame_end))
        .collect();
    assert_eq!(frames, [(1, 4), (5, 8), (9, 10), (20, 20), (30, 33)]);
    assert_eq!(tasks.total, 5);
    assert_eq!(admin.job(job.id).await.unwrap(), job);
}

#[tokio::test]
async fn blender_jobs_keep_their_settings_and_paused_submissions_wait() {
    let (_ts, admin) = setup().await;
    let p = project(&admin, "film").await;
    let mut request = command_job(p.id, "1-3", 1);
    request.kind = JobKind::BlenderRender(BlenderRenderSettings {
        blend_file: "/shots/sh010.blend".into(),
        frames: "1-3".into(),
        chunk_size: 1,
        output: "/render/sh010/####".into(),
        format: ImageFormat::OpenExr,
        scene: Some("Scene".into()),
        video: true,
        fps: Some(25),
        auto_run_python: false,
    });
    request.paused = true;
    request.priority = Some(80);
    let job = admin.submit_job(&request).await.unwrap();
    // Three frames and the video that joins them.
    assert_eq!(
        (job.status, job.priority, job.progress.paused),
        (JobStatus::Paused, 80, 4)
    );
    assert_eq!(job.kind, request.kind);
    let raw = admin
        .raw(Method::GET, &format!("/jobs/{}", job.id), None)
        .await
        .unwrap()
        .body
        .unwrap();
    assert_eq!(raw["job_type"], json!("blender-render"));
    assert_eq!(raw["settings"]["format"], json!("OPEN_EXR"));
    let started = admin
        .job_command(job.id, JobCommand::Start, None)
        .await
        .unwrap();
    assert_eq!(
        (started.status, started.progress.queued),
        (JobStatus::Queued, 4)
    );
    let tasks = admin
        .tasks(&TaskQuery {
            job_id: Some(job.id),
            ..TaskQuery::default()
        })
        .await
        .unwrap();
    let video = tasks.items.last().unwrap();
    assert_eq!(
        (video.task_type.as_str(), video.frame_start, video.frame_end),
        ("ffmpeg", 1, 3)
    );
}

#[tokio::test]
async fn bad_submissions_are_400_and_store_nothing() {
    let (_ts, admin) = setup().await;
    let p = project(&admin, "film").await;
    let good = serde_json::to_value(command_job(p.id, "1-10", 1)).unwrap();
    let with = |path: &str, value: serde_json::Value| {
        let mut body = good.clone();
        let mut target = &mut body;
        let parts: Vec<_> = path.split('.').collect();
        for part in &parts[..parts.len() - 1] {
            target = &mut target[*part];
        }
        target[*parts.last().unwrap()] = value;
        body
    };
    let cases = [
        (with("settings.frames", json!("1-x")), "settings.frames"),
        (
            with("settings.frames", json!("10-1")),
            "ends before it starts",
        ),
        (with("settings.frames", json!("")), "empty"),
        (with("settings.chunk_size", json!(0)), "chunk_size"),
        (
            with("settings.frames", json!("1-1000001")),
            "limit is 1000000",
        ),
        (with("project_id", json!(999)), "project 999 does not exist"),
        (with("job_type", json!("maya-render")), "unknown variant"),
        (with("settings.argv", json!([])), "argv"),
        (with("settings.colour", json!("red")), "unknown field"),
        (with("priority", json!(101)), "priority"),
        (with("name", json!(" ")), "name"),
    ];
    for (body, expected) in cases {
        let answer = admin.send_json(Method::POST, "/jobs", &body).await.unwrap();
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body}");
        let message = answer.body.unwrap()["message"].as_str().unwrap().to_owned();
        assert!(
            message.contains(expected),
            "{message} should mention {expected}"
        );
    }
    let blender = json!({"name": "r", "project_id": p.id, "job_type": "blender-render",
        "settings": {"blend_file": "/a.blend", "frames": "1", "output": "/out/frame"}});
    let answer = admin
        .send_json(Method::POST, "/jobs", &blender)
        .await
        .unwrap();
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(admin.jobs(&JobQuery::default()).await.unwrap().total, 0);
    assert_eq!(admin.tasks(&TaskQuery::default()).await.unwrap().total, 0);
}

#[tokio::test]
async fn list_orders_by_priority_then_age_filters_and_pages() {
    let (_ts, admin) = setup().await;
    let a = project(&admin, "a").await;
    let b = project(&admin, "b").await;
    let first = submit(&admin, a.id, "1", 1).await;
    let second = submit(&admin, b.id, "1", 1).await;
    let mut urgent = command_job(a.id, "1", 1);
    urgent.priority = Some(90);
    let urgent = admin.submit_job(&urgent).await.unwrap();
    admin
        .job_command(second.id, JobCommand::Pause, None)
        .await
        .unwrap();

    let all = admin.jobs(&JobQuery::default()).await.unwrap();
    let ids: Vec<_> = all.items.iter().map(|j| j.id).collect();
    assert_eq!(ids, [urgent.id, first.id, second.id]);
    let of_a = admin
        .jobs(&JobQuery {
            project_id: Some(a.id),
            ..JobQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(of_a.total, 2);
    let paused = admin
        .jobs(&JobQuery {
            status: Some(JobStatus::Paused),
            ..JobQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        paused.items.iter().map(|j| j.id).collect::<Vec<_>>(),
        [second.id]
    );
    let page2 = admin
        .jobs(&JobQuery {
            page: Some(2),
            per_page: Some(2),
            ..JobQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        (page2.total, page2.items.len(), page2.items[0].id),
        (3, 1, second.id)
    );
}

#[tokio::test]
async fn the_first_apis_command_names_are_still_taken() {
    let (_ts, admin) = setup().await;
    let p = project(&admin, "film").await;
    let job = submit(&admin, p.id, "1-4", 1).await;
    let path = format!("/jobs/{}", job.id);
    // `stop` is `cancel` now, `reset` is `render_again`: gazu scripts and older apps still
    // send the first names.
    let stopped = admin
        .send_json(Method::PUT, &path, &json!({"command": "stop"}))
        .await
        .unwrap();
    assert_eq!(stopped.status, StatusCode::OK, "{:?}", stopped.body);
    assert_eq!(stopped.body.unwrap()["status"], "canceled");
    let reset = admin
        .send_json(Method::PUT, &path, &json!({"command": "reset"}))
        .await
        .unwrap();
    assert_eq!(reset.status, StatusCode::OK, "{:?}", reset.body);
    assert_eq!(reset.body.unwrap()["progress"]["queued"], 4);
    let unknown = admin
        .send_json(Method::PUT, &path, &json!({"command": "halt"}))
        .await
        .unwrap();
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let message = unknown.body.unwrap()["message"].to_string();
    assert!(
        message.contains("cancel") && message.contains("render_again"),
        "{message}"
    );
}

#[tokio::test]
async fn commands_follow_the_state_machine() {
    let (_ts, admin) = setup().await;
    let p = project(&admin, "film").await;
    let job = submit(&admin, p.id, "1-4", 1).await;
    let conflict =
        |e: drover_shared::ClientError| assert_eq!(e.status(), Some(StatusCode::CONFLICT));

    conflict(
        admin
            .job_command(job.id, JobCommand::Resume, None)
            .await
            .unwrap_err(),
    );
    let paused = admin
        .job_command(job.id, JobCommand::Pause, None)
        .await
        .unwrap();
    assert_eq!(
        (paused.status, paused.progress.paused),
        (JobStatus::Paused, 4)
    );
    conflict(
        admin
            .job_command(job.id, JobCommand::Pause, None)
            .await
            .unwrap_err(),
    );
    let resumed = admin
        .job_command(job.id, JobCommand::Resume, None)
        .await
        .unwrap();
    assert_eq!(
        (resumed.status, resumed.progress.queued),
        (JobStatus::Queued, 4)
    );
    conflict(
        admin
            .job_command(job.id, JobCommand::RequeueFailed, None)
            .await
            .unwrap_err(),
    );

    let stopped = admin
        .job_command(job.id, JobCommand::Cancel, None)
        .await
        .unwrap();
    assert_eq!(
        (stopped.status, stopped.progress.canceled),
        (JobStatus::Canceled, 4)
    );
    conflict(
        admin
            .job_command(job.id, JobCommand::Cancel, None)
            .await
            .unwrap_err(),
    );
    let requeued = admin
        .job_command(job.id, JobCommand::RequeueFailed, None)
        .await
        .unwrap();
    assert_eq!(
        (requeued.status, requeued.progress.queued),
        (JobStatus::Queued, 4)
    );
    let reset = admin
        .job_command(job.id, JobCommand::RenderAgain, None)
        .await
        .unwrap();
    assert_eq!(reset.progress.queued, 4);

    let urgent = admin
        .job_command(job.id, JobCommand::SetPriority, Some(99))
        .await
        .unwrap();
    assert_eq!(urgent.priority, 99);
    let bad = |e: drover_shared::ClientError| assert_eq!(e.status(), Some(StatusCode::BAD_REQUEST));
    bad(admin
        .job_command(job.id, JobCommand::SetPriority, None)
        .await
        .unwrap_err());
    bad(admin
        .job_command(job.id, JobCommand::SetPriority, Some(101))
        .await
        .unwrap_err());
    bad(admin
        .job_command(job.id, JobCommand::Pause, Some(10))
        .await
        .unwrap_err());
    let unknown = admin
        .send_json(
            Method::PUT,
            &format!("/jobs/{}", job.id),
            &json!({"command": "explode"}),
        )
        .await
        .unwrap();
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let missing = admin
        .job_command(JobId(999), JobCommand::Pause, None)
        .await
        .unwrap_err();
    assert_eq!(missing.status(), Some(StatusCode::NOT_FOUND));
}

#[tokio::test]
async fn artists_control_only_their_own_jobs() {
    let (ts, admin) = setup().await;
    let p = project(&admin, "film").await;
    let ann = ts.client_as(Role::Artist).await;
    let bob = ts.client_as(Role::Artist).await;
    drover_tests::join_team(&admin, p.id, &ann).await;
    drover_tests::join_team(&admin, p.id, &bob).await;
    let anns = drover_tests::submit_render(&ann, p.id, "1-2", 1).await;
    assert_eq!(anns.created_by, ann.authenticated().await.unwrap().user.id);
    let forbidden =
        |e: drover_shared::ClientError| assert_eq!(e.status(), Some(StatusCode::FORBIDDEN));
    forbidden(
        bob.job_command(anns.id, JobCommand::Pause, None)
            .await
            .unwrap_err(),
    );
    forbidden(bob.delete_job(anns.id).await.unwrap_err());
    assert_eq!(
        bob.job(anns.id).await.unwrap().id,
        anns.id,
        "artists read every job of their team's projects"
    );
    ann.job_command(anns.id, JobCommand::Pause, None)
        .await
        .unwrap();
    let manager = ts.client_as(Role::Manager).await;
    manager
        .job_command(anns.id, JobCommand::Resume, None)
        .await
        .unwrap();
    ann.delete_job(anns.id).await.unwrap();
}

#[tokio::test]
async fn delete_removes_jobs_with_their_tasks_all_or_none() {
    let (ts, admin) = setup().await;
    let p = project(&admin, "film").await;
    let a = submit(&admin, p.id, "1-100", 1).await;
    let b = submit(&admin, p.id, "1-10", 1).await;
    let c = submit(&admin, p.id, "1-10", 1).await;
    admin.delete_job(a.id).await.unwrap();
    assert_eq!(
        admin.job(a.id).await.unwrap_err().status(),
        Some(StatusCode::NOT_FOUND)
    );
    assert_eq!(
        admin.delete_job(a.id).await.unwrap_err().status(),
        Some(StatusCode::NOT_FOUND)
    );
    assert_eq!(admin.tasks(&TaskQuery::default()).await.unwrap().total, 20);

    let err = admin.delete_jobs(&[b.id, JobId(999)]).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
    assert!(
        admin.job(b.id).await.is_ok(),
        "nothing is deleted when one id is unknown"
    );
    let artist = ts.client_as(Role::Artist).await;
    assert_eq!(
        artist.delete_jobs(&[b.id]).await.unwrap_err().status(),
        Some(StatusCode::NOT_FOUND),
        "a job of another team's project is out of sight"
    );
    drover_tests::join_team(&admin, p.id, &artist).await;
    assert_eq!(
        artist.delete_jobs(&[b.id]).await.unwrap_err().status(),
        Some(StatusCode::FORBIDDEN)
    );
    assert_eq!(
        admin.delete_jobs(&[]).await.unwrap_err().status(),
        Some(StatusCode::BAD_REQUEST)
    );
    admin.delete_jobs(&[b.id, c.id]).await.unwrap();
    assert_eq!(admin.jobs(&JobQuery::default()).await.unwrap().total, 0);
    let tasks = admin
        .tasks(&TaskQuery {
            status: Some(TaskStatus::Queued),
            ..TaskQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(tasks.total, 0);
}

/// A job's tasks as (name, status), in task order.
async fn named_tasks(client: &drover_shared::Client, job: JobId) -> Vec<(String, TaskStatus)> {
    drover_tests::job_tasks(client, job)
        .await
        .into_iter()
        .map(|t| (t.name, t.status))
        .collect()
}

#[tokio::test]
async fn a_jobs_frames_change_after_submission_and_its_tasks_follow() {
    use TaskStatus::{Completed, Queued};
    use drover_shared::TaskAction;
    let (ts, admin) = setup().await;
    let p = project(&admin, "film").await;
    let job = submit(&admin, p.id, "1-10", 5).await;
    let first = drover_tests::job_tasks(&admin, job.id).await[0].id;
    admin
        .task_action(job.id, TaskAction::Skip, vec![first])
        .await
        .unwrap();

    // More frames: a task for the new ones; the rendered chunk stays though frames 1-2 went.
    let changed = admin.set_job_frames(job.id, "3-12").await.unwrap();
    assert_eq!((changed.added, changed.removed), (1, 0));
    assert_eq!(changed.job.kind.frames_and_chunk(), ("3-12", 5));
    assert_eq!(changed.job.progress.total, 3);
    assert_eq!(
        named_tasks(&admin, job.id).await,
        [
            ("frames 1-5".to_owned(), Completed),
            ("frames 6-10".to_owned(), Queued),
            ("frames 11-12".to_owned(), Queued),
        ]
    );

    // Fewer frames and a gap: a chunk keeping some of its frames is made again for those.
    let changed = admin.set_job_frames(job.id, "1-7,20").await.unwrap();
    assert_eq!((changed.added, changed.removed), (2, 2));
    assert_eq!(
        named_tasks(&admin, job.id).await,
        [
            ("frames 1-5".to_owned(), Completed),
            ("frames 6-7".to_owned(), Queued),
            ("frame 20".to_owned(), Queued),
        ]
    );
    let now = admin.job(job.id).await.unwrap();
    assert_eq!((now.progress.total, now.progress.completed), (3, 1));
    assert_eq!(now.status, JobStatus::Active);

    // Refused: frames that do not parse, a job one does not control.
    let e = admin.set_job_frames(job.id, "1-x").await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::BAD_REQUEST), "{e}");
    assert!(e.to_string().contains("frames"), "{e}");
    let artist = ts.client_as(Role::Artist).await;
    drover_tests::join_team(&admin, p.id, &artist).await;
    let e = artist.set_job_frames(job.id, "1-3").await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::FORBIDDEN));
    assert_eq!(
        admin.job(job.id).await.unwrap().progress.total,
        3,
        "unchanged"
    );

    // A video waits for the new frames.
    let mut render = drover_tests::render_job(p.id, "1-4", 2);
    if let JobKind::BlenderRender(s) = &mut render.kind {
        s.video = true;
    }
    let render = admin.submit_job(&render).await.unwrap();
    let changed = admin.set_job_frames(render.id, "1-6").await.unwrap();
    assert_eq!((changed.added, changed.removed), (1, 0));
    let tasks = drover_tests::job_tasks(&admin, render.id).await;
    let video = tasks.iter().find(|t| t.name == "video").unwrap();
    assert_eq!((video.frame_start, video.frame_end), (1, 6));
    assert_eq!(tasks.last().unwrap().name, "frames 5-6");
}
