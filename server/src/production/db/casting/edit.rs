//! Changes to castings: an entity's whole casting replaced, several at once, or one asset
//! cast into several entities; each change counted on the entity and told to the project.

use super::{casting_of, entity_of_project, linked_ids};
use crate::production::db::DataError;
use crate::production::db::data::{Data, Row, text};
use crate::production::db::live;
use crate::production::db::names;
use crate::production::db::schema::now_text;
use serde_json::{Value, json};

/// Notes `shot:casting-update`, `episode:casting-update` or `asset:casting-update` for the
/// entity's production, with its link count and the assets added and removed, as Zou sends
/// them to the breakdown pages.
fn casting_changed(d: &Data, entity: &Row, before: &[String]) -> Result<(), DataError> {
    let entity_id = text(entity, "id");
    let after = linked_ids(d, entity_id)?;
    let added: Vec<&String> = after.iter().filter(|a| !before.contains(a)).collect();
    let removed: Vec<&String> = before.iter().filter(|b| !after.contains(b)).collect();
    let type_name: String = d.conn.query_row(
        "SELECT name FROM prod_entity_type WHERE id = ?",
        [text(entity, "entity_type_id")],
        |r| r.get(0),
    )?;
    let (kind, key) = match type_name.as_str() {
        "Shot" => ("shot", "shot_id"),
        "Episode" => ("episode", "episode_id"),
        _ => ("asset", "asset_id"),
    };
    d.note_event(live::LiveEvent {
        name: format!("{kind}:casting-update"),
        data: json!({
            key: entity_id,
            "nb_entities_out": after.len(),
            "added_asset_ids": added,
            "removed_asset_ids": removed,
        }),
        audience: live::Audience::Project(text(entity, "project_id").to_owned()),
    });
    Ok(())
}

/// `PUT /data/projects/{p}/entities/{e}/casting`: replaces the entity's casting with the
/// entries that name an asset and a number of occurrences; answers the list as sent.
pub fn set_casting(
    d: &Data,
    project_id: &str,
    entity_id: &str,
    casting: &[Value],
) -> Result<Vec<Value>, DataError> {
    let entity = entity_of_project(d, project_id, entity_id)?;
    let entity_id = text(&entity, "id").to_owned();
    d.authorize_in_project(names::ENTITIES, project_id)?;
    let before = linked_ids(d, &entity_id)?;
    d.conn.execute(
        "DELETE FROM prod_entity_link WHERE entity_in_id = ?",
        [&entity_id],
    )?;
    let now = now_text();
    for entry in casting {
        let Some(asset) = entry.get("asset_id").and_then(Value::as_str) else {
            continue;
        };
        let Some(count) = entry.get("nb_occurences").and_then(Value::as_i64) else {
            continue;
        };
        let asset = d.get(names::ASSETS, asset)?;
        let label = entry.get("label").and_then(Value::as_str).unwrap_or("");
        insert_link(d, &entity_id, text(&asset, "id"), count, label, &now)?;
    }
    count_links(d, &entity_id, &now)?;
    casting_changed(d, &entity, &before)?;
    Ok(casting.to_vec())
}

/// One asset cast in an entity `count` times.
fn insert_link(
    d: &Data,
    entity_id: &str,
    asset_id: &str,
    count: i64,
    label: &str,
    now: &str,
) -> Result<(), DataError> {
    d.conn.execute(
        "INSERT INTO prod_entity_link \
         (id, entity_in_id, entity_out_id, nb_occurences, label, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
        rusqlite::params![
            uuid::Uuid::new_v4().to_string(),
            entity_id,
            asset_id,
            count,
            label,
            now,
            now
        ],
    )?;
    Ok(())
}

/// One asset cast in an entity `count` times, the count and label of an existing link
/// changed: one link per entity and asset.
fn upsert_link(
    d: &Data,
    entity_id: &str,
    asset_id: &str,
    count: i64,
    label: &str,
    now: &str,
) -> Result<(), DataError> {
    let changed = d.conn.execute(
        "UPDATE prod_entity_link SET nb_occurences = ?3, label = ?4, updated_at = ?5 \
         WHERE entity_in_id = ?1 AND entity_out_id = ?2",
        rusqlite::params![entity_id, asset_id, count, label, now],
    )?;
    if changed == 0 {
        insert_link(d, entity_id, asset_id, count, label, now)?;
    }
    Ok(())
}

