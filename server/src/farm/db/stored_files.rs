//! Job files without shared storage, in SQL: projects' storage modes and quotas, the files
//! kept by content, uploads under way, each job's file set and its outputs (0028).
//!
//! A project's use of the server's disk, which its quota bounds, is what it holds: the
//! stored files it uploaded or its jobs use (a file two projects hold counts for both, as
//! each would have to send it), the declared size of its uploads under way, and its jobs'
//! outputs.

use drover_shared::api::{JobFile, JobOutput, ProjectStorage, ProjectStorageInput, StorageMode};
use drover_shared::{JobId, ProjectId, TaskId};
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

/// Bytes the project takes on the server (see the module's comment).
pub fn used_bytes(conn: &Connection, project: ProjectId) -> rusqlite::Result<u64> {
    let used: i64 = conn
        .prepare_cached(
            "SELECT
               (SELECT COALESCE(SUM(f.size), 0) FROM project_files AS p
                  JOIN stored_files AS f ON f.sha256 = p.sha256 WHERE p.project_id = :p)
             + (SELECT COALESCE(SUM(size), 0) FROM file_uploads WHERE project_id = :p)
             + (SELECT COALESCE(SUM(o.size), 0) FROM job_outputs AS o
                  JOIN jobs AS j ON j.id = o.job_id WHERE j.project_id = :p)",
        )?
        .query_row(named_params! { ":p": project }, |r| r.get(0))?;
    Ok(u64::try_from(used).unwrap_or(0))
}

/// A project's storage mode, quota and use; `None` when the project does not exist.
pub fn project_storage(
    conn: &Connection,
    project: ProjectId,
) -> rusqlite::Result<Option<ProjectStorage>> {
    let row: Option<(String, i64)> = conn
        .prepare_cached("SELECT storage_mode, storage_quota_bytes FROM projects WHERE id = :p")?
        .query_row(named_params! { ":p": project }, |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let Some((mode, quota)) = row else {
        return Ok(None);
    };
    Ok(Some(ProjectStorage {
        mode: StorageMode::parse(&mode).unwrap_or_default(),
        quota_bytes: u64::try_from(quota).unwrap_or(0),
        used_bytes: used_bytes(conn, project)?,
    }))
}

/// Changes a project's mode and quota (absent fields keep theirs); `None` when the project
/// does not exist.
pub fn set_project_storage(
    conn: &Connection,
    project: ProjectId,
    input: &ProjectStorageInput,
) -> rusqlite::Result<Option<ProjectStorage>> {
    let quota = input
        .quota_bytes
        .map(|q| i64::try_from(q).unwrap_or(i64::MAX));
    conn.execute(
        "UPDATE projects SET storage_mode = COALESCE(:mode, storage_mode),
                storage_quota_bytes = COALESCE(:quota, storage_quota_bytes)
         WHERE id = :p",
        named_params! { ":mode": input.mode.map(StorageMode::as_str), ":quota": quota, ":p": project },
    )?;
    project_storage(conn, project)
}

/// The size of a stored file, or `None` when the server does not have it whole.
pub fn stored_size(conn: &Connection, sha256: &str) -> rusqlite::Result<Option<u64>> {
    conn.prepare_cached("SELECT size FROM stored_files WHERE sha256 = :h")?
        .query_row(named_params! { ":h": sha256 }, |r| r.get::<_, i64>(0))
        .optional()
        .map(|size| size.map(|s| u64::try_from(s).unwrap_or(0)))
}

/// The size of a stored file `project` holds (it sent it, or a job of it uses it), or
/// `None`.
pub fn held_size(
    conn: &Connection,
    project: ProjectId,
    sha256: &str,
) -> rusqlite::Result<Option<u64>> {
    conn.prepare_cached(
        "SELECT f.size FROM project_files AS p JOIN stored_files AS f ON f.sha256 = p.sha256
         WHERE p.project_id = :p AND p.sha256 = :h",
    )?
    .query_row(named_params! { ":p": project, ":h": sha256 }, |r| {
        r.get::<_, i64>(0)
    })
    .optional()
    .map(|size| size.map(|s| u64::try_from(s).unwrap_or(0)))
}

/// The hashes of `hashes` that `project` does not hold, in their order, each once. A file
/// only another project holds counts as missing: its content must be sent (and checked) once
/// for this project too, so that knowing a hash never stands in for having the file. The
/// disk keeps one copy all the same.
pub fn missing<'a>(
    conn: &Connection,
    project: ProjectId,
    hashes: impl IntoIterator<Item = &'a str>,
) -> rusqlite::Result<Vec<String>> {
    // One statement over the whole list (a JSON array): SQLite walks it in C, where one
    // lookup per hash from Rust spent most of a 10,000-hash check binding and stepping.
    let mut seen = std::collections::HashSet::new();
    let list: Vec<&str> = hashes.into_iter().filter(|h| seen.insert(*h)).collect();
    let list = serde_json::to_string(&list)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    conn.prepare_cached(
        "SELECT j.value FROM json_each(:list) AS j
         WHERE NOT EXISTS (SELECT 1 FROM project_files AS f
                           WHERE f.project_id = :p AND f.sha256 = j.value)
         ORDER BY j.key",
    )?
    .query_map(named_params! { ":list": list, ":p": project }, |r| r.get(0))?
    .collect()
}

