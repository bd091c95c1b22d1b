//! Throw-away playlists (`POST /data/projects/{p}/playlists/temp`): entries built from
//! selected tasks or entities, with their parents' names and previews, stored nowhere.

use super::previews::{Shape, previews_by_task_type};
use crate::production::db::DataError;
use crate::production::db::data::{Data, Row, text};
use crate::production::db::models::TEMPORAL_TYPES;
use crate::production::db::names;
use rusqlite::OptionalExtension;
use serde_json::Value;

/// A list of ids in a body field (absent: none); 400 when it is not one.
fn id_list(body: &Row, field: &str) -> Result<Vec<String>, DataError> {
    let malformed = || DataError::BadRequest(format!("`{field}` must be a list of ids"));
    match body.get(field) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(list)) => list
            .iter()
            .map(|v| {
                v.as_str()
                    .and_then(|s| uuid::Uuid::parse_str(s).ok())
                    .map(|u| u.hyphenated().to_string())
                    .ok_or_else(malformed)
            })
            .collect(),
        Some(_) => Err(malformed()),
    }
}

/// `POST /data/projects/{p}/playlists/temp` `{task_ids, entity_ids}` (`?sort=true` sorts by
/// episode, sequence, asset type and name): a playlist's entries built from tasks, stored
/// nowhere. An entity given stands for its most recently reviewed task with a preview.
pub fn temp_playlist(
    d: &Data,
    project_id: &str,
    body: &Row,
    sort: bool,
) -> Result<Vec<Value>, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    let project = text(&project, "id").to_owned();
    let mut task_ids = id_list(body, "task_ids")?;
    for entity in id_list(body, "entity_ids")? {
        let task: Option<String> = d
            .conn
            .prepare_cached(
                "SELECT id FROM prod_task WHERE entity_id = ? AND project_id = ? \
                 AND last_preview_file_id IS NOT NULL \
                 ORDER BY last_comment_date DESC LIMIT 1",
            )?
            .query_row([&entity, &project], |r| r.get(0))
            .optional()?;
        task_ids.extend(task);
    }
    let mut tasks = Vec::new();
    for id in &task_ids {
        let task = d.get(names::TASKS, id)?;
        if text(&task, "project_id") != project {
            return Err(DataError::BadRequest(format!(
                "task {id} is not in this project"
            )));
        }
        tasks.push(task);
    }
    let Some(first) = tasks.first() else {
        return Ok(Vec::new());
    };
    let links = task_type_links(d, &project, text(first, "entity_id"))?;
    let mut entries = tasks
        .iter()
        .map(|task| temp_entry(d, &project, task, &links))
        .collect::<Result<Vec<_>, _>>()?;
    if sort {
        let key = |e: &Row| {
            ["episode_name", "sequence_name", "asset_type_name", "name"]
                .map(|f| text(e, f).to_owned())
        };
        entries.sort_by_key(key);
    }
    Ok(entries.into_iter().map(Value::Object).collect())
}

/// The project's task types for the kind of `entity` (`Shot`, `Sequence`…, or `Asset`),
/// highest priority first.
fn task_type_links(d: &Data, project: &str, entity: &str) -> Result<Vec<String>, DataError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT l.task_type_id FROM prod_project_task_type_link AS l \
         JOIN prod_task_type AS y ON y.id = l.task_type_id \
         WHERE l.project_id = ?1 AND y.for_entity = ( \
             SELECT CASE WHEN t.name IN ('Shot', 'Sequence', 'Episode', 'Edit', 'Scene', \
                                         'Concept') \
                    THEN t.name ELSE 'Asset' END \
             FROM prod_entity AS e JOIN prod_entity_type AS t ON t.id = e.entity_type_id \
             WHERE e.id = ?2) \
         ORDER BY l.priority DESC",
    )?;
    let found = stmt
        .query_map([project, entity], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(found)
}

/// An entity's name, type name, parent and the parent's name.
struct Named {
    id: String,
    name: String,
    kind: String,
    parent_id: Option<String>,
}

