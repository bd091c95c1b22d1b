//! What a click asks for. Views push `Command`s; the app applies them once per frame, in one
//! place (`FarmScreen::apply`, then `Session::apply`), so no view talks to the network itself.

use crate::local::LocalSetup;
use drover_shared::api::{PreviewSize, ProjectInput, Settings, SubmitJob};
use drover_shared::{JobCommand, JobId, ProjectId, TaskId, WorkerId, WorkerStatus};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// Names one request, so that its answer goes back to what asked for it and to nothing else
/// (an earlier dialog's late answer is not this one's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ticket(u64);

impl Ticket {
    /// A ticket no other request of this process has.
    pub fn issue() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Self(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// Which preview: a job's (or the farm's newest when `None`) at a size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PreviewKey {
    /// The job.
    pub job_id: Option<JobId>,
    /// The size.
    pub size: PreviewSize,
}

/// Which field a file dialog fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickTarget {
    /// The .blend file.
    BlendFile,
    /// The output folder.
    OutputDir,
    /// The folder a job's outputs are saved to ("Save all…").
    OutputsFolder(JobId),
}

/// The views of the left navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    /// All jobs.
    #[default]
    Jobs,
    /// One job.
    Job,
    /// All workers.
    Workers,
    /// Last-rendered images.
    Previews,
    /// Charts.
    Farm,
    /// Projects and their paths.
    Projects,
    /// Farm settings.
    Settings,
    /// The person's notifications and their choices.
    Notices,
}

impl View {
    /// The label in the navigation.
    pub fn label(self) -> &'static str {
        match self {
            Self::Jobs => "Jobs",
            Self::Job => "Job",
            Self::Workers => "Workers",
            Self::Previews => "Previews",
            Self::Farm => "Farm",
            Self::Projects => "Projects",
            Self::Settings => "Settings",
            Self::Notices => "Notifications",
        }
    }
}

/// How to log in to a remote server.
#[derive(Debug, Clone)]
pub struct Login {
    /// The server's URL.
    pub url: String,
    /// The account.
    pub email: String,
    /// Its password (never stored).
    pub password: String,
    /// The one-time code from the person's authenticator app, or a recovery code; empty
    /// when the account has no two-factor login.
    pub code: String,
}

/// One thing to do, from a click.
#[derive(Debug, Clone)]
pub enum Command {
    /// Start the farm on this computer.
    StartLocal(LocalSetup),
    /// Log in to a server.
    Connect(Login),
    /// Leave the farm (a local one stops) and go back to the start screen.
    Disconnect,
    /// Show a view.
    Navigate(View),
    /// Open a job in the Job view.
    OpenJob(JobId),
    /// Pause, resume, cancel, requeue, reprioritise jobs.
    JobCommand {
        /// The jobs.
        ids: Vec<JobId>,
        /// What to do.
        command: JobCommand,
        /// The priority, for `set_priority`.
        priority: Option<u8>,
    },
    /// Replace what a job waits for.
    SetDependencies {
        /// The job.
        job: JobId,
        /// The jobs it waits for.
        depends_on: Vec<JobId>,
        /// Whole jobs, or frame by frame.
        mode: drover_shared::DependMode,
    },
    /// Change a job's frames.
    SetFrames {
        /// The job.
        job: JobId,
        /// The new frames, as typed.
        frames: String,
    },
    /// Delete jobs (the view asked first).
    DeleteJobs(Vec<JobId>),
    /// Show this task's log.
    SelectTask(TaskId),
    /// Requeue, skip or fail selected tasks of a job.
    TaskAction {
        /// Their job.
        job: JobId,
        /// What to do.
        action: drover_shared::TaskAction,
        /// The tasks.
        ids: Vec<TaskId>,
    },
    /// Read the open job's outputs (again).
    LoadOutputs(JobId),
    /// Download every output of a job into a folder; progress and the end come back with
    /// the ticket.
    SaveOutputs(Ticket, JobId, PathBuf),
    /// Stop the save with this ticket (files saved so far stay).
    CancelSave(Ticket),
    /// Show a job's outputs folder of the local farm in the system file manager.
    OpenLocalOutputs(JobId),
    /// Show a folder in the system file manager.
    OpenFolder(PathBuf),
    /// Clear the open job's blocklist.
    ClearBlocklist(JobId),
    /// Ask a worker to sleep, wake or shut down.
    SetWorker {
        /// The worker.
        id: WorkerId,
        /// `asleep`, `idle` or `offline`.
        status: WorkerStatus,
        /// Once its current task ends rather than now.
        after_current_task: bool,
    },
    /// Fetch a preview image.
    LoadPreview {
        /// The job, or the farm's newest.
        job_id: Option<JobId>,
        /// The size.
        size: PreviewSize,
    },
    /// Submit a job; the answer comes back with the ticket.
    Submit(Ticket, SubmitJob),
    /// Open the submit dialog and fetch what it offers: the projects (made elsewhere since,
    /// Kitsu's included) and the person's open production tasks.
    OpenSubmit,
    /// Open the system file dialog.
    Pick(PickTarget),
    /// Create (no id) or update a project; the answer comes back with the ticket.
    SaveProject(Ticket, Option<ProjectId>, ProjectInput),
    /// Save farm settings; the answer comes back with the ticket.
    SaveSettings(Ticket, Settings),
    /// Mark notices read (those named, or all).
    MarkNoticesRead(drover_shared::api::NoticesRead),
    /// Save the person's notification choices.
    SaveNoticeSettings(drover_shared::api::NoticeSettings),
    /// Follow a job (true) or stop.
    FollowJob(JobId, bool),
    /// Follow a project (true) or stop.
    FollowProject(ProjectId, bool),
    /// Read the farm's history for the Farm view (the table's grouping; the chart's by day
    /// comes with it).
    LoadStats(drover_shared::api::StatsQuery),
    /// Save the farm's history as CSV to a file the person picks.
    ExportStats(drover_shared::api::StatsQuery),
    /// Read a worker's sleep schedule to edit it.
    EditSchedule(WorkerId),
    /// Save a worker's sleep schedule.
    SaveSchedule(WorkerId, drover_shared::api::WorkerSchedule),
    /// Fetch everything again.
    Refresh,
}

impl Login {
    /// The login request: a code of 6–8 digits is a one-time code, anything else a recovery
    /// code.
    pub fn request(&self) -> drover_shared::api::LoginRequest {
        let code = (!self.code.is_empty()).then(|| self.code.clone());
        let one_time = self.code.len() <= 8 && self.code.bytes().all(|b| b.is_ascii_digit());
        drover_shared::api::LoginRequest {
            email: self.email.clone(),
            password: self.password.clone(),
            totp: code.clone().filter(|_| one_time),
            recovery_code: code.filter(|_| !one_time),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_a_one_time_code_and_the_rest_a_recovery_code() {
        let login = |code: &str| Login {
            url: String::new(),
            email: "a@b.c".into(),
            password: "pw".into(),
            code: code.into(),
        };
        let request = login("123456").request();
        assert_eq!(request.totp.as_deref(), Some("123456"));
        assert_eq!(request.recovery_code, None);
        let request = login("AB12CD34EF").request();
        assert_eq!(request.totp, None);
        assert_eq!(request.recovery_code.as_deref(), Some("AB12CD34EF"));
        let request = login("").request();
        assert!(request.totp.is_none() && request.recovery_code.is_none());
    }
}
