//! Request and response bodies of the HTTP API, one section per resource.

use crate::ids::{JobId, ProjectId, TaskId, WorkerId};
use crate::status::{Role, TaskStatus, TaskType, WorkerStatus};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

// ---------------------------------------------------------------------------------------------
// Projects

/// One entry of `GET /projects`, keyed there by project id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProjectSummary {
    /// Display name.
    pub name: String,
    /// Free text.
    pub description: String,
}

/// `GET /projects`: project id (as a string key) to summary.
pub type ProjectList = BTreeMap<String, ProjectSummary>;

/// `GET /projects/{id}`: exactly the fields the farm API gives a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Project {
    /// Stable id.
    pub id: ProjectId,
    /// Inactive projects are hidden from `GET /projects` by default.
    pub is_active: bool,
    /// Display name.
    pub name: String,
    /// Project folder as Linux workers see it.
    pub path_linux: String,
    /// Project folder as macOS workers see it.
    pub path_osx: String,
    /// Project folder as written in job settings.
    pub path_server: String,
    /// Project folder as Windows workers see it.
    pub path_win: String,
    /// Render output folder for Linux.
    pub render_path_linux: String,
    /// Render output folder for macOS.
    pub render_path_osx: String,
    /// Render output folder as written in job settings.
    pub render_path_server: String,
    /// Render output folder for Windows.
    pub render_path_win: String,
}

/// `POST /projects` and `PUT /projects/{id}`. On `PUT`, absent fields keep their value.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectInput {
    /// Display name; required on create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Defaults to true on create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
    /// See [`Project::path_linux`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_linux: Option<String>,
    /// See [`Project::path_osx`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_osx: Option<String>,
    /// See [`Project::path_server`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_server: Option<String>,
    /// See [`Project::path_win`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_win: Option<String>,
    /// See [`Project::render_path_linux`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub render_path_linux: Option<String>,
    /// See [`Project::render_path_osx`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub render_path_osx: Option<String>,
    /// See [`Project::render_path_server`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub render_path_server: Option<String>,
    /// See [`Project::render_path_win`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub render_path_win: Option<String>,
}

/// Query of `GET /projects`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ProjectListQuery {
    /// Include inactive projects.
    #[serde(default)]
    pub include_inactive: bool,
}

// ---------------------------------------------------------------------------------------------
// Workers and managers

/// A render node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Worker {
    /// Stable id.
    pub id: WorkerId,
    /// Host name or the name given at registration.
    pub name: String,
    /// Current state.
    pub status: WorkerStatus,
    /// Last contact, if any.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_seen: Option<OffsetDateTime>,
    /// When it registered.
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
    /// Job tags it takes.
    pub tags: Vec<String>,
    /// Task types it runs.
    pub task_types: Vec<TaskType>,
    /// Its program's version.
    pub version: String,
    /// Its host, as last reported.
    pub facts: crate::protocol::HostFacts,
    /// The task it runs, if any.
    pub task_id: Option<TaskId>,
    /// A status asked of it and not yet reached.
    pub requested_status: Option<WorkerStatus>,
    /// Whether that request waits for the current task to end (`requested_lazy` in the
    /// first API).
    #[serde(alias = "requested_lazy")]
    pub requested_after_current_task: bool,
    /// Its rated draw in watts, set by a manager, for the farm history's energy estimate
    /// when the host measures none; `None`: the farm's `default_worker_watts`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watts: Option<f64>,
}

/// `POST /workers`: ask a worker to sleep (`asleep`), wake (`idle`) or shut down
/// (`offline`), now or after its current task.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkerStatusChange {
    /// Which worker.
    pub id: WorkerId,
    /// The status asked for: `asleep`, `idle` or `offline`.
    pub status: WorkerStatus,
    /// Once the current task ends (true) or now, stopping it (false, the default). `lazy`,
    /// its first name, is still taken.
    #[serde(default, alias = "lazy")]
    pub after_current_task: bool,
}

/// A site or sub-farm that reports how many workers it has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Manager {
    /// Stable id.
    pub uuid: uuid::Uuid,
    /// Display name.
    pub name: String,
    /// Workers it last reported.
    pub total_workers: u32,
    /// When it connected first.
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
}

/// `POST /managers`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewManager {
    /// Display name.
    pub name: String,
}

/// Answer of `POST /managers`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ManagerCreated {
    /// The new manager's id.
    pub uuid: uuid::Uuid,
}

/// `PATCH /managers/{uuid}` body and answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ManagerWorkers {
    /// How many workers the manager has now.
    pub total_workers: u32,
}

// ---------------------------------------------------------------------------------------------
// Settings and file browser

/// `GET /settings` and `POST /settings`: setting name to value.
pub type Settings = BTreeMap<String, serde_json::Value>;

/// `GET /settings/render`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RenderSettings {
    /// Render output root on Linux.
    pub render_path_linux: String,
    /// Render output root on macOS.
    pub render_path_osx: String,
    /// Render output root on Windows.
    pub render_path_win: String,
    /// Render output root as written in job settings.
    pub render_path_server: String,
}

