//! Production media kept in the data dir: each Kitsu preview file's upload with the pictures
//! Kitsu serves for it (`production/previews/<id>/`: the original, a 150×100 rectangle
//! thumbnail, a 100×100 square one and a mid-size picture at most 1200 px wide; movies as
//! H.264 MP4 with a low copy, [`movie`]), files attached to comments
//! (`production/attachments/<id>`), and people's avatars (`production/avatars/<id>.png`).
//! All functions block; callers run them on the blocking pool.

mod movie;

use image::{DynamicImage, ImageFormat};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Picture extensions; stored re-encoded as PNG.
const PICTURES: &[&str] = &["png", "jpg", "jpeg", "jpe"];
/// Movie extensions; normalised to H.264 MP4 when ffmpeg is installed ([`movie`]).
const MOVIES: &[&str] = &["mp4", "mov", "m4v", "mkv", "avi", "webm", "wmv"];
/// Other files a review may carry; stored as sent, with no pictures.
const OTHERS: &[&str] = &[
    "pdf", "zip", "rar", "ai", "psd", "exr", "blend", "glb", "gltf", "obj", "fbx", "kra", "svg",
    "wav", "mp3", "ogg",
];

/// One of the files Kitsu serves for a preview.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// As uploaded (pictures re-encoded as PNG).
    Original,
    /// 150×100, cropped to fill.
    Thumbnail,
    /// 100×100, cropped to fill.
    Square,
    /// At most 1200 px wide.
    MidSize,
}

impl Kind {
    /// The kind a URL segment names (`thumbnails`, `thumbnails-square`, `previews`,
    /// `originals`).
    pub fn from_route(segment: &str) -> Option<Self> {
        match segment {
            "originals" => Some(Self::Original),
            "thumbnails" => Some(Self::Thumbnail),
            "thumbnails-square" => Some(Self::Square),
            "previews" => Some(Self::MidSize),
            _ => None,
        }
    }
}

/// The directory of a preview file's media.
fn preview_dir(data_dir: &Path, preview_id: &str) -> PathBuf {
    data_dir
        .join("production")
        .join("previews")
        .join(preview_id)
}

/// The file of a preview at a kind, for its stored extension.
pub fn preview_path(data_dir: &Path, preview_id: &str, kind: Kind, extension: &str) -> PathBuf {
    let name = match kind {
        Kind::Original => format!("original.{extension}"),
        Kind::Thumbnail => "thumbnail.png".into(),
        Kind::Square => "square.png".into(),
        Kind::MidSize => "mid.png".into(),
    };
    preview_dir(data_dir, preview_id).join(name)
}

/// A movie preview's low copy (see [`movie::LOW_LINES`]); absent for small movies.
pub fn movie_low_path(data_dir: &Path, preview_id: &str) -> PathBuf {
    preview_dir(data_dir, preview_id).join("low.mp4")
}

/// A person's avatar.
pub fn avatar_path(data_dir: &Path, person_id: &str) -> PathBuf {
    data_dir
        .join("production")
        .join("avatars")
        .join(format!("{person_id}.png"))
}

/// A file attached to a comment.
pub fn attachment_path(data_dir: &Path, attachment_id: &str) -> PathBuf {
    data_dir
        .join("production")
        .join("attachments")
        .join(attachment_id)
}

/// The 150×150 thumbnail of a picture attached to a comment.
pub fn attachment_thumbnail_path(data_dir: &Path, attachment_id: &str) -> PathBuf {
    attachment_path(data_dir, attachment_id).with_extension("thumbnail.png")
}

/// Stores a comment's attachment (a spooled upload, moved into place) under its id, with a
/// thumbnail when it is a picture that decodes (any other file is stored as sent).
pub fn store_attachment(
    data_dir: &Path,
    attachment_id: &str,
    source: &Path,
) -> Result<(), MediaError> {
    let path = attachment_path(data_dir, attachment_id);
    place(source, &path)?;
    // The format from the first bytes, so a big file that is no picture is not read whole.
    let mut head = [0u8; 64];
    let read = std::fs::File::open(&path)?.read(&mut head)?;
    let Ok(format) = image::guess_format(&head[..read]) else {
        return Ok(());
    };
    let Ok(picture) = image::load_from_memory_with_format(&std::fs::read(&path)?, format) else {
        return Ok(());
    };
    write_square(
        &picture,
        &attachment_thumbnail_path(data_dir, attachment_id),
    )
}

