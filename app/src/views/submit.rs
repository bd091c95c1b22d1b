//! The submit dialog: a Blender render (the .blend and output folder picked with the system
//! dialog or typed) or a command job; frames, chunk size, format, priority, project, "submit
//! paused", "make a video", the production task the result is posted to (picked from the
//! person's own tasks, or pasted), and the jobs it waits for and the limits it keeps to
//! ([`crate::views::submit_scheduling`]). It checks what it can before sending (frame syntax, the
//! file exists on a local farm) and shows the server's message otherwise. It waits for the
//! answer to its own submission (by its `Ticket`) and nothing else: it closes when the job is
//! accepted, keeps the form with the server's words when it is refused.

use crate::command::{Command, PickTarget, Ticket};
use crate::model::Farm;
use crate::production::{MyTask, MyTasks, task_id_in};
use crate::theme::{self, UiExt};
use crate::views::Answered;
use crate::views::submit_scheduling::Scheduling;
use drover_shared::ProjectId;
use drover_shared::api::Job;
use drover_shared::api::{BlenderRenderSettings, CommandSettings, ImageFormat, JobKind, SubmitJob};
use drover_shared::frames::FrameSet;

/// What kind of job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Render a .blend.
    Blender,
    /// Run a command per chunk.
    Command,
}

/// The dialog's fields.
#[derive(Debug, Clone)]
pub struct SubmitDialog {
    /// Blender or command.
    pub kind: Kind,
    /// The job's name.
    pub name: String,
    /// The .blend.
    pub blend_file: String,
    /// The command line, `{start}`/`{end}` filled per task.
    pub command: String,
    /// Frames, e.g. `1-250` or `1-10,20`.
    pub frames: String,
    /// Frames per task.
    pub chunk_size: u32,
    /// Output folder.
    pub output_dir: String,
    /// Image format.
    pub format: ImageFormat,
    /// 0–100.
    pub priority: u8,
    /// The project.
    pub project: Option<ProjectId>,
    /// Submit without starting.
    pub paused: bool,
    /// Join the frames into an MP4.
    pub video: bool,
    /// The Kitsu task the render is for (optional): its result is posted there for review.
    pub production_task: String,
    /// Dependencies and limits.
    pub scheduling: Scheduling,
    /// Why the last attempt was refused here.
    pub error: Option<String>,
    /// The submission sent and waiting for the server's answer.
    sending: Option<Ticket>,
    /// The production task whose project was last picked for the job.
    followed_task: Option<drover_shared::ProductionTaskId>,
}

impl SubmitDialog {
    /// A dialog with sensible defaults for this farm.
    pub fn new(farm: &Farm) -> Self {
        Self {
            kind: Kind::Blender,
            name: String::new(),
            blend_file: String::new(),
            command: "echo frame {start} to {end}".into(),
            frames: "1-10".into(),
            chunk_size: 1,
            output_dir: String::new(),
            format: ImageFormat::Png,
            priority: 50,
            project: farm.projects.iter().find(|p| p.is_active).map(|p| p.id),
            paused: false,
            video: false,
            production_task: String::new(),
            scheduling: Scheduling::default(),
            error: None,
            sending: None,
            followed_task: None,
        }
    }

