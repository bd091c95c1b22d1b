//! Projects: their names and the path of the project files on each OS (a worker rewrites
//! `path_server` to its own OS's path). Managers create and edit them; the form stays open
//! until the server saved it, and shows why when it refused.

use crate::command::{Command, Ticket};
use crate::model::Farm;
use crate::theme::{self, UiExt};
use crate::views::Answered;
use drover_shared::api::{Project, ProjectInput};
use drover_shared::{ProjectId, Role};

/// The form being edited.
#[derive(Default, Clone)]
struct Form {
    id: Option<ProjectId>,
    name: String,
    description: String,
    path_server: String,
    path_linux: String,
    path_osx: String,
    path_win: String,
    /// The save sent and waiting for the server's answer.
    saving: Option<Ticket>,
    /// Why the server refused the last save.
    error: Option<String>,
}

impl Form {
    fn from_project(p: &Project) -> Self {
        Self {
            id: Some(p.id),
            name: p.name.clone(),
            description: String::new(),
            path_server: p.path_server.clone(),
            path_linux: p.path_linux.clone(),
            path_osx: p.path_osx.clone(),
            path_win: p.path_win.clone(),
            saving: None,
            error: None,
        }
    }

    fn input(&self) -> ProjectInput {
        ProjectInput {
            name: Some(self.name.trim().to_owned()),
            description: (!self.description.is_empty()).then(|| self.description.clone()),
            path_server: Some(self.path_server.clone()),
            path_linux: Some(self.path_linux.clone()),
            path_osx: Some(self.path_osx.clone()),
            path_win: Some(self.path_win.clone()),
            ..ProjectInput::default()
        }
    }
}

/// The Projects view's state.
#[derive(Default)]
pub struct ProjectsView {
    form: Option<Form>,
}

impl ProjectsView {
    /// Draws the view.
    pub fn ui(&mut self, ui: &mut egui::Ui, farm: &Farm, commands: &mut Vec<Command>) {
        let may_edit = farm.role().allows(Role::Manager);
        ui.horizontal(|ui| {
            ui.view_heading("Projects");
            if may_edit && ui.button("New project").clicked() {
                self.form = Some(Form::default());
            }
        });
        egui::Grid::new("projects")
            .striped(true)
            .num_columns(7)
            .show(ui, |ui| {
                for label in ["Name", "Server path", "Linux", "macOS", "Windows", "", ""] {
                    ui.strong(label);
                }
                ui.end_row();
                for project in &farm.projects {
                    ui.label(&project.name);
                    ui.monospace(&project.path_server);
                    ui.monospace(&project.path_linux);
                    ui.monospace(&project.path_osx);
                    ui.monospace(&project.path_win);
                    if !may_edit {
                        ui.label("");
                    } else if ui.small_button("Edit").clicked() {
                        self.form = Some(Form::from_project(project));
                    }
                    let follows = farm.notices.follows_project(project.id);
                    let mut on = follows;
                    ui.toggle_value(&mut on, if follows { "Following" } else { "Follow" })
                        .on_hover_text("Be told when any job of this project completes or fails.");
                    if on != follows {
                        commands.push(Command::FollowProject(project.id, on));
                    }
                    ui.end_row();
                }
            });
        if farm.projects.is_empty() {
            ui.weak_label("No project yet; a job needs one.");
        }
        if let Some(form) = &mut self.form {
            ui.add_space(theme::GAP);
            ui.separator();
            ui.strong(if form.id.is_some() {
                "Edit project"
            } else {
                "New project"
            });
            egui::Grid::new("project-form")
                .num_columns(2)
                .show(ui, |ui| {
                    for (label, value) in [
                        ("Name", &mut form.name),
                        ("Description", &mut form.description),
                        ("Server path", &mut form.path_server),
                        ("Linux path", &mut form.path_linux),
                        ("macOS path", &mut form.path_osx),
                        ("Windows path", &mut form.path_win),
                    ] {
                        let label = ui.label(label);
                        ui.add(egui::TextEdit::singleline(value).desired_width(360.0))
                            .labelled_by(label.id);
                        ui.end_row();
                    }
                });
            if let Some(error) = &form.error {
                ui.colored_label(theme::error_color(), error);
            }
            let mut close = false;
            ui.horizontal(|ui| {
                let ready = !form.name.trim().is_empty() && form.saving.is_none();
                if ui.add_enabled(ready, egui::Button::new("Save")).clicked() {
                    let ticket = Ticket::issue();
                    form.saving = Some(ticket);
                    form.error = None;
                    commands.push(Command::SaveProject(ticket, form.id, form.input()));
                } else if ui.button("Cancel").clicked() {
                    close = true;
                }
                if form.saving.is_some() {
                    ui.spinner();
                    ui.weak_label("saving…");
                }
            });
            if close {
                self.form = None;
            }
        }
    }

    /// Takes the answer to the save with `ticket`, if the open form waits for it: saved, the
    /// form closes; refused, it stays with the server's words.
    pub fn answer(&mut self, ticket: Ticket, answer: Result<(), &str>) -> Answered {
        let Some(form) = self.form.as_mut().filter(|f| f.saving == Some(ticket)) else {
            return Answered::NotMine;
        };
        form.saving = None;
        match answer {
            Ok(()) => {
                self.form = None;
                Answered::Accepted
            }
            Err(message) => {
                form.error = Some(message.to_owned());
                Answered::Refused
            }
        }
    }
}
