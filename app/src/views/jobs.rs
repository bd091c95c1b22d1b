//! Jobs: a table that sorts and filters, with multi-select actions (pause, resume, cancel,
//! requeue, priority, delete after asking) and double-click to open a job.

use crate::command::Command;
use crate::model::Farm;
use crate::theme::{self, UiExt};
use crate::views::ago;
use drover_shared::api::Job;
use drover_shared::{JobCommand, JobId, JobStatus, ProjectId, UserId};
use egui_extras::{Column, TableBuilder};
use std::collections::BTreeSet;

/// Columns the table sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortBy {
    Status,
    Name,
    Project,
    Progress,
    Finish,
    Priority,
    Submitter,
    Updated,
}

/// The Jobs view's state.
pub struct JobsView {
    status: Option<JobStatus>,
    project: Option<ProjectId>,
    submitter: Option<UserId>,
    text: String,
    sort: SortBy,
    descending: bool,
    selected: BTreeSet<JobId>,
    priority: u8,
    confirm_delete: bool,
}

impl Default for JobsView {
    fn default() -> Self {
        Self {
            status: None,
            project: None,
            submitter: None,
            text: String::new(),
            sort: SortBy::Updated,
            descending: true,
            selected: BTreeSet::new(),
            priority: 50,
            confirm_delete: false,
        }
    }
}

