//! Multipart bodies, read as they arrive: file parts spooled to disk in the data dir, text
//! parts into memory, each kind under its own bound.

use crate::error::{ApiError, ApiResult};
use crate::production::db::Row;
use crate::production::media;
use crate::state::AppState;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use futures_util::StreamExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::io::AsyncWriteExt;

/// Largest multipart upload: file parts are spooled to disk as they arrive, so this bounds
/// the disk a request may fill, not memory (a feature's ProRes master is tens of GB).
pub const UPLOAD_LIMIT_BYTES: u64 = 64 * 1024 * 1024 * 1024;
/// Most bytes a multipart body's text parts may hold, names and values together: as much as
/// a JSON body may ([`crate::extract::BODY_LIMIT_BYTES`]), since they are read into memory.
pub const TEXT_PARTS_LIMIT_BYTES: usize = crate::extract::BODY_LIMIT_BYTES;
/// Most file parts in one multipart body (each is a file in the spool).
pub const MAX_FILE_PARTS: usize = 32;
/// Most bytes the multipart reader may hold without a part or a piece of one coming out (a
/// part's headers, the preamble): the reader keeps them in memory until they end.
const PART_HEAD_LIMIT_BYTES: u64 = 4 * 1024 * 1024;

/// A file sent as a multipart part `file` (or any part with a file name), spooled to a
/// temporary file in the data dir as it arrived; removed when dropped unless stored.
pub struct Upload {
    /// The file name it was sent with.
    pub name: String,
    /// The part's declared content type, if any.
    pub content_type: Option<String>,
    /// The spooled file.
    pub file: tempfile::TempPath,
    /// Its size in bytes.
    pub size: u64,
}

/// A multipart body read in full: its text parts as fields, its file parts spooled in order.
pub struct MultipartForm {
    /// Text parts, by name.
    pub fields: Row,
    /// File parts (`file`, `file-1`… as gazu names them).
    pub files: Vec<Upload>,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The multipart reader held more than [`PART_HEAD_LIMIT_BYTES`] without a part coming out.
#[derive(Debug, thiserror::Error)]
#[error("a part's headers are longer than {PART_HEAD_LIMIT_BYTES} bytes")]
struct HeadTooLong;

impl MultipartForm {
    /// Reads every part of a multipart request, spooling file parts under `data_dir`. The
    /// body is taken past the app's JSON limit, up to [`UPLOAD_LIMIT_BYTES`]; only file parts
    /// may be that large: text parts together stop at [`TEXT_PARTS_LIMIT_BYTES`], file parts
    /// at [`MAX_FILE_PARTS`], and a part's headers at [`PART_HEAD_LIMIT_BYTES`] (each 413).
    pub async fn read(req: Request, data_dir: &std::path::Path) -> ApiResult<Self> {
        let io = |e: std::io::Error| ApiError::Internal(format!("spooling an upload: {e}"));
        let boundary = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| multer::parse_boundary(v).ok())
            .ok_or_else(|| {
                ApiError::BadRequest("a multipart body needs a boundary in its Content-Type".into())
            })?;
        // Bytes taken from the body and not yet given out as a part or a piece of one: what
        // the reader holds. It may take one more chunk while it holds the limit, not two.
        let held = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&held);
        let stream = req
            .into_body()
            .into_data_stream()
            .map(move |chunk| -> Result<_, BoxError> {
                let chunk = chunk.map_err(BoxError::from)?;
                if counted.fetch_add(chunk.len() as u64, Ordering::Relaxed) > PART_HEAD_LIMIT_BYTES
                {
                    return Err(HeadTooLong.into());
                }
                Ok(chunk)
            });
        let given_out = |bytes: usize| {
            let bytes = bytes as u64;
            let _ = held.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |h| {
                Some(h.saturating_sub(bytes))
            });
        };
        let limits = multer::Constraints::new()
            .size_limit(multer::SizeLimit::new().whole_stream(UPLOAD_LIMIT_BYTES));
        let mut multipart = multer::Multipart::with_constraints(stream, boundary, limits);
        let mut form = Self {
            fields: Row::new(),
            files: Vec::new(),
        };
        let mut text_bytes = 0usize;
        while let Some(mut field) = multipart.next_field().await.map_err(refused)? {
            // The part's headers are read: what is held now is at most its first data.
            held.store(0, Ordering::Relaxed);
            let name = field.name().unwrap_or("").to_owned();
            if name != "file" && field.file_name().is_none() {
                text_bytes += name.len();
                let mut value = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(refused)? {
                    given_out(chunk.len());
                    text_bytes += chunk.len();
                    if text_bytes > TEXT_PARTS_LIMIT_BYTES {
                        return Err(ApiError::PayloadTooLarge(format!(
                            "the form's text fields are larger than {TEXT_PARTS_LIMIT_BYTES} \
                             bytes; send large content as a file"
                        )));
                    }
                    value.extend_from_slice(&chunk);
                }
                let value = String::from_utf8(value).map_err(|_| {
                    ApiError::BadRequest(format!("the form field `{name}` is not UTF-8 text"))
                })?;
                form.fields.insert(name, serde_json::Value::from(value));
                continue;
            }
            if form.files.len() == MAX_FILE_PARTS {
                return Err(ApiError::PayloadTooLarge(format!(
                    "at most {MAX_FILE_PARTS} files may be sent at once"
                )));
            }
            let file_name = field.file_name().unwrap_or("upload").to_owned();
            let content_type = field.content_type().map(ToString::to_string);
            let spool_dir = data_dir.to_owned();
            let spool = tokio::task::spawn_blocking(move || media::spool_file(&spool_dir))
                .await
                .map_err(|e| ApiError::Internal(format!("spooling an upload: {e}")))?
                .map_err(io)?;
            let (file, path) = spool.into_parts();
            let mut file = tokio::fs::File::from_std(file);
            let mut size = 0u64;
            while let Some(chunk) = field.chunk().await.map_err(refused)? {
                given_out(chunk.len());
                size += chunk.len() as u64;
                file.write_all(&chunk).await.map_err(io)?;
            }
            file.flush().await.map_err(io)?;
            form.files.push(Upload {
                name: file_name,
                content_type,
                file: path,
                size,
            });
        }
        Ok(form)
    }
}

