//! Helpers for Drover's end-to-end tests: a real server on `127.0.0.1:0` with a temporary
//! data dir, and logged-in clients for each role.
#![allow(
    clippy::expect_used,
    reason = "helpers of tests: a step that fails fails the calling test, its message naming the step"
)]

use drover_server::{Config, Server};
use drover_shared::api::{CommandSettings, Job, JobKind, Project, ProjectInput, SubmitJob};
use drover_shared::{Client, ProjectId, Role};
use tempfile::TempDir;

pub mod sinks;

/// The password every test account gets.
pub const PASSWORD: &str = "correct horse battery";

/// A running server with its data dir; both go away when dropped.
pub struct TestServer {
    /// The server.
    pub server: Server,
    /// Its data dir.
    pub dir: TempDir,
    /// A client without a token.
    pub anonymous: Client,
}

impl TestServer {
    /// Creates an account with `role` and returns a client logged in as it.
    pub async fn client_as(&self, role: Role) -> Client {
        let email = format!("{role}-{}@drover.test", uuid::Uuid::new_v4());
        drover_server::auth::accounts::create(&self.server.state().store, &email, PASSWORD, role)
            .await
            .expect("creating a test user");
        self.anonymous
            .logged_in(&email, PASSWORD)
            .await
            .expect("logging in a test user")
    }

    /// The server's base URL.
    pub fn url(&self) -> String {
        self.server.url()
    }
}

/// Starts a server and returns it with a client logged in as an admin.
pub async fn setup() -> (TestServer, Client) {
    setup_with(drover_server::Limits::default()).await
}

/// Starts a server with `limits` and returns it with a client logged in as an admin.
pub async fn setup_with(limits: drover_server::Limits) -> (TestServer, Client) {
    setup_config(|config| config.limits = limits).await
}

/// Starts a server with the test configuration as `change` leaves it, and returns it with a
/// client logged in as an admin.
pub async fn setup_config(change: impl FnOnce(&mut Config)) -> (TestServer, Client) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config {
        listen: "127.0.0.1:0".parse().expect("address"),
        data_dir: dir.path().to_owned(),
        public_url: None,
        limits: drover_server::Limits::default(),
        secret_key_file: None,
        behind_proxy: false,
        web_ui: None,
        mail: None,
    };
    change(&mut config);
    let server = Server::start(config).await.expect("starting the server");
    let anonymous = Client::new(&server.url()).expect("client");
    let ts = TestServer {
        server,
        dir,
        anonymous,
    };
    let admin = ts.client_as(Role::Admin).await;
    (ts, admin)
}

/// Creates a project named `name`.
pub async fn project(client: &Client, name: &str) -> Project {
    let input = ProjectInput {
        name: Some(name.into()),
        ..ProjectInput::default()
    };
    client
        .create_project(&input)
        .await
        .expect("creating a project")
}

