//! List queries: which query-string keys filter, and the WHERE clauses for a model's rows, the
//! viewer's projects and the filters.

use super::models::{self, Access, Model, Rows, Scope};
use super::schema::{self, Schema};
use super::{DataError, Viewer};
use rusqlite::types::Value as SqlValue;
use serde_json::Value;

/// Query-string keys that are not filters.
const RESERVED: &[&str] = &["relations", "page", "limit", "fields", "force", "sort_by"];

/// A parsed list query: filters, relations and paging.
#[derive(Debug, Default, Clone)]
pub struct ListQuery {
    /// `field=value` pairs, a field repeated meaning any of its values.
    pub filters: Vec<(String, String)>,
    /// Include many-to-many fields.
    pub relations: bool,
    /// 1-based page, when paging.
    pub page: Option<u32>,
    /// Rows per page.
    pub limit: u32,
}

/// Rows per page when a page is asked for without a limit.
pub const DEFAULT_PAGE_LIMIT: u32 = 100;

/// Most rows a page may hold: a page is built whole before it is sent.
pub const MAX_PAGE_LIMIT: u32 = 10_000;

impl ListQuery {
    /// Splits query-string pairs into filters and options.
    pub fn parse(pairs: Vec<(String, String)>) -> Result<Self, DataError> {
        let mut query = Self {
            limit: DEFAULT_PAGE_LIMIT,
            ..Self::default()
        };
        for (key, value) in pairs {
            match key.as_str() {
                "relations" => {
                    query.relations =
                        schema::parse_bool(&Value::from(value.as_str())) == Some(true);
                }
                "page" => {
                    query.page = Some(value.parse::<u32>().ok().filter(|p| *p > 0).ok_or_else(
                        || {
                            DataError::BadRequest(format!(
                                "`page` is a page number from 1 to {}, not {value}",
                                u32::MAX
                            ))
                        },
                    )?);
                }
                "limit" => {
                    query.limit = value
                        .parse::<u32>()
                        .ok()
                        .filter(|l| (1..=MAX_PAGE_LIMIT).contains(l))
                        .ok_or_else(|| {
                            DataError::BadRequest(format!(
                                "`limit` is a number of rows from 1 to {MAX_PAGE_LIMIT}, not \
                                 {value}"
                            ))
                        })?;
                }
                k if RESERVED.contains(&k) => {}
                _ => query.filters.push((key, value)),
            }
        }
        Ok(query)
    }

    /// A query with these filters.
    pub fn filtered(filters: &[(&str, &str)]) -> Self {
        Self {
            filters: filters
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            limit: DEFAULT_PAGE_LIMIT,
            ..Self::default()
        }
    }
}

/// A WHERE clause under construction.
#[derive(Default)]
pub(super) struct Where {
    pub(super) sql: String,
    pub(super) params: Vec<SqlValue>,
}

impl Where {
    pub(super) fn and(&mut self, clause: &str) {
        self.sql.push_str(if self.sql.is_empty() {
            " WHERE "
        } else {
            " AND "
        });
        self.sql.push_str(clause);
    }

    pub(super) fn placeholders(&mut self, values: Vec<SqlValue>) -> String {
        let marks = vec!["?"; values.len()].join(", ");
        self.params.extend(values);
        marks
    }
}

pub(super) const TEAM: &str =
    "(SELECT project_id FROM prod_project_person_link WHERE person_id = ?)";

pub(super) fn rows_clause(model: &Model, w: &mut Where) {
    match model.rows {
        Rows::All => {}
        Rows::EntitiesOfType(kind) => {
            w.and("t.entity_type_id = (SELECT id FROM prod_entity_type WHERE name = ?)");
            w.params.push(SqlValue::Text(kind.into()));
        }
        Rows::Assets => {
            let marks = w.placeholders(temporal_params());
            w.and(&format!(
                "t.entity_type_id NOT IN (SELECT id FROM prod_entity_type WHERE name IN ({marks}))"
            ));
        }
        Rows::AssetTypes => {
            let marks = w.placeholders(temporal_params());
            w.and(&format!("t.name NOT IN ({marks})"));
        }
    }
}

fn temporal_params() -> Vec<SqlValue> {
    models::TEMPORAL_TYPES
        .iter()
        .map(|n| SqlValue::Text((*n).into()))
        .collect()
}

