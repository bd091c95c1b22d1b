//! The app's frame: drain background results, draw the screen (the start screen, or a
//! connected farm's `FarmScreen`), then apply the frame's commands in one place. Views live in
//! `views/`, the connected state and its requests in `session/`.

use crate::backend::{Backend, Inbox};
use crate::command::Command;
use crate::local::{self, LocalSetup};
use crate::msg::{Connected, Msg};
use crate::screen::FarmScreen;
use crate::session::{Session, requests};
use crate::theme;
use crate::toasts::Toasts;
use crate::views::start::{Remembered, StartView};
use drover_shared::JobId;
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
    /// Open this job's view as soon as a farm is connected (the Blender add-on's "Open in
    /// Drover").
    pub open_job: Option<JobId>,
}

/// The screens: the farm's holds everything of one connected farm.
enum Screen {
    Start,
    Farm(Box<FarmScreen>),
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
    commands: Vec<Command>,
    /// The job asked for on the command line, opened once the first farm connects.
    open_job: Option<JobId>,
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
            commands: Vec::new(),
            open_job: options.open_job,
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

    /// The connected farm's screen, if any.
    pub fn farm(&self) -> Option<&FarmScreen> {
        match &self.screen {
            Screen::Farm(screen) => Some(screen),
            Screen::Start => None,
        }
    }

    /// The connected farm's screen, to change (tests).
    pub fn farm_mut(&mut self) -> Option<&mut FarmScreen> {
        match &mut self.screen {
            Screen::Farm(screen) => Some(screen),
            Screen::Start => None,
        }
    }

    /// The connected session, if any.
    pub fn session(&self) -> Option<&Session> {
        self.farm().map(|screen| &screen.session)
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
            Screen::Farm(screen) => screen.ui(ui, &mut self.commands),
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
                // Failures nobody waits on are toasts, and only toasts: what asked for an
                // answer gets it as a message of its own.
                Msg::Failed(error) if current => self.toasts.error(now, error),
                Msg::Info(text) => self.toasts.info(now, text),
                other if current => {
                    if let Screen::Farm(screen) = &mut self.screen {
                        screen.handle(&self.backend, ctx, other, &mut self.toasts);
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
        self.screen = Screen::Farm(Box::new(FarmScreen::new(session)));
        // Only the first farm: one connected later by hand is a choice of its own.
        if let Some(job) = self.open_job.take() {
            self.commands.push(Command::OpenJob(job));
        }
    }

    fn apply(&mut self, command: Command) {
        match command {
            Command::StartLocal(setup) => self.backend.spawn(requests::start_local(setup)),
            Command::Connect(login) => self.backend.spawn(requests::connect(login)),
            Command::Disconnect => {
                self.backend.next_session();
                // Everything of the farm goes with its screen: views, forms, the dialog.
                if let Screen::Farm(mut screen) = std::mem::replace(&mut self.screen, Screen::Start)
                    && let Some(local) = screen.session.local.take()
                {
                    self.backend.spawn(async move {
                        local.stop().await;
                        Msg::Info("the local farm stopped".into())
                    });
                }
            }
            other => {
                if let Screen::Farm(screen) = &mut self.screen {
                    screen.apply(&self.backend, other);
                }
            }
        }
    }

    /// Stops a local farm before the process exits (the worker signs off).
    pub fn shut_down(&mut self) {
        if let Screen::Farm(mut screen) = std::mem::replace(&mut self.screen, Screen::Start)
            && let Some(local) = screen.session.local.take()
        {
            drop(screen);
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
