//! Kitsu's CSV import of a task type's estimations (the Import button of the Estimation
//! page of a task type), read as Zou reads the file Kitsu exports: one row per task of the
//! task type, naming its asset by `Parent` (the asset type) and `Entity`, or its shot by
//! `Parent` (the sequence) and `Entity`, with the optional `Estimation`, `Drawings`,
//! `Start date`, `Due date` (worked out from the start and the estimation when absent),
//! `Difficulty` and a column per metadata descriptor of the task type's tasks.
//!
//! The estimation is in the unit Kitsu shows: hours when the studio shows durations in
//! hours, days otherwise; tasks keep it in minutes, as Zou's do.

use super::super::DataError;
use super::super::breakdown::episode_in_project;
use super::super::names;
use super::super::schema::parse_date;
use super::{Cells, People, Request, descriptor_values, each_row, key, read_sheet};
use crate::production::db::data::{Data, Row, text};
use drover_shared::Role;
use serde_json::{Value, json};
use std::collections::HashMap;
use time::{Date, Duration, Weekday};

/// An estimation, in days: a century of work is already a mistake (and bounds the walk
/// over working days to the due date).
const MAX_ESTIMATION_DAYS: f64 = 36_500.0;

/// Whether the viewer, a supervisor, supervises the task type's department: a supervisor
/// of no department supervises them all, as in Zou.
fn supervises(d: &Data, task_type_id: &str) -> Result<bool, DataError> {
    let (departments, matching): (i64, i64) = d.conn.query_row(
        "SELECT count(*), ifnull(sum(l.department_id = y.department_id), 0) \
         FROM prod_department_link AS l, prod_task_type AS y \
         WHERE l.person_id = ?1 AND y.id = ?2",
        rusqlite::params![d.viewer.id, task_type_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(departments == 0 || matching > 0)
}

/// A result a float's rounding left a hair off a whole number, made whole (2.05 hours are
/// 123 minutes, not 122.99999999999999).
fn snap(value: f64) -> f64 {
    let whole = value.round();
    if (value - whole).abs() < 1e-6 {
        whole
    } else {
        value
    }
}

/// The day `days` working days (Monday to Friday) after `start`; a part of a day counts as
/// a day, as Zou counts.
fn add_working_days(start: Date, days: f64) -> Date {
    let working = |day: Date| !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday);
    let mut left = days;
    let mut day = start;
    while left > 0.0 {
        // From a working day, five working days later is a week later: a long estimation
        // costs a step per week, not per day.
        if left > 5.0 && working(day) {
            day = day.saturating_add(Duration::weeks(1));
            left -= 5.0;
            continue;
        }
        day = day.saturating_add(Duration::days(1));
        if working(day) {
            left -= 1.0;
        }
    }
    day
}

/// What the import reads once.
struct Import<'a> {
    d: &'a Data<'a>,
    task_type_name: String,
    /// (parent, entity) keys → entity id.
    entities: HashMap<(String, String), String>,
    /// Entity id → its task of the task type.
    tasks: HashMap<String, Row>,
    descriptors: Vec<Row>,
    people: People,
    hours_by_day: f64,
    in_hours: bool,
}

