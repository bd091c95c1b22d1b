//! Metadata descriptors: the custom columns of a production's lists, whose values live in
//! the `data` of its entities, tasks or the production itself. Made, renamed, reordered and
//! removed per production or across the open ones, as Zou does; a rename moves the stored
//! values to the new key and a removal takes them out, in the same write.

use super::DataError;
use super::data::{Data, Row, text};
use super::models::TEMPORAL_TYPES;
use super::names;
use drover_shared::Role;
use serde_json::{Value, json};

mod everywhere;
pub use everywhere::{add_everywhere, remove_everywhere, reorder_everywhere, update_everywhere};

/// The kinds of rows a column may describe.
const ENTITY_TYPES: &[&str] = &[
    "Asset", "Shot", "Edit", "Episode", "Sequence", "Project", "Task",
];

/// Zou's column types.
const DATA_TYPES: &[&str] = &[
    "string",
    "number",
    "list",
    "taglist",
    "boolean",
    "checklist",
    "date",
    "url",
    "textarea",
    "person",
];

/// The most ids one reorder takes: far more than any studio's task types or statuses.
pub const MAX_IDS: usize = 1000;

/// A list of ids under `field`, at most [`MAX_IDS`].
pub fn id_list(body: &Row, field: &str) -> Result<Vec<String>, DataError> {
    let Some(Value::Array(items)) = body.get(field) else {
        return Err(DataError::BadRequest(format!(
            "the body must be a JSON object with a `{field}` list"
        )));
    };
    if items.len() > MAX_IDS {
        return Err(DataError::BadRequest(format!(
            "`{field}` lists at most {MAX_IDS} ids"
        )));
    }
    items
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| DataError::BadRequest(format!("`{field}` lists ids")))
        })
        .collect()
}

/// The longest name a column takes.
const MAX_NAME: usize = 120;
/// The most choices a list column takes.
const MAX_CHOICES: usize = 500;

/// A column's key in `data`: its name in lower case, runs of anything but letters and
/// digits made one `_` (Zou slugifies the name the same way).
pub fn field_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

fn string_list(body: &Row, field: &str, max: usize) -> Result<Option<Vec<Value>>, DataError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) if items.len() <= max && items.iter().all(Value::is_string) => {
            Ok(Some(items.clone()))
        }
        Some(_) => Err(DataError::BadRequest(format!(
            "`{field}` is a list of at most {max} strings"
        ))),
    }
}

/// The person's departments.
fn my_departments(d: &Data) -> Result<Vec<String>, DataError> {
    let mut stmt = d
        .conn
        .prepare_cached("SELECT department_id FROM prod_department_link WHERE person_id = ?")?;
    let ids = stmt
        .query_map([d.viewer.id.to_string()], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(ids)
}

/// Zou's rule for changing a production's columns: admins, managers, and supervisors on
/// its team for columns of their departments (a column of no department is not theirs).
fn may_change(d: &Data, project_id: &str, departments: &[Value]) -> Result<(), DataError> {
    if d.viewer.sees_all_projects() {
        return Ok(());
    }
    let allowed = d.viewer.role == Role::Supervisor
        && super::on_team(d.conn, project_id, d.viewer.id)?
        && !departments.is_empty()
        && {
            let mine = my_departments(d)?;
            mine.is_empty()
                || mine
                    .iter()
                    .all(|m| departments.iter().any(|v| v.as_str() == Some(m)))
        };
    if allowed {
        Ok(())
    } else {
        Err(DataError::Forbidden(
            "only managers, admins and the supervisors of the column's departments change it"
                .into(),
        ))
    }
}

fn departments_of(descriptor: &Row) -> Vec<Value> {
    match descriptor.get("departments") {
        Some(Value::Array(list)) => list.clone(),
        _ => Vec::new(),
    }
}

/// Checks a body's departments exist.
fn check_departments(d: &Data, departments: &[Value]) -> Result<(), DataError> {
    for department in departments {
        let id = department.as_str().unwrap_or_default();
        d.get(names::DEPARTMENTS, id)
            .map_err(|_| DataError::BadRequest(format!("department {id} not found")))?;
    }
    Ok(())
}

/// The fields a new column takes, checked: (entity type, name, data type, choices,
/// for_client, departments).
struct NewColumn {
    entity_type: String,
    name: String,
    data_type: String,
    choices: Vec<Value>,
    for_client: bool,
    departments: Vec<Value>,
}

fn new_column(body: &Row, types: &[&str]) -> Result<NewColumn, DataError> {
    let entity_type = body
        .get("entity_type")
        .and_then(Value::as_str)
        .unwrap_or("Asset");
    if !types.contains(&entity_type) {
        return Err(DataError::BadRequest(format!(
            "Wrong entity type. Please select one of {}.",
            types.join(", ")
        )));
    }
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| DataError::BadRequest("`name` is required".into()))?;
    if name.chars().count() > MAX_NAME || field_name(name).is_empty() {
        return Err(DataError::BadRequest(format!(
            "`name` needs a letter or a digit and at most {MAX_NAME} characters"
        )));
    }
    let data_type = body
        .get("data_type")
        .and_then(Value::as_str)
        .unwrap_or("string");
    if !DATA_TYPES.contains(&data_type) {
        return Err(DataError::BadRequest("Invalid data_type".into()));
    }
    let for_client = match body.get("for_client") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true",
        Some(_) => {
            return Err(DataError::BadRequest(
                "`for_client` is true or false".into(),
            ));
        }
    };
    Ok(NewColumn {
        entity_type: entity_type.to_owned(),
        name: name.to_owned(),
        data_type: data_type.to_owned(),
        choices: string_list(body, "choices", MAX_CHOICES)?.unwrap_or_default(),
        for_client,
        departments: string_list(body, "departments", 100)?.unwrap_or_default(),
    })
}

