//! An upload-mode task's job folder: `<work dir>/job-<id>/`, with each file of the job's set
//! at its path (hard links to the [`Cache`]), or, for the job's video task, the job's frames
//! fetched from its outputs; and the outputs sent back to the server.
//!
//! Each task gets a fresh folder (the links are cheap to make again), so nothing an earlier
//! task left, such as a symlink or a stale frame, leaks into the next one.

use crate::cache::{Cache, CacheError, Pinned, TaskSource, link_into};
use crate::plan::{self, FRAMES_DIR, OUT_DIR, Tools};
use crate::runner::{self, Outcome};
use drover_shared::api::{BlenderRenderSettings, FileRef, JobKind, check_output_name};
use drover_shared::protocol::{Assignment, TaskUpdate};
use drover_shared::{Client, ClientError, TaskId, TaskType};
use futures_util::{StreamExt, TryStreamExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Tries of one file download (each resumes where the last stopped).
const FETCH_ATTEMPTS: u32 = 5;
/// How long a failing output upload is retried before the task fails.
const SEND_PATIENCE: Duration = Duration::from_mins(2);
/// How often the server hears what the preparation is doing (also keeps the task from
/// timing out during a long download).
const PROGRESS_EVERY: Duration = Duration::from_secs(2);

/// A task's prepared job folder; its files stay in the cache while this lives.
#[derive(Debug)]
pub struct JobFolder {
    /// `<work dir>/job-<id>`.
    pub path: PathBuf,
    _pinned: Option<Pinned>,
}

/// Whether a failed request may succeed when sent again: no answer, a server error, a
/// timeout or "too many requests".
fn transient(error: &ClientError) -> bool {
    match error {
        ClientError::Io { .. } | ClientError::Url(_) => false,
        other => other
            .status()
            .is_none_or(|s| s.is_server_error() || matches!(s.as_u16(), 408 | 429)),
    }
}

/// Runs an upload-mode task: prepares its job folder (telling the server what it is
/// fetching), then runs its program there. A file that cannot be fetched or checked fails
/// the task with the reason.
pub async fn run(
    client: &Client,
    cache: &Cache,
    work_dir: &Path,
    tools: &Tools,
    assignment: &Assignment,
    stop: &mut watch::Receiver<bool>,
) -> Outcome {
    let task = assignment.task.id;
    let (activity_tx, activity) = watch::channel("preparing the job folder".to_owned());
    let prepared = {
        let prepare = prepare(client, cache, work_dir, assignment, &activity_tx);
        tokio::pin!(prepare);
        let mut tick = tokio::time::interval(PROGRESS_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                result = &mut prepare => break result,
                _ = tick.tick() => {
                    let update = TaskUpdate {
                        activity: Some(activity.borrow().clone()),
                        ..TaskUpdate::default()
                    };
                    match client.update_task(task, &update).await {
                        Err(e) if matches!(e.status().map(|s| s.as_u16()), Some(404 | 409)) => {
                            return Outcome::Stopped(e.to_string());
                        }
                        Err(e) => tracing::debug!(error = %e, "progress update not delivered"),
                        Ok(()) => {}
                    }
                }
                _ = stop.changed() => return Outcome::Stopped("the worker is stopping".into()),
            }
        }
    };
    let folder = match prepared {
        Ok(folder) => folder,
        Err(reason) => return runner::fail(client, task, reason).await,
    };
    match plan::plan_in(assignment, tools, &folder.path) {
        Ok(plan) => runner::run(client, assignment, &plan, stop).await,
        Err(reason) => runner::fail(client, task, reason).await,
    }
}

