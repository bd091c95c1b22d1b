//! A connected farm: the client, the model, the live event streams (with reconnection and
//! backoff), the preview cache, and the one place where `Command`s become requests.

use crate::backend::{Backend, Emitter};
use crate::command::{Command, PickTarget, PreviewKey, View};
use crate::local::LocalFarm;
use crate::model::{Farm, FollowUp, OpenJob};
use crate::msg::{Msg, StreamState};
use drover_shared::api::{JobQuery, TaskQuery, TaskStatusChange};
use drover_shared::events::EventQuery;
use drover_shared::{Client, ClientError, JobId, ProjectId, Role, TaskStatus};
use std::collections::HashMap;
use std::time::Duration;

/// Longest wait between two reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(10);
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

/// One cached preview.
pub enum Preview {
    /// Being fetched.
    Loading,
    /// The job has no image yet.
    Missing,
    /// On the GPU.
    Ready(egui::TextureHandle),
}

impl Preview {
    /// The image, when it is ready.
    pub fn texture(&self) -> Option<egui::TextureHandle> {
        match self {
            Self::Ready(texture) => Some(texture.clone()),
            Self::Loading | Self::Missing => None,
        }
    }
}

/// The connected state.
pub struct Session {
    /// The logged-in client.
    pub client: Client,
    /// What we know of the farm.
    pub farm: Farm,
    /// The farm in this process, if local.
    pub local: Option<LocalFarm>,
    /// The event stream's state, for the connection indicator.
    pub stream: StreamState,
    /// The view shown.
    pub view: View,
    /// Cached previews.
    pub previews: HashMap<PreviewKey, Preview>,
    /// Files picked in the system dialog, for the submit dialog to take.
    pub picked: Vec<(PickTarget, String)>,
    /// The last job submitted here, for the submit dialog to close on.
    pub submitted: Option<JobId>,
    events: tokio::task::JoinHandle<()>,
    logs: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for Session {
    fn drop(&mut self) {
        self.events.abort();
        if let Some(logs) = &self.logs {
            logs.abort();
        }
    }
}

/// Follows `/api/events` until aborted, reconnecting with backoff; resumes from the last
/// sequence number so nothing is missed (the server says `resync` when it cannot replay).
async fn follow(client: Client, mut query: EventQuery, emitter: Emitter) {
    let mut attempt = 0u32;
    loop {
        let error = match client.events(&query).await {
            Ok(mut stream) => {
                attempt = 0;
                if !emitter.send(Msg::Stream(StreamState::Live)).await {
                    return;
                }
                loop {
                    match stream.next().await {
                        Some(Ok(event)) => {
                            query.since = Some(event.seq);
                            if !emitter.send(Msg::Event(event)).await {
                                return;
                            }
                        }
                        Some(Err(e)) => break readable(&e),
                        None => break "the server closed the event stream".to_owned(),
                    }
                }
            }
            Err(e) => readable(&e),
        };
        attempt += 1;
        let state = StreamState::Reconnecting { attempt, error };
        if !emitter.send(Msg::Stream(state)).await {
            return;
        }
        let backoff = Duration::from_millis(250 * 2u64.pow(attempt.min(6))).min(MAX_BACKOFF);
        tokio::time::sleep(backoff).await;
    }
}

impl Session {
    /// Starts following the farm.
    pub fn start(
        backend: &Backend,
        client: Client,
        me: drover_shared::api::User,
        local: Option<LocalFarm>,
    ) -> Self {
        let stream_client = client.clone();
        let events = backend
            .spawn_stream(move |emitter| follow(stream_client, EventQuery::default(), emitter));
        let session = Self {
            client,
            farm: Farm::new(me),
            local,
            stream: StreamState::Reconnecting {
                attempt: 0,
                error: "connecting".into(),
            },
            view: View::Jobs,
            previews: HashMap::new(),
            picked: Vec::new(),
            submitted: None,
            events,
            logs: None,
        };
        session.fetch_all(backend);
        session
    }

    /// Whether live events are flowing.
    pub fn is_live(&self) -> bool {
        self.stream == StreamState::Live
    }

