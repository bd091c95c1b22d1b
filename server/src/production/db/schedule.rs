//! A production's schedule as Kitsu's task type pages read it: one schedule item per task
//! type the production has tasks of, made when missing.

use super::DataError;
use super::data::{Data, Row, text};
use super::names;
use crate::production::rules;
use serde_json::{Value, json};

/// The entity kinds a task type schedule covers (concepts have none), as Zou.
const SCHEDULED: [&str; 5] = ["Asset", "Shot", "Sequence", "Episode", "Edit"];

/// `GET /data/projects/{p}/schedule-items/task-types`: the schedule items of the task types
/// the project has tasks of (only those of its settings, when it lists task types), each
/// made when missing (from today to tomorrow), by start date. As Zou, anyone on the team but
/// vendors reads them, and so makes the missing ones.
pub fn task_type_items(d: &Data, project_id: &str) -> Result<Vec<Row>, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    rules::may_read_schedule(d.viewer.role)?;
    let project_id = text(&project, "id").to_owned();
    let settings: Vec<&str> = project
        .get("task_types")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut stmt = d.conn.prepare_cached(
        "SELECT DISTINCT tt.id, tt.for_entity FROM prod_task AS t \
         JOIN prod_task_type AS tt ON tt.id = t.task_type_id WHERE t.project_id = ?",
    )?;
    let task_types: Vec<String> = stmt
        .query_map([&project_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .filter(|(id, kind)| {
            SCHEDULED.contains(&kind.as_str())
                && (settings.is_empty() || settings.contains(&id.as_str()))
        })
        .map(|(id, _)| id)
        .collect();
    // The schedule is the managers' to change; reading it completes it, whoever reads.
    let whole = Data {
        conn: d.conn,
        schema: d.schema,
        viewer: &super::admin_view(d.viewer),
        live: d.live,
    };
    let mut items: Vec<Row> = whole
        .list(names::SCHEDULE_ITEMS, &[("project_id", &project_id)])?
        .into_iter()
        .filter(|item| text(item, "object_id").is_empty())
        .collect();
    let today = time::OffsetDateTime::now_utc().date();
    let tomorrow = today.next_day().unwrap_or(today);
    for task_type in &task_types {
        if !items.iter().any(|i| text(i, "task_type_id") == task_type) {
            items.push(whole.create(
                names::SCHEDULE_ITEMS,
                json!({
                    "project_id": project_id,
                    "task_type_id": task_type,
                    "start_date": today.to_string(),
                    "end_date": tomorrow.to_string(),
                }),
            )?);
        }
    }
    // A task type taken out of the settings keeps its item, hidden until it comes back.
    items.retain(|item| {
        let task_type = text(item, "task_type_id");
        task_type.is_empty() || task_types.iter().any(|t| t == task_type)
    });
    items.sort_by(|a, b| text(a, "start_date").cmp(text(b, "start_date")));
    Ok(items)
}
