//! The studio's task lists as Kitsu's "Tasks" (open tasks), team schedule and gazu's `task`
//! module read them: the open tasks, filtered and a page at a time, with their statistics;
//! per person, the first start and last due dates of their tasks; and the tasks of a type
//! on the entities a person works on.
//!
//! Admins read every open production; anyone else only the open productions of their teams.

use super::DataError;
use super::data::{Data, Row, text};
use super::names;
use super::schema::parse_date;
use drover_shared::Role;
use rusqlite::types::Value as SqlValue;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The most tasks one page of open tasks holds.
pub const MAX_LIMIT: i64 = 200;

/// Clauses `AND`ed onto a query, with their positional parameters.
#[derive(Default)]
struct Filter {
    clauses: Vec<String>,
    params: Vec<SqlValue>,
}

impl Filter {
    fn and(&mut self, clause: &str, params: impl IntoIterator<Item = SqlValue>) {
        self.clauses.push(clause.to_owned());
        self.params.extend(params);
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() {
            "1".into()
        } else {
            self.clauses.join(" AND ")
        }
    }
}

fn txt(value: &str) -> SqlValue {
    SqlValue::Text(value.to_owned())
}

/// A UUID of a query parameter; 400 otherwise.
fn uuid(name: &str, value: &str) -> Result<String, DataError> {
    uuid::Uuid::parse_str(value)
        .map(|id| id.to_string())
        .map_err(|_| DataError::BadRequest(format!("`{name}` is not an id: {value}")))
}

/// The open productions of the viewer's teams (`p` is `projects`, `ps` its status).
fn open_team_projects(d: &Data, f: &mut Filter) {
    f.and("ps.name = 'Open'", []);
    if !d.viewer.is_admin() {
        f.and(
            "p.uuid IN (SELECT project_id FROM prod_project_person_link WHERE person_id = ?)",
            [txt(&d.viewer.id.to_string())],
        );
    }
}

/// The filters of `GET /data/tasks/open-tasks`, as Kitsu sends them.
#[derive(Debug, Clone, Default)]
pub struct OpenTasksQuery {
    /// One production (which the viewer must be on).
    pub project_id: Option<String>,
    /// One task type (otherwise every type but concepts').
    pub task_type_id: Option<String>,
    /// One status.
    pub task_status_id: Option<String>,
    /// Assigned to one of these people (comma-separated ids), or `unassigned`.
    pub person_id: Option<String>,
    /// One episode's shots and sequences.
    pub episode_id: Option<String>,
    /// Assigned to someone of this studio.
    pub studio_id: Option<String>,
    /// Assigned to someone of this department.
    pub department_id: Option<String>,
    /// Starting on or after this day.
    pub start_date: Option<String>,
    /// Due on or before this day.
    pub due_date: Option<String>,
    /// Of task types of this priority.
    pub priority: Option<i64>,
    /// The page, from 1.
    pub page: Option<i64>,
    /// Tasks per page (100 unless given, at most [`MAX_LIMIT`]).
    pub limit: Option<i64>,
}

impl OpenTasksQuery {
    /// Reads the query string's pairs; 400 on a malformed id, date or number.
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, DataError> {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let id = |name: &str| get(name).map(|v| uuid(name, &v)).transpose();
        let date = |name: &str| {
            get(name)
                .map(|v| {
                    parse_date(&v)
                        .filter(|_| v.len() == 10)
                        .map(|d| d.to_string())
                        .ok_or_else(|| {
                            DataError::BadRequest(format!("`{name}` is not a date: {v}"))
                        })
                })
                .transpose()
        };
        let number = |name: &str| {
            get(name)
                .map(|v| {
                    v.parse::<i64>().map_err(|_| {
                        DataError::BadRequest(format!("`{name}` is not a number: {v}"))
                    })
                })
                .transpose()
        };
        let person_id = match get("person_id") {
            Some(p) if p == "unassigned" => Some(p),
            Some(p) => Some(
                p.split(',')
                    .map(|one| uuid("person_id", one.trim()))
                    .collect::<Result<Vec<_>, _>>()?
                    .join(","),
            ),
            None => None,
        };
        let page = number("page")?;
        if page.is_some_and(|p| p < 1) {
            return Err(DataError::BadRequest("`page` starts at 1".into()));
        }
        let limit = number("limit")?;
        if limit.is_some_and(|l| !(1..=MAX_LIMIT).contains(&l)) {
            return Err(DataError::BadRequest(format!(
                "`limit` is between 1 and {MAX_LIMIT}"
            )));
        }
        Ok(Self {
            project_id: id("project_id")?,
            task_type_id: id("task_type_id")?,
            task_status_id: id("task_status_id")?,
            person_id,
            episode_id: id("episode_id")?,
            studio_id: id("studio_id")?,
            department_id: id("department_id")?,
            start_date: date("start_date")?,
            due_date: date("due_date")?,
            priority: number("priority")?,
            page,
            limit,
        })
    }
}

