//! The Job view's task table: a virtualised table of the job's tasks (a job of 100,000
//! scrolls smoothly) with Ctrl- and Shift-click picking and its context menu (requeue, skip,
//! fail), and how long each task ran.

use super::JobView;
use crate::command::Command;
use crate::model::{Farm, OpenJob};
use crate::theme::{self, Toned, UiExt};
use crate::views::ago;
use drover_shared::{TaskAction, TaskStatus};
use egui_extras::{Column, TableBuilder};

/// The tasks picked in the table.
#[derive(Debug, Default)]
pub(super) struct Picked {
    job: Option<drover_shared::JobId>,
    tasks: std::collections::BTreeSet<drover_shared::TaskId>,
    /// The row index a Shift-click extends from.
    anchor: Option<usize>,
}

impl Picked {
    /// Applies a click on `row` (an index into the shown rows) holding `task`.
    fn click(&mut self, modifiers: egui::Modifiers, row: usize, rows: &[drover_shared::TaskId]) {
        let task = rows[row];
        if modifiers.shift
            && let Some(anchor) = self.anchor
        {
            let (from, to) = (anchor.min(row), anchor.max(row).min(rows.len() - 1));
            self.tasks.extend(&rows[from..=to]);
        } else if modifiers.command {
            if !self.tasks.remove(&task) {
                self.tasks.insert(task);
            }
            self.anchor = Some(row);
        } else {
            self.tasks.clear();
            self.tasks.insert(task);
            self.anchor = Some(row);
        }
    }
}

impl JobView {
    pub(super) fn tasks_ui(
        &mut self,
        ui: &mut egui::Ui,
        farm: &Farm,
        open: &OpenJob,
        commands: &mut Vec<Command>,
    ) {
        ui.horizontal(|ui| {
            let label = ui.label("Task status");
            egui::ComboBox::from_id_salt("task-status")
                .selected_text(self.status.map_or("any", TaskStatus::as_str))
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.status, None, "any");
                    for &status in TaskStatus::ALL {
                        ui.selectable_value(&mut self.status, Some(status), status.as_str());
                    }
                })
                .response
                .labelled_by(label.id);
            if open.loading {
                ui.add(
                    egui::ProgressBar::new(open.tasks.len() as f32 / open.total.max(1) as f32)
                        .desired_width(200.0)
                        .text(format!("loading tasks {}/{}", open.tasks.len(), open.total)),
                );
            } else {
                ui.weak_label(format!("{} tasks", open.tasks.len()));
            }
        });
        if self.picked.job != Some(open.job_id) {
            self.picked = Picked {
                job: Some(open.job_id),
                ..Picked::default()
            };
        }
        let key = (open.job_id, open.revision, self.status);
        if self.rows_key != Some(key) {
            self.rows.clear();
            self.rows.extend(
                open.tasks
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| self.status.is_none_or(|s| t.status == s))
                    .map(|(i, _)| i),
            );
            self.rows_key = Some(key);
        }
        // Clicks belong to rows, not to the text in them.
        ui.style_mut().interaction.selectable_labels = false;
        let may_control = farm
            .jobs
            .get(&open.job_id)
            .is_some_and(|j| farm.may_control(j));
        let expected_ms = farm
            .jobs
            .get(&open.job_id)
            .and_then(|j| j.eta)
            .map(|e| e.task_ms);
        TableBuilder::new(ui)
            .striped(true)
            .sense(egui::Sense::click())
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::exact(90.0))
            .column(Column::auto().at_least(90.0))
            .column(Column::auto().at_least(130.0).clip(true))
            .column(Column::exact(60.0))
            .column(Column::exact(70.0))
            .column(Column::auto().at_least(70.0))
            .column(Column::remainder().clip(true))
            .header(theme::HEADER_HEIGHT, |mut header| {
                for label in [
                    "Status", "Frames", "Worker", "Retries", "Duration", "Updated", "Activity",
                ] {
                    header.col(|ui| {
                        ui.strong(label);
                    });
                }
            })
            .body(|body| {
                let rows = &self.rows;
                let first_visible = &mut self.first_visible;
                let picked = &mut self.picked;
                *first_visible = usize::MAX;
                body.rows(theme::ROW_HEIGHT, rows.len(), |mut row| {
                    *first_visible = (*first_visible).min(row.index());
                    let index = row.index();
                    let task = &open.tasks[rows[index]];
                    row.set_selected(
                        picked.tasks.contains(&task.id) || open.selected == Some(task.id),
                    );
                    row.col(|ui| {
                        ui.status_chip(task.status.as_str(), task.status.tone());
                    });
                    row.col(|ui| {
                        if task.frame_start == task.frame_end {
                            ui.label(task.frame_start.to_string());
                        } else {
                            ui.label(format!("{}–{}", task.frame_start, task.frame_end));
                        }
                    });
                    row.col(|ui| {
                        let name = task
                            .worker_id
                            .and_then(|w| farm.workers.get(&w))
                            .map_or("", |w| w.name.as_str());
                        ui.label(name);
                    });
                    row.col(|ui| {
                        ui.label(task.failures.to_string());
                    });
                    row.col(|ui| {
                        ui.label(duration(task, expected_ms));
                    });
                    row.col(|ui| {
                        ui.label(ago(task.updated));
                    });
                    row.col(|ui| {
                        if task.status == TaskStatus::Active && task.steps_total > 0 {
                            ui.add(
                                egui::ProgressBar::new(
                                    task.steps_done as f32 / task.steps_total as f32,
                                )
                                .desired_width(80.0),
                            );
                        }
                        ui.label(&task.activity);
                    });
                    let response = row.response();
                    if response.clicked() {
                        let modifiers = response.ctx.input(|i| i.modifiers);
                        let ids: Vec<_> = rows.iter().map(|&i| open.tasks[i].id).collect();
                        picked.click(modifiers, index, &ids);
                        commands.push(Command::SelectTask(task.id));
                    }
                    if may_control {
                        response.context_menu(|ui| {
                            // The picked tasks when this row is one of them, else this row.
                            let ids: Vec<_> = if picked.tasks.contains(&task.id) {
                                picked.tasks.iter().copied().collect()
                            } else {
                                vec![task.id]
                            };
                            task_menu_ui(ui, open.job_id, &ids, commands);
                        });
                    }
                });
            });
    }

    /// The tasks picked in the table.
    pub fn picked_tasks(&self) -> Vec<drover_shared::TaskId> {
        self.picked.tasks.iter().copied().collect()
    }
}

