//! Job files without shared storage, as [`Client`] methods: a project's storage mode, the
//! file check and the resumable upload people's tools use, and the worker's side (a task's
//! file set, each file downloaded with resume, outputs streamed back).
//!
//! Files are streamed both ways, never held whole in memory: a job's files can be
//! gigabytes.

use super::{Client, ClientError};
use crate::api::{
    FileCheck, FileCheckAnswer, FileRef, JobFile, JobOutput, ProjectStorage, ProjectStorageInput,
    UploadQuery, UploadState,
};
use crate::ids::{JobId, ProjectId, TaskId};
use reqwest::header::{CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, RANGE};
use reqwest::{Method, RequestBuilder, StatusCode};
use std::path::Path;
use std::time::Duration;
use tokio::io::{AsyncSeekExt, AsyncWriteExt};

/// Tries one upload makes: each after a dropped connection or a 409 resumes from what the
/// server has received.
const UPLOAD_ATTEMPTS: u32 = 5;
/// Pause before an upload resumes, so a server that just dropped the connection can breathe.
const UPLOAD_RETRY: Duration = Duration::from_millis(500);
/// Write buffer of a download: large writes keep a fast loopback download from being bound
/// by one `spawn_blocking` per network chunk.
const WRITE_BUFFER_BYTES: usize = 1 << 20;

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> ClientError + '_ {
    move |source| ClientError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Whether an upload that failed this way may resume: the connection dropped, the server's
/// count and ours disagree (409, resolved by asking it), or the server failed for a moment.
fn may_resume(error: &ClientError) -> bool {
    match error {
        ClientError::Http(e) => e.status().is_none_or(|s| s.is_server_error()),
        other => other
            .status()
            .is_some_and(|s| s == StatusCode::CONFLICT || s.is_server_error()),
    }
}

