//! Jobs: insertion with their tasks, listing, commands and status upkeep.

use crate::farm::compile::CompiledJob;
use crate::farm::state_machine::{TaskCounts, derive_job_status};
use drover_shared::api::{
    Job, JobDependency, JobEta, JobKind, JobProgress, JobQuery, Page, StorageMode, SubmitJob,
};
use drover_shared::{DependencyState, JobCommand, JobId, JobStatus, ProjectId, TaskStatus, UserId};
use rusqlite::{Connection, OptionalExtension, Row, ToSql, named_params};

/// The columns [`from_row`] reads, in its order. A macro, so that the queries built on it
/// are literals (`concat!`), not a string formatted again on every read of the hot path.
macro_rules! job_columns {
    () => {
        "id, name, project_id, job_type, settings, status, priority, tag, created_by,
    created, updated, n_total, n_queued, n_active, n_paused, n_completed, n_soft_failed,
    n_failed, n_canceled, production_task_id, depend_mode, dep_state, dep_reason,
    (SELECT group_concat(depends_on) FROM job_deps WHERE job_id = jobs.id) AS depends_on,
    max_workers, task_timeout_secs,
    (SELECT group_concat(name, ' ') FROM job_limits WHERE job_id = jobs.id) AS limit_names,
    done_ms, done_runs, CASE WHEN archived >= updated THEN archived END AS archived,
    CASE WHEN status IN ('queued', 'active') AND source IS NOT NULL THEN (
        SELECT sum(p.done_ms) * 1.0
               / sum(p.done_runs * max(coalesce(json_extract(p.settings, '$.chunk_size'), 1), 1))
        FROM (SELECT done_ms, done_runs, settings FROM jobs AS e
              WHERE e.project_id = jobs.project_id AND e.source = jobs.source
                AND e.id < jobs.id AND e.done_runs > 0
              ORDER BY e.id DESC LIMIT 5) AS p)
    END AS prior_frame_ms,
    max(coalesce(json_extract(settings, '$.chunk_size'), 1), 1) AS chunk"
    };
}
const COLUMNS: &str = job_columns!();

fn counts_from_row(row: &Row<'_>) -> rusqlite::Result<TaskCounts> {
    Ok(TaskCounts {
        total: row.get("n_total")?,
        queued: row.get("n_queued")?,
        active: row.get("n_active")?,
        paused: row.get("n_paused")?,
        completed: row.get("n_completed")?,
        soft_failed: row.get("n_soft_failed")?,
        failed: row.get("n_failed")?,
        canceled: row.get("n_canceled")?,
    })
}

