//! Status, role, task type and job command enums. Stored as their `snake_case` names in SQLite and JSON; compared as
//! enums everywhere, never as strings.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use utoipa::ToSchema;

/// The error for a name that is not one of an enum's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{value}`; expected one of: {expected}")]
pub struct UnknownName {
    /// Which enum was parsed, e.g. "job status".
    pub kind: &'static str,
    /// The name that was given.
    pub value: String,
    /// The accepted names, comma-separated.
    pub expected: String,
}

macro_rules! named_enum {
    // `$text:tt`, not `:literal`: utoipa reads `#[serde(rename = …)]` only from a plain literal
    // token, and a `literal` fragment reaches it wrapped (the document then said `Admin`).
    (@define [$($schema:ident)?] $(#[$doc:meta])* $name:ident, $kind:literal { $($(#[$vdoc:meta])* $variant:ident => $text:tt),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize $(, $schema)?)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The wire and database name.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok(Self::$variant),)+
                    _ => Err(UnknownName {
                        kind: $kind,
                        value: s.to_owned(),
                        expected: [$($text),+].join(", "),
                    }),
                }
            }
        }

        #[cfg(feature = "sql")]
        impl rusqlite::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(self.as_str().into())
            }
        }

        #[cfg(feature = "sql")]
        impl rusqlite::types::FromSql for $name {
            fn column_result(
                value: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                value
                    .as_str()?
                    .parse()
                    .map_err(|e: UnknownName| rusqlite::types::FromSqlError::Other(Box::new(e)))
            }
        }
    };
    ($(#[$doc:meta])* $name:ident, $kind:literal { $($body:tt)* }) => {
        named_enum!(@define [ToSchema] $(#[$doc])* $name, $kind { $($body)* });
    };
    // The enum's OpenAPI schema is written by hand (see `Role`).
    (@schema_by_hand $(#[$doc:meta])* $name:ident, $kind:literal { $($body:tt)* }) => {
        named_enum!(@define [] $(#[$doc])* $name, $kind { $($body)* });
    };
}

named_enum!(
    /// Where a job is in its life. Derived from its tasks' statuses, except `paused`, which
    /// only a command sets or clears.
    JobStatus, "job status" {
        /// Waiting; no task has run yet.
        Queued => "queued",
        /// At least one task ran or runs, and work remains.
        Active => "active",
        /// Held by a user; no task is handed out.
        Paused => "paused",
        /// Every task completed.
        Completed => "completed",
        /// Too many tasks failed, or nothing runnable is left and some failed.
        Failed => "failed",
        /// Stopped by a user.
        Canceled => "canceled",
    }
);

impl JobStatus {
    /// True when the job will not change again without a command.
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Canceled)
    }
}

named_enum!(
    /// How a job waits for the jobs it depends on.
    DependMode, "dependency mode" {
        /// None of its tasks runs before every job it depends on completed.
        Job => "job",
        /// Each of its tasks runs once the frames it covers are rendered upstream (a job's
        /// frame N after frame N of the jobs it depends on), as OpenCue's frame-by-frame
        /// dependencies and Deadline's frame dependencies do.
        Frame => "frame",
    }
);

// By hand: `named_enum!` fixes the enum's derive list.
#[allow(clippy::derivable_impls)]
impl Default for DependMode {
    fn default() -> Self {
        Self::Job
    }
}

named_enum!(
    /// What a job's dependencies do to it now.
    DependencyState, "dependency state" {
        /// Some job it depends on has not completed: none of its tasks is handed out.
        Waiting => "waiting",
        /// Frame by frame: its tasks run as their frames are done upstream.
        Following => "following",
        /// A job it depends on failed or was canceled: nothing runs until that job renders
        /// again or the dependency is removed.
        Held => "held",
    }
);

impl DependencyState {
    /// True when none of the job's tasks may be handed out.
    pub fn blocks(self) -> bool {
        matches!(self, Self::Waiting | Self::Held)
    }
}

named_enum!(
    /// Where a task is in its life.
    TaskStatus, "task status" {
        /// Waiting for a worker.
        Queued => "queued",
        /// A worker runs it.
        Active => "active",
        /// Held because its job was paused.
        Paused => "paused",
        /// Finished successfully.
        Completed => "completed",
        /// Failed on some workers; it will be retried on others.
        SoftFailed => "soft_failed",
        /// Failed for good.
        Failed => "failed",
        /// Stopped by a user.
        Canceled => "canceled",
    }
);

impl TaskStatus {
    /// True for statuses a worker may be handed.
    pub fn is_runnable(self) -> bool {
        matches!(self, Self::Queued | Self::SoftFailed)
    }

    /// True when the task waits, runs or may run again without a command.
    pub fn is_pending(self) -> bool {
        matches!(self, Self::Queued | Self::SoftFailed | Self::Active)
    }
}

named_enum!(
    /// What a person does to selected tasks of a job (`POST /jobs/{id}/tasks`).
    TaskAction, "task action" {
        /// Run them again: running ones are stopped first; their failure counts are cleared.
        Requeue => "requeue",
        /// Mark them done without running them (frames rendered elsewhere); running ones are
        /// stopped.
        Skip => "skip",
        /// Fail them for good; running ones are stopped.
        Fail => "fail",
    }
);

impl TaskAction {
    /// The status a task in `from` takes, or `None` when the action leaves it as it is (a
    /// completed task is not skipped again, a finished one not failed). Requeued tasks of a
    /// paused job wait paused.
    pub fn target(self, from: TaskStatus, job_paused: bool) -> Option<TaskStatus> {
        use TaskStatus as T;
        match self {
            Self::Requeue => match from {
                T::Queued | T::Paused => None,
                T::Active | T::SoftFailed | T::Completed | T::Failed | T::Canceled => {
                    Some(if job_paused { T::Paused } else { T::Queued })
                }
            },
            Self::Skip => (from != T::Completed).then_some(T::Completed),
            Self::Fail => matches!(from, T::Queued | T::SoftFailed | T::Paused | T::Active)
                .then_some(T::Failed),
        }
    }
}

named_enum!(
    /// A render node's state.
    WorkerStatus, "worker status" {
        /// Signed on, not yet ready.
        Starting => "starting",
        /// Ready for work.
        Idle => "idle",
        /// Running a task.
        Busy => "busy",
        /// Told to take no work until woken.
        Asleep => "asleep",
        /// Not heard from within the timeout, or signed off.
        Offline => "offline",
        /// Reported a problem it cannot recover from.
        Error => "error",
    }
);

named_enum!(
    /// How the job a notice tells of ended.
    NoticeOutcome, "notice outcome" {
        /// Every task completed.
        Completed => "completed",
        /// The job failed.
        Failed => "failed",
    }
);

named_enum!(
    /// What kind of work a task is, and so what a worker needs to run it. Workers say which
    /// they run when they sign on; the claim hands them only those.
    TaskType, "task type" {
        /// Blender renders a chunk of frames of a `blender-render` job.
        BlenderRender => "blender-render",
        /// ffmpeg joins a `blender-render` job's frames into its video.
        Ffmpeg => "ffmpeg",
        /// A program runs once per chunk of a `command` job.
        Command => "command",
    }
);

named_enum!(
    @schema_by_hand
    /// What a person may do: the roles of Kitsu, which the farm shares. On the farm, clients and
    /// vendors only read (the projects whose team they are on); artists submit into their
    /// team's projects and control the jobs they submitted; supervisors control every job of
    /// their team's projects; managers and admins run everything. Kitsu calls the artist role
    /// `user`; both names parse.
    Role, "role" {
        /// Reads what it is shown (its team's projects); submits nothing.
        Client => "client",
        /// An outside artist: works on the projects it belongs to; runs nothing on the farm.
        Vendor => "vendor",
        /// Works on its team's projects: submits jobs there, controls the jobs it submitted.
        #[serde(alias = "user")]
        Artist => "artist",
        /// Leads a department: reviews and assigns on its projects, and controls every job of
        /// them.
        Supervisor => "supervisor",
        /// Every farm operation.
        Manager => "manager",
        /// Everything, users and settings included.
        Admin => "admin",
    }
);

/// The roles as the wire carries them: the six names, and `user`, Kitsu's name for artists,
/// which Kitsu-shaped answers (`/auth/authenticated`, `/data/persons`) send and every route
/// takes.
impl utoipa::PartialSchema for Role {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(
                Self::ALL
                    .iter()
                    .map(|role| role.as_str())
                    .chain([Self::Artist.kitsu_name()]),
            ))
            .description(Some(
                "What a person may do: the roles of Kitsu, which the farm shares. \
                 `user` is Kitsu's name for `artist`: Kitsu-shaped \
                 answers send it, and every route takes both.",
            ))
            .into()
    }
}

impl ToSchema for Role {}

impl Role {
    /// The rank used to compare roles: client < vendor = artist < supervisor < manager < admin.
    fn rank(self) -> u8 {
        match self {
            Self::Client => 0,
            Self::Vendor | Self::Artist => 1,
            Self::Supervisor => 2,
            Self::Manager => 3,
            Self::Admin => 4,
        }
    }

    /// True when this role may do what `required` may.
    pub fn allows(self, required: Role) -> bool {
        self.rank() >= required.rank()
    }

    /// True for the studio's own people, who may submit and control farm jobs: clients and
    /// vendors are outsiders, and a job runs code on the render nodes.
    pub fn runs_farm_jobs(self) -> bool {
        !matches!(self, Self::Client | Self::Vendor)
    }

    /// True when the role sees and controls every project and job, not only its team's.
    pub fn sees_all_projects(self) -> bool {
        self.allows(Self::Manager)
    }

    /// The name Kitsu uses: `user` for artists, the role's own name otherwise.
    pub fn kitsu_name(self) -> &'static str {
        match self {
            Self::Artist => "user",
            other => other.as_str(),
        }
    }

    /// Parses a Kitsu or farm role name (`user` and `artist` are the same role).
    pub fn from_kitsu(name: &str) -> Result<Self, UnknownName> {
        if name == "user" {
            Ok(Self::Artist)
        } else {
            name.parse()
        }
    }
}

