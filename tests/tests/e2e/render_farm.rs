//! The render farm with real processes: `drover-worker` binaries (and, for the crash test, a
//! `drover-server` binary) against a real server, running real commands and, when Blender is
//! installed, real renders.

use drover_shared::api::{
    BlenderRenderSettings, ImageFormat, JobKind, PreviewSize, Settings, SubmitJob, TaskQuery,
    WorkerStatusChange,
};
use drover_shared::{Client, JobCommand, JobStatus, TaskStatus, WorkerStatus};
use drover_tests::{
    Process, job_done, project, setup, shell_job, start_worker, wait_for, workers, workspace_binary,
};
use serde_json::json;
use std::path::Path;

async fn settings(admin: &Client, values: serde_json::Value) {
    let map: Settings = serde_json::from_value(values).unwrap();
    admin.update_settings(&map).await.unwrap();
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn process_alive(pid: i32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .unwrap_or_default()
            .contains(") Z ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_task_completes_exactly_once_with_logs_and_progress() {
    let (ts, admin) = setup().await;
    let out = ts.dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let p = project(&admin, "film").await;
    let _workers = workers(&ts, &admin, &["w1", "w2", "w3"]).await;
    let script = format!(
        "echo rendering frame {{start}}; echo {{start}} >> {}/{{start}}.txt",
        out.display()
    );
    let job = admin
        .submit_job(&shell_job(p.id, "1-30", &script))
        .await
        .unwrap();
    let done = job_done(&admin, job.id, 60).await;
    assert_eq!(
        (done.status, done.progress.completed),
        (JobStatus::Completed, 30)
    );
    for frame in 1..=30 {
        assert_eq!(
            lines(&out.join(format!("{frame}.txt"))),
            [frame.to_string()],
            "frame {frame} ran once"
        );
    }
    let tasks = drover_tests::job_tasks(&admin, job.id).await;
    let ran_on: std::collections::HashSet<_> = tasks.iter().filter_map(|t| t.worker_id).collect();
    assert!(ran_on.len() >= 2, "the work was shared: {ran_on:?}");
    let log = admin.task_log(tasks[4].id).await.unwrap();
    assert!(log.contains("rendering frame 5"), "{log}");
    assert!(
        admin
            .task_log_tail(tasks[4].id)
            .await
            .unwrap()
            .contains("completed")
    );
    assert!(
        tasks
            .iter()
            .all(|t| t.status == TaskStatus::Completed && t.steps_done == t.steps_total)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_workers_task_is_requeued_and_finished_elsewhere() {
    let (ts, admin) = setup().await;
    settings(&admin, json!({"worker_timeout_secs": 5})).await;
    let p = project(&admin, "film").await;
    let marker = ts.dir.path().join("first-run");
    // The first run hangs (its worker will be killed); the second finishes at once.
    let script = format!(
        "if [ -e {m} ]; then echo second run; else touch {m}; exec sleep 30; fi",
        m = marker.display()
    );
    let mut first = workers(&ts, &admin, &["doomed"]).await;
    let job = admin
        .submit_job(&shell_job(p.id, "1", &script))
        .await
        .unwrap();
    let task = wait_for(20, "the task to start", || async {
        let tasks = drover_tests::job_tasks(&admin, job.id).await;
        (tasks[0].status == TaskStatus::Active && marker.exists()).then(|| tasks[0].clone())
    })
    .await;
    first[0].kill_hard();
    let _second = workers(&ts, &admin, &["rescuer"]).await;
    let done = job_done(&admin, job.id, 30).await;
    assert_eq!(done.status, JobStatus::Completed);
    let finished = drover_tests::job_tasks(&admin, job.id).await;
    assert_ne!(
        finished[0].worker_id, task.worker_id,
        "another worker finished it"
    );
    let doomed = admin
        .workers()
        .await
        .unwrap()
        .into_iter()
        .find(|w| w.name == "doomed")
        .unwrap();
    assert_eq!(doomed.status, WorkerStatus::Offline);
    assert!(
        admin
            .task_log(task.id)
            .await
            .unwrap()
            .contains("second run")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_job_loses_nothing_and_completes_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    // A fixed port, so the workers find the server again after its restart.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let serve = || {
        let child = std::process::Command::new(workspace_binary("drover-server"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(&data)
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("server.log")).unwrap())
            .spawn()
            .unwrap();
        Process { child }
    };
    let added = std::process::Command::new(workspace_binary("drover-server"))
        .args([
            "user",
            "add",
            "boss@drover.test",
            "--password",
            drover_tests::PASSWORD,
            "--role",
            "admin",
        ])
        .arg("--data-dir")
        .arg(&data)
        .output()
        .unwrap();
    assert!(added.status.success());
    let mut server = serve();
    let anonymous = Client::new(&url).unwrap();
    let admin = wait_for(20, "the server", || async {
        anonymous
            .logged_in("boss@drover.test", drover_tests::PASSWORD)
            .await
            .ok()
    })
    .await;
    let p = project(&admin, "film").await;
    let token = admin.join_token().await.unwrap().token;
    let _workers: Vec<_> = ["a", "b"]
        .iter()
        .map(|n| start_worker(&url, &token, n, dir.path()))
        .collect();
    let script = format!(
        "sleep 0.3; echo {{start}} >> {}/{{start}}.txt",
        out.display()
    );
    let job = admin
        .submit_job(&shell_job(p.id, "1-24", &script))
        .await
        .unwrap();
    wait_for(60, "some tasks to complete", || async {
        (admin.job(job.id).await.unwrap().progress.completed >= 4).then_some(())
    })
    .await;
    server.kill_hard();
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let _server = serve();
    let admin = wait_for(20, "the restarted server", || async {
        anonymous
            .logged_in("boss@drover.test", drover_tests::PASSWORD)
            .await
            .ok()
    })
    .await;
    let done = job_done(&admin, job.id, 90).await;
    assert_eq!(
        (done.status, done.progress.completed),
        (JobStatus::Completed, 24)
    );
    for frame in 1..=24 {
        assert_eq!(
            lines(&out.join(format!("{frame}.txt"))).len(),
            1,
            "frame {frame} ran exactly once"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_tasks_fail_after_three_workers_and_fill_the_blocklist() {
    let (ts, admin) = setup().await;
    // Let every task fail for good before the job gives up, so each worker fails three.
    settings(&admin, json!({"job_fail_percent": 100})).await;
    let p = project(&admin, "film").await;
    let _workers = workers(&ts, &admin, &["w1", "w2", "w3"]).await;
    let job = admin
        .submit_job(&shell_job(p.id, "1-3", "echo broken >&2; exit 3"))
        .await
        .unwrap();
    let done = job_done(&admin, job.id, 60).await;
    assert_eq!((done.status, done.progress.failed), (JobStatus::Failed, 3));
    let tasks = drover_tests::job_tasks(&admin, job.id).await;
    assert!(
        tasks.iter().all(|t| t.failures == 3),
        "each task failed on three workers"
    );
    assert!(
        admin
            .task_log(tasks[0].id)
            .await
            .unwrap()
            .contains("broken")
    );
    let blocklist = admin.blocklist(job.id).await.unwrap();
    assert_eq!(blocklist.len(), 3, "{blocklist:?}");
    admin.clear_blocklist(job.id).await.unwrap();
    assert!(admin.blocklist(job.id).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_and_cancel_kill_the_running_processes() {
    let (ts, admin) = setup().await;
    let p = project(&admin, "film").await;
    let _workers = workers(&ts, &admin, &["w1"]).await;
    let pidfile = ts.dir.path().join("pid");
    let script = format!("echo $$ > {}; exec sleep 60", pidfile.display());
    let job = admin
        .submit_job(&shell_job(p.id, "1", &script))
        .await
        .unwrap();
    let read_pid = || {
        std::fs::read_to_string(&pidfile)
            .ok()
            .and_then(|s| s.trim().parse::<i32>().ok())
    };
    let pid = wait_for(20, "the process to start", || async { read_pid() }).await;
    assert!(process_alive(pid));
    admin
        .job_command(job.id, JobCommand::Pause, None)
        .await
        .unwrap();
    wait_for(4, "pause to kill the process", || async {
        (!process_alive(pid)).then_some(())
    })
    .await;
    std::fs::remove_file(&pidfile).unwrap();
    admin
        .job_command(job.id, JobCommand::Resume, None)
        .await
        .unwrap();
    let pid = wait_for(20, "the task to run again", || async { read_pid() }).await;
    admin
        .job_command(job.id, JobCommand::Cancel, None)
        .await
        .unwrap();
    wait_for(4, "cancel to kill the process", || async {
        (!process_alive(pid)).then_some(())
    })
    .await;
    assert_eq!(admin.job(job.id).await.unwrap().status, JobStatus::Canceled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sleeping_worker_takes_nothing_until_woken() {
    let (ts, admin) = setup().await;
    let p = project(&admin, "film").await;
    let _workers = workers(&ts, &admin, &["w1"]).await;
    let worker = admin.workers().await.unwrap()[0].id;
    admin
        .set_worker_status(&WorkerStatusChange {
            id: worker,
            status: WorkerStatus::Asleep,
            after_current_task: false,
        })
        .await
        .unwrap();
    wait_for(30, "the worker to sleep", || async {
        (admin.worker(worker).await.unwrap().status == WorkerStatus::Asleep).then_some(())
    })
    .await;
    let job = admin
        .submit_job(&shell_job(p.id, "1", "true"))
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(admin.job(job.id).await.unwrap().status, JobStatus::Queued);
    admin
        .set_worker_status(&WorkerStatusChange {
            id: worker,
            status: WorkerStatus::Idle,
            after_current_task: false,
        })
        .await
        .unwrap();
    assert_eq!(
        job_done(&admin, job.id, 30).await.status,
        JobStatus::Completed
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blender_renders_three_frames_with_previews() {
    if !drover_tests::tools_on_path(&["blender", "ffmpeg"]) {
        return;
    }
    let (ts, admin) = setup().await;
    let p = project(&admin, "film").await;
    let _workers = workers(&ts, &admin, &["w1", "w2"]).await;
    let scene = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/scenes/spinning-cube.blend");
    let output = ts.dir.path().join("render");
    // The render is for a production task: its video lands there as a review version.
    let production_task: drover_shared::ProductionTaskId =
        drover_tests::shot_task(&admin, "film", &[])
            .await
            .parse()
            .unwrap();
    let job = SubmitJob {
        name: "spinning cube".into(),
        project_id: p.id,
        kind: JobKind::BlenderRender(BlenderRenderSettings {
            blend_file: scene.canonicalize().unwrap().display().to_string(),
            frames: "1-3".into(),
            chunk_size: 1,
            output: format!("{}/cube_####", output.display()),
            format: ImageFormat::Png,
            scene: None,
            video: true,
            fps: Some(12),
            auto_run_python: false,
        }),
        priority: None,
        paused: false,
        tag: None,
        production_task_id: Some(production_task),
        files: Vec::new(),
        depends_on: Vec::new(),
        depend_mode: drover_shared::DependMode::Job,
        max_workers: None,
        task_timeout_secs: None,
        limits: Vec::new(),
    };
    let job = admin.submit_job(&job).await.unwrap();
    let done = job_done(&admin, job.id, 240).await;
    assert_eq!(
        done.status,
        JobStatus::Completed,
        "{:?}",
        admin
            .tasks(&TaskQuery {
                job_id: Some(job.id),
                ..TaskQuery::default()
            })
            .await
    );
    for frame in 1..=3 {
        let image = image::open(output.join(format!("cube_{frame:04}.png"))).unwrap();
        assert_eq!((image.width(), image.height()), (160, 90));
    }
    // The video task joined the frames once they were all rendered.
    let video = std::fs::metadata(output.join("cube.mp4")).expect("the job's video");
    assert!(video.len() > 1000, "{} bytes", video.len());
    let preview = admin
        .last_rendered(job.id, PreviewSize::Full)
        .await
        .unwrap();
    let decoded = image::load_from_memory(&preview).unwrap();
    assert_eq!(decoded.width(), 160);
    let (latest, thumb) = admin.farm_last_rendered(PreviewSize::W200).await.unwrap();
    assert_eq!(latest, Some(job.id));
    assert!(image::load_from_memory(&thumb).is_ok());

    // The production task got a comment with the job's video as its preview.
    let comments = wait_for(30, "the render's comment", || async {
        let found = admin
            .raw(
                reqwest::Method::GET,
                &format!("/data/tasks/{production_task}/comments"),
                None,
            )
            .await
            .unwrap()
            .body
            .unwrap();
        (found[0]["previews"]
            .as_array()
            .is_some_and(|p| !p.is_empty()))
        .then_some(found)
    })
    .await;
    let preview = &comments[0]["previews"][0];
    assert_eq!(comments[0]["task_status"]["short_name"], "wfa");
    assert_eq!(
        (preview["is_movie"].as_bool(), preview["width"].as_i64()),
        (Some(true), Some(160))
    );
    let movie = admin
        .raw(
            reqwest::Method::GET,
            &format!(
                "/movies/originals/preview-files/{}.mp4",
                preview["id"].as_str().unwrap()
            ),
            None,
        )
        .await
        .unwrap();
    assert_eq!(movie.status, reqwest::StatusCode::OK);
    // 160 px high: no low copy is made, the original serves as the low one.
    let low = admin
        .raw(
            reqwest::Method::GET,
            &format!(
                "/movies/low/preview-files/{}.mp4",
                preview["id"].as_str().unwrap()
            ),
            None,
        )
        .await
        .unwrap();
    assert_eq!(low.status, reqwest::StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lazy_shutdown_lets_the_task_finish_then_the_worker_leaves() {
    let (ts, admin) = setup().await;
    let p = project(&admin, "film").await;
    let mut procs = workers(&ts, &admin, &["w1"]).await;
    let started = ts.dir.path().join("started");
    let script = format!("touch {}; sleep 2; echo finished", started.display());
    let job = admin
        .submit_job(&shell_job(p.id, "1", &script))
        .await
        .unwrap();
    wait_for(20, "the task to start", || async {
        started.exists().then_some(())
    })
    .await;
    let worker = admin.workers().await.unwrap()[0].id;
    admin
        .set_worker_status(&WorkerStatusChange {
            id: worker,
            status: WorkerStatus::Offline,
            after_current_task: true,
        })
        .await
        .unwrap();
    assert_eq!(
        job_done(&admin, job.id, 30).await.status,
        JobStatus::Completed,
        "the task ran to its end"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let exit = loop {
        if let Some(exit) = procs[0].child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the worker did not exit"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(exit.success(), "{exit}");
    let gone = admin.worker(worker).await.unwrap();
    assert_eq!(
        (gone.status, gone.requested_status),
        (WorkerStatus::Offline, None)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_job_predicts_its_finish_from_its_finished_frames() {
    let (ts, admin) = setup().await;
    let p = project(&admin, "film").await;
    // Both jobs render for one shot's task: the second is predicted from the first.
    let task: drover_shared::ProductionTaskId = drover_tests::shot_task(&admin, "film", &[])
        .await
        .parse()
        .unwrap();
    let mut first = shell_job(p.id, "1-8", "sleep 0.4");
    first.production_task_id = Some(task);
    let job = admin.submit_job(&first).await.unwrap();
    assert_eq!(
        job.eta, None,
        "nothing has run, and nothing of this shot before"
    );
    let _workers = workers(&ts, &admin, &["w1"]).await;
    let running = wait_for(30, "two frames done", || async {
        let job = admin.job(job.id).await.unwrap();
        (job.progress.completed >= 2 && job.status == JobStatus::Active).then_some(job)
    })
    .await;
    let eta = running.eta.expect("a prediction once frames finished");
    assert!(eta.runs >= 2, "{eta:?}");
    assert!((350..5_000).contains(&eta.task_ms), "{eta:?}");
    let left = eta.finish - time::OffsetDateTime::now_utc();
    assert!(
        left > time::Duration::ZERO && left < time::Duration::seconds(30),
        "{left}"
    );
    let done = job_done(&admin, job.id, 60).await;
    assert_eq!((done.status, done.eta), (JobStatus::Completed, None));

    // Before its first frame, a job of the same shot is predicted at the earlier pace per
    // frame, for its own chunk of two frames.
    let mut second = shell_job(p.id, "1-4", "sleep 0.4");
    if let drover_shared::api::JobKind::Command(settings) = &mut second.kind {
        settings.chunk_size = 2;
    }
    second.production_task_id = Some(task);
    let predicted = admin.submit_job(&second).await.unwrap();
    let eta = predicted.eta.expect("predicted from the first job");
    assert_eq!(eta.runs, 0, "{eta:?}");
    assert!(
        (2 * 350..10_000).contains(&eta.task_ms),
        "two frames at the first job's pace: {eta:?}"
    );
    // Another shot has no such history.
    let elsewhere = admin
        .submit_job(&shell_job(p.id, "1-4", "sleep 0.4"))
        .await
        .unwrap();
    assert_eq!(elsewhere.eta, None);
}
