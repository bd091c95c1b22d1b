//! A render node's settings as managers set them: its rated draw and its sleep schedule.

use super::{Client, ClientError};
use crate::api::{Worker, WorkerSchedule, WorkerWatts};
use crate::ids::WorkerId;
use reqwest::Method;

impl Client {
    /// `PUT /workers/{id}/watts` (managers): a render node's rated draw, `None` for the
    /// farm's default.
    pub async fn set_worker_watts(
        &self,
        worker: WorkerId,
        watts: Option<f64>,
    ) -> Result<Worker, ClientError> {
        Self::json(
            self.request(Method::PUT, &format!("/workers/{worker}/watts"))
                .json(&WorkerWatts { watts }),
        )
        .await
    }

    /// `GET /workers/{id}/schedule`: a render node's sleep schedule.
    pub async fn worker_schedule(&self, worker: WorkerId) -> Result<WorkerSchedule, ClientError> {
        Self::json(self.request(Method::GET, &format!("/workers/{worker}/schedule"))).await
    }

    /// `PUT /workers/{id}/schedule` (managers).
    pub async fn set_worker_schedule(
        &self,
        worker: WorkerId,
        schedule: &WorkerSchedule,
    ) -> Result<WorkerSchedule, ClientError> {
        Self::json(
            self.request(Method::PUT, &format!("/workers/{worker}/schedule"))
                .json(schedule),
        )
        .await
    }
}
