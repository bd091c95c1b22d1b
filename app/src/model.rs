//! What the app knows of the farm: jobs, workers, projects, the open job's tasks and log, and
//! a short history for the charts. Filled by full fetches, then kept current by live events
//! (`Farm::apply`). Pure data: no I/O, unit-tested below.

use drover_shared::api::{BlocklistEntry, Job, JobKind, Project, Settings, Task, User, Worker};
use drover_shared::events::{Event, EventKind};
use drover_shared::{
    JobId, JobStatus, ProjectId, TaskId, TaskStatus, UserId, WorkerId, WorkerStatus,
};
use std::collections::{BTreeMap, HashMap, VecDeque};

mod notices;
mod outputs;
mod stats;
pub use notices::Notices;
pub use outputs::{Outputs, SaveProgress};
pub use stats::{History as StatsHistory, StatsRange};

/// Seconds between two history samples.
pub const SAMPLE_SECS: f64 = 2.0;
/// Samples kept (one hour).
const HISTORY_LEN: usize = 1800;
/// Longest log kept in memory for the viewer; older text is dropped from the front.
const LOG_LIMIT_BYTES: usize = 4 * 1024 * 1024;

/// What an event asks of the app beyond updating the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUp {
    /// Nothing.
    None,
    /// The server lost track of what we missed: fetch everything again.
    Refetch,
    /// A job has a new last-rendered image.
    PreviewChanged(JobId),
    /// The open job's tasks were added or taken out (its frames changed): read them again.
    TasksChanged(JobId),
    /// A notice with this id arrived: a desktop pop-up, when the person wants them.
    Notice(i64),
}

/// The farm as this app sees it.
#[derive(Default)]
pub struct Farm {
    /// Who is logged in.
    pub me: Option<User>,
    /// Jobs by id.
    pub jobs: BTreeMap<JobId, Job>,
    /// Workers by id.
    pub workers: BTreeMap<WorkerId, Worker>,
    /// Projects, active and not.
    pub projects: Vec<Project>,
    /// Account emails by id (filled for admins).
    pub users: HashMap<UserId, String>,
    /// The farm settings (admins).
    pub settings: Option<Settings>,
    /// The farm's limits (their use is counted from the jobs: [`Farm::limit_use`]).
    pub limits: Vec<drover_shared::api::FarmLimit>,
    /// Whether the first job and worker lists arrived.
    pub loaded: bool,
    /// The job whose tasks are shown.
    pub open_job: Option<OpenJob>,
    /// Samples for the charts.
    pub history: History,
    /// The person's open production tasks (the submit dialog asks for them).
    pub my_tasks: crate::production::MyTasks,
    /// The person's notices, their choices and what they follow.
    pub notices: Notices,
    /// The farm's history over the range the Farm view shows.
    pub stats: StatsHistory,
    /// What fills the server's disk, as last read (managers).
    pub disk: Option<drover_shared::api::FarmDisk>,
}

/// The open job's tasks, blocklist and log.
pub struct OpenJob {
    /// The job.
    pub job_id: JobId,
    /// Its tasks in task order (pages arrive in order).
    pub tasks: Vec<Task>,
    index: HashMap<TaskId, usize>,
    /// The job's task count as the server said.
    pub total: u64,
    /// Whether more pages are on their way.
    pub loading: bool,
    /// Bumped whenever a task changes, so views can cache derived lists.
    pub revision: u64,
    /// Workers blocklisted for this job.
    pub blocklist: Vec<BlocklistEntry>,
    /// The task whose log is shown.
    pub selected: Option<TaskId>,
    /// That task's log so far.
    pub log: String,
    /// Whether the log's start has arrived (live chunks wait until then).
    pub log_loaded: bool,
    /// Where the text we hold ends in the log file, in bytes.
    log_end: u64,
    /// Live chunks (file offset, text) that arrived before the log's start.
    log_pending: Vec<(u64, String)>,
    /// The production task the job renders for, once read from the server.
    pub production: Option<crate::production::ProductionTask>,
    /// The frames and video the job's tasks uploaded to the server.
    pub outputs: Outputs,
    /// Asked again while a read was on its way: read once more when it lands, so the list
    /// shown is never older than the last ask.
    outputs_again: bool,
}

