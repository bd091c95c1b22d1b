//! The farm's history (`GET /stats` and its CSV) and its disk use.

use super::{Client, ClientError};
use crate::api::{FarmDisk, FarmStats, StatsQuery};
use reqwest::Method;

impl Client {
    /// `GET /farm/disk` (managers): what fills the server's disk.
    pub async fn farm_disk(&self) -> Result<FarmDisk, ClientError> {
        Self::json(self.request(Method::GET, "/farm/disk")).await
    }

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
}
