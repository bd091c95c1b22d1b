//! Managers: sites or sub-farms that report how many workers they have.

use drover_shared::api::Manager;
use rusqlite::{Connection, named_params};

/// Every manager, by name.
pub fn list(conn: &Connection) -> rusqlite::Result<Vec<Manager>> {
    conn.prepare_cached("SELECT uuid, name, total_workers, created FROM managers ORDER BY name")?
        .query_map([], |row| {
            let uuid: String = row.get("uuid")?;
            Ok(Manager {
                uuid: uuid.parse().map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(
                        0,
                        rusqlite::types::Type::Text,
                        Box::new(e),
                    )
                })?,
                name: row.get("name")?,
                total_workers: row.get("total_workers")?,
                created: super::time_from_ms(row.get("created")?),
            })
        })?
        .collect()
}

/// Adds a manager and returns its new uuid.
pub fn insert(conn: &Connection, name: &str) -> rusqlite::Result<uuid::Uuid> {
    let uuid = uuid::Uuid::new_v4();
    conn.execute(
        "INSERT INTO managers (uuid, name, created) VALUES (:uuid, :name, :now)",
        named_params! { ":uuid": uuid.to_string(), ":name": name, ":now": super::now_ms() },
    )?;
    Ok(uuid)
}

/// Sets how many workers a manager has; false when there is no such manager.
pub fn set_total_workers(
    conn: &Connection,
    uuid: uuid::Uuid,
    total: u32,
) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "UPDATE managers SET total_workers = :total WHERE uuid = :uuid",
        named_params! { ":total": total, ":uuid": uuid.to_string() },
    )?;
    Ok(n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_and_update() {
        let conn = crate::db::test_conn();
        let id = insert(&conn, "paris").unwrap();
        assert!(set_total_workers(&conn, id, 12).unwrap());
        assert!(!set_total_workers(&conn, uuid::Uuid::new_v4(), 1).unwrap());
        let all = list(&conn).unwrap();
        assert_eq!((all[0].uuid, all[0].total_workers), (id, 12));
    }
}
