//! Production tracking (the Kitsu/Zou model): the generic reads and writes behind
//! `/data/<model>`, and the queries of the routes built on them.
//!
//! A model ([`models::Model`]) names a table; the table's columns and their types come from
//! SQLite ([`schema::Schema`]). Every list, get, create, update and delete goes through the
//! functions here, which check field names and types, apply Kitsu's rule of who sees which
//! project, and turn SQLite's constraint failures into 400s that say what was wrong.

pub mod models;
pub mod schema;

use drover_shared::Role;
pub use models::{Access, MODELS, Model, Rows, Scope, by_route};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, ErrorCode, OptionalExtension, params_from_iter};
pub use schema::Schema;
use schema::{Table, now_text};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::fmt::Write as _;

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

/// Who is asking: their person id and role.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// Person id.
    pub id: String,
    /// Role.
    pub role: Role,
}

impl Viewer {
    /// Managers and admins see every project; others only the teams they are on.
    pub fn sees_all_projects(&self) -> bool {
        self.role.allows(Role::Manager)
    }

    fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// Query-string keys that are not filters.
const RESERVED: &[&str] = &["relations", "page", "limit", "fields", "force", "sort_by"];

/// A parsed list query: filters, relations and paging.
#[derive(Debug, Default, Clone)]
pub struct ListQuery {
    /// `field=value` pairs, a field repeated meaning any of its values.
    pub filters: Vec<(String, String)>,
    /// Include many-to-many fields.
    pub relations: bool,
    /// 1-based page, when paging.
    pub page: Option<u32>,
    /// Rows per page.
    pub limit: u32,
}

/// Rows per page when a page is asked for without a limit.
pub const DEFAULT_PAGE_LIMIT: u32 = 100;

impl ListQuery {
    /// Splits query-string pairs into filters and options.
    pub fn parse(pairs: Vec<(String, String)>) -> Result<Self, DataError> {
        let mut query = Self {
            limit: DEFAULT_PAGE_LIMIT,
            ..Self::default()
        };
        for (key, value) in pairs {
            match key.as_str() {
                "relations" => {
                    query.relations =
                        schema::parse_bool(&Value::from(value.as_str())) == Some(true);
                }
                "page" => {
                    let page: u32 = value.parse().map_err(|_| {
                        DataError::BadRequest(format!(
                            "`page` must be a positive integer, not {value}"
                        ))
                    })?;
                    query.page = Some(page.max(1));
                }
                "limit" => {
                    query.limit =
                        value
                            .parse::<u32>()
                            .ok()
                            .filter(|l| *l > 0)
                            .ok_or_else(|| {
                                DataError::BadRequest(format!(
                                    "`limit` must be a positive integer, not {value}"
                                ))
                            })?;
                }
                k if RESERVED.contains(&k) => {}
                _ => query.filters.push((key, value)),
            }
        }
        Ok(query)
    }

    /// A query with these filters.
    pub fn filtered(filters: &[(&str, &str)]) -> Self {
        Self {
            filters: filters
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            limit: DEFAULT_PAGE_LIMIT,
            ..Self::default()
        }
    }
}

/// A WHERE clause under construction.
#[derive(Default)]
struct Where {
    sql: String,
    params: Vec<SqlValue>,
}

impl Where {
    fn and(&mut self, clause: &str) {
        self.sql.push_str(if self.sql.is_empty() {
            " WHERE "
        } else {
            " AND "
        });
        self.sql.push_str(clause);
    }