/// A multipart body refused: 413 past a limit, 400 when malformed.
fn refused(e: multer::Error) -> ApiError {
    match e {
        multer::Error::StreamSizeExceeded { limit } => ApiError::PayloadTooLarge(format!(
            "the upload is larger than {} GiB",
            limit / (1024 * 1024 * 1024)
        )),
        multer::Error::FieldSizeExceeded { .. } => ApiError::PayloadTooLarge(e.to_string()),
        multer::Error::StreamReadFailed(cause) if cause.is::<HeadTooLong>() => {
            ApiError::PayloadTooLarge(cause.to_string())
        }
        e => ApiError::BadRequest(format!("the multipart body could not be read: {e}")),
    }
}

/// Whether a request's body is `multipart/form-data`.
pub fn is_multipart(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"))
}

/// The upload of a request that may or may not be multipart.
pub struct MaybeUpload(pub Option<Upload>);

impl FromRequest<AppState> for MaybeUpload {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        if !is_multipart(&req) {
            return Ok(Self(None));
        }
        let form = MultipartForm::read(req, &state.data_dir).await?;
        Ok(Self(form.files.into_iter().next()))
    }
}

#[cfg(test)]
mod tests {
    use super::super::Fields;
    use super::*;
    use crate::extract::BODY_LIMIT_BYTES;
    use axum::Router;
    use axum::body::Body;
    use axum::extract::DefaultBodyLimit;
    use axum::http::StatusCode;
    use axum::routing::post;
    use tower::ServiceExt;

    const BOUNDARY: &str = "drover-unit-boundary";

