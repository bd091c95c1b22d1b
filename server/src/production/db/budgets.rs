//! A production's budgets, as Kitsu's budget page keeps them: numbered quotes (each new one
//! the next revision), each a list of entries (a department, maybe a person, a start date,
//! some months at a daily salary, and the months that differ in `exceptions`), and the
//! time the team really spent, by department, person and month, to compare. Admins and the
//! production's managers only (Zou's rule), with Zou's `budget:*` and `budget-entry:*`
//! events sent once the write has committed.

use super::DataError;
use super::data::{Data, Row};
use super::plan::{self, Body, Shown, check_manages, column_list, present};
use rusqlite::{OptionalExtension, named_params};
use serde_json::{Map, Value, json};

/// A table of this page: its name, columns, Zou's type name, the column naming its owner
/// (the production or the budget), the order of its lists and the name of its id field.
struct Table {
    name: &'static str,
    columns: &'static [(&'static str, Shown)],
    type_name: &'static str,
    owner: &'static str,
    order: &'static str,
    id_field: &'static str,
}

const BUDGETS: Table = Table {
    name: "prod_budget",
    columns: BUDGET,
    type_name: "Budget",
    owner: "project_id",
    order: "revision",
    id_field: "budget_id",
};

const ENTRIES: Table = Table {
    name: "prod_budget_entry",
    columns: ENTRY,
    type_name: "BudgetEntry",
    owner: "budget_id",
    order: "start_date, created_at",
    id_field: "entry_id",
};