/// Makes one column on a production (the checks done).
fn create(
    d: &Data,
    project_id: &str,
    column: &NewColumn,
    task_type_id: Option<&str>,
) -> Result<Row, DataError> {
    let taken: bool = d
        .conn
        .prepare_cached(
            "SELECT 1 FROM prod_metadata_descriptor WHERE project_id = ?1 AND entity_type = ?2 \
             AND (field_name = ?3 OR name = ?4)",
        )?
        .exists(rusqlite::params![
            project_id,
            column.entity_type,
            field_name(&column.name),
            column.name
        ])?;
    if taken {
        return Err(DataError::BadRequest(
            "Metadata descriptor already exists.".into(),
        ));
    }
    d.create_with(
        names::METADATA_DESCRIPTORS,
        json!({
            "project_id": project_id,
            "entity_type": column.entity_type,
            "name": column.name,
            "data_type": column.data_type,
            "choices": column.choices,
            "for_client": column.for_client,
            "task_type_id": task_type_id,
        }),
        vec![
            (
                "field_name".into(),
                rusqlite::types::Value::Text(field_name(&column.name)),
            ),
            (
                "departments".into(),
                rusqlite::types::Value::Text(Value::from(column.departments.clone()).to_string()),
            ),
        ],
    )
}

/// `POST /data/projects/{p}/metadata-descriptors` `{name, data_type, choices, for_client,
/// entity_type, departments[, task_type_id]}`.
pub fn add(d: &Data, project_id: &str, body: &Row) -> Result<Row, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    let project_id = text(&project, "id");
    let column = new_column(body, ENTITY_TYPES)?;
    may_change(d, project_id, &column.departments)?;
    check_departments(d, &column.departments)?;
    let task_type = body.get("task_type_id").and_then(Value::as_str);
    match (column.entity_type.as_str(), task_type) {
        ("Task", None) => {
            return Err(DataError::BadRequest(
                "Task metadata descriptors require a task_type_id.".into(),
            ));
        }
        ("Task", Some(id)) => {
            d.get(names::TASK_TYPES, id)
                .map_err(|_| DataError::BadRequest("Task type not found.".into()))?;
        }
        (_, Some(_)) => {
            return Err(DataError::BadRequest(
                "task_type_id only applies to Task metadata descriptors.".into(),
            ));
        }
        _ => {}
    }
    create(d, project_id, &column, task_type)
}

/// A production's column, by the path's production: a column of another production is not
/// found through it.
fn of_project(d: &Data, project_id: &str, id: &str) -> Result<Row, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    let descriptor = d.get(names::METADATA_DESCRIPTORS, id)?;
    if text(&descriptor, "project_id") != text(&project, "id") {
        return Err(DataError::NotFound(format!(
            "metadata descriptor {id} not found"
        )));
    }
    Ok(descriptor)
}

/// `GET /data/projects/{p}/metadata-descriptors/{id}`: a client reads the columns shown to
/// clients; a vendor those of their departments or of none.
pub fn one(d: &Data, project_id: &str, id: &str) -> Result<Row, DataError> {
    let descriptor = of_project(d, project_id, id)?;
    let visible = match d.viewer.role {
        Role::Client => descriptor.get("for_client") == Some(&Value::Bool(true)),
        Role::Vendor => {
            let departments = departments_of(&descriptor);
            let mine = my_departments(d)?;
            departments.is_empty()
                || departments
                    .iter()
                    .any(|v| v.as_str().is_some_and(|v| mine.iter().any(|m| m == v)))
        }
        _ => true,
    };
    if visible {
        Ok(descriptor)
    } else {
        Err(DataError::Forbidden(
            "this column is not shown to you".into(),
        ))
    }
}