/// Makes the task's job folder: clears the folders of earlier tasks, then links the job's
/// files from the cache (fetching what it lacks), or, for a video task, downloads the job's
/// frames into its [`FRAMES_DIR`]. `activity` follows what it is doing.
pub async fn prepare(
    client: &Client,
    cache: &Cache,
    work_dir: &Path,
    assignment: &Assignment,
    activity: &watch::Sender<String>,
) -> Result<JobFolder, String> {
    let task = assignment.task.id;
    let path = work_dir.join(format!("job-{}", assignment.job_id));
    clear_job_folders(work_dir);
    let out = path.join(OUT_DIR);
    std::fs::create_dir_all(&out).map_err(|e| format!("creating {}: {e}", out.display()))?;
    let pinned = match (assignment.task.task_type, &assignment.kind) {
        (TaskType::Ffmpeg, JobKind::BlenderRender(settings)) => {
            fetch_frames(client, task, settings, &path.join(FRAMES_DIR), activity).await?;
            None
        }
        _ => Some(fetch_files(client, cache, task, &path, activity).await?),
    };
    Ok(JobFolder {
        path,
        _pinned: pinned,
    })
}

/// Removes every `job-*` folder of the work dir: the worker runs one task at a time, so
/// none is in use, and their files are links (the cache keeps the content).
fn clear_job_folders(work_dir: &Path) {
    let Ok(items) = std::fs::read_dir(work_dir) else {
        return;
    };
    for item in items.flatten() {
        let is_job = item.file_name().to_string_lossy().starts_with("job-")
            && item.file_type().is_ok_and(|t| t.is_dir());
        if is_job && let Err(e) = std::fs::remove_dir_all(item.path()) {
            tracing::warn!(folder = %item.path().display(), error = %e, "could not clear an old job folder");
        }
    }
}

/// Links each file of the task's job set into `folder`, fetching into the cache what it
/// lacks. The files stay pinned in the cache while the answer lives.
async fn fetch_files(
    client: &Client,
    cache: &Cache,
    task: TaskId,
    folder: &Path,
    activity: &watch::Sender<String>,
) -> Result<Pinned, String> {
    let files = client
        .task_files(task)
        .await
        .map_err(|e| format!("listing the job's files: {e}"))?;
    let mut places = Vec::with_capacity(files.len());
    for file in &files {
        places.push(plan::in_job_folder(folder, &file.path)?);
    }
    let pinned = cache.pin(files.iter().map(|f| f.sha256.as_str()));
    let source = TaskSource {
        client: client.clone(),
        task,
    };
    let count = files.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    // Collected first: a stream over the iterator's closure trips rustc's `Send` check of
    // the task's future (higher-ranked lifetimes).
    let fetches: Vec<_> = files
        .iter()
        .zip(&places)
        .map(|(file, dest)| {
            let (source, done) = (&source, &done);
            async move {
                let wanted = FileRef {
                    sha256: file.sha256.clone(),
                    size: file.size,
                };
                let entry = fetch_with_retries(cache, source, &wanted)
                    .await
                    .map_err(|e| format!("job file {}: {e}", file.path))?;
                if let Some(parent) = dest.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| format!("creating {}: {e}", parent.display()))?;
                }
                link_into(&entry, dest).map_err(|e| format!("placing {}: {e}", dest.display()))?;
                let finished = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                activity.send_replace(format!(
                    "fetching job files: {finished} of {count} ready ({}, {} bytes)",
                    file.path, file.size
                ));
                Ok::<_, String>(())
            }
        })
        .collect();
    // The cache runs a few downloads at once; more waiting here would change nothing.
    futures_util::stream::iter(fetches)
        .buffer_unordered(crate::cache::DOWNLOADS_AT_ONCE)
        .try_collect::<()>()
        .await?;
    tracing::info!(task = %task, files = count, "job folder ready");
    Ok(pinned)
}

