//! Helpers for Drover's end-to-end tests: a real server on `127.0.0.1:0` with a temporary
//! data dir, and logged-in clients for each role.

use drover_server::{Config, Server};
use drover_shared::api::{CommandSettings, Job, JobKind, Project, ProjectInput, SubmitJob};
use drover_shared::{Client, ProjectId, Role};
use tempfile::TempDir;

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
        drover_server::users::create(&self.server.state().store, &email, PASSWORD, role)
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
    let dir = tempfile::tempdir().expect("temp dir");
    let config = Config {
        listen: "127.0.0.1:0".parse().expect("address"),
        data_dir: dir.path().to_owned(),
    };
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
    }
}

/// Submits a `command` job.
pub async fn submit(client: &Client, project: ProjectId, frames: &str, chunk_size: u32) -> Job {
    client
        .submit_job(&command_job(project, frames, chunk_size))
        .await
        .expect("submitting a job")
}
