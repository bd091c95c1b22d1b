//! Tasks as artists work them: the full task, assignments, comments that change a task's
//! status, preview revisions attached to comments, and the entity's main preview.

use super::DataError;
use super::data::{Data, Row, text};
use super::live;
use super::names;
use super::schema::{now_text, parse_datetime};
use rusqlite::OptionalExtension;
use serde_json::{Value, json};

/// The entity route for an entity row, by its type's name.
fn entity_route(d: &Data, entity: &Row) -> Result<names::ModelName, DataError> {
    let type_name: String = d.conn.query_row(
        "SELECT name FROM prod_entity_type WHERE id = ?",
        [text(entity, "entity_type_id")],
        |r| r.get(0),
    )?;
    Ok(match type_name.as_str() {
        "Shot" => names::SHOTS,
        "Sequence" => names::SEQUENCES,
        "Episode" => names::EPISODES,
        "Scene" => names::SCENES,
        "Edit" => names::EDITS,
        "Concept" => names::CONCEPTS,
        n if super::models::TEMPORAL_TYPES.contains(&n) => names::ENTITIES,
        _ => names::ASSETS,
    })
}

/// `GET /data/tasks/{id}/full`: the task with its entity, project, type, status, assignees
/// and (for shots) sequence and episode.
pub fn full_task(d: &Data, task_id: &str) -> Result<Row, DataError> {
    let mut task = d.get(names::TASKS, task_id)?;
    let entity = d.get(names::ENTITIES, text(&task, "entity_id"))?;
    let route = entity_route(d, &entity)?;
    let entity_type = d.get(names::ENTITY_TYPES, text(&entity, "entity_type_id"))?;
    let persons = task
        .get("assignees")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_str)
        .map(|id| d.get(names::PERSONS, id).map(Value::Object))
        .collect::<Result<Vec<_>, _>>()?;
    task.insert("persons".into(), Value::Array(persons));
    task.insert(
        "project".into(),
        Value::Object(d.get(names::PROJECTS, text(&task, "project_id"))?),
    );
    task.insert(
        "task_status".into(),
        Value::Object(d.get(names::TASK_STATUS, text(&task, "task_status_id"))?),
    );
    task.insert(
        "task_type".into(),
        Value::Object(d.get(names::TASK_TYPES, text(&task, "task_type_id"))?),
    );
    task.insert("entity_type".into(), Value::Object(entity_type));
    if !text(&task, "assigner_id").is_empty() {
        let assigner = d.get(names::PERSONS, text(&task, "assigner_id"))?;
        task.insert("assigner".into(), Value::Object(assigner));
    }
    if matches!(route, names::SHOTS | names::SCENES | names::SEQUENCES)
        && !text(&entity, "parent_id").is_empty()
    {
        let sequence = d.get(names::ENTITIES, text(&entity, "parent_id"))?;
        if !text(&sequence, "parent_id").is_empty() {
            let episode = d.get(names::ENTITIES, text(&sequence, "parent_id"))?;
            task.insert("episode".into(), Value::Object(episode));
        }
        task.insert("sequence".into(), Value::Object(sequence));
    }
    let subscribed = d
        .conn
        .prepare_cached("SELECT 1 FROM prod_subscription WHERE task_id = ? AND person_id = ?")?
        .exists(rusqlite::params![text(&task, "id"), d.viewer.id])?;
    task.insert("is_subscribed".into(), Value::from(subscribed));
    task.insert("entity".into(), Value::Object(entity));
    task.insert(
        "render_jobs".into(),
        Value::Array(render_jobs(d, text(&task, "id"))?),
    );
    Ok(task)
}

