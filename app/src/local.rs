//! "Start a local farm": the server crate runs inside the app on `127.0.0.1` with a free port
//! and its SQLite store in the user's data dir. The first start creates a local admin account
//! and keeps its credentials in `local-admin.json` (mode 0600; on Windows an ACL that lets
//! only the user in), so nobody types a password to render on their own machine. "Render on
//! this computer" adds an in-process worker, which finds Blender on PATH or, on Windows, in
//! its install folders.

use drover_shared::api::{ProjectInput, User};
use drover_shared::{Client, Role};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::oneshot;

/// The local admin's email.
const LOCAL_ADMIN: &str = "admin@drover.local";
/// The file the local admin's credentials live in, inside the data dir.
const CREDENTIALS_FILE: &str = "local-admin.json";
/// The project a new local farm starts with.
const DEFAULT_PROJECT: &str = "My renders";
/// How long shutting down may take before the app exits anyway.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(5);

/// What to start.
#[derive(Debug, Clone)]
pub struct LocalSetup {
    /// Where the farm keeps its database, logs and previews.
    pub data_dir: PathBuf,
    /// Whether this computer also renders.
    pub render_here: bool,
}

/// The default data dir of the local farm (see [`crate::places`]).
pub fn default_data_dir() -> PathBuf {
    crate::places::local_farm_dir()
}

#[derive(Serialize, Deserialize)]
struct Credentials {
    email: String,
    password: String,
    token: String,
}

/// A running local farm: the embedded server and, when asked, a worker.
pub struct LocalFarm {
    server: drover_server::Server,
    worker_stop: Option<oneshot::Sender<()>>,
    worker: Option<tokio::task::JoinHandle<()>>,
    /// The data dir, shown in the UI.
    pub data_dir: PathBuf,
}

impl LocalFarm {
    /// The server's URL.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// Where the server keeps a job's outputs (projects without shared storage).
    pub fn outputs_dir(&self, job: drover_shared::JobId) -> PathBuf {
        drover_server::farm::file_store::outputs_dir(&self.data_dir, job)
    }

    /// Whether a worker runs in this process.
    pub fn renders_here(&self) -> bool {
        self.worker.is_some()
    }

    /// Stops the worker (it signs off) and then the server.
    pub async fn stop(mut self) {
        if let Some(stop) = self.worker_stop.take() {
            let _ = stop.send(());
        }
        if let Some(worker) = self.worker.take() {
            let _ = tokio::time::timeout(SHUTDOWN_WAIT, worker).await;
        }
        if tokio::time::timeout(SHUTDOWN_WAIT, self.server.shutdown())
            .await
            .is_err()
        {
            tracing::warn!("the local server did not stop in time");
        }
    }
}

/// Why a local farm could not start.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    /// The embedded server did not start.
    #[error("the local server did not start: {0}")]
    Server(String),
    /// The credentials file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The local admin exists but its credentials file is gone.
    #[error(
        "the local admin account exists but {0} is missing; \
         delete the data dir to start afresh, or connect with a password"
    )]
    LostCredentials(PathBuf),
    /// Talking to the embedded server failed.
    #[error(transparent)]
    Client(#[from] drover_shared::ClientError),
}

/// Starts the server, logs in as the local admin (creating it the first time) and starts the
/// worker when asked. Runs on the background runtime.
pub async fn start(setup: LocalSetup) -> Result<(LocalFarm, Client, User), LocalError> {
    std::fs::create_dir_all(&setup.data_dir).map_err(|source| LocalError::Io {
        path: setup.data_dir.clone(),
        source,
    })?;
    let config = drover_server::Config {
        listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        data_dir: setup.data_dir.clone(),
        public_url: None,
        limits: drover_server::Limits::default(),
        secret_key_file: None,
        behind_proxy: false,
        web_ui: None,
        mail: None,
    };
    let server = drover_server::Server::start(config)
        .await
        .map_err(|e| LocalError::Server(e.to_string()))?;
    let url = server.url();
    let anonymous = Client::new(&url)?;
    let (client, me) = log_in(&server, &anonymous, &setup.data_dir).await?;
    // A job needs a project: give a new local farm one so the first render needs no set-up.
    if client.projects(true).await?.is_empty() {
        client
            .create_project(&ProjectInput {
                name: Some(DEFAULT_PROJECT.to_owned()),
                description: Some("Created by the local farm".to_owned()),
                ..ProjectInput::default()
            })
            .await?;
    }
    let mut farm = LocalFarm {
        server,
        worker_stop: None,
        worker: None,
        data_dir: setup.data_dir.clone(),
    };
    if setup.render_here {
        let join_token = client.join_token().await?.token;
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let config = drover_worker::Config {
            server: url,
            join_token: Some(join_token),
            name: format!(
                "{} (this computer)",
                sysinfo::System::host_name().unwrap_or_else(|| "local".into())
            ),
            tags: Vec::new(),
            tools: drover_worker::plan::Tools::find(None, None),
            work_dir: setup.data_dir.join("worker"),
            cache_dir: setup.data_dir.join("worker").join("cache"),
            cache_max_bytes: drover_worker::cache::DEFAULT_MAX_BYTES,
        };
        farm.worker_stop = Some(stop_tx);
        farm.worker = Some(tokio::spawn(async move {
            let shutdown = async {
                let _ = stop_rx.await;
            };
            if let Err(e) = drover_worker::run(config, shutdown).await {
                tracing::error!(error = %e, "the local worker stopped");
            }
        }));
    }
    Ok((farm, client, me))
}

