//! The app driven through its accessibility tree (egui_kittest, no GPU) against a real local
//! farm: the embedded server on 127.0.0.1 with SQLite in a temporary dir, and a real worker
//! where a test needs one.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use drover::msg::Msg;
use drover::production::MyTasks;
use drover::views::start::Remembered;
use drover::{DroverApp, Options, command::Command, command::PickTarget, command::View};
use drover_shared::api::{CommandSettings, JobKind, SubmitJob};
use drover_shared::{Client, JobId, JobStatus};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use std::path::Path;
use std::time::{Duration, Instant};

fn harness(app: DroverApp) -> Harness<'static, DroverApp> {
    Harness::builder()
        .with_size([1280.0, 800.0])
        .build_ui_state(|ui, app: &mut DroverApp| app.show(ui), app)
}

/// Steps frames until `ready` holds (background results land between frames).
fn wait_until(
    harness: &mut Harness<'static, DroverApp>,
    what: &str,
    ready: impl Fn(&Harness<'static, DroverApp>) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        harness.step();
        if ready(harness) {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// An app that starts a local farm in `dir` at once.
fn local_farm(dir: &Path, render_here: bool) -> Harness<'static, DroverApp> {
    let options = Options {
        data_dir: Some(dir.to_owned()),
        start_local: true,
        render_here,
        server: None,
        open_job: None,
    };
    let mut harness = harness(DroverApp::new(options, Remembered::default()).unwrap());
    wait_until(&mut harness, "the local farm", |h| {
        h.state()
            .session()
            .is_some_and(|s| s.farm.loaded && !s.farm.projects.is_empty())
    });
    harness
}

/// The local admin's client, from the credentials the app keeps in the data dir.
fn admin(dir: &Path, harness: &Harness<'static, DroverApp>) -> Client {
    let text = std::fs::read_to_string(dir.join("local-admin.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let session = harness.state().session().unwrap();
    Client::new(session.url())
        .unwrap()
        .with_token(json["token"].as_str().unwrap())
}

fn submit(runtime: &tokio::runtime::Runtime, client: &Client, name: &str) -> JobId {
    let job = SubmitJob {
        name: name.into(),
        project_id: drover_shared::ProjectId(1),
        kind: JobKind::Command(CommandSettings {
            argv: vec!["true".into()],
            frames: "1-4".into(),
            chunk_size: 1,
        }),
        priority: None,
        paused: false,
        tag: None,
        production_task_id: None,
        files: Vec::new(),
        depends_on: Vec::new(),
        depend_mode: drover_shared::DependMode::Job,
        max_workers: None,
        task_timeout_secs: None,
        limits: Vec::new(),
    };
    runtime.block_on(client.submit_job(&job)).unwrap().id
}

/// A headless `drover-server` in a temporary dir, on its own runtime (keep all three alive).
fn headless_server() -> (
    tempfile::TempDir,
    tokio::runtime::Runtime,
    drover_server::Server,
) {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime
        .block_on(drover_server::Server::start(drover_server::Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            data_dir: dir.path().to_owned(),
            public_url: None,
            limits: drover_server::Limits::default(),
            secret_key_file: None,
            behind_proxy: false,
            web_ui: None,
            mail: None,
        }))
        .unwrap();
    (dir, runtime, server)
}

#[test]
fn the_start_screen_offers_both_ways_in() {
    let mut harness = harness(DroverApp::new(Options::default(), Remembered::default()).unwrap());
    harness.step();
    harness.get_by_label("Start a local farm");
    harness.get_by_label("Render on this computer");
    harness.get_by_label("Connect");
    harness.get_by_label("Server");
    harness.get_by_label("Password");
}

#[test]
fn a_wrong_password_is_shown_on_the_start_screen() {
    let (_dir, _runtime, server) = headless_server();
    let options = Options {
        server: Some(server.url()),
        ..Options::default()
    };
    let mut app = DroverApp::new(options, Remembered::default()).unwrap();
    app.push(Command::Connect(drover::command::Login {
        url: server.url(),
        email: "nobody@drover.test".into(),
        password: "not the password".into(),
        code: String::new(),
    }));
    let mut harness = harness(app);
    wait_until(&mut harness, "the login error", |h| {
        h.state().start.error.is_some()
    });
    harness.step();
    harness.get_by_label("wrong email or password");
    assert!(harness.state().session().is_none());
}

#[test]
fn jobs_offer_only_the_commands_their_state_takes() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut harness = local_farm(dir.path(), false);
    let client = admin(dir.path(), &harness);
    // No worker runs, so the job waits in the queue.
    let id = submit(&runtime, &client, "lighting pass");
    wait_until(&mut harness, "the job row", |h| {
        h.query_by_label("lighting pass").is_some()
    });
    harness.get_by_label("queued");

    harness.get_by_label("lighting pass").click();
    // The selection shows in the toolbar, drawn above the table, on the next frame.
    harness.run_steps(2);
    harness.get_by_label("1 selected");
    harness.get_by_label("Pause").click();
    wait_until(&mut harness, "the paused chip", |h| {
        h.query_by_label("paused").is_some()
    });
    let job = runtime.block_on(client.job(id)).unwrap();
    assert_eq!(job.status, JobStatus::Paused, "the server paused it too");
    // Only what a paused job takes is offered, in the toolbar and in the Job view.
    let disabled = |h: &Harness<'static, DroverApp>, label: &str| {
        h.get_by_label(label).accesskit_node().is_disabled()
    };
    harness.run_steps(2);
    assert!(disabled(&harness, "Pause") && disabled(&harness, "Requeue failed"));
    assert!(!disabled(&harness, "Resume") && !disabled(&harness, "Cancel"));
    harness.state_mut().push(Command::OpenJob(id));
    wait_until(&mut harness, "the Job view", |h| {
        h.query_by_label_contains("frames 1-4").is_some()
    });
    assert!(disabled(&harness, "Pause") && !disabled(&harness, "Resume"));
    assert!(
        disabled(&harness, "Render again…"),
        "only a finished job renders again"
    );
    // Canceled, it may render again, after a question.
    runtime
        .block_on(client.job_command(id, drover_shared::JobCommand::Cancel, None))
        .unwrap();
    wait_until(&mut harness, "the canceled job", |h| {
        h.state().session().unwrap().farm.jobs[&id].status == JobStatus::Canceled
    });
    harness.get_by_label("Render again…").click();
    harness.run_steps(2);
    harness.get_by_label("Render again?");
    harness.get_by_label("Render again").click();
    wait_until(&mut harness, "the job queued again", |h| {
        h.state().session().unwrap().farm.jobs[&id].status == JobStatus::Queued
    });
    assert!(
        harness.query_by_label("Render again?").is_none(),
        "the question closed"
    );
}

#[test]
fn the_submit_dialog_refuses_bad_frames() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = local_farm(dir.path(), false);
    harness.get_by_label("Submit render…").click();
    // A new window takes a frame to size itself.
    harness.run_steps(3);
    harness.get_by_label("Command").click();
    harness.run_steps(2);
    dialog(&mut harness).frames = "10-1".into();
    harness.step();
    harness.get_by_label("Submit").click();
    harness.run_steps(2);
    harness.get_by_label_contains("frames:");
    let session = harness.state().session().unwrap();
    assert!(session.farm.jobs.is_empty(), "nothing was sent");
}

