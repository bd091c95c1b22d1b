//! The production's event log, as the Logs page of Kitsu's admin reads it: every live event
//! a production write sent (except chat ones, which Zou does not keep either) is recorded in
//! the write's own transaction, and the latest [`KEPT`] are kept. Login records come from
//! the sessions the server holds (one per log-in that has not ended or expired: ended
//! sessions leave no trace, so this is the live part of Zou's login log).

use super::DataError;
use super::data::Data;
use super::live::{Audience, LiveEvent};
use super::schema::now_text;
use drover_shared::UserId;
use rusqlite::{Connection, OptionalExtension, ToSql};
use serde_json::{Value, json};

/// Rows of the event log kept: older ones go as new ones come.
pub const KEPT: i64 = 100_000;
/// Rows one page answers unless `limit` says otherwise (Zou's default).
const PAGE: u32 = 100;
/// The most rows one page answers (Zou's cap).
const MAX_PAGE: u32 = 1_000;
/// The most values of a repeated filter (`person_ids`, `name_prefixes`…).
const MAX_VALUES: usize = 100;

/// Records the events of a write that is about to commit, as made by `user`.
pub fn record(conn: &Connection, user: UserId, events: &[LiveEvent]) -> rusqlite::Result<()> {
    let now = now_text();
    let mut stmt = conn.prepare_cached(
        "INSERT INTO api_event_log (id, name, user_id, project_id, data, created_at) \
         VALUES (?, ?, ?, ?, ?, ?)",
    )?;
    let mut recorded = false;
    for event in events.iter().filter(|e| !e.name.starts_with("chat:")) {
        let project = match &event.audience {
            Audience::Project(p) => Some(p.as_str()),
            Audience::Person(_) | Audience::Everyone => None,
        };
        stmt.execute(rusqlite::params![
            uuid::Uuid::new_v4().to_string(),
            event.name,
            user,
            project,
            event.data.to_string(),
            now
        ])?;
        recorded = true;
    }
    if recorded {
        // The rowid grows with each row: those more than KEPT behind the last go.
        conn.prepare_cached(
            "DELETE FROM api_event_log WHERE rowid <= (SELECT max(rowid) FROM api_event_log) - ?",
        )?
        .execute([KEPT])?;
    }
    Ok(())
}

/// The query of a log page: `after`, `before`, `limit`, a cursor and repeated filters.
#[derive(Debug, Default)]
pub struct Page {
    /// Made after this date or time.
    pub after: Option<String>,
    /// Made before this date or time.
    pub before: Option<String>,
    /// Rows wanted.
    pub limit: u32,
    /// Rows older than this one.
    pub cursor: Option<String>,
    /// Of this project only (events).
    pub project_id: Option<String>,
    /// Only the events of files (thumbnails and previews uploaded).
    pub only_files: bool,
    /// By these people.
    pub person_ids: Vec<String>,
    /// Of these objects (`task`, `comment`…: the part before `:`).
    pub name_prefixes: Vec<String>,
    /// Of these actions (`new`, `update`…: the part after `:`).
    pub name_suffixes: Vec<String>,
}

impl Page {
    /// The page from the query string; a bad limit, date or list is a 400.
    pub fn from_pairs(pairs: &[(String, String)], cursor_name: &str) -> Result<Self, DataError> {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, v)| k == name && !v.is_empty())
                .map(|(_, v)| v.clone())
        };
        let all = |name: &str| -> Result<Vec<String>, DataError> {
            let values: Vec<String> = pairs
                .iter()
                .filter(|(k, v)| (k == name || *k == format!("{name}[]")) && !v.is_empty())
                .map(|(_, v)| v.clone())
                .collect();
            if values.len() > MAX_VALUES {
                return Err(DataError::BadRequest(format!(
                    "`{name}` takes at most {MAX_VALUES} values"
                )));
            }
            Ok(values)
        };
        let date = |name: &str| -> Result<Option<String>, DataError> {
            match get(name) {
                None => Ok(None),
                Some(v) if super::schema::parse_date(v.get(..10).unwrap_or("")).is_some() => {
                    Ok(Some(v))
                }
                Some(v) => Err(DataError::BadRequest(format!(
                    "`{name}` is a date, not {v}"
                ))),
            }
        };
        let limit = match get("limit") {
            None => PAGE,
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| DataError::BadRequest("`limit` is a number from 1".into()))?,
        };
        Ok(Self {
            after: date("after")?,
            before: date("before")?,
            limit: limit.min(MAX_PAGE),
            cursor: get(cursor_name),
            project_id: get("project_id"),
            only_files: get("only_files").is_some_and(|v| v == "true"),
            person_ids: all("person_ids")?,
            name_prefixes: all("name_prefixes")?,
            name_suffixes: all("name_suffixes")?,
        })
    }
}

/// The events of files, as Zou's `only_files` picks them.
const FILE_EVENTS: [&str; 4] = [
    "preview-file:add-file",
    "organisation:set-thumbnail",
    "person:set-thumbnail",
    "project:set-thumbnail",
];

