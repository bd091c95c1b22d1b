//! The task types, task statuses and asset types a project uses
//! (`/data/projects/{p}/settings/…`), one at a time or all at once as the production wizard
//! sets them.

use super::full_project;
use crate::production::db::DataError;
use crate::production::db::data::{Data, Row, text};
use crate::production::db::names::{self, ModelName};
use serde_json::Value;

/// A project setting Kitsu manages through `/data/projects/{p}/settings/<name>`.
#[derive(Debug, Clone, Copy)]
pub enum Setting {
    /// `task-types`, with a priority.
    TaskTypes,
    /// `task-status`.
    TaskStatus,
    /// `asset-types`.
    AssetTypes,
}

impl Setting {
    /// The setting a URL names.
    pub fn from_route(route: &str) -> Option<Self> {
        match route {
            "task-types" => Some(Self::TaskTypes),
            "task-status" => Some(Self::TaskStatus),
            "asset-types" => Some(Self::AssetTypes),
            _ => None,
        }
    }

    /// (link table, link column, model route, body field)
    fn parts(self) -> (&'static str, &'static str, ModelName, &'static str) {
        match self {
            Self::TaskTypes => (
                "prod_project_task_type_link",
                "task_type_id",
                names::TASK_TYPES,
                "task_type_id",
            ),
            Self::TaskStatus => (
                "prod_project_task_status_link",
                "task_status_id",
                names::TASK_STATUS,
                "task_status_id",
            ),
            Self::AssetTypes => (
                "prod_project_asset_type_link",
                "asset_type_id",
                names::ASSET_TYPES,
                "asset_type_id",
            ),
        }
    }
}

/// `GET /data/projects/{p}/settings/<setting>` (and `/data/projects/{p}/task-types`): the
/// rows the project uses.
pub fn setting_list(d: &Data, project_id: &str, setting: Setting) -> Result<Vec<Row>, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    let (table, column, route, _) = setting.parts();
    let mut stmt = d.conn.prepare_cached(&format!(
        "SELECT {column} FROM {table} WHERE project_id = ? ORDER BY {column}"
    ))?;
    let ids = stmt
        .query_map([text(&project, "id")], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    ids.iter().map(|id| d.get(route, id)).collect()
}

/// `POST /data/projects/{p}/settings/<setting>` `{"<kind>_id", "priority"?}`: adds the row to
/// the project (or updates its priority). Answers the project.
pub fn setting_add(
    d: &Data,
    project_id: &str,
    setting: Setting,
    body: &Row,
) -> Result<Row, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    let project_id = text(&project, "id").to_owned();
    d.authorize_in_project(names::PROJECTS, &project_id)?;
    let (table, column, route, field) = setting.parts();
    let id = body
        .get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| DataError::BadRequest(format!("`{field}` is required")))?;
    let row = d
        .get(route, id)
        .map_err(|_| DataError::BadRequest(format!("{route} {id} not found")))?;
    d.conn.execute(
        &format!("INSERT OR IGNORE INTO {table} (project_id, {column}) VALUES (?, ?)"),
        [project_id.as_str(), text(&row, "id")],
    )?;
    if let (Setting::TaskTypes, Some(priority)) = (setting, body.get("priority")) {
        let priority = priority
            .as_i64()
            .or_else(|| priority.as_str().and_then(|p| p.parse().ok()));
        d.conn.execute(
            &format!("UPDATE {table} SET priority = ? WHERE project_id = ? AND {column} = ?"),
            rusqlite::params![priority, project_id, text(&row, "id")],
        )?;
    }
    d.get(names::PROJECTS, &project_id)
}

