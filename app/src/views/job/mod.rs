//! One job: its settings, its tasks (a virtualised table: a job of 100,000 tasks scrolls
//! smoothly), the last-rendered preview, the blocklist, and the selected task's log following
//! the live tail; beside the tasks, the Outputs tab (`job_outputs.rs`).

use crate::command::Command;
use crate::command::PreviewKey;
use crate::model::{Farm, OpenJob};
use crate::production::ProductionTask;
use crate::theme::{self, Toned, UiExt};
use crate::views::job_deps::DependenciesRow;
use crate::views::job_frames::FramesRow;
use crate::views::job_outputs::OutputsTab;
use crate::views::{JOB_ACTIONS, PreviewLookup, ago};
use drover_shared::api::{Job, JobKind, PreviewSize};
use drover_shared::{JobCommand, ProductionTaskId, TaskAction, TaskStatus};
use egui_extras::{Column, TableBuilder};

/// The Job view's state.
#[derive(Default)]
pub struct JobView {
    status: Option<TaskStatus>,
    /// Indices into the open job's tasks passing the filter, and what they were computed from.
    rows: Vec<usize>,
    rows_key: Option<(drover_shared::JobId, u64, Option<TaskStatus>)>,
    /// The first task row drawn in the last frame (the table only draws what is visible).
    first_visible: usize,
    follow_log: bool,
    /// "Render again?" is asked.
    confirm_rerun: bool,
    /// The tab shown.
    tab: Tab,
    /// The Outputs tab.
    pub outputs: OutputsTab,
    /// What the job waits for, and its editor.
    dependencies: DependenciesRow,
    /// "Change frames…".
    frames: FramesRow,
    /// Tasks picked in the table (Ctrl-click adds or removes one, Shift-click a run of
    /// rows), with the job they belong to; the context menu acts on them.
    picked: Picked,
}

/// The tasks picked in the table.
#[derive(Debug, Default)]
struct Picked {
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

/// The Job view's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    /// The tasks and the selected one's log.
    #[default]
    Tasks,
    /// The files the job's tasks uploaded.
    Outputs,
}

impl JobView {
    /// A view that follows the log tail.
    pub fn new() -> Self {
        Self {
            follow_log: true,
            ..Self::default()
        }
    }

    /// The first task row drawn in the last frame.
    pub fn first_visible_row(&self) -> usize {
        self.first_visible
    }

    /// The tab shown.
    pub fn tab(&self) -> Tab {
        self.tab
    }

    /// Draws the view; `previews` gives cached images (the session's); `local` when the farm
    /// runs in this app.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        farm: &Farm,
        preview: &PreviewLookup<'_>,
        local: bool,
        commands: &mut Vec<Command>,
    ) {
        let Some(open) = &farm.open_job else {
            ui.view_heading("Job");
            ui.weak_label("Double-click a job in Jobs to open it here.");
            return;
        };
        let Some(job) = farm.jobs.get(&open.job_id) else {
            ui.view_heading("Job");
            ui.weak_label("This job is gone.");
            return;
        };
        self.header_ui(ui, farm, job, commands);
        self.tabs_ui(ui, open);
        egui::Panel::right("job-side")
            .resizable(true)
            .default_size(theme::PREVIEW_WIDTH + 16.0)
            .show(ui, |ui| {
                side_ui(ui, farm, job, open, preview, commands);
            });
        match self.tab {
            Tab::Tasks => {
                egui::Panel::bottom("job-log")
                    .resizable(true)
                    .default_size(220.0)
                    .show(ui, |ui| self.log_ui(ui, open));
                egui::CentralPanel::default()
                    .show(ui, |ui| self.tasks_ui(ui, farm, open, commands));
            }
            Tab::Outputs => {
                egui::CentralPanel::default()
                    .show(ui, |ui| self.outputs.ui(ui, job, open, local, commands));
            }
        }
    }

    /// The tab bar: Tasks, Outputs (with their count once known).
    fn tabs_ui(&mut self, ui: &mut egui::Ui, open: &OpenJob) {
        ui.horizontal(|ui| {
            ui.selectable_value(&mut self.tab, Tab::Tasks, "Tasks");
            let outputs = match open.outputs.list().len() {
                0 => "Outputs".to_owned(),
                n => format!("Outputs ({n})"),
            };
            if ui
                .selectable_label(self.tab == Tab::Outputs, outputs)
                .clicked()
                && self.tab != Tab::Outputs
            {
                self.tab = Tab::Outputs;
                self.outputs.opened();
            }
        });
    }
}

