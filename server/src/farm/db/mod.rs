//! The SQL of the farm: one module per table or aggregate, plain synchronous functions on a
//! `rusqlite::Connection`; [`dispatch`] holds the claim, results, failure rules, timeouts and
//! repair.

// The shared helpers and the farm's view of teams, reached from each table's module as
// `super::`.
pub(crate) use crate::db::{now_ms, page_bounds, teams, time_from_ms};

pub mod blocklist;
pub mod dispatch;
pub mod jobs;
pub mod last_rendered;
pub mod managers;
pub mod projects;
pub mod settings;
pub mod tasks;
pub mod workers;
