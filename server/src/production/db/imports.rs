//! Kitsu's CSV imports of a production's assets and shots (the production wizard's "Add
//! assets" and "Add shots" steps, and the Import buttons of the Assets and Shots pages), read
//! as Zou reads them: one row per entity, named by `Name` under its `Type` (assets) or its
//! `Sequence` (shots, and `Episode` in a TV show), with the optional `Description`,
//! `Resolution`, `FPS`, `Frame In`/`Frame Out`/`Nb Frames`, `Ready for`, a column per
//! metadata descriptor, and per task type of the production its status, `<type> comment`
//! and `<type> assignations`.
//!
//! Unlike Zou, which commits row by row and keeps the rows before a bad one, the whole file
//! is one write: a bad row refuses the import with its line number and nothing is made.
//! An entity that exists is left alone unless `?update=true`; either way it gets the
//! production's tasks it lacks.

use super::breakdown::{self, new_asset, new_temporal};
use super::data::{Data, Row, text};
use super::names::{self, ModelName};
use super::{DataError, review};
use serde_json::{Value, json};
use std::collections::HashMap;

/// The largest file imported: far past any production's list, and a bound on the write.
pub const MAX_IMPORT_BYTES: u64 = 8 * 1024 * 1024;
/// The most rows one import makes or changes (each is a few writes in one transaction).
pub const MAX_IMPORT_ROWS: usize = 10_000;

/// What is imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Assets,
    Shots,
}

/// A CSV file read into its header and rows, each with the line it starts on.
struct Sheet {
    header: Vec<String>,
    rows: Vec<(u64, Vec<String>)>,
}

/// The separator a spreadsheet used: the one of `,`, `;` and tab the header line holds most
/// of (Zou sniffs the dialect the same way).
fn separator(bytes: &[u8]) -> u8 {
    let line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|sep| line.split(|b| b == sep).count())
        .unwrap_or(b',')
}

fn bad_file(message: impl std::fmt::Display) -> DataError {
    DataError::BadRequest(format!("the CSV file cannot be read: {message}"))
}

/// Reads the file: UTF-8 (a byte-order mark is skipped), rows of any length, blank rows
/// (separators only) left out.
fn read_sheet(bytes: &[u8]) -> Result<Sheet, DataError> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator(bytes))
        .flexible(true)
        .from_reader(bytes);
    let header = reader
        .headers()
        .map_err(bad_file)?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect::<Vec<_>>();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(bad_file)?;
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        if rows.len() == MAX_IMPORT_ROWS {
            return Err(DataError::BadRequest(format!(
                "at most {MAX_IMPORT_ROWS} rows are imported at once"
            )));
        }
        let line = record.position().map_or(0, csv::Position::line);
        rows.push((line, record.iter().map(str::to_owned).collect()));
    }
    Ok(Sheet { header, rows })
}

/// One row, read by column name; an absent column reads as `None`, an empty cell as `""`.
struct Cells<'a> {
    header: &'a [String],
    cells: &'a [String],
}

impl<'a> Cells<'a> {
    fn get(&self, column: &str) -> Option<&'a str> {
        let at = self.header.iter().position(|h| h == column)?;
        Some(self.cells.get(at).map_or("", |c| c.trim()))
    }

    /// A cell that must hold something.
    fn required(&self, column: &str) -> Result<&'a str, DataError> {
        self.get(column)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| DataError::BadRequest(format!("{column} cannot be empty")))
    }

    /// The first of `columns` given with something in it.
    fn first(&self, columns: &[&str]) -> Option<&'a str> {
        columns
            .iter()
            .find_map(|c| self.get(c).filter(|v| !v.is_empty()))
    }
}

/// What a row asks of one of the entity's tasks.
struct TaskChange {
    task_type_id: String,
    status_id: Option<String>,
    comment: Option<String>,
    assignees: Vec<String>,
}

/// What the import reads once: the production, its task types and statuses for the kind,
/// its metadata columns, and the people cells may name.
struct Import<'a> {
    d: &'a Data<'a>,
    kind: Kind,
    project_id: String,
    tv_show: bool,
    update: bool,
    task_types: Vec<Row>,
    statuses: Vec<(String, [String; 2])>,
    descriptors: Vec<Row>,
    people: Option<HashMap<String, String>>,
}