impl JobView {
    fn header_ui(
        &mut self,
        ui: &mut egui::Ui,
        farm: &Farm,
        job: &Job,
        commands: &mut Vec<Command>,
    ) {
        let mut change_frames = false;
        header_ui(
            ui,
            farm,
            job,
            commands,
            &mut self.confirm_rerun,
            &mut change_frames,
        );
        if change_frames {
            self.frames.open(job);
        }
        self.frames.ui(ui, job, commands);
        self.dependencies.ui(ui, farm, job, commands);
        if let Some(archived) = job.archived {
            ui.weak_label(format!(
                "Archived {} by housekeeping: its logs, last-rendered pictures and outputs \
                 were removed.",
                crate::views::ago(archived)
            ));
        }
        ui.separator();
        if self.confirm_rerun {
            self.confirm_rerun_ui(ui, job, commands);
        }
    }

    /// Asks before a finished job renders every frame again (the server's `reset`).
    fn confirm_rerun_ui(&mut self, ui: &mut egui::Ui, job: &Job, commands: &mut Vec<Command>) {
        let modal = egui::Modal::new(egui::Id::unique("confirm-rerun")).show(ui.ctx(), |ui| {
            ui.view_heading("Render again?");
            ui.label(format!(
                "Every task of “{}” runs again, and the frames it wrote are overwritten.",
                job.name
            ));
            if job.production_task_id.is_some() {
                ui.label("The new result is posted on its production task as a new version.");
            }
            ui.horizontal(|ui| {
                if ui.button("Render again").clicked() {
                    commands.push(Command::JobCommand {
                        ids: vec![job.id],
                        command: JobCommand::RenderAgain,
                        priority: None,
                    });
                    self.confirm_rerun = false;
                }
                if ui.button("Keep it").clicked() {
                    self.confirm_rerun = false;
                }
            });
        });
        if modal.should_close() {
            self.confirm_rerun = false;
        }
    }
}

/// Follow the job (be told when it ends), or stop. The submitter is told anyway.
fn follow_ui(ui: &mut egui::Ui, farm: &Farm, job: &Job, commands: &mut Vec<Command>) {
    let mine = farm.me.as_ref().is_some_and(|me| me.id == job.created_by);
    let follows = farm.notices.follows_job(job.id);
    let mut on = follows;
    ui.toggle_value(
        &mut on,
        if follows {
            "Following job"
        } else {
            "Follow job"
        },
    )
    .on_hover_text(if mine {
        "You submitted it: you are told when it ends (see Notifications)."
    } else {
        "Be told when this job completes or fails (see Notifications)."
    });
    if on != follows {
        commands.push(Command::FollowJob(job.id, on));
    }
}

fn header_ui(
    ui: &mut egui::Ui,
    farm: &Farm,
    job: &Job,
    commands: &mut Vec<Command>,
    confirm_rerun: &mut bool,
    change_frames: &mut bool,
) {
    ui.horizontal(|ui| {
        ui.view_heading(&job.name);
        ui.job_chip(job);
        ui.job_progress(&job.progress, 240.0);
        if farm.may_control(job) {
            ui.separator();
            for (label, command) in JOB_ACTIONS {
                let button = ui
                    .add_enabled(job.takes(command), egui::Button::new(label))
                    .on_disabled_hover_text(command.refusal(job.status));
                if button.clicked() {
                    commands.push(Command::JobCommand {
                        ids: vec![job.id],
                        command,
                        priority: None,
                    });
                }
            }
            // Flamenco's "requeue" of a finished job: a new render, e.g. after a fix in the
            // scene. Offered only once the job ended, so a running one is not reset by a slip.
            let rerun = ui
                .add_enabled(job.status.is_finished(), egui::Button::new("Render again…"))
                .on_disabled_hover_text("once the job has ended");
            if rerun.clicked() {
                *confirm_rerun = true;
            }
        }
        ui.separator();
        follow_ui(ui, farm, job, commands);
    });
    ui.horizontal_wrapped(|ui| {
        let mut words = vec![format!(
            "#{} · {} · priority {} · by {} · {}",
            job.id,
            farm.project_name(job.project_id),
            job.priority,
            farm.submitter(job.created_by),
            job.tag
                .as_deref()
                .map_or_else(|| "any worker".to_owned(), |t| format!("tag {t}")),
        )];
        if let Some(most) = job.max_workers {
            words.push(format!("at most {most} worker(s) at once"));
        }
        if let Some(secs) = job.task_timeout_secs {
            words.push(format!("a task may be silent {secs} s"));
        }
        if !job.limits.is_empty() {
            words.push(format!("limits: {}", job.limits.join(", ")));
        }
        if let Some(eta) = &job.eta {
            words.push(format!(
                "finishes {}",
                theme::finish_words(eta.finish, time::OffsetDateTime::now_utc())
            ));
        }
        ui.weak_label(words.join(" · "));
    });
    ui.horizontal_wrapped(|ui| {
        match &job.kind {
            JobKind::BlenderRender(s) => {
                ui.weak_label(format!(
                    "Blender · {} · frames {} (chunks of {}) · {} to {}{}",
                    s.blend_file,
                    s.frames,
                    s.chunk_size,
                    format_name(s.format),
                    s.output,
                    if s.video { " · video" } else { "" }
                ));
            }
            JobKind::Command(s) => {
                ui.weak_label(format!(
                    "command · {} · frames {} (chunks of {})",
                    s.argv.join(" "),
                    s.frames,
                    s.chunk_size
                ));
            }
        }
        if farm.may_control(job) && ui.small_button("Change frames…").clicked() {
            *change_frames = true;
        }
    });
}

