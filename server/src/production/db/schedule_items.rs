//! A task type's schedule broken down, as Kitsu's production schedule opens it: one
//! schedule item per asset type, sequence, episode or edit of the production for that task
//! type, the missing ones made as they are read (from today to tomorrow), each with the
//! name of what it schedules.

use super::DataError;
use super::data::{Data, Row, text};
use super::names;
use crate::production::rules;
use serde_json::{Value, json};

/// What a task type's schedule is broken down by: `/schedule-items/{tt}/<kind>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breakdown {
    /// The asset types the production has assets of.
    AssetTypes,
    /// Its sequences.
    Sequences,
    /// Its episodes.
    Episodes,
    /// Its edits that are not canceled.
    Edits,
}

impl Breakdown {
    /// The breakdowns, as URLs name them.
    pub const ROUTES: &'static [&'static str] = &["asset-types", "sequences", "episodes", "edits"];

    /// The breakdown a URL names.
    pub fn from_route(route: &str) -> Option<Self> {
        match route {
            "asset-types" => Some(Self::AssetTypes),
            "sequences" => Some(Self::Sequences),
            "episodes" => Some(Self::Episodes),
            "edits" => Some(Self::Edits),
            _ => None,
        }
    }
}

/// The `(id, name)` of what is scheduled, in the production (and the episode, when given).
fn scheduled(
    d: &Data,
    project: &str,
    kind: Breakdown,
    episode: Option<&str>,
) -> Result<Vec<(String, String)>, DataError> {
    let sql = match kind {
        // Assets of an episode are those it owns (`source_id`), as Zou schedules them.
        Breakdown::AssetTypes => {
            "SELECT DISTINCT et.id, et.name FROM prod_entity AS e \
             JOIN prod_entity_type AS et ON et.id = e.entity_type_id \
             WHERE e.project_id = :project \
             AND et.name NOT IN ('Episode', 'Sequence', 'Shot', 'Scene', 'Edit', 'Concept') \
             AND (:episode IS NULL OR e.source_id = :episode)"
        }
        Breakdown::Sequences => {
            "SELECT e.id, e.name FROM prod_entity AS e \
             JOIN prod_entity_type AS et ON et.id = e.entity_type_id \
             WHERE e.project_id = :project AND et.name = 'Sequence' \
             AND (:episode IS NULL OR e.parent_id = :episode)"
        }
        Breakdown::Episodes => {
            "SELECT e.id, e.name FROM prod_entity AS e \
             JOIN prod_entity_type AS et ON et.id = e.entity_type_id \
             WHERE e.project_id = :project AND et.name = 'Episode' \
             AND (:episode IS NULL OR e.id = :episode)"
        }
        Breakdown::Edits => {
            "SELECT e.id, e.name FROM prod_entity AS e \
             JOIN prod_entity_type AS et ON et.id = e.entity_type_id \
             WHERE e.project_id = :project AND et.name = 'Edit' AND NOT e.canceled \
             AND (:episode IS NULL OR e.parent_id = :episode)"
        }
    };
    let mut stmt = d.conn.prepare_cached(sql)?;
    let found = stmt
        .query_map(
            rusqlite::named_params! { ":project": project, ":episode": episode },
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(found)
}

/// `GET /data/projects/{p}/schedule-items/{task_type}/{asset-types|sequences|episodes|edits}
/// [?episode_id=]`: the task type's items for each of them, made when missing, by name. As
/// Zou, anyone on the team but vendors reads them, and so makes the missing ones.
pub fn items(
    d: &Data,
    project_id: &str,
    task_type_id: &str,
    kind: Breakdown,
    episode_id: Option<&str>,
) -> Result<Vec<Row>, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    rules::may_read_schedule(d.viewer.role)?;
    let project_id = text(&project, "id").to_owned();
    let task_type = d.get(names::TASK_TYPES, task_type_id)?;
    let task_type_id = text(&task_type, "id").to_owned();
    let episode = episode_id
        .map(|e| super::plan::uuid_text("episode_id", e))
        .transpose()?;
    let wanted = scheduled(d, &project_id, kind, episode.as_deref())?;
    // The schedule is the managers' to change; reading it completes it, whoever reads.
    let whole = Data {
        conn: d.conn,
        schema: d.schema,
        viewer: &super::admin_view(d.viewer),
        live: d.live,
    };
    let existing = whole.list(
        names::SCHEDULE_ITEMS,
        &[("project_id", &project_id), ("task_type_id", &task_type_id)],
    )?;
    let today = time::OffsetDateTime::now_utc().date();
    let tomorrow = today.next_day().unwrap_or(today);
    let mut items = Vec::with_capacity(wanted.len());
    for (object, name) in wanted {
        let found = existing.iter().find(|i| text(i, "object_id") == object);
        let mut item = match found {
            Some(item) => item.clone(),
            None => whole.create(
                names::SCHEDULE_ITEMS,
                json!({
                    "project_id": project_id,
                    "task_type_id": task_type_id,
                    "object_id": object,
                    "start_date": today.to_string(),
                    "end_date": tomorrow.to_string(),
                }),
            )?,
        };
        item.insert("name".into(), Value::from(name));
        items.push(item);
    }
    items.sort_by(|a, b| text(a, "name").cmp(text(b, "name")));
    Ok(items)
}
