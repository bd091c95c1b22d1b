//! End-to-end tests: a real server on `127.0.0.1:0` with a temporary data dir and a real
//! SQLite file, driven over HTTP through the shared client. One module per area.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod account_mail;
mod auth;
mod blender_addon;
mod browse;
mod errors;
mod event_delivery;
mod farm;
mod fido;
mod gazu;
mod housekeeping;
mod job_deps;
mod job_files;
mod jobs;
mod kitsu;
mod limits;
mod notices;
mod production;
mod render_farm;
mod roles;
mod schedules;
mod security;
mod stats;
mod stored_files;
mod tasks;
mod wine;
mod worker_protocol;
