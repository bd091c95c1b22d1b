//! Output files (what a task publishes: caches, textures, renders) and where they go: the
//! project's file tree turns `<Project>/shots/<Sequence>/<Shot>/…` templates into paths, as
//! Kitsu's file trees do.

use super::DataError;
use super::data::{Data, Row, text};
use super::names;
use serde_json::{Value, json};

/// The file status new output files get (seeded by the migration).
const DEFAULT_FILE_STATUS: &str = "3c1e3b0e-8a33-4a43-9d57-5a8c8f000301";

/// Where an output file belongs.
pub struct Target<'a> {
    /// The entity it is for (an asset instance's asset).
    pub entity: &'a Row,
    /// The asset instance, for instance outputs.
    pub instance: Option<&'a Row>,
    /// The shot or scene the instance output is for.
    pub temporal: Option<&'a Row>,
}

fn body_str<'b>(body: &'b Row, field: &str) -> Option<&'b str> {
    body.get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// `POST /data/entities/{e}/output-files/new` and the asset-instance form: a new output file
/// at the next revision (unless given), with its path from the project's file tree. 400 when
/// the same file exists, the output type or person is unknown, or the project has no tree.
pub fn new_output_file(d: &Data, target: &Target, body: &Row) -> Result<Row, DataError> {
    let output_type = body_str(body, "output_type_id")
        .ok_or_else(|| DataError::BadRequest("`output_type_id` is required".into()))?;
    let output_type = d
        .get(names::OUTPUT_TYPES, output_type)
        .map_err(|_| DataError::BadRequest("Given output type not found".into()))?;
    let task_type = body_str(body, "task_type_id")
        .ok_or_else(|| DataError::BadRequest("`task_type_id` is required".into()))?;
    let task_type = d.get(names::TASK_TYPES, task_type)?;
    let person = match body_str(body, "person_id") {
        Some(id) => text(
            &d.get(names::PERSONS, id)
                .map_err(|_| DataError::BadRequest("Given person not found".into()))?,
            "id",
        )
        .to_owned(),
        None => d.viewer.id.to_string(),
    };
    let name = body_str(body, "name").unwrap_or("main");
    let representation = body_str(body, "representation").unwrap_or("");
    let entity_id = text(target.entity, "id");
    let instance_id = target.instance.map(|i| text(i, "id"));
    let temporal_id = target.temporal.map(|t| text(t, "id"));
    let latest: i64 = d.conn.query_row(
        "SELECT ifnull(max(revision), 0) FROM prod_output_file WHERE entity_id = ?1 \
         AND output_type_id = ?2 AND task_type_id = ?3 AND name = ?4 \
         AND asset_instance_id IS ?5 AND temporal_entity_id IS ?6",
        rusqlite::params![
            entity_id,
            text(&output_type, "id"),
            text(&task_type, "id"),
            name,
            instance_id,
            temporal_id
        ],
        |r| r.get(0),
    )?;
    let revision = match body.get("revision").and_then(Value::as_i64) {
        Some(r) if r >= 1 => r,
        _ => latest + 1,
    };
    let exists = d
        .conn
        .prepare_cached(
            "SELECT 1 FROM prod_output_file WHERE entity_id = ?1 AND output_type_id = ?2 \
             AND task_type_id = ?3 AND name = ?4 AND representation = ?5 AND revision = ?6 \
             AND asset_instance_id IS ?7 AND temporal_entity_id IS ?8",
        )?
        .exists(rusqlite::params![
            entity_id,
            text(&output_type, "id"),
            text(&task_type, "id"),
            name,
            representation,
            revision,
            instance_id,
            temporal_id
        ])?;
    if exists {
        return Err(DataError::BadRequest(
            "The given output file already exists.".into(),
        ));
    }
    let project = d.get(names::PROJECTS, text(target.entity, "project_id"))?;
    let tree = project
        .get("file_tree")
        .and_then(|t| t.get("output"))
        .filter(|t| t.is_object())
        .ok_or_else(|| DataError::BadRequest("No tree can be found for given project.".into()))?;
    let tokens = Tokens {
        d,
        project: &project,
        target,
        task_type: text(&task_type, "name"),
        output_type: text(&output_type, "name"),
        revision,
        name,
        representation,
    };
    let folder_path = tokens.render(tree, "folder_path", true)?;
    let file_name = tokens.render(tree, "file_name", false)?;
    let sep = super::rules::path_separator(body_str(body, "sep"))?;
    let extension = body_str(body, "extension").unwrap_or("");
    super::rules::plain_extension("extension", extension)?;
    let mut made = json!({
        "name": name,
        "entity_id": entity_id,
        "asset_instance_id": instance_id,
        "temporal_entity_id": temporal_id,
        "output_type_id": text(&output_type, "id"),
        "task_type_id": text(&task_type, "id"),
        "person_id": person,
        "revision": revision,
        "representation": representation,
        "extension": extension,
        "comment": body_str(body, "comment").unwrap_or(""),
        "nb_elements": body.get("nb_elements").and_then(Value::as_i64).unwrap_or(1),
        "file_status_id": body_str(body, "file_status_id").unwrap_or(DEFAULT_FILE_STATUS),
        "path": format!("{folder_path}{sep}{file_name}{extension}"),
    });
    if let Some(working) = body_str(body, "working_file_id") {
        made["source_file_id"] = Value::from(working);
    }
    let mut row = d.create(names::OUTPUT_FILES, made)?;
    row.insert("folder_path".into(), Value::from(folder_path));
    row.insert("file_name".into(), Value::from(file_name));
    Ok(row)
}

