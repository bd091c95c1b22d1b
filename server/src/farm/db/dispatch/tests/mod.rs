//! The dispatch rules on an in-memory database, with the rows written by the functions the
//! routes use (`jobs::insert` of a compiled job, `workers::register` and `sign_on`) and
//! time moved by the `now` that `enforce_timeouts` takes. Here: the fixture (`Farm`); the tests
//! by topic in the submodules.

mod claims;
mod failures;
mod history;
mod job_deps;
mod limits;
mod recovery;
mod reports;

use super::*;
use crate::auth::db::users;
use crate::farm::compile::compile;
use crate::farm::db::{blocklist, projects};
use drover_shared::api::{
    BlenderRenderSettings, CommandSettings, ImageFormat, Job, JobKind, ProjectInput, Settings,
    SubmitJob, TaskQuery,
};
use drover_shared::protocol::{HostFacts, SignOn};
use drover_shared::{JobCommand, ProjectId, Role, TaskType, UserId};
use serde_json::json;

/// Every task type there is, as a default worker signs on with.
const ALL_TYPES: &[TaskType] = TaskType::ALL;

/// A database with one person and one project to submit jobs into.
struct Farm {
    conn: Connection,
    user: UserId,
    project: ProjectId,
}

impl Farm {
    fn new() -> Self {
        let conn = crate::db::test_conn();
        let user = users::insert(&conn, "ann@studio.com", "hash", Role::Artist)
            .unwrap()
            .id;
        let project = projects::insert(
            &conn,
            &ProjectInput {
                name: Some("Spring".into()),
                ..ProjectInput::default()
            },
        )
        .unwrap()
        .id;
        Self {
            conn,
            user,
            project,
        }
    }

    /// Stores farm settings as `PUT /settings` does.
    fn set(&self, settings: &[(&str, serde_json::Value)]) {
        let settings: Settings = settings
            .iter()
            .map(|(name, value)| {
                settings::validate(name, value).unwrap();
                ((*name).to_owned(), value.clone())
            })
            .collect();
        settings::upsert(&self.conn, &settings).unwrap();
    }

    /// Compiles and stores a job as `POST /jobs` does.
    fn submit(&self, name: &str, kind: JobKind, priority: u8, tag: Option<&str>) -> Job {
        let submit = SubmitJob {
            name: name.into(),
            project_id: self.project,
            kind,
            priority: Some(priority),
            paused: false,
            tag: tag.map(str::to_owned),
            production_task_id: None,
            files: Vec::new(),
            depends_on: Vec::new(),
            depend_mode: drover_shared::DependMode::Job,
            max_workers: None,
            task_timeout_secs: None,
            limits: Vec::new(),
        };
        let compiled = compile(&submit).unwrap();
        jobs::insert(&self.conn, &submit, &compiled, self.user).unwrap()
    }

    /// A `command` job of one task per frame.
    fn command_job(&self, name: &str, frames: &str, priority: u8) -> Job {
        self.submit(name, command(frames), priority, None)
    }

    /// A Blender job of one task per frame whose last task joins them into a video.
    fn render_with_video(&self, frames: &str) -> Job {
        let kind = JobKind::BlenderRender(BlenderRenderSettings {
            blend_file: "/projects/spring/shot.blend".into(),
            frames: frames.into(),
            chunk_size: 1,
            output: "//render/frame_####".into(),
            format: ImageFormat::default(),
            scene: None,
            video: true,
            fps: None,
            auto_run_python: false,
        });
        self.submit("shot", kind, 50, None)
    }

    /// Registers a worker and signs it on with these tags and task types.
    fn worker_with(&self, name: &str, tags: &[&str], types: &[TaskType]) -> WorkerId {
        let id = workers::register(&self.conn, name, b"secret hash").unwrap();
        let sign_on = SignOn {
            name: name.into(),
            tags: tags.iter().map(|&t| t.to_owned()).collect(),
            task_types: types.to_vec(),
            version: "test".into(),
            facts: HostFacts::default(),
        };
        workers::sign_on(&self.conn, id, &sign_on).unwrap();
        id
    }

    /// A worker without tags that runs every task type.
    fn worker(&self, name: &str) -> WorkerId {
        self.worker_with(name, &[], ALL_TYPES)
    }

    /// What `POST /worker/task` hands `worker`, if anything.
    fn claim(&self, worker: WorkerId) -> Option<Task> {
        let (claimed, _events) = claim(&self.conn, worker).unwrap()?;
        Some(assignment(&self.conn, claimed).unwrap().unwrap().task)
    }

    /// `worker` reports `task` done.
    fn complete(&self, worker: WorkerId, task: TaskId) {
        self.report(worker, task, TaskStatus::Completed).unwrap();
    }

    /// `worker` reports that `task` failed.
    fn fail(&self, worker: WorkerId, task: TaskId) {
        self.report(worker, task, TaskStatus::Failed).unwrap();
    }

    fn report(
        &self,
        worker: WorkerId,
        task: TaskId,
        status: TaskStatus,
    ) -> Result<(JobId, Vec<EventKind>), Refusal> {
        let report = TaskUpdate {
            status: Some(status),
            activity: Some(format!("{status} on purpose")),
            ..TaskUpdate::default()
        };
        update(&self.conn, worker, task, &report)
    }

    /// Sends a job command as `POST /jobs/{id}/command` does.
    fn command(&self, job: JobId, command: JobCommand) {
        jobs::apply_command(&self.conn, job, command, None).unwrap();
        jobs::refresh_status(&self.conn, job, fail_percent(&self.conn).unwrap()).unwrap();
    }

    fn task(&self, id: TaskId) -> Task {
        tasks::get(&self.conn, id).unwrap().unwrap()
    }

    fn job(&self, id: JobId) -> Job {
        jobs::get(&self.conn, id).unwrap().unwrap()
    }

    fn worker_status(&self, id: WorkerId) -> WorkerStatus {
        workers::get(&self.conn, id).unwrap().unwrap().status
    }

    /// A job's tasks in task order.
    fn tasks_of(&self, job: JobId) -> Vec<Task> {
        let query = TaskQuery {
            job_id: Some(job),
            ..TaskQuery::default()
        };
        tasks::list(&self.conn, &query, None).unwrap().items
    }
}

fn command(frames: &str) -> JobKind {
    JobKind::Command(CommandSettings {
        argv: vec!["true".into()],
        frames: frames.into(),
        chunk_size: 1,
    })
}

/// A stored time in Unix milliseconds, as `enforce_timeouts` takes its `now`.
fn ms(time: time::OffsetDateTime) -> i64 {
    (time.unix_timestamp_nanos() / 1_000_000) as i64
}

/// The job and first frame of a claimed task, to compare with what was expected.
fn picked(task: Option<&Task>) -> Option<(JobId, i64)> {
    task.map(|t| (t.job_id, t.frame_start))
}
