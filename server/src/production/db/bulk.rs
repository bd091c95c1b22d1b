//! What Kitsu's lists do to many rows at once: tasks and entities deleted in batches (with
//! Zou's cancel-before-delete rule for entities), tasks made on one entity for several task
//! types, comments posted on many tasks, entities illustrated by their tasks' last previews,
//! shots' frame counts taken from their movies, and the episode statistics of a TV show.

use super::DataError;
use super::data::{Data, Row, text};
use super::names;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The most ids one batch may name: a whole production's tasks fit, a runaway body does not.
pub const MOST_IN_A_BATCH: usize = 10_000;

/// A bare JSON list of ids, as Kitsu sends to its batch routes; each a UUID as stored.
pub fn id_list(body: &Value, what: &str) -> Result<Vec<String>, DataError> {
    let bad = || DataError::BadRequest(format!("the body must be a list of {what} ids"));
    let list = body.as_array().ok_or_else(bad)?;
    if list.len() > MOST_IN_A_BATCH {
        return Err(DataError::BadRequest(format!(
            "at most {MOST_IN_A_BATCH} {what} ids at once"
        )));
    }
    list.iter()
        .map(|v| {
            v.as_str()
                .and_then(|s| uuid::Uuid::parse_str(s).ok())
                .map(|u| u.hyphenated().to_string())
                .ok_or_else(bad)
        })
        .collect()
}