#[test]
fn a_worker_rendering_here_appears_in_workers_and_finishes_a_job() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = local_farm(dir.path(), true);
    harness.state_mut().push(Command::Navigate(View::Workers));
    wait_until(&mut harness, "the local worker", |h| {
        h.query_by_label_contains("(this computer)").is_some()
    });
    // Submitted from the dialog, as an artist would.
    harness.state_mut().push(Command::Navigate(View::Jobs));
    // Commands apply at the end of a frame; the view shows on the next.
    harness.run_steps(2);
    harness.get_by_label("Submit render…").click();
    harness.run_steps(3);
    harness.get_by_label("Command").click();
    harness.run_steps(2);
    {
        let dialog = dialog(&mut harness);
        dialog.name = "quick test".into();
        dialog.command = "true".into();
        dialog.frames = "1-4".into();
    }
    harness.step();
    harness.get_by_label("Submit").click();
    wait_until(&mut harness, "the submitted job", |h| {
        h.state().farm().unwrap().submit.is_none() && h.query_by_label("quick test").is_some()
    });
    let session = harness.state().session().unwrap();
    let id = *session.farm.jobs.keys().next().unwrap();
    harness.state_mut().push(Command::OpenJob(id));
    wait_until(&mut harness, "the job to complete", |h| {
        h.state()
            .session()
            .and_then(|s| s.farm.jobs.get(&id))
            .is_some_and(|j| j.status == JobStatus::Completed)
    });
    // The Job view lists the tasks once their page has arrived, all completed.
    wait_until(&mut harness, "the job's tasks", |h| {
        h.query_by_label("4 tasks").is_some() && h.query_all_by_label("completed").count() >= 4
    });
}

#[test]
fn connect_reaches_a_headless_server_and_opens_the_job_asked_for() {
    let (_dir, runtime, server) = headless_server();
    let store = &server.state().store;
    let password = "a long password";
    runtime
        .block_on(drover_server::auth::accounts::create(
            store,
            "sup@studio.test",
            password,
            drover_shared::Role::Manager,
        ))
        .unwrap();
    let client = runtime
        .block_on(
            Client::new(&server.url())
                .unwrap()
                .logged_in("sup@studio.test", password),
        )
        .unwrap();
    runtime
        .block_on(client.create_project(&drover_shared::api::ProjectInput {
            name: Some("sh010".into()),
            ..Default::default()
        }))
        .unwrap();
    let job = submit(&runtime, &client, "remote comp");

    // As the Blender add-on's "Open in Drover" starts it: `drover --server URL --job N`.
    let options = Options {
        server: Some(server.url()),
        open_job: Some(job),
        ..Options::default()
    };
    let mut app = DroverApp::new(options, Remembered::default()).unwrap();
    app.push(Command::Connect(drover::command::Login {
        url: server.url(),
        email: "sup@studio.test".into(),
        password: password.into(),
        code: String::new(),
    }));
    let mut harness = harness(app);
    // The job list and the event stream arrive independently: wait for both.
    wait_until(&mut harness, "the remote job's view, live", |h| {
        h.query_by_label_contains("frames 1-4").is_some() && h.query_by_label("live").is_some()
    });
    harness.get_by_label_contains("sup@studio.test (manager)");
    let farm = harness.state().farm().unwrap();
    assert_eq!(farm.view, View::Job, "the job asked for is open");
    assert_eq!(
        farm.session.farm.open_job.as_ref().map(|open| open.job_id),
        Some(job)
    );
    harness.state_mut().push(Command::Navigate(View::Jobs));
    wait_until(&mut harness, "the jobs list", |h| {
        h.query_by_label("remote comp").is_some()
    });
    assert_eq!(
        harness.state().start.recent.first(),
        Some(&server.url()),
        "remembered"
    );
}