/// The rows of `table` that `owner` holds, in the table's order.
fn rows_of(d: &Data, table: &Table, owner: &str) -> Result<Vec<Row>, DataError> {
    let sql = format!(
        "SELECT {} FROM {} WHERE {} = ? ORDER BY {} LIMIT {MAX_LISTED}",
        column_list(table.columns),
        table.name,
        table.owner,
        table.order
    );
    let mut stmt = d.conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map([owner], |r| present(r, table.columns, table.type_name))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Row `id` of `table` when `owner` holds it; 404 otherwise (another production's budget,
/// another budget's entry).
fn one_of(d: &Data, table: &Table, owner: &str, id: &str) -> Result<Row, DataError> {
    let id = plan::uuid_text(table.id_field, id)?;
    let sql = format!(
        "SELECT {} FROM {} WHERE id = ? AND {} = ?",
        column_list(table.columns),
        table.name,
        table.owner
    );
    d.conn
        .prepare_cached(&sql)?
        .query_row([&id, owner], |r| present(r, table.columns, table.type_name))
        .optional()?
        .ok_or_else(|| DataError::NotFound(format!("{} {id} not found", table.type_name)))
}

const BUDGET: &[(&str, Shown)] = &[
    ("id", Shown::Plain),
    ("project_id", Shown::Plain),
    ("revision", Shown::Plain),
    ("name", Shown::Plain),
    ("currency", Shown::Plain),
    ("created_at", Shown::Plain),
    ("updated_at", Shown::Plain),
];

const ENTRY: &[(&str, Shown)] = &[
    ("id", Shown::Plain),
    ("budget_id", Shown::Plain),
    ("department_id", Shown::Plain),
    ("person_id", Shown::Plain),
    ("start_date", Shown::Plain),
    ("months_duration", Shown::Plain),
    ("daily_salary", Shown::Plain),
    ("position", Shown::Plain),
    ("seniority", Shown::Plain),
    ("exceptions", Shown::Json),
    ("created_at", Shown::Plain),
    ("updated_at", Shown::Plain),
];

/// A person's position and seniority, as Zou lists them.
const POSITIONS: &[&str] = &["supervisor", "lead", "artist"];
const SENIORITIES: &[&str] = &["senior", "mid", "junior"];
/// A budget's name (Zou keeps 255 characters) and currency (a three-letter code).
const NAME_CHARS: usize = 255;
const CURRENCY_CHARS: usize = 3;
/// Bounds on what one entry may say: a century of months, a salary no studio pays, and as
/// many exceptions as a long production has months.
const MAX_MONTHS: i64 = 1200;
const MAX_DAILY_SALARY: f64 = 1e9;
const MAX_EXCEPTIONS: usize = 1200;
const EXCEPTION_KEY_CHARS: usize = 32;
/// The most budgets and entries a list answers: far above any production's.
const MAX_LISTED: i64 = 10_000;

/// `GET /data/projects/{p}/budgets`: the production's budgets, by revision.
pub fn budgets(d: &Data, project_id: &str) -> Result<Vec<Row>, DataError> {
    let project = check_manages(d, project_id)?;
    rows_of(d, &BUDGETS, &project)
}

/// One budget of the production; 404 when it is another production's.
fn budget_in(d: &Data, project: &str, budget_id: &str) -> Result<Row, DataError> {
    one_of(d, &BUDGETS, project, budget_id)
}

/// `GET /data/projects/{p}/budgets/{b}`.
pub fn budget(d: &Data, project_id: &str, budget_id: &str) -> Result<Row, DataError> {
    let project = check_manages(d, project_id)?;
    budget_in(d, &project, budget_id)
}

/// `POST /data/projects/{p}/budgets` `{name, currency?}`: a new budget, numbered the next
/// revision of the production's (Zou's default currency is USD).
pub fn create_budget(d: &Data, project_id: &str, body: &Row) -> Result<Row, DataError> {
    let project = check_manages(d, project_id)?;
    let body = Body(body);
    let name = body.required_text("name", NAME_CHARS)?;
    let currency = match body.text("currency", CURRENCY_CHARS)? {
        Some(c) => Some(c.to_ascii_uppercase()),
        None if body.has("currency") => None,
        None => Some("USD".to_owned()),
    };
    let id = uuid::Uuid::new_v4().to_string();
    let now = plan::now();
    // Inside the write's transaction, so two budgets made at once still get two revisions.
    d.conn
        .prepare_cached(
            "INSERT INTO prod_budget (id, project_id, revision, name, currency, created_at, \
             updated_at) SELECT :id, :project, coalesce(max(revision), 0) + 1, :name, \
             :currency, :now, :now FROM prod_budget WHERE project_id = :project",
        )?
        .execute(named_params! {
            ":id": id, ":project": project, ":name": name, ":currency": currency, ":now": now,
        })?;
    d.note_event(plan::event(
        "budget:create",
        json!({ "budget_id": id }),
        &project,
    ));
    budget_in(d, &project, &id)
}

/// `PUT /data/projects/{p}/budgets/{b}` `{name?, currency?}`; the revision stays.
pub fn update_budget(
    d: &Data,
    project_id: &str,
    budget_id: &str,
    body: &Row,
) -> Result<Row, DataError> {
    let project = check_manages(d, project_id)?;
    let existing = budget_in(d, &project, budget_id)?;
    let id = super::data::text(&existing, "id").to_owned();
    let body = Body(body);
    let name = body.text("name", NAME_CHARS)?;
    let currency = body
        .text("currency", CURRENCY_CHARS)?
        .map(|c| c.to_ascii_uppercase());
    d.conn
        .prepare_cached(
            "UPDATE prod_budget SET name = coalesce(:name, name), \
             currency = coalesce(:currency, currency), updated_at = :now WHERE id = :id",
        )?
        .execute(named_params! {
            ":name": name, ":currency": currency, ":now": plan::now(), ":id": id,
        })?;
    d.note_event(plan::event(
        "budget:update",
        json!({ "budget_id": id }),
        &project,
    ));
    budget_in(d, &project, &id)
}

/// `DELETE /data/projects/{p}/budgets/{b}`, its entries with it.
pub fn delete_budget(d: &Data, project_id: &str, budget_id: &str) -> Result<(), DataError> {
    let project = check_manages(d, project_id)?;
    let existing = budget_in(d, &project, budget_id)?;
    let id = super::data::text(&existing, "id").to_owned();
    d.conn
        .prepare_cached("DELETE FROM prod_budget WHERE id = ?")?
        .execute([&id])?;
    d.note_event(plan::event(
        "budget:delete",
        json!({ "budget_id": id }),
        &project,
    ));
    Ok(())
}

/// `GET /data/projects/{p}/budgets/{b}/entries`.
pub fn entries(d: &Data, project_id: &str, budget_id: &str) -> Result<Vec<Row>, DataError> {
    let project = check_manages(d, project_id)?;
    let budget = budget_in(d, &project, budget_id)?;
    rows_of(d, &ENTRIES, super::data::text(&budget, "id"))
}

/// One entry of the budget; 404 when it is another budget's.
fn entry_in(d: &Data, budget: &str, entry_id: &str) -> Result<Row, DataError> {
    one_of(d, &ENTRIES, budget, entry_id)
}

/// `GET /data/projects/{p}/budgets/{b}/entries/{e}`.
pub fn entry(
    d: &Data,
    project_id: &str,
    budget_id: &str,
    entry_id: &str,
) -> Result<Row, DataError> {
    let project = check_manages(d, project_id)?;
    let budget = budget_in(d, &project, budget_id)?;
    entry_in(d, super::data::text(&budget, "id"), entry_id)
}

/// 400 unless the department (and the person, when given) exist.
fn check_refs(d: &Data, department: Option<&str>, person: Option<&str>) -> Result<(), DataError> {
    if let Some(department) = department {
        let found = d
            .conn
            .prepare_cached("SELECT 1 FROM prod_department WHERE id = ?")?
            .exists([department])?;
        if !found {
            return Err(DataError::BadRequest(format!(
                "department {department} not found"
            )));
        }
    }
    if let Some(person) = person {
        let found = d
            .conn
            .prepare_cached("SELECT 1 FROM users WHERE id = ?")?
            .exists([person])?;
        if !found {
            return Err(DataError::BadRequest(format!("person {person} not found")));
        }
    }
    Ok(())
}

/// An entry's fields as a body gives them (each `None` when absent).
struct EntryFields {
    department: Option<String>,
    person: Option<String>,
    clears_person: bool,
    start_date: Option<String>,
    months: Option<i64>,
    salary: Option<f64>,
    position: Option<String>,
    seniority: Option<String>,
}

fn entry_fields(body: &Body) -> Result<EntryFields, DataError> {
    Ok(EntryFields {
        department: body.uuid("department_id")?,
        person: body.uuid("person_id")?,
        clears_person: body.has("person_id") && body.0.get("person_id") == Some(&Value::Null),
        start_date: body.date("start_date")?,
        months: body.count("months_duration", MAX_MONTHS)?,
        salary: body.amount("daily_salary", MAX_DAILY_SALARY)?,
        position: body.choice("position", POSITIONS)?,
        seniority: body.choice("seniority", SENIORITIES)?,
    })
}

/// `POST /data/projects/{p}/budgets/{b}/entries` `{department_id, person_id?, start_date,
/// months_duration, daily_salary, position?, seniority?}`: a new entry, with no exceptions.
pub fn create_entry(
    d: &Data,
    project_id: &str,
    budget_id: &str,
    body: &Row,
) -> Result<Row, DataError> {
    let project = check_manages(d, project_id)?;
    let budget = budget_in(d, &project, budget_id)?;
    let budget = super::data::text(&budget, "id").to_owned();
    let f = entry_fields(&Body(body))?;
    let required = |field: &str| DataError::BadRequest(format!("`{field}` is required"));
    let department = f.department.ok_or_else(|| required("department_id"))?;
    let start_date = f.start_date.ok_or_else(|| required("start_date"))?;
    let months = f.months.ok_or_else(|| required("months_duration"))?;
    let salary = f.salary.ok_or_else(|| required("daily_salary"))?;
    check_refs(d, Some(&department), f.person.as_deref())?;
    let id = uuid::Uuid::new_v4().to_string();
    d.conn
        .prepare_cached(
            "INSERT INTO prod_budget_entry (id, budget_id, department_id, person_id, start_date, \
             months_duration, daily_salary, position, seniority, exceptions, created_at, \
             updated_at) VALUES (:id, :budget, :department, :person, :start, :months, :salary, \
             coalesce(:position, 'artist'), coalesce(:seniority, 'mid'), '{}', :now, :now)",
        )?
        .execute(named_params! {
            ":id": id, ":budget": budget, ":department": department, ":person": f.person,
            ":start": start_date, ":months": months, ":salary": salary,
            ":position": f.position, ":seniority": f.seniority, ":now": plan::now(),
        })?;
    d.note_event(plan::event(
        "budget-entry:create",
        json!({ "budget_id": budget, "budget_entry_id": id }),
        &project,
    ));
    entry_in(d, &budget, &id)
}

/// The month exceptions as Zou keeps them: a map of month to days, the months set to zero
/// or null dropped; at most [`MAX_EXCEPTIONS`] of them.
fn clean_exceptions(value: &Value) -> Result<Map<String, Value>, DataError> {
    let bad = || {
        DataError::BadRequest(format!(
            "`exceptions` must be an object of at most {MAX_EXCEPTIONS} months, each a whole \
             number"
        ))
    };
    let map = match value {
        Value::Null => return Ok(Map::new()),
        Value::Object(map) if map.len() <= MAX_EXCEPTIONS => map,
        _ => return Err(bad()),
    };
    let mut out = Map::new();
    for (month, days) in map {
        if month.is_empty() || month.chars().count() > EXCEPTION_KEY_CHARS {
            return Err(bad());
        }
        let days = match days {
            Value::Null => continue,
            Value::Number(n) => n.as_i64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.is_finite())
                    .map(|f| f.trunc() as i64)
            }),
            Value::String(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        }
        .filter(|n| n.abs() <= MAX_MONTHS * 31)
        .ok_or_else(bad)?;
        if days > 0 {
            out.insert(month.clone(), Value::from(days));
        }
    }
    Ok(out)
}

