//! Workers: name, status, current task, last seen, host facts and tags; managers can ask a
//! worker to sleep, wake or shut down, now or after its current task.

use crate::command::Command;
use crate::model::Farm;
use crate::theme::{self, Toned, UiExt};
use crate::views::ago;
use drover_shared::api::Worker;
use drover_shared::{Role, WorkerStatus};
use egui_extras::{Column, TableBuilder};

/// Draws the view.
pub fn ui(ui: &mut egui::Ui, farm: &Farm, commands: &mut Vec<Command>) {
    ui.view_heading("Workers");
    if farm.workers.is_empty() {
        ui.weak_label(
            "No worker has joined yet. Start a local farm with \"Render on this computer\", or run \
             `drover-worker --server URL --token JOIN_TOKEN` on a render node.",
        );
        return;
    }
    let may_control = farm.role().allows(Role::Manager);
    let workers: Vec<&Worker> = farm.workers.values().collect();
    ui.style_mut().interaction.selectable_labels = false;
    TableBuilder::new(ui)
        .striped(true)
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::auto().at_least(160.0).clip(true))
        .column(Column::exact(90.0))
        .column(Column::auto().at_least(120.0))
        .column(Column::auto().at_least(80.0))
        .column(Column::auto().at_least(90.0))
        .column(Column::exact(50.0))
        .column(Column::auto().at_least(110.0))
        .column(Column::exact(50.0))
        .column(Column::auto().at_least(60.0))
        .column(Column::remainder().at_least(200.0))
        .header(theme::HEADER_HEIGHT, |mut header| {
            for label in [
                "Name",
                "Status",
                "Task",
                "Last seen",
                "OS",
                "Cores",
                "Memory",
                "Load",
                "Tags",
                "",
            ] {
                header.col(|ui| {
                    ui.strong(label);
                });
            }
        })
        .body(|body| {
            body.rows(theme::ROW_HEIGHT, workers.len(), |mut row| {
                let worker = workers[row.index()];
                let facts = &worker.facts;
                row.col(|ui| {
                    ui.label(&worker.name);
                });
                row.col(|ui| {
                    ui.status_chip(worker.status.as_str(), worker.status.tone());
                });
                row.col(|ui| {
                    ui.label(
                        worker
                            .task_id
                            .map_or_else(String::new, |t| format!("task {t}")),
                    );
                });
                row.col(|ui| {
                    ui.label(worker.last_seen.map_or_else(|| "never".into(), ago));
                });
                row.col(|ui| {
                    ui.label(&facts.os);
                });
                row.col(|ui| {
                    ui.label(facts.cores.to_string());
                });
                row.col(|ui| {
                    ui.label(format!(
                        "{} / {}",
                        gib(facts.memory_used_bytes),
                        gib(facts.memory_total_bytes)
                    ));
                });
                row.col(|ui| {
                    ui.label(format!("{:.2}", facts.load_1m));
                });
                row.col(|ui| {
                    ui.label(worker.tags.join(", "));
                });
                row.col(|ui| {
                    if may_control {
                        controls_ui(ui, worker, commands);
                    }
                });
            });
        });
}

fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / f64::from(1u32 << 30))
}

fn controls_ui(ui: &mut egui::Ui, worker: &Worker, commands: &mut Vec<Command>) {
    if let Some(requested) = worker.requested_status {
        ui.weak_label(format!(
            "asked: {requested}{}",
            if worker.requested_after_current_task {
                " after task"
            } else {
                ""
            }
        ));
        return;
    }
    let mut ask = |status: WorkerStatus, after_current_task: bool| {
        commands.push(Command::SetWorker {
            id: worker.id,
            status,
            after_current_task,
        });
    };
    match worker.status {
        WorkerStatus::Offline => {}
        WorkerStatus::Asleep => {
            if ui.small_button("Wake").clicked() {
                ask(WorkerStatus::Idle, false);
            }
        }
        _ => {
            ui.menu_button("Sleep", |ui| {
                if ui.button("Now").clicked() {
                    ask(WorkerStatus::Asleep, false);
                }
                if ui.button("After its task").clicked() {
                    ask(WorkerStatus::Asleep, true);
                }
            });
        }
    }
    if worker.status != WorkerStatus::Offline {
        ui.menu_button("Shut down", |ui| {
            if ui.button("Now").clicked() {
                ask(WorkerStatus::Offline, false);
            }
            if ui.button("After its task").clicked() {
                ask(WorkerStatus::Offline, true);
            }
        });
    }
}
