//! Notifications: the person's list of jobs that ended (theirs, and those they follow), each
//! opening its job, and their choices of where they are told (the app's pop-ups, e-mail, and
//! the chats Kitsu's organisation is connected to), edited as a form with Save and Discard.

use crate::command::Command;
use crate::model::Farm;
use crate::theme::{self, Tone, UiExt};
use drover_shared::NoticeOutcome;
use drover_shared::api::{ChatChoice, NoticeChannels, NoticeSettings, NoticesRead};

/// The view's state: the choices being edited, until saved or discarded.
#[derive(Default)]
pub struct NoticesView {
    draft: Option<NoticeSettings>,
}

impl NoticesView {
    /// The server answered a save: the form closes (its values are the model's now).
    pub fn saved(&mut self) {
        self.draft = None;
    }

    /// Draws the view.
    pub fn ui(&mut self, ui: &mut egui::Ui, farm: &Farm, commands: &mut Vec<Command>) {
        let notices = &farm.notices;
        ui.horizontal(|ui| {
            ui.view_heading("Notifications");
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui
                    .add_enabled(notices.unread > 0, egui::Button::new("Mark all read"))
                    .clicked()
                {
                    commands.push(Command::MarkNoticesRead(NoticesRead {
                        ids: Vec::new(),
                        all: true,
                    }));
                }
                if notices.unread > 0 {
                    ui.weak_label(format!("{} unread", notices.unread));
                }
            });
        });
        egui::CollapsingHeader::new("What you are told, and where")
            .id_salt("notice-settings")
            .default_open(false)
            .show(ui, |ui| self.settings_ui(ui, farm, commands));
        ui.separator();
        if notices.list.is_empty() {
            ui.weak_label(
                "Nothing yet. You are told here when a job you submitted or follow completes \
                 or fails (follow a job from its view, a project from Projects).",
            );
            return;
        }
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                for notice in &notices.list {
                    ui.horizontal(|ui| {
                        let (label, tone) = match notice.outcome {
                            NoticeOutcome::Completed => ("completed", Tone::Good),
                            NoticeOutcome::Failed => ("failed", Tone::Bad),
                        };
                        ui.status_chip(label, tone);
                        let text = egui::RichText::new(&notice.text);
                        let text = if notice.read {
                            text.weak()
                        } else {
                            text.strong()
                        };
                        ui.label(text);
                        ui.weak_label(super::ago(notice.created));
                        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                            let known = notice.job_id.filter(|id| farm.jobs.contains_key(id));
                            if let Some(job) = known
                                && ui.button("Open job").clicked()
                            {
                                commands.push(Command::OpenJob(job));
                                if !notice.read {
                                    commands.push(Command::MarkNoticesRead(NoticesRead {
                                        ids: vec![notice.id],
                                        all: false,
                                    }));
                                }
                            }
                            if !notice.read && ui.small_button("Read").clicked() {
                                commands.push(Command::MarkNoticesRead(NoticesRead {
                                    ids: vec![notice.id],
                                    all: false,
                                }));
                            }
                        });
                    });
                }
            });
    }

    fn settings_ui(&mut self, ui: &mut egui::Ui, farm: &Farm, commands: &mut Vec<Command>) {
        let Some(view) = &farm.notices.settings else {
            ui.spinner();
            return;
        };
        let draft = self.draft.get_or_insert_with(|| view.settings.clone());
        let channels: NoticeChannels = view.channels;
        ui.horizontal(|ui| {
            ui.label("Tell me when a job");
            ui.checkbox(&mut draft.on_completed, "completes");
            ui.checkbox(&mut draft.on_failed, "fails");
        });
        ui.weak_label("Jobs you submitted, and those you follow (a job's view, or Projects).");
        ui.add_space(theme::GAP / 2.0);
        ui.checkbox(&mut draft.desktop, "A pop-up on this computer");
        ui.add_enabled_ui(channels.email || draft.email, |ui| {
            ui.checkbox(
                &mut draft.email,
                format!("An e-mail to {}", view.email_address),
            )
            .on_disabled_hover_text("The server has no mail server to send through (--smtp-url).");
        });
        egui::Grid::new("chat-choices")
            .num_columns(2)
            .spacing([theme::GAP, theme::GAP / 2.0])
            .show(ui, |ui| {
                for (name, available, choice, hint) in [
                    (
                        "Slack",
                        channels.slack,
                        &mut draft.slack,
                        "member id, U024BE7LH",
                    ),
                    (
                        "Mattermost",
                        channels.mattermost,
                        &mut draft.mattermost,
                        "user name",
                    ),
                    (
                        "Discord",
                        channels.discord,
                        &mut draft.discord,
                        "user id, 80351110224678912",
                    ),
                ] {
                    chat_row(ui, name, available, choice, hint);
                    ui.end_row();
                }
            });
        let changed = *draft != view.settings;
        let (save, discard) = ui
            .horizontal(|ui| {
                (
                    ui.add_enabled(changed, egui::Button::new("Save")).clicked(),
                    ui.add_enabled(changed, egui::Button::new("Discard"))
                        .clicked(),
                )
            })
            .inner;
        if save {
            commands.push(Command::SaveNoticeSettings(draft.clone()));
        }
        if discard {
            self.draft = None;
        }
    }
}

