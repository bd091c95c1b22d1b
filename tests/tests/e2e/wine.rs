//! A Windows render node on a Linux farm: `drover-worker.exe` under Wine against a real
//! server on 127.0.0.1. It registers, heartbeats with its host facts, runs a `command` job
//! whose paths reach it through the project's `path_win` (`Z:\…`, Wine's view of the Linux
//! root), streams the log, is paused mid-task with its whole process tree gone, resumes and
//! finishes, and ends cleanly on Ctrl-C.
//!
//! The job's program is `frames.exe` (tests/wine/frames.c): it prints a line per frame and
//! starts a child of its own that never ends by itself; both rewrite a heartbeat file every
//! 100 ms, so a process that is gone is one whose count stops growing.
//!
//! `.ci/windows` builds what this needs and names it: `DROVER_WINE` (Wine's loader),
//! `DROVER_WINDOWS_WORKER` (the .exe), `DROVER_WINE_FRAMES` (frames.exe),
//! `DROVER_WINE_BCRYPT` (the stand-in bcryptprimitives.dll Debian's Wine 8.0 lacks; see
//! tests/wine/bcryptprimitives.c) and `DROVER_WINE_PREFIX` (a Wine prefix to reuse; else
//! one is made in the test's temp dir). Without them the test is skipped, unless
//! `DROVER_REQUIRE_WINE=1`: then it fails.

use drover_shared::api::ProjectInput;
use drover_shared::{Client, JobCommand, JobStatus, TaskStatus, WorkerStatus};
use drover_tests::{command_job, job_done, job_tasks, setup, wait_for};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What the test runs, from `.ci/windows`.
struct WineKit {
    wine: PathBuf,
    worker: PathBuf,
    frames: PathBuf,
    bcrypt: PathBuf,
    prefix: Option<PathBuf>,
}

impl WineKit {
    /// The kit from the environment; `None` (the test skips) when part is missing, unless
    /// `DROVER_REQUIRE_WINE=1`.
    fn from_env() -> Option<Self> {
        let var = |name: &str| std::env::var_os(name).map(PathBuf::from);
        let names = [
            "DROVER_WINE",
            "DROVER_WINDOWS_WORKER",
            "DROVER_WINE_FRAMES",
            "DROVER_WINE_BCRYPT",
        ];
        let missing: Vec<&str> = names
            .into_iter()
            .filter(|name| !var(name).is_some_and(|path| path.is_file()))
            .collect();
        if !missing.is_empty() {
            assert!(
                std::env::var("DROVER_REQUIRE_WINE").as_deref() != Ok("1"),
                "DROVER_REQUIRE_WINE=1 but {missing:?} not set to existing files (run .ci/windows)"
            );
            eprintln!("skipped: {missing:?} not set (see .ci/windows)");
            return None;
        }
        Some(Self {
            wine: var("DROVER_WINE")?,
            worker: var("DROVER_WINDOWS_WORKER")?,
            frames: var("DROVER_WINE_FRAMES")?,
            bcrypt: var("DROVER_WINE_BCRYPT")?,
            prefix: var("DROVER_WINE_PREFIX"),
        })
    }
}

/// A Linux path as Wine shows it to Windows programs: under drive `Z:`, the Linux root.
fn windows_path(path: &Path) -> String {
    format!("Z:{}", path.display()).replace('/', "\\")
}

/// Linux processes whose command line contains `marker`. Wine gives each Windows process
/// its Windows command line there, arguments included.
fn processes_with(marker: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|bytes| String::from_utf8_lossy(&bytes).replace('\0', " "))
        .filter(|line| line.contains(marker))
        .collect()
}

/// The count in a heartbeat file, 0 while there is none.
fn beats(path: &Path) -> u64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Whether the heartbeat file's count still grows (a process writes it every 100 ms).
async fn still_beating(path: &Path) -> bool {
    let before = beats(path);
    tokio::time::sleep(Duration::from_millis(600)).await;
    beats(path) != before
}

/// The worker under Wine; killed when dropped, with every process of its Wine prefix, its
/// log printed (the test harness shows it when the test fails).
struct WineWorker {
    child: std::process::Child,
    wine: PathBuf,
    prefix: PathBuf,
    log: PathBuf,
}

impl WineWorker {
    fn start(kit: &WineKit, dir: &Path, server: &str, token: &str) -> Self {
        // The stand-in DLL beside the .exe, where Windows looks for a DLL first.
        let bin = dir.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let exe = bin.join("drover-worker.exe");
        std::fs::copy(&kit.worker, &exe).unwrap();
        std::fs::copy(&kit.bcrypt, bin.join("bcryptprimitives.dll")).unwrap();
        let prefix = kit.prefix.clone().unwrap_or_else(|| dir.join("prefix"));
        let log = dir.join("wine-worker.log");
        let child = std::process::Command::new(&kit.wine)
            .arg(&exe)
            .args(["--server", server, "--token", token, "--name", "wine-node"])
            .args(["--work-dir", &windows_path(&dir.join("work"))])
            .env("WINEPREFIX", &prefix)
            .env("WINEDEBUG", "-all")
            // No Mono or Gecko installer when a new prefix is made.
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
            // Debug: the log says how each task was stopped.
            .env("RUST_LOG", "info,drover_worker=debug")
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("starting drover-worker.exe under Wine");
        Self {
            child,
            wine: kit.wine.clone(),
            prefix,
            log,
        }
    }
}

impl Drop for WineWorker {
    fn drop(&mut self) {
        // Shown when the test fails (or runs with --nocapture).
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        eprintln!("--- drover-worker.exe's log:\n{log}");
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Everything left in the prefix, the wineserver included.
        if let Some(server) = self.wine.parent().map(|dir| dir.join("wineserver")) {
            let _ = std::process::Command::new(server)
                .arg("-k")
                .env("WINEPREFIX", &self.prefix)
                .status();
        }
    }
}

