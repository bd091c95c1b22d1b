//! Pictures people send (preview pictures, avatars, attachment thumbnails, the farm's
//! last-rendered frames), decoded within bounds. A picture's header is read first, from at
//! most [`HEADER_READ_BYTES`] of it, and a picture that declares more than
//! [`MAX_PICTURE_PIXELS`], or would take more than [`DECODE_MEMORY_BYTES`] to decode, is
//! refused before anything is decoded (a 220-byte JPEG can claim 13000×13000 pixels, half a
//! gigabyte). The decoder is then held to what the header said ([`image::Limits`]), and
//! decodes wait for their turn: at most a few at once (from the cores) and never more than
//! [`DECODE_MEMORY_BYTES`] of pictures in memory together. The wait is asynchronous; only
//! the decode itself runs on the blocking pool.

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use std::io::{BufRead, Cursor, Read, Seek};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use tokio::sync::Semaphore;

/// Most pixels a picture may declare (100 megapixels: a 12K frame, a large scan).
pub const MAX_PICTURE_PIXELS: u64 = 100_000_000;
/// Most memory a picture may take while it is decoded, and all pictures being decoded at
/// once together: an 8-bit RGB PNG of up to 89 megapixels, RGBA of 67, an 8-bit JPEG of about
/// 44 (progressive ones keep as much again while decoding) and a 16-bit RGBA 8K frame fit.
/// Kept well under the server's half-gigabyte target: the allocator may hold freed pictures'
/// memory a while before giving it back.
pub const DECODE_MEMORY_BYTES: u64 = 256 * MIB;
/// How much of a file is read to find its header (metadata such as colour profiles comes
/// before the size in some files).
pub const HEADER_READ_BYTES: u64 = 4 * MIB;

const MIB: u64 = 1024 * 1024;

/// Why a picture was not decoded.
#[derive(Debug, thiserror::Error)]
pub enum PictureError {
    /// Over the pixel or memory budget.
    #[error("{0}")]
    TooLarge(String),
    /// Not a PNG or JPEG, or it does not decode.
    #[error("{0}")]
    Invalid(String),
    /// Reading the file failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Where a picture is: a spooled upload, or a body already in memory.
#[derive(Debug, Clone)]
pub enum Source {
    /// A file on disk.
    File(PathBuf),
    /// Bytes in memory.
    Memory(axum::body::Bytes),
}

/// What a picture's header declares, checked against the budgets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// PNG or JPEG.
    pub format: ImageFormat,
    /// Pixels.
    pub width: u32,
    /// Pixels.
    pub height: u32,
    /// Bytes of memory decoding it takes, at most.
    pub cost_bytes: u64,
}

impl Header {
    /// Reads the header of the PNG or JPEG at the start of `head` (the whole file is
    /// `file_bytes` long) and checks it against the budgets.
    pub fn read(head: &[u8], file_bytes: u64) -> Result<Self, PictureError> {
        let reader = ImageReader::new(Cursor::new(head))
            .with_guessed_format()
            .map_err(PictureError::Io)?;
        let format = match reader.format() {
            Some(format @ (ImageFormat::Png | ImageFormat::Jpeg)) => format,
            Some(other) => {
                return Err(PictureError::Invalid(format!(
                    "{} pictures are not accepted; send PNG or JPEG",
                    other.extensions_str().first().unwrap_or(&"these")
                )));
            }
            None => {
                return Err(PictureError::Invalid(
                    "not a picture: send PNG or JPEG".into(),
                ));
            }
        };
        let mut reader = reader;
        reader.limits(decode_limits(None));
        let decoder = reader.into_decoder().map_err(|e| {
            PictureError::Invalid(format!("the picture's header cannot be read: {e}"))
        })?;
        let (width, height) = decoder.dimensions();
        Self::check(format, width, height, decoder.total_bytes(), file_bytes)
    }

