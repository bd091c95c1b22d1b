//! The Job view's Outputs tab: the frames and video the job's tasks uploaded to the server
//! (projects without shared storage), each with its size; "Save all…" downloads them into a
//! folder (typed, or chosen in the system's dialog where the desktop has one) with a progress
//! bar and a Cancel; "Open folder" shows them where a local farm keeps them. The list is read
//! when the tab opens and again as the job finishes tasks.

use crate::command::{Command, PickTarget, Ticket};
use crate::model::{OpenJob, Outputs, SaveProgress};
use crate::theme::{self, UiExt};
use crate::views::{Answered, ago, human_size};
use drover_shared::api::Job;
use drover_shared::{JobId, JobStatus};
use egui_extras::{Column, TableBuilder};
use std::path::PathBuf;

/// Least time between two reads of the list while a job finishes tasks quickly.
const REFRESH_SECS: f64 = 2.0;

/// The Outputs tab's state.
#[derive(Default)]
pub struct OutputsTab {
    /// What the list was last read for: the job, its finished tasks and status. When the job
    /// moves on, the list is read again.
    asked: Option<(JobId, u64, JobStatus)>,
    /// When it was last read, in the UI's seconds.
    asked_at: f64,
    /// The Save all under way, or the last one.
    save: Option<Save>,
    /// The folder being chosen for a Save all: the job and the typed path.
    choosing: Option<(JobId, String)>,
    /// Why the typed folder was refused.
    choose_error: Option<String>,
}

/// A Save all, as the tab shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Save {
    /// Its request.
    pub ticket: Ticket,
    /// The job.
    pub job_id: JobId,
    /// Where the files go.
    pub folder: PathBuf,
    /// How far it came.
    pub progress: SaveProgress,
    /// Under way, or how it ended.
    pub state: SaveState,
}

/// Where a save is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveState {
    /// Downloading.
    Running,
    /// Every file saved.
    Done,
    /// Stopped by an error, in the server's words.
    Failed(String),
    /// Stopped by the person.
    Canceled,
}

impl OutputsTab {
    /// The tab was opened: read the list now.
    pub fn opened(&mut self) {
        self.asked = None;
    }

    /// The save under way or the last one.
    pub fn save(&self) -> Option<&Save> {
        self.save.as_ref()
    }

    /// The folder picked for a job's Save all: the command that starts it.
    pub fn take_folder(&mut self, job_id: JobId, folder: PathBuf) -> Command {
        self.choosing = None;
        self.choose_error = None;
        let ticket = Ticket::issue();
        self.save = Some(Save {
            ticket,
            job_id,
            folder: folder.clone(),
            progress: SaveProgress::default(),
            state: SaveState::Running,
        });
        Command::SaveOutputs(ticket, job_id, folder)
    }

    fn running(&mut self, ticket: Ticket) -> Option<&mut Save> {
        self.save
            .as_mut()
            .filter(|s| s.ticket == ticket && s.state == SaveState::Running)
    }

    /// How far the save with `ticket` came; false when it is not this tab's (any more).
    pub fn progress(&mut self, ticket: Ticket, progress: SaveProgress) -> bool {
        self.running(ticket)
            .map(|s| s.progress = progress)
            .is_some()
    }

    /// The end of the save with `ticket`.
    pub fn answer(&mut self, ticket: Ticket, answer: Result<&SaveProgress, &str>) -> Answered {
        let Some(save) = self.running(ticket) else {
            return Answered::NotMine;
        };
        match answer {
            Ok(progress) => {
                save.progress = *progress;
                save.state = SaveState::Done;
                Answered::Accepted
            }
            Err(error) => {
                save.state = SaveState::Failed(error.to_owned());
                Answered::Refused
            }
        }
    }

