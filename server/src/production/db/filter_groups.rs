//! Kitsu's filter groups (`/data/user/filter-groups`): the sections a person sorts their
//! saved search filters into. Each is its person's own (admins reach anyone's); a group is
//! shared with a production's team only by a manager of that production (Zou's
//! `can_share_filter`), and deleting a group deletes the filters in it.

use super::DataError;
use super::data::{Data, Row, text};
use super::names;
use super::schema::now_text;
use drover_shared::Role;
use rusqlite::OptionalExtension;
use serde_json::Value;

/// The columns of a group, in the order [`group`] reads them.
const COLUMNS: &str = "id, list_type, entity_type, name, color, is_shared, person_id, \
                       project_id, department_id, created_at, updated_at";

/// A group row as Kitsu serializes it.
fn group(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let mut m = Row::new();
    for (i, field) in ["id", "list_type", "entity_type", "name", "color"]
        .into_iter()
        .enumerate()
    {
        m.insert(field.into(), Value::from(r.get::<_, Option<String>>(i)?));
    }
    m.insert("is_shared".into(), Value::from(r.get::<_, bool>(5)?));
    for (i, field) in [
        "person_id",
        "project_id",
        "department_id",
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
    m.insert("type".into(), Value::from("SearchFilterGroup"));
    Ok(m)
}

/// Whether the viewer may share a group on this production: admins, and managers on its
/// team; a group without a production is never shared.
fn may_share(d: &Data, project: Option<&str>) -> Result<bool, DataError> {
    let Some(project) = project else {
        return Ok(false);
    };
    Ok(d.viewer.is_admin()
        || (d.viewer.role == Role::Manager && super::on_team(d.conn, project, d.viewer.id)?))
}

/// `GET /data/user/filter-groups`: the viewer's groups and those shared on their open
/// productions (department groups only for that department's people and managers), as
/// `{list_type: {project_id or "all": [groups]}}`, newest first.
pub fn filter_groups(d: &Data) -> Result<Row, DataError> {
    let mut stmt = d.conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM prod_search_filter_group AS g \
         WHERE (g.person_id = ?1 OR (g.is_shared = 1 AND g.project_id IN \
                (SELECT project_id FROM prod_project_person_link WHERE person_id = ?1))) \
           AND (g.project_id IS NULL OR g.project_id IN \
                (SELECT p.uuid FROM projects AS p JOIN prod_project_status AS ps \
                 ON ps.id = p.project_status_id WHERE ps.name = 'Open')) \
           AND (g.department_id IS NULL OR ?2 OR g.department_id IN \
                (SELECT department_id FROM prod_department_link WHERE person_id = ?1)) \
         ORDER BY g.created_at DESC, g.id"
    ))?;
    let found = stmt
        .query_map(
            rusqlite::params![d.viewer.id.to_string(), d.viewer.sees_all_projects()],
            group,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out = Row::new();
    for g in found {
        let project = match text(&g, "project_id") {
            "" => "all".to_owned(),
            p => p.to_owned(),
        };
        let by_project = out
            .entry(text(&g, "list_type").to_owned())
            .or_insert_with(|| Value::Object(Row::new()));
        if let Value::Object(by_project) = by_project
            && let Value::Array(list) = by_project
                .entry(project)
                .or_insert_with(|| Value::Array(Vec::new()))
        {
            list.push(Value::Object(g));
        }
    }
    Ok(out)
}

/// A text field of a body: absent, `null`, or a string (400 otherwise).
fn optional_text(body: &Row, field: &str) -> Result<Option<String>, DataError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(DataError::BadRequest(format!("`{field}` must be a string"))),
    }
}

/// A production or department a group names: one the viewer may see (400 otherwise).
fn checked(
    d: &Data,
    route: super::ModelName,
    field: &str,
    id: Option<String>,
) -> Result<Option<String>, DataError> {
    id.map(|id| {
        d.get(route, &id)
            .map(|row| text(&row, "id").to_owned())
            .map_err(|_| DataError::BadRequest(format!("`{field}` matches nothing: {id}")))
    })
    .transpose()
}

fn is_shared(body: &Row) -> Result<Option<bool>, DataError> {
    match body.get("is_shared") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s == "true" || s == "false" => Ok(Some(s == "true")),
        Some(_) => Err(DataError::BadRequest(
            "`is_shared` must be a boolean".into(),
        )),
    }
}

