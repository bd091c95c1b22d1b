//! Days off, presence and the time export: a person's days off, the studio's by year and
//! month, the monthly presence log and the time-spents CSV, each within what the person asking
//! may see.

use super::super::DataError;
use super::super::data::Data;
use super::super::names;
use super::{Span, human};
use crate::production::rules::{self, DayOffReading};
use serde_json::Value;
use std::collections::BTreeMap;

/// `GET /data/persons/{p}/day-offs/{week|month|year}/…`: the person's day offs overlapping
/// the period, read as [`super::super::day_offs::person_day_offs`] reads them.
pub fn person_day_offs(d: &Data, person_id: &str, span: Span) -> Result<Vec<Value>, DataError> {
    human(d, person_id)?;
    let (start, last) = (span.start.to_string(), span.last());
    Ok(super::super::day_offs::person_day_offs(d, person_id)?
        .into_iter()
        .filter(|off| overlaps(off, &start, &last))
        .collect())
}

fn day_of(value: &Value, field: &str) -> String {
    let at = value.get(field).and_then(Value::as_str).unwrap_or("");
    at.get(..10).unwrap_or(at).to_owned()
}

fn overlaps(off: &Value, start: &str, last: &str) -> bool {
    let from = day_of(off, "date");
    let to = day_of(off, "end_date");
    let to = if to.is_empty() { from.clone() } else { to };
    to.as_str() >= start && from.as_str() <= last
}

