//! `drover-worker`: a render node. Registers once with the farm's join token, signs on, sends
//! heartbeats with host facts, claims tasks (long-poll), runs them and reports back; sleeps,
//! wakes and shuts down when a manager asks. Tasks of upload-mode jobs (no shared storage)
//! run in a job folder of the worker's own, filled from its file cache, and send their
//! outputs back.

pub mod blender;
pub mod cache;
pub mod credentials;
pub mod host;
pub mod job_folder;
pub mod plan;
pub mod private_file;
pub mod process;
pub mod programs;
pub mod runner;
// The crate's only unsafe code: the Win32 calls, each behind a safe function.
#[cfg(windows)]
#[allow(unsafe_code)]
mod windows;

use drover_shared::api::StorageMode;
use drover_shared::protocol::{Heartbeat, SignOn, WorkerCredentials};
use drover_shared::{Client, ClientError, WorkerStatus};
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// How long one claim waits on the server for work.
const CLAIM_WAIT_SECS: u32 = 30;
/// Pause before retrying when the server cannot be reached.
const RETRY: Duration = Duration::from_secs(2);
/// Longest silence within one answer before the request fails: a download of a job file
/// that stalls is resumed (the cache keeps what arrived) instead of hanging the task. Well
/// above a claim's long-poll.
const READ_TIMEOUT: Duration = Duration::from_secs(CLAIM_WAIT_SECS as u64 * 4);

/// What a worker needs to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// The server, e.g. `http://farm:7878`.
    pub server: String,
    /// The farm's join token; needed only until the worker has registered.
    pub join_token: Option<String>,
    /// Display name.
    pub name: String,
    /// Job tags this worker takes.
    pub tags: Vec<String>,
    /// The programs it runs.
    pub tools: plan::Tools,
    /// Where its credentials and the job folders of upload-mode tasks live.
    pub work_dir: PathBuf,
    /// Where it keeps the files of upload-mode jobs, by hash.
    pub cache_dir: PathBuf,
    /// Most bytes the cache holds (see [`cache::Cache`]).
    pub cache_max_bytes: u64,
}

