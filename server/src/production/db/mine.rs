//! What a person works on, as gazu's `user` module reads it (`GET /data/user/…`): the asset
//! types, assets, episodes, sequences, shots and scenes of open projects where they have a
//! task assigned, and their own tasks and task types on one entity. Each list holds only
//! rows the person may read.

use super::breakdown::add_task_names;
use super::casting::visible_rows;
use super::data::{Data, text};
use super::names::{self, ModelName};
use super::project::OPEN_STATUS;
use super::{DataError, Row};

/// The tasks assigned to the viewer in open projects, as a table to join (`k`).
const MY_TASKS: &str = "(SELECT t.* FROM prod_task AS t \
    JOIN prod_task_person_link AS l ON l.task_id = t.id AND l.person_id = ?1 \
    JOIN projects AS p ON p.uuid = t.project_id AND p.project_status_id = ?2)";

/// The ids `select` finds (its first column), given the viewer (`?1`), the open status
/// (`?2`) and `params` (from `?3`).
fn ids_of(d: &Data, select: &str, params: &[&str]) -> Result<Vec<String>, DataError> {
    let sql = select.replace("{mine}", MY_TASKS);
    let mut stmt = d.conn.prepare_cached(&sql)?;
    let mut bound: Vec<&dyn rusqlite::ToSql> = vec![&d.viewer.id, &OPEN_STATUS];
    bound.extend(params.iter().map(|p| p as &dyn rusqlite::ToSql));
    let found = stmt
        .query_map(rusqlite::params_from_iter(bound), |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(found)
}

/// `GET /data/user/projects/{p}/asset-types`: the types of the project's assets the
/// viewer has a task on.
pub fn asset_types(d: &Data, project_id: &str) -> Result<Vec<Row>, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    let found = ids_of(
        d,
        "SELECT y.id FROM {mine} AS k JOIN prod_entity AS e ON e.id = k.entity_id \
         JOIN prod_entity_type AS y ON y.id = e.entity_type_id \
         WHERE k.project_id = ?3 AND y.name NOT IN \
         ('Episode', 'Sequence', 'Shot', 'Scene', 'Edit', 'Concept') \
         GROUP BY y.id ORDER BY y.name",
        &[text(&project, "id")],
    )?;
    visible_rows(d, names::ASSET_TYPES, &found)
}

/// `GET /data/user/projects/{p}/asset-types/{t}/assets`: the project's assets of that type
/// the viewer has a task on.
pub fn assets_of_type(d: &Data, project_id: &str, type_id: &str) -> Result<Vec<Row>, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    let asset_type = d.get(names::ASSET_TYPES, type_id)?;
    let found = ids_of(
        d,
        "SELECT e.id FROM {mine} AS k JOIN prod_entity AS e ON e.id = k.entity_id \
         WHERE k.project_id = ?3 AND e.entity_type_id = ?4 GROUP BY e.id ORDER BY e.name",
        &[text(&project, "id"), text(&asset_type, "id")],
    )?;
    visible_rows(d, names::ASSETS, &found)
}

/// `GET /data/user/projects/{p}/sequences`: the project's sequences with a shot the viewer
/// has a task on.
pub fn sequences(d: &Data, project_id: &str) -> Result<Vec<Row>, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    let found = ids_of(
        d,
        "SELECT q.id FROM {mine} AS k JOIN prod_entity AS s ON s.id = k.entity_id \
         JOIN prod_entity AS q ON q.id = s.parent_id \
         JOIN prod_entity_type AS y ON y.id = q.entity_type_id AND y.name = 'Sequence' \
         WHERE k.project_id = ?3 GROUP BY q.id ORDER BY q.name",
        &[text(&project, "id")],
    )?;
    visible_rows(d, names::SEQUENCES, &found)
}

/// `GET /data/user/projects/{p}/episodes`: the project's episodes with a shot the viewer
/// has a task on (through its sequence), or an asset made for it with one.
pub fn episodes(d: &Data, project_id: &str) -> Result<Vec<Row>, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    let found = ids_of(
        d,
        "SELECT v.id FROM {mine} AS k JOIN prod_entity AS e ON e.id = k.entity_id \
         LEFT JOIN prod_entity AS q ON q.id = e.parent_id \
         JOIN prod_entity AS v ON v.id = q.parent_id OR v.id = e.source_id \
         JOIN prod_entity_type AS y ON y.id = v.entity_type_id AND y.name = 'Episode' \
         WHERE k.project_id = ?3 GROUP BY v.id ORDER BY v.name",
        &[text(&project, "id")],
    )?;
    visible_rows(d, names::EPISODES, &found)
}

/// `GET /data/user/sequences/{s}/{shots|scenes}`: the sequence's shots or scenes the viewer
/// has a task on.
pub fn children(d: &Data, sequence_id: &str, route: ModelName) -> Result<Vec<Row>, DataError> {
    let sequence = d.get(names::SEQUENCES, sequence_id)?;
    let type_name = if route == names::SCENES {
        "Scene"
    } else {
        "Shot"
    };
    let found = ids_of(
        d,
        "SELECT e.id FROM {mine} AS k JOIN prod_entity AS e ON e.id = k.entity_id \
         JOIN prod_entity_type AS y ON y.id = e.entity_type_id AND y.name = ?4 \
         WHERE e.parent_id = ?3 GROUP BY e.id ORDER BY e.name",
        &[text(&sequence, "id"), type_name],
    )?;
    visible_rows(d, route, &found)
}

/// `GET /data/user/{kind}/{id}/tasks`: the viewer's own tasks on the entity, with names.
pub fn tasks(d: &Data, route: ModelName, entity_id: &str) -> Result<Vec<Row>, DataError> {
    let entity = d.get(route, entity_id)?;
    let found = ids_of(
        d,
        "SELECT k.id FROM {mine} AS k WHERE k.entity_id = ?3 ORDER BY k.created_at",
        &[text(&entity, "id")],
    )?;
    let mut tasks = visible_rows(d, names::TASKS, &found)?;
    add_task_names(d, &mut tasks)?;
    Ok(tasks)
}

/// `GET /data/user/{kind}/{id}/task-types`: the types of the viewer's tasks on the entity.
pub fn task_types(d: &Data, route: ModelName, entity_id: &str) -> Result<Vec<Row>, DataError> {
    let entity = d.get(route, entity_id)?;
    let found = ids_of(
        d,
        "SELECT y.id FROM {mine} AS k JOIN prod_task_type AS y ON y.id = k.task_type_id \
         WHERE k.entity_id = ?3 GROUP BY y.id ORDER BY y.priority, y.name",
        &[text(&entity, "id")],
    )?;
    visible_rows(d, names::TASK_TYPES, &found)
}