impl JobsView {
    /// The jobs passing the filters, sorted.
    fn visible<'a>(&self, farm: &'a Farm) -> Vec<&'a Job> {
        let text = self.text.to_lowercase();
        let mut jobs: Vec<&Job> = farm
            .jobs
            .values()
            .filter(|j| self.status.is_none_or(|s| j.status == s))
            .filter(|j| self.project.is_none_or(|p| j.project_id == p))
            .filter(|j| self.submitter.is_none_or(|u| j.created_by == u))
            .filter(|j| text.is_empty() || j.name.to_lowercase().contains(&text))
            .collect();
        // Text keys are built once per job (not per comparison): this runs every frame.
        match self.sort {
            SortBy::Status => jobs.sort_by_key(|j| (j.status.as_str(), j.id)),
            SortBy::Name => jobs.sort_by_cached_key(|j| (j.name.to_lowercase(), j.id)),
            SortBy::Project => jobs.sort_by_cached_key(|j| (farm.project_name(j.project_id), j.id)),
            SortBy::Progress => {
                jobs.sort_by(|a, b| share(a).total_cmp(&share(b)).then(a.id.cmp(&b.id)));
            }
            SortBy::Priority => jobs.sort_by_key(|j| (j.priority, j.id)),
            SortBy::Submitter => jobs.sort_by_cached_key(|j| (farm.submitter(j.created_by), j.id)),
            SortBy::Updated => jobs.sort_by_key(|j| (j.updated, j.id)),
            // Jobs without a prediction last.
            SortBy::Finish => {
                jobs.sort_by_key(|j| (j.eta.is_none(), j.eta.map(|e| e.finish), j.id));
            }
        }
        if self.descending {
            jobs.reverse();
        }
        jobs
    }

    /// Draws the view.
    pub fn ui(&mut self, ui: &mut egui::Ui, farm: &Farm, commands: &mut Vec<Command>) {
        ui.horizontal(|ui| {
            ui.view_heading("Jobs");
            ui.add_space(theme::GAP);
            let submit = ui
                .add_enabled(farm.may_submit(), egui::Button::new("Submit render…"))
                .on_disabled_hover_text(
                    "Clients and vendors do not submit renders: a job runs on the studio's \
                     render nodes",
                );
            if submit.clicked() {
                commands.push(Command::OpenSubmit);
            }
        });
        self.filters_ui(ui, farm);
        self.selected.retain(|id| farm.jobs.contains_key(id));
        self.actions_ui(ui, farm, commands);
        ui.separator();
        if !farm.loaded {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Loading jobs…");
            });
            return;
        }
        let jobs = self.visible(farm);
        if jobs.is_empty() {
            ui.weak_label(if farm.jobs.is_empty() {
                "No jobs yet. Submit a render to start."
            } else {
                "No job matches the filters."
            });
            return;
        }
        self.table_ui(ui, farm, &jobs, commands);
    }

    fn filters_ui(&mut self, ui: &mut egui::Ui, farm: &Farm) {
        ui.horizontal(|ui| {
            let label = ui.label("Search");
            ui.add(egui::TextEdit::singleline(&mut self.text).desired_width(160.0))
                .labelled_by(label.id);
            let label = ui.label("Status");
            egui::ComboBox::from_id_salt("jobs-status")
                .selected_text(self.status.map_or("any", JobStatus::as_str))
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.status, None, "any");
                    for &status in JobStatus::ALL {
                        ui.selectable_value(&mut self.status, Some(status), status.as_str());
                    }
                })
                .response
                .labelled_by(label.id);
            let label = ui.label("Project");
            egui::ComboBox::from_id_salt("jobs-project")
                .selected_text(
                    self.project
                        .map_or_else(|| "any".into(), |p| farm.project_name(p)),
                )
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.project, None, "any");
                    for project in &farm.projects {
                        ui.selectable_value(&mut self.project, Some(project.id), &project.name);
                    }
                })
                .response
                .labelled_by(label.id);
            let label = ui.label("Submitter");
            egui::ComboBox::from_id_salt("jobs-submitter")
                .selected_text(
                    self.submitter
                        .map_or_else(|| "any".into(), |u| farm.submitter(u)),
                )
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.submitter, None, "any");
                    // Built only while the list is open.
                    let mut submitters: Vec<(String, UserId)> = farm
                        .jobs
                        .values()
                        .map(|j| j.created_by)
                        .collect::<std::collections::HashSet<_>>()
                        .into_iter()
                        .map(|id| (farm.submitter(id), id))
                        .collect();
                    submitters.sort_by(|a, b| a.0.cmp(&b.0));
                    for (name, id) in submitters {
                        ui.selectable_value(&mut self.submitter, Some(id), name);
                    }
                })
                .response
                .labelled_by(label.id);
        });
    }

    fn actions_ui(&mut self, ui: &mut egui::Ui, farm: &Farm, commands: &mut Vec<Command>) {
        let ids: Vec<JobId> = self.selected.iter().copied().collect();
        let controllable = !ids.is_empty()
            && ids
                .iter()
                .all(|id| farm.jobs.get(id).is_some_and(|j| farm.may_control(j)));
        ui.horizontal(|ui| {
            ui.label(format!("{} selected", ids.len()));
            if ids.is_empty() || !controllable {
                if !ids.is_empty() {
                    ui.weak_label("(you may only control your own jobs)");
                }
                return;
            }
            for (label, command) in super::JOB_ACTIONS {
                // Sent to the selected jobs that take it, so one finished job among them does
                // not stop the others.
                let takers: Vec<JobId> = ids
                    .iter()
                    .copied()
                    .filter(|id| farm.jobs.get(id).is_some_and(|j| j.takes(command)))
                    .collect();
                let button = ui
                    .add_enabled(!takers.is_empty(), egui::Button::new(label))
                    .on_disabled_hover_text("none of the selected jobs can be sent this");
                if button.clicked() {
                    commands.push(Command::JobCommand {
                        ids: takers,
                        command,
                        priority: None,
                    });
                }
            }
            ui.separator();
            let label = ui.label("Priority");
            ui.add(egui::DragValue::new(&mut self.priority).range(0..=100))
                .labelled_by(label.id);
            if ui.button("Set priority").clicked() {
                commands.push(Command::JobCommand {
                    ids: ids.clone(),
                    command: JobCommand::SetPriority,
                    priority: Some(self.priority),
                });
            }
            ui.separator();
            if ui.button("Delete…").clicked() {
                self.confirm_delete = true;
            }
        });
        if self.confirm_delete {
            let modal = egui::Modal::new(egui::Id::unique("confirm-delete")).show(ui.ctx(), |ui| {
                ui.view_heading("Delete jobs?");
                ui.label(format!(
                    "Delete {} job(s) with their tasks, logs and previews? This cannot be undone.",
                    ids.len()
                ));
                ui.horizontal(|ui| {
                    if ui.button("Delete").clicked() {
                        commands.push(Command::DeleteJobs(ids.clone()));
                        self.selected.clear();
                        self.confirm_delete = false;
                    }
                    if ui.button("Keep them").clicked() {
                        self.confirm_delete = false;
                    }
                });
            });
            if modal.should_close() {
                self.confirm_delete = false;
            }
        }
    }

    fn header(&mut self, ui: &mut egui::Ui, label: &str, sort: SortBy) {
        let button = egui::Button::new(egui::RichText::new(label).strong()).frame(false);
        if ui.add(button).clicked() {
            if self.sort == sort {
                self.descending = !self.descending;
            } else {
                self.sort = sort;
                self.descending = false;
            }
        }
        if self.sort == sort {
            // A painted arrow: the default fonts have no arrow glyphs.
            let (rect, _) = ui.allocate_exact_size(egui::vec2(8.0, 8.0), egui::Sense::hover());
            let (top, bottom) = (rect.top(), rect.bottom());
            let points = if self.descending {
                vec![
                    rect.left_top(),
                    rect.right_top(),
                    egui::pos2(rect.center().x, bottom),
                ]
            } else {
                vec![
                    rect.left_bottom(),
                    rect.right_bottom(),
                    egui::pos2(rect.center().x, top),
                ]
            };
            let color = ui.visuals().strong_text_color();
            ui.painter().add(egui::Shape::convex_polygon(
                points,
                color,
                egui::Stroke::NONE,
            ));
        }
    }

    fn table_ui(
        &mut self,
        ui: &mut egui::Ui,
        farm: &Farm,
        jobs: &[&Job],
        commands: &mut Vec<Command>,
    ) {
        let columns = [
            ("Status", SortBy::Status),
            ("Name", SortBy::Name),
            ("Project", SortBy::Project),
            ("Progress", SortBy::Progress),
            ("Finish", SortBy::Finish),
            ("Priority", SortBy::Priority),
            ("Submitter", SortBy::Submitter),
            ("Updated", SortBy::Updated),
        ];
        // Clicks belong to rows, not to the text in them.
        ui.style_mut().interaction.selectable_labels = false;
        TableBuilder::new(ui)
            .striped(true)
            .sense(egui::Sense::click())
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::exact(90.0))
            .column(Column::remainder().at_least(160.0).clip(true))
            .column(Column::auto().at_least(90.0))
            .column(Column::exact(theme::PROGRESS_WIDTH + 8.0))
            .column(Column::auto().at_least(110.0))
            .column(Column::auto().at_least(60.0))
            .column(Column::auto().at_least(120.0))
            .column(Column::auto().at_least(80.0))
            .header(theme::HEADER_HEIGHT, |mut header| {
                for (label, sort) in columns {
                    header.col(|ui| self.header(ui, label, sort));
                }
            })
            .body(|body| {
                body.rows(theme::ROW_HEIGHT, jobs.len(), |mut row| {
                    let job = jobs[row.index()];
                    row.set_selected(self.selected.contains(&job.id));
                    row.col(|ui| {
                        ui.job_chip(job);
                    });
                    row.col(|ui| {
                        ui.label(&job.name);
                    });
                    row.col(|ui| {
                        ui.label(farm.project_name(job.project_id));
                    });
                    row.col(|ui| {
                        ui.job_progress(&job.progress, theme::PROGRESS_WIDTH);
                    });
                    row.col(|ui| {
                        if let Some(eta) = &job.eta {
                            ui.label(theme::finish_words(
                                eta.finish,
                                time::OffsetDateTime::now_utc(),
                            ))
                            .on_hover_text(if eta.runs == 0 {
                                format!(
                                    "from earlier renders of the same file or shot: {} a task",
                                    theme::duration_words(eta.task_ms / 1000)
                                )
                            } else {
                                format!(
                                    "at the pace of its {} finished task(s), {} each",
                                    eta.runs,
                                    theme::duration_words(eta.task_ms / 1000)
                                )
                            });
                        }
                    });
                    row.col(|ui| {
                        ui.label(job.priority.to_string());
                    });
                    row.col(|ui| {
                        ui.label(farm.submitter(job.created_by));
                    });
                    row.col(|ui| {
                        ui.label(ago(job.updated));
                    });
                    let response = row.response();
                    if response.double_clicked() {
                        commands.push(Command::OpenJob(job.id));
                    } else if response.clicked() {
                        let extend = response
                            .ctx
                            .input(|i| i.modifiers.command || i.modifiers.shift);
                        if !extend {
                            self.selected.clear();
                        }
                        if !self.selected.remove(&job.id) {
                            self.selected.insert(job.id);
                        }
                    }
                });
            });
    }

    /// Selects jobs (tests and keyboard use).
    pub fn select(&mut self, ids: impl IntoIterator<Item = JobId>) {
        self.selected = ids.into_iter().collect();
    }
}

