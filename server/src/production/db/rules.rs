//! The checks some models add to their access class ([`super::Access`]): whose name a row
//! is written in (its author), which task statuses artists and vendors may set on a comment,
//! and which values are plain names rather than path pieces. Every write goes through them,
//! the generic `/data/<model>` routes and the named ones alike, so `POST /data/comments`
//! keeps the rules of `POST /actions/tasks/{t}/comment`. The decisions are Kitsu's rules in
//! [`crate::production::rules`]; this module reads the values and rows they need.

use super::DataError;
use super::access::Viewer;
use super::models::Model;
use crate::production::rules::{self, StatusFlags};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension};

/// A row's column values, as a write holds them.
type Columns = [(String, SqlValue)];

/// Longest extension taken (`.tar.gz`, `.exr`, `.bgeo.sc` are far shorter).
pub const EXTENSION_MAX_CHARS: usize = 32;

fn value<'a>(columns: &'a Columns, name: &str) -> Option<&'a SqlValue> {
    columns.iter().find(|(c, _)| c == name).map(|(_, v)| v)
}

fn text<'a>(columns: &'a Columns, name: &str) -> Option<&'a str> {
    match value(columns, name) {
        Some(SqlValue::Text(t)) => Some(t),
        _ => None,
    }
}

/// Checks a new row and fills its author with the viewer when the body names none.
pub(super) fn check_create(
    conn: &Connection,
    model: &Model,
    viewer: &Viewer,
    columns: &mut Vec<(String, SqlValue)>,
) -> Result<(), DataError> {
    check_plain(model, columns)?;
    if let Some(author) = model.author {
        match value(columns, author) {
            None | Some(SqlValue::Null) => {
                columns.retain(|(c, _)| c != author);
                columns.push((author.into(), SqlValue::Text(viewer.id.to_string())));
            }
            Some(_) => rules::may_write_as(
                viewer.role,
                text(columns, author).is_some_and(|a| viewer.is(a)),
                model.route.as_str(),
            )?,
        }
    }
    if model.table == "prod_comment" && !rules::speaks_for_others(viewer.role) {
        if value(columns, "for_client").is_some_and(|v| *v != SqlValue::Integer(0)) {
            rules::may_comment_for_client(viewer.role)?;
        }
        if let Some(status) = text(columns, "task_status_id") {
            let current: Option<String> = match text(columns, "object_id") {
                Some(task) => conn
                    .query_row(
                        "SELECT task_status_id FROM prod_task WHERE id = ?",
                        [task],
                        |r| r.get(0),
                    )
                    .optional()?,
                None => None,
            };
            may_set_status(conn, viewer, status, current.as_deref())?;
        }
    }
    Ok(())
}

/// Checks a change of an `existing` row to `columns` (the fields the body sets).
pub(super) fn check_update(
    conn: &Connection,
    model: &Model,
    viewer: &Viewer,
    existing: &Columns,
    columns: &Columns,
) -> Result<(), DataError> {
    check_plain(model, columns)?;
    if rules::speaks_for_others(viewer.role) {
        return Ok(());
    }
    check_author(model, viewer, existing)?;
    if let Some(author) = model.author
        && value(columns, author).is_some()
    {
        rules::may_write_as(
            viewer.role,
            text(columns, author).is_some_and(|a| viewer.is(a)),
            model.route.as_str(),
        )?;
    }
    if model.table == "prod_comment" {
        let changes = |field: &str| {
            value(columns, field).is_some_and(|new| Some(new) != value(existing, field))
        };
        if changes("object_id") {
            rules::may_move_comment(viewer.role)?;
        }
        if changes("for_client") {
            rules::may_comment_for_client(viewer.role)?;
        }
        if let Some(status) = text(columns, "task_status_id") {
            may_set_status(conn, viewer, status, text(existing, "task_status_id"))?;
        }
    }
    Ok(())
}

/// Checks that the viewer may remove an `existing` row.
pub(super) fn check_delete(
    model: &Model,
    viewer: &Viewer,
    existing: &Columns,
) -> Result<(), DataError> {
    check_author(model, viewer, existing)
}

/// Only a row's author (or a manager or admin) changes or removes it.
fn check_author(model: &Model, viewer: &Viewer, existing: &Columns) -> Result<(), DataError> {
    match model.author {
        Some(author) => check_author_id(model, viewer, text(existing, author)),
        None => Ok(()),
    }
}

/// Fails with 403 unless the viewer is the row's `author` or speaks for others (for a
/// model with an author; others pass).
pub(super) fn check_author_id(
    model: &Model,
    viewer: &Viewer,
    author: Option<&str>,
) -> Result<(), DataError> {
    if model.author.is_none() {
        return Ok(());
    }
    Ok(rules::may_change_authored(
        viewer.role,
        author.is_some_and(|a| viewer.is(a)),
        model.kind,
    )?)
}

