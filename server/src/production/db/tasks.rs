//! What is done to tasks in batches and by the person for themselves: subscriptions to a
//! task's comments, assignments cleared, priorities set, as Kitsu's task lists do them.

use super::DataError;
use super::data::{Data, Row, text, texts};
use super::live;
use super::names;
use super::schema::now_text;
use serde_json::{Value, json};

/// The `task_ids` of a batch body: a non-empty list of task ids, each a UUID (400 otherwise,
/// before anything is read or written).
pub fn task_ids(body: &Row) -> Result<Vec<String>, DataError> {
    let bad = || DataError::BadRequest("`task_ids` must be a non-empty list of task ids".into());
    let ids = body
        .get("task_ids")
        .and_then(Value::as_array)
        .ok_or_else(bad)?;
    if ids.is_empty() {
        return Err(bad());
    }
    ids.iter()
        .map(|v| v.as_str().and_then(canonical).ok_or_else(bad))
        .collect()
}

/// An id as stored: a UUID, hyphenated and lower case.
fn canonical(id: &str) -> Option<String> {
    uuid::Uuid::parse_str(id)
        .ok()
        .map(|u| u.hyphenated().to_string())
}

/// The viewer's subscription to a task they may read, if any.
fn subscription(d: &Data, task_id: &str) -> Result<Option<Row>, DataError> {
    d.find(
        names::SUBSCRIPTIONS,
        &[
            ("task_id", task_id),
            ("person_id", &d.viewer.id.to_string()),
        ],
    )
}

/// The tasks of `entity_id` the viewer follows, in one read (an entity's page shows each
/// task's `is_subscribed`).
pub fn followed_of_entity(
    d: &Data,
    entity_id: &str,
) -> Result<std::collections::HashSet<String>, DataError> {
    let ids = d
        .conn
        .prepare_cached(
            "SELECT s.task_id FROM prod_subscription AS s JOIN prod_task AS t ON t.id = s.task_id \
             WHERE t.entity_id = ?1 AND s.person_id = ?2",
        )?
        .query_map([entity_id, d.viewer.id.to_string().as_str()], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

/// `GET /data/user/tasks/{t}/subscribed`: whether the viewer follows the task.
pub fn is_subscribed(d: &Data, task_id: &str) -> Result<bool, DataError> {
    let task = d.get(names::TASKS, task_id)?;
    Ok(subscription(d, text(&task, "id"))?.is_some())
}

/// `POST /actions/user/tasks/{t}/subscribe`: the viewer follows a task of their projects;
/// answers the subscription (the one there was, when they already followed it).
pub fn subscribe(d: &Data, task_id: &str) -> Result<Row, DataError> {
    let task = d.get(names::TASKS, task_id)?;
    match subscription(d, text(&task, "id"))? {
        Some(found) => Ok(found),
        None => d.create(
            names::SUBSCRIPTIONS,
            json!({"task_id": text(&task, "id"), "person_id": d.viewer.id}),
        ),
    }
}

/// `DELETE /actions/user/tasks/{t}/unsubscribe`: the viewer stops following a task of
/// their projects (nothing when they did not follow it).
pub fn unsubscribe(d: &Data, task_id: &str) -> Result<(), DataError> {
    let task = d.get(names::TASKS, task_id)?;
    if let Some(found) = subscription(d, text(&task, "id"))? {
        d.delete(names::SUBSCRIPTIONS, text(&found, "id"))?;
    }
    Ok(())
}

/// `POST /actions/user/tasks/subscribe` `{task_ids}`: follows them all, or, when one is
/// not a task of the viewer's projects, none (Kitsu checks them all first).
pub fn subscribe_many(d: &Data, body: &Row) -> Result<Vec<Row>, DataError> {
    task_ids(body)?.iter().map(|id| subscribe(d, id)).collect()
}

/// `POST /actions/user/tasks/unsubscribe` `{task_ids}`: stops following them all; answers
/// the ids, as Kitsu does.
pub fn unsubscribe_many(d: &Data, body: &Row) -> Result<Vec<String>, DataError> {
    let ids = task_ids(body)?;
    for id in &ids {
        unsubscribe(d, id)?;
    }
    Ok(ids)
}

/// `PUT /actions/tasks/clear-assignation` `{task_ids, person_id?}`: takes the person (or,
/// without one, everyone) off each task the viewer may unassign: supervisors on the team,
/// managers and admins any; anyone themselves from a task they are assigned to. The others
/// are skipped, as Kitsu skips them. Answers the ids of the tasks handled.
pub fn clear_assignation(d: &Data, body: &Row) -> Result<Vec<String>, DataError> {
    let ids = task_ids(body)?;
    let person = match body.get("person_id") {
        None | Some(Value::Null) => None,
        Some(p) => Some(
            p.as_str()
                .and_then(canonical)
                .ok_or_else(|| DataError::BadRequest("`person_id` must be a person id".into()))?,
        ),
    };
    let mut cleared = Vec::new();
    for id in &ids {
        let Ok(task) = d.get(names::TASKS, id) else {
            continue;
        };
        let project = text(&task, "project_id").to_owned();
        let assignees: Vec<String> = texts(&task, "assignees").map(str::to_owned).collect();
        let manages = d.authorize_in_project(names::TASKS, &project).is_ok();
        let only_self = person.as_deref().is_some_and(|p| d.viewer.is(p));
        let assigned = assignees.iter().any(|a| d.viewer.is(a));
        if crate::production::rules::may_unassign(manages, only_self && assigned).is_err() {
            continue;
        }
        let removed: Vec<&String> = assignees
            .iter()
            .filter(|a| person.as_ref().is_none_or(|p| p == *a))
            .collect();
        for assignee in &removed {
            d.conn.execute(
                "DELETE FROM prod_task_person_link WHERE task_id = ? AND person_id = ?",
                [text(&task, "id"), assignee.as_str()],
            )?;
            d.note_event(live::task_assignment(
                text(&task, "id"),
                assignee,
                &project,
                false,
            ));
        }
        if !removed.is_empty() {
            d.conn.execute(
                "UPDATE prod_task SET updated_at = ? WHERE id = ?",
                [now_text().as_str(), text(&task, "id")],
            )?;
        }
        d.note_update(names::TASKS, &task)?;
        cleared.push(text(&task, "id").to_owned());
    }
    Ok(cleared)
}

/// `PUT /actions/tasks/set-priority` `{task_ids, priority}`: sets the priority (a whole
/// number from 0) of each task the viewer may change; the others are skipped, as Kitsu
/// skips them. Answers the tasks changed.
pub fn set_priority(d: &Data, body: &Row) -> Result<Vec<Row>, DataError> {
    let ids = task_ids(body)?;
    let priority = body
        .get("priority")
        .and_then(Value::as_i64)
        .filter(|p| *p >= 0)
        .ok_or_else(|| DataError::BadRequest("`priority` must be a whole number from 0".into()))?;
    let mut changed = Vec::new();
    for id in &ids {
        let Ok(task) = d.get(names::TASKS, id) else {
            continue;
        };
        match d.update(
            names::TASKS,
            text(&task, "id"),
            json!({ "priority": priority }),
        ) {
            Ok(row) => changed.push(row),
            Err(DataError::Forbidden(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(changed)
}
