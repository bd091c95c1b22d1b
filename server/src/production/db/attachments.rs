//! Files attached to comments, as Kitsu keeps them: a row per file (name, size, extension,
//! MIME type) tied to its comment, shown on the comment as `{id, name, extension, size}`.
//!
//! The routes store the file first and add the row in the write that creates or checks the
//! comment, so a row never names a missing file; when that write fails they remove the file.

use super::data::text;
use super::names;
use super::schema::now_text;
use super::{Data, DataError, Row};
use serde_json::{Value, json};

/// A file already stored under `id`, waiting for its row.
#[derive(Debug, Clone)]
pub struct Staged {
    /// The id it is stored under, and its row's id.
    pub id: String,
    /// The name it was sent with, without any folder.
    pub name: String,
    /// Its extension, lower case ("" when it has none).
    pub extension: String,
    /// Its MIME type, as sent or guessed from the name.
    pub mimetype: String,
    /// Bytes.
    pub size: u64,
}

impl Staged {
    /// A file sent as `sent_name` with an optional declared type: the name's last path
    /// component, its extension, and the type guessed from the name when none was declared.
    pub fn new(id: String, sent_name: &str, declared: Option<&str>, size: u64) -> Self {
        let base = sent_name.rsplit(['/', '\\']).next().unwrap_or("").trim();
        let name: String = if base.is_empty() { "attachment" } else { base }
            .chars()
            .take(250)
            .collect();
        let extension = name
            .rsplit_once('.')
            .map(|(_, ext)| ext.to_ascii_lowercase())
            .filter(|ext| !ext.is_empty() && ext.len() <= 16)
            .unwrap_or_default();
        let mimetype = declared
            .filter(|m| !m.is_empty() && *m != "application/octet-stream")
            .map_or_else(
                || {
                    mime_guess::from_path(&name)
                        .first_or_octet_stream()
                        .to_string()
                },
                str::to_owned,
            );
        Self {
            id,
            name,
            extension,
            mimetype,
            size,
        }
    }
}

/// Adds the rows of staged files to a comment the caller may change. A name the comment
/// already has gets a numbered suffix (`notes-2.pdf`), as Kitsu renames clashes.
pub fn attach(d: &Data, comment_id: &str, files: &[Staged]) -> Result<Vec<Value>, DataError> {
    let now = now_text();
    let mut added = Vec::with_capacity(files.len());
    for file in files {
        let name = free_name(d, comment_id, &file.name)?;
        d.conn.execute(
            "INSERT INTO prod_attachment_file \
             (id, name, size, extension, mimetype, comment_id, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
            rusqlite::params![
                file.id,
                name,
                i64::try_from(file.size).unwrap_or(i64::MAX),
                file.extension,
                file.mimetype,
                comment_id,
                now
            ],
        )?;
        added.push(json!({
            "id": file.id,
            "name": name,
            "extension": file.extension,
            "size": file.size,
        }));
    }
    Ok(added)
}

fn free_name(d: &Data, comment_id: &str, name: &str) -> Result<String, DataError> {
    let taken = |candidate: &str| -> rusqlite::Result<bool> {
        d.conn
            .prepare_cached("SELECT 1 FROM prod_attachment_file WHERE comment_id = ? AND name = ?")?
            .exists([comment_id, candidate])
    };
    if !taken(name)? {
        return Ok(name.to_owned());
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem, format!(".{ext}")),
        _ => (name, String::new()),
    };
    let mut n = 2;
    loop {
        let candidate = format!("{stem}-{n}{ext}");
        if !taken(&candidate)? {
            return Ok(candidate);
        }
        n += 1;
    }
}

/// A comment's attachments as Kitsu shows them on the comment, oldest first.
pub fn of_comment(d: &Data, comment_id: &str) -> Result<Vec<Value>, DataError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT id, name, extension, size FROM prod_attachment_file \
         WHERE comment_id = ? ORDER BY created_at, rowid",
    )?;
    let rows = stmt.query_map([comment_id], |r| {
        Ok(json!({
            "id": r.get::<_, String>(0)?,
            "name": r.get::<_, String>(1)?,
            "extension": r.get::<_, String>(2)?,
            "size": r.get::<_, i64>(3)?,
        }))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The comment `comment_id` of task `task_id`, when the viewer may change its attachments:
/// its author, or a manager or admin (Kitsu's rule). 403 for a comment of another task.
fn changeable_comment(d: &Data, task_id: &str, comment_id: &str) -> Result<Row, DataError> {
    let task = d.get(names::TASKS, task_id)?;
    let comment = d.get(names::COMMENTS, comment_id)?;
    if text(&comment, "object_id") != text(&task, "id") {
        return Err(DataError::Forbidden(format!(
            "comment {comment_id} is not on task {task_id}"
        )));
    }
    crate::production::rules::may_change_attachments(
        d.viewer.role,
        d.viewer.is(text(&comment, "person_id")),
    )?;
    Ok(comment)
}

/// `POST /actions/tasks/{t}/comments/{c}/add-attachment`: the staged files' rows.
pub fn add_to_comment(
    d: &Data,
    task_id: &str,
    comment_id: &str,
    files: &[Staged],
) -> Result<Vec<Value>, DataError> {
    let comment = changeable_comment(d, task_id, comment_id)?;
    attach(d, text(&comment, "id"), files)
}

/// `DELETE /data/tasks/{t}/comments/{c}/attachments/{a}`: removes the row and answers the
/// id, whose files the route then removes.
pub fn remove(
    d: &Data,
    task_id: &str,
    comment_id: &str,
    attachment_id: &str,
) -> Result<String, DataError> {
    let comment = changeable_comment(d, task_id, comment_id)?;
    let attachment = d.get(names::ATTACHMENT_FILES, attachment_id)?;
    if text(&attachment, "comment_id") != text(&comment, "id") {
        return Err(DataError::Forbidden(format!(
            "attachment {attachment_id} is not on comment {comment_id}"
        )));
    }
    let id = text(&attachment, "id").to_owned();
    d.conn
        .execute("DELETE FROM prod_attachment_file WHERE id = ?", [&id])?;
    Ok(id)
}

/// `GET /data/tasks/{t}/attachment-files` and `GET /data/projects/{p}/attachment-files`:
/// every attachment of the task's or project's comments, for admins (as Kitsu).
pub fn of_task_or_project(
    d: &Data,
    route: names::ModelName,
    id: &str,
) -> Result<Vec<Row>, DataError> {
    crate::production::rules::may_list_attachment_files(d.viewer.role)?;
    let (owner, column) = match route {
        names::TASKS => (d.get(names::TASKS, id)?, "k.id"),
        _ => (d.get(names::PROJECTS, id)?, "k.project_id"),
    };
    let ids: Vec<String> = d
        .conn
        .prepare(&format!(
            "SELECT a.id FROM prod_attachment_file AS a JOIN prod_comment AS c \
             ON c.id = a.comment_id JOIN prod_task AS k ON k.id = c.object_id \
             WHERE {column} = ? ORDER BY a.created_at, a.rowid"
        ))?
        .query_map([text(&owner, "id")], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ids.iter()
        .map(|a| d.get(names::ATTACHMENT_FILES, a))
        .collect()
}