/// A `LIKE` pattern's text with its wildcards made plain (for `ESCAPE '\'`).
fn plain(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// `GET /data/events/last`: the log newest first, one page. Admins read it all; managers
/// only their teams' projects' events (none without a project), as in Zou.
pub fn last(d: &Data, page: &Page) -> Result<Vec<Value>, DataError> {
    let mut clauses: Vec<String> = Vec::new();
    let mut params: Vec<Box<dyn ToSql>> = Vec::new();
    if !d.viewer.is_admin() {
        clauses.push(
            "project_id IN (SELECT project_id FROM prod_project_person_link \
             WHERE person_id = ?)"
                .into(),
        );
        params.push(Box::new(d.viewer.id.to_string()));
        if let Some(project) = &page.project_id
            && !super::on_team(d.conn, project, d.viewer.id)?
        {
            return Err(DataError::Forbidden(
                "you are not on this project's team".into(),
            ));
        }
    }
    if let Some(project) = &page.project_id {
        clauses.push("project_id = ?".into());
        params.push(Box::new(project.clone()));
    }
    if let Some(after) = &page.after {
        clauses.push("created_at > ?".into());
        params.push(Box::new(after.clone()));
    }
    if let Some(before) = &page.before {
        clauses.push("created_at < ?".into());
        params.push(Box::new(before.clone()));
    }
    if page.only_files {
        clauses.push("name IN (SELECT value FROM json_each(?))".into());
        params.push(Box::new(Value::from(FILE_EVENTS.to_vec()).to_string()));
    }
    if !page.person_ids.is_empty() {
        clauses.push("user_id IN (SELECT value FROM json_each(?))".into());
        params.push(Box::new(Value::from(page.person_ids.clone()).to_string()));
    }
    for (values, pattern) in [(&page.name_prefixes, "{}:%"), (&page.name_suffixes, "%:{}")] {
        if values.is_empty() {
            continue;
        }
        let any = vec!["name LIKE ? ESCAPE '\\'"; values.len()].join(" OR ");
        clauses.push(format!("({any})"));
        for value in values {
            params.push(Box::new(pattern.replace("{}", &plain(value))));
        }
    }
    if let Some(cursor) = &page.cursor {
        let at: Option<i64> = d
            .conn
            .prepare_cached("SELECT rowid FROM api_event_log WHERE id = ?")?
            .query_row([cursor], |r| r.get(0))
            .optional()?;
        let at = at.ok_or_else(|| DataError::BadRequest(format!("no event {cursor}")))?;
        clauses.push("rowid < ?".into());
        params.push(Box::new(at));
    }
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    let sql = format!(
        "SELECT id, created_at, name, user_id, project_id, data FROM api_event_log {filter} \
         ORDER BY rowid DESC LIMIT {}",
        page.limit
    );
    let bound: Vec<&dyn ToSql> = params.iter().map(AsRef::as_ref).collect();
    let rows = d
        .conn
        .prepare(&sql)?
        .query_map(bound.as_slice(), |r| {
            let data: String = r.get(5)?;
            Ok(json!({
                "id": r.get::<_, String>(0)?,
                "created_at": r.get::<_, String>(1)?,
                "name": r.get::<_, String>(2)?,
                "user_id": r.get::<_, Option<String>>(3)?,
                "project_id": r.get::<_, Option<String>>(4)?,
                "data": serde_json::from_str::<Value>(&data).unwrap_or(Value::Null),
            }))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// `GET /data/events/names`: the names in the log, sorted.
pub fn names(d: &Data) -> Result<Vec<String>, DataError> {
    let names = d
        .conn
        .prepare_cached("SELECT DISTINCT name FROM api_event_log ORDER BY name")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(names)
}

/// `GET /data/events/login-logs/last` (admins): the sessions' log-ins, newest first, as
/// Zou's login logs (`{id, created_at, ip_address, person_id, origin}`).
pub fn login_logs(d: &Data, page: &Page) -> Result<Vec<Value>, DataError> {
    let mut clauses: Vec<String> = Vec::new();
    let mut params: Vec<Box<dyn ToSql>> = Vec::new();
    // Session times are Unix milliseconds; the page's dates are Zou's ISO text.
    let at = "strftime('%Y-%m-%dT%H:%M:%S', created / 1000, 'unixepoch')";
    if let Some(after) = &page.after {
        clauses.push(format!("{at} > ?"));
        params.push(Box::new(after.clone()));
    }
    if let Some(before) = &page.before {
        clauses.push(format!("{at} < ?"));
        params.push(Box::new(before.clone()));
    }
    if !page.person_ids.is_empty() {
        clauses.push("user_id IN (SELECT value FROM json_each(?))".into());
        params.push(Box::new(Value::from(page.person_ids.clone()).to_string()));
    }
    if let Some(cursor) = &page.cursor {
        let id: i64 = cursor
            .parse()
            .map_err(|_| DataError::BadRequest(format!("no login log {cursor}")))?;
        clauses.push("id < ?".into());
        params.push(Box::new(id));
    }
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    let sql = format!(
        "SELECT id, {at}, user_id FROM sessions {filter} ORDER BY id DESC LIMIT {}",
        page.limit
    );
    let bound: Vec<&dyn ToSql> = params.iter().map(AsRef::as_ref).collect();
    let rows = d
        .conn
        .prepare(&sql)?
        .query_map(bound.as_slice(), |r| {
            Ok(json!({
                "id": r.get::<_, i64>(0)?.to_string(),
                "created_at": r.get::<_, String>(1)?,
                "ip_address": Value::Null,
                "person_id": r.get::<_, String>(2)?,
                "origin": "web",
            }))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}
