//! A task's comments as Kitsu's task panel changes them after they are written: deleted
//! (with their previews and attachments, the task's status and dates recomputed from the
//! comments left), acknowledged, and answered with replies kept in the comment's `replies`
//! list.

use super::DataError;
use super::data::{Data, Row, text};
use super::live::{Audience, LiveEvent};
use super::names;
use super::schema::now_text;
use crate::production::rules;
use rusqlite::OptionalExtension;
use serde_json::{Value, json};

/// The comment `comment_id` of the task `task_id` (both readable by the viewer); `wrong`
/// answers a comment of another task.
fn comment_of(
    d: &Data,
    task_id: &str,
    comment_id: &str,
    wrong: fn(String) -> DataError,
) -> Result<(Row, Row), DataError> {
    let task = d.get(names::TASKS, task_id)?;
    let comment = d.get(names::COMMENTS, comment_id)?;
    if text(&comment, "object_id") != text(&task, "id") {
        return Err(wrong(format!(
            "comment {comment_id} is not on task {task_id}"
        )));
    }
    Ok((task, comment))
}

/// What a comment's deletion left to remove from disk.
#[derive(Debug, Default)]
pub struct Removed {
    /// The preview files that were the comment's.
    pub previews: Vec<String>,
    /// The files attached to it and its replies.
    pub attachments: Vec<String>,
}

fn ids(d: &Data, sql: &str, id: &str) -> Result<Vec<String>, DataError> {
    let mut stmt = d.conn.prepare_cached(sql)?;
    let found = stmt
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(found)
}

/// `DELETE /data/tasks/{t}/comments/{c}`: by its author, a manager or an admin (Kitsu's
/// rule). Its previews, attachments and notifications go with it, and the task's status,
/// retake count, dates and time are worked out again from the comments left, as Zou's
/// `reset_task_data` does (`task:status-changed` when the status moves). Answers the media
/// to remove.
pub fn delete_comment(d: &Data, task_id: &str, comment_id: &str) -> Result<Removed, DataError> {
    let (task, comment) = comment_of(d, task_id, comment_id, DataError::NotFound)?;
    let comment_id = text(&comment, "id");
    let removed = Removed {
        previews: ids(
            d,
            "SELECT preview_file_id FROM prod_comment_preview_link WHERE comment_id = ?1 \
             UNION SELECT preview_file_id FROM prod_comment \
             WHERE id = ?1 AND preview_file_id IS NOT NULL",
            comment_id,
        )?,
        attachments: ids(
            d,
            "SELECT id FROM prod_attachment_file WHERE comment_id = ?",
            comment_id,
        )?,
    };
    // The generic delete keeps the rule: the author, or a manager or admin, on the team.
    d.delete(names::COMMENTS, comment_id)?;
    for preview in &removed.previews {
        d.conn
            .execute("DELETE FROM prod_preview_file WHERE id = ?", [preview])?;
    }
    let status = reset_task(d, &task)?;
    d.note_update(names::TASKS, &task)?;
    if status != text(&task, "task_status_id") {
        let project = text(&task, "project_id");
        d.note_event(LiveEvent {
            name: "task:status-changed".into(),
            data: json!({
                "task_id": text(&task, "id"),
                "new_task_status_id": status,
                "previous_task_status_id": text(&task, "task_status_id"),
                "person_id": text(&comment, "person_id"),
                "project_id": project,
            }),
            audience: Audience::Project(project.to_owned()),
        });
    }
    Ok(removed)
}

