//! Workers: name, status, current task, last seen, host facts and tags; managers can ask a
//! worker to sleep, wake or shut down, now or after its current task, and give it a sleep
//! schedule (the days and hours it takes no work), edited in a window.

use crate::command::Command;
use crate::model::Farm;
use crate::theme::{self, Toned, UiExt};
use crate::views::ago;
use drover_shared::api::{WEEKDAYS, Worker, WorkerSchedule};
use drover_shared::{Role, WorkerId, WorkerStatus};
use egui_extras::{Column, TableBuilder};

/// A sleep schedule being edited: read from the server first, then saved.
enum Editing {
    /// Being read.
    Loading,
    /// As the person edits it.
    Draft(WorkerSchedule),
}

/// The Workers view's state: the sleep schedule open in its window, if any.
#[derive(Default)]
pub struct WorkersView {
    editing: Option<(WorkerId, Editing)>,
}

impl WorkersView {
    /// A worker's schedule arrived: it is edited, if that worker's window is still open.
    pub fn take_schedule(&mut self, worker: WorkerId, schedule: WorkerSchedule) {
        if let Some((id, editing)) = &mut self.editing
            && *id == worker
        {
            *editing = Editing::Draft(schedule);
        }
    }

    /// The schedule was saved (or could not be read): its window closes.
    pub fn close(&mut self, worker: WorkerId) {
        if self.editing.as_ref().is_some_and(|(id, _)| *id == worker) {
            self.editing = None;
        }
    }

    /// Draws the view, and the schedule window when one is open.
    pub fn ui(&mut self, ui: &mut egui::Ui, farm: &Farm, commands: &mut Vec<Command>) {
        table_ui(ui, farm, commands);
        let opened = commands.iter().find_map(|c| match c {
            Command::EditSchedule(worker) => Some(*worker),
            _ => None,
        });
        if let Some(worker) = opened {
            self.editing = Some((worker, Editing::Loading));
        }
        self.schedule_window(ui.ctx(), farm, commands);
    }

    fn schedule_window(&mut self, ctx: &egui::Context, farm: &Farm, commands: &mut Vec<Command>) {
        let Some((worker, editing)) = &mut self.editing else {
            return;
        };
        let worker = *worker;
        let name = farm
            .workers
            .get(&worker)
            .map_or_else(|| format!("worker {worker}"), |w| w.name.clone());
        let mut open = true;
        let mut done = false;
        egui::Window::new(format!("Sleep schedule of {name}"))
            .collapsible(false)
            .resizable(false)
            .open(&mut open)
            .show(ctx, |ui| {
                let Editing::Draft(draft) = editing else {
                    ui.spinner();
                    return;
                };
                ui.checkbox(&mut draft.active, "Sleep on a schedule");
                ui.add_enabled_ui(draft.active, |ui| {
                    ui.horizontal(|ui| {
                        for day in WEEKDAYS {
                            let mut on = draft.days.iter().any(|d| d == day);
                            if ui.toggle_value(&mut on, day).changed() {
                                draft.days.retain(|d| d != day);
                                if on {
                                    draft.days.push(day.to_owned());
                                }
                                draft.days.sort_by_key(|d| {
                                    WEEKDAYS.iter().position(|w| w == d).unwrap_or(7)
                                });
                            }
                        }
                    });
                    ui.horizontal(|ui| {
                        let label = ui.label("from");
                        ui.add(egui::TextEdit::singleline(&mut draft.start).desired_width(50.0))
                            .labelled_by(label.id);
                        let label = ui.label("to");
                        ui.add(egui::TextEdit::singleline(&mut draft.end).desired_width(50.0))
                            .labelled_by(label.id);
                        let label = ui.label("at UTC +");
                        let mut hours = f64::from(draft.utc_offset_minutes) / 60.0;
                        ui.add(
                            egui::DragValue::new(&mut hours)
                                .range(-14.0..=14.0)
                                .speed(0.25)
                                .fixed_decimals(2),
                        )
                        .labelled_by(label.id);
                        draft.utc_offset_minutes = (hours * 4.0).round() as i32 * 15;
                    });
                    ui.weak_label(
                        "It takes no work then: a running task finishes first. A window \
                         past midnight (22:00 to 06:00) belongs to the day it starts.",
                    );
                });
                let problem = draft.check().err();
                if let Some(problem) = &problem {
                    ui.colored_label(theme::error_color(), problem);
                }
                ui.horizontal(|ui| {
                    if ui
                        .add_enabled(problem.is_none(), egui::Button::new("Save"))
                        .clicked()
                    {
                        // The window stays until the server took it (a refusal keeps the draft).
                        commands.push(Command::SaveSchedule(worker, draft.clone()));
                    }
                    if ui.button("Cancel").clicked() {
                        done = true;
                    }
                });
            });
        if !open || done {
            self.editing = None;
        }
    }
}

/// The table of workers.
fn table_ui(ui: &mut egui::Ui, farm: &Farm, commands: &mut Vec<Command>) {
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
    if ui
        .small_button("Schedule…")
        .on_hover_text("the days and hours it takes no work")
        .clicked()
    {
        commands.push(Command::EditSchedule(worker.id));
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests::farm as farm_as;
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    type State = (WorkersView, Farm, Vec<Command>);

    fn node(id: i64) -> Worker {
        Worker {
            id: WorkerId(id),
            name: format!("node-{id}"),
            status: WorkerStatus::Idle,
            last_seen: None,
            created: time::OffsetDateTime::UNIX_EPOCH,
            tags: Vec::new(),
            task_types: Vec::new(),
            version: String::new(),
            facts: drover_shared::protocol::HostFacts::default(),
            task_id: None,
            requested_status: None,
            requested_after_current_task: false,
            watts: None,
        }
    }

    #[test]
    fn a_managers_schedule_is_read_edited_and_saved() {
        let mut farm = farm_as(Role::Manager, Vec::new());
        farm.workers.insert(WorkerId(3), node(3));
        let mut h = Harness::builder()
            .with_size([1300.0, 700.0])
            .build_ui_state(
                |ui, (view, farm, commands): &mut State| view.ui(ui, farm, commands),
                (WorkersView::default(), farm, Vec::new()),
            );
        h.run_steps(2);
        h.get_by_label("Schedule…").click();
        h.run_steps(2);
        assert!(matches!(
            h.state().2.as_slice(),
            [Command::EditSchedule(WorkerId(3))]
        ));
        h.state_mut().2.clear();
        // The schedule arrives (the default: office hours on weekdays, off).
        h.state_mut()
            .0
            .take_schedule(WorkerId(3), WorkerSchedule::default());
        h.run_steps(2);
        h.get_by_label("Sleep schedule of node-3");
        h.get_by_label("Sleep on a schedule").click();
        h.run_steps(2);
        h.get_by_label("sa").click();
        h.run_steps(2);
        h.get_by_label("Save").click();
        h.run_steps(2);
        let [Command::SaveSchedule(WorkerId(3), saved)] = h.state().2.as_slice() else {
            panic!("one save, not {:?}", h.state().2);
        };
        assert!(saved.active);
        assert_eq!(saved.days, ["mo", "tu", "we", "th", "fr", "sa"]);
        assert_eq!(
            (saved.start.as_str(), saved.end.as_str()),
            ("09:00", "18:00")
        );
        // Saved: the window closes.
        h.state_mut().0.close(WorkerId(3));
        h.run_steps(2);
        assert!(h.query_by_label("Sleep schedule of node-3").is_none());
    }
}
