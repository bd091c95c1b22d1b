//! Timesheets as Kitsu's "Timesheets" and "Days off" pages and gazu's `person` module read
//! them: a person's time over a year, month, ISO week or day (by task), the studio's time in
//! tables (per day, week, month or year and person), the time logged on an entity or on a
//! production's task type, the days off of a period and the presence log.
//!
//! Who reads whose time is Zou's rule: admins everyone's; the person their own; managers and
//! supervisors the people of their productions (supervisors only on their departments' task
//! types); nobody else. Every read stays within the productions the viewer may see, and
//! every period is one calendar unit, so a request never scans more than a year of rows.

use super::DataError;
use super::data::{Data, Row, text};
use super::names;
use super::schema::parse_date;
use drover_shared::Role;
use rusqlite::types::Value as SqlValue;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use time::{Date, Duration, Month, Weekday};

mod day_offs;
pub use day_offs::{person_day_offs, presence_log, studio_day_offs, time_csv};

/// A period of whole days: `start` included, `end` excluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// The first day.
    pub start: Date,
    /// The day after the last.
    pub end: Date,
}

fn bad_date() -> DataError {
    DataError::BadRequest("Invalid date format.".into())
}

/// A year of a path: 1 to 9999, as Python's dates take it.
pub fn parse_year(year: &str) -> Result<i32, DataError> {
    year.parse::<i32>()
        .ok()
        .filter(|y| (1..=9999).contains(y))
        .ok_or_else(|| DataError::BadRequest(format!("Invalid year: {year}")))
}

fn parse_month(month: &str) -> Result<Month, DataError> {
    month
        .parse::<u8>()
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or_else(|| DataError::BadRequest(format!("Invalid month: {month}")))
}

impl Span {
    /// A calendar year.
    pub fn year(year: &str) -> Result<Self, DataError> {
        let year = parse_year(year)?;
        let start = Date::from_calendar_date(year, Month::January, 1).map_err(|_| bad_date())?;
        let end = Date::from_calendar_date(year + 1, Month::January, 1)
            .unwrap_or(Date::MAX.next_day().unwrap_or(Date::MAX));
        Ok(Self { start, end })
    }

    /// A calendar month.
    pub fn month(year: &str, month: &str) -> Result<Self, DataError> {
        let year = parse_year(year)?;
        let month = parse_month(month)?;
        let start = Date::from_calendar_date(year, month, 1).map_err(|_| bad_date())?;
        let end = start + Duration::days(i64::from(month.length(year)));
        Ok(Self { start, end })
    }

    /// An ISO week (Monday to Sunday).
    pub fn week(year: &str, week: &str) -> Result<Self, DataError> {
        let year = parse_year(year)?;
        let start = week
            .parse::<u8>()
            .ok()
            .and_then(|w| Date::from_iso_week_date(year, w, Weekday::Monday).ok())
            .ok_or_else(|| DataError::BadRequest(format!("Invalid week: {week}")))?;
        Ok(Self {
            start,
            end: start + Duration::days(7),
        })
    }

    /// One day.
    pub fn day(year: &str, month: &str, day: &str) -> Result<Self, DataError> {
        let y = parse_year(year)?;
        let m = parse_month(month)?;
        let start = day
            .parse::<u8>()
            .ok()
            .and_then(|d| Date::from_calendar_date(y, m, d).ok())
            .ok_or_else(|| DataError::BadRequest(format!("Invalid day: {day}")))?;
        Ok(Self {
            start,
            end: start + Duration::days(1),
        })
    }

    /// `YYYY-MM-DD` of the first day and of the day after the last.
    fn bounds(self) -> (String, String) {
        (self.start.to_string(), self.end.to_string())
    }

    /// `YYYY-MM-DD` of the last day.
    fn last(self) -> String {
        self.end.previous_day().unwrap_or(self.end).to_string()
    }
}

/// A `YYYY-MM-DD` query date, when given; 400 otherwise.
pub fn query_date(name: &str, value: Option<&str>) -> Result<Option<String>, DataError> {
    match value.filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => parse_date(v)
            .filter(|_| v.len() == 10)
            .map(|d| Some(d.to_string()))
            .ok_or_else(|| DataError::BadRequest(format!("`{name}` is not a date: {v}"))),
    }
}

/// Clauses `AND`ed onto a query, with their positional parameters.
#[derive(Default)]
struct Filter {
    clauses: Vec<String>,
    params: Vec<SqlValue>,
}

