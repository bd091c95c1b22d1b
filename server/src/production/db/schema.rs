//! What each production table holds, read from SQLite itself at start (`PRAGMA table_info`),
//! so migration `0005_production.sql` is the one description of the model. A column's
//! declared type (UUID, TEXT, INTEGER, REAL, BOOLEAN, DATE, DATETIME, JSON) says how a value
//! is checked on the way in and written on the way out.

use super::DataError;
use rusqlite::Connection;
use rusqlite::types::{Value as SqlValue, ValueRef};
use serde_json::Value;
use std::collections::HashMap;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{Date, PrimitiveDateTime};

/// How a column's values are checked and serialised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    /// A UUID, as its hyphenated lower-case text.
    Uuid,
    /// Text.
    Text,
    /// A 64-bit integer.
    Integer,
    /// A float.
    Real,
    /// `true`/`false`, stored as 0/1.
    Boolean,
    /// `YYYY-MM-DD`.
    Date,
    /// `YYYY-MM-DDTHH:MM:SS`, UTC.
    DateTime,
    /// Any JSON value, stored as its text.
    Json,
}

impl ColType {
    fn from_declared(declared: &str) -> Self {
        match declared.to_ascii_uppercase().as_str() {
            "UUID" => Self::Uuid,
            "INTEGER" | "INT" => Self::Integer,
            "REAL" => Self::Real,
            "BOOLEAN" => Self::Boolean,
            "DATE" => Self::Date,
            "DATETIME" => Self::DateTime,
            "JSON" => Self::Json,
            _ => Self::Text,
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Self::Uuid => "a UUID",
            Self::Text => "a string",
            Self::Integer => "an integer",
            Self::Real => "a number",
            Self::Boolean => "true or false",
            Self::Date => "a date (YYYY-MM-DD)",
            Self::DateTime => "a date and time (YYYY-MM-DDTHH:MM:SS)",
            Self::Json => "JSON",
        }
    }
}

/// One column of a production table.
#[derive(Debug, Clone)]
pub struct Column {
    /// Its name, which is also the API field's name.
    pub name: String,
    /// How its values are checked and written.
    pub ty: ColType,
    /// NOT NULL without a default: a create must give it.
    pub required: bool,
    /// NULL is allowed.
    pub nullable: bool,
}

/// The columns of one table, in table order.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Every column.
    pub columns: Vec<Column>,
    index: HashMap<String, usize>,
}

impl Table {
    /// A column by name.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.index.get(name).map(|&i| &self.columns[i])
    }
}

/// Every production table's columns, read once at start.
#[derive(Debug, Default)]
pub struct Schema {
    tables: HashMap<String, Table>,
}

