//! Types and the HTTP client shared by every Drover crate.
//!
//! The server, the worker, the desktop app and the end-to-end tests all speak the same API
//! through these types, so a field renamed here is renamed everywhere at compile time.

pub mod api;
pub mod client;
pub mod error;
pub mod eta;
pub mod events;
pub mod frames;
pub mod ids;
pub mod protocol;
pub mod status;

pub use client::{Client, ClientError};
pub use error::ErrorBody;
pub use ids::{JobId, ProductionTaskId, ProjectId, TaskId, UserId, WorkerId};
pub use status::{
    DependMode, DependencyState, JobCommand, JobStatus, NoticeOutcome, Role, TaskAction,
    TaskStatus, TaskType, WorkerStatus,
};
