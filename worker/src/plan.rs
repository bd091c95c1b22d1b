//! Turns an assignment into the program to run: Blender for `blender-render`, ffmpeg for a
//! job's video, or the job's own argv for `command`. For a shared-storage job, paths written
//! for the server are rewritten to this platform's through the project's path map; for an
//! upload-mode job they are relative to the task's job folder, and the plan says which
//! files go back to the server as outputs.

use drover_shared::TaskType;
use drover_shared::api::JobKind;
use drover_shared::protocol::Assignment;
use std::path::{Path, PathBuf};

/// The programs this worker runs.
#[derive(Debug, Clone)]
pub struct Tools {
    /// Blender, when this worker renders.
    pub blender: Option<String>,
    /// ffmpeg, when this worker makes videos.
    pub ffmpeg: Option<String>,
}

impl Tools {
    /// Finds the tools: each given path if it exists, else the program on PATH (and
    /// Blender in its install folders on Windows: see [`crate::programs`]).
    pub fn find(blender: Option<PathBuf>, ffmpeg: Option<PathBuf>) -> Self {
        Self {
            blender: crate::programs::find(blender, "blender"),
            ffmpeg: crate::programs::find(ffmpeg, "ffmpeg"),
        }
    }

    /// The task types these tools can run.
    pub fn task_types(&self) -> Vec<TaskType> {
        let mut types = vec![TaskType::Command];
        if self.blender.is_some() {
            types.push(TaskType::BlenderRender);
        }
        if self.ffmpeg.is_some() {
            types.push(TaskType::Ffmpeg);
        }
        types
    }
}

/// What the output of the program means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parser {
    /// Blender: `Fra:`, sample counts and `Saved:` lines.
    Blender,
    /// Anything else: the log only.
    Plain,
}

/// A program to run for a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The program.
    pub program: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Steps the task has (frames for a render).
    pub steps_total: u32,
    /// How to read its output.
    pub parser: Parser,
    /// Where it runs (the job folder of an upload-mode job); `None`: the worker's own.
    pub cwd: Option<PathBuf>,
    /// What goes back to the server as the job's outputs.
    pub outputs: Outputs,
}

/// The files a task sends back to the server as outputs (upload-mode jobs only: with shared
/// storage the outputs are already where people look).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outputs {
    /// Nothing: the outputs stay where the program wrote them.
    Kept,
    /// Each file Blender reports as `Saved:`, as soon as it is saved.
    EachSaved,
    /// Every file left in this folder (and its subfolders) when the program succeeds.
    Folder(PathBuf),
    /// This one file, when the program succeeds (a job's video).
    File(PathBuf),
}

/// Folder of an upload-mode job folder whose files a command task sends back.
pub const OUT_DIR: &str = "out";
/// Folder of an upload-mode job folder where its video task gathers the frames.
pub const FRAMES_DIR: &str = "frames";

