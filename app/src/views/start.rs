//! The start screen: start a farm on this computer (zero set-up) or connect to a server.

use crate::command::{Command, Login};
use crate::local::LocalSetup;
use crate::theme::{self, UiExt};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Servers remembered in the recent list.
const RECENT_LEN: usize = 8;

/// What the start screen remembers between runs (never a password).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Remembered {
    /// Servers connected to, newest first.
    pub recent: Vec<String>,
    /// The last email used.
    pub email: String,
    /// Whether "Render on this computer" was on.
    pub render_here: bool,
}

/// The start screen's state.
pub struct StartView {
    /// The local farm's data dir.
    pub data_dir: String,
    /// Run a worker in the app too.
    pub render_here: bool,
    /// The server to connect to.
    pub url: String,
    /// The account.
    pub email: String,
    /// Its password, forgotten after use.
    pub password: String,
    /// A one-time (TOTP) or recovery code, forgotten after use.
    pub code: String,
    /// Servers used before.
    pub recent: Vec<String>,
    /// A start or connect is under way.
    pub busy: bool,
    /// Why the last attempt failed.
    pub error: Option<String>,
}

impl StartView {
    /// The screen, with what was remembered.
    pub fn new(data_dir: &std::path::Path, remembered: Remembered) -> Self {
        Self {
            data_dir: data_dir.to_string_lossy().into_owned(),
            render_here: remembered.render_here,
            url: remembered
                .recent
                .first()
                .cloned()
                .unwrap_or_else(|| "http://localhost:7878".into()),
            email: remembered.email,
            password: String::new(),
            code: String::new(),
            recent: remembered.recent,
            busy: false,
            error: None,
        }
    }

    /// What to remember.
    pub fn remembered(&self) -> Remembered {
        Remembered {
            recent: self.recent.clone(),
            email: self.email.clone(),
            render_here: self.render_here,
        }
    }

    /// Notes a server that worked.
    pub fn remember(&mut self, url: &str) {
        self.recent.retain(|u| u != url);
        self.recent.insert(0, url.to_owned());
        self.recent.truncate(RECENT_LEN);
    }

    /// Draws the screen.
    pub fn ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        ui.vertical_centered(|ui| {
            ui.add_space(40.0);
            ui.label(egui::RichText::new("Drover").size(36.0).strong());
            ui.weak_label("Render farm and production tracker");
            ui.add_space(24.0);
        });
        ui.columns(2, |columns| {
            columns[0].group(|ui| self.local_ui(ui, commands));
            columns[1].group(|ui| self.connect_ui(ui, commands));
        });
        ui.add_space(theme::GAP);
        if self.busy {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Starting…");
            });
        }
        if let Some(error) = &self.error {
            ui.colored_label(theme::error_color(), error);
        }
    }

    fn local_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        ui.set_min_height(220.0);
        ui.view_heading("This computer");
        ui.label("Runs the farm inside this app. Nothing to set up.");
        ui.add_space(theme::GAP);
        ui.checkbox(&mut self.render_here, "Render on this computer");
        ui.horizontal(|ui| {
            let label = ui.label("Data folder");
            ui.add(egui::TextEdit::singleline(&mut self.data_dir).desired_width(f32::INFINITY))
                .labelled_by(label.id);
        });
        ui.add_space(theme::GAP);
        let start = ui.add_enabled(!self.busy, egui::Button::new("Start a local farm"));
        if start.clicked() {
            self.busy = true;
            self.error = None;
            commands.push(Command::StartLocal(LocalSetup {
                data_dir: PathBuf::from(self.data_dir.trim()),
                render_here: self.render_here,
            }));
        }
    }

    fn connect_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        ui.set_min_height(220.0);
        ui.view_heading("A farm server");
        egui::Grid::new("connect").num_columns(2).show(ui, |ui| {
            let label = ui.label("Server");
            ui.add(egui::TextEdit::singleline(&mut self.url).desired_width(260.0))
                .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("Email");
            ui.add(egui::TextEdit::singleline(&mut self.email).desired_width(260.0))
                .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("Password");
            let password = ui
                .add(
                    egui::TextEdit::singleline(&mut self.password)
                        .password(true)
                        .desired_width(260.0),
                )
                .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("One-time code");
            let code = ui
                .add(
                    egui::TextEdit::singleline(&mut self.code)
                        .hint_text("if your account has two-factor login")
                        .desired_width(260.0),
                )
                .labelled_by(label.id);
            ui.end_row();
            let entered = password.lost_focus() || code.lost_focus();
            if entered && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                self.connect(commands);
            }
        });
        if !self.recent.is_empty() {
            ui.horizontal_wrapped(|ui| {
                ui.weak_label("Recent:");
                for url in &self.recent {
                    if ui.small_button(url).clicked() {
                        self.url.clone_from(url);
                    }
                }
            });
        }
        ui.add_space(theme::GAP);
        let ready = !self.busy && !self.url.trim().is_empty() && !self.email.trim().is_empty();
        if ui
            .add_enabled(ready, egui::Button::new("Connect"))
            .clicked()
        {
            self.connect(commands);
        }
    }

    fn connect(&mut self, commands: &mut Vec<Command>) {
        self.busy = true;
        self.error = None;
        commands.push(Command::Connect(Login {
            url: self.url.trim().trim_end_matches('/').to_owned(),
            email: self.email.trim().to_owned(),
            password: std::mem::take(&mut self.password),
            code: std::mem::take(&mut self.code).trim().to_owned(),
        }));
    }
}
