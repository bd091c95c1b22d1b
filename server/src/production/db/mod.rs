//! Production tracking (the Kitsu/Zou model): the generic reads and writes behind
//! `/data/<model>`, and the queries of the routes built on them.
//!
//! A model (`models::Model`) names a table; the table's columns and their types come from
//! SQLite (`schema::Schema`). Every list, get, create, update and delete goes through the
//! functions here, which check field names and types, apply Kitsu's rule of who sees which
//! project, and turn SQLite's constraint failures into 400s that say what was wrong.

mod access;
pub(crate) mod admin_lists;
pub(crate) mod annotations;
pub(crate) mod asset_sharing;
pub(crate) mod attachments;
pub(crate) mod breakdown;
pub(crate) mod budgets;
pub(crate) mod bulk;
pub(crate) mod casting;
pub(crate) mod chats;
pub(crate) mod comments;
pub(crate) mod concept_links;
pub(crate) mod data;
pub(crate) mod day_offs;
pub(crate) mod descriptors;
pub(crate) mod downloads;
pub(crate) mod events;
pub(crate) mod exports;
pub(crate) mod files;
pub(crate) mod filter_groups;
pub(crate) mod imports;
pub mod list;
pub(crate) mod live;
pub(crate) mod mine;
pub(crate) mod models;
pub(crate) mod news;
pub(crate) mod open_tasks;
pub(crate) mod outputs;
mod plan;
pub(crate) mod playlists;
mod present;
pub(crate) mod production_csv;
pub(crate) mod project;
mod query;
pub(crate) mod quota_shots;
pub(crate) mod quotas;
pub(crate) mod related;
pub(crate) mod review;
pub(crate) mod rules;
pub(crate) mod schedule;
pub(crate) mod schedule_items;
pub(crate) mod schedule_versions;
pub(crate) mod schema;
pub(crate) mod search;
pub(crate) mod shares;
pub(crate) mod tasks;
pub(crate) mod team_roles;
pub(crate) mod templates;
pub(crate) mod time;
pub(crate) mod timesheets;
pub(crate) mod user;
pub(crate) mod versions;
pub(crate) mod with_tasks;

use access::authorize_write;
pub(crate) use access::{Viewer, on_team};
pub(crate) use data::{Data, Row};
use drover_shared::Role;
pub(crate) use list::{list, list_json};
pub(crate) use models::{
    Access, MODELS, Model, ModelName, Private, Rows, by_name, by_route, names,
};
pub(crate) use present::attach_relations;
use present::{select, select_list};
pub(crate) use query::ListQuery;
use query::{Where, rows_clause, scope_clause, unknown_field};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, ErrorCode, OptionalExtension, params_from_iter};
pub(crate) use schema::Schema;
use schema::now_text;
use serde_json::{Map, Value};

/// Why a production read or write was refused.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// Unknown field, wrong type, missing value or a broken constraint.
    #[error("{0}")]
    BadRequest(String),
    /// The person's role or team does not allow it.
    #[error("{0}")]
    Forbidden(String),
    /// No such row.
    #[error("{0}")]
    NotFound(String),
    /// SQLite failed for another reason.
    #[error(transparent)]
    Sqlite(rusqlite::Error),
}

impl From<super::rules::Refused> for DataError {
    fn from(refused: super::rules::Refused) -> Self {
        Self::Forbidden(refused.0)
    }
}

impl From<rusqlite::Error> for DataError {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(failure, message) = &e
            && failure.code == ErrorCode::ConstraintViolation
        {
            let message = message.clone().unwrap_or_default();
            return Self::BadRequest(constraint_message(failure.extended_code, &message));
        }
        Self::Sqlite(e)
    }
}

/// Kitsu's wording where it has one; otherwise what SQLite found, in plain words.
fn constraint_message(extended: i32, message: &str) -> String {
    match extended {
        rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
            "A record with the same unique values already exists.".into()
        }
        rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY => {
            "Integrity error: a referenced record does not exist, or this record is still \
             referenced by others."
                .into()
        }
        rusqlite::ffi::SQLITE_CONSTRAINT_NOTNULL => {
            let field = message.rsplit('.').next().unwrap_or(message);
            format!("`{field}` is required")
        }
        rusqlite::ffi::SQLITE_CONSTRAINT_CHECK => format!("a value is not allowed ({message})"),
        _ => format!("integrity error: {message}"),
    }
}

