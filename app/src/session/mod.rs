//! A connected farm: the client, the model, the preview cache and the live streams; how each
//! answer changes them, and which request each `Command` makes. The requests themselves are
//! in `requests.rs`, the live streams in `stream.rs`.

mod notices;
pub mod requests;
mod stream;

use crate::backend::Backend;
use crate::command::{Command, PreviewKey, Ticket};
use crate::local::LocalFarm;
use crate::model::{Farm, FollowUp, OpenJob};
use crate::msg::{Msg, StreamState};
use drover_shared::{Client, JobId, Role, TaskId};
use std::collections::HashMap;
use stream::Following;

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
    /// Cached previews.
    pub previews: HashMap<PreviewKey, Preview>,
    /// The farm's events, followed while the session lives.
    _events: Following,
    /// The open job's tasks and log lines.
    job_stream: Option<Following>,
    /// The Save all under way (one at a time: a new one stops the last), stopped with the
    /// session.
    save: Option<(Ticket, Following)>,
}

impl Session {
    /// Starts following the farm.
    pub fn start(
        backend: &Backend,
        client: Client,
        me: drover_shared::api::User,
        local: Option<LocalFarm>,
    ) -> Self {
        let events = Following::events(backend, client.clone());
        let session = Self {
            client,
            farm: Farm::new(me),
            local,
            stream: StreamState::Reconnecting {
                attempt: 0,
                error: "connecting".into(),
            },
            previews: HashMap::new(),
            _events: events,
            job_stream: None,
            save: None,
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
        backend.spawn(requests::jobs(self.client.clone()));
        backend.spawn(requests::workers(self.client.clone()));
        self.fetch_limits(backend);
        self.fetch_projects(backend, false);
        backend.spawn(notices::all(self.client.clone()));
        if self.farm.role() == Role::Admin {
            backend.spawn(requests::settings(self.client.clone()));
            backend.spawn(requests::users(self.client.clone()));
        }
    }

    /// Takes one message from the background.
    pub fn handle(&mut self, backend: &Backend, ctx: &egui::Context, msg: Msg) {
        match msg {
            Msg::Jobs(jobs) => self.farm.set_jobs(jobs),
            Msg::Workers(workers) => self.farm.set_workers(workers),
            Msg::Projects(projects) => self.farm.projects = projects,
            Msg::Settings(settings) => self.farm.settings = Some(settings),
            Msg::Limits(limits) => self.farm.limits = limits,
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
            Msg::Outputs(job_id, answer) => {
                if let Some(open) = self.farm.open_job.as_mut().filter(|o| o.job_id == job_id)
                    && open.settle_outputs(answer)
                {
                    backend.spawn(requests::outputs(self.client.clone(), job_id));
                }
            }
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
                FollowUp::Refetch => {
                    // A stream fell behind: what it would have told of is read again, the open
                    // job's tasks included.
                    self.fetch_all(backend);
                    if let Some(job_id) = self.farm.open_job.as_ref().map(|o| o.job_id) {
                        self.open_job(backend, job_id);
                    }
                }
                FollowUp::TasksChanged(job_id) => self.open_job(backend, job_id),
                FollowUp::Notice(id) => {
                    if self.farm.notices.wants_desktop()
                        && let Some(notice) = self.farm.notices.list.iter().find(|n| n.id == id)
                    {
                        let notice = notice.clone();
                        backend.spawn_stream(move |_| notices::pop_up(notice));
                    }
                }
                FollowUp::PreviewChanged(job_id) => {
                    // Dropping the cached ones makes the views ask again when they show them.
                    self.previews
                        .retain(|key, _| key.job_id.is_some_and(|j| j != job_id));
                }
            },
            Msg::Notices {
                list,
                settings,
                subscriptions,
            } => {
                self.farm.notices.set(list);
                self.farm.notices.settings = Some(settings);
                self.farm.notices.subscriptions = subscriptions;
            }
            Msg::NoticeCount(unread) => self.farm.notices.unread = unread,
            Msg::Stats(stats) => self.farm.stats.take(stats),
            Msg::Disk(disk) => self.farm.disk = Some(disk),
            Msg::Subscriptions(subscriptions) => self.farm.notices.subscriptions = subscriptions,
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
            // The app shows these, the farm screen gives the submit dialog its answers, and
            // connection messages are the start screen's.
            Msg::Info(_)
            | Msg::Failed(_)
            | Msg::Picked(..)
            | Msg::SubmitAnswer(..)
            | Msg::ProjectSaved(..)
            | Msg::SettingsSaved(..)
            | Msg::NoticeSettings(_)
            | Msg::Schedule(..)
            | Msg::ScheduleSaved(..)
            | Msg::SaveProgress(..)
            | Msg::Saved(..)
            | Msg::Connected(_)
            | Msg::ConnectFailed(_) => {}
        }
    }

