//! The connected farm on screen, one value: the session, the view shown, every view's state
//! and the submit dialog; it draws the top bar (connection, farm, account, theme), the
//! navigation, the current view and the dialog, routes the farm's messages to what asked, and
//! applies the commands that change what is on screen. Leaving the farm drops it.

use crate::backend::Backend;
use crate::command::{Command, PickTarget, View};
use crate::msg::{Msg, StreamState};
use crate::session::Session;
use crate::theme::{self, UiExt};
use crate::toasts::Toasts;
use crate::views::{
    Answered, farm::FarmView, job::JobView, jobs::JobsView, notices::NoticesView,
    previews::PreviewsView, projects::ProjectsView, settings::SettingsView, submit::SubmitDialog,
    workers::WorkersView,
};
use drover_shared::Role;

/// A connected farm on screen: the session, its views and the open dialog. Leaving the farm
/// drops it whole, so nothing of one farm (a form, a selection, an edit) shows in the next.
pub struct FarmScreen {
    /// The connection and what it knows.
    pub session: Session,
    /// The view shown.
    pub view: View,
    jobs: JobsView,
    job: JobView,
    previews: PreviewsView,
    projects: ProjectsView,
    settings: SettingsView,
    notices: NoticesView,
    farm: FarmView,
    workers: WorkersView,
    /// The submit dialog, when open.
    pub submit: Option<SubmitDialog>,
}

impl FarmScreen {
    /// The screen of a session just connected, on the Jobs view.
    pub fn new(session: Session) -> Self {
        Self {
            session,
            view: View::Jobs,
            jobs: JobsView::default(),
            job: JobView::new(),
            previews: PreviewsView::default(),
            projects: ProjectsView::default(),
            settings: SettingsView::default(),
            notices: NoticesView::default(),
            farm: FarmView::default(),
            workers: WorkersView::default(),
            submit: None,
        }
    }

