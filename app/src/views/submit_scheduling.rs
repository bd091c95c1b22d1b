//! The submit dialog's "Dependencies and limits" section, as a supervisor sets them in
//! Deadline's or OpenCue's submitter: the jobs this one waits for (whole jobs or frame by
//! frame), the most workers it may use at once, its own task timeout, and the farm limits it
//! consumes (picked from those the farm has, with their use).

use crate::model::Farm;
use crate::theme::UiExt;
use crate::views::job_deps::parse_ids;
use drover_shared::DependMode;
use drover_shared::api::SubmitJob;
use std::collections::BTreeSet;

/// The section's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scheduling {
    /// Job numbers as typed: "12, 14 15".
    pub waits_for: String,
    /// How it waits for them.
    pub mode: DependMode,
    /// Whether the job is held to [`Scheduling::max_workers`].
    pub cap_workers: bool,
    /// The most workers at once, when capped.
    pub max_workers: u32,
    /// Whether the job has its own task timeout.
    pub own_timeout: bool,
    /// Seconds a running task may send nothing, when its own.
    pub timeout_secs: u32,
    /// The farm limits it consumes.
    pub limits: BTreeSet<String>,
}

impl Default for Scheduling {
    fn default() -> Self {
        Self {
            waits_for: String::new(),
            mode: DependMode::Job,
            cap_workers: false,
            max_workers: 4,
            own_timeout: false,
            timeout_secs: 600,
            limits: BTreeSet::new(),
        }
    }
}

impl Scheduling {
    /// Whether anything differs from a job that runs as soon as it can, anywhere.
    pub fn is_set(&self) -> bool {
        !self.waits_for.trim().is_empty()
            || self.cap_workers
            || self.own_timeout
            || !self.limits.is_empty()
    }

    /// Puts the section's choices into `job`; what does not read is refused here, before
    /// anything is sent.
    pub fn apply(&self, job: &mut SubmitJob) -> Result<(), String> {
        job.depends_on = parse_ids(&self.waits_for).map_err(|e| format!("waits for: {e}"))?;
        job.depend_mode = self.mode;
        job.max_workers = self.cap_workers.then_some(self.max_workers.max(1));
        job.task_timeout_secs = self.own_timeout.then_some(self.timeout_secs.max(1));
        job.limits = self.limits.iter().cloned().collect();
        Ok(())
    }

