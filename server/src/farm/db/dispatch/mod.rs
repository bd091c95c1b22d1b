//! Handing tasks to workers and taking their results: the claim, completions, the failure
//! rules (soft-fail, fail after N workers, blocklist, job failure), requeues, timeouts and the
//! repair at start. Every function runs inside one write transaction, so a task is never
//! handed to two workers and never completes twice.

mod answer;
mod schedules;

pub use answer::assignment;
pub use schedules::follow_schedules;

use super::settings::job_fail_percent as fail_percent;
use super::{job_deps, jobs, settings, tasks, workers};
use crate::db::render_publish::{self, Outcome};
use drover_shared::api::Task;
use drover_shared::events::EventKind;
use drover_shared::protocol::{MayIRun, TaskUpdate};
use drover_shared::{JobId, JobStatus, TaskId, TaskStatus, WorkerId, WorkerStatus};
use rusqlite::{Connection, OptionalExtension, named_params};

/// A worker's update that cannot be applied.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// No such task.
    #[error("{0}")]
    NotFound(String),
    /// The task is no longer this worker's to report on.
    #[error("{0}")]
    NotYours(String),
    /// The update itself is wrong.
    #[error("{0}")]
    Invalid(String),
    /// SQLite failed.
    #[error(transparent)]
    Sql(#[from] rusqlite::Error),
}

/// The farm's failure thresholds, from its settings.
#[derive(Debug, Clone, Copy)]
pub struct FailureRules {
    /// A task fails for good once this many different workers failed it.
    pub fail_after_workers: u32,
    /// A worker failing this many tasks of a job is blocklisted for it.
    pub blocklist_threshold: u32,
    /// A job fails when this percentage of its tasks failed.
    pub job_fail_percent: f64,
}

impl FailureRules {
    /// Reads the thresholds from settings.
    pub fn load(conn: &Connection) -> rusqlite::Result<Self> {
        Ok(Self::from(&settings::load(conn)?))
    }
}

impl From<&settings::FarmSettings> for FailureRules {
    fn from(settings: &settings::FarmSettings) -> Self {
        Self {
            fail_after_workers: settings.task_fail_worker_count,
            blocklist_threshold: settings.blocklist_threshold,
            job_fail_percent: settings.job_fail_percent,
        }
    }
}

/// An event describing a task as it is now.
pub fn task_event(task: &Task) -> EventKind {
    EventKind::Task {
        task_id: task.id,
        job_id: task.job_id,
        status: task.status,
        worker_id: task.worker_id,
        activity: task.activity.clone(),
        steps_done: task.steps_done,
        steps_total: task.steps_total,
    }
}

/// Pushes the worker as it is now, read in the write that changed it: what every write that
/// changes a worker tells the dashboards.
pub(crate) fn push_worker(
    conn: &Connection,
    id: WorkerId,
    events: &mut Vec<EventKind>,
) -> rusqlite::Result<()> {
    if let Some(worker) = workers::get(conn, id)? {
        events.push(EventKind::Worker { worker });
    }
    Ok(())
}

fn push_task(conn: &Connection, id: TaskId, events: &mut Vec<EventKind>) -> rusqlite::Result<()> {
    if let Some(task) = tasks::get(conn, id)? {
        events.push(task_event(&task));
    }
    Ok(())
}

/// Re-derives a job's status; when the job failed, cancels what is left of it. Pushes the
/// job's progress event.
pub fn settle_job(
    conn: &Connection,
    job: JobId,
    fail_percent: f64,
    events: &mut Vec<EventKind>,
) -> rusqlite::Result<()> {
    let before = jobs::state(conn, job)?.map(|(status, _, _)| status);
    let Some((mut status, mut counts)) = jobs::refresh_status(conn, job, fail_percent)? else {
        return Ok(());
    };
    let unfinished = counts.queued + counts.soft_failed + counts.active + counts.paused;
    if status == JobStatus::Failed && unfinished > 0 {
        conn.execute(
            "UPDATE tasks SET status = 'canceled', updated = :now, activity = 'canceled: the job failed'
             WHERE job_id = :job AND status IN ('queued', 'soft_failed', 'active', 'paused')",
            named_params! { ":job": job, ":now": super::now_ms() },
        )?;
        if let Some(settled) = jobs::refresh_status(conn, job, fail_percent)? {
            (status, counts) = settled;
        }
    }
    if before != Some(status) && matches!(status, JobStatus::Completed | JobStatus::Failed) {
        // Its comment on its production task, if it has one (see `crate::production::publish`).
        render_publish::queue(conn, job, Outcome::of(status))?;
        // Its notices, and their e-mails and chat messages (see `crate::farm::notify`).
        for queued in crate::db::notices::queue(conn, job, status, super::now_ms())? {
            events.push(EventKind::Notice {
                person: queued.person,
                notice: queued.notice,
            });
        }
    }
    if before != Some(status) {
        push_dependents(conn, job, events)?;
    }
    events.push(EventKind::JobProgress {
        job_id: job,
        status,
        progress: jobs::progress(&counts),
    });
    Ok(())
}

