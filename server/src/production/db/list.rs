//! Lists of a model's rows, as `GET /data/<model>` answers them: as JSON values for the named
//! routes that work on rows, and as the response's bytes for the generic route.
//!
//! A project's task list is Kitsu's heaviest read (10,000 rows is a mid-size show), so a plain
//! list (no page, no relations, not persons) is written from SQLite's row straight into the
//! JSON text: no `serde_json::Map` per row, which took a third of the time of the request.
//! The bytes are the ones [`list`] would serialise to: the same values, keys in the same
//! order.

use super::models::Model;
use super::present::{attach_relations, select, select_list};
use super::query::{Where, filter_clause, rows_clause, scope_clause};
use super::schema::{self, Column, Table};
use super::{DataError, ListQuery, Schema, Viewer};
use rusqlite::{Connection, params_from_iter};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::fmt::Write as _;

/// Most rows a list answers in one piece: five times a mid-size show's task list. Past it
/// (or past [`MAX_LIST_BYTES`]) the list is refused with 400 and asked for a page at a
/// time, so no request makes the server build a gigabyte answer.
pub const MAX_LIST_ROWS: usize = 50_000;

/// Most bytes of JSON a list answers in one piece (rows with large `data` reach it first).
pub const MAX_LIST_BYTES: usize = 64 * 1024 * 1024;

fn too_long(model: &Model) -> DataError {
    DataError::BadRequest(format!(
        "more than {MAX_LIST_ROWS} {} (or {} MiB) to answer in one piece: ask for them a page \
         at a time (`?page=1&limit={}`, then page=2…)",
        model.route,
        MAX_LIST_BYTES / (1024 * 1024),
        super::query::MAX_PAGE_LIMIT
    ))
}

/// A list query turned into SQL for one viewer.
struct Plan<'a> {
    table: &'a Table,
    sql: String,
    params: Vec<rusqlite::types::Value>,
    /// With `page`: the count of all matching rows and the offset of the page.
    page: Option<(i64, u64, u32)>,
}

fn plan<'a>(
    conn: &Connection,
    schema: &'a Schema,
    model: &Model,
    viewer: &Viewer,
    query: &ListQuery,
) -> Result<Plan<'a>, DataError> {
    let mut w = Where::default();
    rows_clause(model, &mut w);
    scope_clause(model, viewer, &mut w)?;
    filter_clause(schema, model, viewer, &query.filters, &mut w)?;
    let table = schema.table(model.table);
    let mut sql = format!(
        "SELECT {} FROM {} AS t{} ORDER BY t.rowid",
        select_list(table),
        model.table,
        w.sql
    );
    let page = if let Some(page) = query.page {
        let count_sql = format!("SELECT count(*) FROM {} AS t{}", model.table, w.sql);
        let total: i64 = conn.query_row(&count_sql, params_from_iter(&w.params), |r| r.get(0))?;
        // At most (2^32 - 2) × 10,000: well inside SQLite's 64-bit integers.
        let offset = u64::from(page - 1) * u64::from(query.limit);
        let _ = write!(sql, " LIMIT {} OFFSET {offset}", query.limit);
        Some((total, offset, page))
    } else {
        None
    };
    Ok(Plan {
        table,
        sql,
        params: w.params,
        page,
    })
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
    let plan = plan(conn, schema, model, viewer, query)?;
    let mut rows = select(
        conn,
        plan.table,
        model,
        viewer,
        &plan.sql,
        &plan.params,
        MAX_LIST_ROWS,
        || too_long(model),
    )?;
    if query.relations {
        attach_relations(conn, model, &mut rows)?;
    }
    let data = Value::Array(rows.into_iter().map(Value::Object).collect());
    Ok(match plan.page {
        Some((total, offset, page)) => {
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
        None => data,
    })
}