impl Client {
    /// A request to the API route made of `segments`, each percent-encoded (hashes and output
    /// names go in the path as they are given; the server judges them).
    pub(super) fn request_segments(
        &self,
        method: Method,
        segments: &[&str],
    ) -> Result<RequestBuilder, ClientError> {
        let mut url =
            reqwest::Url::parse(&self.api).map_err(|e| ClientError::Url(e.to_string()))?;
        url.path_segments_mut()
            .map_err(|()| ClientError::Url("the server URL cannot hold a path".into()))?
            .extend(segments);
        let builder = self.http.request(method, url);
        Ok(match &self.token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        })
    }

    /// Sends `len` bytes of the file at `path` from `offset` as the request's raw body,
    /// streamed.
    async fn file_body(
        builder: RequestBuilder,
        path: &Path,
        offset: u64,
        len: u64,
    ) -> Result<reqwest::Response, ClientError> {
        let mut file = tokio::fs::File::open(path).await.map_err(io_error(path))?;
        file.seek(std::io::SeekFrom::Start(offset))
            .await
            .map_err(io_error(path))?;
        let stream = tokio_util::io::ReaderStream::with_capacity(
            tokio::io::AsyncReadExt::take(file, len),
            256 * 1024,
        );
        let response = builder
            .header(CONTENT_TYPE, "application/octet-stream")
            // Known up front, so the server can refuse a file over the quota before reading it.
            .header(CONTENT_LENGTH, len)
            .body(reqwest::Body::wrap_stream(stream))
            .send()
            .await?;
        Self::check(response).await
    }

    /// Streams the answer to `builder` into the file at `dest`. With `resume`, a file already
    /// at `dest` is kept and only the rest is asked for (`Range: bytes=S-`); otherwise `dest`
    /// is written anew. Returns the file's length. With `sync`, the file is synced before this
    /// returns, so what it holds survives a crash of the machine.
    async fn download_to(
        builder: RequestBuilder,
        dest: &Path,
        resume: bool,
        sync: bool,
    ) -> Result<u64, ClientError> {
        let start = if resume {
            match tokio::fs::metadata(dest).await {
                Ok(meta) => meta.len(),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
                Err(e) => return Err(io_error(dest)(e)),
            }
        } else {
            0
        };
        let builder = if start > 0 {
            builder.header(RANGE, format!("bytes={start}-"))
        } else {
            builder
        };
        let response = builder.send().await?;
        if start > 0 && response.status() == StatusCode::RANGE_NOT_SATISFIABLE {
            // Nothing past `start`: the partial file is already whole (its caller checks it).
            return Ok(start);
        }
        let mut response = Self::check(response).await?;
        let appending = response.status() == StatusCode::PARTIAL_CONTENT;
        if appending {
            let range = response
                .headers()
                .get(CONTENT_RANGE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if !range.starts_with(&format!("bytes {start}-")) {
                return Err(io_error(dest)(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("asked for the bytes from {start}, the server sent {range:?}"),
                )));
            }
        }
        let file = tokio::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(appending)
            .truncate(!appending)
            .open(dest)
            .await
            .map_err(io_error(dest))?;
        let mut writer = tokio::io::BufWriter::with_capacity(WRITE_BUFFER_BYTES, file);
        let mut len = if appending { start } else { 0 };
        // Each chunk reaches the file before the next is read: a connection that drops
        // leaves a partial file that the next call resumes from.
        let outcome = async {
            while let Some(chunk) = response.chunk().await? {
                writer.write_all(&chunk).await.map_err(io_error(dest))?;
                len += chunk.len() as u64;
            }
            Ok::<_, ClientError>(())
        }
        .await;
        writer.flush().await.map_err(io_error(dest))?;
        if sync {
            writer
                .into_inner()
                .sync_all()
                .await
                .map_err(io_error(dest))?;
        }
        outcome.map(|()| len)
    }

    // -- people: storage, the file check and uploads ---------------------------------------

    /// `GET /projects/{id}/storage`: the project's storage mode, quota and use.
    pub async fn project_storage(&self, project: ProjectId) -> Result<ProjectStorage, ClientError> {
        Self::json(self.request(Method::GET, &format!("/projects/{project}/storage"))).await
    }

    /// `PUT /projects/{id}/storage` (managers and admins): absent fields keep their value.
    pub async fn set_project_storage(
        &self,
        project: ProjectId,
        input: &ProjectStorageInput,
    ) -> Result<ProjectStorage, ClientError> {
        Self::json(
            self.request(Method::PUT, &format!("/projects/{project}/storage"))
                .json(input),
        )
        .await
    }

    /// `POST /projects/{id}/files/check`: which of `files` the server lacks.
    pub async fn check_files(
        &self,
        project: ProjectId,
        files: &[FileRef],
    ) -> Result<FileCheckAnswer, ClientError> {
        let body = FileCheck {
            files: files.to_vec(),
        };
        Self::json(
            self.request(Method::POST, &format!("/projects/{project}/files/check"))
                .json(&body),
        )
        .await
    }

    /// `GET /projects/{id}/files/{sha256}?size=N`: how much of an upload the server has.
    pub async fn upload_state(
        &self,
        project: ProjectId,
        sha256: &str,
        size: u64,
    ) -> Result<UploadState, ClientError> {
        let query = UploadQuery { size, offset: None };
        let project = project.to_string();
        Self::json(
            self.request_segments(Method::GET, &["projects", &project, "files", sha256])?
                .query(&query),
        )
        .await
    }

    /// Uploads the local file at `path` as `file` (its hash and size, which the caller
    /// computed): `PUT /projects/{id}/files/{sha256}`, streamed. Asks first how much the
    /// server has, so a file already stored sends nothing and a broken upload resumes from
    /// `received`; a connection dropped on the way is resumed the same way, a few times.
    /// Returns the final state (`stored: true`).
    pub async fn upload_file(
        &self,
        project: ProjectId,
        path: &Path,
        file: &FileRef,
    ) -> Result<UploadState, ClientError> {
        let local = tokio::fs::metadata(path)
            .await
            .map_err(io_error(path))?
            .len();
        if local != file.size {
            return Err(io_error(path)(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "the file has {local} bytes, not the {} to upload",
                    file.size
                ),
            )));
        }
        let project_segment = project.to_string();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let sent = async {
                let state = self.upload_state(project, &file.sha256, file.size).await?;
                if state.stored {
                    return Ok(state);
                }
                let query = UploadQuery {
                    size: file.size,
                    offset: Some(state.received),
                };
                let builder = self
                    .request_segments(
                        Method::PUT,
                        &["projects", &project_segment, "files", &file.sha256],
                    )?
                    .query(&query);
                let response =
                    Self::file_body(builder, path, state.received, file.size - state.received)
                        .await?;
                Ok(response.json::<UploadState>().await?)
            }
            .await;
            match sent {
                Ok(state) if state.stored => return Ok(state),
                // The server kept less than was sent (the body ended early): resume.
                Ok(_) if attempt < UPLOAD_ATTEMPTS => {}
                Ok(state) => {
                    return Err(io_error(path)(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        format!(
                            "the server holds {} of {} bytes after {attempt} tries",
                            state.received, state.size
                        ),
                    )));
                }
                Err(e) if attempt < UPLOAD_ATTEMPTS && may_resume(&e) => {}
                Err(e) => return Err(e),
            }
            tokio::time::sleep(UPLOAD_RETRY).await;
        }
    }

    /// `GET /jobs/{id}/files`: a job's file set.
    pub async fn job_files(&self, job: JobId) -> Result<Vec<JobFile>, ClientError> {
        Self::json(self.request(Method::GET, &format!("/jobs/{job}/files"))).await
    }

    // -- workers: a task's files and outputs ------------------------------------------------

    /// `GET /worker/task/{id}/files`: the file set of the task's job.
    pub async fn task_files(&self, task: TaskId) -> Result<Vec<JobFile>, ClientError> {
        Self::json(self.request(Method::GET, &format!("/worker/task/{task}/files"))).await
    }

    /// `GET /worker/task/{id}/files/{sha256}` into the file at `dest`. A partial file
    /// already at `dest` (a download cut short, a worker killed) is resumed with
    /// `Range: bytes=S-`. Returns `dest`'s length; the caller checks the content against its
    /// hash. The file is not synced to disk: the worker's cache makes its entries durable
    /// when it closes, and hashes again what an unclean end may have left half-written.
    pub async fn download_task_file(
        &self,
        task: TaskId,
        sha256: &str,
        dest: &Path,
    ) -> Result<u64, ClientError> {
        let task = task.to_string();
        let builder =
            self.request_segments(Method::GET, &["worker", "task", &task, "files", sha256])?;
        Self::download_to(builder, dest, true, false).await
    }

    /// `PUT /worker/task/{id}/outputs/{name}`: sends the file at `path` as an output of the
    /// task's job, streamed. The same name again replaces it.
    pub async fn upload_output(
        &self,
        task: TaskId,
        name: &str,
        path: &Path,
    ) -> Result<JobOutput, ClientError> {
        let len = tokio::fs::metadata(path)
            .await
            .map_err(io_error(path))?
            .len();
        let task = task.to_string();
        let builder =
            self.request_segments(Method::PUT, &["worker", "task", &task, "outputs", name])?;
        Ok(Self::file_body(builder, path, 0, len).await?.json().await?)
    }

    /// `GET /worker/task/{id}/outputs`: the outputs of the task's job so far.
    pub async fn task_outputs(&self, task: TaskId) -> Result<Vec<JobOutput>, ClientError> {
        Self::json(self.request(Method::GET, &format!("/worker/task/{task}/outputs"))).await
    }

    /// `GET /worker/task/{id}/outputs/{name}` into the file at `dest` (written anew).
    /// Returns its length.
    pub async fn download_task_output(
        &self,
        task: TaskId,
        name: &str,
        dest: &Path,
    ) -> Result<u64, ClientError> {
        let task = task.to_string();
        let builder =
            self.request_segments(Method::GET, &["worker", "task", &task, "outputs", name])?;
        Self::download_to(builder, dest, false, true).await
    }
}