/// A job's kind from its `job_type` and `settings` columns.
fn kind_from_row(row: &Row<'_>) -> rusqlite::Result<JobKind> {
    let job_type: String = row.get("job_type")?;
    let settings: String = row.get("settings")?;
    serde_json::from_str(&format!(
        r#"{{"job_type":{},"settings":{settings}}}"#,
        serde_json::Value::String(job_type)
    ))
    .map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// What a worker needs of a job to run one of its tasks.
pub struct ToRun {
    /// The job's name.
    pub name: String,
    /// Its project.
    pub project_id: ProjectId,
    /// What it runs.
    pub kind: JobKind,
    /// Where its files come from.
    pub storage: StorageMode,
}

/// A job as a worker runs it (see [`ToRun`]); read on every claim.
pub fn to_run(conn: &Connection, id: JobId) -> rusqlite::Result<Option<ToRun>> {
    conn.prepare_cached(
        "SELECT name, project_id, job_type, settings, storage_mode FROM jobs WHERE id = :id",
    )?
    .query_row(named_params! { ":id": id }, |row| {
        Ok(ToRun {
            name: row.get(0)?,
            project_id: row.get(1)?,
            kind: kind_from_row(row)?,
            storage: row
                .get::<_, Option<String>>(4)?
                .as_deref()
                .and_then(StorageMode::parse)
                .unwrap_or_default(),
        })
    })
    .optional()
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<Job> {
    let kind = kind_from_row(row)?;
    let c = counts_from_row(row)?;
    let status: JobStatus = row.get("status")?;
    // While it runs, the pace per frame of the last few jobs of the same file or shot in the
    // project, for a task of this one's chunk.
    let prior_task_ms = row
        .get::<_, Option<f64>>("prior_frame_ms")?
        .map(|frame_ms| frame_ms * row.get::<_, f64>("chunk").unwrap_or(1.0));
    let eta = eta(
        status,
        &c,
        (row.get("done_ms")?, row.get("done_runs")?),
        prior_task_ms,
        time::OffsetDateTime::now_utc(),
    );
    Ok(Job {
        id: row.get("id")?,
        name: row.get("name")?,
        project_id: row.get("project_id")?,
        kind,
        status,
        priority: row.get("priority")?,
        tag: row.get("tag")?,
        created_by: row.get("created_by")?,
        created: super::time_from_ms(row.get("created")?),
        updated: super::time_from_ms(row.get("updated")?),
        progress: progress(&c),
        production_task_id: row.get("production_task_id")?,
        depends_on: id_list(row.get::<_, Option<String>>("depends_on")?.as_deref()),
        depend_mode: row.get("depend_mode")?,
        dependency: match row.get::<_, Option<DependencyState>>("dep_state")? {
            Some(state) => Some(JobDependency {
                state,
                reason: row
                    .get::<_, Option<String>>("dep_reason")?
                    .unwrap_or_default(),
            }),
            None => None,
        },
        max_workers: row.get("max_workers")?,
        task_timeout_secs: row.get("task_timeout_secs")?,
        limits: {
            // Names hold no space (`limits::check_name`).
            let mut names: Vec<String> = row
                .get::<_, Option<String>>("limit_names")?
                .unwrap_or_default()
                .split(' ')
                .filter(|n| !n.is_empty())
                .map(str::to_owned)
                .collect();
            names.sort_unstable();
            names
        },
        eta,
        archived: row
            .get::<_, Option<i64>>("archived")?
            .map(super::time_from_ms),
    })
}

/// How soon a job's own pace takes over from its earlier jobs': at a share `d` of its tasks
/// done, its own mean weighs `d² / (d² + PRIOR_FADE²)`: 43 % at a tenth done, 82 % at a
/// quarter, 95 % at half. A shot's first frames are often its lightest, so its own mean is
/// least sure early on. Fitted on `drover-bench eta`'s replayed histories, where the errors
/// of the two estimates at a tenth, a quarter and half done call for about those weights.
const PRIOR_FADE: f64 = 0.115;

/// A job's predicted finish: from the mean of its finished runs (`done`: their milliseconds
/// and count), blended with `prior_task_ms` (what a task took in earlier jobs of the same
/// file or shot) while little of it has run ([`PRIOR_FADE`]), or from the prior alone before
/// a run finished (`runs` is then 0); with as many workers as run it now (one when none
/// does); none without either, or while it is paused or ended.
pub fn eta(
    status: JobStatus,
    counts: &TaskCounts,
    done: (i64, u64),
    prior_task_ms: Option<f64>,
    now: time::OffsetDateTime,
) -> Option<JobEta> {
    if !matches!(status, JobStatus::Queued | JobStatus::Active) {
        return None;
    }
    let (done_ms, done_runs) = done;
    let own = drover_shared::eta::mean_ms(done_ms, done_runs);
    let prior = prior_task_ms.filter(|ms| ms.is_finite() && *ms > 0.0);
    let task_ms = match (own, prior) {
        (Some(own), Some(prior)) => {
            let share = counts.completed as f64 / counts.total.max(1) as f64;
            let trust = share * share / (share * share + PRIOR_FADE * PRIOR_FADE);
            trust * own + (1.0 - trust) * prior
        }
        (own, prior) => own.or(prior)?,
    };
    let finish = drover_shared::eta::finish(
        now,
        Some(task_ms),
        counts.queued + counts.soft_failed,
        counts.active,
        counts.active.max(1),
    )?;
    Some(JobEta {
        finish,
        task_ms: task_ms.round() as u64,
        runs: done_runs,
    })
}

/// Job ids from `group_concat`, in order.
fn id_list(ids: Option<&str>) -> Vec<JobId> {
    let mut ids: Vec<JobId> = ids
        .unwrap_or_default()
        .split(',')
        .filter_map(|id| id.parse().ok().map(JobId))
        .collect();
    ids.sort_unstable();
    ids
}

/// Stores a compiled job and all its tasks. Runs inside the caller's transaction, so a
/// failure leaves nothing behind.
pub fn insert(
    conn: &Connection,
    submit: &SubmitJob,
    compiled: &CompiledJob,
    created_by: UserId,
) -> rusqlite::Result<Job> {
    let now = super::now_ms();
    let (job_status, task_status) = if submit.paused {
        (JobStatus::Paused, TaskStatus::Paused)
    } else {
        (JobStatus::Queued, TaskStatus::Queued)
    };
    let settings = match &submit.kind {
        JobKind::BlenderRender(s) => serde_json::to_string(s),
        JobKind::Command(s) => serde_json::to_string(s),
    }
    .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let count = compiled.total_tasks();
    conn.execute(
        "INSERT INTO jobs (name, project_id, job_type, settings, status, priority, tag, created_by,
                           created, updated, n_total, n_queued, n_paused, production_task_id,
                           source)
         VALUES (:name, :project, :job_type, :settings, :status, :priority, :tag, :created_by,
                 :now, :now, :total, :queued, :paused, :production_task,
                 coalesce(json_extract(:settings, '$.blend_file'),
                          (SELECT 'shot:' || entity_id FROM prod_task
                           WHERE id = :production_task)))",
        named_params! {
            ":name": submit.name.trim(),
            ":project": submit.project_id,
            ":job_type": submit.kind.type_name(),
            ":settings": settings,
            ":status": job_status,
            ":priority": compiled.priority,
            ":tag": submit.tag.as_deref().map(str::trim).filter(|t| !t.is_empty()),
            ":created_by": created_by,
            ":now": now,
            ":total": count,
            ":queued": if submit.paused { 0 } else { count },
            ":paused": if submit.paused { count } else { 0 },
            ":production_task": submit.production_task_id,
        },
    )?;
    let id = JobId(conn.last_insert_rowid());
    super::tasks::insert_chunks(conn, id, compiled, task_status, now)?;
    // Read back on the connection that just inserted it: the row is there, and were it not,
    // an error instead of a panic.
    get(conn, id)?.ok_or(rusqlite::Error::QueryReturnedNoRows)
}

/// One job.
pub fn get(conn: &Connection, id: JobId) -> rusqlite::Result<Option<Job>> {
    conn.prepare_cached(concat!(
        "SELECT ",
        job_columns!(),
        " FROM jobs WHERE id = :id"
    ))?
    .query_row(named_params! { ":id": id }, from_row)
    .optional()
}

/// A job's status, owner and task counts, for checks before a change.
pub fn state(
    conn: &Connection,
    id: JobId,
) -> rusqlite::Result<Option<(JobStatus, UserId, TaskCounts)>> {
    // Only the columns it needs: settling a job reads this twice per completion, and the
    // job's lists of dependencies and limits are subqueries.
    conn.prepare_cached(
        "SELECT status, created_by, n_total, n_queued, n_active, n_paused, n_completed,
                n_soft_failed, n_failed, n_canceled
         FROM jobs WHERE id = :id",
    )?
    .query_row(named_params! { ":id": id }, |row| {
        Ok((
            row.get("status")?,
            row.get("created_by")?,
            counts_from_row(row)?,
        ))
    })
    .optional()
}

/// A page of jobs, highest priority first, then oldest first; with `team`, only the jobs of
/// the projects whose team that person is on.
pub fn list(
    conn: &Connection,
    query: &JobQuery,
    team: Option<UserId>,
) -> rusqlite::Result<Page<Job>> {
    let (page, per_page) = super::page_bounds(query.page, query.per_page);
    let mut filters = Vec::new();
    let mut params: Vec<(&str, &dyn ToSql)> = Vec::new();
    let team_filter = format!("project_id IN ({})", super::teams::TEAM_PROJECT_IDS);
    if let Some(person) = &team {
        filters.push(team_filter.as_str());
        params.push((":viewer", person));
    }
    if let Some(status) = &query.status {
        filters.push("status = :status");
        params.push((":status", status));
    }
    if let Some(project) = &query.project_id {
        filters.push("project_id = :project");
        params.push((":project", project));
    }
    let filter = if filters.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", filters.join(" AND "))
    };
    let total: u64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM jobs {filter}"))?
        .query_row(params.as_slice(), |r| r.get(0))?;
    let limit = i64::from(per_page);
    let offset = i64::from(page - 1) * limit;
    params.push((":limit", &limit));
    params.push((":offset", &offset));
    let items = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM jobs {filter} ORDER BY priority DESC, id
             LIMIT :limit OFFSET :offset"
        ))?
        .query_map(params.as_slice(), from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Page {
        items,
        total,
        page,
        per_page,
        next_after: None,
    })
}

