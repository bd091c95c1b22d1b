//! The one async gateway to SQLite.
//!
//! Writes go to a single connection on its own named thread (`drover-db-writer`). The thread
//! takes every write that is waiting, runs each inside its own savepoint of one transaction
//! and commits them together (group commit), then answers each caller. A failed write rolls
//! back its savepoint only. Reads run on a small pool of read-only connections inside
//! `spawn_blocking`. No connection is ever touched on a tokio worker thread or held across an
//! `.await`.

use crate::db;
use rusqlite::Connection;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

/// The writer connection's page cache.
const WRITER_CACHE_KIB: i64 = 16 * 1024;
/// Most writes committed in one transaction; bounds a caller's wait behind others.
const MAX_BATCH: usize = 256;
/// Writes queued before callers wait for room (backpressure).
const QUEUE_DEPTH: usize = 4096;
/// Idle read connections kept open, and reads running at once: a burst of reads waits here
/// instead of growing the blocking thread pool (and memory) by hundreds of threads.
const MAX_READERS: usize = 8;

/// Failures of the store itself, as opposed to a write refused by its own logic.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// The migrations could not be applied.
    #[error("migrating the database: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    /// The group transaction could not be committed; the write did not happen.
    #[error("commit failed: {0}")]
    Commit(String),
    /// The writer thread is gone (the server is shutting down).
    #[error("the database writer has stopped")]
    WriterGone,
    /// A read or write panicked; nothing it did was kept.
    #[error("a database operation panicked")]
    Panicked,
    /// The database folder could not be created.
    #[error("creating {path}: {source}")]
    Io {
        /// The folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// Runs a write on the writer's connection (`None` when the transaction could not begin) and
/// returns what to do once the commit outcome is known.
type WriteOp = Box<dyn FnOnce(Option<&Connection>) -> Finish + Send>;
type Finish = Box<dyn FnOnce(Result<(), String>) + Send>;

/// Cheap-to-clone handle on the database.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writes: mpsc::Sender<WriteOp>,
    readers: Mutex<Vec<Connection>>,
    reading: tokio::sync::Semaphore,
    /// Cleared when the store goes, so the checkpoint thread ends with it.
    alive: Arc<std::sync::atomic::AtomicBool>,
    /// Moves when a write touched a team (see [`Store::team_version`]).
    team_version: Arc<std::sync::atomic::AtomicU64>,
    /// Moves when a write touched production data (see [`Store::production_version`]).
    production_version: Arc<std::sync::atomic::AtomicU64>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.alive
            .store(false, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path`, applies the migrations and starts
    /// the writer thread.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| StoreError::Io {
                path: parent.to_owned(),
                source,
            })?;
        }
        let mut conn = db::open(path)?;
        db::migrate(&mut conn)?;
        let (writes, rx) = mpsc::channel(QUEUE_DEPTH);
        // The writer never checkpoints; a thread of its own does, so copying the WAL back
        // into the database never stalls a write (and the WAL cannot grow without bound).
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        // The writer touches the hot pages of every running job; with SQLite's default 2 MiB
        // it re-read them from the OS on most writes (15% of its time under load, by perf).
        conn.pragma_update(None, "cache_size", -WRITER_CACHE_KIB)?;
        // Teams decide what people see on the farm; open event streams cache them and read
        // them again when the version moves. Production data makes Kitsu's big lists, which
        // are kept once written until it changes. The hook runs before the commit, so it only
        // marks the transaction; the writer moves the versions once the change is visible to
        // readers.
        let teams = Watched::default();
        let production = Watched::default();
        let (team_version, production_version) =
            (Arc::clone(&teams.version), Arc::clone(&production.version));
        let (teams_touched, production_touched) =
            (Arc::clone(&teams.touched), Arc::clone(&production.touched));
        conn.update_hook(Some(
            move |_: rusqlite::hooks::Action, _: &str, table: &str, _: i64| {
                if table == db::teams::TEAM_CHANGES_TABLE {
                    teams_touched.store(true, std::sync::atomic::Ordering::Relaxed);
                }
                if is_production_table(table) {
                    production_touched.store(true, std::sync::atomic::Ordering::Relaxed);
                }
            },
        ));
        let checkpointer = db::open(path)?;
        let alive = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let still_alive = Arc::clone(&alive);
        std::thread::Builder::new()
            .name("drover-db-checkpoint".into())
            .spawn(move || checkpoint_loop(&checkpointer, &still_alive))
            .map_err(|source| StoreError::Io {
                path: path.to_owned(),
                source,
            })?;
        std::thread::Builder::new()
            .name("drover-db-writer".into())
            .spawn(move || writer_loop(&conn, rx, &[teams, production]))
            .map_err(|source| StoreError::Io {
                path: path.to_owned(),
                source,
            })?;
        Ok(Self {
            inner: Arc::new(Inner {
                path: path.to_owned(),
                writes,
                readers: Mutex::new(Vec::new()),
                reading: tokio::sync::Semaphore::new(MAX_READERS),
                alive,
                team_version,
                production_version,
            }),
        })
    }

    /// A number that moves whenever a write changed a project's team: what someone sees on
    /// the farm may have changed.
    pub fn team_version(&self) -> u64 {
        self.inner
            .team_version
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// A number that moves whenever a write changed production data (a `prod_` table or a
    /// project): an answer read from it before may be out of date.
    pub fn production_version(&self) -> u64 {
        self.inner
            .production_version
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// Runs `f` in its own savepoint inside the writer's current transaction. `Ok` is kept and
    /// reported only once the transaction committed; `Err` rolls back everything `f` did.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        self.write_then(move |conn| f(conn).map(|answer| (answer, ())), |()| {})
            .await
    }

    /// As [`Store::write`], where `f` also returns what must follow its commit (`X`, its
    /// events): once the transaction committed, `after` gets it on the writer's thread, before
    /// the caller is answered and whether or not the caller still waits. So what follows
    /// writes follows them in the order they committed, and a request dropped meanwhile (its
    /// client went away) cannot keep it from happening.
    pub async fn write_then<T, X, E, F, A>(&self, f: F, after: A) -> Result<T, E>
    where
        F: FnOnce(&Connection) -> Result<(T, X), E> + Send + 'static,
        A: FnOnce(X) + Send + 'static,
        T: Send + 'static,
        X: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel::<Result<T, E>>();
        let op: WriteOp = Box::new(move |conn| {
            let result = match conn {
                Some(conn) => run_in_savepoint(conn, f),
                None => Err(E::from(StoreError::Commit(
                    "could not begin a transaction".into(),
                ))),
            };
            Box::new(move |commit| {
                let result = match (result, commit) {
                    (Ok(_), Err(e)) => Err(E::from(StoreError::Commit(e))),
                    (Ok((answer, then)), Ok(())) => {
                        after(then);
                        Ok(answer)
                    }
                    (Err(e), _) => Err(e),
                };
                // The caller may have gone (request canceled); the write stands regardless.
                let _ = reply.send(result);
            })
        });
        self.inner
            .writes
            .send(op)
            .await
            .map_err(|_| E::from(StoreError::WriterGone))?;
        answer.await.map_err(|_| E::from(StoreError::WriterGone))?
    }

    /// Runs `f` on a read-only connection on the blocking pool.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let _permit = self
            .inner
            .reading
            .acquire()
            .await
            .map_err(|_| E::from(StoreError::WriterGone))?;
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let conn = inner.take_reader().map_err(E::from)?;
            let result = f(&conn);
            inner.return_reader(conn);
            result
        })
        .await
        .map_err(|_| E::from(StoreError::Panicked))?
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }
}

impl Inner {
    fn take_reader(&self) -> Result<Connection, StoreError> {
        let pooled = self.readers.lock().ok().and_then(|mut pool| pool.pop());
        if let Some(conn) = pooled {
            Ok(conn)
        } else {
            let conn = db::open(&self.path)?;
            conn.pragma_update(None, "query_only", true)?;
            Ok(conn)
        }
    }

    fn return_reader(&self, conn: Connection) {
        if let Ok(mut pool) = self.readers.lock()
            && pool.len() < MAX_READERS
        {
            pool.push(conn);
        }
    }
}

fn run_in_savepoint<T, E, F>(conn: &Connection, f: F) -> Result<T, E>
where
    F: FnOnce(&Connection) -> Result<T, E>,
    E: From<StoreError>,
{
    db::savepoint(conn).map_err(|e| E::from(e.into()))?;
    let outcome = catch_unwind(AssertUnwindSafe(|| f(conn)));
    let result = match outcome {
        Ok(result) => result,
        Err(_) => Err(E::from(StoreError::Panicked)),
    };
    match db::end_savepoint(conn, result.is_ok()) {
        Ok(()) => result,
        Err(e) => Err(E::from(e.into())),
    }
}

/// How often the WAL is copied back into the database.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

fn checkpoint_loop(conn: &Connection, alive: &std::sync::atomic::AtomicBool) {
    while alive.load(std::sync::atomic::Ordering::Relaxed) {
        std::thread::sleep(CHECKPOINT_EVERY);
        // PASSIVE: copy what no reader still needs, never wait for anyone. Once the WAL was
        // copied whole, the next writer starts it over from the beginning.
        if let Err(e) = db::checkpoint(conn) {
            tracing::warn!(error = %e, "WAL checkpoint failed");
        }
    }
}

/// The tables of production tracking, and the projects both domains share.
fn is_production_table(table: &str) -> bool {
    table.starts_with("prod_") || table == "projects"
}

/// The writer's view of changes to some tables: marked by the update hook during a
/// transaction, its version moved on once it committed.
#[derive(Default)]
struct Watched {
    touched: Arc<std::sync::atomic::AtomicBool>,
    version: Arc<std::sync::atomic::AtomicU64>,
}

fn writer_loop(conn: &Connection, mut rx: mpsc::Receiver<WriteOp>, watched: &[Watched]) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        let began = db::begin_write(conn);
        if let Err(e) = &began {
            tracing::error!(error = %e, "could not begin a write transaction");
        }
        let finishes: Vec<Finish> = batch
            .drain(..)
            .map(|op| op(began.as_ref().ok().map(|()| conn)))
            .collect();
        let commit = match began {
            Ok(()) => db::commit(conn).map_err(|e| {
                tracing::error!(error = %e, "write transaction failed to commit");
                let _ = db::rollback(conn);
                e.to_string()
            }),
            Err(e) => Err(e.to_string()),
        };
        // Before anyone is answered: whoever learns of the change finds the version moved.
        for watch in watched {
            if watch
                .touched
                .swap(false, std::sync::atomic::Ordering::Relaxed)
                && commit.is_ok()
            {
                watch
                    .version
                    .fetch_add(1, std::sync::atomic::Ordering::Release);
            }
        }
        for finish in finishes {
            finish(commit.clone());
        }
    }
    tracing::debug!("database writer stopped");
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn run(store: &Store, sql: &'static str) {
        store
            .write(move |conn| conn.execute_batch(sql).map_err(StoreError::from))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn what_follows_a_commit_happens_in_commit_order_even_when_the_caller_left() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("drover.db")).unwrap();
        // The writer is held inside a first write until the others are queued behind it.
        let (release, wait) = std::sync::mpsc::sync_channel::<()>(1);
        let (entered, inside) = tokio::sync::oneshot::channel::<()>();
        let writer = store.clone();
        let blocker = tokio::spawn(async move {
            writer
                .write(move |_| {
                    let _ = entered.send(());
                    wait.recv().ok();
                    Ok::<_, StoreError>(())
                })
                .await
        });
        // Only once the writer is inside it: a write queued earlier could commit and answer
        // at once, before the test drops its caller.
        inside.await.unwrap();
        let (told, mut heard) = tokio::sync::mpsc::channel(8);
        let write = |n: i64| {
            let (told, store) = (told.clone(), store.clone());
            async move {
                store
                    .write_then(
                        move |c| {
                            c.execute(
                                "INSERT INTO settings (name, value) VALUES (?1, '1')",
                                [format!("n{n}")],
                            )?;
                            Ok::<_, StoreError>(((), n))
                        },
                        move |n| told.try_send(n).unwrap(),
                    )
                    .await
            }
        };
        // The first caller goes away once its write is queued; the second waits for its answer.
        let mut dropped = Box::pin(write(1));
        assert!(futures_util::poll!(dropped.as_mut()).is_pending());
        drop(dropped);
        let kept = tokio::spawn(write(2));
        tokio::task::yield_now().await;
        release.send(()).unwrap();
        blocker.await.unwrap().unwrap();
        kept.await.unwrap().unwrap();
        assert_eq!(
            heard.recv().await,
            Some(1),
            "the dropped caller's write followed"
        );
        assert_eq!(heard.recv().await, Some(2));
        let kept = store
            .read(|c| {
                c.query_row(
                    "SELECT count(*) FROM settings WHERE name IN ('n1', 'n2')",
                    [],
                    |r| r.get::<_, i64>(0),
                )
                .map_err(StoreError::from)
            })
            .await
            .unwrap();
        assert_eq!(kept, 2);
        // A write refused by its own logic is not followed.
        let refused = store
            .write_then(
                |_| Err::<((), i64), _>(StoreError::Panicked),
                move |n| told.try_send(n).unwrap(),
            )
            .await;
        assert!(refused.is_err());
        assert!(heard.try_recv().is_err());
    }

    #[tokio::test]
    async fn the_production_version_moves_with_production_writes_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("drover.db")).unwrap();
        let start = store.production_version();
        run(
            &store,
            "INSERT INTO settings (name, value) VALUES ('farm', '1')",
        )
        .await;
        assert_eq!(store.production_version(), start, "a farm write");
        // An assignment made and taken back in one write: only a WITHOUT ROWID table, which
        // the update hook does not see, changed (foreign keys are checked at the commit).
        run(
            &store,
            "PRAGMA defer_foreign_keys = ON;
             INSERT INTO prod_task_person_link (task_id, person_id) VALUES ('t', 'p');
             DELETE FROM prod_task_person_link;",
        )
        .await;
        assert_eq!(store.production_version(), start + 1, "a link table");
        run(&store, "INSERT INTO projects (name) VALUES ('Spring')").await;
        assert_eq!(store.production_version(), start + 2, "the projects");
    }
}
