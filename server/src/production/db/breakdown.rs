//! The breakdown as Kitsu's named routes shape it: assets made under a project and asset type,
//! episodes, sequences and shots made idempotently, lists and full entities with their
//! parents' names, an entity's tasks, and sharing. Casting and instances are in
//! [`super::casting`].

use super::data::{Data, Row, text};
use super::names::{self, ModelName};
use super::{DataError, ListQuery};
use rusqlite::OptionalExtension;
use serde_json::{Value, json};
use std::collections::HashMap;

pub(super) fn str_field<'b>(body: &'b Row, field: &str) -> Result<Option<&'b str>, DataError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(DataError::BadRequest(format!("`{field}` must be a string"))),
    }
}

fn required_name(body: &Row) -> Result<&str, DataError> {
    str_field(body, "name")?
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| DataError::BadRequest("`name` is required".into()))
}

/// Copies the optional fields Kitsu's creation schemas accept.
fn copy_optional(body: &Row, into: &mut Row, fields: &[&str]) {
    for field in fields {
        if let Some(value) = body.get(*field).filter(|v| !v.is_null()) {
            into.insert((*field).into(), value.clone());
        }
    }
}

/// `POST /data/projects/{p}/asset-types/{t}/assets/new`: an asset of that type; its episode
/// (`episode_id`) is kept as `source_id`, as Kitsu does.
pub fn new_asset(d: &Data, project_id: &str, type_id: &str, body: &Row) -> Result<Row, DataError> {
    d.get(names::PROJECTS, project_id)?;
    d.get(names::ASSET_TYPES, type_id)?;
    let mut made = json!({
        "name": required_name(body)?,
        "project_id": project_id,
        "entity_type_id": type_id,
    });
    let Value::Object(fields) = &mut made else {
        unreachable!("a literal object")
    };
    copy_optional(body, fields, &["description", "data", "is_shared"]);
    data_object(fields);
    if let Some(episode) = str_field(body, "episode_id")? {
        episode_in_project(d, episode, project_id)?;
        fields.insert("source_id".into(), Value::from(episode));
    }
    d.create(names::ASSETS, made)
}

/// Kitsu's pages read `data.fps`, `data.frame_in`… on every entity: an object, never null
/// (Zou makes it `{}` when a creation sends none).
fn data_object(fields: &mut Row) {
    if fields.get("data").is_none_or(Value::is_null) {
        fields.insert("data".into(), json!({}));
    }
}

pub(super) fn episode_in_project(
    d: &Data,
    episode: &str,
    project_id: &str,
) -> Result<Row, DataError> {
    let found = d.get(names::EPISODES, episode)?;
    if text(&found, "project_id") == project_id {
        Ok(found)
    } else {
        Err(DataError::NotFound(format!(
            "episode {episode} is not in project {project_id}"
        )))
    }
}

/// `POST /data/projects/{p}/episodes|sequences|shots|scenes|edits`: the existing one of
/// that name under the same parent, or a new one. Sequences and edits are made under
/// `episode_id`, shots and scenes under `sequence_id`.
pub fn new_temporal(
    d: &Data,
    project_id: &str,
    route: ModelName,
    body: &Row,
) -> Result<Row, DataError> {
    d.get(names::PROJECTS, project_id)?;
    let name = required_name(body)?;
    let parent = match route {
        names::SEQUENCES | names::EDITS => match str_field(body, "episode_id")? {
            Some(episode) => Some(episode_in_project(d, episode, project_id)?),
            None => None,
        },
        names::SHOTS | names::SCENES => match str_field(body, "sequence_id")? {
            Some(sequence) => {
                let found = d.get(names::SEQUENCES, sequence)?;
                if text(&found, "project_id") != project_id {
                    return Err(DataError::NotFound(format!(
                        "sequence {sequence} is not in project {project_id}"
                    )));
                }
                Some(found)
            }
            None => None,
        },
        _ => None,
    };
    let parent_id = parent.as_ref().map(|p| text(p, "id").to_owned());
    let existing = d.list(
        route,
        &[
            ("project_id", project_id),
            ("name", name),
            ("parent_id", parent_id.as_deref().unwrap_or("null")),
        ],
    )?;
    if let Some(found) = existing.into_iter().next() {
        return Ok(found);
    }
    let mut made = json!({"name": name, "project_id": project_id, "parent_id": parent_id});
    let Value::Object(fields) = &mut made else {
        unreachable!("a literal object")
    };
    copy_optional(
        body,
        fields,
        &["description", "data", "nb_frames", "status"],
    );
    data_object(fields);
    d.create(route, made)
}

