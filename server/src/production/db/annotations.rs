//! What the review room changes on a preview file: its annotations (drawings by time,
//! merged as Zou merges them, told to the project as `preview-file:annotation-update`) and
//! its position among the pictures of its revision.

use super::DataError;
use super::data::{Data, Row, text, texts};
use super::live::{Audience, LiveEvent};
use super::names;
use super::schema::now_text;
use drover_shared::Role;
use serde_json::{Map, Value, json};

/// Whether the viewer is a supervisor of the task type's department (or of every
/// department, having none).
fn supervises(d: &Data, task: &Row) -> Result<bool, DataError> {
    if d.viewer.role != Role::Supervisor {
        return Ok(false);
    }
    let (departments, matching): (i64, i64) = d.conn.query_row(
        "SELECT count(*), ifnull(sum(l.department_id = y.department_id), 0) \
         FROM prod_department_link AS l, prod_task_type AS y \
         WHERE l.person_id = ?1 AND y.id = ?2",
        rusqlite::params![d.viewer.id, text(task, "task_type_id")],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(departments == 0 || matching > 0)
}

/// A body's list field (absent: empty); 400 unless it is a list of objects.
fn objects(body: &Row, field: &str) -> Result<Vec<Map<String, Value>>, DataError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(list)) => list
            .iter()
            .map(|v| {
                v.as_object().cloned().ok_or_else(|| {
                    DataError::BadRequest(format!("`{field}` must be a list of objects"))
                })
            })
            .collect(),
        Some(_) => Err(DataError::BadRequest(format!("`{field}` must be a list"))),
    }
}

/// The key an annotation is merged on: its `time` (a number, `1` and `1.0` alike, or a
/// string); 400 without one.
fn time_key(annotation: &Map<String, Value>, field: &str) -> Result<String, DataError> {
    match annotation.get("time") {
        Some(Value::Number(n)) => Ok(format!("n{}", n.as_f64().unwrap_or_default())),
        Some(Value::String(s)) => Ok(format!("s{s}")),
        _ => Err(DataError::BadRequest(format!(
            "each of `{field}` needs a `time`, a number"
        ))),
    }
}

/// Takes an annotation's drawing objects out (none when it holds no list of them).
fn take_objects(annotation: &mut Map<String, Value>) -> Vec<Value> {
    match annotation
        .get_mut("drawing")
        .and_then(|d| d.get_mut("objects"))
    {
        Some(Value::Array(objects)) => std::mem::take(objects),
        _ => Vec::new(),
    }
}

/// Puts drawing objects back in an annotation, its `drawing` made an object if it was not.
fn put_objects(annotation: &mut Map<String, Value>, objects: Vec<Value>) {
    if let Some(Value::Object(drawing)) = annotation.get_mut("drawing") {
        drawing.insert("objects".into(), Value::Array(objects));
    } else {
        annotation.insert("drawing".into(), json!({ "objects": objects }));
    }
}

/// A drawing object's id; one is given when it has none (or an empty one).
fn ensure_id(object: &mut Value) {
    if let Value::Object(o) = object {
        let missing = match o.get("id") {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.is_empty(),
            Some(_) => false,
        };
        if missing {
            o.insert("id".into(), Value::from(uuid::Uuid::new_v4().to_string()));
        }
    }
}

fn object_id(object: &Value) -> Option<&Value> {
    object.get("id")
}

