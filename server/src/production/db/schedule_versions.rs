//! Production schedule versions: named drafts of a production's task dates. Each holds one
//! task link per task (its start and due dates, estimation and assignees in that draft),
//! copied from the production or from another version, edited on Kitsu's schedule page, and
//! applied back onto the tasks in one write. Managers of the production (and admins) make
//! and change them; its team, vendors and clients aside, reads them (Zou's rules). A locked
//! version refuses changes to its links until it is unlocked.

use super::DataError;
use super::data::{Data, Row, text};
use super::plan::{self, Body, Shown, check_manages, check_reads, column_list, present};
use rusqlite::{OptionalExtension, named_params};
use serde_json::{Value, json};
use std::collections::HashMap;

const VERSION: &[(&str, Shown)] = &[
    ("id", Shown::Plain),
    ("name", Shown::Plain),
    ("project_id", Shown::Plain),
    ("production_schedule_from", Shown::Plain),
    ("locked", Shown::Flag),
    ("canceled", Shown::Flag),
    ("created_at", Shown::Plain),
    ("updated_at", Shown::Plain),
];

const LINK: &[(&str, Shown)] = &[
    ("id", Shown::Plain),
    ("production_schedule_version_id", Shown::Plain),
    ("task_id", Shown::Plain),
    ("start_date", Shown::Plain),
    ("due_date", Shown::Plain),
    ("estimation", Shown::Plain),
    ("created_at", Shown::Plain),
    ("updated_at", Shown::Plain),
];

/// A version's name: Zou keeps 80 characters.
const NAME_CHARS: usize = 80;
/// The most versions a production lists, and assignees a link holds.
const MAX_VERSIONS: i64 = 10_000;
const MAX_ASSIGNEES: usize = 100;
/// An estimation, in days: a century of work is already a mistake.
const MAX_ESTIMATION: f64 = 36_500.0;

/// One version by id, whoever asks (the callers check access on its project).
fn version_row(d: &Data, version_id: &str) -> Result<Row, DataError> {
    let id = plan::uuid_text("production_schedule_version_id", version_id)?;
    let sql = format!(
        "SELECT {} FROM prod_production_schedule_version WHERE id = ?",
        column_list(VERSION)
    );
    d.conn
        .prepare_cached(&sql)?
        .query_row([&id], |r| present(r, VERSION, "ProductionScheduleVersion"))
        .optional()?
        .ok_or_else(|| DataError::NotFound(format!("ProductionScheduleVersion {id} not found")))
}

/// A version the viewer manages, refused with 400 when it is locked.
fn unlocked_version(d: &Data, version_id: &str) -> Result<(Row, String), DataError> {
    let version = version_row(d, version_id)?;
    let project = check_manages(d, text(&version, "project_id"))?;
    if version.get("locked") == Some(&Value::Bool(true)) {
        return Err(DataError::BadRequest(format!(
            "the schedule version `{}` is locked: unlock it to change it",
            text(&version, "name")
        )));
    }
    Ok((version, project))
}

fn version_event(change: &str, id: &str, project: &str) -> super::live::LiveEvent {
    plan::event(
        &format!("production-schedule-version:{change}"),
        json!({ "production_schedule_version_id": id }),
        project,
    )
}

