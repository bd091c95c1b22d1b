//! Kitsu's quotas (`/data/projects/{p}/quotas/…`): the frames, seconds, drawings and shots a
//! production's people delivered per day, ISO week, month and year, as Zou computes them.
//!
//! A shot counts once it was sent for review (`end_date`, the `feedback` modes) or done
//! (`done_date`). Raw counts put the whole shot on that day. Weighted counts share a shot
//! out by the time each person logged on its task, on the days they logged it; a shot with
//! no time logged is spread evenly over the working days from its work start
//! (`real_start_date`) to that day. Dates are read in UTC.

use super::DataError;
use super::data::{Data, Row, text};
use super::names;
use super::schema::parse_date;
use drover_shared::Role;
use rusqlite::types::Value as SqlValue;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use time::{Date, Duration, Weekday};

/// The most days a shot without time logged is spread over: a task whose dates are years
/// apart would otherwise make a request walk every day between them.
const MAX_SPREAD_DAYS: i64 = 366;

/// How quotas count (Kitsu's `count_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountMode {
    /// By the day sent for review (`end_date`), else by the day done.
    pub feedback: bool,
    /// Shared out by time logged, else whole on the day.
    pub weighted: bool,
}

impl CountMode {
    /// `weighted` (the default), `weighteddone`, `feedback` or `done`; 400 otherwise.
    pub fn parse(mode: Option<&str>) -> Result<Self, DataError> {
        let mode = mode.filter(|m| !m.is_empty()).unwrap_or("weighted");
        if !["weighted", "weighteddone", "feedback", "done"].contains(&mode) {
            return Err(DataError::BadRequest(
                "count_mode must be equal to weighted, weighteddone, feedback, or done".into(),
            ));
        }
        Ok(Self {
            feedback: !mode.contains("done"),
            weighted: mode.contains("weighted"),
        })
    }
}

/// What quotas are read for: a task type's people, or one person's task types.
#[derive(Debug, Clone)]
pub enum QuotaOf {
    /// Everyone's, by person, on one task type.
    TaskType(String),
    /// One person's, by task type.
    Person(String),
}

/// The sums of one period unit (`day`, `week`, `month`, `year`).
#[derive(Default)]
struct Level {
    frames: BTreeMap<String, i64>,
    seconds: BTreeMap<String, f64>,
    count: BTreeMap<String, f64>,
    drawings: BTreeMap<String, i64>,
    entries: BTreeMap<String, i64>,
}

impl Level {
    /// Adds to `key`; a key seen for the first time counts as an entry of `parent`.
    fn add(&mut self, key: &str, parent: Option<&str>, q: Amount) {
        if !self.frames.contains_key(key)
            && let Some(parent) = parent
        {
            *self.entries.entry(parent.to_owned()).or_default() += 1;
        }
        *self.frames.entry(key.to_owned()).or_default() += q.frames;
        *self.seconds.entry(key.to_owned()).or_default() += q.seconds;
        *self.count.entry(key.to_owned()).or_default() += q.count;
        *self.drawings.entry(key.to_owned()).or_default() += q.drawings;
    }

    fn json(&self, with_entries: bool, round: bool) -> Value {
        let count: BTreeMap<&String, f64> = self
            .count
            .iter()
            .map(|(k, v)| {
                (
                    k,
                    if round {
                        (v * 100.0).round() / 100.0
                    } else {
                        *v
                    },
                )
            })
            .collect();
        let mut out = json!({
            "frames": self.frames,
            "seconds": self.seconds,
            "count": count,
            "drawings": self.drawings,
        });
        if with_entries {
            out["entries"] = json!(self.entries);
        }
        out
    }
}

#[derive(Clone, Copy)]
struct Amount {
    frames: i64,
    seconds: f64,
    drawings: i64,
    count: f64,
}

#[derive(Default)]
struct Entry {
    day: Level,
    week: Level,
    month: Level,
    year: Level,
}

impl Entry {
    fn add(&mut self, date: Date, q: Amount) {
        let day = date.to_string();
        let month = day[..7].to_owned();
        let year = day[..4].to_owned();
        let (iso_year, iso_week, _) = date.to_iso_week_date();
        let week = format!("{iso_year}-{iso_week}");
        self.day.add(&day, Some(&month), q);
        self.week.add(&week, Some(&iso_year.to_string()), q);
        self.month.add(&month, Some(&year), q);
        self.year.add(&year, None, q);
    }

    fn json(&self, round: bool) -> Value {
        json!({
            "day": self.day.json(true, round),
            "week": self.week.json(true, round),
            "month": self.month.json(true, round),
            "year": self.year.json(false, round),
        })
    }
}

#[derive(Default)]
struct Quotas(BTreeMap<String, Entry>);

impl Quotas {
    fn add(&mut self, entry: &str, date: Date, q: Amount) {
        for key in [entry, "total"] {
            self.0.entry(key.to_owned()).or_default().add(date, q);
        }
    }
}