    /// Checks a declared size against the budgets: the pixels, then the memory decoding takes
    /// (the decoded picture; a JPEG also keeps its file and, when progressive, as much again
    /// for its coefficients).
    fn check(
        format: ImageFormat,
        width: u32,
        height: u32,
        decoded_bytes: u64,
        file_bytes: u64,
    ) -> Result<Self, PictureError> {
        let pixels = u64::from(width) * u64::from(height);
        if pixels > MAX_PICTURE_PIXELS {
            return Err(PictureError::TooLarge(format!(
                "the picture is too large: {width}×{height} is {} megapixels; pictures may \
                 have at most {} megapixels",
                pixels.div_ceil(1_000_000),
                MAX_PICTURE_PIXELS / 1_000_000
            )));
        }
        let cost_bytes = match format {
            ImageFormat::Jpeg => decoded_bytes.saturating_mul(2).saturating_add(file_bytes),
            _ => decoded_bytes,
        };
        if cost_bytes > DECODE_MEMORY_BYTES {
            return Err(PictureError::TooLarge(format!(
                "the picture is too large: {width}×{height} takes {} MiB to decode; at most {} \
                 MiB (send it smaller, or with 8 bits a channel)",
                cost_bytes.div_ceil(MIB),
                DECODE_MEMORY_BYTES / MIB
            )));
        }
        Ok(Self {
            format,
            width,
            height,
            cost_bytes,
        })
    }
}

/// The decoder's limits: the size its header declared (so a decoder that reads a second,
/// larger size further on stops) and the memory budget.
fn decode_limits(header: Option<&Header>) -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = header.map(|h| h.width);
    limits.max_image_height = header.map(|h| h.height);
    limits.max_alloc = Some(DECODE_MEMORY_BYTES);
    limits
}

/// Reads and checks the header of a picture (blocking: it reads the file's start).
pub fn header(source: &Source) -> Result<Header, PictureError> {
    match source {
        Source::File(path) => {
            let file = std::fs::File::open(path)?;
            let file_bytes = file.metadata()?.len();
            let mut head = Vec::new();
            file.take(HEADER_READ_BYTES).read_to_end(&mut head)?;
            Header::read(&head, file_bytes)
        }
        Source::Memory(bytes) => {
            let end = bytes
                .len()
                .min(usize::try_from(HEADER_READ_BYTES).unwrap_or(usize::MAX));
            Header::read(&bytes[..end], bytes.len() as u64)
        }
    }
}

/// Decodes a picture whose header was checked, held to that header (blocking).
pub fn decode(source: &Source, header: &Header) -> Result<DynamicImage, PictureError> {
    match source {
        Source::File(path) => {
            decode_from(std::io::BufReader::new(std::fs::File::open(path)?), header)
        }
        Source::Memory(bytes) => decode_from(Cursor::new(bytes.as_ref()), header),
    }
}

fn decode_from(reader: impl BufRead + Seek, header: &Header) -> Result<DynamicImage, PictureError> {
    let mut reader = ImageReader::with_format(reader, header.format);
    reader.limits(decode_limits(Some(header)));
    reader.decode().map_err(|e| match e {
        image::ImageError::Limits(e) => {
            PictureError::TooLarge(format!("the picture is too large to decode: {e}"))
        }
        e => PictureError::Invalid(format!("the picture does not decode: {e}")),
    })
}

/// Decodes a small picture already in memory that the server made itself (a movie's first
/// frame), with the same checks, without waiting for a turn (blocking).
pub fn decode_now(bytes: axum::body::Bytes) -> Result<DynamicImage, PictureError> {
    let source = Source::Memory(bytes);
    let header = header(&source)?;
    decode(&source, &header)
}

/// The decode turns: a few at once, and a memory budget shared by all of them.
struct Gate {
    slots: Arc<Semaphore>,
    /// Permits are MiB of [`DECODE_MEMORY_BYTES`].
    memory: Arc<Semaphore>,
}

fn gate() -> &'static Gate {
    static GATE: OnceLock<Gate> = OnceLock::new();
    GATE.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Gate {
            slots: Arc::new(Semaphore::new(decode_slots(cores))),
            memory: Arc::new(Semaphore::new(
                usize::try_from(DECODE_MEMORY_BYTES / MIB).unwrap_or(usize::MAX),
            )),
        }
    })
}

/// Pictures decoded at once: one per core, at most four (each decode keeps its core busy).
fn decode_slots(cores: usize) -> usize {
    cores.clamp(1, 4)
}

