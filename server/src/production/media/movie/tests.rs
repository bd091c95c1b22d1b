//! The movie pipeline against real ffmpeg, and the container checks that keep it to the file
//! sent.

use super::*;
use std::path::PathBuf;

/// The path of a file in the same folder as `path`.
fn beside(path: &Path, name: &str) -> PathBuf {
    path.with_file_name(name)
}

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
