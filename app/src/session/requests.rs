//! Every request the app makes, each an async function from the client to the `Msg` its
//! answer becomes, failures worded for a person. No state here: `Session` decides when to ask
//! and what an answer changes.

use crate::backend::Emitter;
use crate::command::{Login, PickTarget, PreviewKey, Ticket};
use crate::local::{self, LocalSetup};
use crate::model::SaveProgress;
use crate::msg::{Connected, Msg};
use crate::production::{MyTask, ProductionTask};
use drover_shared::api::{
    JobQuery, Project, ProjectInput, Settings, SubmitJob, TaskQuery, WorkerStatusChange,
};
use drover_shared::{
    Client, ClientError, JobCommand, JobId, ProductionTaskId, ProjectId, TaskId, WorkerId,
    WorkerStatus,
};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Least time between two progress messages of a save: enough for a smooth bar, few enough
/// not to crowd the UI's queue.
const SAVE_PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// Tasks fetched per request when opening a job.
const TASK_PAGE: u32 = 1000;
/// Jobs fetched per request.
const JOB_PAGE: u32 = 500;

/// A server error as a person reads it: the server's own message when it sent one.
pub fn readable(error: &ClientError) -> String {
    match error {
        // The server's words for these name API fields; the Connect form has its own.
        ClientError::Api { body, .. } if body.error == drover_shared::api::MISSING_CODE => {
            "this account needs a one-time code: type the code from your authenticator app \
             (or a recovery code) in One-time code"
                .into()
        }
        ClientError::Api { body, .. } if body.error == drover_shared::api::WRONG_CODE => {
            "wrong one-time code: it may have expired; type the current one".into()
        }
        ClientError::Api { body, .. } => body.message.clone(),
        ClientError::Http(e) if e.is_connect() || e.is_timeout() => {
            format!("cannot reach the server ({e})")
        }
        other => other.to_string(),
    }
}

fn is_not_found(error: &ClientError) -> bool {
    error.status().map(|s| s.as_u16()) == Some(404)
}

/// Starts the farm on this computer and logs in as its local admin.
pub async fn start_local(setup: LocalSetup) -> Msg {
    match local::start(setup).await {
        Ok((local, client, me)) => Msg::Connected(Box::new(Connected {
            client,
            me,
            local: Some(local),
        })),
        Err(e) => Msg::ConnectFailed(e.to_string()),
    }
}

/// Logs in to a server.
pub async fn connect(login: Login) -> Msg {
    let client = match Client::new(&login.url) {
        Ok(client) => client,
        Err(e) => return Msg::ConnectFailed(readable(&e)),
    };
    match client.login_with(&login.request()).await {
        Ok(answer) => Msg::Connected(Box::new(Connected {
            client: client.with_token(&answer.access_token),
            me: answer.user,
            local: None,
        })),
        Err(e) => Msg::ConnectFailed(readable(&e)),
    }
}

/// Every job, page by page.
pub async fn jobs(client: Client) -> Msg {
    let mut jobs = Vec::new();
    for page in 1.. {
        let query = JobQuery {
            page: Some(page),
            per_page: Some(JOB_PAGE),
            ..JobQuery::default()
        };
        match client.jobs(&query).await {
            Ok(p) => {
                let last = p.items.len() < JOB_PAGE as usize;
                jobs.extend(p.items);
                if last {
                    break;
                }
            }
            Err(e) => return Msg::Failed(format!("loading jobs: {}", readable(&e))),
        }
    }
    Msg::Jobs(jobs)
}

/// Every worker.
pub async fn workers(client: Client) -> Msg {
    match client.workers().await {
        Ok(w) => Msg::Workers(w),
        Err(e) => Msg::Failed(format!("loading workers: {}", readable(&e))),
    }
}

/// The projects, reading only those not in `known`.
pub async fn projects(client: Client, known: Vec<Project>) -> Msg {
    match all_projects(&client, known).await {
        Ok(p) => Msg::Projects(p),
        Err(e) => Msg::Failed(format!("loading projects: {}", readable(&e))),
    }
}