/// The task table's context menu: requeue, skip or fail the tasks it was opened on.
fn task_menu_ui(
    ui: &mut egui::Ui,
    job: drover_shared::JobId,
    ids: &[drover_shared::TaskId],
    commands: &mut Vec<Command>,
) {
    let what = match ids.len() {
        1 => "this task".to_owned(),
        n => format!("{n} tasks"),
    };
    let actions = [
        (
            format!("Requeue {what}"),
            TaskAction::Requeue,
            "run again; a running one is stopped first",
        ),
        (
            format!("Skip {what}"),
            TaskAction::Skip,
            "mark done without rendering, e.g. frames rendered elsewhere",
        ),
        (
            format!("Fail {what}"),
            TaskAction::Fail,
            "fail for good; a running one is stopped",
        ),
    ];
    for (label, action, hint) in actions {
        if ui.button(label).on_hover_text(hint).clicked() {
            commands.push(Command::TaskAction {
                job,
                action,
                ids: ids.to_vec(),
            });
            ui.close();
        }
    }
}

/// How long the task ran (its last run), or has been running: "1:05", "12:30:00".
/// How long a task ran, and for a running one, how long its job's finished tasks took
/// ("1:20 of ~2:00": its expected end).
fn duration(task: &drover_shared::api::Task, expected_ms: Option<u64>) -> String {
    let ran = ran(task);
    match (task.status, expected_ms) {
        (TaskStatus::Active, Some(ms)) if !ran.is_empty() => {
            format!(
                "{ran} of ~{}",
                clock(i64::try_from(ms / 1000).unwrap_or(i64::MAX))
            )
        }
        _ => ran,
    }
}

/// "m:ss" or "h:mm:ss".
fn clock(secs: i64) -> String {
    if secs >= 3600 {
        format!("{}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
    } else {
        format!("{}:{:02}", secs / 60, secs % 60)
    }
}

/// How long a task ran (its last run), or nothing when that is not known.
fn ran(task: &drover_shared::api::Task) -> String {
    let Some(started) = task.started else {
        return String::new();
    };
    let end = match task.status {
        TaskStatus::Active => time::OffsetDateTime::now_utc(),
        TaskStatus::Completed | TaskStatus::Failed | TaskStatus::SoftFailed => task.updated,
        // Queued again, paused or canceled: the last run's length is not known.
        _ => return String::new(),
    };
    clock((end - started).whole_seconds().max(0))
}
