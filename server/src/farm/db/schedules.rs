//! Render nodes' sleep schedules (0034): stored as their JSON, with the last turn the monitor
//! carried out, so it asks a node to sleep or wake only when its schedule turns.

use drover_shared::WorkerId;
use drover_shared::api::WorkerSchedule;
use rusqlite::{Connection, OptionalExtension, named_params};

/// A node's schedule (the default, inactive, when it has none).
pub fn get(conn: &Connection, worker: WorkerId) -> rusqlite::Result<WorkerSchedule> {
    let stored: Option<String> = conn
        .prepare_cached("SELECT schedule FROM worker_schedules WHERE worker_id = :w")?
        .query_row(named_params! { ":w": worker }, |r| r.get(0))
        .optional()?;
    Ok(stored
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default())
}

/// Stores a node's schedule (checked by the caller). The last turn is kept: the monitor turns
/// the node when the new schedule disagrees with it (a schedule turned off wakes a node it
/// had put to sleep).
pub fn set(conn: &Connection, worker: WorkerId, schedule: &WorkerSchedule) -> rusqlite::Result<()> {
    let json = serde_json::to_string(schedule)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    conn.prepare_cached(
        "INSERT INTO worker_schedules (worker_id, schedule, state) VALUES (:w, :s, NULL)
         ON CONFLICT (worker_id) DO UPDATE SET schedule = excluded.schedule",
    )?
    .execute(named_params! { ":w": worker, ":s": json })?;
    Ok(())
}

/// The schedules to follow, with their last turn: the active ones, and those turned off while
/// their node slept by them (to wake it), of nodes that are not offline.
pub fn active(
    conn: &Connection,
) -> rusqlite::Result<Vec<(WorkerId, WorkerSchedule, Option<bool>)>> {
    let rows: Vec<(WorkerId, String, Option<String>)> = conn
        .prepare_cached(
            "SELECT s.worker_id, s.schedule, s.state FROM worker_schedules AS s
             JOIN workers AS w ON w.id = s.worker_id
             WHERE w.status <> 'offline'
               AND (json_extract(s.schedule, '$.active') OR s.state = 'asleep')",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|(worker, json, state)| {
            let schedule = serde_json::from_str(&json).ok()?;
            Some((worker, schedule, state.map(|s| s == "asleep")))
        })
        .collect())
}

/// Records the turn carried out.
pub fn set_state(conn: &Connection, worker: WorkerId, asleep: bool) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE worker_schedules SET state = :s WHERE worker_id = :w")?
        .execute(named_params! {
            ":s": if asleep { "asleep" } else { "awake" },
            ":w": worker,
        })?;
    Ok(())
}