/// `POST /data/projects/{p}/settings/batch`, the production wizard's one call: adds the task
/// types of `task_types` (`[{task_type_id, priority}]`, a known one's priority changes), the
/// statuses of `task_status_ids` and the asset types of `asset_type_ids`; with
/// `replace_task_types`, task types not listed leave the project. Unknown ids are skipped, as
/// in Zou. Answers the project.
pub fn settings_batch(d: &Data, project_id: &str, body: &Row) -> Result<Row, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    let project_id = text(&project, "id").to_owned();
    d.authorize_in_project(names::PROJECTS, &project_id)?;
    let list = |field: &str| -> Result<Vec<Value>, DataError> {
        match body.get(field) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => Ok(items.clone()),
            Some(_) => Err(DataError::BadRequest(format!("`{field}` is a list"))),
        }
    };
    let ids = |field: &str| -> Result<Vec<String>, DataError> {
        list(field)?
            .into_iter()
            .map(|v| match v {
                Value::String(id) => Ok(id),
                _ => Err(DataError::BadRequest(format!("`{field}` lists ids"))),
            })
            .collect()
    };
    let mut wanted = Vec::new();
    for entry in list("task_types")? {
        let task_type = entry
            .get("task_type_id")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                DataError::BadRequest("each of `task_types` names a `task_type_id`".into())
            })?
            .to_owned();
        let priority = match entry.get("priority") {
            None | Some(Value::Null) => None,
            Some(p) => Some(p.as_i64().ok_or_else(|| {
                DataError::BadRequest("a task type's `priority` is a number".into())
            })?),
        };
        wanted.push((task_type, priority));
    }
    let (statuses, asset_types) = (ids("task_status_ids")?, ids("asset_type_ids")?);
    let known = |route: ModelName, id: &str| -> Result<Option<String>, DataError> {
        match d.get(route, id) {
            Ok(row) => Ok(Some(text(&row, "id").to_owned())),
            Err(DataError::NotFound(_) | DataError::BadRequest(_)) => Ok(None),
            Err(e) => Err(e),
        }
    };
    let mut kept = Vec::new();
    for (task_type, priority) in &wanted {
        let Some(id) = known(names::TASK_TYPES, task_type)? else {
            continue;
        };
        d.conn.execute(
            "INSERT OR IGNORE INTO prod_project_task_type_link (project_id, task_type_id) \
             VALUES (?, ?)",
            [project_id.as_str(), id.as_str()],
        )?;
        if let Some(priority) = priority {
            d.conn.execute(
                "UPDATE prod_project_task_type_link SET priority = ? \
                 WHERE project_id = ? AND task_type_id = ?",
                rusqlite::params![priority, project_id, id],
            )?;
        }
        kept.push(id);
    }
    if body.get("replace_task_types").and_then(Value::as_bool) == Some(true) {
        let linked: Vec<String> = d
            .conn
            .prepare_cached(
                "SELECT task_type_id FROM prod_project_task_type_link WHERE project_id = ?",
            )?
            .query_map([&project_id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for id in linked.iter().filter(|id| !kept.contains(id)) {
            d.conn.execute(
                "DELETE FROM prod_project_task_type_link WHERE project_id = ? AND task_type_id = ?",
                [project_id.as_str(), id.as_str()],
            )?;
        }
    }
    for (route, table, column, given) in [
        (
            names::TASK_STATUS,
            "prod_project_task_status_link",
            "task_status_id",
            &statuses,
        ),
        (
            names::ASSET_TYPES,
            "prod_project_asset_type_link",
            "asset_type_id",
            &asset_types,
        ),
    ] {
        for id in given {
            if let Some(id) = known(route, id)? {
                d.conn.execute(
                    &format!("INSERT OR IGNORE INTO {table} (project_id, {column}) VALUES (?, ?)"),
                    [project_id.as_str(), id.as_str()],
                )?;
            }
        }
    }
    let project = d.get(names::PROJECTS, &project_id)?;
    full_project(d, project)
}

/// `DELETE /data/projects/{p}/settings/<setting>/{id}`.
pub fn setting_remove(
    d: &Data,
    project_id: &str,
    setting: Setting,
    id: &str,
) -> Result<(), DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    d.authorize_in_project(names::PROJECTS, text(&project, "id"))?;
    let (table, column, _, _) = setting.parts();
    d.conn.execute(
        &format!("DELETE FROM {table} WHERE project_id = ? AND {column} = ?"),
        [text(&project, "id"), id],
    )?;
    Ok(())
}