    /// The server's URL.
    pub fn url(&self) -> &str {
        self.client.api_url().trim_end_matches("/api")
    }

    /// Fetches jobs, workers, projects and, for admins, settings and users.
    pub fn fetch_all(&self, backend: &Backend) {
        let client = self.client.clone();
        backend.spawn(async move {
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
        });
        let client = self.client.clone();
        backend.spawn(async move {
            match client.workers().await {
                Ok(w) => Msg::Workers(w),
                Err(e) => Msg::Failed(format!("loading workers: {}", readable(&e))),
            }
        });
        self.fetch_projects(backend, false);
        if self.farm.role() == Role::Admin {
            let client = self.client.clone();
            backend.spawn(async move {
                match client.settings().await {
                    Ok(s) => Msg::Settings(s),
                    Err(e) => Msg::Failed(format!("loading settings: {}", readable(&e))),
                }
            });
            let client = self.client.clone();
            backend.spawn(async move {
                match client.users().await {
                    Ok(u) => Msg::Users(u),
                    Err(e) => Msg::Failed(format!("loading accounts: {}", readable(&e))),
                }
            });
        }
    }

    /// Takes one message from the background.
    pub fn handle(&mut self, backend: &Backend, ctx: &egui::Context, msg: Msg) {
        match msg {
            Msg::Jobs(jobs) => self.farm.set_jobs(jobs),
            Msg::Workers(workers) => self.farm.set_workers(workers),
            Msg::Projects(projects) => self.farm.projects = projects,
            Msg::Settings(settings) => self.farm.settings = Some(settings),
            Msg::Users(users) => {
                self.farm.users = users.into_iter().map(|u| (u.id, u.email)).collect();
            }
            Msg::Tasks {
                job_id,
                tasks,
                total,
                done,
            } => {
                if let Some(open) = self.farm.open_job.as_mut().filter(|o| o.job_id == job_id) {
                    open.add_page(tasks, total, done);
                }
            }
            Msg::Blocklist(job_id, entries) => {
                if let Some(open) = self.farm.open_job.as_mut().filter(|o| o.job_id == job_id) {
                    open.blocklist = entries;
                }
            }
            Msg::ProductionTask(job_id, task) => {
                if let Some(open) = self.farm.open_job.as_mut().filter(|o| o.job_id == job_id) {
                    open.production = Some(task);
                }
            }
            Msg::MyTasks(answer) => self.farm.my_tasks.settle(answer),
            Msg::Log(task_id, text) => {
                if let Some(open) = self.farm.open_job.as_mut() {
                    open.set_log(task_id, &text);
                }
            }
            Msg::Preview(key, image) => {
                let preview = match image {
                    Some(image) => Preview::Ready(ctx.load_texture(
                        format!("preview-{key:?}"),
                        image,
                        egui::TextureOptions::LINEAR,
                    )),
                    None => Preview::Missing,
                };
                self.previews.insert(key, preview);
            }
            Msg::Event(event) => match self.farm.apply(&event) {
                FollowUp::None => {}
                FollowUp::Refetch => self.fetch_all(backend),
                FollowUp::PreviewChanged(job_id) => {
                    // Dropping the cached ones makes the views ask again when they show them.
                    self.previews
                        .retain(|key, _| key.job_id.is_some_and(|j| j != job_id));
                }
            },
            Msg::Stream(state) => {
                // Back after a loss: what we hold may be stale, so fetch it again.
                let recovered = state == StreamState::Live && !self.is_live();
                self.stream = state;
                if recovered && self.farm.loaded {
                    self.fetch_all(backend);
                    if let Some(job_id) = self.farm.open_job.as_ref().map(|o| o.job_id) {
                        self.open_job(backend, job_id);
                    }
                }
            }
            Msg::Picked(target, path) => self.picked.push((target, path)),
            Msg::Submitted(job) => {
                self.submitted = Some(job.id);
                self.farm.jobs.insert(job.id, job);
            }
            // The app shows these; connection messages are the start screen's.
            Msg::Info(_) | Msg::Failed(_) | Msg::Connected(_) | Msg::ConnectFailed(_) => {}
        }
    }