/// The declared size of the project's upload of `sha256` under way, if one is.
pub fn upload_size(
    conn: &Connection,
    project: ProjectId,
    sha256: &str,
) -> rusqlite::Result<Option<u64>> {
    conn.prepare_cached("SELECT size FROM file_uploads WHERE project_id = :p AND sha256 = :h")?
        .query_row(named_params! { ":p": project, ":h": sha256 }, |r| {
            r.get::<_, i64>(0)
        })
        .optional()
        .map(|size| size.map(|s| u64::try_from(s).unwrap_or(0)))
}

/// Records an upload under way (its size counts against the quota from now), or marks it
/// touched when it was.
pub fn begin_upload(
    conn: &Connection,
    project: ProjectId,
    sha256: &str,
    size: u64,
    now: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO file_uploads (project_id, sha256, size, started, touched)
         VALUES (:p, :h, :size, :now, :now)
         ON CONFLICT (project_id, sha256) DO UPDATE SET touched = :now",
    )?
    .execute(named_params! {
        ":p": project, ":h": sha256, ":size": i64::try_from(size).unwrap_or(i64::MAX), ":now": now
    })?;
    Ok(())
}

/// Forgets an upload under way (dropped, or done).
pub fn end_upload(conn: &Connection, project: ProjectId, sha256: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM file_uploads WHERE project_id = :p AND sha256 = :h")?
        .execute(named_params! { ":p": project, ":h": sha256 })?;
    Ok(())
}

/// Records a whole, checked file as stored and held by `project`, ending its upload.
pub fn store(
    conn: &Connection,
    project: ProjectId,
    sha256: &str,
    size: u64,
    now: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO stored_files (sha256, size, created) VALUES (:h, :size, :now)
         ON CONFLICT (sha256) DO NOTHING",
    )?
    .execute(named_params! {
        ":h": sha256, ":size": i64::try_from(size).unwrap_or(i64::MAX), ":now": now
    })?;
    hold(conn, project, sha256, now)?;
    end_upload(conn, project, sha256)
}

/// Marks a stored file as held by `project` (counted in its quota).
pub fn hold(conn: &Connection, project: ProjectId, sha256: &str, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO project_files (project_id, sha256, since) VALUES (:p, :h, :now)
         ON CONFLICT (project_id, sha256) DO NOTHING",
    )?
    .execute(named_params! { ":p": project, ":h": sha256, ":now": now })?;
    Ok(())
}

/// Why a job's file set was refused.
#[derive(Debug)]
pub enum SetRefusal {
    /// The project holds none of these hashes (at most 10 named).
    Missing(Vec<String>),
    /// A file's size is not the stored one.
    WrongSize(String),
    /// Holding the set would take the project past its quota.
    OverQuota {
        /// What the project would use.
        needed: u64,
        /// Its quota.
        quota: u64,
    },
    /// SQLite failed.
    Sql(rusqlite::Error),
}

impl From<rusqlite::Error> for SetRefusal {
    fn from(e: rusqlite::Error) -> Self {
        Self::Sql(e)
    }
}

/// Stores a new job's file set and marks the job as `upload`: the project must hold every
/// file (sent by it) with its size, and its quota must hold them. Runs in the submit's write.
pub fn attach(
    conn: &Connection,
    job: JobId,
    project: ProjectId,
    files: &[JobFile],
    now: i64,
) -> Result<(), SetRefusal> {
    let mut missing_hashes = missing(conn, project, files.iter().map(|f| f.sha256.as_str()))?;
    if !missing_hashes.is_empty() {
        missing_hashes.truncate(10);
        return Err(SetRefusal::Missing(missing_hashes));
    }
    let mut insert = conn.prepare_cached(
        "INSERT INTO job_files (job_id, path, sha256, size) VALUES (:j, :path, :h, :size)",
    )?;
    for file in files {
        if stored_size(conn, &file.sha256)? != Some(file.size) {
            return Err(SetRefusal::WrongSize(file.path.clone()));
        }
        insert.execute(named_params! {
            ":j": job, ":path": file.path, ":h": file.sha256,
            ":size": i64::try_from(file.size).unwrap_or(i64::MAX),
        })?;
        hold(conn, project, &file.sha256, now)?;
    }
    conn.prepare_cached("UPDATE jobs SET storage_mode = 'upload' WHERE id = :j")?
        .execute(named_params! { ":j": job })?;
    let storage = project_storage(conn, project)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
    if storage.used_bytes > storage.quota_bytes {
        return Err(SetRefusal::OverQuota {
            needed: storage.used_bytes,
            quota: storage.quota_bytes,
        });
    }
    Ok(())
}

