//! Metadata columns on every open production at once, as Kitsu's studio-wide metadata page
//! edits them: added, changed, removed and reordered by field name.

use super::super::DataError;
use super::super::data::{Data, Row, text};
use super::super::names;
use super::{
    change, check_departments, create, entity_type_of, field_name, id_list, new_column, of_type,
    remove_one, set_order,
};

/// The entity types the all-projects routes take (no per-task-type columns).
const ALL_PROJECTS_TYPES: &[&str] = &["Asset", "Shot", "Edit", "Episode", "Sequence", "Project"];

/// The open productions whose columns the all-projects routes change: every one for
/// admins, those of a manager's teams where no other role is set for them.
fn managed_open_projects(d: &Data) -> Result<Vec<String>, DataError> {
    let team = if d.viewer.is_admin() {
        String::new()
    } else {
        " AND p.uuid IN (SELECT project_id FROM prod_project_person_link \
         WHERE person_id = ?1 AND (role IS NULL OR role = 'manager'))"
            .to_owned()
    };
    let sql = format!(
        "SELECT p.uuid FROM projects AS p JOIN prod_project_status AS s \
         ON s.id = p.project_status_id WHERE s.name IN ('Open', 'open', 'Active'){team} \
         ORDER BY p.name"
    );
    let mut stmt = d.conn.prepare_cached(&sql)?;
    let ids = if team.is_empty() {
        stmt.query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?
    } else {
        stmt.query_map([d.viewer.id.to_string()], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?
    };
    Ok(ids)
}

/// The columns of `field_name` and `entity_type` on the given productions.
fn by_field(
    d: &Data,
    projects: &[String],
    entity_type: &str,
    field: &str,
) -> Result<Vec<Row>, DataError> {
    let mut out = Vec::new();
    for project in projects {
        out.extend(d.list(
            names::METADATA_DESCRIPTORS,
            &[
                ("project_id", project),
                ("entity_type", entity_type),
                ("field_name", field),
            ],
        )?);
    }
    Ok(out)
}

/// `POST /data/metadata-descriptors/all-projects` (managers): the column on every open
/// production the person manages that has none of that field. Answers those made.
pub fn add_everywhere(d: &Data, body: &Row) -> Result<Vec<Row>, DataError> {
    let column = new_column(body, ALL_PROJECTS_TYPES)?;
    check_departments(d, &column.departments)?;
    let field = field_name(&column.name);
    let mut made = Vec::new();
    for project in managed_open_projects(d)? {
        if by_field(
            d,
            std::slice::from_ref(&project),
            &column.entity_type,
            &field,
        )?
        .is_empty()
        {
            made.push(create(d, &project, &column, None)?);
        }
    }
    Ok(made)
}

/// `PUT /data/metadata-descriptors/all-projects/{field}` `{entity_type, name, data_type,
/// choices, for_client, departments}` (managers): the column changed on every open
/// production the person manages. Answers those changed.
pub fn update_everywhere(d: &Data, field: &str, body: &Row) -> Result<Vec<Row>, DataError> {
    let entity_type = entity_type_of(body, ALL_PROJECTS_TYPES)?;
    let columns = by_field(d, &managed_open_projects(d)?, &entity_type, field)?;
    columns.iter().map(|c| change(d, c, body)).collect()
}

/// `DELETE /data/metadata-descriptors/all-projects/{field}?entity_type=` (managers): the
/// column and its values removed from every open production the person manages. Answers
/// the ids removed.
pub fn remove_everywhere(
    d: &Data,
    field: &str,
    entity_type: &str,
) -> Result<Vec<String>, DataError> {
    if !ALL_PROJECTS_TYPES.contains(&entity_type) {
        return Err(DataError::BadRequest(format!(
            "Wrong entity type. Please select one of {}.",
            ALL_PROJECTS_TYPES.join(", ")
        )));
    }
    let columns = by_field(d, &managed_open_projects(d)?, entity_type, field)?;
    let mut removed = Vec::with_capacity(columns.len());
    for column in &columns {
        remove_one(d, column)?;
        removed.push(text(column, "id").to_owned());
    }
    Ok(removed)
}

/// `POST /actions/metadata-descriptors/all-projects/reorder` `{entity_type, field_order}`
/// (managers): the same order of fields on every open production the person manages.
pub fn reorder_everywhere(d: &Data, body: &Row) -> Result<Vec<Row>, DataError> {
    let entity_type = entity_type_of(body, ALL_PROJECTS_TYPES)?;
    let fields = id_list(body, "field_order")?;
    let mut out = Vec::new();
    for project in managed_open_projects(d)? {
        let columns = of_type(d, &project, &entity_type)?;
        let ids: Vec<String> = fields
            .iter()
            .filter_map(|f| {
                columns
                    .iter()
                    .find(|c| text(c, "field_name") == f.as_str())
                    .map(|c| text(c, "id").to_owned())
            })
            .collect();
        if !ids.is_empty() {
            out.extend(set_order(d, &project, &entity_type, &ids)?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::field_name;

    #[test]
    fn field_names_are_slugs() {
        assert_eq!(field_name("Walk column"), "walk_column");
        assert_eq!(field_name("  Frame--Range (2) "), "frame_range_2");
        assert_eq!(field_name("???"), "");
    }
}
