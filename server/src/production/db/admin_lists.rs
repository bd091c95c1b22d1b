//! The studio's admin lists beyond their generic rows, as Kitsu's admin pages and production
//! settings edit them: salary scales (one per department, position and seniority), the
//! hardware and software a department uses, a production's task type and status links and
//! their order, the status automations and preview backgrounds a production or a template
//! uses, and a template's order, default background and metadata columns.

use super::DataError;
use super::data::{Data, Row, text};
use super::descriptors::id_list;
use super::names::{self, ModelName};
use super::project::full_project;
use super::templates::{self, Link};
use serde_json::{Value, json};

/// Zou's positions and seniorities, the salary grid's axes.
const POSITIONS: [&str; 3] = ["supervisor", "lead", "artist"];
const SENIORITIES: [&str; 3] = ["senior", "mid", "junior"];

/// A required id field of a body.
fn id_field<'a>(body: &'a Row, field: &str) -> Result<&'a str, DataError> {
    body.get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| DataError::BadRequest(format!("`{field}` is required")))
}

/// A row a body names by id: 400 when there is none.
fn named(d: &Data, route: ModelName, id: &str) -> Result<Row, DataError> {
    d.get(route, id)
        .map_err(|_| DataError::BadRequest(format!("{route} {id} not found")))
}

/// An optional integer field.
fn int_field(body: &Row, field: &str) -> Result<Option<i64>, DataError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => s
            .parse()
            .map(Some)
            .map_err(|_| DataError::BadRequest(format!("`{field}` is a number"))),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| DataError::BadRequest(format!("`{field}` is a number"))),
    }
}

fn sql(value: &str) -> rusqlite::types::Value {
    rusqlite::types::Value::Text(value.to_owned())
}

/// `GET /data/salary-scales` (admins): every salary scale, the missing cells of the grid
/// (department × position × seniority) made first at 0, as Zou does.
pub fn salary_scales(d: &Data) -> Result<Vec<Row>, DataError> {
    // The read is the admin check: only admins read salary scales.
    let existing = d.list(names::SALARY_SCALES, &[])?;
    let departments = d.list(names::DEPARTMENTS, &[])?;
    let mut made = false;
    for department in &departments {
        for position in POSITIONS {
            for seniority in SENIORITIES {
                let present = existing.iter().any(|s| {
                    text(s, "department_id") == text(department, "id")
                        && text(s, "position") == position
                        && text(s, "seniority") == seniority
                });
                if !present {
                    d.create_with(
                        names::SALARY_SCALES,
                        json!({}),
                        vec![
                            ("department_id".into(), sql(text(department, "id"))),
                            ("position".into(), sql(position)),
                            ("seniority".into(), sql(seniority)),
                        ],
                    )?;
                    made = true;
                }
            }
        }
    }
    if made {
        d.list(names::SALARY_SCALES, &[])
    } else {
        Ok(existing)
    }
}

/// What a department uses: `/data/departments/{d}/<link>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DepartmentLink {
    /// `hardware-items` `{hardware_item_id}`.
    HardwareItems,
    /// `software-licenses` `{software_id}`.
    Software,
}

impl DepartmentLink {
    /// (link table, linked column, linked model)
    fn parts(self) -> (&'static str, &'static str, ModelName) {
        match self {
            Self::HardwareItems => (
                "prod_department_hardware_item_link",
                "hardware_item_id",
                names::HARDWARE_ITEMS,
            ),
            Self::Software => (
                "prod_department_software_link",
                "software_id",
                names::SOFTWARES,
            ),
        }
    }
}

/// `GET /data/departments/<link>` (admins): `{department_id: [row, …]}`.
pub fn department_links(d: &Data, link: DepartmentLink) -> Result<Row, DataError> {
    let (table, column, route) = link.parts();
    let rows = d.list(route, &[])?;
    let mut stmt = d.conn.prepare_cached(&format!(
        "SELECT department_id, {column} FROM {table} ORDER BY department_id"
    ))?;
    let pairs = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out = Row::new();
    for (department, item) in pairs {
        if let Some(row) = rows.iter().find(|r| text(r, "id") == item) {
            let list = out
                .entry(department)
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = list {
                list.push(Value::Object(row.clone()));
            }
        }
    }
    Ok(out)
}

/// `POST /data/departments/{d}/<link>` (admins): the link, made once.
pub fn department_link_add(
    d: &Data,
    department_id: &str,
    link: DepartmentLink,
    body: &Row,
) -> Result<Row, DataError> {
    let (table, column, route) = link.parts();
    let department = d.get(names::DEPARTMENTS, department_id)?;
    let item = named(d, route, id_field(body, column)?)?;
    d.conn.execute(
        &format!("INSERT OR IGNORE INTO {table} (department_id, {column}) VALUES (?, ?)"),
        [text(&department, "id"), text(&item, "id")],
    )?;
    let mut out = Row::new();
    out.insert("department_id".into(), json!(text(&department, "id")));
    out.insert(column.into(), json!(text(&item, "id")));
    Ok(out)
}

/// `DELETE /data/departments/{d}/<link>/{item}` (admins).
pub fn department_link_remove(
    d: &Data,
    department_id: &str,
    link: DepartmentLink,
    item_id: &str,
) -> Result<(), DataError> {
    let (table, column, route) = link.parts();
    let department = d.get(names::DEPARTMENTS, department_id)?;
    let item = d.get(route, item_id)?;
    d.conn.execute(
        &format!("DELETE FROM {table} WHERE department_id = ? AND {column} = ?"),
        [text(&department, "id"), text(&item, "id")],
    )?;
    Ok(())
}

