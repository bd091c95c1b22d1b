//! Project templates, as Kitsu's production wizard offers them: a production's settings and
//! the task types, task statuses and asset types it uses, kept apart to start new ones from.
//! The template rows themselves are a generic model (`/data/project-templates`); here are
//! their links, a template taken from a production, and a template applied to one.

use super::DataError;
use super::data::{Data, Row, text};
use super::names::{self, ModelName};
use super::project::full_project;
use serde_json::{Value, json};

/// What a template lists: `/data/project-templates/{t}/<link>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// `task-types`, each with a priority.
    TaskTypes,
    /// `task-statuses`, each with a priority and the roles that see it on the board.
    TaskStatuses,
    /// `asset-types`.
    AssetTypes,
}

impl Link {
    /// The link a URL names.
    pub fn from_route(route: &str) -> Option<Self> {
        match route {
            "task-types" => Some(Self::TaskTypes),
            "task-statuses" => Some(Self::TaskStatuses),
            "asset-types" => Some(Self::AssetTypes),
            _ => None,
        }
    }

    /// (link table, linked column, linked model, the project's own link table)
    fn parts(self) -> (&'static str, &'static str, ModelName, &'static str) {
        match self {
            Self::TaskTypes => (
                "prod_project_template_task_type_link",
                "task_type_id",
                names::TASK_TYPES,
                "prod_project_task_type_link",
            ),
            Self::TaskStatuses => (
                "prod_project_template_task_status_link",
                "task_status_id",
                names::TASK_STATUS,
                "prod_project_task_status_link",
            ),
            Self::AssetTypes => (
                "prod_project_template_asset_type_link",
                "asset_type_id",
                names::ASSET_TYPES,
                "prod_project_asset_type_link",
            ),
        }
    }
}

/// Only admins shape templates, as in Zou.
fn admins_only(d: &Data) -> Result<(), DataError> {
    if d.viewer.is_admin() {
        Ok(())
    } else {
        Err(DataError::Forbidden(
            "project templates are changed by admins".into(),
        ))
    }
}