#[test]
fn an_account_with_totp_connects_with_its_one_time_code() {
    let (_dir, runtime, server) = headless_server();
    let password = "a long password";
    let email = "two@studio.test";
    runtime
        .block_on(drover_server::auth::accounts::create(
            &server.state().store,
            email,
            password,
            drover_shared::Role::Artist,
        ))
        .unwrap();
    let client = runtime
        .block_on(
            Client::new(&server.url())
                .unwrap()
                .logged_in(email, password),
        )
        .unwrap();
    let secret = runtime.block_on(client.totp_start()).unwrap().otp_secret;
    let code = drover_server::auth::two_factor::current_code(&secret, email).unwrap();
    runtime.block_on(client.totp_confirm(&code)).unwrap();

    // The password alone is refused, and the screen says a code is needed.
    let mut app = DroverApp::new(Options::default(), Remembered::default()).unwrap();
    app.push(Command::Connect(drover::command::Login {
        url: server.url(),
        email: email.into(),
        password: password.into(),
        code: String::new(),
    }));
    let mut harness = harness(app);
    wait_until(&mut harness, "the missing-code error", |h| {
        h.state().start.error.is_some()
    });
    harness.step();
    harness.get_by_label_contains("needs a one-time code");
    assert!(harness.state().session().is_none());

    // Typed into the form with the password, the code lets the person in.
    harness.state_mut().start.url = server.url();
    harness.state_mut().start.email = email.into();
    harness.state_mut().start.password = password.into();
    harness.get_by_label("One-time code").focus();
    harness.step();
    let code = drover_server::auth::two_factor::current_code(&secret, email).unwrap();
    harness.get_by_label("One-time code").type_text(&code);
    harness.step();
    assert_eq!(harness.state().start.code, code, "typed into the field");
    harness.get_by_label("Connect").click();
    wait_until(&mut harness, "the farm, logged in", |h| {
        h.state().session().is_some()
    });
    assert!(
        harness.state().start.code.is_empty(),
        "the code is not kept"
    );
}

/// A Lighting task on a new shot SH010 of the project named `project` (made through the Kitsu
/// API when the farm has none of that name), assigned to `assignees`.
fn production_task(
    runtime: &tokio::runtime::Runtime,
    client: &Client,
    project: &str,
    assignees: &[String],
) -> drover_shared::ProductionTaskId {
    runtime.block_on(async {
        let found = client
            .data_list("projects", &[("name", project)])
            .await
            .unwrap();
        let project = match found.as_array().and_then(|list| list.first()) {
            Some(project) => project.clone(),
            None => serde_json::Value::Object(
                client
                    .data_create("projects", &serde_json::json!({"name": project}))
                    .await
                    .unwrap(),
            ),
        };
        let shot = client
            .data_create(
                "shots",
                &serde_json::json!({"name": "SH010", "project_id": project["id"]}),
            )
            .await
            .unwrap();
        let lighting = client
            .data_list("task-types", &[("name", "Lighting")])
            .await
            .unwrap()[0]
            .clone();
        let task = client
            .data_create(
                "tasks",
                &serde_json::json!({"project_id": project["id"], "entity_id": shot["id"],
                    "task_type_id": lighting["id"], "assignees": assignees,
                    "task_status_id": "3c1e3b0e-8a33-4a43-9d57-5a8c8f000101"}),
            )
            .await
            .unwrap();
        task["id"].as_str().unwrap().parse().unwrap()
    })
}

#[test]
fn the_job_view_shows_the_production_task_it_renders_for() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut harness = local_farm(dir.path(), false);
    let client = admin(dir.path(), &harness);
    let task = production_task(&runtime, &client, "My renders", &[]);
    let job = SubmitJob {
        production_task_id: Some(task),
        name: "lighting for review".into(),
        project_id: drover_shared::ProjectId(1),
        kind: JobKind::Command(CommandSettings {
            argv: vec!["true".into()],
            frames: "1".into(),
            chunk_size: 1,
        }),
        priority: None,
        paused: false,
        tag: None,
        files: Vec::new(),
        depends_on: Vec::new(),
        depend_mode: drover_shared::DependMode::Job,
        max_workers: None,
        task_timeout_secs: None,
        limits: Vec::new(),
    };
    let id = runtime.block_on(client.submit_job(&job)).unwrap().id;
    wait_until(&mut harness, "the job row", |h| {
        h.query_by_label("lighting for review").is_some()
    });
    harness.state_mut().push(Command::OpenJob(id));
    wait_until(&mut harness, "the production task", |h| {
        h.query_by_label_contains("SH010 · Lighting").is_some()
    });
    harness.get_by_label("Production task");
    harness.get_by_label("Todo");
    harness.get_by_label(&task.to_string());
}

