//! A project's team, and what the studio keeps of a person: their departments and the
//! shots they finished on a day (`quota-shots`).

use crate::production::db::DataError;
use crate::production::db::data::{Data, Row, text};
use crate::production::db::names;
use serde_json::Value;

/// `GET /data/projects/{p}/team`: the team's persons.
pub fn team(d: &Data, project_id: &str) -> Result<Vec<Row>, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    d.list(names::PERSONS, &[])?
        .into_iter()
        .map(Ok)
        .filter(|p: &Result<Row, DataError>| {
            p.as_ref().is_ok_and(|p| {
                project
                    .get("team")
                    .and_then(Value::as_array)
                    .is_some_and(|team| team.iter().any(|t| t.as_str() == Some(text(p, "id"))))
            })
        })
        .collect()
}

/// `POST /data/projects/{p}/team` `{"person_id"}`: answers the project.
pub fn team_add(d: &Data, project_id: &str, body: &Row) -> Result<Row, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    d.authorize_in_project(names::PROJECTS, text(&project, "id"))?;
    let person_id = body
        .get("person_id")
        .and_then(Value::as_str)
        .ok_or_else(|| DataError::BadRequest("`person_id` is required".into()))?;
    let person = d.get(names::PERSONS, person_id)?;
    d.conn.execute(
        "INSERT OR IGNORE INTO prod_project_person_link (project_id, person_id) VALUES (?, ?)",
        [text(&project, "id"), text(&person, "id")],
    )?;
    d.get(names::PROJECTS, text(&project, "id"))
}

/// `DELETE /data/projects/{p}/team/{person}`.
pub fn team_remove(d: &Data, project_id: &str, person_id: &str) -> Result<(), DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    d.authorize_in_project(names::PROJECTS, text(&project, "id"))?;
    d.conn.execute(
        "DELETE FROM prod_project_person_link WHERE project_id = ? AND person_id = ?",
        [text(&project, "id"), person_id],
    )?;
    Ok(())
}

/// `POST /actions/persons/{p}/departments/add` `{"department_id"}` (admins): answers the
/// person with their departments.
pub fn add_department(d: &Data, person_id: &str, body: &Row) -> Result<Row, DataError> {
    crate::production::rules::may_change_departments(d.viewer.role)?;
    let person = d.get(names::PERSONS, person_id)?;
    let department = body
        .get("department_id")
        .and_then(Value::as_str)
        .ok_or_else(|| DataError::BadRequest("`department_id` is required".into()))?;
    let department = d
        .get(names::DEPARTMENTS, department)
        .map_err(|_| DataError::BadRequest("Department ID matches no department".into()))?;
    d.conn.execute(
        "INSERT OR IGNORE INTO prod_department_link (person_id, department_id) VALUES (?, ?)",
        [text(&person, "id"), text(&department, "id")],
    )?;
    d.get(names::PERSONS, text(&person, "id"))
}

/// How `quota-shots` decides a shot was finished that day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaMode {
    /// Sent for review (`end_date`, Kitsu's default `weighted`/`feedback`).
    Feedback,
    /// Marked done (`done_date`, Kitsu's `status`/`done`).
    Done,
}

impl QuotaMode {
    /// Kitsu's `count_mode` names.
    pub fn parse(mode: Option<&str>) -> Result<Self, DataError> {
        match mode.unwrap_or("weighted") {
            "weighted" | "feedback" | "weightedfeedback" => Ok(Self::Feedback),
            "status" | "done" | "weighteddone" => Ok(Self::Done),
            other => Err(DataError::BadRequest(format!(
                "count_mode is weighted, feedback, status or done, not {other}"
            ))),
        }
    }
}

/// `GET /data/persons/{p}/quota-shots/day/{y}/{m}/{d}`: the shots the person finished that
/// day (their assigned shot tasks sent for review, or done), with the task and frames.
pub fn quota_shots(
    d: &Data,
    person_id: &str,
    day: &str,
    mode: QuotaMode,
) -> Result<Vec<Value>, DataError> {
    let person = d.get(names::PERSONS, person_id)?;
    crate::production::rules::may_see_quotas_of(d.viewer.role, d.viewer.is(text(&person, "id")))?;
    let column = match mode {
        QuotaMode::Feedback => "end_date",
        QuotaMode::Done => "done_date",
    };
    let mut stmt = d.conn.prepare(&format!(
        "SELECT t.id, t.task_type_id, t.{column}, s.id \
         FROM prod_task AS t \
         JOIN prod_task_person_link AS a ON a.task_id = t.id AND a.person_id = ? \
         JOIN prod_entity AS s ON s.id = t.entity_id \
         WHERE s.entity_type_id = (SELECT id FROM prod_entity_type WHERE name = 'Shot') \
           AND substr(t.{column}, 1, 10) = ? ORDER BY t.{column}"
    ))?;
    let found = stmt
        .query_map([text(&person, "id"), day], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out = Vec::new();
    for (task, task_type, ended, shot) in found {
        let Ok(shot) = d.get(names::SHOTS, &shot) else {
            continue;
        };
        let frames = shot.get("nb_frames").and_then(Value::as_i64).unwrap_or(0);
        let mut row = shot;
        row.insert("task_id".into(), Value::from(task));
        row.insert("task_type_id".into(), Value::from(task_type));
        row.insert("ended_at".into(), Value::from(ended));
        row.insert("weight".into(), Value::from(1));
        row.insert("nb_frames".into(), Value::from(frames));
        out.push(Value::Object(row));
    }
    Ok(out)
}