/// A row of `route`, or `None` when it is gone: batch deletions skip ids already deleted,
/// as Zou's do, so a retried request does not fail half-way.
fn existing(d: &Data, route: super::ModelName, id: &str) -> Result<Option<Row>, DataError> {
    match d.get(route, id) {
        Ok(row) => Ok(Some(row)),
        Err(DataError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

fn strings(d: &Data, sql: &str, params: &[&str]) -> Result<Vec<String>, DataError> {
    let mut stmt = d.conn.prepare_cached(sql)?;
    let found = stmt
        .query_map(rusqlite::params_from_iter(params), |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(found)
}

/// What a batch deletion removed: the rows' ids, and the preview files whose media go
/// from disk once the deletion commits.
#[derive(Debug, Default)]
pub struct Deleted {
    /// The ids removed (or, for entities, removed or canceled).
    pub ids: Vec<String>,
    /// The preview files that went with them.
    pub previews: Vec<String>,
}

/// Deletes one task (which the viewer may delete) with its comments and previews.
fn delete_task(d: &Data, task_id: &str, out: &mut Deleted) -> Result<(), DataError> {
    out.previews.extend(strings(
        d,
        "SELECT id FROM prod_preview_file WHERE task_id = ?",
        &[task_id],
    )?);
    d.delete(names::TASKS, task_id)
}

/// `POST /actions/projects/{p}/delete-tasks`: the listed tasks of this project go, with
/// their comments and previews; ids of other projects' tasks and of tasks already gone are
/// skipped, as Zou does. Answers what went.
pub fn delete_tasks(d: &Data, project_id: &str, ids: &[String]) -> Result<Deleted, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    let project_id = text(&project, "id");
    d.authorize_in_project(names::TASKS, project_id)?;
    let mut out = Deleted::default();
    for id in ids {
        let Some(task) = existing(d, names::TASKS, id)? else {
            continue;
        };
        if text(&task, "project_id") != project_id {
            continue;
        }
        delete_task(d, id, &mut out)?;
        out.ids.push(id.clone());
    }
    Ok(out)
}

/// `DELETE /actions/projects/{p}/task-types/{tt}/delete-tasks`: every task of the type in
/// the project goes.
pub fn delete_tasks_of_type(
    d: &Data,
    project_id: &str,
    task_type_id: &str,
) -> Result<Deleted, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    let task_type = d.get(names::TASK_TYPES, task_type_id)?;
    let ids = strings(
        d,
        "SELECT id FROM prod_task WHERE project_id = ? AND task_type_id = ?",
        &[text(&project, "id"), text(&task_type, "id")],
    )?;
    delete_tasks(d, text(&project, "id"), &ids)
}

/// What kind of entity a row is, for Zou's deletion rules.
fn entity_kind(d: &Data, entity: &Row) -> Result<Option<String>, DataError> {
    let found: Option<String> = rusqlite::OptionalExtension::optional(d.conn.query_row(
        "SELECT name FROM prod_entity_type WHERE id = ?",
        [text(entity, "entity_type_id")],
        |r| r.get(0),
    ))?;
    Ok(match found {
        Some(name) if ["Shot", "Edit", "Concept"].contains(&name.as_str()) => Some(name),
        Some(name) if !super::models::TEMPORAL_TYPES.contains(&name.as_str()) => {
            Some("Asset".into())
        }
        _ => None,
    })
}

/// `POST /actions/projects/{p}/delete-entities[?force=true]`: Zou's rule for each listed
/// asset, shot, edit or concept of the project: one with tasks is canceled the first time
/// (`force` or a second deletion removes it for good, with its tasks); concepts always go.
/// Sequences, episodes, other projects' entities and ids already gone are skipped. Answers
/// the ids acted on.
pub fn delete_entities(
    d: &Data,
    project_id: &str,
    ids: &[String],
    force: bool,
) -> Result<Deleted, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    let project_id = text(&project, "id");
    d.authorize_in_project(names::ENTITIES, project_id)?;
    let mut out = Deleted::default();
    for id in ids {
        let Some(entity) = existing(d, names::ENTITIES, id)? else {
            continue;
        };
        if text(&entity, "project_id") != project_id {
            continue;
        }
        let Some(kind) = entity_kind(d, &entity)? else {
            continue;
        };
        let tasks = strings(d, "SELECT id FROM prod_task WHERE entity_id = ?", &[id])?;
        let canceled = entity.get("canceled").and_then(Value::as_bool) == Some(true);
        let removes = force || canceled || kind == "Concept" || tasks.is_empty();
        if removes {
            for task in &tasks {
                delete_task(d, task, &mut out)?;
            }
            d.delete(names::ENTITIES, id)?;
        } else {
            d.update(names::ENTITIES, id, json!({"canceled": true}))?;
        }
        out.ids.push(id.clone());
    }
    Ok(out)
}

/// `POST /data/entities/{e}/tasks` `{task_type_ids}`: a `main` task of each type on the
/// entity, in the default status; types it already has a task of are skipped. Answers the
/// tasks made.
pub fn create_entity_tasks(d: &Data, entity_id: &str, body: &Row) -> Result<Vec<Row>, DataError> {
    let entity = d.get(names::ENTITIES, entity_id)?;
    let types = body
        .get("task_type_ids")
        .map(|v| id_list(v, "task type"))
        .transpose()?
        .ok_or_else(|| DataError::BadRequest("`task_type_ids` is required".into()))?;
    let mut made = Vec::new();
    for task_type in types {
        let only_this = Map::from_iter([("entity_ids".to_owned(), json!([text(&entity, "id")]))]);
        made.extend(super::breakdown::create_tasks(
            d,
            text(&entity, "project_id"),
            &task_type,
            names::ENTITIES,
            &only_this,
        )?);
    }
    Ok(made)
}

/// The most comments one `comment-many` may post.
const MOST_COMMENTS: usize = 1_000;

/// `POST /actions/projects/{p}/tasks/comment-many`: a comment on each listed task of the
/// project, each `{object_id, task_status_id, comment[, links]}`, with every rule and side
/// effect of a single comment; items missing one of the three are skipped, as Zou does.
/// Answers the comments.
pub fn comment_many(d: &Data, project_id: &str, body: &Value) -> Result<Vec<Row>, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    let items = body
        .as_array()
        .ok_or_else(|| DataError::BadRequest("the body must be a list of comments".into()))?;
    if items.len() > MOST_COMMENTS {
        return Err(DataError::BadRequest(format!(
            "at most {MOST_COMMENTS} comments at once"
        )));
    }
    let mut made = Vec::with_capacity(items.len());
    for item in items {
        let item = item.as_object().ok_or_else(|| {
            DataError::BadRequest("each comment is an object with `object_id`".into())
        })?;
        let (Some(task_id), Some(_), Some(_)) = (
            item.get("object_id").and_then(Value::as_str),
            item.get("task_status_id"),
            item.get("comment"),
        ) else {
            continue;
        };
        let task = d.get(names::TASKS, task_id)?;
        if text(&task, "project_id") != text(&project, "id") {
            return Err(DataError::BadRequest(format!(
                "task {task_id} is not in this project"
            )));
        }
        let mut one = Row::new();
        for key in ["task_status_id", "comment", "links"] {
            if let Some(v) = item.get(key) {
                one.insert(key.to_owned(), v.clone());
            }
        }
        made.push(super::review::comment(d, text(&task, "id"), &one, &[])?);
    }
    Ok(made)
}

