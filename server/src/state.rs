//! The state every handler shares: cheap to clone.

use crate::auth::AuthState;
use crate::events::EventBus;
use crate::store::Store;
use drover_shared::events::EventKind;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::Notify;

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    /// The database gateway.
    pub store: Store,
    /// Token cache and login throttle.
    pub(crate) auth: Arc<AuthState>,
    /// The data dir: database, secrets, logs, storage.
    pub(crate) data_dir: Arc<PathBuf>,
    /// Live events for `/api/events`.
    pub(crate) events: EventBus,
    /// Publishes committed writes' events on `events`, in commit order.
    pub(crate) publisher: crate::events::Publisher,
    /// Heartbeats that changed nothing but `last_seen` and facts, written once a second.
    pub(crate) beats: Arc<crate::farm::beats::Beats>,
    /// Woken whenever a task may have become runnable; idle workers' claims wait on it.
    pub(crate) work: Arc<Notify>,
    /// The production tables' columns, read from the database at start.
    pub(crate) production: Arc<crate::production::db::Schema>,
    /// The FIDO relying party and its ceremonies in progress.
    pub(crate) fido: Arc<crate::auth::fido::Fido>,
    /// SHA-256 of the farm's join token.
    pub(crate) join_token_hash: [u8; 32],
    /// Kitsu's live events (Socket.IO), sent after production writes commit.
    pub(crate) live: crate::production::live::Live,
    /// Kitsu's with-tasks lists, kept until production data changes.
    pub(crate) lists: Arc<crate::production::lists::Lists>,
    /// The file uploads being received, one request each.
    pub(crate) uploads: crate::farm::file_store::UploadLocks,
    /// Sends notices' e-mails and chat messages.
    pub(crate) notifier: Arc<crate::farm::notify::Notifier>,
}

impl AppState {
    /// Runs a write that tells of itself: `f` pushes the events of what it changed, and the
    /// writer hands them to the publisher once its transaction committed, before the answer.
    /// So dashboards hear of writes in the order they committed (a job's progress never ends
    /// on older counts), and a request dropped after its commit (its client went away) still
    /// has its events sent.
    pub async fn write_publishing<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&rusqlite::Connection, &mut Vec<EventKind>) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<crate::store::StoreError> + Send + 'static,
    {
        let publisher = self.publisher.clone();
        self.store
            .write_then(
                move |conn| {
                    let mut events = Vec::new();
                    f(conn, &mut events).map(|answer| (answer, events))
                },
                move |events| publisher.publish(events),
            )
            .await
    }

    /// The same for Kitsu's side: `f` answers its value and its live events, which go to the
    /// Socket.IO sender from the writer's thread once the write committed. So pages hear of
    /// production writes in commit order, and a request dropped after its commit still has
    /// its events sent.
    pub(crate) async fn write_live<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(
                &rusqlite::Connection,
            ) -> Result<(T, Vec<crate::production::db::live::LiveEvent>), E>
            + Send
            + 'static,
        T: Send + 'static,
        E: From<crate::store::StoreError> + Send + 'static,
    {
        let live = self.live.clone();
        self.store
            .write_then(f, move |events| live.publish_committed(events))
            .await
    }

    /// Wakes the workers waiting for work: after a change that may make many tasks runnable
    /// (a job submitted or resumed, a limit raised, a worker gone).
    pub fn work_available(&self) {
        self.work.notify_waiters();
    }

    /// Wakes one waiting worker: a task ended, which frees one slot of its job's cap and
    /// limits, or makes one task runnable again. The worker that ended it claims again by
    /// itself; waking every idle worker on each of thousands of completions a second had them
    /// all run the claim for one slot (measured: a third of the dispatch rate lost with
    /// caps and limits in use). A woken worker that finds nothing waits again; the others
    /// look anyway every few seconds.
    pub fn task_ended(&self) {
        self.work.notify_one();
    }

    /// The default browse root, `storage/` in the data dir.
    pub fn default_storage(&self) -> PathBuf {
        self.data_dir.join("storage")
    }
}
