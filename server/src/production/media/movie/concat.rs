//! A playlist's movie: its entries' stored movie previews (our own H.264 MP4s) played one
//! after the other, each scaled into the production's frame (letterboxed, never stretched)
//! at its frame rate, with its sound (48 kHz stereo AAC; silence for a movie without any,
//! so each stays in sync with its pictures), as one MP4. Each input is opened as an MP4
//! through the `file` protocol alone, as every other run here; the length is held to the
//! movie budget.

use super::{
    Container, FFMPEG_TIMEOUT, MAX_MOVIE_SECONDS, MediaError, ffmpeg_threads, file_url, queue,
    refusal, run,
};
use std::ffi::OsString;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// The frame a playlist movie is made in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    /// Width in pixels (even).
    pub width: u32,
    /// Height in pixels (even).
    pub height: u32,
    /// Frames per second.
    pub fps: u32,
}

impl Frame {
    /// A production's `resolution` (`1920x1080`) and `fps` (`25`, or `23.976`, rounded),
    /// within the movie budget; Kitsu's defaults where they do not read.
    pub fn of_production(resolution: &str, fps: &str) -> Self {
        let even = |n: u32| (n / 2 * 2).clamp(2, super::MAX_MOVIE_SIDE);
        let (width, height) = resolution
            .split_once('x')
            .and_then(|(w, h)| Some((w.trim().parse().ok()?, h.trim().parse().ok()?)))
            .filter(|&(w, h): &(u32, u32)| {
                w > 0 && h > 0 && u64::from(w) * u64::from(h) <= u64::from(super::MAX_MOVIE_PIXELS)
            })
            .unwrap_or((1920, 1080));
        let fps = fps
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite() && *f >= 1.0 && *f <= 120.0)
            .map_or(25, |f| f.round() as u32);
        Self {
            width: even(width),
            height: even(height),
            fps,
        }
    }
}

/// Plays `movies` one after the other into `out` (through a `.part` file), in `frame`, with
/// their sound, in `person`'s turn of the conversion queue.
pub async fn concat(
    movies: Vec<PathBuf>,
    out: PathBuf,
    frame: Frame,
    person: &str,
) -> Result<(), MediaError> {
    if movies.is_empty() {
        return Err(MediaError::Refused(
            "the playlist has no movie to build".into(),
        ));
    }
    let turn = queue()
        .turn(person)
        .await
        .map_err(|full| MediaError::Busy(full.to_string()))?;
    tokio::task::spawn_blocking(move || {
        let _turn = turn;
        write(&movies, &out, frame)
    })
    .await
    .map_err(|e| MediaError::Io(std::io::Error::other(format!("building a movie: {e}"))))?
}

fn write(movies: &[PathBuf], out: &Path, frame: Frame) -> Result<(), MediaError> {
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // Which movies have sound, and how long each is: the concat filter takes one audio
    // stream per movie, each as long as its pictures (it pads a short one with silence only
    // up to the next movie, not after the last), so sound is padded and a silent movie is
    // given silence, to its length.
    let probes: Vec<super::Probe> = movies
        .iter()
        .map(|m| super::probe(m, Container::QuickTime))
        .collect::<Result<_, _>>()?;
    let partial = out.with_extension("part.mp4");
    let threads = OsString::from(ffmpeg_threads().to_string());
    let mut args: Vec<OsString> = ["-y", "-v", "error", "-nostdin", "-threads"]
        .map(OsString::from)
        .to_vec();
    args.push(threads.clone());
    for movie in movies {
        args.extend(Container::QuickTime.input(movie));
    }
    let Frame { width, height, fps } = frame;
    // Writing to a String cannot fail.
    let mut graph = String::new();
    for i in 0..movies.len() {
        let _ = write!(
            graph,
            "[{i}:v:0]scale={width}:{height}:force_original_aspect_ratio=decrease,\
             pad={width}:{height}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps={fps},format=yuv420p[v{i}];"
        );
    }
    for (i, probe) in probes.iter().enumerate() {
        let seconds = probe
            .duration
            .filter(|d| d.is_finite() && *d > 0.0)
            .unwrap_or(0.01)
            .min(f64::from(MAX_MOVIE_SECONDS));
        let _ = if probe.audio.is_some() {
            write!(
                graph,
                "[{i}:a:0]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,\
                 apad=whole_dur={seconds:.3},atrim=duration={seconds:.3}[a{i}];"
            )
        } else {
            write!(
                graph,
                "anullsrc=r=48000:cl=stereo,atrim=duration={seconds:.3}[a{i}];"
            )
        };
    }
    for i in 0..movies.len() {
        let _ = write!(graph, "[v{i}][a{i}]");
    }
    let _ = write!(graph, "concat=n={}:v=1:a=1[out][sound]", movies.len());
    args.extend(["-filter_complex".into(), OsString::from(graph)]);
    args.extend(
        [
            "-map",
            "[out]",
            "-map",
            "[sound]",
            "-c:a",
            "aac",
            "-b:a",
            "160k",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "23",
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart",
            "-threads",
        ]
        .map(OsString::from),
    );
    args.push(threads);
    args.push("-t".into());
    args.push(MAX_MOVIE_SECONDS.to_string().into());
    args.extend(["-f", "mp4"].map(OsString::from));
    args.push(file_url(&partial));
    let ran = run("ffmpeg", &args, FFMPEG_TIMEOUT)?;
    if !ran.success {
        let _ = std::fs::remove_file(&partial);
        let mut paths: Vec<&Path> = movies.iter().map(PathBuf::as_path).collect();
        paths.push(&partial);
        return Err(refusal(&ran, &paths));
    }
    std::fs::rename(partial, out)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Frame;

    #[test]
    fn a_productions_frame_is_read_within_the_budget() {
        let frame = |r, f| Frame::of_production(r, f);
        assert_eq!(
            frame("1920x1080", "25"),
            Frame {
                width: 1920,
                height: 1080,
                fps: 25
            }
        );
        assert_eq!(
            frame("2049x857", "23.976"),
            Frame {
                width: 2048,
                height: 856,
                fps: 24
            }
        );
        for bad in ["", "wide", "0x1080", "99999x99999", "-5x10"] {
            assert_eq!(frame(bad, "x").width, 1920, "{bad}");
        }
        assert_eq!(frame("1280x720", "1000").fps, 25);
    }
}