/// The id of every row of a production table (`id` column), for the sweeps of media whose
/// row is gone.
pub fn row_ids(
    conn: &Connection,
    table: &str,
) -> rusqlite::Result<std::collections::HashSet<String>> {
    conn.prepare(&format!("SELECT id FROM {table}"))?
        .query_map([], |r| r.get(0))?
        .collect()
}

/// One row by id, with its many-to-many fields; 404 when it does not exist or is out of the
/// viewer's projects.
pub fn get(
    conn: &Connection,
    schema: &Schema,
    model: &Model,
    viewer: &Viewer,
    id: &str,
) -> Result<Map<String, Value>, DataError> {
    let id = parse_id(model, id)?;
    let mut w = Where::default();
    rows_clause(model, &mut w);
    scope_clause(model, viewer, &mut w)?;
    w.and(&format!("t.{} = ?", model.id_column));
    w.params.push(SqlValue::Text(id.clone()));
    let table = schema.table(model.table);
    let sql = format!(
        "SELECT {} FROM {} AS t{}",
        select_list(table),
        model.table,
        w.sql
    );
    // One id, one row.
    let mut rows = select(
        conn,
        table,
        model,
        viewer,
        &sql,
        &w.params,
        usize::MAX,
        || not_found(model, &id),
    )?;
    attach_relations(conn, model, &mut rows)?;
    rows.pop().ok_or_else(|| not_found(model, &id))
}

fn not_found(model: &Model, id: &str) -> DataError {
    DataError::NotFound(format!("{} {id} not found", model.kind))
}

/// A path id as a canonical UUID; 400 when it is not one (Kitsu's "Malformed ID").
pub fn parse_id(model: &Model, id: &str) -> Result<String, DataError> {
    uuid::Uuid::parse_str(id)
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| DataError::BadRequest(format!("malformed {} id `{id}`", model.kind)))
}

