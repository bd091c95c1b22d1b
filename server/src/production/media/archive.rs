//! Zip archives of stored media, written to the socket as they are read: a playlist's
//! previews (`GET /data/playlists/{p}/download/zip`). Media are already compressed, so files
//! are stored as they are; the zip is streamed (sizes and checksums after each file, ZIP64
//! past 4 GiB), so memory stays at a few chunks whatever the playlist weighs.

use axum::body::Body;
use axum::body::Bytes;
use std::io::{self, Write};
use std::path::PathBuf;
use tokio::sync::{Semaphore, mpsc};
use zip::write::SimpleFileOptions;

/// Archives written at once; more are refused (429) until one ends.
pub const MAX_ARCHIVES: usize = 4;
/// Bytes handed to the socket at a time.
const CHUNK: usize = 256 * 1024;
/// Chunks waiting for the socket.
const QUEUED: usize = 4;

static ARCHIVES: Semaphore = Semaphore::const_new(MAX_ARCHIVES);

/// The archiver was busy.
#[derive(Debug, thiserror::Error)]
#[error("{MAX_ARCHIVES} archives are being written; try again when one ends")]
pub struct Busy;

/// A `Write` that hands what it is given to the response body, a chunk at a time; it fails
/// once the client is gone, which ends the archive.
struct ToBody {
    tx: mpsc::Sender<io::Result<Bytes>>,
    pending: Vec<u8>,
}

impl ToBody {
    fn send(&mut self) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.pending,
            Vec::with_capacity(CHUNK),
        ));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

impl Write for ToBody {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if self.pending.len() >= CHUNK {
            self.send()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

fn write_archive(files: &[(PathBuf, String)], out: ToBody) -> io::Result<()> {
    let mut zip = zip::ZipWriter::new_stream(out);
    for (path, name) in files {
        let mut file = match std::fs::File::open(path) {
            Ok(file) => file,
            // A preview deleted since the list was read: the others still go.
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        let size = file.metadata()?.len();
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(size >= u64::from(u32::MAX));
        zip.start_file(name.as_str(), options)
            .map_err(io::Error::other)?;
        io::copy(&mut file, &mut zip)?;
    }
    let mut out = zip.finish().map_err(io::Error::other)?.into_inner();
    out.flush()
}

/// A response body that is the zip of `files` (path on disk, name in the zip), written on
/// the blocking pool as the client reads it; [`Busy`] when [`MAX_ARCHIVES`] are being
/// written. A read error ends the body with that error, so the client sees a cut download,
/// never a zip that looks whole.
pub fn stream(files: Vec<(PathBuf, String)>) -> Result<Body, Busy> {
    let permit = ARCHIVES.try_acquire().map_err(|_| Busy)?;
    let (tx, rx) = mpsc::channel(QUEUED);
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let out = ToBody {
            tx: tx.clone(),
            pending: Vec::with_capacity(CHUNK),
        };
        if let Err(e) = write_archive(&files, out) {
            if e.kind() != io::ErrorKind::BrokenPipe {
                tracing::warn!(error = %e, "writing an archive");
            }
            let _ = tx.blocking_send(Err(e));
        }
    });
    Ok(Body::from_stream(
        tokio_stream::wrappers::ReceiverStream::new(rx),
    ))
}
