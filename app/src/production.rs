//! Production (Kitsu) tasks as the app shows them: the one a job renders for (Job view), and
//! the person's own open tasks, which the submit dialog offers so a render lands on its shot
//! without anyone copying an id.

use crate::backend::Msg;
use crate::session::readable;
use drover_shared::Client;

/// A production (Kitsu) task as the Job view shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductionTask {
    /// Its Kitsu id.
    pub id: String,
    /// Project, entity and task type: "Film · SH010 · Lighting".
    pub title: String,
    /// Its status's name.
    pub status: String,
    /// Comments on it.
    pub comments: usize,
}

impl ProductionTask {
    /// Reads `GET /data/tasks/{id}/full` and the task's comment list.
    pub fn from_full(full: &serde_json::Value, comments: usize) -> Self {
        let text = |v: &serde_json::Value| v.as_str().unwrap_or("").to_owned();
        let mut parts = vec![text(&full["project"]["name"])];
        if let Some(sequence) = full["sequence"]["name"].as_str() {
            parts.push(sequence.to_owned());
        }
        parts.push(text(&full["entity"]["name"]));
        parts.push(text(&full["task_type"]["name"]));
        Self {
            id: text(&full["id"]),
            title: parts
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(" · "),
            status: text(&full["task_status"]["name"]),
            comments,
        }
    }
}

/// One of the person's tasks, as the submit dialog lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MyTask {
    /// Its Kitsu id.
    pub id: String,
    /// Its project's name; the farm names the same project the same way.
    pub project: String,
    /// Sequence, entity and task type: "SQ01 / SH010 · Lighting".
    pub title: String,
    /// Its status's short name, e.g. `wip`.
    pub status: String,
}

impl MyTask {
    /// Reads one row of `GET /data/user/tasks`.
    pub fn from_row(row: &serde_json::Map<String, serde_json::Value>) -> Self {
        let text = |field: &str| row.get(field).and_then(|v| v.as_str()).unwrap_or("");
        let entity = match (text("sequence_name"), text("entity_name")) {
            ("", entity) => entity.to_owned(),
            (sequence, entity) => format!("{sequence} / {entity}"),
        };
        Self {
            id: text("id").to_owned(),
            project: text("project_name").to_owned(),
            title: format!("{entity} · {}", text("task_type_name")),
            status: text("task_status_short_name").to_owned(),
        }
    }

    /// The label in the list: "Film · SQ01 / SH010 · Lighting (wip)".
    pub fn label(&self) -> String {
        format!("{} · {} ({})", self.project, self.title, self.status)
    }
}

/// Fetches the person's open tasks (Kitsu's to-do list), for the submit dialog.
pub async fn fetch_my_tasks(client: Client) -> Msg {
    let tasks = client.my_production_tasks().await.map(|rows| {
        let mut tasks: Vec<MyTask> = rows.iter().map(MyTask::from_row).collect();
        tasks.sort_by(|a, b| (&a.project, &a.title).cmp(&(&b.project, &b.title)));
        tasks
    });
    Msg::MyTasks(tasks.map_err(|e| readable(&e)))
}

/// The Kitsu task id in what a person pasted: the id itself, or a Kitsu page's address, whose
/// last id is the task's (`…/productions/<project>/shots/tasks/<task>`).
pub fn task_id_in(pasted: &str) -> Option<String> {
    let pasted = pasted.trim();
    if let Ok(id) = uuid::Uuid::parse_str(pasted) {
        return Some(id.hyphenated().to_string());
    }
    let path = pasted.split(['?', '#']).next().unwrap_or("");
    path.rsplit('/')
        .find_map(|part| uuid::Uuid::try_parse(part).ok())
        .map(|id| id.hyphenated().to_string())
        .filter(|_| path.contains("/tasks/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_id_is_read_from_the_id_or_a_kitsu_address() {
        let id = "6f1c1f44-2f4f-4a8e-9d1a-1c1f2f3f4f5f";
        assert_eq!(task_id_in(&format!(" {id} ")).as_deref(), Some(id));
        assert_eq!(
            task_id_in(&id.to_uppercase()).as_deref(),
            Some(id),
            "ids are compared as Kitsu writes them"
        );
        let project = "0d5a0e9c-4b35-4a2c-8f0e-2b9d8a7c6e5f";
        let url = format!("https://kitsu.studio/productions/{project}/shots/tasks/{id}?section=x");
        assert_eq!(task_id_in(&url).as_deref(), Some(id));
        // A shot's page names no task.
        let shot = format!("https://kitsu.studio/productions/{project}/shots/{id}");
        assert_eq!(task_id_in(&shot), None);
        assert_eq!(task_id_in("SH010"), None);
    }

    #[test]
    fn my_tasks_read_as_sequence_shot_and_type() {
        let row = serde_json::json!({"id": "t1", "project_name": "Film",
            "sequence_name": "SQ01", "entity_name": "SH010", "task_type_name": "Lighting",
            "task_status_short_name": "wip"});
        let task = MyTask::from_row(row.as_object().unwrap());
        assert_eq!(task.label(), "Film · SQ01 / SH010 · Lighting (wip)");
        let row = serde_json::json!({"id": "t2", "project_name": "Film",
            "entity_name": "Hero", "task_type_name": "Modeling",
            "task_status_short_name": "todo"});
        assert_eq!(
            MyTask::from_row(row.as_object().unwrap()).title,
            "Hero · Modeling"
        );
    }
}