    /// Opens a job: its tasks page by page, its blocklist, its outputs, and a stream of its
    /// tasks and logs.
    pub fn open_job(&mut self, backend: &Backend, job_id: JobId) {
        let selected = self
            .farm
            .open_job
            .as_ref()
            .filter(|o| o.job_id == job_id)
            .and_then(|o| o.selected);
        self.farm.open_job = Some(OpenJob::new(job_id));
        self.job_stream = None;
        self.job_stream = Some(Following::job(backend, self.client.clone(), job_id));
        let client = self.client.clone();
        backend.spawn_stream(move |emitter| requests::task_pages(client, job_id, emitter));
        backend.spawn(requests::blocklist(self.client.clone(), job_id));
        // Read now for the Outputs tab's count; the tab reads them again when it opens.
        if let Some(open) = self.farm.open_job.as_mut()
            && open.ask_outputs()
        {
            backend.spawn(requests::outputs(self.client.clone(), job_id));
        }
        self.fetch_production_task(backend, job_id);
        if let Some(task) = selected {
            self.select_task(backend, task);
        }
    }

    /// Reads the farm's limits.
    pub fn fetch_limits(&self, backend: &Backend) {
        backend.spawn(requests::limits(self.client.clone()));
    }

    /// Reads what fills the server's disk (managers and admins; nobody else may).
    pub fn fetch_disk(&self, backend: &Backend) {
        if self.farm.role().allows(Role::Manager) {
            backend.spawn(requests::disk(self.client.clone()));
        }
    }

    /// Reads the farm settings again (admins).
    pub fn fetch_settings(&self, backend: &Backend) {
        backend.spawn(requests::settings(self.client.clone()));
    }

    /// Fetches what the submit dialog offers: the projects made elsewhere since (Kitsu's
    /// included), the person's open production tasks, and the farm's limits (they change
    /// without an event).
    pub fn prepare_submit(&mut self, backend: &Backend) {
        self.fetch_projects(backend, true);
        self.fetch_limits(backend);
        self.farm.my_tasks.ask();
        backend.spawn(requests::my_tasks(self.client.clone()));
    }

    /// Reads the projects: the farm sends no event when one is made. With `only_new`, the
    /// projects already known are not read again (opening the submit dialog needs new ones).
    pub fn fetch_projects(&self, backend: &Backend, only_new: bool) {
        let known = if only_new {
            self.farm.projects.clone()
        } else {
            Vec::new()
        };
        backend.spawn(requests::projects(self.client.clone(), known));
    }

    /// Reads the production task the job renders for, with its comment count.
    fn fetch_production_task(&self, backend: &Backend, job_id: JobId) {
        let Some(task) = self
            .farm
            .jobs
            .get(&job_id)
            .and_then(|j| j.production_task_id)
        else {
            return;
        };
        backend.spawn(requests::production_task(self.client.clone(), job_id, task));
    }

    fn select_task(&mut self, backend: &Backend, task_id: TaskId) {
        let Some(open) = self.farm.open_job.as_mut() else {
            return;
        };
        open.select(task_id);
        backend.spawn(requests::task_log(self.client.clone(), task_id));
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
        backend.spawn(requests::preview(self.client.clone(), key));
    }