/// One entry of a browsed folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BrowseEntry {
    /// File or folder name.
    pub name: String,
    /// Path relative to the browse root, `/`-separated.
    pub path: String,
    /// True for folders.
    pub is_dir: bool,
    /// Size in bytes; 0 for folders.
    pub size_bytes: u64,
    /// Last modification.
    #[serde(with = "time::serde::rfc3339")]
    pub modified: OffsetDateTime,
}

/// `GET /browse/{path}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BrowseListing {
    /// The folder, relative to the browse root (`""` for the root).
    pub path: String,
    /// Folders first, then files, each by name.
    pub entries: Vec<BrowseEntry>,
}

// ---------------------------------------------------------------------------------------------
// Tasks

/// One task: a chunk of a job's frames.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Task {
    /// Stable id; increases in task order within a job.
    pub id: TaskId,
    /// The job it belongs to.
    pub job_id: JobId,
    /// Display name, e.g. `frames 1-10`.
    pub name: String,
    /// What kind of work it is.
    pub task_type: TaskType,
    /// Where the task is in its life.
    pub status: TaskStatus,
    /// First frame.
    pub frame_start: i64,
    /// Last frame.
    pub frame_end: i64,
    /// The worker running it or that ran it last.
    pub worker_id: Option<WorkerId>,
    /// The last progress line a worker sent.
    pub activity: String,
    /// How many times it failed.
    pub failures: u32,
    /// Steps done (frames rendered) in the current run.
    pub steps_done: u32,
    /// Steps in all.
    pub steps_total: u32,
    /// When a worker last took it (its run's start), if ever.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub started: Option<OffsetDateTime>,
    /// Last change.
    #[serde(with = "time::serde::rfc3339")]
    pub updated: OffsetDateTime,
}

/// `POST /tasks`: set a task's status.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskStatusChange {
    /// Which task.
    pub id: TaskId,
    /// The new status.
    pub status: TaskStatus,
}

/// Most tasks one `POST /jobs/{id}/tasks` changes.
pub const MAX_TASKS_PER_ACTION: usize = 10_000;

/// `POST /jobs/{id}/tasks`: requeue, skip or fail selected tasks of a job.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskActionRequest {
    /// What to do.
    pub action: crate::TaskAction,
    /// The tasks, all of the job (1 to [`MAX_TASKS_PER_ACTION`]).
    pub task_ids: Vec<TaskId>,
}

/// What `POST /jobs/{id}/tasks` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TaskActionDone {
    /// Tasks that changed.
    pub changed: u64,
    /// Tasks the action left as they were (a completed task is not skipped again).
    pub unchanged: u64,
}

/// Query of `GET /tasks`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TaskQuery {
    /// Only tasks of this job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<JobId>,
    /// Only tasks in this status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<TaskStatus>,
    /// Only tasks of this worker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_id: Option<WorkerId>,
    /// 1-based page number; ignored when `after` is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// Items per page, 1–1000 (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_page: Option<u32>,
    /// Keyset cursor: only tasks with an id above this one. Cheap at any depth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<TaskId>,
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Items matching the filters, over all pages.
    pub total: u64,
    /// This page's number (1-based); 0 when the page was asked for with `after`.
    pub page: u32,
    /// Page size used.
    pub per_page: u32,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_after: Option<i64>,
}

/// `POST /users` (admins).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Login email; must be unused.
    pub email: String,
    /// At least 8 characters.
    pub password: String,
    /// What the person may do.
    pub role: Role,
}

mod auth;
mod farm;
mod files;
mod jobs;
mod notices;
mod production;
mod schedule;
mod stats;
pub use auth::{
    Authenticated, FactorProof, FidoEnabled, LoginRequest, LoginResponse, LogoutResponse,
    MISSING_CODE, RefreshResponse, TotpEnabled, TotpSetup, User, WRONG_CODE,
};
pub use farm::{BlocklistEntry, FarmDisk, JoinToken, PreviewQuery, PreviewSize};
pub use files::{
    FileCheck, FileCheckAnswer, FileRef, JobFile, JobOutput, ProjectStorage, ProjectStorageInput,
    StorageMode, UploadQuery, UploadState, check_job_path, check_output_name, is_sha256,
};
pub use jobs::{
    BlenderRenderSettings, CommandSettings, DEFAULT_PRIORITY, DeleteJobs, FarmLimit, FramesChanged,
    ImageFormat, Job, JobCommandRequest, JobDependencies, JobDependency, JobEta, JobFrames,
    JobKind, JobLimits, JobProgress, JobQuery, LimitInput, MAX_DEPENDENCIES, MAX_LIMITS_PER_JOB,
    SubmitJob,
};
pub use notices::{
    ChatChoice, MAX_CHAT_USER_ID, MAX_NOTICES_PER_PAGE, MAX_SUBSCRIPTIONS, Notice, NoticeChannels,
    NoticeCount, NoticeList, NoticeQuery, NoticeSettings, NoticeSettingsView, NoticesRead,
    Subscriptions,
};
pub use production::{Named, OpenProductionTask, ProductionTaskDetail};
pub use schedule::{WEEKDAYS, WorkerSchedule, WorkerWatts};
pub use stats::{FarmStats, MAX_STATS_DAYS, StatsGroup, StatsQuery, StatsRow};