/// The open submit dialog.
fn dialog<'h>(
    h: &'h mut Harness<'static, DroverApp>,
) -> &'h mut drover::views::submit::SubmitDialog {
    h.state_mut().farm_mut().unwrap().submit.as_mut().unwrap()
}

#[test]
fn the_submit_dialog_offers_the_persons_own_production_tasks() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut harness = local_farm(dir.path(), false);
    let client = admin(dir.path(), &harness);
    let me = runtime.block_on(client.authenticated()).unwrap().user.id;
    // A production made in Kitsu after the app loaded: opening the dialog reads it.
    let task = production_task(&runtime, &client, "Pilot", &[me.to_string()]);
    harness.get_by_label("Submit render…").click();
    harness.run_steps(3);
    harness.get_by_label("Command").click();
    wait_until(
        &mut harness,
        "the person's tasks and the new project",
        |h| {
            let farm = &h.state().session().unwrap().farm;
            matches!(farm.my_tasks, MyTasks::Ready(_))
                && farm.projects.iter().any(|p| p.name == "Pilot")
        },
    );
    let farm = &harness.state().session().unwrap().farm;
    let pilot = farm.projects.iter().find(|p| p.name == "Pilot").unwrap().id;
    // A pasted Kitsu task page picks the task's project.
    dialog(&mut harness).project = None;
    dialog(&mut harness).production_task = format!(
        "https://kitsu.studio/productions/p/shots/tasks/{task}/previews/{}",
        uuid::Uuid::new_v4()
    );
    harness.run_steps(2);
    assert_eq!(dialog(&mut harness).project, Some(pilot));
    // So does picking it from the list, after another project was chosen.
    dialog(&mut harness).production_task.clear();
    harness.run_steps(2);
    dialog(&mut harness).project = None;
    harness
        .get_by_role_and_label(egui::accesskit::Role::ComboBox, "Production task")
        .click();
    harness.run_steps(2);
    harness
        .get_by_label("Pilot · SH010 · Lighting (todo)")
        .click();
    harness.run_steps(2);
    harness.get_by_label("Submit").click();
    wait_until(&mut harness, "the submitted job", |h| {
        !h.state().session().unwrap().farm.jobs.is_empty()
    });
    let session = harness.state().session().unwrap();
    let job = session.farm.jobs.values().next().unwrap();
    assert_eq!(job.production_task_id, Some(task));
    assert_eq!(job.project_id, pilot);
}

/// A headless server with a manager and a project, and the app connected to it as that
/// manager, its farm loaded.
fn connected_manager(
    runtime: &tokio::runtime::Runtime,
    server: &drover_server::Server,
) -> Harness<'static, DroverApp> {
    let password = "a long password";
    runtime
        .block_on(drover_server::auth::accounts::create(
            &server.state().store,
            "lead@studio.test",
            password,
            drover_shared::Role::Manager,
        ))
        .unwrap();
    let client = runtime
        .block_on(
            Client::new(&server.url())
                .unwrap()
                .logged_in("lead@studio.test", password),
        )
        .unwrap();
    runtime
        .block_on(client.create_project(&drover_shared::api::ProjectInput {
            name: Some("sh010".into()),
            ..Default::default()
        }))
        .unwrap();
    let mut app = DroverApp::new(Options::default(), Remembered::default()).unwrap();
    app.push(Command::Connect(drover::command::Login {
        url: server.url(),
        email: "lead@studio.test".into(),
        password: password.into(),
        code: String::new(),
    }));
    let mut harness = harness(app);
    wait_until(&mut harness, "the farm", |h| {
        h.state()
            .session()
            .is_some_and(|s| s.farm.loaded && !s.farm.projects.is_empty())
    });
    harness
}

/// Holds the server's one database writer until the returned sender is dropped: a submission
/// meanwhile gets no answer, so the test sees the app while it waits.
fn hold_writer(
    runtime: &tokio::runtime::Runtime,
    server: &drover_server::Server,
) -> std::sync::mpsc::SyncSender<()> {
    // Nothing is sent on `release` (dropping it lets go); `held` says once that the writer is held.
    let (release, released) = std::sync::mpsc::sync_channel::<()>(0);
    let (held, holding) = std::sync::mpsc::sync_channel::<()>(1);
    let store = server.state().store.clone();
    runtime.spawn(async move {
        store
            .write(move |_| {
                held.send(()).unwrap();
                // Returns once the sender is dropped.
                let _ = released.recv();
                Ok::<_, drover_server::error::ApiError>(())
            })
            .await
    });
    holding.recv_timeout(Duration::from_secs(10)).unwrap();
    release
}

/// Opens the submit dialog on a command job named `name`, ready to submit.
fn fill_dialog(h: &mut Harness<'static, DroverApp>, name: &str) {
    h.get_by_label("Submit render…").click();
    // A new window takes a frame to size itself.
    h.run_steps(3);
    h.get_by_label("Command").click();
    h.run_steps(2);
    {
        let dialog = dialog(h);
        dialog.name = name.into();
        dialog.command = "true".into();
        dialog.frames = "1-2".into();
    }
    h.step();
}

fn dialog_open(h: &Harness<'static, DroverApp>) -> bool {
    h.query_by_label("Submit a render").is_some()
}

