//! Tasks: bulk insertion, keyset and page listing, status changes.

use crate::farm::compile::{CompiledJob, task_name};
use drover_shared::api::{Page, Task, TaskQuery};
use drover_shared::{JobId, TaskId, TaskStatus, TaskType, UserId};
use rusqlite::{Connection, OptionalExtension, Row, ToSql, named_params};

/// The columns [`from_row`] reads, in its order.
///
/// A macro, so that the queries built on it are literals (`concat!`), not a string
/// formatted again on every read of the hot path.
macro_rules! task_columns {
    () => {
        "id, job_id, name, task_type, status, frame_start, frame_end, worker_id,
    activity, failures, steps_done, steps_total, started, updated"
    };
}
pub(crate) use task_columns;
const COLUMNS: &str = task_columns!();

/// A task from a row of [`COLUMNS`], by position: looking each column up by name cost the
/// writer more than reading it, on every claim and completion.
pub(crate) fn from_row(row: &Row<'_>) -> rusqlite::Result<Task> {
    Ok(Task {
        id: row.get(0)?,
        job_id: row.get(1)?,
        name: row.get(2)?,
        task_type: row.get(3)?,
        status: row.get(4)?,
        frame_start: row.get(5)?,
        frame_end: row.get(6)?,
        worker_id: row.get(7)?,
        activity: row.get(8)?,
        failures: row.get(9)?,
        steps_done: row.get(10)?,
        steps_total: row.get(11)?,
        started: row.get::<_, Option<i64>>(12)?.map(super::time_from_ms),
        updated: super::time_from_ms(row.get(13)?),
    })
}

/// Inserts one task per chunk of a compiled job, in frame order. The job row's counters are
/// set by [`super::jobs::insert`]; the counting trigger only watches status updates.
pub fn insert_chunks(
    conn: &Connection,
    job: JobId,
    compiled: &CompiledJob,
    status: TaskStatus,
    now_ms: i64,
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO tasks (job_id, name, task_type, status, frame_start, frame_end, updated)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for chunk in compiled.chunks() {
        stmt.execute((
            job,
            task_name(chunk),
            compiled.task_type,
            status,
            chunk.start,
            chunk.end,
            now_ms,
        ))?;
    }
    if compiled.video {
        // The video waits for every frame task of the job.
        let (first, last) = compiled.frame_bounds();
        stmt.execute((job, "video", TaskType::Ffmpeg, status, first, last, now_ms))?;
        let video = conn.last_insert_rowid();
        conn.prepare_cached(
            "INSERT INTO task_deps (task_id, depends_on)
             SELECT :video, id FROM tasks WHERE job_id = :job AND id <> :video",
        )?
        .execute(named_params! { ":video": video, ":job": job })?;
    }
    Ok(())
}

/// One task.
pub fn get(conn: &Connection, id: TaskId) -> rusqlite::Result<Option<Task>> {
    conn.prepare_cached(concat!(
        "SELECT ",
        task_columns!(),
        " FROM tasks WHERE id = :id"
    ))?
    .query_row(named_params! { ":id": id }, from_row)
    .optional()
}

/// A page of tasks in task order. With `after`, a keyset page (cheap at any depth);
/// otherwise numbered pages.
pub fn list(
    conn: &Connection,
    query: &TaskQuery,
    team: Option<UserId>,
) -> rusqlite::Result<Page<Task>> {
    let (page, per_page) = super::page_bounds(query.page, query.per_page);
    let mut filters = Vec::new();
    let mut params: Vec<(&str, &dyn ToSql)> = Vec::new();
    let team_filter = format!(
        "job_id IN (SELECT id FROM jobs WHERE project_id IN ({}))",
        super::teams::TEAM_PROJECT_IDS
    );
    if let Some(person) = &team {
        filters.push(team_filter.as_str());
        params.push((":viewer", person));
    }
    if let Some(job) = &query.job_id {
        filters.push("job_id = :job");
        params.push((":job", job));
    }
    if let Some(status) = &query.status {
        filters.push("status = :status");
        params.push((":status", status));
    }
    if let Some(worker) = &query.worker_id {
        filters.push("worker_id = :worker");
        params.push((":worker", worker));
    }
    let total = count(conn, query, &filters, &params)?;
    if let Some(after) = &query.after {
        filters.push("id > :after");
        params.push((":after", after));
    }
    let filter = if filters.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", filters.join(" AND "))
    };
    // One row more than a page tells whether there is a next page.
    let limit = i64::from(per_page) + 1;
    let offset = if query.after.is_some() {
        0
    } else {
        i64::from(page - 1) * i64::from(per_page)
    };
    params.push((":limit", &limit));
    params.push((":offset", &offset));
    let mut items = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM tasks {filter} ORDER BY id LIMIT :limit OFFSET :offset"
        ))?
        .query_map(params.as_slice(), from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let next_after = if items.len() > per_page as usize {
        items.truncate(per_page as usize);
        items.last().map(|t| t.id.0)
    } else {
        None
    };
    let page = if query.after.is_some() { 0 } else { page };
    Ok(Page {
        items,
        total,
        page,
        per_page,
        next_after,
    })
}

