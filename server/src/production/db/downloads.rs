//! The names previews are downloaded under, as Zou gives them: the uploaded file's own name
//! when the studio asks for it, otherwise `project_entity_tasktype_vN[-position].ext`.

use super::DataError;
use super::data::{Data, Row, text};
use super::names;
use rusqlite::OptionalExtension;

/// Lower case ASCII letters and digits, every other run of characters one `_`.
pub(super) fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_owned()
}

/// The name a preview (as the viewer reads it) is downloaded under.
pub fn download_name(d: &Data, preview: &Row) -> Result<String, DataError> {
    let task = d.get(names::TASKS, text(preview, "task_id"))?;
    let use_original: bool = d
        .conn
        .query_row(
            "SELECT use_original_file_name FROM prod_organisation LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(false);
    let original = text(preview, "original_name");
    let extension = text(preview, "extension");
    let mut name = if use_original && !original.is_empty() {
        // The uploader's name, without its own extension (ours follows).
        let stem = original.rsplit_once('.').map_or(original, |(stem, _)| stem);
        slug(stem)
    } else {
        // The entity's full name: its sequence's (and episode's) or its asset type's first.
        let (project, entity, task_type): (String, String, String) = d.conn.query_row(
            "SELECT p.name, \
                    CASE WHEN ty.name IN ('Shot', 'Scene') THEN \
                         ifnull(ep.name || '_', '') || ifnull(seq.name || '_', '') || e.name \
                         WHEN ty.name IN ('Sequence', 'Episode', 'Edit', 'Concept') THEN e.name \
                         ELSE ty.name || '_' || e.name END, \
                    tt.name \
             FROM prod_task AS t \
             JOIN projects AS p ON p.uuid = t.project_id \
             JOIN prod_entity AS e ON e.id = t.entity_id \
             JOIN prod_entity_type AS ty ON ty.id = e.entity_type_id \
             LEFT JOIN prod_entity AS seq ON seq.id = e.parent_id \
             LEFT JOIN prod_entity AS ep ON ep.id = seq.parent_id \
             JOIN prod_task_type AS tt ON tt.id = t.task_type_id \
             WHERE t.id = ?",
            [text(&task, "id")],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let revision = preview.get("revision").and_then(serde_json::Value::as_i64);
        slug(&format!(
            "{project}_{entity}_{task_type}_v{}",
            revision.unwrap_or(1)
        ))
    };
    let position = preview
        .get("position")
        .and_then(serde_json::Value::as_i64)
        .unwrap_or(1);
    if position > 1 {
        name = format!("{name}-{position}");
    }
    if name.is_empty() {
        name = "preview".into();
    }
    Ok(format!("{name}.{}", slug(extension)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn slugs_keep_letters_and_digits_only() {
        assert_eq!(super::slug("Big Buck / SH010 (v2)"), "big_buck_sh010_v2");
        assert_eq!(super::slug("../../etc/passwd"), "etc_passwd");
        assert_eq!(super::slug("\"quote\"\r\nX-Header: 1"), "quote_x_header_1");
    }
}
