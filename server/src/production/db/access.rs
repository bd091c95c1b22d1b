//! Who may read and change production rows: the viewer, the team check and Kitsu's write
//! rules per [`Access`] class.

use super::DataError;
use super::models::{Access, Model, Scope};
use drover_shared::{Role, UserId};
use rusqlite::{Connection, OptionalExtension};

/// Who is asking: their person id and role.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// Person id.
    pub id: UserId,
    /// Role.
    pub role: Role,
}

impl Viewer {
    /// Whether a person id as a row holds it (`person_id`, `id`…) names the viewer.
    pub fn is(&self, person_id: &str) -> bool {
        person_id.parse::<UserId>() == Ok(self.id)
    }

    /// Managers and admins see every project; others only the teams they are on.
    pub fn sees_all_projects(&self) -> bool {
        self.role.allows(Role::Manager)
    }

    /// Admins see and change everything.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// The project a row (given as column values) belongs to, for the team check.
pub(super) fn project_of(
    conn: &Connection,
    model: &Model,
    value: impl Fn(&str) -> Option<String>,
) -> rusqlite::Result<Option<String>> {
    Ok(match model.scope {
        Scope::Project => value(model.id_column),
        Scope::ProjectColumn(column) => value(column),
        Scope::TaskColumn(column) => match value(column) {
            Some(task) => conn
                .query_row(
                    "SELECT project_id FROM prod_task WHERE id = ?",
                    [task],
                    |r| r.get(0),
                )
                .optional()?,
            None => None,
        },
        Scope::EntityColumn(column) => match value(column) {
            Some(entity) => conn
                .query_row(
                    "SELECT project_id FROM prod_entity WHERE id = ?",
                    [entity],
                    |r| r.get(0),
                )
                .optional()?,
            None => None,
        },
        Scope::CommentColumn(column) => match value(column) {
            Some(comment) => conn
                .query_row(
                    "SELECT k.project_id FROM prod_comment AS c JOIN prod_task AS k \
                     ON k.id = c.object_id WHERE c.id = ?",
                    [comment],
                    |r| r.get(0),
                )
                .optional()?,
            None => None,
        },
        Scope::Studio | Scope::Person => None,
    })
}

/// True when the person is on the project's team.
pub fn on_team(conn: &Connection, project: &str, person: UserId) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT 1 FROM prod_project_person_link WHERE project_id = ? AND person_id = ?",
    )?
    .exists(rusqlite::params![project, person])
}

/// Fails with 403 unless the viewer may change this row (`value` reads its columns).
pub(super) fn authorize_write(
    conn: &Connection,
    model: &Model,
    viewer: &Viewer,
    value: impl Fn(&str) -> Option<String>,
) -> Result<(), DataError> {
    let denied = |who: &str| DataError::Forbidden(format!("only {who} may change {}", model.route));
    if viewer.is_admin() {
        return Ok(());
    }
    match model.access {
        Access::AdminWrites | Access::AdminsOnly | Access::AdminWritesNoVendors => {
            Err(denied("admins"))
        }
        Access::ManagersOnly | Access::ManagersWrite => {
            if viewer.sees_all_projects() {
                Ok(())
            } else {
                Err(denied("managers and admins"))
            }
        }
        Access::Own => {
            if value("person_id").is_some_and(|person| viewer.is(&person)) {
                Ok(())
            } else {
                Err(DataError::Forbidden(format!(
                    "{} belong to their person; you may only change your own",
                    model.route
                )))
            }
        }
        Access::ProjectSupervisors | Access::ProjectArtists => {
            let project = project_of(conn, model, value)?;
            // The role the person has on the row's production (a production role narrows
            // the studio's; see `team_roles`).
            let role = match &project {
                Some(project) => role_in(conn, project, viewer.id, viewer.role)?,
                None => viewer.role,
            };
            if role.allows(Role::Manager) {
                return Ok(());
            }
            let least = if model.access == Access::ProjectSupervisors {
                Role::Supervisor
            } else {
                Role::Vendor
            };
            if !role.allows(least) {
                return Err(denied(if least == Role::Supervisor {
                    "supervisors, managers and admins"
                } else {
                    "the project's team"
                }));
            }
            match project {
                Some(project) if on_team(conn, &project, viewer.id)? => Ok(()),
                _ => Err(DataError::Forbidden(format!(
                    "you are not on the team of this {}'s project",
                    model.kind
                ))),
            }
        }
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

/// The person's role on `project`: their production role when it narrows the one they come
/// with (`role`, the studio's or one already narrowed), else `role`. Admins stay admins.
pub fn role_in(
    conn: &rusqlite::Connection,
    project: &str,
    person: UserId,
    role: Role,
) -> rusqlite::Result<Role> {
    if role == Role::Admin {
        return Ok(role);
    }
    let set: Option<String> = conn
        .prepare_cached(
            "SELECT role FROM prod_project_person_link \
             WHERE project_id = ? AND person_id = ? AND role IS NOT NULL",
        )?
        .query_row(rusqlite::params![project, person.to_string()], |r| {
            r.get("role")
        })
        .optional()?;
    Ok(set
        .and_then(|name| Role::from_kitsu(&name).ok())
        .filter(|&narrower| narrows(role, narrower))
        .unwrap_or(role))
}
