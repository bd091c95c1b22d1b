//! Movie previews through ffmpeg, as Kitsu makes them: normalised to H.264 in an MP4 that any
//! browser plays (yuv420p, even sizes, the index up front so playback starts at once), a
//! "low" copy at most 480 lines high for slow links, the first frame for thumbnails and the
//! length. Without ffmpeg on PATH, movies are kept as sent, with no thumbnails.
//!
//! ffmpeg reads only what was uploaded. The container is recognised from the file's first
//! bytes ([`Container`]: QuickTime/MP4, Matroska/WebM, AVI, ASF/WMV) and that demuxer is
//! forced on every ffmpeg and ffprobe run, with the `file` protocol alone allowed and the
//! input named `file:<path>`. A playlist (HLS), a concat list or any other text file named
//! `clip.mp4` is refused before ffmpeg sees it, so it cannot make ffmpeg copy another file on
//! the server, or another project's movie, into the preview.
//!
//! Movies are measured with ffprobe before any conversion and refused past
//! [`MAX_MOVIE_SECONDS`] or [`MAX_MOVIE_SIDE`]/[`MAX_MOVIE_PIXELS`]; the conversion is held to
//! the same budget (`-t`, `-max_pixels`) in case the header lies. Conversions take turns in a
//! fair queue ([`super::queue`]): a few at once, round-robin between uploaders, one person at
//! most half of them.

mod concat;
mod container;

pub use concat::{Frame, concat};
#[cfg(test)]
use container::ASF_HEADER;
use container::file_url;
pub use container::{Container, container};

use super::MediaError;
use super::picture;
use super::queue::{FairQueue, Sizes, Turn};
use image::DynamicImage;
use std::ffi::OsString;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Lines of the low copy; movies no taller get none (the original serves).
pub const LOW_LINES: u32 = 480;
/// Longest movie converted: three hours (a feature-length edit).
pub const MAX_MOVIE_SECONDS: u32 = 3 * 3600;
/// Widest or tallest movie converted, in pixels (8K).
pub const MAX_MOVIE_SIDE: u32 = 8192;
/// Most pixels in a movie's frame: 8K DCI's, `MAX_MOVIE_FRAME`.
pub const MAX_MOVIE_PIXELS: u32 = MAX_MOVIE_FRAME.0 * MAX_MOVIE_FRAME.1;
/// 8K DCI, the largest frame converted (either way round).
pub const MAX_MOVIE_FRAME: (u32, u32) = (8192, 4320);
/// Movies one person may have waiting for a conversion; more answer 429.
const WAITING_PER_PERSON: usize = 8;
/// Movies that may wait for a conversion in all; more answer 429.
const WAITING: usize = 64;
/// Width of the first frame kept for thumbnails (the mid-size picture's).
const FRAME_WIDTH: u32 = 1200;

/// How long one ffmpeg run may take before it is stopped (a feature-length master on a
/// slow machine stays well inside).
const FFMPEG_TIMEOUT: Duration = Duration::from_hours(2);
/// How long reading a movie's header with ffprobe may take.
const PROBE_TIMEOUT: Duration = Duration::from_mins(1);

/// Whether ffmpeg and ffprobe run here (checked once).
pub fn available() -> bool {
    static FOUND: OnceLock<bool> = OnceLock::new();
    *FOUND.get_or_init(|| {
        ["ffmpeg", "ffprobe"].iter().all(|tool| {
            Command::new(tool)
                .arg("-version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
    })
}

/// The conversion queue: at least two turns, one per two cores, and one person at most half
/// of them, so one person's long movie always leaves a turn for everyone else's.
fn queue() -> &'static FairQueue {
    static QUEUE: OnceLock<FairQueue> = OnceLock::new();
    QUEUE.get_or_init(|| FairQueue::new(queue_sizes(cores())))
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, usize::from)
}

fn queue_sizes(cores: usize) -> Sizes {
    let slots = (cores / 2).max(2);
    Sizes {
        slots,
        per_person: (slots / 2).max(1),
        waiting_per_person: WAITING_PER_PERSON,
        waiting: WAITING,
    }
}

/// Threads each ffmpeg run may use, so the runs at once share the cores instead of each
/// taking them all.
fn ffmpeg_threads() -> usize {
    let cores = cores();
    (cores / queue_sizes(cores).slots).max(1)
}

/// What ffprobe read of a movie.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Probe {
    /// Seconds, when the container says.
    pub duration: Option<f64>,
    /// The first video stream's codec, e.g. `h264`.
    pub video: String,
    /// Its pixel format, e.g. `yuv420p`.
    pub pixels: String,
    /// Its size.
    pub width: u32,
    /// Its size.
    pub height: u32,
    /// The first audio stream's codec, if any.
    pub audio: Option<String>,
}

