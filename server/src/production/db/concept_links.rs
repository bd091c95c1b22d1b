//! Concepts linked to the entities they are for, as Kitsu's Concepts page links them: a
//! concept's `entity_concept_links` lists the assets (or other entities) it is a concept
//! of, written with the concept (`PUT /data/entities/{concept}`), and an entity's page
//! lists the concepts linked to it with their tasks (Zou's `entity_concept_link` and
//! `get_linked_entities_with_tasks`).

use super::data::{Data, Row, text};
use super::{DataError, ListQuery, breakdown, names};
use rusqlite::Connection;
use serde_json::Value;

/// The most entities one concept links: far above any real concept's.
pub const MAX_LINKS: usize = 1_000;

/// Refuses links to entities of another production (or to none): a concept links only
/// within its own production.
pub fn check_targets(conn: &Connection, owner: &str, targets: &[String]) -> Result<(), DataError> {
    if targets.len() > MAX_LINKS {
        return Err(DataError::BadRequest(format!(
            "a concept links at most {MAX_LINKS} entities"
        )));
    }
    let mut same_project = conn.prepare_cached(
        "SELECT 1 FROM prod_entity AS t JOIN prod_entity AS o ON o.project_id = t.project_id \
         WHERE t.id = ?1 AND o.id = ?2",
    )?;
    for target in targets {
        if !same_project.exists([target.as_str(), owner])? {
            return Err(DataError::BadRequest(format!(
                "entity {target} is not in the concept's production"
            )));
        }
    }
    Ok(())
}

/// `GET /data/entities/{e}/entities-linked/with-tasks`: the entities linked to `e` (the
/// concepts of an asset), each as the with-tasks lists give it (its type, production name,
/// frames and links) with its tasks and their assignees. Those the person may not read are
/// left out.
pub fn linked_with_tasks(d: &Data, entity_id: &str) -> Result<Vec<Row>, DataError> {
    let entity = d.get(names::ENTITIES, entity_id)?;
    let ids = d
        .conn
        .prepare_cached(
            "SELECT entity_in_id FROM prod_entity_concept_link WHERE entity_out_id = ? \
             ORDER BY entity_in_id",
        )?
        .query_map([text(&entity, "id")], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut linked = Vec::with_capacity(ids.len());
    for id in ids {
        let Ok(mut row) = d.get(names::ENTITIES, &id) else {
            continue;
        };
        breakdown::entity_kind(d, &mut row)?;
        let project: String = d.conn.query_row(
            "SELECT name FROM projects WHERE uuid = ?",
            [text(&row, "project_id")],
            |r| r.get(0),
        )?;
        row.insert("project_name".into(), Value::from(project));
        let data = row.get("data").cloned().unwrap_or(Value::Null);
        for field in ["fps", "frame_in", "frame_out"] {
            row.insert(
                field.into(),
                data.get(field).cloned().unwrap_or(Value::Null),
            );
        }
        let query = ListQuery {
            relations: true,
            ..ListQuery::filtered(&[("entity_id", &id)])
        };
        let tasks = d.query(names::TASKS, &query)?;
        row.insert(
            "tasks".into(),
            Value::Array(tasks.into_iter().map(Value::Object).collect()),
        );
        linked.push(row);
    }
    Ok(linked)
}