/// The jobs of that name the app knows.
fn jobs_named(h: &Harness<'static, DroverApp>, name: &str) -> usize {
    h.state()
        .session()
        .unwrap()
        .farm
        .jobs
        .values()
        .filter(|j| j.name == name)
        .count()
}

/// Submits a job named `name` from the dialog and waits until it is accepted.
fn submit_from_dialog(h: &mut Harness<'static, DroverApp>, name: &str) {
    fill_dialog(h, name);
    h.get_by_label("Submit").click();
    wait_until(h, "the accepted job", |h| {
        !dialog_open(h) && jobs_named(h, name) == 1
    });
}

#[test]
fn a_refused_submission_keeps_the_dialog_open_with_the_servers_message() {
    let (_dir, runtime, server) = headless_server();
    let mut harness = connected_manager(&runtime, &server);
    submit_from_dialog(&mut harness, "first");
    // The second one names a production task the server does not know.
    fill_dialog(&mut harness, "second");
    dialog(&mut harness).production_task = uuid::Uuid::new_v4().to_string();
    harness.step();
    // Held, the server answers only once the test has seen the dialog wait.
    let release = hold_writer(&runtime, &server);
    harness.get_by_label("Submit").click();
    harness.run_steps(3);
    drop(release);
    wait_until(&mut harness, "the server's answer", |h| {
        !dialog_open(h) || dialog_error(h).is_some()
    });
    assert!(dialog_open(&harness), "the dialog stays open");
    let error = dialog_error(&harness).unwrap();
    assert!(
        error.contains("does not exist"),
        "the server's words: {error}"
    );
    // Shown once, in the dialog: no toast repeats them.
    harness.get_by_label(&error);
    assert_eq!(dialog(&mut harness).name, "second", "the form is kept");
    assert!(
        !harness
            .get_by_label("Submit")
            .accesskit_node()
            .is_disabled(),
        "the person may fix it and submit again"
    );
    assert_eq!(jobs_named(&harness, "second"), 0);
}

#[test]
fn a_second_submission_waits_for_its_own_answer() {
    let (_dir, runtime, server) = headless_server();
    let mut harness = connected_manager(&runtime, &server);
    submit_from_dialog(&mut harness, "first");
    let release = hold_writer(&runtime, &server);
    fill_dialog(&mut harness, "second");
    harness.get_by_label("Submit").click();
    for _ in 0..10 {
        harness.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(dialog_open(&harness), "the dialog waits for the server");
    harness.get_by_label("sending…");
    assert!(
        harness
            .get_by_label("Submit")
            .accesskit_node()
            .is_disabled()
    );
    drop(release);
    wait_until(&mut harness, "the dialog to close", |h| !dialog_open(h));
    assert_eq!(
        jobs_named(&harness, "second"),
        1,
        "it closed on the server's acceptance"
    );
}

#[test]
fn a_failure_elsewhere_while_the_dialog_sends_is_not_its_answer() {
    let (_dir, runtime, server) = headless_server();
    let mut harness = connected_manager(&runtime, &server);
    let release = hold_writer(&runtime, &server);
    fill_dialog(&mut harness, "only once");
    harness.get_by_label("Submit").click();
    harness.step();
    // A preview fetch fails while the submission waits.
    harness
        .state()
        .deliver(Msg::Failed("loading a preview: the disk is full".into()));
    harness.run_steps(3);
    assert!(
        harness
            .state()
            .toasts
            .texts()
            .any(|t| t.contains("loading a preview")),
        "the failure is a toast"
    );
    assert!(dialog_open(&harness), "the dialog still waits");
    assert_eq!(dialog_error(&harness), None);
    assert!(
        harness
            .get_by_label("Submit")
            .accesskit_node()
            .is_disabled(),
        "no second submission while the first may still succeed"
    );
    drop(release);
    wait_until(&mut harness, "the dialog to close", |h| !dialog_open(h));
    assert_eq!(jobs_named(&harness, "only once"), 1);
}

#[test]
fn a_farm_left_and_another_opened_shows_none_of_the_first_ones_state() {
    let first = tempfile::tempdir().unwrap();
    let mut harness = local_farm(first.path(), false);
    // Half-done work in the first farm: a project being edited, a setting being changed, a
    // search, an open dialog.
    harness.state_mut().push(Command::Navigate(View::Projects));
    harness.run_steps(2);
    harness.get_by_label("Edit").click();
    harness.run_steps(2);
    harness.get_by_label("Edit project");
    harness.state_mut().push(Command::Navigate(View::Settings));
    wait_until(&mut harness, "the settings", |h| {
        h.query_by_label("worker_timeout_secs").is_some()
    });
    let setting = |h: &Harness<'static, DroverApp>| {
        h.get_by_label("worker_timeout_secs")
            .accesskit_node()
            .value()
            .unwrap_or_default()
    };
    let stored = setting(&harness);
    harness.get_by_label("worker_timeout_secs").focus();
    harness.step();
    harness.get_by_label("worker_timeout_secs").type_text("0");
    harness.step();
    assert_ne!(setting(&harness), stored, "edited");
    harness.state_mut().push(Command::Navigate(View::Jobs));
    harness.run_steps(2);
    search(&harness).focus();
    harness.step();
    search(&harness).type_text("lighting");
    harness.step();
    assert_eq!(
        search(&harness).accesskit_node().value().as_deref(),
        Some("lighting")
    );
    harness.get_by_label("Submit render…").click();
    harness.run_steps(3);
    assert!(dialog_open(&harness));

    harness.get_by_label("Stop farm").click();
    wait_until(&mut harness, "the start screen", |h| {
        h.query_by_label("Start a local farm").is_some()
    });
    let second = tempfile::tempdir().unwrap();
    harness.state_mut().start.data_dir = second.path().to_string_lossy().into_owned();
    harness.get_by_label("Start a local farm").click();
    wait_until(&mut harness, "the second farm", |h| {
        h.state()
            .session()
            .is_some_and(|s| s.farm.loaded && !s.farm.projects.is_empty())
    });
    harness.run_steps(2);
    assert!(!dialog_open(&harness), "no dialog of the first farm");
    assert_eq!(
        search(&harness)
            .accesskit_node()
            .value()
            .unwrap_or_default(),
        ""
    );
    harness.state_mut().push(Command::Navigate(View::Projects));
    harness.run_steps(2);
    assert!(
        harness.query_by_label("Edit project").is_none(),
        "no form of the first farm's project"
    );
    harness.state_mut().push(Command::Navigate(View::Settings));
    wait_until(&mut harness, "the settings", |h| {
        h.query_by_label("worker_timeout_secs").is_some()
    });
    assert_eq!(setting(&harness), stored, "the second farm's own value");
}

