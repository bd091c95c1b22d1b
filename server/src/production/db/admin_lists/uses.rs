//! What productions and templates use beyond their task types and statuses (status
//! automations, preview backgrounds), the templates' own lists, order and default background,
//! and the metadata columns a template carries.

use super::super::DataError;
use super::super::data::{Data, Row, text};
use super::super::descriptors::id_list;
use super::super::names::{self, ModelName};
use super::super::project::full_project;
use super::super::templates::{self};
use super::{Ordered, id_field, named, settable_project};
use serde_json::{Value, json};

/// What a production or a template uses beyond types and statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uses {
    /// `status-automations` `{status_automation_id}`.
    StatusAutomations,
    /// `preview-background-files` `{preview_background_file_id}`.
    Backgrounds,
}

impl Uses {
    /// (linked column, linked model, project link table, template link table)
    fn parts(self) -> (&'static str, ModelName, &'static str, &'static str) {
        match self {
            Self::StatusAutomations => (
                "status_automation_id",
                names::STATUS_AUTOMATIONS,
                "prod_project_status_automation_link",
                "prod_project_template_status_automation_link",
            ),
            Self::Backgrounds => (
                "preview_background_file_id",
                names::PREVIEW_BACKGROUND_FILES,
                "prod_project_preview_background_file_link",
                "prod_project_template_preview_background_file_link",
            ),
        }
    }
}

/// The ids linked to `owner` in `table` (owner column `owner_column`).
fn linked_ids(
    d: &Data,
    table: &str,
    owner_column: &str,
    column: &str,
    owner: &str,
) -> Result<Vec<String>, DataError> {
    let mut stmt = d.conn.prepare_cached(&format!(
        "SELECT {column} FROM {table} WHERE {owner_column} = ? ORDER BY rowid"
    ))?;
    let ids = stmt
        .query_map([owner], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(ids)
}

/// The rows of the linked model, read with admin's eyes: a production's readers see the
/// automations and backgrounds it uses even where the lists are closed to them.
fn linked_rows(d: &Data, route: ModelName, ids: &[String]) -> Result<Vec<Row>, DataError> {
    let admin = super::super::Viewer {
        id: d.viewer.id,
        role: drover_shared::Role::Admin,
    };
    let as_admin = Data {
        conn: d.conn,
        schema: d.schema,
        viewer: &admin,
        live: d.live,
    };
    ids.iter().map(|id| as_admin.get(route, id)).collect()
}

/// The custom actions and status automations, for everyone's user context (Zou lists them
/// there to every role, vendors included, though only admins change them).
pub fn context_lists(d: &Data) -> Result<(Vec<Row>, Vec<Row>), DataError> {
    let admin = super::super::Viewer {
        id: d.viewer.id,
        role: drover_shared::Role::Admin,
    };
    let as_admin = Data {
        conn: d.conn,
        schema: d.schema,
        viewer: &admin,
        live: d.live,
    };
    Ok((
        as_admin.list(names::CUSTOM_ACTIONS, &[])?,
        as_admin.list(names::STATUS_AUTOMATIONS, &[])?,
    ))
}

/// The ids a production uses, for the user context's projects.
pub fn project_uses(d: &Data, project_id: &str, uses: Uses) -> Result<Vec<String>, DataError> {
    let (column, _, table, _) = uses.parts();
    linked_ids(d, table, "project_id", column, project_id)
}

/// `GET /data/projects/{p}/settings/<uses>`: status automations (managers, as Zou) or
/// preview backgrounds (the production's readers) it uses.
pub fn project_uses_list(d: &Data, project_id: &str, uses: Uses) -> Result<Vec<Row>, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    if uses == Uses::StatusAutomations {
        d.authorize_in_project(names::PROJECTS, text(&project, "id"))?;
    }
    let (_, route, _, _) = uses.parts();
    let ids = project_uses(d, text(&project, "id"), uses)?;
    linked_rows(d, route, &ids)
}

