//! Asset instances: numbered copies of an asset cast in a shot, placed in a layout scene or
//! inside another asset, and the shots and scenes layout makes of each other.

use super::visible_rows;
use crate::production::db::DataError;
use crate::production::db::breakdown::str_field;
use crate::production::db::data::{Data, Row, text};
use crate::production::db::names;
use serde_json::{Value, json};

/// Asset instances grouped by the asset they instantiate.
fn by_asset(instances: Vec<Row>) -> serde_json::Map<String, Value> {
    let mut out = serde_json::Map::new();
    for instance in instances {
        let asset = text(&instance, "asset_id").to_owned();
        if let Value::Array(list) = out.entry(asset).or_insert_with(|| Value::Array(Vec::new())) {
            list.push(Value::Object(instance));
        }
    }
    out
}

/// `GET /data/shots/{s}/asset-instances`: the instances cast in the shot, by asset id.
pub fn shot_asset_instances(
    d: &Data,
    shot_id: &str,
) -> Result<serde_json::Map<String, Value>, DataError> {
    let shot = d.get(names::SHOTS, shot_id)?;
    let mut stmt = d.conn.prepare_cached(
        "SELECT asset_instance_id FROM prod_asset_instance_link WHERE entity_id = ? \
         ORDER BY asset_instance_id",
    )?;
    let ids = stmt
        .query_map([text(&shot, "id")], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(by_asset(visible_rows(d, names::ASSET_INSTANCES, &ids)?))
}

/// Instances grouped by the place (shot or scene) each is paired with.
fn grouped_by(instances: Vec<(String, Row)>) -> serde_json::Map<String, Value> {
    let mut out = serde_json::Map::new();
    for (key, instance) in instances {
        if let Value::Array(list) = out.entry(key).or_insert_with(|| Value::Array(Vec::new())) {
            list.push(Value::Object(instance));
        }
    }
    out
}

/// `GET /data/scenes/{s}/asset-instances` and `…/camera-instances` (`cameras`): the
/// instances placed in the layout scene, by asset id, in their order.
pub fn scene_asset_instances(
    d: &Data,
    scene_id: &str,
    cameras: bool,
) -> Result<serde_json::Map<String, Value>, DataError> {
    let scene = d.get(names::SCENES, scene_id)?;
    let mut stmt = d.conn.prepare_cached(
        "SELECT i.id FROM prod_asset_instance AS i JOIN prod_entity AS a ON a.id = i.asset_id \
         JOIN prod_entity_type AS y ON y.id = a.entity_type_id \
         WHERE i.scene_id = ?1 AND (?2 = 0 OR y.name = 'Camera') \
         ORDER BY i.asset_id, i.number",
    )?;
    let ids = stmt
        .query_map(rusqlite::params![text(&scene, "id"), cameras], |r| {
            r.get::<_, String>(0)
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(by_asset(visible_rows(d, names::ASSET_INSTANCES, &ids)?))
}

/// `GET /data/assets/{a}/shot-asset-instances`: the asset's instances cast in shots, by shot
/// id; `…/scene-asset-instances`: those placed in layout scenes, by scene id.
pub fn asset_instances_by_place(
    d: &Data,
    asset_id: &str,
    in_shots: bool,
) -> Result<serde_json::Map<String, Value>, DataError> {
    let asset = d.get(names::ASSETS, asset_id)?;
    let sql = if in_shots {
        "SELECT l.entity_id, i.id FROM prod_asset_instance AS i \
         JOIN prod_asset_instance_link AS l ON l.asset_instance_id = i.id \
         WHERE i.asset_id = ? ORDER BY l.entity_id, i.number"
    } else {
        "SELECT i.scene_id, i.id FROM prod_asset_instance AS i \
         WHERE i.asset_id = ? AND i.scene_id IS NOT NULL ORDER BY i.scene_id, i.number"
    };
    let mut stmt = d.conn.prepare_cached(sql)?;
    let pairs = stmt
        .query_map([text(&asset, "id")], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut found = Vec::with_capacity(pairs.len());
    for (place, id) in pairs {
        // Places the viewer cannot read (another project's shots) are left out.
        if d.get(names::ENTITIES, &place).is_ok() {
            found.push((place, d.get(names::ASSET_INSTANCES, &id)?));
        }
    }
    Ok(grouped_by(found))
}

/// `GET /data/scenes/{s}/shots`: the shots made from the layout scene (their source).
pub fn scene_shots(d: &Data, scene_id: &str) -> Result<Vec<Row>, DataError> {
    let scene = d.get(names::SCENES, scene_id)?;
    let mut shots = d.list(names::SHOTS, &[("source_id", text(&scene, "id"))])?;
    shots.sort_by(|a, b| text(a, "name").cmp(text(b, "name")));
    Ok(shots)
}

/// `GET /data/sequences/{s}/scenes`: the sequence's layout scenes, by name.
pub fn sequence_scenes(d: &Data, sequence_id: &str) -> Result<Vec<Row>, DataError> {
    let sequence = d.get(names::SEQUENCES, sequence_id)?;
    let mut scenes = d.list(names::SCENES, &[("parent_id", text(&sequence, "id"))])?;
    scenes.sort_by(|a, b| text(a, "name").cmp(text(b, "name")));
    Ok(scenes)
}

/// `POST /data/shots/{s}/asset-instances` `{"asset_instance_id"}`: casts an instance in the
/// shot; answers the shot.
pub fn add_shot_asset_instance(d: &Data, shot_id: &str, body: &Row) -> Result<Row, DataError> {
    let shot = d.get(names::SHOTS, shot_id)?;
    let instance_id = str_field(body, "asset_instance_id")?
        .ok_or_else(|| DataError::BadRequest("`asset_instance_id` is required".into()))?;
    let instance = d.get(names::ASSET_INSTANCES, instance_id)?;
    d.authorize_in_project(names::SHOTS, text(&shot, "project_id"))?;
    d.conn.execute(
        "INSERT OR IGNORE INTO prod_asset_instance_link (entity_id, asset_instance_id) \
         VALUES (?, ?)",
        [text(&shot, "id"), text(&instance, "id")],
    )?;
    d.get(names::SHOTS, text(&shot, "id"))
}

/// `DELETE /data/shots/{s}/asset-instances/{ai}`.
pub fn remove_shot_asset_instance(
    d: &Data,
    shot_id: &str,
    instance_id: &str,
) -> Result<(), DataError> {
    let shot = d.get(names::SHOTS, shot_id)?;
    d.authorize_in_project(names::SHOTS, text(&shot, "project_id"))?;
    d.conn.execute(
        "DELETE FROM prod_asset_instance_link WHERE entity_id = ? AND asset_instance_id = ?",
        [text(&shot, "id"), instance_id],
    )?;
    Ok(())
}

/// A name as Kitsu puts it in file names and instance names: letters and digits kept (case
/// too), every other run of characters one `_`.
pub fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_owned()
}

/// `POST /data/assets/{target}/asset-asset-instances` `{"asset_to_instantiate_id",
/// "description"?}`: a numbered instance of an asset inside another, named
/// `<asset_name>_<number:04>` as Kitsu names them.
pub fn new_asset_asset_instance(d: &Data, target_id: &str, body: &Row) -> Result<Row, DataError> {
    let target = d.get(names::ASSETS, target_id)?;
    let asset_id = str_field(body, "asset_to_instantiate_id")?
        .ok_or_else(|| DataError::BadRequest("`asset_to_instantiate_id` is required".into()))?;
    let asset = d.get(names::ASSETS, asset_id)?;
    let number: i64 = d.conn.query_row(
        "SELECT ifnull(max(number), 0) + 1 FROM prod_asset_instance \
         WHERE asset_id = ? AND target_asset_id = ?",
        [text(&asset, "id"), text(&target, "id")],
        |r| r.get(0),
    )?;
    let slug = slug(text(&asset, "name"));
    let mut made = json!({
        "asset_id": text(&asset, "id"),
        "target_asset_id": text(&target, "id"),
        "entity_id": text(&target, "id"),
        "entity_type_id": text(&target, "entity_type_id"),
        "number": number,
        "name": format!("{slug}_{number:04}"),
    });
    if let Some(description) = str_field(body, "description")? {
        made["description"] = Value::from(description);
    }
    d.create(names::ASSET_INSTANCES, made)
}

/// `GET /data/assets/{target}/asset-asset-instances`: instances inside an asset, by asset.
pub fn asset_asset_instances(
    d: &Data,
    target_id: &str,
) -> Result<serde_json::Map<String, Value>, DataError> {
    let target = d.get(names::ASSETS, target_id)?;
    let instances = d.list(
        names::ASSET_INSTANCES,
        &[("target_asset_id", text(&target, "id"))],
    )?;
    Ok(by_asset(instances))
}