/// The Jobs view's search field.
fn search<'h>(h: &'h Harness<'static, DroverApp>) -> egui_kittest::Node<'h> {
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Search")
}

/// Why the open dialog refused or was refused, if it says so.
fn dialog_error(h: &Harness<'static, DroverApp>) -> Option<String> {
    h.state().farm()?.submit.as_ref()?.error.clone()
}

#[test]
fn a_refused_project_keeps_its_form_with_the_servers_message() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = local_farm(dir.path(), false);
    harness.state_mut().push(Command::Navigate(View::Projects));
    harness.run_steps(2);
    harness.get_by_label("New project").click();
    harness.run_steps(2);
    let name = |h: &Harness<'static, DroverApp>| {
        h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Name")
            .accesskit_node()
            .value()
            .unwrap_or_default()
    };
    harness
        .get_by_role_and_label(egui::accesskit::Role::TextInput, "Name")
        .focus();
    harness.step();
    // The local farm's own project has this name already.
    harness
        .get_by_role_and_label(egui::accesskit::Role::TextInput, "Name")
        .type_text("My renders");
    harness.step();
    harness.get_by_label("Save").click();
    wait_until(&mut harness, "the server's answer", |h| {
        h.query_by_label_contains("a project with this name exists")
            .is_some()
    });
    harness.run_steps(2);
    assert!(
        harness.query_by_label("Save").is_some(),
        "the form stays open"
    );
    assert_eq!(name(&harness), "My renders", "with what was typed");
    assert!(
        !harness.state().toasts.texts().any(|t| t.contains("exists")),
        "the form says it, not a toast"
    );
    // Fixed, it saves: the form closes and the list shows the project.
    harness
        .get_by_role_and_label(egui::accesskit::Role::TextInput, "Name")
        .focus();
    harness.step();
    harness
        .get_by_role_and_label(egui::accesskit::Role::TextInput, "Name")
        .type_text(" 2");
    harness.step();
    assert_eq!(name(&harness), "My renders 2");
    harness.get_by_label("Save").click();
    wait_until(&mut harness, "the saved project", |h| {
        h.query_by_label("Save").is_none() && h.query_by_label("My renders 2").is_some()
    });
}

#[test]
fn a_refused_setting_shows_the_servers_message_in_settings() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = local_farm(dir.path(), false);
    harness.state_mut().push(Command::Navigate(View::Settings));
    wait_until(&mut harness, "the settings", |h| {
        h.query_by_label("worker_timeout_secs").is_some()
    });
    harness.get_by_label("worker_timeout_secs").focus();
    harness.step();
    // "60" becomes "1": too short for the server.
    harness.key_press(egui::Key::Backspace);
    harness.key_press(egui::Key::Backspace);
    harness.step();
    harness.get_by_label("worker_timeout_secs").type_text("1");
    harness.step();
    assert_eq!(
        harness
            .get_by_label("worker_timeout_secs")
            .accesskit_node()
            .value()
            .as_deref(),
        Some("1")
    );
    harness.get_by_label("Save settings").click();
    wait_until(&mut harness, "the server's answer", |h| {
        h.query_by_label_contains("saving settings:").is_some()
    });
    assert!(
        !harness
            .state()
            .toasts
            .texts()
            .any(|t| t.contains("saving settings:")),
        "the Settings view says it, not a toast"
    );
}

/// A person with `role` on a headless server, connected in the app.
fn connected_as(
    runtime: &tokio::runtime::Runtime,
    server: &drover_server::Server,
    email: &str,
    role: drover_shared::Role,
) -> (Harness<'static, DroverApp>, Client) {
    let password = "a long password";
    runtime
        .block_on(drover_server::auth::accounts::create(
            &server.state().store,
            email,
            password,
            role,
        ))
        .unwrap();
    let client = runtime
        .block_on(
            Client::new(&server.url())
                .unwrap()
                .logged_in(email, password),
        )
        .unwrap();
    let mut app = DroverApp::new(Options::default(), Remembered::default()).unwrap();
    app.push(Command::Connect(drover::command::Login {
        url: server.url(),
        email: email.into(),
        password: password.into(),
        code: String::new(),
    }));
    (harness(app), client)
}

