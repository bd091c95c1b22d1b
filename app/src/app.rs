//! The app's frame: drain background results, lay out the top bar, the navigation and the
//! current view, then apply the frame's commands in one place. Views live in `views/`, the
//! connected state and its requests in `session.rs`.

use crate::backend::{Backend, Inbox};
use crate::command::Command;
use crate::local::{self, LocalSetup};
use crate::msg::{Connected, Msg};
use crate::screen::{FarmViews, farm_ui};
use crate::session::{Session, requests};
use crate::theme;
use crate::toasts::Toasts;
use crate::views::start::{Remembered, StartView};
use crate::views::{
    job::JobView, jobs::JobsView, previews::PreviewsView, projects::ProjectsView,
    settings::SettingsView,
};
use std::path::PathBuf;
use std::time::Duration;

/// Key of what the start screen remembers in eframe's storage.
const STORAGE_KEY: &str = "drover.start";

/// How the app starts.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The local farm's data dir (default: the user's data dir).
    pub data_dir: Option<PathBuf>,
    /// Start the local farm at once instead of showing the start screen's choice.
    pub start_local: bool,
    /// With `start_local`: render on this computer too.
    pub render_here: bool,
    /// Prefill the server to connect to.
    pub server: Option<String>,
}

/// The screens.
enum Screen {
    Start,
    Farm(Box<Session>),
}

/// The whole app.
pub struct DroverApp {
    backend: Backend,
    inbox: Inbox,
    screen: Screen,
    /// The start screen.
    pub start: StartView,
    /// Messages on screen.
    pub toasts: Toasts,
    /// The Jobs view.
    pub jobs: JobsView,
    job: JobView,
    previews: PreviewsView,
    projects: ProjectsView,
    settings: SettingsView,
    commands: Vec<Command>,
}

impl DroverApp {
    /// The app, with what the start screen remembered.
    pub fn new(options: Options, remembered: Remembered) -> std::io::Result<Self> {
        let (backend, inbox) = Backend::new()?;
        let data_dir = options.data_dir.unwrap_or_else(local::default_data_dir);
        let mut start = StartView::new(&data_dir, remembered);
        if let Some(server) = options.server {
            start.url = server;
        }
        let mut app = Self {
            backend,
            inbox,
            screen: Screen::Start,
            start,
            toasts: Toasts::default(),
            jobs: JobsView::default(),
            job: JobView::new(),
            previews: PreviewsView::default(),
            projects: ProjectsView::default(),
            settings: SettingsView::default(),
            commands: Vec::new(),
        };
        if options.start_local {
            app.start.render_here = options.render_here;
            app.start.busy = true;
            app.commands.push(Command::StartLocal(LocalSetup {
                data_dir,
                render_here: options.render_here,
            }));
        }
        Ok(app)
    }

    /// The app as eframe creates it, with its storage.
    pub fn from_creation(
        cc: &eframe::CreationContext<'_>,
        options: Options,
    ) -> std::io::Result<Self> {
        theme::apply(&cc.egui_ctx);
        let remembered = cc
            .storage
            .and_then(|s| eframe::get_value(s, STORAGE_KEY))
            .unwrap_or_default();
        Self::new(options, remembered)
    }

    /// The connected session, if any.
    pub fn session(&self) -> Option<&Session> {
        match &self.screen {
            Screen::Farm(session) => Some(session),
            Screen::Start => None,
        }
    }

    /// Queues a command as a click would (tests).
    pub fn push(&mut self, command: Command) {
        self.commands.push(command);
    }

    /// Takes `msg` on the next frame as if the background had sent it for the farm on screen
    /// now (tests: a failure arriving at a chosen moment).
    pub fn deliver(&self, msg: Msg) {
        if !self.backend.send_now(msg) {
            tracing::warn!("a delivered message was dropped: the inbox is full");
        }
    }