impl Filter {
    fn and(&mut self, clause: &str, params: impl IntoIterator<Item = String>) {
        self.clauses.push(clause.to_owned());
        self.params.extend(params.into_iter().map(SqlValue::Text));
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() {
            "1".into()
        } else {
            self.clauses.join(" AND ")
        }
    }
}

/// Keeps the tasks (as `t`) of the productions the viewer may see.
fn within_teams(d: &Data, f: &mut Filter) {
    if !d.viewer.sees_all_projects() {
        f.and(
            "t.project_id IN (SELECT project_id FROM prod_project_person_link \
             WHERE person_id = ?)",
            [d.viewer.id.to_string()],
        );
    }
}

/// Keeps the tasks (as `t`) of these departments' task types.
fn within_departments(f: &mut Filter, departments: &[String]) {
    if departments.is_empty() {
        return;
    }
    let marks = vec!["?"; departments.len()].join(", ");
    f.and(
        &format!(
            "t.task_type_id IN (SELECT id FROM prod_task_type WHERE department_id IN ({marks}))"
        ),
        departments.iter().cloned(),
    );
}

/// The viewer's departments.
fn my_departments(d: &Data) -> Result<Vec<String>, DataError> {
    let mut stmt = d
        .conn
        .prepare_cached("SELECT department_id FROM prod_department_link WHERE person_id = ?")?;
    let found = stmt
        .query_map([d.viewer.id.to_string()], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(found)
}

/// A person of a path, who must exist and not be a bot (bots log no time and take no days off).
fn human(d: &Data, person_id: &str) -> Result<String, DataError> {
    let person = d.get(names::PERSONS, person_id)?;
    if person.get("is_bot").and_then(Value::as_bool) == Some(true) {
        return Err(DataError::BadRequest("bots have no timesheet".into()));
    }
    Ok(text(&person, "id").to_owned())
}

/// A `project_id` query filter: a production the viewer may see (403 otherwise, as Zou).
fn project_filter(d: &Data, project: Option<&str>) -> Result<Option<String>, DataError> {
    let Some(project) = project.filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let found = d
        .get(names::PROJECTS, project)
        .map_err(|_| DataError::Forbidden("you are not on this production's team".into()))?;
    Ok(Some(text(&found, "id").to_owned()))
}

/// Whose time a person route reads, and within what: the person's own or an admin reads all
/// of it; managers and supervisors read their productions' (supervisors only their
/// departments' task types); anyone else is refused (Zou's
/// `_get_project_department_ids_for_person_access`).
fn person_time_filter(
    d: &Data,
    person_id: &str,
    project: Option<&str>,
) -> Result<(String, Filter), DataError> {
    let person = human(d, person_id)?;
    let mut f = Filter::default();
    f.and("s.person_id = ?", [person.clone()]);
    if !d.viewer.is_admin() && !d.viewer.is(&person) {
        if !d.viewer.role.allows(Role::Supervisor) {
            return Err(DataError::Forbidden(
                "another person's time is read by supervisors, managers and admins".into(),
            ));
        }
        if d.viewer.role == Role::Supervisor {
            within_departments(&mut f, &my_departments(d)?);
        }
    }
    if !d.viewer.is_admin() {
        within_teams(d, &mut f);
    }
    if let Some(project) = project_filter(d, project)? {
        f.and("t.project_id = ?", [project]);
    }
    Ok((person, f))
}

/// `GET /data/persons/{p}/time-spents/{year|month|week|day}/…`: the person's time in the
/// period, summed by task, each with its production, entity, sequence and episode names.
pub fn person_time(
    d: &Data,
    person_id: &str,
    span: Span,
    project: Option<&str>,
) -> Result<Vec<Value>, DataError> {
    let (_, mut f) = person_time_filter(d, person_id, project)?;
    let (start, end) = span.bounds();
    f.and(
        "substr(s.date, 1, 10) >= ? AND substr(s.date, 1, 10) < ?",
        [start, end],
    );
    let sql = format!(
        "SELECT t.id, t.task_type_id, p.uuid, p.name, e.name, et.name, sq.name, ep.name, \
                sum(s.duration) \
         FROM prod_time_spent AS s \
         JOIN prod_task AS t ON t.id = s.task_id \
         JOIN projects AS p ON p.uuid = t.project_id \
         JOIN prod_entity AS e ON e.id = t.entity_id \
         JOIN prod_entity_type AS et ON et.id = e.entity_type_id \
         LEFT JOIN prod_entity AS sq ON sq.id = e.parent_id \
         LEFT JOIN prod_entity AS ep ON ep.id = sq.parent_id \
         WHERE {} GROUP BY t.id ORDER BY p.name, ep.name, sq.name, e.name, t.id",
        f.sql()
    );
    let mut stmt = d.conn.prepare(&sql)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(&f.params), |r| {
            Ok(json!({
                "task_id": r.get::<_, String>(0)?,
                "task_type_id": r.get::<_, String>(1)?,
                "project_id": r.get::<_, String>(2)?,
                "project_name": r.get::<_, String>(3)?,
                "entity_name": r.get::<_, String>(4)?,
                "entity_type_name": r.get::<_, String>(5)?,
                "sequence_name": r.get::<_, Option<String>>(6)?,
                "episode_name": r.get::<_, Option<String>>(7)?,
                "duration": r.get::<_, f64>(8)?,
            }))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Time spent rows as Kitsu serializes them, from `s` (`prod_time_spent`) joined to `t`
/// (`prod_task`), newest first.
fn time_spent_rows(d: &Data, f: &Filter) -> Result<Vec<Row>, DataError> {
    let sql = format!(
        "SELECT s.id, s.duration, substr(s.date, 1, 10), s.task_id, s.person_id, \
                s.created_at, s.updated_at \
         FROM prod_time_spent AS s JOIN prod_task AS t ON t.id = s.task_id \
         WHERE {} ORDER BY s.date DESC, s.person_id, s.task_id",
        f.sql()
    );
    let mut stmt = d.conn.prepare(&sql)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(&f.params), |r| {
            let row = json!({
                "id": r.get::<_, String>(0)?,
                "duration": r.get::<_, f64>(1)?,
                "date": r.get::<_, String>(2)?,
                "task_id": r.get::<_, String>(3)?,
                "person_id": r.get::<_, String>(4)?,
                "created_at": r.get::<_, String>(5)?,
                "updated_at": r.get::<_, String>(6)?,
                "type": "TimeSpent",
            });
            Ok(match row {
                Value::Object(map) => map,
                _ => Row::new(),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// `GET /data/persons/{p}/time-spents/month/all/{y}/{m}`: every time spent row of the
/// person in the month; the person's own, or anyone's for admins (Zou's
/// `check_person_access`).
pub fn person_month_rows(d: &Data, person_id: &str, span: Span) -> Result<Vec<Row>, DataError> {
    let person = human(d, person_id)?;
    if !d.viewer.is_admin() && !d.viewer.is(&person) {
        return Err(DataError::Forbidden(
            "only the person and admins read all of their month".into(),
        ));
    }
    let mut f = Filter::default();
    f.and("s.person_id = ?", [person]);
    let (start, end) = span.bounds();
    f.and(
        "substr(s.date, 1, 10) >= ? AND substr(s.date, 1, 10) < ?",
        [start, end],
    );
    if !d.viewer.is_admin() {
        within_teams(d, &mut f);
    }
    time_spent_rows(d, &f)
}

/// The unit a time table sums by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableUnit {
    /// Days of a month (`1`..`31`).
    Day,
    /// ISO weeks of a year (`1`..`53`).
    Week,
    /// Months of a year (`1`..`12`).
    Month,
    /// Years.
    Year,
}

/// The filters of the studio's time tables (`project_id`, `department_id`, `studio_id`).
#[derive(Debug, Clone, Default)]
pub struct TableQuery {
    /// One production.
    pub project: Option<String>,
    /// One department's task types.
    pub department: Option<String>,
    /// The people of one studio.
    pub studio: Option<String>,
}

/// Who a time table shows (Zou's `TimeSpentDurationResource`): admins everyone; managers
/// and supervisors their productions (supervisors their departments only); anyone else
/// their own time.
fn table_filter(d: &Data, q: &TableQuery) -> Result<Filter, DataError> {
    let mut f = Filter::default();
    if !d.viewer.is_admin() {
        within_teams(d, &mut f);
        if d.viewer.role == Role::Supervisor {
            let mine = my_departments(d)?;
            match &q.department {
                Some(dep) if !mine.contains(dep) => {
                    return Err(DataError::BadRequest(
                        "Supervisor not allowed to access this department".into(),
                    ));
                }
                Some(_) => {}
                None => within_departments(&mut f, &mine),
            }
        } else if !d.viewer.role.allows(Role::Manager) {
            f.and("s.person_id = ?", [d.viewer.id.to_string()]);
        }
    }
    if let Some(project) = project_filter(d, q.project.as_deref())? {
        f.and("t.project_id = ?", [project]);
    }
    if let Some(department) = q.department.clone() {
        within_departments(&mut f, &[department]);
    }
    if let Some(studio) = q.studio.clone().filter(|s| !s.is_empty()) {
        f.and(
            "s.person_id IN (SELECT id FROM users WHERE studio_id = ?)",
            [studio],
        );
    }
    Ok(f)
}

/// `GET /data/persons/time-spents/{day-table/{y}/{m} | week-table/{y} | month-table/{y} |
/// year-table}`: `{unit: {person_id: minutes}}`. `span` is the month (days) or the year
/// (weeks, months); none for the years.
pub fn time_table(
    d: &Data,
    unit: TableUnit,
    span: Option<Span>,
    q: &TableQuery,
) -> Result<Row, DataError> {
    let mut f = table_filter(d, q)?;
    if let Some(span) = span {
        let (start, end) = span.bounds();
        f.and(
            "substr(s.date, 1, 10) >= ? AND substr(s.date, 1, 10) < ?",
            [start, end],
        );
    }
    // Days are summed by SQL; weeks from days (a year holds at most 366); years and months
    // by SQL too, so the answer stays small whatever the history.
    let key = match unit {
        TableUnit::Year => "substr(s.date, 1, 4)",
        TableUnit::Month => "CAST(substr(s.date, 6, 2) AS INTEGER)",
        TableUnit::Day => "CAST(substr(s.date, 9, 2) AS INTEGER)",
        TableUnit::Week => "substr(s.date, 1, 10)",
    };
    let sql = format!(
        "SELECT CAST({key} AS TEXT), s.person_id, sum(s.duration) \
         FROM prod_time_spent AS s JOIN prod_task AS t ON t.id = s.task_id \
         WHERE {} GROUP BY 1, 2",
        f.sql()
    );
    let mut stmt = d.conn.prepare(&sql)?;
    let found = stmt
        .query_map(rusqlite::params_from_iter(&f.params), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, f64>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut table: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
    for (key, person, minutes) in found {
        let key = if unit == TableUnit::Week {
            parse_date(&key).map_or(key, |date| date.iso_week().to_string())
        } else {
            key
        };
        *table.entry(key).or_default().entry(person).or_default() += minutes;
    }
    Ok(table
        .into_iter()
        .map(|(unit, people)| (unit, json!(people)))
        .collect())
}

/// `GET /data/entities/{e}/time-spents`: the time logged on the entity's tasks, newest first
/// (for those who may read the entity).
pub fn entity_time(d: &Data, entity_id: &str) -> Result<Vec<Row>, DataError> {
    let entity = d.get(names::ENTITIES, entity_id)?;
    if matches!(d.viewer.role, Role::Vendor | Role::Client) {
        return Err(DataError::Forbidden(
            "vendors and clients do not read the time logged on an entity".into(),
        ));
    }
    let mut f = Filter::default();
    f.and("t.entity_id = ?", [text(&entity, "id").to_owned()]);
    time_spent_rows(d, &f)
}

/// `GET /data/projects/{p}/task-types/{tt}/time-spents?start_date&end_date`: the time logged
/// on the production's tasks of that type, `{person_id: [time spents]}`, newest first; not
/// for vendors and clients, who do not read the team's time.
pub fn task_type_time(
    d: &Data,
    project_id: &str,
    task_type_id: &str,
    start: Option<&str>,
    end: Option<&str>,
) -> Result<Row, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    let task_type = d.get(names::TASK_TYPES, task_type_id)?;
    if !d.viewer.role.allows(Role::Supervisor) {
        return Err(DataError::Forbidden(
            "the team's time is read by supervisors, managers and admins".into(),
        ));
    }
    let start = query_date("start_date", start)?;
    let end = query_date("end_date", end)?;
    let mut f = Filter::default();
    f.and(
        "t.project_id = ? AND t.task_type_id = ?",
        [
            text(&project, "id").to_owned(),
            text(&task_type, "id").to_owned(),
        ],
    );
    if let Some(start) = start {
        f.and("substr(s.date, 1, 10) >= ?", [start]);
    }
    if let Some(end) = end {
        f.and("substr(s.date, 1, 10) <= ?", [end]);
    }
    let mut out = Row::new();
    for row in time_spent_rows(d, &f)? {
        let person = text(&row, "person_id").to_owned();
        if let Value::Array(list) = out.entry(person).or_insert_with(|| json!([])) {
            list.push(Value::Object(row));
        }
    }
    Ok(out)
}
