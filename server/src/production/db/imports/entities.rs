//! Kitsu's CSV imports of a production's assets, shots and edits (the production wizard's
//! "Add assets" and "Add shots" steps, and the Import buttons of the Assets, Shots and Edits
//! pages), read as Zou reads them: one row per entity, named by `Name` under its `Type`
//! (assets), its `Sequence` (shots, and `Episode` in a TV show) or its optional `Episode`
//! (edits), with the optional `Description`, `Resolution`, `FPS`, `Frame In`/`Frame Out`/
//! `Nb Frames`, `Ready for`, a column per metadata descriptor, and per task type of the
//! production its status, `<type> comment` and `<type> assignations`.
//!
//! An entity that exists is left alone unless `?update=true`; either way it gets the
//! production's tasks it lacks.

use super::super::breakdown::{self, new_asset, new_temporal};
use super::super::names::{self, ModelName};
use super::super::{DataError, review};
use super::{Cells, Kind, People, Request, descriptor_values, each_row, ids, read_sheet};
use crate::production::db::data::{Data, Row, text};
use serde_json::{Value, json};

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
    people: People,
}

impl<'a> Import<'a> {
    fn new(d: &'a Data<'a>, project_id: &str, kind: Kind, update: bool) -> Result<Self, DataError> {
        let project = d.get(names::PROJECTS, project_id)?;
        let project_id = text(&project, "id").to_owned();
        let (route, for_entity) = match kind {
            Kind::Shots => (names::SHOTS, "Shot"),
            Kind::Edits => (names::EDITS, "Edit"),
            _ => (names::ASSETS, "Asset"),
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
            people: People::default(),
        })
    }

    /// A person named by full name, e-mail or id.
    fn person(&mut self, name: &str) -> Result<String, DataError> {
        self.people.find(self.d, name)
    }

    /// `data` with the row's metadata cells written over it, in their stored form.
    fn descriptor_values(&mut self, cells: &Cells<'_>, data: Row) -> Result<Row, DataError> {
        descriptor_values(self.d, &mut self.people, &self.descriptors, cells, data)
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
            Kind::Shots => names::SHOTS,
            Kind::Edits => names::EDITS,
            _ => names::ASSETS,
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
        let mut data = Self::data_of(existing.as_ref());
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
        self.saved(names::ASSETS, existing, fields, &changes, |mut fields| {
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
                ),
                None => Ok(made),
            }
        })
    }

    /// The row's entity: made by `make` from `fields` when there is none, changed to them
    /// with `?update=true`, else left as it is. A new or updated entity takes the row's task
    /// changes; one left alone only gets the production's tasks it lacks.
    fn saved(
        &self,
        route: ModelName,
        existing: Option<Row>,
        fields: Row,
        changes: &[TaskChange],
        make: impl FnOnce(Row) -> Result<Row, DataError>,
    ) -> Result<Row, DataError> {
        let (entity, changes) = match existing {
            None => (make(fields)?, changes),
            Some(found) if self.update => {
                let id = text(&found, "id").to_owned();
                (self.d.update(route, &id, Value::Object(fields))?, changes)
            }
            Some(found) => (found, &[][..]),
        };
        self.tasks(text(&entity, "id"), changes)?;
        Ok(entity)
    }

    /// The `data` of the entity found, to write the row's values over.
    fn data_of(existing: Option<&Row>) -> Row {
        existing
            .and_then(|e| e.get("data"))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
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
        let mut data = Self::data_of(existing.as_ref());
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
        self.saved(names::SHOTS, existing, fields, &changes, |mut fields| {
            fields.insert("name".into(), Value::from(name));
            fields.insert("sequence_id".into(), Value::from(text(&sequence, "id")));
            new_temporal(self.d, &self.project_id, names::SHOTS, &fields)
        })
    }

    fn edit(&mut self, cells: &Cells<'_>) -> Result<Row, DataError> {
        let name = cells.required("Name")?;
        let episode = match cells.filled("Episode") {
            Some(_) if !self.tv_show => {
                return Err(DataError::BadRequest(
                    "An episode column is present for a production that isn't a TV Show".into(),
                ));
            }
            Some(episode) => Some(self.episode(episode)?),
            None => None,
        };
        let existing = self.d.find(
            names::EDITS,
            &[
                ("project_id", &self.project_id),
                ("name", name),
                ("parent_id", episode.as_deref().unwrap_or("null")),
            ],
        )?;
        let data = Self::data_of(existing.as_ref());
        let data = self.descriptor_values(cells, data)?;
        let mut fields = Row::new();
        if let Some(description) = cells.get("Description") {
            fields.insert("description".into(), Value::from(description));
        }
        fields.insert("data".into(), Value::Object(data));
        let changes = self.task_changes(cells)?;
        self.saved(names::EDITS, existing, fields, &changes, |mut fields| {
            fields.insert("name".into(), Value::from(name));
            if let Some(episode) = &episode {
                fields.insert("episode_id".into(), Value::from(episode.as_str()));
            }
            new_temporal(self.d, &self.project_id, names::EDITS, &fields)
        })
    }
}

/// `POST /import/csv/projects/{p}/<assets|shots|edits>[?update=true]` (the production's
/// managers): imports the file, all of it or nothing; answers the entities of its rows.
pub fn import(d: &Data, request: &Request, csv: &[u8]) -> Result<Vec<Row>, DataError> {
    let mut import = Import::new(d, &request.project_id, request.kind, request.update)?;
    let sheet = read_sheet(csv)?;
    each_row(&sheet, |cells| match request.kind {
        Kind::Shots => import.shot(cells),
        Kind::Edits => import.edit(cells),
        _ => import.asset(cells),
    })
}