named_enum!(
    @schema_by_hand
    /// A command sent to a job with `PUT /jobs/{id}`. Each has one name, in the API, the code
    /// and the app; `stop` and `reset`, the names the first API gave `cancel` and
    /// `render_again`, are still taken.
    JobCommand, "job command" {
        /// Start a job that was submitted paused (or was paused).
        Start => "start",
        /// Hold the job: queued and running tasks are paused, running processes are stopped.
        Pause => "pause",
        /// Let a paused job run again.
        Resume => "resume",
        /// Cancel every unfinished task: the job ends `canceled` (the app's "Cancel").
        #[serde(alias = "stop")]
        Cancel => "cancel",
        /// Render the whole job again: every task is requeued, finished or not (the app's
        /// "Render again…").
        #[serde(alias = "reset")]
        RenderAgain => "render_again",
        /// Requeue the failed and canceled tasks.
        RequeueFailed => "requeue_failed",
        /// Change the priority (0–100).
        SetPriority => "set_priority",
    }
);

/// The commands as the wire takes them: their names, and `stop` and `reset`, the first API's
/// names for `cancel` and `render_again`, which are still taken.
impl utoipa::PartialSchema for JobCommand {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(
                Self::ALL
                    .iter()
                    .map(|command| command.as_str())
                    .chain(Self::OLD_NAMES.iter().map(|(old, _)| *old)),
            ))
            .description(Some(
                "A command sent to a job. `stop` and `reset` are the first API's names for \
                 `cancel` and `render_again`, still taken.",
            ))
            .into()
    }
}

