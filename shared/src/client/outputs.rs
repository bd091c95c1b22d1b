//! A job's outputs, as people fetch them: the list, and one output streamed to a local file
//! (the app's "Save all…"). The worker's side of outputs is in `files.rs`.

use super::{Client, ClientError};
use crate::JobId;
use crate::api::{JobOutput, check_output_name};
use reqwest::Method;
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;

/// A download's `.part` file, removed unless the download finished: an error, or the future
/// being dropped (the app's Cancel aborts the task), leaves no half file behind.
struct PartFile {
    path: PathBuf,
    finished: bool,
}

impl Drop for PartFile {
    fn drop(&mut self) {
        if !self.finished {
            // Drop cannot await; removing one file is a single short system call.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl Client {
    /// `GET /jobs/{id}/outputs`: the frames and video the job's tasks uploaded, by name.
    pub async fn job_outputs(&self, job: JobId) -> Result<Vec<JobOutput>, ClientError> {
        Self::json(self.request(Method::GET, &format!("/jobs/{job}/outputs"))).await
    }

    /// `GET /jobs/{id}/outputs/{name}`, streamed to `path`: the bytes go to `<path>.part` as
    /// they arrive, `progress` is told the length of each piece written, and the file takes
    /// its name only once whole (an existing file of that name is replaced). Returns the bytes
    /// written. `name` must be an output name (`check_output_name`): one plain file name, so
    /// a name from the server can never reach outside the folder the caller joins it to.
    pub async fn download_output(
        &self,
        job: JobId,
        name: &str,
        path: &Path,
        mut progress: impl FnMut(u64) + Send,
    ) -> Result<u64, ClientError> {
        check_output_name(name).map_err(ClientError::Url)?;
        let response = Self::check(
            self.request(Method::GET, &format!("/jobs/{job}/outputs/{name}"))
                .send()
                .await?,
        )
        .await?;
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| ClientError::Io { path, source }
        };
        let mut part_path = path.as_os_str().to_owned();
        part_path.push(".part");
        // Declared before the file, so the file is closed before the guard removes it.
        let mut part = PartFile {
            path: PathBuf::from(part_path),
            finished: false,
        };
        let mut file = tokio::fs::File::create(&part.path)
            .await
            .map_err(io(&part.path))?;
        let mut written = 0u64;
        let mut response = response;
        while let Some(chunk) = response.chunk().await? {
            file.write_all(&chunk).await.map_err(io(&part.path))?;
            written += chunk.len() as u64;
            progress(chunk.len() as u64);
        }
        file.flush().await.map_err(io(&part.path))?;
        drop(file);
        tokio::fs::rename(&part.path, path)
            .await
            .map_err(io(path))?;
        part.finished = true;
        Ok(written)
    }
}
