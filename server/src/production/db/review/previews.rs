//! Preview revisions attached to a comment, their uploads recorded, and the preview that
//! illustrates an entity.

use crate::production::db::data::{Data, Row, text};
use crate::production::db::live;
use crate::production::db::names;
use crate::production::db::schema::now_text;
use crate::production::db::{DataError, news};
use rusqlite::OptionalExtension;
use serde_json::{Value, json};

/// `POST /actions/tasks/{t}/comments/{c}/add-preview` `{"revision"?}`: a preview file row
/// (status `processing`) attached to the comment, waiting for its upload. A comment that
/// already has a preview gets the same revision at the next position (Kitsu's extra
/// previews).
pub fn add_preview(
    d: &Data,
    task_id: &str,
    comment_id: &str,
    body: &Row,
) -> Result<Row, DataError> {
    let task = d.get(names::TASKS, task_id)?;
    let comment = d.get(names::COMMENTS, comment_id)?;
    if text(&comment, "object_id") != text(&task, "id") {
        return Err(DataError::NotFound(format!(
            "comment {comment_id} is not on task {task_id}"
        )));
    }
    let mine: Option<i64> = d.conn.query_row(
        "SELECT max(p.revision) FROM prod_comment_preview_link AS l \
             JOIN prod_preview_file AS p ON p.id = l.preview_file_id WHERE l.comment_id = ?",
        [text(&comment, "id")],
        |r| r.get(0),
    )?;
    let asked =
        match body.get("revision") {
            None | Some(Value::Null) => None,
            Some(v) => Some(v.as_i64().filter(|r| *r >= 0).ok_or_else(|| {
                DataError::BadRequest("`revision` must be a whole number".into())
            })?),
        };
    let revision = match (asked.filter(|r| *r > 0), mine) {
        (Some(r), _) | (None, Some(r)) => r,
        (None, None) => {
            let last: i64 = d.conn.query_row(
                "SELECT ifnull(max(revision), 0) FROM prod_preview_file WHERE task_id = ?",
                [text(&task, "id")],
                |r| r.get(0),
            )?;
            last + 1
        }
    };
    // A revision belongs to one comment; its pictures are positions 1, 2, ... of it.
    let other: Option<String> = d
        .conn
        .query_row(
            "SELECT l.comment_id FROM prod_preview_file AS p \
             JOIN prod_comment_preview_link AS l ON l.preview_file_id = p.id \
             WHERE p.task_id = ? AND p.revision = ? AND l.comment_id <> ? LIMIT 1",
            rusqlite::params![text(&task, "id"), revision, text(&comment, "id")],
            |r| r.get(0),
        )
        .optional()?;
    if other.is_some() {
        return Err(DataError::BadRequest(format!(
            "revision {revision} of this task belongs to another comment"
        )));
    }
    let position: i64 = d.conn.query_row(
        "SELECT ifnull(max(position), 0) + 1 FROM prod_preview_file \
         WHERE task_id = ? AND revision = ?",
        rusqlite::params![text(&task, "id"), revision],
        |r| r.get(0),
    )?;
    let mut fields = json!({
            "name": uuid::Uuid::new_v4().simple().to_string()[..13].to_owned(),
            "revision": revision,
            "position": position,
            "task_id": text(&task, "id"),
            "person_id": d.viewer.id,
            "status": "processing",
    });
    // The farm names the preview before storing its media, so a retry never duplicates it.
    if let Some(id) = body.get("id").filter(|v| v.is_string()) {
        fields["id"] = id.clone();
    }
    let made = d.create(names::PREVIEW_FILES, fields)?;
    d.conn.execute(
        "INSERT INTO prod_comment_preview_link (comment_id, preview_file_id) VALUES (?, ?)",
        [text(&comment, "id"), text(&made, "id")],
    )?;
    d.conn.execute(
        "UPDATE prod_comment SET preview_file_id = ifnull(preview_file_id, ?) WHERE id = ?",
        [text(&made, "id"), text(&comment, "id")],
    )?;
    news::preview_added(d, text(&comment, "id"), text(&made, "id"))?;
    Ok(made)
}

