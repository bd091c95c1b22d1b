//! A playlist's movie builds (Kitsu's "Build movie", Zou's `build_job`): a build is a row,
//! `running` until the server's ffmpeg run ends it `succeeded` or `failed`; its movie is
//! kept under the job's id. One build runs per playlist at a time; builds a stopped server
//! was running are failed when it starts again, so none stays running forever.

use super::may_read;
use crate::production::db::data::{Data, Row, text};
use crate::production::db::live::{Audience, LiveEvent};
use crate::production::db::schema::now_text;
use crate::production::db::{DataError, names};
use rusqlite::{Connection, OptionalExtension};
use serde_json::{Value, json};

/// The most movies one build plays: far past a day's review.
pub const MAX_BUILD_MOVIES: usize = 500;
/// The most builds one playlist keeps; the oldest finished ones go past it.
const KEPT_PER_PLAYLIST: i64 = 20;
/// The most builds listed for a production.
const MAX_LISTED: i64 = 1_000;

const COLUMNS: &str =
    "id, playlist_id, status, job_type, message, person_id, created_at, updated_at, ended_at";

fn present(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let mut row = Row::new();
    for (i, field) in COLUMNS.split(", ").enumerate() {
        let value: Option<String> = r.get(i)?;
        row.insert(field.into(), value.map_or(Value::Null, Value::from));
    }
    row.insert("type".into(), Value::from("BuildJob"));
    Ok(row)
}

/// What a build plays: its movie previews' ids in the playlist's order, and the
/// production's frame.
#[derive(Debug, Clone)]
pub struct BuildPlan {
    /// The build job made.
    pub job: Row,
    /// The movie previews, in order.
    pub previews: Vec<String>,
    /// The production's `resolution`.
    pub resolution: String,
    /// The production's `fps`.
    pub fps: String,
}

/// The playlist, when the person may read it.
fn readable(d: &Data, playlist_id: &str) -> Result<Row, DataError> {
    let playlist = d.get(names::PLAYLISTS, playlist_id)?;
    may_read(d, &playlist)?;
    Ok(playlist)
}

fn event(name: &str, job: &Row, project: &str) -> LiveEvent {
    LiveEvent {
        name: name.into(),
        data: json!({
            "build_job_id": text(job, "id"),
            "playlist_id": text(job, "playlist_id"),
            "status": text(job, "status"),
            "created_at": text(job, "created_at"),
        }),
        audience: Audience::Project(project.to_owned()),
    }
}

/// `GET /data/playlists/{p}/build/mp4` (the production's managers): a running build of the
/// playlist's movie previews (pictures are left out), refused while another runs or when
/// the playlist has no movie.
pub fn start(d: &Data, playlist_id: &str) -> Result<BuildPlan, DataError> {
    let playlist = readable(d, playlist_id)?;
    let project_id = text(&playlist, "project_id").to_owned();
    d.authorize_in_project(names::PLAYLISTS, &project_id)?;
    let id = text(&playlist, "id").to_owned();
    let running = d
        .conn
        .prepare_cached(
            "SELECT 1 FROM prod_build_job WHERE playlist_id = ? AND status = 'running'",
        )?
        .exists([&id])?;
    if running {
        return Err(DataError::BadRequest(
            "A build is already in progress for this playlist".into(),
        ));
    }
    let mut previews = Vec::new();
    for entry in playlist
        .get("shots")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(preview_id) = entry.get("preview_file_id").and_then(Value::as_str) else {
            continue;
        };
        let Ok(preview) = d.get(names::PREVIEW_FILES, preview_id) else {
            continue;
        };
        if text(&preview, "extension") == "mp4" && text(&preview, "status") == "ready" {
            previews.push(text(&preview, "id").to_owned());
        }
    }
    if previews.is_empty() {
        return Err(DataError::BadRequest(
            "the playlist has no movie preview to build a movie of".into(),
        ));
    }
    if previews.len() > MAX_BUILD_MOVIES {
        return Err(DataError::BadRequest(format!(
            "a build plays at most {MAX_BUILD_MOVIES} movies"
        )));
    }
    let (resolution, fps): (String, String) = d.conn.query_row(
        "SELECT resolution, fps FROM projects WHERE uuid = ?",
        [&project_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let now = now_text();
    let job_id = uuid::Uuid::new_v4().to_string();
    d.conn.execute(
        "INSERT INTO prod_build_job (id, playlist_id, status, job_type, person_id, created_at, \
         updated_at) VALUES (?1, ?2, 'running', 'movie', ?3, ?4, ?4)",
        rusqlite::params![job_id, id, d.viewer.id.to_string(), now],
    )?;
    let job = one(d.conn, &job_id)?.ok_or_else(|| DataError::NotFound("Build job".into()))?;
    d.note_event(event("build-job:new", &job, &project_id));
    Ok(BuildPlan {
        job,
        previews,
        resolution,
        fps,
    })
}

fn one(conn: &Connection, job_id: &str) -> Result<Option<Row>, DataError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM prod_build_job WHERE id = ?"
        ))?
        .query_row([job_id], present)
        .optional()?)
}

