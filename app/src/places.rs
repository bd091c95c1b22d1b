//! Where the app keeps things on this computer, in each platform's usual places (through
//! `directories`). On Windows: the local farm (database, previews, the worker's cache and
//! `local-admin.json`) under `%LOCALAPPDATA%\Drover\drover\data`, since none of it belongs
//! in a roaming profile, and what the start screen remembers (recent servers, the last
//! email) under `%APPDATA%\Drover\drover\config`, which roams with the person. On Linux and
//! macOS both stay where they always were (the data dir, and eframe's own storage dir).

use std::path::PathBuf;

/// The project's folders, as `directories` names them for this platform.
fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("org", "Drover", "drover")
}

/// The default data dir of the local farm: `local-farm` in the platform's local data dir
/// (on Linux and macOS the same as the data dir).
pub fn local_farm_dir() -> PathBuf {
    project_dirs().map_or_else(
        || PathBuf::from("drover-farm"),
        |dirs| dirs.data_local_dir().join("local-farm"),
    )
}

/// The file eframe keeps the app's remembered state in, when it is not eframe's default:
/// on Windows `app.ron` in the roaming config dir beside the rest of Drover's folders
/// (eframe's default would be `%APPDATA%\Drover\data`, a second tree).
pub fn settings_file() -> Option<PathBuf> {
    if cfg!(windows) {
        project_dirs().map(|dirs| dirs.config_dir().join("app.ron"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_local_farm_is_in_the_local_data_dir() {
        let dir = local_farm_dir();
        assert!(dir.ends_with("local-farm"), "{}", dir.display());
        #[cfg(target_os = "linux")]
        if let Some(dirs) = project_dirs() {
            // Unchanged on Linux: the XDG data dir, as before the Windows places.
            assert_eq!(dir, dirs.data_dir().join("local-farm"));
            assert_eq!(settings_file(), None);
        }
    }

    #[cfg(windows)]
    #[test]
    fn windows_places_local_and_roaming() {
        let local = PathBuf::from(std::env::var_os("LOCALAPPDATA").unwrap());
        let roaming = PathBuf::from(std::env::var_os("APPDATA").unwrap());
        assert!(
            local_farm_dir().starts_with(&local),
            "{}",
            local_farm_dir().display()
        );
        let settings = settings_file().unwrap();
        assert!(settings.starts_with(&roaming), "{}", settings.display());
        assert!(settings.ends_with("app.ron"));
    }
}