/// `POST /data/user/filter-groups` `{"name", "color"?, "list_type"?, "project_id"?,
/// "entity_type"?, "is_shared"?, "department_id"?}`: a group of the viewer's; shared only
/// when they may share on its production (quietly not otherwise, as Zou).
pub fn new_filter_group(d: &Data, body: &Row) -> Result<Row, DataError> {
    let name = optional_text(body, "name")?
        .filter(|n| !n.is_empty())
        .ok_or_else(|| DataError::BadRequest("`name` is required".into()))?;
    let project = checked(
        d,
        names::PROJECTS,
        "project_id",
        optional_text(body, "project_id")?,
    )?;
    let department = checked(
        d,
        names::DEPARTMENTS,
        "department_id",
        optional_text(body, "department_id")?,
    )?;
    let shared = is_shared(body)?.unwrap_or(false) && may_share(d, project.as_deref())?;
    let id = uuid::Uuid::new_v4().to_string();
    let now = now_text();
    d.conn.execute(
        "INSERT INTO prod_search_filter_group (id, list_type, entity_type, name, color, \
         is_shared, person_id, project_id, department_id, created_at, updated_at) \
         VALUES (:id, :list_type, :entity_type, :name, :color, :is_shared, :person, :project, \
                 :department, :now, :now)",
        rusqlite::named_params! {
            ":id": id,
            ":list_type": optional_text(body, "list_type")?.unwrap_or_else(|| "todo".into()),
            ":entity_type": optional_text(body, "entity_type")?,
            ":name": name,
            ":color": optional_text(body, "color")?.unwrap_or_default(),
            ":is_shared": shared,
            ":person": d.viewer.id.to_string(),
            ":project": project,
            ":department": department,
            ":now": now,
        },
    )?;
    read(d, &id)
}

fn read(d: &Data, id: &str) -> Result<Row, DataError> {
    Ok(d.conn.query_row(
        &format!("SELECT {COLUMNS} FROM prod_search_filter_group WHERE id = ?"),
        [id],
        group,
    )?)
}

/// The group `id` of the viewer's, or anyone's for an admin; 404 otherwise.
fn own(d: &Data, id: &str) -> Result<Row, DataError> {
    let found = d
        .conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM prod_search_filter_group WHERE id = ?"),
            [id],
            group,
        )
        .optional()?
        .filter(|g| d.viewer.is_admin() || d.viewer.is(text(g, "person_id")));
    found.ok_or_else(|| DataError::NotFound(format!("no filter group {id}")))
}

/// `PUT /data/user/filter-groups/{id}` `{"name"?, "color"?, "is_shared"?, "project_id"?,
/// "department_id"?}`: changes a group of the viewer's; sharing follows the rule of
/// [`new_filter_group`], and the filters in the group follow its sharing.
pub fn update_filter_group(d: &Data, id: &str, body: &Row) -> Result<Row, DataError> {
    let before = own(d, id)?;
    let project = match body.get("project_id") {
        None => Some(text(&before, "project_id").to_owned()).filter(|p| !p.is_empty()),
        Some(_) => checked(
            d,
            names::PROJECTS,
            "project_id",
            optional_text(body, "project_id")?,
        )?,
    };
    let department = match body.get("department_id") {
        None => Some(text(&before, "department_id").to_owned()).filter(|p| !p.is_empty()),
        Some(_) => checked(
            d,
            names::DEPARTMENTS,
            "department_id",
            optional_text(body, "department_id")?,
        )?,
    };
    let was_shared = before.get("is_shared").and_then(Value::as_bool) == Some(true);
    let shared = match is_shared(body)? {
        Some(wanted) if wanted != was_shared => wanted && may_share(d, project.as_deref())?,
        _ => was_shared,
    };
    let name = match optional_text(body, "name")? {
        Some(n) if n.is_empty() => {
            return Err(DataError::BadRequest("`name` may not be empty".into()));
        }
        Some(n) => n,
        None => text(&before, "name").to_owned(),
    };
    let color = optional_text(body, "color")?.unwrap_or_else(|| text(&before, "color").into());
    d.conn.execute(
        "UPDATE prod_search_filter_group SET name = :name, color = :color, \
         is_shared = :is_shared, project_id = :project, department_id = :department, \
         updated_at = :now WHERE id = :id",
        rusqlite::named_params! {
            ":name": name,
            ":color": color,
            ":is_shared": shared,
            ":project": project,
            ":department": department,
            ":now": now_text(),
            ":id": id,
        },
    )?;
    d.conn.execute(
        "UPDATE prod_search_filter SET is_shared = ? WHERE search_filter_group_id = ?",
        rusqlite::params![shared, id],
    )?;
    read(d, id)
}

/// `DELETE /data/user/filter-groups/{id}`: removes a group of the viewer's with the
/// filters in it.
pub fn remove_filter_group(d: &Data, id: &str) -> Result<(), DataError> {
    own(d, id)?;
    d.conn
        .execute("DELETE FROM prod_search_filter_group WHERE id = ?", [id])?;
    Ok(())
}
