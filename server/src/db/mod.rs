//! All SQL of the server, one module per table or aggregate, as plain synchronous functions on
//! a `rusqlite::Connection`. Handlers never see SQL; they call these through [`crate::store`].

pub mod notice_deliveries;
pub mod notices;
pub mod render_publish;
pub(crate) mod teams;

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};
use std::path::Path;
use std::sync::LazyLock;
use std::time::Duration;
use time::OffsetDateTime;

/// The numbered migrations, embedded in the binary and applied in order at start.
static MIGRATIONS: LazyLock<Migrations<'static>> = LazyLock::new(|| {
    Migrations::new(vec![
        M::up(include_str!("../../migrations/0001_init.sql")),
        M::up(include_str!("../../migrations/0002_workers.sql")),
        M::up(include_str!(
            "../../migrations/0003_job_updated_by_trigger.sql"
        )),
        M::up(include_str!("../../migrations/0004_active_task_index.sql")),
        M::up(include_str!("../../migrations/0005_production.sql")).foreign_key_check(),
        M::up(include_str!("../../migrations/0006_fido.sql")),
        M::up(include_str!("../../migrations/0007_render_publish.sql")),
        M::up(include_str!("../../migrations/0008_task_project_index.sql")),
        M::up(include_str!("../../migrations/0009_attachment_files.sql")),
        M::up(include_str!("../../migrations/0010_farm_teams.sql")),
        M::up(include_str!("../../migrations/0011_auth_hardening.sql")),
        M::up(include_str!("../../migrations/0012_after_current_task.sql")),
        M::up(include_str!("../../migrations/0013_list_versions.sql")),
        M::up(include_str!(
            "../../migrations/0014_comment_acknowledgements.sql"
        )),
        M::up(include_str!(
            "../../migrations/0015_playlists_and_concepts.sql"
        )),
        M::up(include_str!("../../migrations/0016_project_templates.sql")),
        M::up(include_str!("../../migrations/0017_news.sql")),
        M::up(include_str!("../../migrations/0018_filter_groups.sql")),
        M::up(include_str!("../../migrations/0019_admin_lists.sql")),
        M::up(include_str!(
            "../../migrations/0020_budgets_and_schedule_versions.sql"
        )),
        M::up(include_str!("../../migrations/0021_chats.sql")),
        M::up(include_str!("../../migrations/0022_playlist_shares.sql")).foreign_key_check(),
        M::up(include_str!("../../migrations/0025_concept_links.sql")).foreign_key_check(),
        M::up(include_str!("../../migrations/0026_entity_versions.sql")).foreign_key_check(),
        M::up(include_str!("../../migrations/0027_build_jobs.sql")).foreign_key_check(),
        M::up(include_str!("../../migrations/0028_job_files.sql")).foreign_key_check(),
        M::up(include_str!("../../migrations/0029_job_deps.sql")).foreign_key_check(),
        M::up(include_str!("../../migrations/0030_limits.sql")).foreign_key_check(),
        M::up(include_str!("../../migrations/0031_job_durations.sql")),
        M::up(include_str!("../../migrations/0032_notices.sql")),
        M::up(include_str!("../../migrations/0033_farm_history.sql")),
        M::up(include_str!("../../migrations/0034_worker_schedules.sql")),
        M::up(include_str!("../../migrations/0035_account_mail.sql")),
        M::up(include_str!("../../migrations/0036_housekeeping.sql")),
        M::up(include_str!("../../migrations/0037_shot_stats.sql")),
        M::up(include_str!("../../migrations/0038_job_sources.sql")),
        M::up(include_str!("../../migrations/0039_worker_month_stats.sql")),
    ])
});

/// Opens a connection with the settings every connection uses: WAL, foreign keys,
/// a busy timeout and `synchronous=NORMAL` (durable at every checkpoint, safe with WAL).
pub fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    configure(&conn)?;
    Ok(conn)
}

/// Applies the per-connection settings.
pub fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // After a checkpoint the WAL file is cut back to this size (Flamenco's grew to 10 GB).
    conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

/// Brings the schema up to date, in one transaction.
///
/// Foreign keys are off while migrating, as SQLite's procedure for rebuilding a table asks
/// (dropping the old `users` would otherwise cascade to every session), and every reference is
/// checked (`foreign_key_check` on the migrations that rebuild) before the transaction commits.
pub fn migrate(conn: &mut Connection) -> Result<(), rusqlite_migration::Error> {
    conn.pragma_update(None, "foreign_keys", false)?;
    let migrated = MIGRATIONS.to_latest(conn);
    conn.pragma_update(None, "foreign_keys", true)?;
    migrated
}

/// Now, in Unix milliseconds.
pub fn now_ms() -> i64 {
    let now = OffsetDateTime::now_utc();
    (now.unix_timestamp_nanos() / 1_000_000) as i64
}

/// Starts the writer's group transaction, taking the write lock at once.
pub fn begin_write(conn: &Connection) -> rusqlite::Result<()> {
    run_cached(conn, "BEGIN IMMEDIATE")
}

/// Commits the current transaction.
pub fn commit(conn: &Connection) -> rusqlite::Result<()> {
    run_cached(conn, "COMMIT")
}

/// Rolls the current transaction back.
pub fn rollback(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch("ROLLBACK")
}

/// Opens a savepoint inside the current transaction. Savepoints nest: [`end_savepoint`] ends
/// the latest one still open, so every savepoint shares one name.
pub fn savepoint(conn: &Connection) -> rusqlite::Result<()> {
    run_cached(conn, "SAVEPOINT step")
}

