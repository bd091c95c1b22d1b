//! Password hashing: argon2id on the blocking pool, at most [`hash_permits`] at once; the
//! rest wait their turn (outside the blocking pool) for [`HASH_WAIT`], [`HASH_QUEUE`] at
//! most, and are then refused with 429.

use crate::auth::new_token;
use crate::error::{ApiError, ApiResult};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, OnceLock};
use std::time::Duration;
use tokio::sync::Semaphore;

/// Password hashes waiting for their turn before more are refused at once.
pub const HASH_QUEUE: usize = 64;
/// How long a password hash waits for its turn before it is refused.
pub const HASH_WAIT: Duration = Duration::from_secs(5);

/// argon2 runs allowed at once: two per core, so logins keep the cores busy without a queue
/// of threads (and 19 MiB each) building up behind them.
pub fn hash_permits() -> usize {
    2 * std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// Lets a bounded number of password hashes run at once; the rest wait their turn as tasks
/// (not blocking threads), a bounded number of them for a bounded time.
pub struct HashGate {
    permits: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
    wait: Duration,
}

/// Counts a waiting caller for as long as it waits, even when its request is dropped.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl HashGate {
    /// `permits` runs at once, `max_waiting` more waiting at most `wait` each.
    pub fn new(permits: usize, max_waiting: usize, wait: Duration) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(permits)),
            waiting: AtomicUsize::new(0),
            max_waiting,
            wait,
        }
    }

    /// Runs `work` on the blocking pool once a permit is free; 429 when too many wait
    /// already or the turn does not come within the wait.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> ApiResult<T> {
        let busy = || {
            ApiError::TooManyRequests(
                "the server is busy checking other passwords; try again in a few seconds".into(),
            )
        };
        let permit = if let Ok(permit) = Arc::clone(&self.permits).try_acquire_owned() {
            permit
        } else {
            if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.max_waiting {
                self.waiting.fetch_sub(1, Ordering::AcqRel);
                return Err(busy());
            }
            let _waiting = Waiting(&self.waiting);
            match tokio::time::timeout(self.wait, Arc::clone(&self.permits).acquire_owned()).await {
                Ok(Ok(permit)) => permit,
                _ => return Err(busy()),
            }
        };
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(|e| ApiError::Internal(format!("password hashing: {e}")))
    }
}

/// The one gate of the process: the cores are the process's, whatever servers it runs.
static HASHING: LazyLock<HashGate> =
    LazyLock::new(|| HashGate::new(hash_permits(), HASH_QUEUE, HASH_WAIT));

/// Hashes a password with argon2id, through the gate.
pub async fn hash_password(password: String) -> ApiResult<String> {
    HASHING
        .run(move || hash_password_blocking(&password))
        .await?
}

/// Hashes a password with argon2id on the calling thread (command line use).
pub fn hash_password_blocking(password: &str) -> ApiResult<String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| ApiError::Internal(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::Internal(e.to_string()))
}

fn verify_blocking(password: &str, hash: &str) -> ApiResult<bool> {
    let parsed = PasswordHash::new(hash).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

/// Checks a password against a stored hash, through the gate.
pub async fn verify_password(password: String, hash: String) -> ApiResult<bool> {
    HASHING
        .run(move || verify_blocking(&password, &hash))
        .await?
}

/// Spends what checking a password costs, for a login that names no account: it takes as
/// long as a wrong password (so the answer's timing does not tell which accounts exist) and
/// waits its turn at the same gate. Always false.
pub async fn verify_no_account(password: String) -> ApiResult<bool> {
    static DECOY: OnceLock<String> = OnceLock::new();
    HASHING
        .run(move || {
            let decoy =
                DECOY.get_or_init(|| hash_password_blocking(&new_token()).unwrap_or_default());
            let _ = verify_blocking(&password, decoy);
            false
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[tokio::test]
    async fn the_hash_gate_runs_its_permits_queues_the_next_and_refuses_past_the_queue() {
        let gate = Arc::new(HashGate::new(2, 1, Duration::from_secs(30)));
        // Three holders, each started and released once: the channels never fill.
        let (release, released) = std::sync::mpsc::sync_channel::<()>(3);
        let released = Arc::new(Mutex::new(released));
        let (started_tx, mut started) = tokio::sync::mpsc::channel(3);
        let hold = |gate: &Arc<HashGate>| {
            let (gate, released, started_tx) =
                (Arc::clone(gate), Arc::clone(&released), started_tx.clone());
            tokio::spawn(async move {
                gate.run(move || {
                    let _ = started_tx.try_send(());
                    let _ = released.lock().unwrap().recv();
                })
                .await
            })
        };
        // Two permits: both run at once.
        let running = [hold(&gate), hold(&gate)];
        started.recv().await.unwrap();
        started.recv().await.unwrap();
        // Just over the permits: the third waits in the queue, which holds one.
        let queued = hold(&gate);
        while gate.waiting.load(Ordering::Acquire) == 0 {
            tokio::task::yield_now().await;
        }
        // Past the queue: refused at once.
        assert!(matches!(
            gate.run(|| ()).await,
            Err(ApiError::TooManyRequests(_))
        ));
        // A permit freed: the queued one runs.
        release.send(()).unwrap();
        started.recv().await.unwrap();
        release.send(()).unwrap();
        release.send(()).unwrap();
        for task in running {
            task.await.unwrap().unwrap();
        }
        queued.await.unwrap().unwrap();
        assert_eq!(gate.waiting.load(Ordering::Acquire), 0);
    }

    #[tokio::test]
    async fn a_hash_that_waits_too_long_is_refused() {
        let gate = Arc::new(HashGate::new(1, 4, Duration::from_millis(50)));
        let (release, released) = std::sync::mpsc::sync_channel::<()>(1);
        let holder = {
            let gate = Arc::clone(&gate);
            tokio::spawn(async move {
                gate.run(move || {
                    let _ = released.recv();
                })
                .await
            })
        };
        while gate.permits.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        assert!(matches!(
            gate.run(|| ()).await,
            Err(ApiError::TooManyRequests(_))
        ));
        release.send(()).unwrap();
        holder.await.unwrap().unwrap();
        assert!(gate.run(|| ()).await.is_ok());
    }

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password_blocking("secret").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        assert!(
            rt.block_on(verify_password("secret".into(), hash.clone()))
                .unwrap()
        );
        assert!(!rt.block_on(verify_password("wrong".into(), hash)).unwrap());
    }
}
