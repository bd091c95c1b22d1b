//! The job files and outputs the server keeps on disk, for projects without shared storage:
//! files by content at `files/sha256/<2 digits>/<hash>`, uploads under way at
//! `files/partial/<project>-<hash>.part`, and each job's outputs at `outputs/job-N/<name>`.
//!
//! Bodies stream to disk as they arrive (never held whole) and are hashed on the way; a file
//! becomes stored only once its bytes are synced and its SHA-256 matched, by a rename, so a
//! crash leaves a partial upload to resume or an orphan the sweep removes, never a wrong file
//! under a hash.

use axum::body::Body;
use drover_shared::{JobId, ProjectId};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncWriteExt, BufWriter};

/// How long the server keeps job files nobody uses.
#[derive(Debug, Clone, Copy)]
pub struct FileLimits {
    /// A file a project uploaded is kept this long for the job it was sent for, and an upload
    /// nobody continues is dropped after it; past it, files no job uses are removed.
    pub grace: std::time::Duration,
}

impl Default for FileLimits {
    fn default() -> Self {
        Self {
            grace: std::time::Duration::from_hours(24),
        }
    }
}

impl FileLimits {
    /// How often the clean-up runs: a quarter of the grace, between 1 s and 10 min.
    pub fn sweep_interval(&self) -> std::time::Duration {
        (self.grace / 4).clamp(
            std::time::Duration::from_secs(1),
            std::time::Duration::from_mins(10),
        )
    }
}

/// Write buffer of a streaming body.
const WRITE_BUFFER: usize = 1024 * 1024;

/// A stored file's place.
pub fn blob_path(data_dir: &Path, sha256: &str) -> PathBuf {
    data_dir
        .join("files")
        .join("sha256")
        .join(&sha256[..2])
        .join(sha256)
}

/// An upload under way.
pub fn partial_path(data_dir: &Path, project: ProjectId, sha256: &str) -> PathBuf {
    data_dir
        .join("files")
        .join("partial")
        .join(format!("{project}-{sha256}.part"))
}

/// A job's outputs folder.
pub fn outputs_dir(data_dir: &Path, job: JobId) -> PathBuf {
    data_dir.join("outputs").join(format!("job-{job}"))
}

/// One output of a job (its name is checked by `check_output_name`).
pub fn output_path(data_dir: &Path, job: JobId, name: &str) -> PathBuf {
    outputs_dir(data_dir, job).join(name)
}

/// Bytes received of an upload under way (0 when nothing is on disk).
pub async fn received(partial: &Path) -> u64 {
    tokio::fs::metadata(partial).await.map_or(0, |m| m.len())
}

/// The uploads being received now, so two requests never write one partial file.
#[derive(Default, Clone)]
pub struct UploadLocks(Arc<Mutex<HashSet<(ProjectId, String)>>>);

/// Held while a request writes an upload; releases it when dropped.
pub struct UploadGuard {
    locks: UploadLocks,
    key: (ProjectId, String),
}

impl UploadLocks {
    /// Takes the upload of `sha256` into `project`, or `None` when another request has it.
    pub fn take(&self, project: ProjectId, sha256: &str) -> Option<UploadGuard> {
        let key = (project, sha256.to_owned());
        let mut held = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        held.insert(key.clone()).then(|| UploadGuard {
            locks: self.clone(),
            key,
        })
    }
}

impl Drop for UploadGuard {
    fn drop(&mut self) {
        let mut held = self
            .locks
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        held.remove(&self.key);
    }
}

/// How a streamed upload ended.
#[derive(Debug)]
pub enum Received {
    /// The body ended (or broke off) before the whole file: this many bytes are kept.
    Partial(u64),
    /// The whole file arrived, matched its hash and is stored.
    Stored,
}

/// Why a streamed body was refused.
#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    /// More bytes than announced.
    #[error("the body is longer than the file's size of {0} bytes")]
    TooLong(u64),
    /// The content is not what its hash says.
    #[error("the file's SHA-256 is {actual}, not {expected}")]
    Mismatch {
        /// What was announced.
        expected: String,
        /// What arrived.
        actual: String,
    },
    /// Past a limit (quota, largest output).
    #[error("{0}")]
    TooLarge(String),
    /// Disk trouble.
    #[error("writing {what}: {source}")]
    Io {
        /// Which file.
        what: String,
        /// The error.
        source: std::io::Error,
    },
}

fn io(what: &Path) -> impl FnOnce(std::io::Error) -> ReceiveError + '_ {
    move |source| ReceiveError::Io {
        what: what.display().to_string(),
        source,
    }
}

/// Hashes the first `len` bytes of a file (a resumed upload's prefix), off the runtime.
async fn hash_prefix(path: PathBuf, len: u64) -> Result<Sha256, ReceiveError> {
    tokio::task::spawn_blocking(move || {
        let mut hasher = Sha256::new();
        let mut file = std::fs::File::open(&path)?.take(len);
        let mut buffer = vec![0; WRITE_BUFFER];
        loop {
            let n = file.read(&mut buffer)?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
        }
        Ok::<_, std::io::Error>(hasher)
    })
    .await
    .map_err(|e| ReceiveError::Io {
        what: "a partial upload".into(),
        source: std::io::Error::other(e),
    })?
    .map_err(|source| ReceiveError::Io {
        what: "a partial upload".into(),
        source,
    })
}

