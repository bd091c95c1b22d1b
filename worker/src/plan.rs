//! Turns an assignment into the program to run: Blender for `blender-render`, ffmpeg for a
//! job's video, or the job's own argv for `command`. Paths written for the server are
//! rewritten to this platform's through the project's path map.

use drover_shared::TaskType;
use drover_shared::api::JobKind;
use drover_shared::protocol::Assignment;
use std::path::PathBuf;

/// The programs this worker runs.
#[derive(Debug, Clone)]
pub struct Tools {
    /// Blender, when this worker renders.
    pub blender: Option<String>,
    /// ffmpeg, when this worker makes videos.
    pub ffmpeg: Option<String>,
}

impl Tools {
    /// Finds the tools: each given path if it exists, else the program on PATH.
    pub fn find(blender: Option<PathBuf>, ffmpeg: Option<PathBuf>) -> Self {
        Self {
            blender: find_tool(blender, "blender"),
            ffmpeg: find_tool(ffmpeg, "ffmpeg"),
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

/// `given` if present, else the first `name` on PATH.
fn find_tool(given: Option<PathBuf>, name: &str) -> Option<String> {
    if let Some(path) = given {
        return path.exists().then(|| path.to_string_lossy().into_owned());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .map(|p| p.to_string_lossy().into_owned())
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

/// The program for an assignment on platform `os` (`linux`, `macos`, `windows`).
pub fn plan(assignment: &Assignment, tools: &Tools, os: &str) -> Result<Plan, String> {
    let task = &assignment.task;
    let local = |path: &str| assignment.paths.localize(path, os);
    let frames = (task.frame_end - task.frame_start + 1).max(1) as u32;
    match (task.task_type, &assignment.kind) {
        (TaskType::Command, JobKind::Command(settings)) => {
            let mut argv = settings.argv.iter().map(|arg| {
                local(
                    &arg.replace("{start}", &task.frame_start.to_string())
                        .replace("{end}", &task.frame_end.to_string()),
                )
            });
            let program = argv.next().ok_or("the job's argv is empty")?;
            Ok(Plan {
                program,
                args: argv.collect(),
                steps_total: 1,
                parser: Parser::Plain,
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
                local(&settings.blend_file),
            ];
            if let Some(scene) = &settings.scene {
                args.extend(["-S".to_owned(), scene.clone()]);
            }
            args.extend([
                "-o".to_owned(),
                local(&settings.output),
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
            })
        }
        (TaskType::Ffmpeg, JobKind::BlenderRender(settings)) => {
            let ffmpeg = tools.ffmpeg.clone().ok_or("this worker has no ffmpeg")?;
            let (input, output) = settings.video_paths(&local(&settings.output));
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
}