/// The farm settings (admins).
pub async fn settings(client: Client) -> Msg {
    match client.settings().await {
        Ok(s) => Msg::Settings(s),
        Err(e) => Msg::Failed(format!("loading settings: {}", readable(&e))),
    }
}

/// The farm's limits.
pub async fn limits(client: Client) -> Msg {
    match client.limits().await {
        Ok(limits) => Msg::Limits(limits),
        Err(e) => Msg::Failed(format!("loading the farm's limits: {}", readable(&e))),
    }
}

/// The accounts (admins).
pub async fn users(client: Client) -> Msg {
    match client.users().await {
        Ok(u) => Msg::Users(u),
        Err(e) => Msg::Failed(format!("loading accounts: {}", readable(&e))),
    }
}

/// A job's tasks, sent page by page as they come.
pub async fn task_pages(client: Client, job_id: JobId, emitter: Emitter) {
    let mut after = None;
    loop {
        let query = TaskQuery {
            job_id: Some(job_id),
            per_page: Some(TASK_PAGE),
            after,
            ..TaskQuery::default()
        };
        match client.tasks(&query).await {
            Ok(page) => {
                after = page.next_after.map(TaskId);
                let done = after.is_none();
                let msg = Msg::Tasks {
                    job_id,
                    tasks: page.items,
                    total: page.total,
                    done,
                };
                if !emitter.send(msg).await || done {
                    break;
                }
            }
            Err(e) => {
                let msg = Msg::Failed(format!("loading tasks: {}", readable(&e)));
                emitter.send(msg).await;
                break;
            }
        }
    }
}

/// The production task a job renders for, with its comment count.
pub async fn production_task(client: Client, job_id: JobId, task: ProductionTaskId) -> Msg {
    let found = async {
        let full = client.production_task(task).await?;
        let comments = client.production_task_comments(task).await?;
        Ok::<_, ClientError>(ProductionTask::new(&full, comments.len()))
    };
    match found.await {
        Ok(found) => Msg::ProductionTask(job_id, found),
        Err(e) => Msg::Failed(format!("loading the production task: {}", readable(&e))),
    }
}

/// A job's blocklist.
pub async fn blocklist(client: Client, job_id: JobId) -> Msg {
    match client.blocklist(job_id).await {
        Ok(entries) => Msg::Blocklist(job_id, entries),
        Err(e) => Msg::Failed(format!("loading the blocklist: {}", readable(&e))),
    }
}

/// A job's outputs.
pub async fn outputs(client: Client, job_id: JobId) -> Msg {
    let answer = client
        .job_outputs(job_id)
        .await
        .map_err(|e| format!("loading the outputs: {}", readable(&e)));
    Msg::Outputs(job_id, answer)
}

/// Downloads every output of a job into `folder` (made if missing), one file after the other,
/// sending progress as bytes arrive and the end with the ticket. Each file is written beside
/// its name as `.part` and renamed when whole, so a stop leaves only whole files; a file of
/// the same name is replaced.
pub async fn save_outputs(
    client: Client,
    ticket: Ticket,
    job_id: JobId,
    folder: PathBuf,
    emitter: Emitter,
) {
    let mut progress = SaveProgress::default();
    let result = async {
        let outputs = client
            .job_outputs(job_id)
            .await
            .map_err(|e| format!("listing the outputs: {}", readable(&e)))?;
        progress.files_total = outputs.len();
        progress.bytes_total = outputs.iter().map(|o| o.size).sum();
        emitter.send(Msg::SaveProgress(ticket, progress)).await;
        tokio::fs::create_dir_all(&folder)
            .await
            .map_err(|e| format!("{}: {e}", folder.display()))?;
        for output in outputs {
            let mut last_sent = Instant::now();
            let mut done = progress;
            // `download_output` checks the name is one plain file name before it writes, so
            // a name from the server cannot lead outside `folder`.
            let path = folder.join(&output.name);
            let written = client
                .download_output(job_id, &output.name, &path, |bytes| {
                    done.bytes_done += bytes;
                    if last_sent.elapsed() >= SAVE_PROGRESS_EVERY {
                        last_sent = Instant::now();
                        emitter.offer(Msg::SaveProgress(ticket, done));
                    }
                })
                .await
                .map_err(|e| format!("saving {}: {}", output.name, readable(&e)))?;
            // The file may have been replaced since the list (a frame rendered again).
            progress.bytes_done += written;
            progress.bytes_total = progress.bytes_total.saturating_sub(output.size) + written;
            progress.files_done += 1;
            emitter.send(Msg::SaveProgress(ticket, progress)).await;
        }
        Ok(progress)
    };
    let answer = result.await;
    emitter.send(Msg::Saved(ticket, answer)).await;
}