    fn placeholders(&mut self, values: Vec<SqlValue>) -> String {
        let marks = vec!["?"; values.len()].join(", ");
        self.params.extend(values);
        marks
    }
}

const TEAM: &str = "(SELECT project_id FROM prod_project_person_link WHERE person_id = ?)";

fn rows_clause(model: &Model, w: &mut Where) {
    match model.rows {
        Rows::All => {}
        Rows::EntitiesOfType(kind) => {
            w.and("t.entity_type_id = (SELECT id FROM prod_entity_type WHERE name = ?)");
            w.params.push(SqlValue::Text(kind.into()));
        }
        Rows::Assets => {
            let marks = w.placeholders(temporal_params());
            w.and(&format!(
                "t.entity_type_id NOT IN (SELECT id FROM prod_entity_type WHERE name IN ({marks}))"
            ));
        }
        Rows::AssetTypes => {
            let marks = w.placeholders(temporal_params());
            w.and(&format!("t.name NOT IN ({marks})"));
        }
    }
}

fn temporal_params() -> Vec<SqlValue> {
    models::TEMPORAL_TYPES
        .iter()
        .map(|n| SqlValue::Text((*n).into()))
        .collect()
}

/// Limits rows to what the viewer may read; 403 when the model is closed to them.
fn scope_clause(model: &Model, viewer: &Viewer, w: &mut Where) -> Result<(), DataError> {
    if model.access == Access::ManagersOnly && !viewer.sees_all_projects() {
        return Err(DataError::Forbidden(format!(
            "only managers and admins may read {}",
            model.route
        )));
    }
    let me = || SqlValue::Text(viewer.id.clone());
    match model.scope {
        Scope::Studio => {}
        Scope::Person => {
            if !viewer.is_admin() {
                w.and("t.person_id = ?");
                w.params.push(me());
            }
        }
        _ if viewer.sees_all_projects() => {}
        Scope::Project => {
            w.and(&format!("t.uuid IN {TEAM}"));
            w.params.push(me());
        }
        Scope::ProjectColumn(column) => {
            w.and(&format!("t.{column} IN {TEAM}"));
            w.params.push(me());
        }
        Scope::TaskColumn(column) => {
            w.and(&format!(
                "t.{column} IN (SELECT id FROM prod_task WHERE project_id IN {TEAM})"
            ));
            w.params.push(me());
        }
        Scope::EntityColumn(column) => {
            w.and(&format!(
                "t.{column} IN (SELECT id FROM prod_entity WHERE project_id IN {TEAM})"
            ));
            w.params.push(me());
        }
    }
    Ok(())
}

fn filter_clause(
    schema: &Schema,
    model: &Model,
    filters: &[(String, String)],
    w: &mut Where,
) -> Result<(), DataError> {
    let table = schema.table(model.table);
    let mut grouped: Vec<(&str, Vec<&str>)> = Vec::new();
    for (key, value) in filters {
        match grouped.iter_mut().find(|(k, _)| k == key) {
            Some((_, values)) => values.push(value),
            None => grouped.push((key, vec![value])),
        }
    }
    for (field, texts) in grouped {
        // `[a, b]` is Kitsu's way of saying "any of".
        let texts: Vec<String> = if texts.len() == 1 && texts[0].starts_with('[') {
            serde_json::from_str::<Vec<Value>>(texts[0])
                .map_err(|_| DataError::BadRequest(format!("`{field}`: malformed list")))?
                .into_iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect()
        } else {
            texts.into_iter().map(str::to_owned).collect()
        };
        if let Some(relation) = model.relation(field) {
            let values = texts.into_iter().map(SqlValue::Text).collect();
            let marks = w.placeholders(values);
            w.and(&format!(
                "t.{} IN (SELECT {} FROM {} WHERE {} IN ({marks}))",
                model.id_column, relation.owner, relation.table, relation.target
            ));
            continue;
        }
        if model.table == "users" && field == "full_name" {
            let marks = w.placeholders(texts.into_iter().map(SqlValue::Text).collect());
            w.and(&format!(
                "trim(t.first_name || ' ' || t.last_name) COLLATE NOCASE IN ({marks})"
            ));
            continue;
        }
        let column_name = if field == "id" {
            model.id_column
        } else {
            model.column_for(field)
        };
        let column = table
            .column(column_name)
            .filter(|c| field == "id" || model.shows(&c.name))
            .ok_or_else(|| unknown_field(model, field))?;
        let mut values = Vec::with_capacity(texts.len());
        for text in &texts {
            values.push(schema::text_to_sql(column, text)?);
        }
        if values.len() == 1 && values[0] == SqlValue::Null {
            w.and(&format!("t.{column_name} IS NULL"));
            continue;
        }
        // Kitsu matches names case-insensitively.
        let collate = if column_name == "name" {
            " COLLATE NOCASE"
        } else {
            ""
        };
        let marks = w.placeholders(values);
        w.and(&format!("t.{column_name}{collate} IN ({marks})"));
    }
    Ok(())
}

fn unknown_field(model: &Model, field: &str) -> DataError {
    DataError::BadRequest(format!("`{field}` is not a field of {}", model.route))
}

/// Lists a model's rows that match the query and the viewer may read: a JSON array, or with
/// `page` Kitsu's page object `{data, total, nb_pages, limit, offset, page}`.
pub fn list(
    conn: &Connection,
    schema: &Schema,
    model: &Model,
    viewer: &Viewer,
    query: &ListQuery,
) -> Result<Value, DataError> {
    let mut w = Where::default();
    rows_clause(model, &mut w);
    scope_clause(model, viewer, &mut w)?;
    filter_clause(schema, model, &query.filters, &mut w)?;
    let table = schema.table(model.table);
    let mut sql = format!(
        "SELECT {} FROM {} AS t{} ORDER BY t.rowid",
        select_list(table),
        model.table,
        w.sql
    );
    let total = if let Some(page) = query.page {
        let count_sql = format!("SELECT count(*) FROM {} AS t{}", model.table, w.sql);
        let total: i64 = conn.query_row(&count_sql, params_from_iter(&w.params), |r| r.get(0))?;
        let offset = u64::from(page - 1) * u64::from(query.limit);
        let _ = write!(sql, " LIMIT {} OFFSET {offset}", query.limit);
        Some((total, offset))
    } else {
        None
    };
    let mut rows = select(conn, table, model, viewer, &sql, &w.params)?;
    if query.relations {
        attach_relations(conn, model, &mut rows)?;
    }
    let data = Value::Array(rows.into_iter().map(Value::Object).collect());
    Ok(match (total, query.page) {
        (Some((total, offset)), Some(page)) => {
            let limit = i64::from(query.limit);
            serde_json::json!({
                "data": data,
                "total": total,
                "nb_pages": (total + limit - 1) / limit,
                "limit": limit,
                "offset": offset,
                "page": page,
            })
        }
        _ => data,
    })
}

fn select_list(table: &Table) -> String {
    table
        .columns
        .iter()
        .map(|c| format!("t.{}", c.name))
        .collect::<Vec<_>>()
        .join(", ")
}

fn select(
    conn: &Connection,
    table: &Table,
    model: &Model,
    viewer: &Viewer,
    sql: &str,
    params: &[SqlValue],
) -> Result<Vec<Map<String, Value>>, DataError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params_from_iter(params))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(row_to_json(table, model, viewer, row)?);
    }
    Ok(out)
}

