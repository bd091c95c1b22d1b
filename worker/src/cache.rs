//! The worker's file cache: the files of upload-mode jobs, kept by SHA-256 so every task (of
//! any job) that uses the same content downloads it once.
//!
//! Each entry is `<cache dir>/<sha256>`, read-only (job folders hard-link to it, so a task
//! that wrote to its input would otherwise change the cache). A download goes to
//! `<sha256>.part`, which a later fetch resumes (after a dropped connection or a killed
//! worker); the whole part is checked against its hash before it is renamed into place, so
//! an entry is always whole and right, and a part that does not match is deleted. The cache
//! holds at most `max_bytes`: before a download makes room, it evicts the least recently
//! used entries (their modification time, set on each use, so the order survives a restart),
//! never one a running task has pinned.
//!
//! Downloads are not synced to disk one by one (a sync per file held downloads to the disk's
//! synced write speed). Instead the cache is durable as a whole: [`Cache::close`] syncs what
//! this run wrote and leaves a `.clean` mark, which the next [`Cache::open`] takes away. A
//! start without the mark (the worker was killed, the machine crashed) trusts no entry it
//! finds: each is hashed again before its first use, and one that no longer matches is
//! fetched anew. A crash can cost a download, never hand a task a wrong file.

use drover_shared::api::{FileRef, is_sha256};
use drover_shared::{Client, TaskId};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

mod disk;
pub use disk::{hash_file, link_into};
use disk::{remove, sync_dir, touch};

/// The default bound of the cache: 20 GiB.
pub const DEFAULT_MAX_BYTES: u64 = 20 << 30;
/// Suffix of a download in progress.
const PART: &str = ".part";
/// The mark of a cache whose every entry is on disk, left by [`Cache::close`].
const CLEAN: &str = ".clean";

/// Where the cache downloads files from.
pub trait Source {
    /// Downloads `file`'s content into the file at `part`, keeping what `part` already holds
    /// and appending the rest. The cache checks the result.
    fn fetch(&self, file: &FileRef, part: &Path)
    -> impl Future<Output = Result<(), String>> + Send;
}

/// The server, for the files of one task's job (`GET /worker/task/{id}/files/{sha256}`).
#[derive(Debug, Clone)]
pub struct TaskSource {
    /// The worker's client.
    pub client: Client,
    /// The task whose job's files these are.
    pub task: TaskId,
}

impl Source for TaskSource {
    async fn fetch(&self, file: &FileRef, part: &Path) -> Result<(), String> {
        self.client
            .download_task_file(self.task, &file.sha256, part)
            .await
            .map(drop)
            .map_err(|e| e.to_string())
    }
}

/// Why a file could not be had from the cache.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The hash is not a SHA-256 as the API writes it.
    #[error("{0:?} is not a SHA-256 (64 lowercase hex digits)")]
    BadHash(String),
    /// The download failed; what arrived is kept and the next fetch resumes it.
    #[error("downloading file {sha256}: {reason}")]
    Fetch {
        /// The file.
        sha256: String,
        /// The cause.
        reason: String,
    },
    /// The downloaded content is not the one asked for; it was deleted.
    #[error(
        "file {sha256} arrived with {size} bytes of SHA-256 {actual}: it does not match its \
         hash (expected {expected_size} bytes); refused, the download was deleted"
    )]
    Mismatch {
        /// The hash asked for.
        sha256: String,
        /// The hash of what arrived.
        actual: String,
        /// Bytes that arrived.
        size: u64,
        /// Bytes expected.
        expected_size: u64,
    },
    /// The cache dir could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> CacheError + '_ {
    move |source| CacheError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The files of upload-mode jobs on this worker; cheap to clone.
#[derive(Debug, Clone)]
pub struct Cache {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    dir: PathBuf,
    max_bytes: u64,
    /// Hashes running tasks use, with how many tasks use each: never evicted.
    pins: Mutex<HashMap<String, usize>>,
    /// Downloads under way at once: a few overlap one file's last bytes and disk sync with
    /// the next one's transfer (one at a time left a fast link half used).
    slots: tokio::sync::Semaphore,
    /// A lock per hash being fetched: two fetches of the same content (one file at two
    /// paths of a set) would write the same part file; the second waits and finds the entry.
    fetching: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Bytes the downloads under way have still to bring: eviction leaves room for them.
    reserved: Mutex<u64>,
    /// One eviction at a time, so two downloads do not both count the same free room.
    evicting: Mutex<()>,
    /// Entries found by a start that had no `.clean` mark: hashed again before first use.
    unverified: Mutex<HashSet<String>>,
    /// Entries this run made and has not synced yet ([`Cache::close`] syncs them).
    unsynced: Mutex<Vec<PathBuf>>,
}

