//! The history of a shot's or an edit's name and frame range, as Kitsu's shot page shows it
//! (Zou's `entity_version`): when an update changes either, a version holding the name the
//! entity had and its new data is kept. A person typing a frame range one field or one
//! keystroke at a time sends one update each; such a burst is folded into one version, so
//! the history shows changes, not keystrokes.

use super::data::{Data, Row, text};
use super::schema::{now_text, parse_datetime};
use super::{DataError, names};
use rusqlite::OptionalExtension;
use serde_json::{Value, json};

/// A version folds in the same person's changes made within this many seconds of its last
/// one…
const FOLD_AFTER_SECS: i64 = 60;
/// …and within this many seconds of its making.
const FOLD_WITHIN_SECS: i64 = 300;
/// The most versions listed: far more than any shot is edited.
const MAX_LISTED: i64 = 1_000;

/// The kinds of entity whose versions are kept: the type names of its entity type.
const VERSIONED: &[&str] = &["Shot", "Edit"];

/// A frame range as a version tracks it.
fn frames(row: &Row) -> (Value, Value) {
    let data = row.get("data");
    let field = |f: &str| {
        data.and_then(|d| d.get(f))
            .cloned()
            .filter(|v| !v.is_null())
            .unwrap_or(Value::from(0))
    };
    (field("frame_in"), field("frame_out"))
}

/// Seconds between two stored times, when both read.
fn seconds_between(earlier: &str, later: &str) -> Option<i64> {
    Some((parse_datetime(later)? - parse_datetime(earlier)?).whole_seconds())
}

/// Keeps a version of `after` when the update from `before` changed its name or frames:
/// the same person's latest version, when recent and still holding the name the entity had,
/// takes the new data instead of a new version being made.
pub fn record_if_needed(d: &Data, before: &Row, after: &Row) -> Result<(), DataError> {
    let kind: Option<String> = d
        .conn
        .query_row(
            "SELECT name FROM prod_entity_type WHERE id = ?",
            [text(after, "entity_type_id")],
            |r| r.get(0),
        )
        .optional()?;
    if !kind.is_some_and(|k| VERSIONED.contains(&k.as_str())) {
        return Ok(());
    }
    if frames(before) == frames(after) && text(before, "name") == text(after, "name") {
        return Ok(());
    }
    let person = d.viewer.id.to_string();
    let now = now_text();
    let data = after.get("data").cloned().unwrap_or(json!({})).to_string();
    let last: Option<(String, String, String, String, Option<String>)> = d
        .conn
        .prepare_cached(
            "SELECT id, name, created_at, updated_at, person_id FROM prod_entity_version \
             WHERE entity_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
        )?
        .query_row([text(after, "id")], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    if let Some((id, name, created, updated, by)) = last {
        let fresh = seconds_between(&updated, &now).is_some_and(|s| s <= FOLD_AFTER_SECS)
            && seconds_between(&created, &now).is_some_and(|s| s <= FOLD_WITHIN_SECS);
        if fresh && by.as_deref() == Some(person.as_str()) && name == text(before, "name") {
            d.conn.execute(
                "UPDATE prod_entity_version SET data = ?, updated_at = ? WHERE id = ?",
                rusqlite::params![data, now, id],
            )?;
            return Ok(());
        }
    }
    d.conn.execute(
        "INSERT INTO prod_entity_version (id, name, data, entity_id, person_id, created_at, \
         updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        rusqlite::params![
            uuid::Uuid::new_v4().to_string(),
            text(before, "name"),
            data,
            text(after, "id"),
            person,
            now,
            now
        ],
    )?;
    Ok(())
}

/// `GET /data/shots/{s}/versions` and `GET /data/edits/{e}/versions`: the entity's versions,
/// newest first (`ShotVersion` or `EditVersion`), to those who may read it.
pub fn versions(d: &Data, route: names::ModelName, entity_id: &str) -> Result<Vec<Row>, DataError> {
    let entity = d.get(route, entity_id)?;
    let type_name = if route == names::EDITS {
        "EditVersion"
    } else {
        "ShotVersion"
    };
    let rows = d
        .conn
        .prepare_cached(&format!(
            "SELECT id, name, data, entity_id, person_id, created_at, updated_at \
             FROM prod_entity_version WHERE entity_id = ? \
             ORDER BY created_at DESC, rowid DESC LIMIT {MAX_LISTED}"
        ))?
        .query_map([text(&entity, "id")], |r| {
            let data: Option<String> = r.get(2)?;
            let mut row = Row::new();
            row.insert("id".into(), Value::from(r.get::<_, String>(0)?));
            row.insert("name".into(), Value::from(r.get::<_, String>(1)?));
            row.insert(
                "data".into(),
                data.and_then(|d| serde_json::from_str(&d).ok())
                    .unwrap_or(Value::Null),
            );
            row.insert("entity_id".into(), Value::from(r.get::<_, String>(3)?));
            row.insert(
                "person_id".into(),
                r.get::<_, Option<String>>(4)?
                    .map_or(Value::Null, Value::from),
            );
            row.insert("created_at".into(), Value::from(r.get::<_, String>(5)?));
            row.insert("updated_at".into(), Value::from(r.get::<_, String>(6)?));
            row.insert("type".into(), Value::from(type_name));
            Ok(row)
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}