    /// Opens a job: its tasks page by page, its blocklist, and a log stream for it.
    fn open_job(&mut self, backend: &Backend, job_id: JobId) {
        let selected = self
            .farm
            .open_job
            .as_ref()
            .filter(|o| o.job_id == job_id)
            .and_then(|o| o.selected);
        self.farm.open_job = Some(OpenJob::new(job_id));
        self.view = View::Job;
        let client = self.client.clone();
        if let Some(logs) = self.logs.take() {
            logs.abort();
        }
        let log_client = client.clone();
        self.logs = Some(backend.spawn_stream(move |emitter| {
            let query = EventQuery {
                topics: Some("logs".into()),
                job_id: Some(job_id),
                since: None,
            };
            follow(log_client, query, emitter)
        }));
        backend.spawn_stream(move |emitter| async move {
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
                        after = page.next_after.map(drover_shared::TaskId);
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
        });
        self.fetch_blocklist(backend, job_id);
        self.fetch_production_task(backend, job_id);
        if let Some(task) = selected {
            self.select_task(backend, task);
        }
    }

    /// Reads the projects: the farm sends no event when one is made. With `only_new`, the
    /// projects already known are not read again (opening the submit dialog needs new ones).
    fn fetch_projects(&self, backend: &Backend, only_new: bool) {
        let client = self.client.clone();
        let known = if only_new {
            self.farm.projects.clone()
        } else {
            Vec::new()
        };
        backend.spawn(async move {
            match all_projects(&client, known).await {
                Ok(p) => Msg::Projects(p),
                Err(e) => Msg::Failed(format!("loading projects: {}", readable(&e))),
            }
        });
    }

    /// Reads the production task the job renders for, with its comment count.
    fn fetch_production_task(&self, backend: &Backend, job_id: JobId) {
        let Some(task) = self
            .farm
            .jobs
            .get(&job_id)
            .and_then(|j| j.production_task_id.clone())
        else {
            return;
        };
        let client = self.client.clone();
        backend.spawn(async move {
            let found = async {
                let full = client.production_task(&task).await?;
                let comments = client.production_task_comments(&task).await?;
                Ok::<_, drover_shared::ClientError>(crate::production::ProductionTask::from_full(
                    &serde_json::Value::Object(full),
                    comments.len(),
                ))
            };
            match found.await {
                Ok(found) => Msg::ProductionTask(job_id, found),
                Err(e) => Msg::Failed(format!("loading the production task: {}", readable(&e))),
            }
        });
    }

    fn fetch_blocklist(&self, backend: &Backend, job_id: JobId) {
        let client = self.client.clone();
        backend.spawn(async move {
            match client.blocklist(job_id).await {
                Ok(entries) => Msg::Blocklist(job_id, entries),
                Err(e) => Msg::Failed(format!("loading the blocklist: {}", readable(&e))),
            }
        });
    }

    fn select_task(&mut self, backend: &Backend, task_id: drover_shared::TaskId) {
        let Some(open) = self.farm.open_job.as_mut() else {
            return;
        };
        open.select(task_id);
        let client = self.client.clone();
        backend.spawn(async move {
            match client.task_log(task_id).await {
                Ok(text) => Msg::Log(task_id, text),
                // No log yet is normal for a task that has not run.
                Err(e) if is_not_found(&e) => Msg::Log(task_id, String::new()),
                Err(e) => Msg::Failed(format!("loading the log: {}", readable(&e))),
            }
        });
    }

    /// The preview for `key`, asking for it when not cached.
    pub fn preview(&self, key: PreviewKey, commands: &mut Vec<Command>) -> Option<&Preview> {
        let cached = self.previews.get(&key);
        if cached.is_none() {
            commands.push(Command::LoadPreview {
                job_id: key.job_id,
                size: key.size,
            });
        }
        cached
    }

    fn load_preview(&mut self, backend: &Backend, key: PreviewKey) {
        if self.previews.contains_key(&key) {
            return;
        }
        self.previews.insert(key, Preview::Loading);
        let client = self.client.clone();
        backend.spawn(async move {
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
        });
    }

