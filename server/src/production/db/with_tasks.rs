//! The lists Kitsu's production screens are built from: a project's assets, shots,
//! sequences, episodes or edits, each with its tasks (`GET /data/<kind>/with-tasks`). Each
//! entity and each task is read as a row of values in a fixed field order ([`Fields`]), so
//! the same rows give Kitsu's plain JSON (an object per entity, `tasks` inside) and its
//! compact stream (a header naming the fields, then one array per entity), as Zou writes them.
//! The answer is written as JSON bytes straight from SQLite's values: no `serde_json` tree
//! per row, whose building and dropping was most of the time of such lists.

use super::data::{Data, text};
use super::models::TEMPORAL_TYPES;
use super::schema::write_str;
use super::{DataError, names};
use rusqlite::types::ValueRef;
use rusqlite::{ToSql, params_from_iter};
use std::collections::HashMap;

/// The kinds of entity that have a with-tasks list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    /// Concepts (concept art, whose tasks are reviewed like any other).
    Concepts,
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
            Self::Concepts => "concept_fields",
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

/// Concepts: as [`OTHER`], with the entities each is linked to (Kitsu's concept cards).
const CONCEPT: Fields = Fields {
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
        "entity_concept_links",
    ],
    shows: &[
        Plain, Plain, Plain, Bool, Json, Plain, Plain, Plain, Plain, Plain, Plain, Bool, Plain,
        Json,
    ],
};
const CONCEPT_SQL: &str = "SELECT e.id, e.name, e.description, e.canceled, e.data, \
    e.entity_type_id, e.parent_id, e.parent_id, e.preview_file_id, e.project_id, e.nb_frames, \
    e.is_casting_standby, ?2, \
    (SELECT json_group_array(l.entity_out_id) FROM prod_entity_concept_link AS l \
     WHERE l.entity_in_id = e.id) \
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
    AND (?3 = 0 OR EXISTS (SELECT 1 FROM prod_task_person_link AS v \
                           WHERE v.task_id = k.id AND v.person_id = ?2)) \
    ORDER BY k.entity_id, k.task_type_id, k.name";

/// Writes a stored value as JSON, shown as `show` says, without building a `Value`.
fn write_value(show: Show, stored: ValueRef<'_>, out: &mut Vec<u8>) {
    match (show, stored) {
        (EmptyIfNull, ValueRef::Null) => out.extend_from_slice(b"\"\""),
        (_, ValueRef::Null | ValueRef::Blob(_)) => out.extend_from_slice(b"null"),
        (Bool, ValueRef::Integer(i)) => {
            out.extend_from_slice(if i == 0 { b"false" } else { b"true" });
        }
        (Json, ValueRef::Text(t)) => {
            // Stored JSON is written as it is, once checked to be JSON (without building it).
            if serde_json::from_slice::<serde::de::IgnoredAny>(t).is_ok() {
                out.extend_from_slice(t);
            } else {
                out.extend_from_slice(b"null");
            }
        }
        (_, ValueRef::Integer(i)) => {
            // Writing into a Vec cannot fail.
            let _ = serde_json::to_writer(&mut *out, &i);
        }
        (_, ValueRef::Real(f)) => {
            let _ = serde_json::to_writer(&mut *out, &serde_json::Value::from(f));
        }
        (_, ValueRef::Text(t)) => write_str(&String::from_utf8_lossy(t), out),
    }
}

/// How a with-tasks list is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Form {
    /// A JSON list of entity objects, each with its `tasks` objects.
    Plain,
    /// NDJSON, an entity per line: objects, or with `compact` a header naming the fields
    /// and then arrays in their order (Zou's stream).
    Stream {
        /// Arrays after a header instead of objects.
        compact: bool,
    },
}

impl Form {
    fn compact(self) -> bool {
        self == Self::Stream { compact: true }
    }
}

/// Writes one row's values (the first `count` of `fields`) as an array's items or an
/// object's members, without the brackets.
fn write_fields(
    row: &rusqlite::Row<'_>,
    fields: &Fields,
    count: usize,
    compact: bool,
    out: &mut Vec<u8>,
) -> rusqlite::Result<()> {
    for i in 0..count {
        if i > 0 {
            out.push(b',');
        }
        if !compact {
            write_str(fields.names[i], out);
            out.push(b':');
        }
        write_value(fields.shows[i], row.get_ref(i)?, out);
    }
    Ok(())
}

/// One entity read so far: its fields written, its tasks and casting to come.
struct Written {
    head: Vec<u8>,
    tasks: Vec<u8>,
    casting: Vec<String>,
}

