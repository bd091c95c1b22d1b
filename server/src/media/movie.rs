//! Movie previews through ffmpeg, as Kitsu makes them: normalised to H.264 in an MP4 that any
//! browser plays (yuv420p, even sizes, the index up front so playback starts at once), a
//! "low" copy at most 480 lines high for slow links, the first frame for thumbnails and the
//! length. Without ffmpeg on PATH, movies are kept as sent, with no thumbnails.

use super::MediaError;
use image::{DynamicImage, ImageFormat};
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

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

/// The first video stream's codec and pixel format, e.g. `("h264", "yuv420p")`.
fn video_format(movie: &Path) -> Option<(String, String)> {
    let output = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0"])
        .args([
            "-show_entries",
            "stream=codec_name,pix_fmt",
            "-of",
            "csv=p=0",
        ])
        .arg(movie)
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    let (codec, pixels) = text.trim().split_once(',')?;
    Some((codec.to_owned(), pixels.to_owned()))
}

/// Runs ffmpeg to write `out` (through a `.part` file renamed into place); a movie ffmpeg
/// cannot read is refused with the tail of what it said.
fn encode(input: &Path, scale: &str, quality: &str, out: &Path) -> Result<(), MediaError> {
    let partial = out.with_extension("part.mp4");
    let output = Command::new("ffmpeg")
        .args(["-y", "-v", "error", "-i"])
        .arg(input)
        .args(["-map", "0:v:0", "-map", "0:a:0?", "-vf", scale])
        .args(["-c:v", "libx264", "-preset", "veryfast", "-crf", quality])
        .args(["-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "160k"])
        .args(["-movflags", "+faststart", "-f", "mp4"])
        .arg(&partial)
        .output()?;
    if !output.status.success() {
        let _ = std::fs::remove_file(&partial);
        let said = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = said.lines().rev().take(3).collect();
        return Err(MediaError::Refused(format!(
            "the movie could not be read: {}",
            tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
        )));
    }
    std::fs::rename(partial, out)?;
    Ok(())
}

/// Turns the uploaded `source` into `original` (H.264 MP4) and, for movies taller than
/// [`LOW_LINES`], `low`. An MP4 already in H.264 and yuv420p is kept as sent. `source` is
/// consumed. Without ffmpeg the source becomes the original as it is.
pub fn normalise(source: &Path, original: &Path, low: &Path) -> Result<(), MediaError> {
    let playable = || {
        source.extension().and_then(|e| e.to_str()) == Some("mp4")
            && video_format(source).is_some_and(|(c, p)| c == "h264" && p == "yuv420p")
    };
    if !available() || playable() {
        std::fs::rename(source, original)?;
    } else {
        let result = encode(source, "scale=trunc(iw/2)*2:trunc(ih/2)*2", "20", original);
        let _ = std::fs::remove_file(source);
        result?;
    }
    let _ = std::fs::remove_file(low);
    if available()
        && let Some(frame) = first_frame(original)
        && frame.height() > LOW_LINES
    {
        encode(original, &format!("scale=-2:{LOW_LINES}"), "26", low)?;
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
            video_format(&original),
            Some(("h264".into(), "yuv420p".into()))
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
