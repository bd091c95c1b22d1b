//! The Drover server as a library: the headless `drover-server` binary, the desktop app and
//! the tests all start it through [`Server::start`].

pub mod auth;
pub mod db;
pub mod error;
pub mod events;
pub(crate) mod extract;
pub mod farm;
pub mod production;
pub(crate) mod routes;
pub mod serve;
pub mod state;
pub mod store;

use crate::auth::{fido, join_token, secret_key, two_factor};
use crate::production::media;
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
    /// The server's secret key file (see [`secret_key`]); `secret-key` in the data dir, made
    /// on first start, when `None`.
    pub secret_key_file: Option<PathBuf>,
    /// The server is reached through a reverse proxy that appends the client's address to
    /// `X-Forwarded-For`: throttles count that address instead of the proxy's. Leave it off
    /// when clients connect directly, or they could name any address they like.
    pub behind_proxy: bool,
    /// A web front end to serve beside the API (Kitsu's release build, say): a folder with
    /// an `index.html`, served at `/` (see `routes::web_ui`).
    pub web_ui: Option<PathBuf>,
    /// What the server lets requests and connections spend.
    pub limits: Limits,
    /// How notices are e-mailed; without it, they are not.
    pub mail: Option<farm::notify::MailConfig>,
}

/// What the server lets requests and connections spend (each refusal a clear 4xx, or a
/// connection closed); every field has a default fit for a studio's farm.
#[derive(Debug, Clone, Copy, Default)]
pub struct Limits {
    /// Connections: the header-read timeout and how many may be open.
    pub connections: serve::ConnectionLimits,
    /// Live event streams, per person and in all.
    pub streams: events::StreamLimits,
    /// Job files without shared storage: how long unused ones are kept.
    pub files: farm::file_store::FileLimits,
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
    /// The secret key could not be read or made.
    #[error(transparent)]
    SecretKey(#[from] secret_key::KeyError),
    /// The secret key opens none of the TOTP secrets sealed in the database.
    #[error(
        "the secret key {path} opens none of the {count} TOTP secrets in the database: start \
         with the key they were sealed with (--secret-key-file)"
    )]
    WrongSecretKey {
        /// The key file.
        path: PathBuf,
        /// Sealed secrets it does not open.
        count: usize,
    },
    /// The e-mail settings are not usable.
    #[error(transparent)]
    Notifier(#[from] farm::notify::NotifierError),
    /// The data dir or the listening socket failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// Opens the store of a data dir, creating the dir (readable by its owner only) and its
/// `storage/` folder. The database and its `-wal` and `-shm` files are made readable by their
/// owner only: SQLite makes the other two with the database file's mode, which is set before
/// SQLite first opens it. Existing ones (an older server's) are narrowed too.
pub fn open_store(data_dir: &Path) -> Result<Store, StartError> {
    let io = |what: String| move |source| StartError::Io { what, source };
    let mut dir = std::fs::DirBuilder::new();
    dir.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut dir, 0o700);
    dir.create(data_dir)
        .map_err(io(format!("creating {}", data_dir.display())))?;
    // A dir made before (by an older server, or by hand) is narrowed to its owner too.
    secret_key::restrict(data_dir, 0o700);
    let storage = data_dir.join("storage");
    std::fs::create_dir_all(&storage).map_err(io(format!("creating {}", storage.display())))?;
    let db = data_dir.join(DB_FILE);
    let mut create = std::fs::OpenOptions::new();
    create.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut create, 0o600);
    create
        .open(&db)
        .map_err(io(format!("creating {}", db.display())))?;
    for suffix in ["", "-wal", "-shm"] {
        let mut path = db.clone().into_os_string();
        path.push(suffix);
        secret_key::restrict(Path::new(&path), 0o600);
    }
    Ok(Store::open(&db)?)
}

/// Loads (or makes) the server's secret key, then seals what an older server stored in the
/// clear with it; refuses a key that opens none of the secrets already sealed.
async fn load_secret_key(
    config: &Config,
    store: &Store,
) -> Result<secret_key::SecretKey, StartError> {
    let path = config
        .secret_key_file
        .clone()
        .unwrap_or_else(|| config.data_dir.join(secret_key::FILE));
    let key = secret_key::SecretKey::load_or_create(&path)?;
    let sealing = key.clone();
    let found = store
        .write(move |c| two_factor::seal_stored(c, &sealing).map_err(StoreError::from))
        .await?;
    if found.unopened > 0 && found.opened == 0 {
        return Err(StartError::WrongSecretKey {
            path,
            count: found.unopened,
        });
    }
    if found.unopened > 0 {
        tracing::warn!(
            count = found.unopened,
            "some TOTP secrets do not open with the secret key; those people cannot log in \
             with a code until an admin resets their second factor"
        );
    }
    if found.sealed + found.rekeyed > 0 {
        tracing::info!(
            sealed = found.sealed,
            rekeyed = found.rekeyed,
            "sealed second-factor secrets stored in the clear"
        );
    }
    Ok(key)
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
        if let Some(dir) = &config.web_ui {
            // A front end without its page would answer every visit with 404: say so now.
            std::fs::metadata(dir.join("index.html")).map_err(|source| StartError::Io {
                what: format!("reading the web front end's {}/index.html", dir.display()),
                source,
            })?;
        }
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
        let key = load_secret_key(&config, &store).await?;
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
            .write(|c| crate::farm::db::dispatch::repair(c).map_err(StoreError::from))
            .await?;
        // A playlist movie being built died with the server: its build failed.
        store
            .write(|c| {
                production::db::playlists::builds::fail_unfinished(c).map_err(StoreError::from)
            })
            .await?;
        let production = store
            .read(|c| production::db::Schema::load(c).map_err(StoreError::from))
            .await?;
        for (swept, table) in [
            (media::Swept::Attachments, "prod_attachment_file"),
            (media::Swept::Previews, "prod_preview_file"),
            (media::Swept::Builds, "prod_build_job"),
        ] {
            let ids = store
                .read(move |c| production::db::row_ids(c, table).map_err(StoreError::from))
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
        let auth = Arc::new(auth::AuthState::new(
            key,
            config.behind_proxy,
            config.public_url.as_deref(),
        ));
        let notifier = farm::notify::Notifier::new(config.mail.as_ref())?;
        let (socket_io, live) =
            production::live::Live::new(Arc::clone(&auth), store.clone(), events.clone());
        let state = AppState {
            production: Arc::new(production),
            store,
            auth,
            live,
            lists: Arc::default(),
            uploads: farm::file_store::UploadLocks::default(),
            data_dir: Arc::new(config.data_dir.clone()),
            publisher: events::Publisher::start(events.clone()).map_err(|source| {
                StartError::Io {
                    what: "starting the event publisher".into(),
                    source,
                }
            })?,
            events,
            work: Arc::default(),
            beats: Arc::default(),
            fido: Arc::new(fido),
            join_token_hash: auth::hash_token(&join_token),
            notifier: Arc::new(notifier),
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
        let app = routes::service(state.clone(), config.web_ui.as_deref(), socket_io);
        let (shutdown, stop) = watch::channel(());
        let task = tokio::spawn(serve::serve(listener, app, config.limits.connections, stop));
        let monitor = tokio::spawn(farm::monitor::run(state.clone(), config.limits.files));
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
