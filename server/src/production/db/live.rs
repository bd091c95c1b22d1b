//! What a production write tells Kitsu's open pages: one [`LiveEvent`] per row made, changed
//! or removed, named and shaped as Zou's event server sends them (`asset:update`
//! `{asset_id, project_id}`, `comment:new` `{comment_id, task_id, task_status_id,
//! project_id}`…), with whom it is for: a project's readers, one person, or everyone. The
//! writes collect them in their [`super::Data`]; they are sent once the write has committed
//! (see `crate::production::live`).

use super::access::project_of;
use super::models::{Model, Scope, TEMPORAL_TYPES};
use super::present::{Row, text};
use rusqlite::{Connection, OptionalExtension};
use serde_json::{Map, Value};

/// Who an event is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Everyone who may read the project (its team, managers and admins).
    Project(String),
    /// One person (their notifications, filters).
    Person(String),
    /// Everyone logged in (studio-wide reference data: people, task types, statuses…).
    Everyone,
}

/// One event for Kitsu's web front end.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveEvent {
    /// Its name, `<model>:<new|update|delete>` or a special one.
    pub name: String,
    /// Its payload.
    pub data: Value,
    /// Who may receive it.
    pub audience: Audience,
}

/// What happened to a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Made.
    New,
    /// Changed.
    Update,
    /// Removed.
    Delete,
}

impl Change {
    fn word(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Update => "update",
            Self::Delete => "delete",
        }
    }
}

/// `TaskType` → `task-type`, as Zou names events.
fn kebab(kind: &str) -> String {
    let mut out = String::with_capacity(kind.len() + 4);
    for (i, c) in kind.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The event kind of an entity row read through the generic `entities` model: its own type
/// (`shot`, `sequence`…), or `asset` for any asset type.
fn entity_kind(conn: &Connection, row: &Row) -> rusqlite::Result<String> {
    let type_name: Option<String> = conn
        .query_row(
            "SELECT name FROM prod_entity_type WHERE id = ?",
            [text(row, "entity_type_id")],
            |r| r.get(0),
        )
        .optional()?;
    Ok(match type_name {
        Some(name) if TEMPORAL_TYPES.contains(&name.as_str()) => name.to_ascii_lowercase(),
        _ => "asset".into(),
    })
}

/// The event a row's change makes, as its model and the row (as shown) say.
pub fn row_event(
    conn: &Connection,
    model: &Model,
    change: Change,
    row: &Row,
) -> rusqlite::Result<LiveEvent> {
    let kind = if model.kind == "Entity" {
        entity_kind(conn, row)?
    } else {
        kebab(model.kind)
    };
    let id = text(row, "id").to_owned();
    let value = |column: &str| {
        let field = if column == model.id_column {
            "id"
        } else {
            column
        };
        row.get(field).and_then(Value::as_str).map(str::to_owned)
    };
    let project = project_of(conn, model, value)?;
    let mut data = Map::new();
    data.insert(format!("{}_id", kind.replace('-', "_")), Value::from(id));
    match kind.as_str() {
        "comment" => {
            data.insert("task_id".into(), Value::from(text(row, "object_id")));
            data.insert(
                "task_status_id".into(),
                Value::from(text(row, "task_status_id")),
            );
        }
        "notification" => {
            data.insert("person_id".into(), Value::from(text(row, "person_id")));
        }
        "shot" | "sequence" | "edit" => {
            let parent = row.get("parent_id").and_then(Value::as_str);
            if let Some(parent) = parent {
                data.insert("parent_id".into(), Value::from(parent));
            }
            // Kitsu's lists of a TV show take a new row only for the episode open, as Zou
            // names it: a sequence's or edit's parent, a shot's sequence's parent.
            let episode = match (kind.as_str(), parent) {
                ("shot", Some(sequence)) => conn
                    .query_row(
                        "SELECT parent_id FROM prod_entity WHERE id = ?",
                        [sequence],
                        |r| r.get::<_, Option<String>>(0),
                    )
                    .optional()?
                    .flatten(),
                ("shot", None) => None,
                (_, parent) => parent.map(str::to_owned),
            };
            data.insert(
                "episode_id".into(),
                episode.map_or(Value::Null, Value::from),
            );
        }
        _ => {}
    }
    if let Some(project) = &project {
        data.insert("project_id".into(), Value::from(project.as_str()));
    }
    let audience = match (model.scope, project) {
        (Scope::Person, _) => Audience::Person(text(row, "person_id").to_owned()),
        (_, Some(project)) => Audience::Project(project),
        (_, None) => Audience::Everyone,
    };
    Ok(LiveEvent {
        name: format!("{kind}:{}", change.word()),
        data: Value::Object(data),
        audience,
    })
}

/// `task:assign` (or `task:unassign`) `{task_id, person_id, project_id}`, for the project.
pub fn task_assignment(task: &str, person: &str, project: &str, assigned: bool) -> LiveEvent {
    LiveEvent {
        name: if assigned {
            "task:assign"
        } else {
            "task:unassign"
        }
        .into(),
        data: serde_json::json!({"task_id": task, "person_id": person, "project_id": project}),
        audience: Audience::Project(project.to_owned()),
    }
}

/// `notification:new` `{notification_id, person_id}`, for that person alone.
pub fn notification(notification: &str, person: &str) -> LiveEvent {
    LiveEvent {
        name: "notification:new".into(),
        data: serde_json::json!({"notification_id": notification, "person_id": person}),
        audience: Audience::Person(person.to_owned()),
    }
}

/// Every team link, as `(person id, project id)`: whose sockets hear which project.
pub fn team_links(conn: &Connection) -> rusqlite::Result<Vec<(String, String)>> {
    let mut stmt =
        conn.prepare_cached("SELECT person_id, project_id FROM prod_project_person_link")?;
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

/// Whether a person reads the production a playlist belongs to (the review room's check):
/// managers and admins every one, others their teams'. False for no such playlist.
pub fn playlist_readable_by(
    conn: &Connection,
    playlist: &str,
    person: drover_shared::UserId,
    role: drover_shared::Role,
) -> rusqlite::Result<bool> {
    let project: Option<String> = conn
        .query_row(
            "SELECT project_id FROM prod_playlist WHERE id = ?",
            [playlist],
            |r| r.get(0),
        )
        .optional()?;
    match project {
        None => Ok(false),
        Some(_) if role.sees_all_projects() => Ok(true),
        Some(project) => super::on_team(conn, &project, person),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_are_named_as_zou_names_their_events() {
        assert_eq!(kebab("TaskType"), "task-type");
        assert_eq!(kebab("PreviewFile"), "preview-file");
        assert_eq!(kebab("Project"), "project");
        assert_eq!(kebab("MetadataDescriptor"), "metadata-descriptor");
    }
}
