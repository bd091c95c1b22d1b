//! The farm's view of production teams: a person who is not a manager sees the farm projects
//! whose Kitsu team (`prod_project_person_link`) they are on, with those projects' jobs, tasks,
//! logs and pictures. Managers and admins are never asked about: they see everything.

use drover_shared::{JobId, ProjectId, UserId};
use rusqlite::{Connection, named_params};

/// SQL selecting the ids of the farm projects whose team `:viewer` is on, for `IN (…)`
/// filters of the farm's lists.
pub const TEAM_PROJECT_IDS: &str = "SELECT p.id FROM projects AS p \
     JOIN prod_project_person_link AS l ON l.project_id = p.uuid WHERE l.person_id = :viewer";

/// True when `person` is on the team of farm project `project` (false when it does not exist).
pub fn on_project_team(
    conn: &Connection,
    project: ProjectId,
    person: UserId,
) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT 1 FROM projects AS p JOIN prod_project_person_link AS l ON l.project_id = p.uuid
         WHERE p.id = :project AND l.person_id = :person",
    )?
    .exists(named_params! { ":project": project, ":person": person })
}

/// The farm projects whose team `person` is on.
pub fn team_projects(conn: &Connection, person: UserId) -> rusqlite::Result<Vec<ProjectId>> {
    conn.prepare_cached(TEAM_PROJECT_IDS)?
        .query_map(named_params! { ":viewer": person }, |r| r.get(0))?
        .collect()
}

/// Every job with its project: the event bus keeps this map to tell whose an event is.
pub fn job_projects(conn: &Connection) -> rusqlite::Result<Vec<(JobId, ProjectId)>> {
    conn.prepare("SELECT id, project_id FROM jobs")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

/// How many times a team changed since the database was made; the writer's update hook
/// watches this counter's table (`farm_team_changes`, kept by triggers) so open event streams
/// re-read their person's projects when it moves.
pub const TEAM_CHANGES_TABLE: &str = "farm_team_changes";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_sees_the_projects_whose_team_they_are_on() {
        let conn = crate::db::test_conn();
        let person = UserId(uuid::Uuid::new_v4());
        conn.execute(
            "INSERT INTO users (id, email, password_hash, role) VALUES (?, 'a@x', '', 'artist')",
            [person],
        )
        .unwrap();
        for name in ["one", "two"] {
            conn.execute("INSERT INTO projects (name, created) VALUES (?, 0)", [name])
                .unwrap();
        }
        let version = |c: &Connection| -> i64 {
            c.query_row("SELECT n FROM farm_team_changes", [], |r| r.get(0))
                .unwrap()
        };
        let before = version(&conn);
        conn.execute(
            "INSERT INTO prod_project_person_link (project_id, person_id)
             SELECT uuid, ? FROM projects WHERE name = 'two'",
            [person],
        )
        .unwrap();
        assert_eq!(version(&conn), before + 1);
        assert_eq!(team_projects(&conn, person).unwrap(), [ProjectId(2)]);
        assert!(on_project_team(&conn, ProjectId(2), person).unwrap());
        assert!(!on_project_team(&conn, ProjectId(1), person).unwrap());
        assert!(!on_project_team(&conn, ProjectId(9), person).unwrap());
        conn.execute("DELETE FROM prod_project_person_link", [])
            .unwrap();
        assert_eq!(version(&conn), before + 2);
        assert!(team_projects(&conn, person).unwrap().is_empty());
    }
}
