//! Preview backgrounds (`production/backgrounds/<id>.png` and `<id>-thumbnail.png`): the
//! pictures Kitsu's player shows behind a preview with transparency. An upload is decoded
//! within the [`super::picture`] budgets and stored as PNG, whatever it came as, with a
//! 150×100 thumbnail for the admin list.

use super::picture::{self, Source};
use super::{MediaError, fill, write_png};
use std::path::{Path, PathBuf};

fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("production").join("backgrounds")
}

/// The stored background (a PNG), by the row's id.
pub fn path(data_dir: &Path, background_id: &str) -> PathBuf {
    dir(data_dir).join(format!("{background_id}.png"))
}

/// Its 150×100 thumbnail.
pub fn thumbnail_path(data_dir: &Path, background_id: &str) -> PathBuf {
    dir(data_dir).join(format!("{background_id}-thumbnail.png"))
}

/// Decodes the upload at `source` and stores it and its thumbnail as PNGs; answers the
/// stored file's size in bytes.
pub async fn store(data_dir: &Path, background_id: &str, source: &Path) -> Result<u64, MediaError> {
    let (full, small) = (
        path(data_dir, background_id),
        thumbnail_path(data_dir, background_id),
    );
    picture::with_picture(Source::File(source.to_owned()), move |image, _| {
        write_png(&full, &image)?;
        write_png(&small, &fill(&image, 150, 100))?;
        Ok::<_, MediaError>(std::fs::metadata(&full)?.len())
    })
    .await
}
