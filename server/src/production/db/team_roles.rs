//! A team member's role on one production (`PUT /data/projects/{p}/team/{person}`
//! `{role}`), kept on the team link as Zou keeps it, and read by the permission checks of
//! that production's requests.
//!
//! In Zou a production role replaces the studio role within that production, so a manager
//! can make an artist a production's supervisor or manager. Drover goes one step safer: a
//! production role may only **narrow** the person's studio role
//! ([`super::access::narrows`]: a supervisor may be an artist on one production, an artist a
//! client or a vendor of another, never its supervisor), any other is refused with 400, and
//! `admin` is refused as in Zou. So a production role never grants what the studio did not,
//! and a check that resolves no production still holds the studio's word.
//!
//! **Where it applies.** The role gate of the production routes finds the production a
//! request is about ([`request_project`]: from its path's ids, or `?project_id=`) and
//! checks, and hands the handler, the person's role there ([`super::access::role_in`]);
//! generic writes check the role on the row's production (`access::authorize_write`). Lists
//! that span productions without naming one read the studio role, as Zou's do.

use super::DataError;
use super::access::narrows;
pub use super::access::role_in;
use super::data::{Data, text};
use super::names;
use super::plan::check_manages;
use drover_shared::Role;
use rusqlite::OptionalExtension;
use serde_json::{Value, json};

/// The path ids that name a production's row, most telling first.
const REQUEST_IDS: [&str; 13] = [
    "project", "task", "entity", "asset", "shot", "sequence", "episode", "scene", "edit",
    "playlist", "comment", "preview", "id",
];

/// The production a request is about: from the ids in its path (`params`, by the router's
/// names: a production, task, entity, playlist, comment or preview; or the row of a
/// generic `/data/<model>/{id}` route, `model`), else its `?project_id=`. `None` when it
/// names none (studio lists, people, the person's own data).
pub fn request_project(
    conn: &rusqlite::Connection,
    params: &[(String, String)],
    model: Option<&super::Model>,
    query_project: Option<&str>,
) -> rusqlite::Result<Option<String>> {
    let one = |sql: &str, id: &str| -> rusqlite::Result<Option<String>> {
        conn.prepare_cached(sql)?
            .query_row([id], |r| r.get(0))
            .optional()
    };
    for name in REQUEST_IDS {
        let Some((_, id)) = params.iter().find(|(n, _)| n == name) else {
            continue;
        };
        let found = match name {
            "project" => Some(id.clone()),
            "task" => one("SELECT project_id FROM prod_task WHERE id = ?", id)?,
            "playlist" => one("SELECT project_id FROM prod_playlist WHERE id = ?", id)?,
            "comment" => one(
                "SELECT k.project_id FROM prod_comment AS c JOIN prod_task AS k \
                 ON k.id = c.object_id WHERE c.id = ?",
                id,
            )?,
            "preview" => one(
                "SELECT k.project_id FROM prod_preview_file AS p JOIN prod_task AS k \
                 ON k.id = p.task_id WHERE p.id = ?",
                id,
            )?,
            "id" => match model {
                Some(model) => super::access::project_of(conn, model, |column| {
                    let sql = format!(
                        "SELECT {column} FROM {} WHERE {} = ?",
                        model.table, model.id_column
                    );
                    one(&sql, id).ok().flatten()
                })?,
                None => None,
            },
            _ => one("SELECT project_id FROM prod_entity WHERE id = ?", id)?,
        };
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(query_project.map(str::to_owned))
}

/// The viewer's production roles that apply (those narrowing their studio role), as Kitsu's
/// user context lists them: `{project_id: role}`, Kitsu's role names.
pub fn own_roles(d: &Data) -> Result<serde_json::Map<String, Value>, DataError> {
    let rows: Vec<(String, String)> = d
        .conn
        .prepare_cached(
            "SELECT project_id, role FROM prod_project_person_link \
             WHERE person_id = ? AND role IS NOT NULL",
        )?
        .query_map([d.viewer.id.to_string()], |r| {
            Ok((r.get("project_id")?, r.get("role")?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|(project, name)| {
            let role = Role::from_kitsu(&name).ok()?;
            (d.viewer.role != Role::Admin && narrows(d.viewer.role, role))
                .then(|| (project, Value::from(role.kitsu_name())))
        })
        .collect())
}

/// Reads the body's `role`: Zou's production roles (`user`, `supervisor`, `manager`,
/// `client`, `vendor`; `artist` taken for `user`), or `None` for null (the studio role).
pub fn parse_role(body: &super::data::Row) -> Result<Option<Role>, DataError> {
    match body.get("role") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(name)) => {
            let role = Role::from_kitsu(name)
                .map_err(|_| DataError::BadRequest(format!("{name} is not a role")))?;
            if role == Role::Admin {
                return Err(DataError::BadRequest(
                    "admin is a global role and cannot be set per project".into(),
                ));
            }
            Ok(Some(role))
        }
        Some(_) => Err(DataError::BadRequest(
            "`role` is a role name or null".into(),
        )),
    }
}

/// `PUT /data/projects/{p}/team/{person}` `{role}`: sets (or with null clears) the
/// member's production role. Admins and the production's managers; the person must be on
/// the team; a role above their studio role is refused (see the module's comment).
/// Answers `{project_id, person_id, role}`.
pub fn set_team_role(
    d: &Data,
    project_id: &str,
    person_id: &str,
    role: Option<Role>,
) -> Result<Value, DataError> {
    let project = check_manages(d, project_id)?;
    let person = d.get(names::PERSONS, person_id)?;
    let person_id = text(&person, "id").to_owned();
    let member = person_id
        .parse()
        .map_err(|_| DataError::NotFound(format!("Person {person_id} not found")))?;
    if !super::on_team(d.conn, &project, member)? {
        return Err(DataError::BadRequest(
            "Person is not a member of the project team".into(),
        ));
    }
    let studio_role = Role::from_kitsu(text(&person, "role"))
        .map_err(|_| DataError::BadRequest("the person has no known studio role".into()))?;
    if let Some(role) = role
        && !narrows(studio_role, role)
    {
        return Err(DataError::BadRequest(format!(
            "a production role may narrow a studio role, never widen it: this person is \
             {} at the studio, not {}",
            studio_role.kitsu_name(),
            role.kitsu_name()
        )));
    }
    d.conn.execute(
        "UPDATE prod_project_person_link SET role = ? WHERE project_id = ? AND person_id = ?",
        rusqlite::params![role.map(Role::as_str), project, person_id],
    )?;
    let project_row = d.get(names::PROJECTS, &project)?;
    d.note_update(names::PROJECTS, &project_row)?;
    Ok(json!({
        "project_id": project,
        "person_id": person_id,
        "role": role.map(Role::kitsu_name),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_production_role_only_narrows() {
        use Role::{Admin, Artist, Client, Manager, Supervisor, Vendor};
        assert!(narrows(Manager, Supervisor));
        assert!(narrows(Manager, Client));
        assert!(narrows(Artist, Vendor));
        assert!(narrows(Supervisor, Supervisor));
        assert!(!narrows(Artist, Supervisor));
        assert!(!narrows(Supervisor, Manager));
        assert!(!narrows(Vendor, Artist), "same rank, more seen");
        assert!(!narrows(Client, Vendor));
        assert!(!narrows(Vendor, Client));
        assert!(narrows(Admin, Manager));
    }
}