impl JobView {
    fn tasks_ui(
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

    fn log_ui(&mut self, ui: &mut egui::Ui, open: &OpenJob) {
        ui.horizontal(|ui| {
            ui.strong("Log");
            match open.selected.and_then(|id| open.task(id)) {
                Some(task) => ui.weak_label(format!("task {} · {}", task.id, task.name)),
                None => ui.weak_label("click a task to see its log"),
            };
            ui.checkbox(&mut self.follow_log, "Follow");
            if open.selected.is_some() && !open.log_loaded {
                ui.spinner();
            }
        });
        egui::ScrollArea::vertical()
            .auto_shrink(false)
            .stick_to_bottom(self.follow_log)
            .show(ui, |ui| {
                ui.add(
                    egui::Label::new(egui::RichText::new(&open.log).monospace().size(12.0))
                        .wrap_mode(egui::TextWrapMode::Extend),
                );
            });
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

fn side_ui(
    ui: &mut egui::Ui,
    farm: &Farm,
    job: &Job,
    open: &OpenJob,
    preview: &PreviewLookup<'_>,
    commands: &mut Vec<Command>,
) {
    ui.strong("Last rendered");
    let key = PreviewKey {
        job_id: Some(job.id),
        size: PreviewSize::W600,
    };
    match preview(key, commands) {
        Some(texture) => {
            // Scaled to the panel's width, small renders included.
            let size = texture.size_vec2();
            let scale = theme::PREVIEW_WIDTH.min(ui.available_width()) / size.x.max(1.0);
            ui.add(
                egui::Image::new(&texture)
                    .fit_to_exact_size(size * scale)
                    .corner_radius(4),
            );
        }
        None => {
            ui.weak_label("No frame rendered yet.");
        }
    }
    if let Some(task) = &job.production_task_id {
        ui.add_space(theme::GAP);
        ui.separator();
        production_ui(ui, *task, open.production.as_ref());
    }
    ui.add_space(theme::GAP);
    ui.separator();
    ui.horizontal(|ui| {
        ui.strong("Blocklist");
        if !open.blocklist.is_empty() && farm.may_control(job) && ui.small_button("Clear").clicked()
        {
            commands.push(Command::ClearBlocklist(job.id));
        }
    });
    if open.blocklist.is_empty() {
        ui.weak_label("No worker is blocklisted for this job.");
    }
    for entry in &open.blocklist {
        ui.label(format!(
            "{} · {} · {}",
            entry.worker_name,
            entry.task_type,
            ago(entry.created)
        ));
    }
}

/// The production task the job renders for: where its review version lands when it ends.
fn production_ui(ui: &mut egui::Ui, id: ProductionTaskId, task: Option<&ProductionTask>) {
    ui.strong("Production task");
    match task {
        Some(task) => {
            ui.label(&task.title);
            ui.horizontal(|ui| {
                ui.status_chip(&task.status, theme::Tone::Waiting);
                ui.weak_label(match task.comments {
                    1 => "1 comment".to_owned(),
                    n => format!("{n} comments"),
                });
            });
        }
        None => {
            ui.weak_label("loading…");
        }
    }
    ui.horizontal(|ui| {
        ui.weak_label(id.to_string());
        if ui
            .small_button("Copy id")
            .on_hover_text("The Kitsu task id, for gazu scripts and Kitsu's search")
            .clicked()
        {
            ui.ctx().copy_text(id.to_string());
        }
    });
    ui.weak_label("When the job ends, its video or last frame is posted there for review.");
}

fn format_name(format: drover_shared::api::ImageFormat) -> &'static str {
    match format {
        drover_shared::api::ImageFormat::Png => "PNG",
        drover_shared::api::ImageFormat::Jpeg => "JPEG",
        drover_shared::api::ImageFormat::OpenExr => "OpenEXR",
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

#[cfg(test)]
mod tests;