fn share(job: &Job) -> f64 {
    job.progress.completed as f64 / job.progress.total.max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests::{farm, job_in};
    use drover_shared::Role;
    use egui_kittest::Harness;
    use egui_kittest::kittest::{NodeT, Queryable};

    type State = (JobsView, Farm, Vec<Command>);

    /// The Jobs view alone on a hand-built farm, these jobs selected.
    fn harness(farm: Farm, selected: &[i64]) -> Harness<'static, State> {
        let mut view = JobsView::default();
        view.select(selected.iter().copied().map(JobId));
        let mut harness = Harness::builder()
            .with_size([1200.0, 600.0])
            .build_ui_state(
                |ui, (view, farm, commands): &mut State| view.ui(ui, farm, commands),
                (view, farm, Vec::new()),
            );
        harness.run_steps(2);
        harness
    }

    fn enabled(h: &Harness<'static, State>, label: &str) -> bool {
        !h.get_by_label(label).accesskit_node().is_disabled()
    }

    #[test]
    fn the_toolbar_sends_each_command_to_the_selected_jobs_that_take_it() {
        let jobs = vec![
            job_in(1, JobStatus::Queued, 0),
            job_in(2, JobStatus::Paused, 0),
            job_in(3, JobStatus::Completed, 0),
        ];
        let mut h = harness(farm(Role::Manager, jobs), &[1, 2, 3]);
        h.get_by_label("3 selected");
        assert!(enabled(&h, "Pause") && enabled(&h, "Resume") && enabled(&h, "Cancel"));
        assert!(
            !enabled(&h, "Requeue failed"),
            "no selected job has a failed task"
        );
        h.get_by_label("Cancel").click();
        h.run_steps(2);
        h.get_by_label("Pause").click();
        h.run_steps(2);
        let sent: Vec<(Vec<JobId>, JobCommand)> = h
            .state()
            .2
            .iter()
            .filter_map(|c| match c {
                Command::JobCommand { ids, command, .. } => Some((ids.clone(), *command)),
                _ => None,
            })
            .collect();
        assert_eq!(
            sent,
            [
                (vec![JobId(1), JobId(2)], JobCommand::Cancel),
                (vec![JobId(1)], JobCommand::Pause),
            ],
            "the finished job is left out, and only the queued one pauses"
        );
    }

    #[test]
    fn a_failed_job_offers_its_failed_tasks_again_and_nothing_else() {
        let h = harness(
            farm(Role::Manager, vec![job_in(1, JobStatus::Failed, 2)]),
            &[1],
        );
        assert!(enabled(&h, "Requeue failed"));
        for label in ["Pause", "Resume", "Cancel"] {
            assert!(!enabled(&h, label), "{label}");
        }
    }

    #[test]
    fn an_artist_controls_only_their_own_jobs() {
        let h = harness(
            farm(Role::Artist, vec![job_in(1, JobStatus::Queued, 0)]),
            &[1],
        );
        h.get_by_label("(you may only control your own jobs)");
        assert!(h.query_by_label("Pause").is_none());
        assert!(h.state().2.is_empty());
    }
}