/// The entity's count of what it casts, once its links changed.
fn count_links(d: &Data, entity_id: &str, now: &str) -> Result<(), DataError> {
    d.conn.execute(
        "UPDATE prod_entity SET nb_entities_out = \
         (SELECT count(*) FROM prod_entity_link WHERE entity_in_id = ?1), updated_at = ?2 \
         WHERE id = ?1",
        rusqlite::params![entity_id, now],
    )?;
    Ok(())
}

/// `PUT /data/projects/{p}/entities/casting` `{entity_id: [casting entries]}`: replaces the
/// casting of each entity named, all of them or none; answers each one's casting as set.
pub fn set_castings(
    d: &Data,
    project_id: &str,
    castings: &Row,
) -> Result<serde_json::Map<String, Value>, DataError> {
    let mut out = serde_json::Map::new();
    for (entity, casting) in castings {
        let Value::Array(entries) = casting else {
            return Err(DataError::BadRequest(format!(
                "the casting of {entity} is a list of {{asset_id, nb_occurences, label}}"
            )));
        };
        let set = set_casting(d, project_id, entity, entries)?;
        out.insert(entity.clone(), Value::Array(set));
    }
    Ok(out)
}

/// `PUT /data/projects/{p}/entities/casting/assets/{a}` `{entity_ids, nb_occurences?,
/// label?}`: casts one asset into each entity, keeping what else they cast (an entity that
/// already casts it gets the new count); answers each entity's casting.
pub fn cast_asset(
    d: &Data,
    project_id: &str,
    asset_id: &str,
    body: &Row,
) -> Result<serde_json::Map<String, Value>, DataError> {
    let asset = d.get(names::ASSETS, asset_id)?;
    let asset_id = text(&asset, "id").to_owned();
    let Some(Value::Array(entities)) = body.get("entity_ids") else {
        return Err(DataError::BadRequest(
            "`entity_ids` lists the entities to cast the asset in".into(),
        ));
    };
    let count = match body.get("nb_occurences") {
        None | Some(Value::Null) => 1,
        Some(n) => n
            .as_i64()
            .filter(|n| *n > 0)
            .ok_or_else(|| DataError::BadRequest("`nb_occurences` is a count from 1".into()))?,
    };
    let label = body.get("label").and_then(Value::as_str).unwrap_or("");
    d.authorize_in_project(names::ENTITIES, project_id)?;
    let now = now_text();
    let mut out = serde_json::Map::new();
    for entity in entities {
        let entity = entity
            .as_str()
            .ok_or_else(|| DataError::BadRequest("`entity_ids` holds ids".into()))?;
        let entity = entity_of_project(d, project_id, entity)?;
        let entity_id = text(&entity, "id").to_owned();
        let before = linked_ids(d, &entity_id)?;
        upsert_link(d, &entity_id, &asset_id, count, label, &now)?;
        count_links(d, &entity_id, &now)?;
        casting_changed(d, &entity, &before)?;
        out.insert(entity_id.clone(), Value::Array(casting_of(d, &entity_id)?));
    }
    Ok(out)
}

/// An asset an entity casts, how many times and with which label (`fixed`, `animate`…).
pub struct Link {
    /// The asset cast.
    pub asset_id: String,
    /// How many times (from 1).
    pub count: i64,
    /// Kitsu's label of the link.
    pub label: String,
}

/// Casts assets into one entity of the project, keeping what else it casts (a link it has
/// gets the new count and label): the casting import's change, told to the project once for
/// the entity, however many rows named it.
pub fn add_links(
    d: &Data,
    project_id: &str,
    entity_id: &str,
    links: &[Link],
) -> Result<(), DataError> {
    d.authorize_in_project(names::ENTITIES, project_id)?;
    let entity = entity_of_project(d, project_id, entity_id)?;
    let entity_id = text(&entity, "id").to_owned();
    let before = linked_ids(d, &entity_id)?;
    let now = now_text();
    for link in links {
        upsert_link(d, &entity_id, &link.asset_id, link.count, &link.label, &now)?;
    }
    count_links(d, &entity_id, &now)?;
    casting_changed(d, &entity, &before)
}