/// [`list`]'s answer as JSON text, written row by row when the list is plain.
pub fn list_json(
    conn: &Connection,
    schema: &Schema,
    model: &Model,
    viewer: &Viewer,
    query: &ListQuery,
) -> Result<Vec<u8>, DataError> {
    // Pages are small; relations and persons are reshaped after the read, and rows with
    // private columns are shown column by column to whoever may see them.
    let private = model.private != super::Private::Nothing && !viewer.is_admin();
    if query.page.is_some() || query.relations || model.table == "users" || private {
        let value = list(conn, schema, model, viewer, query)?;
        return Ok(serde_json::to_vec(&value).unwrap_or_default());
    }
    let plan = plan(conn, schema, model, viewer, query)?;
    let fields = Fields::of(plan.table, model);
    let mut stmt = conn.prepare_cached(&plan.sql)?;
    let mut rows = stmt.query(params_from_iter(&plan.params))?;
    // A task row is about 750 bytes of JSON; growing from a guess saves most reallocations.
    let mut out = Vec::with_capacity(64 * 1024);
    out.push(b'[');
    let mut first = true;
    let mut count = 0;
    while let Some(row) = rows.next()? {
        count += 1;
        if count > MAX_LIST_ROWS || out.len() > MAX_LIST_BYTES {
            return Err(too_long(model));
        }
        if !first {
            out.push(b',');
        }
        first = false;
        fields.write_row(row, &mut out)?;
    }
    out.push(b']');
    Ok(out)
}

/// The keys of a model's rows in the order a `serde_json::Map` writes them, each with
/// the column it comes from, or none for the constant `type`.
struct Fields<'a> {
    keys: Vec<(&'a str, Option<(usize, &'a Column)>)>,
    kind: &'static str,
}

impl<'a> Fields<'a> {
    fn of(table: &'a Table, model: &Model) -> Self {
        // The keys in the order `row_to_json` inserts them, each with its source.
        let mut sources: HashMap<&str, Option<(usize, &Column)>> = HashMap::new();
        let mut order = Map::new();
        for (i, column) in table.columns.iter().enumerate() {
            let key = if column.name == model.id_column {
                "id"
            } else if model.shows(&column.name) {
                column.name.as_str()
            } else {
                continue;
            };
            sources.insert(key, Some((i, column)));
            order.insert(key.to_owned(), Value::Null);
        }
        sources.insert("type", None);
        order.insert("type".to_owned(), Value::Null);
        // A `Map` is sorted, or in insertion order when a crate in the build turns on
        // serde_json's `preserve_order`; its own key order is the one to follow.
        let keys = order
            .keys()
            .filter_map(|key| sources.get_key_value(key.as_str()).map(|(k, v)| (*k, *v)))
            .collect();
        Self {
            keys,
            kind: model.kind,
        }
    }

    fn write_row(&self, row: &rusqlite::Row<'_>, out: &mut Vec<u8>) -> rusqlite::Result<()> {
        out.push(b'{');
        for (n, (key, source)) in self.keys.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            schema::write_str(key, out);
            out.push(b':');
            match source {
                Some((i, column)) => schema::write_json(column, row.get_ref(*i)?, out),
                None => schema::write_str(self.kind, out),
            }
        }
        out.push(b'}');
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::production::db::{Data, MODELS, names};
    use drover_shared::Role;
    use serde_json::json;

