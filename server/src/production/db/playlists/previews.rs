//! An entity's previews by task type, as a playlist's entries and a throw-away playlist's
//! list them: newest revision first, a revision's other pictures under its first.

use crate::production::db::DataError;
use crate::production::db::data::{Data, Row};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// One preview file as a playlist lists it (Zou's light preview file), with what the
/// grouping needs.
struct Preview {
    entity_id: String,
    task_type_id: String,
    task_id: String,
    shown: Row,
}

/// Which fields a preview of an entity's list carries.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// A stored playlist's entries (`set_preview_files_for_entities`), without annotations.
    Light,
    /// A throw-away playlist's (`get_entity_previews_by_task_type`): names, annotations and
    /// the original's facts.
    Full,
}

/// The previews of tasks of `entity_ids` in `project`, in Zou's order: task type priority
/// (highest first) and name, then newest revision first, a revision's pictures in their
/// order.
fn previews_of(
    d: &Data,
    project: &str,
    entity_ids: &[String],
    shape: Shape,
) -> Result<Vec<Preview>, DataError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT p.id, p.revision, p.extension, p.width, p.height, p.duration, p.status, \
                p.created_at, p.task_id, k.task_type_id, k.entity_id, p.original_name, \
                p.annotations, p.data \
         FROM prod_preview_file AS p \
         JOIN prod_task AS k ON k.id = p.task_id \
         JOIN prod_task_type AS y ON y.id = k.task_type_id \
         WHERE k.project_id = ?1 AND k.entity_id IN (SELECT value FROM json_each(?2)) \
         ORDER BY y.priority DESC, y.name, p.revision DESC, p.position, p.created_at",
    )?;
    let ids = Value::from(entity_ids.to_vec()).to_string();
    let rows = stmt.query_map(rusqlite::params![project, ids], |r| {
        let json = |i: usize| -> rusqlite::Result<Value> {
            Ok(r.get::<_, Option<String>>(i)?
                .and_then(|s| serde_json::from_str(&s).ok())
                .unwrap_or(Value::Null))
        };
        let mut shown = Row::new();
        shown.insert("id".into(), Value::from(r.get::<_, String>(0)?));
        shown.insert("revision".into(), Value::from(r.get::<_, i64>(1)?));
        if shape == Shape::Full {
            shown.insert(
                "original_name".into(),
                Value::from(r.get::<_, Option<String>>(11)?),
            );
        }
        shown.insert(
            "extension".into(),
            Value::from(r.get::<_, Option<String>>(2)?),
        );
        shown.insert("width".into(), Value::from(r.get::<_, i64>(3)?));
        shown.insert("height".into(), Value::from(r.get::<_, i64>(4)?));
        shown.insert("duration".into(), Value::from(r.get::<_, f64>(5)?));
        shown.insert("status".into(), Value::from(r.get::<_, String>(6)?));
        if shape == Shape::Full {
            shown.insert("annotations".into(), json(12)?);
        }
        shown.insert("created_at".into(), Value::from(r.get::<_, String>(7)?));
        shown.insert("task_id".into(), Value::from(r.get::<_, String>(8)?));
        if shape == Shape::Full {
            let data = json(13)?;
            for fact in [
                "original_width",
                "original_height",
                "original_duration",
                "original_file_size",
            ] {
                shown.insert(fact.into(), data.get(fact).cloned().unwrap_or(Value::Null));
            }
        }
        Ok(Preview {
            task_id: r.get(8)?,
            task_type_id: r.get(9)?,
            entity_id: r.get(10)?,
            shown,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Zou's `mix_preview_file_revisions`: the pictures of one revision under its first, in
/// its `previews`.
fn mix_revisions(previews: Vec<Row>) -> Vec<Value> {
    let mut mixed: Vec<Row> = Vec::new();
    for mut preview in previews {
        let revision = preview.get("revision").cloned();
        if let Some(first) = mixed
            .iter_mut()
            .find(|m| m.get("revision").cloned() == revision)
        {
            if let Some(Value::Array(list)) = first.get_mut("previews") {
                list.push(Value::Object(preview));
            }
        } else {
            preview.insert("previews".into(), Value::Array(Vec::new()));
            mixed.push(preview);
        }
    }
    mixed.into_iter().map(Value::Object).collect()
}

/// Each entity's previews by task type, `{entity_id: {task_type_id: [previews]}}`, each
/// list newest revision first with a revision's other pictures in its `previews`. A
/// throw-away playlist groups by task (the last task of a type wins, as in Zou).
pub(super) fn previews_by_task_type(
    d: &Data,
    project: &str,
    entity_ids: &[String],
    shape: Shape,
) -> Result<Map<String, Value>, DataError> {
    // (entity, key, task type) → previews, in first-seen order.
    let mut groups: Vec<(String, String, Vec<Row>)> = Vec::new();
    let mut slots: HashMap<(String, String), usize> = HashMap::new();
    for p in previews_of(d, project, entity_ids, shape)? {
        let key = match shape {
            Shape::Light => p.task_type_id.clone(),
            Shape::Full => p.task_id.clone(),
        };
        match slots.entry((p.entity_id.clone(), key)) {
            Entry::Occupied(slot) => groups[*slot.get()].2.push(p.shown),
            Entry::Vacant(slot) => {
                slot.insert(groups.len());
                groups.push((p.entity_id, p.task_type_id, vec![p.shown]));
            }
        }
    }
    let mut by_entity = Map::new();
    for (entity, task_type, previews) in groups {
        let entry = by_entity
            .entry(entity)
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(by_type) = entry {
            by_type.insert(task_type, Value::Array(mix_revisions(previews)));
        }
    }
    Ok(by_entity)
}