/// Downloads one cache runs at once.
pub const DOWNLOADS_AT_ONCE: usize = 4;

/// Hashes kept from eviction while this lives (a running task's files).
#[derive(Debug)]
pub struct Pinned {
    inner: Arc<Inner>,
    hashes: Vec<String>,
}

impl Drop for Pinned {
    fn drop(&mut self) {
        let mut pins = self
            .inner
            .pins
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for hash in &self.hashes {
            if let Some(count) = pins.get_mut(hash) {
                *count -= 1;
                if *count == 0 {
                    pins.remove(hash);
                }
            }
        }
    }
}

/// One file of the cache dir, as eviction sees it.
struct Stored {
    path: PathBuf,
    hash: String,
    size: u64,
    used: SystemTime,
}

impl Cache {
    /// The cache in `dir` (created if missing), bounded to `max_bytes`. Entries and partial
    /// downloads already there are kept; when the last run did not [`close`](Cache::close)
    /// it, its entries are checked against their hashes before they are used.
    pub fn open(dir: &Path, max_bytes: u64) -> Result<Self, CacheError> {
        std::fs::create_dir_all(dir).map_err(io_error(dir))?;
        let mark = dir.join(CLEAN);
        let unverified = if mark.exists() {
            // The mark goes, on disk, before this run writes anything: a crash from here on
            // must leave a cache the next start checks.
            std::fs::remove_file(&mark).map_err(io_error(&mark))?;
            sync_dir(dir)?;
            HashSet::new()
        } else {
            let mut found = HashSet::new();
            for item in std::fs::read_dir(dir).map_err(io_error(dir))? {
                let name = item.map_err(io_error(dir))?.file_name();
                let name = name.to_string_lossy();
                if is_sha256(&name) {
                    found.insert(name.into_owned());
                }
            }
            if !found.is_empty() {
                tracing::info!(
                    entries = found.len(),
                    "the file cache was not closed cleanly; each entry is checked before its next use"
                );
            }
            found
        };
        Ok(Self {
            inner: Arc::new(Inner {
                dir: dir.to_owned(),
                max_bytes,
                pins: Mutex::new(HashMap::new()),
                slots: tokio::sync::Semaphore::new(DOWNLOADS_AT_ONCE),
                fetching: Mutex::new(HashMap::new()),
                reserved: Mutex::new(0),
                evicting: Mutex::new(()),
                unverified: Mutex::new(unverified),
                unsynced: Mutex::new(Vec::new()),
            }),
        })
    }

    /// Syncs every entry this run made, then marks the cache clean so the next start trusts
    /// its entries without hashing them. Call it once no fetch is under way (the worker's
    /// end); a fetch after it makes the cache unclean again until the next close.
    pub async fn close(&self) -> Result<(), CacheError> {
        let written = std::mem::take(
            &mut *self
                .inner
                .unsynced
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        let dir = self.inner.dir.clone();
        let outcome = tokio::task::spawn_blocking(move || {
            for entry in &written {
                match std::fs::File::open(entry).and_then(|f| f.sync_all()) {
                    // Evicted since: nothing to keep.
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    other => other.map_err(io_error(entry))?,
                }
            }
            // The renames that made the entries, then the mark itself.
            sync_dir(&dir)?;
            let mark = dir.join(CLEAN);
            std::fs::File::create(&mark)
                .and_then(|f| f.sync_all())
                .map_err(io_error(&mark))?;
            sync_dir(&dir)
        })
        .await;
        outcome.unwrap_or_else(|e| Err(io_error(&self.inner.dir)(std::io::Error::other(e))))
    }

    /// Whether `sha256`'s entry came from a run that did not close (and is not checked yet).
    fn is_unverified(&self, sha256: &str) -> bool {
        self.inner
            .unverified
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(sha256)
    }

    fn set_verified(&self, sha256: &str) {
        self.inner
            .unverified
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(sha256);
    }

    /// The cache dir.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// Where the entry of `sha256` lives (whether or not it is there).
    pub fn entry_path(&self, sha256: &str) -> PathBuf {
        self.inner.dir.join(sha256)
    }

    fn part_path(&self, sha256: &str) -> PathBuf {
        self.inner.dir.join(format!("{sha256}{PART}"))
    }

    /// Keeps `hashes` from eviction until the answer is dropped.
    pub fn pin<'a>(&self, hashes: impl IntoIterator<Item = &'a str>) -> Pinned {
        let hashes: Vec<String> = hashes.into_iter().map(str::to_owned).collect();
        let mut pins = self
            .inner
            .pins
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for hash in &hashes {
            *pins.entry(hash.clone()).or_default() += 1;
        }
        Pinned {
            inner: Arc::clone(&self.inner),
            hashes,
        }
    }