/// Puts the person `member` is logged in as on the team of the project named `project`.
fn join_team(runtime: &tokio::runtime::Runtime, admin: &Client, project: &str, member: &Client) {
    runtime.block_on(async {
        let person = member.authenticated().await.unwrap().user.id;
        let projects = admin
            .raw(reqwest::Method::GET, "/data/projects", None)
            .await
            .unwrap()
            .body
            .unwrap();
        let id = projects
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == project)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let added = admin
            .raw(
                reqwest::Method::POST,
                &format!("/data/projects/{id}/team"),
                Some(&serde_json::json!({ "person_id": person })),
            )
            .await
            .unwrap();
        assert!(added.status.is_success(), "{added:?}");
    });
}

#[test]
fn an_artist_on_one_project_of_two_sees_and_renders_only_there() {
    let (_dir, runtime, server) = headless_server();
    let (_, admin) = connected_as(
        &runtime,
        &server,
        "boss@studio.test",
        drover_shared::Role::Admin,
    );
    let mut ids = Vec::new();
    for name in ["Ours", "Theirs"] {
        let project = runtime
            .block_on(admin.create_project(&drover_shared::api::ProjectInput {
                name: Some(name.into()),
                ..Default::default()
            }))
            .unwrap();
        let job = SubmitJob {
            name: format!("{name} lighting"),
            project_id: project.id,
            kind: JobKind::Command(CommandSettings {
                argv: vec!["true".into()],
                frames: "1".into(),
                chunk_size: 1,
            }),
            priority: None,
            paused: true,
            tag: None,
            production_task_id: None,
            files: Vec::new(),
            depends_on: Vec::new(),
            depend_mode: drover_shared::DependMode::Job,
            max_workers: None,
            task_timeout_secs: None,
            limits: Vec::new(),
        };
        runtime.block_on(admin.submit_job(&job)).unwrap();
        ids.push(project.id);
    }
    let (mut harness, artist) = connected_as(
        &runtime,
        &server,
        "ann@studio.test",
        drover_shared::Role::Artist,
    );
    join_team(&runtime, &admin, "Ours", &artist);
    wait_until(&mut harness, "the artist's farm", |h| {
        h.state()
            .session()
            .is_some_and(|s| s.farm.loaded && !s.farm.projects.is_empty())
    });
    let farm = &harness.state().session().unwrap().farm;
    assert_eq!(
        farm.projects.iter().map(|p| p.id).collect::<Vec<_>>(),
        [ids[0]],
        "only the project whose team the artist is on"
    );
    assert_eq!(jobs_named(&harness, "Ours lighting"), 1);
    assert_eq!(jobs_named(&harness, "Theirs lighting"), 0);
    harness.get_by_label("Ours lighting");
    assert!(harness.query_by_label("Theirs lighting").is_none());

    // The artist renders a .blend into their project; the dialog picks it by itself.
    harness.get_by_label("Submit render…").click();
    harness.run_steps(3);
    {
        let dialog = dialog(&mut harness);
        assert_eq!(dialog.project, Some(ids[0]));
        dialog.name = "ann's render".into();
        dialog.blend_file = "/shots/sh010.blend".into();
        dialog.output_dir = "/renders/sh010".into();
        dialog.frames = "1-2".into();
    }
    harness.step();
    harness.get_by_label("Submit").click();
    wait_until(&mut harness, "the artist's job", |h| {
        !dialog_open(h) && jobs_named(h, "ann's render") == 1
    });

    // A command would run any program on the render nodes: refused in the dialog's words.
    fill_dialog(&mut harness, "ann's command");
    harness.get_by_label("Submit").click();
    wait_until(&mut harness, "the refusal", |h| dialog_error(h).is_some());
    let error = dialog_error(&harness).unwrap();
    assert!(error.contains("code_jobs_min_role"), "{error}");
}

#[test]
fn a_client_watches_the_farm_without_a_submit_button() {
    let (_dir, runtime, server) = headless_server();
    let (_, admin) = connected_as(
        &runtime,
        &server,
        "boss@studio.test",
        drover_shared::Role::Admin,
    );
    runtime
        .block_on(admin.create_project(&drover_shared::api::ProjectInput {
            name: Some("Reviewed".into()),
            ..Default::default()
        }))
        .unwrap();
    let (mut harness, client) = connected_as(
        &runtime,
        &server,
        "client@agency.test",
        drover_shared::Role::Client,
    );
    join_team(&runtime, &admin, "Reviewed", &client);
    wait_until(&mut harness, "the client's farm", |h| {
        h.state()
            .session()
            .is_some_and(|s| s.farm.loaded && !s.farm.projects.is_empty())
    });
    assert!(
        harness
            .get_by_label("Submit render…")
            .accesskit_node()
            .is_disabled()
    );
    assert!(
        harness.state().toasts.texts().next().is_none(),
        "nothing the client's app asked for was refused"
    );
}

