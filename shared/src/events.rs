//! Live events streamed by `GET /api/events` (server-sent events). Each carries a sequence
//! number; a client that reconnects sends the last one it saw and gets what it missed.

use crate::api::{Job, JobProgress, Notice, Worker};
use crate::ids::{JobId, TaskId, UserId, WorkerId};
use crate::status::{JobStatus, TaskStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// One event with its place in the stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Event {
    /// Increases by one per event, from 1 at server start.
    pub seq: u64,
    /// When the server published it (after the write it tells of committed), in milliseconds
    /// since the Unix epoch; 0 from servers that did not say.
    #[serde(default)]
    pub at: i64,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// A job was submitted or commanded (the whole job).
    Job {
        /// The job now.
        job: Job,
    },
    /// A job's status or progress followed its tasks.
    JobProgress {
        /// Which job.
        job_id: JobId,
        /// Its status now.
        status: JobStatus,
        /// Its task counts now.
        progress: JobProgress,
    },
    /// A job was deleted.
    JobDeleted {
        /// Which job.
        job_id: JobId,
    },
    /// A task changed status or progress.
    Task {
        /// Which task.
        task_id: TaskId,
        /// Its job.
        job_id: JobId,
        /// Its status now.
        status: TaskStatus,
        /// The worker running it, if any.
        worker_id: Option<WorkerId>,
        /// Its last progress line.
        activity: String,
        /// Steps done.
        steps_done: u32,
        /// Steps in all.
        steps_total: u32,
    },
    /// Log text appended to a task's log.
    Log {
        /// Which task.
        task_id: TaskId,
        /// Its job.
        job_id: JobId,
        /// The new text.
        text: String,
        /// Where the text starts in the log file, in bytes: lets a viewer that fetched the
        /// log's start join the live chunks without gaps or repeats.
        #[serde(default)]
        offset: u64,
    },
    /// A worker changed (status, host facts, task).
    Worker {
        /// The worker now.
        worker: Worker,
    },
    /// A job has a new last-rendered image.
    LastRendered {
        /// Which job.
        job_id: JobId,
        /// The task that rendered it.
        task_id: TaskId,
    },
    /// A notice for one person (only their own streams get it): a job they submitted or
    /// follow ended.
    Notice {
        /// Whose it is.
        person: UserId,
        /// The notice as their list shows it.
        notice: Notice,
    },
    /// Events were missed (the client fell too far behind): reload what you show.
    Resync,
}

impl EventKind {
    /// The topic a client subscribes to for this event.
    pub fn topic(&self) -> &'static str {
        match self {
            Self::Job { .. } | Self::JobProgress { .. } | Self::JobDeleted { .. } => "jobs",
            Self::Task { .. } => "tasks",
            Self::Log { .. } => "logs",
            Self::Worker { .. } => "workers",
            Self::LastRendered { .. } => "last_rendered",
            Self::Notice { .. } => "notices",
            Self::Resync => "resync",
        }
    }

    /// The job the event is about, if any.
    pub fn job_id(&self) -> Option<JobId> {
        match self {
            Self::Job { job } => Some(job.id),
            Self::JobProgress { job_id, .. }
            | Self::JobDeleted { job_id }
            | Self::Task { job_id, .. }
            | Self::Log { job_id, .. }
            | Self::LastRendered { job_id, .. } => Some(*job_id),
            Self::Worker { .. } | Self::Notice { .. } | Self::Resync => None,
        }
    }
}

/// Query of `GET /events`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EventQuery {
    /// Comma-separated topics: `jobs`, `tasks`, `logs`, `workers`, `last_rendered`,
    /// `notices`. All but `logs` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topics: Option<String>,
    /// Only events about this job (worker events always pass).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<JobId>,
    /// Replay events after this sequence number first (the `Last-Event-ID` header wins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<u64>,
}
