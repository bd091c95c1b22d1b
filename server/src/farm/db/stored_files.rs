//! Job files without shared storage, in SQL: projects' storage modes and quotas, the files
//! kept by content, uploads under way, each job's file set and its outputs (0028).

use drover_shared::JobId;
use drover_shared::api::StorageMode;
use rusqlite::{Connection, OptionalExtension, named_params};

/// The storage mode a job was submitted in; shared for a job that is gone.
pub fn job_storage(conn: &Connection, job: JobId) -> rusqlite::Result<StorageMode> {
    let mode: Option<String> = conn
        .prepare_cached("SELECT storage_mode FROM jobs WHERE id = :job")?
        .query_row(named_params! { ":job": job }, |r| r.get(0))
        .optional()?;
    Ok(mode
        .as_deref()
        .and_then(StorageMode::parse)
        .unwrap_or_default())
}