/// Shows `folder` in the system file manager.
pub async fn open_folder(folder: PathBuf) -> Msg {
    if !tokio::fs::try_exists(&folder).await.unwrap_or(false) {
        return Msg::Failed(format!("{} does not exist (yet)", folder.display()));
    }
    // The opener starts a program and may wait on it briefly: off the async threads.
    let shown = folder.clone();
    match tokio::task::spawn_blocking(move || opener::open(&shown)).await {
        Ok(Ok(())) => Msg::Info(format!("opened {}", folder.display())),
        Ok(Err(e)) => Msg::Failed(format!("opening {}: {e}", folder.display())),
        Err(e) => Msg::Failed(format!("opening {}: {e}", folder.display())),
    }
}

/// A task's log from its start.
pub async fn task_log(client: Client, task_id: TaskId) -> Msg {
    match client.task_log(task_id).await {
        Ok(text) => Msg::Log(task_id, text),
        // No log yet is normal for a task that has not run.
        Err(e) if is_not_found(&e) => Msg::Log(task_id, String::new()),
        Err(e) => Msg::Failed(format!("loading the log: {}", readable(&e))),
    }
}

/// A preview, decoded.
pub async fn preview(client: Client, key: PreviewKey) -> Msg {
    let bytes = match key.job_id {
        Some(job) => client.last_rendered(job, key.size).await,
        None => client.farm_last_rendered(key.size).await.map(|(_, b)| b),
    };
    let bytes = match bytes {
        Ok(bytes) => bytes,
        Err(e) if is_not_found(&e) => return Msg::Preview(key, None),
        Err(e) => return Msg::Failed(format!("loading a preview: {}", readable(&e))),
    };
    match image::load_from_memory(&bytes) {
        Ok(image) => {
            let rgba = image.to_rgba8();
            let size = [rgba.width() as usize, rgba.height() as usize];
            let image = egui::ColorImage::from_rgba_unmultiplied(size, rgba.as_raw());
            Msg::Preview(key, Some(image))
        }
        Err(e) => Msg::Failed(format!("a preview did not decode: {e}")),
    }
}

/// Sends a command to each job, stopping at the first refusal.
pub async fn job_command(
    client: Client,
    ids: Vec<JobId>,
    command: JobCommand,
    priority: Option<u8>,
) -> Msg {
    let count = ids.len();
    for id in ids {
        if let Err(e) = client.job_command(id, command, priority).await {
            return Msg::Failed(format!("job {id}: {}", readable(&e)));
        }
    }
    Msg::Info(format!("{command} sent to {count} job(s)"))
}

/// Replaces what a job waits for; the job's event brings the change to the model.
pub async fn set_dependencies(
    client: Client,
    job: JobId,
    depends_on: Vec<JobId>,
    mode: drover_shared::DependMode,
) -> Msg {
    let body = drover_shared::api::JobDependencies {
        depends_on,
        depend_mode: mode,
    };
    match client.set_job_dependencies(job, &body).await {
        Ok(job) if job.depends_on.is_empty() => {
            Msg::Info(format!("job {} waits for no other job", job.id))
        }
        Ok(job) => Msg::Info(format!(
            "job {}: {}",
            job.id,
            job.dependency
                .map_or_else(|| "every job it waits for is done".to_owned(), |d| d.reason)
        )),
        Err(e) => Msg::Failed(format!("job {job}: {}", readable(&e))),
    }
}

/// Changes a job's frames; the job's event brings the change (and the tasks are read
/// again).
pub async fn set_frames(client: Client, job: JobId, frames: String) -> Msg {
    match client.set_job_frames(job, &frames).await {
        Ok(done) => Msg::Info(format!(
            "job {job}: frames {frames}; {} task(s) added, {} taken out",
            done.added, done.removed
        )),
        Err(e) => Msg::Failed(format!("job {job}: {}", readable(&e))),
    }
}