    /// One frame.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.backend.attach(&ctx);
        self.drain(&ctx);
        match &mut self.screen {
            Screen::Start => {
                egui::CentralPanel::default().show(ui, |ui| {
                    self.start.ui(ui, &mut self.commands);
                });
            }
            Screen::Farm(session) => {
                session.farm.sample(ctx.input(|i| i.time));
                farm_ui(
                    ui,
                    session,
                    &mut FarmViews {
                        jobs: &mut self.jobs,
                        job: &mut self.job,
                        previews: &mut self.previews,
                        projects: &mut self.projects,
                        settings: &mut self.settings,
                    },
                    &mut self.commands,
                );
            }
        }
        self.toasts.ui(&ctx);
        for command in std::mem::take(&mut self.commands) {
            self.apply(command);
        }
        // "12 s ago" labels and chart samples move on even when nothing arrives.
        ctx.request_repaint_after(Duration::from_secs(1));
    }

    fn drain(&mut self, ctx: &egui::Context) {
        let now = ctx.input(|i| i.time);
        while let Some((tag, msg)) = self.inbox.try_next() {
            // A farm left or replaced since: its late answers must not land in this one.
            let current = tag == self.backend.session();
            match msg {
                Msg::Connected(connected) => self.connected(*connected),
                Msg::ConnectFailed(error) => {
                    self.start.busy = false;
                    self.start.error = Some(error);
                }
                Msg::Failed(error) if current => {
                    if let Some(dialog) = self.jobs.submit.as_mut().filter(|d| d.sending) {
                        dialog.refused(error.clone());
                    }
                    self.toasts.error(now, error);
                }
                Msg::Info(text) => self.toasts.info(now, text),
                Msg::Picked(target, path) => {
                    if let Some(dialog) = self.jobs.submit.as_mut() {
                        dialog.take_pick(target, path);
                    }
                }
                Msg::Submitted(job) if current => {
                    self.toasts.info(now, format!("submitted {}", job.name));
                    if let Screen::Farm(session) = &mut self.screen {
                        session.handle(&self.backend, ctx, Msg::Submitted(job));
                    }
                }
                other if current => {
                    if let Screen::Farm(session) = &mut self.screen {
                        session.handle(&self.backend, ctx, other);
                    }
                }
                _ => tracing::debug!(?tag, "dropped a late answer of a farm left since"),
            }
        }
    }

    fn connected(&mut self, connected: Connected) {
        self.start.busy = false;
        self.start.error = None;
        self.backend.next_session();
        let session = Session::start(
            &self.backend,
            connected.client,
            connected.me,
            connected.local,
        );
        if session.local.is_none() {
            self.start.remember(session.url());
        }
        self.screen = Screen::Farm(Box::new(session));
    }

    fn apply(&mut self, command: Command) {
        match command {
            Command::StartLocal(setup) => self.backend.spawn(requests::start_local(setup)),
            Command::Connect(login) => self.backend.spawn(requests::connect(login)),
            Command::Disconnect => {
                self.backend.next_session();
                if let Screen::Farm(mut session) =
                    std::mem::replace(&mut self.screen, Screen::Start)
                    && let Some(local) = session.local.take()
                {
                    self.backend.spawn(async move {
                        local.stop().await;
                        Msg::Info("the local farm stopped".into())
                    });
                }
                self.jobs = JobsView::default();
                self.job = JobView::new();
            }
            other => {
                if let Screen::Farm(session) = &mut self.screen {
                    session.apply(&self.backend, other);
                }
            }
        }
    }

    /// Stops a local farm before the process exits (the worker signs off).
    pub fn shut_down(&mut self) {
        if let Screen::Farm(mut session) = std::mem::replace(&mut self.screen, Screen::Start)
            && let Some(local) = session.local.take()
        {
            drop(session);
            self.backend.block_on(local.stop());
        }
    }
}

impl eframe::App for DroverApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, STORAGE_KEY, &self.start.remembered());
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.shut_down();
    }
}