/// The SQL that reaches the rows holding a column's values: (table, id column, filter).
fn holders(descriptor: &Row) -> (&'static str, &'static str, String) {
    let project = "project_id = ?2";
    match text(descriptor, "entity_type") {
        "Project" => ("projects", "uuid", "uuid = ?2".to_owned()),
        "Task" => (
            "prod_task",
            "id",
            format!("{project} AND task_type_id = ?3"),
        ),
        "Asset" => (
            "prod_entity",
            "id",
            format!(
                "{project} AND entity_type_id IN (SELECT id FROM prod_entity_type \
                 WHERE name NOT IN ({}))",
                TEMPORAL_TYPES
                    .iter()
                    .map(|t| format!("'{t}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        _ => (
            "prod_entity",
            "id",
            format!(
                "{project} AND entity_type_id IN (SELECT id FROM prod_entity_type \
                 WHERE name = ?3)"
            ),
        ),
    }
}

/// A JSON path naming one key of `data`.
fn key_path(key: &str) -> String {
    format!("$.\"{}\"", key.replace('"', ""))
}

/// Moves (`to` set) or removes the stored values of a column.
fn move_values(d: &Data, descriptor: &Row, to: Option<&str>) -> Result<(), DataError> {
    let (table, _, filter) = holders(descriptor);
    let from = key_path(text(descriptor, "field_name"));
    let set = match to {
        Some(to) => format!(
            "json_set(json_remove(data, ?1), '{}', json_extract(data, ?1))",
            key_path(to).replace('\'', "")
        ),
        None => "json_remove(data, ?1)".to_owned(),
    };
    let mut params = vec![from, text(descriptor, "project_id").to_owned()];
    match text(descriptor, "entity_type") {
        "Task" => params.push(text(descriptor, "task_type_id").to_owned()),
        "Project" | "Asset" => {}
        other => params.push(other.to_owned()),
    }
    d.conn.execute(
        &format!(
            "UPDATE {table} SET data = {set} WHERE {filter} AND json_valid(data) \
             AND json_type(data, ?1) IS NOT NULL"
        ),
        rusqlite::params_from_iter(params),
    )?;
    Ok(())
}

/// Applies `changes` (name, data_type, choices, for_client, departments) to a column; a new
/// name moves its values.
fn change(d: &Data, descriptor: &Row, changes: &Row) -> Result<Row, DataError> {
    let mut update = Row::new();
    let mut extra = Vec::new();
    if let Some(name) = changes
        .get("name")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        let field = field_name(name);
        if name.chars().count() > MAX_NAME || field.is_empty() {
            return Err(DataError::BadRequest(format!(
                "`name` needs a letter or a digit and at most {MAX_NAME} characters"
            )));
        }
        let taken: bool = d
            .conn
            .prepare_cached(
                "SELECT 1 FROM prod_metadata_descriptor WHERE id <> ?1 AND project_id = ?2 \
                 AND entity_type = ?3 AND (name = ?4 OR field_name = ?5)",
            )?
            .exists(rusqlite::params![
                text(descriptor, "id"),
                text(descriptor, "project_id"),
                text(descriptor, "entity_type"),
                name,
                field
            ])?;
        if taken {
            return Err(DataError::BadRequest(
                "Metadata descriptor already exists.".into(),
            ));
        }
        if field != text(descriptor, "field_name") {
            move_values(d, descriptor, Some(&field))?;
        }
        update.insert("name".into(), json!(name));
        extra.push(("field_name".into(), rusqlite::types::Value::Text(field)));
    }
    if let Some(data_type) = changes.get("data_type").filter(|v| !v.is_null()) {
        if !data_type.as_str().is_some_and(|t| DATA_TYPES.contains(&t)) {
            return Err(DataError::BadRequest("Invalid data_type".into()));
        }
        update.insert("data_type".into(), data_type.clone());
    }
    if let Some(choices) = string_list(changes, "choices", MAX_CHOICES)? {
        update.insert("choices".into(), Value::Array(choices));
    }
    match changes.get("for_client") {
        None | Some(Value::Null) => {}
        Some(Value::Bool(b)) => {
            update.insert("for_client".into(), json!(b));
        }
        Some(_) => {
            return Err(DataError::BadRequest(
                "`for_client` is true or false".into(),
            ));
        }
    }
    if let Some(departments) = string_list(changes, "departments", 100)? {
        check_departments(d, &departments)?;
        extra.push((
            "departments".into(),
            rusqlite::types::Value::Text(Value::Array(departments).to_string()),
        ));
    }
    d.update_with(
        names::METADATA_DESCRIPTORS,
        text(descriptor, "id"),
        Value::Object(update),
        extra,
    )
}

/// `PUT /data/projects/{p}/metadata-descriptors/{id}`.
pub fn update(d: &Data, project_id: &str, id: &str, body: &Row) -> Result<Row, DataError> {
    let descriptor = of_project(d, project_id, id)?;
    let mut departments = departments_of(&descriptor);
    departments.extend(string_list(body, "departments", 100)?.unwrap_or_default());
    may_change(d, text(&descriptor, "project_id"), &departments)?;
    change(d, &descriptor, body)
}

/// Removes a column and its stored values.
fn remove_one(d: &Data, descriptor: &Row) -> Result<(), DataError> {
    move_values(d, descriptor, None)?;
    d.delete(names::METADATA_DESCRIPTORS, text(descriptor, "id"))
}

/// `DELETE /data/projects/{p}/metadata-descriptors/{id}`: the column, and its values from
/// the rows that held them.
pub fn remove(d: &Data, project_id: &str, id: &str) -> Result<(), DataError> {
    let descriptor = of_project(d, project_id, id)?;
    may_change(
        d,
        text(&descriptor, "project_id"),
        &departments_of(&descriptor),
    )?;
    remove_one(d, &descriptor)
}

/// A production's columns of one entity type, in order.
fn of_type(d: &Data, project_id: &str, entity_type: &str) -> Result<Vec<Row>, DataError> {
    let mut rows = d.list(
        names::METADATA_DESCRIPTORS,
        &[("project_id", project_id), ("entity_type", entity_type)],
    )?;
    rows.sort_by(|a, b| {
        let position = |r: &Row| {
            r.get("position")
                .and_then(Value::as_i64)
                .unwrap_or(i64::MAX)
        };
        position(a)
            .cmp(&position(b))
            .then_with(|| text(a, "name").cmp(text(b, "name")))
    });
    Ok(rows)
}

/// Sets the positions of a production's columns of one type: the listed ones first, in
/// order, the others after them by name. Answers the columns in their new order.
fn set_order(
    d: &Data,
    project_id: &str,
    entity_type: &str,
    ids: &[String],
) -> Result<Vec<Row>, DataError> {
    let columns = of_type(d, project_id, entity_type)?;
    if let Some(unknown) = ids
        .iter()
        .find(|id| !columns.iter().any(|c| text(c, "id") == id.as_str()))
    {
        return Err(DataError::BadRequest(format!(
            "Descriptor {unknown} not found for project {project_id} and entity type \
             {entity_type}"
        )));
    }
    let mut rest: Vec<&Row> = columns
        .iter()
        .filter(|c| !ids.iter().any(|id| id == text(c, "id")))
        .collect();
    rest.sort_by(|a, b| text(a, "name").cmp(text(b, "name")));
    let order = ids
        .iter()
        .map(String::as_str)
        .chain(rest.iter().map(|c| text(c, "id")));
    let mut out = Vec::with_capacity(columns.len());
    for (place, id) in order.enumerate() {
        out.push(d.update(
            names::METADATA_DESCRIPTORS,
            id,
            json!({"position": place + 1}),
        )?);
    }
    Ok(out)
}

fn entity_type_of(body: &Row, types: &[&str]) -> Result<String, DataError> {
    let entity_type = body
        .get("entity_type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if types.contains(&entity_type) {
        Ok(entity_type.to_owned())
    } else {
        Err(DataError::BadRequest(format!(
            "Wrong entity type. Please select one of {}.",
            types.join(", ")
        )))
    }
}

/// `POST /data/projects/{p}/metadata-descriptors/reorder` `{entity_type, descriptor_ids}`
/// (managers).
pub fn reorder(d: &Data, project_id: &str, body: &Row) -> Result<Vec<Row>, DataError> {
    let entity_type = entity_type_of(body, ENTITY_TYPES)?;
    let ids = id_list(body, "descriptor_ids")?;
    let project = d.get(names::PROJECTS, project_id)?;
    d.authorize_in_project(names::PROJECTS, text(&project, "id"))?;
    set_order(d, text(&project, "id"), &entity_type, &ids)
}