/// Deletes jobs.
pub async fn delete_jobs(client: Client, ids: Vec<JobId>) -> Msg {
    match client.delete_jobs(&ids).await {
        Ok(()) => Msg::Info(format!("deleted {} job(s)", ids.len())),
        Err(e) => Msg::Failed(format!("deleting: {}", readable(&e))),
    }
}

/// Requeues, skips or fails selected tasks of a job; their events bring the change.
pub async fn task_action(
    client: Client,
    job: JobId,
    action: drover_shared::TaskAction,
    ids: Vec<TaskId>,
) -> Msg {
    match client.task_action(job, action, ids).await {
        Ok(done) => {
            let did = match action {
                drover_shared::TaskAction::Requeue => "requeued",
                drover_shared::TaskAction::Skip => "skipped",
                drover_shared::TaskAction::Fail => "failed",
            };
            Msg::Info(match done.unchanged {
                0 => format!("{} task(s) {did}", done.changed),
                n => format!("{} task(s) {did}; {n} left as they were", done.changed),
            })
        }
        Err(e) => Msg::Failed(format!("{action} in job {job}: {}", readable(&e))),
    }
}

/// Clears a job's blocklist.
pub async fn clear_blocklist(client: Client, job_id: JobId) -> Msg {
    match client.clear_blocklist(job_id).await {
        Ok(()) => Msg::Blocklist(job_id, Vec::new()),
        Err(e) => Msg::Failed(format!("clearing the blocklist: {}", readable(&e))),
    }
}

/// Asks a worker to sleep, wake or shut down.
pub async fn set_worker(
    client: Client,
    id: WorkerId,
    status: WorkerStatus,
    after_current_task: bool,
) -> Msg {
    let change = WorkerStatusChange {
        id,
        status,
        after_current_task,
    };
    match client.set_worker_status(&change).await {
        Ok(()) => Msg::Info(format!("worker {id} asked to go {status}")),
        Err(e) => Msg::Failed(format!("worker {id}: {}", readable(&e))),
    }
}

/// Submits a job; the answer carries the ticket of the submission.
pub async fn submit(client: Client, ticket: Ticket, job: SubmitJob) -> Msg {
    let answer = client
        .submit_job(&job)
        .await
        .map_err(|e| format!("the server refused the job: {}", readable(&e)));
    Msg::SubmitAnswer(ticket, answer)
}

/// The person's open tasks (Kitsu's to-do list), for the submit dialog.
pub async fn my_tasks(client: Client) -> Msg {
    let tasks = client.my_production_tasks().await.map(|rows| {
        let mut tasks: Vec<MyTask> = rows.into_iter().map(MyTask::from).collect();
        tasks.sort_by(|a, b| (&a.project, &a.title).cmp(&(&b.project, &b.title)));
        tasks
    });
    Msg::MyTasks(tasks.map_err(|e| readable(&e)))
}

/// The system file dialog (the XDG portal on Linux, the common item dialog on Windows);
/// `None` when closed or unavailable.
pub async fn pick(target: PickTarget) -> Msg {
    let dialog = rfd::AsyncFileDialog::new();
    let picked = match target {
        PickTarget::BlendFile => {
            dialog
                .add_filter("Blender scene", &["blend"])
                .set_title("Choose a .blend file")
                .pick_file()
                .await
        }
        PickTarget::OutputDir => {
            dialog
                .set_title("Choose the output folder")
                .pick_folder()
                .await
        }
        PickTarget::OutputsFolder(job_id) => {
            dialog
                .set_title(format!("Save job {job_id}'s outputs to"))
                .pick_folder()
                .await
        }
    };
    match picked {
        Some(file) => Msg::Picked(target, file.path().to_string_lossy().into_owned()),
        None if matches!(target, PickTarget::OutputsFolder(_)) => Msg::Info(
            "no folder chosen (or no file dialog on this desktop: type the folder's path)".into(),
        ),
        None => {
            Msg::Info("no file chosen (or no file dialog on this desktop: type the path)".into())
        }
    }
}