    fn is_pinned(&self, hash: &str) -> bool {
        self.inner
            .pins
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains_key(hash)
    }

    /// The entry of `file`, downloaded from `source` when the cache does not have it (or
    /// resumed from a partial download), checked against its hash. Pin the hash first
    /// ([`Cache::pin`]) so another task's download cannot evict it before it is used.
    pub async fn fetch<S: Source>(
        &self,
        source: &S,
        file: &FileRef,
    ) -> Result<PathBuf, CacheError> {
        if !is_sha256(&file.sha256) {
            return Err(CacheError::BadHash(file.sha256.clone()));
        }
        let _slot = self
            .inner
            .slots
            .acquire()
            .await
            .map_err(|e| io_error(&self.inner.dir)(std::io::Error::other(e)))?;
        let hash_lock = self.hash_lock(&file.sha256);
        let _this_hash = hash_lock.lock().await;
        let outcome = self.fetch_locked(source, file).await;
        self.release_hash_lock(&file.sha256, &hash_lock);
        outcome
    }

    /// The lock of one hash's download (made on first use).
    fn hash_lock(&self, sha256: &str) -> Arc<tokio::sync::Mutex<()>> {
        self.inner
            .fetching
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(sha256.to_owned())
            .or_default()
            .clone()
    }

    /// Forgets a hash's lock once no other fetch holds or waits for it.
    fn release_hash_lock(&self, sha256: &str, lock: &Arc<tokio::sync::Mutex<()>>) {
        let mut map = self
            .inner
            .fetching
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // The map's and the caller's: nobody else holds or waits for it.
        if Arc::strong_count(lock) <= 2 {
            map.remove(sha256);
        }
    }

    /// [`Cache::fetch`] with a download slot and the hash's lock held.
    async fn fetch_locked<S: Source>(
        &self,
        source: &S,
        file: &FileRef,
    ) -> Result<PathBuf, CacheError> {
        let entry = self.entry_path(&file.sha256);
        match std::fs::metadata(&entry) {
            Ok(meta) if meta.len() == file.size && !self.is_unverified(&file.sha256) => {
                touch(&entry);
                return Ok(entry);
            }
            Ok(meta) if meta.len() == file.size => {
                let (actual, _) = hash_file(&entry).await?;
                if actual == file.sha256 {
                    self.set_verified(&file.sha256);
                    touch(&entry);
                    return Ok(entry);
                }
                tracing::warn!(entry = %entry.display(), "a cache entry left by an unclean end does not match its hash; fetching it again");
                remove(&entry).map_err(io_error(&entry))?;
                self.set_verified(&file.sha256);
            }
            // Only a verified part is ever renamed to an entry: one of another size was
            // changed behind the cache's back. Fetch it again.
            Ok(_) => {
                tracing::warn!(entry = %entry.display(), "a cache entry has the wrong size; fetching it again");
                remove(&entry).map_err(io_error(&entry))?;
            }
            Err(_) => {}
        }
        let part = self.part_path(&file.sha256);
        let mut have = std::fs::metadata(&part).map_or(0, |m| m.len());
        if have > file.size {
            remove(&part).map_err(io_error(&part))?;
            have = 0;
        }
        if have < file.size {
            if have > 0 {
                tracing::info!(sha256 = %file.sha256, have, size = file.size, "resuming a download");
            }
            let coming = file.size - have;
            let reservation = {
                let _one = self
                    .inner
                    .evicting
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                self.evict(coming)?;
                Reservation::new(&self.inner, coming)
            };
            let fetched = source.fetch(file, &part).await;
            drop(reservation);
            fetched.map_err(|reason| CacheError::Fetch {
                sha256: file.sha256.clone(),
                reason,
            })?;
        }
        let (actual, size) = hash_file(&part).await?;
        if actual != file.sha256 || size != file.size {
            if size < file.size && file.sha256 != actual {
                // Fewer bytes than the file has and no error: the connection ended early.
                // What arrived is kept for the next fetch to resume.
                return Err(CacheError::Fetch {
                    sha256: file.sha256.clone(),
                    reason: format!("the download ended after {size} of {} bytes", file.size),
                });
            }
            remove(&part).map_err(io_error(&part))?;
            return Err(CacheError::Mismatch {
                sha256: file.sha256.clone(),
                actual,
                size,
                expected_size: file.size,
            });
        }
        let mut permissions = std::fs::metadata(&part)
            .map_err(io_error(&part))?
            .permissions();
        permissions.set_readonly(true);
        std::fs::set_permissions(&part, permissions).map_err(io_error(&part))?;
        // The rename is atomic: the entry appears whole or not at all (on disk once synced).
        std::fs::rename(&part, &entry).map_err(io_error(&entry))?;
        touch(&entry);
        self.inner
            .unsynced
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(entry.clone());
        Ok(entry)
    }

