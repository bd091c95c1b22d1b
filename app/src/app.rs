//! The app's frame: drain background results, lay out the top bar, the navigation and the
//! current view, then apply the frame's commands in one place. Views live in `views/`, the
//! connected state and its requests in `session.rs`.

use crate::backend::{Backend, Inbox};
use crate::command::{Command, View};
use crate::local::{self, LocalSetup};
use crate::msg::{Connected, Msg, StreamState};
use crate::session::{Session, requests};
use crate::theme::{self, UiExt};
use crate::toasts::Toasts;
use crate::views::start::{Remembered, StartView};
use crate::views::{
    farm, job::JobView, jobs::JobsView, previews::PreviewsView, projects::ProjectsView,
    settings::SettingsView, workers,
};
use drover_shared::Role;
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

/// The views of a connected farm, borrowed for one frame.
struct FarmViews<'a> {
    jobs: &'a mut JobsView,
    job: &'a mut JobView,
    previews: &'a mut PreviewsView,
    projects: &'a mut ProjectsView,
    settings: &'a mut SettingsView,
}

fn farm_ui(
    ui: &mut egui::Ui,
    session: &mut Session,
    views: &mut FarmViews<'_>,
    commands: &mut Vec<Command>,
) {
    egui::Panel::top("top-bar").show(ui, |ui| top_bar_ui(ui, session, commands));
    egui::Panel::left("nav")
        .exact_size(theme::NAV_WIDTH)
        .show(ui, |ui| {
            ui.add_space(theme::GAP);
            let mut nav = vec![
                View::Jobs,
                View::Job,
                View::Workers,
                View::Previews,
                View::Farm,
                View::Projects,
            ];
            if session.farm.role() == Role::Admin {
                nav.push(View::Settings);
            }
            for view in nav {
                if ui
                    .selectable_label(session.view == view, view.label())
                    .clicked()
                {
                    commands.push(Command::Navigate(view));
                }
            }
        });
    let session = &*session;
    let preview = |key, commands: &mut Vec<Command>| {
        session
            .preview(key, commands)
            .and_then(crate::session::Preview::texture)
    };
    egui::CentralPanel::default().show(ui, |ui| match session.view {
        View::Jobs => views.jobs.ui(ui, &session.farm, commands),
        View::Job => views.job.ui(ui, &session.farm, &preview, commands),
        View::Workers => workers::ui(ui, &session.farm, commands),
        View::Previews => views.previews.ui(ui, &session.farm, &preview, commands),
        View::Farm => farm::ui(ui, &session.farm),
        View::Projects => views.projects.ui(ui, &session.farm, commands),
        View::Settings => views.settings.ui(ui, &session.farm, commands),
    });
    if let Some(dialog) = &mut views.jobs.submit
        && !dialog.ui(
            ui.ctx(),
            &session.farm,
            session.local.is_some(),
            session.submitted,
            commands,
        )
    {
        views.jobs.submit = None;
    }
}

fn top_bar_ui(ui: &mut egui::Ui, session: &Session, commands: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        ui.strong("Drover");
        ui.separator();
        let live = session.is_live();
        let text = match &session.stream {
            StreamState::Live => "live".to_owned(),
            StreamState::Reconnecting { attempt: 0, .. } => "connecting…".to_owned(),
            StreamState::Reconnecting { attempt, error } => {
                format!("connection lost, retrying (attempt {attempt}): {error}")
            }
        };
        let (rect, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
        ui.painter()
            .circle_filled(rect.center(), 4.5, theme::connection_color(live));
        ui.label(text);
        ui.separator();
        match &session.local {
            Some(local) => {
                ui.label(format!(
                    "local farm at {}{}",
                    local.url(),
                    if local.renders_here() {
                        " · rendering here"
                    } else {
                        ""
                    }
                ))
                .on_hover_text(local.data_dir.to_string_lossy());
            }
            None => {
                ui.label(session.url());
            }
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui
                .button(if session.local.is_some() {
                    "Stop farm"
                } else {
                    "Disconnect"
                })
                .clicked()
            {
                commands.push(Command::Disconnect);
            }
            if let Some(me) = &session.farm.me {
                ui.weak_label(format!("{} ({})", me.email, me.role));
            }
            theme_ui(ui);
        });
    });
}

/// Dark, light, or follow the system (egui's own switch draws emoji our fonts lack).
fn theme_ui(ui: &mut egui::Ui) {
    let mut preference = ui.ctx().options(|o| o.theme_preference);
    ui.menu_button("Theme", |ui| {
        for (value, label) in [
            (egui::ThemePreference::Dark, "Dark"),
            (egui::ThemePreference::Light, "Light"),
            (egui::ThemePreference::System, "Follow the system"),
        ] {
            ui.selectable_value(&mut preference, value, label);
        }
    });
    ui.ctx().set_theme(preference);
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
