//! Farm rules that do not touch the database: the job and task state machine and the
//! compilation of a submitted job into tasks.

pub mod compile;
pub mod state;