/// Names of rows by id, read once per call.
fn names(
    d: &Data,
    table: &str,
    ids: impl Iterator<Item = String>,
) -> Result<HashMap<String, String>, DataError> {
    let mut found = HashMap::new();
    let mut stmt = d.conn.prepare_cached(&format!(
        "SELECT name FROM {table} WHERE {} = ?",
        id_column(table)
    ))?;
    for id in ids {
        if id.is_empty() || found.contains_key(&id) {
            continue;
        }
        if let Some(name) = stmt
            .query_row([&id], |r| r.get::<_, String>(0))
            .optional()?
        {
            found.insert(id, name);
        }
    }
    Ok(found)
}

fn id_column(table: &str) -> &'static str {
    if table == "projects" { "uuid" } else { "id" }
}

/// Adds `<prefix>_name` for the row's `<field>` (e.g. `project_name` for `project_id`).
pub fn add_names(
    d: &Data,
    rows: &mut [Row],
    field: &str,
    table: &str,
    name_field: &str,
) -> Result<(), DataError> {
    let found = names(d, table, rows.iter().map(|r| text(r, field).to_owned()))?;
    for row in rows.iter_mut() {
        let name = found.get(text(row, field)).cloned().unwrap_or_default();
        row.insert(name_field.into(), Value::from(name));
    }
    Ok(())
}

/// Adds the names Kitsu shows beside tasks: `project_name`, `task_type_name` and
/// `task_status_name`.
pub fn add_task_names(d: &Data, tasks: &mut [Row]) -> Result<(), DataError> {
    add_names(d, tasks, "project_id", "projects", "project_name")?;
    add_names(d, tasks, "task_type_id", "prod_task_type", "task_type_name")?;
    add_names(
        d,
        tasks,
        "task_status_id",
        "prod_task_status",
        "task_status_name",
    )
}

/// `GET /data/shots/all` and the shot lists: shots with `project_name` and `sequence_name`;
/// shots without a sequence are left out, as Kitsu's join does.
pub fn shots_with_names(d: &Data, query: &ListQuery) -> Result<Vec<Row>, DataError> {
    let mut shots: Vec<Row> = d
        .query(names::SHOTS, query)?
        .into_iter()
        .filter(|s| !text(s, "parent_id").is_empty())
        .collect();
    add_names(d, &mut shots, "project_id", "projects", "project_name")?;
    add_names(d, &mut shots, "parent_id", "prod_entity", "sequence_name")?;
    for shot in &mut shots {
        let sequence = text(shot, "parent_id").to_owned();
        shot.insert("sequence_id".into(), Value::from(sequence));
    }
    Ok(shots)
}

/// `GET /data/<kind>/{id}/tasks`: the entity's tasks with the names Kitsu adds.
pub fn entity_tasks(
    d: &Data,
    route: ModelName,
    entity_id: &str,
    relations: bool,
) -> Result<Vec<Row>, DataError> {
    let entity = d.get(route, entity_id)?;
    let query = ListQuery {
        relations,
        ..ListQuery::filtered(&[("entity_id", text(&entity, "id"))])
    };
    let mut tasks = d.query(names::TASKS, &query)?;
    add_task_names(d, &mut tasks)?;
    let type_name: String = d.conn.query_row(
        "SELECT name FROM prod_entity_type WHERE id = ?",
        [text(&entity, "entity_type_id")],
        |r| r.get(0),
    )?;
    for task in &mut tasks {
        task.insert("entity_type_name".into(), Value::from(type_name.as_str()));
        task.insert("entity_name".into(), entity["name"].clone());
    }
    Ok(tasks)
}

