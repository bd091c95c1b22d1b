//! A project's settings and people as Kitsu's named routes shape them: the task types, task
//! statuses and asset types it uses, its team, its metadata descriptors and playlists, plus
//! the studio-wide task CSV export and a person's departments and shot quotas.

use super::data::{Data, Row, text};
use super::names::{self, ModelName};
use super::{DataError, ListQuery};
use rusqlite::OptionalExtension;
use serde_json::{Value, json};

/// A project setting Kitsu manages through `/data/projects/{p}/settings/<name>`.
#[derive(Debug, Clone, Copy)]
pub enum Setting {
    /// `task-types`, with a priority.
    TaskTypes,
    /// `task-status`.
    TaskStatus,
    /// `asset-types`.
    AssetTypes,
}

impl Setting {
    /// The setting a URL names.
    pub fn from_route(route: &str) -> Option<Self> {
        match route {
            "task-types" => Some(Self::TaskTypes),
            "task-status" => Some(Self::TaskStatus),
            "asset-types" => Some(Self::AssetTypes),
            _ => None,
        }
    }

    /// (link table, link column, model route, body field)
    fn parts(self) -> (&'static str, &'static str, ModelName, &'static str) {
        match self {
            Self::TaskTypes => (
                "prod_project_task_type_link",
                "task_type_id",
                names::TASK_TYPES,
                "task_type_id",
            ),
            Self::TaskStatus => (
                "prod_project_task_status_link",
                "task_status_id",
                names::TASK_STATUS,
                "task_status_id",
            ),
            Self::AssetTypes => (
                "prod_project_asset_type_link",
                "asset_type_id",
                names::ASSET_TYPES,
                "asset_type_id",
            ),
        }
    }
}

/// `GET /data/projects/{p}/settings/<setting>` (and `/data/projects/{p}/task-types`): the
/// rows the project uses.
pub fn setting_list(d: &Data, project_id: &str, setting: Setting) -> Result<Vec<Row>, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    let (table, column, route, _) = setting.parts();
    let mut stmt = d.conn.prepare_cached(&format!(
        "SELECT {column} FROM {table} WHERE project_id = ? ORDER BY {column}"
    ))?;
    let ids = stmt
        .query_map([text(&project, "id")], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    ids.iter().map(|id| d.get(route, id)).collect()
}

/// `POST /data/projects/{p}/settings/<setting>` `{"<kind>_id", "priority"?}`: adds the row to
/// the project (or updates its priority). Answers the project.
pub fn setting_add(
    d: &Data,
    project_id: &str,
    setting: Setting,
    body: &Row,
) -> Result<Row, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    let project_id = text(&project, "id").to_owned();
    d.authorize_in_project(names::PROJECTS, &project_id)?;
    let (table, column, route, field) = setting.parts();
    let id = body
        .get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| DataError::BadRequest(format!("`{field}` is required")))?;
    let row = d
        .get(route, id)
        .map_err(|_| DataError::BadRequest(format!("{route} {id} not found")))?;
    d.conn.execute(
        &format!("INSERT OR IGNORE INTO {table} (project_id, {column}) VALUES (?, ?)"),
        [project_id.as_str(), text(&row, "id")],
    )?;
    if let (Setting::TaskTypes, Some(priority)) = (setting, body.get("priority")) {
        let priority = priority
            .as_i64()
            .or_else(|| priority.as_str().and_then(|p| p.parse().ok()));
        d.conn.execute(
            &format!("UPDATE {table} SET priority = ? WHERE project_id = ? AND {column} = ?"),
            rusqlite::params![priority, project_id, text(&row, "id")],
        )?;
    }
    d.get(names::PROJECTS, &project_id)
}