/// Ends a running build (`ok` or failed with `message`). Answers the builds whose movies
/// are to go: those of its playlist past the ones kept, and the build itself when it was
/// deleted meanwhile (it stays deleted).
pub fn finish(d: &Data, job_id: &str, ok: bool, message: &str) -> Result<Vec<String>, DataError> {
    let now = now_text();
    let status = if ok { "succeeded" } else { "failed" };
    let changed = d.conn.execute(
        "UPDATE prod_build_job SET status = ?1, message = ?2, updated_at = ?3, ended_at = ?3 \
         WHERE id = ?4 AND status = 'running'",
        rusqlite::params![status, message, now, job_id],
    )?;
    let Some(job) = one(d.conn, job_id)?.filter(|_| changed > 0) else {
        return Ok(vec![job_id.to_owned()]);
    };
    let project: String = d.conn.query_row(
        "SELECT project_id FROM prod_playlist WHERE id = ?",
        [text(&job, "playlist_id")],
        |r| r.get(0),
    )?;
    d.note_event(event("build-job:update", &job, &project));
    let old = d
        .conn
        .prepare_cached(
            "SELECT id FROM prod_build_job WHERE playlist_id = ?1 AND status <> 'running' \
             ORDER BY created_at DESC, rowid DESC LIMIT -1 OFFSET ?2",
        )?
        .query_map(
            rusqlite::params![text(&job, "playlist_id"), KEPT_PER_PLAYLIST],
            |r| r.get::<_, String>(0),
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for id in &old {
        d.conn
            .execute("DELETE FROM prod_build_job WHERE id = ?", [id])?;
    }
    Ok(old)
}

/// At start: builds a stopped server was running ended with it.
pub fn fail_unfinished(conn: &Connection) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE prod_build_job SET status = 'failed', message = 'the server stopped during the \
         build', updated_at = ?1, ended_at = ?1 WHERE status = 'running'",
        [now_text()],
    )
}

/// `GET /data/playlists/{p}/jobs/{j}`: one build of a playlist the person reads.
pub fn job(d: &Data, playlist_id: &str, job_id: &str) -> Result<Row, DataError> {
    let playlist = readable(d, playlist_id)?;
    one(d.conn, job_id)?
        .filter(|j| text(j, "playlist_id") == text(&playlist, "id"))
        .ok_or_else(|| DataError::NotFound(format!("Build job {job_id} not found")))
}

/// `DELETE /data/playlists/{p}/jobs/{j}` (the production's managers): the build goes (a
/// running one is forgotten; its movie, when it ends, is not kept). Answers its id.
pub fn remove(d: &Data, playlist_id: &str, job_id: &str) -> Result<String, DataError> {
    let found = job(d, playlist_id, job_id)?;
    let project: String = d.conn.query_row(
        "SELECT project_id FROM prod_playlist WHERE id = ?",
        [text(&found, "playlist_id")],
        |r| r.get(0),
    )?;
    d.authorize_in_project(names::PLAYLISTS, &project)?;
    d.conn.execute(
        "DELETE FROM prod_build_job WHERE id = ?",
        [text(&found, "id")],
    )?;
    d.note_event(event("build-job:delete", &found, &project));
    Ok(text(&found, "id").to_owned())
}

/// The builds a deletion of the row `id` of `model` takes with it (a playlist's, or a
/// production's playlists'), whose movies are to go once it commits; none for other rows.
pub fn taken_by_delete(
    conn: &Connection,
    model: names::ModelName,
    id: &str,
) -> rusqlite::Result<Vec<String>> {
    let sql = match model {
        names::PLAYLISTS => "SELECT id FROM prod_build_job WHERE playlist_id = ?",
        names::PROJECTS => {
            "SELECT b.id FROM prod_build_job AS b JOIN prod_playlist AS p \
             ON p.id = b.playlist_id WHERE p.project_id = ?"
        }
        _ => return Ok(Vec::new()),
    };
    conn.prepare_cached(sql)?
        .query_map([id], |r| r.get("id"))?
        .collect()
}

/// A playlist's builds, newest first (the playlist's `build_jobs`).
pub fn of_playlist(conn: &Connection, playlist_id: &str) -> Result<Vec<Value>, DataError> {
    let rows = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM prod_build_job WHERE playlist_id = ? \
             ORDER BY created_at DESC, rowid DESC LIMIT {KEPT_PER_PLAYLIST}"
        ))?
        .query_map([playlist_id], present)?
        .map(|r| r.map(Value::Object))
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// `GET /data/projects/{p}/build-jobs` (admins, as Zou): every build of the production,
/// newest first.
pub fn of_project(d: &Data, project_id: &str) -> Result<Vec<Row>, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    let rows = d
        .conn
        .prepare_cached(&format!(
            "SELECT {} FROM prod_build_job AS b JOIN prod_playlist AS p ON p.id = b.playlist_id \
             WHERE p.project_id = ? ORDER BY b.created_at DESC, b.rowid DESC LIMIT {MAX_LISTED}",
            COLUMNS
                .split(", ")
                .map(|c| format!("b.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))?
        .query_map([text(&project, "id")], present)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}
