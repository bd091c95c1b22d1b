//! The SQL of logging in: people (`users`), their sessions, their FIDO keys and the secrets
//! account e-mails carry.

// The shared helpers, reached from each table's module as `super::`.
pub(crate) use crate::db::{now_ms, time_from_ms};

pub(crate) mod fido;
pub(crate) mod mail;
pub(crate) mod sessions;
pub mod users;