/// `POST /data/projects/{p}/settings/batch`, the production wizard's one call: adds the task
/// types of `task_types` (`[{task_type_id, priority}]`, a known one's priority changes), the
/// statuses of `task_status_ids` and the asset types of `asset_type_ids`; with
/// `replace_task_types`, task types not listed leave the project. Unknown ids are skipped, as
/// in Zou. Answers the project.
pub fn settings_batch(d: &Data, project_id: &str, body: &Row) -> Result<Row, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    let project_id = text(&project, "id").to_owned();
    d.authorize_in_project(names::PROJECTS, &project_id)?;
    let list = |field: &str| -> Result<Vec<Value>, DataError> {
        match body.get(field) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => Ok(items.clone()),
            Some(_) => Err(DataError::BadRequest(format!("`{field}` is a list"))),
        }
    };
    let ids = |field: &str| -> Result<Vec<String>, DataError> {
        list(field)?
            .into_iter()
            .map(|v| match v {
                Value::String(id) => Ok(id),
                _ => Err(DataError::BadRequest(format!("`{field}` lists ids"))),
            })
            .collect()
    };
    let mut wanted = Vec::new();
    for entry in list("task_types")? {
        let task_type = entry
            .get("task_type_id")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                DataError::BadRequest("each of `task_types` names a `task_type_id`".into())
            })?
            .to_owned();
        let priority = match entry.get("priority") {
            None | Some(Value::Null) => None,
            Some(p) => Some(p.as_i64().ok_or_else(|| {
                DataError::BadRequest("a task type's `priority` is a number".into())
            })?),
        };
        wanted.push((task_type, priority));
    }
    let (statuses, asset_types) = (ids("task_status_ids")?, ids("asset_type_ids")?);
    let known = |route: ModelName, id: &str| -> Result<Option<String>, DataError> {
        match d.get(route, id) {
            Ok(row) => Ok(Some(text(&row, "id").to_owned())),
            Err(DataError::NotFound(_) | DataError::BadRequest(_)) => Ok(None),
            Err(e) => Err(e),
        }
    };
    let mut kept = Vec::new();
    for (task_type, priority) in &wanted {
        let Some(id) = known(names::TASK_TYPES, task_type)? else {
            continue;
        };
        d.conn.execute(
            "INSERT OR IGNORE INTO prod_project_task_type_link (project_id, task_type_id) \
             VALUES (?, ?)",
            [project_id.as_str(), id.as_str()],
        )?;
        if let Some(priority) = priority {
            d.conn.execute(
                "UPDATE prod_project_task_type_link SET priority = ? \
                 WHERE project_id = ? AND task_type_id = ?",
                rusqlite::params![priority, project_id, id],
            )?;
        }
        kept.push(id);
    }
    if body.get("replace_task_types").and_then(Value::as_bool) == Some(true) {
        let linked: Vec<String> = d
            .conn
            .prepare_cached(
                "SELECT task_type_id FROM prod_project_task_type_link WHERE project_id = ?",
            )?
            .query_map([&project_id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for id in linked.iter().filter(|id| !kept.contains(id)) {
            d.conn.execute(
                "DELETE FROM prod_project_task_type_link WHERE project_id = ? AND task_type_id = ?",
                [project_id.as_str(), id.as_str()],
            )?;
        }
    }
    for (route, table, column, given) in [
        (
            names::TASK_STATUS,
            "prod_project_task_status_link",
            "task_status_id",
            &statuses,
        ),
        (
            names::ASSET_TYPES,
            "prod_project_asset_type_link",
            "asset_type_id",
            &asset_types,
        ),
    ] {
        for id in given {
            if let Some(id) = known(route, id)? {
                d.conn.execute(
                    &format!("INSERT OR IGNORE INTO {table} (project_id, {column}) VALUES (?, ?)"),
                    [project_id.as_str(), id.as_str()],
                )?;
            }
        }
    }
    let project = d.get(names::PROJECTS, &project_id)?;
    full_project(d, project)
}

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

/// `DELETE /data/projects/{p}/settings/<setting>/{id}`.
pub fn setting_remove(
    d: &Data,
    project_id: &str,
    setting: Setting,
    id: &str,
) -> Result<(), DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    d.authorize_in_project(names::PROJECTS, text(&project, "id"))?;
    let (table, column, _, _) = setting.parts();
    d.conn.execute(
        &format!("DELETE FROM {table} WHERE project_id = ? AND {column} = ?"),
        [text(&project, "id"), id],
    )?;
    Ok(())
}

/// `GET /data/projects/{p}/team`: the team's persons.
pub fn team(d: &Data, project_id: &str) -> Result<Vec<Row>, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    d.list(names::PERSONS, &[])?
        .into_iter()
        .map(Ok)
        .filter(|p: &Result<Row, DataError>| {
            p.as_ref().is_ok_and(|p| {
                project
                    .get("team")
                    .and_then(Value::as_array)
                    .is_some_and(|team| team.iter().any(|t| t.as_str() == Some(text(p, "id"))))
            })
        })
        .collect()
}

