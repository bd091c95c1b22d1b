//! A simulated render node: one tokio task on one connection, heartbeating on the server's
//! schedule and claiming and completing tasks as fast as the server hands them out. It runs
//! no program: a dispatch is the claim and the completion, which is what the server does per
//! task whatever the task runs.

use super::http::{Conn, Target};
use super::measure::{Errors, Histogram};
use drover_shared::TaskId;
use hyper::StatusCode;
use hyper::body::Bytes;
use hyper::header::HeaderValue;
use serde::Deserialize;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;

/// A claim waits this long on the server for work before it answers 204: short, so a
/// heartbeat that fell due meanwhile is not held back for long.
const CLAIM_WAIT_SECS: u32 = 1;

/// What the server needs to hear when a task ends well.
const COMPLETED: &[u8] = br#"{"status":"completed"}"#;

/// One worker as setup left it: registered and signed on.
pub struct Setup {
    /// `Bearer <its token>`.
    pub auth: HeaderValue,
    /// The schedule the server gave at sign-on.
    pub heartbeat_every: Duration,
    /// When its first heartbeat falls due after the start, so that ten thousand workers do
    /// not all heartbeat in the same instant.
    pub first_heartbeat: Duration,
    /// Its heartbeat, host facts included, serialized once.
    pub heartbeat: Bytes,
}

/// What every simulated worker adds to, and the signals they follow.
pub struct Shared {
    /// The server.
    pub target: Arc<Target>,
    /// Client-side time of each claim that got a task, in the window.
    pub claims: Histogram,
    /// Client-side time of each heartbeat, in the window.
    pub heartbeats: Histogram,
    /// Claims answered and completed inside the window.
    pub dispatches: AtomicU64,
    /// Claims in the window that found no work within their wait.
    pub empty_claims: AtomicU64,
    /// Workers connected and waiting for the start.
    pub connected: AtomicU64,
    /// Failures by kind.
    pub errors: Errors,
    /// Bounds the connections being opened at once (the server's accept backlog).
    pub connecting: Semaphore,
    /// Set when the window is over: each worker ends after its current request.
    pub stop: AtomicBool,
    /// The measured window, once all are connected.
    pub window: watch::Receiver<Option<(Instant, Instant)>>,
    /// Every task id handed out, for double assignments. Shared rather than returned, so
    /// that a worker cut off at the end (its server far behind) still counts what it got.
    pub claimed: Mutex<Vec<TaskId>>,
}

/// The part of an assignment a worker needs.
#[derive(Deserialize)]
struct Claimed {
    task: ClaimedTask,
}

#[derive(Deserialize)]
struct ClaimedTask {
    id: TaskId,
}

/// Runs one worker until [`Shared::stop`].
pub async fn run(setup: Setup, shared: Arc<Shared>) {
    let Some(mut conn) = connect(&setup, &shared, true).await else {
        return;
    };
    shared.connected.fetch_add(1, Ordering::Relaxed);
    let mut window = shared.window.clone();
    let Ok(Some((start, end))) = window.wait_for(Option::is_some).await.map(|w| *w) else {
        return;
    };
    let heartbeat_path = shared.target.heartbeat();
    let claim_path = shared.target.claim(CLAIM_WAIT_SECS);
    let mut next_heartbeat = start + setup.first_heartbeat;
    while !shared.stop.load(Ordering::Relaxed) {
        let asked = Instant::now();
        if asked >= next_heartbeat {
            // On the schedule, not from when it went out: a late one does not push the rest.
            next_heartbeat = (next_heartbeat + setup.heartbeat_every).max(asked);
            match conn.post(&heartbeat_path, setup.heartbeat.clone()).await {
                Ok((status, _)) if status.is_success() => {
                    if asked < end {
                        shared.heartbeats.record(asked.elapsed());
                    }
                }
                Ok((status, _)) => shared.errors.add(format!("heartbeat: {status}")),
                Err(_) => {
                    shared.errors.add("heartbeat: connection lost");
                    match connect(&setup, &shared, false).await {
                        Some(fresh) => conn = fresh,
                        None => break,
                    }
                    continue;
                }
            }
        }
        let asked = Instant::now();
        let answer = conn.post(&claim_path, Bytes::new()).await;
        let task = match answer {
            Ok((StatusCode::OK, body)) => {
                if let Ok(claim) = serde_json::from_slice::<Claimed>(&body) {
                    claim.task.id
                } else {
                    shared.errors.add("claim: unreadable assignment");
                    continue;
                }
            }
            Ok((StatusCode::NO_CONTENT, _)) => {
                if asked < end {
                    shared.empty_claims.fetch_add(1, Ordering::Relaxed);
                }
                continue;
            }
            Ok((status, _)) => {
                shared.errors.add(format!("claim: {status}"));
                // A refusal (429, 503) answered at once must not become a busy loop.
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
            Err(_) => {
                shared.errors.add("claim: connection lost");
                match connect(&setup, &shared, false).await {
                    Some(fresh) => conn = fresh,
                    None => break,
                }
                continue;
            }
        };
        if asked < end {
            shared.claims.record(asked.elapsed());
        }
        shared
            .claimed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(task);
        let path = shared.target.task(task);
        match conn.post(&path, Bytes::from_static(COMPLETED)).await {
            Ok((status, _)) if status.is_success() => {
                if Instant::now() <= end {
                    shared.dispatches.fetch_add(1, Ordering::Relaxed);
                }
            }
            Ok((status, _)) => shared.errors.add(format!("complete: {status}")),
            Err(_) => {
                shared.errors.add("complete: connection lost");
                match connect(&setup, &shared, false).await {
                    Some(fresh) => conn = fresh,
                    None => break,
                }
            }
        }
    }
}

/// Opens the worker's connection, retrying until it opens or the run stops; `first` marks
/// the start-up connection, whose failures are counted apart from reconnections.
async fn connect(setup: &Setup, shared: &Shared, first: bool) -> Option<Conn> {
    loop {
        if shared.stop.load(Ordering::Relaxed) {
            return None;
        }
        let opened = {
            let _slot = shared.connecting.acquire().await.ok()?;
            Conn::open(Arc::clone(&shared.target), setup.auth.clone()).await
        };
        match opened {
            Ok(conn) => {
                if !first {
                    shared.errors.add("worker reconnections");
                }
                return Some(conn);
            }
            Err(e) => {
                shared.errors.add(format!("worker connect: {e}"));
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}