impl<'a> Import<'a> {
    fn new(d: &'a Data<'a>, project_id: &str, kind: Kind, update: bool) -> Result<Self, DataError> {
        let project = d.get(names::PROJECTS, project_id)?;
        let project_id = text(&project, "id").to_owned();
        let (route, for_entity) = match kind {
            Kind::Assets => (names::ASSETS, "Asset"),
            Kind::Shots => (names::SHOTS, "Shot"),
        };
        d.authorize_in_project(route, &project_id)?;
        let mut task_types = Vec::new();
        for id in ids(&project, "task_types") {
            let task_type = d.get(names::TASK_TYPES, &id)?;
            if text(&task_type, "for_entity").eq_ignore_ascii_case(for_entity) {
                task_types.push(task_type);
            }
        }
        let statuses = d
            .list(names::TASK_STATUS, &[])?
            .into_iter()
            .map(|s| {
                let names = [
                    text(&s, "name").to_lowercase(),
                    text(&s, "short_name").to_lowercase(),
                ];
                (text(&s, "id").to_owned(), names)
            })
            .collect();
        let descriptors = d.list(
            names::METADATA_DESCRIPTORS,
            &[("project_id", &project_id), ("entity_type", for_entity)],
        )?;
        Ok(Self {
            d,
            kind,
            tv_show: text(&project, "production_type") == "tvshow",
            project_id,
            update,
            task_types,
            statuses,
            descriptors,
            people: None,
        })
    }

    /// A person named by full name, e-mail or id.
    fn person(&mut self, name: &str) -> Result<String, DataError> {
        if self.people.is_none() {
            let mut people = HashMap::new();
            for p in self.d.list(names::PERSONS, &[])? {
                let id = text(&p, "id").to_owned();
                let full = format!("{} {}", text(&p, "first_name"), text(&p, "last_name"));
                people.insert(full.trim().to_lowercase(), id.clone());
                if !text(&p, "email").is_empty() {
                    people.insert(text(&p, "email").to_lowercase(), id.clone());
                }
                people.insert(id.clone(), id);
            }
            self.people = Some(people);
        }
        self.people
            .as_ref()
            .and_then(|p| p.get(&name.trim().to_lowercase()))
            .cloned()
            .ok_or_else(|| DataError::BadRequest(format!("Person not found for {name}")))
    }

    /// `data` with the row's metadata cells written over it, in their stored form.
    fn descriptor_values(&mut self, cells: &Cells<'_>, mut data: Row) -> Result<Row, DataError> {
        let descriptors = self.descriptors.clone();
        for descriptor in &descriptors {
            let Some(value) = cells.get(text(descriptor, "name")) else {
                continue;
            };
            let value = match (text(descriptor, "data_type"), value) {
                (_, "") => Value::from(""),
                ("boolean", v) => {
                    let on = matches!(v.to_lowercase().as_str(), "true" | "yes" | "1" | "y");
                    Value::from(if on { "true" } else { "false" })
                }
                ("person", v) => Value::from(self.person(v)?),
                (_, v) => Value::from(v),
            };
            data.insert(text(descriptor, "field_name").to_owned(), value);
        }
        Ok(data)
    }

    /// What the row asks of each of the production's task types.
    fn task_changes(&mut self, cells: &Cells<'_>) -> Result<Vec<TaskChange>, DataError> {
        let mut changes = Vec::new();
        for task_type in self.task_types.clone() {
            let name = text(&task_type, "name");
            let status_id = match cells.get(name).filter(|v| !v.is_empty()) {
                None => None,
                Some(status) => {
                    let wanted = status.to_lowercase();
                    let found = self.statuses.iter().find(|(_, n)| n.contains(&wanted));
                    Some(found.map(|(id, _)| id.clone()).ok_or_else(|| {
                        DataError::BadRequest(format!("Task status not found for {status}"))
                    })?)
                }
            };
            let comment = cells
                .get(&format!("{name} comment"))
                .filter(|c| !c.is_empty())
                .map(str::to_owned);
            let mut assignees = Vec::new();
            if let Some(cell) = cells.get(&format!("{name} assignations")) {
                for person in cell.split(',').filter(|p| !p.trim().is_empty()) {
                    assignees.push(self.person(person)?);
                }
            }
            if status_id.is_some() || comment.is_some() || !assignees.is_empty() {
                changes.push(TaskChange {
                    task_type_id: text(&task_type, "id").to_owned(),
                    status_id,
                    comment,
                    assignees,
                });
            }
        }
        Ok(changes)
    }

    fn route(&self) -> ModelName {
        match self.kind {
            Kind::Assets => names::ASSETS,
            Kind::Shots => names::SHOTS,
        }
    }