/// A job's file set, by path.
pub fn job_files(conn: &Connection, job: JobId) -> rusqlite::Result<Vec<JobFile>> {
    conn.prepare_cached("SELECT path, sha256, size FROM job_files WHERE job_id = :j ORDER BY path")?
        .query_map(named_params! { ":j": job }, |r| {
            Ok(JobFile {
                path: r.get(0)?,
                sha256: r.get(1)?,
                size: u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
            })
        })?
        .collect()
}

/// Whether the job's file set has a file of this content.
pub fn job_uses(conn: &Connection, job: JobId, sha256: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM job_files WHERE job_id = :j AND sha256 = :h LIMIT 1")?
        .exists(named_params! { ":j": job, ":h": sha256 })
}

fn output_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<JobOutput> {
    Ok(JobOutput {
        name: r.get(0)?,
        size: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
        task_id: r.get::<_, Option<TaskId>>(2)?,
        updated: crate::db::time_from_ms(r.get(3)?),
    })
}

/// Records (or replaces) a job's output.
pub fn put_output(
    conn: &Connection,
    job: JobId,
    name: &str,
    size: u64,
    task: TaskId,
    now: i64,
) -> rusqlite::Result<JobOutput> {
    conn.prepare_cached(
        "INSERT INTO job_outputs (job_id, name, size, task_id, updated)
         VALUES (:j, :name, :size, :t, :now)
         ON CONFLICT (job_id, name) DO UPDATE SET size = :size, task_id = :t, updated = :now",
    )?
    .execute(named_params! {
        ":j": job, ":name": name, ":size": i64::try_from(size).unwrap_or(i64::MAX),
        ":t": task, ":now": now,
    })?;
    output(conn, job, name)?.ok_or(rusqlite::Error::QueryReturnedNoRows)
}

/// A job's outputs by name.
pub fn outputs(conn: &Connection, job: JobId) -> rusqlite::Result<Vec<JobOutput>> {
    conn.prepare_cached(
        "SELECT name, size, task_id, updated FROM job_outputs WHERE job_id = :j ORDER BY name",
    )?
    .query_map(named_params! { ":j": job }, output_from_row)?
    .collect()
}

/// One output of a job.
pub fn output(conn: &Connection, job: JobId, name: &str) -> rusqlite::Result<Option<JobOutput>> {
    conn.prepare_cached(
        "SELECT name, size, task_id, updated FROM job_outputs WHERE job_id = :j AND name = :name",
    )?
    .query_row(named_params! { ":j": job, ":name": name }, output_from_row)
    .optional()
}

/// The size an output of this name takes now (0 when there is none): a replacement frees it.
pub fn output_size(conn: &Connection, job: JobId, name: &str) -> rusqlite::Result<u64> {
    Ok(output(conn, job, name)?.map_or(0, |o| o.size))
}

/// What the clean-up may remove, decided in one write.
#[derive(Debug, Default)]
pub struct Sweep {
    /// Stored files no project holds any more: remove their blobs.
    pub files: Vec<String>,
    /// Uploads nobody continued: remove their partial files.
    pub uploads: Vec<(ProjectId, String)>,
}

/// Releases what no live job uses: a project stops holding a file none of its jobs uses
/// once it held it for `grace_ms` (time to submit the job it was uploaded for); a file no
/// project holds and no job uses is removed; uploads untouched for `grace_ms` are dropped.
/// Deleting a job deletes its file set and outputs rows (`ON DELETE CASCADE`).
pub fn sweep(conn: &Connection, now: i64, grace_ms: i64) -> rusqlite::Result<Sweep> {
    let cutoff = now - grace_ms;
    conn.prepare_cached(
        "DELETE FROM project_files AS p WHERE since < :cutoff AND NOT EXISTS (
             SELECT 1 FROM job_files AS f JOIN jobs AS j ON j.id = f.job_id
             WHERE f.sha256 = p.sha256 AND j.project_id = p.project_id)",
    )?
    .execute(named_params! { ":cutoff": cutoff })?;
    let files: Vec<String> = conn
        .prepare_cached(
            "DELETE FROM stored_files AS s WHERE created < :cutoff
               AND NOT EXISTS (SELECT 1 FROM project_files AS p WHERE p.sha256 = s.sha256)
               AND NOT EXISTS (SELECT 1 FROM job_files AS f WHERE f.sha256 = s.sha256)
             RETURNING sha256",
        )?
        .query_map(named_params! { ":cutoff": cutoff }, |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let uploads = conn
        .prepare_cached(
            "DELETE FROM file_uploads WHERE touched < :cutoff RETURNING project_id, sha256",
        )?
        .query_map(named_params! { ":cutoff": cutoff }, |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Sweep { files, uploads })
}

/// Whether a stored file's row exists (the disk sweep keeps the blobs that have one).
pub fn is_stored(conn: &Connection, sha256: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM stored_files WHERE sha256 = :h")?
        .exists(named_params! { ":h": sha256 })
}