/// Applies a command's effect on the job's tasks and priority. The caller checked that the
/// command is allowed; the job's status is brought up to date by [`refresh_status`].
pub fn apply_command(
    conn: &Connection,
    id: JobId,
    command: JobCommand,
    priority: Option<u8>,
) -> rusqlite::Result<()> {
    let now = super::now_ms();
    let tasks = |sql: &str| {
        conn.execute(sql, named_params! { ":job": id, ":now": now })
            .map(drop)
    };
    let set_job_status = |status: JobStatus| {
        conn.execute(
            "UPDATE jobs SET status = :status, updated = :now WHERE id = :job",
            named_params! { ":status": status, ":now": now, ":job": id },
        )
        .map(drop)
    };
    match command {
        JobCommand::Pause => {
            tasks(
                "UPDATE tasks SET status = 'paused', updated = :now
                 WHERE job_id = :job AND status IN ('queued', 'soft_failed', 'active')",
            )?;
            set_job_status(JobStatus::Paused)?;
        }
        JobCommand::Start | JobCommand::Resume => {
            tasks(
                "UPDATE tasks SET status = 'queued', updated = :now
                 WHERE job_id = :job AND status = 'paused'",
            )?;
            set_job_status(JobStatus::Queued)?;
        }
        JobCommand::Cancel => {
            tasks(
                "UPDATE tasks SET status = 'canceled', updated = :now
                 WHERE job_id = :job AND status IN ('queued', 'soft_failed', 'active', 'paused')",
            )?;
        }
        JobCommand::RenderAgain => {
            tasks(
                "UPDATE tasks SET status = 'queued', worker_id = NULL, activity = '',
                        failures = 0, updated = :now
                 WHERE job_id = :job",
            )?;
            set_job_status(JobStatus::Queued)?;
        }
        JobCommand::RequeueFailed => {
            // A paused job stays paused: its requeued tasks wait with the others.
            tasks(
                "UPDATE tasks SET
                    status = CASE (SELECT status FROM jobs WHERE id = :job)
                             WHEN 'paused' THEN 'paused' ELSE 'queued' END,
                    failures = 0, updated = :now
                 WHERE job_id = :job AND status IN ('failed', 'canceled')",
            )?;
            conn.execute(
                "UPDATE jobs SET status = 'queued', updated = :now
                 WHERE id = :job AND status <> 'paused'",
                named_params! { ":now": now, ":job": id },
            )?;
        }
        JobCommand::SetPriority => {
            conn.execute(
                "UPDATE jobs SET priority = :priority, updated = :now WHERE id = :job",
                named_params! { ":priority": priority, ":now": now, ":job": id },
            )?;
        }
    }
    Ok(())
}