impl OpenJob {
    /// An open job waiting for its first page.
    pub fn new(job_id: JobId) -> Self {
        Self {
            job_id,
            tasks: Vec::new(),
            index: HashMap::new(),
            total: 0,
            loading: true,
            revision: 0,
            blocklist: Vec::new(),
            selected: None,
            log: String::new(),
            log_loaded: false,
            log_end: 0,
            log_pending: Vec::new(),
            production: None,
            outputs: Outputs::NotAsked,
            outputs_again: false,
        }
    }

    /// Appends a page of tasks.
    pub fn add_page(&mut self, tasks: Vec<Task>, total: u64, done: bool) {
        for task in tasks {
            if let Some(&i) = self.index.get(&task.id) {
                self.tasks[i] = task;
            } else {
                self.index.insert(task.id, self.tasks.len());
                self.tasks.push(task);
            }
        }
        self.total = total;
        self.loading = !done;
        self.revision += 1;
    }

    /// A task by id.
    pub fn task(&self, id: TaskId) -> Option<&Task> {
        self.index.get(&id).map(|&i| &self.tasks[i])
    }

    /// Selects a task for the log viewer; its log must be fetched.
    pub fn select(&mut self, id: TaskId) {
        self.selected = Some(id);
        self.log.clear();
        self.log_loaded = false;
        self.log_end = 0;
        self.log_pending.clear();
    }

    /// Takes a live chunk that starts at `offset` in the log file: the part we do not hold
    /// yet is appended, so the fetched start and the live tail join without gaps or repeats.
    fn log_chunk(&mut self, offset: u64, text: &str) {
        if !self.log_loaded {
            self.log_pending.push((offset, text.to_owned()));
            return;
        }
        let end = offset + text.len() as u64;
        if end <= self.log_end {
            return;
        }
        let skip = self.log_end.saturating_sub(offset) as usize;
        // A chunk is written whole, so the seam falls between characters; if not, keep it all.
        let new = text.get(skip..).unwrap_or(text);
        self.append_log(new);
        self.log_end = end;
    }

    fn append_log(&mut self, text: &str) {
        self.log.push_str(text);
        if self.log.len() > LOG_LIMIT_BYTES {
            let mut cut = self.log.len() - LOG_LIMIT_BYTES;
            while !self.log.is_char_boundary(cut) {
                cut += 1;
            }
            self.log.drain(..cut);
        }
    }

    /// Sets the log's start (the whole file when it was fetched), then the live chunks that
    /// arrived meanwhile.
    pub fn set_log(&mut self, task_id: TaskId, text: &str) {
        if self.selected == Some(task_id) {
            self.log.clear();
            self.append_log(text);
            self.log_end = text.len() as u64;
            self.log_loaded = true;
            for (offset, chunk) in std::mem::take(&mut self.log_pending) {
                self.log_chunk(offset, &chunk);
            }
        }
    }
}

/// One history sample.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Sample {
    /// Seconds since the app started.
    pub t: f64,
    /// Tasks by status over all jobs: queued, active, completed, failed, paused, canceled.
    pub tasks: [u64; 6],
    /// Busy workers.
    pub busy: u32,
    /// Idle workers.
    pub idle: u32,
    /// Frames finished since the app connected.
    pub frames_done: u64,
}

/// Samples for the farm charts.
#[derive(Default)]
pub struct History {
    /// Oldest first.
    pub samples: VecDeque<Sample>,
    /// Frames finished since connecting, counted from job progress events.
    pub frames_done: u64,
}

impl History {
    /// Frames finished per minute at each sample, over the minute before it.
    pub fn frames_per_minute(&self) -> Vec<[f64; 2]> {
        let mut out = Vec::with_capacity(self.samples.len());
        let mut start = 0;
        for sample in &self.samples {
            while self.samples[start].t < sample.t - 60.0 {
                start += 1;
            }
            let first = self.samples[start];
            let span = (sample.t - first.t).max(SAMPLE_SECS);
            let frames = sample.frames_done.saturating_sub(first.frames_done) as f64;
            out.push([sample.t, frames * 60.0 / span]);
        }
        out
    }
}

