//! Housekeeping in the background: every [`INTERVAL`], the jobs past the days the farm keeps
//! their status are archived or deleted ([`db::housekeeping`]), a batch of [`BATCH`] at a
//! time in one short write, so dispatch never waits behind it; their logs, previews and
//! outputs are removed after the write commits, and the clients hear of each job. And the
//! farm's disk use, by what fills it (`GET /farm/disk`).

use crate::error::ApiError;
use crate::farm::db::{self, housekeeping};
use crate::state::AppState;
use drover_shared::api::FarmDisk;
use drover_shared::events::EventKind;
use std::path::Path;
use std::time::Duration;

/// How often housekeeping looks for jobs past their days.
pub const INTERVAL: Duration = Duration::from_secs(5);
/// Jobs taken per write.
const BATCH: usize = 200;

/// Runs until the task is aborted.
pub async fn run(state: AppState) {
    let mut tick = tokio::time::interval(INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        // Batch after batch while there are jobs due, then wait for the next tick.
        loop {
            match sweep_once(&state).await {
                Ok(n) if n >= BATCH => tokio::task::yield_now().await,
                Ok(_) => break,
                Err(e) => {
                    tracing::error!(error = %e, "housekeeping");
                    break;
                }
            }
        }
    }
}

/// One batch: archives or deletes the jobs due now; returns how many.
pub async fn sweep_once(state: &AppState) -> Result<usize, ApiError> {
    let now = db::now_ms();
    // A read first: most passes find nothing and take no write.
    let (settings, due) = state
        .store
        .read(move |c| {
            let settings = db::settings::load(c)?;
            let due = housekeeping::due(c, &settings, now, BATCH)?;
            Ok::<_, ApiError>((settings, due))
        })
        .await?;
    if due.is_empty() {
        return Ok(0);
    }
    let swept = state
        .write_publishing(move |c, events| {
            let mut swept = housekeeping::sweep(c, &settings, &due, now)?;
            events.extend(
                swept
                    .deleted
                    .iter()
                    .map(|id| EventKind::JobDeleted { job_id: *id }),
            );
            events.extend(
                std::mem::take(&mut swept.changed)
                    .into_iter()
                    .map(|job| EventKind::Job { job }),
            );
            Ok::<_, ApiError>(swept)
        })
        .await?;
    let gone: Vec<_> = swept
        .archived
        .iter()
        .chain(&swept.deleted)
        .copied()
        .collect();
    let count = gone.len();
    let dir = state.data_dir.clone();
    let _ = tokio::task::spawn_blocking(move || {
        for id in gone {
            crate::farm::files::remove_job_files(&dir, id);
        }
    })
    .await;
    if count > 0 {
        tracing::info!(
            archived = swept.archived.len(),
            deleted = swept.deleted.len(),
            "housekeeping"
        );
    }
    let released = !swept.deleted.is_empty();
    if released {
        state.work_available();
    }
    Ok(count)
}

/// Bytes under `path` (files, recursively; what cannot be read counts as nothing).
fn bytes_under(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return std::fs::metadata(path).map_or(0, |m| m.len());
    };
    entries
        .flatten()
        .map(|entry| match entry.file_type() {
            Ok(kind) if kind.is_dir() => bytes_under(&entry.path()),
            Ok(_) => entry.metadata().map_or(0, |m| m.len()),
            Err(_) => 0,
        })
        .sum()
}

/// The farm's disk use under `data_dir`, by what fills it, and the room left on its disk.
pub fn disk_use(data_dir: &Path) -> FarmDisk {
    let database_bytes = std::fs::read_dir(data_dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(crate::DB_FILE))
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum();
    let (free_bytes, total_bytes) = room(data_dir);
    FarmDisk {
        logs_bytes: bytes_under(&data_dir.join("logs")),
        previews_bytes: bytes_under(&data_dir.join("previews")),
        outputs_bytes: bytes_under(&data_dir.join("outputs")),
        job_files_bytes: bytes_under(&data_dir.join("files")),
        production_bytes: bytes_under(&data_dir.join("production")),
        database_bytes,
        free_bytes,
        total_bytes,
    }
}

#[cfg(unix)]
fn room(path: &Path) -> (Option<u64>, Option<u64>) {
    match nix::sys::statvfs::statvfs(path) {
        Ok(fs) => {
            let unit = fs.fragment_size();
            (
                Some(fs.blocks_available().saturating_mul(unit)),
                Some(fs.blocks().saturating_mul(unit)),
            )
        }
        Err(_) => (None, None),
    }
}

#[cfg(not(unix))]
fn room(_: &Path) -> (Option<u64>, Option<u64>) {
    (None, None)
}
