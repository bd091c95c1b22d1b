//! Heartbeats that change nothing but a worker's `last_seen` and host facts are kept here and
//! written together by the monitor's write, once a second, instead of one write each: 10,000
//! render nodes beating every few seconds were thousands of writes a second in the writer's
//! queue, each waiting behind claims and completions (a heartbeat's p99 grew to seconds when
//! the writer was busy). A beat that changes the worker's status, or carries out a manager's
//! request, is still written at once, as it must be seen by the next claim.
//!
//! Nothing here needs to survive a crash: a node beats again within seconds, and the monitor
//! gives every node a fresh `last_seen` when the server starts.

use crate::farm::db::{dispatch, workers};
use drover_shared::WorkerId;
use drover_shared::events::EventKind;
use drover_shared::protocol::HostFacts;
use rusqlite::Connection;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

/// One worker's latest beat not yet written: at most one per worker, so what is held is
/// bounded by the number of workers.
struct Beat {
    facts: String,
    at_ms: i64,
}

/// The beats waiting for the monitor's next write.
#[derive(Default)]
pub struct Beats {
    pending: Mutex<HashMap<WorkerId, Beat>>,
}

impl Beats {
    /// Keeps a worker's beat (its facts, heard now) for the next write; a newer beat of the
    /// same worker replaces an older one.
    pub fn note(&self, worker: WorkerId, facts: &HostFacts) {
        let facts = serde_json::to_string(facts).unwrap_or_else(|_| "{}".into());
        let at_ms = crate::db::now_ms();
        lock(&self.pending).insert(worker, Beat { facts, at_ms });
    }

    /// Writes every beat kept so far, in the caller's write; pushes the workers whose facts
    /// are due to be told (`due`, as [`crate::events::EventBus::worker_news_due`] answers).
    pub(crate) fn write(
        &self,
        conn: &Connection,
        due: impl Fn(WorkerId) -> bool,
        events: &mut Vec<EventKind>,
    ) -> rusqlite::Result<()> {
        let beats = std::mem::take(&mut *lock(&self.pending));
        for (worker, beat) in beats {
            if workers::record_beat(conn, worker, &beat.facts, beat.at_ms)? && due(worker) {
                dispatch::push_worker(conn, worker, events)?;
            }
        }
        Ok(())
    }
}

/// A lock whose holder panicked is still usable: the map is whole between statements.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