    /// Carries out one command.
    pub fn apply(&mut self, backend: &Backend, command: Command) {
        let client = self.client.clone();
        match command {
            Command::Navigate(view) => self.view = view,
            Command::OpenJob(job_id) => self.open_job(backend, job_id),
            Command::JobCommand {
                ids,
                command,
                priority,
            } => backend.spawn(async move {
                let count = ids.len();
                for id in ids {
                    if let Err(e) = client.job_command(id, command, priority).await {
                        return Msg::Failed(format!("job {id}: {}", readable(&e)));
                    }
                }
                Msg::Info(format!("{command} sent to {count} job(s)"))
            }),
            Command::DeleteJobs(ids) => backend.spawn(async move {
                match client.delete_jobs(&ids).await {
                    Ok(()) => Msg::Info(format!("deleted {} job(s)", ids.len())),
                    Err(e) => Msg::Failed(format!("deleting: {}", readable(&e))),
                }
            }),
            Command::SelectTask(task_id) => self.select_task(backend, task_id),
            Command::RequeueTask(id) => backend.spawn(async move {
                let change = TaskStatusChange {
                    id,
                    status: TaskStatus::Queued,
                };
                match client.set_task_status(&change).await {
                    Ok(()) => Msg::Info(format!("task {id} requeued")),
                    Err(e) => Msg::Failed(format!("requeueing task {id}: {}", readable(&e))),
                }
            }),
            Command::ClearBlocklist(job_id) => {
                backend.spawn(async move {
                    match client.clear_blocklist(job_id).await {
                        Ok(()) => Msg::Blocklist(job_id, Vec::new()),
                        Err(e) => Msg::Failed(format!("clearing the blocklist: {}", readable(&e))),
                    }
                });
            }
            Command::SetWorker { id, status, lazy } => backend.spawn(async move {
                let change = drover_shared::api::WorkerStatusChange { id, status, lazy };
                match client.set_worker_status(&change).await {
                    Ok(()) => Msg::Info(format!("worker {id} asked to go {status}")),
                    Err(e) => Msg::Failed(format!("worker {id}: {}", readable(&e))),
                }
            }),
            Command::LoadPreview { job_id, size } => {
                self.load_preview(backend, PreviewKey { job_id, size });
            }
            Command::Submit(job) => backend.spawn(async move {
                match client.submit_job(&job).await {
                    Ok(job) => Msg::Submitted(job),
                    Err(e) => Msg::Failed(format!("the server refused the job: {}", readable(&e))),
                }
            }),
            Command::PrepareSubmit => {
                self.fetch_projects(backend, true);
                self.farm.my_tasks.ask();
                backend.spawn(crate::production::fetch_my_tasks(client));
            }
            Command::Pick(target) => backend.spawn(crate::backend::pick(target)),
            Command::SaveProject(id, input) => backend.spawn(async move {
                let saved = match id {
                    Some(id) => client.update_project(id, &input).await,
                    None => client.create_project(&input).await,
                };
                match saved {
                    Ok(_) => match all_projects(&client, Vec::new()).await {
                        Ok(list) => Msg::Projects(list),
                        Err(e) => Msg::Failed(readable(&e)),
                    },
                    Err(e) => Msg::Failed(format!("saving the project: {}", readable(&e))),
                }
            }),
            Command::SaveSettings(settings) => backend.spawn(async move {
                match client.update_settings(&settings).await {
                    Ok(()) => match client.settings().await {
                        Ok(s) => Msg::Settings(s),
                        Err(e) => Msg::Failed(readable(&e)),
                    },
                    Err(e) => Msg::Failed(format!("saving settings: {}", readable(&e))),
                }
            }),
            Command::Refresh => self.fetch_all(backend),
            // The app handles these before a session sees them.
            Command::StartLocal(_) | Command::Connect(_) | Command::Disconnect => {}
        }
    }
}

/// Every project with its paths: the list gives ids, each project its fields. Those in
/// `known` are kept as they are and only the others are read, one request each; projects gone
/// from the list are dropped.
async fn all_projects(
    client: &Client,
    known: Vec<drover_shared::api::Project>,
) -> Result<Vec<drover_shared::api::Project>, ClientError> {
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

fn is_not_found(error: &ClientError) -> bool {
    error.status().map(|s| s.as_u16()) == Some(404)
}