/// `GET /data/project-templates/{t}/<link>`: the rows the template lists, task types and
/// statuses with their `priority`, in priority order.
pub fn linked(d: &Data, template_id: &str, link: Link) -> Result<Vec<Row>, DataError> {
    let template = d.get(names::PROJECT_TEMPLATES, template_id)?;
    let (table, column, route, _) = link.parts();
    let priority = if link == Link::AssetTypes {
        "NULL"
    } else {
        "priority"
    };
    let mut stmt = d.conn.prepare_cached(&format!(
        "SELECT {column}, {priority} FROM {table} WHERE project_template_id = ? \
         ORDER BY {priority} IS NULL, {priority}, {column}"
    ))?;
    let pairs = stmt
        .query_map([text(&template, "id")], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut rows = Vec::with_capacity(pairs.len());
    for (id, priority) in pairs {
        let mut row = d.get(route, &id)?;
        if link != Link::AssetTypes {
            row.insert("priority".into(), Value::from(priority));
        }
        rows.push(row);
    }
    Ok(rows)
}

/// `POST /data/project-templates/{t}/<link>` `{<kind>_id, priority?}` (admins): adds the row
/// to the template, or changes its priority; answers the template's list.
pub fn link_add(
    d: &Data,
    template_id: &str,
    link: Link,
    body: &Row,
) -> Result<Vec<Row>, DataError> {
    admins_only(d)?;
    let template = d.get(names::PROJECT_TEMPLATES, template_id)?;
    let (table, column, route, _) = link.parts();
    let id = body
        .get(column)
        .and_then(Value::as_str)
        .ok_or_else(|| DataError::BadRequest(format!("`{column}` is required")))?;
    let row = d
        .get(route, id)
        .map_err(|_| DataError::BadRequest(format!("{route} {id} not found")))?;
    let priority = match body.get("priority") {
        None | Some(Value::Null) => None,
        Some(p) => Some(
            p.as_i64()
                .ok_or_else(|| DataError::BadRequest("`priority` is a number".into()))?,
        ),
    };
    d.conn.execute(
        &format!("INSERT OR IGNORE INTO {table} (project_template_id, {column}) VALUES (?, ?)"),
        [text(&template, "id"), text(&row, "id")],
    )?;
    if link != Link::AssetTypes && priority.is_some() {
        d.conn.execute(
            &format!(
                "UPDATE {table} SET priority = ? WHERE project_template_id = ? AND {column} = ?"
            ),
            rusqlite::params![priority, text(&template, "id"), text(&row, "id")],
        )?;
    }
    if link == Link::TaskStatuses
        && let Some(roles) = body.get("roles_for_board").filter(|r| r.is_array())
    {
        d.conn.execute(
            "UPDATE prod_project_template_task_status_link SET roles_for_board = ? \
             WHERE project_template_id = ? AND task_status_id = ?",
            rusqlite::params![roles.to_string(), text(&template, "id"), text(&row, "id")],
        )?;
    }
    linked(d, text(&template, "id"), link)
}

/// `DELETE /data/project-templates/{t}/<link>/{id}` (admins).
pub fn link_remove(d: &Data, template_id: &str, link: Link, id: &str) -> Result<(), DataError> {
    admins_only(d)?;
    let template = d.get(names::PROJECT_TEMPLATES, template_id)?;
    let (table, column, _, _) = link.parts();
    d.conn.execute(
        &format!("DELETE FROM {table} WHERE project_template_id = ? AND {column} = ?"),
        [text(&template, "id"), id],
    )?;
    Ok(())
}

/// The production settings a template carries, with the project's own column names.
const SETTINGS: &[&str] = &[
    "fps",
    "ratio",
    "resolution",
    "production_type",
    "production_style",
    "max_retakes",
    "is_clients_isolated",
    "is_preview_download_allowed",
    "is_set_preview_automated",
    "is_publish_default_for_artists",
    "homepage",
    "file_tree",
];

/// The metadata columns a template keeps of a production's descriptors.
const DESCRIPTOR_FIELDS: &[&str] = &[
    "entity_type",
    "name",
    "field_name",
    "data_type",
    "choices",
    "for_client",
    "position",
];

/// `POST /data/project-templates/from-project/{p}` `{name?, description?}` (admins): a new
/// template with the production's settings, task types (and priorities), task statuses,
/// asset types and metadata columns; named after it unless `name` says otherwise.
pub fn from_project(d: &Data, project_id: &str, body: &Row) -> Result<Row, DataError> {
    admins_only(d)?;
    let project = d.get(names::PROJECTS, project_id)?;
    let project_id = text(&project, "id").to_owned();
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .unwrap_or(text(&project, "name"));
    let mut fields = serde_json::Map::new();
    fields.insert("name".into(), Value::from(name));
    if let Some(description) = body.get("description").filter(|v| v.is_string()) {
        fields.insert("description".into(), description.clone());
    }
    for field in SETTINGS {
        if let Some(value) = project.get(*field).filter(|v| !v.is_null()) {
            fields.insert((*field).into(), value.clone());
        }
    }
    let descriptors: Vec<Value> = d
        .list(names::METADATA_DESCRIPTORS, &[("project_id", &project_id)])?
        .into_iter()
        .map(|m| {
            Value::Object(
                DESCRIPTOR_FIELDS
                    .iter()
                    .map(|f| ((*f).to_owned(), m.get(*f).cloned().unwrap_or(Value::Null)))
                    .collect(),
            )
        })
        .collect();
    fields.insert("metadata_descriptors".into(), Value::Array(descriptors));
    let template = d.create(names::PROJECT_TEMPLATES, Value::Object(fields))?;
    let template_id = text(&template, "id").to_owned();
    for link in [Link::TaskTypes, Link::TaskStatuses, Link::AssetTypes] {
        let (table, column, _, project_table) = link.parts();
        let copied = if link == Link::AssetTypes {
            format!(
                "INSERT INTO {table} (project_template_id, {column}) \
                 SELECT ?1, {column} FROM {project_table} WHERE project_id = ?2"
            )
        } else {
            format!(
                "INSERT INTO {table} (project_template_id, {column}, priority) \
                 SELECT ?1, {column}, priority FROM {project_table} WHERE project_id = ?2"
            )
        };
        d.conn
            .execute(&copied, [template_id.as_str(), project_id.as_str()])?;
    }
    d.get(names::PROJECT_TEMPLATES, &template_id)
}

/// `POST /data/projects/{p}/apply-template/{t}` (those who may change the production): the
/// template's settings on the production, its task types, task statuses and asset types
/// added (a priority the template sets wins), its metadata columns made where the
/// production has none of that field. Answers the production.
pub fn apply(d: &Data, project_id: &str, template_id: &str) -> Result<Row, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    let project_id = text(&project, "id").to_owned();
    d.authorize_in_project(names::PROJECTS, &project_id)?;
    let template = d.get(names::PROJECT_TEMPLATES, template_id)?;
    let template_id = text(&template, "id").to_owned();
    let settings: serde_json::Map<String, Value> = SETTINGS
        .iter()
        .filter_map(|f| {
            template
                .get(*f)
                .filter(|v| !v.is_null())
                .map(|v| ((*f).to_owned(), v.clone()))
        })
        .collect();
    d.update(names::PROJECTS, &project_id, Value::Object(settings))?;
    for link in [Link::TaskTypes, Link::TaskStatuses, Link::AssetTypes] {
        let (table, column, _, project_table) = link.parts();
        d.conn.execute(
            &format!(
                "INSERT OR IGNORE INTO {project_table} (project_id, {column}) \
                 SELECT ?1, {column} FROM {table} WHERE project_template_id = ?2"
            ),
            [project_id.as_str(), template_id.as_str()],
        )?;
        if link != Link::AssetTypes {
            d.conn.execute(
                &format!(
                    "UPDATE {project_table} SET priority = (SELECT t.priority FROM {table} AS t \
                     WHERE t.project_template_id = ?2 AND t.{column} = {project_table}.{column}) \
                     WHERE project_id = ?1 AND {column} IN (SELECT {column} FROM {table} \
                     WHERE project_template_id = ?2 AND priority IS NOT NULL)"
                ),
                [project_id.as_str(), template_id.as_str()],
            )?;
        }
    }
    let existing = d.list(names::METADATA_DESCRIPTORS, &[("project_id", &project_id)])?;
    if let Some(Value::Array(descriptors)) = template.get("metadata_descriptors") {
        for descriptor in descriptors {
            let Value::Object(fields) = descriptor else {
                continue;
            };
            let taken = existing.iter().any(|e| {
                text(e, "entity_type") == text(fields, "entity_type")
                    && (text(e, "field_name") == text(fields, "field_name")
                        || text(e, "name") == text(fields, "name"))
            });
            if taken {
                continue;
            }
            let mut made: serde_json::Map<String, Value> = fields
                .iter()
                .filter(|(k, v)| DESCRIPTOR_FIELDS.contains(&k.as_str()) && !v.is_null())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            made.insert("project_id".into(), json!(project_id));
            d.create(names::METADATA_DESCRIPTORS, Value::Object(made))?;
        }
    }
    let project = d.get(names::PROJECTS, &project_id)?;
    full_project(d, project)
}