/// The stored token if it still works, else a fresh login with the stored password; the
/// first time, the account itself.
async fn log_in(
    server: &drover_server::Server,
    anonymous: &Client,
    data_dir: &Path,
) -> Result<(Client, User), LocalError> {
    let path = data_dir.join(CREDENTIALS_FILE);
    let stored = match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice::<Credentials>(&bytes).ok(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => return Err(LocalError::Io { path, source }),
    };
    let credentials = if let Some(credentials) = stored {
        let client = anonymous.with_token(&credentials.token);
        if let Ok(me) = client.authenticated().await {
            return Ok((client, me.user));
        }
        credentials
    } else {
        let password = random_password();
        let store = &server.state().store;
        match drover_server::auth::accounts::create(store, LOCAL_ADMIN, &password, Role::Admin)
            .await
        {
            Ok(_) => {}
            // The fixed email and a long password are valid: a 400 means the account exists.
            Err(drover_server::error::ApiError::BadRequest(_)) => {
                return Err(LocalError::LostCredentials(path));
            }
            Err(e) => return Err(LocalError::Server(e.to_string())),
        }
        Credentials {
            email: LOCAL_ADMIN.to_owned(),
            password,
            token: String::new(),
        }
    };
    let login = anonymous
        .login(&credentials.email, &credentials.password)
        .await?;
    let credentials = Credentials {
        token: login.access_token.clone(),
        ..credentials
    };
    write_private(&path, &credentials)?;
    Ok((anonymous.with_token(&login.access_token), login.user))
}

fn random_password() -> String {
    use rand::Rng;
    use rand::distr::Alphanumeric;
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(32)
        .map(char::from)
        .collect()
}

/// Writes the credentials readable by this user only (0600 on Unix, an owner-only ACL on
/// Windows), through a temporary file so a crash never leaves half a file.
fn write_private(path: &Path, credentials: &Credentials) -> Result<(), LocalError> {
    let io = |source| LocalError::Io {
        path: path.to_owned(),
        source,
    };
    let bytes = serde_json::to_vec_pretty(credentials).map_err(|e| io(e.into()))?;
    let tmp = path.with_extension("json.tmp");
    let mut file = drover_worker::private_file::create(&tmp).map_err(io)?;
    std::io::Write::write_all(&mut file, &bytes).map_err(io)?;
    file.sync_all().map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_start_creates_the_admin_and_the_second_reuses_it() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let setup = LocalSetup {
            data_dir: dir.path().to_owned(),
            render_here: false,
        };
        runtime.block_on(async {
            let (farm, client, me) = start(setup.clone()).await.unwrap();
            assert_eq!(me.role, Role::Admin);
            let projects = client.projects(true).await.unwrap();
            assert_eq!(projects.len(), 1, "a new local farm has one project");
            farm.stop().await;
            let path = dir.path().join(CREDENTIALS_FILE);
            assert!(path.is_file(), "the local admin's credentials are kept");
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(&path).unwrap().permissions().mode();
                assert_eq!(mode & 0o777, 0o600);
            }
            let (farm, _, again) = start(setup).await.unwrap();
            assert_eq!(again.id, me.id);
            farm.stop().await;
        });
    }
}