/// `POST /actions/tasks/{t}/comments/{c}/preview-files/{pf}`: another picture of the
/// revision `pf` belongs to, on the same comment.
pub fn add_extra_preview(
    d: &Data,
    task_id: &str,
    comment_id: &str,
    preview_id: &str,
) -> Result<Row, DataError> {
    let preview = d.get(names::PREVIEW_FILES, preview_id)?;
    let on_comment = d
        .conn
        .prepare_cached(
            "SELECT 1 FROM prod_comment_preview_link WHERE comment_id = ? AND preview_file_id = ?",
        )?
        .exists([comment_id, text(&preview, "id")])?;
    if !on_comment {
        return Err(DataError::BadRequest(format!(
            "preview {preview_id} is not attached to comment {comment_id}"
        )));
    }
    let mut body = Row::new();
    body.insert("revision".into(), preview["revision"].clone());
    add_preview(d, task_id, comment_id, &body)
}

/// What an upload stored for a preview file.
#[derive(Debug, Clone)]
pub struct Uploaded {
    /// The uploaded file's name.
    pub original_name: String,
    /// The stored extension (`png`, `mp4`, …).
    pub extension: String,
    /// Pixels, when known.
    pub width: u32,
    /// Pixels, when known.
    pub height: u32,
    /// Seconds of a movie.
    pub duration: f64,
    /// Bytes.
    pub file_size: u64,
    /// A movie rather than a picture.
    pub is_movie: bool,
}

/// Records an upload on its preview file (now `ready`) and makes it the task's last preview.
pub fn record_upload(d: &Data, preview_id: &str, up: &Uploaded) -> Result<Row, DataError> {
    let preview = d.get(names::PREVIEW_FILES, preview_id)?;
    d.update(
        names::PREVIEW_FILES,
        text(&preview, "id"),
        json!({
            "original_name": up.original_name,
            "extension": up.extension,
            "width": up.width,
            "height": up.height,
            "duration": up.duration,
            "file_size": up.file_size,
            "is_movie": up.is_movie,
            "status": "ready",
        }),
    )?;
    d.conn.execute(
        "UPDATE prod_task SET last_preview_file_id = ? WHERE id = ?",
        [text(&preview, "id"), text(&preview, "task_id")],
    )?;
    let stored = d.get(names::PREVIEW_FILES, text(&preview, "id"))?;
    // The task panel and the news feed show the file once it is there, as Zou tells them.
    let comment: Option<String> = d
        .conn
        .query_row(
            "SELECT comment_id FROM prod_comment_preview_link WHERE preview_file_id = ?",
            [text(&stored, "id")],
            |r| r.get(0),
        )
        .optional()?;
    let project: String = d.conn.query_row(
        "SELECT project_id FROM prod_task WHERE id = ?",
        [text(&stored, "task_id")],
        |r| r.get(0),
    )?;
    d.note_event(live::LiveEvent {
        name: "preview-file:add-file".into(),
        data: json!({
            "comment_id": comment,
            "task_id": text(&stored, "task_id"),
            "preview_file_id": text(&stored, "id"),
            "revision": stored.get("revision").cloned().unwrap_or(Value::Null),
            "extension": text(&stored, "extension"),
            "status": text(&stored, "status"),
        }),
        audience: live::Audience::Project(project),
    });
    Ok(stored)
}

/// `PUT /actions/preview-files/{pf}/set-main-preview`: the preview illustrates its task's
/// entity. Answers the entity with `preview_file_status`.
pub fn set_main_preview(d: &Data, preview_id: &str) -> Result<Row, DataError> {
    let preview = d.get(names::PREVIEW_FILES, preview_id)?;
    let task = d.get(names::TASKS, text(&preview, "task_id"))?;
    d.authorize_in_project(names::ENTITIES, text(&task, "project_id"))?;
    d.conn.execute(
        "UPDATE prod_entity SET preview_file_id = ?, updated_at = ? WHERE id = ?",
        [text(&preview, "id"), &now_text(), text(&task, "entity_id")],
    )?;
    let mut entity = d.get(names::ENTITIES, text(&task, "entity_id"))?;
    entity.insert("preview_file_status".into(), preview["status"].clone());
    Ok(entity)
}

/// `PUT /actions/tasks/{t}/set-main-preview`: the task's last preview becomes the entity's.
pub fn set_task_main_preview(d: &Data, task_id: &str) -> Result<Row, DataError> {
    let task = d.get(names::TASKS, task_id)?;
    let last = text(&task, "last_preview_file_id");
    if last.is_empty() {
        return Err(DataError::BadRequest("this task has no preview yet".into()));
    }
    set_main_preview(d, last)
}