impl ToSchema for JobCommand {}

impl JobCommand {
    /// The names the first API gave two commands, still taken on the wire, with the command
    /// each now is.
    pub const OLD_NAMES: &'static [(&'static str, Self)] =
        &[("stop", Self::Cancel), ("reset", Self::RenderAgain)];

    /// Whether a job in `status` takes this command; `failed_or_canceled` counts its tasks in
    /// those two states. The server refuses the rest with 409; the app offers only these.
    pub fn allowed(self, status: JobStatus, failed_or_canceled: u64) -> bool {
        match self {
            Self::Start | Self::Resume => status == JobStatus::Paused,
            Self::Pause => matches!(status, JobStatus::Queued | JobStatus::Active),
            Self::Cancel => !status.is_finished(),
            Self::RenderAgain | Self::SetPriority => true,
            Self::RequeueFailed => failed_or_canceled > 0,
        }
    }

    /// Why a job in `status` does not take this command, in words for people.
    pub fn refusal(self, status: JobStatus) -> String {
        if self == Self::RequeueFailed {
            "the job has no failed or canceled tasks to requeue".into()
        } else {
            format!("a {status} job cannot be sent `{self}`")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::PartialSchema;

    #[test]
    fn names_round_trip_through_str_and_json() {
        for status in TaskStatus::ALL {
            assert_eq!(status.as_str().parse::<TaskStatus>(), Ok(*status));
            let json = serde_json::to_string(status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
        }
        let err = "running".parse::<JobStatus>().unwrap_err();
        assert!(err.to_string().contains("queued, active"), "{err}");
    }

    #[test]
    fn documented_names_are_the_wire_names() {
        // The OpenAPI document must list the names serde writes, not the variants' names.
        fn names<T: utoipa::PartialSchema>() -> serde_json::Value {
            serde_json::to_value(T::schema()).unwrap()["enum"].clone()
        }
        assert_eq!(names::<Role>()[5], "admin");
        assert_eq!(names::<Role>()[6], "user", "Kitsu's name for artists");
        assert_eq!(names::<TaskStatus>()[4], "soft_failed");
        assert_eq!(names::<JobCommand>()[6], "set_priority");
        assert_eq!(names::<JobStatus>()[0], "queued");
        assert_eq!(names::<WorkerStatus>()[5], "error");
    }

    #[test]
    fn task_types_have_their_wire_names() {
        assert_eq!(TaskType::ALL.len(), 3);
        for task_type in TaskType::ALL {
            let json = serde_json::to_value(task_type).unwrap();
            assert_eq!(json, task_type.as_str());
            assert_eq!(
                serde_json::from_value::<TaskType>(json).unwrap(),
                *task_type
            );
        }
        assert_eq!("blender-render".parse(), Ok(TaskType::BlenderRender));
        assert_eq!("ffmpeg".parse(), Ok(TaskType::Ffmpeg));
        let err = "blender_render".parse::<TaskType>().unwrap_err();
        assert!(
            err.to_string().contains("blender-render, ffmpeg, command"),
            "{err}"
        );
        assert!(serde_json::from_str::<TaskType>("\"cycles\"").is_err());
    }

    #[test]
    fn job_commands_take_their_old_names_and_send_the_new() {
        for (old, command) in JobCommand::OLD_NAMES {
            let parsed: JobCommand = serde_json::from_value((*old).into()).unwrap();
            assert_eq!(parsed, *command);
        }
        assert_eq!(serde_json::to_value(JobCommand::Cancel).unwrap(), "cancel");
        assert_eq!(
            serde_json::to_value(JobCommand::RenderAgain).unwrap(),
            "render_again"
        );
        assert!(serde_json::from_str::<JobCommand>("\"halt\"").is_err());
        let names = serde_json::to_value(JobCommand::schema()).unwrap()["enum"].clone();
        assert_eq!(names[3], "cancel");
        assert_eq!(names[7], "stop", "the old names are documented too");
        assert_eq!(names[8], "reset");
    }

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Admin.allows(Role::Manager));
        assert!(Role::Manager.allows(Role::Artist));
        assert!(!Role::Artist.allows(Role::Manager));
        assert!(!Role::Manager.allows(Role::Admin));
        assert!(Role::Supervisor.allows(Role::Artist));
        assert!(Role::Vendor.allows(Role::Artist));
        assert!(!Role::Client.allows(Role::Vendor));
    }

    #[test]
    fn artist_is_kitsu_user() {
        assert_eq!(Role::Artist.kitsu_name(), "user");
        assert_eq!(Role::from_kitsu("user"), Ok(Role::Artist));
        assert_eq!(Role::from_kitsu("vendor"), Ok(Role::Vendor));
        assert!(Role::from_kitsu("boss").is_err());
        let role: Role = serde_json::from_str("\"user\"").unwrap();
        assert_eq!(role, Role::Artist);
    }
}