/// `PUT /data/projects/{p}/budgets/{b}/entries/{e}`: the fields given, `exceptions` too
/// (replaced whole); the budget stays.
pub fn update_entry(
    d: &Data,
    project_id: &str,
    budget_id: &str,
    entry_id: &str,
    body: &Row,
) -> Result<Row, DataError> {
    let project = check_manages(d, project_id)?;
    let budget = budget_in(d, &project, budget_id)?;
    let budget = super::data::text(&budget, "id").to_owned();
    let existing = entry_in(d, &budget, entry_id)?;
    let id = super::data::text(&existing, "id").to_owned();
    let f = entry_fields(&Body(body))?;
    let exceptions = body
        .get("exceptions")
        .map(clean_exceptions)
        .transpose()?
        .map(|m| Value::Object(m).to_string());
    check_refs(d, f.department.as_deref(), f.person.as_deref())?;
    d.conn
        .prepare_cached(
            "UPDATE prod_budget_entry SET department_id = coalesce(:department, department_id), \
             person_id = CASE WHEN :clears THEN NULL ELSE coalesce(:person, person_id) END, \
             start_date = coalesce(:start, start_date), \
             months_duration = coalesce(:months, months_duration), \
             daily_salary = coalesce(:salary, daily_salary), \
             position = coalesce(:position, position), \
             seniority = coalesce(:seniority, seniority), \
             exceptions = coalesce(:exceptions, exceptions), updated_at = :now WHERE id = :id",
        )?
        .execute(named_params! {
            ":department": f.department, ":clears": f.clears_person, ":person": f.person,
            ":start": f.start_date, ":months": f.months, ":salary": f.salary,
            ":position": f.position, ":seniority": f.seniority, ":exceptions": exceptions,
            ":now": plan::now(), ":id": id,
        })?;
    d.note_event(plan::event(
        "budget-entry:update",
        json!({ "budget_id": budget, "budget_entry_id": id }),
        &project,
    ));
    entry_in(d, &budget, &id)
}

