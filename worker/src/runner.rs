//! Runs one task's program: in its own process group (inside a Job Object on Windows, see
//! [`crate::process`]), its output streamed to the server as log chunks (every second or
//! every 64 KiB), progress read from it, a preview uploaded after each saved frame, and
//! `may-i-run` asked every second — on a no, or when the worker stops, the whole process
//! tree is killed within two seconds. For an upload-mode job, the plan's outputs are sent to
//! the server too; a task whose outputs could not be sent fails.

use crate::blender::{self, Progress};
use crate::job_folder;
use crate::plan::{Outputs, Parser, Plan};
use crate::process::{self, Tree};
use drover_shared::protocol::{Assignment, TaskUpdate};
use drover_shared::{Client, ClientError, TaskId, TaskStatus};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

/// Log bytes buffered before they are sent even within the second.
const LOG_CHUNK_BYTES: usize = 64 * 1024;
/// How often progress and log are sent, and `may-i-run` is asked.
const TICK: Duration = Duration::from_secs(1);
/// Widest preview uploaded; the server makes its own thumbnails from it.
const PREVIEW_WIDTH: u32 = 1280;

/// How a task ended on this worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The program succeeded; the server knows.
    Completed,
    /// The program failed; the server knows.
    Failed(String),
    /// The task was taken away (paused, canceled, requeued, reassigned) or the worker is
    /// stopping; the program was killed and nothing more is reported.
    Stopped(String),
}

/// The task is no longer this worker's.
struct Gone(String);