/// `POST /actions/projects/{p}/asset-types/{t}/assets/share`: shares (or unshares) every asset
/// of that type in the project; answers the assets changed.
pub fn share_assets(
    d: &Data,
    project_id: &str,
    type_id: &str,
    shared: bool,
) -> Result<Vec<Row>, DataError> {
    d.get(names::PROJECTS, project_id)?;
    d.get(names::ASSET_TYPES, type_id)?;
    let assets = d.list(
        names::ASSETS,
        &[("project_id", project_id), ("entity_type_id", type_id)],
    )?;
    assets
        .iter()
        .map(|a| d.update(names::ASSETS, text(a, "id"), json!({ "is_shared": shared })))
        .collect()
}

/// `POST /actions/projects/{p}/task-types/{tt}/{kind}/create-tasks` `{"entity_ids"?}`:
/// a task of this type (named `main`, in the studio's default status) on each entity of the
/// kind in the project (or on those named), skipping entities that have one; answers the
/// tasks made. Kitsu's "Add tasks" on a list and its production wizard.
pub fn create_tasks(
    d: &Data,
    project_id: &str,
    task_type_id: &str,
    kind: ModelName,
    body: &Row,
) -> Result<Vec<Row>, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    let project_id = text(&project, "id").to_owned();
    let task_type = d.get(names::TASK_TYPES, task_type_id)?;
    d.authorize_in_project(names::TASKS, &project_id)?;
    let status = d
        .find(names::TASK_STATUS, &[("is_default", "true")])?
        .ok_or_else(|| {
            DataError::BadRequest("the studio has no default task status to start tasks in".into())
        })?;
    let entities = match body.get("entity_ids") {
        None | Some(Value::Null) => d.list(kind, &[("project_id", &project_id)])?,
        Some(Value::Array(ids)) => {
            let mut found = Vec::with_capacity(ids.len());
            for id in ids {
                let id = id.as_str().ok_or_else(|| {
                    DataError::BadRequest("`entity_ids` is a list of entity ids".into())
                })?;
                let entity = d.get(kind, id)?;
                if text(&entity, "project_id") != project_id {
                    return Err(DataError::BadRequest(format!(
                        "{kind} {id} is not in this project"
                    )));
                }
                found.push(entity);
            }
            found
        }
        Some(_) => {
            return Err(DataError::BadRequest(
                "`entity_ids` is a list of entity ids".into(),
            ));
        }
    };
    let task_type_id = text(&task_type, "id");
    let mut made = Vec::new();
    for entity in &entities {
        let entity_id = text(entity, "id");
        let existing = d.find(
            names::TASKS,
            &[
                ("entity_id", entity_id),
                ("task_type_id", task_type_id),
                ("name", "main"),
            ],
        )?;
        if existing.is_some() {
            continue;
        }
        made.push(d.create(
            names::TASKS,
            json!({
                "name": "main",
                "project_id": project_id,
                "entity_id": entity_id,
                "task_type_id": task_type_id,
                "task_status_id": text(&status, "id"),
            }),
        )?);
    }
    Ok(made)
}

/// `POST /data/scenes/{scene}/shots` `{"shot_id"}`: the scene becomes the shot's source.
pub fn mark_scene_source(d: &Data, scene_id: &str, body: &Row) -> Result<Row, DataError> {
    let scene = d.get(names::SCENES, scene_id)?;
    let shot_id = str_field(body, "shot_id")?
        .ok_or_else(|| DataError::BadRequest("`shot_id` is required".into()))?;
    let shot = d.get(names::SHOTS, shot_id)?;
    d.update(
        names::SHOTS,
        text(&shot, "id"),
        json!({"source_id": text(&scene, "id")}),
    )
}

