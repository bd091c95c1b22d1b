//! The lists Kitsu's production screens are built from: a project's assets, shots,
//! sequences, episodes or edits, each with its tasks (`GET /data/<kind>/with-tasks`). Each
//! entity and each task is read as a row of values in a fixed field order ([`Fields`]), so
//! the same rows give Kitsu's plain JSON (an object per entity, `tasks` inside) and its
//! compact stream (a header naming the fields, then one array per entity), as Zou writes them.

use super::data::{Data, text};
use super::models::TEMPORAL_TYPES;
use super::{DataError, names};
use rusqlite::types::ValueRef;
use rusqlite::{ToSql, params_from_iter};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The kinds of entity that have a with-tasks list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Assets (every entity type but the temporal ones).
    Assets,
    /// Shots, with their sequence's and episode's names.
    Shots,
    /// Sequences.
    Sequences,
    /// Episodes.
    Episodes,
    /// Edits.
    Edits,
}

impl Kind {
    /// The header key naming the entity fields in the compact stream.
    pub fn fields_key(self) -> &'static str {
        match self {
            Self::Assets => "asset_fields",
            Self::Shots => "shot_fields",
            Self::Sequences => "sequence_fields",
            Self::Episodes => "episode_fields",
            Self::Edits => "edit_fields",
        }
    }
}

/// How a stored value is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Show {
    /// As stored (text, numbers, null).
    Plain,
    /// 0/1 as false/true.
    Bool,
    /// JSON text as its value.
    Json,
    /// As stored, but `""` for null (Zou's assets list writes ids so).
    EmptyIfNull,
}

/// An ordered list of fields and how each is shown.
struct Fields {
    names: &'static [&'static str],
    shows: &'static [Show],
}

use Show::{Bool, EmptyIfNull, Json, Plain};

const ASSET: Fields = Fields {
    names: &[
        "id",
        "name",
        "preview_file_id",
        "description",
        "asset_type_name",
        "asset_type_id",
        "canceled",
        "ready_for",
        "episode_id",
        "is_casting_standby",
        "is_shared",
        "data",
    ],
    shows: &[
        Plain,
        Plain,
        EmptyIfNull,
        Plain,
        Plain,
        Plain,
        Bool,
        Plain,
        EmptyIfNull,
        Bool,
        Bool,
        Json,
    ],
};
const ASSET_SQL: &str = "SELECT e.id, e.name, e.preview_file_id, e.description, t.name, \
    e.entity_type_id, e.canceled, e.ready_for, e.source_id, e.is_casting_standby, \
    e.is_shared, e.data \
    FROM prod_entity AS e JOIN prod_entity_type AS t ON t.id = e.entity_type_id \
    WHERE e.project_id = ?1 AND t.name NOT IN (SELECT value FROM json_each(?2)) \
    AND (?3 IS NULL OR (?3 = 'main' AND e.source_id IS NULL) OR e.source_id = ?3 \
         OR e.id IN (SELECT l.entity_out_id FROM prod_entity_link AS l \
                     JOIN prod_entity AS s ON s.id = l.entity_in_id \
                     JOIN prod_entity AS q ON q.id = s.parent_id WHERE q.parent_id = ?3)) \
    ORDER BY t.name, e.name";

