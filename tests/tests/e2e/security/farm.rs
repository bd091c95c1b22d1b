//! The farm by role and team: every person sees only the projects whose team they are on (with
//! their jobs, tasks, logs, pictures and events), managers and admins see all; clients and
//! vendors run nothing; code of one's own needs `code_jobs_min_role`; a render lands on its
//! production task with its submitter's rights as they are when it ends.

use drover_shared::api::{JobKind, JobQuery, PreviewSize, Settings, TaskQuery, TaskStatusChange};
use drover_shared::events::{EventKind, EventQuery};
use drover_shared::protocol::{HostFacts, SignOn, TaskUpdate};
use drover_shared::{Client, ClientError, JobCommand, JobId, Role, TaskId, TaskStatus};
use drover_tests::{
    TestServer, assert_still_answers, command_job, join_team, leave_team, project, render_job,
    setup, submit,
};
use reqwest::{Method, StatusCode};
use serde_json::json;

fn status(e: &ClientError) -> Option<StatusCode> {
    e.status()
}

/// A render node signed on for `command` and `blender-render` tasks.
async fn worker(ts: &TestServer, admin: &Client, name: &str) -> Client {
    let token = admin.join_token().await.unwrap().token;
    let credentials = ts.anonymous.register_worker(&token, name).await.unwrap();
    let worker = ts.anonymous.with_token(&credentials.token);
    let sign_on = SignOn {
        name: name.into(),
        tags: Vec::new(),
        task_types: vec![
            drover_shared::TaskType::Command,
            drover_shared::TaskType::BlenderRender,
        ],
        version: "test".into(),
        facts: HostFacts::default(),
    };
    worker.sign_on(&sign_on).await.unwrap();
    worker
}