/// Counts the tasks matching the filters. A job's counts come from its counters, so deep
/// pages of a 100,000-task job do not count rows.
fn count(
    conn: &Connection,
    query: &TaskQuery,
    filters: &[&str],
    params: &[(&str, &dyn ToSql)],
) -> rusqlite::Result<u64> {
    if let (Some(job), None) = (query.job_id, query.worker_id) {
        let column = match query.status {
            None => "n_total",
            Some(TaskStatus::Queued) => "n_queued",
            Some(TaskStatus::Active) => "n_active",
            Some(TaskStatus::Paused) => "n_paused",
            Some(TaskStatus::Completed) => "n_completed",
            Some(TaskStatus::SoftFailed) => "n_soft_failed",
            Some(TaskStatus::Failed) => "n_failed",
            Some(TaskStatus::Canceled) => "n_canceled",
        };
        let n: Option<u64> = conn
            .prepare_cached(&format!("SELECT {column} FROM jobs WHERE id = :job"))?
            .query_row(named_params! { ":job": job }, |r| r.get(0))
            .optional()?;
        return Ok(n.unwrap_or(0));
    }
    let filter = if filters.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", filters.join(" AND "))
    };
    conn.prepare_cached(&format!("SELECT count(*) FROM tasks {filter}"))?
        .query_row(params, |r| r.get(0))
}

/// Sets a task's status (the counting trigger keeps the job's counters right). A task sent
/// back to the queue forgets its activity line.
pub fn set_status(conn: &Connection, id: TaskId, status: TaskStatus) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE tasks SET status = :status, updated = :now,
                activity = CASE WHEN :status = 'queued' THEN '' ELSE activity END
         WHERE id = :id",
        named_params! { ":status": status, ":now": super::now_ms(), ":id": id },
    )?;
    Ok(())
}