/// The values a file-tree template's `<Token>`s stand for.
struct Tokens<'a, 'b> {
    d: &'a Data<'b>,
    project: &'a Row,
    target: &'a Target<'a>,
    task_type: &'a str,
    output_type: &'a str,
    revision: i64,
    name: &'a str,
    representation: &'a str,
}

impl Tokens<'_, '_> {
    /// Renders `tree[part][<kind>]` (folder paths get the tree's mount point and root).
    fn render(&self, tree: &Value, part: &str, folder: bool) -> Result<String, DataError> {
        let kind = self.kind()?;
        let section = &tree[part];
        let template = section[kind.as_str()]
            .as_str()
            .or_else(|| {
                (kind == "instance")
                    .then(|| section["asset"].as_str())
                    .flatten()
            })
            .ok_or_else(|| {
                DataError::BadRequest(format!("the project's file tree has no {part}.{kind}"))
            })?;
        let mut out = template.to_owned();
        for (token, value) in self.values()? {
            out = out.replace(&format!("<{token}>"), &super::casting::slug(&value));
        }
        out = match section["style"].as_str() {
            Some("lowercase") => out.to_lowercase(),
            Some("uppercase") => out.to_uppercase(),
            _ => out,
        };
        if folder {
            let prefix: Vec<&str> = [tree["mountpoint"].as_str(), tree["root"].as_str()]
                .into_iter()
                .flatten()
                .filter(|s| !s.is_empty())
                .collect();
            if !prefix.is_empty() {
                out = format!("{}/{out}", prefix.join("/"));
            }
        }
        Ok(out)
    }

    /// The template key: `shot`, `asset`, `sequence`, `episode`, `scene`, `edit` or
    /// `instance`.
    fn kind(&self) -> Result<String, DataError> {
        if self.target.instance.is_some() {
            return Ok("instance".into());
        }
        let type_name = self.type_name(self.target.entity)?;
        Ok(
            if super::models::TEMPORAL_TYPES.contains(&type_name.as_str()) {
                type_name.to_lowercase()
            } else {
                "asset".into()
            },
        )
    }

    fn type_name(&self, entity: &Row) -> Result<String, DataError> {
        Ok(self.d.conn.query_row(
            "SELECT name FROM prod_entity_type WHERE id = ?",
            [text(entity, "entity_type_id")],
            |r| r.get(0),
        )?)
    }

    fn parent_name(&self, entity: &Row) -> Result<(String, String), DataError> {
        let parent = text(entity, "parent_id");
        if parent.is_empty() {
            return Ok((String::new(), String::new()));
        }
        let parent = self.d.get(names::ENTITIES, parent)?;
        let grand = text(&parent, "parent_id");
        let grand = if grand.is_empty() {
            String::new()
        } else {
            text(&self.d.get(names::ENTITIES, grand)?, "name").to_owned()
        };
        Ok((text(&parent, "name").to_owned(), grand))
    }

    fn values(&self) -> Result<Vec<(&'static str, String)>, DataError> {
        let entity = self.target.entity;
        let shot = self.target.temporal.unwrap_or(entity);
        let (sequence, episode) = self.parent_name(shot)?;
        let mut values = vec![
            ("Project", text(self.project, "name").to_owned()),
            ("TaskType", self.task_type.to_owned()),
            ("OutputType", self.output_type.to_owned()),
            ("Revision", format!("{:03}", self.revision)),
            ("Version", format!("{:03}", self.revision)),
            ("Name", self.name.to_owned()),
            ("Representation", self.representation.to_owned()),
            ("Sequence", sequence),
            ("Episode", episode),
            ("Shot", text(shot, "name").to_owned()),
            ("Scene", text(shot, "name").to_owned()),
            ("TempEntity", text(shot, "name").to_owned()),
            ("Asset", text(entity, "name").to_owned()),
            ("AssetType", self.type_name(entity)?),
        ];
        if let Some(instance) = self.target.instance {
            values.push(("Instance", text(instance, "name").to_owned()));
            values.push((
                "InstanceNumber",
                format!(
                    "{:04}",
                    instance.get("number").and_then(Value::as_i64).unwrap_or(0)
                ),
            ));
        }
        Ok(values)
    }
}

/// `GET /data/entities/{e}/output-types`: the output types the entity has files of, by name.
pub fn entity_output_types(d: &Data, entity_id: &str) -> Result<Vec<Row>, DataError> {
    let entity = d.get(names::ENTITIES, entity_id)?;
    let mut stmt = d.conn.prepare_cached(
        "SELECT DISTINCT o.id, o.name FROM prod_output_type AS o \
         JOIN prod_output_file AS f ON f.output_type_id = o.id \
         WHERE f.entity_id = ? OR f.temporal_entity_id = ?1 ORDER BY o.name",
    )?;
    let ids = stmt
        .query_map([text(&entity, "id")], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    ids.iter()
        .map(|id| d.get(names::OUTPUT_TYPES, id))
        .collect()
}