/// Fetches one file, resuming a few times when the download breaks off. A file that does not
/// match its hash is not tried again: the server's copy is wrong.
async fn fetch_with_retries(
    cache: &Cache,
    source: &TaskSource,
    file: &FileRef,
) -> Result<PathBuf, CacheError> {
    let mut attempt = 1;
    loop {
        match cache.fetch(source, file).await {
            Err(CacheError::Fetch { reason, .. }) if attempt < FETCH_ATTEMPTS => {
                tracing::warn!(sha256 = %file.sha256, %reason, attempt, "download broke off; resuming");
                tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt))).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Downloads the job's frames (its outputs named as the render's output, with the format's
/// extension) into `dir`, for the video task to join.
async fn fetch_frames(
    client: &Client,
    task: TaskId,
    settings: &BlenderRenderSettings,
    dir: &Path,
    activity: &watch::Sender<String>,
) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let name = settings.output.rsplit('/').next().unwrap_or_default();
    let prefix = name.split('#').next().unwrap_or_default();
    let extension = format!(".{}", settings.format.names().1);
    let outputs = client
        .task_outputs(task)
        .await
        .map_err(|e| format!("listing the job's outputs: {e}"))?;
    let frames: Vec<_> = outputs
        .iter()
        .filter(|o| o.name.starts_with(prefix) && o.name.ends_with(&extension))
        // A name that is not a plain file name would leave the folder.
        .filter(|o| check_output_name(&o.name).is_ok())
        .collect();
    if frames.is_empty() {
        return Err(format!(
            "the job has no frames to join (no output named {prefix}…{extension})"
        ));
    }
    for (index, frame) in frames.iter().enumerate() {
        activity.send_replace(format!(
            "fetching frames: {} of {} ({})",
            index + 1,
            frames.len(),
            frame.name
        ));
        let dest = dir.join(&frame.name);
        let mut attempt = 1;
        loop {
            match client.download_task_output(task, &frame.name, &dest).await {
                Ok(_) => break,
                Err(e) if attempt < FETCH_ATTEMPTS && transient(&e) => {
                    tracing::warn!(error = %e, frame = %frame.name, "frame download failed; retrying");
                    tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt))).await;
                    attempt += 1;
                }
                Err(e) => return Err(format!("downloading frame {}: {e}", frame.name)),
            }
        }
    }
    Ok(())
}

/// Sends the file at `path` as an output of the task's job, named by its file name.
/// Failures that may pass (no answer, a server error) are retried for a while, as results
/// are; the error says why the output could not be sent.
pub async fn send_output(client: &Client, task: TaskId, path: &Path) -> Result<(), String> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    check_output_name(&name).map_err(|e| format!("{}: {e}", path.display()))?;
    let started = Instant::now();
    let mut delay = Duration::from_millis(250);
    loop {
        match client.upload_output(task, &name, path).await {
            Ok(output) => {
                tracing::debug!(task = %task, name = %output.name, size = output.size, "output sent");
                return Ok(());
            }
            Err(e) if transient(&e) && started.elapsed() < SEND_PATIENCE => {
                tracing::warn!(error = %e, task = %task, %name, "output not sent yet; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
            Err(e) => return Err(format!("output {name}: {e}")),
        }
    }
}

/// Every file under `dir` (subfolders included, symlinks left out), sorted. Outputs are
/// named by file name, so two files of the same name are refused: one would replace the
/// other on the server.
pub fn files_under(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    if !dir.exists() {
        // The task removed the folder: it left nothing to send.
        return Ok(files);
    }
    let mut names = std::collections::HashMap::new();
    for item in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let item = item.map_err(|e| format!("listing {}: {e}", dir.display()))?;
        if !item.file_type().is_file() {
            continue;
        }
        let name = item.file_name().to_owned();
        if let Some(earlier) = names.insert(name, item.path().to_owned()) {
            return Err(format!(
                "{} and {} would both be sent as output {}",
                earlier.display(),
                item.path().display(),
                item.file_name().display()
            ));
        }
        files.push(item.into_path());
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_are_every_file_under_the_folder_once_by_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a")).unwrap();
        std::fs::write(dir.path().join("b.txt"), "b").unwrap();
        std::fs::write(dir.path().join("a/c.txt"), "c").unwrap();
        let names: Vec<_> = files_under(dir.path())
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["c.txt", "b.txt"]);
        std::fs::write(dir.path().join("a/b.txt"), "again").unwrap();
        let error = files_under(dir.path()).unwrap_err();
        assert!(error.contains("both be sent"), "{error}");
    }
}
