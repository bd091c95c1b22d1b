//! Types of the farm's side routes: blocklists, last-rendered previews, the join token.

use crate::ids::WorkerId;
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
    pub task_type: String,
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
    pub size: PreviewSize,
}

/// `GET /farm/join-token` (admins): the token workers join with.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct JoinToken {
    /// Pass to `drover-worker --token`.
    pub token: String,
}