/// Ends the latest open savepoint: keeps what was written since it opened, or undoes it.
pub fn end_savepoint(conn: &Connection, keep: bool) -> rusqlite::Result<()> {
    if keep {
        run_cached(conn, "RELEASE step")
    } else {
        conn.execute_batch("ROLLBACK TO step; RELEASE step")
    }
}

/// Runs one statement from the connection's cache: the writer opens and ends a savepoint per
/// write and a transaction per batch, and parsing their SQL again each time showed in its
/// profile under `drover-bench dispatch`.
fn run_cached(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.raw_execute().map(drop)
}

/// Runs `f` in a savepoint of its own: what it wrote stays when it answers `Ok` and is undone
/// when it answers `Err`, while the transaction around it goes on.
pub fn in_savepoint<T, E: From<rusqlite::Error>>(
    conn: &Connection,
    f: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    savepoint(conn)?;
    let result = f();
    end_savepoint(conn, result.is_ok())?;
    result
}

/// Copies what no reader still needs from the WAL into the database, without waiting for
/// anyone (`PASSIVE`).
pub fn checkpoint(conn: &Connection) -> rusqlite::Result<()> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
}

/// Default page size of the farm's job and task lists.
pub const DEFAULT_PER_PAGE: u32 = 100;
/// Largest page size of the farm's job and task lists.
pub const MAX_PER_PAGE: u32 = 1000;

/// Clamps `page`/`per_page` from a query to usable values.
pub fn page_bounds(page: Option<u32>, per_page: Option<u32>) -> (u32, u32) {
    let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE).clamp(1, MAX_PER_PAGE);
    (page.unwrap_or(1).max(1), per_page)
}

/// Unix milliseconds to a UTC time; out-of-range values clamp to the epoch.
pub fn time_from_ms(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// A fresh in-memory database with every migration applied, for unit tests.
#[cfg(test)]
pub fn test_conn() -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    configure(&conn).unwrap();
    migrate(&mut conn).unwrap();
    conn
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid_and_apply_to_memory() {
        MIGRATIONS.validate().unwrap();
        let conn = test_conn();
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(tables >= 8, "{tables} tables");
        let fk: bool = conn
            .pragma_query_value(None, "foreign_keys", |r| r.get(0))
            .unwrap();
        assert!(fk);
    }

    /// The store's production version misses a change to a WITHOUT ROWID table (SQLite's
    /// update hook does not see them) unless a trigger moves `prod_link_changes`.
    #[test]
    fn every_production_link_table_moves_the_list_version() {
        let conn = test_conn();
        let mut stmt = conn
            .prepare(
                "SELECT t.name, (SELECT count(*) FROM sqlite_master AS g \
                    WHERE g.type = 'trigger' AND g.tbl_name = t.name \
                    AND g.sql LIKE '%prod_link_changes%') \
                 FROM sqlite_master AS t WHERE t.type = 'table' AND t.name LIKE 'prod!_%' \
                 ESCAPE '!' AND t.sql LIKE '%WITHOUT ROWID%'",
            )
            .unwrap();
        let tables: Vec<(String, i64)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(tables.len() >= 8, "{tables:?}");
        for (table, triggers) in tables {
            assert_eq!(
                triggers, 3,
                "{table}: insert, update and delete move the version"
            );
        }
    }

    #[test]
    fn production_migration_keeps_farm_rows() {
        let mut conn = Connection::open_in_memory().unwrap();
        configure(&conn).unwrap();
        MIGRATIONS.to_version(&mut conn, 4).unwrap();
        conn.execute_batch(
            "INSERT INTO users (id, email, password_hash, role, created)
                 VALUES ('0b6f6a36-4c1e-4a47-8e0e-2f1f6f0c0001', 'ann@studio.com', 'h', 'artist', 0);
             INSERT INTO sessions (user_id, access_hash, refresh_hash, access_expires,
                 refresh_expires, created)
                 VALUES ('0b6f6a36-4c1e-4a47-8e0e-2f1f6f0c0001', x'01', x'02', 1, 1, 0);
             INSERT INTO projects (id, name, created) VALUES (7, 'Spring', 0);
             INSERT INTO projects (id, name, created) VALUES (8, 'Spring', 0);
             INSERT INTO jobs (name, project_id, job_type, settings, status, priority,
                 created_by, created, updated)
                 VALUES ('j', 7, 'command', '{}', 'queued', 50,
                         '0b6f6a36-4c1e-4a47-8e0e-2f1f6f0c0001', 0, 0);",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let (first_name, created_at): (String, String) = conn
            .query_row("SELECT first_name, created_at FROM users", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(
            (first_name.as_str(), created_at.as_str()),
            ("ann", "1970-01-01T00:00:00")
        );
        let sessions: i64 = conn
            .query_row("SELECT count(*) FROM sessions", [], |r| r.get(0))
            .unwrap();
        assert_eq!(sessions, 1, "rebuilding users must not cascade to sessions");
        let uuid: String = conn
            .query_row("SELECT uuid FROM projects WHERE id = 7", [], |r| r.get(0))
            .unwrap();
        assert!(uuid::Uuid::parse_str(&uuid).is_ok(), "{uuid}");
        let jobs: i64 = conn
            .query_row("SELECT count(*) FROM jobs WHERE project_id = 7", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(jobs, 1);
        let renamed: String = conn
            .query_row("SELECT name FROM projects WHERE id = 8", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            renamed, "Spring (8)",
            "a shared name is made unique, not dropped"
        );
    }
}
