//! Jobs: what is submitted (kinds and their settings, dependencies, limits), a job as it is
//! read (progress, predicted finish), and the commands and queries on jobs.

use super::JobFile;
use crate::ids::{JobId, ProductionTaskId, ProjectId, UserId};
use crate::status::{DependMode, DependencyState, JobCommand, JobStatus, TaskType};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

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