    #[test]
    fn lists_in_one_piece_stop_at_the_row_ceiling() {
        let conn = crate::db::test_conn();
        let schema = Schema::load(&conn).unwrap();
        let user =
            crate::auth::db::users::insert(&conn, "art@studio.com", "h", Role::Artist).unwrap();
        let viewer = Viewer {
            id: user.id,
            role: Role::Artist,
        };
        let add = |from: usize, to: usize| {
            conn.execute(
                "WITH RECURSIVE n(i) AS (SELECT ?1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2) \
                 INSERT INTO prod_department (id, name, created_at, updated_at) \
                 SELECT lower(hex(randomblob(16))), 'D' || i, 'x', 'x' FROM n",
                [from, to],
            )
            .unwrap();
        };
        let model = crate::production::db::by_route("departments").unwrap();
        let all = ListQuery::default();
        add(1, MAX_LIST_ROWS);
        let written = list_json(&conn, &schema, model, &viewer, &all).unwrap();
        assert_eq!(
            serde_json::from_slice::<Value>(&written)
                .unwrap()
                .as_array()
                .unwrap()
                .len(),
            MAX_LIST_ROWS
        );
        assert_eq!(
            list(&conn, &schema, model, &viewer, &all)
                .unwrap()
                .as_array()
                .unwrap()
                .len(),
            MAX_LIST_ROWS
        );
        add(MAX_LIST_ROWS + 1, MAX_LIST_ROWS + 1);
        for result in [
            list_json(&conn, &schema, model, &viewer, &all).map(|_| ()),
            list(&conn, &schema, model, &viewer, &all).map(|_| ()),
        ] {
            assert!(
                matches!(&result, Err(DataError::BadRequest(m)) if m.contains("page")),
                "{result:?}"
            );
        }
        let paged = ListQuery {
            page: Some(6),
            limit: 10_000,
            ..ListQuery::default()
        };
        let page = list(&conn, &schema, model, &viewer, &paged).unwrap();
        assert_eq!(page["data"].as_array().unwrap().len(), 1);
        assert_eq!(page["total"], MAX_LIST_ROWS + 1);
    }

    #[test]
    fn written_lists_are_the_bytes_of_the_values() {
        let conn = crate::db::test_conn();
        let schema = Schema::load(&conn).unwrap();
        let user =
            crate::auth::db::users::insert(&conn, "boss@studio.com", "h", Role::Admin).unwrap();
        let viewer = Viewer {
            id: user.id,
            role: Role::Admin,
        };
        let d = Data {
            conn: &conn,
            schema: &schema,
            viewer: &viewer,
            live: &std::cell::RefCell::default(),
        };
        // Text that needs escaping, floats, booleans, JSON and nulls.
        let project = d
            .create(
                names::PROJECTS,
                json!({"name": "Ép \"1\"\n\u{1F3AC}", "fps": "23.976"}),
            )
            .unwrap();
        d.create(
            names::ORGANISATIONS,
            json!({"name": "Blue\\Studio", "hours_by_day": 7.5}),
        )
        .unwrap();
        let status = d
            .create(
                names::TASK_STATUS,
                json!({"name": "Final", "short_name": "fin", "is_done": true, "color": "#22d160"}),
            )
            .unwrap();
        let task_type = d
            .create(names::TASK_TYPES, json!({"name": "Crowd sim"}))
            .unwrap();
        let asset_type = d
            .create(names::ASSET_TYPES, json!({"name": "Vehicles"}))
            .unwrap();
        let asset = d
            .create(
                names::ASSETS,
                json!({"name": "Sword", "project_id": project["id"],
                       "entity_type_id": asset_type["id"], "data": {"tags": ["a", 1, null]}}),
            )
            .unwrap();
        d.create(
            names::TASKS,
            json!({"name": "main", "project_id": project["id"], "entity_id": asset["id"],
                   "task_type_id": task_type["id"], "task_status_id": status["id"],
                   "estimation": 3, "data": {"x": 1.25}}),
        )
        .unwrap();

        for model in MODELS {
            for query in [
                ListQuery::default(),
                ListQuery::filtered(&[("project_id", project["id"].as_str().unwrap())]),
            ] {
                if query.filters.iter().any(|(f, _)| model.column_for(f) != f)
                    || schema.table(model.table).column("project_id").is_none()
                        && !query.filters.is_empty()
                {
                    continue;
                }
                let value = list(&conn, &schema, model, &viewer, &query).unwrap();
                let written = list_json(&conn, &schema, model, &viewer, &query).unwrap();
                assert_eq!(
                    String::from_utf8(written).unwrap(),
                    serde_json::to_string(&value).unwrap(),
                    "{}",
                    model.route
                );
            }
        }
    }
}