const SHOT: Fields = Fields {
    names: &[
        "canceled",
        "data",
        "description",
        "entity_type_id",
        "episode_id",
        "episode_name",
        "fps",
        "frame_in",
        "frame_out",
        "id",
        "name",
        "nb_frames",
        "parent_id",
        "preview_file_id",
        "project_id",
        "project_name",
        "sequence_id",
        "sequence_name",
        "source_id",
        "nb_entities_out",
        "is_casting_standby",
        "type",
    ],
    shows: &[
        Bool, Json, Plain, Plain, Plain, Plain, Json, Json, Json, Plain, Plain, Plain, Plain,
        Plain, Plain, Plain, Plain, Plain, Plain, Plain, Bool, Plain,
    ],
};
const SHOT_SQL: &str = "SELECT e.canceled, e.data, e.description, e.entity_type_id, ep.id, \
    ep.name, json_quote(json_extract(e.data, '$.fps')), \
    json_quote(json_extract(e.data, '$.frame_in')), \
    json_quote(json_extract(e.data, '$.frame_out')), e.id, e.name, e.nb_frames, e.parent_id, \
    e.preview_file_id, e.project_id, p.name, sq.id, sq.name, e.source_id, e.nb_entities_out, \
    e.is_casting_standby, 'Shot' \
    FROM prod_entity AS e \
    JOIN projects AS p ON p.uuid = e.project_id \
    LEFT JOIN prod_entity AS sq ON sq.id = e.parent_id \
    LEFT JOIN prod_entity AS ep ON ep.id = sq.parent_id \
    WHERE e.project_id = ?1 \
    AND e.entity_type_id = (SELECT id FROM prod_entity_type WHERE name = 'Shot') \
    AND (?3 IS NULL OR sq.parent_id = ?3) \
    ORDER BY ep.name, sq.name, e.name";

/// Sequences, episodes and edits: the entity's own columns.
const OTHER: Fields = Fields {
    names: &[
        "id",
        "name",
        "description",
        "canceled",
        "data",
        "entity_type_id",
        "parent_id",
        "episode_id",
        "preview_file_id",
        "project_id",
        "nb_frames",
        "is_casting_standby",
        "type",
    ],
    shows: &[
        Plain, Plain, Plain, Bool, Json, Plain, Plain, Plain, Plain, Plain, Plain, Bool, Plain,
    ],
};
/// `?2` is the entity type's name; episodes have no parent to filter by.
const OTHER_SQL: &str = "SELECT e.id, e.name, e.description, e.canceled, e.data, \
    e.entity_type_id, e.parent_id, e.parent_id, e.preview_file_id, e.project_id, e.nb_frames, \
    e.is_casting_standby, ?2 \
    FROM prod_entity AS e \
    WHERE e.project_id = ?1 \
    AND e.entity_type_id = (SELECT id FROM prod_entity_type WHERE name = ?2) \
    AND (?3 IS NULL OR e.parent_id = ?3) \
    ORDER BY e.name";

const TASK: Fields = Fields {
    names: &[
        "id",
        "due_date",
        "done_date",
        "duration",
        "entity_id",
        "estimation",
        "end_date",
        "is_subscribed",
        "last_comment_date",
        "last_preview_file_id",
        "priority",
        "real_start_date",
        "retake_count",
        "start_date",
        "difficulty",
        "task_status_id",
        "task_type_id",
        "assignees",
        "data",
        "nb_assets_ready",
        "nb_drawings",
    ],
    shows: &[
        Plain, Plain, Plain, Plain, Plain, Plain, Plain, Bool, Plain, Plain, Plain, Plain, Plain,
        Plain, Plain, Plain, Plain, Json, Json, Plain, Plain,
    ],
};
/// Fields of a task that only shots' tasks carry (at the end of [`TASK`]).
const SHOT_TASK_ONLY: usize = 2;
const TASK_SQL: &str = "SELECT k.id, k.due_date, k.done_date, k.duration, k.entity_id, \
    k.estimation, k.end_date, \
    EXISTS (SELECT 1 FROM prod_subscription AS s WHERE s.task_id = k.id AND s.person_id = ?2), \
    k.last_comment_date, k.last_preview_file_id, k.priority, k.real_start_date, \
    k.retake_count, k.start_date, k.difficulty, k.task_status_id, k.task_type_id, \
    (SELECT json_group_array(a.person_id) FROM prod_task_person_link AS a \
     WHERE a.task_id = k.id), \
    k.data, k.nb_assets_ready, k.nb_drawings \
    FROM prod_task AS k WHERE k.project_id = ?1 \
    ORDER BY k.entity_id, k.task_type_id, k.name";