    /// Checks the fields and builds the job; `local` says the files must exist here.
    pub fn job(&self, local: bool) -> Result<SubmitJob, String> {
        let frames = self.frames.trim();
        let set = FrameSet::parse(frames).map_err(|e| format!("frames: {e}"))?;
        set.chunk_count(self.chunk_size.max(1))
            .map_err(|e| format!("frames: {e}"))?;
        let project_id = self
            .project
            .ok_or("choose a project (create one in Projects)")?;
        let kind = match self.kind {
            Kind::Blender => {
                let blend = self.blend_file.trim();
                if blend.is_empty() {
                    return Err("choose a .blend file".into());
                }
                if local && !std::path::Path::new(blend).is_file() {
                    return Err(format!("{blend} does not exist"));
                }
                let output_dir = self.output_dir.trim();
                if output_dir.is_empty() {
                    return Err("choose an output folder".into());
                }
                JobKind::BlenderRender(BlenderRenderSettings {
                    blend_file: blend.to_owned(),
                    frames: frames.to_owned(),
                    chunk_size: self.chunk_size.max(1),
                    output: format!("{}/{}", output_dir.trim_end_matches('/'), "frame_####"),
                    format: self.format,
                    scene: None,
                    video: self.video,
                    fps: None,
                    auto_run_python: false,
                })
            }
            Kind::Command => {
                let argv: Vec<String> =
                    self.command.split_whitespace().map(str::to_owned).collect();
                if argv.is_empty() {
                    return Err("type the command to run".into());
                }
                JobKind::Command(CommandSettings {
                    argv,
                    frames: frames.to_owned(),
                    chunk_size: self.chunk_size.max(1),
                })
            }
        };
        let production_task_id = match self.production_task.trim() {
            "" => None,
            task => Some(task_id_in(task).ok_or_else(|| {
                format!("production task: `{task}` is not a Kitsu task id or task page")
            })?),
        };
        let name = match self.name.trim() {
            "" => default_name(&kind),
            name => name.to_owned(),
        };
        let mut job = SubmitJob {
            name,
            project_id,
            kind,
            priority: Some(self.priority),
            paused: self.paused,
            tag: None,
            production_task_id,
            files: Vec::new(),
            depends_on: Vec::new(),
            depend_mode: drover_shared::DependMode::Job,
            max_workers: None,
            task_timeout_secs: None,
            limits: Vec::new(),
        };
        self.scheduling.apply(&mut job)?;
        Ok(job)
    }

    /// Draws the dialog; false once the person closed it.
    pub fn ui(
        &mut self,
        ctx: &egui::Context,
        farm: &Farm,
        local: bool,
        commands: &mut Vec<Command>,
    ) -> bool {
        let mut open = true;
        egui::Window::new("Submit a render")
            .open(&mut open)
            .pivot(egui::Align2::CENTER_TOP)
            .default_pos(ctx.content_rect().center_top() + egui::vec2(0.0, 60.0))
            .collapsible(false)
            .resizable(false)
            .default_width(520.0)
            .show(ctx, |ui| self.form_ui(ui, farm, local, commands));
        open
    }

