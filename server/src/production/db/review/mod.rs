//! Tasks as artists work them: the full task, assignments, comments that change a task's
//! status, preview revisions attached to comments, and the entity's main preview. Here: the
//! full task, assignments and who hears of a task; comments in [`comment`], previews in
//! [`previews`].

mod comment;
mod previews;

pub use comment::{comment, comments, present_comment};
pub use previews::{
    Uploaded, add_extra_preview, add_preview, record_upload, set_main_preview,
    set_task_main_preview,
};

use super::DataError;
use super::data::{Data, Row, text, texts};
use super::live;
use super::names;
use super::schema::now_text;
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
    let persons = texts(&task, "assignees")
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
    let mut people: std::collections::BTreeSet<String> =
        texts(task, "assignees").map(str::to_owned).collect();
    let mut stmt = d
        .conn
        .prepare_cached("SELECT person_id FROM prod_subscription WHERE task_id = ?")?;
    for person in stmt.query_map([text(task, "id")], |r| r.get::<_, String>(0))? {
        people.insert(person?);
    }
    Ok(people)
}
