//! Finding the programs a worker runs: a path given on the command line, else the program
//! on PATH (`blender.exe` on Windows), else — Blender on Windows, whose installer does not
//! touch PATH — its usual install folders, `Blender Foundation\Blender X.Y` under Program
//! Files, newest version first.

use std::ffi::OsStr;
use std::path::PathBuf;

/// `given` if it exists, else `name` on PATH, else (for Blender on Windows) the newest
/// installed one.
pub fn find(given: Option<PathBuf>, name: &str) -> Option<String> {
    if let Some(path) = given {
        return path.exists().then(|| path.to_string_lossy().into_owned());
    }
    let found = std::env::var_os("PATH")
        .and_then(|path| on_path(&path, name, std::env::consts::EXE_SUFFIX))
        .or_else(|| {
            (cfg!(windows) && name == "blender")
                .then(|| blender_installs(&program_files()).into_iter().next())
                .flatten()
        });
    found.map(|p| p.to_string_lossy().into_owned())
}

/// The first `name` + `exe_suffix` that is a file in a folder of `path` (a PATH value).
pub fn on_path(path: &OsStr, name: &str, exe_suffix: &str) -> Option<PathBuf> {
    std::env::split_paths(path)
        .map(|dir| dir.join(format!("{name}{exe_suffix}")))
        .find(|candidate| candidate.is_file())
}

/// The Program Files folders of this Windows (both, on a 64-bit system running a 32-bit
/// worker); none elsewhere.
fn program_files() -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = ["ProgramFiles", "ProgramW6432"]
        .into_iter()
        .filter_map(std::env::var_os)
        .map(PathBuf::from)
        .collect();
    roots.dedup();
    roots
}

/// Every `blender.exe` under `<root>\Blender Foundation\<Blender X.Y>` for each of `roots`,
/// the newest version first (a folder without a version last).
pub fn blender_installs(roots: &[PathBuf]) -> Vec<PathBuf> {
    let mut found: Vec<(Vec<u32>, PathBuf)> = roots
        .iter()
        .filter_map(|root| std::fs::read_dir(root.join("Blender Foundation")).ok())
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let exe = entry.path().join("blender.exe");
            exe.is_file()
                .then(|| (blender_version(&entry.file_name().to_string_lossy()), exe))
        })
        .collect();
    found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    found.into_iter().map(|(_, exe)| exe).collect()
}

/// The version in an install folder's name: `Blender 4.2` → `[4, 2]`, `Blender 3.6.5` →
/// `[3, 6, 5]`; empty when there is none (sorts before every version).
fn blender_version(folder: &str) -> Vec<u32> {
    folder
        .rsplit(' ')
        .next()
        .map(|version| {
            version
                .split('.')
                .map_while(|part| part.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn versions_from_install_folders() {
        assert_eq!(blender_version("Blender 4.2"), vec![4, 2]);
        assert_eq!(blender_version("Blender 3.6.5"), vec![3, 6, 5]);
        assert_eq!(blender_version("Blender"), Vec::<u32>::new());
        assert!(blender_version("Blender 4.10") > blender_version("Blender 4.9"));
    }

    #[test]
    fn newest_blender_install_first() {
        let program_files = tempfile::tempdir().unwrap();
        let x86 = tempfile::tempdir().unwrap();
        let install = |root: &Path, folder: &str| {
            let dir = root.join("Blender Foundation").join(folder);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("blender.exe"), "").unwrap();
            dir.join("blender.exe")
        };
        let old = install(program_files.path(), "Blender 3.6");
        let newest = install(program_files.path(), "Blender 4.10");
        let middle = install(x86.path(), "Blender 4.2");
        let unversioned = install(x86.path(), "Blender");
        // A folder without blender.exe (an uninstall's leftovers) is no install.
        std::fs::create_dir_all(program_files.path().join("Blender Foundation/Blender 5.0"))
            .unwrap();
        let roots = [
            program_files.path().to_owned(),
            x86.path().to_owned(),
            PathBuf::from("/no/such/root"),
        ];
        assert_eq!(
            blender_installs(&roots),
            vec![newest, middle, old, unversioned]
        );
    }

    #[test]
    fn programs_on_path_with_the_platforms_suffix() {
        let first = tempfile::tempdir().unwrap();
        let second = tempfile::tempdir().unwrap();
        std::fs::write(second.path().join("blender.exe"), "").unwrap();
        std::fs::write(second.path().join("ffmpeg"), "").unwrap();
        let path = std::env::join_paths([first.path(), second.path()]).unwrap();
        assert_eq!(
            on_path(&path, "blender", ".exe"),
            Some(second.path().join("blender.exe"))
        );
        assert_eq!(on_path(&path, "blender", ""), None);
        assert_eq!(
            on_path(&path, "ffmpeg", ""),
            Some(second.path().join("ffmpeg"))
        );
    }
}
