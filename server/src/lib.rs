//! The Drover server as a library: the headless `drover-server` binary, the desktop app and
//! the tests all start it through [`Server::start`].

pub mod access;
pub mod auth;
pub mod db;
pub mod domain;
pub mod error;
pub mod events;
pub mod extract;
pub mod fido;
pub mod files;
pub mod join_token;
pub mod media;
pub mod monitor;
pub mod publish;
pub mod routes;
pub mod serve;
pub mod state;
pub mod store;
pub mod two_factor;
pub mod users;

use crate::state::AppState;
use crate::store::{Store, StoreError};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The database file's name inside the data dir.
pub const DB_FILE: &str = "drover.sqlite";

/// What a server needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on; port 0 picks a free one.
    pub listen: SocketAddr,
    /// Where the database, secrets and storage live.
    pub data_dir: PathBuf,
    /// The URL people open the server at, whose host FIDO keys are bound to;
    /// [`fido::DEFAULT_PUBLIC_URL`] when `None`.
    pub public_url: Option<String>,
    /// What the server lets requests and connections spend.
    pub limits: Limits,
}

/// What the server lets requests and connections spend (each refusal a clear 4xx, or a
/// connection closed); every field has a default fit for a studio's farm.
#[derive(Debug, Clone, Copy, Default)]
pub struct Limits {
    /// Connections: the header-read timeout and how many may be open.
    pub connections: serve::ConnectionLimits,
    /// Live event streams, per person and in all.
    pub streams: events::StreamLimits,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The public URL cannot name a FIDO relying party.
    #[error(transparent)]
    PublicUrl(#[from] fido::ConfigError),
    /// The data dir or the listening socket failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// Opens the store of a data dir, creating the dir and its `storage/` folder.
pub fn open_store(data_dir: &Path) -> Result<Store, StartError> {
    let storage = data_dir.join("storage");
    std::fs::create_dir_all(&storage).map_err(|source| StartError::Io {
        what: format!("creating {}", storage.display()),
        source,
    })?;
    Ok(Store::open(&data_dir.join(DB_FILE))?)
}

/// A running server.
pub struct Server {
    addr: SocketAddr,
    state: AppState,
    shutdown: watch::Sender<()>,
    task: JoinHandle<()>,
    monitor: JoinHandle<()>,
}

impl Server {
    /// Opens the store, binds the address and starts serving on the current tokio runtime.
    pub async fn start(config: Config) -> Result<Self, StartError> {
        let fido = fido::Fido::new(
            config
                .public_url
                .as_deref()
                .unwrap_or(fido::DEFAULT_PUBLIC_URL),
        )?;
        // Every connection is a file: let the process hold as many as the system allows.
        match serve::raise_open_file_limit() {
            Ok(limit) => tracing::debug!(limit, "open-file limit"),
            Err(e) => tracing::warn!(error = %e, "could not raise the open-file limit"),
        }
        let store = open_store(&config.data_dir)?;
        // Uploads a stopped server was receiving never reached a row: their spool goes.
        media::clear_spool(&config.data_dir).map_err(|source| StartError::Io {
            what: "emptying the upload spool".into(),
            source,
        })?;
        let join_token =
            join_token::load_or_create(&config.data_dir).map_err(|source| StartError::Io {
                what: "reading the worker join token".into(),
                source,
            })?;
        // Whatever a crash left mid-transition is put right before the first request.
        store
            .write(|c| db::dispatch::repair(c).map_err(StoreError::from))
            .await?;
        let production = store
            .read(|c| db::production::Schema::load(c).map_err(StoreError::from))
            .await?;
        for (swept, table) in [
            (media::Swept::Attachments, "prod_attachment_file"),
            (media::Swept::Previews, "prod_preview_file"),
        ] {
            let ids = store
                .read(move |c| db::production::row_ids(c, table).map_err(StoreError::from))
                .await?;
            match media::sweep(&config.data_dir, swept, |id| ids.contains(id)) {
                Ok(0) => {}
                Ok(n) => tracing::info!(?swept, removed = n, "removed media that had no row"),
                Err(e) => tracing::warn!(?swept, error = %e, "could not sweep media"),
            }
        }
        // Events say whose they are by their job's project: the bus learns the jobs there are.
        let events = events::EventBus::new(config.limits.streams);
        events.know_jobs(
            store
                .read(|c| db::teams::job_projects(c).map_err(StoreError::from))
                .await?,
        );
        let state = AppState {
            production: Arc::new(production),
            store,
            auth: Arc::default(),
            data_dir: Arc::new(config.data_dir.clone()),
            events,
            work: Arc::default(),
            fido: Arc::new(fido),
            join_token_hash: auth::hash_token(&join_token),
        };
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| StartError::Io {
                what: format!("listening on {}", config.listen),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| StartError::Io {
            what: "reading the bound address".into(),
            source,
        })?;
        let app = routes::service(state.clone());
        let (shutdown, stop) = watch::channel(());
        let task = tokio::spawn(serve::serve(listener, app, config.limits.connections, stop));
        let monitor = tokio::spawn(monitor::run(state.clone()));
        Ok(Self {
            addr,
            state,
            shutdown,
            task,
            monitor,
        })
    }

    /// The bound address (the real port when port 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://HOST:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The shared state, for embedding (the app reads the store's path, tests create users).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Stops accepting connections, lets requests in flight finish (for at most
    /// [`serve::SHUTDOWN_GRACE`]), and waits.
    pub async fn shutdown(self) -> std::io::Result<()> {
        let _ = self.shutdown.send(());
        self.wait().await
    }

    /// Waits until the server stops.
    pub async fn wait(self) -> std::io::Result<()> {
        let result = self.task.await;
        self.monitor.abort();
        result.map_err(std::io::Error::other)
    }
}