fn row_to_json(
    table: &Table,
    model: &Model,
    viewer: &Viewer,
    row: &rusqlite::Row<'_>,
) -> rusqlite::Result<Map<String, Value>> {
    let mut map = Map::new();
    for (i, column) in table.columns.iter().enumerate() {
        let value = schema::to_json(column, row.get_ref(i)?);
        if column.name == model.id_column {
            map.insert("id".into(), value);
        } else if model.shows(&column.name) {
            map.insert(column.name.clone(), value);
        }
    }
    map.insert("type".into(), Value::from(model.kind));
    if model.table == "users" {
        present_person(&mut map, viewer);
    }
    Ok(map)
}

/// Kitsu's person: `user` for artists, a `full_name`, and contact details only for admins
/// and the person themselves.
fn present_person(map: &mut Map<String, Value>, viewer: &Viewer) {
    if let Some(role) = map.get("role").and_then(Value::as_str)
        && let Ok(role) = role.parse::<Role>()
    {
        map.insert("role".into(), Value::from(role.kitsu_name()));
    }
    let first = map.get("first_name").and_then(Value::as_str).unwrap_or("");
    let last = map.get("last_name").and_then(Value::as_str).unwrap_or("");
    let full = format!("{first} {last}").trim().to_owned();
    map.insert("full_name".into(), Value::from(full));
    let own = map.get("id").and_then(Value::as_str) == Some(viewer.id.as_str());
    if !viewer.is_admin() && !own {
        map.remove("email");
        map.remove("phone");
    }
}