/// After `job`'s status changed: the jobs waiting for it take their new state, and their
/// clients hear of those that changed.
pub fn push_dependents(
    conn: &Connection,
    job: JobId,
    events: &mut Vec<EventKind>,
) -> rusqlite::Result<()> {
    for dependent in job_deps::refresh_dependents(conn, job)? {
        if let Some(job) = jobs::get(conn, dependent)? {
            events.push(EventKind::Job { job });
        }
    }
    Ok(())
}

/// A task just assigned to a worker.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The task as the claim left it.
    pub task: Task,
    /// Its job.
    pub job: JobId,
}

/// Picks and assigns the next task for a worker, or `None`. Highest job priority first, then
/// oldest job, then task order; only jobs whose tag the worker has (untagged jobs go anywhere),
/// that no job they depend on holds back, below their `max_workers` and with room in every
/// farm limit they name; task types it runs, tasks whose dependencies (within the job, or the
/// upstream frames) completed, never a task it failed before or
/// one of a type it is blocklisted for in that job. A task already active on this worker is
/// handed back (its answer may have been lost). Runs on the writer, so it does the least it
/// can: [`assignment`] builds the rest, in the same write.
pub fn claim(
    conn: &Connection,
    worker: WorkerId,
) -> rusqlite::Result<Option<(Claimed, Vec<EventKind>)>> {
    let Some((tags, types, status, requested)) = conn
        .prepare_cached(
            "SELECT tags, task_types, status, requested_status FROM workers WHERE id = :w",
        )?
        .query_row(named_params! { ":w": worker }, |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, WorkerStatus>(2)?,
                r.get::<_, Option<WorkerStatus>>(3)?,
            ))
        })
        .optional()?
    else {
        return Ok(None);
    };
    if status == WorkerStatus::Asleep
        || matches!(
            requested,
            Some(WorkerStatus::Asleep | WorkerStatus::Offline)
        )
    {
        return Ok(None);
    }
    let mut events = Vec::new();
    let current = conn
        .prepare_cached(concat!(
            "SELECT ",
            tasks::task_columns!(),
            " FROM tasks WHERE worker_id = :w AND status = 'active' LIMIT 1"
        ))?
        .query_row(named_params! { ":w": worker }, tasks::from_row)
        .optional()?;
    if let Some(task) = current {
        let job = task.job_id;
        return Ok(Some((Claimed { task, job }, events)));
    }
    let Some((mut task, job_status)) = find_task(conn, worker, &tags, &types)? else {
        return Ok(None);
    };
    let now = super::now_ms();
    conn.prepare_cached(
        "UPDATE tasks SET status = 'active', worker_id = :w, started = :now, updated = :now,
                finished = NULL, steps_done = 0, steps_total = 0, activity = :activity
         WHERE id = :t",
    )?
    .execute(named_params! { ":w": worker, ":now": now, ":t": task.id, ":activity": STARTING })?;
    conn.prepare_cached(
        "UPDATE workers SET status = 'busy', task_id = :t, last_seen = :now WHERE id = :w",
    )?
    .execute(named_params! { ":t": task.id, ":now": now, ":w": worker })?;
    let job = task.job_id;
    if job_status == JobStatus::Queued {
        settle_job(conn, job, fail_percent(conn)?, &mut events)?;
    }
    // The row as the update above left it, without reading it again.
    task.status = TaskStatus::Active;
    task.worker_id = Some(worker);
    task.started = Some(super::time_from_ms(now));
    task.updated = super::time_from_ms(now);
    task.steps_done = 0;
    task.steps_total = 0;
    STARTING.clone_into(&mut task.activity);
    Ok(Some((Claimed { task, job }, events)))
}

/// A claimed task's activity until its worker reports.
const STARTING: &str = "starting";

