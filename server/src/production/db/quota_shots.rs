//! The shots behind a person's quotas over a week, month or year
//! (`GET /data/persons/{p}/quota-shots/{week|month|year}/…`), as Zou's quota service lists
//! them: each shot as the shot routes show it, with its `full_name` and the `weight` it
//! counts for in the period.
//!
//! Weighted counts (`weighted`, `weighteddone`): a shot's weight is the share of its task's
//! time the person logged in the period; a shot whose task has no time logged at all, and
//! whose work (from `real_start_date` to the day it was sent for review or done) overlaps
//! the period, weighs the part of its working days that fall in it. Raw counts (`feedback`,
//! `done`): every shot the person is assigned to that was sent for review (or done) in the
//! period, weight 1. Dates are read in UTC.

use super::DataError;
use super::data::{Data, Row, text};
use super::names;
use super::production_csv::FULL_NAME_SQL;
use super::quotas::CountMode;
use super::schema::parse_datetime;
use super::timesheets::Span;
use drover_shared::Role;
use rusqlite::types::Value as SqlValue;
use serde_json::Value;
use std::collections::HashMap;
use time::{Date, PrimitiveDateTime, Time, Weekday};

/// What the shots are narrowed to (Kitsu's `project_id` and `task_type_id`).
#[derive(Debug, Clone, Default)]
pub struct QuotaScope {
    /// One production.
    pub project: Option<String>,
    /// One task type.
    pub task_type: Option<String>,
}

/// Zou's rule: with a production named, its supervisors and managers (on its team) and
/// admins read anyone's; otherwise a person reads their own and admins anyone's. Bots have
/// no quotas.
fn check(d: &Data, person: &Row, project: Option<&str>) -> Result<(), DataError> {
    if person.get("is_bot").and_then(Value::as_bool) == Some(true) {
        return Err(DataError::BadRequest("a bot has no quotas".into()));
    }
    if d.viewer.is_admin() {
        return Ok(());
    }
    if let Some(project) = project
        && matches!(d.viewer.role, Role::Manager | Role::Supervisor)
    {
        return if super::on_team(d.conn, project, d.viewer.id)? {
            Ok(())
        } else {
            Err(DataError::Forbidden(
                "only the production's supervisors and managers read its quotas".into(),
            ))
        };
    }
    if d.viewer.is(text(person, "id")) {
        Ok(())
    } else {
        Err(DataError::Forbidden(
            "another person's quotas are read by admins, and with `project_id` by the \
             production's supervisors and managers"
                .into(),
        ))
    }
}

/// Weekdays among the `days` days after `from` (Zou's `get_business_days`), counted without
/// walking them so that a task whose dates are centuries apart costs nothing.
fn business_days(from: Date, days: i64) -> i64 {
    if days <= 0 {
        return 0;
    }
    let mut count = days / 7 * 5;
    let mut day = from;
    for _ in 0..days % 7 {
        day = day.next_day().unwrap_or(day);
        if !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
            count += 1;
        }
    }
    count
}

/// Whole days from `a` to `b`, rounded down as Python's `timedelta.days` is.
fn whole_days(a: PrimitiveDateTime, b: PrimitiveDateTime) -> i64 {
    (b - a).whole_seconds().div_euclid(86_400)
}

