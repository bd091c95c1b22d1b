//! Time spent on tasks, as Kitsu logs it: per person, task and day, set or added to, with
//! the task's duration kept as their sum.

use super::DataError;
use super::data::{Data, Row, text};
use super::names;
use super::schema::parse_date;
use crate::production::rules;
use serde_json::{Value, json};

/// The person of a time-spent route, who must be the viewer unless a manager or admin
/// (Zou's `check_time_spent_access`; the generic route keeps the same rule).
fn time_person(d: &Data, person_id: &str) -> Result<String, DataError> {
    let person = d.get(names::PERSONS, person_id)?;
    let id = text(&person, "id").to_owned();
    rules::may_log_time_for(d.viewer.role, d.viewer.is(&id))?;
    if person.get("is_bot").and_then(Value::as_bool) == Some(true) {
        return Err(DataError::BadRequest("bots do not log time".into()));
    }
    Ok(id)
}

/// `POST /actions/tasks/{t}/time-spents/{date}/persons/{p}[/add]` `{"duration"}`: sets (or
/// with `add`, adds to) a person's time on a task that day; the task's duration follows.
pub fn set_time_spent(
    d: &Data,
    task_id: &str,
    date: &str,
    person_id: &str,
    body: &Row,
    add: bool,
) -> Result<Row, DataError> {
    let task = d.get(names::TASKS, task_id)?;
    let date = parse_date(date)
        .filter(|_| date.len() == 10)
        .ok_or_else(|| DataError::BadRequest(format!("wrong date format: {date}")))?
        .to_string();
    let person = time_person(d, person_id)?;
    let duration = body
        .get("duration")
        .and_then(Value::as_f64)
        .filter(|v| *v > 0.0)
        .ok_or_else(|| DataError::BadRequest("`duration` must be a number above 0".into()))?;
    let existing = d.find(
        names::TIME_SPENTS,
        &[
            ("task_id", text(&task, "id")),
            ("person_id", &person),
            ("date", &date),
        ],
    )?;
    let row = match existing {
        Some(found) => {
            let before = found.get("duration").and_then(Value::as_f64).unwrap_or(0.0);
            let total = if add { before + duration } else { duration };
            d.update(
                names::TIME_SPENTS,
                text(&found, "id"),
                json!({ "duration": total }),
            )?
        }
        None => d.create(
            names::TIME_SPENTS,
            json!({"task_id": text(&task, "id"), "person_id": person, "date": date,
                   "duration": duration}),
        )?,
    };
    d.conn.execute(
        "UPDATE prod_task SET duration = \
         (SELECT ifnull(sum(duration), 0) FROM prod_time_spent WHERE task_id = ?1) WHERE id = ?1",
        [text(&task, "id")],
    )?;
    Ok(row)
}

/// `GET /actions/tasks/{t}/time-spents[/{date}]`: `{"total", <person_id>: [time spents]}`.
pub fn time_spents(d: &Data, task_id: &str, date: Option<&str>) -> Result<Row, DataError> {
    let task = d.get(names::TASKS, task_id)?;
    let mut filters = vec![("task_id", text(&task, "id"))];
    if let Some(date) = date {
        filters.push(("date", date));
    }
    let mut out = Row::new();
    let mut total = 0.0;
    for spent in d.list(names::TIME_SPENTS, &filters)? {
        total += spent.get("duration").and_then(Value::as_f64).unwrap_or(0.0);
        let person = text(&spent, "person_id").to_owned();
        if let Value::Array(list) = out
            .entry(person)
            .or_insert_with(|| Value::Array(Vec::new()))
        {
            list.push(Value::Object(spent));
        }
    }
    out.insert("total".into(), Value::from(total));
    Ok(out)
}

/// A `YYYY-MM-DD` date of a path; 400 otherwise, as Zou answers "Wrong date format".
fn day(date: &str) -> Result<String, DataError> {
    parse_date(date)
        .filter(|_| date.len() == 10)
        .map(|d| d.to_string())
        .ok_or_else(|| DataError::BadRequest(format!("wrong date format: {date}")))
}

/// `GET /data/user/time-spents/{date}`: the viewer's time spent that day, on the tasks of
/// their projects.
pub fn my_time_spents(d: &Data, date: &str) -> Result<Vec<Row>, DataError> {
    let date = day(date)?;
    d.list(
        names::TIME_SPENTS,
        &[("person_id", &d.viewer.id.to_string()), ("date", &date)],
    )
}