/// `GET /data/shots|sequences|episodes|assets/{id}` as Kitsu answers them: the entity with
/// its project's name, its parents' ids and names, a shot's frame range from `data`, an
/// asset's type, and the entity's tasks.
pub fn full_entity(d: &Data, route: ModelName, mut row: Row) -> Result<Row, DataError> {
    let project: String = d.conn.query_row(
        "SELECT name FROM projects WHERE uuid = ?",
        [text(&row, "project_id")],
        |r| r.get(0),
    )?;
    row.insert("project_name".into(), Value::from(project));
    let parent = |id: &str| -> Result<Option<(String, String, Option<String>)>, DataError> {
        if id.is_empty() {
            return Ok(None);
        }
        Ok(d.conn
            .query_row(
                "SELECT id, name, parent_id FROM prod_entity WHERE id = ?",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?)
    };
    match route {
        names::SHOTS => {
            let sequence = parent(text(&row, "parent_id"))?;
            let episode = match &sequence {
                Some((_, _, Some(episode))) => parent(episode)?,
                _ => None,
            };
            let (sequence_id, sequence_name) = sequence
                .map_or((Value::Null, String::new()), |(id, name, _)| {
                    (id.into(), name)
                });
            let (episode_id, episode_name) = episode
                .map_or((Value::Null, String::new()), |(id, name, _)| {
                    (id.into(), name)
                });
            let data = row.get("data").cloned().unwrap_or(Value::Null);
            for (field, value) in [
                ("sequence_id", sequence_id),
                ("sequence_name", Value::from(sequence_name)),
                ("episode_id", episode_id),
                ("episode_name", Value::from(episode_name)),
                (
                    "frame_in",
                    data.get("frame_in").cloned().unwrap_or(Value::Null),
                ),
                (
                    "frame_out",
                    data.get("frame_out").cloned().unwrap_or(Value::Null),
                ),
                ("fps", data.get("fps").cloned().unwrap_or(Value::Null)),
            ] {
                row.insert(field.into(), value);
            }
        }
        names::SEQUENCES | names::EDITS => {
            // An edit without an episode says so (gazu reads `episode_id` either way).
            let (id, name) = parent(text(&row, "parent_id"))?
                .map_or((Value::Null, String::new()), |(id, name, _)| {
                    (id.into(), name)
                });
            row.insert("episode_id".into(), id);
            row.insert("episode_name".into(), Value::from(name));
        }
        names::SCENES => {
            let (id, name) = parent(text(&row, "parent_id"))?
                .map_or((Value::Null, String::new()), |(id, name, _)| {
                    (id.into(), name)
                });
            row.insert("sequence_id".into(), id);
            row.insert("sequence_name".into(), Value::from(name));
        }
        names::ASSETS => {
            let type_name: String = d.conn.query_row(
                "SELECT name FROM prod_entity_type WHERE id = ?",
                [text(&row, "entity_type_id")],
                |r| r.get(0),
            )?;
            let episode = text(&row, "source_id").to_owned();
            row.insert("asset_type_id".into(), row["entity_type_id"].clone());
            row.insert("asset_type_name".into(), Value::from(type_name));
            row.insert("episode_id".into(), Value::from(episode));
        }
        _ => {}
    }
    // Its tasks as the with-tasks lists give them: Kitsu's shot and asset pages (and its
    // `shot:new`/`asset:new` handlers) count `assignees` and show `is_subscribed`.
    let id = text(&row, "id").to_owned();
    let query = ListQuery {
        relations: true,
        ..ListQuery::filtered(&[("entity_id", &id)])
    };
    let followed = super::tasks::followed_of_entity(d, &id)?;
    let mut tasks = Vec::new();
    for mut task in d.query(names::TASKS, &query)? {
        let subscribed = followed.contains(text(&task, "id"));
        task.insert("is_subscribed".into(), Value::from(subscribed));
        tasks.push(Value::Object(task));
    }
    row.insert("tasks".into(), Value::Array(tasks));
    Ok(row)
}

/// Rows of the generic `entities` model carry their base type, as Kitsu's `type` says it:
/// `Asset`, `Shot`, `Sequence`, `Episode`, `Scene`, `Edit` or `Concept`.
pub fn entity_kind(d: &Data, row: &mut Row) -> Result<(), DataError> {
    let name: Option<String> = d
        .conn
        .query_row(
            "SELECT name FROM prod_entity_type WHERE id = ?",
            [text(row, "entity_type_id")],
            |r| r.get(0),
        )
        .optional()?;
    let kind = match name {
        Some(n) if super::models::TEMPORAL_TYPES.contains(&n.as_str()) => n,
        _ => "Asset".to_owned(),
    };
    row.insert("type".into(), Value::from(kind));
    Ok(())
}
