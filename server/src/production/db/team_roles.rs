//! A team member's role on one production (`PUT /data/projects/{p}/team/{person}`
//! `{role}`), kept on the team link as Zou keeps it.
//!
//! In Zou a production role replaces the studio role within that production, so a manager
//! can make an artist a production's supervisor or manager. Drover's permission checks read
//! the studio role alone, and a production role that outranked it would wait, recorded, for
//! the day a check reads it, handing out rights nobody granted at the studio level. So the
//! choice here is conservative: a production role may only narrow the person's studio role
//! ([`narrows`]: an artist may be made a client or a vendor of a production, never its
//! supervisor), any other is refused with 400, and `admin` is refused as in Zou. The
//! role is recorded and answered as Zou answers it; Drover's checks keep reading the studio
//! role, which is never wider than the one recorded.

use super::DataError;
use super::data::{Data, text};
use super::names;
use super::plan::check_manages;
use drover_shared::Role;
use serde_json::{Value, json};

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

/// Whether `role` gives no more than `studio` does: the same role, a lower one of the
/// studio's own staff (artist, supervisor, manager), or for staff the outsiders' client and
/// vendor roles. Clients and vendors see different things (playlists shared with clients;
/// tasks assigned to vendors), so neither narrows the other, and neither becomes staff.
pub fn narrows(studio: Role, role: Role) -> bool {
    let staff = |r: Role| {
        matches!(
            r,
            Role::Artist | Role::Supervisor | Role::Manager | Role::Admin
        )
    };
    role == studio
        || (staff(studio) && matches!(role, Role::Client | Role::Vendor))
        || (staff(studio) && staff(role) && studio.allows(role))
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
