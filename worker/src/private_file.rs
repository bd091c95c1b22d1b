//! Files only their owner may read: the worker's credentials, and the app's local admin
//! (`local-admin.json`). On Unix the file is created with mode 0600; Windows has no mode
//! bits, so the file gets a protected ACL whose one entry is the current user, before
//! anything is written to it.

use std::fs::File;
use std::io;
use std::path::Path;

/// Creates `path` (or empties it) for writing, readable and writable by this user only.
pub fn create(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(path)?;
    // Still empty: nothing secret has been readable by anyone else.
    #[cfg(windows)]
    crate::windows::restrict_to_owner(path)?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn only_the_owner_reads_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.json");
        std::fs::write(&path, "old and longer").unwrap();
        let mut file = create(&path).unwrap();
        file.write_all(b"new").unwrap();
        drop(file);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // A new file gets 0600; an existing one keeps its mode (the callers write a
            // fresh temporary file and rename it).
            let fresh = dir.path().join("fresh.json");
            drop(create(&fresh).unwrap());
            let mode = std::fs::metadata(&fresh).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
