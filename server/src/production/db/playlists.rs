//! Playlists as Kitsu's review room reads and fills them: one playlist with every preview of
//! its entries by task type (so the room can switch task type and revision), entities added
//! with their latest preview, and throw-away playlists built from selected tasks. Zou's
//! shapes (`get_playlist_with_preview_file_revisions`, `add_entities_to_playlist`,
//! `generate_temp_playlist`).

use super::DataError;
use super::data::{Data, Row, text};
use super::live::{Audience, LiveEvent};
use super::names;
use super::schema::now_text;
use drover_shared::Role;
use rusqlite::OptionalExtension;
use serde_json::{Map, Value, json};
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
enum Shape {
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
fn previews_by_task_type(
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

/// The entity an entry of a playlist's `shots` names (`id`, `shot_id` or `entity_id`).
fn entry_entity(entry: &Row) -> Option<String> {
    ["id", "shot_id", "entity_id"]
        .iter()
        .filter_map(|f| entry.get(*f).and_then(Value::as_str))
        .find(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Vendors review nothing of the production; clients only the playlists shared with them
/// (Zou's `check_playlist_read_access`).
fn may_read(d: &Data, playlist: &Row) -> Result<(), DataError> {
    match d.viewer.role {
        Role::Vendor => Err(DataError::Forbidden(
            "vendors do not watch the production's playlists".into(),
        )),
        Role::Client if playlist.get("for_client").and_then(Value::as_bool) != Some(true) => Err(
            DataError::Forbidden("this playlist is not shared with clients".into()),
        ),
        _ => Ok(()),
    }
}

/// `GET /data/projects/{p}/playlists/{id}`: one playlist of the project, each entry of its
/// `shots` with its preview's facts (`preview_file_extension`, `…_revision`, `…_previews`…)
/// and every preview of its entity by task type (`preview_files`), annotations left out
/// (the room loads them on demand); `build_jobs` is empty (no playlist movies are built).
pub fn project_playlist(d: &Data, project_id: &str, playlist_id: &str) -> Result<Row, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    // Refused before the id is looked up, so that a vendor learns nothing of the ids.
    if d.viewer.role == Role::Vendor {
        may_read(d, &project)?;
    }
    let playlist = d.get(names::PLAYLISTS, playlist_id)?;
    if text(&playlist, "project_id") != text(&project, "id") {
        return Err(DataError::NotFound(format!(
            "Playlist {playlist_id} not found"
        )));
    }
    may_read(d, &playlist)?;
    with_previews(d, playlist)
}

/// A playlist with its entries' previews (Zou's `get_playlist_with_preview_file_revisions`,
/// without annotations).
fn with_previews(d: &Data, mut playlist: Row) -> Result<Row, DataError> {
    let mut entries: Vec<Row> = playlist
        .get("shots")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| e.as_object().cloned())
        .collect();
    let mut entity_ids = Vec::new();
    for entry in &mut entries {
        if let Some(entity) = entry_entity(entry) {
            entry
                .entry("id")
                .or_insert_with(|| Value::from(entity.clone()));
            entity_ids.push(entity);
        }
    }
    let project = text(&playlist, "project_id").to_owned();
    let by_entity = previews_by_task_type(d, &project, &entity_ids, Shape::Light)?;
    // Every listed preview by id, its revision's other pictures included.
    let mut by_id: Map<String, Value> = Map::new();
    for by_type in by_entity.values().filter_map(Value::as_object) {
        for preview in by_type.values().filter_map(Value::as_array).flatten() {
            by_id.insert(text_of(preview, "id"), preview.clone());
            for picture in preview["previews"].as_array().into_iter().flatten() {
                by_id.insert(text_of(picture, "id"), picture.clone());
            }
        }
    }
    for entry in &mut entries {
        let pinned = entry.get("preview_file_id").and_then(Value::as_str);
        match pinned.and_then(|id| by_id.get(id)) {
            Some(preview) => {
                for field in [
                    "id",
                    "extension",
                    "revision",
                    "width",
                    "height",
                    "duration",
                    "status",
                    "task_id",
                ] {
                    entry.insert(
                        format!("preview_file_{field}"),
                        preview.get(field).cloned().unwrap_or(Value::Null),
                    );
                }
                entry.insert(
                    "preview_file_previews".into(),
                    preview
                        .get("previews")
                        .cloned()
                        .unwrap_or_else(|| Value::Array(Vec::new())),
                );
            }
            None => {
                entry.remove("preview_file_id");
            }
        }
        let previews = entry_entity(entry)
            .and_then(|e| by_entity.get(&e).cloned())
            .unwrap_or_else(|| Value::Array(Vec::new()));
        entry.insert("preview_files".into(), previews);
    }
    playlist.insert(
        "shots".into(),
        Value::Array(entries.into_iter().map(Value::Object).collect()),
    );
    playlist.insert("build_jobs".into(), Value::Array(Vec::new()));
    Ok(playlist)
}

fn text_of(value: &Value, field: &str) -> String {
    value
        .get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

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
    let on_team = super::on_team(d.conn, text(playlist, "project_id"), d.viewer.id)?;
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
                parent_id: if super::models::TEMPORAL_TYPES.contains(&kind.as_str()) {
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
        Some(p) if super::models::TEMPORAL_TYPES.contains(&entity.kind.as_str()) => named(d, p)?,
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
        (kind, _) if !super::models::TEMPORAL_TYPES.contains(&kind) => {
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