impl Probe {
    /// Reads ffprobe's JSON answer (`-show_entries format=…:stream=… -of json`).
    fn parse(json: &[u8], container: Container) -> Result<Self, MediaError> {
        let unreadable = || MediaError::Refused("the movie could not be read".into());
        let value: serde_json::Value = serde_json::from_slice(json).map_err(|_| unreadable())?;
        let format = &value["format"];
        if format["format_name"].as_str() != Some(container.format_name()) {
            return Err(unreadable());
        }
        let streams = value["streams"].as_array().map_or(&[][..], Vec::as_slice);
        let of_type = |kind: &str| streams.iter().find(|s| s["codec_type"] == kind);
        let video = of_type("video").ok_or_else(|| {
            MediaError::Refused("the movie was refused: it has no pictures".into())
        })?;
        let text = |v: &serde_json::Value, key: &str| v[key].as_str().unwrap_or("").to_owned();
        let size = |key: &str| {
            video[key]
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(0)
        };
        Ok(Self {
            duration: format["duration"]
                .as_str()
                .and_then(|d| d.parse::<f64>().ok())
                .filter(|d| d.is_finite()),
            video: text(video, "codec_name"),
            pixels: text(video, "pix_fmt"),
            width: size("width"),
            height: size("height"),
            audio: of_type("audio").map(|a| text(a, "codec_name")),
        })
    }

    /// Refuses a movie over the budget, saying the limit.
    pub fn check_budget(&self) -> Result<(), MediaError> {
        let (w, h) = (self.width, self.height);
        if w == 0 || h == 0 {
            return Err(MediaError::Refused(
                "the movie could not be read: its picture has no size".into(),
            ));
        }
        if w > MAX_MOVIE_SIDE
            || h > MAX_MOVIE_SIDE
            || u64::from(w) * u64::from(h) > u64::from(MAX_MOVIE_PIXELS)
        {
            return Err(MediaError::TooLarge(format!(
                "the movie is too large: {w}×{h}; movies may be at most {MAX_MOVIE_SIDE} \
                 pixels wide or tall and have at most {}×{} pixels",
                MAX_MOVIE_FRAME.0, MAX_MOVIE_FRAME.1
            )));
        }
        if let Some(seconds) = self.duration
            && seconds > f64::from(MAX_MOVIE_SECONDS)
        {
            return Err(MediaError::TooLarge(format!(
                "the movie is too long: {}; movies may last at most {}",
                clock(seconds),
                clock(f64::from(MAX_MOVIE_SECONDS))
            )));
        }
        Ok(())
    }

    /// Whether browsers play it as it is (only its container needs changing).
    fn playable(&self) -> bool {
        self.video == "h264"
            && self.pixels == "yuv420p"
            && self.audio.as_deref().is_none_or(|a| a == "aac")
    }
}

