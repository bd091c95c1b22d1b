//! One job: its settings, its tasks (a virtualised table: a job of 100,000 tasks scrolls
//! smoothly), the last-rendered preview, the blocklist, and the selected task's log following
//! the live tail; beside the tasks, the Outputs tab (`job_outputs.rs`).

use crate::command::Command;
use crate::command::PreviewKey;
use crate::model::{Farm, OpenJob};
use crate::production::ProductionTask;
use crate::theme::{self, UiExt};
use crate::views::job_deps::DependenciesRow;
use crate::views::job_frames::FramesRow;
use crate::views::job_outputs::OutputsTab;
use crate::views::{JOB_ACTIONS, PreviewLookup, ago};
use drover_shared::api::{Job, JobKind, PreviewSize};
use drover_shared::{JobCommand, ProductionTaskId, TaskStatus};

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

mod tasks;
use tasks::Picked;
#[cfg(test)]
mod tests;
