//! The farm's history: `GET /stats` and its CSV, and a render node's rated draw.

use super::{Client, ClientError};
use crate::api::{FarmStats, StatsQuery, Worker, WorkerWatts};
use crate::ids::WorkerId;
use reqwest::Method;

impl Client {
    /// `GET /stats`: the history over a range of days, by day, project, person, job or worker.
    pub async fn stats(&self, query: &StatsQuery) -> Result<FarmStats, ClientError> {
        Self::json(self.request(Method::GET, "/stats").query(query)).await
    }

    /// `GET /stats.csv`: the same as CSV text.
    pub async fn stats_csv(&self, query: &StatsQuery) -> Result<String, ClientError> {
        let response = Self::check(
            self.request(Method::GET, "/stats.csv")
                .query(query)
                .send()
                .await?,
        )
        .await?;
        Ok(response.text().await?)
    }

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
}