/// Writes a picture cropped to a 150×150 PNG (avatars, attachment thumbnails).
fn write_square(picture: &DynamicImage, path: &Path) -> Result<(), MediaError> {
    let square = picture.resize_to_fill(150, 150, image::imageops::FilterType::Triangle);
    let mut png = Vec::new();
    square
        .write_to(&mut std::io::Cursor::new(&mut png), ImageFormat::Png)
        .map_err(|e| MediaError::Refused(format!("encoding the picture: {e}")))?;
    write_atomically(path, &png)?;
    Ok(())
}

/// The media a sweep looks after: each kept under its row's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Swept {
    /// `production/attachments/<id>` (and `<id>.thumbnail.png`).
    Attachments,
    /// `production/previews/<id>/`.
    Previews,
}

/// Removes the media whose row is gone (a comment, task or preview deleted, or a request
/// that ended before its row was written); `has_row` says which ids have rows. Run at start,
/// before requests. Answers how many files or folders went.
pub fn sweep(
    data_dir: &Path,
    swept: Swept,
    has_row: impl Fn(&str) -> bool,
) -> std::io::Result<usize> {
    let folder = match swept {
        Swept::Attachments => "attachments",
        Swept::Previews => "previews",
    };
    let entries = match std::fs::read_dir(data_dir.join("production").join(folder)) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        other => other?,
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        // `<id>`, `<id>.thumbnail.png`, or a `.part` of either.
        let id = name.to_string_lossy();
        let id = id.split('.').next().unwrap_or("");
        if !has_row(id) {
            if entry.file_type()?.is_dir() {
                std::fs::remove_dir_all(entry.path())?;
            } else {
                std::fs::remove_file(entry.path())?;
            }
            removed += 1;
        }
    }
    Ok(removed)
}

/// Removes a preview's media; a folder already gone is not an error.
pub fn remove_preview(data_dir: &Path, preview_id: &str) {
    let dir = preview_dir(data_dir, preview_id);
    if let Err(e) = std::fs::remove_dir_all(&dir)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(path = %dir.display(), error = %e, "removing a preview's media");
    }
}

/// Removes an attachment's files; a file already gone is not an error.
pub fn remove_attachment(data_dir: &Path, attachment_id: &str) {
    for path in [
        attachment_path(data_dir, attachment_id),
        attachment_thumbnail_path(data_dir, attachment_id),
    ] {
        if let Err(e) = std::fs::remove_file(&path)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(path = %path.display(), error = %e, "removing an attachment file");
        }
    }
}

/// Why an upload was refused.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// Not a format Kitsu takes, or not decodable.
    #[error("{0}")]
    Refused(String),
    /// Writing the files failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// What was stored for an upload.
#[derive(Debug, Clone, Default)]
pub struct Stored {
    /// Stored extension.
    pub extension: String,
    /// Pixels, when known.
    pub width: u32,
    /// Pixels, when known.
    pub height: u32,
    /// Seconds, for movies whose length ffprobe could read.
    pub duration: f64,
    /// A movie.
    pub is_movie: bool,
}

/// Stores an uploaded preview under its id: pictures with their thumbnails, movies as sent
/// with thumbnails from their first frame when ffmpeg is installed, other review files as
/// sent. Refuses unknown extensions and pictures that do not decode; a refused first upload
/// leaves no folder behind.
pub fn store_preview(
    data_dir: &Path,
    preview_id: &str,
    file_name: &str,
    source: &Path,
) -> Result<Stored, MediaError> {
    let dir = preview_dir(data_dir, preview_id);
    let first = !dir.exists();
    let stored = store_preview_in(&dir, data_dir, preview_id, file_name, source);
    if stored.is_err() && first {
        remove_preview(data_dir, preview_id);
    }
    stored
}