impl<'a> Import<'a> {
    fn new(d: &'a Data<'a>, request: &Request) -> Result<Self, DataError> {
        let project = d.get(names::PROJECTS, &request.project_id)?;
        let project_id = text(&project, "id").to_owned();
        let task_type = d.get(
            names::TASK_TYPES,
            request.task_type_id.as_deref().unwrap_or_default(),
        )?;
        let task_type_id = text(&task_type, "id").to_owned();
        // Managers, and the supervisors of the task type's department on the team, as Zou.
        d.authorize_in_project(names::TASKS, &project_id)?;
        if d.viewer.role == Role::Supervisor && !supervises(d, &task_type_id)? {
            return Err(DataError::Forbidden(
                "only the supervisors of this task type's department import its estimations".into(),
            ));
        }
        let episode = match request.episode_id.as_deref() {
            None | Some("main" | "all") => None,
            Some(episode) => Some(episode_in_project(d, episode, &project_id)?),
        };
        let episode_id = episode.as_ref().map(|e| text(e, "id").to_owned());
        let in_project = [("project_id", project_id.as_str())];
        let mut entities = HashMap::new();
        match text(&task_type, "for_entity").to_lowercase().as_str() {
            "asset" => {
                let types: HashMap<String, String> = d
                    .list(names::ASSET_TYPES, &[])?
                    .iter()
                    .map(|t| (text(t, "id").to_owned(), key(text(t, "name"))))
                    .collect();
                for asset in d.list(names::ASSETS, &in_project)? {
                    if episode_id
                        .as_deref()
                        .is_some_and(|e| e != text(&asset, "source_id"))
                    {
                        continue;
                    }
                    if let Some(type_name) = types.get(text(&asset, "entity_type_id")) {
                        let names = (type_name.clone(), key(text(&asset, "name")));
                        entities.insert(names, text(&asset, "id").to_owned());
                    }
                }
            }
            "shot" => {
                let sequences: HashMap<String, String> = d
                    .list(names::SEQUENCES, &in_project)?
                    .iter()
                    .filter(|s| {
                        episode_id
                            .as_deref()
                            .is_none_or(|e| e == text(s, "parent_id"))
                    })
                    .map(|s| (text(s, "id").to_owned(), key(text(s, "name"))))
                    .collect();
                for shot in d.list(names::SHOTS, &in_project)? {
                    if let Some(sequence) = sequences.get(text(&shot, "parent_id")) {
                        let names = (sequence.clone(), key(text(&shot, "name")));
                        entities.insert(names, text(&shot, "id").to_owned());
                    }
                }
            }
            _ => {
                return Err(DataError::BadRequest(
                    "estimations are imported for the task types of assets and shots".into(),
                ));
            }
        }
        let tasks = d
            .list(
                names::TASKS,
                &[("project_id", &project_id), ("task_type_id", &task_type_id)],
            )?
            .into_iter()
            .map(|t| (text(&t, "entity_id").to_owned(), t))
            .collect();
        let descriptors = d
            .list(
                names::METADATA_DESCRIPTORS,
                &[("project_id", &project_id), ("entity_type", "Task")],
            )?
            .into_iter()
            .filter(|m| text(m, "task_type_id") == task_type_id)
            .collect();
        let organisation = d.list(names::ORGANISATIONS, &[])?.into_iter().next();
        let setting = |field: &str| organisation.as_ref().and_then(|o| o.get(field).cloned());
        Ok(Self {
            d,
            task_type_name: text(&task_type, "name").to_owned(),
            entities,
            tasks,
            descriptors,
            people: People::default(),
            hours_by_day: setting("hours_by_day")
                .and_then(|h| h.as_f64())
                .filter(|h| *h > 0.0)
                .unwrap_or(8.0),
            in_hours: setting("format_duration_in_hours").and_then(|h| h.as_bool()) == Some(true),
        })
    }

    /// The row's task of the task type.
    fn task(&self, cells: &Cells<'_>) -> Result<&Row, DataError> {
        let parent = cells.get("Parent").unwrap_or_default();
        let entity = cells.required("Entity")?;
        let entity_id = self
            .entities
            .get(&(key(parent), key(entity)))
            .ok_or_else(|| {
                DataError::BadRequest(format!(
                    "Entity '{entity}' with parent '{parent}' not found"
                ))
            })?;
        self.tasks.get(entity_id).ok_or_else(|| {
            DataError::BadRequest(format!("{entity} has no {} task", self.task_type_name))
        })
    }

    /// A row's estimation, in minutes and in days.
    fn estimation(&self, cell: &str) -> Result<(f64, f64), DataError> {
        let given = cell
            .replace(',', ".")
            .parse::<f64>()
            .ok()
            .filter(|e| e.is_finite() && *e >= 0.0);
        let wrong = || DataError::BadRequest(format!("Estimation must be a number, got '{cell}'"));
        let given = given.ok_or_else(wrong)?;
        let (minutes, days) = if self.in_hours {
            (snap(given * 60.0), snap(given / self.hours_by_day))
        } else {
            ((given * self.hours_by_day * 60.0).round(), given)
        };
        if days > MAX_ESTIMATION_DAYS {
            return Err(DataError::BadRequest(format!(
                "Estimation is at most {MAX_ESTIMATION_DAYS} days"
            )));
        }
        Ok((minutes, days))
    }