/// The tasks among `ids` that belong to `job`, with their status; ids of other jobs or of no
/// task are left out (the caller compares the counts).
pub fn of_job(
    conn: &Connection,
    job: JobId,
    ids: &[TaskId],
) -> rusqlite::Result<Vec<(TaskId, TaskStatus)>> {
    let list = serde_json::to_string(&ids.iter().map(|t| t.0).collect::<Vec<_>>())
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    conn.prepare_cached(
        "SELECT DISTINCT t.id, t.status FROM json_each(:ids) j
         JOIN tasks t ON t.id = j.value AND t.job_id = :job",
    )?
    .query_map(named_params! { ":ids": list, ":job": job }, |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?
    .collect()
}

/// Puts a task in `status` by a person's hand (requeue, skip, fail), with `activity` saying
/// who. A requeued task forgets its failures and who failed it; a worker running it is freed
/// (it learns at its next `may-i-run` that the task is no longer its own, and stops).
pub fn set_by_hand(
    conn: &Connection,
    id: TaskId,
    status: TaskStatus,
    activity: &str,
) -> rusqlite::Result<()> {
    let now = super::now_ms();
    let requeued = matches!(status, TaskStatus::Queued | TaskStatus::Paused);
    conn.prepare_cached(
        "UPDATE tasks SET status = :status, updated = :now, activity = :activity,
                finished = CASE WHEN :requeued THEN NULL ELSE :now END,
                failures = CASE WHEN :requeued THEN 0 ELSE failures END,
                worker_id = CASE WHEN :requeued THEN NULL ELSE worker_id END
         WHERE id = :id",
    )?
    .execute(named_params! {
        ":status": status, ":now": now, ":activity": activity, ":requeued": requeued, ":id": id,
    })?;
    if requeued {
        conn.prepare_cached("DELETE FROM task_failures WHERE task_id = :id")?
            .execute(named_params! { ":id": id })?;
    }
    conn.prepare_cached(
        "UPDATE workers SET status = 'idle', task_id = NULL WHERE task_id = :id AND status = 'busy'",
    )?
    .execute(named_params! { ":id": id })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::db::users;
    use crate::farm::compile::compile;
    use crate::farm::db::{jobs, projects};
    use crate::farm::state_machine::TaskCounts;
    use drover_shared::api::{CommandSettings, JobKind, ProjectInput, SubmitJob};
    use drover_shared::{JobCommand, JobStatus, Role};

    fn submit(
        conn: &Connection,
        frames: &str,
        chunk: u32,
        paused: bool,
    ) -> drover_shared::api::Job {
        let user = users::insert(
            conn,
            &format!("{}@x", uuid::Uuid::new_v4()),
            "h",
            Role::Artist,
        )
        .unwrap();
        let project = projects::insert(
            conn,
            &ProjectInput {
                name: Some("p".into()),
                ..ProjectInput::default()
            },
        )
        .unwrap();
        let job = SubmitJob {
            name: "j".into(),
            project_id: project.id,
            kind: JobKind::Command(CommandSettings {
                argv: vec!["true".into()],
                frames: frames.into(),
                chunk_size: chunk,
            }),
            priority: None,
            paused,
            tag: None,
            production_task_id: None,
            files: Vec::new(),
            depends_on: Vec::new(),
            depend_mode: drover_shared::DependMode::Job,
            max_workers: None,
            task_timeout_secs: None,
            limits: Vec::new(),
        };
        let compiled = compile(&job).unwrap();
        jobs::insert(conn, &job, &compiled, user.id).unwrap()
    }

    fn counts(conn: &Connection, job: JobId) -> TaskCounts {
        jobs::state(conn, job).unwrap().unwrap().2
    }

    #[test]
    fn insert_and_page_by_keyset_and_number() {
        let conn = crate::db::test_conn();
        let job = submit(&conn, "1-25", 2, false);
        assert_eq!(job.progress.total, 13);
        assert_eq!(job.progress.queued, 13);
        let q = TaskQuery {
            job_id: Some(job.id),
            per_page: Some(5),
            ..TaskQuery::default()
        };
        let first = list(&conn, &q, None).unwrap();
        assert_eq!((first.items.len(), first.total), (5, 13));
        assert_eq!(
            (first.items[0].frame_start, first.items[0].frame_end),
            (1, 2)
        );
        let after = first.next_after.map(TaskId);
        let second = list(&conn, &TaskQuery { after, ..q.clone() }, None).unwrap();
        assert_eq!(second.items[0].frame_start, 11);
        let third = list(
            &conn,
            &TaskQuery {
                page: Some(3),
                ..q.clone()
            },
            None,
        )
        .unwrap();
        assert_eq!(third.items.len(), 3);
        assert_eq!(third.next_after, None);
        assert_eq!(third.items[2].name, "frame 25");
    }

    #[test]
    fn trigger_keeps_counts_and_commands_move_tasks() {
        let conn = crate::db::test_conn();
        let job = submit(&conn, "1-4", 1, false);
        let first = list(
            &conn,
            &TaskQuery {
                job_id: Some(job.id),
                ..TaskQuery::default()
            },
            None,
        )
        .unwrap()
        .items[0]
            .id;
        set_status(&conn, first, TaskStatus::Active).unwrap();
        assert_eq!(
            (counts(&conn, job.id).active, counts(&conn, job.id).queued),
            (1, 3)
        );
        jobs::apply_command(&conn, job.id, JobCommand::Pause, None).unwrap();
        assert_eq!(counts(&conn, job.id).paused, 4);
        jobs::apply_command(&conn, job.id, JobCommand::Resume, None).unwrap();
        set_status(&conn, first, TaskStatus::Active).unwrap();
        set_status(&conn, first, TaskStatus::Failed).unwrap();
        jobs::refresh_status(&conn, job.id, 10.0).unwrap();
        assert_eq!(
            jobs::get(&conn, job.id).unwrap().unwrap().status,
            JobStatus::Failed
        );
        jobs::apply_command(&conn, job.id, JobCommand::RequeueFailed, None).unwrap();
        jobs::refresh_status(&conn, job.id, 10.0).unwrap();
        let c = counts(&conn, job.id);
        assert_eq!((c.queued, c.failed), (4, 0));
        jobs::apply_command(&conn, job.id, JobCommand::Cancel, None).unwrap();
        jobs::refresh_status(&conn, job.id, 10.0).unwrap();
        let job = jobs::get(&conn, job.id).unwrap().unwrap();
        assert_eq!(
            (job.status, job.progress.canceled),
            (JobStatus::Canceled, 4)
        );
    }

    #[test]
    fn paused_submission_and_delete_cascades() {
        let conn = crate::db::test_conn();
        let job = submit(&conn, "1-3", 1, true);
        assert_eq!((job.status, job.progress.paused), (JobStatus::Paused, 3));
        assert_eq!(
            jobs::delete(&conn, &[job.id, JobId(999)]).unwrap(),
            vec![JobId(999)]
        );
        let left: i64 = conn
            .query_row("SELECT count(*) FROM tasks", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0);
    }
}