/// Sends an update; transient failures (server down, 5xx) are retried until `patient` runs
/// out, a 404 or 409 means the task is gone.
async fn report(
    client: &Client,
    task: TaskId,
    update: &TaskUpdate,
    patient: bool,
) -> Result<bool, Gone> {
    let mut delay = Duration::from_millis(250);
    loop {
        match client.update_task(task, update).await {
            Ok(()) => return Ok(true),
            Err(e) if matches!(e.status().map(|s| s.as_u16()), Some(404 | 409)) => {
                return Err(Gone(e.to_string()));
            }
            Err(e) if !patient => {
                tracing::debug!(error = %e, "progress update not delivered; will resend");
                return Ok(false);
            }
            Err(e) => {
                tracing::warn!(error = %e, task = %task, "result not delivered yet; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}

fn forward_lines<R: AsyncRead + Unpin + Send + 'static>(reader: R, lines: mpsc::Sender<String>) {
    tokio::spawn(async move {
        let mut reader = BufReader::new(reader).lines();
        while let Ok(Some(line)) = reader.next_line().await {
            if lines.send(line).await.is_err() {
                break;
            }
        }
    });
}

/// Uploads a saved frame as the job's last-rendered preview (PNG and JPEG frames only).
async fn upload_preview(client: Client, task: TaskId, path: String) {
    let extension = std::path::Path::new(&path)
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if !matches!(extension.as_str(), "png" | "jpg" | "jpeg") {
        tracing::debug!(%path, "no preview for this format");
        return;
    }
    let encoded = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, String> {
        let image = image::open(&path).map_err(|e| format!("reading {path}: {e}"))?;
        let image = if image.width() > PREVIEW_WIDTH {
            let height = (u64::from(image.height()) * u64::from(PREVIEW_WIDTH)
                / u64::from(image.width()))
            .max(1);
            image.resize(
                PREVIEW_WIDTH,
                height as u32,
                image::imageops::FilterType::Triangle,
            )
        } else {
            image
        };
        let mut bytes = Vec::new();
        image
            .to_rgb8()
            .write_to(
                &mut std::io::Cursor::new(&mut bytes),
                image::ImageFormat::Jpeg,
            )
            .map_err(|e| e.to_string())?;
        Ok(bytes)
    })
    .await;
    match encoded {
        Ok(Ok(bytes)) => {
            if let Err(e) = client.upload_preview(task, "image/jpeg", bytes).await {
                tracing::warn!(error = %e, "preview upload failed");
            }
        }
        Ok(Err(e)) => tracing::warn!(error = %e, "no preview"),
        Err(e) => tracing::warn!(error = %e, "preview encoding panicked"),
    }
}

/// Reports that the task failed before its program ran, with `reason` as its log line.
/// Retried like a result; a task that is gone by then is stopped, not failed.
pub async fn fail(client: &Client, task: TaskId, reason: String) -> Outcome {
    tracing::warn!(task = %task, %reason, "task failed");
    let update = TaskUpdate {
        status: Some(TaskStatus::Failed),
        activity: Some(reason.chars().take(300).collect()),
        log: Some(format!("{reason}\n")),
        ..TaskUpdate::default()
    };
    match report(client, task, &update, true).await {
        Ok(_) => Outcome::Failed(reason),
        Err(Gone(why)) => Outcome::Stopped(why),
    }
}

/// Runs the task to its end and reports it. `stop` turning true stops it (the worker is
/// shutting down).
pub async fn run(
    client: &Client,
    assignment: &Assignment,
    plan: &Plan,
    stop: &mut watch::Receiver<bool>,
) -> Outcome {
    let task = assignment.task.id;
    let mut command = tokio::process::Command::new(&plan.program);
    command
        .args(&plan.args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(cwd) = &plan.cwd {
        command.current_dir(cwd);
    }
    process::prepare(&mut command);
    let header = format!("$ {}\n", plan.command_line());
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => {
            let reason = format!("could not start {}: {e}", plan.program);
            let update = TaskUpdate {
                status: Some(TaskStatus::Failed),
                activity: Some(reason.clone()),
                log: Some(format!("{header}{reason}\n")),
                ..TaskUpdate::default()
            };
            return match report(client, task, &update, true).await {
                Ok(_) => Outcome::Failed(reason),
                Err(Gone(why)) => Outcome::Stopped(why),
            };
        }
    };
    let tree = match Tree::contain(&mut child).await {
        Ok(tree) => tree,
        Err(e) => {
            let reason = format!("could not contain {} in a job: {e}", plan.program);
            return fail(client, task, reason).await;
        }
    };
    let (lines_tx, mut lines) = mpsc::channel(4096);
    if let Some(out) = child.stdout.take() {
        forward_lines(out, lines_tx.clone());
    }
    if let Some(err) = child.stderr.take() {
        forward_lines(err, lines_tx);
    }
    let mut log = header;
    let mut activity = format!("running {}", plan.program);
    let mut saved = 0u32;
    let mut last_line = String::new();
    let mut uploads = JoinSet::new();
    // Outputs sent while the program runs (each saved frame); each answers why it failed.
    let mut sent: JoinSet<Result<(), String>> = JoinSet::new();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let steps_total = plan.steps_total;
    let send_progress = |log: &mut String, activity: &str, saved: u32| {
        let update = TaskUpdate {
            status: None,
            steps_done: Some(saved),
            steps_total: Some(steps_total),
            activity: Some(activity.to_owned()),
            log: (!log.is_empty()).then(|| std::mem::take(log)),
        };
        async move {
            let result = report(client, task, &update, false).await;
            (result, update.log)
        }
    };
    let exit = loop {
        tokio::select! {
            line = lines.recv(), if !lines.is_closed() || !lines.is_empty() => {
                let Some(line) = line else { continue };
                if plan.parser == Parser::Blender {
                    match blender::parse_line(&line) {
                        Some(Progress::Frame(_)) => activity = blender::activity(&line),
                        Some(Progress::Saved(path)) => {
                            saved += 1;
                            activity = format!("saved {path}");
                            if plan.outputs == Outputs::EachSaved {
                                let client = client.clone();
                                let output = std::path::PathBuf::from(&path);
                                sent.spawn(async move { job_folder::send_output(&client, task, &output).await });
                            }
                            uploads.spawn(upload_preview(client.clone(), task, path));
                        }
                        None => {}
                    }
                }
                if !line.trim().is_empty() {
                    last_line.clone_from(&line);
                }
                log.push_str(&line);
                log.push('\n');
                if log.len() >= LOG_CHUNK_BYTES {
                    match send_progress(&mut log, &activity, saved).await {
                        (Err(Gone(why)), _) => { tree.stop(&mut child).await; return Outcome::Stopped(why) }
                        (Ok(false), Some(unsent)) => log.insert_str(0, &unsent),
                        _ => {}
                    }
                }
            }
            status = child.wait() => break status,
            _ = tick.tick() => {
                match send_progress(&mut log, &activity, saved).await {
                    (Err(Gone(why)), _) => { tree.stop(&mut child).await; return Outcome::Stopped(why) }
                    (Ok(false), Some(unsent)) => log.insert_str(0, &unsent),
                    _ => {}
                }
                match client.may_i_run(task).await {
                    Ok(answer) if !answer.may_keep_running => {
                        tracing::info!(task = %task, reason = %answer.reason, "told to stop");
                        tree.stop(&mut child).await;
                        return Outcome::Stopped(answer.reason);
                    }
                    Ok(_) => {}
                    Err(e) if matches!(e.status().map(|s| s.as_u16()), Some(404)) => {
                        tree.stop(&mut child).await;
                        return Outcome::Stopped(e.to_string());
                    }
                    Err(e) => tracing::debug!(error = %e, "may-i-run not answered"),
                }
            }
            _ = stop.changed() => {
                tree.stop(&mut child).await;
                return Outcome::Stopped("the worker is stopping".into());
            }
        }
    };
    // The program ended: collect what it printed last, and stop anything it left behind.
    while let Ok(Some(line)) = tokio::time::timeout(Duration::from_millis(200), lines.recv()).await
    {
        if plan.parser == Parser::Blender
            && let Some(Progress::Saved(path)) = blender::parse_line(&line)
        {
            saved += 1;
            if plan.outputs == Outputs::EachSaved {
                let client = client.clone();
                let output = std::path::PathBuf::from(&path);
                sent.spawn(async move { job_folder::send_output(&client, task, &output).await });
            }
            uploads.spawn(upload_preview(client.clone(), task, path));
        }
        log.push_str(&line);
        log.push('\n');
    }
    tree.stop(&mut child).await;
    while uploads.join_next().await.is_some() {}
    let mut unsent = Vec::new();
    while let Some(result) = sent.join_next().await {
        match result {
            Ok(Ok(())) => {}
            Ok(Err(why)) => unsent.push(why),
            Err(e) => unsent.push(format!("sending an output panicked: {e}")),
        }
    }
    if exit.as_ref().is_ok_and(std::process::ExitStatus::success) {
        unsent.extend(send_outputs_after(client, task, &plan.outputs, &mut log).await);
    }
    let (status, reason) = match exit {
        Ok(code) if code.success() && !unsent.is_empty() => (
            TaskStatus::Failed,
            format!(
                "{} output(s) could not be sent to the server: {}",
                unsent.len(),
                unsent.join("; ")
            ),
        ),
        Ok(code) if code.success() && plan.parser == Parser::Blender && saved < steps_total => (
            TaskStatus::Failed,
            format!("Blender saved {saved} of {steps_total} frames; last line: {last_line}"),
        ),
        Ok(code) if code.success() => (TaskStatus::Completed, "completed".to_owned()),
        Ok(code) => (
            TaskStatus::Failed,
            format!("{} ({code}); last line: {last_line}", plan.program),
        ),
        Err(e) => (
            TaskStatus::Failed,
            format!("waiting for {}: {e}", plan.program),
        ),
    };
    log.push_str("--- ");
    log.push_str(&reason);
    log.push('\n');
    let update = TaskUpdate {
        status: Some(status),
        steps_done: Some(if status == TaskStatus::Completed {
            steps_total
        } else {
            saved
        }),
        steps_total: Some(steps_total),
        activity: Some(reason.chars().take(300).collect()),
        log: Some(log),
    };
    match report(client, task, &update, true).await {
        Ok(_) if status == TaskStatus::Completed => Outcome::Completed,
        Ok(_) => Outcome::Failed(reason),
        Err(Gone(why)) => Outcome::Stopped(why),
    }
}

/// Sends the outputs a plan sends once its program succeeded (a command's `out/` folder, a
/// video), noting each in the log. Answers why each that failed did.
async fn send_outputs_after(
    client: &Client,
    task: TaskId,
    outputs: &Outputs,
    log: &mut String,
) -> Vec<String> {
    let files = match outputs {
        Outputs::Kept | Outputs::EachSaved => return Vec::new(),
        Outputs::File(path) => vec![path.clone()],
        Outputs::Folder(dir) => match job_folder::files_under(dir) {
            Ok(files) => files,
            Err(why) => return vec![why],
        },
    };
    let mut unsent = Vec::new();
    for file in files {
        match job_folder::send_output(client, task, &file).await {
            Ok(()) => {
                log.push_str("sent output ");
                log.push_str(&file.display().to_string());
                log.push('\n');
            }
            Err(why) => unsent.push(why),
        }
    }
    unsent
}

/// True when an error means the server refused the worker's credentials.
pub fn is_unauthorized(e: &ClientError) -> bool {
    matches!(e.status().map(|s| s.as_u16()), Some(401))
}