/// Zou's `reset_task_data`: the task's status is its last comment's (the default status
/// when none is left), its retake count the retakes asked, its start, feedback, done and
/// last comment dates those of its comments, its duration the time spent on it, and its
/// last preview the newest one left. Answers the status.
fn reset_task(d: &Data, task: &Row) -> Result<String, DataError> {
    let task_id = text(task, "id");
    let concept: bool = d.conn.query_row(
        "SELECT ty.name = 'Concept' FROM prod_entity AS e \
         JOIN prod_entity_type AS ty ON ty.id = e.entity_type_id WHERE e.id = ?",
        [text(task, "entity_id")],
        |r| r.get(0),
    )?;
    let default: Option<String> = d
        .conn
        .query_row(
            "SELECT id FROM prod_task_status WHERE is_default = 1 \
             ORDER BY for_concept = ? DESC LIMIT 1",
            [concept],
            |r| r.get(0),
        )
        .optional()?;
    let mut status = default.unwrap_or_else(|| text(task, "task_status_id").to_owned());
    let (mut retakes, mut previous_retake) = (0_i64, false);
    let (mut started, mut ended, mut done, mut last): (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    ) = (None, None, None, None);
    let mut stmt = d.conn.prepare_cached(
        "SELECT c.task_status_id, c.created_at, s.is_retake, s.is_feedback_request, s.is_done, \
                s.is_wip \
         FROM prod_comment AS c JOIN prod_task_status AS s ON s.id = c.task_status_id \
         WHERE c.object_id = ? ORDER BY c.created_at, c.rowid",
    )?;
    let mut rows = stmt.query([task_id])?;
    while let Some(row) = rows.next()? {
        let at: String = row.get(1)?;
        let (retake, feedback, is_done, wip): (bool, bool, bool, bool) =
            (row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?);
        if retake && !previous_retake {
            retakes += 1;
        }
        previous_retake = retake;
        if wip && started.is_none() {
            started = Some(at.clone());
        }
        if feedback && ended.is_none() {
            ended = Some(at.clone());
        }
        if is_done {
            done = Some(at.clone());
        }
        status = row.get(0)?;
        last = Some(at);
    }
    d.conn.execute(
        "UPDATE prod_task SET task_status_id = ?1, retake_count = ?2, real_start_date = ?3, \
             end_date = ?4, done_date = ?5, last_comment_date = ?6, \
             duration = (SELECT ifnull(sum(duration), 0) FROM prod_time_spent \
                         WHERE task_id = ?7), \
             last_preview_file_id = ifnull(last_preview_file_id, \
                 (SELECT id FROM prod_preview_file WHERE task_id = ?7 \
                  ORDER BY revision DESC, position DESC, created_at DESC LIMIT 1)), \
             updated_at = ?8 \
         WHERE id = ?7",
        rusqlite::params![
            status,
            retakes,
            started,
            ended,
            done,
            last,
            task_id,
            now_text()
        ],
    )?;
    Ok(status)
}

/// `POST /actions/tasks/{t}/comments/{c}/move` `{target_task_id}`: the comment goes to
/// another task of the same entity (a manager's fix for a comment posted on the wrong
/// department), keeping its date, text, attachments and status change. A comment that
/// carries a preview revision stays, as in Zou: revisions belong to their task. Its
/// notifications and news go, and both tasks' status and dates are worked out again.
/// Answers the moved comment.
pub fn move_comment(
    d: &Data,
    task_id: &str,
    comment_id: &str,
    body: &Row,
) -> Result<Row, DataError> {
    let target_id = body
        .get("target_task_id")
        .and_then(Value::as_str)
        .ok_or_else(|| DataError::BadRequest("`target_task_id` is required".into()))?;
    let (task, comment) = comment_of(d, task_id, comment_id, DataError::BadRequest)?;
    let target = d.get(names::TASKS, target_id)?;
    if text(&target, "id") == text(&task, "id") {
        return Err(DataError::BadRequest(
            "the comment is on that task already".into(),
        ));
    }
    if text(&target, "entity_id") != text(&task, "entity_id") {
        return Err(DataError::BadRequest(
            "a comment moves only between tasks of the same entity".into(),
        ));
    }
    let comment_id = text(&comment, "id");
    let has_preview: bool = d.conn.query_row(
        "SELECT preview_file_id IS NOT NULL OR EXISTS (SELECT 1 FROM prod_comment_preview_link \
         WHERE comment_id = ?1) FROM prod_comment WHERE id = ?1",
        [comment_id],
        |r| r.get(0),
    )?;
    if has_preview {
        return Err(DataError::BadRequest(
            "a comment with a preview revision stays on its task".into(),
        ));
    }
    d.authorize_row(names::TASKS, &task)?;
    d.authorize_row(names::TASKS, &target)?;
    d.conn.execute(
        "DELETE FROM prod_notification WHERE comment_id = ?",
        [comment_id],
    )?;
    d.conn
        .execute("DELETE FROM prod_news WHERE comment_id = ?", [comment_id])?;
    d.conn.execute(
        "UPDATE prod_comment SET object_id = ?, updated_at = ? WHERE id = ?",
        [text(&target, "id"), &now_text(), comment_id],
    )?;
    for moved in [&task, &target] {
        reset_task(d, moved)?;
        d.note_update(names::TASKS, moved)?;
    }
    let moved = d.get(names::COMMENTS, comment_id)?;
    d.note_update(names::COMMENTS, &moved)?;
    Ok(moved)
}