    /// Draws the tab for the open job; `local` when the farm runs in this app (its outputs
    /// folder is on this computer).
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        job: &Job,
        open: &OpenJob,
        local: bool,
        commands: &mut Vec<Command>,
    ) {
        self.refresh(ui, job, commands);
        let outputs = &open.outputs;
        let list = outputs.list();
        let running = self
            .save
            .as_ref()
            .is_some_and(|s| s.state == SaveState::Running);
        ui.horizontal(|ui| {
            let save_all = ui
                .add_enabled(!list.is_empty() && !running, egui::Button::new("Save all…"))
                .on_hover_text("Download every output into a folder of this computer")
                .on_disabled_hover_text(if running {
                    "a save is under way"
                } else {
                    "nothing to save yet"
                });
            if save_all.clicked() {
                self.choosing = Some((job.id, self.default_folder(job)));
                self.choose_error = None;
            }
            if local
                && ui
                    .button("Open folder")
                    .on_hover_text("Where this farm keeps the job's outputs")
                    .clicked()
            {
                commands.push(Command::OpenLocalOutputs(job.id));
            }
            if !list.is_empty() {
                ui.weak_label(format!(
                    "{} · {}",
                    files(list.len()),
                    human_size(outputs.size_bytes())
                ));
            }
            if matches!(outputs, Outputs::Pending(_)) {
                ui.spinner();
            }
        });
        self.choose_ui(ui, job.id, commands);
        self.save_ui(ui, commands);
        if let Outputs::Failed(error, _) = outputs {
            ui.colored_label(theme::error_color(), error);
        }
        if list.is_empty() {
            ui.add_space(theme::GAP);
            if !outputs.is_known() {
                ui.weak_label("Loading the outputs…");
            } else if job.status.is_finished() {
                ui.weak_label("This job's frames are on the project's shared storage.");
            } else {
                ui.weak_label("No outputs yet.");
            }
            return;
        }
        outputs_table_ui(ui, open);
    }

    /// Where a Save all of `job` goes unless the person says otherwise: beside the last
    /// save's folder, else in the Downloads folder, in a folder named after the job.
    fn default_folder(&self, job: &Job) -> String {
        let name: String = job
            .name
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || " -_.".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let name = format!("{} (job {})", name.trim().trim_start_matches('.'), job.id);
        let base = self
            .save
            .as_ref()
            .and_then(|s| s.folder.parent().map(PathBuf::from))
            .or_else(|| {
                directories::UserDirs::new().map(|dirs| {
                    dirs.download_dir()
                        .unwrap_or_else(|| dirs.home_dir())
                        .to_owned()
                })
            })
            .unwrap_or_default();
        base.join(name).display().to_string()
    }

    /// The folder row of a Save all being set up: the path typed (or filled in by the
    /// system's dialog, where the desktop has one), Save and Cancel.
    fn choose_ui(&mut self, ui: &mut egui::Ui, job_id: JobId, commands: &mut Vec<Command>) {
        let Some((for_job, folder)) = &mut self.choosing else {
            return;
        };
        if *for_job != job_id {
            self.choosing = None;
            return;
        }
        let mut start = false;
        let mut close = false;
        ui.horizontal(|ui| {
            let label = ui.label("Save to");
            let edit = ui
                .add(egui::TextEdit::singleline(folder).desired_width(420.0))
                .labelled_by(label.id);
            start = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if ui
                .button("Browse…")
                .on_hover_text("Choose the folder in the system's dialog")
                .clicked()
            {
                commands.push(Command::Pick(PickTarget::OutputsFolder(job_id)));
            }
            start |= ui
                .add_enabled(!folder.trim().is_empty(), egui::Button::new("Save"))
                .clicked();
            close = ui.button("Cancel").clicked();
        });
        let typed = folder.trim().to_owned();
        if let Some(error) = &self.choose_error {
            ui.colored_label(theme::error_color(), error);
        }
        if close {
            self.choosing = None;
            self.choose_error = None;
        } else if start {
            let path = PathBuf::from(&typed);
            if path.is_absolute() {
                commands.push(self.take_folder(job_id, path));
            } else {
                self.choose_error = Some(format!(
                    "“{typed}” is not a full path: type one from the top (like {})",
                    default_folder_hint()
                ));
            }
        }
    }

    /// Asks for the list when the tab opened or the job finished more tasks or changed status
    /// (new frames), at most every `REFRESH_SECS` for the same job.
    fn refresh(&mut self, ui: &egui::Ui, job: &Job, commands: &mut Vec<Command>) {
        let key = (job.id, job.progress.completed, job.status);
        if self.asked == Some(key) {
            return;
        }
        let now = ui.input(|i| i.time);
        let same_job = self.asked.is_some_and(|(id, ..)| id == job.id);
        if same_job && now - self.asked_at < REFRESH_SECS {
            ui.ctx()
                .request_repaint_after_secs((REFRESH_SECS - (now - self.asked_at)) as f32);
            return;
        }
        self.asked = Some(key);
        self.asked_at = now;
        commands.push(Command::LoadOutputs(job.id));
    }

    fn save_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let Some(save) = &self.save else {
            return;
        };
        let p = save.progress;
        let folder = save.folder.display().to_string();
        let mut canceled = false;
        ui.horizontal(|ui| match &save.state {
            SaveState::Running => {
                let text = if p.files_total == 0 {
                    format!("job {}: listing the outputs…", save.job_id)
                } else {
                    format!(
                        "job {}: {} of {} files · {} of {}",
                        save.job_id,
                        p.files_done,
                        p.files_total,
                        human_size(p.bytes_done),
                        human_size(p.bytes_total)
                    )
                };
                ui.add(
                    egui::ProgressBar::new(p.fraction())
                        .desired_width(320.0)
                        .text(text),
                )
                .on_hover_text(&folder);
                if ui.button("Cancel").clicked() {
                    commands.push(Command::CancelSave(save.ticket));
                    canceled = true;
                }
            }
            SaveState::Done => {
                ui.label(format!("Saved {} to {folder}", files(p.files_done)));
                if ui.small_button("Show").clicked() {
                    commands.push(Command::OpenFolder(save.folder.clone()));
                }
            }
            SaveState::Failed(error) => {
                ui.colored_label(
                    theme::error_color(),
                    format!(
                        "Saved {} of {} to {folder}, then: {error}",
                        p.files_done, p.files_total
                    ),
                );
            }
            SaveState::Canceled => {
                ui.weak_label(format!(
                    "Canceled: {} of {} saved to {folder}",
                    p.files_done, p.files_total
                ));
            }
        });
        if canceled && let Some(save) = &mut self.save {
            save.state = SaveState::Canceled;
        }
    }
}

