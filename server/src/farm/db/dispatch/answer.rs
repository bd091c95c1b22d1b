//! A claim's answer: what a worker needs to run the task it was given, read in the write that
//! claimed it.

use super::super::jobs;
use super::Claimed;
use drover_shared::protocol::{Assignment, PathMap};
use rusqlite::{Connection, OptionalExtension, named_params};

/// What a worker needs to run a claimed task, read in the write that claimed it (a second hop
/// through the read pool cost every claim more than these reads cost the writer).
pub fn assignment(conn: &Connection, claimed: Claimed) -> rusqlite::Result<Option<Assignment>> {
    let task = claimed.task;
    // Only what a worker needs of the job: the whole job's counts, lists and predicted
    // finish cost the writer more than the rest of a claim.
    let Some(job) = jobs::to_run(conn, claimed.job)? else {
        return Ok(None);
    };
    let paths = path_map(conn, job.project_id)?;
    Ok(Some(Assignment {
        task,
        job_id: claimed.job,
        job_name: job.name,
        project_id: job.project_id,
        kind: job.kind,
        paths,
        storage: job.storage,
    }))
}

/// The folders of a project per platform (none for a project that is gone). Its own query,
/// by position: every claim's answer reads it.
fn path_map(conn: &Connection, project: drover_shared::ProjectId) -> rusqlite::Result<PathMap> {
    Ok(conn
        .prepare_cached(
            "SELECT path_server, path_linux, path_osx, path_win, render_path_server,
                    render_path_linux, render_path_osx, render_path_win
             FROM projects WHERE id = :id",
        )?
        .query_row(named_params! { ":id": project }, |r| {
            Ok(PathMap {
                path_server: r.get(0)?,
                path_linux: r.get(1)?,
                path_osx: r.get(2)?,
                path_win: r.get(3)?,
                render_path_server: r.get(4)?,
                render_path_linux: r.get(5)?,
                render_path_osx: r.get(6)?,
                render_path_win: r.get(7)?,
            })
        })
        .optional()?
        .unwrap_or_default())
}