fn value(show: Show, stored: ValueRef<'_>) -> Value {
    match (show, stored) {
        (EmptyIfNull, ValueRef::Null) => Value::from(""),
        (_, ValueRef::Null | ValueRef::Blob(_)) => Value::Null,
        (Bool, ValueRef::Integer(i)) => Value::Bool(i != 0),
        (Json, ValueRef::Text(t)) => serde_json::from_slice(t).unwrap_or(Value::Null),
        (_, ValueRef::Integer(i)) => Value::from(i),
        (_, ValueRef::Real(f)) => Value::from(f),
        (_, ValueRef::Text(t)) => Value::from(String::from_utf8_lossy(t).into_owned()),
    }
}

/// An entity's values in its kind's field order, and its tasks' values in [`TASK`]'s.
pub struct Entity {
    /// The entity's values.
    pub values: Vec<Value>,
    /// Each task's values.
    pub tasks: Vec<Vec<Value>>,
}

/// A with-tasks list: its field names, then its entities.
pub struct WithTasks {
    /// Which list.
    pub kind: Kind,
    /// The entities' field names, `tasks` excluded.
    pub fields: Vec<&'static str>,
    /// The tasks' field names.
    pub task_fields: Vec<&'static str>,
    /// The entities, in Kitsu's order.
    pub entities: Vec<Entity>,
}

/// `GET /data/<kind>/with-tasks?project_id=P[&episode_id=E]`: the project's entities of a
/// kind with their tasks, for a person who may read the project (404 otherwise).
pub fn with_tasks(
    d: &Data,
    kind: Kind,
    project_id: &str,
    episode_id: Option<&str>,
) -> Result<WithTasks, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    let project_id = text(&project, "id").to_owned();
    let temporal =
        serde_json::to_string(TEMPORAL_TYPES).map_err(|e| DataError::BadRequest(e.to_string()))?;
    let (fields, sql, second): (&Fields, &str, &str) = match kind {
        Kind::Assets => (&ASSET, ASSET_SQL, &temporal),
        Kind::Shots => (&SHOT, SHOT_SQL, "Shot"),
        Kind::Sequences => (&OTHER, OTHER_SQL, "Sequence"),
        Kind::Episodes => (&OTHER, OTHER_SQL, "Episode"),
        Kind::Edits => (&OTHER, OTHER_SQL, "Edit"),
    };
    let params: [&dyn ToSql; 3] = [&project_id, &second, &episode_id];
    let mut entities = Vec::new();
    let mut index = HashMap::new();
    let id_at = fields.names.iter().position(|n| *n == "id").unwrap_or(0);
    {
        let mut stmt = d.conn.prepare_cached(sql)?;
        let mut rows = stmt.query(params_from_iter(params))?;
        while let Some(row) = rows.next()? {
            let mut values = Vec::with_capacity(fields.names.len());
            for (i, show) in fields.shows.iter().enumerate() {
                values.push(value(*show, row.get_ref(i)?));
            }
            if let Some(id) = values[id_at].as_str() {
                index.insert(id.to_owned(), entities.len());
            }
            entities.push(Entity {
                values,
                tasks: Vec::new(),
            });
        }
    }
    let task_count = if kind == Kind::Shots {
        TASK.names.len()
    } else {
        TASK.names.len() - SHOT_TASK_ONLY
    };
    let entity_at = TASK
        .names
        .iter()
        .position(|n| *n == "entity_id")
        .unwrap_or(0);
    let me = d.viewer.id.to_string();
    let mut stmt = d.conn.prepare_cached(TASK_SQL)?;
    let mut rows = stmt.query([&project_id, &me])?;
    while let Some(row) = rows.next()? {
        let entity: Option<String> = row.get(entity_at)?;
        let Some(&at) = entity.as_ref().and_then(|e| index.get(e)) else {
            continue;
        };
        let mut values = Vec::with_capacity(task_count);
        for (i, show) in TASK.shows[..task_count].iter().enumerate() {
            values.push(value(*show, row.get_ref(i)?));
        }
        entities[at].tasks.push(values);
    }
    if kind == Kind::Assets {
        add_casting_episodes(d, &project_id, &mut entities, &index)?;
    }
    let mut names = fields.names.to_vec();
    if kind == Kind::Assets {
        names.push("casting_episode_ids");
    }
    Ok(WithTasks {
        kind,
        fields: names,
        task_fields: TASK.names[..task_count].to_vec(),
        entities,
    })
}

