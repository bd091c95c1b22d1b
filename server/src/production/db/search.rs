//! Kitsu's global search (`POST /data/search`): assets, shots and people whose name holds
//! the words asked, over what the person may read. Zou asks a search indexer; here SQLite
//! matches names with `LIKE` (its wildcards escaped, so `%` and `_` are plain text), and
//! every answer is paged and capped.

use super::DataError;
use super::data::{Data, Row, text};
use super::models::TEMPORAL_TYPES;
use super::names::{self, ModelName};
use super::project::OPEN_STATUS;
use drover_shared::Role;
use rusqlite::OptionalExtension;
use serde_json::{Map, Value};

/// Fewer characters than this find nothing (as Zou answers `{}`).
const MIN_QUERY_CHARS: usize = 3;
/// The longest query taken.
const MAX_QUERY_CHARS: usize = 200;
/// The most results of one index per request.
const MAX_LIMIT: u64 = 50;
/// The furthest a page may start.
const MAX_OFFSET: u64 = 10_000;
/// The indexes searched unless `index_names` says otherwise.
const INDEXES: [&str; 3] = ["assets", "shots", "persons"];

/// What a search asks, read from its body.
struct Ask {
    query: String,
    limit: u64,
    offset: u64,
    indexes: Vec<String>,
    project_id: Option<String>,
}

fn number(body: &Row, name: &str, default: u64) -> Result<u64, DataError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => v
            .as_u64()
            .ok_or_else(|| DataError::BadRequest(format!("`{name}` is a whole number"))),
    }
}

fn ask(body: &Row) -> Result<Ask, DataError> {
    let query = match body.get("query") {
        Some(Value::String(q)) if q.chars().count() <= MAX_QUERY_CHARS => q.trim().to_owned(),
        Some(Value::String(_)) => {
            return Err(DataError::BadRequest(format!(
                "`query` is longer than {MAX_QUERY_CHARS} characters"
            )));
        }
        _ => return Err(DataError::BadRequest("`query` is a string".into())),
    };
    let limit = number(body, "limit", 3)?;
    if limit == 0 {
        return Err(DataError::BadRequest("`limit` is at least 1".into()));
    }
    let indexes = match body.get("index_names") {
        None | Some(Value::Null) => INDEXES.iter().map(|&s| s.to_owned()).collect(),
        Some(Value::Array(names)) if names.len() <= INDEXES.len() * 2 => names
            .iter()
            .map(|n| {
                n.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| DataError::BadRequest("`index_names` are strings".into()))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(DataError::BadRequest(
                "`index_names` is a list of `assets`, `shots` and `persons`".into(),
            ));
        }
    };
    let project_id = match body.get("project_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(p)) if p.is_empty() => None,
        Some(Value::String(p)) => Some(p.clone()),
        Some(_) => return Err(DataError::BadRequest("`project_id` is an id".into())),
    };
    Ok(Ask {
        query,
        limit: limit.min(MAX_LIMIT),
        offset: number(body, "offset", 0)?.min(MAX_OFFSET),
        indexes,
        project_id,
    })
}

/// `%query%` for `LIKE … ESCAPE '\'`, with the query's own wildcards made plain.
fn pattern(query: &str) -> String {
    let mut out = String::with_capacity(query.len() + 2);
    out.push('%');
    for c in query.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The open projects searched: every open one for admins, the open ones the person is on
/// for everyone else (as Zou: a manager searches their own productions), narrowed to
/// `project_id` when given.
fn projects(d: &Data, only: Option<&str>) -> Result<Vec<String>, DataError> {
    let mut open: Vec<String> = d
        .list(names::PROJECTS, &[("project_status_id", OPEN_STATUS)])?
        .iter()
        .map(|p| text(p, "id").to_owned())
        .collect();
    if !d.viewer.is_admin() {
        let mut mine = Vec::with_capacity(open.len());
        for project in open {
            if super::on_team(d.conn, &project, d.viewer.id)? {
                mine.push(project);
            }
        }
        open = mine;
    }
    if let Some(only) = only {
        open.retain(|p| p == only);
    }
    Ok(open)
}

/// Ids of the entities matching, in name order, one page.
fn entity_ids(
    d: &Data,
    ask: &Ask,
    projects: &[String],
    shots: bool,
) -> Result<Vec<String>, DataError> {
    let types = Value::from(TEMPORAL_TYPES.to_vec()).to_string();
    let kind = if shots {
        "y.name = 'Shot'"
    } else {
        "y.name NOT IN (SELECT value FROM json_each(:types))"
    };
    // Vendors find only what they hold a task on (Zou keeps what a vendor reaches).
    let vendor = if d.viewer.role == Role::Vendor {
        "AND EXISTS (SELECT 1 FROM prod_task AS t JOIN prod_task_person_link AS l \
         ON l.task_id = t.id WHERE t.entity_id = e.id AND l.person_id = :me)"
    } else {
        ""
    };
    let sql = format!(
        "SELECT e.id FROM prod_entity AS e JOIN prod_entity_type AS y ON y.id = e.entity_type_id \
         WHERE e.project_id IN (SELECT value FROM json_each(:projects)) AND {kind} \
         AND e.name LIKE :pattern ESCAPE '\\' {vendor} \
         ORDER BY e.name COLLATE NOCASE, e.id LIMIT :limit OFFSET :offset"
    );
    let mut stmt = d.conn.prepare_cached(&sql)?;
    let projects = Value::from(projects.to_vec()).to_string();
    let pattern = pattern(&ask.query);
    let me = d.viewer.id.to_string();
    #[allow(clippy::cast_possible_wrap)] // both capped far below i64::MAX
    let (limit, offset) = (ask.limit as i64, ask.offset as i64);
    let mut named: Vec<(&str, &dyn rusqlite::ToSql)> = vec![
        (":projects", &projects),
        (":pattern", &pattern),
        (":limit", &limit),
        (":offset", &offset),
    ];
    if !shots {
        named.push((":types", &types));
    }
    if !vendor.is_empty() {
        named.push((":me", &me));
    }
    let ids = stmt
        .query_map(named.as_slice(), |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(ids)
}

/// A name and extension looked up by id (project, entity, preview), if there is one.
fn lookup(d: &Data, sql: &str, id: Option<&str>) -> Result<Option<String>, DataError> {
    let Some(id) = id else { return Ok(None) };
    Ok(d.conn
        .prepare_cached(sql)?
        .query_row([id], |r| r.get::<_, Option<String>>(0))
        .optional()?
        .flatten())
}

fn field<'r>(row: &'r Row, name: &str) -> Option<&'r str> {
    row.get(name).and_then(Value::as_str)
}