/// Frames one task of this job renders (the last chunk may be shorter; the job's frame count
/// bounds the sum).
fn frames_per_task(kind: &JobKind) -> u64 {
    let chunk = match kind {
        JobKind::BlenderRender(s) => s.chunk_size,
        JobKind::Command(s) => s.chunk_size,
    };
    u64::from(chunk.max(1))
}

impl Farm {
    /// The farm after logging in.
    pub fn new(me: User) -> Self {
        Self {
            me: Some(me),
            ..Self::default()
        }
    }

    /// The logged-in role.
    pub fn role(&self) -> drover_shared::Role {
        self.me
            .as_ref()
            .map_or(drover_shared::Role::Artist, |u| u.role)
    }

    /// May the logged-in person submit jobs? Clients and vendors may not (the server refuses
    /// them too).
    pub fn may_submit(&self) -> bool {
        self.role().runs_farm_jobs()
    }

    /// May the logged-in person control this job (pause, cancel, …)? The rule the server
    /// applies ([`Job::controlled_by`]).
    pub fn may_control(&self, job: &Job) -> bool {
        self.me
            .as_ref()
            .is_some_and(|me| job.controlled_by(me.role, me.id))
    }

    /// Replaces the job list.
    pub fn set_jobs(&mut self, jobs: Vec<Job>) {
        self.jobs = jobs.into_iter().map(|j| (j.id, j)).collect();
        self.loaded = true;
    }

    /// Replaces the worker list.
    pub fn set_workers(&mut self, workers: Vec<Worker>) {
        self.workers = workers.into_iter().map(|w| (w.id, w)).collect();
    }

    /// A project's name, or its id when unknown.
    pub fn project_name(&self, id: ProjectId) -> String {
        self.projects
            .iter()
            .find(|p| p.id == id)
            .map_or_else(|| format!("#{}", id.0), |p| p.name.clone())
    }

    /// Who submitted a job, as a person reads it.
    pub fn submitter(&self, id: UserId) -> String {
        if self.me.as_ref().is_some_and(|me| me.id == id) {
            return self
                .me
                .as_ref()
                .map_or_else(String::new, |me| me.email.clone());
        }
        self.users.get(&id).cloned().unwrap_or_else(|| {
            let text = id.to_string();
            format!("user {}", &text[..8.min(text.len())])
        })
    }

    /// Updates the model with one live event.
    pub fn apply(&mut self, event: &Event) -> FollowUp {
        match &event.kind {
            EventKind::Job { job } => {
                self.count_frames(job.id, job.progress.completed);
                self.jobs.insert(job.id, job.clone());
                if let Some(open) = &self.open_job
                    && open.job_id == job.id
                    && !open.loading
                    && open.total != job.progress.total
                {
                    return FollowUp::TasksChanged(job.id);
                }
            }
            EventKind::JobProgress {
                job_id,
                status,
                progress,
            } => {
                self.count_frames(*job_id, progress.completed);
                if let Some(job) = self.jobs.get_mut(job_id) {
                    job.status = *status;
                    job.progress = *progress;
                    job.updated = time::OffsetDateTime::now_utc();
                }
            }
            EventKind::JobDeleted { job_id } => {
                self.jobs.remove(job_id);
                if self.open_job.as_ref().is_some_and(|o| o.job_id == *job_id) {
                    self.open_job = None;
                }
            }
            EventKind::Task {
                task_id,
                job_id,
                status,
                worker_id,
                activity,
                steps_done,
                steps_total,
            } => {
                if let Some(open) = self.open_job.as_mut().filter(|o| o.job_id == *job_id)
                    && let Some(&i) = open.index.get(task_id)
                {
                    let task = &mut open.tasks[i];
                    let now = time::OffsetDateTime::now_utc();
                    if *status == TaskStatus::Active && task.status != TaskStatus::Active {
                        task.started = Some(now);
                    }
                    task.status = *status;
                    task.worker_id = *worker_id;
                    task.activity.clone_from(activity);
                    task.steps_done = *steps_done;
                    task.steps_total = *steps_total;
                    task.updated = now;
                    open.revision += 1;
                }
            }
            EventKind::Log {
                task_id,
                job_id,
                text,
                offset,
            } => {
                if let Some(open) = self.open_job.as_mut().filter(|o| o.job_id == *job_id)
                    && open.selected == Some(*task_id)
                {
                    open.log_chunk(*offset, text);
                }
            }
            EventKind::Worker { worker } => {
                self.workers.insert(worker.id, worker.clone());
            }
            EventKind::LastRendered { job_id, .. } => return FollowUp::PreviewChanged(*job_id),
            EventKind::Notice { notice, .. } => {
                if self.notices.arrived(notice.clone()) {
                    return FollowUp::Notice(notice.id);
                }
            }
            EventKind::Resync => return FollowUp::Refetch,
        }
        FollowUp::None
    }

