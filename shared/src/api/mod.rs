//! Request and response bodies of the HTTP API, one section per resource.

use crate::ids::{JobId, ProductionTaskId, ProjectId, TaskId, UserId, WorkerId};
use crate::status::{
    DependMode, DependencyState, JobCommand, JobStatus, Role, TaskStatus, TaskType, WorkerStatus,
};
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
// Jobs

/// Still image formats Blender writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum ImageFormat {
    /// Lossless 8/16-bit.
    #[default]
    #[serde(rename = "PNG")]
    Png,
    /// Lossy 8-bit.
    #[serde(rename = "JPEG")]
    Jpeg,
    /// Multilayer-capable float EXR.
    #[serde(rename = "OPEN_EXR")]
    OpenExr,
}

fn one() -> u32 {
    1
}

/// Settings of a `blender-render` job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BlenderRenderSettings {
    /// The .blend file, as the project's `path_server` writes it.
    pub blend_file: String,
    /// Frames in Blender's syntax, e.g. `1-250` or `1-10,20,30-40`.
    pub frames: String,
    /// Frames per task.
    #[serde(default = "one")]
    pub chunk_size: u32,
    /// Output path template with `####` for the frame number.
    pub output: String,
    /// Image format.
    #[serde(default)]
    pub format: ImageFormat,
    /// Scene to render; the file's active scene when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scene: Option<String>,
    /// Join the frames into an MP4 with ffmpeg once they are all rendered.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub video: bool,
    /// Frames per second of that video (default 24).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fps: Option<u32>,
    /// Let the .blend run its own Python (startup scripts, drivers): Blender's `-y`. Off, the
    /// worker passes `-Y`. Python in a file runs any code on the render nodes, so a job that
    /// turns it on needs the role the farm's `code_jobs_min_role` names, as `command` jobs do.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub auto_run_python: bool,
}

/// Settings of a `command` job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommandSettings {
    /// Program and arguments; `{start}` and `{end}` are replaced by the task's frames.
    pub argv: Vec<String>,
    /// Frames in Blender's syntax.
    pub frames: String,
    /// Frames per task.
    #[serde(default = "one")]
    pub chunk_size: u32,
}

/// A job's type together with its settings: serialised as `"job_type"` and `"settings"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "job_type", content = "settings")]
pub enum JobKind {
    /// Renders frames of a .blend file with Blender.
    #[serde(rename = "blender-render")]
    BlenderRender(BlenderRenderSettings),
    /// Runs a program once per chunk of frames.
    #[serde(rename = "command")]
    Command(CommandSettings),
}

impl JobKind {
    /// The job type's wire name.
    pub fn type_name(&self) -> &'static str {
        self.task_type().as_str()
    }

    /// The type of the job's tasks (a Blender job's video task excepted, which is
    /// [`TaskType::Ffmpeg`]).
    pub fn task_type(&self) -> TaskType {
        match self {
            Self::BlenderRender(_) => TaskType::BlenderRender,
            Self::Command(_) => TaskType::Command,
        }
    }

    /// True when the job runs code of the submitter's choosing on the render nodes: a
    /// `command`, or a .blend allowed to run its own Python.
    pub fn runs_code(&self) -> bool {
        match self {
            Self::BlenderRender(s) => s.auto_run_python,
            Self::Command(_) => true,
        }
    }

    /// Replaces the frame string (a job's frames changed after submission).
    pub fn set_frames(&mut self, frames: String) {
        match self {
            Self::BlenderRender(s) => s.frames = frames,
            Self::Command(s) => s.frames = frames,
        }
    }

    /// The frame string and chunk size every job type has.
    pub fn frames_and_chunk(&self) -> (&str, u32) {
        match self {
            Self::BlenderRender(s) => (&s.frames, s.chunk_size),
            Self::Command(s) => (&s.frames, s.chunk_size),
        }
    }
}

/// Task counts of a job by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct JobProgress {
    /// All tasks.
    pub total: u64,
    /// Waiting for a worker, soft-failed ones included (they will be retried).
    pub queued: u64,
    /// Running.
    pub active: u64,
    /// Done.
    pub completed: u64,
    /// Failed for good.
    pub failed: u64,
    /// Held by a pause.
    pub paused: u64,
    /// Stopped by a user.
    pub canceled: u64,
}

