//! Production media kept in the data dir: each Kitsu preview file's upload with the pictures
//! Kitsu serves for it (`production/previews/<id>/`: the original, a 150×100 rectangle
//! thumbnail, a 100×100 square one and a mid-size picture at most 1200 px wide; movies as
//! H.264 MP4 with a low copy, `movie`), files attached to comments
//! (`production/attachments/<id>`), and people's avatars (`production/avatars/<id>.png`).
//!
//! Storing an upload is asynchronous: pictures wait for a decode turn ([`picture`]) and
//! movies for an ffmpeg turn (`movie`, `queue`) without holding a thread, then do their
//! work on the blocking pool. The other functions block; callers run them on the blocking
//! pool.

pub mod archive;
pub mod background;
pub mod movie;
pub mod picture;
mod queue;

use picture::{PictureError, Source};

use image::{DynamicImage, ImageFormat};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Widest mid-size picture (Kitsu's).
const MID_WIDTH: u32 = 1200;
/// Tallest mid-size picture: a very tall picture is shrunk to this height.
const MID_HEIGHT: u32 = 4800;
/// Picture extensions; stored as PNG (JPEGs re-encoded).
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
    /// At most 1200 px wide (and 4800 px tall).
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

/// A playlist's built movie (`db::playlists::builds`), by its build job's id.
pub fn build_path(data_dir: &Path, job_id: &str) -> PathBuf {
    data_dir
        .join("production")
        .join("builds")
        .join(format!("{job_id}.mp4"))
}

/// A movie preview's low copy (see `movie::LOW_LINES`); absent for small movies.
pub fn movie_low_path(data_dir: &Path, preview_id: &str) -> PathBuf {
    preview_dir(data_dir, preview_id).join("low.mp4")
}

/// A person's avatar, a production's picture or the studio's logo (by the row's id, a UUID,
/// so the three never share a file).
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
/// thumbnail when it is a PNG or JPEG within the picture budgets ([`picture`]); any other
/// file, and a picture too large to decode, is stored as sent without one.
pub async fn store_attachment(
    data_dir: &Path,
    attachment_id: &str,
    source: &Path,
) -> Result<(), MediaError> {
    let path = attachment_path(data_dir, attachment_id);
    let (from, to) = (source.to_owned(), path.clone());
    blocking(move || place(&from, &to)).await??;
    let thumbnail = attachment_thumbnail_path(data_dir, attachment_id);
    let made = picture::with_picture(Source::File(path), move |image, _| {
        write_png(&thumbnail, &fill(&image, 150, 150))
    })
    .await;
    match made {
        Ok(()) | Err(MediaError::Refused(_) | MediaError::TooLarge(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// The picture cropped to `width`×`height` around its centre and scaled to it, averaging
/// the pixels it covers: no full-size copy is made, whatever the picture's size.
fn fill(image: &DynamicImage, width: u32, height: u32) -> DynamicImage {
    let (w, h) = (u64::from(image.width()), u64::from(image.height()));
    let (tw, th) = (u64::from(width), u64::from(height));
    // The largest centred region with the target's proportions.
    let (cw, ch) = if w * th > h * tw {
        ((h * tw / th).max(1), h)
    } else {
        (w, (w * th / tw).max(1))
    };
    let (cw, ch) = (
        u32::try_from(cw).unwrap_or(u32::MAX),
        u32::try_from(ch).unwrap_or(u32::MAX),
    );
    let x = (image.width() - cw.min(image.width())) / 2;
    let y = (image.height() - ch.min(image.height())) / 2;
    let region = image::imageops::crop_imm(image, x, y, cw, ch);
    DynamicImage::ImageRgba8(image::imageops::thumbnail(&*region, width, height))
}

/// The mid-size picture: at most [`MID_WIDTH`] wide and [`MID_HEIGHT`] tall, scaled down
/// by averaging.
fn mid_size(image: &DynamicImage) -> DynamicImage {
    let (w, h) = (u64::from(image.width()), u64::from(image.height()));
    let scale_w = w.min(u64::from(MID_WIDTH));
    let scale_h = (h * scale_w / w.max(1)).max(1);
    let (tw, th) = if scale_h > u64::from(MID_HEIGHT) {
        (
            (w * u64::from(MID_HEIGHT) / h.max(1)).max(1),
            u64::from(MID_HEIGHT),
        )
    } else {
        (scale_w.max(1), scale_h)
    };
    let (tw, th) = (
        u32::try_from(tw).unwrap_or(MID_WIDTH),
        u32::try_from(th).unwrap_or(MID_HEIGHT),
    );
    DynamicImage::ImageRgba8(image::imageops::thumbnail(image, tw, th))
}

/// The media a sweep looks after: each kept under its row's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Swept {
    /// `production/attachments/<id>` (and `<id>.thumbnail.png`).
    Attachments,
    /// `production/previews/<id>/`.
    Previews,
    /// `production/builds/<id>.mp4`: playlist movies (by build id).
    Builds,
}

/// Removes the media whose row is gone (a comment, task, preview or build deleted, a
/// request that ended before its row was written, or a crash before the files of a deletion
/// went); `has_row` says which ids have rows. Run at start, before requests. Answers how
/// many files or folders went.
pub fn sweep(
    data_dir: &Path,
    swept: Swept,
    has_row: impl Fn(&str) -> bool,
) -> std::io::Result<usize> {
    let folder = match swept {
        Swept::Attachments => "attachments",
        Swept::Previews => "previews",
        Swept::Builds => "builds",
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
    /// Over a size budget: pixels, memory, a movie's length or resolution.
    #[error("{0}")]
    TooLarge(String),
    /// Too many movies wait to be converted (`queue`).
    #[error("{0}")]
    Busy(String),
    /// Writing the files failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl From<PictureError> for MediaError {
    fn from(e: PictureError) -> Self {
        match e {
            PictureError::TooLarge(m) => Self::TooLarge(m),
            PictureError::Invalid(m) => Self::Refused(m),
            PictureError::Io(e) => Self::Io(e),
        }
    }
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

/// Stores an uploaded preview under its id: pictures (within the [`picture`] budgets) with
/// their thumbnails, movies made browser-playable with thumbnails from their first frame
/// when ffmpeg is installed (`movie`; `uploader` is whose turn it takes in the fair queue),
/// other review files as sent. Refuses unknown extensions, pictures that do not decode or
/// are too large, and movies that are not one of the accepted containers or are over the
/// budget; a refused first upload leaves no folder behind.
pub async fn store_preview(
    data_dir: &Path,
    preview_id: &str,
    file_name: &str,
    source: &Path,
    uploader: &str,
) -> Result<Stored, MediaError> {
    let dir = preview_dir(data_dir, preview_id);
    let first = !tokio::fs::try_exists(&dir).await.unwrap_or(false);
    let stored = store_preview_in(data_dir, preview_id, file_name, source, uploader).await;
    if stored.is_err() && first {
        let (data_dir, id) = (data_dir.to_owned(), preview_id.to_owned());
        blocking(move || remove_preview(&data_dir, &id)).await?;
    }
    stored
}

async fn store_preview_in(
    data_dir: &Path,
    preview_id: &str,
    file_name: &str,
    source: &Path,
    uploader: &str,
) -> Result<Stored, MediaError> {
    let extension = Path::new(file_name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let (data_dir, id, source) = (
        data_dir.to_owned(),
        preview_id.to_owned(),
        source.to_owned(),
    );
    if PICTURES.contains(&extension.as_str()) {
        return picture::with_picture(Source::File(source.clone()), move |image, header| {
            write_pictures(&data_dir, &id, &image)?;
            let original = preview_path(&data_dir, &id, Kind::Original, "png");
            if header.format == ImageFormat::Png {
                // Kept as sent, as Kitsu does: it decoded, so it is the PNG it says it is.
                place(&source, &original)?;
            } else {
                write_png(&original, &image)?;
            }
            Ok(Stored {
                extension: "png".into(),
                width: header.width,
                height: header.height,
                ..Stored::default()
            })
        })
        .await;
    }
    if MOVIES.contains(&extension.as_str()) {
        let original = preview_path(&data_dir, &id, Kind::Original, "mp4");
        let low = movie_low_path(&data_dir, &id);
        let made = movie::make(&source, &original, &low, uploader).await?;
        let stored = Stored {
            extension: "mp4".into(),
            is_movie: true,
            width: made.width,
            height: made.height,
            duration: made.duration,
        };
        if let Some(frame) = made.frame {
            blocking(move || write_pictures(&data_dir, &id, &frame)).await??;
        }
        return Ok(stored);
    }
    if OTHERS.contains(&extension.as_str()) {
        let path = preview_path(&data_dir, &id, Kind::Original, &extension);
        blocking(move || place(&source, &path)).await??;
        return Ok(Stored {
            extension,
            ..Stored::default()
        });
    }
    Err(MediaError::Refused(format!(
        "Wrong file format, extension: {extension}"
    )))
}

/// Writes the thumbnails of a picture (the original is written by the caller).
fn write_pictures(
    data_dir: &Path,
    preview_id: &str,
    image: &DynamicImage,
) -> Result<(), MediaError> {
    for (kind, picture) in [
        (Kind::Thumbnail, fill(image, 150, 100)),
        (Kind::Square, fill(image, 100, 100)),
        (Kind::MidSize, mid_size(image)),
    ] {
        write_png(&preview_path(data_dir, preview_id, kind, "png"), &picture)?;
    }
    Ok(())
}

/// Runs `f` on the blocking pool.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> std::io::Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| std::io::Error::other(format!("storing media: {e}")))
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

/// Writes a file through `write` beside `path`, flushes it to disk and renames it into place.
fn write_with(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let partial = path.with_extension("part");
    let result = (|| {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&partial)?);
        write(&mut file)?;
        file.into_inner()
            .map_err(std::io::IntoInnerError::into_error)?
            .sync_all()
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    std::fs::rename(partial, path)
}

/// Writes a picture as PNG, streamed: the compressed picture is never held whole in memory
/// (a 100-megapixel JPEG's PNG can take hundreds of megabytes).
fn write_png(path: &Path, image: &DynamicImage) -> Result<(), MediaError> {
    let converted;
    let (picture, color) = match image {
        DynamicImage::ImageLuma8(p) => (p.as_raw().as_slice(), png::ColorType::Grayscale),
        DynamicImage::ImageLumaA8(p) => (p.as_raw().as_slice(), png::ColorType::GrayscaleAlpha),
        DynamicImage::ImageRgb8(p) => (p.as_raw().as_slice(), png::ColorType::Rgb),
        DynamicImage::ImageRgba8(p) => (p.as_raw().as_slice(), png::ColorType::Rgba),
        // Only thumbnails of deeper pictures come here, and they are small.
        other => {
            converted = other.to_rgba8();
            (converted.as_raw().as_slice(), png::ColorType::Rgba)
        }
    };
    let encoding = |e: png::EncodingError| std::io::Error::other(format!("encoding a PNG: {e}"));
    write_with(path, |file| {
        let mut encoder = png::Encoder::new(file, image.width(), image.height());
        encoder.set_color(color);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(encoding)?;
        let mut stream = writer.stream_writer().map_err(encoding)?;
        stream.write_all(picture)?;
        stream.finish().map_err(encoding)?;
        writer.finish().map_err(encoding)
    })?;
    Ok(())
}

/// Stores a person's avatar as a 150×150 PNG (a PNG or JPEG within the [`picture`]
/// budgets).
pub async fn store_avatar(
    data_dir: &Path,
    person_id: &str,
    source: &Path,
) -> Result<(), MediaError> {
    let path = avatar_path(data_dir, person_id);
    picture::with_picture(Source::File(source.to_owned()), move |image, _| {
        write_png(&path, &fill(&image, 150, 150))
    })
    .await
}

#[cfg(test)]
mod tests;