/// Kitsu's status rule ([`rules::may_set_status`]) for setting the status `status_id` on a
/// task whose status is `current`: reads the status's flags when the rule needs them.
pub fn may_set_status(
    conn: &Connection,
    viewer: &Viewer,
    status_id: &str,
    current: Option<&str>,
) -> Result<(), DataError> {
    let keeps_current = current == Some(status_id);
    if rules::sets_any_status(viewer.role) || keeps_current {
        return Ok(());
    }
    let found: Option<(String, bool)> = conn
        .prepare_cached("SELECT name, is_artist_allowed FROM prod_task_status WHERE id = ?")?
        .query_row([status_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let flags = found.as_ref().map(|(name, is_artist_allowed)| StatusFlags {
        name,
        is_artist_allowed: *is_artist_allowed,
    });
    Ok(rules::may_set_status(viewer.role, keeps_current, flags)?)
}

/// The model's plain-name columns, and the `path` of files rows, as they are written.
fn check_plain(model: &Model, columns: &Columns) -> Result<(), DataError> {
    for (column, value) in columns {
        let SqlValue::Text(text) = value else {
            continue;
        };
        if model.plain.contains(&column.as_str()) {
            plain_extension(column, text)?;
        } else if column == "path" && model.author.is_some() {
            no_climbing(column, text)?;
        }
    }
    Ok(())
}

/// An extension as a plain name: empty, or parts of letters, digits, `_`, `+` and `-`
/// joined by single dots, with at most one leading dot (`.abc`, `tar.gz`), at most
/// [`EXTENSION_MAX_CHARS`] characters. Nothing that climbs or crosses a folder (`/`, `\`,
/// `..`, NUL) gets through: 400.
pub fn plain_extension(field: &str, value: &str) -> Result<(), DataError> {
    let body = value.strip_prefix('.').unwrap_or(value);
    let plain = value.chars().count() <= EXTENSION_MAX_CHARS
        && (value.is_empty()
            || body.split('.').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '-'))
            }));
    if plain {
        Ok(())
    } else {
        Err(DataError::BadRequest(format!(
            "`{field}` must be a plain extension such as `.exr` or `abc` (letters, digits, \
             `_`, `+`, `-` and single dots, at most {EXTENSION_MAX_CHARS} characters), not \
             {value:?}"
        )))
    }
}

/// The separator of an output file's path (Zou's `sep`): `/` or `\`, the platform's; `/`
/// when none is given. Anything else is a path piece: 400.
pub fn path_separator(value: Option<&str>) -> Result<&'static str, DataError> {
    match value {
        None | Some("" | "/") => Ok("/"),
        Some("\\") => Ok("\\"),
        Some(other) => Err(DataError::BadRequest(format!(
            "`sep` is the path separator, `/` or `\\`, not {other:?}"
        ))),
    }
}

/// A stored path a pipeline may write to: no NUL and no `..` part, so it never climbs out
/// of the folder it names.
fn no_climbing(field: &str, value: &str) -> Result<(), DataError> {
    if value.contains('\0') || value.split(['/', '\\']).any(|part| part == "..") {
        return Err(DataError::BadRequest(format!(
            "`{field}` may not contain NUL or `..` parts"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_are_plain_names() {
        for good in [
            "",
            "exr",
            ".exr",
            "tar.gz",
            ".bgeo.sc",
            "c++",
            "a-b_c",
            &"x".repeat(EXTENSION_MAX_CHARS),
            &format!(".{}", "x".repeat(EXTENSION_MAX_CHARS - 1)),
        ] {
            assert!(plain_extension("extension", good).is_ok(), "{good:?}");
        }
        for bad in [
            ".",
            "..",
            "..exr",
            "exr.",
            "a..b",
            "/etc/passwd",
            "exr/../../x",
            "..\\x",
            "a\\b",
            "a\0b",
            " exr",
            "ex r",
            "é",
            &"x".repeat(EXTENSION_MAX_CHARS + 1),
            &format!(".{}", "x".repeat(EXTENSION_MAX_CHARS)),
        ] {
            assert!(
                matches!(
                    plain_extension("extension", bad),
                    Err(DataError::BadRequest(_))
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn separators_are_slashes_only() {
        assert_eq!(path_separator(None).unwrap(), "/");
        assert_eq!(path_separator(Some("")).unwrap(), "/");
        assert_eq!(path_separator(Some("/")).unwrap(), "/");
        assert_eq!(path_separator(Some("\\")).unwrap(), "\\");
        for bad in ["//", "/../", "..", "\0", "\\\\", "_", "/tmp/"] {
            assert!(path_separator(Some(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn paths_never_climb() {
        assert!(no_climbing("path", "/prod/shots/SH010/v001.abc").is_ok());
        assert!(no_climbing("path", "C:\\prod\\a..b\\v001.abc").is_ok());
        for bad in ["/prod/../etc", "..\\x", "a/..", "a\0b"] {
            assert!(no_climbing("path", bad).is_err(), "{bad:?}");
        }
    }
}