/// A body's column values, and its many-to-many fields with their ids.
type ParsedBody = (
    Vec<(String, SqlValue)>,
    Vec<(&'static models::Relation, Vec<String>)>,
);

/// Checks a request body against the table: its columns as SQL values and its many-to-many
/// fields as id lists. `strict` refuses unknown fields (create); otherwise they are ignored,
/// as Kitsu ignores the extra keys clients send back on update.
fn parse_body(
    schema: &Schema,
    model: &Model,
    body: &Map<String, Value>,
    strict: bool,
    creating: bool,
) -> Result<ParsedBody, DataError> {
    let table = schema.table(model.table);
    let mut columns = Vec::new();
    let mut relations = Vec::new();
    for (field, value) in body {
        if model.read_only.contains(&field.as_str()) {
            continue;
        }
        if let Some(relation) = model.relation(field) {
            let ids = value
                .as_array()
                .ok_or_else(|| DataError::BadRequest(format!("`{field}` must be a list of ids")))?
                .iter()
                .map(|v| {
                    v.as_str()
                        .and_then(|s| uuid::Uuid::parse_str(s).ok())
                        .map(|u| u.hyphenated().to_string())
                        .ok_or_else(|| {
                            DataError::BadRequest(format!("`{field}` must be a list of ids"))
                        })
                })
                .collect::<Result<Vec<_>, _>>()?;
            relations.push((relation, ids));
            continue;
        }
        if field == "type" {
            continue;
        }
        let column_name = if field == "id" {
            if !creating {
                continue;
            }
            model.id_column
        } else {
            model.column_for(field)
        };
        let Some(column) = table
            .column(column_name)
            .filter(|c| field == "id" || model.shows(&c.name))
        else {
            if strict {
                return Err(unknown_field(model, field));
            }
            continue;
        };
        if value.is_null() && creating && !column.nullable {
            // Kitsu clients send null for "use the default".
            continue;
        }
        let mut sql = schema::to_sql(column, value)?;
        if model.table == "users" && column.name == "role" {
            let name = value.as_str().unwrap_or_default();
            let role = Role::from_kitsu(name).map_err(|e| DataError::BadRequest(e.to_string()))?;
            sql = SqlValue::Text(role.as_str().into());
        }
        columns.push((column.name.clone(), sql));
    }
    Ok((columns, relations))
}

fn value_of(columns: &[(String, SqlValue)], name: &str) -> Option<String> {
    columns
        .iter()
        .find(|(c, _)| c == name)
        .and_then(|(_, v)| match v {
            SqlValue::Text(t) => Some(t.clone()),
            _ => None,
        })
}

fn replace_links(
    conn: &Connection,
    relation: &models::Relation,
    owner: &str,
    targets: &[String],
) -> Result<(), DataError> {
    if relation.table == models::CONCEPT_LINKS {
        concept_links::check_targets(conn, owner, targets)?;
    }
    conn.execute(
        &format!(
            "DELETE FROM {} WHERE {} = ?",
            relation.table, relation.owner
        ),
        [owner],
    )?;
    let sql = format!(
        "INSERT OR IGNORE INTO {} ({}, {}) VALUES (?, ?)",
        relation.table, relation.owner, relation.target
    );
    for target in targets {
        conn.execute(&sql, [owner, target.as_str()])?;
    }
    Ok(())
}

/// Creates a row from a JSON body (plus `extra` columns the caller computed, such as a
/// password hash), and returns it as `get` would.
pub fn create(
    conn: &Connection,
    schema: &Schema,
    model: &Model,
    viewer: &Viewer,
    body: &Map<String, Value>,
    extra: Vec<(String, SqlValue)>,
) -> Result<Map<String, Value>, DataError> {
    let (mut columns, relations) = parse_body(schema, model, body, true, true)?;
    columns.extend(extra);
    let table = schema.table(model.table);
    let has = |columns: &[(String, SqlValue)], name: &str| columns.iter().any(|(c, _)| c == name);
    if !has(&columns, model.id_column) {
        columns.push((
            model.id_column.into(),
            SqlValue::Text(uuid::Uuid::new_v4().to_string()),
        ));
    }
    let now = now_text();
    for stamp in ["created_at", "updated_at"] {
        if table.column(stamp).is_some() && !has(&columns, stamp) {
            columns.push((stamp.into(), SqlValue::Text(now.clone())));
        }
    }
    if let Rows::EntitiesOfType(kind) = model.rows
        && !has(&columns, "entity_type_id")
    {
        let type_id: String = conn.query_row(
            "SELECT id FROM prod_entity_type WHERE name = ?",
            [kind],
            |r| r.get(0),
        )?;
        columns.push(("entity_type_id".into(), SqlValue::Text(type_id)));
    }
    for owner in ["created_by", "person_id"] {
        let owned = table.column(owner).is_some()
            && !has(&columns, owner)
            && (owner == "created_by" || model.access == Access::Own);
        if owned {
            columns.push((owner.into(), SqlValue::Text(viewer.id.to_string())));
        }
    }
    rules::check_create(conn, model, viewer, &mut columns)?;
    authorize_write(conn, model, viewer, |c| value_of(&columns, c))?;
    if let Some(missing) = table
        .columns
        .iter()
        .find(|c| c.required && !has(&columns, &c.name))
    {
        return Err(DataError::BadRequest(format!(
            "`{}` is required to create {}",
            missing.name, model.route
        )));
    }
    let names: Vec<&str> = columns.iter().map(|(c, _)| c.as_str()).collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        model.table,
        names.join(", "),
        vec!["?"; names.len()].join(", ")
    );
    conn.execute(&sql, params_from_iter(columns.iter().map(|(_, v)| v)))?;
    let id = value_of(&columns, model.id_column).unwrap_or_default();
    for (relation, targets) in &relations {
        replace_links(conn, relation, &id, targets)?;
    }
    get(conn, schema, model, &admin_view(viewer), &id)
}