    /// The entity's task of `task_type_id`, made when it has none.
    fn task_of(&self, entity_id: &str, task_type_id: &str) -> Result<Row, DataError> {
        let filters = [("entity_id", entity_id), ("task_type_id", task_type_id)];
        if let Some(task) = self.d.find(names::TASKS, &filters)? {
            return Ok(task);
        }
        let mut ids = Row::new();
        ids.insert("entity_ids".into(), json!([entity_id]));
        let route = self.route();
        breakdown::create_tasks(self.d, &self.project_id, task_type_id, route, &ids)?;
        self.d
            .find(names::TASKS, &filters)?
            .ok_or_else(|| DataError::BadRequest("the task could not be made".into()))
    }

    /// Gives the entity the production's tasks it lacks, then applies the row's statuses,
    /// comments and assignations.
    fn tasks(&self, entity_id: &str, changes: &[TaskChange]) -> Result<(), DataError> {
        for task_type in &self.task_types {
            self.task_of(entity_id, text(task_type, "id"))?;
        }
        for change in changes {
            let task = self.task_of(entity_id, &change.task_type_id)?;
            let task_id = text(&task, "id");
            for person in &change.assignees {
                let mut body = Row::new();
                body.insert("task_ids".into(), json!([task_id]));
                review::assign(self.d, person, &body)?;
            }
            let status = change
                .status_id
                .as_deref()
                .unwrap_or_else(|| text(&task, "task_status_id"));
            if change.comment.is_some() || status != text(&task, "task_status_id") {
                let mut body = Row::new();
                body.insert("task_status_id".into(), Value::from(status));
                body.insert(
                    "comment".into(),
                    Value::from(change.comment.clone().unwrap_or_default()),
                );
                review::comment(self.d, task_id, &body, &[])?;
            }
        }
        Ok(())
    }

    /// The episode of that name, made when the production has none.
    fn episode(&self, name: &str) -> Result<String, DataError> {
        let mut body = Row::new();
        body.insert("name".into(), Value::from(name));
        let episode = new_temporal(self.d, &self.project_id, names::EPISODES, &body)?;
        Ok(text(&episode, "id").to_owned())
    }

    fn asset(&mut self, cells: &Cells<'_>) -> Result<Row, DataError> {
        let name = cells.required("Name")?;
        let type_name = cells.required("Type")?;
        let asset_type = self
            .d
            .list(names::ASSET_TYPES, &[])?
            .into_iter()
            .find(|t| text(t, "name").eq_ignore_ascii_case(type_name))
            .ok_or_else(|| {
                DataError::BadRequest(format!("Asset type {type_name} is not configured"))
            })?;
        let type_id = text(&asset_type, "id").to_owned();
        let episode = match cells.get("Episode").filter(|e| !e.is_empty()) {
            Some(_) if !self.tv_show => {
                return Err(DataError::BadRequest(
                    "An episode column is present for a production that isn't a TV Show".into(),
                ));
            }
            Some("MP") | None => None,
            Some(episode) => Some(self.episode(episode)?),
        };
        let existing = self.d.find(
            names::ASSETS,
            &[
                ("project_id", &self.project_id),
                ("name", name),
                ("entity_type_id", &type_id),
            ],
        )?;
        let mut data = existing
            .as_ref()
            .and_then(|e| e.get("data"))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if let Some(resolution) = cells.get("Resolution") {
            data.insert("resolution".into(), Value::from(resolution));
        }
        let data = self.descriptor_values(cells, data)?;
        let mut fields = Row::new();
        if let Some(description) = cells.get("Description") {
            fields.insert("description".into(), Value::from(description));
        }
        fields.insert("data".into(), Value::Object(data));
        if let Some(ready_for) = cells.get("Ready for") {
            let shot_type = self
                .d
                .list(names::TASK_TYPES, &[("for_entity", "Shot")])?
                .into_iter()
                .find(|t| text(t, "name") == ready_for);
            let ready = match (ready_for, shot_type) {
                ("", _) => Value::Null,
                (_, Some(t)) => Value::from(text(&t, "id")),
                (_, None) => {
                    return Err(DataError::BadRequest(format!(
                        "Task type not found for {ready_for}"
                    )));
                }
            };
            fields.insert("ready_for".into(), ready);
        }
        let changes = self.task_changes(cells)?;
        // An asset found and not updated keeps its tasks as they are, but gets those it lacks.
        let apply = existing.is_none() || self.update;
        let asset = match existing {
            None => {
                fields.insert("name".into(), Value::from(name));
                if let Some(episode) = &episode {
                    fields.insert("episode_id".into(), Value::from(episode.as_str()));
                }
                let ready = fields.remove("ready_for");
                let made = new_asset(self.d, &self.project_id, &type_id, &fields)?;
                match ready {
                    Some(ready) => self.d.update(
                        names::ASSETS,
                        text(&made, "id"),
                        json!({"ready_for": ready}),
                    )?,
                    None => made,
                }
            }
            Some(found) if self.update => {
                self.d
                    .update(names::ASSETS, text(&found, "id"), Value::Object(fields))?
            }
            Some(found) => found,
        };
        let changes = if apply { &changes[..] } else { &[][..] };
        self.tasks(text(&asset, "id"), changes)?;
        Ok(asset)
    }

