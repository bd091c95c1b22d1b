//! The state every handler shares: cheap to clone.

use crate::auth::AuthState;
use crate::store::Store;
use std::path::PathBuf;
use std::sync::Arc;

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    /// The database gateway.
    pub store: Store,
    /// Token cache and login throttle.
    pub auth: Arc<AuthState>,
    /// The data dir: database, secrets, logs, storage.
    pub data_dir: Arc<PathBuf>,
}

impl AppState {
    /// The default browse root, `storage/` in the data dir.
    pub fn default_storage(&self) -> PathBuf {
        self.data_dir.join("storage")
    }
}