    /// A text part (`file_name` `None`) or a file part.
    struct Part<'a> {
        name: &'a str,
        file_name: Option<&'a str>,
        value: Vec<u8>,
    }

    fn text(name: &str, value: Vec<u8>) -> Part<'_> {
        Part {
            name,
            file_name: None,
            value,
        }
    }

    fn multipart(parts: &[Part<'_>]) -> Request {
        let mut body = Vec::new();
        for part in parts {
            let file = part
                .file_name
                .map(|f| format!("; filename=\"{f}\""))
                .unwrap_or_default();
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{}\"{file}\r\n\r\n",
                    part.name
                )
                .as_bytes(),
            );
            body.extend_from_slice(&part.value);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        Request::builder()
            .method("POST")
            .uri("/")
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(Body::from(body))
            .unwrap()
    }

    async fn read(request: Request) -> ApiResult<MultipartForm> {
        let dir = tempfile::tempdir().unwrap();
        MultipartForm::read(request, dir.path()).await
    }

    fn too_large<T>(result: &ApiResult<T>) -> bool {
        matches!(result, Err(ApiError::PayloadTooLarge(_)))
    }

    #[tokio::test]
    async fn text_parts_stop_at_the_cap_and_file_parts_do_not() {
        // Names and values count: "comment" and "x" leave the rest of the cap for the values.
        let room = TEXT_PARTS_LIMIT_BYTES - "comment".len() - "x".len();
        let at_cap = [text("comment", vec![b'a'; room - 1]), text("x", vec![b'b'])];
        let form = read(multipart(&at_cap)).await.unwrap();
        assert_eq!(form.fields["comment"].as_str().unwrap().len(), room - 1);
        let under = [text("comment", vec![b'a'; room - 2]), text("x", vec![b'b'])];
        assert!(read(multipart(&under)).await.is_ok());
        let over = [text("comment", vec![b'a'; room]), text("x", vec![b'b'])];
        assert!(too_large(&read(multipart(&over)).await));
        // A file part twice the cap is spooled to disk, beside a small text part.
        let dir = tempfile::tempdir().unwrap();
        let big = Part {
            name: "file",
            file_name: Some("big.bin"),
            value: vec![7; 2 * TEXT_PARTS_LIMIT_BYTES],
        };
        let form = MultipartForm::read(
            multipart(&[text("comment", b"hi".to_vec()), big]),
            dir.path(),
        )
        .await
        .unwrap();
        assert_eq!(form.files[0].size, 2 * TEXT_PARTS_LIMIT_BYTES as u64);
        assert_eq!(
            std::fs::metadata(&form.files[0].file).unwrap().len(),
            2 * TEXT_PARTS_LIMIT_BYTES as u64
        );
    }

    #[tokio::test]
    async fn file_parts_stop_at_their_count() {
        let files = |count: usize| {
            let parts: Vec<Part<'_>> = (0..count)
                .map(|_| Part {
                    name: "file",
                    file_name: Some("f.txt"),
                    value: b"x".to_vec(),
                })
                .collect();
            multipart(&parts)
        };
        assert_eq!(
            read(files(MAX_FILE_PARTS)).await.unwrap().files.len(),
            MAX_FILE_PARTS
        );
        assert!(too_large(&read(files(MAX_FILE_PARTS + 1)).await));
    }

    #[tokio::test]
    async fn part_headers_that_never_end_are_refused() {
        let endless = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Pad: {}",
            "p".repeat(usize::try_from(PART_HEAD_LIMIT_BYTES).unwrap() + 256 * 1024)
        );
        // Sent in 64 KiB pieces, as a connection delivers it.
        let pieces: Vec<Result<axum::body::Bytes, std::io::Error>> = endless
            .into_bytes()
            .chunks(64 * 1024)
            .map(|c| Ok(axum::body::Bytes::copy_from_slice(c)))
            .collect();
        let request = Request::builder()
            .method("POST")
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(Body::from_stream(futures_util::stream::iter(pieces)))
            .unwrap();
        let refused = read(request).await;
        assert!(
            matches!(&refused, Err(ApiError::PayloadTooLarge(m)) if m.contains("headers")),
            "{:?}",
            refused.err()
        );
    }

    /// JSON and form bodies stop at the app's cap on every route: `Fields` (the production
    /// routes') and `Json` (the farm's) alike.
    #[tokio::test]
    async fn json_and_form_bodies_stop_at_the_cap() {
        let app = Router::new()
            .route(
                "/fields",
                post(|Fields(fields): Fields| async move { fields.len().to_string() }),
            )
            .route(
                "/json",
                post(
                    |crate::extract::Json(v): crate::extract::Json<serde_json::Value>| async move {
                        v.as_object().map_or(0, serde_json::Map::len).to_string()
                    },
                ),
            )
            .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES));
        let send = |uri: &'static str, content_type: &'static str, length: usize| {
            let app = app.clone();
            async move {
                // `{"a":"…"}` or `a=…`, exactly `length` bytes long.
                let (head, tail) = if content_type == "application/json" {
                    ("{\"a\":\"", "\"}")
                } else {
                    ("a=", "")
                };
                let mut body = head.as_bytes().to_vec();
                body.resize(length - tail.len(), b'x');
                body.extend_from_slice(tail.as_bytes());
                let request = Request::builder()
                    .method("POST")
                    .uri(uri)
                    .header(header::CONTENT_TYPE, content_type)
                    .body(Body::from(body))
                    .unwrap();
                app.oneshot(request).await.unwrap().status()
            }
        };
        for uri in ["/fields", "/json"] {
            for (length, status) in [
                (BODY_LIMIT_BYTES - 1, StatusCode::OK),
                (BODY_LIMIT_BYTES, StatusCode::OK),
                (BODY_LIMIT_BYTES + 1, StatusCode::PAYLOAD_TOO_LARGE),
            ] {
                assert_eq!(
                    send(uri, "application/json", length).await,
                    status,
                    "{uri} {length}"
                );
            }
        }
        assert_eq!(
            send(
                "/fields",
                "application/x-www-form-urlencoded",
                BODY_LIMIT_BYTES
            )
            .await,
            StatusCode::OK
        );
        assert_eq!(
            send(
                "/fields",
                "application/x-www-form-urlencoded",
                BODY_LIMIT_BYTES + 1
            )
            .await,
            StatusCode::PAYLOAD_TOO_LARGE
        );
    }
}
