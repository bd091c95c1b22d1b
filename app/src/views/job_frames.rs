//! The Job view's "Change frames…": the job's frames after submission, typed in the job's
//! syntax (`1-250`, `1-10,20`); frames added become tasks, tasks whose frames went are taken
//! out (the server's `PUT /jobs/{id}/frames`).

use crate::command::Command;
use crate::theme::{Tone, UiExt};
use drover_shared::JobId;
use drover_shared::api::Job;
use drover_shared::frames::FrameSet;

/// The editor's state: the draft, if open.
#[derive(Debug, Default)]
pub struct FramesRow {
    draft: Option<(JobId, String, Option<String>)>,
}

impl FramesRow {
    /// Whether the editor is open for `job`.
    pub fn is_open(&self, job: JobId) -> bool {
        self.draft.as_ref().is_some_and(|(id, ..)| *id == job)
    }

    /// Opens the editor on the job's frames.
    pub fn open(&mut self, job: &Job) {
        let (frames, _) = job.kind.frames_and_chunk();
        self.draft = Some((job.id, frames.to_owned(), None));
    }

    /// Draws the editor when it is open for `job`.
    pub fn ui(&mut self, ui: &mut egui::Ui, job: &Job, commands: &mut Vec<Command>) {
        if !self.is_open(job.id) {
            self.draft = None;
            return;
        }
        let Some((_, text, problem)) = &mut self.draft else {
            return;
        };
        let mut close = false;
        ui.horizontal_wrapped(|ui| {
            ui.label("Frames");
            if ui
                .add(egui::TextEdit::singleline(text).desired_width(160.0))
                .changed()
            {
                *problem = None;
            }
            if ui.button("Save frames").clicked() {
                match FrameSet::parse(text) {
                    Ok(_) => {
                        commands.push(Command::SetFrames {
                            job: job.id,
                            frames: text.trim().to_owned(),
                        });
                        close = true;
                    }
                    Err(e) => *problem = Some(e.to_string()),
                }
            }
            // Not "Cancel": the header's Cancel cancels the job.
            if ui.button("Discard").clicked() {
                close = true;
            }
            if let Some(problem) = problem {
                ui.colored_label(Tone::Bad.color(), problem.as_str());
            } else {
                ui.weak_label("added frames become tasks; tasks whose frames go are taken out");
            }
        });
        if close {
            self.draft = None;
        }
    }
}