/// Appends to each asset the episodes it is cast in (through the shots of their sequences).
fn add_casting_episodes(
    d: &Data,
    project_id: &str,
    entities: &mut [Entity],
    index: &HashMap<String, usize>,
) -> Result<(), DataError> {
    let mut episodes: Vec<Vec<Value>> = vec![Vec::new(); entities.len()];
    let mut stmt = d.conn.prepare_cached(
        "SELECT DISTINCT l.entity_out_id, q.parent_id FROM prod_entity_link AS l \
         JOIN prod_entity AS s ON s.id = l.entity_in_id \
         JOIN prod_entity AS q ON q.id = s.parent_id \
         WHERE s.project_id = ? AND q.parent_id IS NOT NULL \
         ORDER BY q.parent_id",
    )?;
    let mut rows = stmt.query([project_id])?;
    while let Some(row) = rows.next()? {
        let asset: String = row.get(0)?;
        if let Some(&at) = index.get(&asset) {
            episodes[at].push(Value::from(row.get::<_, String>(1)?));
        }
    }
    for (entity, cast_in) in entities.iter_mut().zip(episodes) {
        entity.values.push(Value::Array(cast_in));
    }
    Ok(())
}

impl WithTasks {
    /// Kitsu's plain form: an object per entity with a `tasks` list of task objects.
    pub fn objects(&self) -> Vec<Value> {
        self.entities.iter().map(|e| self.object(e)).collect()
    }

    fn object(&self, entity: &Entity) -> Value {
        let mut object: Map<String, Value> = self
            .fields
            .iter()
            .zip(&entity.values)
            .map(|(name, value)| ((*name).to_owned(), value.clone()))
            .collect();
        let tasks = entity
            .tasks
            .iter()
            .map(|task| {
                Value::Object(
                    self.task_fields
                        .iter()
                        .zip(task)
                        .map(|(name, value)| ((*name).to_owned(), value.clone()))
                        .collect(),
                )
            })
            .collect();
        object.insert("tasks".into(), Value::Array(tasks));
        Value::Object(object)
    }

    /// Zou's streamed form, one JSON value per line: with `compact`, a header naming the
    /// fields, then each entity as an array in that order (its tasks as arrays in the task
    /// fields' order); without, each entity as an object.
    pub fn ndjson(&self, compact: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let mut line = |value: &Value| {
            // Writing into a Vec cannot fail.
            let _ = serde_json::to_writer(&mut out, value);
            out.push(b'\n');
        };
        if compact {
            let mut fields: Vec<Value> = self.fields.iter().map(|f| Value::from(*f)).collect();
            fields.push(Value::from("tasks"));
            let mut header = Map::new();
            header.insert("compact".into(), Value::Bool(true));
            header.insert(self.kind.fields_key().into(), Value::Array(fields));
            header.insert("task_fields".into(), Value::from(self.task_fields.clone()));
            line(&Value::Object(header));
            for entity in &self.entities {
                let mut values = entity.values.clone();
                values.push(Value::Array(
                    entity
                        .tasks
                        .iter()
                        .map(|t| Value::Array(t.clone()))
                        .collect(),
                ));
                line(&Value::Array(values));
            }
        } else {
            for entity in &self.entities {
                line(&self.object(entity));
            }
        }
        out
    }
}