/// `POST /data/projects/{p}/team` `{"person_id"}`: answers the project.
pub fn team_add(d: &Data, project_id: &str, body: &Row) -> Result<Row, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    d.authorize_in_project(names::PROJECTS, text(&project, "id"))?;
    let person_id = body
        .get("person_id")
        .and_then(Value::as_str)
        .ok_or_else(|| DataError::BadRequest("`person_id` is required".into()))?;
    let person = d.get(names::PERSONS, person_id)?;
    d.conn.execute(
        "INSERT OR IGNORE INTO prod_project_person_link (project_id, person_id) VALUES (?, ?)",
        [text(&project, "id"), text(&person, "id")],
    )?;
    d.get(names::PROJECTS, text(&project, "id"))
}

/// `DELETE /data/projects/{p}/team/{person}`.
pub fn team_remove(d: &Data, project_id: &str, person_id: &str) -> Result<(), DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    d.authorize_in_project(names::PROJECTS, text(&project, "id"))?;
    d.conn.execute(
        "DELETE FROM prod_project_person_link WHERE project_id = ? AND person_id = ?",
        [text(&project, "id"), person_id],
    )?;
    Ok(())
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

/// `POST /actions/persons/{p}/departments/add` `{"department_id"}` (admins): answers the
/// person with their departments.
pub fn add_department(d: &Data, person_id: &str, body: &Row) -> Result<Row, DataError> {
    crate::production::rules::may_change_departments(d.viewer.role)?;
    let person = d.get(names::PERSONS, person_id)?;
    let department = body
        .get("department_id")
        .and_then(Value::as_str)
        .ok_or_else(|| DataError::BadRequest("`department_id` is required".into()))?;
    let department = d
        .get(names::DEPARTMENTS, department)
        .map_err(|_| DataError::BadRequest("Department ID matches no department".into()))?;
    d.conn.execute(
        "INSERT OR IGNORE INTO prod_department_link (person_id, department_id) VALUES (?, ?)",
        [text(&person, "id"), text(&department, "id")],
    )?;
    d.get(names::PERSONS, text(&person, "id"))
}

/// How `quota-shots` decides a shot was finished that day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaMode {
    /// Sent for review (`end_date`, Kitsu's default `weighted`/`feedback`).
    Feedback,
    /// Marked done (`done_date`, Kitsu's `status`/`done`).
    Done,
}

impl QuotaMode {
    /// Kitsu's `count_mode` names.
    pub fn parse(mode: Option<&str>) -> Result<Self, DataError> {
        match mode.unwrap_or("weighted") {
            "weighted" | "feedback" | "weightedfeedback" => Ok(Self::Feedback),
            "status" | "done" | "weighteddone" => Ok(Self::Done),
            other => Err(DataError::BadRequest(format!(
                "count_mode is weighted, feedback, status or done, not {other}"
            ))),
        }
    }
}

