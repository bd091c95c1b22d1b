//! Casting as Kitsu's routes shape it: which assets appear in a shot (or an asset, or an
//! episode) and how many times, the views of a project's, episode's or sequence's shots, and
//! asset instances — numbered copies of an asset placed in a shot or inside another asset.
//! Here: the castings as read; changes in [`edit`], instances in [`instances`].

mod edit;
mod instances;

pub use edit::{Link, add_links, cast_asset, set_casting, set_castings};
pub use instances::{
    add_shot_asset_instance, asset_asset_instances, asset_instances_by_place,
    new_asset_asset_instance, remove_shot_asset_instance, scene_asset_instances, scene_shots,
    sequence_scenes, shot_asset_instances, slug,
};

use super::DataError;
use super::breakdown::episode_in_project;
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