/// Creates (no id) or updates a project.
pub async fn save_project(
    client: Client,
    ticket: Ticket,
    id: Option<ProjectId>,
    input: ProjectInput,
) -> Msg {
    let saved = match id {
        Some(id) => client.update_project(id, &input).await,
        None => client.create_project(&input).await,
    };
    let answer = saved
        .map(drop)
        .map_err(|e| format!("saving the project: {}", readable(&e)));
    Msg::ProjectSaved(ticket, answer)
}

/// Saves farm settings.
pub async fn save_settings(client: Client, ticket: Ticket, settings: Settings) -> Msg {
    let answer = client
        .update_settings(&settings)
        .await
        .map_err(|e| format!("saving settings: {}", readable(&e)));
    Msg::SettingsSaved(ticket, answer)
}

/// Every project with its paths: the list gives ids, each project its fields. Those in
/// `known` are kept as they are and only the others are read, one request each; projects gone
/// from the list are dropped.
async fn all_projects(client: &Client, known: Vec<Project>) -> Result<Vec<Project>, ClientError> {
    let list = client.projects(true).await?;
    let ids: Vec<ProjectId> = list
        .keys()
        .filter_map(|k| k.parse().ok())
        .map(ProjectId)
        .collect();
    let mut projects: Vec<_> = known.into_iter().filter(|p| ids.contains(&p.id)).collect();
    for id in ids {
        if !projects.iter().any(|p| p.id == id) {
            projects.push(client.project(id).await?);
        }
    }
    projects.sort_by_key(|p| p.name.to_lowercase());
    Ok(projects)
}

/// The farm's history over a range.
pub async fn stats(client: Client, query: drover_shared::api::StatsQuery) -> Msg {
    match client.stats(&query).await {
        Ok(stats) => Msg::Stats(stats),
        Err(e) => Msg::Failed(format!("loading the farm's history: {}", readable(&e))),
    }
}

/// `GET /farm/disk`.
pub async fn disk(client: Client) -> Msg {
    match client.farm_disk().await {
        Ok(disk) => Msg::Disk(disk),
        Err(e) => Msg::Failed(format!("reading the farm's disk use: {}", readable(&e))),
    }
}

/// Asks where to save the history as CSV, then fetches and writes it there.
pub async fn export_stats(client: Client, query: drover_shared::api::StatsQuery) -> Msg {
    let name = format!(
        "drover-{}-{}-to-{}.csv",
        query.by.as_str(),
        query.from.as_deref().unwrap_or("start"),
        query.to.as_deref().unwrap_or("today")
    );
    let Some(file) = rfd::AsyncFileDialog::new()
        .set_title("Save the farm's history as CSV")
        .set_file_name(name)
        .add_filter("CSV", &["csv"])
        .save_file()
        .await
    else {
        return Msg::Info("no file chosen (or no file dialog on this desktop)".into());
    };
    let csv = match client.stats_csv(&query).await {
        Ok(csv) => csv,
        Err(e) => return Msg::Failed(format!("exporting the history: {}", readable(&e))),
    };
    let path = file.path().to_owned();
    match tokio::fs::write(&path, csv).await {
        Ok(()) => Msg::Info(format!("saved {}", path.display())),
        Err(e) => Msg::Failed(format!("writing {}: {e}", path.display())),
    }
}

/// A worker's sleep schedule, to edit.
pub async fn schedule(client: Client, worker: WorkerId) -> Msg {
    let answer = client
        .worker_schedule(worker)
        .await
        .map_err(|e| format!("reading the sleep schedule: {}", readable(&e)));
    Msg::Schedule(worker, answer)
}

/// Saves a worker's sleep schedule.
pub async fn save_schedule(
    client: Client,
    worker: WorkerId,
    schedule: drover_shared::api::WorkerSchedule,
) -> Msg {
    let answer = client
        .set_worker_schedule(worker, &schedule)
        .await
        .map_err(|e| format!("saving the sleep schedule: {}", readable(&e)));
    Msg::ScheduleSaved(worker, answer)
}
