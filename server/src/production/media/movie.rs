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

use super::MediaError;
use super::picture;
use super::queue::{FairQueue, Sizes, Turn};
use image::DynamicImage;
use std::ffi::OsString;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
#[cfg(test)]
use std::path::PathBuf;
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
const FFMPEG_TIMEOUT: Duration = Duration::from_secs(2 * 3600);
/// How long reading a movie's header with ffprobe may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(60);

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

/// The containers accepted, each read with its own demuxer and nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// QuickTime and MP4 (`.mov`, `.mp4`, `.m4v`).
    QuickTime,
    /// Matroska and WebM.
    Matroska,
    /// AVI.
    Avi,
    /// ASF (`.wmv`).
    Asf,
}

/// ASF's header object GUID.
const ASF_HEADER: [u8; 16] = [
    0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11, 0xA6, 0xD9, 0x00, 0xAA, 0x00, 0x62, 0xCE, 0x6C,
];

impl Container {
    /// The container a file's first bytes show, if it is one of the accepted ones.
    pub fn sniff(head: &[u8]) -> Option<Self> {
        let at = |range: std::ops::Range<usize>| head.get(range).unwrap_or(&[]);
        // QuickTime/MP4: a file of boxes, each a 4-byte size then its type.
        let quicktime_boxes: [&[u8]; 7] = [
            b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot",
        ];
        if quicktime_boxes.contains(&at(4..8)) {
            Some(Self::QuickTime)
        } else if at(0..4) == [0x1A, 0x45, 0xDF, 0xA3] {
            Some(Self::Matroska)
        } else if at(0..4) == b"RIFF" && at(8..12) == b"AVI " {
            Some(Self::Avi)
        } else if at(0..16) == ASF_HEADER {
            Some(Self::Asf)
        } else {
            None
        }
    }

    /// ffmpeg's name for its demuxer.
    fn demuxer(self) -> &'static str {
        match self {
            Self::QuickTime => "mov",
            Self::Matroska => "matroska",
            Self::Avi => "avi",
            Self::Asf => "asf",
        }
    }

    /// What ffprobe calls the format it read with that demuxer.
    fn format_name(self) -> &'static str {
        match self {
            Self::QuickTime => "mov,mp4,m4a,3gp,3g2,mj2",
            Self::Matroska => "matroska,webm",
            Self::Avi => "avi",
            Self::Asf => "asf",
        }
    }

    /// The options that open `path` as this container and nothing else: this demuxer, the
    /// `file` protocol alone, QuickTime's external references off, and the path as a file
    /// URL (so no part of it is read as a protocol).
    fn input(self, path: &Path) -> Vec<OsString> {
        let mut args: Vec<OsString> = ["-protocol_whitelist", "file", "-f", self.demuxer()]
            .map(OsString::from)
            .to_vec();
        if self == Self::QuickTime {
            args.extend(["-enable_drefs", "0"].map(OsString::from));
        }
        args.push("-i".into());
        args.push(file_url(path));
        args
    }
}

/// `file:<path>`.
fn file_url(path: &Path) -> OsString {
    let mut url = OsString::from("file:");
    url.push(path.as_os_str());
    url
}

