//! The `/data/user/*` routes: what belongs to the person asking — the context Kitsu's web
//! front end starts from, their tasks to do and done, saved search filters, desktop login
//! logs and notifications.

use super::DataError;
use super::ListQuery;
use super::admin_lists::{Uses, context_lists, project_uses};
use super::breakdown::{add_names, add_task_names};
use super::data::{Data, Row, text};
use super::names;
use super::project::{first_episode, open_projects};
use super::schema::{now_text, parse_datetime};
use drover_shared::Role;
use serde_json::{Value, json};
use std::collections::HashMap;

/// Who may see a task status on the board, when its project link says nothing (Zou's default).
const ROLES_FOR_BOARD: [&str; 5] = ["user", "admin", "supervisor", "manager", "vendor"];

/// What a person who is not a manager sees of the others (Zou's minimized person).
const PERSON_PUBLIC_FIELDS: &[&str] = &[
    "id",
    "type",
    "first_name",
    "last_name",
    "full_name",
    "has_avatar",
    "active",
    "departments",
    "studio_id",
    "role",
    "desktop_login",
    "is_bot",
];

/// `{project_id: {linked_id: value}}` from a project link table, for the given projects.
fn links_by_project(
    d: &Data,
    sql: &str,
    projects: &[String],
    value: impl Fn(&rusqlite::Row<'_>) -> rusqlite::Result<Value>,
) -> Result<HashMap<String, Row>, DataError> {
    let mut out: HashMap<String, Row> = projects.iter().map(|p| (p.clone(), Row::new())).collect();
    let mut stmt = d.conn.prepare_cached(sql)?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let project: String = row.get(0)?;
        if let Some(links) = out.get_mut(&project) {
            links.insert(row.get(1)?, value(row)?);
        }
    }
    Ok(out)
}

/// `GET /data/user/context`: everything Kitsu's web front end loads once after login — the
/// open projects the person is on (all of them for admins) with their settings, and the
/// studio's lists (task types and statuses, asset types, people, departments, studios,
/// project statuses, preview backgrounds), the person's saved filters and unread
/// notification count. Each list is what the person may read of it.
pub fn context(d: &Data) -> Result<Row, DataError> {
    let mut projects = open_projects(d, &ListQuery::default())?;
    let ids: Vec<String> = projects.iter().map(|p| text(p, "id").to_owned()).collect();
    let mut priorities = links_by_project(
        d,
        "SELECT project_id, task_type_id, priority FROM prod_project_task_type_link",
        &ids,
        |r| Ok(Value::from(r.get::<_, Option<i64>>(2)?)),
    )?;
    let mut status_links = links_by_project(
        d,
        "SELECT project_id, task_status_id, priority FROM prod_project_task_status_link",
        &ids,
        |r| {
            Ok(json!({
                "priority": r.get::<_, Option<i64>>(2)?,
                "roles_for_board": ROLES_FOR_BOARD,
            }))
        },
    )?;
    for project in &mut projects {
        let id = text(project, "id").to_owned();
        let descriptors = d.list(names::METADATA_DESCRIPTORS, &[("project_id", &id)])?;
        project.insert("descriptors".into(), Value::from(descriptors));
        project.insert(
            "task_types_priority".into(),
            Value::Object(priorities.remove(&id).unwrap_or_default()),
        );
        project.insert(
            "task_statuses_link".into(),
            Value::Object(status_links.remove(&id).unwrap_or_default()),
        );
        for (key, uses) in [
            ("status_automations", Uses::StatusAutomations),
            ("preview_background_files", Uses::Backgrounds),
        ] {
            project.insert(key.into(), json!(project_uses(d, &id, uses)?));
        }
        if text(project, "production_type") == "tvshow" {
            let first = first_episode(d, &id)?;
            project.insert("first_episode_id".into(), Value::from(first));
        }
    }
    let manager = d.viewer.role.allows(Role::Manager);
    let persons: Vec<Value> = d
        .list(names::PERSONS, &[])?
        .into_iter()
        .map(|mut person| {
            if !manager {
                person.retain(|field, _| PERSON_PUBLIC_FIELDS.contains(&field.as_str()));
            }
            Value::Object(person)
        })
        .collect();
    let unread: i64 = d.conn.query_row(
        "SELECT COUNT(*) FROM prod_notification WHERE person_id = ? AND read = 0",
        [&d.viewer.id],
        |r| r.get(0),
    )?;
    let mut context = Row::new();
    context.insert("projects".into(), Value::from(projects));
    for (key, model) in [
        ("project_status", names::PROJECT_STATUS),
        ("task_types", names::TASK_TYPES),
        ("task_status", names::TASK_STATUS),
        ("asset_types", names::ASSET_TYPES),
        ("departments", names::DEPARTMENTS),
        ("studios", names::STUDIOS),
        ("preview_background_files", names::PREVIEW_BACKGROUND_FILES),
    ] {
        context.insert(key.into(), Value::from(d.list(model, &[])?));
    }
    context.insert("persons".into(), Value::from(persons));
    context.insert("search_filters".into(), Value::Object(filters(d)?));
    context.insert("notification_count".into(), Value::from(unread));
    // The person's production roles, where one narrows their studio role (Kitsu's front end
    // shows each production as that role allows).
    context.insert(
        "project_roles".into(),
        Value::Object(super::team_roles::own_roles(d)?),
    );
    let (custom_actions, status_automations) = context_lists(d)?;
    context.insert("custom_actions".into(), Value::from(custom_actions));
    context.insert("status_automations".into(), Value::from(status_automations));
    // No filter groups or plugins yet: empty, as Zou answers a studio that has none.
    context.insert("search_filter_groups".into(), json!({}));
    context.insert("plugins".into(), json!([]));
    if d.viewer.role.allows(Role::Admin) {
        // No seat limit: every account is a seat.
        context.insert("user_limit".into(), Value::Null);
    }
    Ok(context)
}