    /// Adds the frames a job finished since we last heard of it.
    fn count_frames(&mut self, job_id: JobId, completed: u64) {
        let Some(job) = self.jobs.get(&job_id) else {
            return;
        };
        let new_tasks = completed.saturating_sub(job.progress.completed);
        self.history.frames_done += new_tasks * frames_per_task(&job.kind);
    }

    /// Records a sample at `t` seconds when the last one is old enough.
    pub fn sample(&mut self, t: f64) {
        if self
            .history
            .samples
            .back()
            .is_some_and(|s| t - s.t < SAMPLE_SECS)
        {
            return;
        }
        let mut tasks = [0u64; 6];
        for job in self.jobs.values() {
            let p = &job.progress;
            for (slot, n) in tasks.iter_mut().zip([
                p.queued,
                p.active,
                p.completed,
                p.failed,
                p.paused,
                p.canceled,
            ]) {
                *slot += n;
            }
        }
        let count = |status| self.workers.values().filter(|w| w.status == status).count() as u32;
        let sample = Sample {
            t,
            tasks,
            busy: count(WorkerStatus::Busy),
            idle: count(WorkerStatus::Idle),
            frames_done: self.history.frames_done,
        };
        if self.history.samples.len() == HISTORY_LEN {
            self.history.samples.pop_front();
        }
        self.history.samples.push_back(sample);
    }

    /// Jobs still running or waiting, for the status line.
    /// Running tasks holding the limit `name` now, from the jobs as the events keep them.
    pub fn limit_use(&self, name: &str) -> u64 {
        self.jobs
            .values()
            .filter(|j| j.limits.iter().any(|l| l == name))
            .map(|j| j.progress.active)
            .sum()
    }

    /// When the queue should be empty: the work left in every queued or running job at the
    /// pace of its finished tasks, shared by the workers that take work (not asleep, not
    /// offline). Also how many live jobs have no prediction yet (none of their tasks
    /// finished), which the time leaves out.
    pub fn queue_empties(
        &self,
        now: time::OffsetDateTime,
    ) -> Option<(time::OffsetDateTime, usize)> {
        let mut work_ms = 0.0;
        let mut unknown = 0;
        for job in self.jobs.values() {
            if !matches!(job.status, JobStatus::Queued | JobStatus::Active) {
                continue;
            }
            match job.eta {
                Some(eta) => {
                    let p = &job.progress;
                    work_ms += eta.task_ms as f64 * (p.queued as f64 + p.active as f64 * 0.5);
                }
                None => unknown += 1,
            }
        }
        let workers = self
            .workers
            .values()
            .filter(|w| {
                !matches!(
                    w.status,
                    drover_shared::WorkerStatus::Offline | drover_shared::WorkerStatus::Asleep
                )
            })
            .count() as u64;
        // The whole queue as one job of 1 ms tasks: the shared arithmetic does the rest.
        let finish =
            drover_shared::eta::finish(now, Some(1.0), work_ms.round() as u64, 0, workers)?;
        (work_ms > 0.0).then_some((finish, unknown))
    }

    /// Jobs queued or running.
    pub fn running_jobs(&self) -> usize {
        self.jobs
            .values()
            .filter(|j| matches!(j.status, JobStatus::Active | JobStatus::Queued))
            .count()
    }
}

/// Names of `Sample::tasks`, in order.
pub const TASK_SERIES: [&str; 6] = [
    "queued",
    "active",
    "completed",
    "failed",
    "paused",
    "canceled",
];

#[cfg(test)]
pub(crate) mod tests;