/// The farm jobs that render for a task, newest first: `{id, name, status}`.
pub fn render_jobs(d: &Data, task_id: &str) -> Result<Vec<Value>, DataError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT id, name, status FROM jobs WHERE production_task_id = ? ORDER BY id DESC",
    )?;
    let jobs = stmt
        .query_map([task_id], |r| {
            Ok(json!({
                "id": r.get::<_, i64>(0)?,
                "name": r.get::<_, String>(1)?,
                "status": r.get::<_, String>(2)?,
            }))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(jobs)
}

/// `PUT /actions/persons/{p}/assign` `{"task_ids"}`: assigns the person to every task the
/// viewer may change, puts them on the project's team, and answers those tasks.
pub fn assign(d: &Data, person_id: &str, body: &Row) -> Result<Vec<Row>, DataError> {
    let person = d
        .get(names::PERSONS, person_id)
        .map_err(|_| DataError::BadRequest("Assignee doesn't exist in database.".into()))?;
    let person_id = text(&person, "id").to_owned();
    let ids = body
        .get("task_ids")
        .and_then(Value::as_array)
        .ok_or_else(|| DataError::BadRequest("`task_ids` must be a list of task ids".into()))?;
    let mut assigned = Vec::new();
    for id in ids.iter().filter_map(Value::as_str) {
        // Kitsu skips the tasks it cannot assign instead of failing the batch.
        let Ok(task) = d.get(names::TASKS, id) else {
            continue;
        };
        if d.authorize_in_project(names::TASKS, text(&task, "project_id"))
            .is_err()
        {
            continue;
        }
        d.conn.execute(
            "INSERT OR IGNORE INTO prod_task_person_link (task_id, person_id) VALUES (?, ?)",
            [text(&task, "id"), person_id.as_str()],
        )?;
        d.conn.execute(
            "INSERT OR IGNORE INTO prod_project_person_link (project_id, person_id) \
             VALUES (?, ?)",
            [text(&task, "project_id"), person_id.as_str()],
        )?;
        if text(&task, "assigner_id").is_empty() {
            d.conn.execute(
                "UPDATE prod_task SET assigner_id = ? WHERE id = ?",
                rusqlite::params![d.viewer.id, text(&task, "id")],
            )?;
        }
        notify(d, &person_id, "assignation", text(&task, "id"), None)?;
        d.note_event(live::task_assignment(
            text(&task, "id"),
            &person_id,
            text(&task, "project_id"),
            true,
        ));
        assigned.push(d.get(names::TASKS, text(&task, "id"))?);
    }
    Ok(assigned)
}

/// Adds a notification for someone other than the viewer.
fn notify(
    d: &Data,
    person: &str,
    kind: &str,
    task: &str,
    comment: Option<&str>,
) -> Result<(), DataError> {
    notify_reply(d, person, kind, task, comment, None)
}

/// Adds a notification for someone other than the viewer, about a reply when `reply` names
/// one (`reply`, `reply-mention`).
pub(super) fn notify_reply(
    d: &Data,
    person: &str,
    kind: &str,
    task: &str,
    comment: Option<&str>,
    reply: Option<&str>,
) -> Result<(), DataError> {
    if d.viewer.is(person) {
        return Ok(());
    }
    let now = now_text();
    let id = uuid::Uuid::new_v4().to_string();
    d.conn.execute(
        "INSERT INTO prod_notification \
         (id, type, person_id, author_id, task_id, comment_id, reply_id, change, created_at, \
          updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rusqlite::params![
            id,
            kind,
            person,
            d.viewer.id,
            task,
            comment,
            reply,
            comment.is_some() && reply.is_none(),
            now,
            now
        ],
    )?;
    d.note_event(live::notification(&id, person));
    Ok(())
}

/// Who hears of a task's comments: its assignees and the people subscribed to it, once
/// each, in id order.
pub(super) fn followers(
    d: &Data,
    task: &Row,
) -> Result<std::collections::BTreeSet<String>, DataError> {
    let mut people: std::collections::BTreeSet<String> = task
        .get("assignees")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    let mut stmt = d
        .conn
        .prepare_cached("SELECT person_id FROM prod_subscription WHERE task_id = ?")?;
    for person in stmt.query_map([text(task, "id")], |r| r.get::<_, String>(0))? {
        people.insert(person?);
    }
    Ok(people)
}

/// A JSON list field that clients may also send as a JSON string (multipart forms).
fn list_field(body: &Row, field: &str) -> Result<Value, DataError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(Value::Array(Vec::new())),
        Some(Value::String(s)) if s.is_empty() => Ok(Value::Array(Vec::new())),
        Some(Value::String(s)) => serde_json::from_str::<Value>(s)
            .ok()
            .filter(Value::is_array)
            .ok_or_else(|| DataError::BadRequest(format!("`{field}` must be a JSON list"))),
        Some(v @ Value::Array(_)) => Ok(v.clone()),
        Some(_) => Err(DataError::BadRequest(format!("`{field}` must be a list"))),
    }
}