/// `DELETE /actions/tasks/{t}/time-spents/{date}/persons/{p}`: removes a person's time on a
/// task that day (404 when there is none); the task's duration follows. By the person, or a
/// manager or admin, as setting it. Answers the removed row with a duration of 0, as Zou.
pub fn delete_time_spent(
    d: &Data,
    task_id: &str,
    date: &str,
    person_id: &str,
) -> Result<Row, DataError> {
    let task = d.get(names::TASKS, task_id)?;
    let date = day(date)?;
    let person = time_person(d, person_id)?;
    let mut found = d
        .find(
            names::TIME_SPENTS,
            &[
                ("task_id", text(&task, "id")),
                ("person_id", &person),
                ("date", &date),
            ],
        )?
        .ok_or_else(|| DataError::NotFound(format!("no time spent on {date}")))?;
    d.delete(names::TIME_SPENTS, text(&found, "id"))?;
    d.conn.execute(
        "UPDATE prod_task SET duration = \
         (SELECT ifnull(sum(duration), 0) FROM prod_time_spent WHERE task_id = ?1) WHERE id = ?1",
        [text(&task, "id")],
    )?;
    d.note_update(names::TASKS, &task)?;
    found.insert("duration".into(), json!(0));
    Ok(found)
}

/// Whose time a list reads: the viewer's own, or another person's for supervisors and
/// above (each row still only if the viewer may read its production).
fn whose_time(d: &Data, person: Option<&str>) -> Result<String, DataError> {
    let Some(person) = person else {
        return Ok(d.viewer.id.to_string());
    };
    let person = d.get(names::PERSONS, person)?;
    let id = text(&person, "id").to_owned();
    if !d.viewer.is(&id) && !d.viewer.role.allows(drover_shared::Role::Supervisor) {
        return Err(DataError::Forbidden(
            "another person's time is read by supervisors and above".into(),
        ));
    }
    Ok(id)
}

/// `GET /data/persons/{p}/time-spents?start_date&end_date` (and `/data/user/time-spents`
/// for the viewer), or one day (`…/time-spents/{date}`): the person's time in that period,
/// each row with its task's project and type, by date.
pub fn time_spents_between(
    d: &Data,
    person: Option<&str>,
    start: &str,
    end: &str,
) -> Result<Vec<Row>, DataError> {
    let (start, end) = (day(start)?, day(end)?);
    let person = whose_time(d, person)?;
    let mut rows: Vec<Row> = d
        .list(names::TIME_SPENTS, &[("person_id", &person)])?
        .into_iter()
        .filter(|r| {
            let date = text(r, "date").get(..10).unwrap_or("");
            date >= start.as_str() && date <= end.as_str()
        })
        .collect();
    let mut stmt = d
        .conn
        .prepare_cached("SELECT project_id, task_type_id FROM prod_task WHERE id = ?")?;
    for row in &mut rows {
        let (project, task_type): (String, String) =
            stmt.query_row([text(row, "task_id")], |r| Ok((r.get(0)?, r.get(1)?)))?;
        row.insert("project_id".into(), Value::from(project));
        row.insert("task_type_id".into(), Value::from(task_type));
    }
    rows.sort_by(|a, b| text(a, "date").cmp(text(b, "date")));
    Ok(rows)
}

/// `GET /data/user/tasks/{t}/time-spents/{date}`: the viewer's time on the task that day,
/// `{}` when none.
pub fn my_task_time_spent(d: &Data, task_id: &str, date: &str) -> Result<Value, DataError> {
    let date = day(date)?;
    let task = d.get(names::TASKS, task_id)?;
    let found = d
        .list(
            names::TIME_SPENTS,
            &[
                ("person_id", &d.viewer.id.to_string()),
                ("task_id", text(&task, "id")),
            ],
        )?
        .into_iter()
        .find(|r| text(r, "date").get(..10) == Some(date.as_str()));
    Ok(found.map_or_else(|| json!({}), Value::Object))
}

/// `GET /data/user/day-offs/{date}`: the viewer's day off covering that date, `{}` when none.
pub fn my_day_off(d: &Data, date: &str) -> Result<Value, DataError> {
    let date = day(date)?;
    let found = d
        .list(names::DAY_OFFS, &[("person_id", &d.viewer.id.to_string())])?
        .into_iter()
        .find(|r| {
            let from = text(r, "date").get(..10).unwrap_or("");
            let to = r
                .get("end_date")
                .and_then(Value::as_str)
                .and_then(|e| e.get(..10))
                .unwrap_or(from);
            from <= date.as_str() && date.as_str() <= to
        });
    Ok(found.map_or_else(|| json!({}), Value::Object))
}
