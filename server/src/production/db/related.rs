//! The lists gazu and Kitsu read around one entity, task, person or project: an entity's task
//! types, the tasks of the shots under a sequence or an episode, the assets cast in a shot,
//! a task's previews, a person's tasks, and a project's comments, previews, subscriptions
//! and notifications. Each reads through the generic rows, so what a person may not see is
//! left out as everywhere else.

use super::breakdown::{add_task_names, shots_with_names};
use super::casting::visible_rows;
use super::data::{Data, text};
use super::names::{self, ModelName};
use super::{DataError, ListQuery, Row};
use drover_shared::Role;
use serde_json::{Map, Value};

/// Ids read by one statement with one parameter.
fn ids(d: &Data, sql: &str, param: &str) -> Result<Vec<String>, DataError> {
    let mut stmt = d.conn.prepare_cached(sql)?;
    let found = stmt
        .query_map([param], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(found)
}

/// Values bound in one statement at most: a long list is read in pieces.
const VALUES_PER_READ: usize = 500;

/// Rows of `route` whose `field` is one of `values` (none when there are none).
fn rows_where_any(
    d: &Data,
    route: ModelName,
    field: &str,
    values: &[String],
    relations: bool,
) -> Result<Vec<Row>, DataError> {
    let mut rows = Vec::new();
    for piece in values.chunks(VALUES_PER_READ) {
        let query = ListQuery {
            filters: piece
                .iter()
                .map(|v| (field.to_owned(), v.clone()))
                .collect(),
            relations,
            ..ListQuery::default()
        };
        rows.extend(d.query(route, &query)?);
    }
    Ok(rows)
}

/// Vendors work on their own tasks: the lists of every task under a sequence or an
/// episode are not theirs (Zou refuses them too).
fn refuse_vendors(d: &Data) -> Result<(), DataError> {
    if d.viewer.role == Role::Vendor {
        return Err(DataError::Forbidden(
            "vendors see the tasks they are assigned, not every task of a sequence".into(),
        ));
    }
    Ok(())
}

/// `GET /data/{kind}/{id}/task-types`: the task types the entity has tasks of, in the
/// order Kitsu shows columns (priority, then name).
pub fn entity_task_types(
    d: &Data,
    route: ModelName,
    entity_id: &str,
) -> Result<Vec<Row>, DataError> {
    let entity = d.get(route, entity_id)?;
    let found = ids(
        d,
        "SELECT DISTINCT y.id FROM prod_task AS k JOIN prod_task_type AS y \
         ON y.id = k.task_type_id WHERE k.entity_id = ? ORDER BY y.priority, y.name",
        text(&entity, "id"),
    )?;
    visible_rows(d, names::TASK_TYPES, &found)
}

/// `GET /data/entities/{e}/task-types/{tt}/tasks`: the entity's tasks of one type.
pub fn entity_tasks_of_type(
    d: &Data,
    entity_id: &str,
    task_type_id: &str,
) -> Result<Vec<Row>, DataError> {
    let entity = d.get(names::ENTITIES, entity_id)?;
    let task_type = d.get(names::TASK_TYPES, task_type_id)?;
    let mut tasks = d.list(
        names::TASKS,
        &[
            ("entity_id", text(&entity, "id")),
            ("task_type_id", text(&task_type, "id")),
        ],
    )?;
    add_task_names(d, &mut tasks)?;
    Ok(tasks)
}

/// The shots of a sequence, or of every sequence of an episode.
fn shot_ids_under(d: &Data, route: ModelName, id: &str) -> Result<Vec<String>, DataError> {
    let parent = d.get(route, id)?;
    let sql = if route == names::EPISODES {
        "SELECT s.id FROM prod_entity AS s JOIN prod_entity AS q ON q.id = s.parent_id \
         WHERE q.parent_id = ? ORDER BY q.name, s.name"
    } else {
        "SELECT id FROM prod_entity WHERE parent_id = ? ORDER BY name"
    };
    ids(d, sql, text(&parent, "id"))
}

/// `GET /data/{sequences|episodes}/{id}/shot-tasks`: the tasks of every shot under it.
pub fn shot_tasks_under(
    d: &Data,
    route: ModelName,
    id: &str,
    relations: bool,
) -> Result<Vec<Row>, DataError> {
    refuse_vendors(d)?;
    let shots = shot_ids_under(d, route, id)?;
    let mut tasks = rows_where_any(d, names::TASKS, "entity_id", &shots, relations)?;
    add_task_names(d, &mut tasks)?;
    Ok(tasks)
}

/// `GET /data/episodes/{id}/asset-tasks`: the tasks of the assets that belong to the
/// episode (made for it: their `source_id`).
pub fn episode_asset_tasks(
    d: &Data,
    episode_id: &str,
    relations: bool,
) -> Result<Vec<Row>, DataError> {
    refuse_vendors(d)?;
    let episode = d.get(names::EPISODES, episode_id)?;
    let assets = ids(
        d,
        "SELECT id FROM prod_entity WHERE source_id = ? ORDER BY name",
        text(&episode, "id"),
    )?;
    let mut tasks = rows_where_any(d, names::TASKS, "entity_id", &assets, relations)?;
    add_task_names(d, &mut tasks)?;
    Ok(tasks)
}

/// `GET /data/episodes/{id}/shots`: the shots of the episode's sequences, with their
/// sequence's and project's names.
pub fn episode_shots(d: &Data, episode_id: &str) -> Result<Vec<Row>, DataError> {
    let episode = d.get(names::EPISODES, episode_id)?;
    let sequences = ids(
        d,
        "SELECT id FROM prod_entity WHERE parent_id = ? ORDER BY name",
        text(&episode, "id"),
    )?;
    let mut shots = Vec::new();
    for piece in sequences.chunks(VALUES_PER_READ) {
        let query = ListQuery {
            filters: piece
                .iter()
                .map(|s| ("parent_id".to_owned(), s.clone()))
                .collect(),
            ..ListQuery::default()
        };
        shots.extend(shots_with_names(d, &query)?);
    }
    for shot in &mut shots {
        shot.insert("episode_id".into(), episode["id"].clone());
    }
    Ok(shots)
}

/// `GET /data/shots/{id}/asset-types`: the types of the assets cast in the shot.
pub fn shot_asset_types(d: &Data, shot_id: &str) -> Result<Vec<Row>, DataError> {
    let shot = d.get(names::SHOTS, shot_id)?;
    let found = ids(
        d,
        "SELECT DISTINCT y.id FROM prod_entity_link AS l \
         JOIN prod_entity AS a ON a.id = l.entity_out_id \
         JOIN prod_entity_type AS y ON y.id = a.entity_type_id \
         WHERE l.entity_in_id = ? AND a.canceled = 0 ORDER BY y.name",
        text(&shot, "id"),
    )?;
    visible_rows(d, names::ASSET_TYPES, &found)
}

/// `GET /data/tasks/{id}/previews`: the task's preview files, newest revision first (a
/// revision's pictures in their order); a client does not see those rejected.
pub fn task_previews(d: &Data, task_id: &str) -> Result<Vec<Row>, DataError> {
    let task = d.get(names::TASKS, task_id)?;
    let mut previews = d.list(names::PREVIEW_FILES, &[("task_id", text(&task, "id"))])?;
    // Newest revision first; the pictures of one revision in their order.
    let number = |r: &Row, field: &str| r.get(field).and_then(Value::as_i64).unwrap_or(0);
    previews.sort_by(|a, b| {
        number(b, "revision")
            .cmp(&number(a, "revision"))
            .then_with(|| number(a, "position").cmp(&number(b, "position")))
            .then_with(|| text(a, "created_at").cmp(text(b, "created_at")))
    });
    if d.viewer.role == Role::Client {
        previews.retain(|p| text(p, "validation_status") != "rejected");
    }
    Ok(previews)
}

/// The fields of a preview file in an entity's previews by task type, as Zou lists them.
const PREVIEW_FIELDS: &[&str] = &[
    "id",
    "revision",
    "position",
    "original_name",
    "extension",
    "width",
    "height",
    "duration",
    "status",
    "annotations",
    "created_at",
    "task_id",
];

/// `GET /data/shots/{id}/preview-files`: the entity's previews by task type
/// (`{task_type_id: [previews, newest revision first]}`), with the original's facts.
pub fn entity_previews_by_task_type(
    d: &Data,
    route: ModelName,
    entity_id: &str,
) -> Result<Row, DataError> {
    let entity = d.get(route, entity_id)?;
    let tasks = d.list(names::TASKS, &[("entity_id", text(&entity, "id"))])?;
    let mut by_type = Map::new();
    for task in &tasks {
        let mut previews = task_previews(d, text(task, "id"))?;
        if previews.is_empty() {
            continue;
        }
        let listed: Vec<Value> = previews
            .iter_mut()
            .map(|p| {
                let mut shown: Row = PREVIEW_FIELDS
                    .iter()
                    .map(|f| ((*f).to_owned(), p.get(*f).cloned().unwrap_or(Value::Null)))
                    .collect();
                shown.insert("task_type_id".into(), task["task_type_id"].clone());
                for fact in [
                    "original_width",
                    "original_height",
                    "original_duration",
                    "original_file_size",
                ] {
                    let value = p["data"].get(fact).cloned().unwrap_or(Value::Null);
                    shown.insert(fact.into(), value);
                }
                Value::Object(shown)
            })
            .collect();
        let entry = by_type
            .entry(text(task, "task_type_id").to_owned())
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = entry {
            list.extend(listed);
        }
    }
    Ok(by_type)
}

/// `GET /data/persons/{id}/tasks` and `done-tasks`: another person's assigned tasks in open
/// projects, as far as the viewer may see them. Vendors may only ask for their own; clients
/// see nobody's tasks (Zou answers them an empty list).
pub fn person_tasks(d: &Data, person_id: &str, done: bool) -> Result<Vec<Row>, DataError> {
    let person = d.get(names::PERSONS, person_id)?;
    let person_id = text(&person, "id").to_owned();
    let own = d.viewer.is(&person_id);
    match d.viewer.role {
        Role::Client => return Ok(Vec::new()),
        Role::Vendor if !own => {
            return Err(DataError::Forbidden(
                "vendors see their own tasks only".into(),
            ));
        }
        _ => {}
    }
    super::user::assigned_tasks(d, &person_id, done)
}

/// The lists under a project read through its tasks (or its entities, for the links).
pub const PROJECT_TASK_LISTS: &[&str] = &[
    "comments",
    "preview-files",
    "subscriptions",
    "notifications",
    "entity-links",
];

/// `GET /data/projects/{id}/{comments|preview-files|subscriptions|notifications|entity-links}`:
/// a project's rows of one model. Comments are for the studio's own people (not vendors or
/// clients), entity links for supervisors, the others for admins, as Zou has them.
pub fn project_task_rows(d: &Data, project_id: &str, kind: &str) -> Result<Vec<Row>, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    let project_id = text(&project, "id").to_owned();
    if kind == "entity-links" {
        // The breakdown's links, as supervisors edit them (Zou keeps them to managers).
        if !d.viewer.role.allows(Role::Supervisor) {
            return Err(DataError::Forbidden(
                "a project's entity links are for its supervisors".into(),
            ));
        }
        let entities = ids(
            d,
            "SELECT id FROM prod_entity WHERE project_id = ? ORDER BY created_at",
            &project_id,
        )?;
        return rows_where_any(d, names::ENTITY_LINKS, "entity_in_id", &entities, false);
    }
    // Each of these hangs from a task of the project, by this field.
    let (route, field) = match kind {
        "comments" => (names::COMMENTS, "object_id"),
        "preview-files" => (names::PREVIEW_FILES, "task_id"),
        "subscriptions" => (names::SUBSCRIPTIONS, "task_id"),
        "notifications" => (names::NOTIFICATIONS, "task_id"),
        _ => return Err(DataError::NotFound(format!("no project list {kind}"))),
    };
    if route == names::COMMENTS && !d.viewer.role.runs_farm_jobs() {
        return Err(DataError::Forbidden(
            "a project's comments are for the studio's own people".into(),
        ));
    }
    if route != names::COMMENTS && !d.viewer.is_admin() {
        return Err(DataError::Forbidden(format!(
            "a project's {kind} are for admins"
        )));
    }
    let tasks = ids(
        d,
        "SELECT id FROM prod_task WHERE project_id = ? ORDER BY created_at",
        &project_id,
    )?;
    rows_where_any(d, route, field, &tasks, false)
}

/// `GET /data/playlists/preview-files/running`: the preview files still being processed
/// (uploaded, not yet transcoded), oldest first; for admins, who watch the farm of encoders.
pub fn running_previews(d: &Data) -> Result<Vec<Row>, DataError> {
    if !d.viewer.is_admin() {
        return Err(DataError::Forbidden(
            "the previews being processed are listed for admins".into(),
        ));
    }
    let mut previews = d.list(names::PREVIEW_FILES, &[("status", "processing")])?;
    previews.sort_by(|a, b| text(a, "created_at").cmp(text(b, "created_at")));
    Ok(previews)
}