/// Adds each many-to-many field as a list of ids.
pub fn attach_relations(
    conn: &Connection,
    model: &Model,
    rows: &mut [Map<String, Value>],
) -> Result<(), DataError> {
    if model.relations.is_empty() || rows.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = rows
        .iter()
        .filter_map(|r| r.get("id").and_then(Value::as_str).map(str::to_owned))
        .collect();
    for relation in model.relations {
        let mut linked: HashMap<String, Vec<Value>> = HashMap::new();
        for chunk in ids.chunks(500) {
            let marks = vec!["?"; chunk.len()].join(", ");
            let sql = format!(
                "SELECT {owner}, {target} FROM {table} WHERE {owner} IN ({marks})",
                owner = relation.owner,
                target = relation.target,
                table = relation.table,
            );
            let mut stmt = conn.prepare(&sql)?;
            let mut found = stmt.query(params_from_iter(chunk))?;
            while let Some(row) = found.next()? {
                linked
                    .entry(row.get(0)?)
                    .or_default()
                    .push(Value::from(row.get::<_, String>(1)?));
            }
        }
        for row in rows.iter_mut() {
            let id = row
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let values = linked.remove(&id).unwrap_or_default();
            row.insert(relation.field.into(), Value::Array(values));
        }
    }
    Ok(())
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
    let mut rows = select(conn, table, model, viewer, &sql, &w.params)?;
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

/// The project a row (given as column values) belongs to, for the team check.
fn project_of(
    conn: &Connection,
    model: &Model,
    value: impl Fn(&str) -> Option<String>,
) -> rusqlite::Result<Option<String>> {
    Ok(match model.scope {
        Scope::Project => value(model.id_column),
        Scope::ProjectColumn(column) => value(column),
        Scope::TaskColumn(column) => match value(column) {
            Some(task) => conn
                .query_row(
                    "SELECT project_id FROM prod_task WHERE id = ?",
                    [task],
                    |r| r.get(0),
                )
                .optional()?,
            None => None,
        },
        Scope::EntityColumn(column) => match value(column) {
            Some(entity) => conn
                .query_row(
                    "SELECT project_id FROM prod_entity WHERE id = ?",
                    [entity],
                    |r| r.get(0),
                )
                .optional()?,
            None => None,
        },
        Scope::Studio | Scope::Person => None,
    })
}

/// True when the person is on the project's team.
pub fn on_team(conn: &Connection, project: &str, person: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT 1 FROM prod_project_person_link WHERE project_id = ? AND person_id = ?",
    )?
    .exists([project, person])
}

/// Fails with 403 unless the viewer may change this row (`value` reads its columns).
fn authorize_write(
    conn: &Connection,
    model: &Model,
    viewer: &Viewer,
    value: impl Fn(&str) -> Option<String>,
) -> Result<(), DataError> {
    let denied = |who: &str| DataError::Forbidden(format!("only {who} may change {}", model.route));
    if viewer.is_admin() {
        return Ok(());
    }
    match model.access {
        Access::AdminWrites => Err(denied("admins")),
        Access::ManagersOnly | Access::ManagersWrite => {
            if viewer.sees_all_projects() {
                Ok(())
            } else {
                Err(denied("managers and admins"))
            }
        }
        Access::Own => {
            if value("person_id").as_deref() == Some(viewer.id.as_str()) {
                Ok(())
            } else {
                Err(DataError::Forbidden(format!(
                    "{} belong to their person; you may only change your own",
                    model.route
                )))
            }
        }
        Access::ProjectSupervisors | Access::ProjectArtists => {
            if viewer.sees_all_projects() {
                return Ok(());
            }
            let least = if model.access == Access::ProjectSupervisors {
                Role::Supervisor
            } else {
                Role::Vendor
            };
            if !viewer.role.allows(least) {
                return Err(denied(if least == Role::Supervisor {
                    "supervisors, managers and admins"
                } else {
                    "the project's team"
                }));
            }
            match project_of(conn, model, value)? {
                Some(project) if on_team(conn, &project, &viewer.id)? => Ok(()),
                _ => Err(DataError::Forbidden(format!(
                    "you are not on the team of this {}'s project",
                    model.kind
                ))),
            }
        }
    }
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
        if field == "type" || model.read_only.contains(&field.as_str()) {
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
            columns.push((owner.into(), SqlValue::Text(viewer.id.clone())));
        }
    }
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
fn admin_view(viewer: &Viewer) -> Viewer {
    Viewer {
        id: viewer.id.clone(),
        role: Role::Admin,
    }
}

