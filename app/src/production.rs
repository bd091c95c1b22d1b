//! Production (Kitsu) tasks as the app shows them: the one a job renders for (Job view), and
//! the person's own open tasks, which the submit dialog offers so a render lands on its shot
//! without anyone copying an id.

use drover_shared::ProductionTaskId;
use drover_shared::api::{OpenProductionTask, ProductionTaskDetail};

/// A production (Kitsu) task as the Job view shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductionTask {
    /// Its Kitsu id.
    pub id: ProductionTaskId,
    /// Project, entity and task type: "Film · SH010 · Lighting".
    pub title: String,
    /// Its status's name.
    pub status: String,
    /// Comments on it.
    pub comments: usize,
}

impl ProductionTask {
    /// The task as `GET /data/tasks/{id}/full` gave it, with its comment count.
    pub fn new(full: &ProductionTaskDetail, comments: usize) -> Self {
        Self {
            id: full.id,
            title: full.title(),
            status: full.task_status.name.clone(),
            comments,
        }
    }
}

/// One of the person's tasks, as the submit dialog lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MyTask {
    /// Its Kitsu id.
    pub id: ProductionTaskId,
    /// Its project's name; the farm names the same project the same way.
    pub project: String,
    /// Sequence, entity and task type: "SQ01 / SH010 · Lighting".
    pub title: String,
    /// Its status's short name, e.g. `wip`.
    pub status: String,
}

impl From<OpenProductionTask> for MyTask {
    fn from(task: OpenProductionTask) -> Self {
        let entity = match task.sequence_name.as_str() {
            "" => task.entity_name,
            sequence => format!("{sequence} / {}", task.entity_name),
        };
        Self {
            id: task.id,
            project: task.project_name,
            title: format!("{entity} · {}", task.task_type_name),
            status: task.task_status_short_name,
        }
    }
}

impl MyTask {
    /// The label in the list: "Film · SQ01 / SH010 · Lighting (wip)".
    pub fn label(&self) -> String {
        format!("{} · {} ({})", self.project, self.title, self.status)
    }
}

/// The person's open tasks as the app knows them; a new ask keeps the last list on show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum MyTasks {
    /// Not asked for yet.
    #[default]
    NotAsked,
    /// Asked for; the previous list meanwhile.
    Pending(Vec<MyTask>),
    /// The list as the server gave it.
    Ready(Vec<MyTask>),
    /// Why the last ask failed, and the list before it.
    Failed(String, Vec<MyTask>),
}

impl MyTasks {
    /// The tasks known, however old.
    pub fn tasks(&self) -> &[MyTask] {
        match self {
            Self::NotAsked => &[],
            Self::Pending(tasks) | Self::Ready(tasks) | Self::Failed(_, tasks) => tasks,
        }
    }

    /// A new ask went out.
    pub fn ask(&mut self) {
        *self = Self::Pending(std::mem::take(self).into_tasks());
    }

    /// The answer came.
    pub fn settle(&mut self, answer: Result<Vec<MyTask>, String>) {
        *self = match answer {
            Ok(tasks) => Self::Ready(tasks),
            Err(e) => Self::Failed(e, std::mem::take(self).into_tasks()),
        };
    }

    fn into_tasks(self) -> Vec<MyTask> {
        match self {
            Self::NotAsked => Vec::new(),
            Self::Pending(tasks) | Self::Ready(tasks) | Self::Failed(_, tasks) => tasks,
        }
    }
}

/// The Kitsu task id in what a person pasted: the id itself, or the address of a Kitsu task
/// page, where the id follows `tasks` (`…/productions/<project>/shots/tasks/<task>`, also
/// with `/previews/<preview>` after it).
pub fn task_id_in(pasted: &str) -> Option<ProductionTaskId> {
    let pasted = pasted.trim();
    if let Ok(found) = pasted.parse() {
        return Some(found);
    }
    let path = pasted.split(['?', '#']).next().unwrap_or("");
    let mut parts = path.split('/');
    parts.find(|part| *part == "tasks")?;
    parts.next().and_then(|id| id.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_ask_keeps_the_last_list_on_show() {
        let task = MyTask {
            id: ProductionTaskId(uuid::Uuid::nil()),
            project: "Film".into(),
            title: "SH010 · Lighting".into(),
            status: "wip".into(),
        };
        let mut mine = MyTasks::default();
        mine.ask();
        assert_eq!(mine, MyTasks::Pending(Vec::new()));
        mine.settle(Ok(vec![task.clone()]));
        mine.ask();
        assert_eq!(mine.tasks(), std::slice::from_ref(&task));
        mine.settle(Err("gone".into()));
        assert_eq!(mine, MyTasks::Failed("gone".into(), vec![task]));
    }

    #[test]
    fn a_task_id_is_read_from_the_id_or_a_kitsu_address() {
        let id = "6f1c1f44-2f4f-4a8e-9d1a-1c1f2f3f4f5f";
        let task_id_in = |text: &str| task_id_in(text).map(|id| id.to_string());
        assert_eq!(task_id_in(&format!(" {id} ")).as_deref(), Some(id));
        assert_eq!(
            task_id_in(&id.to_uppercase()).as_deref(),
            Some(id),
            "ids are compared as Kitsu writes them"
        );
        let project = "0d5a0e9c-4b35-4a2c-8f0e-2b9d8a7c6e5f";
        let url = format!("https://kitsu.studio/productions/{project}/shots/tasks/{id}?section=x");
        assert_eq!(task_id_in(&url).as_deref(), Some(id));
        // A preview opened on the task page: still the task.
        let preview = "9b8f7e6d-5c4b-4a39-8271-605f4e3d2c1b";
        let url = format!(
            "https://kitsu.studio/productions/{project}/shots/tasks/{id}/previews/{preview}"
        );
        assert_eq!(task_id_in(&url).as_deref(), Some(id));
        let url = format!("https://kitsu.studio/productions/{project}/shots/tasks/");
        assert_eq!(task_id_in(&url), None);
        // A shot's page names no task.
        let shot = format!("https://kitsu.studio/productions/{project}/shots/{id}");
        assert_eq!(task_id_in(&shot), None);
        assert_eq!(task_id_in("SH010"), None);
    }

    #[test]
    fn my_tasks_read_as_sequence_shot_and_type() {
        let id = "6f1c1f44-2f4f-4a8e-9d1a-1c1f2f3f4f5f";
        let row = serde_json::json!({"id": id, "project_name": "Film",
            "sequence_name": "SQ01", "entity_name": "SH010", "task_type_name": "Lighting",
            "task_status_short_name": "wip"});
        let task = MyTask::from(serde_json::from_value::<OpenProductionTask>(row).unwrap());
        assert_eq!(task.label(), "Film · SQ01 / SH010 · Lighting (wip)");
        let row = serde_json::json!({"id": id, "project_name": "Film",
            "entity_name": "Hero", "task_type_name": "Modeling",
            "task_status_short_name": "todo"});
        let task = MyTask::from(serde_json::from_value::<OpenProductionTask>(row).unwrap());
        assert_eq!(task.title, "Hero · Modeling");
    }
}