/// `GET /data/persons/day-offs/{y}[/{m}]`: the day offs of everyone the viewer may read
/// ([`rules::day_off_reading`]) overlapping the year or month, by date.
pub fn studio_day_offs(d: &Data, span: Span) -> Result<Vec<Value>, DataError> {
    let (start, last) = (span.start.to_string(), span.last());
    let mut stmt = d.conn.prepare(
        "SELECT id, person_id FROM prod_day_off \
         WHERE substr(end_date, 1, 10) >= ? AND substr(date, 1, 10) <= ? \
         ORDER BY date, person_id",
    )?;
    let found = stmt
        .query_map([&start, &last], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let whole = Data {
        conn: d.conn,
        schema: d.schema,
        viewer: &super::super::admin_view(d.viewer),
        live: d.live,
    };
    let mut readings: BTreeMap<String, Option<DayOffReading>> = BTreeMap::new();
    let mut out = Vec::new();
    for (id, person) in found {
        let reading = if let Some(reading) = readings.get(&person) {
            *reading
        } else {
            let is_self = d.viewer.is(&person);
            let shares = !is_self && share_a_team(d, &person)?;
            let reading = rules::day_off_reading(d.viewer.role, is_self, shares).ok();
            readings.insert(person.clone(), reading);
            reading
        };
        let Some(reading) = reading else { continue };
        let mut off = whole.get(names::DAY_OFFS, &id)?;
        if reading == DayOffReading::DatesOnly {
            off.remove("description");
        }
        out.push(Value::Object(off));
    }
    Ok(out)
}

/// Whether the viewer and the person are on a production team together.
fn share_a_team(d: &Data, person: &str) -> Result<bool, DataError> {
    Ok(d.conn
        .prepare_cached(
            "SELECT 1 FROM prod_project_person_link AS a \
             JOIN prod_project_person_link AS b ON b.project_id = a.project_id \
             WHERE a.person_id = ? AND b.person_id = ?",
        )?
        .exists(rusqlite::params![d.viewer.id.to_string(), person])?)
}

/// `GET /data/persons/presence-logs/{YYYY-MM}` (admins): a CSV with a line per active person
/// and a column per day of the month, `X` where they logged in from the desktop that day.
pub fn presence_log(d: &Data, month: &str) -> Result<String, DataError> {
    if !d.viewer.is_admin() {
        return Err(DataError::Forbidden(
            "only admins read the presence log".into(),
        ));
    }
    let (year, m) = month
        .split_once('-')
        .filter(|(y, m)| y.len() == 4 && m.len() == 2)
        .ok_or_else(|| DataError::BadRequest("Invalid month or year.".into()))?;
    let span = Span::month(year, m)?;
    let days = usize::from(span.start.month().length(span.start.year()));
    let mut header = vec![year.to_owned()];
    header.extend((1..=days).map(|day| day.to_string()));
    let mut stmt = d.conn.prepare(
        "SELECT id, trim(first_name || ' ' || last_name) FROM users \
         WHERE active AND NOT is_bot ORDER BY first_name, last_name, id",
    )?;
    let people = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut logins = d.conn.prepare(
        "SELECT DISTINCT CAST(substr(date, 9, 2) AS INTEGER) FROM prod_desktop_login_log \
         WHERE person_id = ? AND substr(date, 1, 10) >= ? AND substr(date, 1, 10) < ?",
    )?;
    let (start, end) = span.bounds();
    let mut out = Vec::new();
    {
        let mut csv = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        csv.write_record(&header).map_err(csv_error)?;
        for (id, name) in people {
            let mut line = vec![String::new(); days + 1];
            line[0] = super::super::project::inert_cell(name);
            let found = logins
                .query_map([&id, &start, &end], |r| r.get::<_, i64>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            for day in found {
                if let Some(cell) = usize::try_from(day).ok().and_then(|i| line.get_mut(i)) {
                    "X".clone_into(cell);
                }
            }
            csv.write_record(&line).map_err(csv_error)?;
        }
        csv.flush()
            .map_err(|e| DataError::BadRequest(format!("writing the CSV: {e}")))?;
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[allow(clippy::needless_pass_by_value)] // used as `map_err(csv_error)`
fn csv_error(e: csv::Error) -> DataError {
    DataError::BadRequest(format!("writing the CSV: {e}"))
}

/// The header of Kitsu's time spent export.
const TIME_CSV_HEADER: [&str; 9] = [
    "Date",
    "Person",
    "Project",
    "Task Type",
    "Episode",
    "Sequence",
    "Entity Type",
    "Entity",
    "Duration",
];

/// `GET /export/csv/time-spents.csv` (managers and admins): the time logged in the open
/// productions the viewer may see, `;`-separated as Kitsu's exports, a line per entry.
pub fn time_csv(d: &Data) -> Result<String, DataError> {
    rules::may_export_tasks(d.viewer.role)?;
    let mut out = Vec::new();
    {
        let mut csv = csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        csv.write_record(TIME_CSV_HEADER).map_err(csv_error)?;
        let mut stmt = d.conn.prepare(
            "SELECT substr(s.date, 1, 10), trim(u.first_name || ' ' || u.last_name), p.name, \
                    tt.name, \
                    CASE WHEN et.name = 'Shot' THEN ifnull(ep.name, '') ELSE '' END, \
                    CASE WHEN et.name = 'Shot' THEN ifnull(sq.name, '') ELSE '' END, \
                    et.name, e.name, s.duration \
             FROM prod_time_spent AS s \
             JOIN users AS u ON u.id = s.person_id \
             JOIN prod_task AS t ON t.id = s.task_id \
             JOIN projects AS p ON p.uuid = t.project_id \
             JOIN prod_project_status AS ps ON ps.id = p.project_status_id AND ps.name = 'Open' \
             JOIN prod_task_type AS tt ON tt.id = t.task_type_id \
             JOIN prod_entity AS e ON e.id = t.entity_id \
             JOIN prod_entity_type AS et ON et.id = e.entity_type_id \
             LEFT JOIN prod_entity AS sq ON sq.id = e.parent_id \
             LEFT JOIN prod_entity AS ep ON ep.id = sq.parent_id \
             ORDER BY s.date, 2, p.name, tt.name, e.name",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let mut record: Vec<String> = Vec::with_capacity(9);
            for i in 0..8 {
                let cell = r.get::<_, Option<String>>(i)?.unwrap_or_default();
                record.push(super::super::project::inert_cell(cell));
            }
            record.push(r.get::<_, f64>(8)?.to_string());
            csv.write_record(&record).map_err(csv_error)?;
        }
        csv.flush()
            .map_err(|e| DataError::BadRequest(format!("writing the CSV: {e}")))?;
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_calendar_units_and_bad_ones_are_refused() {
        let m = Span::month("2024", "02").unwrap();
        assert_eq!(m.bounds(), ("2024-02-01".into(), "2024-03-01".into()));
        assert_eq!(m.last(), "2024-02-29");
        let w = Span::week("2024", "18").unwrap();
        assert_eq!(w.bounds(), ("2024-04-29".into(), "2024-05-06".into()));
        let y = Span::year("2024").unwrap();
        assert_eq!(y.bounds(), ("2024-01-01".into(), "2025-01-01".into()));
        let d = Span::day("2024", "12", "31").unwrap();
        assert_eq!(d.bounds(), ("2024-12-31".into(), "2025-01-01".into()));
        for bad in [
            Span::month("2024", "13"),
            Span::month("2024", "0"),
            Span::week("2024", "60"),
            Span::week("2023", "53"),
            Span::year("99999"),
            Span::year("0"),
            Span::year("x"),
            Span::day("2024", "02", "30"),
        ] {
            assert!(matches!(bad, Err(DataError::BadRequest(_))), "{bad:?}");
        }
        assert!(Span::year("9999").is_ok());
    }
}