/// Reads the picture's header and checks it, waits for a decode turn with the memory it
/// needs, then decodes it and runs `work` on it, on the blocking pool. The turn is held until
/// `work` ends, even if the request that asked for it has gone.
pub async fn with_picture<T, E, F>(source: Source, work: F) -> Result<T, E>
where
    F: FnOnce(DynamicImage, Header) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<PictureError> + Send + 'static,
{
    let (source, header) = blocking(move || header(&source).map(|h| (source, h)))
        .await
        .map_err(E::from)?
        .map_err(E::from)?;
    let gate = gate();
    let slot = Arc::clone(&gate.slots)
        .acquire_owned()
        .await
        .map_err(closed)?;
    let mib = u32::try_from(header.cost_bytes.div_ceil(MIB).max(1)).unwrap_or(u32::MAX);
    let memory = Arc::clone(&gate.memory)
        .acquire_many_owned(mib)
        .await
        .map_err(closed)?;
    blocking(move || {
        let _turn = (slot, memory);
        let image = decode(&source, &header)?;
        work(image, header)
    })
    .await
    .map_err(E::from)?
}

fn closed(_: tokio::sync::AcquireError) -> PictureError {
    PictureError::Io(std::io::Error::other("the decode queue is closed"))
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, PictureError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| PictureError::Io(std::io::Error::other(format!("decoding a picture: {e}"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
        let mut out = Vec::new();
        DynamicImage::new_rgb8(width, height)
            .write_to(&mut Cursor::new(&mut out), format)
            .unwrap();
        out
    }

    /// A small JPEG whose header claims `width`×`height` (the frame header patched): what
    /// a picture bomb looks like.
    fn lying_jpeg(width: u16, height: u16) -> Vec<u8> {
        let mut jpeg = encoded(8, 8, ImageFormat::Jpeg);
        let sof = jpeg
            .windows(2)
            .position(|w| w == [0xFF, 0xC0])
            .expect("a baseline frame header");
        jpeg[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
        jpeg[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
        jpeg
    }

    #[test]
    fn the_pixel_budget_holds_at_its_boundary() {
        // An 8-bit grey picture of exactly the budget passes; one pixel more does not.
        let at = Header::check(ImageFormat::Png, 10_000, 10_000, 100_000_000, 1000).unwrap();
        assert_eq!((at.width, at.height), (10_000, 10_000));
        assert!(matches!(
            Header::check(ImageFormat::Png, 100_000_001, 1, 100_000_001, 1000),
            Err(PictureError::TooLarge(m)) if m.contains("at most 100 megapixels")
        ));
    }

    #[test]
    fn the_memory_budget_holds_at_its_boundary() {
        let budget = DECODE_MEMORY_BYTES;
        assert!(Header::check(ImageFormat::Png, 1000, 1000, budget, 10).is_ok());
        assert!(matches!(
            Header::check(ImageFormat::Png, 1000, 1000, budget + 1, 10),
            Err(PictureError::TooLarge(m)) if m.contains("MiB to decode")
        ));
        // A JPEG counts twice its picture and its file.
        assert!(Header::check(ImageFormat::Jpeg, 1000, 1000, budget / 2 - 5, 10).is_ok());
        assert!(Header::check(ImageFormat::Jpeg, 1000, 1000, budget / 2 - 5, 11).is_err());
    }

    #[test]
    fn a_lying_header_is_refused_before_decoding() {
        let bomb = lying_jpeg(13_000, 13_000);
        assert!(bomb.len() < 1000, "{} bytes", bomb.len());
        let refused = header(&Source::Memory(bomb.into()));
        assert!(
            matches!(&refused, Err(PictureError::TooLarge(m)) if m.contains("13000×13000")),
            "{refused:?}"
        );
        // Under the budget, the header is read and the decode holds to it.
        let png = Source::Memory(encoded(300, 200, ImageFormat::Png).into());
        let h = header(&png).unwrap();
        assert_eq!((h.format, h.width, h.height), (ImageFormat::Png, 300, 200));
        assert_eq!(decode(&png, &h).unwrap().width(), 300);
        let claimed_smaller = Header {
            width: 100,
            height: 100,
            ..h
        };
        assert!(matches!(
            decode(&png, &claimed_smaller),
            Err(PictureError::TooLarge(_))
        ));
        assert!(matches!(
            header(&Source::Memory(b"GIF89a not accepted".to_vec().into())),
            Err(PictureError::Invalid(_))
        ));
    }

    #[tokio::test]
    async fn pictures_decode_in_their_turn() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.jpg");
        std::fs::write(&path, encoded(64, 48, ImageFormat::Jpeg)).unwrap();
        let size = with_picture(Source::File(path), |image, header| {
            Ok::<_, PictureError>((image.width(), header.height))
        })
        .await
        .unwrap();
        assert_eq!(size, (64, 48));
        assert_eq!(decode_slots(1), 1);
        assert_eq!(decode_slots(64), 4);
    }
}
