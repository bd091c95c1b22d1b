//! Rows as Kitsu shows them: columns by their declared type, the Kitsu id as `id`, a `type`,
//! many-to-many fields as id lists, and a person's role, full name and private details.

use super::models::Model;
use super::schema::{self, Table};
use super::{DataError, Viewer};
use drover_shared::Role;
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, params_from_iter};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// A JSON object, as rows are shown.
pub type Row = Map<String, Value>;

/// A string field of a row ("" when absent or not a string).
pub fn text<'r>(row: &'r Row, field: &str) -> &'r str {
    row.get(field).and_then(Value::as_str).unwrap_or("")
}

/// The strings of a list field of a row, such as a task's `assignees` (none when absent or
/// not a list; items that are not strings left out).
pub fn texts<'r>(row: &'r Row, field: &str) -> impl Iterator<Item = &'r str> {
    row.get(field)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

pub(super) fn select_list(table: &Table) -> String {
    table
        .columns
        .iter()
        .map(|c| format!("t.{}", c.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The rows a query finds, as JSON objects; past `max_rows`, the caller's refusal
/// (`too_long`), before more are built.
#[expect(
    clippy::too_many_arguments,
    reason = "one query's parts, each used once"
)]
pub(super) fn select(
    conn: &Connection,
    table: &Table,
    model: &Model,
    viewer: &Viewer,
    sql: &str,
    params: &[SqlValue],
    max_rows: usize,
    too_long: impl Fn() -> DataError,
) -> Result<Vec<Map<String, Value>>, DataError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params_from_iter(params))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        if out.len() == max_rows {
            return Err(too_long());
        }
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
    let whole = sees_private(table, model, viewer, row)?;
    for (i, column) in table.columns.iter().enumerate() {
        if column.name == model.id_column {
            map.insert("id".into(), schema::to_json(column, row.get_ref(i)?));
        } else if model.shows(&column.name) && (whole || !model.is_private(&column.name)) {
            map.insert(
                column.name.clone(),
                schema::to_json(column, row.get_ref(i)?),
            );
        }
    }
    map.insert("type".into(), Value::from(model.kind));
    if model.table == "users" {
        present_person(&mut map);
    }
    Ok(map)
}

/// Whether the viewer sees the row's private columns ([`super::Private`]): admins do, and a
/// person sees their own row whole.
fn sees_private(
    table: &Table,
    model: &Model,
    viewer: &Viewer,
    row: &rusqlite::Row<'_>,
) -> rusqlite::Result<bool> {
    if viewer.is_admin() || model.private == super::Private::Nothing {
        return Ok(true);
    }
    if model.table != "users" {
        return Ok(false);
    }
    let Some(i) = table.columns.iter().position(|c| c.name == model.id_column) else {
        return Ok(false);
    };
    Ok(match row.get_ref(i)? {
        rusqlite::types::ValueRef::Text(id) => {
            std::str::from_utf8(id).is_ok_and(|id| viewer.is(id))
        }
        _ => false,
    })
}

/// Kitsu's person: `user` for artists and a `full_name` (what else of them a viewer sees is
/// the model's [`super::Private`] rule).
fn present_person(map: &mut Map<String, Value>) {
    if let Some(role) = map.get("role").and_then(Value::as_str)
        && let Ok(role) = role.parse::<Role>()
    {
        map.insert("role".into(), Value::from(role.kitsu_name()));
    }
    let first = map.get("first_name").and_then(Value::as_str).unwrap_or("");
    let last = map.get("last_name").and_then(Value::as_str).unwrap_or("");
    let full = format!("{first} {last}").trim().to_owned();
    map.insert("full_name".into(), Value::from(full));
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
