//! What the budget and schedule version modules share: who manages or reads a production's
//! plans (Zou's rules, team included), the fields of a request body read one by one with a
//! clear 400 for each wrong value, and rows shown as Zou serialises them.

use super::DataError;
use super::data::{Data, Row};
use super::live::{Audience, LiveEvent};
use super::schema::{datetime_text, now_text, parse_bool, parse_date, parse_datetime};
use drover_shared::Role;
use rusqlite::OptionalExtension;
use rusqlite::types::ValueRef;
use serde_json::Value;

/// The canonical form of a production id, or 404: the project must exist.
fn project(d: &Data, project_id: &str) -> Result<String, DataError> {
    let id = uuid_text("project_id", project_id)?;
    let found: Option<String> = d
        .conn
        .prepare_cached("SELECT uuid FROM projects WHERE uuid = ?")?
        .query_row([&id], |r| r.get(0))
        .optional()?;
    found.ok_or_else(|| DataError::NotFound(format!("Project {id} not found")))
}

/// Whether the viewer is on the production's team.
fn on_team(d: &Data, project_id: &str) -> Result<bool, DataError> {
    Ok(super::on_team(d.conn, project_id, d.viewer.id)?)
}

/// Zou's "manager project access": admins, and managers on the production's team. Budgets
/// (people's pay) and the schedule's drafts are theirs alone; a manager off the team is
/// refused, as in Zou, though managers read every production elsewhere. Answers the
/// project's canonical id.
pub fn check_manages(d: &Data, project_id: &str) -> Result<String, DataError> {
    let project = project(d, project_id)?;
    if d.viewer.is_admin() || (d.viewer.role == Role::Manager && on_team(d, &project)?) {
        Ok(project)
    } else {
        Err(DataError::Forbidden(
            "only admins and the production's managers may do this".into(),
        ))
    }
}

/// Zou's project access without vendors and clients: admins, and the production's team
/// (artists, supervisors, managers on it). Answers the project's canonical id.
pub fn check_reads(d: &Data, project_id: &str) -> Result<String, DataError> {
    let project = project(d, project_id)?;
    if d.viewer.is_admin() {
        return Ok(project);
    }
    if matches!(d.viewer.role, Role::Vendor | Role::Client) {
        return Err(DataError::Forbidden(
            "vendors and clients do not read the production schedule".into(),
        ));
    }
    if on_team(d, &project)? {
        Ok(project)
    } else {
        Err(DataError::Forbidden(
            "you are not on this production's team".into(),
        ))
    }
}

/// A live event for everyone who reads the production.
pub fn event(name: &str, data: Value, project_id: &str) -> LiveEvent {
    let mut data = data;
    if let Value::Object(map) = &mut data {
        map.insert("project_id".into(), Value::from(project_id));
    }
    LiveEvent {
        name: name.into(),
        data,
        audience: Audience::Project(project_id.to_owned()),
    }
}

/// A canonical UUID, or 400 naming the field.
pub fn uuid_text(field: &str, text: &str) -> Result<String, DataError> {
    uuid::Uuid::parse_str(text)
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| DataError::BadRequest(format!("`{field}` must be a UUID, not `{text}`")))
}

/// Now, as rows keep their times.
pub fn now() -> String {
    now_text()
}

/// A request body read field by field: each reader answers `None` when the field is absent
/// (or null, where null is allowed) and 400 when its value is wrong.
pub struct Body<'a>(pub &'a Row);

fn wrong(field: &str, expected: &str, value: &Value) -> DataError {
    DataError::BadRequest(format!("`{field}` must be {expected}, not {value}"))
}

