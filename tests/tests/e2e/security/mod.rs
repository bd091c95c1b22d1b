//! Attacks, one module per class: each test tries what a hostile account (or a hostile
//! upload, or a hostile connection) would, asserts the refusal, and asserts that the server
//! still answers an ordinary request afterwards.

mod auth;
mod connections;
mod farm;
pub(crate) mod media;
mod openapi;
mod production;