#[test]
fn the_outputs_tab_lists_a_jobs_outputs_and_saves_them_into_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut harness = local_farm(dir.path(), false);
    let admin = admin(dir.path(), &harness);
    let id = submit(&runtime, &admin, "outputs");
    // A worker of the test's takes a task and sends two frames back, as a render node of a
    // farm without shared storage does.
    let frames = [
        ("frame_0001.png", vec![1u8; 300_000]),
        ("frame_0002.png", vec![2u8; 1_500]),
    ];
    runtime.block_on(async {
        let token = admin.join_token().await.unwrap().token;
        let anonymous = Client::new(admin.api_url()).unwrap();
        let credentials = anonymous
            .register_worker(&token, "test node")
            .await
            .unwrap();
        let worker = anonymous.with_token(&credentials.token);
        worker
            .sign_on(&drover_shared::protocol::SignOn {
                name: "test node".into(),
                tags: Vec::new(),
                task_types: vec![drover_shared::TaskType::Command],
                version: "test".into(),
                facts: drover_shared::protocol::HostFacts::default(),
            })
            .await
            .unwrap();
        let task = worker.claim_task(0).await.unwrap().expect("a task").task.id;
        let http = reqwest::Client::new();
        for (name, bytes) in &frames {
            // The route of the issue 16 contract; the Client's method for it comes with the
            // worker's side.
            let url = format!("{}/worker/task/{task}/outputs/{name}", worker.api_url());
            let answer = http
                .put(url)
                .bearer_auth(&credentials.token)
                .body(bytes.clone())
                .send()
                .await
                .unwrap();
            assert!(answer.status().is_success(), "{}", answer.status());
        }
    });

    harness.state_mut().push(Command::OpenJob(id));
    // Opening the job reads how many there are.
    wait_until(&mut harness, "the Job view with the outputs' count", |h| {
        h.query_by_label("Outputs (2)").is_some()
    });
    harness.get_by_label("Outputs (2)").click();
    wait_until(&mut harness, "the outputs", |h| {
        h.query_by_label("frame_0002.png").is_some()
    });
    harness.get_by_label("frame_0001.png");
    harness.get_by_label("300.0 kB");
    harness.get_by_label("1.5 kB");
    harness.get_by_label("2 files · 301.5 kB");
    let local = harness.state().session().unwrap().local.as_ref().unwrap();
    assert!(
        local.outputs_dir(id).join("frame_0001.png").is_file(),
        "Open folder shows where the farm keeps them"
    );
    harness.get_by_label("Open folder");

    // The folder the dialog gives (made if missing).
    let saved = tempfile::tempdir().unwrap();
    let folder = saved.path().join("shot 010");
    harness.state().deliver(Msg::Picked(
        PickTarget::OutputsFolder(id),
        folder.to_string_lossy().into_owned(),
    ));
    wait_until(&mut harness, "the save", |h| {
        h.query_by_label_contains("Saved 2 files to").is_some()
    });
    for (name, bytes) in &frames {
        assert_eq!(&std::fs::read(folder.join(name)).unwrap(), bytes, "{name}");
    }
    let mut names: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["frame_0001.png", "frame_0002.png"], "no .part left");

    // Without a dialog (a desktop with no file portal) the folder is typed: "Save all…"
    // offers one beside the last, a relative path is refused, a full one is saved into.
    harness.get_by_label("Save all…").click();
    harness.run_steps(2);
    let field = |h: &Harness<'static, DroverApp>| {
        h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Save to")
            .accesskit_node()
            .value()
            .unwrap_or_default()
    };
    assert_eq!(
        field(&harness),
        saved
            .path()
            .join(format!("outputs (job {id})"))
            .display()
            .to_string(),
        "beside the last save, named after the job"
    );
    harness.get_by_label("Browse…");
    let typed = saved.path().join("typed");
    for text in ["renders/typed", typed.to_str().unwrap()] {
        harness
            .get_by_role_and_label(egui::accesskit::Role::TextInput, "Save to")
            .focus();
        harness.step();
        harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        harness
            .get_by_role_and_label(egui::accesskit::Role::TextInput, "Save to")
            .type_text(text);
        harness.step();
        assert_eq!(field(&harness), text);
        harness.get_by_label("Save").click();
        harness.run_steps(2);
        if text == "renders/typed" {
            harness.get_by_label_contains("“renders/typed” is not a full path");
        }
    }
    wait_until(&mut harness, "the typed folder's save", |h| {
        h.query_by_label_contains(&format!("Saved 2 files to {}", typed.display()))
            .is_some()
    });
    assert_eq!(
        std::fs::read(typed.join("frame_0002.png")).unwrap(),
        frames[1].1
    );

    // A download that fails leaves nothing, and a name that is not one plain file name is
    // refused before anything is asked or written.
    let other = saved.path().join("other");
    std::fs::create_dir(&other).unwrap();
    let missing =
        runtime.block_on(admin.download_output(id, "gone.png", &other.join("gone.png"), |_| {}));
    assert_eq!(missing.unwrap_err().status().map(|s| s.as_u16()), Some(404));
    let escape =
        runtime.block_on(admin.download_output(id, "../frame_0001.png", &other.join("x"), |_| {}));
    assert!(escape.is_err());
    assert_eq!(
        std::fs::read_dir(&other).unwrap().count(),
        0,
        "nothing written"
    );
}
