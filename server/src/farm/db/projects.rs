//! Farm projects, as the farm API's `/projects` shows them.

use drover_shared::ProjectId;
use drover_shared::api::{Project, ProjectInput, ProjectSummary};
use rusqlite::{Connection, OptionalExtension, Row, named_params};

const COLUMNS: &str = "id, is_active, name, path_linux, path_osx, path_server, path_win,
    render_path_linux, render_path_osx, render_path_server, render_path_win";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Project> {
    Ok(Project {
        id: row.get("id")?,
        is_active: row.get("is_active")?,
        name: row.get("name")?,
        path_linux: row.get("path_linux")?,
        path_osx: row.get("path_osx")?,
        path_server: row.get("path_server")?,
        path_win: row.get("path_win")?,
        render_path_linux: row.get("render_path_linux")?,
        render_path_osx: row.get("render_path_osx")?,
        render_path_server: row.get("render_path_server")?,
        render_path_win: row.get("render_path_win")?,
    })
}

/// Projects by id with name and description; inactive ones only when asked; with `team`,
/// only the projects whose team that person is on.
pub fn list(
    conn: &Connection,
    include_inactive: bool,
    team: Option<drover_shared::UserId>,
) -> rusqlite::Result<Vec<(ProjectId, ProjectSummary)>> {
    conn.prepare_cached(&format!(
        "SELECT id, name, description FROM projects
         WHERE (is_active = 1 OR :all) AND (:everyone OR id IN ({}))
         ORDER BY id",
        super::teams::TEAM_PROJECT_IDS
    ))?
    .query_map(
        named_params! { ":all": include_inactive, ":everyone": team.is_none(), ":viewer": team },
        |row| {
            Ok((
                row.get("id")?,
                ProjectSummary {
                    name: row.get("name")?,
                    description: row.get("description")?,
                },
            ))
        },
    )?
    .collect()
}

/// One project.
pub fn get(conn: &Connection, id: ProjectId) -> rusqlite::Result<Option<Project>> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM projects WHERE id = :id"))?
        .query_row(named_params! { ":id": id }, from_row)
        .optional()
}

/// Creates a project; `input.name` must be set (checked by the caller).
pub fn insert(conn: &Connection, input: &ProjectInput) -> rusqlite::Result<Project> {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    conn.execute(
        "INSERT INTO projects (name, description, is_active, path_linux, path_osx, path_server,
             path_win, render_path_linux, render_path_osx, render_path_server, render_path_win,
             created)
         VALUES (:name, :description, :is_active, :path_linux, :path_osx, :path_server,
             :path_win, :render_path_linux, :render_path_osx, :render_path_server,
             :render_path_win, :created)",
        named_params! {
            ":name": text(&input.name),
            ":description": text(&input.description),
            ":is_active": input.is_active.unwrap_or(true),
            ":path_linux": text(&input.path_linux),
            ":path_osx": text(&input.path_osx),
            ":path_server": text(&input.path_server),
            ":path_win": text(&input.path_win),
            ":render_path_linux": text(&input.render_path_linux),
            ":render_path_osx": text(&input.render_path_osx),
            ":render_path_server": text(&input.render_path_server),
            ":render_path_win": text(&input.render_path_win),
            ":created": super::now_ms(),
        },
    )?;
    let id = ProjectId(conn.last_insert_rowid());
    // Read back on the connection that just inserted it: the row is there, and were it not,
    // an error instead of a panic.
    get(conn, id)?.ok_or(rusqlite::Error::QueryReturnedNoRows)
}

/// Changes the fields that are set in `input`; `None` when the project does not exist.
pub fn update(
    conn: &Connection,
    id: ProjectId,
    input: &ProjectInput,
) -> rusqlite::Result<Option<Project>> {
    let changed = conn.execute(
        "UPDATE projects SET
            name = coalesce(:name, name),
            description = coalesce(:description, description),
            is_active = coalesce(:is_active, is_active),
            path_linux = coalesce(:path_linux, path_linux),
            path_osx = coalesce(:path_osx, path_osx),
            path_server = coalesce(:path_server, path_server),
            path_win = coalesce(:path_win, path_win),
            render_path_linux = coalesce(:render_path_linux, render_path_linux),
            render_path_osx = coalesce(:render_path_osx, render_path_osx),
            render_path_server = coalesce(:render_path_server, render_path_server),
            render_path_win = coalesce(:render_path_win, render_path_win)
         WHERE id = :id",
        named_params! {
            ":id": id,
            ":name": input.name,
            ":description": input.description,
            ":is_active": input.is_active,
            ":path_linux": input.path_linux,
            ":path_osx": input.path_osx,
            ":path_server": input.path_server,
            ":path_win": input.path_win,
            ":render_path_linux": input.render_path_linux,
            ":render_path_osx": input.render_path_osx,
            ":render_path_server": input.render_path_server,
            ":render_path_win": input.render_path_win,
        },
    )?;
    if changed == 0 {
        Ok(None)
    } else {
        get(conn, id)
    }
}

/// True when the project exists.
pub fn exists(conn: &Connection, id: ProjectId) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM projects WHERE id = :id")?
        .exists(named_params! { ":id": id })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_update_and_list_active_only() {
        let conn = crate::db::test_conn();
        let input = ProjectInput {
            name: Some("Caminandes".into()),
            description: Some("One Llama".into()),
            path_server: Some("/mnt/proj".into()),
            ..ProjectInput::default()
        };
        let p = insert(&conn, &input).unwrap();
        assert!(p.is_active);
        assert_eq!(p.path_server, "/mnt/proj");
        let hidden = ProjectInput {
            is_active: Some(false),
            ..ProjectInput::default()
        };
        let p2 = insert(
            &conn,
            &ProjectInput {
                name: Some("Old".into()),
                ..hidden
            },
        )
        .unwrap();
        assert_eq!(list(&conn, false, None).unwrap().len(), 1);
        assert_eq!(list(&conn, true, None).unwrap().len(), 2);
        let renamed = ProjectInput {
            name: Some("Gooseberry".into()),
            ..ProjectInput::default()
        };
        let updated = update(&conn, p.id, &renamed).unwrap().unwrap();
        assert_eq!(
            (updated.name.as_str(), updated.path_server.as_str()),
            ("Gooseberry", "/mnt/proj")
        );
        assert!(update(&conn, ProjectId(999), &renamed).unwrap().is_none());
        assert!(exists(&conn, p2.id).unwrap());
    }
}