impl Schema {
    /// Reads the columns of every table the models name.
    pub fn load(conn: &Connection) -> rusqlite::Result<Self> {
        let mut tables = HashMap::new();
        for model in super::models::MODELS {
            if tables.contains_key(model.table) {
                continue;
            }
            let mut stmt = conn.prepare(&format!("PRAGMA table_info({})", model.table))?;
            let columns = stmt
                .query_map([], |row| {
                    let declared: String = row.get("type")?;
                    let not_null: bool = row.get("notnull")?;
                    let default: Option<String> = row.get("dflt_value")?;
                    let primary: i64 = row.get("pk")?;
                    Ok(Column {
                        name: row.get("name")?,
                        ty: ColType::from_declared(&declared),
                        required: not_null && default.is_none() && primary == 0,
                        nullable: !not_null && primary == 0,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let index = columns
                .iter()
                .enumerate()
                .map(|(i, c)| (c.name.clone(), i))
                .collect();
            tables.insert(model.table.to_owned(), Table { columns, index });
        }
        Ok(Self { tables })
    }

    /// The columns of a table the models name.
    pub fn table(&self, name: &str) -> &Table {
        static EMPTY: std::sync::LazyLock<Table> = std::sync::LazyLock::new(Table::default);
        self.tables.get(name).unwrap_or(&EMPTY)
    }
}

const DATE: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");
const DATETIME: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");

/// Now, as Kitsu writes times.
pub fn now_text() -> String {
    let now = time::OffsetDateTime::now_utc();
    datetime_text(PrimitiveDateTime::new(now.date(), now.time()))
}

/// A time as Kitsu writes it: `YYYY-MM-DDTHH:MM:SS`, no zone.
pub fn datetime_text(at: PrimitiveDateTime) -> String {
    at.format(DATETIME).unwrap_or_default()
}

/// Parses the date part of `YYYY-MM-DD[...]`.
pub fn parse_date(text: &str) -> Option<Date> {
    Date::parse(text.get(..10)?, DATE).ok()
}

/// Parses `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS` or ISO 8601 with fractions or an offset,
/// keeping the wall-clock time (Kitsu's times carry no zone).
pub fn parse_datetime(text: &str) -> Option<PrimitiveDateTime> {
    let date = parse_date(text)?;
    let rest = text.get(10..).unwrap_or("");
    if rest.is_empty() {
        return Some(PrimitiveDateTime::new(date, time::Time::MIDNIGHT));
    }
    let rest = rest.strip_prefix(['T', ' '])?;
    let hms = rest.get(..8)?;
    let mut parts = hms.split(':').map(str::parse::<u8>);
    let (Some(Ok(h)), Some(Ok(m)), Some(Ok(s))) = (parts.next(), parts.next(), parts.next()) else {
        return None;
    };
    let time = time::Time::from_hms(h, m, s).ok()?;
    Some(PrimitiveDateTime::new(date, time))
}

/// A JSON value from a request turned into what the column stores.
pub fn to_sql(column: &Column, value: &Value) -> Result<SqlValue, DataError> {
    let wrong = || {
        DataError::BadRequest(format!(
            "`{}` must be {}, not {value}",
            column.name,
            column.ty.expected()
        ))
    };
    if value.is_null() {
        return if column.nullable {
            Ok(SqlValue::Null)
        } else {
            Err(DataError::BadRequest(format!(
                "`{}` may not be null",
                column.name
            )))
        };
    }
    Ok(match column.ty {
        ColType::Uuid => {
            let text = value.as_str().ok_or_else(wrong)?;
            let id = uuid::Uuid::parse_str(text).map_err(|_| wrong())?;
            SqlValue::Text(id.hyphenated().to_string())
        }
        ColType::Text => match value {
            Value::String(s) => SqlValue::Text(s.clone()),
            Value::Number(n) => SqlValue::Text(n.to_string()),
            _ => return Err(wrong()),
        },
        ColType::Integer => match value {
            Value::Number(n) => SqlValue::Integer(
                n.as_i64()
                    .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
                    .ok_or_else(wrong)?,
            ),
            Value::String(s) => SqlValue::Integer(s.trim().parse().map_err(|_| wrong())?),
            _ => return Err(wrong()),
        },
        ColType::Real => match value {
            Value::Number(n) => SqlValue::Real(n.as_f64().ok_or_else(wrong)?),
            Value::String(s) => SqlValue::Real(s.trim().parse().map_err(|_| wrong())?),
            _ => return Err(wrong()),
        },
        ColType::Boolean => SqlValue::Integer(i64::from(parse_bool(value).ok_or_else(wrong)?)),
        ColType::Date => {
            let date = value.as_str().and_then(parse_date).ok_or_else(wrong)?;
            SqlValue::Text(date.format(DATE).map_err(|_| wrong())?)
        }
        ColType::DateTime => {
            let at = value.as_str().and_then(parse_datetime).ok_or_else(wrong)?;
            SqlValue::Text(at.format(DATETIME).map_err(|_| wrong())?)
        }
        ColType::Json => SqlValue::Text(value.to_string()),
    })
}

/// A query-string value turned into what the column stores.
pub fn text_to_sql(column: &Column, text: &str) -> Result<SqlValue, DataError> {
    if matches!(text, "null" | "None") && column.nullable {
        return Ok(SqlValue::Null);
    }
    let value = match column.ty {
        ColType::Json => serde_json::from_str(text).unwrap_or_else(|_| Value::from(text)),
        _ => Value::from(text),
    };
    to_sql(column, &value)
}

/// Kitsu's booleans: JSON booleans, 0/1, or the strings Python's `strtobool` accepts
/// (gazu sends `True`/`False`).
pub fn parse_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_i64().map(|n| n != 0),
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "true" | "t" | "yes" | "y" | "on" | "1" => Some(true),
            "false" | "f" | "no" | "n" | "off" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A stored value as JSON.
pub fn to_json(column: &Column, value: ValueRef<'_>) -> Value {
    match (column.ty, value) {
        (_, ValueRef::Null | ValueRef::Blob(_)) => Value::Null,
        (ColType::Boolean, ValueRef::Integer(i)) => Value::Bool(i != 0),
        (ColType::Json, ValueRef::Text(t)) => serde_json::from_slice(t).unwrap_or(Value::Null),
        (_, ValueRef::Integer(i)) => Value::from(i),
        (_, ValueRef::Real(f)) => Value::from(f),
        (_, ValueRef::Text(t)) => Value::from(String::from_utf8_lossy(t).into_owned()),
    }
}

/// Writes a string as JSON (quoted and escaped).
pub fn write_str(text: &str, out: &mut Vec<u8>) {
    // Writing into a Vec cannot fail.
    let _ = serde_json::to_writer(out, text);
}

/// Writes a stored value as the JSON text of [`to_json`]'s value, without building it.
pub fn write_json(column: &Column, value: ValueRef<'_>, out: &mut Vec<u8>) {
    match (column.ty, value) {
        (_, ValueRef::Null | ValueRef::Blob(_)) => out.extend_from_slice(b"null"),
        (ColType::Boolean, ValueRef::Integer(i)) => {
            out.extend_from_slice(if i == 0 { b"false" } else { b"true" });
        }
        (ColType::Json, ValueRef::Text(_)) => {
            let _ = serde_json::to_writer(out, &to_json(column, value));
        }
        (_, ValueRef::Integer(i)) => {
            let _ = serde_json::to_writer(out, &i);
        }
        (_, ValueRef::Real(f)) => {
            let _ = serde_json::to_writer(out, &Value::from(f));
        }
        (_, ValueRef::Text(t)) => write_str(&String::from_utf8_lossy(t), out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(ty: ColType, nullable: bool) -> Column {
        Column {
            name: "f".into(),
            ty,
            required: false,
            nullable,
        }
    }

    #[test]
    fn values_are_checked_by_declared_type() {
        let uuid = column(ColType::Uuid, true);
        assert!(to_sql(&uuid, &Value::from("nope")).is_err());
        assert_eq!(to_sql(&uuid, &Value::Null).unwrap(), SqlValue::Null);
        let flag = column(ColType::Boolean, false);
        assert_eq!(
            to_sql(&flag, &Value::from("True")).unwrap(),
            SqlValue::Integer(1)
        );
        assert!(to_sql(&flag, &Value::Null).is_err());
        let at = column(ColType::DateTime, true);
        assert_eq!(
            to_sql(&at, &Value::from("2024-03-05 10:11:12.123456")).unwrap(),
            SqlValue::Text("2024-03-05T10:11:12".into())
        );
        let day = column(ColType::Date, true);
        assert_eq!(
            to_sql(&day, &Value::from("2024-03-05T10:00:00")).unwrap(),
            SqlValue::Text("2024-03-05".into())
        );
        assert!(to_sql(&day, &Value::from("2024-13-05")).is_err());
        let n = column(ColType::Integer, true);
        assert!(to_sql(&n, &Value::from("ten")).is_err());
        assert_eq!(to_sql(&n, &Value::from(3.0)).unwrap(), SqlValue::Integer(3));
    }
}
