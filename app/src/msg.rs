//! What the background sends to the UI: the answer of each request, live events, and the
//! event stream's state. `backend.rs` carries them; the app routes each to what asked.

use crate::command::{PickTarget, PreviewKey, Ticket};
use crate::local::LocalFarm;
use crate::model::SaveProgress;
use drover_shared::api::{BlocklistEntry, Job, JobOutput, Project, Settings, Task, User, Worker};
use drover_shared::events::Event;
use drover_shared::{Client, JobId, TaskId};

/// What the background sends to the UI.
pub enum Msg {
    /// A connection (local or remote) is ready.
    Connected(Box<Connected>),
    /// Connecting failed; the start screen shows why.
    ConnectFailed(String),
    /// The full job list.
    Jobs(Vec<Job>),
    /// The full worker list.
    Workers(Vec<Worker>),
    /// The project list.
    Projects(Vec<Project>),
    /// The farm settings (admins).
    Settings(Settings),
    /// The farm's limits.
    Limits(Vec<drover_shared::api::FarmLimit>),
    /// The accounts (admins), to name submitters.
    Users(Vec<User>),
    /// One page of the open job's tasks, in task order.
    Tasks {
        /// The job they belong to.
        job_id: JobId,
        /// The page.
        tasks: Vec<Task>,
        /// The job's task count.
        total: u64,
        /// Whether this was the last page.
        done: bool,
    },
    /// A job's blocklist.
    Blocklist(JobId, Vec<BlocklistEntry>),
    /// The production task a job renders for.
    ProductionTask(JobId, crate::production::ProductionTask),
    /// The person's open production tasks for the submit dialog, or why they did not come.
    MyTasks(Result<Vec<crate::production::MyTask>, String>),
    /// A job's outputs, or why they did not come.
    Outputs(JobId, Result<Vec<JobOutput>, String>),
    /// How far the save with this ticket has come. Goes to the Job view that started it.
    SaveProgress(Ticket, SaveProgress),
    /// The end of the save with this ticket: what was saved, or why it stopped.
    Saved(Ticket, Result<SaveProgress, String>),
    /// A task's log from its start.
    Log(TaskId, String),
    /// A decoded preview, or `None` when the job has none yet.
    Preview(PreviewKey, Option<egui::ColorImage>),
    /// A live event.
    Event(Event),
    /// The event stream's state changed.
    Stream(StreamState),
    /// A file picked with the system dialog.
    Picked(PickTarget, String),
    /// The answer to the submission with this ticket: the job as stored, or why the server
    /// refused it. Goes to the dialog that sent it.
    SubmitAnswer(Ticket, Result<Job, String>),
    /// The answer to the project save with this ticket. Goes to the Projects form that sent
    /// it.
    ProjectSaved(Ticket, Result<(), String>),
    /// The answer to the settings save with this ticket. Goes to the Settings view.
    SettingsSaved(Ticket, Result<(), String>),
    /// The person's notices, choices and subscriptions, read at once.
    Notices {
        /// The newest page of the list.
        list: drover_shared::api::NoticeList,
        /// Their choices.
        settings: drover_shared::api::NoticeSettingsView,
        /// What they follow.
        subscriptions: drover_shared::api::Subscriptions,
    },
    /// A worker's sleep schedule, read to edit it, or why it was not.
    Schedule(
        drover_shared::WorkerId,
        Result<drover_shared::api::WorkerSchedule, String>,
    ),
    /// A worker's sleep schedule as saved, or why it was refused.
    ScheduleSaved(
        drover_shared::WorkerId,
        Result<drover_shared::api::WorkerSchedule, String>,
    ),
    /// The farm's history over a range.
    Stats(drover_shared::api::FarmStats),
    /// The farm's disk use (managers).
    Disk(drover_shared::api::FarmDisk),
    /// The unread count after marking notices read.
    NoticeCount(u64),
    /// The person's saved choices, or why they were refused.
    NoticeSettings(Result<drover_shared::api::NoticeSettingsView, String>),
    /// What the person follows now.
    Subscriptions(drover_shared::api::Subscriptions),
    /// Something finished well; shown as a toast.
    Info(String),
    /// Something failed that nobody waits on; shown as a toast.
    Failed(String),
}

/// A ready connection.
pub struct Connected {
    /// The logged-in client.
    pub client: Client,
    /// Who we are.
    pub me: User,
    /// The farm running in this process, when it is a local one.
    pub local: Option<LocalFarm>,
}

/// The event stream as the connection indicator shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamState {
    /// Receiving events.
    Live,
    /// Lost; trying again.
    Reconnecting {
        /// Attempts so far.
        attempt: u32,
        /// Why the last one failed.
        error: String,
    },
}