/// A render job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Job {
    /// Stable id.
    pub id: JobId,
    /// Display name.
    pub name: String,
    /// The project it renders for.
    pub project_id: ProjectId,
    /// `job_type` and `settings`.
    #[serde(flatten)]
    pub kind: JobKind,
    /// Where the job is in its life.
    pub status: JobStatus,
    /// 0–100; higher runs first.
    pub priority: u8,
    /// Only workers with this tag run it; any worker when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Who submitted it.
    pub created_by: UserId,
    /// Submission time.
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
    /// Last change of status, priority or progress.
    #[serde(with = "time::serde::rfc3339")]
    pub updated: OffsetDateTime,
    /// Task counts.
    pub progress: JobProgress,
    /// The production task (Kitsu id) the render is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub production_task_id: Option<ProductionTaskId>,
    /// The jobs it waits for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<JobId>,
    /// How it waits for them: whole jobs, or frame by frame.
    #[serde(default)]
    pub depend_mode: DependMode,
    /// What its dependencies do to it now; absent once every job it waits for completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dependency: Option<JobDependency>,
    /// The most workers it may use at once; any number when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_workers: Option<u32>,
    /// Seconds a running task of it may send nothing before it fails, in place of the farm's
    /// `task_timeout_secs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_timeout_secs: Option<u32>,
    /// The farm's limits it consumes, one unit of each per running task.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub limits: Vec<String>,
    /// When it should finish, from what its finished tasks took; absent before one finished,
    /// and once it is paused or ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eta: Option<JobEta>,
    /// When housekeeping archived it (its logs, previews and outputs removed; see the
    /// `keep_*_days` settings); absent for a job not archived since it last ran.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub archived: Option<OffsetDateTime>,
}

/// A job's predicted finish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct JobEta {
    /// When its last task should end, at the pace of its finished tasks and with as many
    /// workers as run it now (one when none does).
    #[serde(with = "time::serde::rfc3339")]
    pub finish: OffsetDateTime,
    /// The mean time its finished tasks took (blended, while little of it has run, with what
    /// a task of its chunk took in earlier jobs of the same file or shot, and before one
    /// finished that alone), in milliseconds: a running task's expected length.
    pub task_ms: u64,
    /// How many finished runs of the job the mean is taken over; 0 before one finished,
    /// when the mean is that of the last few jobs of the same file or shot in the project.
    pub runs: u64,
}

/// What a job's dependencies do to it now, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct JobDependency {
    /// Waiting, following frame by frame, or held.
    pub state: DependencyState,
    /// Which jobs, in words: "waiting for job 12 (lighting)", "held: job 12 (lighting)
    /// failed".
    pub reason: String,
}

impl Job {
    /// Whether `person`, with `role`, may control the job (command it, change its tasks,
    /// delete it), given they can see it: never clients and vendors; managers and admins
    /// always; supervisors every job they see (their team's); artists the jobs they submitted.
    pub fn controlled_by(&self, role: crate::Role, person: crate::UserId) -> bool {
        role.runs_farm_jobs() && (role.allows(crate::Role::Supervisor) || self.created_by == person)
    }

    /// Whether the job, as it is now, takes `command` (see [`JobCommand::allowed`]).
    pub fn takes(&self, command: crate::JobCommand) -> bool {
        command.allowed(self.status, self.progress.failed + self.progress.canceled)
    }
}

/// Default job priority.
pub const DEFAULT_PRIORITY: u8 = 50;

/// `POST /jobs`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SubmitJob {
    /// Display name.
    pub name: String,
    /// The project it renders for.
    pub project_id: ProjectId,
    /// `job_type` and `settings`.
    #[serde(flatten)]
    pub kind: JobKind,
    /// 0–100, default 50.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u8>,
    /// Submit paused: nothing runs until `start`.
    #[serde(default)]
    pub paused: bool,
    /// Only workers with this tag run it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// The production task (Kitsu id) this render is for: when the job ends, a comment with
    /// its preview (or its log, when it failed) lands on that task. Not a UUID: 400.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub production_task_id: Option<ProductionTaskId>,
    /// The job's files, for a project whose storage mode is `upload`: each already on the
    /// server (see `POST /projects/{id}/files/check`). The settings' paths (`blend_file`)
    /// are then relative to the job folder. Empty for shared storage.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<JobFile>,
    /// Jobs this one waits for (at most [`MAX_DEPENDENCIES`]), each visible to the
    /// submitter; a job waiting for itself through others is refused (400).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<JobId>,
    /// How it waits for them (default: whole jobs).
    #[serde(default)]
    pub depend_mode: DependMode,
    /// The most workers it may use at once (at least 1); any number when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_workers: Option<u32>,
    /// Seconds a running task may send nothing before it fails (at least 1), in place of the
    /// farm's `task_timeout_secs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_timeout_secs: Option<u32>,
    /// Farm limits it consumes (see `GET /limits`), each named once; an unknown one is
    /// refused (400).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub limits: Vec<String>,
}

