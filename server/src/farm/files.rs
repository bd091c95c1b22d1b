//! What the server keeps as files in its data dir: task logs (`logs/job-N/task-M.txt`) and
//! each job's last-rendered image with its thumbnails (`previews/job-N/{full,w600,w200}.jpg`).
//! All functions block; callers run them on the blocking pool.

use crate::production::media::picture::{self, PictureError, Source};
use drover_shared::api::PreviewSize;
use drover_shared::{JobId, TaskId};
use image::{DynamicImage, ImageFormat};
use std::borrow::Cow;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Bytes `logtail` returns.
pub const LOG_TAIL_BYTES: u64 = 4096;
/// Width of the "full" preview at most.
const FULL_WIDTH_MAX: u32 = 1920;

/// A task's log file.
pub fn log_path(data_dir: &Path, job: JobId, task: TaskId) -> PathBuf {
    data_dir
        .join("logs")
        .join(format!("job-{job}"))
        .join(format!("task-{task}.txt"))
}

/// Appends text to a task's log; returns where it starts in the file (bytes).
pub fn append_log(data_dir: &Path, job: JobId, task: TaskId, text: &str) -> std::io::Result<u64> {
    let path = log_path(data_dir, job, task);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    // One worker writes a task's log, one update at a time: the length is where this lands.
    let offset = file.metadata()?.len();
    file.write_all(text.as_bytes())?;
    Ok(offset)
}

/// The last [`LOG_TAIL_BYTES`] of a task's log, starting at a line when it can; `None` when
/// the task has no log yet.
pub fn log_tail(data_dir: &Path, job: JobId, task: TaskId) -> std::io::Result<Option<String>> {
    let mut file = match std::fs::File::open(log_path(data_dir, job, task)) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let len = file.metadata()?.len();
    let start = len.saturating_sub(LOG_TAIL_BYTES);
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::with_capacity(LOG_TAIL_BYTES as usize);
    file.read_to_end(&mut bytes)?;
    let mut text = String::from_utf8_lossy(&bytes).into_owned();
    if start > 0
        && let Some(newline) = text.find('\n')
        && newline + 1 < text.len()
    {
        text.drain(..=newline);
    }
    Ok(Some(text))
}

/// Removes a job's logs, previews and outputs (after the job was deleted).
pub fn remove_job_files(data_dir: &Path, job: JobId) {
    for dir in ["logs", "previews", "outputs"].map(|d| data_dir.join(d)) {
        let _ = std::fs::remove_dir_all(dir.join(format!("job-{job}")));
    }
}

/// The file of a job's last-rendered image at a size.
pub fn preview_path(data_dir: &Path, job: JobId, size: PreviewSize) -> PathBuf {
    let name = match size {
        PreviewSize::Full => "full.jpg",
        PreviewSize::W600 => "w600.jpg",
        PreviewSize::W200 => "w200.jpg",
    };
    data_dir
        .join("previews")
        .join(format!("job-{job}"))
        .join(name)
}

/// Why an uploaded image was refused.
#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    /// Not a PNG or JPEG, or not decodable.
    #[error("{0}")]
    BadImage(String),
    /// Over the picture budgets ([`crate::production::media::picture`]).
    #[error("{0}")]
    TooLarge(String),
    /// Writing the files failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl From<PictureError> for PreviewError {
    fn from(e: PictureError) -> Self {
        match e {
            PictureError::TooLarge(m) => Self::TooLarge(m),
            PictureError::Invalid(m) => Self::BadImage(m),
            PictureError::Io(e) => Self::Io(e),
        }
    }
}

/// Decodes a PNG or JPEG (within the picture budgets, in its decode turn) and stores it as
/// the job's last-rendered image, with 600 and 200 px wide thumbnails.
pub async fn store_preview(
    data_dir: PathBuf,
    job: JobId,
    bytes: axum::body::Bytes,
) -> Result<(), PreviewError> {
    picture::with_picture(Source::Memory(bytes), move |image, _| {
        write_preview(&data_dir, job, &image)
    })
    .await
}