    /// Carries out one command.
    pub fn apply(&mut self, backend: &Backend, command: Command) {
        let client = self.client.clone();
        match command {
            Command::JobCommand {
                ids,
                command,
                priority,
            } => backend.spawn(requests::job_command(client, ids, command, priority)),
            Command::SetDependencies {
                job,
                depends_on,
                mode,
            } => backend.spawn(requests::set_dependencies(client, job, depends_on, mode)),
            Command::SetFrames { job, frames } => {
                backend.spawn(requests::set_frames(client, job, frames));
            }
            Command::DeleteJobs(ids) => backend.spawn(requests::delete_jobs(client, ids)),
            Command::SelectTask(task_id) => self.select_task(backend, task_id),
            Command::TaskAction { job, action, ids } => {
                backend.spawn(requests::task_action(client, job, action, ids));
            }
            Command::LoadOutputs(job_id) => {
                if let Some(open) = self.farm.open_job.as_mut().filter(|o| o.job_id == job_id)
                    && open.ask_outputs()
                {
                    backend.spawn(requests::outputs(client, job_id));
                }
            }
            Command::SaveOutputs(ticket, job_id, folder) => {
                let work = Following::work(backend, move |emitter| {
                    requests::save_outputs(client, ticket, job_id, folder, emitter)
                });
                self.save = Some((ticket, work));
            }
            Command::CancelSave(ticket) => {
                if self.save.as_ref().is_some_and(|(t, _)| *t == ticket) {
                    self.save = None;
                }
            }
            Command::OpenLocalOutputs(job_id) => {
                if let Some(local) = &self.local {
                    backend.spawn(requests::open_folder(local.outputs_dir(job_id)));
                }
            }
            Command::OpenFolder(folder) => backend.spawn(requests::open_folder(folder)),
            Command::ClearBlocklist(job_id) => {
                backend.spawn(requests::clear_blocklist(client, job_id));
            }
            Command::SetWorker {
                id,
                status,
                after_current_task,
            } => {
                backend.spawn(requests::set_worker(client, id, status, after_current_task));
            }
            Command::LoadPreview { job_id, size } => {
                self.load_preview(backend, PreviewKey { job_id, size });
            }
            Command::Submit(ticket, job) => backend.spawn(requests::submit(client, ticket, job)),
            Command::Pick(target) => backend.spawn(requests::pick(target)),
            Command::SaveProject(ticket, id, input) => {
                backend.spawn(requests::save_project(client, ticket, id, input));
            }
            Command::SaveSettings(ticket, settings) => {
                backend.spawn(requests::save_settings(client, ticket, settings));
            }
            Command::MarkNoticesRead(read) => {
                self.farm
                    .notices
                    .mark_read((!read.all).then_some(read.ids.as_slice()));
                backend.spawn(notices::mark_read(client, read));
            }
            Command::SaveNoticeSettings(settings) => {
                backend.spawn(notices::save_settings(client, settings));
            }
            Command::FollowJob(job, follow) => {
                backend.spawn(notices::follow_job(client, job, follow));
            }
            Command::FollowProject(project, follow) => {
                backend.spawn(notices::follow_project(client, project, follow));
            }
            Command::LoadStats(query) => {
                for query in self.farm.stats.ask(query) {
                    backend.spawn(requests::stats(self.client.clone(), query));
                }
            }
            Command::ExportStats(query) => backend.spawn(requests::export_stats(client, query)),
            Command::EditSchedule(worker) => backend.spawn(requests::schedule(client, worker)),
            Command::SaveSchedule(worker, schedule) => {
                backend.spawn(requests::save_schedule(client, worker, schedule));
            }
            Command::Refresh => self.fetch_all(backend),
            // The app and the farm screen handle these before a session sees them.
            Command::StartLocal(_)
            | Command::Connect(_)
            | Command::Disconnect
            | Command::Navigate(_)
            | Command::OpenJob(_)
            | Command::OpenSubmit => {}
        }
    }
}