/// `PUT /actions/tasks/set-main-preview` `{task_ids}`: each task's last preview illustrates
/// its entity (tasks without a preview are skipped). Answers the entities changed.
pub fn set_main_previews(d: &Data, body: &Row) -> Result<Vec<Row>, DataError> {
    let ids = super::tasks::task_ids(body)?;
    if ids.len() > MOST_IN_A_BATCH {
        return Err(DataError::BadRequest(format!(
            "at most {MOST_IN_A_BATCH} tasks at once"
        )));
    }
    let mut entities = Vec::new();
    for id in ids {
        let task = d.get(names::TASKS, &id)?;
        let last = text(&task, "last_preview_file_id");
        if !last.is_empty() {
            entities.push(super::review::set_main_preview(d, last)?);
        }
    }
    Ok(entities)
}

/// `DELETE /actions/tasks/{t}/comments/{c}/preview-files/{pf}`: one preview of a comment's
/// revision goes (the task's own rules for changing it apply). Answers the preview's id,
/// whose media go from disk once this commits.
pub fn remove_comment_preview(
    d: &Data,
    task_id: &str,
    comment_id: &str,
    preview_id: &str,
) -> Result<String, DataError> {
    let task = d.get(names::TASKS, task_id)?;
    let comment = d.get(names::COMMENTS, comment_id)?;
    let preview = d.get(names::PREVIEW_FILES, preview_id)?;
    let linked: bool = d.conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM prod_comment_preview_link \
         WHERE comment_id = ?1 AND preview_file_id = ?2) \
         OR EXISTS (SELECT 1 FROM prod_comment WHERE id = ?1 AND preview_file_id = ?2)",
        [text(&comment, "id"), text(&preview, "id")],
        |r| r.get(0),
    )?;
    if text(&comment, "object_id") != text(&task, "id") || !linked {
        return Err(DataError::NotFound(format!(
            "preview {preview_id} is not on comment {comment_id} of task {task_id}"
        )));
    }
    d.authorize_row(names::TASKS, &task)?;
    d.delete(names::PREVIEW_FILES, text(&preview, "id"))?;
    // The task's last preview is the newest one left.
    d.conn.execute(
        "UPDATE prod_task SET last_preview_file_id = (SELECT id FROM prod_preview_file \
         WHERE task_id = ?1 ORDER BY revision DESC, position DESC, created_at DESC LIMIT 1) \
         WHERE id = ?1",
        [text(&task, "id")],
    )?;
    d.note_update(names::TASKS, &task)?;
    Ok(text(&preview, "id").to_owned())
}

