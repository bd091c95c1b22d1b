//! The farm ⇄ production seam, the one place where either side reads the other's tables: a
//! job's production task checked at submission ([`task_projects`]), and the
//! `prod_render_publish` outbox of render jobs that ended and wait for their comment on their
//! production task (queued by the farm's dispatch in the transaction that ends the job, worked
//! through by `crate::production::publish`). Rows come out typed: the job as the farm
//! decodes it (its [`JobKind`](drover_shared::api::JobKind) parsed), its [`Outcome`] as an
//! enum.

use drover_shared::api::Job;
use drover_shared::{JobId, JobStatus, ProductionTaskId, ProjectId, Role, TaskId, UserId};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension, named_params};

/// How a render job ended, stored as `completed` or `failed` (the table's CHECK).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every task completed: the render is posted for review.
    Completed,
    /// The job failed: its log tail is posted.
    Failed,
}

impl Outcome {
    /// The outcome of a job that ended with this status: anything but completed failed.
    pub fn of(status: JobStatus) -> Self {
        if status == JobStatus::Completed {
            Self::Completed
        } else {
            Self::Failed
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Completed => "completed",
            Self::Failed => "failed",
        }
    }
}

impl ToSql for Outcome {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for Outcome {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value.as_str()? {
            "completed" => Ok(Self::Completed),
            "failed" => Ok(Self::Failed),
            other => Err(FromSqlError::Other(
                format!("`{other}` is not a render outcome").into(),
            )),
        }
    }
}

/// The projects a job's production task and the job itself belong to (production uuids).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskProjects {
    /// The production task's project.
    pub task_project: String,
    /// The farm project the job is submitted into.
    pub job_project: String,
}

/// Where a production task and a farm project belong, or `None` when either does not exist.
pub fn task_projects(
    conn: &Connection,
    task: ProductionTaskId,
    project: ProjectId,
) -> rusqlite::Result<Option<TaskProjects>> {
    conn.prepare_cached(
        "SELECT t.project_id, p.uuid FROM prod_task AS t, projects AS p
         WHERE t.id = :task AND p.id = :project",
    )?
    .query_row(named_params! { ":task": task, ":project": project }, |r| {
        Ok(TaskProjects {
            task_project: r.get(0)?,
            job_project: r.get(1)?,
        })
    })
    .optional()
}

/// A job linked to a production task just ended: queues its comment. A job that ends again
/// after a requeue is published again; a job with no production task queues nothing.
pub fn queue(conn: &Connection, job: JobId, outcome: Outcome) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO prod_render_publish (job_id, outcome, ended_at)
         SELECT id, :outcome, strftime('%Y-%m-%dT%H:%M:%S', 'now') FROM jobs
         WHERE id = :job AND production_task_id IS NOT NULL",
        named_params! { ":job": job, ":outcome": outcome },
    )?;
    Ok(())
}

/// A job waiting for its comment.
#[derive(Debug)]
pub struct Pending {
    /// The job as it is now.
    pub job: Job,
    /// The production task it renders for.
    pub task: ProductionTaskId,
    /// How it ended.
    pub outcome: Outcome,
}

/// Up to `limit` jobs waiting for their comment, oldest ending first.
pub fn pending(conn: &Connection, limit: usize) -> rusqlite::Result<Vec<Pending>> {
    let rows: Vec<(JobId, Outcome)> = conn
        .prepare_cached(
            "SELECT job_id, outcome FROM prod_render_publish
             WHERE published_at IS NULL ORDER BY ended_at LIMIT :limit",
        )?
        .query_map(named_params! { ":limit": limit as i64 }, |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, outcome) in rows {
        let Some(job) = crate::farm::db::jobs::get(conn, id)? else {
            continue;
        };
        let Some(task) = job.production_task_id else {
            continue;
        };
        out.push(Pending { job, task, outcome });
    }
    Ok(out)
}

/// The task of a job that failed last, whose log tail a failed job's comment carries.
pub fn last_failed_task(conn: &Connection, job: JobId) -> rusqlite::Result<Option<TaskId>> {
    conn.prepare_cached(
        "SELECT id FROM tasks WHERE job_id = :job AND status = 'failed'
         ORDER BY updated DESC LIMIT 1",
    )?
    .query_row(named_params! { ":job": job }, |r| r.get(0))
    .optional()
}

/// The submitter's role now, if the account exists and is active: the comment is written with
/// the rights the person has when the job ends.
pub fn submitter_role(conn: &Connection, person: UserId) -> rusqlite::Result<Option<Role>> {
    conn.prepare_cached("SELECT role FROM users WHERE id = :id AND active = 1")?
        .query_row(named_params! { ":id": person }, |r| r.get(0))
        .optional()
}

/// Closes a job's row: its comment landed (or its task is gone, `None`).
pub fn mark_published(
    conn: &Connection,
    job: JobId,
    comment: Option<&str>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE prod_render_publish SET published_at = strftime('%Y-%m-%dT%H:%M:%S', 'now'),
                comment_id = :comment
         WHERE job_id = :job",
    )?
    .execute(named_params! { ":comment": comment, ":job": job })?;
    Ok(())
}

/// Closes a job's row without a comment: the submitter's rights refused it, for `reason`.
pub fn mark_refused(conn: &Connection, job: JobId, reason: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE prod_render_publish SET published_at = strftime('%Y-%m-%dT%H:%M:%S', 'now'),
                refused = :reason
         WHERE job_id = :job",
    )?
    .execute(named_params! { ":reason": reason, ":job": job })?;
    Ok(())
}

/// Why a job's comment was refused, if it was.
pub fn refusal(conn: &Connection, job: JobId) -> rusqlite::Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT refused FROM prod_render_publish WHERE job_id = :job")?
        .query_row(named_params! { ":job": job }, |r| r.get(0))
        .optional()?
        .flatten())
}

/// The project's "waiting for approval" status (a feedback-request status it uses, else the
/// studio's `wfa`), which a completed render's comment sets.
pub fn review_status(conn: &Connection, project: &str) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached(
        "SELECT s.id FROM prod_task_status AS s
         LEFT JOIN prod_project_task_status_link AS l
                ON l.task_status_id = s.id AND l.project_id = :project
         WHERE s.is_feedback_request = 1 OR s.short_name = 'wfa'
         ORDER BY l.project_id IS NULL, s.short_name <> 'wfa' LIMIT 1",
    )?
    .query_row(named_params! { ":project": project }, |r| r.get(0))
    .optional()
}
