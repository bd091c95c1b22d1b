//! Render nodes: registration, sign-on, heartbeats, requests from managers.

use drover_shared::api::Worker;
use drover_shared::protocol::{HostFacts, SignOn, WorkerRequest};
use drover_shared::{WorkerId, WorkerStatus};
use rusqlite::{Connection, OptionalExtension, Row, named_params};

/// The columns [`from_row`] reads, in its order. A macro, so that the queries built on it
/// are literals (`concat!`), not a string formatted again on every read of the hot path.
macro_rules! worker_columns {
    () => {
        "id, name, status, last_seen, created, tags, task_types, version, facts,
    task_id, requested_status, requested_after_current_task, watts"
    };
}
const COLUMNS: &str = worker_columns!();

/// Joins a list as `,a,b,` so SQL can test membership with `instr`.
pub fn join_list<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::from(",");
    for item in items.into_iter().map(str::trim).filter(|i| !i.is_empty()) {
        out.push_str(item);
        out.push(',');
    }
    out
}

fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<Worker> {
    let facts: String = row.get("facts")?;
    Ok(Worker {
        id: row.get("id")?,
        name: row.get("name")?,
        status: row.get("status")?,
        last_seen: row
            .get::<_, Option<i64>>("last_seen")?
            .map(super::time_from_ms),
        created: super::time_from_ms(row.get("created")?),
        tags: split_list(&row.get::<_, String>("tags")?),
        // A name this server does not know (stored by an older one) is no type it hands out.
        task_types: split_list(&row.get::<_, String>("task_types")?)
            .iter()
            .filter_map(|name| name.parse().ok())
            .collect(),
        version: row.get("version")?,
        facts: serde_json::from_str(&facts).unwrap_or_default(),
        task_id: row.get("task_id")?,
        requested_status: row.get("requested_status")?,
        requested_after_current_task: row.get("requested_after_current_task")?,
        watts: row.get("watts")?,
    })
}

/// Every worker, by name.
pub fn list(conn: &Connection) -> rusqlite::Result<Vec<Worker>> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM workers ORDER BY name, id"))?
        .query_map([], from_row)?
        .collect()
}

/// One worker.
pub fn get(conn: &Connection, id: WorkerId) -> rusqlite::Result<Option<Worker>> {
    conn.prepare_cached(concat!(
        "SELECT ",
        worker_columns!(),
        " FROM workers WHERE id = :id"
    ))?
    .query_row(named_params! { ":id": id }, from_row)
    .optional()
}

/// Adds a worker without credentials (tests and tools).
pub fn insert(conn: &Connection, name: &str, status: WorkerStatus) -> rusqlite::Result<Worker> {
    conn.execute(
        "INSERT INTO workers (name, status, created) VALUES (:name, :status, :now)",
        named_params! { ":name": name, ":status": status, ":now": super::now_ms() },
    )?;
    let id = WorkerId(conn.last_insert_rowid());
    // Read back on the connection that just inserted it: the row is there, and were it not,
    // an error instead of a panic.
    get(conn, id)?.ok_or(rusqlite::Error::QueryReturnedNoRows)
}

/// Registers a worker with the hash of its secret; it starts offline until it signs on.
pub fn register(conn: &Connection, name: &str, secret_hash: &[u8]) -> rusqlite::Result<WorkerId> {
    conn.execute(
        "INSERT INTO workers (name, status, created, secret_hash)
         VALUES (:name, 'offline', :now, :hash)",
        named_params! { ":name": name, ":now": super::now_ms(), ":hash": secret_hash },
    )?;
    Ok(WorkerId(conn.last_insert_rowid()))
}

/// The stored hash of a worker's secret.
pub fn secret_hash(conn: &Connection, id: WorkerId) -> rusqlite::Result<Option<Vec<u8>>> {
    conn.prepare_cached("SELECT secret_hash FROM workers WHERE id = :id")?
        .query_row(named_params! { ":id": id }, |r| r.get(0))
        .optional()
        .map(Option::flatten)
}