impl Body<'_> {
    fn value(&self, field: &str) -> Option<&Value> {
        self.0.get(field).filter(|v| !v.is_null())
    }

    /// Whether the body names the field (even as null).
    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    /// A non-empty string of at most `max_chars` characters.
    pub fn text(&self, field: &str, max_chars: usize) -> Result<Option<String>, DataError> {
        let Some(value) = self.value(field) else {
            return Ok(None);
        };
        let expected = format!("a non-empty string of at most {max_chars} characters");
        match value.as_str().map(str::trim) {
            Some(s) if !s.is_empty() && s.chars().count() <= max_chars => Ok(Some(s.to_owned())),
            _ => Err(wrong(field, &expected, value)),
        }
    }

    /// A required non-empty string.
    pub fn required_text(&self, field: &str, max_chars: usize) -> Result<String, DataError> {
        self.text(field, max_chars)?
            .ok_or_else(|| DataError::BadRequest(format!("`{field}` is required")))
    }

    /// One of a fixed set of words.
    pub fn choice(&self, field: &str, allowed: &[&str]) -> Result<Option<String>, DataError> {
        let Some(value) = self.value(field) else {
            return Ok(None);
        };
        match value.as_str() {
            Some(s) if allowed.contains(&s) => Ok(Some(s.to_owned())),
            _ => Err(wrong(
                field,
                &format!("one of {}", allowed.join(", ")),
                value,
            )),
        }
    }

    /// A UUID.
    pub fn uuid(&self, field: &str) -> Result<Option<String>, DataError> {
        let Some(value) = self.value(field) else {
            return Ok(None);
        };
        let text = value
            .as_str()
            .ok_or_else(|| wrong(field, "a UUID", value))?;
        uuid_text(field, text).map(Some)
    }

    /// A required UUID.
    pub fn required_uuid(&self, field: &str) -> Result<String, DataError> {
        self.uuid(field)?
            .ok_or_else(|| DataError::BadRequest(format!("`{field}` is required")))
    }

    /// A date, `YYYY-MM-DD` (a time after it is dropped).
    pub fn date(&self, field: &str) -> Result<Option<String>, DataError> {
        let Some(value) = self.value(field) else {
            return Ok(None);
        };
        let date = value
            .as_str()
            .and_then(parse_date)
            .ok_or_else(|| wrong(field, "a date (YYYY-MM-DD)", value))?;
        Ok(Some(date.to_string()))
    }

    /// A date and time, kept as `YYYY-MM-DDTHH:MM:SS`.
    pub fn datetime(&self, field: &str) -> Result<Option<String>, DataError> {
        let Some(value) = self.value(field) else {
            return Ok(None);
        };
        let at = value
            .as_str()
            .and_then(parse_datetime)
            .ok_or_else(|| wrong(field, "a date (YYYY-MM-DD[THH:MM:SS])", value))?;
        Ok(Some(datetime_text(at)))
    }

    /// A whole number in `0..=max`.
    pub fn count(&self, field: &str, max: i64) -> Result<Option<i64>, DataError> {
        let Some(value) = self.value(field) else {
            return Ok(None);
        };
        let n = match value {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        match n {
            Some(n) if (0..=max).contains(&n) => Ok(Some(n)),
            _ => Err(wrong(
                field,
                &format!("a whole number from 0 to {max}"),
                value,
            )),
        }
    }

    /// A finite number in `0..=max`.
    pub fn amount(&self, field: &str, max: f64) -> Result<Option<f64>, DataError> {
        let Some(value) = self.value(field) else {
            return Ok(None);
        };
        let n = match value {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        match n {
            Some(n) if n.is_finite() && (0.0..=max).contains(&n) => Ok(Some(n)),
            _ => Err(wrong(field, &format!("a number from 0 to {max}"), value)),
        }
    }

    /// `true` or `false` (or the words Kitsu's clients send for them).
    pub fn flag(&self, field: &str) -> Result<Option<bool>, DataError> {
        let Some(value) = self.value(field) else {
            return Ok(None);
        };
        parse_bool(value)
            .map(Some)
            .ok_or_else(|| wrong(field, "true or false", value))
    }

    /// A list of at most `max` UUIDs, each once.
    pub fn uuids(&self, field: &str, max: usize) -> Result<Option<Vec<String>>, DataError> {
        let Some(value) = self.value(field) else {
            return Ok(None);
        };
        let list = value
            .as_array()
            .filter(|l| l.len() <= max)
            .ok_or_else(|| wrong(field, &format!("a list of at most {max} ids"), value))?;
        let mut ids: Vec<String> = Vec::with_capacity(list.len());
        for item in list {
            let text = item
                .as_str()
                .ok_or_else(|| wrong(field, "a list of ids", value))?;
            let id = uuid_text(field, text)?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        Ok(Some(ids))
    }
}

/// How a column is shown.
#[derive(Debug, Clone, Copy)]
pub enum Shown {
    /// As stored (text, numbers, null).
    Plain,
    /// 0/1 as `false`/`true`.
    Flag,
    /// JSON text as the value it holds.
    Json,
}

/// A row as Zou serialises it: the named columns, then its `type`.
pub fn present(
    row: &rusqlite::Row,
    columns: &[(&str, Shown)],
    kind: &str,
) -> rusqlite::Result<Row> {
    let mut out = Row::new();
    for (name, shown) in columns {
        let value = match (shown, row.get_ref(*name)?) {
            (_, ValueRef::Null | ValueRef::Blob(_)) => Value::Null,
            (Shown::Flag, ValueRef::Integer(i)) => Value::Bool(i != 0),
            (Shown::Json, ValueRef::Text(t)) => serde_json::from_slice(t).unwrap_or(Value::Null),
            (_, ValueRef::Integer(i)) => Value::from(i),
            (_, ValueRef::Real(f)) => Value::from(f),
            (_, ValueRef::Text(t)) => Value::from(String::from_utf8_lossy(t).into_owned()),
        };
        out.insert((*name).to_owned(), value);
    }
    out.insert("type".into(), Value::from(kind));
    Ok(out)
}

/// The SQL column list of `columns`.
pub fn column_list(columns: &[(&str, Shown)]) -> String {
    columns
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(", ")
}