fn store_preview_in(
    dir: &Path,
    data_dir: &Path,
    preview_id: &str,
    file_name: &str,
    source: &Path,
) -> Result<Stored, MediaError> {
    let extension = Path::new(file_name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    std::fs::create_dir_all(dir)?;
    if PICTURES.contains(&extension.as_str()) {
        let image = image::load_from_memory(&std::fs::read(source)?)
            .map_err(|e| MediaError::Refused(format!("the picture does not decode: {e}")))?;
        write_pictures(data_dir, preview_id, &image, true)?;
        return Ok(Stored {
            extension: "png".into(),
            width: image.width(),
            height: image.height(),
            ..Stored::default()
        });
    }
    if MOVIES.contains(&extension.as_str()) {
        let placed = dir.join(format!("source.{extension}"));
        place(source, &placed)?;
        let path = preview_path(data_dir, preview_id, Kind::Original, "mp4");
        movie::normalise(&placed, &path, &movie_low_path(data_dir, preview_id))?;
        let mut stored = Stored {
            extension: "mp4".into(),
            is_movie: true,
            ..Stored::default()
        };
        if let Some(frame) = movie::first_frame(&path) {
            stored.width = frame.width();
            stored.height = frame.height();
            write_pictures(data_dir, preview_id, &frame, false)?;
        }
        stored.duration = movie::duration(&path).unwrap_or(0.0);
        return Ok(stored);
    }
    if OTHERS.contains(&extension.as_str()) {
        let path = preview_path(data_dir, preview_id, Kind::Original, &extension);
        place(source, &path)?;
        return Ok(Stored {
            extension,
            ..Stored::default()
        });
    }
    Err(MediaError::Refused(format!(
        "Wrong file format, extension: {extension}"
    )))
}

/// Writes the thumbnails (and the original, for pictures) of an image.
fn write_pictures(
    data_dir: &Path,
    preview_id: &str,
    image: &DynamicImage,
    original: bool,
) -> Result<(), MediaError> {
    let mut sizes = vec![
        (
            Kind::Thumbnail,
            image.resize_to_fill(150, 100, image::imageops::FilterType::Triangle),
        ),
        (
            Kind::Square,
            image.resize_to_fill(100, 100, image::imageops::FilterType::Triangle),
        ),
        (
            Kind::MidSize,
            if image.width() > 1200 {
                image.resize(1200, u32::MAX, image::imageops::FilterType::Triangle)
            } else {
                image.clone()
            },
        ),
    ];
    if original {
        sizes.push((Kind::Original, image.clone()));
    }
    for (kind, picture) in sizes {
        let mut png = Vec::new();
        picture
            .write_to(&mut std::io::Cursor::new(&mut png), ImageFormat::Png)
            .map_err(|e| MediaError::Refused(format!("encoding the picture: {e}")))?;
        write_atomically(&preview_path(data_dir, preview_id, kind, "png"), &png)?;
    }
    Ok(())
}

/// Where uploads are spooled while they arrive: on the data dir's disk, so that storing one
/// is a rename and nothing is held in memory.
fn spool_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("production").join("uploads")
}

/// Empties the spool of what a stopped server was receiving; run once at start.
pub fn clear_spool(data_dir: &Path) -> std::io::Result<()> {
    let dir = spool_dir(data_dir);
    match std::fs::remove_dir_all(&dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    std::fs::create_dir_all(dir)
}

/// A new empty file in the spool; removed when dropped, unless moved into place first.
pub fn spool_file(data_dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let dir = spool_dir(data_dir);
    std::fs::create_dir_all(&dir)?;
    tempfile::Builder::new().prefix("upload-").tempfile_in(dir)
}

/// Moves a spooled file into place, durably (flushed to disk, then renamed).
fn place(source: &Path, target: &Path) -> std::io::Result<()> {
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::File::open(source)?.sync_all()?;
    std::fs::rename(source, target)
}

/// Writes beside and renames into place, so a reader never sees half a file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let partial = path.with_extension("part");
    let mut file = std::fs::File::create(&partial)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(partial, path)
}