    /// Draws the section's fields.
    pub fn ui(&mut self, ui: &mut egui::Ui, farm: &Farm) {
        egui::Grid::new("submit-scheduling")
            .num_columns(2)
            .spacing([12.0, 8.0])
            .show(ui, |ui| {
                let label = ui.label("Waits for jobs");
                ui.vertical(|ui| {
                    ui.add(
                        egui::TextEdit::singleline(&mut self.waits_for)
                            .hint_text("job numbers: 12, 14")
                            .desired_width(200.0),
                    )
                    .labelled_by(label.id);
                    ui.horizontal(|ui| {
                        ui.selectable_value(&mut self.mode, DependMode::Job, "Whole jobs")
                            .on_hover_text("Starts when every job it waits for has completed");
                        ui.selectable_value(&mut self.mode, DependMode::Frame, "Frame by frame")
                            .on_hover_text(
                                "Each task starts when the frames it covers are done upstream",
                            );
                    });
                });
                ui.end_row();
                ui.checkbox(&mut self.cap_workers, "At most");
                ui.horizontal(|ui| {
                    ui.add_enabled(
                        self.cap_workers,
                        egui::DragValue::new(&mut self.max_workers).range(1..=10_000),
                    );
                    ui.label("workers at once");
                });
                ui.end_row();
                ui.checkbox(&mut self.own_timeout, "Task timeout");
                ui.horizontal(|ui| {
                    ui.add_enabled(
                        self.own_timeout,
                        egui::DragValue::new(&mut self.timeout_secs)
                            .range(1..=604_800)
                            .suffix(" s"),
                    );
                    ui.weak_label("of silence before a task fails (else the farm's)");
                });
                ui.end_row();
                ui.label("Farm limits");
                ui.vertical(|ui| {
                    if farm.limits.is_empty() {
                        ui.weak_label("The farm has no limits.");
                    }
                    for limit in &farm.limits {
                        let mut on = self.limits.contains(&limit.name);
                        let text = format!(
                            "{} ({} of {} in use)",
                            limit.name, limit.in_use, limit.max_running
                        );
                        if ui.checkbox(&mut on, text).changed() {
                            if on {
                                self.limits.insert(limit.name.clone());
                            } else {
                                self.limits.remove(&limit.name);
                            }
                        }
                    }
                });
                ui.end_row();
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use drover_shared::JobId;

    fn job() -> SubmitJob {
        serde_json::from_value(serde_json::json!({
            "name": "comp", "project_id": 1, "job_type": "command",
            "settings": {"argv": ["true"], "frames": "1-4", "chunk_size": 1},
        }))
        .unwrap()
    }

    #[test]
    fn the_choices_go_into_the_job_and_bad_numbers_are_refused() {
        let mut job = job();
        Scheduling::default().apply(&mut job).unwrap();
        assert!(job.depends_on.is_empty());
        assert_eq!((job.max_workers, job.task_timeout_secs), (None, None));
        let chosen = Scheduling {
            waits_for: "#12, 14 12".into(),
            mode: DependMode::Frame,
            cap_workers: true,
            max_workers: 0,
            own_timeout: true,
            timeout_secs: 90,
            limits: ["nuke".to_owned()].into(),
        };
        assert!(chosen.is_set());
        chosen.apply(&mut job).unwrap();
        assert_eq!(job.depends_on, [JobId(12), JobId(14)]);
        assert_eq!(job.depend_mode, DependMode::Frame);
        assert_eq!(job.max_workers, Some(1), "at least one worker");
        assert_eq!(job.task_timeout_secs, Some(90));
        assert_eq!(job.limits, ["nuke"]);
        let bad = Scheduling {
            waits_for: "12, twelve".into(),
            ..Scheduling::default()
        };
        let err = bad.apply(&mut job).unwrap_err();
        assert!(err.contains("“twelve” is not a job number"), "{err}");
    }

    /// The whole dialog, on a farm with one limit, opened to this section: what is typed and
    /// ticked goes out with the job.
    #[test]
    fn a_job_is_submitted_with_its_dependencies_and_limits() {
        use crate::command::Command;
        use crate::views::submit::{Kind, SubmitDialog};
        use egui_kittest::kittest::Queryable;
        type State = (SubmitDialog, Vec<Command>);
        let mut farm = Farm::default();
        farm.limits.push(drover_shared::api::FarmLimit {
            name: "nuke".into(),
            max_running: 5,
            in_use: 1,
            jobs: 2,
        });
        let mut dialog = SubmitDialog::new(&farm);
        dialog.kind = Kind::Command;
        dialog.project = Some(drover_shared::ProjectId(1));
        let mut h = egui_kittest::Harness::builder()
            .with_size([900.0, 900.0])
            .build_ui_state(
                move |ui, (dialog, commands): &mut State| {
                    dialog.ui(ui.ctx(), &farm, false, commands);
                },
                (dialog, Vec::new()),
            );
        h.run_steps(2);
        assert!(
            h.query_by_label("Waits for jobs").is_none(),
            "closed at first"
        );
        h.get_by_label("Dependencies and limits").click();
        h.run_steps(2);
        h.get_by_label("nuke (1 of 5 in use)").click();
        h.get_by_label("Frame by frame").click();
        h.get_by_label("At most").click();
        h.run_steps(2);
        h.get_by_label("Waits for jobs").click();
        h.run_steps(1);
        h.get_by_label("Waits for jobs").type_text("7, 9");
        h.run_steps(2);
        h.get_by_label("Submit").click();
        h.run_steps(2);
        let sent: Vec<&SubmitJob> = h
            .state()
            .1
            .iter()
            .filter_map(|c| match c {
                Command::Submit(_, job) => Some(job),
                _ => None,
            })
            .collect();
        assert_eq!(sent.len(), 1, "{:?}", h.state().0.error);
        assert_eq!(sent[0].depends_on, [JobId(7), JobId(9)]);
        assert_eq!(sent[0].depend_mode, DependMode::Frame);
        assert_eq!(sent[0].max_workers, Some(4));
        assert_eq!(sent[0].limits, ["nuke"]);
    }
}