/// Stores a decoded image as the job's last-rendered image and its thumbnails. Files are
/// written beside and renamed into place, so a reader never sees half an image.
fn write_preview(data_dir: &Path, job: JobId, image: &DynamicImage) -> Result<(), PreviewError> {
    let dir = preview_path(data_dir, job, PreviewSize::Full)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    std::fs::create_dir_all(&dir)?;
    for (size, width) in [
        (PreviewSize::Full, FULL_WIDTH_MAX),
        (PreviewSize::W600, 600),
        (PreviewSize::W200, 200),
    ] {
        // Scaled down by averaging: no full-size intermediate, whatever the image's size,
        // and no copy of an image that is small enough already.
        let scaled = if image.width() > width {
            let height = (u64::from(image.height()) * u64::from(width) / u64::from(image.width()))
                .max(1) as u32;
            Cow::Owned(image.thumbnail_exact(width, height))
        } else {
            Cow::Borrowed(image)
        };
        let path = preview_path(data_dir, job, size);
        let partial = path.with_extension("jpg.part");
        let file = std::fs::File::create(&partial)?;
        let mut writer = std::io::BufWriter::new(file);
        let encoded = match scaled.as_ref() {
            DynamicImage::ImageRgb8(rgb) => rgb.write_to(&mut writer, ImageFormat::Jpeg),
            other => other.to_rgb8().write_to(&mut writer, ImageFormat::Jpeg),
        };
        encoded.map_err(|e| PreviewError::BadImage(format!("encoding the preview: {e}")))?;
        writer.flush()?;
        drop(writer);
        std::fs::rename(partial, path)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_append_and_tail_from_a_line() {
        let dir = tempfile::tempdir().unwrap();
        let (job, task) = (JobId(1), TaskId(2));
        assert!(log_tail(dir.path(), job, task).unwrap().is_none());
        for i in 0..1000 {
            append_log(dir.path(), job, task, &format!("line {i}\n")).unwrap();
        }
        let tail = log_tail(dir.path(), job, task).unwrap().unwrap();
        assert!(tail.len() <= 4096);
        assert!(tail.starts_with("line "), "{}", &tail[..20]);
        assert!(tail.ends_with("line 999\n"));
    }

    #[tokio::test]
    async fn previews_get_thumbnails_and_bad_images_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut png = Vec::new();
        image::RgbImage::from_pixel(1000, 500, image::Rgb([200, 100, 50]))
            .write_to(&mut std::io::Cursor::new(&mut png), ImageFormat::Png)
            .unwrap();
        store_preview(dir.path().to_owned(), JobId(3), png.into())
            .await
            .unwrap();
        let thumb = image::open(preview_path(dir.path(), JobId(3), PreviewSize::W200)).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (200, 100));
        let full = image::open(preview_path(dir.path(), JobId(3), PreviewSize::Full)).unwrap();
        assert_eq!(full.width(), 1000);
        assert!(matches!(
            store_preview(
                dir.path().to_owned(),
                JobId(3),
                b"not an image".to_vec().into()
            )
            .await,
            Err(PreviewError::BadImage(_))
        ));
        // A frame whose header claims 13000×13000 is refused before it is decoded.
        let mut bomb = Vec::new();
        image::RgbImage::new(8, 8)
            .write_to(&mut std::io::Cursor::new(&mut bomb), ImageFormat::Jpeg)
            .unwrap();
        let sof = bomb.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        bomb[sof + 5..sof + 9].copy_from_slice(&[0x32, 0xC8, 0x32, 0xC8]);
        assert!(matches!(
            store_preview(dir.path().to_owned(), JobId(3), bomb.into()).await,
            Err(PreviewError::TooLarge(m)) if m.contains("13000×13000")
        ));
    }
}