/// `POST /data/tasks/{t}/comments/{c}/ack`: the viewer acknowledges the comment, or takes
/// their acknowledgement back when it is there (Kitsu's check mark toggles), and the
/// project hears `comment:acknowledge` (or `comment:unacknowledge`) `{comment_id,
/// person_id}`. Anyone who reads the task may. Answers the comment with its
/// `acknowledgements` (person ids).
pub fn acknowledge(d: &Data, task_id: &str, comment_id: &str) -> Result<Row, DataError> {
    let (task, comment) = comment_of(d, task_id, comment_id, DataError::NotFound)?;
    let comment_id = text(&comment, "id");
    let person = d.viewer.id.to_string();
    let taken_back = d.conn.execute(
        "DELETE FROM prod_comment_acknowledgement WHERE comment_id = ? AND person_id = ?",
        [comment_id, person.as_str()],
    )? > 0;
    if !taken_back {
        d.conn.execute(
            "INSERT INTO prod_comment_acknowledgement (comment_id, person_id) VALUES (?, ?)",
            [comment_id, person.as_str()],
        )?;
    }
    let project = text(&task, "project_id");
    d.note_event(LiveEvent {
        name: if taken_back {
            "comment:unacknowledge"
        } else {
            "comment:acknowledge"
        }
        .into(),
        data: json!({"comment_id": comment_id, "person_id": person, "project_id": project}),
        audience: Audience::Project(project.to_owned()),
    });
    d.get(names::COMMENTS, comment_id)
}

/// An event about a comment's replies, for the task's project.
fn reply_event(name: &str, task: &Row, comment_id: &str, reply_id: &str) -> LiveEvent {
    LiveEvent {
        name: name.into(),
        data: json!({
            "task_id": text(task, "id"),
            "comment_id": comment_id,
            "reply_id": reply_id,
            "project_id": text(task, "project_id"),
        }),
        audience: Audience::Project(text(task, "project_id").to_owned()),
    }
}

/// The replies a comment holds.
fn replies_of(comment: &Row) -> Vec<Value> {
    comment
        .get("replies")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

fn store_replies(d: &Data, comment_id: &str, replies: Vec<Value>) -> Result<(), DataError> {
    d.conn.execute(
        "UPDATE prod_comment SET replies = ?, updated_at = ? WHERE id = ?",
        rusqlite::params![Value::Array(replies).to_string(), now_text(), comment_id],
    )?;
    Ok(())
}

/// The ids of the project's team members a text mentions (`@First Last`, then a space or
/// the end), as Zou finds them.
fn mentions(d: &Data, project_id: &str, said: &str) -> Result<Vec<String>, DataError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT u.id, u.first_name, u.last_name FROM users AS u \
         JOIN prod_project_person_link AS l ON l.person_id = u.id WHERE l.project_id = ?",
    )?;
    let team = stmt
        .query_map([project_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?))
        })?
        .collect::<rusqlite::Result<Vec<(String, String, String)>>>()?;
    Ok(team
        .into_iter()
        .filter(|(_, first, last)| {
            let tag = format!("@{}", format!("{first} {last}").trim());
            tag.len() > 1
                && said.match_indices(&tag).any(|(at, _)| {
                    said[at + tag.len()..]
                        .chars()
                        .next()
                        .is_none_or(|c| c == ' ')
                })
        })
        .map(|(id, _, _)| id)
        .collect())
}