/// `POST /actions/projects/{p}/task-types/{tt}/set-shot-nb-frames[?episode_id=]`: each
/// shot's frame count becomes the length of its newest movie of this task type, at the
/// project's frame rate. Answers `[{id, nb_frames}]`.
pub fn set_shot_nb_frames(
    d: &Data,
    project_id: &str,
    task_type_id: &str,
    episode_id: Option<&str>,
) -> Result<Vec<Value>, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    let task_type = d.get(names::TASK_TYPES, task_type_id)?;
    d.authorize_in_project(names::ENTITIES, text(&project, "id"))?;
    let fps = project
        .get("fps")
        .and_then(|v| v.as_f64().or_else(|| v.as_str()?.parse().ok()))
        .unwrap_or(25.0);
    let mut stmt = d.conn.prepare_cached(
        "SELECT shot.id, (SELECT pf.duration FROM prod_preview_file AS pf \
           WHERE pf.task_id = t.id AND pf.duration > 0 \
           ORDER BY pf.created_at DESC LIMIT 1) AS duration \
         FROM prod_task AS t \
         JOIN prod_entity AS shot ON shot.id = t.entity_id \
         JOIN prod_entity_type AS ty ON ty.id = shot.entity_type_id AND ty.name = 'Shot' \
         LEFT JOIN prod_entity AS seq ON seq.id = shot.parent_id \
         WHERE t.project_id = ?1 AND t.task_type_id = ?2 \
           AND (?3 IS NULL OR seq.parent_id = ?3)",
    )?;
    let found: Vec<(String, Option<f64>)> = stmt
        .query_map(
            rusqlite::params![text(&project, "id"), text(&task_type, "id"), episode_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
        .collect::<rusqlite::Result<_>>()?;
    let mut updates = Vec::new();
    for (shot, duration) in found {
        let Some(duration) = duration else { continue };
        #[allow(clippy::cast_possible_truncation)] // a movie's frames fit an i64
        let frames = (duration * fps).round() as i64;
        d.update(names::ENTITIES, &shot, json!({"nb_frames": frames}))?;
        updates.push(json!({"id": shot, "nb_frames": frames}));
    }
    Ok(updates)
}

/// One task of a TV show as the episode statistics count it.
struct Counted {
    episode: String,
    task_type: String,
    status: String,
    status_name: String,
    color: String,
    frames: i64,
    drawings: i64,
    retakes: i64,
    done: bool,
    retake: bool,
}

/// The tasks of the project's shots that sit in an episode; a vendor counts only their own.
fn counted_tasks(d: &Data, project_id: &str) -> Result<Vec<Counted>, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    let only_mine = d.viewer.role == drover_shared::Role::Vendor;
    let mut stmt = d.conn.prepare_cached(
        "SELECT ep.id, t.task_type_id, t.task_status_id, st.short_name, st.color, \
                ifnull(e.nb_frames, 0), t.nb_drawings, t.retake_count, st.is_done, st.is_retake \
         FROM prod_task AS t \
         JOIN prod_task_status AS st ON st.id = t.task_status_id \
         JOIN prod_entity AS e ON e.id = t.entity_id \
         JOIN prod_entity AS seq ON seq.id = e.parent_id \
         JOIN prod_entity AS ep ON ep.id = seq.parent_id \
         WHERE t.project_id = ?1 AND (?2 = 0 OR EXISTS (SELECT 1 FROM prod_task_person_link AS a \
               WHERE a.task_id = t.id AND a.person_id = ?3))",
    )?;
    let found = stmt
        .query_map(
            rusqlite::params![text(&project, "id"), only_mine, d.viewer.id.to_string()],
            |r| {
                Ok(Counted {
                    episode: r.get(0)?,
                    task_type: r.get(1)?,
                    status: r.get(2)?,
                    status_name: r.get(3)?,
                    color: r.get(4)?,
                    frames: r.get(5)?,
                    drawings: r.get(6)?,
                    retakes: r.get(7)?,
                    done: r.get(8)?,
                    retake: r.get(9)?,
                })
            },
        )?
        .collect::<rusqlite::Result<_>>()?;
    Ok(found)
}

/// A count of tasks with their shots' frames and drawings.
#[derive(Debug, Default, Clone, serde::Serialize)]
struct Counts {
    count: i64,
    frames: i64,
    drawings: i64,
}

impl Counts {
    fn add(&mut self, t: &Counted) {
        self.count += 1;
        self.frames += t.frames;
        self.drawings += t.drawings;
    }
}

/// The tasks of one status, with the status's short name and colour.
#[derive(Debug, Default, serde::Serialize)]
struct StatusCount {
    name: String,
    color: String,
    #[serde(flatten)]
    counts: Counts,
}