    fn shot(&mut self, cells: &Cells<'_>) -> Result<Row, DataError> {
        let episode = if self.tv_show {
            Some(self.episode(cells.required("Episode")?)?)
        } else {
            None
        };
        let sequence_name = cells.required("Sequence")?;
        let name = cells.required("Name")?;
        let mut body = Row::new();
        body.insert("name".into(), Value::from(sequence_name));
        if let Some(episode) = &episode {
            body.insert("episode_id".into(), Value::from(episode.as_str()));
        }
        let sequence = new_temporal(self.d, &self.project_id, names::SEQUENCES, &body)?;
        let existing = self.d.find(
            names::SHOTS,
            &[
                ("project_id", &self.project_id),
                ("name", name),
                ("parent_id", text(&sequence, "id")),
            ],
        )?;
        let mut data = existing
            .as_ref()
            .and_then(|e| e.get("data"))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut fields = Row::new();
        if let Some(description) = cells.get("Description") {
            fields.insert("description".into(), Value::from(description));
        }
        let int = |column: &str, value: &str| {
            value.parse::<i64>().map_err(|_| {
                DataError::BadRequest(format!("{column} must be an integer, got '{value}'"))
            })
        };
        if let Some(frames) = cells.first(&["Nb Frames", "Frames"]) {
            fields.insert("nb_frames".into(), Value::from(int("Nb Frames", frames)?));
        }
        if let Some(frame_in) = cells.first(&["Frame In", "In"]) {
            data.insert("frame_in".into(), Value::from(int("Frame In", frame_in)?));
        }
        if let Some(frame_out) = cells.first(&["Frame Out", "Out"]) {
            data.insert(
                "frame_out".into(),
                Value::from(int("Frame Out", frame_out)?),
            );
        }
        if !fields.contains_key("nb_frames")
            && let (Some(a), Some(b)) = (
                data.get("frame_in").and_then(Value::as_i64),
                data.get("frame_out").and_then(Value::as_i64),
            )
            && b > a
        {
            fields.insert("nb_frames".into(), Value::from(b - a + 1));
        }
        for (column, key) in [("FPS", "fps"), ("Resolution", "resolution")] {
            if let Some(value) = cells.get(column) {
                data.insert(key.into(), Value::from(value));
            }
        }
        let data = self.descriptor_values(cells, data)?;
        fields.insert("data".into(), Value::Object(data));
        let changes = self.task_changes(cells)?;
        let apply = existing.is_none() || self.update;
        let shot = match existing {
            None => {
                fields.insert("name".into(), Value::from(name));
                fields.insert("sequence_id".into(), Value::from(text(&sequence, "id")));
                new_temporal(self.d, &self.project_id, names::SHOTS, &fields)?
            }
            Some(found) if self.update => {
                self.d
                    .update(names::SHOTS, text(&found, "id"), Value::Object(fields))?
            }
            Some(found) => found,
        };
        let changes = if apply { &changes[..] } else { &[][..] };
        self.tasks(text(&shot, "id"), changes)?;
        Ok(shot)
    }
}

/// The ids of a row's relation list.
fn ids(row: &Row, field: &str) -> Vec<String> {
    row.get(field)
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// `POST /import/csv/projects/{p}/<assets|shots>[?update=true]` (the production's
/// managers): imports the file, all of it or nothing; answers the entities of its rows.
/// A bad row is refused as `line N: …`.
pub fn import(
    d: &Data,
    project_id: &str,
    kind: Kind,
    csv: &[u8],
    update: bool,
) -> Result<Vec<Row>, DataError> {
    let mut import = Import::new(d, project_id, kind, update)?;
    let sheet = read_sheet(csv)?;
    let mut made = Vec::with_capacity(sheet.rows.len());
    for (line, cells) in &sheet.rows {
        let cells = Cells {
            header: &sheet.header,
            cells,
        };
        let row = match kind {
            Kind::Assets => import.asset(&cells),
            Kind::Shots => import.shot(&cells),
        };
        made.push(row.map_err(|e| match e {
            DataError::BadRequest(m) => DataError::BadRequest(format!("line {line}: {m}")),
            other => other,
        })?);
    }
    Ok(made)
}
