//! Day offs as Kitsu's schedules and "My tasks" read them: a person's, and a production
//! team's over a period. Day offs are each person's own rows; who else reads them, and
//! whether with their description, is Zou's rule ([`rules::day_off_reading`]).

use super::DataError;
use super::data::{Data, Row, text};
use super::names;
use super::schema::parse_date;
use crate::production::rules::{self, DayOffReading};
use serde_json::Value;

/// The day offs of a person, read whole (a day off is its person's own row).
fn of_person(d: &Data, person: &str) -> Result<Vec<Row>, DataError> {
    let whole = Data {
        conn: d.conn,
        schema: d.schema,
        viewer: &super::admin_view(d.viewer),
        live: d.live,
    };
    let mut found = whole.list(names::DAY_OFFS, &[("person_id", person)])?;
    found.sort_by(|a, b| text(a, "date").cmp(text(b, "date")));
    Ok(found)
}

/// Whether the two people are on a team together.
fn share_a_team(d: &Data, person: &str) -> Result<bool, DataError> {
    Ok(d.conn
        .prepare_cached(
            "SELECT 1 FROM prod_project_person_link AS a \
             JOIN prod_project_person_link AS b ON b.project_id = a.project_id \
             WHERE a.person_id = ? AND b.person_id = ?",
        )?
        .exists(rusqlite::params![d.viewer.id, person])?)
}

/// A day off as the viewer reads it: whole, or its dates only.
fn shown(mut day_off: Row, reading: DayOffReading) -> Value {
    if reading == DayOffReading::DatesOnly {
        day_off.remove("description");
    }
    Value::Object(day_off)
}

/// `GET /data/persons/{p}/day-offs`: every day off of the person, by date; whole for the
/// person, managers and admins, dates only for a supervisor on a team with them, 403 for
/// anyone else.
pub fn person_day_offs(d: &Data, person_id: &str) -> Result<Vec<Value>, DataError> {
    let person = d.get(names::PERSONS, person_id)?;
    let person = text(&person, "id");
    let is_self = d.viewer.is(person);
    let shares = !is_self && share_a_team(d, person)?;
    let reading = rules::day_off_reading(d.viewer.role, is_self, shares)?;
    Ok(of_person(d, person)?
        .into_iter()
        .map(|day_off| shown(day_off, reading))
        .collect())
}

/// The `YYYY-MM-DD` of a date field.
fn day<'r>(row: &'r Row, field: &str) -> &'r str {
    let at = text(row, field);
    at.get(..10).unwrap_or(at)
}

/// A `YYYY-MM-DD` query date, when given; 400 otherwise.
fn query_date(name: &str, value: Option<&str>) -> Result<Option<String>, DataError> {
    match value.filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => parse_date(v)
            .filter(|_| v.len() == 10)
            .map(|date| Some(date.to_string()))
            .ok_or_else(|| DataError::BadRequest(format!("`{name}` is not a date: {v}"))),
    }
}

/// `GET /data/projects/{p}/day-offs?start_date&end_date`: the day offs of the project's
/// team that overlap the period, `{person_id: [day offs]}`; descriptions for managers,
/// admins and one's own. Vendors and clients do not read the team's absences (403).
pub fn project_day_offs(
    d: &Data,
    project_id: &str,
    start: Option<&str>,
    end: Option<&str>,
) -> Result<Row, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    rules::may_read_team_day_offs(d.viewer.role)?;
    let start = query_date("start_date", start)?;
    let end = query_date("end_date", end)?;
    let team = project
        .get("team")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut out = Row::new();
    for person in team.iter().filter_map(Value::as_str) {
        let reading = if rules::speaks_for_others(d.viewer.role) || d.viewer.is(person) {
            DayOffReading::Whole
        } else {
            DayOffReading::DatesOnly
        };
        let overlapping: Vec<Value> = of_person(d, person)?
            .into_iter()
            .filter(|off| start.as_deref().is_none_or(|s| day(off, "end_date") >= s))
            .filter(|off| end.as_deref().is_none_or(|e| day(off, "date") <= e))
            .map(|off| shown(off, reading))
            .collect();
        if !overlapping.is_empty() {
            out.insert(person.to_owned(), Value::Array(overlapping));
        }
    }
    Ok(out)
}
