//! Project chores, run as `cargo run -p xtask -- <task>`:
//!
//! - `blender-addon`: packs `blender/drover/` into `target/drover-blender-addon.zip`, the
//!   file Blender installs (Preferences > Add-ons > Install).

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let task = std::env::args().nth(1);
    let result = match task.as_deref() {
        Some("blender-addon") => blender_addon(),
        _ => Err("usage: cargo run -p xtask -- blender-addon".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// The workspace's root (xtask sits one folder below it).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_owned)
}

/// Writes the add-on's zip: every file of `blender/drover/` under a `drover/` folder, as
/// Blender expects, without caches.
fn blender_addon() -> Result<(), String> {
    let root = workspace_root();
    let source = root.join("blender").join("drover");
    // `CARGO_TARGET_DIR` moves the target folder; the zip goes where the builds go.
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    std::fs::create_dir_all(&target).map_err(|e| format!("creating {}: {e}", target.display()))?;
    let out = target.join("drover-blender-addon.zip");
    let file = File::create(&out).map_err(|e| format!("creating {}: {e}", out.display()))?;
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o644);
    let mut names: Vec<PathBuf> = std::fs::read_dir(&source)
        .map_err(|e| format!("reading {}: {e}", source.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "py"))
        .collect();
    names.sort();
    if names.is_empty() {
        return Err(format!("no Python files in {}", source.display()));
    }
    for path in &names {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| format!("{} has no UTF-8 name", path.display()))?;
        let bytes = std::fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        zip.start_file(format!("drover/{name}"), options)
            .and_then(|()| zip.write_all(&bytes).map_err(Into::into))
            .map_err(|e| format!("writing {name} into {}: {e}", out.display()))?;
    }
    zip.finish()
        .map_err(|e| format!("finishing {}: {e}", out.display()))?;
    eprintln!("wrote {} ({} files)", out.display(), names.len());
    Ok(())
}