/// `PUT /jobs/{id}/limits`: a job's own limits, replaced whole.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JobLimits {
    /// The most workers it may use at once (at least 1); any number when absent.
    #[serde(default)]
    pub max_workers: Option<u32>,
    /// Seconds a running task may send nothing before it fails; the farm's when absent.
    #[serde(default)]
    pub task_timeout_secs: Option<u32>,
    /// Farm limits it consumes.
    #[serde(default)]
    pub limits: Vec<String>,
}

/// Most farm limits one job may name.
pub const MAX_LIMITS_PER_JOB: usize = 32;

/// A farm-wide limit: at most `max_running` tasks of the jobs naming it run at once (licences,
/// a shared GPU server, a file server that only takes so many readers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FarmLimit {
    /// Its name, as jobs give it: 1–64 letters, digits, `-`, `_` or `.`.
    pub name: String,
    /// The most tasks holding it that may run at once.
    pub max_running: u32,
    /// Tasks holding it that run now.
    pub in_use: u64,
    /// Jobs naming it.
    pub jobs: u64,
}

/// `PUT /limits/{name}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitInput {
    /// The most tasks holding it that may run at once (0 holds them all).
    pub max_running: u32,
}

/// Most jobs one job may depend on.
pub const MAX_DEPENDENCIES: usize = 100;

/// `PUT /jobs/{id}/dependencies`: what a job waits for, replaced whole.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JobDependencies {
    /// The jobs it waits for; empty: none.
    pub depends_on: Vec<JobId>,
    /// Whole jobs, or frame by frame (default: whole jobs).
    #[serde(default)]
    pub depend_mode: DependMode,
}

/// `PUT /jobs/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JobCommandRequest {
    /// What to do.
    pub command: JobCommand,
    /// The new priority, for `set_priority` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u8>,
}

/// `PUT /jobs/{id}/frames`: a job's frames after submission.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JobFrames {
    /// The new frames, in the job's syntax (`1-250`, `1-10,20`): frames added become tasks
    /// (chunked as the job is), tasks whose frames all went are taken out of the job (a
    /// running one is stopped), a task keeping only some of its frames runs again for those
    /// (unless it completed), and the job's video waits for the new frames.
    pub frames: String,
}

/// What `PUT /jobs/{id}/frames` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FramesChanged {
    /// The job as it is now.
    pub job: Job,
    /// Tasks made for frames added (or kept from a task taken out).
    pub added: u64,
    /// Tasks taken out of the job.
    pub removed: u64,
}

/// `POST /jobs/delete`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteJobs {
    /// The jobs to delete, with their tasks. All or none are deleted.
    pub ids: Vec<JobId>,
}

/// Query of `GET /jobs`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct JobQuery {
    /// Only jobs in this status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<JobStatus>,
    /// Only jobs of this project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<ProjectId>,
    /// 1-based page number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// Items per page, 1–1000 (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_page: Option<u32>,
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
pub use notices::{
    ChatChoice, MAX_CHAT_USER_ID, MAX_NOTICES_PER_PAGE, MAX_SUBSCRIPTIONS, Notice, NoticeChannels,
    NoticeCount, NoticeList, NoticeQuery, NoticeSettings, NoticeSettingsView, NoticesRead,
    Subscriptions,
};
pub use production::{Named, OpenProductionTask, ProductionTaskDetail};
pub use schedule::{WEEKDAYS, WorkerSchedule, WorkerWatts};
pub use stats::{FarmStats, MAX_STATS_DAYS, StatsGroup, StatsQuery, StatsRow};