/// Records a sign-on; answers the status to start in.
pub fn sign_on(
    conn: &Connection,
    id: WorkerId,
    sign_on: &SignOn,
) -> rusqlite::Result<WorkerStatus> {
    let requested: Option<WorkerStatus> = conn
        .query_row(
            "SELECT requested_status FROM workers WHERE id = :id",
            named_params! { ":id": id },
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    let status = if requested == Some(WorkerStatus::Asleep) {
        WorkerStatus::Asleep
    } else {
        WorkerStatus::Idle
    };
    let facts = serde_json::to_string(&sign_on.facts).unwrap_or_else(|_| "{}".into());
    conn.execute(
        "UPDATE workers SET name = :name, tags = :tags, task_types = :types, version = :version,
                facts = :facts, status = :status, last_seen = :now, task_id = NULL,
                requested_status = CASE WHEN requested_status IN ('idle', 'offline') THEN NULL
                                        ELSE requested_status END
         WHERE id = :id",
        named_params! {
            ":name": sign_on.name, ":tags": join_list(sign_on.tags.iter().map(String::as_str)),
            ":types": join_list(sign_on.task_types.iter().map(|t| t.as_str())), ":version": sign_on.version, ":facts": facts,
            ":status": status, ":now": super::now_ms(), ":id": id,
        },
    )?;
    Ok(status)
}

/// Records a heartbeat; a request the worker has now carried out is cleared, one still
/// pending is answered.
pub fn heartbeat(
    conn: &Connection,
    id: WorkerId,
    status: WorkerStatus,
    facts: &HostFacts,
) -> rusqlite::Result<Option<WorkerRequest>> {
    let facts = serde_json::to_string(facts).unwrap_or_else(|_| "{}".into());
    conn.prepare_cached(
        "UPDATE workers SET status = :status, facts = :facts, last_seen = :now,
                task_id = CASE WHEN :status = 'busy' THEN task_id ELSE NULL END,
                requested_status = CASE WHEN requested_status = :status THEN NULL
                                        ELSE requested_status END
         WHERE id = :id",
    )?
    .execute(
        named_params! { ":status": status, ":facts": facts, ":now": super::now_ms(), ":id": id },
    )?;
    pending_request(conn, id)
}

/// A worker's status and the request pending for it: what a heartbeat compares its own
/// status with, off the writer.
pub fn status_and_request(
    conn: &Connection,
    id: WorkerId,
) -> rusqlite::Result<Option<(WorkerStatus, Option<WorkerRequest>)>> {
    conn.prepare_cached(
        "SELECT status, requested_status, requested_after_current_task FROM workers WHERE id = :id",
    )?
    .query_row(named_params! { ":id": id }, |r| {
        let request = r
            .get::<_, Option<WorkerStatus>>(1)?
            .map(|status| WorkerRequest {
                status,
                after_current_task: r.get(2).unwrap_or(false),
            });
        Ok((r.get(0)?, request))
    })
    .optional()
}

/// Records a heartbeat that changed nothing but the worker's facts and `last_seen` (kept in
/// memory since `at_ms`, see `farm::beats`); a beat older than what the worker's row
/// already has is dropped. True when the row took it.
pub fn record_beat(
    conn: &Connection,
    id: WorkerId,
    facts: &str,
    at_ms: i64,
) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached(
            "UPDATE workers SET facts = :facts, last_seen = :at
             WHERE id = :id AND coalesce(last_seen, 0) <= :at",
        )?
        .execute(named_params! { ":facts": facts, ":at": at_ms, ":id": id })?
        == 1)
}

/// A worker's status alone (the hot paths need no more of its row).
pub fn status(conn: &Connection, id: WorkerId) -> rusqlite::Result<Option<WorkerStatus>> {
    conn.prepare_cached("SELECT status FROM workers WHERE id = :id")?
        .query_row(named_params! { ":id": id }, |r| r.get(0))
        .optional()
}

