//! What a playlist's zip holds (`GET /data/playlists/{p}/download/zip`, Kitsu's "Download
//! as zip"), as Zou fills it: for each entry, every preview of its revision (a movie, the
//! pictures of a sequence of frames, a file), each under its download name. The files are
//! streamed into the zip by the route; this says which and under what names.

use super::may_read;
use crate::production::db::data::{Data, text};
use crate::production::db::downloads::{download_name, slug};
use crate::production::db::{DataError, names};
use serde_json::Value;
use std::collections::HashSet;

/// The most files one zip holds: far past a day's review.
pub const MAX_ZIP_FILES: usize = 2_000;

/// One file of the zip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipEntry {
    /// The preview it is the original of.
    pub preview_id: String,
    /// The extension it is stored under (`mp4` for movies).
    pub extension: String,
    /// Its name in the zip.
    pub name: String,
}

/// A playlist's zip: its download name and its files.
#[derive(Debug, Clone)]
pub struct ZipPlan {
    /// `<production>_<playlist>.zip`, slugged.
    pub name: String,
    /// The files, in the playlist's order.
    pub entries: Vec<ZipEntry>,
}

/// The files of the playlist's zip, for someone who may read the playlist (vendors never;
/// clients only those shared with them). Previews not ready (still converting, broken) are
/// left out (a playlist without any gives an empty zip, as Zou's does); two files of the
/// same name get their position in the zip before it, as Zou does, so an extraction keeps
/// both.
pub fn plan(d: &Data, playlist_id: &str) -> Result<ZipPlan, DataError> {
    let playlist = d.get(names::PLAYLISTS, playlist_id)?;
    may_read(d, &playlist)?;
    let project = d.get(names::PROJECTS, text(&playlist, "project_id"))?;
    let mut entries = Vec::new();
    let mut taken = HashSet::new();
    for entry in playlist
        .get("shots")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(preview_id) = entry.get("preview_file_id").and_then(Value::as_str) else {
            continue;
        };
        let Ok(preview) = d.get(names::PREVIEW_FILES, preview_id) else {
            continue;
        };
        let revision = preview
            .get("revision")
            .and_then(Value::as_i64)
            .unwrap_or(1)
            .to_string();
        let mut revision_previews = d.list(
            names::PREVIEW_FILES,
            &[
                ("task_id", text(&preview, "task_id")),
                ("revision", &revision),
            ],
        )?;
        revision_previews.sort_by_key(|p| p.get("position").and_then(Value::as_i64).unwrap_or(1));
        for sub in revision_previews {
            if text(&sub, "status") != "ready" || text(&sub, "extension").is_empty() {
                continue;
            }
            let is_movie = sub.get("is_movie").and_then(Value::as_bool) == Some(true);
            let extension = if is_movie {
                "mp4".to_owned()
            } else {
                text(&sub, "extension").to_owned()
            };
            let mut name = download_name(d, &sub)?;
            if !taken.insert(name.clone()) {
                name = format!("{:04}_{name}", entries.len());
                taken.insert(name.clone());
            }
            entries.push(ZipEntry {
                preview_id: text(&sub, "id").to_owned(),
                extension,
                name,
            });
            if entries.len() > MAX_ZIP_FILES {
                return Err(DataError::BadRequest(format!(
                    "a playlist's zip holds at most {MAX_ZIP_FILES} files"
                )));
            }
        }
    }
    let name = format!(
        "{}_{}.zip",
        slug(text(&project, "name")),
        slug(text(&playlist, "name"))
    );
    Ok(ZipPlan { name, entries })
}
