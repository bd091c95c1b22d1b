//! A comment that sets a task's status, with Kitsu's side effects on the task, and a task's
//! comments as Kitsu lists them.

use super::{followers, notify};
use crate::production::db::data::{Data, Row, text};
use crate::production::db::live::{Audience, LiveEvent};
use crate::production::db::names;
use crate::production::db::schema::{now_text, parse_datetime};
use crate::production::db::{DataError, ListQuery, attachments, news, rules, schema};
use serde_json::{Value, json};

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
    files: &[attachments::Staged],
) -> Result<Row, DataError> {
    let task = d.get(names::TASKS, task_id)?;
    let task_id = text(&task, "id").to_owned();
    let status_id = body
        .get("task_status_id")
        .and_then(Value::as_str)
        .ok_or_else(|| DataError::BadRequest("`task_status_id` is required".into()))?;
    let status = d.get(names::TASK_STATUS, status_id)?;
    rules::may_set_status(
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
            .map(schema::datetime_text)
            .ok_or_else(|| DataError::BadRequest(format!("`created_at` is not a date: {at}")))?,
        _ => now_text(),
    };
    let for_client = manager
        && body
            .get("for_client")
            .and_then(schema::parse_bool)
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
    attachments::attach(d, text(&made, "id"), files)?;
    let change = text(&task, "task_status_id") != text(&status, "id");
    news::record(d, &made, &task, change)?;
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
    // Kitsu's open task pages reload the task on `task:update` (its status, retakes and
    // dates); pages that follow statuses hear `task:status-changed`, as Zou sends them.
    d.note_update(names::TASKS, task)?;
    if changed {
        d.note_event(LiveEvent {
            name: "task:status-changed".into(),
            data: json!({
                "task_id": text(task, "id"),
                "new_task_status_id": text(status, "id"),
                "previous_task_status_id": text(task, "task_status_id"),
                "person_id": d.viewer.id.to_string(),
            }),
            audience: Audience::Project(text(task, "project_id").to_owned()),
        });
    }
    Ok(())
}

/// A comment as Kitsu answers it: with its status, author, attachments and mentions
/// (`GET /data/comments/{id}`, which Kitsu reloads on every `comment:new`, reads them too).
pub fn present_comment(d: &Data, mut comment: Row) -> Result<Row, DataError> {
    let status = d.get(names::TASK_STATUS, text(&comment, "task_status_id"))?;
    let person = d.get(names::PERSONS, text(&comment, "person_id"))?;
    comment.insert("task_status".into(), Value::Object(status));
    comment.insert("person".into(), Value::Object(person));
    comment
        .entry("acknowledgements")
        .or_insert_with(|| Value::Array(Vec::new()));
    let attachments = attachments::of_comment(d, text(&comment, "id"))?;
    comment.insert("attachment_files".into(), Value::Array(attachments));
    comment.insert("department_mentions".into(), Value::Array(Vec::new()));
    Ok(comment)
}

/// `GET /data/tasks/{t}/comments`: newest first, each with status, author and previews.
pub fn comments(d: &Data, task_id: &str) -> Result<Vec<Row>, DataError> {
    let task = d.get(names::TASKS, task_id)?;
    let query = ListQuery {
        relations: true,
        ..ListQuery::filtered(&[("object_id", text(&task, "id"))])
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