/// `POST /data/projects/{p}/settings/<uses>` (managers): answers the production.
pub fn project_uses_add(
    d: &Data,
    project_id: &str,
    uses: Uses,
    body: &Row,
) -> Result<Row, DataError> {
    let (column, route, table, _) = uses.parts();
    let linked = {
        let id = id_field(body, column)?;
        linked_rows(d, route, &[id.to_owned()])
            .map_err(|_| DataError::BadRequest(format!("{route} {id} not found")))?
            .remove(0)
    };
    let project = settable_project(d, project_id)?;
    d.conn.execute(
        &format!("INSERT OR IGNORE INTO {table} (project_id, {column}) VALUES (?, ?)"),
        [text(&project, "id"), text(&linked, "id")],
    )?;
    d.note_update(names::PROJECTS, &project)?;
    full_project(d, project)
}

/// `DELETE /data/projects/{p}/settings/<uses>/{id}` (managers).
pub fn project_uses_remove(
    d: &Data,
    project_id: &str,
    uses: Uses,
    id: &str,
) -> Result<(), DataError> {
    let (column, _, table, _) = uses.parts();
    let project = settable_project(d, project_id)?;
    d.conn.execute(
        &format!("DELETE FROM {table} WHERE project_id = ? AND {column} = ?"),
        [text(&project, "id"), id],
    )?;
    d.note_update(names::PROJECTS, &project)?;
    Ok(())
}

/// `GET /data/project-templates/{t}/<uses>` (managers).
pub fn template_uses_list(d: &Data, template_id: &str, uses: Uses) -> Result<Vec<Row>, DataError> {
    let template = d.get(names::PROJECT_TEMPLATES, template_id)?;
    let (column, route, _, table) = uses.parts();
    let ids = linked_ids(
        d,
        table,
        "project_template_id",
        column,
        text(&template, "id"),
    )?;
    linked_rows(d, route, &ids)
}

/// `POST /data/project-templates/{t}/<uses>` (admins): answers the row linked.
pub fn template_uses_add(
    d: &Data,
    template_id: &str,
    uses: Uses,
    body: &Row,
) -> Result<Row, DataError> {
    let template = d.get(names::PROJECT_TEMPLATES, template_id)?;
    let (column, route, _, table) = uses.parts();
    let linked = named(d, route, id_field(body, column)?)?;
    d.conn.execute(
        &format!("INSERT OR IGNORE INTO {table} (project_template_id, {column}) VALUES (?, ?)"),
        [text(&template, "id"), text(&linked, "id")],
    )?;
    d.note_update(names::PROJECT_TEMPLATES, &template)?;
    Ok(linked)
}

/// `DELETE /data/project-templates/{t}/<uses>/{id}` (admins); a default background taken
/// off is no longer the default.
pub fn template_uses_remove(
    d: &Data,
    template_id: &str,
    uses: Uses,
    id: &str,
) -> Result<(), DataError> {
    let template = d.get(names::PROJECT_TEMPLATES, template_id)?;
    let (column, _, _, table) = uses.parts();
    d.conn.execute(
        &format!("DELETE FROM {table} WHERE project_template_id = ? AND {column} = ?"),
        [text(&template, "id"), id],
    )?;
    if uses == Uses::Backgrounds && text(&template, "default_preview_background_file_id") == id {
        d.update(
            names::PROJECT_TEMPLATES,
            text(&template, "id"),
            json!({"default_preview_background_file_id": null}),
        )?;
    } else {
        d.note_update(names::PROJECT_TEMPLATES, &template)?;
    }
    Ok(())
}

/// `POST /actions/project-templates/{t}/<links>/reorder` (admins): each listed type or
/// status is on the template at its place (from 1), added if it was not. Answers the
/// template's list.
pub fn reorder_template(
    d: &Data,
    template_id: &str,
    ordered: Ordered,
    body: &Row,
) -> Result<Vec<Row>, DataError> {
    let (field, column, _, link) = ordered.parts();
    let ids = id_list(body, field)?;
    let template = d.get(names::PROJECT_TEMPLATES, template_id)?;
    let t = text(&template, "id").to_owned();
    let (route, table) = match ordered {
        Ordered::TaskTypes => (names::TASK_TYPES, "prod_project_template_task_type_link"),
        Ordered::TaskStatuses => (names::TASK_STATUS, "prod_project_template_task_status_link"),
    };
    for (place, id) in ids.iter().enumerate() {
        let row = named(d, route, id)?;
        let priority = i64::try_from(place).unwrap_or(i64::MAX) + 1;
        d.conn.execute(
            &format!(
                "INSERT INTO {table} (project_template_id, {column}, priority) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (project_template_id, {column}) DO UPDATE SET priority = excluded.priority"
            ),
            rusqlite::params![t, text(&row, "id"), priority],
        )?;
    }
    d.note_update(names::PROJECT_TEMPLATES, &template)?;
    templates::linked(d, &t, link)
}