/// A `command` job submission for `frames` in chunks of `chunk_size`.
pub fn command_job(project: ProjectId, frames: &str, chunk_size: u32) -> SubmitJob {
    SubmitJob {
        name: format!("echo {frames}"),
        project_id: project,
        kind: JobKind::Command(CommandSettings {
            argv: vec!["echo".into(), "{start}".into(), "{end}".into()],
            frames: frames.into(),
            chunk_size,
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
    }
}

/// A `command` job running `sh -c script` per frame (`{start}` is the frame), one frame a
/// task.
pub fn shell_job(project: ProjectId, frames: &str, script: &str) -> SubmitJob {
    let mut job = command_job(project, frames, 1);
    job.kind = JobKind::Command(CommandSettings {
        argv: vec!["sh".into(), "-c".into(), script.into()],
        frames: frames.into(),
        chunk_size: 1,
    });
    job
}

/// A `blender-render` job submission for `frames` in chunks of `chunk_size`: the kind artists
/// may submit (a `command` job needs the farm's `code_jobs_min_role`, manager by default).
pub fn render_job(project: ProjectId, frames: &str, chunk_size: u32) -> SubmitJob {
    SubmitJob {
        name: format!("render {frames}"),
        project_id: project,
        kind: JobKind::BlenderRender(drover_shared::api::BlenderRenderSettings {
            blend_file: "/shots/sh010.blend".into(),
            frames: frames.into(),
            chunk_size,
            output: "/renders/sh010/####".into(),
            format: drover_shared::api::ImageFormat::Png,
            scene: None,
            video: false,
            fps: None,
            auto_run_python: false,
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
    }
}

/// Submits a `blender-render` job (see [`render_job`]).
pub async fn submit_render(
    client: &Client,
    project: ProjectId,
    frames: &str,
    chunk_size: u32,
) -> Job {
    client
        .submit_job(&render_job(project, frames, chunk_size))
        .await
        .expect("submitting a render job")
}

/// Submits a `command` job.
pub async fn submit(client: &Client, project: ProjectId, frames: &str, chunk_size: u32) -> Job {
    client
        .submit_job(&command_job(project, frames, chunk_size))
        .await
        .expect("submitting a job")
}

/// A program of this workspace, built next to the test binary (`cargo test --workspace`
/// builds every binary before running tests).
pub fn workspace_binary(name: &str) -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let dir = exe
        .parent()
        .and_then(std::path::Path::parent)
        .expect("target dir");
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is not built; run `cargo test --workspace` (or `cargo build --bins`)",
        path.display()
    );
    path
}

/// A child process killed when dropped.
pub struct Process {
    /// The child.
    pub child: std::process::Child,
}

impl Process {
    /// Kills it at once (SIGKILL), as a crash would.
    pub fn kill_hard(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill_hard();
    }
}

/// Starts a `drover-worker` for `server` with its own work dir under `dir`; its log goes to
/// `dir/<name>.log`.
pub fn start_worker(server: &str, join_token: &str, name: &str, dir: &std::path::Path) -> Process {
    let log = std::fs::File::create(dir.join(format!("{name}.log"))).expect("worker log");
    let child = std::process::Command::new(workspace_binary("drover-worker"))
        .args(["--server", server, "--token", join_token, "--name", name])
        .arg("--work-dir")
        .arg(dir.join(name))
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .spawn()
        .expect("starting drover-worker");
    Process { child }
}

/// Polls `check` every 100 ms until it answers `Some`, or panics after `secs` seconds.
pub async fn wait_for<T, F, Fut>(secs: u64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out after {secs} s waiting for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Every task of a job (up to 1,000), in task order.
pub async fn job_tasks(
    client: &Client,
    job: drover_shared::JobId,
) -> Vec<drover_shared::api::Task> {
    let query = drover_shared::api::TaskQuery {
        job_id: Some(job),
        per_page: Some(1000),
        ..Default::default()
    };
    client
        .tasks(&query)
        .await
        .expect("listing a job's tasks")
        .items
}

/// Asserts that the server still answers an ordinary request, within a second, after an
/// attack: the attack tests end with it.
pub async fn assert_still_answers(client: &Client) {
    let started = std::time::Instant::now();
    let me = tokio::time::timeout(std::time::Duration::from_secs(5), client.authenticated())
        .await
        .expect("the server answers within 5 s after the attack")
        .expect("an ordinary request succeeds after the attack");
    assert!(me.authenticated);
    let took = started.elapsed();
    assert!(
        took < std::time::Duration::from_secs(1),
        "an ordinary request took {took:?} after the attack"
    );
}

/// The production (Kitsu) id of a farm project, which shares its row.
pub async fn project_uuid(admin: &Client, project: ProjectId) -> String {
    let farm = admin
        .project(project)
        .await
        .expect("reading the farm project");
    let answer = admin
        .raw(reqwest::Method::GET, "/data/projects", None)
        .await
        .expect("listing production projects");
    let rows = answer.body.expect("a JSON list");
    let row = rows
        .as_array()
        .and_then(|rows| rows.iter().find(|row| row["name"] == farm.name.as_str()))
        .expect("the farm project among the production projects");
    row["id"]
        .as_str()
        .expect("the project's production id")
        .to_owned()
}

/// Puts the person `member` is logged in as on the team of farm project `project`, through
/// Kitsu's team route, as a studio's production manager would.
pub async fn join_team(admin: &Client, project: ProjectId, member: &Client) {
    let person = member
        .authenticated()
        .await
        .expect("reading who the member is")
        .user
        .id;
    let path = format!("/data/projects/{}/team", project_uuid(admin, project).await);
    let answer = admin
        .raw(
            reqwest::Method::POST,
            &path,
            Some(&serde_json::json!({ "person_id": person })),
        )
        .await
        .expect("adding to the team");
    assert!(
        answer.status.is_success(),
        "adding to the team: {} {:?}",
        answer.status,
        answer.body
    );
}

/// Takes the person `member` is logged in as off the team of farm project `project`.
pub async fn leave_team(admin: &Client, project: ProjectId, member: &Client) {
    let person = member
        .authenticated()
        .await
        .expect("reading who the member is")
        .user
        .id;
    let path = format!(
        "/data/projects/{}/team/{person}",
        project_uuid(admin, project).await
    );
    let answer = admin
        .raw(reqwest::Method::DELETE, &path, None)
        .await
        .expect("removing from the team");
    assert!(
        answer.status.is_success(),
        "removing from the team: {} {:?}",
        answer.status,
        answer.body
    );
}

/// Whether every program of `tools` (`blender`, `ffmpeg`) is on PATH. A test that needs them
/// is skipped without them, unless CI requires them (`DROVER_REQUIRE_BLENDER=1`): then this
/// panics.
pub fn tools_on_path(tools: &[&str]) -> bool {
    let on_path = |name: &str| {
        std::env::var_os("PATH")
            .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(name).is_file()))
    };
    let missing: Vec<&str> = tools.iter().copied().filter(|t| !on_path(t)).collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var("DROVER_REQUIRE_BLENDER").as_deref() != Ok("1"),
        "DROVER_REQUIRE_BLENDER=1 but {missing:?} not on PATH"
    );
    eprintln!("skipped: {missing:?} not on PATH");
    false
}