async fn make_parent(path: &Path) -> Result<(), ReceiveError> {
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await.map_err(io(dir))?;
    }
    Ok(())
}

/// Streams `body` onto the upload's partial file from `offset` (which the caller checked is
/// what the file has), and once `size` bytes are there checks the SHA-256 and moves the file
/// to its stored place. A refused body (too long, wrong hash) drops the partial file: the
/// upload starts over.
pub async fn receive(
    body: Body,
    partial: &Path,
    stored: &Path,
    offset: u64,
    size: u64,
    sha256: &str,
) -> Result<Received, ReceiveError> {
    make_parent(partial).await?;
    let mut hasher = if offset > 0 {
        hash_prefix(partial.to_owned(), offset).await?
    } else {
        Sha256::new()
    };
    let file = tokio::fs::OpenOptions::new()
        .create(true)
        .append(offset > 0)
        .write(true)
        .truncate(offset == 0)
        .open(partial)
        .await
        .map_err(io(partial))?;
    let mut out = BufWriter::with_capacity(WRITE_BUFFER, file);
    let mut have = offset;
    let mut stream = body.into_data_stream();
    let mut broke_off = false;
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            // The connection dropped: keep what arrived, to resume from.
            broke_off = true;
            break;
        };
        let len = chunk.len() as u64;
        if have + len > size {
            drop(out);
            let _ = tokio::fs::remove_file(partial).await;
            return Err(ReceiveError::TooLong(size));
        }
        hasher.update(&chunk);
        out.write_all(&chunk).await.map_err(io(partial))?;
        have += len;
    }
    out.flush().await.map_err(io(partial))?;
    let file = out.into_inner();
    if broke_off || have < size {
        return Ok(Received::Partial(have));
    }
    let actual = format!("{:x}", hasher.finalize());
    if actual != sha256 {
        drop(file);
        let _ = tokio::fs::remove_file(partial).await;
        return Err(ReceiveError::Mismatch {
            expected: sha256.to_owned(),
            actual,
        });
    }
    file.sync_all().await.map_err(io(partial))?;
    drop(file);
    make_parent(stored).await?;
    tokio::fs::rename(partial, stored)
        .await
        .map_err(io(stored))?;
    Ok(Received::Stored)
}

/// Streams an output to a hidden file beside its place and renames it there once whole;
/// refuses past `limit` bytes (then nothing is kept). Returns its size.
pub async fn receive_output(
    body: Body,
    path: &Path,
    limit: u64,
    why: &str,
) -> Result<u64, ReceiveError> {
    make_parent(path).await?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.{}.part", uuid::Uuid::new_v4()));
    let file = tokio::fs::File::create(&temporary)
        .await
        .map_err(io(&temporary))?;
    let mut out = BufWriter::with_capacity(WRITE_BUFFER, file);
    let mut have = 0u64;
    let mut stream = body.into_data_stream();
    let outcome = async {
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| ReceiveError::Io {
                what: "the request body".into(),
                source: std::io::Error::other(e),
            })?;
            have += chunk.len() as u64;
            if have > limit {
                return Err(ReceiveError::TooLarge(why.to_owned()));
            }
            out.write_all(&chunk).await.map_err(io(&temporary))?;
        }
        out.flush().await.map_err(io(&temporary))?;
        out.get_ref().sync_all().await.map_err(io(&temporary))?;
        Ok(())
    }
    .await;
    if let Err(e) = outcome {
        let _ = tokio::fs::remove_file(&temporary).await;
        return Err(e);
    }
    tokio::fs::rename(&temporary, path)
        .await
        .map_err(io(path))?;
    Ok(have)
}

/// Stored files and partial uploads found on disk.
#[derive(Debug, Default)]
pub struct Found {
    /// Stored files' hashes.
    pub files: Vec<String>,
    /// Partial uploads' projects and hashes.
    pub uploads: Vec<(ProjectId, String)>,
}

/// The stored files and partial uploads on disk last changed longer than `age` ago
/// (blocking; unreadable folders are skipped).
pub fn old_files(data_dir: &Path, age: std::time::Duration) -> Found {
    let old = |entry: &std::fs::DirEntry| {
        entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|elapsed| elapsed >= age)
    };
    let entries = |dir: PathBuf| {
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
    };
    let mut found = Found::default();
    for shard in entries(data_dir.join("files").join("sha256")) {
        for entry in entries(shard.path()) {
            let name = entry.file_name().to_string_lossy().into_owned();
            if drover_shared::api::is_sha256(&name) && old(&entry) {
                found.files.push(name);
            }
        }
    }
    for entry in entries(data_dir.join("files").join("partial")) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let parsed = name
            .strip_suffix(".part")
            .and_then(|stem| stem.split_once('-'))
            .and_then(|(project, sha256)| Some((project.parse().ok()?, sha256.to_owned())));
        if let Some((project, sha256)) = parsed
            && old(&entry)
        {
            found.uploads.push((ProjectId(project), sha256));
        }
    }
    found
}

/// Removes stored files and partial uploads the database let go of (blocking).
pub fn remove(data_dir: &Path, files: &[String], uploads: &[(ProjectId, String)]) {
    for sha256 in files {
        let _ = std::fs::remove_file(blob_path(data_dir, sha256));
    }
    for (project, sha256) in uploads {
        let _ = std::fs::remove_file(partial_path(data_dir, *project, sha256));
    }
}