/// Re-derives a job's status from its task counts and stores it when it changed. Call after
/// any change to the job's tasks, in the same transaction.
pub fn refresh_status(
    conn: &Connection,
    id: JobId,
    fail_percent: f64,
) -> rusqlite::Result<Option<(JobStatus, TaskCounts)>> {
    let Some((status, _, counts)) = state(conn, id)? else {
        return Ok(None);
    };
    let derived = derive_job_status(status, &counts, fail_percent);
    // Progress already moved `updated` (the counting trigger); write only a new status.
    if derived != status {
        conn.prepare_cached("UPDATE jobs SET status = :status, updated = :now WHERE id = :id")?
            .execute(named_params! { ":status": derived, ":now": super::now_ms(), ":id": id })?;
    }
    Ok(Some((derived, counts)))
}

/// A job's counts by status and its finished runs' summed length, read again from its tasks.
const RECOUNT: &str = "
    n_total       = (SELECT count(*) FROM tasks t WHERE t.job_id = jobs.id),
    n_queued      = (SELECT count(*) FROM tasks t WHERE t.job_id = jobs.id AND t.status = 'queued'),
    n_active      = (SELECT count(*) FROM tasks t WHERE t.job_id = jobs.id AND t.status = 'active'),
    n_paused      = (SELECT count(*) FROM tasks t WHERE t.job_id = jobs.id AND t.status = 'paused'),
    n_completed   = (SELECT count(*) FROM tasks t WHERE t.job_id = jobs.id AND t.status = 'completed'),
    n_soft_failed = (SELECT count(*) FROM tasks t WHERE t.job_id = jobs.id AND t.status = 'soft_failed'),
    n_failed      = (SELECT count(*) FROM tasks t WHERE t.job_id = jobs.id AND t.status = 'failed'),
    n_canceled    = (SELECT count(*) FROM tasks t WHERE t.job_id = jobs.id AND t.status = 'canceled'),
    done_ms       = (SELECT coalesce(sum(t.finished - t.started), 0) FROM tasks t
                     WHERE t.job_id = jobs.id AND t.status = 'completed' AND t.completions > 0
                       AND t.started IS NOT NULL AND t.finished >= t.started),
    done_runs     = (SELECT count(*) FROM tasks t
                     WHERE t.job_id = jobs.id AND t.status = 'completed' AND t.completions > 0
                       AND t.started IS NOT NULL AND t.finished >= t.started)";