/// `DELETE /data/projects/{p}/budgets/{b}/entries/{e}`.
pub fn delete_entry(
    d: &Data,
    project_id: &str,
    budget_id: &str,
    entry_id: &str,
) -> Result<(), DataError> {
    let project = check_manages(d, project_id)?;
    let budget = budget_in(d, &project, budget_id)?;
    let budget = super::data::text(&budget, "id").to_owned();
    let existing = entry_in(d, &budget, entry_id)?;
    let id = super::data::text(&existing, "id").to_owned();
    d.conn
        .prepare_cached("DELETE FROM prod_budget_entry WHERE id = ?")?
        .execute([&id])?;
    d.note_event(plan::event(
        "budget-entry:delete",
        json!({ "budget_id": budget, "budget_entry_id": id }),
        &project,
    ));
    Ok(())
}

/// `GET /data/projects/{p}/budgets/time-spents` (admins, as Zou): the time logged on the
/// production's tasks whose task type has a department, as
/// `{department_id: {total, person_id: {total, "YYYY-MM": time}}}`, the month being the
/// calendar day's as logged.
pub fn month_time_spents(d: &Data, project_id: &str) -> Result<Row, DataError> {
    let project = check_manages(d, project_id)?;
    if !d.viewer.is_admin() {
        return Err(DataError::Forbidden(
            "only admins read a production's time by month".into(),
        ));
    }
    // One row per department, person and month: bounded by the team and the production's
    // length, whatever the number of time spents.
    let mut stmt = d.conn.prepare_cached(
        "SELECT tt.department_id, ts.person_id, substr(ts.date, 1, 7), sum(ts.duration) \
         FROM prod_time_spent AS ts JOIN prod_task AS t ON t.id = ts.task_id \
         JOIN prod_task_type AS tt ON tt.id = t.task_type_id \
         WHERE t.project_id = ? AND tt.department_id IS NOT NULL \
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    )?;
    let rows = stmt
        .query_map([&project], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, f64>(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out = Row::new();
    for (department, person, month, time) in rows {
        let department = out
            .entry(department)
            .or_insert_with(|| json!({ "total": 0.0 }));
        add(department, "total", time);
        let person = department
            .as_object_mut()
            .map(|m| m.entry(person).or_insert_with(|| json!({ "total": 0.0 })));
        if let Some(person) = person {
            add(person, "total", time);
            add(person, &month, time);
        }
    }
    Ok(out)
}

/// Adds `time` to a number field of an object, making it when missing.
fn add(object: &mut Value, field: &str, time: f64) {
    if let Some(map) = object.as_object_mut() {
        let now = map.get(field).and_then(Value::as_f64).unwrap_or(0.0);
        map.insert(field.to_owned(), json!(now + time));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exceptions_drop_empty_months_and_refuse_what_is_not_a_count() {
        let cleaned = clean_exceptions(&json!({"2026-01": 3, "2026-02": 0, "2026-03": null,
                                                "2026-04": "2", "2026-05": 1.5}))
        .unwrap();
        assert_eq!(
            Value::Object(cleaned),
            json!({"2026-01": 3, "2026-04": 2, "2026-05": 1})
        );
        assert!(clean_exceptions(&Value::Null).unwrap().is_empty());
        assert!(clean_exceptions(&json!({"2026-01": "many"})).is_err());
        assert!(clean_exceptions(&json!([1, 2])).is_err());
        assert!(clean_exceptions(&json!({"": 1})).is_err());
    }
}