/// Reads the container of the file at `path` from its first bytes; refuses anything else.
pub fn container(path: &Path) -> Result<Container, MediaError> {
    let mut head = Vec::with_capacity(64);
    std::fs::File::open(path)?.take(64).read_to_end(&mut head)?;
    Container::sniff(&head).ok_or_else(|| {
        let what = if head.starts_with(b"#EXTM3U") {
            "a playlist"
        } else if head.starts_with(b"ffconcat") {
            "a list of files"
        } else {
            "not a movie file that can be read"
        };
        MediaError::Refused(format!(
            "the movie was refused: {what}; send a QuickTime/MP4, Matroska/WebM, AVI or WMV \
             file (playlists and lists of files are not accepted)"
        ))
    })
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

/// The path of a file in the same folder as `path`.
#[cfg(test)]
fn beside(path: &Path, name: &str) -> PathBuf {
    path.with_file_name(name)
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

    fn make_movie(dir: &Path, name: &str, size: &str, codec: &str, seconds: u32) -> PathBuf {
        let path = dir.join(name);
        let status = Command::new("ffmpeg")
            .args(["-y", "-v", "error", "-f", "lavfi", "-i"])
            .arg(format!("testsrc=size={size}:rate=10"))
            .args(["-t", &seconds.to_string(), "-c:v", codec])
            .arg(&path)
            .status()
            .unwrap();
        assert!(status.success());
        path
    }

    #[tokio::test]
    async fn movies_become_browser_playable_mp4s_with_a_low_copy() {
        if !tools() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let (original, low) = (dir.path().join("original.mp4"), dir.path().join("low.mp4"));
        // A tall MPEG-4 Part 2 movie in a QuickTime file: re-encoded, and a low copy.
        let source = make_movie(dir.path(), "source.mov", "640x720", "mpeg4", 1);
        let made = make(&source, &original, &low, "ann").await.unwrap();
        assert_eq!((made.width, made.height), (640, 720));
        assert!((made.duration - 1.0).abs() < 0.2);
        assert_eq!(made.frame.unwrap().width(), 640);
        let stored = probe(&original, Container::QuickTime).unwrap();
        assert_eq!(
            (stored.video.as_str(), stored.pixels.as_str()),
            ("h264", "yuv420p")
        );
        assert_eq!(probe(&low, Container::QuickTime).unwrap().height, LOW_LINES);
        // A small Matroska one: no low copy. A file that is no movie: refused.
        let source = make_movie(dir.path(), "small.mkv", "320x240", "mpeg4", 1);
        make(&source, &original, &low, "ann").await.unwrap();
        assert!(!low.exists());
        let junk = dir.path().join("junk.mov");
        std::fs::write(&junk, b"not a movie").unwrap();
        assert!(matches!(
            make(&junk, &original, &low, "ann").await,
            Err(MediaError::Refused(m)) if m.contains("not a movie file")
        ));
    }

    #[tokio::test]
    async fn playlists_and_lists_of_files_are_never_opened() {
        if !tools() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let secret = make_movie(dir.path(), "secret.mp4", "320x240", "libx264", 1);
        let (original, low) = (dir.path().join("original.mp4"), dir.path().join("low.mp4"));
        let playlist = beside(&secret, "clip.mp4");
        std::fs::write(
            &playlist,
            format!(
                "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:1.0,\n{}\n#EXT-X-ENDLIST\n",
                secret.display()
            ),
        )
        .unwrap();
        let refused = make(&playlist, &original, &low, "eve").await;
        assert!(
            matches!(&refused, Err(MediaError::Refused(m)) if m.contains("a playlist")),
            "{:?}",
            refused.err()
        );
        let list = beside(&secret, "list.mp4");
        std::fs::write(&list, "ffconcat version 1.0\nfile secret.mp4\n").unwrap();
        assert!(matches!(
            make(&list, &original, &low, "eve").await,
            Err(MediaError::Refused(m)) if m.contains("a list of files")
        ));
        assert!(!original.exists());
        // A real movie whose first bytes are QuickTime's but that is a playlist after them is
        // still read as QuickTime only, and fails.
        let mut disguised = b"\0\0\0\x08free".to_vec();
        disguised.extend_from_slice(std::fs::read(&playlist).unwrap().as_slice());
        std::fs::write(&list, disguised).unwrap();
        assert!(make(&list, &original, &low, "eve").await.is_err());
        assert!(!original.exists());
    }

    #[test]
    fn containers_are_recognised_from_their_first_bytes() {
        assert_eq!(
            Container::sniff(b"\0\0\0\x20ftypisom\0\0\x02\0"),
            Some(Container::QuickTime)
        );
        assert_eq!(
            Container::sniff(&[0x1A, 0x45, 0xDF, 0xA3, 0x9F]),
            Some(Container::Matroska)
        );
        assert_eq!(
            Container::sniff(b"RIFF\x10\0\0\0AVI LIST"),
            Some(Container::Avi)
        );
        assert_eq!(Container::sniff(&ASF_HEADER), Some(Container::Asf));
        for refused in [
            &b"#EXTM3U\n"[..],
            b"ffconcat version 1.0",
            b"RIFF\0\0\0\0WAVE",
            b"",
        ] {
            assert_eq!(Container::sniff(refused), None);
        }
        let input = Container::QuickTime.input(Path::new("/data/a b.mp4"));
        let input: Vec<&str> = input.iter().map(|a| a.to_str().unwrap()).collect();
        assert_eq!(
            input,
            [
                "-protocol_whitelist",
                "file",
                "-f",
                "mov",
                "-enable_drefs",
                "0",
                "-i",
                "file:/data/a b.mp4"
            ]
        );
    }

    #[test]
    fn the_budget_holds_at_its_boundaries() {
        let at = Probe {
            duration: Some(f64::from(MAX_MOVIE_SECONDS)),
            video: "h264".into(),
            pixels: "yuv420p".into(),
            width: 8192,
            height: 4320,
            audio: None,
        };
        assert!(at.check_budget().is_ok());
        let longer = Probe {
            duration: Some(f64::from(MAX_MOVIE_SECONDS) + 1.0),
            ..at.clone()
        };
        assert!(matches!(
            longer.check_budget(),
            Err(MediaError::TooLarge(m)) if m.contains("at most 3:00:00")
        ));
        let taller = Probe {
            height: 4321,
            ..at.clone()
        };
        assert!(matches!(
            taller.check_budget(),
            Err(MediaError::TooLarge(_))
        ));
        let wider = Probe {
            width: 8193,
            height: 2,
            ..at.clone()
        };
        assert!(matches!(wider.check_budget(), Err(MediaError::TooLarge(_))));
        let unknown_length = Probe {
            duration: None,
            ..at
        };
        assert!(unknown_length.check_budget().is_ok());
        assert_eq!(queue_sizes(2).slots, 2);
        assert_eq!(queue_sizes(2).per_person, 1);
        assert_eq!(queue_sizes(16).per_person, 4);
    }

    #[test]
    fn ffprobe_answers_are_read_for_the_forced_container_only() {
        let json = br#"{"streams":[{"codec_type":"audio","codec_name":"aac"},
            {"codec_type":"video","codec_name":"h264","pix_fmt":"yuv420p","width":320,"height":240}],
            "format":{"format_name":"mov,mp4,m4a,3gp,3g2,mj2","duration":"1.5"}}"#;
        let probe = Probe::parse(json, Container::QuickTime).unwrap();
        assert_eq!(
            (probe.width, probe.height, probe.duration),
            (320, 240, Some(1.5))
        );
        assert_eq!(probe.audio.as_deref(), Some("aac"));
        assert!(probe.playable());
        assert!(Probe::parse(json, Container::Matroska).is_err());
    }
}