/// `PUT /actions/project-templates/{t}/default-preview-background-file`
/// `{default_preview_background_file_id}` (admins): one of the template's backgrounds, or
/// `null` for none. Answers the template.
pub fn template_default_background(
    d: &Data,
    template_id: &str,
    body: &Row,
) -> Result<Row, DataError> {
    let template = d.get(names::PROJECT_TEMPLATES, template_id)?;
    let t = text(&template, "id");
    let id = match body.get("default_preview_background_file_id") {
        None => {
            return Err(DataError::BadRequest(
                "`default_preview_background_file_id` is required".into(),
            ));
        }
        Some(Value::Null) => None,
        Some(Value::String(id)) => Some(id.clone()),
        Some(_) => {
            return Err(DataError::BadRequest(
                "`default_preview_background_file_id` is an id or null".into(),
            ));
        }
    };
    if let Some(id) = &id {
        let (column, _, _, table) = Uses::Backgrounds.parts();
        if !linked_ids(d, table, "project_template_id", column, t)?.contains(id) {
            return Err(DataError::BadRequest(
                "Preview background file is not linked to this template".into(),
            ));
        }
    }
    d.update(
        names::PROJECT_TEMPLATES,
        t,
        json!({"default_preview_background_file_id": id}),
    )
}

/// The most metadata columns a template keeps.
const MAX_TEMPLATE_DESCRIPTORS: usize = 200;

/// `PUT /actions/project-templates/{t}/metadata-descriptors` `{metadata_descriptors}` (or
/// the bare list, as older clients send it) (admins): the template's metadata columns,
/// replaced, each kept to the fields a column has. Answers the template.
pub fn template_descriptors(d: &Data, template_id: &str, body: &Value) -> Result<Row, DataError> {
    let template = d.get(names::PROJECT_TEMPLATES, template_id)?;
    let list = match body {
        Value::Array(list) => list,
        Value::Object(map) => match map.get("metadata_descriptors") {
            Some(Value::Array(list)) => list,
            Some(Value::Null) | None => &Vec::new(),
            Some(_) => {
                return Err(DataError::BadRequest(
                    "`metadata_descriptors` must be a list".into(),
                ));
            }
        },
        _ => {
            return Err(DataError::BadRequest(
                "the body must be a JSON object".into(),
            ));
        }
    };
    if list.len() > MAX_TEMPLATE_DESCRIPTORS {
        return Err(DataError::BadRequest(format!(
            "a template keeps at most {MAX_TEMPLATE_DESCRIPTORS} metadata columns"
        )));
    }
    let mut cleaned = Vec::with_capacity(list.len());
    for entry in list {
        let Value::Object(entry) = entry else {
            return Err(DataError::BadRequest(
                "Each metadata descriptor must be an object".into(),
            ));
        };
        let name = entry.get("name").and_then(Value::as_str).unwrap_or("");
        let field_name = entry
            .get("field_name")
            .and_then(Value::as_str)
            .filter(|f| !f.is_empty())
            .map_or_else(
                || super::super::descriptors::field_name(name),
                str::to_owned,
            );
        let field = |key: &str, default: Value| {
            entry
                .get(key)
                .filter(|v| !v.is_null())
                .cloned()
                .unwrap_or(default)
        };
        cleaned.push(json!({
            "name": name,
            "field_name": field_name,
            "entity_type": field("entity_type", Value::Null),
            "task_type_id": field("task_type_id", Value::Null),
            "data_type": field("data_type", json!("string")),
            "choices": field("choices", json!([])),
            "for_client": field("for_client", json!(false)),
            "position": field("position", Value::Null),
            "departments": field("departments", json!([])),
        }));
    }
    d.update(
        names::PROJECT_TEMPLATES,
        text(&template, "id"),
        json!({"metadata_descriptors": cleaned}),
    )
}
