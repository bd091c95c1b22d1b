//! Jobs and their tasks: submitting, reading, commands, dependencies, frames, limits, and the
//! picked tasks' actions.

use super::{Client, ClientError, RawResponse};
use crate::api::{
    DeleteJobs, Job, JobCommandRequest, JobDependencies, JobQuery, Page, SubmitJob, Task,
    TaskQuery, TaskStatusChange,
};
use crate::ids::{JobId, TaskId};
use crate::status::JobCommand;
use reqwest::Method;
use serde::Serialize;

impl Client {
    /// `GET /jobs`.
    pub async fn jobs(&self, query: &JobQuery) -> Result<Page<Job>, ClientError> {
        Self::json(self.request(Method::GET, "/jobs").query(query)).await
    }

    /// `POST /jobs`.
    pub async fn submit_job(&self, job: &SubmitJob) -> Result<Job, ClientError> {
        Self::json(self.request(Method::POST, "/jobs").json(job)).await
    }

    /// `GET /jobs/{id}`.
    pub async fn job(&self, id: JobId) -> Result<Job, ClientError> {
        Self::json(self.request(Method::GET, &format!("/jobs/{id}"))).await
    }

    /// `PUT /jobs/{id}` with a command (priority only for `set_priority`).
    pub async fn job_command(
        &self,
        id: JobId,
        command: JobCommand,
        priority: Option<u8>,
    ) -> Result<Job, ClientError> {
        let body = JobCommandRequest { command, priority };
        Self::json(
            self.request(Method::PUT, &format!("/jobs/{id}"))
                .json(&body),
        )
        .await
    }

    /// `PUT /jobs/{id}/dependencies`: what the job waits for, replaced whole.
    pub async fn set_job_dependencies(
        &self,
        id: JobId,
        dependencies: &JobDependencies,
    ) -> Result<Job, ClientError> {
        Self::json(
            self.request(Method::PUT, &format!("/jobs/{id}/dependencies"))
                .json(dependencies),
        )
        .await
    }

    /// `PUT /jobs/{id}/frames`: the job's frames after submission.
    pub async fn set_job_frames(
        &self,
        id: JobId,
        frames: &str,
    ) -> Result<crate::api::FramesChanged, ClientError> {
        let body = crate::api::JobFrames {
            frames: frames.to_owned(),
        };
        Self::json(
            self.request(Method::PUT, &format!("/jobs/{id}/frames"))
                .json(&body),
        )
        .await
    }

    /// `PUT /jobs/{id}/limits`: the job's own limits.
    pub async fn set_job_limits(
        &self,
        id: JobId,
        limits: &crate::api::JobLimits,
    ) -> Result<Job, ClientError> {
        Self::json(
            self.request(Method::PUT, &format!("/jobs/{id}/limits"))
                .json(limits),
        )
        .await
    }

    /// `GET /limits`: the farm's limits with their use.
    pub async fn limits(&self) -> Result<Vec<crate::api::FarmLimit>, ClientError> {
        Self::json(self.request(Method::GET, "/limits")).await
    }

    /// `PUT /limits/{name}` (managers): creates or changes a farm limit.
    pub async fn set_limit(
        &self,
        name: &str,
        max_running: u32,
    ) -> Result<Vec<crate::api::FarmLimit>, ClientError> {
        let body = crate::api::LimitInput { max_running };
        Self::json(
            self.request_segments(Method::PUT, &["limits", name])?
                .json(&body),
        )
        .await
    }

    /// `DELETE /limits/{name}` (managers).
    pub async fn delete_limit(&self, name: &str) -> Result<(), ClientError> {
        Self::empty(self.request_segments(Method::DELETE, &["limits", name])?).await
    }

    /// `POST /jobs/{id}/tasks`: requeue, skip or fail selected tasks of the job.
    pub async fn task_action(
        &self,
        job: JobId,
        action: crate::TaskAction,
        task_ids: Vec<TaskId>,
    ) -> Result<crate::api::TaskActionDone, ClientError> {
        let body = crate::api::TaskActionRequest { action, task_ids };
        Self::json(
            self.request(Method::POST, &format!("/jobs/{job}/tasks"))
                .json(&body),
        )
        .await
    }

    /// `DELETE /jobs/{id}`.
    pub async fn delete_job(&self, id: JobId) -> Result<(), ClientError> {
        Self::empty(self.request(Method::DELETE, &format!("/jobs/{id}"))).await
    }

    /// `POST /jobs/delete`.
    pub async fn delete_jobs(&self, ids: &[JobId]) -> Result<(), ClientError> {
        let body = DeleteJobs { ids: ids.to_vec() };
        Self::empty(self.request(Method::POST, "/jobs/delete").json(&body)).await
    }

    // -- tasks ----------------------------------------------------------------------------

    /// `GET /tasks`.
    pub async fn tasks(&self, query: &TaskQuery) -> Result<Page<Task>, ClientError> {
        Self::json(self.request(Method::GET, "/tasks").query(query)).await
    }

    /// `POST /tasks`.
    pub async fn set_task_status(&self, change: &TaskStatusChange) -> Result<(), ClientError> {
        Self::empty(self.request(Method::POST, "/tasks").json(change)).await
    }

    /// Sends `body` as JSON with `method` to `path`, for routes whose body the caller builds
    /// (used by tests that send deliberately wrong bodies).
    pub async fn send_json<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<RawResponse, ClientError> {
        let value = serde_json::to_value(body).map_err(|e| ClientError::Url(e.to_string()))?;
        self.raw(method, path, Some(&value)).await
    }
}
