//! The farm's routes: projects, jobs, tasks, workers and the worker protocol, managers,
//! settings, the server's folders to browse, a job's files, and people's notices.

pub(crate) mod browse;
pub(crate) mod files;
pub(crate) mod jobs;
pub(crate) mod limits;
pub(crate) mod managers;
pub(crate) mod notices;
pub(crate) mod outputs;
pub(crate) mod projects;
pub(crate) mod settings;
pub(crate) mod stats;
pub(crate) mod storage;
pub(crate) mod tasks;
pub(crate) mod worker;
pub(crate) mod workers;