    fn form_ui(
        &mut self,
        ui: &mut egui::Ui,
        farm: &Farm,
        local: bool,
        commands: &mut Vec<Command>,
    ) {
        ui.horizontal(|ui| {
            ui.selectable_value(&mut self.kind, Kind::Blender, "Blender render");
            ui.selectable_value(&mut self.kind, Kind::Command, "Command");
        });
        egui::Grid::new("submit")
            .num_columns(2)
            .spacing([12.0, 8.0])
            .show(ui, |ui| {
                let label = ui.label("Name");
                ui.add(egui::TextEdit::singleline(&mut self.name).hint_text("from the file name"))
                    .labelled_by(label.id);
                ui.end_row();
                match self.kind {
                    Kind::Blender => {
                        let label = ui.label(".blend file");
                        ui.horizontal(|ui| {
                            ui.add(
                                egui::TextEdit::singleline(&mut self.blend_file)
                                    .desired_width(300.0),
                            )
                            .labelled_by(label.id);
                            if ui.button("Choose…").clicked() {
                                commands.push(Command::Pick(PickTarget::BlendFile));
                            }
                        });
                        ui.end_row();
                        let label = ui.label("Output folder");
                        ui.horizontal(|ui| {
                            ui.add(
                                egui::TextEdit::singleline(&mut self.output_dir)
                                    .desired_width(300.0),
                            )
                            .labelled_by(label.id);
                            if ui.button("Choose…").clicked() {
                                commands.push(Command::Pick(PickTarget::OutputDir));
                            }
                        });
                        ui.end_row();
                        ui.label("Format");
                        ui.horizontal(|ui| {
                            for (format, name) in [
                                (ImageFormat::Png, "PNG"),
                                (ImageFormat::Jpeg, "JPEG"),
                                (ImageFormat::OpenExr, "OpenEXR"),
                            ] {
                                ui.selectable_value(&mut self.format, format, name);
                            }
                        });
                        ui.end_row();
                    }
                    Kind::Command => {
                        let label = ui.label("Command");
                        ui.add(egui::TextEdit::singleline(&mut self.command).desired_width(360.0))
                            .labelled_by(label.id);
                        ui.end_row();
                    }
                }
                let label = ui.label("Frames");
                ui.add(egui::TextEdit::singleline(&mut self.frames).desired_width(160.0))
                    .labelled_by(label.id);
                ui.end_row();
                let label = ui.label("Chunk size");
                ui.add(egui::DragValue::new(&mut self.chunk_size).range(1..=10_000))
                    .labelled_by(label.id);
                ui.end_row();
                let label = ui.label("Priority");
                ui.add(egui::Slider::new(&mut self.priority, 0..=100))
                    .labelled_by(label.id);
                ui.end_row();
                let label = ui.label("Project");
                egui::ComboBox::from_id_salt("submit-project")
                    .selected_text(
                        self.project
                            .map_or_else(|| "choose…".into(), |p| farm.project_name(p)),
                    )
                    .show_ui(ui, |ui| {
                        for project in farm.projects.iter().filter(|p| p.is_active) {
                            ui.selectable_value(&mut self.project, Some(project.id), &project.name);
                        }
                    })
                    .response
                    .labelled_by(label.id);
                ui.end_row();
                let label = ui.label("Production task");
                ui.vertical(|ui| {
                    self.task_picker_ui(ui, farm).labelled_by(label.id);
                    ui.add(
                        egui::TextEdit::singleline(&mut self.production_task)
                            .hint_text("or paste a Kitsu task id or its page's address")
                            .desired_width(300.0),
                    )
                    .labelled_by(label.id);
                });
                ui.end_row();
            });
        ui.checkbox(&mut self.paused, "Submit paused");
        if self.kind == Kind::Blender {
            ui.checkbox(&mut self.video, "Make a video (MP4)");
        }
        egui::CollapsingHeader::new("Dependencies and limits")
            .default_open(self.scheduling.is_set())
            .show(ui, |ui| self.scheduling.ui(ui, farm));
        ui.add_space(theme::GAP);
        if let Some(error) = &self.error {
            ui.colored_label(theme::error_color(), error);
        }
        ui.horizontal(|ui| {
            if ui
                .add_enabled(self.sending.is_none(), egui::Button::new("Submit"))
                .clicked()
            {
                match self.job(local) {
                    Ok(job) => {
                        let ticket = Ticket::issue();
                        self.error = None;
                        self.sending = Some(ticket);
                        commands.push(Command::Submit(ticket, job));
                    }
                    Err(e) => self.error = Some(e),
                }
            }
            if self.sending.is_some() {
                ui.spinner();
                ui.weak_label("sending…");
            }
        });
    }

