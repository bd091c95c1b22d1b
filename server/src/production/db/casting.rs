//! Casting as Kitsu's routes shape it: which assets appear in a shot (or an asset, or an
//! episode) and how many times, the views of a project's, episode's or sequence's shots, and
//! asset instances — numbered copies of an asset placed in a shot or inside another asset.

use super::DataError;
use super::breakdown::{episode_in_project, str_field};
use super::data::{Data, Row, text};
use super::names;
use serde_json::{Value, json};

/// `GET /data/assets/{id}/assets`: the assets this asset is cast with (its links out), those
/// of projects the viewer is not on left out.
pub fn linked_assets(d: &Data, asset_id: &str) -> Result<Vec<Row>, DataError> {
    let asset = d.get(names::ASSETS, asset_id)?;
    let ids = linked_ids(d, text(&asset, "id"))?;
    visible_rows(d, names::ASSETS, &ids)
}

/// The rows of `route` with these ids that the viewer may read, in order: a list that
/// reaches across projects shows only what the viewer's own reads would.
pub(super) fn visible_rows(
    d: &Data,
    route: names::ModelName,
    ids: &[String],
) -> Result<Vec<Row>, DataError> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        match d.get(route, id) {
            Ok(row) => out.push(row),
            Err(DataError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// SQL that is true when `column` names a project the viewer may read, with its parameter
/// (`?2` in the statements here); managers and admins read every project.
fn readable(d: &Data, column: &str) -> String {
    if d.viewer.sees_all_projects() {
        "(?2 IS NOT NULL)".to_owned()
    } else {
        format!(
            "{column} IN (SELECT project_id FROM prod_project_person_link WHERE person_id = ?2)"
        )
    }
}

fn linked_ids(d: &Data, entity: &str) -> Result<Vec<String>, DataError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT entity_out_id FROM prod_entity_link WHERE entity_in_id = ? ORDER BY rowid",
    )?;
    let ids = stmt
        .query_map([entity], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(ids)
}

/// An entity of a project, or 404.
fn entity_of_project(d: &Data, project_id: &str, entity_id: &str) -> Result<Row, DataError> {
    let entity = d.get(names::ENTITIES, entity_id)?;
    if text(&entity, "project_id") == project_id {
        Ok(entity)
    } else {
        Err(DataError::NotFound(format!(
            "entity {entity_id} is not in project {project_id}"
        )))
    }
}

/// `GET /data/projects/{p}/entities/{e}/casting`: the assets cast in an entity, by asset type
/// and name; canceled assets are left out.
pub fn casting(d: &Data, project_id: &str, entity_id: &str) -> Result<Vec<Value>, DataError> {
    entity_of_project(d, project_id, entity_id)?;
    casting_of(d, entity_id)
}

/// `GET /data/shots/{id}/assets`: the assets cast in the shot, as its casting lists them.
pub fn shot_assets(d: &Data, shot_id: &str) -> Result<Vec<Value>, DataError> {
    let shot = d.get(names::SHOTS, shot_id)?;
    casting_of(d, text(&shot, "id"))
}

/// The assets cast in an entity; assets of projects the viewer is not on (shared ones
/// cast across projects) are left out.
fn casting_of(d: &Data, entity_id: &str) -> Result<Vec<Value>, DataError> {
    let mut stmt = d.conn.prepare_cached(&format!(
        "SELECT a.id, a.name, ty.name, a.ready_for, a.source_id, a.preview_file_id, \
                l.nb_occurences, l.label, a.is_shared, a.project_id \
         FROM prod_entity_link AS l \
         JOIN prod_entity AS a ON a.id = l.entity_out_id \
         JOIN prod_entity_type AS ty ON ty.id = a.entity_type_id \
         WHERE l.entity_in_id = ?1 AND a.canceled = 0 AND {} \
         ORDER BY ty.name, a.name",
        readable(d, "a.project_id")
    ))?;
    let rows = stmt
        .query_map(rusqlite::params![entity_id, d.viewer.id], |r| {
            Ok(json!({
                "asset_id": r.get::<_, String>(0)?,
                "asset_name": r.get::<_, String>(1)?,
                "name": r.get::<_, String>(1)?,
                "asset_type_name": r.get::<_, String>(2)?,
                "ready_for": r.get::<_, Option<String>>(3)?,
                "episode_id": r.get::<_, Option<String>>(4)?,
                "preview_file_id": r.get::<_, Option<String>>(5)?,
                "nb_occurences": r.get::<_, i64>(6)?,
                "label": r.get::<_, String>(7)?,
                "is_shared": r.get::<_, bool>(8)?,
                "project_id": r.get::<_, String>(9)?,
            }))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

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
    d.note_event(super::live::LiveEvent {
        name: format!("{kind}:casting-update"),
        data: json!({
            key: entity_id,
            "nb_entities_out": after.len(),
            "added_asset_ids": added,
            "removed_asset_ids": removed,
        }),
        audience: super::live::Audience::Project(text(entity, "project_id").to_owned()),
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
    let now = super::schema::now_text();
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

/// Which shots a shots-casting view covers.
pub enum ShotsOf<'a> {
    /// Every shot of the project.
    Project,
    /// The shots of an episode's sequences.
    Episode(&'a str),
    /// The shots of one sequence.
    Sequence(&'a str),
}

/// `GET /data/projects/{p}/sequences/all/casting` and the episode and sequence views: each
/// shot's casting, by shot id.
pub fn shots_casting(
    d: &Data,
    project_id: &str,
    of: &ShotsOf,
) -> Result<serde_json::Map<String, Value>, DataError> {
    d.get(names::PROJECTS, project_id)?;
    let sequences: Vec<String> = match of {
        ShotsOf::Project => d
            .list(names::SEQUENCES, &[("project_id", project_id)])?
            .iter()
            .map(|s| text(s, "id").to_owned())
            .collect(),
        ShotsOf::Episode(episode) => {
            episode_in_project(d, episode, project_id)?;
            d.list(names::SEQUENCES, &[("parent_id", episode)])?
                .iter()
                .map(|s| text(s, "id").to_owned())
                .collect()
        }
        ShotsOf::Sequence(sequence) => {
            vec![text(&d.get(names::SEQUENCES, sequence)?, "id").to_owned()]
        }
    };
    let mut out = serde_json::Map::new();
    for sequence in sequences {
        let sequence_name: String = d.conn.query_row(
            "SELECT name FROM prod_entity WHERE id = ?",
            [&sequence],
            |r| r.get(0),
        )?;
        for shot in d.list(names::SHOTS, &[("parent_id", &sequence)])? {
            let mut entries = casting_of(d, text(&shot, "id"))?;
            if entries.is_empty() {
                continue;
            }
            for entry in &mut entries {
                entry["sequence_name"] = Value::from(sequence_name.as_str());
            }
            out.insert(text(&shot, "id").to_owned(), Value::Array(entries));
        }
    }
    Ok(out)
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
    let now = super::schema::now_text();
    let mut out = serde_json::Map::new();
    for entity in entities {
        let entity = entity
            .as_str()
            .ok_or_else(|| DataError::BadRequest("`entity_ids` holds ids".into()))?;
        let entity = entity_of_project(d, project_id, entity)?;
        let entity_id = text(&entity, "id").to_owned();
        let before = linked_ids(d, &entity_id)?;
        // One link per entity and asset: the count and label of an existing one change.
        let changed = d.conn.execute(
            "UPDATE prod_entity_link SET nb_occurences = ?3, label = ?4, updated_at = ?5 \
             WHERE entity_in_id = ?1 AND entity_out_id = ?2",
            rusqlite::params![entity_id, asset_id, count, label, now],
        )?;
        if changed == 0 {
            insert_link(d, &entity_id, &asset_id, count, label, &now)?;
        }
        count_links(d, &entity_id, &now)?;
        casting_changed(d, &entity, &before)?;
        out.insert(entity_id.clone(), Value::Array(casting_of(d, &entity_id)?));
    }
    Ok(out)
}

/// `GET /data/projects/{p}/assets/shared-used` (and per episode): the assets other
/// productions share that this one casts in its shots, as far as the viewer may read them.
pub fn shared_assets_used(
    d: &Data,
    project_id: &str,
    episode_id: Option<&str>,
) -> Result<Vec<Row>, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    let project_id = text(&project, "id");
    let episode = match episode_id {
        None | Some("main" | "all") => None,
        Some(id) => Some(text(&episode_in_project(d, id, project_id)?, "id").to_owned()),
    };
    let mut stmt = d.conn.prepare_cached(
        "SELECT DISTINCT a.id FROM prod_entity AS a \
         JOIN prod_entity_link AS l ON l.entity_out_id = a.id \
         JOIN prod_entity AS s ON s.id = l.entity_in_id \
         JOIN prod_entity AS q ON q.id = s.parent_id \
         WHERE a.is_shared = 1 AND a.canceled = 0 AND a.project_id <> ?1 \
         AND s.project_id = ?1 AND (?2 IS NULL OR q.parent_id = ?2) ORDER BY a.name",
    )?;
    let ids = stmt
        .query_map(rusqlite::params![project_id, episode], |r| {
            r.get::<_, String>(0)
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    visible_rows(d, names::ASSETS, &ids)
}

/// Whose castings a grouped casting view lists.
pub enum CastingsOf<'a> {
    /// The project's episodes (the assets cast in each episode).
    Episodes,
    /// The project's assets of one type (the assets each is made of).
    AssetsOfType(&'a str),
}

/// `GET /data/projects/{p}/episodes/casting` and `…/asset-types/{t}/casting`: the casting of
/// each of the project's episodes, or of each asset of a type, by its id (those with none
/// are left out). Not for vendors, who see only their own tasks' work, as in Zou.
pub fn grouped_casting(
    d: &Data,
    project_id: &str,
    of: &CastingsOf,
) -> Result<serde_json::Map<String, Value>, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    let project_id = text(&project, "id");
    if d.viewer.role == drover_shared::Role::Vendor {
        return Err(DataError::Forbidden(
            "vendors do not see the breakdown's castings".into(),
        ));
    }
    let entities = match of {
        CastingsOf::Episodes => d.list(names::EPISODES, &[("project_id", project_id)])?,
        CastingsOf::AssetsOfType(type_id) => {
            let asset_type = d.get(names::ASSET_TYPES, type_id)?;
            d.list(
                names::ASSETS,
                &[
                    ("project_id", project_id),
                    ("entity_type_id", text(&asset_type, "id")),
                ],
            )?
        }
    };
    let mut out = serde_json::Map::new();
    for entity in entities {
        let entries = casting_of(d, text(&entity, "id"))?;
        if !entries.is_empty() {
            out.insert(text(&entity, "id").to_owned(), Value::Array(entries));
        }
    }
    Ok(out)
}

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

/// `GET /data/assets/{a}/cast-in`: the shots the asset is cast in (with their sequence and
/// episode), then the assets it is cast in; a shared asset is cast in other projects too,
/// and those the viewer is not on are left out.
pub fn cast_in(d: &Data, asset_id: &str) -> Result<Vec<Value>, DataError> {
    let asset = d.get(names::ASSETS, asset_id)?;
    let mut stmt = d.conn.prepare_cached(&format!(
        "SELECT e.id, e.name, ty.name, e.preview_file_id, l.nb_occurences, \
                sq.name, ep.id, ep.name \
         FROM prod_entity_link AS l \
         JOIN prod_entity AS e ON e.id = l.entity_in_id \
         JOIN prod_entity_type AS ty ON ty.id = e.entity_type_id \
         LEFT JOIN prod_entity AS sq ON sq.id = e.parent_id \
         LEFT JOIN prod_entity AS ep ON ep.id = sq.parent_id \
         WHERE l.entity_out_id = ?1 AND e.canceled = 0 AND {} \
         ORDER BY ty.name = 'Shot' DESC, sq.name, e.name",
        readable(d, "e.project_id")
    ))?;
    let rows = stmt
        .query_map(rusqlite::params![text(&asset, "id"), d.viewer.id], |r| {
            let kind: String = r.get(2)?;
            let (id, name, preview, count): (String, String, Option<String>, i64) =
                (r.get(0)?, r.get(1)?, r.get(3)?, r.get(4)?);
            Ok(if kind == "Shot" {
                json!({"shot_id": id, "shot_name": name, "sequence_name": r.get::<_, Option<String>>(5)?,
                       "episode_id": r.get::<_, Option<String>>(6)?,
                       "episode_name": r.get::<_, Option<String>>(7)?,
                       "preview_file_id": preview, "nb_occurences": count})
            } else {
                json!({"asset_id": id, "asset_name": name, "asset_type_name": kind,
                       "preview_file_id": preview, "nb_occurences": count})
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
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