/// A small JPEG, as a worker uploads after each frame.
fn jpeg() -> Vec<u8> {
    let mut out = Vec::new();
    image::DynamicImage::new_rgb8(32, 24)
        .write_to(
            &mut std::io::Cursor::new(&mut out),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    out
}

/// Claims the next task and gives it a log line and a last-rendered picture.
async fn run_a_little(worker: &Client) -> (JobId, TaskId) {
    let assignment = worker.claim_task(5).await.unwrap().expect("a task");
    let task = assignment.task.id;
    let update = TaskUpdate {
        log: Some(format!("rendering task {task}\n")),
        ..TaskUpdate::default()
    };
    worker.update_task(task, &update).await.unwrap();
    worker
        .upload_preview(task, "image/jpeg", jpeg())
        .await
        .unwrap();
    (assignment.task.job_id, task)
}

/// Reads the stream until the marker (a priority change of `job` to `priority`) arrives;
/// answers the jobs of the events seen before it.
async fn jobs_seen_until(
    stream: &mut drover_shared::client::EventStream,
    job: JobId,
    priority: u8,
) -> Vec<JobId> {
    let mut seen = Vec::new();
    let read = async {
        while let Some(event) = stream.next().await {
            let event = event.unwrap();
            if let EventKind::Job { job: j } = &event.kind
                && j.id == job
                && j.priority == priority
            {
                return;
            }
            if let Some(id) = event.kind.job_id() {
                seen.push(id);
            }
        }
        panic!("the stream ended before the marker");
    };
    tokio::time::timeout(std::time::Duration::from_secs(20), read)
        .await
        .expect("the marker event within 20 s");
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_sees_its_teams_projects_and_runs_only_what_it_may() {
    let (ts, admin) = setup().await;
    let a = project(&admin, "Team A").await;
    let b = project(&admin, "Team B").await;
    let ja = submit(&admin, a.id, "1", 1).await;
    let jb = submit(&admin, b.id, "1", 1).await;
    // Two nodes: a node that asks again is given back the task it runs.
    let (first_job, ta) = run_a_little(&worker(&ts, &admin, "node-a").await).await;
    let (second_job, tb) = run_a_little(&worker(&ts, &admin, "node-b").await).await;
    assert_eq!((first_job, second_job), (ja.id, jb.id));

    let roles = [
        Role::Client,
        Role::Vendor,
        Role::Artist,
        Role::Supervisor,
        Role::Manager,
        Role::Admin,
    ];
    for (n, role) in roles.into_iter().enumerate() {
        let person = ts.client_as(role).await;
        join_team(&admin, a.id, &person).await;
        let all = role.sees_all_projects();
        let hidden = |code: Option<StatusCode>| {
            let want = if all {
                None
            } else {
                Some(StatusCode::NOT_FOUND)
            };
            assert_eq!(code, want, "{role}");
        };

        // What they see.
        let projects = person.projects(true).await.unwrap();
        let mut keys: Vec<&String> = projects.keys().collect();
        keys.sort();
        let mut want = vec![a.id.to_string()];
        if all {
            want.push(b.id.to_string());
        }
        assert_eq!(keys, want.iter().collect::<Vec<_>>(), "{role}: projects");
        hidden(person.project(b.id).await.err().and_then(|e| e.status()));
        person.project(a.id).await.unwrap();
        let jobs = person.jobs(&JobQuery::default()).await.unwrap();
        assert_eq!(jobs.total, if all { 2 } else { 1 }, "{role}: jobs");
        assert!(jobs.items.iter().all(|j| all || j.id == ja.id));
        person.job(ja.id).await.unwrap();
        hidden(person.job(jb.id).await.err().and_then(|e| e.status()));
        let of_b = TaskQuery {
            job_id: Some(jb.id),
            ..TaskQuery::default()
        };
        hidden(person.tasks(&of_b).await.err().and_then(|e| e.status()));
        let tasks = person.tasks(&TaskQuery::default()).await.unwrap();
        assert_eq!(tasks.total, if all { 2 } else { 1 }, "{role}: tasks");
        assert!(person.task_log(ta).await.unwrap().contains("rendering"));
        hidden(person.task_log(tb).await.err().and_then(|e| e.status()));
        hidden(
            person
                .task_log_tail(tb)
                .await
                .err()
                .and_then(|e| e.status()),
        );
        person
            .last_rendered(ja.id, PreviewSize::W200)
            .await
            .unwrap();
        hidden(
            person
                .last_rendered(jb.id, PreviewSize::W200)
                .await
                .err()
                .and_then(|e| e.status()),
        );
        let (latest, _) = person.farm_last_rendered(PreviewSize::W200).await.unwrap();
        assert_eq!(
            latest,
            Some(if all { jb.id } else { ja.id }),
            "{role}: latest picture"
        );
        hidden(person.blocklist(jb.id).await.err().and_then(|e| e.status()));

        // The event stream: the replay holds both jobs' events; a marker ends the read.
        let mut stream = person
            .events(&EventQuery {
                since: Some(0),
                ..EventQuery::default()
            })
            .await
            .unwrap();
        let marker = 10 + n as u8;
        admin
            .job_command(ja.id, JobCommand::SetPriority, Some(marker))
            .await
            .unwrap();
        let seen = jobs_seen_until(&mut stream, ja.id, marker).await;
        assert!(seen.contains(&ja.id), "{role}: {seen:?}");
        assert_eq!(seen.contains(&jb.id), all, "{role}: {seen:?}");

        // What they may do.
        let forbidden =
            |e: ClientError| assert_eq!(status(&e), Some(StatusCode::FORBIDDEN), "{role}: {e}");
        if !role.runs_farm_jobs() {
            forbidden(
                person
                    .submit_job(&render_job(a.id, "1", 1))
                    .await
                    .unwrap_err(),
            );
            forbidden(
                person
                    .job_command(ja.id, JobCommand::Pause, None)
                    .await
                    .unwrap_err(),
            );
            forbidden(
                person
                    .job_command(ja.id, JobCommand::RequeueFailed, None)
                    .await
                    .unwrap_err(),
            );
            forbidden(person.delete_job(ja.id).await.unwrap_err());
            forbidden(person.clear_blocklist(ja.id).await.unwrap_err());
            forbidden(
                person
                    .set_task_status(&TaskStatusChange {
                        id: ta,
                        status: TaskStatus::Queued,
                    })
                    .await
                    .unwrap_err(),
            );
            forbidden(person.browse("").await.unwrap_err());
            continue;
        }
        person.browse("").await.unwrap();
        let own = person.submit_job(&render_job(a.id, "1", 1)).await.unwrap();
        person
            .job_command(own.id, JobCommand::Pause, None)
            .await
            .unwrap();
        let command = person.submit_job(&command_job(a.id, "1", 1)).await;
        if role.allows(Role::Manager) {
            let command = command.unwrap().id;
            person
                .job_command(command, JobCommand::Cancel, None)
                .await
                .unwrap();
            person.delete_job(command).await.unwrap();
        } else {
            forbidden(command.unwrap_err());
        }
        let elsewhere = person.submit_job(&render_job(b.id, "1", 1)).await;
        if all {
            person.delete_job(elsewhere.unwrap().id).await.unwrap();
            person
                .job_command(jb.id, JobCommand::SetPriority, Some(40))
                .await
                .unwrap();
        } else {
            forbidden(elsewhere.unwrap_err());
            assert_eq!(
                person
                    .job_command(jb.id, JobCommand::Pause, None)
                    .await
                    .unwrap_err()
                    .status(),
                Some(StatusCode::NOT_FOUND),
                "{role}"
            );
        }
        // The admin's job in their own project: supervisors and managers control it.
        let theirs = person
            .job_command(ja.id, JobCommand::SetPriority, Some(20))
            .await;
        if role == Role::Artist {
            forbidden(theirs.unwrap_err());
        } else {
            theirs.unwrap();
        }
        person.delete_job(own.id).await.unwrap();
        assert_still_answers(&person).await;
    }
}

#[tokio::test]
async fn code_of_ones_own_needs_the_farms_code_jobs_min_role() {
    let (ts, admin) = setup().await;
    let p = project(&admin, "Code").await;
    let artist = ts.client_as(Role::Artist).await;
    join_team(&admin, p.id, &artist).await;
    let mut trusting = render_job(p.id, "1", 1);
    if let JobKind::BlenderRender(settings) = &mut trusting.kind {
        settings.auto_run_python = true;
    }
    let refused = artist
        .submit_job(&command_job(p.id, "1", 1))
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(StatusCode::FORBIDDEN));
    assert!(
        refused.to_string().contains("code_jobs_min_role"),
        "{refused}"
    );
    assert_eq!(
        artist.submit_job(&trusting).await.unwrap_err().status(),
        Some(StatusCode::FORBIDDEN)
    );

    let setting = |role: &str| -> Settings {
        serde_json::from_value(json!({ "code_jobs_min_role": role })).unwrap()
    };
    for bad in ["client", "vendor", "root"] {
        assert_eq!(
            admin
                .update_settings(&setting(bad))
                .await
                .unwrap_err()
                .status(),
            Some(StatusCode::BAD_REQUEST)
        );
    }
    admin.update_settings(&setting("artist")).await.unwrap();
    let own = artist.submit_job(&command_job(p.id, "1", 1)).await.unwrap();
    artist.submit_job(&trusting).await.unwrap();
    artist
        .job_command(own.id, JobCommand::Cancel, None)
        .await
        .unwrap();

    // Raised again: the artist's code job may still be paused or deleted, not run again.
    admin.update_settings(&setting("manager")).await.unwrap();
    for again in [JobCommand::RenderAgain, JobCommand::RequeueFailed] {
        assert_eq!(
            artist
                .job_command(own.id, again, None)
                .await
                .unwrap_err()
                .status(),
            Some(StatusCode::FORBIDDEN),
            "{again}"
        );
    }
    let task = drover_tests::job_tasks(&artist, own.id).await[0].id;
    assert_eq!(
        artist
            .set_task_status(&TaskStatusChange {
                id: task,
                status: TaskStatus::Queued,
            })
            .await
            .unwrap_err()
            .status(),
        Some(StatusCode::FORBIDDEN)
    );
    admin
        .job_command(own.id, JobCommand::RenderAgain, None)
        .await
        .unwrap();
    artist.delete_job(own.id).await.unwrap();
    assert_still_answers(&artist).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_event_streams_follow_team_changes() {
    let (ts, admin) = setup().await;
    let a = project(&admin, "Joined").await;
    let b = project(&admin, "Later").await;
    let ja = submit(&admin, a.id, "1", 1).await;
    let jb = submit(&admin, b.id, "1", 1).await;
    let artist = ts.client_as(Role::Artist).await;
    join_team(&admin, a.id, &artist).await;
    let mut stream = artist.events(&EventQuery::default()).await.unwrap();

    admin
        .job_command(jb.id, JobCommand::SetPriority, Some(61))
        .await
        .unwrap();
    admin
        .job_command(ja.id, JobCommand::SetPriority, Some(62))
        .await
        .unwrap();
    let seen = jobs_seen_until(&mut stream, ja.id, 62).await;
    assert!(!seen.contains(&jb.id), "{seen:?}");

    join_team(&admin, b.id, &artist).await;
    admin
        .job_command(jb.id, JobCommand::SetPriority, Some(63))
        .await
        .unwrap();
    assert!(jobs_seen_until(&mut stream, jb.id, 63).await.is_empty());

    leave_team(&admin, b.id, &artist).await;
    admin
        .job_command(jb.id, JobCommand::SetPriority, Some(64))
        .await
        .unwrap();
    admin
        .job_command(ja.id, JobCommand::SetPriority, Some(65))
        .await
        .unwrap();
    let seen = jobs_seen_until(&mut stream, ja.id, 65).await;
    assert!(!seen.contains(&jb.id), "{seen:?}");
    assert_eq!(
        artist.job(jb.id).await.unwrap_err().status(),
        Some(StatusCode::NOT_FOUND)
    );
    assert_still_answers(&artist).await;
}

#[tokio::test]
async fn event_streams_are_capped_per_person_and_in_all() {
    let limits = drover_server::Limits {
        streams: drover_server::events::StreamLimits {
            per_person: 3,
            total: 5,
        },
        ..drover_server::Limits::default()
    };
    let (ts, admin) = drover_tests::setup_with(limits).await;
    let artist = ts.client_as(Role::Artist).await;
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(artist.events(&EventQuery::default()).await.unwrap());
    }
    let refused = artist.events(&EventQuery::default()).await.err().unwrap();
    assert_eq!(refused.status(), Some(StatusCode::TOO_MANY_REQUESTS));
    open.push(admin.events(&EventQuery::default()).await.unwrap());
    open.push(admin.events(&EventQuery::default()).await.unwrap());
    let full = admin.events(&EventQuery::default()).await.err().unwrap();
    assert_eq!(full.status(), Some(StatusCode::TOO_MANY_REQUESTS));
    // A stream closed by its client gives its place back.
    open.remove(0);
    drover_tests::wait_for(10, "a place for a new stream", || async {
        artist.events(&EventQuery::default()).await.ok()
    })
    .await;
    assert_still_answers(&artist).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renders_are_posted_with_their_submitters_rights_when_they_end() {
    let (ts, admin) = setup().await;
    let farm = project(&admin, "Posted").await;
    let kitsu = drover_tests::project_uuid(&admin, farm.id).await;
    let call = |client: &Client, method: Method, path: String, body: Option<serde_json::Value>| {
        let client = client.clone();
        async move {
            let answer = client.raw(method, &path, body.as_ref()).await.unwrap();
            assert!(answer.status.is_success(), "{path}: {answer:?}");
            answer.body.unwrap_or_default()
        }
    };
    let shot = call(
        &admin,
        Method::POST,
        format!("/data/projects/{kitsu}/shots"),
        Some(json!({"name": "SH030"})),
    )
    .await;
    let lighting = call(
        &admin,
        Method::GET,
        "/data/task-types?name=Lighting".into(),
        None,
    )
    .await;
    let todo = call(
        &admin,
        Method::GET,
        "/data/task-status?short_name=todo".into(),
        None,
    )
    .await;
    let task = call(
        &admin,
        Method::POST,
        "/data/tasks".into(),
        Some(json!({
            "project_id": kitsu,
            "entity_id": shot["id"],
            "task_type_id": lighting[0]["id"],
            "task_status_id": todo[0]["id"],
        })),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .parse::<drover_shared::ProductionTaskId>()
        .unwrap();
    let node = worker(&ts, &admin, "node").await;
    let finish = |job: JobId| {
        let node = node.clone();
        async move {
            let assignment = node.claim_task(5).await.unwrap().expect("a task");
            assert_eq!(assignment.task.job_id, job);
            node.upload_preview(assignment.task.id, "image/jpeg", jpeg())
                .await
                .unwrap();
            let done = TaskUpdate {
                status: Some(TaskStatus::Completed),
                ..TaskUpdate::default()
            };
            node.update_task(assignment.task.id, &done).await.unwrap();
        }
    };
    let refusal = |job: JobId| {
        let store = ts.server.state().store.clone();
        async move {
            store
                .read(move |c| {
                    drover_server::db::render_publish::refusal(c, job)
                        .map_err(drover_server::error::ApiError::from)
                })
                .await
                .unwrap()
        }
    };
    let comments = || {
        call(
            &admin,
            Method::GET,
            format!("/data/tasks/{task}/comments"),
            None,
        )
    };

    // An artist who leaves the team before the render ends: no comment, the task untouched.
    let artist = ts.client_as(Role::Artist).await;
    join_team(&admin, farm.id, &artist).await;
    let mut job = render_job(farm.id, "1", 1);
    job.production_task_id = Some(task);
    let leaving = artist.submit_job(&job).await.unwrap();
    leave_team(&admin, farm.id, &artist).await;
    finish(leaving.id).await;
    let why = drover_tests::wait_for(30, "the refused post", || async {
        refusal(leaving.id).await
    })
    .await;
    assert!(why.contains("team"), "{why}");
    assert!(comments().await.as_array().unwrap().is_empty());
    let full = call(
        &admin,
        Method::GET,
        format!("/data/tasks/{task}/full"),
        None,
    )
    .await;
    assert_eq!(full["task_status"]["short_name"], "todo");

    // A supervisor still on the team: the comment is theirs, and sets "waiting for approval".
    let supervisor = ts.client_as(Role::Supervisor).await;
    join_team(&admin, farm.id, &supervisor).await;
    let staying = supervisor.submit_job(&job).await.unwrap();
    finish(staying.id).await;
    let posted = drover_tests::wait_for(30, "the render's comment", || async {
        let found = comments().await;
        (!found.as_array().unwrap().is_empty()).then_some(found)
    })
    .await;
    let me = supervisor
        .authenticated()
        .await
        .unwrap()
        .user
        .id
        .to_string();
    assert_eq!(posted[0]["person_id"], me.as_str(), "{posted}");
    assert_eq!(posted[0]["task_status"]["short_name"], "wfa");
    assert_eq!(refusal(staying.id).await, None);
    assert_still_answers(&admin).await;
}