fn find_task(
    conn: &Connection,
    worker: WorkerId,
    tags: &str,
    types: &str,
) -> rusqlite::Result<Option<(Task, JobStatus)>> {
    let jobs: Vec<(JobId, JobStatus)> = conn
        .prepare_cached(
            "SELECT id, status FROM jobs
             WHERE status IN ('queued', 'active') AND n_queued + n_soft_failed > 0
               AND (tag IS NULL OR instr(:tags, ',' || tag || ',') > 0)
               AND (dep_state IS NULL OR dep_state = 'following')
               AND (max_workers IS NULL OR n_active < max_workers)
               AND NOT EXISTS (
                   SELECT 1 FROM job_limits jl JOIN farm_limits fl ON fl.name = jl.name
                   WHERE jl.job_id = jobs.id
                     AND fl.max_running <= (SELECT coalesce(sum(j.n_active), 0)
                                            FROM job_limits x JOIN jobs j ON j.id = x.job_id
                                            WHERE x.name = jl.name))
             ORDER BY priority DESC, id",
        )?
        .query_map(named_params! { ":tags": tags }, |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    // The whole row of the task picked: the claim's answer is built from it.
    let mut pick = conn.prepare_cached(concat!(
        "SELECT ",
        tasks::task_columns!(),
        " FROM tasks t INDEXED BY tasks_runnable
         WHERE t.job_id = :job AND t.status IN ('queued', 'soft_failed')
           AND instr(:types, ',' || t.task_type || ',') > 0
           AND NOT EXISTS (SELECT 1 FROM task_failures f WHERE f.task_id = t.id AND f.worker_id = :w)
           AND NOT EXISTS (SELECT 1 FROM blocklist b
                           WHERE b.job_id = t.job_id AND b.worker_id = :w AND b.task_type = t.task_type)
           AND NOT EXISTS (SELECT 1 FROM task_deps d JOIN tasks dt ON dt.id = d.depends_on
                           WHERE d.task_id = t.id AND dt.status <> 'completed')
         ORDER BY t.id LIMIT 1"
    ))?;
    for (job, status) in jobs {
        let found = pick
            .query_row(
                named_params! { ":job": job, ":types": types, ":w": worker },
                tasks::from_row,
            )
            .optional()?;
        if let Some(task) = found {
            return Ok(Some((task, status)));
        }
    }
    Ok(None)
}

/// Checks that `task` is `worker`'s active task.
fn own_active_task(conn: &Connection, worker: WorkerId, task_id: TaskId) -> Result<Task, Refusal> {
    let task = tasks::get(conn, task_id)?
        .ok_or_else(|| Refusal::NotFound(format!("task {task_id} not found")))?;
    if task.worker_id != Some(worker) {
        return Err(Refusal::NotYours(format!(
            "task {task_id} was given to another worker"
        )));
    }
    if task.status != TaskStatus::Active {
        return Err(Refusal::NotYours(format!(
            "task {task_id} is {}, no longer running",
            task.status
        )));
    }
    Ok(task)
}

/// Applies a worker's progress or result. Returns the task's job (for its log) and events.
pub fn update(
    conn: &Connection,
    worker: WorkerId,
    task_id: TaskId,
    update: &TaskUpdate,
) -> Result<(JobId, Vec<EventKind>), Refusal> {
    let task = own_active_task(conn, worker, task_id)?;
    let now = super::now_ms();
    if update.status == Some(TaskStatus::Completed) {
        // One statement for the result and the last progress: completions are the hot path.
        conn.prepare_cached(
            "UPDATE tasks SET status = 'completed', finished = :now, updated = :now,
                    completions = completions + 1,
                    steps_total = coalesce(:total, steps_total),
                    steps_done = max(coalesce(:done, steps_done), coalesce(:total, steps_total)),
                    activity = coalesce(:activity, activity)
             WHERE id = :t",
        )?
        .execute(named_params! {
            ":now": now, ":done": update.steps_done, ":total": update.steps_total,
            ":activity": update.activity.as_deref().map(|a| a.chars().take(500).collect::<String>()),
            ":t": task_id,
        })?;
        conn.prepare_cached(
            "UPDATE workers SET status = 'idle', task_id = NULL, last_seen = :now WHERE id = :w",
        )?
        .execute(named_params! { ":now": now, ":w": worker })?;
        let total = update.steps_total.unwrap_or(task.steps_total);
        let mut events = vec![EventKind::Task {
            task_id,
            job_id: task.job_id,
            status: TaskStatus::Completed,
            worker_id: Some(worker),
            activity: update.activity.clone().unwrap_or(task.activity),
            steps_done: update.steps_done.unwrap_or(task.steps_done).max(total),
            steps_total: total,
        }];
        settle_job(conn, task.job_id, fail_percent(conn)?, &mut events)?;
        return Ok((task.job_id, events));
    }

    conn.prepare_cached(
        "UPDATE tasks SET updated = :now,
                steps_done = coalesce(:done, steps_done), steps_total = coalesce(:total, steps_total),
                activity = coalesce(:activity, activity)
         WHERE id = :t",
    )?
    .execute(named_params! {
        ":now": now, ":done": update.steps_done, ":total": update.steps_total,
        ":activity": update.activity.as_deref().map(|a| a.chars().take(500).collect::<String>()), ":t": task_id,
    })?;
    conn.prepare_cached("UPDATE workers SET last_seen = :now WHERE id = :w")?
        .execute(named_params! { ":now": now, ":w": worker })?;
    let mut events = Vec::new();
    match update.status {
        // Completions returned above.
        None | Some(TaskStatus::Active | TaskStatus::Completed) => {
            push_task(conn, task_id, &mut events)?;
        }
        Some(TaskStatus::Failed) => {
            let reason = update.activity.clone().unwrap_or_else(|| "failed".into());
            let rules = FailureRules::load(conn)?;
            fail(conn, &task, worker, &reason, &rules, &mut events)?;
        }
        Some(other) => {
            return Err(Refusal::Invalid(format!(
                "a worker reports `completed` or `failed`, not `{other}`"
            )));
        }
    }
    Ok((task.job_id, events))
}

/// Records that `worker` failed `task`: soft-failed until enough different workers failed it,
/// then failed; blocklists the worker for the job after too many failures there; settles the
/// job.
pub fn fail(
    conn: &Connection,
    task: &Task,
    worker: WorkerId,
    reason: &str,
    rules: &FailureRules,
    events: &mut Vec<EventKind>,
) -> rusqlite::Result<()> {
    let now = super::now_ms();
    conn.prepare_cached(
        "INSERT OR IGNORE INTO task_failures (task_id, worker_id, job_id, created) VALUES (:t, :w, :j, :now)",
    )?
    .execute(named_params! { ":t": task.id, ":w": worker, ":j": task.job_id, ":now": now })?;
    let failed_by: u32 = conn
        .prepare_cached("SELECT count(*) FROM task_failures WHERE task_id = :t")?
        .query_row(named_params! { ":t": task.id }, |r| r.get(0))?;
    let status = if failed_by >= rules.fail_after_workers {
        TaskStatus::Failed
    } else {
        TaskStatus::SoftFailed
    };
    let activity: String = format!("failed on worker {worker}: {reason}")
        .chars()
        .take(500)
        .collect();
    conn.prepare_cached(
        "UPDATE tasks SET status = :status, failures = failures + 1, finished = :now, updated = :now,
                activity = :activity
         WHERE id = :t",
    )?
    .execute(named_params! { ":status": status, ":now": now, ":activity": activity, ":t": task.id })?;
    conn.prepare_cached(
        "UPDATE workers SET status = 'idle', task_id = NULL WHERE id = :w AND status = 'busy'",
    )?
    .execute(named_params! { ":w": worker })?;
    let failed_in_job: u32 = conn
        .prepare_cached("SELECT count(*) FROM task_failures WHERE job_id = :j AND worker_id = :w")?
        .query_row(named_params! { ":j": task.job_id, ":w": worker }, |r| {
            r.get(0)
        })?;
    if failed_in_job >= rules.blocklist_threshold {
        let added = conn
            .prepare_cached(
                "INSERT OR IGNORE INTO blocklist (job_id, worker_id, task_type, created) VALUES (:j, :w, :type, :now)",
            )?
            .execute(named_params! { ":j": task.job_id, ":w": worker, ":type": task.task_type, ":now": now })?;
        if added > 0 {
            tracing::warn!(job = %task.job_id, worker = %worker, "worker blocklisted for the job");
        }
    }
    push_task(conn, task.id, events)?;
    settle_job(conn, task.job_id, rules.job_fail_percent, events)
}

/// Sends a worker's running tasks back to the queue (it went offline, signed off, or was
/// told to stop now).
pub fn requeue_worker_tasks(
    conn: &Connection,
    worker: WorkerId,
    why: &str,
) -> rusqlite::Result<Vec<EventKind>> {
    let requeued: Vec<(TaskId, JobId)> = conn
        .prepare_cached(
            "UPDATE tasks SET status = 'queued', worker_id = NULL, updated = :now, activity = :why
             WHERE worker_id = :w AND status = 'active' RETURNING id, job_id",
        )?
        .query_map(
            named_params! { ":w": worker, ":now": super::now_ms(), ":why": why },
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
        .collect::<rusqlite::Result<_>>()?;
    conn.execute(
        "UPDATE workers SET task_id = NULL WHERE id = :w",
        named_params! { ":w": worker },
    )?;
    let mut events = Vec::new();
    if requeued.is_empty() {
        return Ok(events);
    }
    let fail_percent = fail_percent(conn)?;
    for (task, job) in requeued {
        push_task(conn, task, &mut events)?;
        settle_job(conn, job, fail_percent, &mut events)?;
    }
    Ok(events)
}

/// Whether `worker` may keep running `task`.
pub fn may_i_run(
    conn: &Connection,
    worker: WorkerId,
    task_id: TaskId,
) -> rusqlite::Result<MayIRun> {
    let no = |reason: String| MayIRun {
        may_keep_running: false,
        reason,
    };
    let task = match own_active_task(conn, worker, task_id) {
        Ok(task) => task,
        Err(Refusal::Sql(e)) => return Err(e),
        Err(other) => return Ok(no(other.to_string())),
    };
    let job_status: Option<JobStatus> = conn
        .prepare_cached("SELECT status FROM jobs WHERE id = :j")?
        .query_row(named_params! { ":j": task.job_id }, |r| r.get(0))
        .optional()?;
    match job_status {
        Some(JobStatus::Queued | JobStatus::Active) => {}
        Some(status) => return Ok(no(format!("job {} is {status}", task.job_id))),
        None => return Ok(no(format!("job {} was deleted", task.job_id))),
    }
    if let Some(request) = workers::pending_request(conn, worker)?
        && !request.after_current_task
        && matches!(request.status, WorkerStatus::Asleep | WorkerStatus::Offline)
    {
        return Ok(no(format!(
            "the worker was told to go {} now",
            request.status
        )));
    }
    Ok(MayIRun {
        may_keep_running: true,
        reason: String::new(),
    })
}

/// Puts unheard workers offline (requeuing their tasks) and fails tasks that sent nothing
/// for too long.
pub fn enforce_timeouts(conn: &Connection, now_ms: i64) -> rusqlite::Result<Vec<EventKind>> {
    let settings = settings::load(conn)?;
    let worker_timeout_ms = i64::from(settings.worker_timeout_secs) * 1000;
    let task_timeout_secs = i64::from(settings.task_timeout_secs);
    let mut events = Vec::new();
    for worker in workers::unheard_since(conn, now_ms - worker_timeout_ms)? {
        tracing::warn!(worker = %worker, "worker timed out; requeuing its tasks");
        workers::set_status(conn, worker, WorkerStatus::Offline)?;
        events.extend(requeue_worker_tasks(
            conn,
            worker,
            "requeued: its worker stopped answering",
        )?);
        push_worker(conn, worker, &mut events)?;
    }
    // A job's own timeout replaces the farm's for its tasks.
    let stuck: Vec<(TaskId, i64)> = conn
        .prepare_cached(
            "SELECT t.id, coalesce(j.task_timeout_secs, :farm) AS secs
             FROM tasks t JOIN jobs j ON j.id = t.job_id
             WHERE t.status = 'active' AND t.updated < :now - coalesce(j.task_timeout_secs, :farm) * 1000",
        )?
        .query_map(
            named_params! { ":farm": task_timeout_secs, ":now": now_ms },
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
        .collect::<rusqlite::Result<_>>()?;
    if !stuck.is_empty() {
        let rules = FailureRules::from(&settings);
        for (id, secs) in stuck {
            if let Some(task) = tasks::get(conn, id)?
                && let Some(worker) = task.worker_id
            {
                tracing::warn!(task = %id, worker = %worker, "task timed out");
                let reason = format!("no update for {secs} s");
                fail(conn, &task, worker, &reason, &rules, &mut events)?;
            }
        }
    }
    Ok(events)
}

/// At start: recount every job's tasks, re-derive job statuses (a crash mid-transition leaves
/// nothing inconsistent behind) and give live workers a fresh `last_seen`.
pub fn repair(conn: &Connection) -> rusqlite::Result<()> {
    jobs::recount_all(conn)?;
    let fail_percent = fail_percent(conn)?;
    let ids: Vec<JobId> = conn
        .prepare("SELECT id FROM jobs WHERE status NOT IN ('completed', 'canceled')")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut ignored = Vec::new();
    for id in ids {
        settle_job(conn, id, fail_percent, &mut ignored)?;
    }
    workers::refresh_last_seen(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests;