/// The request a manager made of a worker and that it has not carried out yet.
pub fn pending_request(conn: &Connection, id: WorkerId) -> rusqlite::Result<Option<WorkerRequest>> {
    conn.prepare_cached(
        "SELECT requested_status, requested_after_current_task FROM workers WHERE id = :id",
    )?
    .query_row(named_params! { ":id": id }, |r| {
        Ok(r.get::<_, Option<WorkerStatus>>(0)?
            .map(|status| WorkerRequest {
                status,
                after_current_task: r.get(1).unwrap_or(false),
            }))
    })
    .optional()
    .map(Option::flatten)
}

/// Stores a manager's request; false when there is no such worker.
pub fn request(
    conn: &Connection,
    id: WorkerId,
    status: WorkerStatus,
    after_current_task: bool,
) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "UPDATE workers SET requested_status = :status, requested_after_current_task = :after
         WHERE id = :id",
        named_params! { ":status": status, ":after": after_current_task, ":id": id },
    )?;
    Ok(n > 0)
}

/// Sets a worker's status (and forgets its task when it is not busy).
pub fn set_status(conn: &Connection, id: WorkerId, status: WorkerStatus) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "UPDATE workers SET status = :status,
                task_id = CASE WHEN :status = 'busy' THEN task_id ELSE NULL END
         WHERE id = :id",
        named_params! { ":status": status, ":id": id },
    )?;
    Ok(n > 0)
}

/// Forgets a manager's request that the worker go offline, once it did (signed off); a later
/// request of another kind stays.
pub fn clear_offline_request(conn: &Connection, id: WorkerId) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE workers SET requested_status = NULL WHERE id = :id AND requested_status = 'offline'",
        named_params! { ":id": id },
    )?;
    Ok(())
}

/// Workers not heard from since `cutoff_ms` that are not already offline.
pub fn unheard_since(conn: &Connection, cutoff_ms: i64) -> rusqlite::Result<Vec<WorkerId>> {
    conn.prepare_cached(
        "SELECT id FROM workers WHERE status <> 'offline' AND coalesce(last_seen, created) < :cutoff",
    )?
    .query_map(named_params! { ":cutoff": cutoff_ms }, |r| r.get(0))?
    .collect()
}

/// Gives every worker that is not offline a fresh `last_seen` (after a server restart, so
/// workers are not timed out for the server's own absence).
pub fn refresh_last_seen(conn: &Connection) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE workers SET last_seen = :now WHERE status <> 'offline'",
        named_params! { ":now": super::now_ms() },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_on_heartbeat_and_requests() {
        let conn = crate::db::test_conn();
        let id = register(&conn, "node-1", b"hash").unwrap();
        assert_eq!(
            secret_hash(&conn, id).unwrap().as_deref(),
            Some(&b"hash"[..])
        );
        let sign = SignOn {
            name: "node-1".into(),
            tags: vec!["gpu".into(), " ".into()],
            task_types: vec![drover_shared::TaskType::Command],
            version: "1".into(),
            facts: HostFacts {
                cores: 8,
                ..HostFacts::default()
            },
        };
        assert_eq!(sign_on(&conn, id, &sign).unwrap(), WorkerStatus::Idle);
        let w = get(&conn, id).unwrap().unwrap();
        assert_eq!(
            (w.tags, w.task_types, w.facts.cores),
            (
                vec!["gpu".to_owned()],
                vec![drover_shared::TaskType::Command],
                8
            )
        );
        assert!(request(&conn, id, WorkerStatus::Asleep, true).unwrap());
        let pending = heartbeat(&conn, id, WorkerStatus::Idle, &HostFacts::default()).unwrap();
        assert_eq!(
            pending,
            Some(WorkerRequest {
                status: WorkerStatus::Asleep,
                after_current_task: true
            })
        );
        assert_eq!(
            heartbeat(&conn, id, WorkerStatus::Asleep, &HostFacts::default()).unwrap(),
            None
        );
        assert_eq!(
            get(&conn, id).unwrap().unwrap().status,
            WorkerStatus::Asleep
        );
        assert!(
            unheard_since(&conn, crate::db::now_ms() + 1)
                .unwrap()
                .contains(&id)
        );
    }
}
