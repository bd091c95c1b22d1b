//! Render nodes.

use drover_shared::api::Worker;
use drover_shared::{WorkerId, WorkerStatus};
use rusqlite::{Connection, OptionalExtension, Row, named_params};

fn from_row(row: &Row<'_>) -> rusqlite::Result<Worker> {
    Ok(Worker {
        id: row.get("id")?,
        name: row.get("name")?,
        status: row.get("status")?,
        last_seen: row
            .get::<_, Option<i64>>("last_seen")?
            .map(super::time_from_ms),
        created: super::time_from_ms(row.get("created")?),
    })
}

/// Every worker, by name.
pub fn list(conn: &Connection) -> rusqlite::Result<Vec<Worker>> {
    conn.prepare_cached(
        "SELECT id, name, status, last_seen, created FROM workers ORDER BY name, id",
    )?
    .query_map([], from_row)?
    .collect()
}

/// One worker.
pub fn get(conn: &Connection, id: WorkerId) -> rusqlite::Result<Option<Worker>> {
    conn.prepare_cached("SELECT id, name, status, last_seen, created FROM workers WHERE id = :id")?
        .query_row(named_params! { ":id": id }, from_row)
        .optional()
}

/// Adds a worker.
pub fn insert(conn: &Connection, name: &str, status: WorkerStatus) -> rusqlite::Result<Worker> {
    conn.execute(
        "INSERT INTO workers (name, status, created) VALUES (:name, :status, :now)",
        named_params! { ":name": name, ":status": status, ":now": super::now_ms() },
    )?;
    let id = WorkerId(conn.last_insert_rowid());
    get(conn, id).map(|w| w.expect("the worker was just inserted"))
}

/// Sets a worker's status; false when there is no such worker.
pub fn set_status(conn: &Connection, id: WorkerId, status: WorkerStatus) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "UPDATE workers SET status = :status WHERE id = :id",
        named_params! { ":status": status, ":id": id },
    )?;
    Ok(n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_and_set_status() {
        let conn = crate::db::test_conn();
        let w = insert(&conn, "node-1", WorkerStatus::Idle).unwrap();
        assert!(set_status(&conn, w.id, WorkerStatus::Asleep).unwrap());
        assert_eq!(
            get(&conn, w.id).unwrap().unwrap().status,
            WorkerStatus::Asleep
        );
        assert!(!set_status(&conn, WorkerId(99), WorkerStatus::Idle).unwrap());
        assert_eq!(list(&conn).unwrap().len(), 1);
    }
}
