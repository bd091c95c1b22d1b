//! Playlists as Kitsu's review room reads and fills them: one playlist with every preview of
//! its entries by task type (so the room can switch task type and revision), entities added
//! with their latest preview, and throw-away playlists built from selected tasks. Zou's
//! shapes (`get_playlist_with_preview_file_revisions`, `add_entities_to_playlist`,
//! `generate_temp_playlist`).

mod add;
pub mod builds;
mod previews;
mod temp;
mod view;
pub mod zip;

pub use add::{add_entities, add_entity};
pub use temp::temp_playlist;
pub use view::project_playlist;

use super::DataError;
use super::data::{Data, Row};
use drover_shared::Role;
use serde_json::Value;

/// A playlist's fields as Kitsu's "Add a playlist" and "Edit" send them, read as Zou reads
/// them: a `task_type_id` that names no task type (`""` for "All") is none, and so is the
/// episode `"all"` or `"main"` (a TV show's every episode or its main pack).
pub fn normalise_fields(body: &mut Row) {
    if let Some(Value::String(task_type)) = body.get("task_type_id")
        && uuid::Uuid::parse_str(task_type).is_err()
    {
        body.insert("task_type_id".into(), Value::Null);
    }
    if let Some(Value::String(episode)) = body.get("episode_id")
        && matches!(episode.as_str(), "" | "all" | "main")
    {
        body.insert("episode_id".into(), Value::Null);
    }
}

/// Vendors review nothing of the production; clients only the playlists shared with them
/// (Zou's `check_playlist_read_access`).
pub(super) fn may_read(d: &Data, playlist: &Row) -> Result<(), DataError> {
    match d.viewer.role {
        Role::Vendor => Err(DataError::Forbidden(
            "vendors do not watch the production's playlists".into(),
        )),
        Role::Client if playlist.get("for_client").and_then(Value::as_bool) != Some(true) => Err(
            DataError::Forbidden("this playlist is not shared with clients".into()),
        ),
        _ => Ok(()),
    }
}
