//! Production tracking (the Kitsu-compatible API): the generic `/data/<model>` routes. Rows
//! are JSON objects, as Kitsu clients see them; `model` is the route name (`projects`,
//! `task-status`, `shots`…).

use super::{Client, ClientError};
use crate::api::{OpenProductionTask, ProductionTaskDetail};
use crate::ids::ProductionTaskId;
use reqwest::Method;
use serde_json::{Map, Value};

/// A JSON object, as the production routes take and give rows.
pub type Row = Map<String, Value>;

impl Client {
    fn data_path(model: &str, id: Option<&str>) -> Result<String, ClientError> {
        let safe =
            |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !safe(model) || id.is_some_and(|id| !safe(id)) {
            return Err(ClientError::Url(format!(
                "not a model or id: {model} {id:?}"
            )));
        }
        Ok(match id {
            Some(id) => format!("/data/{model}/{id}"),
            None => format!("/data/{model}"),
        })
    }

    /// `GET /data/{model}?field=value…`: the rows matching every filter (a field given twice
    /// matches either value). Also `relations`, `page` and `limit`; with `page` the answer is
    /// Kitsu's page object rather than a list.
    pub async fn data_list(
        &self,
        model: &str,
        query: &[(&str, &str)],
    ) -> Result<Value, ClientError> {
        let path = Self::data_path(model, None)?;
        Self::json(self.request(Method::GET, &path).query(query)).await
    }

    /// `GET /data/{model}/{id}`.
    pub async fn data_get(&self, model: &str, id: &str) -> Result<Row, ClientError> {
        let path = Self::data_path(model, Some(id))?;
        Self::json(self.request(Method::GET, &path)).await
    }

    /// `POST /data/{model}`: creates a row.
    pub async fn data_create(&self, model: &str, row: &Value) -> Result<Row, ClientError> {
        let path = Self::data_path(model, None)?;
        Self::json(self.request(Method::POST, &path).json(row)).await
    }

    /// `PUT /data/{model}/{id}`: changes the fields given.
    pub async fn data_update(
        &self,
        model: &str,
        id: &str,
        fields: &Value,
    ) -> Result<Row, ClientError> {
        let path = Self::data_path(model, Some(id))?;
        Self::json(self.request(Method::PUT, &path).json(fields)).await
    }

    /// `GET /data/tasks/{id}/full`: a task with its project, sequence, entity, type and
    /// status, read as the farm's app shows them.
    pub async fn production_task(
        &self,
        id: ProductionTaskId,
    ) -> Result<ProductionTaskDetail, ClientError> {
        let path = format!("/data/tasks/{id}/full");
        Self::json(self.request(Method::GET, &path)).await
    }

    /// `GET /data/tasks/{id}/comments`: newest first.
    pub async fn production_task_comments(
        &self,
        id: ProductionTaskId,
    ) -> Result<Vec<Row>, ClientError> {
        let path = format!("/data/tasks/{id}/comments");
        Self::json(self.request(Method::GET, &path)).await
    }

    /// `GET /data/user/tasks`: the caller's unfinished tasks in open projects, with the
    /// project, sequence, entity, type and status names Kitsu adds.
    pub async fn my_production_tasks(&self) -> Result<Vec<OpenProductionTask>, ClientError> {
        Self::json(self.request(Method::GET, "/data/user/tasks")).await
    }

    /// `DELETE /data/{model}/{id}`.
    pub async fn data_delete(&self, model: &str, id: &str) -> Result<(), ClientError> {
        let path = Self::data_path(model, Some(id))?;
        Self::empty(self.request(Method::DELETE, &path)).await
    }
}
