//! Which container a movie is, from its first bytes, and the ffmpeg options that read it as
//! that container and nothing else.

use crate::production::media::MediaError;
use std::ffi::OsString;
use std::io::Read;
use std::path::Path;

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
pub(super) const ASF_HEADER: [u8; 16] = [
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
    pub(super) fn demuxer(self) -> &'static str {
        match self {
            Self::QuickTime => "mov",
            Self::Matroska => "matroska",
            Self::Avi => "avi",
            Self::Asf => "asf",
        }
    }

    /// What ffprobe calls the format it read with that demuxer.
    pub(super) fn format_name(self) -> &'static str {
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
    pub(super) fn input(self, path: &Path) -> Vec<OsString> {
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
pub(super) fn file_url(path: &Path) -> OsString {
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