/// `GET /data/production-schedule-versions?project_id=`: a production's versions, by
/// name; without a project, every version (admins only, as Zou).
pub fn versions(d: &Data, project_id: Option<&str>) -> Result<Vec<Row>, DataError> {
    let project = match project_id {
        Some(p) => Some(check_reads(d, p)?),
        None if d.viewer.is_admin() => None,
        None => {
            return Err(DataError::Forbidden(
                "only admins list every production's schedule versions; give a project_id".into(),
            ));
        }
    };
    let sql = format!(
        "SELECT {} FROM prod_production_schedule_version \
         WHERE :project IS NULL OR project_id = :project ORDER BY name LIMIT {MAX_VERSIONS}",
        column_list(VERSION)
    );
    let mut stmt = d.conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(named_params! { ":project": project }, |r| {
            present(r, VERSION, "ProductionScheduleVersion")
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// `GET /data/production-schedule-versions/{id}`.
pub fn version(d: &Data, version_id: &str) -> Result<Row, DataError> {
    let version = version_row(d, version_id)?;
    check_reads(d, text(&version, "project_id"))?;
    Ok(version)
}

/// `POST /data/production-schedule-versions` `{project_id, name, production_schedule_from?
/// (or from), locked?, canceled?}`: a new, empty version; the one it is made from must be
/// the same production's.
pub fn create_version(d: &Data, body: &Row) -> Result<Row, DataError> {
    let b = Body(body);
    let project_id = b.required_uuid("project_id")?;
    let project = check_manages(d, &project_id)?;
    let name = b.required_text("name", NAME_CHARS)?;
    let from = match b.uuid("production_schedule_from")? {
        Some(from) => Some(from),
        None => b.uuid("from")?,
    };
    if let Some(from) = &from {
        let source = version_row(d, from)
            .map_err(|_| DataError::BadRequest(format!("schedule version {from} not found")))?;
        if text(&source, "project_id") != project {
            return Err(DataError::BadRequest(
                "Production schedule versions must belong to the same project.".into(),
            ));
        }
    }
    let id = uuid::Uuid::new_v4().to_string();
    d.conn
        .prepare_cached(
            "INSERT INTO prod_production_schedule_version (id, name, project_id, \
             production_schedule_from, locked, canceled, created_at, updated_at) \
             VALUES (:id, :name, :project, :from, :locked, :canceled, :now, :now)",
        )?
        .execute(named_params! {
            ":id": id, ":name": name, ":project": project, ":from": from,
            ":locked": b.flag("locked")?.unwrap_or(false),
            ":canceled": b.flag("canceled")?.unwrap_or(false), ":now": plan::now(),
        })?;
    d.note_event(version_event("new", &id, &project));
    version_row(d, &id)
}

/// `PUT /data/production-schedule-versions/{id}` `{name?, canceled?, locked?}`: a locked
/// version may still be renamed, canceled and unlocked; its production stays.
pub fn update_version(d: &Data, version_id: &str, body: &Row) -> Result<Row, DataError> {
    let version = version_row(d, version_id)?;
    let project = check_manages(d, text(&version, "project_id"))?;
    let id = text(&version, "id").to_owned();
    let b = Body(body);
    d.conn
        .prepare_cached(
            "UPDATE prod_production_schedule_version SET name = coalesce(:name, name), \
             canceled = coalesce(:canceled, canceled), locked = coalesce(:locked, locked), \
             updated_at = :now WHERE id = :id",
        )?
        .execute(named_params! {
            ":name": b.text("name", NAME_CHARS)?, ":canceled": b.flag("canceled")?,
            ":locked": b.flag("locked")?, ":now": plan::now(), ":id": id,
        })?;
    d.note_event(version_event("update", &id, &project));
    version_row(d, &id)
}

/// `DELETE /data/production-schedule-versions/{id}`, its links with it; the versions made
/// from it forget where they came from.
pub fn delete_version(d: &Data, version_id: &str) -> Result<(), DataError> {
    let version = version_row(d, version_id)?;
    let project = check_manages(d, text(&version, "project_id"))?;
    let id = text(&version, "id").to_owned();
    d.conn
        .prepare_cached("DELETE FROM prod_production_schedule_version WHERE id = ?")?
        .execute([&id])?;
    d.note_event(version_event("delete", &id, &project));
    Ok(())
}

/// The assignees of these links, by link.
fn assignees_of(d: &Data, links: &mut [Row]) -> Result<(), DataError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT person_id FROM prod_production_schedule_version_task_link_person_link \
         WHERE task_link_id = ? ORDER BY person_id",
    )?;
    for link in links {
        let people = stmt
            .query_map([text(link, "id")], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        link.insert("assignees".into(), json!(people));
    }
    Ok(())
}

/// `GET /data/production-schedule-versions/{id}/task-links[?task_type_id=]`: the version's
/// task links with their assignees.
pub fn task_links(
    d: &Data,
    version_id: &str,
    task_type_id: Option<&str>,
) -> Result<Vec<Row>, DataError> {
    let version = version(d, version_id)?;
    let task_type = task_type_id
        .map(|t| plan::uuid_text("task_type_id", t))
        .transpose()?;
    let columns: Vec<String> = LINK.iter().map(|(c, _)| format!("l.{c}")).collect();
    let sql = format!(
        "SELECT {} FROM prod_production_schedule_version_task_link AS l \
         JOIN prod_task AS t ON t.id = l.task_id \
         WHERE l.production_schedule_version_id = :version \
         AND (:task_type IS NULL OR t.task_type_id = :task_type) ORDER BY l.task_id",
        columns.join(", ")
    );
    let mut stmt = d.conn.prepare_cached(&sql)?;
    let mut rows = stmt
        .query_map(
            named_params! { ":version": text(&version, "id"), ":task_type": task_type },
            |r| present(r, LINK, "ProductionScheduleVersionTaskLink"),
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    assignees_of(d, &mut rows)?;
    Ok(rows)
}

fn link_row(d: &Data, link_id: &str) -> Result<Row, DataError> {
    let id = plan::uuid_text("task_link_id", link_id)?;
    let sql = format!(
        "SELECT {} FROM prod_production_schedule_version_task_link WHERE id = ?",
        column_list(LINK)
    );
    let mut link = d
        .conn
        .prepare_cached(&sql)?
        .query_row([&id], |r| {
            present(r, LINK, "ProductionScheduleVersionTaskLink")
        })
        .optional()?
        .ok_or_else(|| {
            DataError::NotFound(format!("ProductionScheduleVersionTaskLink {id} not found"))
        })?;
    assignees_of(d, std::slice::from_mut(&mut link))?;
    Ok(link)
}

/// `GET /data/production-schedule-version-task-links/{id}`.
pub fn task_link(d: &Data, link_id: &str) -> Result<Row, DataError> {
    let link = link_row(d, link_id)?;
    version(d, text(&link, "production_schedule_version_id"))?;
    Ok(link)
}

/// 400 unless every person exists.
fn check_people(d: &Data, people: &[String]) -> Result<(), DataError> {
    let mut stmt = d.conn.prepare_cached("SELECT 1 FROM users WHERE id = ?")?;
    for person in people {
        if !stmt.exists([person])? {
            return Err(DataError::BadRequest(format!("person {person} not found")));
        }
    }
    Ok(())
}

fn set_assignees(d: &Data, link: &str, people: &[String]) -> Result<(), DataError> {
    d.conn
        .prepare_cached(
            "DELETE FROM prod_production_schedule_version_task_link_person_link \
             WHERE task_link_id = ?",
        )?
        .execute([link])?;
    let mut insert = d.conn.prepare_cached(
        "INSERT INTO prod_production_schedule_version_task_link_person_link \
         (task_link_id, person_id) VALUES (?, ?)",
    )?;
    for person in people {
        insert.execute([link, person])?;
    }
    Ok(())
}

fn link_event(change: &str, id: &str, version: &str, project: &str) -> super::live::LiveEvent {
    plan::event(
        &format!("production-schedule-version-task-link:{change}"),
        json!({
            "production_schedule_version_task_link_id": id,
            "production_schedule_version_id": version,
        }),
        project,
    )
}

/// `POST /data/production-schedule-version-task-links` `{task_id,
/// production_schedule_version_id, start_date?, due_date?, estimation?, assignees?}`: the
/// task and the (unlocked) version must be of the same production; one link per task.
pub fn create_task_link(d: &Data, body: &Row) -> Result<Row, DataError> {
    let b = Body(body);
    let version_id = b.required_uuid("production_schedule_version_id")?;
    let task = b.required_uuid("task_id")?;
    let (version, project) = unlocked_version(d, &version_id)?;
    let task_project: Option<String> = d
        .conn
        .prepare_cached("SELECT project_id FROM prod_task WHERE id = ?")?
        .query_row([&task], |r| r.get(0))
        .optional()?;
    match task_project {
        None => return Err(DataError::BadRequest(format!("task {task} not found"))),
        Some(p) if p != project => {
            return Err(DataError::BadRequest(
                "The task and the production schedule version must be in the same project.".into(),
            ));
        }
        Some(_) => {}
    }
    let assignees = b.uuids("assignees", MAX_ASSIGNEES)?.unwrap_or_default();
    check_people(d, &assignees)?;
    let id = uuid::Uuid::new_v4().to_string();
    let version = text(&version, "id").to_owned();
    d.conn
        .prepare_cached(
            "INSERT INTO prod_production_schedule_version_task_link (id, \
             production_schedule_version_id, task_id, start_date, due_date, estimation, \
             created_at, updated_at) VALUES (:id, :version, :task, :start, :due, \
             coalesce(:estimation, 0), :now, :now)",
        )?
        .execute(named_params! {
            ":id": id, ":version": version, ":task": task,
            ":start": b.datetime("start_date")?, ":due": b.datetime("due_date")?,
            ":estimation": b.amount("estimation", MAX_ESTIMATION)?, ":now": plan::now(),
        })?;
    set_assignees(d, &id, &assignees)?;
    d.note_event(link_event("new", &id, &version, &project));
    link_row(d, &id)
}

/// `PUT /data/production-schedule-version-task-links/{id}` `{start_date?, due_date?,
/// estimation?, assignees?}` (null clears a date); the task and the version stay.
pub fn update_task_link(d: &Data, link_id: &str, body: &Row) -> Result<Row, DataError> {
    let link = link_row(d, link_id)?;
    let version = text(&link, "production_schedule_version_id").to_owned();
    let (_, project) = unlocked_version(d, &version)?;
    let id = text(&link, "id").to_owned();
    let b = Body(body);
    let date = |field: &str| -> Result<Value, DataError> {
        Ok(match b.datetime(field)? {
            Some(at) => Value::from(at),
            None if b.has(field) => Value::Null,
            None => link.get(field).cloned().unwrap_or(Value::Null),
        })
    };
    let (start, due) = (date("start_date")?, date("due_date")?);
    let estimation = b.amount("estimation", MAX_ESTIMATION)?;
    let assignees = b.uuids("assignees", MAX_ASSIGNEES)?;
    if let Some(people) = &assignees {
        check_people(d, people)?;
    }
    d.conn
        .prepare_cached(
            "UPDATE prod_production_schedule_version_task_link SET start_date = :start, \
             due_date = :due, estimation = coalesce(:estimation, estimation), \
             updated_at = :now WHERE id = :id",
        )?
        .execute(named_params! {
            ":start": start.as_str(), ":due": due.as_str(), ":estimation": estimation,
            ":now": plan::now(), ":id": id,
        })?;
    if let Some(people) = &assignees {
        set_assignees(d, &id, people)?;
    }
    d.note_event(link_event("update", &id, &version, &project));
    link_row(d, &id)
}

/// `DELETE /data/production-schedule-version-task-links/{id}`.
pub fn delete_task_link(d: &Data, link_id: &str) -> Result<(), DataError> {
    let link = link_row(d, link_id)?;
    let version = text(&link, "production_schedule_version_id").to_owned();
    let (_, project) = unlocked_version(d, &version)?;
    let id = text(&link, "id");
    d.conn
        .prepare_cached("DELETE FROM prod_production_schedule_version_task_link WHERE id = ?")?
        .execute([id])?;
    d.note_event(link_event("delete", id, &version, &project));
    Ok(())
}

/// One task's dates, estimation and assignees, as a copy carries them.
struct Plan {
    task: String,
    start: Option<String>,
    due: Option<String>,
    estimation: f64,
    assignees: Vec<String>,
}

/// Writes each plan onto the version's link for its task (made when missing), assignees
/// replaced; links of tasks not copied keep theirs.
fn upsert_links(d: &Data, version: &str, plans: &[Plan]) -> Result<(), DataError> {
    let mut upsert = d.conn.prepare_cached(
        "INSERT INTO prod_production_schedule_version_task_link (id, \
         production_schedule_version_id, task_id, start_date, due_date, estimation, \
         created_at, updated_at) VALUES (:id, :version, :task, :start, :due, :estimation, \
         :now, :now) ON CONFLICT (production_schedule_version_id, task_id) DO UPDATE SET \
         start_date = excluded.start_date, due_date = excluded.due_date, \
         estimation = excluded.estimation, updated_at = excluded.updated_at \
         RETURNING id",
    )?;
    let now = plan::now();
    for plan in plans {
        let id: String = upsert.query_row(
            named_params! {
                ":id": uuid::Uuid::new_v4().to_string(), ":version": version,
                ":task": plan.task, ":start": plan.start, ":due": plan.due,
                ":estimation": plan.estimation, ":now": now,
            },
            |r| r.get(0),
        )?;
        set_assignees(d, &id, &plan.assignees)?;
    }
    Ok(())
}

/// Groups `(owner, person)` pairs by owner.
fn by_owner(pairs: Vec<(String, String)>) -> HashMap<String, Vec<String>> {
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for (owner, person) in pairs {
        map.entry(owner).or_default().push(person);
    }
    map
}

/// `POST /actions/production-schedule-versions/{id}/set-task-links-from-production`: every
/// task of the production copied into the (unlocked) version, in one write; answers
/// `{success, task_link_count}`.
pub fn set_links_from_production(d: &Data, version_id: &str) -> Result<Value, DataError> {
    let (version, project) = unlocked_version(d, version_id)?;
    let assignees = by_owner(
        d.conn
            .prepare_cached(
                "SELECT l.task_id, l.person_id FROM prod_task_person_link AS l \
                 JOIN prod_task AS t ON t.id = l.task_id WHERE t.project_id = ?",
            )?
            .query_map([&project], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?,
    );
    let plans = d
        .conn
        .prepare_cached(
            "SELECT id, start_date, due_date, estimation FROM prod_task WHERE project_id = ?",
        )?
        .query_map([&project], |r| {
            Ok(Plan {
                task: r.get(0)?,
                start: r.get(1)?,
                due: r.get(2)?,
                estimation: r.get(3)?,
                assignees: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let plans: Vec<Plan> = plans
        .into_iter()
        .map(|mut p| {
            p.assignees = assignees.get(&p.task).cloned().unwrap_or_default();
            p
        })
        .collect();
    let id = text(&version, "id");
    upsert_links(d, id, &plans)?;
    d.note_event(version_event("update", id, &project));
    Ok(json!({ "success": true, "task_link_count": plans.len() }))
}

/// `POST /actions/production-schedule-versions/{id}/set-task-links-from-production-schedule-version`
/// `{production_schedule_version_id}`: another version's links copied into this (unlocked)
/// one of the same production, which then says it comes from it.
pub fn set_links_from_version(d: &Data, version_id: &str, body: &Row) -> Result<Value, DataError> {
    let (version, project) = unlocked_version(d, version_id)?;
    let id = text(&version, "id").to_owned();
    let source = Body(body).required_uuid("production_schedule_version_id")?;
    let source = version_row(d, &source)?;
    let source_id = text(&source, "id").to_owned();
    if text(&source, "project_id") != project {
        return Err(DataError::BadRequest(
            "Production schedule versions must belong to the same project.".into(),
        ));
    }
    if source_id == id {
        return Err(DataError::BadRequest(
            "A production schedule version cannot be copied onto itself.".into(),
        ));
    }
    let assignees = by_owner(
        d.conn
            .prepare_cached(
                "SELECT l.task_id, p.person_id \
                 FROM prod_production_schedule_version_task_link_person_link AS p \
                 JOIN prod_production_schedule_version_task_link AS l ON l.id = p.task_link_id \
                 WHERE l.production_schedule_version_id = ?",
            )?
            .query_map([&source_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?,
    );
    let plans = d
        .conn
        .prepare_cached(
            "SELECT task_id, start_date, due_date, estimation \
             FROM prod_production_schedule_version_task_link \
             WHERE production_schedule_version_id = ?",
        )?
        .query_map([&source_id], |r| {
            Ok(Plan {
                task: r.get(0)?,
                start: r.get(1)?,
                due: r.get(2)?,
                estimation: r.get(3)?,
                assignees: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let plans: Vec<Plan> = plans
        .into_iter()
        .map(|mut p| {
            p.assignees = assignees.get(&p.task).cloned().unwrap_or_default();
            p
        })
        .collect();
    upsert_links(d, &id, &plans)?;
    d.conn
        .prepare_cached(
            "UPDATE prod_production_schedule_version SET production_schedule_from = ?, \
             updated_at = ? WHERE id = ?",
        )?
        .execute([&source_id, &plan::now(), &id])?;
    d.note_event(version_event("update", &id, &project));
    Ok(json!({ "success": true, "task_link_count": plans.len() }))
}

/// `POST /actions/production-schedule-versions/{id}/apply-to-production`: the version's
/// dates and estimations written onto the production's tasks, all in one write, and the
/// version locked; answers `{success, task_count}`, and each task changed is a `task:update`.
pub fn apply_to_production(d: &Data, version_id: &str) -> Result<Value, DataError> {
    let (version, project) = unlocked_version(d, version_id)?;
    let id = text(&version, "id").to_owned();
    let now = plan::now();
    // The task's own project is checked again: a link only ever names the version's
    // production's tasks, and a write must never reach another's.
    let plans = d
        .conn
        .prepare_cached(
            "SELECT l.task_id, l.start_date, l.due_date, l.estimation \
             FROM prod_production_schedule_version_task_link AS l \
             JOIN prod_task AS t ON t.id = l.task_id \
             WHERE l.production_schedule_version_id = ? AND t.project_id = ?",
        )?
        .query_map([&id, &project], |r| {
            Ok(Plan {
                task: r.get(0)?,
                start: r.get(1)?,
                due: r.get(2)?,
                estimation: r.get(3)?,
                assignees: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut update = d.conn.prepare_cached(
        "UPDATE prod_task SET start_date = :start, due_date = :due, estimation = :estimation, \
         updated_at = :now WHERE id = :task",
    )?;
    for plan in &plans {
        update.execute(named_params! {
            ":start": plan.start, ":due": plan.due, ":estimation": plan.estimation,
            ":now": now, ":task": plan.task,
        })?;
    }
    let tasks: Vec<&str> = plans.iter().map(|p| p.task.as_str()).collect();
    d.conn
        .prepare_cached(
            "UPDATE prod_production_schedule_version SET locked = 1, updated_at = ? WHERE id = ?",
        )?
        .execute([&now, &id])?;
    for task in &tasks {
        d.note_event(plan::event(
            "task:update",
            json!({ "task_id": task }),
            &project,
        ));
    }
    d.note_event(version_event("update", &id, &project));
    Ok(json!({ "success": true, "task_count": tasks.len() }))
}