/// Reads the raw column values of a row, for permission checks.
fn raw_row(
    conn: &Connection,
    schema: &Schema,
    model: &Model,
    id: &str,
) -> Result<Vec<(String, SqlValue)>, DataError> {
    let table = schema.table(model.table);
    let mut w = Where::default();
    rows_clause(model, &mut w);
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
    let existing = raw_row(conn, schema, model, &id)?;
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
    let existing = raw_row(conn, schema, model, &id)?;
    authorize_write(conn, model, viewer, |c| value_of(&existing, c))?;
    conn.execute(
        &format!("DELETE FROM {} WHERE {} = ?", model.table, model.id_column),
        [&id],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn admin(conn: &Connection) -> Viewer {
        let user = crate::db::users::insert(conn, "boss@studio.com", "h", Role::Admin).unwrap();
        Viewer {
            id: user.id.to_string(),
            role: Role::Admin,
        }
    }

    fn body(value: Value) -> Map<String, Value> {
        let Value::Object(map) = value else {
            panic!("not an object")
        };
        map
    }

    #[test]
    fn crud_checks_fields_types_and_integrity() {
        let conn = crate::db::test_conn();
        let schema = Schema::load(&conn).unwrap();
        let me = admin(&conn);
        let orgs = by_route("organisations").unwrap();
        let made = create(
            &conn,
            &schema,
            orgs,
            &me,
            &body(json!({"name": "Blue"})),
            vec![],
        )
        .unwrap();
        assert_eq!(made["type"], "Organisation");
        assert_eq!(made["hours_by_day"], 8.0);
        let id = made["id"].as_str().unwrap().to_owned();
        let err = create(
            &conn,
            &schema,
            orgs,
            &me,
            &body(json!({"name": "Blue"})),
            vec![],
        );
        assert!(matches!(err, Err(DataError::BadRequest(m)) if m.contains("same unique")));
        let err = create(
            &conn,
            &schema,
            orgs,
            &me,
            &body(json!({"nmae": "x"})),
            vec![],
        );
        assert!(matches!(err, Err(DataError::BadRequest(m)) if m.contains("nmae")));
        let err = update(
            &conn,
            &schema,
            orgs,
            &me,
            &id,
            &body(json!({"hours_by_day": "x"})),
            vec![],
        );
        assert!(matches!(err, Err(DataError::BadRequest(m)) if m.contains("hours_by_day")));
        let listed = list(
            &conn,
            &schema,
            orgs,
            &me,
            &ListQuery::filtered(&[("name", "blue")]),
        )
        .unwrap();
        assert_eq!(listed.as_array().unwrap().len(), 1);
        delete(&conn, &schema, orgs, &me, &id).unwrap();
        assert!(matches!(
            get(&conn, &schema, orgs, &me, &id),
            Err(DataError::NotFound(_))
        ));
        assert!(matches!(
            delete(&conn, &schema, orgs, &me, "nope"),
            Err(DataError::BadRequest(_))
        ));
    }

    #[test]
    fn referenced_rows_cannot_be_deleted_and_teams_scope_reads() {
        let conn = crate::db::test_conn();
        let schema = Schema::load(&conn).unwrap();
        let me = admin(&conn);
        let projects = by_route("projects").unwrap();
        let project = create(
            &conn,
            &schema,
            projects,
            &me,
            &body(json!({"name": "Ep"})),
            vec![],
        )
        .unwrap();
        let project_id = project["id"].as_str().unwrap();
        let episode = create(
            &conn,
            &schema,
            by_route("episodes").unwrap(),
            &me,
            &body(json!({"name": "E01", "project_id": project_id})),
            vec![],
        )
        .unwrap();
        assert_eq!(episode["type"], "Episode");
        let types = by_route("entity-types").unwrap();
        let err = delete(
            &conn,
            &schema,
            types,
            &me,
            episode["entity_type_id"].as_str().unwrap(),
        );
        assert!(matches!(err, Err(DataError::BadRequest(m)) if m.contains("Integrity")));

        let artist = crate::db::users::insert(&conn, "art@studio.com", "h", Role::Artist).unwrap();
        let artist = Viewer {
            id: artist.id.to_string(),
            role: Role::Artist,
        };
        let seen = list(&conn, &schema, projects, &artist, &ListQuery::default()).unwrap();
        assert_eq!(seen.as_array().unwrap().len(), 0, "not on the team");
        update(
            &conn,
            &schema,
            projects,
            &me,
            project_id,
            &body(json!({"team": [artist.id]})),
            vec![],
        )
        .unwrap();
        let seen = list(&conn, &schema, projects, &artist, &ListQuery::default()).unwrap();
        assert_eq!(seen.as_array().unwrap().len(), 1);
        let err = update(
            &conn,
            &schema,
            projects,
            &artist,
            project_id,
            &body(json!({"fps": "24"})),
            vec![],
        );
        assert!(matches!(err, Err(DataError::Forbidden(_))));
    }
}