/// `GET /data/projects/{p}/episodes/stats`: task counts (with frames and drawings) by
/// episode, task type and status, with `all` totals per episode, per task type and overall,
/// as Zou's `{episode|all: {task_type|all: {status: {name, color, count, frames, drawings}}}}`.
pub fn episode_stats(d: &Data, project_id: &str) -> Result<Value, DataError> {
    type ByStatus = BTreeMap<String, StatusCount>;
    let mut out: BTreeMap<String, BTreeMap<String, ByStatus>> = BTreeMap::new();
    for t in counted_tasks(d, project_id)? {
        for (a, b) in [
            (t.episode.as_str(), t.task_type.as_str()),
            (t.episode.as_str(), "all"),
            ("all", t.task_type.as_str()),
            ("all", "all"),
        ] {
            let bucket = out
                .entry(a.to_owned())
                .or_default()
                .entry(b.to_owned())
                .or_default()
                .entry(t.status.clone())
                .or_insert_with(|| StatusCount {
                    name: t.status_name.clone(),
                    color: t.color.clone(),
                    counts: Counts::default(),
                });
            bucket.counts.add(&t);
        }
    }
    Ok(json!(out))
}

/// One take's tasks: done, in retake, or neither.
#[derive(Debug, Default, Clone, serde::Serialize)]
struct Take {
    done: Counts,
    retake: Counts,
    other: Counts,
}

impl Take {
    fn bucket(&mut self, key: &str) -> &mut Counts {
        match key {
            "done" => &mut self.done,
            "retake" => &mut self.retake,
            _ => &mut self.other,
        }
    }
}

/// The retake statistics of one episode (or all) and task type (or all).
#[derive(Debug, Default, serde::Serialize)]
struct Retakes {
    max_retake_count: i64,
    evolution: BTreeMap<String, Take>,
    #[serde(flatten)]
    now: Take,
}

/// `GET /data/projects/{p}/episodes/retake-stats`: per episode and task type (and `all`),
/// the tasks done, in retake and other, the most retakes any had, and the evolution take
/// by take (at take N a task counts as retake if it had at least N retakes), as Zou's.
pub fn episode_retake_stats(d: &Data, project_id: &str) -> Result<Value, DataError> {
    let tasks = counted_tasks(d, project_id)?;
    let mut out: BTreeMap<String, BTreeMap<String, Retakes>> = BTreeMap::new();
    out.entry("all".into())
        .or_default()
        .entry("all".into())
        .or_default();
    for t in &tasks {
        let key = if t.done {
            "done"
        } else if t.retake {
            "retake"
        } else {
            "other"
        };
        for (a, b) in [
            ("all", "all"),
            ("all", t.task_type.as_str()),
            (t.episode.as_str(), "all"),
            (t.episode.as_str(), t.task_type.as_str()),
        ] {
            let e = out
                .entry(a.to_owned())
                .or_default()
                .entry(b.to_owned())
                .or_default();
            e.max_retake_count = e.max_retake_count.max(t.retakes);
            e.now.bucket(key).add(t);
        }
    }
    for t in &tasks {
        for (a, b) in [
            (t.episode.as_str(), "all"),
            (t.episode.as_str(), t.task_type.as_str()),
        ] {
            let e = out
                .entry(a.to_owned())
                .or_default()
                .entry(b.to_owned())
                .or_default();
            for take in 1..=e.max_retake_count {
                let key = if t.retakes > 0 && take <= t.retakes {
                    "retake"
                } else if t.done {
                    "done"
                } else {
                    "other"
                };
                e.evolution
                    .entry(take.to_string())
                    .or_default()
                    .bucket(key)
                    .add(t);
            }
        }
    }
    Ok(json!(out))
}

/// `GET /data/entities/{e}/preview-files`: every preview of the entity's tasks, by task
/// type name, newest revision first, then position.
pub fn entity_previews(d: &Data, entity_id: &str) -> Result<Vec<Row>, DataError> {
    let entity = d.get(names::ENTITIES, entity_id)?;
    let ids = strings(
        d,
        "SELECT pf.id FROM prod_preview_file AS pf \
         JOIN prod_task AS t ON t.id = pf.task_id \
         JOIN prod_task_type AS tt ON tt.id = t.task_type_id \
         WHERE t.entity_id = ? ORDER BY tt.name, pf.revision DESC, pf.position",
        &[text(&entity, "id")],
    )?;
    let mut previews = Vec::with_capacity(ids.len());
    for id in ids {
        // Read as the viewer: a client does not see previews of comments kept from clients.
        if let Some(row) = existing(d, names::PREVIEW_FILES, &id)? {
            previews.push(row);
        }
    }
    Ok(previews)
}
