//! The production (Kitsu) rows the farm's app reads, typed: the production task a job renders
//! for and the person's open tasks. Only the fields the app shows are read; the rest of
//! Kitsu's row is left to clients that want it whole (`Client::data_get`).

use crate::ids::ProductionTaskId;
use serde::{Deserialize, Deserializer};

/// A null or missing name reads as empty: Kitsu leaves names of rows out or null.
fn text_or_empty<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.unwrap_or_default())
}

/// A row of Kitsu's as a production task's other rows are read: by its name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Named {
    /// Its name, e.g. `SH010`, `Lighting`, `Work In Progress`.
    #[serde(default, deserialize_with = "text_or_empty")]
    pub name: String,
}

/// `GET /data/tasks/{id}/full`: a production task with the rows it hangs off.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProductionTaskDetail {
    /// Its id.
    pub id: ProductionTaskId,
    /// Its project.
    pub project: Named,
    /// Its shot's sequence; none for assets and for shots outside one.
    #[serde(default)]
    pub sequence: Option<Named>,
    /// The shot, asset… it is a task of.
    pub entity: Named,
    /// What kind of work it is, e.g. `Lighting`.
    pub task_type: Named,
    /// Where it is, e.g. `Work In Progress`.
    pub task_status: Named,
}

impl ProductionTaskDetail {
    /// Project, sequence, entity and task type: "Film · SQ01 · SH010 · Lighting", the empty
    /// ones left out.
    pub fn title(&self) -> String {
        let sequence = self.sequence.as_ref().map_or("", |s| s.name.as_str());
        [
            self.project.name.as_str(),
            sequence,
            &self.entity.name,
            &self.task_type.name,
        ]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
    }
}

/// One of `GET /data/user/tasks`: a task of the caller's to do, with the names Kitsu adds.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OpenProductionTask {
    /// Its id.
    pub id: ProductionTaskId,
    /// Its project's name.
    #[serde(default, deserialize_with = "text_or_empty")]
    pub project_name: String,
    /// Its shot's sequence's name; empty for assets.
    #[serde(default, deserialize_with = "text_or_empty")]
    pub sequence_name: String,
    /// The shot's or asset's name.
    #[serde(default, deserialize_with = "text_or_empty")]
    pub entity_name: String,
    /// Its task type's name, e.g. `Lighting`.
    #[serde(default, deserialize_with = "text_or_empty")]
    pub task_type_name: String,
    /// Its status's short name, e.g. `wip`.
    #[serde(default, deserialize_with = "text_or_empty")]
    pub task_status_short_name: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ID: &str = "6f1c1f44-2f4f-4a8e-9d1a-1c1f2f3f4f5f";

    #[test]
    fn a_full_task_reads_its_names_and_leaves_the_rest() {
        let full = json!({"id": ID, "project": {"name": "Film", "id": "p"},
            "sequence": {"name": "SQ01"}, "entity": {"name": "SH010"},
            "task_type": {"name": "Lighting"}, "task_status": {"name": "Work In Progress"},
            "persons": [], "render_jobs": []});
        let task: ProductionTaskDetail = serde_json::from_value(full).unwrap();
        assert_eq!(task.id.to_string(), ID);
        assert_eq!(task.title(), "Film · SQ01 · SH010 · Lighting");
        assert_eq!(task.task_status.name, "Work In Progress");
        let asset = json!({"id": ID, "project": {"name": "Film"}, "entity": {"name": null},
            "task_type": {"name": "Modeling"}, "task_status": {}});
        let task: ProductionTaskDetail = serde_json::from_value(asset).unwrap();
        assert_eq!(task.title(), "Film · Modeling");
        assert_eq!(task.task_status.name, "");
    }

    #[test]
    fn an_open_task_reads_nulls_as_empty_and_refuses_a_bad_id() {
        let row = json!({"id": ID, "project_name": "Film", "sequence_name": null,
            "entity_name": "Hero", "task_type_name": "Modeling", "task_status_short_name": "todo"});
        let task: OpenProductionTask = serde_json::from_value(row).unwrap();
        assert_eq!(
            (task.sequence_name.as_str(), task.entity_name.as_str()),
            ("", "Hero")
        );
        let bad = json!({"id": "SH010", "project_name": "Film"});
        assert!(serde_json::from_value::<OpenProductionTask>(bad).is_err());
    }
}