/// The viewer's assigned tasks in open projects, done or not, with the names Kitsu shows.
pub fn my_tasks(d: &Data, done: bool) -> Result<Vec<Row>, DataError> {
    assigned_tasks(d, &d.viewer.id.to_string(), done)
}

/// A person's assigned tasks in open projects, done or not, with the names Kitsu shows, as
/// far as the viewer may see them.
pub fn assigned_tasks(d: &Data, person_id: &str, done: bool) -> Result<Vec<Row>, DataError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT t.id FROM prod_task AS t \
         JOIN prod_task_person_link AS l ON l.task_id = t.id AND l.person_id = ? \
         JOIN prod_task_status AS s ON s.id = t.task_status_id \
         JOIN projects AS p ON p.uuid = t.project_id \
         JOIN prod_project_status AS ps ON ps.id = p.project_status_id AND ps.name = 'Open' \
         WHERE s.is_done = ? ORDER BY t.updated_at DESC",
    )?;
    let ids = stmt
        .query_map(rusqlite::params![person_id, done], |r| {
            r.get::<_, String>(0)
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    task_list(d, &ids)
}

/// `GET /data/user/tasks-to-check`: the tasks waiting for feedback (their status
/// `is_feedback_request`) in the open projects the viewer checks, as Zou scopes them: every
/// project for admins; their teams' for managers, and for supervisors too, only in their
/// departments' task types when they have departments; none below. Shaped as the
/// person's tasks are.
pub fn tasks_to_check(d: &Data) -> Result<Vec<Row>, DataError> {
    let scope = crate::production::rules::checks(d.viewer.role);
    if scope == crate::production::rules::Checks::Nothing {
        return Ok(Vec::new());
    }
    let every_project = scope == crate::production::rules::Checks::Everything;
    let own_departments = scope == crate::production::rules::Checks::TeamDepartments
        && d.conn
            .prepare_cached("SELECT 1 FROM prod_department_link WHERE person_id = ?")?
            .exists([&d.viewer.id])?;
    let mut stmt = d.conn.prepare_cached(
        "SELECT t.id FROM prod_task AS t \
         JOIN prod_task_status AS s ON s.id = t.task_status_id AND s.is_feedback_request = 1 \
         JOIN prod_task_type AS tt ON tt.id = t.task_type_id \
         JOIN prod_entity AS e ON e.id = t.entity_id \
         JOIN projects AS p ON p.uuid = t.project_id \
         JOIN prod_project_status AS ps ON ps.id = p.project_status_id AND ps.name = 'Open' \
         WHERE (?1 OR t.project_id IN \
                (SELECT project_id FROM prod_project_person_link WHERE person_id = ?2)) \
           AND (NOT ?3 OR tt.department_id IN \
                (SELECT department_id FROM prod_department_link WHERE person_id = ?2)) \
         ORDER BY p.name, e.name, tt.name, t.id",
    )?;
    let ids = stmt
        .query_map(
            rusqlite::params![every_project, d.viewer.id, own_departments],
            |r| r.get::<_, String>(0),
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    task_list(d, &ids)
}

/// Tasks (by id) as the person's lists show them, with the names and colours Kitsu adds.
fn task_list(d: &Data, ids: &[String]) -> Result<Vec<Row>, DataError> {
    // A person taken off a project's team keeps their assignments there, unseen.
    let mut tasks = super::casting::visible_rows(d, names::TASKS, ids)?;
    add_task_names(d, &mut tasks)?;
    add_names(d, &mut tasks, "entity_id", "prod_entity", "entity_name")?;
    for task in &mut tasks {
        let (kind, status_short, status_color, type_color, parent): (
            String,
            String,
            String,
            String,
            Option<String>,
        ) = d.conn.query_row(
            "SELECT ty.name, s.short_name, s.color, tt.color, e.parent_id \
             FROM prod_task AS t JOIN prod_entity AS e ON e.id = t.entity_id \
             JOIN prod_entity_type AS ty ON ty.id = e.entity_type_id \
             JOIN prod_task_status AS s ON s.id = t.task_status_id \
             JOIN prod_task_type AS tt ON tt.id = t.task_type_id WHERE t.id = ?",
            [text(task, "id")],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?;
        let sequence_name = match &parent {
            Some(p) => d
                .conn
                .query_row("SELECT name FROM prod_entity WHERE id = ?", [p], |r| {
                    r.get::<_, String>(0)
                })?,
            None => String::new(),
        };
        for (field, value) in [
            ("entity_type_name", Value::from(kind)),
            ("task_status_short_name", Value::from(status_short)),
            ("task_status_color", Value::from(status_color)),
            ("task_type_color", Value::from(type_color)),
            ("sequence_name", Value::from(sequence_name)),
            ("task_estimation", task["estimation"].clone()),
            ("task_duration", task["duration"].clone()),
            ("task_due_date", task["due_date"].clone()),
            ("task_start_date", task["start_date"].clone()),
        ] {
            task.insert(field.into(), value);
        }
        let last = last_comment(d, text(task, "id"))?;
        task.insert("last_comment".into(), Value::Object(last));
    }
    Ok(tasks)
}

/// A task's last comment as the person's lists show it, `{text, date, person_id}` (`{}`
/// when it has none); clients' comments are left out, as Zou's `get_last_comment_map`.
fn last_comment(d: &Data, task_id: &str) -> Result<Row, DataError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT c.text, c.created_at, c.person_id FROM prod_comment AS c \
         JOIN users AS u ON u.id = c.person_id \
         WHERE c.object_id = ? AND u.role <> 'client' \
         ORDER BY c.created_at DESC, c.rowid DESC LIMIT 1",
    )?;
    let mut rows = stmt.query([task_id])?;
    let mut last = Row::new();
    if let Some(row) = rows.next()? {
        last.insert("text".into(), Value::from(row.get::<_, String>(0)?));
        last.insert("date".into(), Value::from(row.get::<_, String>(1)?));
        last.insert("person_id".into(), Value::from(row.get::<_, String>(2)?));
    }
    Ok(last)
}

/// `GET /data/user/filters`: the viewer's filters (and those shared with them) as Kitsu
/// groups them, `{list_type: {project_id or "all": [filters]}}`.
pub fn filters(d: &Data) -> Result<Row, DataError> {
    let mut stmt = d.conn.prepare_cached(
        "SELECT f.id FROM prod_search_filter AS f \
         LEFT JOIN projects AS p ON p.uuid = f.project_id \
         LEFT JOIN prod_project_status AS ps ON ps.id = p.project_status_id \
         WHERE (f.person_id = ?1 OR (f.is_shared = 1 AND (f.project_id IS NULL OR f.project_id IN \
                (SELECT project_id FROM prod_project_person_link WHERE person_id = ?1)))) \
           AND (f.project_id IS NULL OR ps.name = 'Open') \
         ORDER BY f.name",
    )?;
    let ids = stmt
        .query_map([&d.viewer.id], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out = Row::new();
    for id in ids {
        // Shared filters are read as their owner would; the row itself is plain data.
        let filter: Row = d.conn.query_row(
            "SELECT id, list_type, entity_type, name, search_query, is_shared, department_id, \
                    person_id, project_id, created_at, updated_at \
             FROM prod_search_filter WHERE id = ?",
            [&id],
            |r| {
                let mut m = Row::new();
                for (i, field) in ["id", "list_type", "entity_type", "name", "search_query"]
                    .into_iter()
                    .enumerate()
                {
                    m.insert(field.into(), Value::from(r.get::<_, Option<String>>(i)?));
                }
                m.insert("is_shared".into(), Value::from(r.get::<_, bool>(5)?));
                for (i, field) in [
                    "department_id",
                    "person_id",
                    "project_id",
                    "created_at",
                    "updated_at",
                ]
                .into_iter()
                .enumerate()
                {
                    m.insert(
                        field.into(),
                        Value::from(r.get::<_, Option<String>>(i + 6)?),
                    );
                }
                m.insert("type".into(), Value::from("SearchFilter"));
                Ok(m)
            },
        )?;
        let list_type = text(&filter, "list_type").to_owned();
        let project = match text(&filter, "project_id") {
            "" => "all".to_owned(),
            p => p.to_owned(),
        };
        let group = out
            .entry(list_type)
            .or_insert_with(|| Value::Object(Row::new()));
        if let Value::Object(group) = group
            && let Value::Array(list) = group
                .entry(project)
                .or_insert_with(|| Value::Array(Vec::new()))
        {
            list.push(Value::Object(filter));
        }
    }
    Ok(out)
}

/// `POST /data/user/filters` `{"name", "query", "list_type"?, "project_id"?,
/// "entity_type"?, "is_shared"?, "department_id"?}`: the query is kept as `search_query`.
pub fn new_filter(d: &Data, body: &Row) -> Result<Row, DataError> {
    let required = |field: &str| {
        body.get(field)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| DataError::BadRequest(format!("`{field}` is required")))
    };
    let mut made = json!({
        "name": required("name")?,
        "search_query": required("query")?,
        "list_type": body.get("list_type").and_then(Value::as_str).unwrap_or("todo"),
        "person_id": d.viewer.id,
    });
    for field in ["project_id", "entity_type", "is_shared", "department_id"] {
        if let Some(value) = body.get(field).filter(|v| !v.is_null()) {
            made[field] = value.clone();
        }
    }
    d.create(names::SEARCH_FILTERS, made)
}

/// `POST /data/user/desktop-login-logs` `{"date"?}`: logs a desktop session of the viewer
/// (now when no date is given).
pub fn log_desktop_login(d: &Data, date: Option<&str>) -> Result<Row, DataError> {
    let date = match date.filter(|s| !s.is_empty()) {
        Some(text) => super::schema::datetime_text(
            parse_datetime(text)
                .ok_or_else(|| DataError::BadRequest(format!("`date` is not a date: {text}")))?,
        ),
        None => now_text(),
    };
    d.conn.execute(
        "UPDATE users SET last_presence = ? WHERE id = ?",
        rusqlite::params![&date[..10], d.viewer.id],
    )?;
    d.create(
        names::DESKTOP_LOGIN_LOGS,
        json!({"person_id": d.viewer.id, "date": date}),
    )
}

/// `GET /data/user/desktop-login-logs`: newest first.
pub fn desktop_logins(d: &Data) -> Result<Vec<Row>, DataError> {
    let mut logs = d.list(
        names::DESKTOP_LOGIN_LOGS,
        &[("person_id", &d.viewer.id.to_string())],
    )?;
    logs.sort_by(|a, b| text(b, "date").cmp(text(a, "date")));
    Ok(logs)
}

/// `POST /actions/user/notifications/mark-all-as-read`.
pub fn mark_all_read(d: &Data) -> Result<(), DataError> {
    d.conn.execute(
        "UPDATE prod_notification SET read = 1, updated_at = ? WHERE person_id = ? AND read = 0",
        rusqlite::params![now_text(), d.viewer.id],
    )?;
    Ok(())
}

/// What a person may change on their own profile; anything else only admins change (role,
/// departments, contract and pay, the email and desktop login they log in with…).
const OWN_FIELDS: &[&str] = &[
    "first_name",
    "last_name",
    "phone",
    "timezone",
    "locale",
    "country",
    "notifications_enabled",
    "notifications_slack_enabled",
    "notifications_slack_userid",
    "notifications_mattermost_enabled",
    "notifications_mattermost_userid",
    "notifications_discord_enabled",
    "notifications_discord_userid",
    "data",
];

/// `PUT /data/persons/{id}`: admins change anyone; a person changes their own profile
/// (`OWN_FIELDS`). Other fields may be sent unchanged (Kitsu's profile page sends the whole
/// person back) but not changed: 403. Passwords change at `POST /auth/change-password`,
/// which asks for the old one.
pub fn update_person(
    d: &Data,
    id: &str,
    body: Row,
    extra: Vec<(String, rusqlite::types::Value)>,
) -> Result<Row, DataError> {
    if d.viewer.is_admin() {
        return d.update_with(names::PERSONS, id, Value::Object(body), extra);
    }
    let person = d.get(names::PERSONS, id)?;
    if !d.viewer.is(text(&person, "id")) {
        return Err(DataError::Forbidden(
            "only admins change other people".into(),
        ));
    }
    if !extra.is_empty() || body.contains_key("password") {
        return Err(DataError::Forbidden(
            "change your password with POST /auth/change-password (it asks for the old one)".into(),
        ));
    }
    for (field, sent) in &body {
        if OWN_FIELDS.contains(&field.as_str()) {
            continue;
        }
        // A field the row does not have is left to the update (unknown: 400; read-only:
        // ignored).
        if let Some(stored) = person.get(field)
            && !same_value(field, sent, stored)
        {
            return Err(DataError::Forbidden(format!(
                "only admins change `{field}`"
            )));
        }
    }
    let own = Data {
        conn: d.conn,
        schema: d.schema,
        viewer: &super::admin_view(d.viewer),
        live: d.live,
    };
    // Read back as an admin sees it, which for one's own row is how one sees oneself.
    own.update_with(names::PERSONS, id, Value::Object(body), extra)
}

/// Whether a sent value leaves the stored one as it is: roles by meaning (`user` is
/// `artist`), lists of ids as sets, text without regard to case (ids come either way).
fn same_value(field: &str, sent: &Value, stored: &Value) -> bool {
    let lower = |v: &Value| v.as_str().map(str::to_lowercase);
    match (field, sent, stored) {
        ("role", _, _) => {
            let role = |v: &Value| {
                v.as_str()
                    .and_then(|s| drover_shared::Role::from_kitsu(s).ok())
            };
            role(sent).is_some() && role(sent) == role(stored)
        }
        (_, Value::Array(_), Value::Array(_)) => {
            let id_set = |v: &Value| {
                let mut ids: Vec<Option<String>> =
                    v.as_array().into_iter().flatten().map(lower).collect();
                ids.sort();
                ids
            };
            id_set(sent) == id_set(stored)
        }
        (_, Value::String(_), Value::String(_)) => lower(sent) == lower(stored),
        _ => {
            sent == stored
                || super::schema::parse_bool(sent).is_some_and(|b| Some(b) == stored.as_bool())
        }
    }
}

/// Takes a person out of a department (nothing when they were not in it).
pub fn remove_department(
    conn: &rusqlite::Connection,
    person: &str,
    department: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM prod_department_link WHERE person_id = ? AND department_id = ?",
        [person, department],
    )?;
    Ok(())
}

/// Notes that a person has an avatar (its file is stored by [`crate::production::media`]).
pub fn set_has_avatar(conn: &rusqlite::Connection, person: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE users SET has_avatar = 1, updated_at = ? WHERE id = ?",
        [now_text().as_str(), person],
    )?;
    Ok(())
}

/// The person has no avatar any more (its file is removed by the caller once this commits).
pub fn clear_has_avatar(conn: &rusqlite::Connection, person: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE users SET has_avatar = 0, updated_at = ? WHERE id = ?",
        [now_text().as_str(), person],
    )?;
    Ok(())
}