    /// The person's open tasks to pick from. Returns the list's button.
    fn task_picker_ui(&mut self, ui: &mut egui::Ui, farm: &Farm) -> egui::Response {
        let tasks = farm.my_tasks.tasks();
        let chosen = task_id_in(&self.production_task);
        let mine = chosen
            .as_ref()
            .and_then(|id| tasks.iter().find(|t| &t.id == id));
        let selected = match (self.production_task.trim(), &chosen, mine) {
            ("", _, _) => "None: the render is not posted for review".to_owned(),
            (_, None, _) => "Not a Kitsu task id or task page (below)".to_owned(),
            (_, Some(_), None) => "The task pasted below".to_owned(),
            (_, Some(_), Some(task)) => task.label(),
        };
        let list = egui::ComboBox::from_id_salt("submit-production-task")
            .selected_text(selected)
            .width(300.0)
            .show_ui(ui, |ui| {
                let none = self.production_task.trim().is_empty();
                if ui.selectable_label(none, "None").clicked() {
                    self.production_task.clear();
                }
                for task in tasks {
                    let on = Some(&task.id) == chosen.as_ref();
                    if ui.selectable_label(on, task.label()).clicked() {
                        self.production_task = task.id.to_string();
                    }
                }
                match &farm.my_tasks {
                    MyTasks::NotAsked | MyTasks::Pending(_) => {
                        ui.horizontal(|ui| {
                            ui.spinner();
                            ui.weak_label("loading your tasks…");
                        });
                    }
                    MyTasks::Failed(e, _) => {
                        ui.colored_label(
                            theme::error_color(),
                            format!("Your tasks did not load: {e}"),
                        );
                    }
                    MyTasks::Ready(tasks) if tasks.is_empty() => {
                        ui.weak_label("No open task is assigned to you.");
                    }
                    MyTasks::Ready(_) => {}
                }
            })
            .response
            .on_hover_text("Where the video or last frame is posted for review when it ends");
        match task_id_in(&self.production_task).and_then(|id| tasks.iter().find(|t| t.id == id)) {
            Some(task) => self.follow_project(ui, farm, task),
            None => self.followed_task = None,
        }
        list
    }

    /// The job renders in the task's project: picked once when the task is chosen (listed or
    /// pasted), then a note while the person's choice differs.
    fn follow_project(&mut self, ui: &mut egui::Ui, farm: &Farm, task: &MyTask) {
        // Farm and Kitsu share the project row, so the farm's project has the task's project
        // name. Two active projects of that name are left to the person.
        let mut same = farm
            .projects
            .iter()
            .filter(|p| p.is_active && p.name == task.project);
        let project = match (same.next(), same.next()) {
            (Some(project), None) => Some(project.id),
            _ => None,
        };
        if self.followed_task != Some(task.id) {
            self.followed_task = Some(task.id);
            if project.is_some() {
                self.project = project;
            }
        }
        let chosen_name = self.project.map(|p| farm.project_name(p));
        if chosen_name.as_deref() != Some(task.project.as_str()) {
            ui.colored_label(
                theme::error_color(),
                format!(
                    "This task is in the project “{}”: choose it above.",
                    task.project
                ),
            );
        }
    }

    /// Takes a picked file into its field.
    pub fn take_pick(&mut self, target: PickTarget, path: String) {
        match target {
            PickTarget::BlendFile => {
                if self.name.is_empty() {
                    self.name = std::path::Path::new(&path)
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_default();
                }
                self.blend_file = path;
            }
            PickTarget::OutputDir => self.output_dir = path,
            // The Job view's Save all: not a field of this dialog.
            PickTarget::OutputsFolder(_) => {}
        }
    }

    /// Whether a submission is on its way and not answered yet.
    pub fn is_sending(&self) -> bool {
        self.sending.is_some()
    }

    /// Takes the answer to the submission with `ticket`, if it is the one this dialog waits
    /// for: accepted, the dialog is done; refused, the server's words show and the form stays
    /// for the person to fix.
    pub fn answer(&mut self, ticket: Ticket, answer: Result<&Job, &str>) -> Answered {
        if self.sending != Some(ticket) {
            return Answered::NotMine;
        }
        self.sending = None;
        match answer {
            Ok(_) => Answered::Accepted,
            Err(message) => {
                self.error = Some(message.to_owned());
                Answered::Refused
            }
        }
    }
}