    /// Draws the top bar, the navigation, the current view and the submit dialog.
    pub fn ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        self.session.farm.sample(ui.ctx().input(|i| i.time));
        let session = &self.session;
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
                    View::Notices,
                ];
                if session.farm.role() == Role::Admin {
                    nav.push(View::Settings);
                }
                let unread = session.farm.notices.unread;
                for view in nav {
                    let label = match view {
                        View::Notices if unread > 0 => format!("{} ({unread})", view.label()),
                        _ => view.label().to_owned(),
                    };
                    if ui.selectable_label(self.view == view, label).clicked() {
                        commands.push(Command::Navigate(view));
                    }
                }
            });
        let preview = |key, commands: &mut Vec<Command>| {
            session
                .preview(key, commands)
                .and_then(crate::session::Preview::texture)
        };
        let farm = &session.farm;
        egui::CentralPanel::default().show(ui, |ui| match self.view {
            View::Jobs => self.jobs.ui(ui, farm, commands),
            View::Job => self
                .job
                .ui(ui, farm, &preview, session.local.is_some(), commands),
            View::Workers => self.workers.ui(ui, farm, commands),
            View::Previews => self.previews.ui(ui, farm, &preview, commands),
            View::Farm => self.farm.ui(ui, farm, commands),
            View::Projects => self.projects.ui(ui, farm, commands),
            View::Settings => self.settings.ui(ui, farm, commands),
            View::Notices => self.notices.ui(ui, farm, commands),
        });
        if let Some(dialog) = &mut self.submit
            && !dialog.ui(ui.ctx(), farm, session.local.is_some(), commands)
        {
            self.submit = None;
        }
    }

    /// Takes one message of this farm's from the background: an answer goes to what asked
    /// for it, the rest to the session.
    pub fn handle(
        &mut self,
        backend: &Backend,
        ctx: &egui::Context,
        msg: Msg,
        toasts: &mut Toasts,
    ) {
        let now = ctx.input(|i| i.time);
        match msg {
            Msg::Picked(PickTarget::OutputsFolder(job_id), folder) => {
                let command = self.job.outputs.take_folder(job_id, folder.into());
                self.apply(backend, command);
            }
            Msg::Picked(target, path) => {
                if let Some(dialog) = self.submit.as_mut() {
                    dialog.take_pick(target, path);
                }
            }
            Msg::SaveProgress(ticket, progress) => {
                self.job.outputs.progress(ticket, progress);
            }
            Msg::Saved(ticket, answer) => {
                let answered = self
                    .job
                    .outputs
                    .answer(ticket, answer.as_ref().map_err(String::as_str));
                match answer {
                    Ok(done) => toasts.info(now, format!("saved {} output(s)", done.files_done)),
                    Err(error) if answered == Answered::NotMine => toasts.error(now, error),
                    Err(_) => {}
                }
            }
            Msg::SubmitAnswer(ticket, answer) => {
                let answered = self.submit.as_mut().map_or(Answered::NotMine, |d| {
                    d.answer(ticket, answer.as_ref().map_err(String::as_str))
                });
                match answer {
                    Ok(job) => {
                        if answered == Answered::Accepted {
                            self.submit = None;
                        }
                        toasts.info(now, format!("submitted {}", job.name));
                        self.session.farm.jobs.insert(job.id, job);
                    }
                    // The dialog that sent it shows why; without it, a toast does.
                    Err(error) if answered == Answered::NotMine => toasts.error(now, error),
                    Err(_) => {}
                }
            }
            Msg::ProjectSaved(ticket, answer) => {
                let answered = self
                    .projects
                    .answer(ticket, answer.as_ref().copied().map_err(String::as_str));
                match answer {
                    // The farm sends no event for projects: read them again.
                    Ok(()) => self.session.fetch_projects(backend, false),
                    Err(error) if answered == Answered::NotMine => toasts.error(now, error),
                    Err(_) => {}
                }
            }
            Msg::SettingsSaved(ticket, answer) => {
                let answered = self
                    .settings
                    .answer(ticket, answer.as_ref().copied().map_err(String::as_str));
                match answer {
                    Ok(()) => self.session.fetch_settings(backend),
                    Err(error) if answered == Answered::NotMine => toasts.error(now, error),
                    Err(_) => {}
                }
            }
            Msg::Schedule(worker, answer) => match answer {
                Ok(schedule) => self.workers.take_schedule(worker, schedule),
                Err(error) => {
                    self.workers.close(worker);
                    toasts.error(now, error);
                }
            },
            Msg::ScheduleSaved(worker, answer) => match answer {
                Ok(schedule) => {
                    self.workers.close(worker);
                    toasts.info(now, format!("sleep schedule: {}", schedule.describe()));
                }
                Err(error) => toasts.error(now, error),
            },
            Msg::NoticeSettings(answer) => match answer {
                Ok(view) => {
                    self.notices.saved();
                    self.session.farm.notices.settings = Some(view);
                    toasts.info(now, "notification choices saved");
                }
                // The form keeps what was typed; the toast says why it was refused.
                Err(error) => toasts.error(now, error),
            },
            other => self.session.handle(backend, ctx, other),
        }
    }

    /// Carries out one command.
    pub fn apply(&mut self, backend: &Backend, command: Command) {
        match command {
            Command::Navigate(view) => {
                // Limits change without an event: the Farm view reads them as it opens.
                if view == View::Farm {
                    self.session.fetch_limits(backend);
                    // The history too: the server's, read again each time the view opens.
                    self.session
                        .apply(backend, Command::LoadStats(self.farm.query()));
                    self.session.fetch_disk(backend);
                }
                self.view = view;
            }
            Command::OpenJob(job_id) => {
                self.session.open_job(backend, job_id);
                self.view = View::Job;
            }
            Command::OpenSubmit => {
                self.submit = Some(SubmitDialog::new(&self.session.farm));
                self.session.prepare_submit(backend);
            }
            other => self.session.apply(backend, other),
        }
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