/// Who may read: not clients; for a task type, the production's team (404 off it); for a
/// person, the person or an admin, or a supervisor or manager on the production.
fn check(d: &Data, project: &Row, of: &QuotaOf) -> Result<(), DataError> {
    if d.viewer.role == Role::Client {
        return Err(DataError::Forbidden("clients do not read quotas".into()));
    }
    if let QuotaOf::Person(person) = of {
        let person = d.get(names::PERSONS, person)?;
        let is_self = d.viewer.is(text(&person, "id"));
        let oversees = d.viewer.role.allows(Role::Supervisor)
            && (d.viewer.sees_all_projects()
                || super::on_team(d.conn, text(project, "id"), d.viewer.id)?);
        if !is_self && !d.viewer.is_admin() && !oversees {
            return Err(DataError::Forbidden(
                "another person's quotas are read by the production's supervisors, managers \
                 and admins"
                    .into(),
            ));
        }
    }
    Ok(())
}

/// `GET /data/projects/{p}/quotas/{task_type}` (by person) and
/// `GET /data/projects/{p}/quotas/persons/{person}` (by task type), with `count_mode` and
/// `studio_id`: `{entry: {day, week, month, year: {frames, seconds, count, drawings,
/// entries}}}`, `total` summing every entry.
pub fn quotas(
    d: &Data,
    project_id: &str,
    of: &QuotaOf,
    mode: CountMode,
    studio: Option<&str>,
) -> Result<Row, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    check(d, &project, of)?;
    let fps = project
        .get("fps")
        .and_then(|v| {
            v.as_str()
                .and_then(|s| s.parse::<f64>().ok())
                .or_else(|| v.as_f64())
        })
        .filter(|f| *f > 0.0)
        .unwrap_or(25.0);
    let ended = if mode.feedback {
        "t.end_date"
    } else {
        "t.done_date"
    };
    let mut clauses = vec![
        "t.project_id = ?".to_owned(),
        "e.entity_type_id = (SELECT id FROM prod_entity_type WHERE name = 'Shot')".to_owned(),
        format!("{ended} IS NOT NULL"),
    ];
    let mut params = vec![SqlValue::Text(text(&project, "id").to_owned())];
    if let QuotaOf::TaskType(task_type) = of {
        clauses.push("t.task_type_id = ?".into());
        params.push(SqlValue::Text(task_type.clone()));
    }
    if let Some(studio) = studio.filter(|s| !s.is_empty()) {
        clauses.push(
            "EXISTS (SELECT 1 FROM prod_task_person_link AS sa JOIN users AS su \
             ON su.id = sa.person_id WHERE sa.task_id = t.id AND su.studio_id = ?)"
                .into(),
        );
        params.push(SqlValue::Text(studio.to_owned()));
    }
    let base = clauses.join(" AND ");
    let person = match of {
        QuotaOf::Person(p) => Some(p.clone()),
        QuotaOf::TaskType(_) => None,
    };
    let entry_of = |who: &str, task_type: &str| {
        if person.is_some() {
            task_type.to_owned()
        } else {
            who.to_owned()
        }
    };
    let mut quotas = Quotas::default();
    let amount = |frames: f64, drawings: f64, count: f64| {
        #[allow(clippy::cast_possible_truncation)] // frames of a shot
        let frames = frames.round() as i64;
        #[allow(clippy::cast_possible_truncation)]
        let drawings = drawings.round() as i64;
        #[allow(clippy::cast_precision_loss)]
        let seconds = frames as f64 / fps;
        Amount {
            frames,
            seconds,
            drawings,
            count,
        }
    };
    if mode.weighted {
        // Shots with time logged: shared by each entry's part of the task's time.
        let mut sql = format!(
            "SELECT t.task_type_id, ifnull(e.nb_frames, 0), t.nb_drawings, t.duration, \
                    substr(s.date, 1, 10), s.duration, s.person_id \
             FROM prod_task AS t JOIN prod_entity AS e ON e.id = t.entity_id \
             JOIN prod_time_spent AS s ON s.task_id = t.id WHERE {base}"
        );
        let mut p = params.clone();
        if let Some(person) = &person {
            sql.push_str(" AND s.person_id = ?");
            p.push(SqlValue::Text(person.clone()));
        }
        let mut stmt = d.conn.prepare(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(&p))?;
        while let Some(r) = rows.next()? {
            let task_duration: f64 = r.get(3)?;
            if task_duration <= 0.0 {
                continue;
            }
            let Some(date) = parse_date(&r.get::<_, String>(4)?) else {
                continue;
            };
            let share = r.get::<_, f64>(5)? / task_duration;
            let entry = entry_of(&r.get::<_, String>(6)?, &r.get::<_, String>(0)?);
            let q = amount(
                r.get::<_, f64>(1)? * share,
                r.get::<_, f64>(2)? * share,
                share,
            );
            quotas.add(&entry, date, q);
        }
        // Shots with no time logged: spread over the working days of the work.
        let mut sql = format!(
            "SELECT t.task_type_id, ifnull(e.nb_frames, 0), t.nb_drawings, \
                    substr(t.real_start_date, 1, 10), substr({ended}, 1, 10), a.person_id \
             FROM prod_task AS t JOIN prod_entity AS e ON e.id = t.entity_id \
             JOIN prod_task_person_link AS a ON a.task_id = t.id \
             WHERE {base} AND t.real_start_date IS NOT NULL \
               AND NOT EXISTS (SELECT 1 FROM prod_time_spent AS s WHERE s.task_id = t.id)"
        );
        let mut p = params.clone();
        if let Some(person) = &person {
            sql.push_str(
                " AND EXISTS (SELECT 1 FROM prod_task_person_link AS pa \
                 WHERE pa.task_id = t.id AND pa.person_id = ?)",
            );
            p.push(SqlValue::Text(person.clone()));
        }
        let mut stmt = d.conn.prepare(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(&p))?;
        while let Some(r) = rows.next()? {
            let (Some(start), Some(end)) = (
                parse_date(&r.get::<_, String>(3)?),
                parse_date(&r.get::<_, String>(4)?),
            ) else {
                continue;
            };
            let span_days = (end - start).whole_days().min(MAX_SPREAD_DAYS);
            let business_days = (1..=span_days)
                .filter(|i| is_weekday(start + Duration::days(*i)))
                .count()
                + 1;
            #[allow(clippy::cast_precision_loss)]
            let business_days = business_days as f64;
            let frames = (r.get::<_, f64>(1)? / business_days).round();
            let drawings: f64 = r.get(2)?;
            let entry = entry_of(&r.get::<_, String>(5)?, &r.get::<_, String>(0)?);
            for i in 0..=span_days {
                let day = start + Duration::days(i);
                if is_weekday(day) {
                    quotas.add(&entry, day, amount(frames, drawings, 1.0 / business_days));
                }
            }
        }
    } else {
        let mut sql = format!(
            "SELECT t.task_type_id, ifnull(e.nb_frames, 0), t.nb_drawings, \
                    substr({ended}, 1, 10), a.person_id \
             FROM prod_task AS t JOIN prod_entity AS e ON e.id = t.entity_id \
             JOIN prod_task_person_link AS a ON a.task_id = t.id WHERE {base}"
        );
        let mut p = params.clone();
        if let Some(person) = &person {
            sql.push_str(
                " AND EXISTS (SELECT 1 FROM prod_task_person_link AS pa \
                 WHERE pa.task_id = t.id AND pa.person_id = ?)",
            );
            p.push(SqlValue::Text(person.clone()));
        }
        let mut stmt = d.conn.prepare(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(&p))?;
        while let Some(r) = rows.next()? {
            let Some(date) = parse_date(&r.get::<_, String>(3)?) else {
                continue;
            };
            let entry = entry_of(&r.get::<_, String>(4)?, &r.get::<_, String>(0)?);
            let q = amount(r.get(1)?, r.get(2)?, 1.0);
            quotas.add(&entry, date, q);
        }
    }
    Ok(quotas
        .0
        .into_iter()
        .map(|(k, entry)| (k, entry.json(mode.weighted)))
        .collect())
}