/// Where a task finds its files.
#[derive(Debug, Clone, Copy)]
enum Place<'a> {
    /// Shared storage: server paths mapped to platform `os`.
    Shared(&'a str),
    /// An upload-mode job folder.
    JobFolder(&'a Path),
}

/// `relative` (a job path, `/`-separated, checked) under the job folder.
pub fn in_job_folder(job_folder: &Path, relative: &str) -> Result<PathBuf, String> {
    drover_shared::api::check_job_path(relative)?;
    Ok(job_folder.join(relative.split('/').collect::<PathBuf>()))
}

impl Plan {
    /// The command line, for the log.
    pub fn command_line(&self) -> String {
        std::iter::once(self.program.as_str())
            .chain(self.args.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The program for a shared-storage assignment on platform `os` (`linux`, `macos`,
/// `windows`).
pub fn plan(assignment: &Assignment, tools: &Tools, os: &str) -> Result<Plan, String> {
    build(assignment, tools, Place::Shared(os))
}

/// The program for an upload-mode assignment whose files are in `job_folder` (and, for a
/// video task, whose frames are in its [`FRAMES_DIR`]).
pub fn plan_in(assignment: &Assignment, tools: &Tools, job_folder: &Path) -> Result<Plan, String> {
    build(assignment, tools, Place::JobFolder(job_folder))
}

/// The input pattern and video path of an upload-mode job's video task, in `frames_dir`:
/// the frames keep their output file names (the outputs are named by file name).
pub fn frames_in(
    settings: &drover_shared::api::BlenderRenderSettings,
    frames_dir: &Path,
) -> (String, String) {
    let name = settings.output.rsplit('/').next().unwrap_or_default();
    settings.video_paths(&frames_dir.join(name).to_string_lossy())
}

fn build(assignment: &Assignment, tools: &Tools, place: Place<'_>) -> Result<Plan, String> {
    let task = &assignment.task;
    // A path from the job's settings, where this worker finds it.
    let local = |path: &str| -> Result<String, String> {
        match place {
            Place::Shared(os) => Ok(assignment.paths.localize(path, os)),
            Place::JobFolder(folder) => {
                Ok(in_job_folder(folder, path)?.to_string_lossy().into_owned())
            }
        }
    };
    let (cwd, uploaded) = match place {
        Place::Shared(_) => (None, false),
        Place::JobFolder(folder) => (Some(folder.to_owned()), true),
    };
    let frames = (task.frame_end - task.frame_start + 1).max(1) as u32;
    match (task.task_type, &assignment.kind) {
        (TaskType::Command, JobKind::Command(settings)) => {
            let mut argv = settings.argv.iter().map(|arg| {
                let arg = arg
                    .replace("{start}", &task.frame_start.to_string())
                    .replace("{end}", &task.frame_end.to_string());
                match place {
                    Place::Shared(os) => assignment.paths.localize(&arg, os),
                    // The command runs in its job folder: its arguments name files there
                    // relative to it, as the submitter wrote them.
                    Place::JobFolder(_) => arg,
                }
            });
            let program = argv.next().ok_or("the job's argv is empty")?;
            Ok(Plan {
                program,
                args: argv.collect(),
                steps_total: 1,
                parser: Parser::Plain,
                outputs: match &cwd {
                    Some(folder) => Outputs::Folder(folder.join(OUT_DIR)),
                    None => Outputs::Kept,
                },
                cwd,
            })
        }
        (TaskType::BlenderRender, JobKind::BlenderRender(settings)) => {
            let blender = tools.blender.clone().ok_or("this worker has no Blender")?;
            let (format, _) = settings.format.names();
            // `-y`/`-Y` act on the files loaded after them, so they come before the .blend.
            // Python in a file runs only when the job asked for it (and the server let it).
            let python = if settings.auto_run_python { "-y" } else { "-Y" };
            let mut args = vec![
                "-b".to_owned(),
                python.to_owned(),
                local(&settings.blend_file)?,
            ];
            if let Some(scene) = &settings.scene {
                args.extend(["-S".to_owned(), scene.clone()]);
            }
            args.extend([
                "-o".to_owned(),
                local(&settings.output)?,
                "-F".to_owned(),
                format.to_owned(),
                "-s".to_owned(),
                task.frame_start.to_string(),
                "-e".to_owned(),
                task.frame_end.to_string(),
                "-a".to_owned(),
            ]);
            Ok(Plan {
                program: blender,
                args,
                steps_total: frames,
                parser: Parser::Blender,
                cwd,
                outputs: if uploaded {
                    Outputs::EachSaved
                } else {
                    Outputs::Kept
                },
            })
        }
        (TaskType::Ffmpeg, JobKind::BlenderRender(settings)) => {
            let ffmpeg = tools.ffmpeg.clone().ok_or("this worker has no ffmpeg")?;
            let (input, output) = match place {
                Place::Shared(os) => {
                    settings.video_paths(&assignment.paths.localize(&settings.output, os))
                }
                Place::JobFolder(folder) => frames_in(settings, &folder.join(FRAMES_DIR)),
            };
            let fps = settings.fps.unwrap_or(24).to_string();
            let args = [
                "-hide_banner",
                "-y",
                "-framerate",
                &fps,
                "-start_number",
                &task.frame_start.to_string(),
                "-i",
                &input,
                "-c:v",
                "libx264",
                "-pix_fmt",
                "yuv420p",
                "-vf",
                "pad=ceil(iw/2)*2:ceil(ih/2)*2",
                &output,
            ]
            .map(str::to_owned)
            .to_vec();
            Ok(Plan {
                program: ffmpeg,
                args,
                steps_total: 1,
                parser: Parser::Plain,
                outputs: if uploaded {
                    Outputs::File(PathBuf::from(output))
                } else {
                    Outputs::Kept
                },
                cwd,
            })
        }
        (task_type, kind) => Err(format!(
            "cannot run a `{task_type}` task of a {} job",
            kind.type_name()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use drover_shared::api::{BlenderRenderSettings, CommandSettings, ImageFormat, Task};
    use drover_shared::protocol::PathMap;
    use drover_shared::{JobId, ProjectId, TaskId, TaskStatus};

    fn assignment(task_type: TaskType, kind: JobKind) -> Assignment {
        Assignment {
            task: Task {
                id: TaskId(1),
                job_id: JobId(1),
                name: "frames 3-5".into(),
                task_type,
                status: TaskStatus::Active,
                frame_start: 3,
                frame_end: 5,
                worker_id: None,
                activity: String::new(),
                failures: 0,
                steps_done: 0,
                steps_total: 0,
                started: None,
                updated: time::OffsetDateTime::UNIX_EPOCH,
            },
            job_id: JobId(1),
            job_name: "j".into(),
            project_id: ProjectId(1),
            kind,
            paths: PathMap {
                path_server: "/srv/proj".into(),
                path_linux: "/mnt/proj".into(),
                path_win: "P:".into(),
                render_path_server: "/srv/render".into(),
                render_path_linux: "/mnt/render".into(),
                ..PathMap::default()
            },
            storage: drover_shared::api::StorageMode::default(),
        }
    }

    fn blender(video: bool) -> JobKind {
        JobKind::BlenderRender(BlenderRenderSettings {
            blend_file: "/srv/proj/sh010.blend".into(),
            frames: "1-10".into(),
            chunk_size: 3,
            output: "/srv/render/sh010/frame_####".into(),
            format: ImageFormat::Png,
            scene: Some("Main".into()),
            video,
            fps: Some(25),
            auto_run_python: false,
        })
    }

    const TOOLS: Tools = Tools {
        blender: None,
        ffmpeg: None,
    };

    #[test]
    fn blender_arguments_in_blenders_order_with_local_paths() {
        let tools = Tools {
            blender: Some("blender".into()),
            ..TOOLS
        };
        let plan = plan(
            &assignment(TaskType::BlenderRender, blender(false)),
            &tools,
            "linux",
        )
        .unwrap();
        assert_eq!(
            plan.command_line(),
            "blender -b -Y /mnt/proj/sh010.blend -S Main -o /mnt/render/sh010/frame_#### -F PNG -s 3 -e 5 -a"
        );
        assert_eq!((plan.steps_total, plan.parser), (3, Parser::Blender));
        let JobKind::BlenderRender(mut trusted) = blender(false) else {
            unreachable!()
        };
        trusted.auto_run_python = true;
        let plan = super::plan(
            &assignment(TaskType::BlenderRender, JobKind::BlenderRender(trusted)),
            &tools,
            "linux",
        )
        .unwrap();
        assert!(
            plan.command_line()
                .starts_with("blender -b -y /mnt/proj/sh010.blend"),
            "{}",
            plan.command_line()
        );
        assert!(
            super::plan(
                &assignment(TaskType::BlenderRender, blender(false)),
                &TOOLS,
                "linux"
            )
            .is_err()
        );
    }

    #[test]
    fn commands_fill_frames_and_windows_paths() {
        let kind = JobKind::Command(CommandSettings {
            argv: vec!["/srv/proj/run.sh".into(), "{start}".into(), "{end}".into()],
            frames: "1-10".into(),
            chunk_size: 3,
        });
        assert_eq!(
            plan(
                &assignment(TaskType::Command, kind.clone()),
                &TOOLS,
                "linux"
            )
            .unwrap()
            .command_line(),
            "/mnt/proj/run.sh 3 5"
        );
        assert_eq!(
            plan(&assignment(TaskType::Command, kind), &TOOLS, "windows")
                .unwrap()
                .program,
            "P:\\run.sh"
        );
    }

    #[test]
    fn video_joins_the_frames() {
        let tools = Tools {
            ffmpeg: Some("ffmpeg".into()),
            ..TOOLS
        };
        let plan = plan(
            &assignment(TaskType::Ffmpeg, blender(true)),
            &tools,
            "linux",
        )
        .unwrap();
        let line = plan.command_line();
        assert!(
            line.contains("-framerate 25 -start_number 3 -i /mnt/render/sh010/frame_%04d.png"),
            "{line}"
        );
        assert!(line.ends_with("/mnt/render/sh010/frame.mp4"), "{line}");
        let JobKind::BlenderRender(settings) = blender(true) else {
            unreachable!()
        };
        assert_eq!(settings.video_paths("/r/####").1, "/r/video.mp4");
    }

    #[test]
    fn upload_mode_runs_in_the_job_folder_and_sends_outputs_back() {
        let tools = Tools {
            blender: Some("blender".into()),
            ffmpeg: Some("ffmpeg".into()),
        };
        let folder = Path::new("/work/job-1");
        let JobKind::BlenderRender(mut settings) = blender(true) else {
            unreachable!()
        };
        settings.blend_file = "home/ann/sh010.blend".into();
        settings.output = "render/frame_####".into();
        let render = assignment(
            TaskType::BlenderRender,
            JobKind::BlenderRender(settings.clone()),
        );
        let plan = plan_in(&render, &tools, folder).unwrap();
        assert_eq!(
            plan.command_line(),
            "blender -b -Y /work/job-1/home/ann/sh010.blend -S Main -o /work/job-1/render/frame_#### -F PNG -s 3 -e 5 -a"
        );
        assert_eq!(
            (plan.cwd.as_deref(), &plan.outputs),
            (Some(folder), &Outputs::EachSaved)
        );
        let video = plan_in(
            &assignment(TaskType::Ffmpeg, JobKind::BlenderRender(settings.clone())),
            &tools,
            folder,
        )
        .unwrap();
        assert!(
            video
                .command_line()
                .contains("-i /work/job-1/frames/frame_%04d.png"),
            "{}",
            video.command_line()
        );
        assert_eq!(
            video.outputs,
            Outputs::File("/work/job-1/frames/frame.mp4".into())
        );
        settings.blend_file = "../escape.blend".into();
        let error = plan_in(
            &assignment(TaskType::BlenderRender, JobKind::BlenderRender(settings)),
            &tools,
            folder,
        )
        .unwrap_err();
        assert!(error.contains("relative"), "{error}");

        let command = JobKind::Command(CommandSettings {
            argv: vec!["sh".into(), "run.sh".into(), "{start}".into()],
            frames: "1-10".into(),
            chunk_size: 3,
        });
        let plan = plan_in(&assignment(TaskType::Command, command), &TOOLS, folder).unwrap();
        assert_eq!(plan.command_line(), "sh run.sh 3");
        assert_eq!(plan.outputs, Outputs::Folder("/work/job-1/out".into()));
        // Shared storage: nothing goes back.
        let shared = super::plan(&render, &tools, "linux").unwrap();
        assert_eq!((shared.cwd, shared.outputs), (None, Outputs::Kept));
    }
}