/// `GET /data/persons/{p}/quota-shots/day/{y}/{m}/{d}`: the shots the person finished that
/// day (their assigned shot tasks sent for review, or done), with the task and frames.
pub fn quota_shots(
    d: &Data,
    person_id: &str,
    day: &str,
    mode: QuotaMode,
) -> Result<Vec<Value>, DataError> {
    let person = d.get(names::PERSONS, person_id)?;
    crate::production::rules::may_see_quotas_of(d.viewer.role, d.viewer.is(text(&person, "id")))?;
    let column = match mode {
        QuotaMode::Feedback => "end_date",
        QuotaMode::Done => "done_date",
    };
    let mut stmt = d.conn.prepare(&format!(
        "SELECT t.id, t.task_type_id, t.{column}, s.id \
         FROM prod_task AS t \
         JOIN prod_task_person_link AS a ON a.task_id = t.id AND a.person_id = ? \
         JOIN prod_entity AS s ON s.id = t.entity_id \
         WHERE s.entity_type_id = (SELECT id FROM prod_entity_type WHERE name = 'Shot') \
           AND substr(t.{column}, 1, 10) = ? ORDER BY t.{column}"
    ))?;
    let found = stmt
        .query_map([text(&person, "id"), day], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out = Vec::new();
    for (task, task_type, ended, shot) in found {
        let Ok(shot) = d.get(names::SHOTS, &shot) else {
            continue;
        };
        let frames = shot.get("nb_frames").and_then(Value::as_i64).unwrap_or(0);
        let mut row = shot;
        row.insert("task_id".into(), Value::from(task));
        row.insert("task_type_id".into(), Value::from(task_type));
        row.insert("ended_at".into(), Value::from(ended));
        row.insert("weight".into(), Value::from(1));
        row.insert("nb_frames".into(), Value::from(frames));
        out.push(Value::Object(row));
    }
    Ok(out)
}

/// The header of Kitsu's task export.
pub const TASKS_CSV_HEADER: [&str; 15] = [
    "Project",
    "Task Type",
    "Episode",
    "Sequence",
    "Entity Type",
    "Entity",
    "Assigner",
    "Assignees",
    "Duration",
    "Estimation",
    "Start date",
    "Due date",
    "WIP date",
    "Validation date",
    "Task Status",
];

/// `GET /export/csv/tasks.csv` (managers): every task of open projects as Kitsu exports
/// them, `;`-separated, ordered by project, task type, episode, sequence, type and entity.
pub fn tasks_csv(d: &Data) -> Result<String, DataError> {
    crate::production::rules::may_export_tasks(d.viewer.role)?;
    let mut out = Vec::new();
    {
        let mut csv = csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        csv.write_record(TASKS_CSV_HEADER).map_err(csv_error)?;
        let mut stmt = d.conn.prepare(
            "SELECT p.name, tt.name, \
                    CASE WHEN ety.name = 'Shot' THEN ep.name \
                         WHEN ety.name = 'Sequence' THEN par.name ELSE '' END, \
                    CASE WHEN ety.name = 'Shot' THEN par.name ELSE '' END, \
                    ety.name, e.name, \
                    ifnull(trim(ar.first_name || ' ' || ar.last_name), ''), \
                    (SELECT group_concat(trim(u.first_name || ' ' || u.last_name), ', ') \
                       FROM prod_task_person_link AS l JOIN users AS u ON u.id = l.person_id \
                      WHERE l.task_id = t.id), \
                    t.duration, t.estimation, t.start_date, t.due_date, t.real_start_date, \
                    t.end_date, ts.name \
             FROM prod_task AS t \
             JOIN projects AS p ON p.uuid = t.project_id \
             JOIN prod_project_status AS ps ON ps.id = p.project_status_id AND ps.name = 'Open' \
             JOIN prod_task_type AS tt ON tt.id = t.task_type_id \
             JOIN prod_task_status AS ts ON ts.id = t.task_status_id \
             JOIN prod_entity AS e ON e.id = t.entity_id \
             JOIN prod_entity_type AS ety ON ety.id = e.entity_type_id \
             LEFT JOIN prod_entity AS par ON par.id = e.parent_id \
             LEFT JOIN prod_entity AS ep ON ep.id = par.parent_id \
             LEFT JOIN users AS ar ON ar.id = t.assigner_id \
             ORDER BY p.name, tt.name, 3, 4, ety.name, e.name",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let mut record: Vec<String> = Vec::with_capacity(15);
            for i in 0..8 {
                let cell = r.get::<_, Option<String>>(i)?.unwrap_or_default();
                record.push(inert_cell(cell));
            }
            for i in 8..10 {
                record.push(format!("{:?}", r.get::<_, f64>(i)?));
            }
            for i in 10..14 {
                let at = r.get::<_, Option<String>>(i)?.unwrap_or_default();
                record.push(at.get(..10).unwrap_or("").to_owned());
            }
            record.push(inert_cell(r.get(14)?));
            csv.write_record(&record).map_err(csv_error)?;
        }
        csv.flush()
            .map_err(|e| DataError::BadRequest(e.to_string()))?;
    }
    String::from_utf8(out).map_err(|e| DataError::BadRequest(e.to_string()))
}

/// A text cell a spreadsheet will not run: one that starts with `=`, `+`, `-`, `@`, a tab
/// or a carriage return (a formula, or one hidden behind a control character) gets a leading
/// `'`, as OWASP advises against CSV injection. Names are people's text; numbers and dates
/// are written by the export itself and left as they are.
pub fn inert_cell(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell
    }
}

#[allow(clippy::needless_pass_by_value)] // used as `map_err(csv_error)`
fn csv_error(e: csv::Error) -> DataError {
    DataError::BadRequest(format!("writing the CSV: {e}"))
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

#[cfg(test)]
mod tests {
    use super::inert_cell;

    #[test]
    fn formula_cells_are_made_inert() {
        for risky in [
            "=1+1",
            "+1",
            "-1",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "=HYPERLINK(\"x\")",
        ] {
            assert_eq!(inert_cell(risky.into()), format!("'{risky}"), "{risky:?}");
        }
        for plain in ["", "SH010", "a=b", "1-2", " =x", "'=x", "\nx", "Ép 1"] {
            assert_eq!(inert_cell(plain.into()), plain, "{plain:?}");
        }
    }
}