/// The same person seen with every right, to read back a row they just wrote.
pub(super) fn admin_view(viewer: &Viewer) -> Viewer {
    Viewer {
        id: viewer.id,
        role: Role::Admin,
    }
}

/// Reads the raw column values of a row, for permission checks; 404 when the viewer may not
/// read it, as a read would answer (a 403 would tell that it exists).
fn raw_row(
    conn: &Connection,
    schema: &Schema,
    model: &Model,
    viewer: &Viewer,
    id: &str,
) -> Result<Vec<(String, SqlValue)>, DataError> {
    let table = schema.table(model.table);
    let mut w = Where::default();
    rows_clause(model, &mut w);
    scope_clause(model, viewer, &mut w)?;
    w.and(&format!("t.{} = ?", model.id_column));
    w.params.push(SqlValue::Text(id.into()));
    let sql = format!(
        "SELECT {} FROM {} AS t{}",
        select_list(table),
        model.table,
        w.sql
    );
    conn.query_row(&sql, params_from_iter(&w.params), |row| {
        table
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| Ok((c.name.clone(), row.get::<_, SqlValue>(i)?)))
            .collect::<rusqlite::Result<Vec<_>>>()
    })
    .optional()?
    .ok_or_else(|| not_found(model, id))
}

/// Updates the fields a body names; `data` is merged into the stored object, as Kitsu does.
pub fn update(
    conn: &Connection,
    schema: &Schema,
    model: &Model,
    viewer: &Viewer,
    id: &str,
    body: &Map<String, Value>,
    extra: Vec<(String, SqlValue)>,
) -> Result<Map<String, Value>, DataError> {
    let id = parse_id(model, id)?;
    let existing = raw_row(conn, schema, model, viewer, &id)?;
    authorize_write(conn, model, viewer, |c| value_of(&existing, c))?;
    let (mut columns, relations) = parse_body(schema, model, body, false, false)?;
    columns.extend(extra);
    if let Some((_, SqlValue::Text(new))) = columns.iter_mut().find(|(c, _)| c == "data")
        && let Some(SqlValue::Text(old)) =
            existing.iter().find(|(c, _)| c == "data").map(|(_, v)| v)
        && let (Ok(Value::Object(mut merged)), Ok(Value::Object(patch))) = (
            serde_json::from_str::<Value>(old),
            serde_json::from_str::<Value>(new),
        )
    {
        merged.extend(patch);
        *new = Value::Object(merged).to_string();
    }
    // A non-admin may not move a row to another person or out of their projects.
    authorize_write(conn, model, viewer, |c| {
        value_of(&columns, c).or_else(|| value_of(&existing, c))
    })?;
    rules::check_update(conn, model, viewer, &existing, &columns)?;
    if schema.table(model.table).column("updated_at").is_some() {
        columns.push(("updated_at".into(), SqlValue::Text(now_text())));
    }
    if !columns.is_empty() {
        let sets: Vec<String> = columns.iter().map(|(c, _)| format!("{c} = ?")).collect();
        let sql = format!(
            "UPDATE {} SET {} WHERE {} = ?",
            model.table,
            sets.join(", "),
            model.id_column
        );
        let mut params: Vec<SqlValue> = columns.into_iter().map(|(_, v)| v).collect();
        params.push(SqlValue::Text(id.clone()));
        conn.execute(&sql, params_from_iter(params))?;
    }
    for (relation, targets) in &relations {
        replace_links(conn, relation, &id, targets)?;
    }
    get(conn, schema, model, &admin_view(viewer), &id)
}

/// Deletes a row; 400 when others still refer to it.
pub fn delete(
    conn: &Connection,
    schema: &Schema,
    model: &Model,
    viewer: &Viewer,
    id: &str,
) -> Result<(), DataError> {
    let id = parse_id(model, id)?;
    let existing = raw_row(conn, schema, model, viewer, &id)?;
    authorize_write(conn, model, viewer, |c| value_of(&existing, c))?;
    rules::check_delete(model, viewer, &existing)?;
    conn.execute(
        &format!("DELETE FROM {} WHERE {} = ?", model.table, model.id_column),
        [&id],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests;
