//! Movie previews through ffmpeg, as Kitsu makes them: normalised to H.264 in an MP4 that any
//! browser plays (yuv420p, even sizes, the index up front so playback starts at once), a
//! "low" copy at most 480 lines high for slow links, the first frame for thumbnails and the
//! length. Without ffmpeg on PATH, movies are kept as sent, with no thumbnails.

use super::MediaError;
use image::{DynamicImage, ImageFormat};
use std::ffi::OsString;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Lines of the low copy; movies no taller get none (the original serves).
pub const LOW_LINES: u32 = 480;

/// Whether ffmpeg and ffprobe run here (checked once).
pub fn available() -> bool {
    static FOUND: OnceLock<bool> = OnceLock::new();
    *FOUND.get_or_init(|| {
        ["ffmpeg", "ffprobe"].iter().all(|tool| {
            Command::new(tool)
                .arg("-version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
    })
}

/// How long one ffmpeg run may take before it is stopped (a feature-length master on a
/// slow machine stays well inside).
const FFMPEG_TIMEOUT: Duration = Duration::from_secs(2 * 3600);

/// The codecs of a movie's first video stream (with its pixel format) and first audio
/// stream, e.g. `("h264", "yuv420p", Some("aac"))`.
fn streams(movie: &Path) -> Option<(String, String, Option<String>)> {
    let probe = |kind: &str, entries: &str| {
        let output = Command::new("ffprobe")
            .args(["-v", "error", "-select_streams", kind])
            .args(["-show_entries", entries, "-of", "csv=p=0"])
            .arg(movie)
            .output()
            .ok()?;
        String::from_utf8(output.stdout)
            .ok()
            .map(|t| t.lines().next().unwrap_or("").trim().to_owned())
    };
    let video = probe("v:0", "stream=codec_name,pix_fmt")?;
    let (codec, pixels) = video.split_once(',')?;
    let audio = probe("a:0", "stream=codec_name").filter(|a| !a.is_empty());
    Some((codec.to_owned(), pixels.to_owned(), audio))
}

/// One ffmpeg run at a time per two cores: encoding takes every core it gets, and uploads
/// arriving together would otherwise starve the server.
fn slot() -> impl Drop {
    struct Slot(&'static (Mutex<usize>, Condvar));
    impl Drop for Slot {
        fn drop(&mut self) {
            let (free, freed) = self.0;
            *free
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) += 1;
            freed.notify_one();
        }
    }
    static SLOTS: OnceLock<(Mutex<usize>, Condvar)> = OnceLock::new();
    let slots = SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        (Mutex::new((cores / 2).max(1)), Condvar::new())
    });
    let (free, freed) = slots;
    let mut count = free
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    while *count == 0 {
        count = freed
            .wait(count)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
    }
    *count -= 1;
    Slot(slots)
}

/// Runs ffmpeg with `args` (inputs and output among them) in its turn and within
/// [`FFMPEG_TIMEOUT`]; refuses the movie with the end of what ffmpeg said, the server's
/// paths taken out of it.
fn ffmpeg(args: &[OsString], paths: &[&Path]) -> Result<(), MediaError> {
    let _turn = slot();
    let mut said = tempfile::tempfile()?;
    let mut child = Command::new("ffmpeg")
        .args(["-y", "-v", "error", "-nostdin"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(said.try_clone()?)
        .spawn()?;
    let deadline = Instant::now() + FFMPEG_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    if status.is_some_and(|s| s.success()) {
        return Ok(());
    }
    let mut text = String::new();
    said.seek(SeekFrom::Start(0))?;
    said.read_to_string(&mut text)?;
    for path in paths {
        let name = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        text = text.replace(&*path.to_string_lossy(), &name);
    }
    let tail: Vec<&str> = text.lines().rev().take(3).collect();
    let why = tail.into_iter().rev().collect::<Vec<_>>().join(" / ");
    Err(MediaError::Refused(match status {
        None => format!(
            "the movie took longer than {} s to convert",
            FFMPEG_TIMEOUT.as_secs()
        ),
        Some(_) => format!("the movie could not be read: {why}"),
    }))
}

/// Writes `input` as an MP4 at `out` (through a `.part` file renamed into place) with
/// `codecs`' options, its first video and audio streams only, the index up front.
fn write_mp4(input: &Path, out: &Path, codecs: &[&str]) -> Result<(), MediaError> {
    let partial = out.with_extension("part.mp4");
    let mut args: Vec<OsString> = vec!["-i".into(), input.into()];
    args.extend(["-map", "0:v:0", "-map", "0:a:0?"].map(OsString::from));
    args.extend(codecs.iter().map(OsString::from));
    args.extend(["-movflags", "+faststart", "-f", "mp4"].map(OsString::from));
    args.push(partial.clone().into());
    if let Err(e) = ffmpeg(&args, &[input, &partial]) {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    std::fs::rename(partial, out)?;
    Ok(())
}

/// Encodes to H.264 (yuv420p) and AAC, scaled by the `scale` filter, at x264's `quality`.
fn encode(input: &Path, scale: &str, quality: &str, out: &Path) -> Result<(), MediaError> {
    write_mp4(
        input,
        out,
        &[
            "-vf", scale, "-c:v", "libx264", "-preset", "veryfast", "-crf", quality, "-pix_fmt",
            "yuv420p", "-c:a", "aac", "-b:a", "160k",
        ],
    )
}

/// Turns the uploaded `source` into `original` (H.264 MP4 with AAC sound, if any) and, for
/// movies taller than [`LOW_LINES`], `low` (best effort: without it the original serves).
/// A movie already in those codecs is only remuxed, not re-encoded. `source` is consumed.
/// Without ffmpeg the source becomes the original as it is.
pub fn normalise(source: &Path, original: &Path, low: &Path) -> Result<(), MediaError> {
    let _ = std::fs::remove_file(low);
    if !available() {
        std::fs::rename(source, original)?;
        return Ok(());
    }
    let playable = streams(source).is_some_and(|(video, pixels, audio)| {
        video == "h264" && pixels == "yuv420p" && audio.as_deref().is_none_or(|a| a == "aac")
    });
    let made = if playable {
        write_mp4(source, original, &["-c", "copy"])
    } else {
        encode(source, "scale=trunc(iw/2)*2:trunc(ih/2)*2", "20", original)
    };
    let _ = std::fs::remove_file(source);
    made?;
    if let Some(frame) = first_frame(original)
        && frame.height() > LOW_LINES
        && let Err(e) = encode(original, &format!("scale=-2:{LOW_LINES}"), "26", low)
    {
        tracing::warn!(movie = %original.display(), error = %e, "no low copy of this movie");
    }
    Ok(())
}

/// The first frame of a movie, through ffmpeg when it is installed.
pub fn first_frame(movie: &Path) -> Option<DynamicImage> {
    let output = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(movie)
        .args(["-frames:v", "1", "-f", "image2pipe", "-vcodec", "png", "-"])
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    image::load_from_memory_with_format(&output.stdout, ImageFormat::Png).ok()
}

/// A movie's length in seconds, through ffprobe when it is installed.
pub fn duration(movie: &Path) -> Option<f64> {
    let output = Command::new("ffprobe")
        .args(["-v", "error", "-show_entries", "format=duration"])
        .args(["-of", "csv=p=0"])
        .arg(movie)
        .output()
        .ok()?;
    String::from_utf8(output.stdout).ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ffmpeg is required where CI says the tools are installed; elsewhere the test skips.
    fn tools() -> bool {
        if available() {
            return true;
        }
        assert!(
            std::env::var("DROVER_REQUIRE_BLENDER").as_deref() != Ok("1"),
            "DROVER_REQUIRE_BLENDER=1 but ffmpeg is not on PATH"
        );
        eprintln!("skipped: no ffmpeg on PATH");
        false
    }

    fn make(dir: &Path, name: &str, size: &str, codec: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        let status = Command::new("ffmpeg")
            .args(["-y", "-v", "error", "-f", "lavfi", "-i"])
            .arg(format!("testsrc=size={size}:rate=10"))
            .args(["-t", "1", "-c:v", codec])
            .arg(&path)
            .status()
            .unwrap();
        assert!(status.success());
        path
    }

    #[test]
    fn movies_become_browser_playable_mp4s_with_a_low_copy() {
        if !tools() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let (original, low) = (dir.path().join("original.mp4"), dir.path().join("low.mp4"));
        // A tall MPEG-4 Part 2 movie in a QuickTime file: re-encoded, and a low copy.
        let source = make(dir.path(), "source.mov", "640x720", "mpeg4");
        normalise(&source, &original, &low).unwrap();
        assert!(!source.exists(), "the source is consumed");
        assert_eq!(
            streams(&original),
            Some(("h264".into(), "yuv420p".into(), None))
        );
        assert_eq!(first_frame(&low).unwrap().height(), LOW_LINES);
        assert!((duration(&original).unwrap() - 1.0).abs() < 0.2);
        // A small one: no low copy. A file that is no movie: refused.
        let source = make(dir.path(), "small.mkv", "320x240", "mpeg4");
        normalise(&source, &original, &low).unwrap();
        assert!(!low.exists());
        let junk = dir.path().join("junk.mov");
        std::fs::write(&junk, b"not a movie").unwrap();
        assert!(matches!(
            normalise(&junk, &original, &low),
            Err(MediaError::Refused(m)) if m.contains("could not be read")
        ));
    }
}