/// A full path to show as an example.
fn default_folder_hint() -> String {
    directories::UserDirs::new().map_or_else(
        || "/home/me/renders".into(),
        |dirs| dirs.home_dir().join("renders").display().to_string(),
    )
}

/// "1 file", "24 files".
fn files(n: usize) -> String {
    if n == 1 {
        "1 file".to_owned()
    } else {
        format!("{n} files")
    }
}

/// The outputs by name, virtualised (a job of 10,000 frames scrolls smoothly).
fn outputs_table_ui(ui: &mut egui::Ui, open: &OpenJob) {
    let list = open.outputs.list();
    ui.style_mut().interaction.selectable_labels = false;
    TableBuilder::new(ui)
        .id_salt("job-outputs")
        .striped(true)
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::auto().at_least(220.0).clip(true))
        .column(Column::exact(90.0))
        .column(Column::auto().at_least(110.0))
        .column(Column::remainder())
        .header(theme::HEADER_HEIGHT, |mut header| {
            for label in ["Name", "Size", "Task frames", "Updated"] {
                header.col(|ui| {
                    ui.strong(label);
                });
            }
        })
        .body(|body| {
            body.rows(theme::ROW_HEIGHT, list.len(), |mut row| {
                let output = &list[row.index()];
                row.col(|ui| {
                    ui.label(&output.name);
                });
                row.col(|ui| {
                    ui.label(human_size(output.size));
                });
                row.col(|ui| {
                    // The task that made it, by its frames when the task is loaded.
                    let task = output.task_id.and_then(|id| open.task(id));
                    match task {
                        Some(t) if t.frame_start == t.frame_end => {
                            ui.label(t.frame_start.to_string())
                        }
                        Some(t) => ui.label(format!("{}–{}", t.frame_start, t.frame_end)),
                        None => ui.weak_label(""),
                    };
                });
                row.col(|ui| {
                    ui.label(ago(output.updated));
                });
            });
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests::{farm, job_in};
    use crate::model::{Farm, OpenJob};
    use drover_shared::api::JobOutput;
    use drover_shared::{Role, TaskId};
    use egui_kittest::Harness;
    use egui_kittest::kittest::{NodeT, Queryable};

    type State = (OutputsTab, Farm, Vec<Command>);

    fn output(name: &str, size: u64) -> JobOutput {
        JobOutput {
            name: name.into(),
            size,
            task_id: Some(TaskId(1)),
            updated: time::OffsetDateTime::now_utc(),
        }
    }

    /// The tab alone on a hand-built farm: job 3 in `status`, with `outputs` read.
    fn harness(status: JobStatus, outputs: Outputs, local: bool) -> Harness<'static, State> {
        let job = job_in(3, status, 0);
        let mut farm = farm(Role::Artist, vec![job]);
        let mut open = OpenJob::new(JobId(3));
        open.outputs = outputs;
        farm.open_job = Some(open);
        let mut harness = Harness::builder()
            .with_size([1000.0, 600.0])
            .build_ui_state(
                move |ui, (tab, farm, commands): &mut State| {
                    let open = farm.open_job.as_ref().unwrap();
                    let job = &farm.jobs[&open.job_id];
                    tab.ui(ui, job, open, local, commands);
                },
                (OutputsTab::default(), farm, Vec::new()),
            );
        harness.run_steps(2);
        harness
    }

    #[test]
    fn a_finished_jobs_outputs_are_listed_with_their_sizes_and_saved_to_a_folder() {
        let outputs = Outputs::Ready(vec![
            output("frame_0001.png", 1_200_000),
            output("frame_0002.png", 1_300_000),
            output("shot.mp4", 42_000_000),
        ]);
        let mut h = harness(JobStatus::Completed, outputs, false);
        h.get_by_label("frame_0001.png");
        h.get_by_label("frame_0002.png");
        h.get_by_label("shot.mp4");
        h.get_by_label("1.2 MB");
        h.get_by_label("1.3 MB");
        h.get_by_label("42.0 MB");
        h.get_by_label("3 files · 44.5 MB");
        assert!(
            h.query_by_label("Open folder").is_none(),
            "a remote farm's folder is not on this computer"
        );
        assert!(
            matches!(h.state().2.as_slice(), [Command::LoadOutputs(JobId(3))]),
            "opening the tab reads the list"
        );
        h.state_mut().2.clear();

        h.get_by_label("Save all…").click();
        h.run_steps(2);
        assert!(h.state().2.is_empty(), "the folder row opens first");
        h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Save to");
        h.get_by_label("Browse…").click();
        h.run_steps(2);
        assert!(matches!(
            h.state().2.as_slice(),
            [Command::Pick(PickTarget::OutputsFolder(JobId(3)))]
        ));
        // The folder the dialog would give.
        let folder = PathBuf::from("/tmp/renders/shot");
        let command = h.state_mut().0.take_folder(JobId(3), folder.clone());
        let Command::SaveOutputs(ticket, JobId(3), saved_to) = command else {
            panic!("not a save: {command:?}");
        };
        assert_eq!(saved_to, folder);
        let progress = SaveProgress {
            files_done: 1,
            files_total: 3,
            bytes_done: 2_000_000,
            bytes_total: 44_500_000,
        };
        assert!(h.state_mut().0.progress(ticket, progress));
        h.run_steps(2);
        h.get_by_label_contains("1 of 3 files · 2.0 MB of 44.5 MB");
        assert!(
            h.get_by_label("Save all…").accesskit_node().is_disabled(),
            "one save at a time"
        );
        h.state_mut().2.clear();
        h.get_by_label("Cancel").click();
        h.run_steps(2);
        assert!(matches!(h.state().2.as_slice(), [Command::CancelSave(t)] if *t == ticket));
        h.get_by_label_contains("Canceled: 1 of 3 saved");
        assert!(
            !h.state_mut().0.progress(ticket, progress),
            "a canceled save's late news is not shown"
        );
    }

    #[test]
    fn a_save_that_ends_says_so_and_a_local_farm_opens_its_folder() {
        let outputs = Outputs::Ready(vec![output("frame_0001.exr", 999)]);
        let mut h = harness(JobStatus::Completed, outputs, true);
        h.get_by_label("999 B");
        h.state_mut().2.clear();
        h.get_by_label("Open folder").click();
        h.run_steps(2);
        assert!(matches!(
            h.state().2.as_slice(),
            [Command::OpenLocalOutputs(JobId(3))]
        ));
        let Command::SaveOutputs(ticket, ..) = h
            .state_mut()
            .0
            .take_folder(JobId(3), PathBuf::from("/tmp/out"))
        else {
            panic!("not a save");
        };
        let done = SaveProgress {
            files_done: 1,
            files_total: 1,
            bytes_done: 999,
            bytes_total: 999,
        };
        assert_eq!(
            h.state_mut().0.answer(ticket, Ok(&done)),
            Answered::Accepted
        );
        assert_eq!(
            h.state_mut().0.answer(ticket, Ok(&done)),
            Answered::NotMine,
            "answered once"
        );
        h.run_steps(2);
        h.get_by_label("Saved 1 file to /tmp/out");
    }

    #[test]
    fn an_empty_list_says_why() {
        let h = harness(JobStatus::Active, Outputs::Ready(Vec::new()), false);
        h.get_by_label("No outputs yet.");
        assert!(h.get_by_label("Save all…").accesskit_node().is_disabled());
        let h = harness(JobStatus::Completed, Outputs::Ready(Vec::new()), false);
        h.get_by_label("This job's frames are on the project's shared storage.");
        let h = harness(JobStatus::Active, Outputs::NotAsked, false);
        h.get_by_label("Loading the outputs…");
    }
}
