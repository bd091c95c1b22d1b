//! The farm's history (`GET /stats`, `GET /stats.csv`): render hours, tasks completed and
//! failed, energy, CO2e and cost over a range of days, by day, project, person, job, shot or
//! worker.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// What the history's rows are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatsGroup {
    /// One row a day (UTC).
    #[default]
    Day,
    /// One row a project.
    Project,
    /// One row a submitter.
    Person,
    /// One row a job.
    Job,
    /// One row a shot (or asset): the production entity whose Kitsu task its jobs rendered
    /// for; jobs for no task are left out.
    Shot,
    /// One row a render node, with its utilisation.
    Worker,
}

impl StatsGroup {
    /// Every grouping, in the order the app offers them.
    pub const ALL: [Self; 6] = [
        Self::Day,
        Self::Project,
        Self::Person,
        Self::Job,
        Self::Shot,
        Self::Worker,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Project => "project",
            Self::Person => "person",
            Self::Job => "job",
            Self::Shot => "shot",
            Self::Worker => "worker",
        }
    }
}

/// The longest range asked at once, in days.
pub const MAX_STATS_DAYS: i64 = 3660;

/// Query of `GET /stats` and `GET /stats.csv`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    /// The first day, `YYYY-MM-DD` (UTC); 6 days before `to` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The last day, `YYYY-MM-DD` (UTC), included; today when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// What each row is; `day` when absent.
    #[serde(default)]
    #[param(value_type = Option<StatsGroup>)]
    pub by: StatsGroup,
}

/// One row of the history: one day, project, person, job or worker over the range.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StatsRow {
    /// What the row is: the day, or the project's, person's, job's or worker's id.
    pub key: String,
    /// Its name as people read it.
    pub label: String,
    /// Hours render nodes spent on its tasks (every run, failed ones too).
    pub render_hours: f64,
    /// The same times the nodes' cores.
    pub core_hours: f64,
    /// Task runs that completed.
    pub completed: u64,
    /// Task runs that failed.
    pub failed: u64,
    /// Task runs stopped before they ended (requeued, paused, canceled, their node gone).
    pub stopped: u64,
    /// Energy drawn, measured where the nodes report it and estimated elsewhere.
    pub kwh: f64,
    /// The energy's emissions at the farm's `grid_gco2e_per_kwh`.
    pub co2e_kg: f64,
    /// Energy at `cost_per_kwh` plus core-hours at `cost_per_core_hour`.
    pub cost: f64,
    /// For a worker, the share of the range it spent rendering (0–1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utilisation: Option<f64>,
}

/// `GET /stats`: the rows over the range, their total, and the rates they were worked out at.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FarmStats {
    /// The first day.
    pub from: String,
    /// The last day, included.
    pub to: String,
    /// What each row is.
    pub by: StatsGroup,
    /// The rows, by key (days in order; the rest by render hours, most first).
    pub rows: Vec<StatsRow>,
    /// Every row together.
    pub total: StatsRow,
    /// The carbon intensity used, gCO2e per kWh.
    pub grid_gco2e_per_kwh: f64,
    /// The price of a kWh used.
    pub cost_per_kwh: f64,
    /// The price of a core-hour used.
    pub cost_per_core_hour: f64,
    /// The currency of `cost`.
    pub currency: String,
}
