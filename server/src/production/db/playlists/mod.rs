//! Playlists as Kitsu's review room reads and fills them: one playlist with every preview of
//! its entries by task type (so the room can switch task type and revision), entities added
//! with their latest preview, and throw-away playlists built from selected tasks. Zou's
//! shapes (`get_playlist_with_preview_file_revisions`, `add_entities_to_playlist`,
//! `generate_temp_playlist`).

mod add;
mod previews;
mod temp;
mod view;

pub use add::{add_entities, add_entity};
pub use temp::temp_playlist;
pub use view::project_playlist;