/// Counts a job's tasks by status again (after tasks were added or removed: the counting
/// trigger only follows status changes), with the runs its completed tasks took.
pub fn recount(conn: &Connection, id: JobId) -> rusqlite::Result<()> {
    conn.prepare_cached(&format!("UPDATE jobs SET {RECOUNT} WHERE id = :id"))?
        .execute(named_params! { ":id": id })?;
    Ok(())
}

/// [`recount`] for every job (the repair at start).
pub fn recount_all(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute(&format!("UPDATE jobs SET {RECOUNT}"), [])?;
    Ok(())
}

/// The API's progress from the stored counts (soft-failed tasks wait in the queue).
pub fn progress(c: &TaskCounts) -> JobProgress {
    JobProgress {
        total: c.total,
        queued: c.queued + c.soft_failed,
        active: c.active,
        completed: c.completed,
        failed: c.failed,
        paused: c.paused,
        canceled: c.canceled,
    }
}

/// Deletes jobs with their tasks; returns the ids that did not exist (nothing is deleted
/// then, as the caller rolls back).
pub fn delete(conn: &Connection, ids: &[JobId]) -> rusqlite::Result<Vec<JobId>> {
    let mut stmt = conn.prepare_cached("DELETE FROM jobs WHERE id = :id")?;
    let mut missing = Vec::new();
    for id in ids {
        if stmt.execute(named_params! { ":id": id })? == 0 {
            missing.push(*id);
        }
    }
    Ok(missing)
}