/// `GET /data/<kind>/with-tasks?project_id=P[&episode_id=E]`: the project's entities of a
/// kind with their tasks, for a person who may read the project (404 otherwise; a vendor
/// gets only the entities with a task of theirs, and only those tasks), written
/// as JSON bytes in the form asked for straight from the rows (no value tree is built).
pub fn with_tasks(
    d: &Data,
    kind: Kind,
    project_id: &str,
    episode_id: Option<&str>,
    form: Form,
) -> Result<Vec<u8>, DataError> {
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
        Kind::Concepts => (&CONCEPT, CONCEPT_SQL, "Concept"),
    };
    let compact = form.compact();
    let params: [&dyn ToSql; 3] = [&project_id, &second, &episode_id];
    let id_at = fields.names.iter().position(|n| *n == "id").unwrap_or(0);
    let mut entities: Vec<Written> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    {
        let mut stmt = d.conn.prepare_cached(sql)?;
        let mut rows = stmt.query(params_from_iter(params))?;
        while let Some(row) = rows.next()? {
            let mut head = Vec::with_capacity(512);
            write_fields(row, fields, fields.names.len(), compact, &mut head)?;
            if let ValueRef::Text(id) = row.get_ref(id_at)? {
                index.insert(String::from_utf8_lossy(id).into_owned(), entities.len());
            }
            entities.push(Written {
                head,
                tasks: Vec::new(),
                casting: Vec::new(),
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
    // Vendors see their own tasks, and only the entities they have one on, as in Zou.
    let own_only = d.viewer.role == drover_shared::Role::Vendor;
    {
        let mut stmt = d.conn.prepare_cached(TASK_SQL)?;
        let mut rows = stmt.query(rusqlite::params![project_id, me, own_only])?;
        while let Some(row) = rows.next()? {
            let at = match row.get_ref(entity_at)? {
                ValueRef::Text(entity) => std::str::from_utf8(entity)
                    .ok()
                    .and_then(|e| index.get(e))
                    .copied(),
                _ => None,
            };
            let Some(at) = at else { continue };
            let tasks = &mut entities[at].tasks;
            if !tasks.is_empty() {
                tasks.push(b',');
            }
            tasks.push(if compact { b'[' } else { b'{' });
            write_fields(row, &TASK, task_count, compact, tasks)?;
            tasks.push(if compact { b']' } else { b'}' });
        }
    }
    if kind == Kind::Assets {
        for (asset, episode) in casting_episodes(d, &project_id)? {
            if let Some(&at) = index.get(&asset) {
                entities[at].casting.push(episode);
            }
        }
    }
    if own_only {
        entities.retain(|e| !e.tasks.is_empty());
    }
    let mut out = Vec::with_capacity(
        entities
            .iter()
            .map(|e| e.head.len() + e.tasks.len() + 32)
            .sum(),
    );
    if compact {
        let mut names: Vec<&str> = fields.names.to_vec();
        if kind == Kind::Assets {
            names.push("casting_episode_ids");
        }
        names.push("tasks");
        let header = serde_json::json!({
            "compact": true,
            kind.fields_key(): names,
            "task_fields": &TASK.names[..task_count],
        });
        let _ = serde_json::to_writer(&mut out, &header);
        out.push(b'\n');
    } else if form == Form::Plain {
        out.push(b'[');
    }
    for (n, entity) in entities.iter().enumerate() {
        if form == Form::Plain && n > 0 {
            out.push(b',');
        }
        out.push(if compact { b'[' } else { b'{' });
        out.extend_from_slice(&entity.head);
        if kind == Kind::Assets {
            out.push(b',');
            if !compact {
                out.extend_from_slice(b"\"casting_episode_ids\":");
            }
            let _ = serde_json::to_writer(&mut out, &entity.casting);
        }
        out.push(b',');
        if !compact {
            out.extend_from_slice(b"\"tasks\":");
        }
        out.push(b'[');
        out.extend_from_slice(&entity.tasks);
        out.push(b']');
        out.push(if compact { b']' } else { b'}' });
        if form != Form::Plain {
            out.push(b'\n');
        }
    }
    if form == Form::Plain {
        out.push(b']');
    }
    Ok(out)
}

/// `(asset, episode)` for each episode an asset is cast in (through the shots of its
/// sequences), episodes in order.
fn casting_episodes(d: &Data, project_id: &str) -> Result<Vec<(String, String)>, DataError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT DISTINCT l.entity_out_id, q.parent_id FROM prod_entity_link AS l \
         JOIN prod_entity AS s ON s.id = l.entity_in_id \
         JOIN prod_entity AS q ON q.id = s.parent_id \
         WHERE s.project_id = ? AND q.parent_id IS NOT NULL \
         ORDER BY q.parent_id",
    )?;
    let found = stmt
        .query_map([project_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(found)
}
