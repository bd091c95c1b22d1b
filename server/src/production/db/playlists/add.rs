//! Entities added to a playlist (`add-entity`, `add-entities`): who may change it, the
//! entries checked and pinned to a preview, and the event told to the project.

use crate::production::db::DataError;
use crate::production::db::data::{Data, Row, text};
use crate::production::db::live::{Audience, LiveEvent};
use crate::production::db::names;
use crate::production::db::schema::now_text;
use drover_shared::Role;
use rusqlite::OptionalExtension;
use serde_json::{Map, Value, json};

/// One entry to add: an entity and the preview it is pinned to, if any.
type Couple = (String, Option<String>);

/// A UUID field of an entry: `None` when absent, null or empty (Zou's coercion), 400 when it
/// is not an id.
fn optional_id(entry: &Row, field: &str) -> Result<Option<String>, DataError> {
    match entry.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => uuid::Uuid::parse_str(s)
            .map(|u| Some(u.hyphenated().to_string()))
            .map_err(|_| DataError::BadRequest(format!("`{field}` is not an id: {s:?}"))),
        Some(other) => Err(DataError::BadRequest(format!(
            "`{field}` must be an id, not {other}"
        ))),
    }
}

/// An entry of an `add-entity` or `add-entities` body.
fn couple(entry: &Value) -> Result<Couple, DataError> {
    let entry = entry.as_object().ok_or_else(|| {
        DataError::BadRequest("each entity is an object `{entity_id, preview_file_id?}`".into())
    })?;
    let entity = optional_id(entry, "entity_id")?
        .ok_or_else(|| DataError::BadRequest("`entity_id` is required".into()))?;
    Ok((entity, optional_id(entry, "preview_file_id")?))
}

/// `POST /actions/playlists/{id}/add-entity` `{entity_id, preview_file_id?}`.
pub fn add_entity(d: &Data, playlist_id: &str, body: &Row) -> Result<Row, DataError> {
    let one = couple(&Value::Object(body.clone()))?;
    add_couples(d, playlist_id, vec![one])
}

/// `POST /actions/playlists/{id}/add-entities` `{entities: [{entity_id, preview_file_id?}]}`.
pub fn add_entities(d: &Data, playlist_id: &str, body: &Row) -> Result<Row, DataError> {
    let entities = body
        .get("entities")
        .and_then(Value::as_array)
        .filter(|l| !l.is_empty())
        .ok_or_else(|| {
            DataError::BadRequest(
                "`entities` must be a list of at least one `{entity_id, preview_file_id?}`".into(),
            )
        })?;
    let couples = entities.iter().map(couple).collect::<Result<Vec<_>, _>>()?;
    add_couples(d, playlist_id, couples)
}

/// Who changes a playlist's entries (Zou's `check_playlist_update_access`): managers and
/// admins, or a supervisor on its team who made it (or a playlist nobody made).
fn may_update(d: &Data, playlist: &Row) -> Result<(), DataError> {
    if d.viewer.sees_all_projects() {
        return Ok(());
    }
    let creator = text(playlist, "created_by");
    let own = creator.is_empty() || d.viewer.is(creator);
    let on_team =
        crate::production::db::on_team(d.conn, text(playlist, "project_id"), d.viewer.id)?;
    if d.viewer.role == Role::Supervisor && on_team && own {
        Ok(())
    } else {
        Err(DataError::Forbidden(
            "only managers, and the supervisor who made it, change a playlist".into(),
        ))
    }
}

/// Appends the couples not already in the playlist: a preview of another entity is
/// unpinned, and an entry with no preview gets its entity's latest (of the playlist's task
/// type when it has one). Each entry added is told to the project (`playlist:add_entity`).
fn add_couples(d: &Data, playlist_id: &str, couples: Vec<Couple>) -> Result<Row, DataError> {
    let playlist = d.get(names::PLAYLISTS, playlist_id)?;
    may_update(d, &playlist)?;
    let id = text(&playlist, "id").to_owned();
    let project = text(&playlist, "project_id").to_owned();
    let task_type = text(&playlist, "task_type_id").to_owned();
    let mut shots: Vec<Value> = playlist
        .get("shots")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let present = |shots: &[Value], couple: &Couple| {
        shots.iter().any(|s| {
            s.get("entity_id").and_then(Value::as_str) == Some(couple.0.as_str())
                && s.get("preview_file_id").and_then(Value::as_str) == couple.1.as_deref()
        })
    };
    let mut added = Vec::new();
    for (entity, preview) in couples {
        let in_project: Option<String> = d
            .conn
            .prepare_cached("SELECT project_id FROM prod_entity WHERE id = ?")?
            .query_row([&entity], |r| r.get(0))
            .optional()?;
        if in_project.as_deref() != Some(project.as_str()) {
            return Err(DataError::BadRequest(format!(
                "entity {entity} is not in this playlist's project"
            )));
        }
        let preview = match preview {
            Some(p) if preview_entity(d, &p)?.as_deref() == Some(entity.as_str()) => Some(p),
            _ => latest_preview(d, &entity, &task_type)?,
        };
        let couple = (entity, preview);
        if present(&shots, &couple) {
            continue;
        }
        let mut shot = Map::new();
        shot.insert("entity_id".into(), Value::from(couple.0.clone()));
        if let Some(p) = &couple.1 {
            shot.insert("preview_file_id".into(), Value::from(p.clone()));
        }
        shots.push(Value::Object(shot));
        added.push(couple);
    }
    if !added.is_empty() {
        d.conn.execute(
            "UPDATE prod_playlist SET shots = ?, updated_at = ? WHERE id = ?",
            rusqlite::params![Value::Array(shots).to_string(), now_text(), id],
        )?;
    }
    for (entity, preview) in added {
        d.note_event(LiveEvent {
            name: "playlist:add_entity".into(),
            data: json!({"playlist_id": id, "entity_id": entity, "preview_file_id": preview,
                         "project_id": project}),
            audience: Audience::Project(project.clone()),
        });
    }
    d.get(names::PLAYLISTS, &id)
}

/// The entity whose task a preview file is of.
fn preview_entity(d: &Data, preview: &str) -> Result<Option<String>, DataError> {
    Ok(d.conn
        .prepare_cached(
            "SELECT k.entity_id FROM prod_preview_file AS p JOIN prod_task AS k \
             ON k.id = p.task_id WHERE p.id = ?",
        )?
        .query_row([preview], |r| r.get(0))
        .optional()?)
}

/// An entity's latest preview (highest revision, the newest of it), of `task_type` unless
/// it is empty.
fn latest_preview(d: &Data, entity: &str, task_type: &str) -> Result<Option<String>, DataError> {
    Ok(d.conn
        .prepare_cached(
            "SELECT p.id FROM prod_preview_file AS p JOIN prod_task AS k ON k.id = p.task_id \
             WHERE k.entity_id = ?1 AND (?2 = '' OR k.task_type_id = ?2) \
             ORDER BY p.revision DESC, p.created_at DESC LIMIT 1",
        )?
        .query_row([entity, task_type], |r| r.get(0))
        .optional()?)
}