/// `POST /data/tasks/{t}/comments/{c}/reply` `{text}` (or multipart with file parts): a
/// reply by the viewer, added to the comment's `replies` with the people it mentions, and
/// the files sent with it attached to the comment under the reply's id. The comment's author
/// always replies; others need to be on the team (managers and admins anywhere), and only
/// managers and admins answer in a thread the client reads. Answers the reply with its
/// `person`.
pub fn reply(
    d: &Data,
    task_id: &str,
    comment_id: &str,
    body: &Row,
    files: &[super::attachments::Staged],
) -> Result<Value, DataError> {
    let (task, comment) = comment_of(d, task_id, comment_id, DataError::Forbidden)?;
    let comment_id = text(&comment, "id");
    // Those who may comment on the task answer there: its team, managers and admins.
    let on_team = d.viewer.sees_all_projects()
        || super::on_team(d.conn, text(&task, "project_id"), d.viewer.id)?;
    if !d.viewer.is(text(&comment, "person_id")) && !on_team {
        return Err(DataError::Forbidden(
            "you are not on the team of this comment's project".into(),
        ));
    }
    if comment.get("for_client").and_then(Value::as_bool) == Some(true) {
        rules::may_reply_in_client_thread(d.viewer.role)?;
    }
    let said = match body.get("text") {
        None | Some(Value::Null) => "",
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Err(DataError::BadRequest("`text` must be text".into())),
    };
    let now = now_text();
    let id = uuid::Uuid::new_v4().to_string();
    let mut reply = json!({
        "id": id,
        "date": now,
        "person_id": d.viewer.id.to_string(),
        "text": said,
        "mentions": mentions(d, text(&task, "project_id"), said)?,
        "department_mentions": [],
        "created_at": now,
    });
    let mut replies = replies_of(&comment);
    replies.push(reply.clone());
    // Zou's recipients: the task's followers, those who replied before, and the comment's
    // author; then the people the reply mentions.
    let mut heard = super::review::followers(d, &task)?;
    heard.extend(
        replies
            .iter()
            .filter_map(|r| r.get("person_id").and_then(Value::as_str))
            .map(str::to_owned),
    );
    heard.insert(text(&comment, "person_id").to_owned());
    store_replies(d, comment_id, replies)?;
    for person in &heard {
        super::review::notify_reply(
            d,
            person,
            "reply",
            text(&task, "id"),
            Some(comment_id),
            Some(&id),
        )?;
    }
    for person in reply["mentions"].as_array().into_iter().flatten() {
        if let Some(person) = person.as_str() {
            super::review::notify_reply(
                d,
                person,
                "reply-mention",
                text(&task, "id"),
                Some(comment_id),
                Some(&id),
            )?;
        }
    }
    if !files.is_empty() {
        let attached = super::attachments::attach(d, comment_id, files)?;
        for file in files {
            d.conn.execute(
                "UPDATE prod_attachment_file SET reply_id = ? WHERE id = ?",
                [id.as_str(), file.id.as_str()],
            )?;
        }
        reply["attachment_files"] = Value::Array(attached);
    }
    d.note_event(reply_event("comment:reply", &task, comment_id, &id));
    let person = d.get(names::PERSONS, &d.viewer.id.to_string())?;
    reply["person"] = Value::Object(person);
    Ok(reply)
}

/// `DELETE /data/tasks/{t}/comments/{c}/reply/{r}`: by the reply's author or an admin (Kitsu's
/// rule), with the files attached to it and the notifications it raised. Answers the comment
/// and the attachments whose files are to be removed.
pub fn delete_reply(
    d: &Data,
    task_id: &str,
    comment_id: &str,
    reply_id: &str,
) -> Result<(Row, Vec<String>), DataError> {
    let reply_id = uuid::Uuid::parse_str(reply_id)
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| DataError::BadRequest(format!("malformed reply id `{reply_id}`")))?;
    let (task, comment) = comment_of(d, task_id, comment_id, DataError::NotFound)?;
    let comment_id = text(&comment, "id").to_owned();
    let mut replies = replies_of(&comment);
    let found = replies
        .iter()
        .position(|r| r.get("id").and_then(Value::as_str) == Some(reply_id.as_str()))
        .ok_or_else(|| DataError::NotFound(format!("reply {reply_id} not found")))?;
    let author = replies[found]
        .get("person_id")
        .and_then(Value::as_str)
        .unwrap_or("");
    rules::may_delete_reply(d.viewer.role, d.viewer.is(author))?;
    replies.remove(found);
    store_replies(d, &comment_id, replies)?;
    let attachments = ids(
        d,
        "SELECT id FROM prod_attachment_file WHERE reply_id = ?",
        &reply_id,
    )?;
    d.conn.execute(
        "DELETE FROM prod_attachment_file WHERE reply_id = ?",
        [&reply_id],
    )?;
    d.conn.execute(
        "DELETE FROM prod_notification WHERE reply_id = ?",
        [&reply_id],
    )?;
    d.note_event(reply_event(
        "comment:delete-reply",
        &task,
        &comment_id,
        &reply_id,
    ));
    Ok((d.get(names::COMMENTS, &comment_id)?, attachments))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_reply_event_names_the_task_comment_and_reply() {
        let task = serde_json::json!({"id": "t", "project_id": "p"});
        let serde_json::Value::Object(task) = task else {
            unreachable!()
        };
        let event = super::reply_event("comment:reply", &task, "c", "r");
        assert_eq!(event.name, "comment:reply");
        assert_eq!(event.data["reply_id"], "r");
        assert_eq!(event.audience, super::Audience::Project("p".into()));
    }
}