fn is_weekday(day: Date) -> bool {
    !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_modes_are_zous() {
        let m = |s| CountMode::parse(Some(s)).unwrap();
        assert_eq!(
            CountMode::parse(None).unwrap(),
            CountMode {
                feedback: true,
                weighted: true
            }
        );
        assert_eq!(
            m("weighteddone"),
            CountMode {
                feedback: false,
                weighted: true
            }
        );
        assert_eq!(
            m("done"),
            CountMode {
                feedback: false,
                weighted: false
            }
        );
        assert!(CountMode::parse(Some("status")).is_err());
    }

    #[test]
    fn an_entry_sums_by_day_week_month_and_year() {
        let mut q = Quotas::default();
        let at = |s: &str| parse_date(s).unwrap();
        let a = Amount {
            frames: 48,
            seconds: 2.0,
            drawings: 0,
            count: 1.0,
        };
        q.add("p", at("2025-12-30"), a);
        q.add("p", at("2025-12-31"), a);
        let p = q.0["p"].json(false);
        assert_eq!(p["day"]["frames"]["2025-12-30"], 48);
        assert_eq!(p["day"]["entries"]["2025-12"], 2);
        assert_eq!(p["week"]["frames"]["2026-1"], 96, "an ISO week");
        assert_eq!(p["month"]["seconds"]["2025-12"], 4.0);
        assert_eq!(p["year"]["count"]["2025"], 2.0);
        assert!(p["year"].get("entries").is_none());
        assert_eq!(q.0["total"].json(false)["year"]["frames"]["2025"], 96);
    }
}
