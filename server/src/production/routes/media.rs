//! Preview and avatar files over HTTP, as Kitsu serves them: uploads of a preview file's
//! picture or movie (`POST /pictures/preview-files/{id}`), its pictures and movie
//! (`/pictures/{originals,thumbnails,thumbnails-square,previews}/preview-files/{id}.png`,
//! `/movies/originals/preview-files/{id}.mp4`), and people's avatars.

use super::openapi::Routes;
use super::{read, write};
use crate::auth::{Authed, CurrentUser};
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::production::db::Row;
use crate::production::db::data::text;
use crate::production::db::names;
use crate::production::db::review::{self, Uploaded};
use crate::production::media::{self, Kind, MediaError};
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{FromRequest, Request, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use futures_util::StreamExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::io::AsyncWriteExt;

/// Largest multipart upload: file parts are spooled to disk as they arrive, so this bounds
/// the disk a request may fill, not memory (a feature's ProRes master is tens of GB).
pub const UPLOAD_LIMIT_BYTES: u64 = 64 * 1024 * 1024 * 1024;
/// Most bytes a multipart body's text parts may hold, names and values together: as much as
/// a JSON body may ([`crate::routes::BODY_LIMIT_BYTES`]), since they are read into memory.
pub const TEXT_PARTS_LIMIT_BYTES: usize = crate::routes::BODY_LIMIT_BYTES;
/// Most file parts in one multipart body (each is a file in the spool).
pub const MAX_FILE_PARTS: usize = 32;
/// Most bytes the multipart reader may hold without a part or a piece of one coming out (a
/// part's headers, the preamble): the reader keeps them in memory until they end.
const PART_HEAD_LIMIT_BYTES: u64 = 4 * 1024 * 1024;

/// The preview and avatar file routes. Their JSON bodies keep the app's small limit;
/// multipart bodies are read by [`MultipartForm`], which sets its own.
pub fn router() -> Routes {
    Routes::new()
        .route("/pictures/preview-files/{preview}", post(upload_preview))
        .route(
            "/pictures/thumbnails/persons/{file}",
            post(upload_avatar).get(avatar),
        )
        .route("/pictures/{kind}/preview-files/{file}", get(picture))
        .route("/movies/{quality}/preview-files/{file}", get(movie))
}

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

impl From<MediaError> for ApiError {
    fn from(e: MediaError) -> Self {
        match e {
            MediaError::Refused(m) => Self::BadRequest(m),
            MediaError::TooLarge(m) => Self::PayloadTooLarge(m),
            MediaError::Busy(m) => Self::TooManyRequests(m),
            MediaError::Io(e) => Self::Internal(format!("storing media: {e}")),
        }
    }
}

/// Stores an upload for a preview file the person may change, then records it.
pub async fn store_upload(
    state: &AppState,
    me: &CurrentUser,
    preview: String,
    upload: Upload,
) -> ApiResult<Row> {
    let checked = read(state, me, move |d| {
        let row = d.get(names::PREVIEW_FILES, &preview)?;
        d.authorize_row(names::PREVIEW_FILES, &row)?;
        Ok(row)
    })
    .await?;
    let id = text(&checked, "id").to_owned();
    let (name, size, file) = (upload.name, upload.size, upload.file);
    // `file` lives to the end of this function: the spooled copy goes unless it was moved.
    // The uploader's id is their lane in the movie queue.
    let stored =
        media::store_preview(&state.data_dir, &id, &name, &file, &me.user.id.to_string()).await;
    let stored = match stored {
        Ok(stored) => stored,
        Err(refused) => {
            // As Kitsu does: a preview waiting for a file it cannot take is removed, so no
            // row stays "processing" for ever.
            if text(&checked, "status") == "processing" {
                let id = id.clone();
                write(state, me, move |d| d.delete(names::PREVIEW_FILES, &id)).await?;
            }
            return Err(refused.into());
        }
    };
    let uploaded = Uploaded {
        original_name: name,
        extension: stored.extension,
        width: stored.width,
        height: stored.height,
        duration: stored.duration,
        file_size: size,
        is_movie: stored.is_movie,
    };
    write(state, me, move |d| review::record_upload(d, &id, &uploaded)).await
}

async fn upload_preview(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(preview): Path<String>,
    MaybeUpload(upload): MaybeUpload,
) -> ApiResult<(StatusCode, axum::Json<Row>)> {
    let upload = upload.ok_or_else(|| ApiError::BadRequest("File not provided.".into()))?;
    let row = store_upload(&state, &me, preview, upload).await?;
    Ok((StatusCode::CREATED, axum::Json(row)))
}

/// A preview the person may see; 404 when there is none or it is in a project they are not on.
async fn visible_preview(state: &AppState, me: &CurrentUser, file: &str) -> ApiResult<Row> {
    let id = file.split('.').next().unwrap_or("").to_owned();
    read(state, me, move |d| d.get_visible(names::PREVIEW_FILES, &id)).await
}

/// Answers a stored file, streamed from disk (a movie can be gigabytes).
async fn send_file(path: std::path::PathBuf, content_type: &'static str) -> ApiResult<Response> {
    stream_file(&path, content_type)
        .await?
        .ok_or_else(|| ApiError::NotFound("File not found".into()))
}

/// A response streaming the file at `path` with its length, or `None` when there is none.
pub async fn stream_file(
    path: &std::path::Path,
    content_type: &str,
) -> ApiResult<Option<Response>> {
    let Ok(file) = tokio::fs::File::open(path).await else {
        return Ok(None);
    };
    let length = file
        .metadata()
        .await
        .map_err(|e| ApiError::Internal(format!("reading a stored file: {e}")))?
        .len();
    // A type an uploader declared that is no valid header value is sent as bytes.
    let content_type = header::HeaderValue::from_str(content_type)
        .unwrap_or(header::HeaderValue::from_static("application/octet-stream"));
    Response::builder()
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CONTENT_LENGTH, length)
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .body(Body::from_stream(tokio_util::io::ReaderStream::new(file)))
        .map(Some)
        .map_err(|e| ApiError::Internal(e.to_string()))
}