async fn wine_worker(admin: &Client) -> drover_shared::api::Worker {
    admin
        .workers()
        .await
        .unwrap()
        .into_iter()
        .find(|w| w.name == "wine-node")
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_windows_worker_under_wine_renders_pauses_and_resumes() {
    let Some(kit) = WineKit::from_env() else {
        return;
    };
    let (ts, admin) = setup().await;
    // The project's folder: the server writes Linux paths, the Windows node reads them
    // through `path_win`.
    let shared = ts.dir.path().join("project");
    let beats_dir = shared.join("beats");
    std::fs::create_dir_all(&beats_dir).unwrap();
    std::fs::copy(&kit.frames, shared.join("frames.exe")).unwrap();
    let project = admin
        .create_project(&ProjectInput {
            name: Some("windows".into()),
            path_server: Some(shared.display().to_string()),
            path_win: Some(windows_path(&shared)),
            ..ProjectInput::default()
        })
        .await
        .unwrap();

    let token = admin.join_token().await.unwrap().token;
    let mut worker = WineWorker::start(&kit, ts.dir.path(), &ts.url(), &token);
    // A new Wine prefix takes a while to make.
    wait_for(180, "the Windows worker to sign on", || async {
        let workers = admin.workers().await.unwrap();
        workers
            .iter()
            .any(|w| w.name == "wine-node" && w.status == WorkerStatus::Idle)
            .then_some(())
    })
    .await;
    let node = wine_worker(&admin).await;
    assert!(
        node.facts.os.contains("Windows"),
        "host facts from Windows: {:?}",
        node.facts
    );
    assert!(node.facts.cores > 0 && node.facts.memory_total_bytes > 0);
    // Credentials kept on the Windows side, in the work dir given as a Windows path.
    assert!(ts.dir.path().join("work/credentials.json").is_file());

    // Four frames in two tasks, two seconds a frame: time to pause the first mid-task.
    let mut job = command_job(project.id, "1-4", 2);
    job.kind = drover_shared::api::JobKind::Command(drover_shared::api::CommandSettings {
        argv: vec![
            shared.join("frames.exe").display().to_string(),
            "{start}".into(),
            "{end}".into(),
            "2000".into(),
            beats_dir.display().to_string(),
        ],
        frames: "1-4".into(),
        chunk_size: 2,
    });
    let job = admin.submit_job(&job).await.unwrap();
    let parent_beat = beats_dir.join("parent.beat");
    let child_beat = beats_dir.join("child.beat");
    let first = wait_for(60, "frame 1 in the streamed log", || async {
        let task = job_tasks(&admin, job.id).await.into_iter().next()?;
        let log = admin.task_log(task.id).await.ok()?;
        (task.status == TaskStatus::Active && log.contains("frame 1")).then_some(task)
    })
    .await;
    let log = admin.task_log(first.id).await.unwrap();
    assert!(
        log.contains("Z:\\") && log.contains("frames.exe"),
        "the argv reached Windows through path_win: {log}"
    );
    assert!(still_beating(&parent_beat).await, "the task's program runs");
    assert!(still_beating(&child_beat).await, "its child runs");
    let marker = windows_path(&beats_dir);
    assert_eq!(
        processes_with(&marker).len(),
        2,
        "the program and its child, seen from Linux: {:?}",
        processes_with(&marker)
    );

    let paused_at = Instant::now();
    admin
        .job_command(job.id, JobCommand::Pause, None)
        .await
        .unwrap();
    wait_for(10, "pause to end the task's process tree", || async {
        processes_with(&marker).is_empty().then_some(())
    })
    .await;
    let took = paused_at.elapsed();
    // The worker hears of the pause at its next may-i-run (at most a second later) and ends
    // the tree within two seconds of that; one more for Wine and the rest of `cargo test
    // --workspace` sharing the machine.
    assert!(
        took < Duration::from_secs(4),
        "the tree ended after {took:?}"
    );
    assert!(!still_beating(&parent_beat).await, "the program is gone");
    assert!(!still_beating(&child_beat).await, "its child is gone too");
    wait_for(10, "the task paused and the worker idle", || async {
        let task = job_tasks(&admin, job.id).await.into_iter().next()?;
        let node = wine_worker(&admin).await;
        (task.status == TaskStatus::Paused && node.status == WorkerStatus::Idle).then_some(())
    })
    .await;

    admin
        .job_command(job.id, JobCommand::Resume, None)
        .await
        .unwrap();
    let done = job_done(&admin, job.id, 90).await;
    assert_eq!(
        (done.status, done.progress.completed),
        (JobStatus::Completed, 2)
    );
    let tasks = job_tasks(&admin, job.id).await;
    let last = admin.task_log(tasks[1].id).await.unwrap();
    assert!(
        last.contains("frame 3") && last.contains("frame 4") && last.contains("done 3-4"),
        "{last}"
    );
    // The child each finished task left behind was ended with it.
    wait_for(5, "no process of the job left", || async {
        processes_with(&marker).is_empty().then_some(())
    })
    .await;

    // Ctrl-C (Wine turns SIGINT into a console Ctrl-C): the worker signs off and exits.
    let pid = worker.child.id().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(sent.success());
    wait_for(20, "the worker to sign off on Ctrl-C", || async {
        (wine_worker(&admin).await.status == WorkerStatus::Offline).then_some(())
    })
    .await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let exited = loop {
        if let Some(status) = worker.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the worker did not exit on Ctrl-C"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(exited.success(), "exit status {exited}");
}
