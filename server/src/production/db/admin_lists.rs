//! The studio's admin lists beyond their generic rows, as Kitsu's admin pages and production
//! settings edit them: salary scales (one per department, position and seniority), the
//! hardware and software a department uses, a production's task type and status links and
//! their order, the status automations and preview backgrounds a production or a template
//! uses, and a template's order, default background and metadata columns.

use super::DataError;
use super::data::{Data, Row, text};
use super::descriptors::id_list;
use super::names::{self, ModelName};
use super::templates::Link;
use serde_json::{Value, json};

mod uses;
pub use uses::{
    Uses, context_lists, project_uses, project_uses_add, project_uses_list, project_uses_remove,
    reorder_template, template_default_background, template_descriptors, template_uses_add,
    template_uses_list, template_uses_remove,
};

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