/// The rows of `route` for these ids as the viewer reads them, with Zou's extra names.
fn present(d: &Data, route: ModelName, ids: &[String], ask: &Ask) -> Result<Vec<Row>, DataError> {
    let mut rows = Vec::with_capacity(ids.len());
    for id in ids {
        let Ok(mut row) = d.get(route, id) else {
            continue;
        };
        let project = lookup(
            d,
            "SELECT name FROM projects WHERE uuid = ?",
            field(&row, "project_id"),
        )?;
        let extension = lookup(
            d,
            "SELECT extension FROM prod_preview_file WHERE id = ?",
            field(&row, "preview_file_id"),
        )?;
        row.insert(
            "project_name".into(),
            Value::from(project.unwrap_or_default()),
        );
        row.insert("preview_file_extension".into(), Value::from(extension));
        if route == names::SHOTS {
            let sequence = field(&row, "parent_id").map(str::to_owned);
            let name = lookup(
                d,
                "SELECT name FROM prod_entity WHERE id = ?",
                sequence.as_deref(),
            )?;
            row.insert(
                "sequence_name".into(),
                Value::from(name.unwrap_or_default()),
            );
            let episode = lookup(
                d,
                "SELECT parent_id FROM prod_entity WHERE id = ?",
                sequence.as_deref(),
            )?;
            if let Some(episode) = episode {
                let name = lookup(
                    d,
                    "SELECT name FROM prod_entity WHERE id = ?",
                    Some(&episode),
                )?;
                row.insert("episode".into(), Value::from(name.unwrap_or_default()));
                row.insert("episode_id".into(), Value::from(episode));
            }
        } else {
            let kind = lookup(
                d,
                "SELECT name FROM prod_entity_type WHERE id = ?",
                field(&row, "entity_type_id"),
            )?;
            row.insert(
                "asset_type_name".into(),
                Value::from(kind.unwrap_or_default()),
            );
        }
        row.insert("matched_terms".into(), Value::from(vec![ask.query.clone()]));
        rows.push(row);
    }
    Ok(rows)
}

fn persons(d: &Data, ask: &Ask) -> Result<Vec<Row>, DataError> {
    let pattern = pattern(&ask.query);
    #[allow(clippy::cast_possible_wrap)] // both capped far below i64::MAX
    let (limit, offset) = (ask.limit as i64, ask.offset as i64);
    let ids = d
        .conn
        .prepare_cached(
            "SELECT id FROM users WHERE is_bot = 0 \
             AND (first_name || ' ' || last_name) LIKE :pattern ESCAPE '\\' \
             ORDER BY lower(first_name), lower(last_name), id LIMIT :limit OFFSET :offset",
        )?
        .query_map(
            rusqlite::named_params! {":pattern": pattern, ":limit": limit, ":offset": offset},
            |r| r.get::<_, String>(0),
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut rows = Vec::with_capacity(ids.len());
    for id in ids {
        // Read as `/data/persons/{id}` shows it to this viewer.
        if let Ok(mut row) = d.get(names::PERSONS, &id) {
            row.insert("matched_terms".into(), Value::from(vec![ask.query.clone()]));
            rows.push(row);
        }
    }
    Ok(rows)
}

/// `POST /data/search` `{query, limit, offset, index_names[, project_id]}`: `{assets,
/// shots, persons}` as asked; `{}` for a query shorter than three characters.
pub fn search(d: &Data, body: &Row) -> Result<Row, DataError> {
    let ask = ask(body)?;
    let mut out = Map::new();
    if ask.query.chars().count() < MIN_QUERY_CHARS {
        return Ok(out);
    }
    let wants = |name: &str| ask.indexes.iter().any(|i| i == name);
    if wants("persons") {
        out.insert("persons".into(), rows_value(persons(d, &ask)?));
    }
    if wants("assets") || wants("shots") {
        let projects = projects(d, ask.project_id.as_deref())?;
        for (index, route, shots) in [
            ("assets", names::ASSETS, false),
            ("shots", names::SHOTS, true),
        ] {
            if !wants(index) {
                continue;
            }
            let found = if projects.is_empty() {
                Vec::new()
            } else {
                present(d, route, &entity_ids(d, &ask, &projects, shots)?, &ask)?
            };
            out.insert(index.into(), rows_value(found));
        }
    }
    Ok(out)
}

fn rows_value(rows: Vec<Row>) -> Value {
    Value::Array(rows.into_iter().map(Value::Object).collect())
}
