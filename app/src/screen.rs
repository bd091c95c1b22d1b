//! The connected farm on screen: the top bar (connection, farm, account, theme), the
//! navigation, the current view and the submit dialog.

use crate::command::{Command, View};
use crate::msg::StreamState;
use crate::session::Session;
use crate::theme::{self, UiExt};
use crate::views::{
    farm, job::JobView, jobs::JobsView, previews::PreviewsView, projects::ProjectsView,
    settings::SettingsView, workers,
};
use drover_shared::Role;

/// The views of a connected farm, borrowed for one frame.
pub struct FarmViews<'a> {
    /// The Jobs view.
    pub jobs: &'a mut JobsView,
    /// The Job view.
    pub job: &'a mut JobView,
    /// The Previews view.
    pub previews: &'a mut PreviewsView,
    /// The Projects view.
    pub projects: &'a mut ProjectsView,
    /// The Settings view.
    pub settings: &'a mut SettingsView,
}

/// Draws a connected farm: the top bar, the navigation, the current view and the submit
/// dialog.
pub fn farm_ui(
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