    /// Bytes the cache holds now (entries and partial downloads).
    pub fn size_bytes(&self) -> Result<u64, CacheError> {
        Ok(self.stored()?.iter().map(|s| s.size).sum())
    }

    fn stored(&self) -> Result<Vec<Stored>, CacheError> {
        let dir = &self.inner.dir;
        let mut stored = Vec::new();
        for item in std::fs::read_dir(dir).map_err(io_error(dir))? {
            let item = item.map_err(io_error(dir))?;
            let name = item.file_name().to_string_lossy().into_owned();
            let hash = name.strip_suffix(PART).unwrap_or(&name);
            if !is_sha256(hash) {
                continue;
            }
            let Ok(meta) = item.metadata() else { continue };
            stored.push(Stored {
                path: item.path(),
                hash: hash.to_owned(),
                size: meta.len(),
                used: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            });
        }
        Ok(stored)
    }

    /// Evicts the least recently used entries (and stale partial downloads) that no task
    /// pinned until `room_bytes` more fit under the bound. When pinned files alone exceed
    /// it, the cache stays over its bound until they are released: a running task's files
    /// come first.
    pub fn evict(&self, room_bytes: u64) -> Result<(), CacheError> {
        let mut stored = self.stored()?;
        // What other downloads have still to bring counts as taken (what they brought so
        // far is on disk, so the room kept is, if anything, too large: never too small).
        let reserved = *self
            .inner
            .reserved
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut total: u64 = stored.iter().map(|s| s.size).sum::<u64>() + reserved;
        let limit = self.inner.max_bytes.saturating_sub(room_bytes);
        if total <= limit {
            return Ok(());
        }
        stored.sort_by_key(|s| s.used);
        for victim in stored {
            if total <= limit {
                break;
            }
            if self.is_pinned(&victim.hash) {
                continue;
            }
            remove(&victim.path).map_err(io_error(&victim.path))?;
            total -= victim.size;
            tracing::debug!(file = %victim.path.display(), "evicted from the cache");
        }
        if total > limit {
            tracing::warn!(
                total,
                max_bytes = self.inner.max_bytes,
                "the files running tasks use exceed the cache's bound"
            );
        }
        Ok(())
    }
}

/// Room kept for a download under way; given back when dropped, also when the fetch is
/// abandoned halfway (a task canceled while its files come), so the count never drifts.
struct Reservation<'a> {
    inner: &'a Inner,
    bytes: u64,
}

impl<'a> Reservation<'a> {
    fn new(inner: &'a Inner, bytes: u64) -> Self {
        *inner
            .reserved
            .lock()
            .unwrap_or_else(PoisonError::into_inner) += bytes;
        Self { inner, bytes }
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        let mut reserved = self
            .inner
            .reserved
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *reserved = reserved.saturating_sub(self.bytes);
    }
}

#[cfg(test)]
mod tests;