/// The tables an open task list reads, as `t`, `tt`, `ts`, `e`, `et`, `p`, `ps`, `sq`, `ep`.
const OPEN_TASKS_FROM: &str = "FROM prod_task AS t \
     JOIN prod_task_type AS tt ON tt.id = t.task_type_id \
     JOIN prod_task_status AS ts ON ts.id = t.task_status_id \
     JOIN prod_entity AS e ON e.id = t.entity_id \
     JOIN prod_entity_type AS et ON et.id = e.entity_type_id \
     JOIN projects AS p ON p.uuid = t.project_id \
     JOIN prod_project_status AS ps ON ps.id = p.project_status_id \
     LEFT JOIN prod_entity AS sq ON sq.id = e.parent_id \
     LEFT JOIN prod_entity AS ep ON ep.id = sq.parent_id";

fn open_tasks_filter(d: &Data, q: &OpenTasksQuery) -> Result<Filter, DataError> {
    let mut f = Filter::default();
    if let Some(project) = &q.project_id {
        let on_team = super::on_team(d.conn, project, d.viewer.id)?;
        if !d.viewer.is_admin() && !on_team {
            return Err(DataError::Forbidden(
                "you are not on this production's team".into(),
            ));
        }
        f.and("p.uuid = ?", [txt(project)]);
    } else {
        open_team_projects(d, &mut f);
    }
    match &q.task_type_id {
        Some(tt) => f.and("tt.id = ?", [txt(tt)]),
        None => f.and("lower(tt.for_entity) <> 'concept'", []),
    }
    if let Some(status) = &q.task_status_id {
        f.and("ts.id = ?", [txt(status)]);
    }
    match q.person_id.as_deref() {
        Some("unassigned") => f.and(
            "NOT EXISTS (SELECT 1 FROM prod_task_person_link AS a WHERE a.task_id = t.id)",
            [],
        ),
        Some(people) => {
            let ids: Vec<&str> = people.split(',').collect();
            let marks = vec!["?"; ids.len()].join(", ");
            f.and(
                &format!(
                    "EXISTS (SELECT 1 FROM prod_task_person_link AS a \
                     WHERE a.task_id = t.id AND a.person_id IN ({marks}))"
                ),
                ids.into_iter().map(txt),
            );
        }
        None => {}
    }
    if let Some(episode) = &q.episode_id {
        f.and("(ep.id = ? OR sq.id = ?)", [txt(episode), txt(episode)]);
    }
    if let Some(studio) = &q.studio_id {
        f.and(
            "EXISTS (SELECT 1 FROM prod_task_person_link AS a JOIN users AS u \
             ON u.id = a.person_id WHERE a.task_id = t.id AND u.studio_id = ?)",
            [txt(studio)],
        );
    }
    if let Some(department) = &q.department_id {
        f.and(
            "EXISTS (SELECT 1 FROM prod_task_person_link AS a JOIN prod_department_link AS l \
             ON l.person_id = a.person_id WHERE a.task_id = t.id AND l.department_id = ?)",
            [txt(department)],
        );
    }
    if let Some(start) = &q.start_date {
        f.and("substr(t.start_date, 1, 10) >= ?", [txt(start)]);
    }
    if let Some(due) = &q.due_date {
        f.and("substr(t.due_date, 1, 10) <= ?", [txt(due)]);
    }
    if let Some(priority) = q.priority {
        f.and("tt.priority = ?", [SqlValue::Integer(priority)]);
    }
    Ok(f)
}

