//! The render farm: projects, jobs and their tasks, workers and their claims, the farm's
//! settings, who may see and do what (`access`), the job and task state machine, the
//! compilation of a submission into tasks, the files a job leaves (logs, last-rendered
//! pictures) and the monitor that keeps the timeouts. Its routes are in `routes`, its SQL
//! in [`db`].

pub(crate) mod access;
pub(crate) mod beats;
pub(crate) mod compile;
pub mod db;
pub(crate) mod file_sets;
pub mod file_store;
pub(crate) mod files;
pub(crate) mod housekeeping;
pub(crate) mod monitor;
pub mod notify;
pub(crate) mod routes;
pub(crate) mod state_machine;
