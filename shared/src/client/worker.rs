//! The worker protocol's methods of [`Client`]: what `drover-worker` sends.

use super::{Client, ClientError};
use crate::TaskId;
use crate::protocol::{
    Assignment, ClaimQuery, Heartbeat, HeartbeatResponse, MayIRun, RegisterWorker, SignOn,
    SignOnResponse, TaskUpdate, WorkerCredentials,
};
use reqwest::{Method, StatusCode};

impl Client {
    // -- worker protocol -----------------------------------------------------------------

    /// `POST /worker/register` with the farm's join token.
    pub async fn register_worker(
        &self,
        join_token: &str,
        name: &str,
    ) -> Result<WorkerCredentials, ClientError> {
        let body = RegisterWorker {
            join_token: join_token.to_owned(),
            name: name.to_owned(),
        };
        Self::json(self.request(Method::POST, "/worker/register").json(&body)).await
    }

    /// `POST /worker/sign-on`.
    pub async fn sign_on(&self, body: &SignOn) -> Result<SignOnResponse, ClientError> {
        Self::json(self.request(Method::POST, "/worker/sign-on").json(body)).await
    }

    /// `POST /worker/sign-off`.
    pub async fn sign_off(&self) -> Result<(), ClientError> {
        Self::empty(self.request(Method::POST, "/worker/sign-off")).await
    }

    /// `POST /worker/heartbeat`.
    pub async fn heartbeat(&self, body: &Heartbeat) -> Result<HeartbeatResponse, ClientError> {
        Self::json(self.request(Method::POST, "/worker/heartbeat").json(body)).await
    }

    /// `POST /worker/task`: the next task, or `None` after waiting up to `wait_secs`.
    pub async fn claim_task(&self, wait_secs: u32) -> Result<Option<Assignment>, ClientError> {
        let query = ClaimQuery {
            wait_secs: Some(wait_secs),
        };
        let response = Self::check(
            self.request(Method::POST, "/worker/task")
                .query(&query)
                .send()
                .await?,
        )
        .await?;
        if response.status() == StatusCode::NO_CONTENT {
            return Ok(None);
        }
        Ok(Some(response.json().await?))
    }

    /// `POST /worker/task/{id}`.
    pub async fn update_task(&self, id: TaskId, update: &TaskUpdate) -> Result<(), ClientError> {
        Self::empty(
            self.request(Method::POST, &format!("/worker/task/{id}"))
                .json(update),
        )
        .await
    }

    /// `GET /worker/task/{id}/may-i-run`.
    pub async fn may_i_run(&self, id: TaskId) -> Result<MayIRun, ClientError> {
        Self::json(self.request(Method::GET, &format!("/worker/task/{id}/may-i-run"))).await
    }

    /// `POST /worker/task/{id}/preview` with a PNG or JPEG.
    pub async fn upload_preview(
        &self,
        id: TaskId,
        content_type: &str,
        image: Vec<u8>,
    ) -> Result<(), ClientError> {
        let builder = self
            .request(Method::POST, &format!("/worker/task/{id}/preview"))
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(image);
        Self::empty(builder).await
    }
}