/// `GET /data/tasks/open-tasks`: a page of the open tasks (Zou's `{data, stats, limit,
/// is_more, page}`), each task with its entity, production, type and status names.
pub fn open_tasks(d: &Data, q: &OpenTasksQuery) -> Result<Row, DataError> {
    let f = open_tasks_filter(d, q)?;
    let limit = q.limit.unwrap_or(100);
    let page = q.page.unwrap_or(1);
    let sql = format!(
        "SELECT t.id, p.name, e.id, e.name, e.preview_file_id, e.canceled, e.parent_id, \
                et.name, sq.name, ep.id, ep.name, tt.name, tt.for_entity, tt.color, ts.name, \
                ts.color, ts.short_name \
         {OPEN_TASKS_FROM} WHERE {} \
         ORDER BY p.name, ep.name, sq.name, et.name, e.name, tt.name, t.id LIMIT ? OFFSET ?",
        f.sql()
    );
    let mut params = f.params.clone();
    params.push(SqlValue::Integer(limit));
    params.push(SqlValue::Integer((page - 1).saturating_mul(limit)));
    let mut stmt = d.conn.prepare(&sql)?;
    let found = stmt
        .query_map(rusqlite::params_from_iter(&params), |r| {
            let extra = json!({
                "project_name": r.get::<_, String>(1)?,
                "entity_id": r.get::<_, String>(2)?,
                "entity_name": r.get::<_, String>(3)?,
                "entity_preview_file_id": r.get::<_, Option<String>>(4)?,
                "entity_canceled": r.get::<_, Option<bool>>(5)?.unwrap_or(false),
                "entity_parent_id": r.get::<_, Option<String>>(6)?,
                "entity_type_name": r.get::<_, String>(7)?,
                "sequence_name": r.get::<_, Option<String>>(8)?,
                "episode_id": r.get::<_, Option<String>>(9)?,
                "episode_name": r.get::<_, Option<String>>(10)?,
                "type_name": r.get::<_, String>(11)?,
                "task_type_for_entity": r.get::<_, String>(12)?,
                "type_color": r.get::<_, Option<String>>(13)?,
                "status_name": r.get::<_, String>(14)?,
                "status_color": r.get::<_, Option<String>>(15)?,
                "status_short_name": r.get::<_, String>(16)?,
            });
            Ok((r.get::<_, String>(0)?, extra))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut data = Vec::with_capacity(found.len());
    for (id, extra) in found {
        let mut task = d.get(names::TASKS, &id)?;
        if let Value::Object(extra) = extra {
            task.extend(extra);
        }
        data.push(Value::Object(task));
    }
    let where_sql = f.sql();
    let (total, duration, estimation): (i64, f64, f64) = d.conn.query_row(
        &format!(
            "SELECT count(*), ifnull(sum(t.duration), 0), ifnull(sum(t.estimation), 0) \
             {OPEN_TASKS_FROM} WHERE {where_sql}"
        ),
        rusqlite::params_from_iter(&f.params),
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let mut stmt = d.conn.prepare(&format!(
        "SELECT ts.id, count(*) {OPEN_TASKS_FROM} WHERE {where_sql} GROUP BY ts.id ORDER BY ts.id"
    ))?;
    let statuses = stmt
        .query_map(rusqlite::params_from_iter(&f.params), |r| {
            Ok(json!({"task_status_id": r.get::<_, String>(0)?, "amount": r.get::<_, i64>(1)?}))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let out = json!({
        "data": data,
        "stats": {
            "total": total,
            "total_duration": duration,
            "total_estimation": estimation,
            "status": statuses,
        },
        "limit": limit,
        "page": page,
        "is_more": page.saturating_mul(limit) < total,
    });
    Ok(match out {
        Value::Object(map) => map,
        _ => Row::new(),
    })
}

/// `GET /data/tasks/open-tasks/stats`: per open production of the viewer's, the number of
/// tasks, of done ones, their time and estimation, and the same per task type and status.
pub fn open_tasks_stats(d: &Data) -> Result<Row, DataError> {
    let mut f = Filter::default();
    open_team_projects(d, &mut f);
    f.and("lower(tt.for_entity) <> 'concept'", []);
    let mut stmt = d.conn.prepare(&format!(
        "SELECT p.uuid, tt.id, ts.id, count(*), sum(CASE WHEN ts.is_done THEN 1 ELSE 0 END), \
                ifnull(sum(t.duration), 0), ifnull(sum(t.estimation), 0) \
         {OPEN_TASKS_FROM} WHERE {} GROUP BY p.uuid, tt.id, ts.id ORDER BY p.uuid, tt.id, ts.id",
        f.sql()
    ))?;
    let found = stmt
        .query_map(rusqlite::params_from_iter(&f.params), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, f64>(5)?,
                r.get::<_, f64>(6)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out = Row::new();
    for (project, task_type, status, amount, done, duration, estimation) in found {
        let entry = out.entry(project.clone()).or_insert_with(|| {
            json!({"amount": 0, "amount_done": 0, "total_duration": 0.0,
                   "total_estimation": 0.0, "task_types": []})
        });
        let add = |entry: &mut Value, key: &str, by: f64| {
            let now = entry[key].as_f64().unwrap_or(0.0);
            entry[key] = json!(now + by);
        };
        let count = |entry: &mut Value, key: &str, by: i64| {
            let now = entry[key].as_i64().unwrap_or(0);
            entry[key] = json!(now + by);
        };
        count(entry, "amount", amount);
        count(entry, "amount_done", done);
        add(entry, "total_duration", duration);
        add(entry, "total_estimation", estimation);
        if let Some(list) = entry["task_types"].as_array_mut() {
            list.push(json!({
                "project_id": project,
                "task_type_id": task_type,
                "task_status_id": status,
                "amount": amount,
                "amount_done": done,
                "total_duration": duration,
                "total_estimation": estimation,
            }));
        }
    }
    Ok(out)
}

/// `GET /data/persons/task-dates[?project_id]` (supervisors and above): per active person
/// assigned in the productions read, the first start and last due date of their tasks; for
/// non-admins reading no single production, the other open productions' tasks only as
/// anonymous `busy_periods` (merged date pairs), as Zou's team schedule.
pub fn persons_task_dates(d: &Data, project: Option<&str>) -> Result<Vec<Value>, DataError> {
    let project = project
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            uuid::Uuid::parse_str(p)
                .map(|id| id.to_string())
                .map_err(|_| DataError::BadRequest("Invalid project_id.".into()))
        })
        .transpose()?;
    let mut busy_scope = None;
    let mut f = Filter::default();
    if let Some(project) = &project {
        if !d.viewer.is_admin() {
            at_least_supervisor(d)?;
            if !super::on_team(d.conn, project, d.viewer.id)? {
                return Err(DataError::Forbidden(
                    "you are not on this production's team".into(),
                ));
            }
        }
        f.and("t.project_id = ?", [txt(project)]);
    } else {
        if !d.viewer.is_admin() {
            at_least_supervisor(d)?;
            busy_scope = Some(d.viewer.id.to_string());
        }
        open_team_projects(d, &mut f);
    }
    let mut stmt = d.conn.prepare(&format!(
        "SELECT a.person_id, min(t.start_date), max(t.due_date) \
         FROM prod_task AS t \
         JOIN projects AS p ON p.uuid = t.project_id \
         JOIN prod_project_status AS ps ON ps.id = p.project_status_id \
         JOIN prod_task_person_link AS a ON a.task_id = t.id \
         JOIN users AS u ON u.id = a.person_id AND u.active \
         WHERE {} GROUP BY a.person_id ORDER BY a.person_id",
        f.sql()
    ))?;
    let mut entries: BTreeMap<String, Value> = BTreeMap::new();
    let found = stmt
        .query_map(rusqlite::params_from_iter(&f.params), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (person, min, max) in found {
        entries.insert(
            person.clone(),
            json!({"person_id": person, "min_date": min, "max_date": max, "busy_periods": []}),
        );
    }
    if let Some(me) = busy_scope {
        let mut stmt = d.conn.prepare(
            "SELECT a.person_id, substr(t.start_date, 1, 10), substr(t.due_date, 1, 10) \
             FROM prod_task AS t \
             JOIN projects AS p ON p.uuid = t.project_id \
             JOIN prod_project_status AS ps ON ps.id = p.project_status_id AND ps.name = 'Open' \
             JOIN prod_task_person_link AS a ON a.task_id = t.id \
             JOIN users AS u ON u.id = a.person_id AND u.active \
             WHERE t.start_date IS NOT NULL AND t.due_date IS NOT NULL \
               AND p.uuid NOT IN (SELECT project_id FROM prod_project_person_link \
                                  WHERE person_id = ?) \
             ORDER BY a.person_id, 2, 3",
        )?;
        let found = stmt
            .query_map([me], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut by_person: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for (person, start, due) in found {
            by_person.entry(person).or_default().push((start, due));
        }
        for (person, intervals) in by_person {
            let entry = entries.entry(person.clone()).or_insert_with(|| {
                json!({"person_id": person, "min_date": null, "max_date": null,
                       "busy_periods": []})
            });
            entry["busy_periods"] = merge(intervals)
                .into_iter()
                .map(|(start, end)| json!({"start_date": start, "end_date": end}))
                .collect();
        }
    }
    Ok(entries.into_values().collect())
}

fn at_least_supervisor(d: &Data) -> Result<(), DataError> {
    if d.viewer.role.allows(Role::Supervisor) {
        Ok(())
    } else {
        Err(DataError::Forbidden(
            "the team schedule is read by supervisors, managers and admins".into(),
        ))
    }
}

/// Merges overlapping or touching day intervals, sorted by start.
fn merge(mut intervals: Vec<(String, String)>) -> Vec<(String, String)> {
    intervals.sort();
    let mut out: Vec<(String, String)> = Vec::new();
    for (start, end) in intervals {
        let (start, end) = if end < start {
            (end, start)
        } else {
            (start, end)
        };
        if let Some(last) = out.last_mut() {
            let touches = parse_date(&last.1)
                .and_then(time::Date::next_day)
                .is_some_and(|next| next.to_string() >= start);
            if touches || start <= last.1 {
                if end > last.1 {
                    last.1 = end;
                }
                continue;
            }
        }
        out.push((start, end));
    }
    out
}

/// `GET /data/persons/{p}/related-tasks/{task_type}`: the tasks of that type on the entities
/// of open productions where the person has a task (not another person's for vendors and
/// clients), within the productions the viewer may see.
pub fn related_tasks(d: &Data, person_id: &str, task_type_id: &str) -> Result<Vec<Row>, DataError> {
    let person = d.get(names::PERSONS, person_id)?;
    let person = text(&person, "id").to_owned();
    if !d.viewer.is(&person) && matches!(d.viewer.role, Role::Vendor | Role::Client) {
        return Err(DataError::Forbidden(
            "vendors and clients read only their own related tasks".into(),
        ));
    }
    let task_type = d.get(names::TASK_TYPES, task_type_id)?;
    let mut stmt = d.conn.prepare(
        "SELECT DISTINCT t.entity_id FROM prod_task AS t \
         JOIN prod_task_person_link AS a ON a.task_id = t.id AND a.person_id = ? \
         JOIN projects AS p ON p.uuid = t.project_id \
         JOIN prod_project_status AS ps ON ps.id = p.project_status_id AND ps.name = 'Open' \
         ORDER BY t.entity_id",
    )?;
    let entities = stmt
        .query_map([&person], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out = Vec::new();
    for entity in entities {
        out.extend(d.list(
            names::TASKS,
            &[
                ("entity_id", entity.as_str()),
                ("task_type_id", text(&task_type, "id")),
            ],
        )?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_periods_merge_when_they_overlap_or_touch() {
        let p = |a: &str, b: &str| (a.to_owned(), b.to_owned());
        assert_eq!(
            merge(vec![
                p("2024-01-10", "2024-01-12"),
                p("2024-01-01", "2024-01-05"),
                p("2024-01-06", "2024-01-07"),
                p("2024-01-03", "2024-01-04"),
            ]),
            vec![p("2024-01-01", "2024-01-07"), p("2024-01-10", "2024-01-12")]
        );
    }

    #[test]
    fn open_task_filters_are_checked() {
        let q = |pairs: &[(&str, &str)]| {
            let pairs: Vec<(String, String)> = pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            OpenTasksQuery::parse(&pairs)
        };
        assert!(q(&[("limit", "0")]).is_err());
        assert!(q(&[("limit", "100000")]).is_err());
        assert!(q(&[("page", "-1")]).is_err());
        assert!(q(&[("project_id", "nope")]).is_err());
        assert!(q(&[("start_date", "2024-13-01")]).is_err());
        assert!(q(&[("priority", "x")]).is_err());
        assert_eq!(
            q(&[("person_id", "unassigned")])
                .unwrap()
                .person_id
                .as_deref(),
            Some("unassigned")
        );
        assert!(q(&[("person_id", "unassigned,x")]).is_err());
        assert!(q(&[]).unwrap().limit.is_none());
    }
}