fn default_name(kind: &JobKind) -> String {
    match kind {
        JobKind::BlenderRender(s) => std::path::Path::new(&s.blend_file)
            .file_stem()
            .map_or_else(|| "render".into(), |s| s.to_string_lossy().into_owned()),
        JobKind::Command(s) => s.argv.first().cloned().unwrap_or_else(|| "command".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dialog() -> SubmitDialog {
        let mut dialog = SubmitDialog::new(&Farm::default());
        dialog.project = Some(ProjectId(1));
        dialog.kind = Kind::Command;
        dialog
    }

    #[test]
    fn bad_frames_are_refused_before_sending() {
        let mut d = dialog();
        d.frames = "1-".into();
        assert!(d.job(false).unwrap_err().starts_with("frames"));
        d.frames = "10-1".into();
        assert!(d.job(false).is_err());
        d.frames = "1-10,20".into();
        assert_eq!(d.job(false).unwrap().name, "echo");
    }

    #[test]
    fn a_production_task_must_be_a_kitsu_id() {
        let mut d = dialog();
        d.kind = Kind::Command;
        d.production_task = "SH010".into();
        assert!(d.job(false).unwrap_err().contains("not a Kitsu task id"));
        let id = uuid::Uuid::new_v4();
        d.production_task = format!(" {id} ");
        assert_eq!(
            d.job(false).unwrap().production_task_id,
            Some(drover_shared::ProductionTaskId(id))
        );
    }

    #[test]
    fn a_missing_blend_is_refused_on_a_local_farm_only() {
        let mut d = dialog();
        d.kind = Kind::Blender;
        d.blend_file = "/nowhere/shot.blend".into();
        d.output_dir = "/tmp/out".into();
        assert!(d.job(true).unwrap_err().contains("does not exist"));
        let job = d.job(false).unwrap();
        assert_eq!(job.name, "shot");
    }

    /// The dialog drawn alone on a hand-built farm, with the commands it pushed.
    fn harness() -> egui_kittest::Harness<'static, (SubmitDialog, Vec<Command>)> {
        egui_kittest::Harness::builder()
            .with_size([900.0, 700.0])
            .build_ui_state(
                |ui, (dialog, commands): &mut (SubmitDialog, Vec<Command>)| {
                    dialog.ui(ui.ctx(), &Farm::default(), false, commands);
                },
                (dialog(), Vec::new()),
            )
    }

    /// The tickets of the submissions pushed so far.
    fn sent(h: &egui_kittest::Harness<'static, (SubmitDialog, Vec<Command>)>) -> Vec<Ticket> {
        h.state()
            .1
            .iter()
            .filter_map(|c| match c {
                Command::Submit(ticket, _) => Some(*ticket),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_dialog_takes_only_the_answer_to_its_own_submission() {
        use egui_kittest::kittest::{NodeT, Queryable};
        let mut h = harness();
        h.run_steps(2);
        h.get_by_label("Submit").click();
        // The click lands in the next frame; the frame after draws what it changed.
        h.run_steps(2);
        let first = sent(&h);
        assert_eq!(first.len(), 1, "one click, one submission");
        let submit_disabled = |h: &egui_kittest::Harness<'static, (SubmitDialog, Vec<Command>)>| {
            h.get_by_label("Submit").accesskit_node().is_disabled()
        };
        assert!(submit_disabled(&h), "no second submission while it waits");
        h.get_by_label("sending…");

        // Another request's answer, accepted or refused, is not this dialog's.
        let other = Ticket::issue();
        let job = crate::model::tests::job(1, 1, 0);
        let dialog = &mut h.state_mut().0;
        assert_eq!(dialog.answer(other, Ok(&job)), Answered::NotMine);
        assert_eq!(dialog.answer(other, Err("elsewhere")), Answered::NotMine);
        assert!(dialog.is_sending() && dialog.error.is_none());

        // Its own refusal shows, and the person may submit again.
        assert_eq!(
            dialog.answer(first[0], Err("the server refused the job: no")),
            Answered::Refused
        );
        h.run_steps(2);
        h.get_by_label("the server refused the job: no");
        assert!(!submit_disabled(&h));
        h.get_by_label("Submit").click();
        h.run_steps(2);
        let both = sent(&h);
        assert_eq!(both.len(), 2);
        assert_ne!(both[0], both[1], "each submission has its own ticket");

        // The first one's late answer does not close it; its own acceptance does.
        let dialog = &mut h.state_mut().0;
        assert_eq!(dialog.answer(both[0], Ok(&job)), Answered::NotMine);
        assert_eq!(dialog.answer(both[1], Ok(&job)), Answered::Accepted);
        assert!(!dialog.is_sending());
    }
}