    fn row(&mut self, cells: &Cells<'_>) -> Result<Row, DataError> {
        let task = self.task(cells)?.clone();
        let mut fields = Row::new();
        let mut days = None;
        if let Some(cell) = cells.filled("Estimation") {
            let (minutes, in_days) = self.estimation(cell)?;
            fields.insert("estimation".into(), json!(minutes));
            days = Some(in_days);
        }
        if let Some(cell) = cells.filled("Drawings") {
            let drawings = cell.parse::<u32>().map_err(|_| {
                DataError::BadRequest(format!("Drawings must be a whole number, got '{cell}'"))
            })?;
            fields.insert("nb_drawings".into(), json!(drawings));
        }
        let date_cell = |column: &str| -> Result<Option<Date>, DataError> {
            cells
                .filled(column)
                .map(|cell| {
                    parse_date(cell)
                        .filter(|_| cell.len() == 10)
                        .ok_or_else(|| {
                            DataError::BadRequest(format!(
                                "{column} must be a date as YYYY-MM-DD, got '{cell}'"
                            ))
                        })
                })
                .transpose()
        };
        let start = date_cell("Start date")?;
        if let Some(start) = start {
            fields.insert("start_date".into(), Value::from(start.to_string()));
        }
        let due = match (date_cell("Due date")?, start, days) {
            (Some(due), _, _) => Some(due),
            (None, Some(start), Some(days)) if days > 0.0 => {
                Some(add_working_days(start, days - 1.0))
            }
            _ => None,
        };
        if let Some(due) = due {
            fields.insert("due_date".into(), Value::from(due.to_string()));
        }
        if let Some(cell) = cells.filled("Difficulty") {
            let difficulty = cell.parse::<u8>().ok().filter(|d| (1..=5).contains(d));
            let difficulty = difficulty.ok_or_else(|| {
                DataError::BadRequest(format!("Difficulty must be 1 to 5, got '{cell}'"))
            })?;
            fields.insert("difficulty".into(), json!(difficulty));
        }
        // The task's other metadata stay: only the columns the file has are written.
        if self
            .descriptors
            .iter()
            .any(|m| cells.get(text(m, "name")).is_some())
        {
            let stored = task
                .get("data")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let merged =
                descriptor_values(self.d, &mut self.people, &self.descriptors, cells, stored)?;
            fields.insert("data".into(), Value::Object(merged));
        }
        let task_id = text(&task, "id");
        let changed = self
            .d
            .update(names::TASKS, task_id, Value::Object(fields))?;
        // A later row naming the same task starts from what this one wrote.
        self.tasks
            .insert(text(&changed, "entity_id").to_owned(), changed.clone());
        Ok(changed)
    }
}

/// `POST /import/csv/projects/{p}[/episodes/{e}]/task-types/{t}/estimations` (managers,
/// and supervisors of the task type's department on the team): every row's task changed,
/// all of them or none; answers the tasks.
pub fn import(d: &Data, request: &Request, csv: &[u8]) -> Result<Vec<Row>, DataError> {
    let mut import = Import::new(d, request)?;
    let sheet = read_sheet(csv)?;
    each_row(&sheet, |cells| import.row(cells))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Month;

    #[test]
    fn due_dates_skip_weekends_and_count_part_days_whole() {
        let friday = Date::from_calendar_date(2024, Month::January, 5).unwrap();
        let monday = Date::from_calendar_date(2024, Month::January, 8).unwrap();
        let tuesday = Date::from_calendar_date(2024, Month::January, 9).unwrap();
        assert_eq!(add_working_days(friday, 0.0), friday);
        assert_eq!(add_working_days(friday, 1.0), monday);
        assert_eq!(add_working_days(friday, 1.5), tuesday);
        let saturday = Date::from_calendar_date(2024, Month::January, 6).unwrap();
        let two_weeks_on = Date::from_calendar_date(2024, Month::January, 19).unwrap();
        let nine_days_on = Date::from_calendar_date(2024, Month::January, 15).unwrap();
        assert_eq!(add_working_days(friday, 10.0), two_weeks_on);
        assert_eq!(add_working_days(saturday, 6.0), nine_days_on);
        assert!((snap(2.05 * 60.0) - 123.0).abs() < f64::EPSILON);
    }
}
