//! Reading a pipeline's files as gazu's `files` module does: an entity's or an asset
//! instance's output files (all, the last revision of each, the next revision number, their
//! output types), a project's, and a task's or an entity's working files. Revisions below
//! zero are Zou's placeholders and are never listed.

use super::DataError;
use super::data::{Data, Row, text};
use super::names;
use drover_shared::Role;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// The filters Zou's output file lists take from the query string.
#[derive(Debug, Default, Clone)]
pub struct OutputFilters {
    /// Only these pairs `field=value` (task type, output type, name, representation, file
    /// status, temporal entity).
    pub pairs: Vec<(&'static str, String)>,
}

impl OutputFilters {
    /// The fields a list may be narrowed by.
    pub const FIELDS: [&'static str; 6] = [
        "task_type_id",
        "output_type_id",
        "name",
        "representation",
        "file_status_id",
        "temporal_entity_id",
    ];

    /// The filters among query-string pairs (others are left alone).
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        Self {
            pairs: Self::FIELDS
                .iter()
                .filter_map(|field| {
                    pairs
                        .iter()
                        .find(|(k, v)| k == field && !v.is_empty())
                        .map(|(_, v)| (*field, v.clone()))
                })
                .collect(),
        }
    }

    fn keep(&self, row: &Row) -> bool {
        self.pairs
            .iter()
            .all(|(field, value)| row.get(*field).and_then(Value::as_str) == Some(value.as_str()))
    }

    fn has(&self, field: &str) -> bool {
        self.pairs.iter().any(|(f, _)| *f == field)
    }
}

fn revision(row: &Row) -> i64 {
    row.get("revision").and_then(Value::as_i64).unwrap_or(0)
}

fn is_null(row: &Row, field: &str) -> bool {
    row.get(field).is_none_or(Value::is_null)
}

/// Whose output files a list reads.
pub enum Outputs<'a> {
    /// An entity's own (not its instances').
    Entity(&'a str),
    /// An asset instance's, in any shot or scene unless the filters name one.
    Instance(&'a str),
    /// An asset instance's in one shot or scene.
    InstanceIn(&'a str, &'a str),
}

/// The output files of `of` the filters keep, newest revision first.
pub fn output_files(
    d: &Data,
    of: &Outputs,
    filters: &OutputFilters,
) -> Result<Vec<Row>, DataError> {
    let mut found = match of {
        Outputs::Entity(entity) => {
            let entity = d.get(names::ENTITIES, entity)?;
            d.list(names::OUTPUT_FILES, &[("entity_id", text(&entity, "id"))])?
                .into_iter()
                .filter(|f| is_null(f, "asset_instance_id") && is_null(f, "temporal_entity_id"))
                .collect::<Vec<_>>()
        }
        Outputs::Instance(instance) | Outputs::InstanceIn(instance, _) => {
            let instance = d.get(names::ASSET_INSTANCES, instance)?;
            // The instance is read through its asset, in its project.
            d.get(names::ASSETS, text(&instance, "asset_id"))?;
            let mut files = d.list(
                names::OUTPUT_FILES,
                &[("asset_instance_id", text(&instance, "id"))],
            )?;
            if let Outputs::InstanceIn(_, temporal) = of {
                let temporal = d.get(names::ENTITIES, temporal)?;
                files.retain(|f| text(f, "temporal_entity_id") == text(&temporal, "id"));
            }
            files
        }
    };
    found.retain(|f| revision(f) >= 0 && filters.keep(f));
    found.sort_by(|a, b| {
        revision(b)
            .cmp(&revision(a))
            .then_with(|| text(b, "created_at").cmp(text(a, "created_at")))
    });
    Ok(found)
}

/// The last revision of each file of `of`: one per task type, output type, name and
/// representation (and file status, when the filters name one), as Zou groups them.
pub fn last_output_files(
    d: &Data,
    of: &Outputs,
    filters: &OutputFilters,
) -> Result<Vec<Row>, DataError> {
    let by_status = filters.has("file_status_id");
    let mut seen = std::collections::HashSet::new();
    let mut last = Vec::new();
    // Newest first: the first of each group is its last revision.
    for file in output_files(d, of, filters)? {
        let mut key: Vec<String> = ["task_type_id", "output_type_id", "name", "representation"]
            .iter()
            .map(|f| text(&file, f).to_owned())
            .collect();
        if by_status {
            key.push(text(&file, "file_status_id").to_owned());
        }
        if seen.insert(key) {
            last.push(file);
        }
    }
    Ok(last)
}

/// `POST …/output-files/next-revision` (`output_type_id`, `task_type_id`, `name`, `main` by
/// default): `{"next_revision": n}`, one past the last of that file, 1 for a new one.
pub fn next_output_revision(d: &Data, of: &Outputs, body: &Row) -> Result<Value, DataError> {
    let field = |name: &str| -> Result<String, DataError> {
        body.get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| DataError::BadRequest(format!("`{name}` is required")))
    };
    let output_type = d.get(names::OUTPUT_TYPES, &field("output_type_id")?)?;
    let task_type = d.get(names::TASK_TYPES, &field("task_type_id")?)?;
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or("main");
    let filters = OutputFilters {
        pairs: vec![
            ("output_type_id", text(&output_type, "id").to_owned()),
            ("task_type_id", text(&task_type, "id").to_owned()),
            ("name", name.to_owned()),
        ],
    };
    let last = output_files(d, of, &filters)?.first().map_or(0, revision);
    Ok(json!({"next_revision": last + 1}))
}

