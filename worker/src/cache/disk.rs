//! The cache's file-system steps: marking use, removing read-only files, syncing names,
//! hashing an entry, and placing one in a job folder.

use super::{CacheError, io_error};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::time::SystemTime;

/// Marks an entry as just used (its modification time orders eviction). Failing to only
/// makes eviction's order less exact, so it is logged, not returned.
pub(super) fn touch(path: &Path) {
    let result = std::fs::File::open(path).and_then(|f| f.set_modified(SystemTime::now()));
    if let Err(e) = result {
        tracing::debug!(file = %path.display(), error = %e, "could not mark a cache entry used");
    }
}

/// Syncs a directory, so the names made or removed in it are on disk. (Windows cannot open
/// a directory as a file, and its NTFS journals names itself.)
#[cfg_attr(
    not(unix),
    allow(
        clippy::unnecessary_wraps,
        reason = "the same signature on every platform; only Unix has a step that can fail"
    )
)]
pub(super) fn sync_dir(dir: &Path) -> Result<(), CacheError> {
    #[cfg(unix)]
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_error(dir))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Removes a file, read-only or not (Windows refuses to delete read-only files).
pub(super) fn remove(path: &Path) -> std::io::Result<()> {
    if let Ok(meta) = std::fs::metadata(path) {
        let mut permissions = meta.permissions();
        if permissions.readonly() {
            #[allow(
                clippy::permissions_set_readonly_false,
                reason = "the file is about to be deleted; who may write it for the moment does not matter"
            )]
            permissions.set_readonly(false);
            let _ = std::fs::set_permissions(path, permissions);
        }
    }
    match std::fs::remove_file(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// SHA-256 (lowercase hex) and length of a file, read on a blocking thread.
pub async fn hash_file(path: &Path) -> Result<(String, u64), CacheError> {
    let owned = path.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut file = std::fs::File::open(&owned)?;
        let mut hasher = Sha256::new();
        let size = std::io::copy(&mut file, &mut hasher)?;
        Ok((format!("{:x}", hasher.finalize()), size))
    })
    .await
    .unwrap_or_else(|e| Err(std::io::Error::other(e)))
    .map_err(io_error(path))
}

/// Puts the cache entry `entry` at `dest` in a job folder: a hard link (no copy, no extra
/// space), or a copy when the two are on different file systems or links are refused.
pub fn link_into(entry: &Path, dest: &Path) -> std::io::Result<()> {
    remove(dest)?;
    if let Err(e) = std::fs::hard_link(entry, dest) {
        tracing::debug!(error = %e, dest = %dest.display(), "hard link refused; copying");
        std::fs::copy(entry, dest)?;
    }
    Ok(())
}