/// `h:mm:ss`.
fn clock(seconds: f64) -> String {
    // Whole seconds of a checked, finite, positive duration.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let s = seconds.max(0.0).round() as u64;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// What a tool run left: its exit, what it printed and what it said.
struct Ran {
    success: bool,
    timed_out: bool,
    stdout: Vec<u8>,
    stderr: String,
}

/// Runs ffmpeg or ffprobe with `args` within `timeout`, its output kept in temporary files
/// (no pipe to fill and block on).
fn run(tool: &str, args: &[OsString], timeout: Duration) -> Result<Ran, MediaError> {
    let mut stdout = tempfile::tempfile()?;
    let mut stderr = tempfile::tempfile()?;
    let mut child = Command::new(tool)
        .args(args)
        .stdin(Stdio::null())
        .stdout(stdout.try_clone()?)
        .stderr(stderr.try_clone()?)
        .spawn()?;
    let deadline = Instant::now() + timeout;
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
    let mut out = Vec::new();
    stdout.seek(SeekFrom::Start(0))?;
    stdout.read_to_end(&mut out)?;
    let mut said = Vec::new();
    stderr.seek(SeekFrom::Start(0))?;
    stderr.take(64 * 1024).read_to_end(&mut said)?;
    Ok(Ran {
        success: status.is_some_and(|s| s.success()),
        timed_out: status.is_none(),
        stdout: out,
        stderr: String::from_utf8_lossy(&said).into_owned(),
    })
}

/// Reads a movie's streams and length with ffprobe, the demuxer forced.
pub fn probe(path: &Path, container: Container) -> Result<Probe, MediaError> {
    let mut args: Vec<OsString> = ["-v", "error"].map(OsString::from).to_vec();
    args.extend(
        [
            "-show_entries",
            "format=format_name,duration:stream=codec_type,codec_name,pix_fmt,width,height",
            "-of",
            "json",
        ]
        .map(OsString::from),
    );
    args.extend(container.input(path));
    let ran = run("ffprobe", &args, PROBE_TIMEOUT)?;
    if !ran.success {
        return Err(refusal(&ran, &[path]));
    }
    Probe::parse(&ran.stdout, container)
}

/// The refusal for a failed run, with the end of what the tool said and the server's paths
/// taken out of it.
fn refusal(ran: &Ran, paths: &[&Path]) -> MediaError {
    if ran.timed_out {
        return MediaError::Refused(format!(
            "the movie took longer than {} s to convert",
            FFMPEG_TIMEOUT.as_secs()
        ));
    }
    let mut text = ran.stderr.clone();
    for path in paths {
        let name = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        text = text.replace(&*path.to_string_lossy(), &name);
    }
    let tail: Vec<&str> = text.lines().rev().take(3).collect();
    let why = tail.into_iter().rev().collect::<Vec<_>>().join(" / ");
    MediaError::Refused(format!("the movie could not be read: {why}"))
}

/// Runs ffmpeg on `input` (read as `container`) with `output_args` (the output among them),
/// within [`FFMPEG_TIMEOUT`], held to the movie budget.
fn ffmpeg(
    input: &Path,
    container: Container,
    output_args: &[OsString],
    paths: &[&Path],
) -> Result<Vec<u8>, MediaError> {
    let threads = OsString::from(ffmpeg_threads().to_string());
    let mut args: Vec<OsString> = ["-y", "-v", "error", "-nostdin", "-threads"]
        .map(OsString::from)
        .to_vec();
    args.push(threads.clone());
    // A decoder meeting a frame larger than the budget stops, whatever the header said.
    args.push("-max_pixels".into());
    args.push(MAX_MOVIE_PIXELS.to_string().into());
    args.extend(container.input(input));
    // Nothing past the length budget is converted, whatever the header said.
    args.push("-t".into());
    args.push(MAX_MOVIE_SECONDS.to_string().into());
    args.push("-threads".into());
    args.push(threads);
    args.extend_from_slice(output_args);
    let ran = run("ffmpeg", &args, FFMPEG_TIMEOUT)?;
    if ran.success {
        Ok(ran.stdout)
    } else {
        Err(refusal(&ran, paths))
    }
}

/// Writes `input` as an MP4 at `out` (through a `.part` file renamed into place) with
/// `codecs`' options, its first video and audio streams only, the index up front.
fn write_mp4(
    input: &Path,
    container: Container,
    out: &Path,
    codecs: &[&str],
) -> Result<(), MediaError> {
    let partial = out.with_extension("part.mp4");
    let mut args: Vec<OsString> = ["-map", "0:v:0", "-map", "0:a:0?"]
        .map(OsString::from)
        .to_vec();
    args.extend(codecs.iter().map(OsString::from));
    args.extend(["-movflags", "+faststart", "-f", "mp4"].map(OsString::from));
    args.push(file_url(&partial));
    if let Err(e) = ffmpeg(input, container, &args, &[input, &partial]) {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    std::fs::rename(partial, out)?;
    Ok(())
}

/// Encodes to H.264 (yuv420p) and AAC, scaled by the `scale` filter, at x264's `quality`.
fn encode(
    input: &Path,
    container: Container,
    scale: &str,
    quality: &str,
    out: &Path,
) -> Result<(), MediaError> {
    write_mp4(
        input,
        container,
        out,
        &[
            "-vf", scale, "-c:v", "libx264", "-preset", "veryfast", "-crf", quality, "-pix_fmt",
            "yuv420p", "-c:a", "aac", "-b:a", "160k",
        ],
    )
}

/// What [`make`] made.
#[derive(Default)]
pub struct Made {
    /// Pixels of the stored movie, when ffprobe read them.
    pub width: u32,
    /// Pixels.
    pub height: u32,
    /// Seconds, when ffprobe read them.
    pub duration: f64,
    /// The first frame, at most [`FRAME_WIDTH`] wide, for thumbnails.
    pub frame: Option<DynamicImage>,
}

/// Turns the uploaded `source` into `original` (H.264 MP4 with AAC sound, if any) and, for
/// movies taller than [`LOW_LINES`], `low` (best effort: without it the original serves):
/// recognises the container and measures the movie against the budget first, then waits for
/// `uploader`'s turn in the fair queue (asynchronously) and converts on the blocking pool. A
/// movie already in those codecs is only remuxed, not re-encoded. Without ffmpeg the source
/// (a recognised container) becomes the original as it is.
pub async fn make(
    source: &Path,
    original: &Path,
    low: &Path,
    uploader: &str,
) -> Result<Made, MediaError> {
    let (source, original, low) = (source.to_owned(), original.to_owned(), low.to_owned());
    let (container, probed) = {
        let (source, original) = (source.clone(), original.clone());
        blocking(move || {
            let container = container(&source)?;
            if !available() {
                if let Some(dir) = original.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                std::fs::rename(&source, &original)?;
                return Ok((container, None));
            }
            let probed = probe(&source, container)?;
            probed.check_budget()?;
            Ok::<_, MediaError>((container, Some(probed)))
        })
        .await??
    };
    let Some(probed) = probed else {
        return Ok(Made::default());
    };
    let turn: Turn = queue()
        .turn(uploader)
        .await
        .map_err(|full| MediaError::Busy(full.to_string()))?;
    blocking(move || {
        let _turn = turn;
        convert(&source, container, &probed, &original, &low)
    })
    .await?
}

/// The conversion itself, in a turn (blocking).
fn convert(
    source: &Path,
    container: Container,
    probed: &Probe,
    original: &Path,
    low: &Path,
) -> Result<Made, MediaError> {
    if let Some(dir) = original.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let _ = std::fs::remove_file(low);
    if probed.playable() {
        write_mp4(source, container, original, &["-c", "copy"])?;
    } else {
        encode(
            source,
            container,
            "scale=trunc(iw/2)*2:trunc(ih/2)*2",
            "20",
            original,
        )?;
    }
    let stored = probe(original, Container::QuickTime)?;
    if stored.height > LOW_LINES
        && let Err(e) = encode(
            original,
            Container::QuickTime,
            &format!("scale=-2:{LOW_LINES}"),
            "26",
            low,
        )
    {
        tracing::warn!(movie = %original.display(), error = %e, "no low copy of this movie");
    }
    Ok(Made {
        width: stored.width,
        height: stored.height,
        duration: stored.duration.unwrap_or(0.0),
        frame: first_frame(original),
    })
}

/// The first frame of a stored movie, at most [`FRAME_WIDTH`] wide.
pub fn first_frame(movie: &Path) -> Option<DynamicImage> {
    let args: Vec<OsString> = [
        "-frames:v",
        "1",
        "-vf",
        &format!("scale='min({FRAME_WIDTH},iw)':-2"),
        "-f",
        "image2pipe",
        "-vcodec",
        "png",
        "-",
    ]
    .map(OsString::from)
    .to_vec();
    let png = ffmpeg(movie, Container::QuickTime, &args, &[movie]).ok()?;
    picture::decode_now(png.into()).ok()
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> std::io::Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| std::io::Error::other(format!("converting a movie: {e}")))
}

#[cfg(test)]
mod tests;