fn named(d: &Data, id: &str) -> Result<Option<Named>, DataError> {
    Ok(d.conn
        .prepare_cached(
            "SELECT e.id, e.name, t.name, e.parent_id, e.entity_type_id FROM prod_entity AS e \
             JOIN prod_entity_type AS t ON t.id = e.entity_type_id WHERE e.id = ?",
        )?
        .query_row([id], |r| {
            let kind: String = r.get(2)?;
            let type_id: String = r.get(4)?;
            Ok(Named {
                id: r.get(0)?,
                name: r.get(1)?,
                parent_id: if TEMPORAL_TYPES.contains(&kind.as_str()) {
                    r.get(3)?
                } else {
                    // An asset's parent, as a playlist shows it, is its type.
                    Some(type_id)
                },
                kind,
            })
        })
        .optional()?)
}

/// The name of an asset type.
fn type_name(d: &Data, id: &str) -> Result<String, DataError> {
    Ok(d.conn
        .prepare_cached("SELECT name FROM prod_entity_type WHERE id = ?")?
        .query_row([id], |r| r.get(0))
        .optional()?
        .unwrap_or_default())
}

/// One throw-away entry (Zou's `generate_playlisted_entity_from_task`): the entity, its
/// parent's names, the preview of the task's type (or of the first of the project's task
/// types that has one) and every preview of the entity by task type.
fn temp_entry(d: &Data, project: &str, task: &Row, links: &[String]) -> Result<Row, DataError> {
    let entity_id = text(task, "entity_id");
    let entity = named(d, entity_id)?
        .ok_or_else(|| DataError::NotFound(format!("Entity {entity_id} not found")))?;
    let mut entry = Row::new();
    entry.insert("id".into(), Value::from(entity.id.clone()));
    entry.insert("name".into(), Value::from(entity.name.clone()));
    entry.insert("preview_file_task_id".into(), Value::from(text(task, "id")));
    for field in [
        "parent_name",
        "episode_id",
        "episode_name",
        "sequence_id",
        "sequence_name",
        "asset_type_id",
        "asset_type_name",
    ] {
        entry.insert(field.into(), Value::from(""));
    }
    let parent = match &entity.parent_id {
        Some(p) if TEMPORAL_TYPES.contains(&entity.kind.as_str()) => named(d, p)?,
        _ => None,
    };
    let mut set = |prefix: &str, id: &str, name: &str| {
        entry.insert("parent_name".into(), Value::from(name));
        entry.insert(format!("{prefix}_id"), Value::from(id));
        entry.insert(format!("{prefix}_name"), Value::from(name));
    };
    match (entity.kind.as_str(), parent) {
        ("Shot", Some(sequence)) => set("sequence", &sequence.id, &sequence.name),
        ("Sequence" | "Edit", Some(episode)) if episode.kind == "Episode" => {
            set("episode", &episode.id, &episode.name);
        }
        (kind, _) if !TEMPORAL_TYPES.contains(&kind) => {
            if let Some(asset_type) = &entity.parent_id {
                set("asset_type", asset_type, &type_name(d, asset_type)?);
            }
        }
        _ => {}
    }
    let previews =
        previews_by_task_type(d, project, std::slice::from_ref(&entity.id), Shape::Full)?
            .remove(&entity.id)
            .and_then(|v| match v {
                Value::Object(m) => Some(m),
                _ => None,
            })
            .unwrap_or_default();
    let first_of = |task_type: &str| {
        previews
            .get(task_type)
            .and_then(Value::as_array)
            .and_then(|l| l.first())
            .cloned()
    };
    let chosen = first_of(text(task, "task_type_id")).or_else(|| {
        links
            .iter()
            .find(|t| previews.contains_key(t.as_str()))
            .and_then(|t| first_of(t))
    });
    if let Some(preview) = chosen {
        for field in [
            "id",
            "extension",
            "width",
            "height",
            "duration",
            "revision",
            "status",
        ] {
            entry.insert(
                format!("preview_file_{field}"),
                preview.get(field).cloned().unwrap_or(Value::Null),
            );
        }
        let annotations = match preview.get("annotations") {
            None | Some(Value::Null) => Value::Array(Vec::new()),
            Some(a) => a.clone(),
        };
        entry.insert("preview_file_annotations".into(), annotations);
        entry.insert(
            "preview_file_previews".into(),
            preview.get("previews").cloned().unwrap_or(Value::Null),
        );
    }
    entry.insert("preview_files".into(), Value::Object(previews));
    Ok(entry)
}