/// A Lighting task, in status "todo", on a new shot SH010 of the production (Kitsu) project
/// named `project`, assigned to the people `assignees` (person ids); the task's id.
pub async fn shot_task(admin: &Client, project: &str, assignees: &[&str]) -> String {
    let kitsu = admin
        .data_list("projects", &[("name", project)])
        .await
        .expect("listing production projects")[0]
        .clone();
    let shot = admin
        .data_create(
            "shots",
            &serde_json::json!({"name": "SH010", "project_id": kitsu["id"]}),
        )
        .await
        .expect("creating the shot");
    let lighting = admin
        .data_list("task-types", &[("name", "Lighting")])
        .await
        .expect("listing task types")[0]
        .clone();
    let task = admin
        .data_create(
            "tasks",
            &serde_json::json!({"project_id": kitsu["id"], "entity_id": shot["id"],
                "task_type_id": lighting["id"], "assignees": assignees,
                "task_status_id": "3c1e3b0e-8a33-4a43-9d57-5a8c8f000101"}),
        )
        .await
        .expect("creating the task");
    task["id"].as_str().expect("the task's id").to_owned()
}

/// Starts a `drover-worker` per name of `names` (see [`start_worker`]) and waits until all
/// have signed on.
pub async fn workers(ts: &TestServer, admin: &Client, names: &[&str]) -> Vec<Process> {
    let token = admin.join_token().await.expect("the join token").token;
    let procs: Vec<Process> = names
        .iter()
        .map(|name| start_worker(&ts.url(), &token, name, ts.dir.path()))
        .collect();
    wait_for(20, "the workers to sign on", || async {
        let up = admin
            .workers()
            .await
            .expect("listing workers")
            .iter()
            .filter(|w| w.status != drover_shared::WorkerStatus::Offline)
            .count();
        (up >= names.len()).then_some(())
    })
    .await;
    procs
}

/// Waits up to `secs` seconds for `job` to finish (completed, failed or canceled).
pub async fn job_done(admin: &Client, job: drover_shared::JobId, secs: u64) -> Job {
    wait_for(secs, "the job to finish", || async {
        let job = admin.job(job).await.expect("reading the job");
        job.status.is_finished().then_some(job)
    })
    .await
}

/// Registers a worker with the farm's `join_token` and signs it on to run command tasks:
/// its client, with its token (for requests made by hand).
pub async fn signed_on_worker_with_token(
    ts: &TestServer,
    join_token: &str,
    name: &str,
) -> (Client, String) {
    let credentials = ts
        .anonymous
        .register_worker(join_token, name)
        .await
        .expect("registering a worker");
    let worker = ts.anonymous.with_token(&credentials.token);
    let sign_on = drover_shared::protocol::SignOn {
        name: name.into(),
        tags: Vec::new(),
        task_types: vec![drover_shared::TaskType::Command],
        version: "test".into(),
        facts: drover_shared::protocol::HostFacts::default(),
    };
    worker.sign_on(&sign_on).await.expect("signing a worker on");
    (worker, credentials.token)
}

/// Registers a worker with the farm's `join_token` and signs it on to run command tasks.
pub async fn signed_on_worker(ts: &TestServer, join_token: &str, name: &str) -> Client {
    signed_on_worker_with_token(ts, join_token, name).await.0
}
