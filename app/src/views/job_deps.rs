//! The Job view's dependencies row: which jobs this one waits for (each opens with a click),
//! how (whole jobs or frame by frame), what that does to it now, and, for who controls the
//! job, an editor of the list (Save, Discard).

use crate::command::Command;
use crate::model::Farm;
use crate::theme::{Tone, Toned, UiExt};
use drover_shared::api::{Job, MAX_DEPENDENCIES};
use drover_shared::{DependMode, DependencyState, JobId};

/// The row's state: the draft being edited, if any.
#[derive(Debug, Default)]
pub struct DependenciesRow {
    draft: Option<Draft>,
}

/// What the editor holds.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Draft {
    /// The job it edits (a draft never follows the person to another job).
    job: JobId,
    /// Job numbers as typed: "12, 14 15".
    text: String,
    mode: DependMode,
    /// Why the text does not parse.
    problem: Option<String>,
}

/// Job numbers from what a person typed: separated by commas or spaces, an optional `#`.
pub fn parse_ids(text: &str) -> Result<Vec<JobId>, String> {
    let mut ids = Vec::new();
    for word in text.split([',', ' ', ';']).filter(|w| !w.is_empty()) {
        let digits = word.trim_start_matches('#');
        match digits.parse::<i64>() {
            Ok(id) if id > 0 => {
                if !ids.contains(&JobId(id)) {
                    ids.push(JobId(id));
                }
            }
            _ => return Err(format!("“{word}” is not a job number")),
        }
    }
    if ids.len() > MAX_DEPENDENCIES {
        return Err(format!(
            "a job may wait for at most {MAX_DEPENDENCIES} jobs"
        ));
    }
    Ok(ids)
}

/// How a mode reads in the row.
fn mode_words(mode: DependMode) -> &'static str {
    match mode {
        DependMode::Job => "whole jobs",
        DependMode::Frame => "frame by frame",
    }
}

impl DependenciesRow {
    /// Draws the row under the job's header (nothing when the job waits for nothing and the
    /// person may not change that).
    pub fn ui(&mut self, ui: &mut egui::Ui, farm: &Farm, job: &Job, commands: &mut Vec<Command>) {
        if self.draft.as_ref().is_some_and(|d| d.job != job.id) {
            self.draft = None;
        }
        let control = farm.may_control(job);
        if job.depends_on.is_empty() && !control && self.draft.is_none() {
            return;
        }
        ui.horizontal_wrapped(|ui| {
            if job.depends_on.is_empty() {
                ui.weak_label("Waits for no other job.");
            } else {
                ui.label(format!("Waits for ({}):", mode_words(job.depend_mode)));
                for id in &job.depends_on {
                    let (label, tone) = match farm.jobs.get(id) {
                        Some(upstream) => (
                            format!("#{id} {}", upstream.name),
                            Some(upstream.status.tone()),
                        ),
                        None => (format!("#{id}"), None),
                    };
                    // Room for the status dot drawn left of the link.
                    ui.add_space(6.0);
                    let link = ui.link(label);
                    if let Some(tone) = tone {
                        ui.painter().circle_filled(
                            link.rect.left_center() - egui::vec2(5.0, 0.0),
                            3.0,
                            tone.color(),
                        );
                    }
                    if link.on_hover_text("open this job").clicked() {
                        commands.push(Command::OpenJob(*id));
                    }
                }
            }
            if let Some(dependency) = &job.dependency {
                let tone = match dependency.state {
                    DependencyState::Held => Tone::Warn,
                    DependencyState::Waiting | DependencyState::Following => Tone::Waiting,
                };
                ui.status_chip(dependency.state.as_str(), tone);
                ui.weak_label(&dependency.reason);
            }
            if control && self.draft.is_none() {
                let label = if job.depends_on.is_empty() {
                    "Wait for jobs…"
                } else {
                    "Change…"
                };
                if ui.button(label).clicked() {
                    self.draft = Some(Draft {
                        job: job.id,
                        text: job
                            .depends_on
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(", "),
                        mode: job.depend_mode,
                        problem: None,
                    });
                }
            }
        });
        if control {
            self.editor_ui(ui, job, commands);
        }
    }

    /// The editor: job numbers, the mode, Save and Discard.
    fn editor_ui(&mut self, ui: &mut egui::Ui, job: &Job, commands: &mut Vec<Command>) {
        let Some(draft) = &mut self.draft else {
            return;
        };
        let mut close = false;
        ui.horizontal_wrapped(|ui| {
            ui.label("Job numbers");
            let field = ui.add(
                egui::TextEdit::singleline(&mut draft.text)
                    .hint_text("e.g. 12, 14")
                    .desired_width(160.0),
            );
            if field.changed() {
                draft.problem = None;
            }
            let label = ui.label("waiting for");
            egui::ComboBox::from_id_salt("depend-mode")
                .selected_text(mode_words(draft.mode))
                .show_ui(ui, |ui| {
                    for &mode in DependMode::ALL {
                        ui.selectable_value(&mut draft.mode, mode, mode_words(mode));
                    }
                })
                .response
                .labelled_by(label.id);
            if ui.button("Save").clicked() {
                match parse_ids(&draft.text) {
                    Ok(ids) if ids.contains(&job.id) => {
                        draft.problem = Some("a job cannot wait for itself".into());
                    }
                    Ok(ids) => {
                        commands.push(Command::SetDependencies {
                            job: job.id,
                            depends_on: ids,
                            mode: draft.mode,
                        });
                        close = true;
                    }
                    Err(problem) => draft.problem = Some(problem),
                }
            }
            // Not "Cancel": the header's Cancel cancels the job.
            if ui.button("Discard").clicked() {
                close = true;
            }
            if let Some(problem) = &draft.problem {
                ui.colored_label(Tone::Bad.color(), problem);
            }
        });
        if close {
            self.draft = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_numbers_parse_as_people_type_them() {
        assert_eq!(parse_ids("").unwrap(), []);
        assert_eq!(
            parse_ids("12, #14 15;12").unwrap(),
            [JobId(12), JobId(14), JobId(15)]
        );
        assert_eq!(
            parse_ids("12, shot").unwrap_err(),
            "“shot” is not a job number"
        );
        assert!(parse_ids("0").is_err());
        let many = (1..=101)
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(parse_ids(&many).unwrap_err().contains("at most 100"));
    }
}
