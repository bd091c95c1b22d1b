//! The worker's identity, kept in its work dir after registering once with the farm's join
//! token (`credentials.json`, readable by its owner only: see [`crate::private_file`]).

use drover_shared::protocol::WorkerCredentials;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

/// File name inside the work dir.
pub const FILE: &str = "credentials.json";

/// What is stored: the server it belongs to and the credentials.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stored {
    /// The server URL the credentials are for.
    pub server: String,
    /// Id and token.
    pub credentials: WorkerCredentials,
}

/// The stored credentials for `server`, if any.
pub fn load(work_dir: &Path, server: &str) -> Option<WorkerCredentials> {
    let text = std::fs::read_to_string(work_dir.join(FILE)).ok()?;
    let stored: Stored = serde_json::from_str(&text).ok()?;
    (stored.server == server).then_some(stored.credentials)
}

/// Stores credentials for `server`.
pub fn save(work_dir: &Path, server: &str, credentials: &WorkerCredentials) -> std::io::Result<()> {
    std::fs::create_dir_all(work_dir)?;
    let stored = Stored {
        server: server.to_owned(),
        credentials: credentials.clone(),
    };
    let text = serde_json::to_string_pretty(&stored).map_err(std::io::Error::other)?;
    let partial = work_dir.join(format!("{FILE}.part"));
    let mut file = crate::private_file::create(&partial)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(partial, work_dir.join(FILE))
}

#[cfg(test)]
mod tests {
    use super::*;
    use drover_shared::WorkerId;

    #[test]
    fn round_trip_per_server() {
        let dir = tempfile::tempdir().unwrap();
        let creds = WorkerCredentials {
            id: WorkerId(4),
            token: "wk.4.x".into(),
        };
        save(dir.path(), "http://a", &creds).unwrap();
        assert_eq!(load(dir.path(), "http://a"), Some(creds));
        assert_eq!(load(dir.path(), "http://b"), None);
    }
}