/// Limits rows to what the viewer may read; 403 when the model is closed to them.
pub(super) fn scope_clause(model: &Model, viewer: &Viewer, w: &mut Where) -> Result<(), DataError> {
    if model.access == Access::ManagersOnly && !viewer.sees_all_projects() {
        return Err(DataError::Forbidden(format!(
            "only managers and admins may read {}",
            model.route
        )));
    }
    if model.access == Access::AdminsOnly && !viewer.is_admin() {
        return Err(DataError::Forbidden(format!(
            "only admins may read {}",
            model.route
        )));
    }
    if model.access == Access::AdminWritesNoVendors && viewer.role == drover_shared::Role::Vendor {
        return Err(DataError::Forbidden(format!(
            "vendors may not read {}",
            model.route
        )));
    }
    let me = || SqlValue::Text(viewer.id.to_string());
    match model.scope {
        Scope::Studio => {}
        Scope::Person => {
            if !viewer.is_admin() {
                w.and("t.person_id = ?");
                w.params.push(me());
            }
        }
        _ if viewer.sees_all_projects() => {}
        Scope::Project => {
            w.and(&format!("t.uuid IN {TEAM}"));
            w.params.push(me());
        }
        Scope::ProjectColumn(column) => {
            w.and(&format!("t.{column} IN {TEAM}"));
            w.params.push(me());
        }
        Scope::TaskColumn(column) => {
            w.and(&format!(
                "t.{column} IN (SELECT id FROM prod_task WHERE project_id IN {TEAM})"
            ));
            w.params.push(me());
        }
        Scope::EntityColumn(column) => {
            w.and(&format!(
                "t.{column} IN (SELECT id FROM prod_entity WHERE project_id IN {TEAM})"
            ));
            w.params.push(me());
        }
        Scope::CommentColumn(column) => {
            w.and(&format!(
                "t.{column} IN (SELECT c.id FROM prod_comment AS c JOIN prod_task AS k \
                 ON k.id = c.object_id WHERE k.project_id IN {TEAM})"
            ));
            w.params.push(me());
        }
    }
    Ok(())
}

/// Adds the filters of a list query; a filter on a column the viewer may not see is refused
/// as an unknown field (400), so it cannot be used to guess the column's values.
pub(super) fn filter_clause(
    schema: &Schema,
    model: &Model,
    viewer: &Viewer,
    filters: &[(String, String)],
    w: &mut Where,
) -> Result<(), DataError> {
    let table = schema.table(model.table);
    let mut grouped: Vec<(&str, Vec<&str>)> = Vec::new();
    for (key, value) in filters {
        match grouped.iter_mut().find(|(k, _)| k == key) {
            Some((_, values)) => values.push(value),
            None => grouped.push((key, vec![value])),
        }
    }
    for (field, texts) in grouped {
        // `[a, b]` is Kitsu's way of saying "any of".
        let texts: Vec<String> = if texts.len() == 1 && texts[0].starts_with('[') {
            serde_json::from_str::<Vec<Value>>(texts[0])
                .map_err(|_| DataError::BadRequest(format!("`{field}`: malformed list")))?
                .into_iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect()
        } else {
            texts.into_iter().map(str::to_owned).collect()
        };
        if let Some(relation) = model.relation(field) {
            let values = texts.into_iter().map(SqlValue::Text).collect();
            let marks = w.placeholders(values);
            w.and(&format!(
                "t.{} IN (SELECT {} FROM {} WHERE {} IN ({marks}))",
                model.id_column, relation.owner, relation.table, relation.target
            ));
            continue;
        }
        if model.table == "users" && field == "full_name" {
            let marks = w.placeholders(texts.into_iter().map(SqlValue::Text).collect());
            w.and(&format!(
                "trim(t.first_name || ' ' || t.last_name) COLLATE NOCASE IN ({marks})"
            ));
            continue;
        }
        let column_name = if field == "id" {
            model.id_column
        } else {
            model.column_for(field)
        };
        let column = table
            .column(column_name)
            .filter(|c| field == "id" || model.shows(&c.name))
            .filter(|c| {
                viewer.is_admin()
                    || !model.is_private(&c.name)
                    || model.lookups.contains(&c.name.as_str())
            })
            .ok_or_else(|| unknown_field(model, field))?;
        let mut values = Vec::with_capacity(texts.len());
        for text in &texts {
            values.push(schema::text_to_sql(column, text)?);
        }
        if values.len() == 1 && values[0] == SqlValue::Null {
            w.and(&format!("t.{column_name} IS NULL"));
            continue;
        }
        // Kitsu matches names case-insensitively.
        let collate = if column_name == "name" {
            " COLLATE NOCASE"
        } else {
            ""
        };
        let marks = w.placeholders(values);
        w.and(&format!("t.{column_name}{collate} IN ({marks})"));
    }
    Ok(())
}

pub(super) fn unknown_field(model: &Model, field: &str) -> DataError {
    DataError::BadRequest(format!("`{field}` is not a field of {}", model.route))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<ListQuery, DataError> {
        ListQuery::parse(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn pages_and_limits_stay_in_range() {
        let max = MAX_PAGE_LIMIT.to_string();
        let over = (MAX_PAGE_LIMIT + 1).to_string();
        let page_max = u32::MAX.to_string();
        let page_over = (u64::from(u32::MAX) + 1).to_string();
        let ok = parse(&[("page", &page_max), ("limit", &max)]).unwrap();
        assert_eq!((ok.page, ok.limit), (Some(u32::MAX), MAX_PAGE_LIMIT));
        assert_eq!(
            parse(&[("page", "1"), ("limit", "1")]).unwrap().page,
            Some(1)
        );
        for (key, value) in [
            ("page", "0"),
            ("page", "-1"),
            ("page", page_over.as_str()),
            ("page", "99999999999999999999"),
            ("page", "1.5"),
            ("page", ""),
            ("limit", "0"),
            ("limit", "-5"),
            ("limit", over.as_str()),
            ("limit", "99999999999999999999"),
        ] {
            assert!(
                matches!(parse(&[(key, value)]), Err(DataError::BadRequest(_))),
                "{key}={value}"
            );
        }
    }
}
