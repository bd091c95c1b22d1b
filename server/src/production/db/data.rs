//! [`Data`]: the generic operations bound to one connection, schema and viewer, so that the
//! named Kitsu routes (breakdown, tasks, reviews…) read as a sequence of model calls that
//! keep every field check and permission rule of `/data/<model>`.

use super::live::{self, Change, LiveEvent};
use super::{DataError, ListQuery, Model, ModelName, Schema, Viewer, by_name};
use rusqlite::Connection;
use rusqlite::types::Value as SqlValue;
use serde_json::Value;
use std::cell::RefCell;

pub use super::present::{Row, text, texts};

/// The live events a write has made so far, sent once it commits.
pub type Events = RefCell<Vec<LiveEvent>>;

/// The generic operations for one viewer inside one read or write.
pub struct Data<'a> {
    /// The connection (inside the write's savepoint for writes).
    pub conn: &'a Connection,
    /// The production schema.
    pub schema: &'a Schema,
    /// Who is asking.
    pub viewer: &'a Viewer,
    /// Where creates, updates and deletes note their events (shared by the `Data` of one
    /// write, whatever viewer each reads as).
    pub live: &'a Events,
}

fn model(name: ModelName) -> Result<&'static Model, DataError> {
    by_name(name).ok_or_else(|| DataError::NotFound(format!("no model `{name}`")))
}

fn object(body: Value) -> Result<Row, DataError> {
    match body {
        Value::Object(map) => Ok(map),
        _ => Err(DataError::BadRequest(
            "the body must be a JSON object".into(),
        )),
    }
}

impl Data<'_> {
    /// Rows of a model matching `field = value` filters (Kitsu's filter rules).
    pub fn list(&self, route: ModelName, filters: &[(&str, &str)]) -> Result<Vec<Row>, DataError> {
        self.query(route, &ListQuery::filtered(filters))
    }

    /// Rows of a model matching a parsed list query; always a list (paging is ignored).
    pub fn query(&self, route: ModelName, query: &ListQuery) -> Result<Vec<Row>, DataError> {
        let query = ListQuery {
            page: None,
            ..query.clone()
        };
        let found = super::list(self.conn, self.schema, model(route)?, self.viewer, &query)?;
        Ok(match found {
            Value::Array(rows) => rows
                .into_iter()
                .filter_map(|r| match r {
                    Value::Object(m) => Some(m),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        })
    }

    /// The first row matching the filters.
    pub fn find(
        &self,
        route: ModelName,
        filters: &[(&str, &str)],
    ) -> Result<Option<Row>, DataError> {
        Ok(self.list(route, filters)?.into_iter().next())
    }

    /// One row by id; 404 when missing or out of the viewer's projects.
    pub fn get(&self, route: ModelName, id: &str) -> Result<Row, DataError> {
        super::get(self.conn, self.schema, model(route)?, self.viewer, id)
    }

    /// One row by id, for the routes that serve its files (previews, movies, thumbnails,
    /// attachments): 404 when there is none and when it is in a project the viewer is not on,
    /// as the data routes answer; a 403 would confirm that it exists.
    pub fn get_visible(&self, route: ModelName, id: &str) -> Result<Row, DataError> {
        self.get(route, id)
    }

    /// Creates a row from a JSON object.
    pub fn create(&self, route: ModelName, body: Value) -> Result<Row, DataError> {
        self.create_with(route, body, Vec::new())
    }

    /// Creates a row with extra computed columns.
    pub fn create_with(
        &self,
        route: ModelName,
        body: Value,
        extra: Vec<(String, SqlValue)>,
    ) -> Result<Row, DataError> {
        let body = object(body)?;
        let model = model(route)?;
        let row = super::create(self.conn, self.schema, model, self.viewer, &body, extra)?;
        self.note(model, Change::New, &row)?;
        Ok(row)
    }

    /// Updates the fields a JSON object names.
    pub fn update(&self, route: ModelName, id: &str, body: Value) -> Result<Row, DataError> {
        self.update_with(route, id, body, Vec::new())
    }

    /// Updates the fields a JSON object names, plus extra computed columns.
    pub fn update_with(
        &self,
        route: ModelName,
        id: &str,
        body: Value,
        extra: Vec<(String, SqlValue)>,
    ) -> Result<Row, DataError> {
        let body = object(body)?;
        let model = model(route)?;
        let row = super::update(self.conn, self.schema, model, self.viewer, id, &body, extra)?;
        self.note(model, Change::Update, &row)?;
        Ok(row)
    }

    /// Deletes a row.
    pub fn delete(&self, route: ModelName, id: &str) -> Result<(), DataError> {
        let model = model(route)?;
        // Read first: the event names the project the row was in.
        let row = self.get(route, id)?;
        super::delete(self.conn, self.schema, model, self.viewer, id)?;
        self.note(model, Change::Delete, &row)
    }

    /// Notes the event of a row's change, to be sent when the write commits.
    fn note(&self, model: &Model, change: Change, row: &Row) -> Result<(), DataError> {
        let event = live::row_event(self.conn, model, change, row)?;
        self.live.borrow_mut().push(event);
        Ok(())
    }

    /// Notes the `<model>:update` event of a row a named route changed with its own SQL
    /// (`task:update` `{task_id, project_id}`…), sent when the write commits.
    pub fn note_update(&self, route: ModelName, row: &Row) -> Result<(), DataError> {
        self.note(model(route)?, Change::Update, row)
    }

    /// Notes an event of a named route's own (`task:assign`…), sent when the write commits.
    pub fn note_event(&self, event: LiveEvent) {
        self.live.borrow_mut().push(event);
    }

    /// Fails with 403 unless the viewer may change this row of `route` (as read by `get`):
    /// their team's, and their own where the model has an author.
    pub fn authorize_row(&self, route: ModelName, row: &Row) -> Result<(), DataError> {
        let model = model(route)?;
        super::access::authorize_write(self.conn, model, self.viewer, |c| {
            let field = if c == model.id_column { "id" } else { c };
            row.get(field).and_then(Value::as_str).map(str::to_owned)
        })?;
        let author = model
            .author
            .and_then(|a| row.get(a))
            .and_then(Value::as_str);
        super::rules::check_author_id(model, self.viewer, author)
    }

    /// Fails with 403 unless the viewer may write rows of `route` (a model with a
    /// `project_id` column, or projects) in this project.
    pub fn authorize_in_project(
        &self,
        route: ModelName,
        project_id: &str,
    ) -> Result<(), DataError> {
        let model = model(route)?;
        super::access::authorize_write(self.conn, model, self.viewer, |c| {
            (c == "project_id" || c == model.id_column).then(|| project_id.to_owned())
        })
    }
}