/// The project a body or path names, once the viewer may change its settings (managers
/// and admins, as Zou's manager project access).
fn settable_project(d: &Data, project_id: &str) -> Result<Row, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    d.authorize_in_project(names::PROJECTS, text(&project, "id"))?;
    Ok(project)
}

/// `POST /data/task-type-links` `{project_id, task_type_id, priority}`: links the task type
/// to the production, or changes its priority; answers the link.
pub fn task_type_link(d: &Data, body: &Row) -> Result<Row, DataError> {
    let project = settable_project(d, id_field(body, "project_id")?)?;
    let task_type = named(d, names::TASK_TYPES, id_field(body, "task_type_id")?)?;
    let priority = int_field(body, "priority")?.unwrap_or(1);
    let (p, t) = (text(&project, "id"), text(&task_type, "id"));
    d.conn.execute(
        "INSERT INTO prod_project_task_type_link (project_id, task_type_id, priority) \
         VALUES (?1, ?2, ?3) ON CONFLICT (project_id, task_type_id) \
         DO UPDATE SET priority = excluded.priority",
        rusqlite::params![p, t, priority],
    )?;
    d.note_update(names::PROJECTS, &project)?;
    Ok(json_row(
        json!({"project_id": p, "task_type_id": t, "priority": priority}),
    ))
}

/// `POST /data/task-status-links` `{project_id, task_status_id, priority, roles_for_board}`.
pub fn task_status_link(d: &Data, body: &Row) -> Result<Row, DataError> {
    let project = settable_project(d, id_field(body, "project_id")?)?;
    let status = named(d, names::TASK_STATUS, id_field(body, "task_status_id")?)?;
    let priority = int_field(body, "priority")?.unwrap_or(1);
    let roles = match body.get("roles_for_board") {
        None | Some(Value::Null) => None,
        Some(Value::Array(roles)) if roles.len() <= 10 && roles.iter().all(Value::is_string) => {
            Some(Value::Array(roles.clone()))
        }
        Some(_) => {
            return Err(DataError::BadRequest(
                "`roles_for_board` is a list of role names".into(),
            ));
        }
    };
    let (p, s) = (text(&project, "id"), text(&status, "id"));
    d.conn.execute(
        "INSERT INTO prod_project_task_status_link (project_id, task_status_id, priority) \
         VALUES (?1, ?2, ?3) ON CONFLICT (project_id, task_status_id) \
         DO UPDATE SET priority = excluded.priority",
        rusqlite::params![p, s, priority],
    )?;
    d.note_update(names::PROJECTS, &project)?;
    Ok(json_row(
        json!({"project_id": p, "task_status_id": s, "priority": priority,
        "roles_for_board": roles.unwrap_or_else(|| json!([]))}),
    ))
}

fn json_row(value: Value) -> Row {
    match value {
        Value::Object(map) => map,
        _ => Row::new(),
    }
}

/// Which of a production's links a reorder sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ordered {
    /// `task-type-links` `{task_type_ids}`.
    TaskTypes,
    /// `task-status-links` `{task_status_ids}`.
    TaskStatuses,
}

impl Ordered {
    /// (body field, linked column, project link table, template link)
    fn parts(self) -> (&'static str, &'static str, &'static str, Link) {
        match self {
            Self::TaskTypes => (
                "task_type_ids",
                "task_type_id",
                "prod_project_task_type_link",
                Link::TaskTypes,
            ),
            Self::TaskStatuses => (
                "task_status_ids",
                "task_status_id",
                "prod_project_task_status_link",
                Link::TaskStatuses,
            ),
        }
    }
}

/// `POST /actions/projects/{p}/<links>/reorder`: each listed link's priority is its place
/// (from 1); ids the production does not link are passed over. Answers the links changed.
pub fn reorder_project_links(
    d: &Data,
    project_id: &str,
    ordered: Ordered,
    body: &Row,
) -> Result<Vec<Row>, DataError> {
    let (field, column, table, _) = ordered.parts();
    let ids = id_list(body, field)?;
    let project = settable_project(d, project_id)?;
    let p = text(&project, "id");
    let mut changed = Vec::new();
    for (place, id) in ids.iter().enumerate() {
        let priority = i64::try_from(place).unwrap_or(i64::MAX) + 1;
        let n = d.conn.execute(
            &format!("UPDATE {table} SET priority = ?1 WHERE project_id = ?2 AND {column} = ?3"),
            rusqlite::params![priority, p, id],
        )?;
        if n > 0 {
            let mut link = Row::new();
            link.insert("project_id".into(), json!(p));
            link.insert(column.into(), json!(id));
            link.insert("priority".into(), json!(priority));
            changed.push(link);
        }
    }
    d.note_update(names::PROJECTS, &project)?;
    Ok(changed)
}

/// `POST /actions/task-types/reorder` `{task_type_ids}` (admins): the studio's task type
/// order; unknown ids are passed over. Answers the task types changed.
pub fn reorder_task_types(d: &Data, body: &Row) -> Result<Vec<Row>, DataError> {
    let ids = id_list(body, "task_type_ids")?;
    let mut changed = Vec::new();
    for (place, id) in ids.iter().enumerate() {
        if d.get(names::TASK_TYPES, id).is_err() {
            continue;
        }
        let priority = place + 1;
        changed.push(d.update(names::TASK_TYPES, id, json!({"priority": priority}))?);
    }
    Ok(changed)
}

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
    let admin = super::Viewer {
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
    let admin = super::Viewer {
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
            .map_or_else(|| super::descriptors::field_name(name), str::to_owned);
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