/// One chat: on or off, and the person's id there. A chat the organisation is not connected
/// to is greyed (unless it was on, so it can be turned off).
fn chat_row(ui: &mut egui::Ui, name: &str, available: bool, choice: &mut ChatChoice, hint: &str) {
    ui.add_enabled_ui(available || choice.enabled, |ui| {
        ui.checkbox(&mut choice.enabled, format!("A message on {name}"))
            .on_disabled_hover_text(format!(
                "Kitsu's organisation has no {name} integration (an admin sets it in Kitsu's \
                 settings)."
            ));
    });
    ui.add_enabled_ui(available || choice.enabled, |ui| {
        ui.add(
            egui::TextEdit::singleline(&mut choice.user_id)
                .hint_text(format!("your {name} {hint}"))
                .desired_width(300.0),
        );
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests::{farm as farm_as, job};
    use drover_shared::api::{Notice, NoticeList, NoticeSettingsView};
    use drover_shared::{JobId, ProjectId, Role};
    use egui_kittest::Harness;
    use egui_kittest::kittest::{NodeT, Queryable};

    type State = (NoticesView, Farm, Vec<Command>);

    fn notice(id: i64, outcome: NoticeOutcome, read: bool) -> Notice {
        Notice {
            id,
            job_id: Some(JobId(id)),
            job_name: format!("shot {id}"),
            project_id: ProjectId(1),
            outcome,
            text: format!("Job {id} “shot {id}” {}", outcome.as_str()),
            created: time::OffsetDateTime::now_utc(),
            read,
        }
    }

    fn harness(farm: Farm) -> Harness<'static, State> {
        let mut harness = Harness::builder()
            .with_size([1100.0, 700.0])
            .build_ui_state(
                |ui, (view, farm, commands): &mut State| view.ui(ui, farm, commands),
                (NoticesView::default(), farm, Vec::new()),
            );
        harness.run_steps(2);
        harness
    }

    #[test]
    fn a_notice_opens_its_job_and_is_read_and_all_can_be_read_at_once() {
        let mut farm = farm_as(Role::Artist, vec![job(1, 5, 0), job(2, 5, 0)]);
        farm.notices.set(NoticeList {
            notices: vec![
                notice(2, NoticeOutcome::Failed, false),
                notice(1, NoticeOutcome::Completed, true),
            ],
            unread: 1,
        });
        let mut h = harness(farm);
        h.get_by_label("1 unread");
        h.get_by_label("failed");
        h.get_by_label("completed");
        let opens: Vec<_> = h.query_all_by_label("Open job").collect();
        assert_eq!(opens.len(), 2);
        opens[0].click();
        h.run_steps(2);
        assert!(matches!(
            h.state().2.as_slice(),
            [Command::OpenJob(JobId(2)), Command::MarkNoticesRead(read)]
                if read.ids == [2] && !read.all
        ));
        h.state_mut().2.clear();
        h.get_by_label("Mark all read").click();
        h.run_steps(2);
        assert!(matches!(
            h.state().2.as_slice(),
            [Command::MarkNoticesRead(read)] if read.all
        ));
    }

    #[test]
    fn choices_are_saved_as_edited_and_a_chat_without_integration_is_greyed() {
        let mut farm = farm_as(Role::Artist, Vec::new());
        farm.notices.settings = Some(NoticeSettingsView {
            settings: NoticeSettings::default(),
            channels: NoticeChannels {
                email: false,
                slack: true,
                mattermost: false,
                discord: false,
            },
            email_address: "ada@studio.test".into(),
        });
        let mut h = harness(farm);
        h.get_by_label("Nothing yet. You are told here when a job you submitted or follow completes or fails (follow a job from its view, a project from Projects).");
        h.get_by_label("What you are told, and where").click();
        h.run_steps(2);
        assert!(
            h.get_by_label("An e-mail to ada@studio.test")
                .accesskit_node()
                .is_disabled()
        );
        assert!(
            h.get_by_label("A message on Mattermost")
                .accesskit_node()
                .is_disabled()
        );
        assert!(
            h.get_by_label("Save").accesskit_node().is_disabled(),
            "nothing changed"
        );
        h.get_by_label("fails").click();
        h.get_by_label("A message on Slack").click();
        h.run_steps(2);
        h.get_by_label("Save").click();
        h.run_steps(2);
        let [Command::SaveNoticeSettings(saved)] = h.state().2.as_slice() else {
            panic!("one save, not {:?}", h.state().2);
        };
        assert!(saved.on_completed && !saved.on_failed && saved.slack.enabled);
        assert!(!saved.email);
    }
}
