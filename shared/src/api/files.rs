//! Job files without shared storage: a project's storage mode and quota, the content-addressed
//! file store (files known by SHA-256, uploaded once, resumable), a job's file set, and the
//! outputs a job's tasks send back.
//!
//! The flow: the submitter lists the job's files with their hashes, asks which the server
//! lacks (`POST /projects/{id}/files/check`), uploads those (`PUT /projects/{id}/files/{sha256}`,
//! resumable from `received`), then submits the job with `files`. A worker fetches the set
//! into its cache, renders in a job folder of its own and uploads each output.

use crate::ids::TaskId;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

/// How a project's render nodes reach its files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StorageMode {
    /// Every render node reads the project's folders (`path_server` mapped per OS): jobs
    /// name their files by path and render in place.
    #[default]
    Shared,
    /// Nothing is shared: a job brings its files (uploaded by hash), render nodes fetch them
    /// and send their outputs back to the server.
    Upload,
}

impl StorageMode {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Shared => "shared",
            Self::Upload => "upload",
        }
    }

    /// True for [`StorageMode::Shared`] (serde's `skip_serializing_if`).
    pub fn is_shared(&self) -> bool {
        *self == Self::Shared
    }

    /// Reads a wire name.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "shared" => Some(Self::Shared),
            "upload" => Some(Self::Upload),
            _ => None,
        }
    }
}

/// `GET /projects/{id}/storage`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProjectStorage {
    /// Shared folders, or uploaded files.
    pub mode: StorageMode,
    /// Most bytes the project's files and outputs may take on the server.
    pub quota_bytes: u64,
    /// Bytes they take now: the stored files the project's jobs use or it uploaded, and its
    /// jobs' outputs.
    pub used_bytes: u64,
}

/// `PUT /projects/{id}/storage`: absent fields keep their value.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectStorageInput {
    /// See [`ProjectStorage::mode`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<StorageMode>,
    /// See [`ProjectStorage::quota_bytes`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota_bytes: Option<u64>,
}

/// A file by content: its SHA-256 (64 lowercase hex digits) and size.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileRef {
    /// SHA-256 of the content, lowercase hex.
    pub sha256: String,
    /// Bytes.
    pub size: u64,
}

/// `POST /projects/{id}/files/check`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileCheck {
    /// The files a job will use (at most 100,000).
    pub files: Vec<FileRef>,
}

/// Answer of `POST /projects/{id}/files/check`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FileCheckAnswer {
    /// Hashes the server does not have: upload these (each once).
    pub missing: Vec<String>,
    /// The project's quota.
    pub quota_bytes: u64,
    /// What the project uses now.
    pub used_bytes: u64,
}

/// Query of `GET` and `PUT /projects/{id}/files/{sha256}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// The whole file's size in bytes.
    pub size: u64,
    /// `PUT`: where the body starts in the file; must equal what the server has received
    /// (0 for a new upload). Absent: 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
}

/// Where an upload stands: `GET` and `PUT /projects/{id}/files/{sha256}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UploadState {
    /// The file's hash.
    pub sha256: String,
    /// The file's size.
    pub size: u64,
    /// Bytes received so far of an unfinished upload (resume from here); `size` once stored.
    pub received: u64,
    /// The server has the whole file, checked against its hash.
    pub stored: bool,
}

/// One file of a job's file set: where it goes in the job folder, and which content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JobFile {
    /// Relative path in the job folder, `/`-separated, without `.` or `..` parts.
    pub path: String,
    /// SHA-256 of the content, lowercase hex.
    pub sha256: String,
    /// Bytes.
    pub size: u64,
}

/// One output of a job (a rendered frame, the video), kept on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct JobOutput {
    /// File name, unique in the job.
    pub name: String,
    /// Bytes.
    pub size: u64,
    /// The task that made it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<TaskId>,
    /// When it arrived.
    #[serde(with = "time::serde::rfc3339")]
    pub updated: OffsetDateTime,
}

/// Whether `hash` is a SHA-256 as the API writes it: 64 lowercase hex digits.
pub fn is_sha256(hash: &str) -> bool {
    hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Checks a job file's relative path: not empty, at most 1,024 bytes, `/`-separated, no
/// empty, `.` or `..` part, not absolute, no backslash, drive letter or control character.
/// The error says what is wrong.
pub fn check_job_path(path: &str) -> Result<(), String> {
    if path.is_empty() || path.len() > 1024 {
        return Err(format!("job file path {path:?} must have 1 to 1,024 bytes"));
    }
    if path.contains('\\') || path.contains(':') || path.chars().any(char::is_control) {
        return Err(format!(
            "job file path {path:?} must use `/` and no `\\`, `:` or control characters"
        ));
    }
    if path
        .split('/')
        .any(|part| part.is_empty() || part == "." || part == "..")
    {
        return Err(format!(
            "job file path {path:?} must be relative, without empty, `.` or `..` parts"
        ));
    }
    Ok(())
}

/// Checks an output's name: one file name of 1 to 255 bytes of letters, digits, `.`, `_`
/// and `-`, not starting with `.`.
pub fn check_output_name(name: &str) -> Result<(), String> {
    let fine = !name.is_empty()
        && name.len() <= 255
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if fine {
        Ok(())
    } else {
        Err(format!(
            "output name {name:?} must be 1 to 255 letters, digits, `.`, `_` or `-`, not \
             starting with `.`"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_paths_stay_inside_the_job_folder() {
        for fine in ["scene.blend", "tex/wood.png", "a b/ü.exr", "lib/..x/y"] {
            assert!(check_job_path(fine).is_ok(), "{fine}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../b",
            "a//b",
            "./a",
            "a/",
            "C:/x",
            "a\\b",
            "a\nb",
        ] {
            assert!(check_job_path(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn hashes_and_output_names() {
        assert!(is_sha256(&"ab".repeat(32)));
        assert!(!is_sha256(&"AB".repeat(32)));
        assert!(!is_sha256("abc"));
        assert!(check_output_name("frame_0001.png").is_ok());
        for bad in ["", ".hidden", "a/b", "..", "a b"] {
            assert!(check_output_name(bad).is_err(), "{bad:?}");
        }
    }
}