/// Why the worker stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// Not registered and no join token to register with.
    #[error("this worker is not registered with {0}; pass the farm's join token with --token")]
    NoJoinToken(String),
    /// The server refused the join token or the worker's credentials.
    #[error("the server refused this worker: {0}")]
    Refused(String),
    /// Talking to the server failed in a way retrying does not fix.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The file cache could not be opened.
    #[error("the file cache: {0}")]
    Cache(#[from] cache::CacheError),
    /// The work dir could not be written.
    #[error("writing {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

async fn register(config: &Config, anonymous: &Client) -> Result<WorkerCredentials, WorkerError> {
    let token = config
        .join_token
        .as_deref()
        .ok_or_else(|| WorkerError::NoJoinToken(config.server.clone()))?;
    let credentials = loop {
        match anonymous.register_worker(token, &config.name).await {
            Ok(credentials) => break credentials,
            Err(e) if e.status().is_some_and(|s| s.is_client_error()) => {
                return Err(WorkerError::Refused(e.to_string()));
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot reach the server to register; retrying");
                tokio::time::sleep(RETRY).await;
            }
        }
    };
    credentials::save(&config.work_dir, &config.server, &credentials).map_err(|source| {
        WorkerError::Io {
            path: config.work_dir.join(credentials::FILE),
            source,
        }
    })?;
    tracing::info!(worker = %credentials.id, "registered with the farm");
    Ok(credentials)
}

/// Signs on, registering first (or again, when the stored credentials were refused).
async fn sign_on(
    config: &Config,
    host: &mut host::Host,
) -> Result<(Client, WorkerStatus, u32), WorkerError> {
    let http = reqwest::Client::builder()
        .user_agent(concat!("drover-worker/", env!("CARGO_PKG_VERSION")))
        .read_timeout(READ_TIMEOUT)
        .build()
        .map_err(ClientError::from)?;
    let anonymous = Client::with_http(http, &config.server);
    let mut credentials = match credentials::load(&config.work_dir, &config.server) {
        Some(credentials) => credentials,
        None => register(config, &anonymous).await?,
    };
    let mut registered_again = false;
    loop {
        let client = anonymous.with_token(&credentials.token);
        let body = SignOn {
            name: config.name.clone(),
            tags: config.tags.clone(),
            task_types: config.tools.task_types(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            facts: host.facts(),
        };
        match client.sign_on(&body).await {
            Ok(answer) => return Ok((client, answer.status, answer.heartbeat_secs)),
            Err(e) if runner::is_unauthorized(&e) && !registered_again => {
                tracing::warn!("the stored credentials were refused; registering again");
                credentials = register(config, &anonymous).await?;
                registered_again = true;
            }
            Err(e) if e.status().is_some_and(|s| s.is_client_error()) => {
                return Err(WorkerError::Refused(e.to_string()));
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot reach the server to sign on; retrying");
                tokio::time::sleep(RETRY).await;
            }
        }
    }
}

/// Runs the worker until `shutdown` completes or a manager shuts it down; then signs off.
pub async fn run(
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), WorkerError> {
    let cache = cache::Cache::open(&config.cache_dir, config.cache_max_bytes)?;
    let mut host = host::Host::new();
    let (client, initial, heartbeat_secs) = sign_on(&config, &mut host).await?;
    tracing::info!(status = %initial, task_types = ?config.tools.task_types(), "signed on");
    let status = Arc::new(Mutex::new(initial));
    let (requests_tx, mut requests) = watch::channel(None);
    let (stop_tx, mut stop) = watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let heartbeat = tokio::spawn(heartbeats(
        client.clone(),
        host,
        Arc::clone(&status),
        requests_tx,
        heartbeat_secs,
    ));
    let set = |s: WorkerStatus| {
        if let Ok(mut current) = status.lock() {
            *current = s;
        }
    };
    let mut asleep = initial == WorkerStatus::Asleep;
    loop {
        if *stop.borrow() {
            break;
        }
        let request = *requests.borrow_and_update();
        match request.map(|r| r.status) {
            Some(WorkerStatus::Offline) => {
                tracing::info!("asked to shut down");
                break;
            }
            Some(WorkerStatus::Asleep) => asleep = true,
            Some(WorkerStatus::Idle) => asleep = false,
            _ => {}
        }
        if asleep {
            set(WorkerStatus::Asleep);
            tokio::select! {
                _ = requests.changed() => {}
                _ = stop.changed() => {}
            }
            continue;
        }
        set(WorkerStatus::Idle);
        let claimed = tokio::select! {
            claimed = client.claim_task(CLAIM_WAIT_SECS) => claimed,
            _ = requests.changed() => continue,
            _ = stop.changed() => break,
        };
        let assignment = match claimed {
            Ok(Some(assignment)) => assignment,
            Ok(None) => continue,
            Err(e) => {
                tracing::warn!(error = %e, "claiming a task failed; retrying");
                tokio::select! {
                    () = tokio::time::sleep(RETRY) => {}
                    _ = stop.changed() => break,
                }
                continue;
            }
        };
        set(WorkerStatus::Busy);
        let task = assignment.task.id;
        tracing::info!(task = %task, job = %assignment.job_id, name = %assignment.task.name, "running");
        let outcome = match assignment.storage {
            StorageMode::Shared => {
                match plan::plan(&assignment, &config.tools, std::env::consts::OS) {
                    Ok(plan) => runner::run(&client, &assignment, &plan, &mut stop).await,
                    Err(reason) => runner::fail(&client, task, reason).await,
                }
            }
            StorageMode::Upload => {
                job_folder::run(
                    &client,
                    &cache,
                    &config.work_dir,
                    &config.tools,
                    &assignment,
                    &mut stop,
                )
                .await
            }
        };
        tracing::info!(task = %task, ?outcome, "task ended");
    }
    heartbeat.abort();
    // Syncs the files this run downloaded, so the next start need not hash them again.
    if let Err(e) = cache.close().await {
        tracing::warn!(error = %e, "closing the file cache failed; its entries are checked on the next start");
    }
    match client.sign_off().await {
        Ok(()) => tracing::info!("signed off"),
        Err(e) => {
            tracing::warn!(error = %e, "signing off failed; the server will time this worker out");
        }
    }
    Ok(())
}

async fn heartbeats(
    client: Client,
    mut host: host::Host,
    status: Arc<Mutex<WorkerStatus>>,
    requests: watch::Sender<Option<drover_shared::protocol::WorkerRequest>>,
    every_secs: u32,
) {
    let mut tick = tokio::time::interval(Duration::from_secs(u64::from(every_secs.max(1))));
    loop {
        tick.tick().await;
        let current = status.lock().map_or(WorkerStatus::Idle, |s| *s);
        let body = Heartbeat {
            status: current,
            facts: host.facts(),
        };
        match client.heartbeat(&body).await {
            Ok(answer) => {
                requests.send_if_modified(|pending| {
                    let changed = *pending != answer.request;
                    *pending = answer.request;
                    changed
                });
            }
            Err(e) => tracing::warn!(error = %e, "heartbeat failed"),
        }
    }
}