/// `GET /data/asset-instances/{i}/entities/{t}/output-types`: the output types the instance
/// has files of in that shot or scene, by name.
pub fn instance_output_types(
    d: &Data,
    instance: &str,
    temporal: &str,
) -> Result<Vec<Row>, DataError> {
    let files = output_files(
        d,
        &Outputs::InstanceIn(instance, temporal),
        &OutputFilters::default(),
    )?;
    let mut types: Vec<Row> = Vec::new();
    for file in files {
        let id = text(&file, "output_type_id");
        if id.is_empty() || types.iter().any(|t| text(t, "id") == id) {
            continue;
        }
        types.push(d.get(names::OUTPUT_TYPES, id)?);
    }
    types.sort_by(|a, b| text(a, "name").cmp(text(b, "name")));
    Ok(types)
}

/// `GET /data/projects/{p}/output-files`: the output files of the project's entities (not of
/// instances) the filters keep, newest first; for the project's supervisors.
pub fn project_output_files(
    d: &Data,
    project_id: &str,
    filters: &OutputFilters,
) -> Result<Vec<Row>, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    if !d.viewer.role.allows(Role::Supervisor) {
        return Err(DataError::Forbidden(
            "a project's output files are listed for its supervisors".into(),
        ));
    }
    let mut stmt = d.conn.prepare_cached(
        "SELECT f.id FROM prod_output_file AS f JOIN prod_entity AS e ON e.id = f.entity_id \
         WHERE e.project_id = ? AND f.asset_instance_id IS NULL \
         AND f.temporal_entity_id IS NULL AND f.revision >= 0 ORDER BY f.created_at DESC",
    )?;
    let ids = stmt
        .query_map([text(&project, "id")], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut files = Vec::with_capacity(ids.len());
    for id in ids {
        let file = d.get(names::OUTPUT_FILES, &id)?;
        if filters.keep(&file) {
            files.push(file);
        }
    }
    Ok(files)
}

/// `GET /data/tasks/{t}/working-files`: the task's working files, newest revision first.
pub fn task_working_files(d: &Data, task_id: &str) -> Result<Vec<Row>, DataError> {
    let task = d.get(names::TASKS, task_id)?;
    let mut files = d.list(names::WORKING_FILES, &[("task_id", text(&task, "id"))])?;
    files.retain(|f| revision(f) >= 0);
    files.sort_by_key(|f| std::cmp::Reverse(revision(f)));
    Ok(files)
}

/// `GET /data/tasks/{t}/working-files/last-revisions`: the last revision of each of the
/// task's working files, by name.
pub fn last_working_files(d: &Data, task_id: &str) -> Result<Map<String, Value>, DataError> {
    let mut last: HashMap<String, Row> = HashMap::new();
    for file in task_working_files(d, task_id)? {
        last.entry(text(&file, "name").to_owned()).or_insert(file);
    }
    Ok(last
        .into_iter()
        .map(|(name, file)| (name, Value::Object(file)))
        .collect())
}

/// `GET /data/entities/{e}/working-files[?task_id=&name=]`: the entity's working files,
/// newest revision first.
pub fn entity_working_files(
    d: &Data,
    entity_id: &str,
    task_id: Option<&str>,
    name: Option<&str>,
) -> Result<Vec<Row>, DataError> {
    let entity = d.get(names::ENTITIES, entity_id)?;
    let mut files = d.list(names::WORKING_FILES, &[("entity_id", text(&entity, "id"))])?;
    files.retain(|f| {
        revision(f) >= 0
            && task_id.is_none_or(|t| text(f, "task_id") == t)
            && name.is_none_or(|n| text(f, "name") == n)
    });
    files.sort_by_key(|f| std::cmp::Reverse(revision(f)));
    Ok(files)
}