/// Stores a person's avatar as a 150×150 PNG.
pub fn store_avatar(data_dir: &Path, person_id: &str, source: &Path) -> Result<(), MediaError> {
    let image = image::load_from_memory(&std::fs::read(source)?)
        .map_err(|e| MediaError::Refused(format!("the picture does not decode: {e}")))?;
    write_square(&image, &avatar_path(data_dir, person_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = DynamicImage::new_rgb8(width, height);
        let mut out = Vec::new();
        image
            .write_to(&mut std::io::Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    /// `bytes` as a spooled upload.
    fn spooled(data_dir: &Path, bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut file = spool_file(data_dir).unwrap();
        file.write_all(bytes).unwrap();
        file
    }

    #[test]
    fn pictures_get_kitsu_sizes_and_bad_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let upload = spooled(d, &png(1600, 900));
        let stored = store_preview(d, "p1", "frame.PNG", upload.path()).unwrap();
        assert_eq!((stored.width, stored.height), (1600, 900));
        let size = |kind| {
            let path = preview_path(dir.path(), "p1", kind, "png");
            image::image_dimensions(path).unwrap()
        };
        assert_eq!(size(Kind::Thumbnail), (150, 100));
        assert_eq!(size(Kind::Square), (100, 100));
        assert_eq!(size(Kind::MidSize), (1200, 675));
        assert_eq!(size(Kind::Original), (1600, 900));
        assert!(matches!(
            store_preview(d, "p2", "notes.txt", spooled(d, b"hi").path()),
            Err(MediaError::Refused(m)) if m.contains("extension: txt")
        ));
        assert!(matches!(
            store_preview(d, "p3", "broken.png", spooled(d, b"not a png").path()),
            Err(MediaError::Refused(_))
        ));
        // Refused first uploads leave no folder; a refused second one keeps the first's media.
        assert!(!preview_dir(d, "p2").exists() && !preview_dir(d, "p3").exists());
        assert!(store_preview(d, "p1", "broken.png", spooled(d, b"no").path()).is_err());
        assert!(preview_path(d, "p1", Kind::Original, "png").exists());
        store_avatar(d, "me", spooled(d, &png(40, 80)).path()).unwrap();
        assert_eq!(
            image::image_dimensions(avatar_path(d, "me")).unwrap(),
            (150, 150)
        );
        // A review file is moved into place, not copied; the spool ends empty.
        let pdf = spooled(d, b"%PDF-1.4");
        store_preview(d, "p4", "notes.pdf", pdf.path()).unwrap();
        assert!(!pdf.path().exists());
        assert_eq!(
            std::fs::read(preview_path(d, "p4", Kind::Original, "pdf")).unwrap(),
            b"%PDF-1.4"
        );
        drop(pdf);
        // Files of attachments without rows go; the others stay.
        for name in [
            "kept",
            "kept.thumbnail.png",
            "gone",
            "gone.thumbnail.png",
            "gone.part",
        ] {
            std::fs::create_dir_all(d.join("production/attachments")).unwrap();
            std::fs::write(d.join("production/attachments").join(name), b"x").unwrap();
        }
        assert_eq!(sweep(d, Swept::Attachments, |id| id == "kept").unwrap(), 3);
        assert!(attachment_path(d, "kept").exists() && !attachment_path(d, "gone").exists());
        // Previews: p1 and p4 were stored above, and a stray folder was left by a stopped
        // server; only p1 has a row.
        std::fs::create_dir_all(preview_dir(d, "stray")).unwrap();
        assert_eq!(sweep(d, Swept::Previews, |id| id == "p1").unwrap(), 2);
        assert!(preview_dir(d, "p1").exists() && !preview_dir(d, "p4").exists());
        clear_spool(d).unwrap();
        assert_eq!(std::fs::read_dir(spool_dir(d)).unwrap().count(), 0);
    }
}
