//! One stored playlist as the review room opens it: who may watch it, and each entry with
//! its pinned preview and every preview of its entity.

use super::may_read;
use super::previews::{Shape, previews_by_task_type};
use crate::production::db::DataError;
use crate::production::db::data::{Data, Row, text};
use crate::production::db::names;
use drover_shared::Role;
use serde_json::{Map, Value};

/// The entity an entry of a playlist's `shots` names (`id`, `shot_id` or `entity_id`).
fn entry_entity(entry: &Row) -> Option<String> {
    ["id", "shot_id", "entity_id"]
        .iter()
        .filter_map(|f| entry.get(*f).and_then(Value::as_str))
        .find(|s| !s.is_empty())
        .map(str::to_owned)
}

/// `GET /data/projects/{p}/playlists/{id}`: one playlist of the project, each entry of its
/// `shots` with its preview's facts (`preview_file_extension`, `…_revision`, `…_previews`…)
/// and every preview of its entity by task type (`preview_files`), annotations left out
/// (the room loads them on demand), and its movie builds (`build_jobs`), newest first.
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
    let builds = super::builds::of_playlist(d.conn, text(&playlist, "id"))?;
    playlist.insert("build_jobs".into(), Value::Array(builds));
    Ok(playlist)
}

fn text_of(value: &Value, field: &str) -> String {
    value
        .get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}
