//! Sleep schedules carried out: each second the monitor asks every node whose schedule turned
//! to sleep (once its current task ends) or to wake, as a manager's request would.

use super::super::{schedules, workers};
use drover_shared::events::EventKind;
use drover_shared::{WorkerId, WorkerStatus};
use rusqlite::Connection;
use time::OffsetDateTime;

/// Asks the nodes whose schedule turned since the last look to sleep or wake; returns their
/// events. A turn is carried out once: a manager who wakes a node inside its sleep window is
/// obeyed until the window ends.
pub fn follow_schedules(
    conn: &Connection,
    now: OffsetDateTime,
) -> rusqlite::Result<Vec<EventKind>> {
    let mut events = Vec::new();
    for (worker, schedule, last) in schedules::active(conn)? {
        let asleep = schedule.asleep_at(now);
        if last == Some(asleep) {
            continue;
        }
        turn(conn, worker, asleep)?;
        schedules::set_state(conn, worker, asleep)?;
        super::push_worker(conn, worker, &mut events)?;
    }
    Ok(events)
}

fn turn(conn: &Connection, worker: WorkerId, asleep: bool) -> rusqlite::Result<()> {
    let status = workers::get(conn, worker)?.map(|w| w.status);
    let sleep_asked =
        workers::pending_request(conn, worker)?.is_some_and(|r| r.status == WorkerStatus::Asleep);
    match (asleep, status) {
        // Its running task finishes first, as Flamenco's schedule lets it.
        (true, Some(s)) if s != WorkerStatus::Asleep => {
            workers::request(conn, worker, WorkerStatus::Asleep, true)?;
        }
        (false, Some(WorkerStatus::Asleep)) => {
            workers::request(conn, worker, WorkerStatus::Idle, false)?;
        }
        // Waking before it fell asleep: the sleep request is withdrawn.
        (false, Some(_)) if sleep_asked => {
            conn.execute(
                "UPDATE workers SET requested_status = NULL,
                        requested_after_current_task = 0 WHERE id = ?1",
                [worker],
            )?;
        }
        _ => {}
    }
    Ok(())
}