/// `POST /actions/tasks/{t}/comment`: a comment that sets the task's status, with Kitsu's
/// side effects on the task's dates and retake count, and the files sent with it (already
/// stored) as its attachments. Answers the comment with its `task_status`, `person` and
/// `attachment_files`.
pub fn comment(
    d: &Data,
    task_id: &str,
    body: &Row,
    files: &[super::attachments::Staged],
) -> Result<Row, DataError> {
    let task = d.get(names::TASKS, task_id)?;
    let task_id = text(&task, "id").to_owned();
    let status_id = body
        .get("task_status_id")
        .and_then(Value::as_str)
        .ok_or_else(|| DataError::BadRequest("`task_status_id` is required".into()))?;
    let status = d.get(names::TASK_STATUS, status_id)?;
    super::rules::may_set_status(
        d.conn,
        d.viewer,
        text(&status, "id"),
        Some(text(&task, "task_status_id")),
    )?;
    let text_of = |field: &str| body.get(field).and_then(Value::as_str).unwrap_or("");
    // Only managers may write in someone else's name, back-date a comment or write it for
    // the client; others' values are quietly replaced, as Zou does.
    let manager = crate::production::rules::may_back_date(d.viewer.role);
    let author = Some(text_of("person_id"))
        .filter(|p| manager && !p.is_empty())
        .map_or_else(|| d.viewer.id.to_string(), str::to_owned);
    let created_at = match text_of("created_at") {
        at if manager && !at.is_empty() => parse_datetime(at)
            .map(super::schema::datetime_text)
            .ok_or_else(|| DataError::BadRequest(format!("`created_at` is not a date: {at}")))?,
        _ => now_text(),
    };
    let for_client = manager
        && body
            .get("for_client")
            .and_then(super::schema::parse_bool)
            .unwrap_or(false);
    let made = d.create(
        names::COMMENTS,
        json!({
            "object_id": task_id,
            "object_type": "Task",
            "text": text_of("comment"),
            "task_status_id": text(&status, "id"),
            "person_id": author,
            "checklist": list_field(body, "checklist")?,
            "links": list_field(body, "links")?,
            "for_client": for_client,
            "created_at": created_at,
            "updated_at": created_at,
        }),
    )?;
    super::attachments::attach(d, text(&made, "id"), files)?;
    let change = text(&task, "task_status_id") != text(&status, "id");
    super::news::record(d, &made, &task, change)?;
    apply_status(d, &task, &status, &created_at)?;
    // Zou's recipients: the assignees and the people who follow the task, not the author.
    for person in followers(d, &task)? {
        if person != text(&made, "person_id") {
            notify(d, &person, "comment", &task_id, Some(text(&made, "id")))?;
        }
    }
    present_comment(d, made)
}

/// Kitsu's effects of a status change: the status itself, the last comment date, the retake
/// count, and the work-in-progress, feedback and done dates.
fn apply_status(d: &Data, task: &Row, status: &Row, at: &str) -> Result<(), DataError> {
    let flag = |f: &str| status.get(f).and_then(Value::as_bool).unwrap_or(false);
    let changed = text(task, "task_status_id") != text(status, "id");
    let mut sets = vec![
        "task_status_id = ?1".to_owned(),
        "last_comment_date = ?2".to_owned(),
        "updated_at = ?2".to_owned(),
    ];
    if changed && flag("is_retake") {
        let limit: i64 = d.conn.query_row(
            "SELECT ifnull(max_retakes, 0) FROM projects WHERE uuid = ?",
            [text(task, "project_id")],
            |r| r.get(0),
        )?;
        let count = task
            .get("retake_count")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        if limit > 0 && count >= limit {
            return Err(DataError::BadRequest(
                "No more retakes allowed on this task".into(),
            ));
        }
        sets.push("retake_count = retake_count + 1".into());
    }
    if flag("is_wip") {
        sets.push("real_start_date = ifnull(real_start_date, ?2)".into());
    }
    if flag("is_feedback_request") {
        sets.push("end_date = ?2".into());
    }
    if flag("is_done") {
        sets.push("done_date = ?2".into());
    }
    d.conn.execute(
        &format!("UPDATE prod_task SET {} WHERE id = ?3", sets.join(", ")),
        rusqlite::params![text(status, "id"), at, text(task, "id")],
    )?;
    Ok(())
}

/// A comment as Kitsu answers it: with its status and author.
fn present_comment(d: &Data, mut comment: Row) -> Result<Row, DataError> {
    let status = d.get(names::TASK_STATUS, text(&comment, "task_status_id"))?;
    let person = d.get(names::PERSONS, text(&comment, "person_id"))?;
    comment.insert("task_status".into(), Value::Object(status));
    comment.insert("person".into(), Value::Object(person));
    comment
        .entry("acknowledgements")
        .or_insert_with(|| Value::Array(Vec::new()));
    let attachments = super::attachments::of_comment(d, text(&comment, "id"))?;
    comment.insert("attachment_files".into(), Value::Array(attachments));
    comment.insert("department_mentions".into(), Value::Array(Vec::new()));
    Ok(comment)
}

/// `GET /data/tasks/{t}/comments`: newest first, each with status, author and previews.
pub fn comments(d: &Data, task_id: &str) -> Result<Vec<Row>, DataError> {
    let task = d.get(names::TASKS, task_id)?;
    let query = super::ListQuery {
        relations: true,
        ..super::ListQuery::filtered(&[("object_id", text(&task, "id"))])
    };
    let mut found = d.query(names::COMMENTS, &query)?;
    // Newest first; comments of the same second newest-written first.
    found.reverse();
    found.sort_by(|a, b| text(b, "created_at").cmp(text(a, "created_at")));
    found
        .into_iter()
        .map(|c| {
            let mut c = present_comment(d, c)?;
            let previews = c
                .get("previews")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
                .iter()
                .filter_map(Value::as_str)
                .map(|id| d.get(names::PREVIEW_FILES, id).map(Value::Object))
                .collect::<Result<Vec<_>, _>>()?;
            c.insert("previews".into(), Value::Array(previews));
            Ok(c)
        })
        .collect()
}

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
    super::news::preview_added(d, text(&comment, "id"), text(&made, "id"))?;
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
