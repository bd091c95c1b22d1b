//! A project's settings and people as Kitsu's named routes shape them: the task types, task
//! statuses and asset types it uses, its team, its metadata descriptors and playlists, plus
//! the studio-wide task CSV export and a person's departments and shot quotas. Here: the
//! project as Kitsu answers it, its lists and its playlists' pages.

mod export;
mod people;
mod settings;

pub use export::{inert_cell, tasks_csv};
pub use people::{QuotaMode, add_department, quota_shots, team, team_add, team_remove};
pub use settings::{Setting, setting_add, setting_list, setting_remove, settings_batch};

use super::data::{Data, Row, text};
use super::names::{self, ModelName};
use super::{DataError, ListQuery};
use rusqlite::OptionalExtension;
use serde_json::{Value, json};

/// `GET /data/projects/all`: every project the person may see, open or not (all of them for
/// managers and admins, their teams' for others), by name, each with its status's name and
/// its metadata descriptors, as Kitsu's productions page lists them.
pub fn all_projects(d: &Data) -> Result<Vec<Row>, DataError> {
    let mut projects = d.list(names::PROJECTS, &[])?;
    projects.sort_by(|a, b| text(a, "name").cmp(text(b, "name")));
    projects
        .into_iter()
        .map(|project| {
            let descriptors = metadata_descriptors(d, text(&project, "id"))?;
            let mut project = full_project(d, project)?;
            project.insert(
                "descriptors".into(),
                Value::Array(descriptors.into_iter().map(Value::Object).collect()),
            );
            Ok(project)
        })
        .collect()
}

/// Playlists per page of `GET /data/projects/{p}/playlists`, as Kitsu pages them.
pub const PLAYLIST_PAGE: usize = 20;

/// `GET /data/projects/{p}/playlists?page&sort_by&task_type_id`: a page of the project's
/// playlists, most recently updated first unless `sort_by` names another field.
pub fn playlists(
    d: &Data,
    project_id: &str,
    episode: Option<&str>,
    page: usize,
    sort_by: Option<&str>,
    task_type_id: Option<&str>,
) -> Result<Vec<Row>, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    let mut filters = vec![("project_id", text(&project, "id"))];
    if let Some(task_type) = task_type_id {
        filters.push(("task_type_id", task_type));
    }
    let mut found = d.list(names::PLAYLISTS, &filters)?;
    // An episode's playlists; `main` are those of no episode, `all` those of every episode.
    if let Some(episode) = episode {
        if d.viewer.role == drover_shared::Role::Vendor {
            return Err(DataError::Forbidden(
                "vendors do not review an episode's playlists".into(),
            ));
        }
        let for_all = |p: &Row| p.get("is_for_all").and_then(Value::as_bool) == Some(true);
        match episode {
            "main" => found.retain(|p| text(p, "episode_id").is_empty() && !for_all(p)),
            "all" => found.retain(|p| text(p, "episode_id").is_empty() && for_all(p)),
            id => {
                let episode = super::breakdown::episode_in_project(d, id, text(&project, "id"))?;
                found.retain(|p| text(p, "episode_id") == text(&episode, "id"));
            }
        }
    }
    let field = sort_by.unwrap_or("updated_at");
    if !matches!(field, "updated_at" | "created_at" | "name") {
        return Err(DataError::BadRequest(format!(
            "playlists sort by updated_at, created_at or name, not {field}"
        )));
    }
    found.sort_by(|a, b| {
        let order = text(a, field).cmp(text(b, field));
        if field == "name" {
            order
        } else {
            order.reverse()
        }
    });
    Ok(found
        .into_iter()
        .skip(page.saturating_sub(1).saturating_mul(PLAYLIST_PAGE))
        .take(PLAYLIST_PAGE)
        .map(|mut p| {
            p.remove("shots");
            p
        })
        .collect())
}

/// `GET /data/projects/{p}/metadata-descriptors`.
pub fn metadata_descriptors(d: &Data, project_id: &str) -> Result<Vec<Row>, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    d.list(
        names::METADATA_DESCRIPTORS,
        &[("project_id", text(&project, "id"))],
    )
}

/// Rows of a model for a project-scoped list route such as `/data/projects/{p}/assets`.
pub fn project_rows(
    d: &Data,
    project_id: &str,
    route: ModelName,
    query: &ListQuery,
) -> Result<Vec<Row>, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    let mut query = query.clone();
    query
        .filters
        .push(("project_id".into(), text(&project, "id").to_owned()));
    d.query(route, &query)
}

/// The seeded "Open" project status (migration 0005).
pub const OPEN_STATUS: &str = "3c1e3b0e-8a33-4a43-9d57-5a8c8f000001";

/// The open projects the viewer may see, with their many-to-many fields.
pub fn open_projects(d: &Data, query: &ListQuery) -> Result<Vec<Row>, DataError> {
    let mut query = query.clone();
    query.relations = true;
    query
        .filters
        .push(("project_status_id".into(), OPEN_STATUS.into()));
    let mut found = d.query(names::PROJECTS, &query)?;
    found.sort_by(|a, b| text(a, "name").cmp(text(b, "name")));
    Ok(found)
}

/// The answer of routes that only confirm.
pub fn success() -> Value {
    json!({"success": true})
}

/// A TV show's first episode (by creation), which Kitsu reports as `first_episode_id`.
pub fn first_episode(d: &Data, project_id: &str) -> Result<Option<String>, DataError> {
    Ok(d.conn
        .query_row(
            "SELECT e.id FROM prod_entity AS e JOIN prod_entity_type AS t \
             ON t.id = e.entity_type_id AND t.name = 'Episode' \
             WHERE e.project_id = ? ORDER BY e.created_at, e.rowid LIMIT 1",
            [project_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// `GET /data/projects/{id}` as Kitsu answers it: with its status name and, for TV shows,
/// the first episode.
pub fn full_project(d: &Data, mut project: Row) -> Result<Row, DataError> {
    let status: Option<String> = d
        .conn
        .query_row(
            "SELECT name FROM prod_project_status WHERE id = ?",
            [text(&project, "project_status_id")],
            |r| r.get(0),
        )
        .optional()?;
    project.insert("project_status_name".into(), Value::from(status));
    if text(&project, "production_type") == "tvshow" {
        let episode = first_episode(d, text(&project, "id"))?;
        project.insert("first_episode_id".into(), Value::from(episode));
    }
    Ok(project)
}

/// After `POST /data/projects`: a TV show starts with episode `E01`, as in Kitsu.
pub fn project_created(d: &Data, project: Row) -> Result<Row, DataError> {
    if text(&project, "production_type") == "tvshow"
        && first_episode(d, text(&project, "id"))?.is_none()
    {
        d.create(
            names::EPISODES,
            json!({"name": "E01", "project_id": text(&project, "id")}),
        )?;
    }
    full_project(d, project)
}