/// Zou's merge (`update_preview_file_annotations`): additions add the times not annotated
/// yet and the new objects (by id) of those that are; updates replace the objects they
/// name, at their time; deletions drop the objects they name (`{time, objects: [ids]}`);
/// times left without objects go.
pub fn merge(
    previous: Vec<Map<String, Value>>,
    additions: Vec<Map<String, Value>>,
    updates: &[Map<String, Value>],
    deletions: &[Map<String, Value>],
) -> Result<Vec<Map<String, Value>>, DataError> {
    let mut annotations = previous;
    for annotation in &mut annotations {
        let mut objects = take_objects(annotation);
        objects.iter_mut().for_each(ensure_id);
        put_objects(annotation, objects);
    }
    // A stored annotation without a time is kept as it is but never merged into.
    let index = |annotations: &[Map<String, Value>]| -> Map<String, Value> {
        let mut at = Map::new();
        for (i, a) in annotations.iter().enumerate() {
            if let Ok(key) = time_key(a, "annotations") {
                at.insert(key, Value::from(i));
            }
        }
        at
    };
    let slot = |at: &Map<String, Value>, key: &str| {
        at.get(key)
            .and_then(Value::as_u64)
            .and_then(|i| usize::try_from(i).ok())
    };
    // The times annotated before the additions, as Zou indexes them once.
    let at = index(&annotations);
    for mut addition in additions {
        let key = time_key(&addition, "additions")?;
        let mut new_objects = take_objects(&mut addition);
        new_objects.iter_mut().for_each(ensure_id);
        match slot(&at, &key) {
            None => {
                put_objects(&mut addition, new_objects);
                annotations.push(addition);
            }
            Some(i) => {
                let mut objects = take_objects(&mut annotations[i]);
                for object in new_objects {
                    let id = object_id(&object);
                    if !objects.iter().any(|o| object_id(o) == id) {
                        objects.push(object);
                    }
                }
                put_objects(&mut annotations[i], objects);
            }
        }
    }
    let at = index(&annotations);
    for update in updates {
        let Some(i) = slot(&at, &time_key(update, "updates")?) else {
            continue;
        };
        let replacing: Vec<Value> = update
            .get("drawing")
            .and_then(|d| d.get("objects"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let objects = take_objects(&mut annotations[i]);
        let updated_ids: Vec<&Value> = replacing.iter().filter_map(object_id).collect();
        let known: Vec<&Value> = objects.iter().filter_map(object_id).collect();
        let kept: Vec<Value> = replacing
            .iter()
            .filter(|o| object_id(o).is_some_and(|id| known.contains(&id)))
            .cloned()
            .collect();
        let mut result: Vec<Value> = objects
            .iter()
            .filter(|o| object_id(o).is_none_or(|id| !updated_ids.contains(&id)))
            .cloned()
            .collect();
        result.extend(kept);
        put_objects(&mut annotations[i], result);
    }
    for deletion in deletions {
        let Some(i) = slot(&at, &time_key(deletion, "deletions")?) else {
            continue;
        };
        let gone: Vec<Value> = deletion
            .get("objects")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut objects = take_objects(&mut annotations[i]);
        objects.retain(|o| object_id(o).is_none_or(|id| !gone.contains(id)));
        put_objects(&mut annotations[i], objects);
    }
    annotations.retain(|a| {
        a.get("drawing")
            .and_then(|d| d.get("objects"))
            .and_then(Value::as_array)
            .is_some_and(|o| !o.is_empty())
    });
    Ok(annotations)
}

fn index_of(i: u64) -> usize {
    usize::try_from(i).unwrap_or(usize::MAX)
}

/// `PUT /actions/preview-files/{id}/update-annotations` `{additions, updates, deletions}`:
/// managers, clients and the supervisors of the task's department annotate a preview of
/// their project; answers the preview file.
pub fn update_annotations(d: &Data, preview_id: &str, body: &Row) -> Result<Row, DataError> {
    let preview = d.get(names::PREVIEW_FILES, preview_id)?;
    let task = d.get(names::TASKS, text(&preview, "task_id"))?;
    let allowed =
        d.viewer.sees_all_projects() || d.viewer.role == Role::Client || supervises(d, &task)?;
    if !allowed {
        return Err(DataError::Forbidden(
            "only managers, clients and the department's supervisors annotate previews".into(),
        ));
    }
    let additions = objects(body, "additions")?;
    let updates = objects(body, "updates")?;
    let deletions = objects(body, "deletions")?;
    let previous = match preview.get("annotations") {
        Some(Value::Array(list)) => list.iter().filter_map(|a| a.as_object().cloned()).collect(),
        _ => Vec::new(),
    };
    let merged = merge(previous, additions, &updates, &deletions)?;
    let id = text(&preview, "id").to_owned();
    let now = now_text();
    let stored = Value::Array(merged.into_iter().map(Value::Object).collect());
    d.conn.execute(
        "UPDATE prod_preview_file SET annotations = ?, updated_at = ? WHERE id = ?",
        rusqlite::params![stored.to_string(), now, id],
    )?;
    let answer = d.get(names::PREVIEW_FILES, &id)?;
    let project = text(&task, "project_id").to_owned();
    d.note_event(LiveEvent {
        name: "preview-file:annotation-update".into(),
        data: json!({
            "preview_file_id": id,
            "person_id": d.viewer.id.to_string(),
            "updated_at": answer.get("updated_at").cloned().unwrap_or(Value::Null),
            "project_id": project,
        }),
        audience: Audience::Project(project),
    });
    Ok(answer)
}

/// Zou's `check_task_action_access`: managers and clients of the project, the task's
/// assignees, the supervisors of its department, and whoever made its entity.
fn may_act_on_task(d: &Data, task: &Row) -> Result<(), DataError> {
    if d.viewer.sees_all_projects() || d.viewer.role == Role::Client {
        return Ok(());
    }
    let assigned = texts(task, "assignees").any(|p| d.viewer.is(p));
    let maker: Option<String> = d.conn.query_row(
        "SELECT created_by FROM prod_entity WHERE id = ?",
        [text(task, "entity_id")],
        |r| r.get(0),
    )?;
    if assigned || supervises(d, task)? || maker.is_some_and(|m| d.viewer.is(&m)) {
        Ok(())
    } else {
        Err(DataError::Forbidden(
            "only the task's assignees, its department's supervisors, managers and clients \
             reorder its previews"
                .into(),
        ))
    }
}

/// `PUT /actions/preview-files/{id}/update-position` `{position}` (from 1; 0 or past the
/// end changes nothing): moves the picture among those of its revision, which are numbered
/// again from 1; answers them in their order.
pub fn update_position(d: &Data, preview_id: &str, body: &Row) -> Result<Vec<Row>, DataError> {
    let preview = d.get(names::PREVIEW_FILES, preview_id)?;
    let task = d.get(names::TASKS, text(&preview, "task_id"))?;
    may_act_on_task(d, &task)?;
    let position = match body.get("position") {
        None | Some(Value::Null) => 0,
        Some(v) => v.as_u64().ok_or_else(|| {
            DataError::BadRequest("`position` must be a whole number from 0".into())
        })?,
    };
    let id = text(&preview, "id").to_owned();
    let mut ids: Vec<String> = d
        .conn
        .prepare_cached(
            "SELECT id FROM prod_preview_file WHERE task_id = ? AND revision = ? \
             ORDER BY position, created_at",
        )?
        .query_map(
            rusqlite::params![
                text(&task, "id"),
                preview.get("revision").and_then(Value::as_i64)
            ],
            |r| r.get(0),
        )?
        .collect::<rusqlite::Result<_>>()?;
    let count = u64::try_from(ids.len()).unwrap_or(u64::MAX);
    if position > 0 && position <= count {
        ids.retain(|p| *p != id);
        ids.insert(index_of(position - 1), id);
        let now = now_text();
        for (i, p) in ids.iter().enumerate() {
            d.conn.execute(
                "UPDATE prod_preview_file SET position = ?, updated_at = ? WHERE id = ?",
                rusqlite::params![i + 1, now, p],
            )?;
        }
    }
    ids.iter().map(|p| d.get(names::PREVIEW_FILES, p)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(value: &Value) -> Vec<Map<String, Value>> {
        value
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_object().unwrap().clone())
            .collect()
    }

    fn ids(annotation: &Map<String, Value>) -> Vec<&str> {
        annotation["drawing"]["objects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap())
            .collect()
    }

    #[test]
    fn annotations_merge_by_time_and_objects_by_id() {
        let previous = rows(&json!([
            {"time": 1, "frame": 24, "drawing": {"objects": [{"id": "a", "x": 1}, {"x": 2}]}},
        ]));
        let additions = rows(&json!([
            {"time": 1.0, "drawing": {"objects": [{"id": "a", "x": 9}, {"id": "b"}]}},
            {"time": 2, "frame": 48, "drawing": {"objects": [{"type": "path"}]}},
        ]));
        let merged = merge(previous, additions, &[], &[]).unwrap();
        assert_eq!(merged.len(), 2);
        let first = ids(&merged[0]);
        assert_eq!((first[0], first.len(), first[2]), ("a", 3, "b"));
        assert_eq!(
            merged[0]["drawing"]["objects"][0]["x"], 1,
            "never overwritten"
        );
        assert!(!ids(&merged[1])[0].is_empty(), "an id is given");
        let given = first[1].to_owned();

        let updates = rows(&json!([
            {"time": 1, "drawing": {"objects": [{"id": "a", "x": 5}, {"id": "zz"}]}},
            {"time": 7, "drawing": {"objects": [{"id": "b"}]}},
        ]));
        let deletions = rows(&json!([{"time": 2, "objects": [ids(&merged[1])[0]]}]));
        let merged = merge(merged.clone(), Vec::new(), &updates, &deletions).unwrap();
        assert_eq!(merged.len(), 1, "the emptied time goes");
        assert_eq!(ids(&merged[0]), vec![given.as_str(), "b", "a"]);
        assert_eq!(merged[0]["drawing"]["objects"][2]["x"], 5);
        assert!(matches!(
            merge(Vec::new(), rows(&json!([{"frame": 3}])), &[], &[]),
            Err(DataError::BadRequest(_))
        ));
    }
}
