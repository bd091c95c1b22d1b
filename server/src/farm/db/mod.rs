//! The SQL of the farm: one module per table or aggregate, plain synchronous functions on a
//! `rusqlite::Connection`; `dispatch` holds the claim, results, failure rules, timeouts and
//! repair.

// The shared helpers and the farm's view of teams, reached from each table's module as
// `super::`.
pub(crate) use crate::db::{now_ms, page_bounds, teams, time_from_ms};

pub(crate) mod blocklist;
pub(crate) mod dispatch;
pub(crate) mod frame_change;
pub(crate) mod housekeeping;
pub(crate) mod job_deps;
pub(crate) mod jobs;
pub(crate) mod last_rendered;
pub(crate) mod limits;
pub(crate) mod managers;
pub(crate) mod projects;
pub(crate) mod schedules;
pub(crate) mod settings;
pub mod stats;
pub(crate) mod stored_files;
pub(crate) mod tasks;
pub mod workers;