async fn picture(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((kind, file)): Path<(String, String)>,
) -> ApiResult<Response> {
    let kind = Kind::from_route(&kind)
        .ok_or_else(|| ApiError::NotFound(format!("no picture kind `{kind}`")))?;
    let preview = visible_preview(&state, &me, &file).await?;
    let extension = match (kind, text(&preview, "extension")) {
        (Kind::Original, "") => return Err(ApiError::NotFound("File not found".into())),
        (Kind::Original, ext) => ext.to_owned(),
        _ => "png".to_owned(),
    };
    let content_type = if extension == "png" {
        "image/png"
    } else {
        "application/octet-stream"
    };
    let path = media::preview_path(&state.data_dir, text(&preview, "id"), kind, &extension);
    send_file(path, content_type).await
}

async fn movie(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((quality, file)): Path<(String, String)>,
) -> ApiResult<Response> {
    if !matches!(quality.as_str(), "originals" | "low") {
        return Err(ApiError::NotFound(format!("no movie quality `{quality}`")));
    }
    let preview = visible_preview(&state, &me, &file).await?;
    if preview.get("is_movie").and_then(serde_json::Value::as_bool) != Some(true) {
        return Err(ApiError::NotFound("File not found".into()));
    }
    let id = text(&preview, "id");
    let low = media::movie_low_path(&state.data_dir, id);
    // Movies no taller than the low copy's height have none: the original serves for both.
    let path = if quality == "low" && tokio::fs::try_exists(&low).await.unwrap_or(false) {
        low
    } else {
        media::preview_path(&state.data_dir, id, Kind::Original, "mp4")
    };
    send_file(path, "video/mp4").await
}

async fn upload_avatar(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(file): Path<String>,
    MaybeUpload(upload): MaybeUpload,
) -> ApiResult<axum::Json<Row>> {
    let upload = upload.ok_or_else(|| ApiError::BadRequest("File not provided.".into()))?;
    let person = file.split('.').next().unwrap_or("").to_owned();
    let found = read(&state, &me, move |d| d.get(names::PERSONS, &person)).await?;
    let id = text(&found, "id").to_owned();
    if id.parse::<drover_shared::UserId>() != Ok(me.user.id)
        && me.user.role != drover_shared::Role::Admin
    {
        return Err(ApiError::Forbidden(
            "only admins change other people's avatars".into(),
        ));
    }
    media::store_avatar(&state.data_dir, &id, &upload.file).await?;
    let person = state
        .store
        .write(move |c| {
            crate::production::db::user::set_has_avatar(c, &id)?;
            Ok::<_, ApiError>(id)
        })
        .await?;
    let row = read(&state, &me, move |d| d.get(names::PERSONS, &person)).await?;
    Ok(axum::Json(row))
}

async fn avatar(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> ApiResult<Response> {
    let person = file.split('.').next().unwrap_or("").to_owned();
    let found = read(&state, &me, move |d| d.get(names::PERSONS, &person)).await?;
    send_file(
        media::avatar_path(&state.data_dir, text(&found, "id")),
        "image/png",
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::super::Fields;
    use super::*;
    use crate::routes::BODY_LIMIT_BYTES;
    use axum::Router;
    use axum::body::Body;
    use axum::extract::DefaultBodyLimit;
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