/// Weekdays from `a` to `b` (Zou's `get_business_days(a, b)`).
fn business_days_between(a: PrimitiveDateTime, b: PrimitiveDateTime) -> i64 {
    business_days(a.date(), whole_days(a, b))
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// `GET /data/persons/{p}/quota-shots/{week|month|year}/…`: the shots counted in the
/// person's quotas in `span`, by full name.
pub fn quota_shots(
    d: &Data,
    person_id: &str,
    span: Span,
    scope: &QuotaScope,
    mode: CountMode,
) -> Result<Vec<Value>, DataError> {
    let person = d.get(names::PERSONS, person_id)?;
    check(d, &person, scope.project.as_deref())?;
    let person_id = text(&person, "id").to_owned();
    let start = PrimitiveDateTime::new(span.start, Time::MIDNIGHT);
    let end = PrimitiveDateTime::new(span.end, Time::MIDNIGHT);
    let ended = if mode.feedback {
        "t.end_date"
    } else {
        "t.done_date"
    };
    let mut clauses =
        vec!["e.entity_type_id = (SELECT id FROM prod_entity_type WHERE name = 'Shot')".to_owned()];
    let mut params = Vec::new();
    if let Some(project) = &scope.project {
        clauses.push("t.project_id = ?".into());
        params.push(SqlValue::Text(project.clone()));
    }
    if let Some(task_type) = &scope.task_type {
        clauses.push("t.task_type_id = ?".into());
        params.push(SqlValue::Text(task_type.clone()));
    }
    let scope_sql = clauses.join(" AND ");
    let assigned = "EXISTS (SELECT 1 FROM prod_task_person_link AS a \
                    WHERE a.task_id = t.id AND a.person_id = ?)";
    let start_text = format!("{}T00:00:00", span.start);
    let end_text = format!("{}T00:00:00", span.end);
    // Shot id → weight, in the order found.
    let mut weights: Vec<(String, f64)> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    if mode.weighted {
        // Time the person logged in the period on shots sent for review (or done).
        let sql = format!(
            "SELECT e.id, t.duration, s.duration FROM prod_time_spent AS s \
             JOIN prod_task AS t ON t.id = s.task_id JOIN prod_entity AS e ON e.id = t.entity_id \
             WHERE {scope_sql} AND s.person_id = ? AND substr(s.date, 1, 10) >= ? \
               AND substr(s.date, 1, 10) < ? AND {ended} IS NOT NULL \
             ORDER BY s.date, s.id"
        );
        let mut p = params.clone();
        p.extend([
            SqlValue::Text(person_id.clone()),
            SqlValue::Text(span.start.to_string()),
            SqlValue::Text(span.end.to_string()),
        ]);
        let mut stmt = d.conn.prepare(&sql)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(&p), |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, f64>(1)?,
                    r.get::<_, f64>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for (shot, task_duration, duration) in rows {
            // A task with no duration of its own gives its time no share to weigh.
            let share = if task_duration > 0.0 {
                round2(duration / task_duration)
            } else {
                0.0
            };
            if let Some(i) = seen.get(&shot) {
                weights[*i].1 += share;
            } else {
                seen.insert(shot.clone(), weights.len());
                weights.push((shot, share));
            }
        }
        // Shots with no time logged: the part of their work's weekdays in the period.
        let sql = format!(
            "SELECT e.id, t.real_start_date, {ended} FROM prod_task AS t \
             JOIN prod_entity AS e ON e.id = t.entity_id \
             WHERE {scope_sql} AND {assigned} AND t.real_start_date IS NOT NULL \
               AND {ended} IS NOT NULL \
               AND NOT EXISTS (SELECT 1 FROM prod_time_spent AS s WHERE s.task_id = t.id) \
               AND t.real_start_date <= ? AND {ended} >= ? \
             ORDER BY {ended}, t.id"
        );
        let mut p = params.clone();
        p.extend([
            SqlValue::Text(person_id.clone()),
            SqlValue::Text(end_text.clone()),
            SqlValue::Text(start_text.clone()),
        ]);
        let mut stmt = d.conn.prepare(&sql)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(&p), |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for (shot, task_start, task_end) in rows {
            if seen.contains_key(&shot) {
                continue;
            }
            let (Some(task_start), Some(task_end)) =
                (parse_datetime(&task_start), parse_datetime(&task_end))
            else {
                continue;
            };
            let days = business_days_between(task_start, task_end) + 1;
            // The weekdays of the work inside the period; a work that covers the whole
            // period counts one day of it, as Zou counts it.
            let inside = if task_start >= start && task_end <= end {
                days
            } else if task_start >= start {
                business_days_between(task_start, end) + 1
            } else if task_end <= end {
                business_days_between(start, task_end) + 1
            } else {
                1
            };
            #[allow(clippy::cast_precision_loss)] // day counts
            let weight = round2(inside as f64 / days as f64);
            seen.insert(shot.clone(), weights.len());
            weights.push((shot, weight));
        }
    } else {
        let sql = format!(
            "SELECT e.id FROM prod_task AS t JOIN prod_entity AS e ON e.id = t.entity_id \
             WHERE {scope_sql} AND {assigned} AND {ended} >= ? AND {ended} <= ? \
             ORDER BY {ended}, t.id"
        );
        let mut p = params.clone();
        p.extend([
            SqlValue::Text(person_id.clone()),
            SqlValue::Text(start_text),
            SqlValue::Text(end_text),
        ]);
        let mut stmt = d.conn.prepare(&sql)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(&p), |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        // One line per task, as Zou lists them (a shot with two tasks done shows twice).
        for shot in rows {
            weights.push((shot, 1.0));
        }
    }
    let mut name_stmt = d.conn.prepare(&format!(
        "SELECT {FULL_NAME_SQL} FROM prod_entity AS e \
         JOIN prod_entity_type AS et ON et.id = e.entity_type_id \
         LEFT JOIN prod_entity AS par ON par.id = e.parent_id \
         LEFT JOIN prod_entity AS gp ON gp.id = par.parent_id WHERE e.id = ?"
    ))?;
    let mut shots = Vec::with_capacity(weights.len());
    for (shot, weight) in weights {
        // A shot of a production the viewer may not read is left out.
        let Ok(mut row) = d.get(names::SHOTS, &shot) else {
            continue;
        };
        let full_name: String = name_stmt.query_row([&shot], |r| r.get(0))?;
        row.insert("full_name".into(), Value::from(full_name));
        let weight = if mode.weighted {
            Value::from(round2(weight))
        } else {
            Value::from(1)
        };
        row.insert("weight".into(), weight);
        shots.push((text(&row, "full_name").to_owned(), Value::Object(row)));
    }
    shots.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(shots.into_iter().map(|(_, shot)| shot).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn business_days_are_zous() {
        // Monday 2026-11-23: the five days after it hold Tue..Fri (4) and a Saturday.
        assert_eq!(business_days(date!(2026 - 11 - 23), 5), 4);
        assert_eq!(business_days(date!(2026 - 11 - 23), 7), 5);
        assert_eq!(business_days(date!(2026 - 11 - 23), 0), 0);
        assert_eq!(business_days(date!(2026 - 11 - 27), 3), 1, "Sat, Sun, Mon");
        assert_eq!(
            business_days_between(datetime!(2026-11-23 15:00), datetime!(2026-11-25 10:00)),
            1,
            "43 hours are one whole day"
        );
        assert_eq!(business_days(date!(2026 - 11 - 23), 365_000), 260_714);
    }
}
