//! Types of the farm's side routes: blocklists, last-rendered previews, the join token, the
//! farm's disk use.

use crate::ids::WorkerId;
use crate::status::TaskType;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

/// A worker kept away from a job after failing too many of its tasks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BlocklistEntry {
    /// The worker.
    pub worker_id: WorkerId,
    /// Its name.
    pub worker_name: String,
    /// The task type it may not run for this job.
    pub task_type: TaskType,
    /// Since when.
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
}

/// Size of a last-rendered image.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PreviewSize {
    /// As uploaded (re-encoded as JPEG, at most 1920 px wide).
    #[default]
    Full,
    /// 600 px wide.
    W600,
    /// 200 px wide.
    W200,
}

/// Query of the last-rendered routes.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PreviewQuery {
    /// Which size (default full).
    #[serde(default)]
    #[param(inline)]
    pub size: PreviewSize,
}

/// `GET /farm/join-token` (admins): the token workers join with.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct JoinToken {
    /// Pass to `drover-worker --token`.
    pub token: String,
}

impl super::ImageFormat {
    /// Blender's name for the format (`--render-format`) and the files' extension.
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            Self::Png => ("PNG", "png"),
            Self::Jpeg => ("JPEG", "jpg"),
            Self::OpenExr => ("OPEN_EXR", "exr"),
        }
    }
}

impl super::BlenderRenderSettings {
    /// For an output template (`####` for the frame number): the frames' file pattern for
    /// ffmpeg (`####` → `%04d`, plus the format's extension) and the job video's path beside
    /// them (the template without its frame number, `.mp4`). The worker writes the video
    /// there; the server finds it there to publish it.
    pub fn video_paths(&self, output: &str) -> (String, String) {
        let (_, extension) = self.format.names();
        let hashes = output
            .chars()
            .rev()
            .skip_while(|c| *c != '#')
            .take_while(|c| *c == '#')
            .count()
            .max(1);
        let run = "#".repeat(hashes);
        let input = if output.contains(&run) {
            format!(
                "{}.{extension}",
                output.replacen(&run, &format!("%0{hashes}d"), 1)
            )
        } else {
            format!("{output}%04d.{extension}")
        };
        let stem = output.replacen(&run, "", 1);
        let stem = stem.trim_end_matches(['_', '-', '.', ' ']);
        let video = if stem.is_empty() || stem.ends_with(['/', '\\']) {
            format!("{stem}video.mp4")
        } else {
            format!("{stem}.mp4")
        };
        (input, video)
    }
}

/// `GET /farm/disk` (managers): what fills the server's data dir, and the room left on its
/// disk, so a supervisor sees when housekeeping (`keep_*_days`) is due.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FarmDisk {
    /// Task logs.
    pub logs_bytes: u64,
    /// Last-rendered pictures.
    pub previews_bytes: u64,
    /// Jobs' outputs (frames and videos sent back by workers).
    pub outputs_bytes: u64,
    /// Job files uploaded for farms without shared storage.
    pub job_files_bytes: u64,
    /// Production tracking's previews, attachments and pictures.
    pub production_bytes: u64,
    /// The database, its log included.
    pub database_bytes: u64,
    /// Bytes free on the disk the data dir is on, when the system says.
    #[serde(default)]
    pub free_bytes: Option<u64>,
    /// That disk's size, when the system says.
    #[serde(default)]
    pub total_bytes: Option<u64>,
}
