//! Compiles a submitted job into its tasks: one task per chunk of frames.
//!
//! Everything that can be wrong with a submission is found here, before anything is written,
//! so a refused job leaves no row behind.

use drover_shared::TaskType;
use drover_shared::api::{DEFAULT_PRIORITY, JobKind, SubmitJob};
use drover_shared::frames::{Chunk, FrameSet};

/// Most tasks one job may have.
pub const MAX_TASKS_PER_JOB: u64 = 1_000_000;

/// A submission that passed every check, ready to be stored.
#[derive(Debug, Clone)]
pub struct CompiledJob {
    /// The frames, parsed.
    pub frames: FrameSet,
    /// Frames per task.
    pub chunk_size: u32,
    /// How many tasks the job gets.
    pub task_count: u64,
    /// 0–100.
    pub priority: u8,
    /// The task type every frame task gets.
    pub task_type: TaskType,
    /// A last task joins the frames into a video.
    pub video: bool,
}

impl CompiledJob {
    /// Every task of the job, the video included.
    pub fn total_tasks(&self) -> u64 {
        self.task_count + u64::from(self.video)
    }

    /// First and last frame.
    pub fn frame_bounds(&self) -> (i64, i64) {
        let ranges = self.frames.ranges();
        (
            ranges.first().map_or(0, |r| r.0),
            ranges.last().map_or(0, |r| r.1),
        )
    }

    /// The tasks' frame ranges, in order.
    pub fn chunks(&self) -> impl Iterator<Item = Chunk> + '_ {
        // The chunk size was validated in `compile`, so this cannot fail.
        self.frames
            .chunks(self.chunk_size.max(1))
            .into_iter()
            .flatten()
    }
}

/// Checks a submission and works out its tasks, or says what is wrong.
pub fn compile(job: &SubmitJob) -> Result<CompiledJob, String> {
    if job.name.trim().is_empty() {
        return Err("name must not be empty".into());
    }
    let priority = job.priority.unwrap_or(DEFAULT_PRIORITY);
    if priority > 100 {
        return Err(format!(
            "priority must be between 0 and 100, not {priority}"
        ));
    }
    let mut video = false;
    match &job.kind {
        JobKind::BlenderRender(s) => {
            video = s.video;
            if s.fps == Some(0) {
                return Err("settings.fps must be at least 1".into());
            }
            if s.blend_file.trim().is_empty() {
                return Err("settings.blend_file must not be empty".into());
            }
            if s.output.trim().is_empty() {
                return Err("settings.output must not be empty".into());
            }
            if !s.output.contains('#') {
                return Err(format!(
                    "settings.output `{}` needs `#` characters where the frame number goes, \
                     e.g. `//render/frame_####`",
                    s.output
                ));
            }
        }
        JobKind::Command(s) => {
            if s.argv
                .first()
                .is_none_or(|program| program.trim().is_empty())
            {
                return Err("settings.argv must name a program".into());
            }
        }
    }
    let (frames, chunk_size) = job.kind.frames_and_chunk();
    let frames = FrameSet::parse(frames).map_err(|e| format!("settings.frames: {e}"))?;
    let task_count = frames
        .chunk_count(chunk_size)
        .map_err(|e| format!("settings.{e}"))?;
    if task_count > MAX_TASKS_PER_JOB {
        return Err(format!(
            "this job would have {task_count} tasks; the limit is {MAX_TASKS_PER_JOB}. \
             Raise chunk_size or split the frames"
        ));
    }
    Ok(CompiledJob {
        frames,
        chunk_size,
        task_count,
        priority,
        task_type: job.kind.task_type(),
        video,
    })
}

/// A task's display name from its frames.
pub fn task_name(chunk: Chunk) -> String {
    if chunk.start == chunk.end {
        format!("frame {}", chunk.start)
    } else {
        format!("frames {}-{}", chunk.start, chunk.end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use drover_shared::ProjectId;
    use drover_shared::api::CommandSettings;

    fn command_job(frames: &str, chunk_size: u32) -> SubmitJob {
        SubmitJob {
            name: "test".into(),
            project_id: ProjectId(1),
            kind: JobKind::Command(CommandSettings {
                argv: vec!["echo".into(), "{start}".into()],
                frames: frames.into(),
                chunk_size,
            }),
            priority: None,
            paused: false,
            tag: None,
            production_task_id: None,
            files: Vec::new(),
            depends_on: Vec::new(),
            depend_mode: drover_shared::DependMode::Job,
            max_workers: None,
            task_timeout_secs: None,
            limits: Vec::new(),
        }
    }

    #[test]
    fn compiles_chunks() {
        let compiled = compile(&command_job("1-10,20", 5)).unwrap();
        assert_eq!(compiled.task_count, 3);
        assert_eq!(compiled.priority, 50);
        let names: Vec<_> = compiled.chunks().map(task_name).collect();
        assert_eq!(names, ["frames 1-5", "frames 6-10", "frame 20"]);
    }

    #[test]
    fn refuses_what_cannot_run() {
        let err = compile(&command_job("1-x", 1)).unwrap_err();
        assert!(err.starts_with("settings.frames:"), "{err}");
        let err = compile(&command_job("1-10", 0)).unwrap_err();
        assert_eq!(err, "settings.chunk_size must be at least 1");
        let err = compile(&command_job("1-1000001", 1)).unwrap_err();
        assert!(err.contains("1000001 tasks"), "{err}");
        assert!(compile(&command_job("1-1000000", 1)).is_ok());
        let mut job = command_job("1", 1);
        job.priority = Some(101);
        assert!(compile(&job).unwrap_err().contains("priority"));
    }
}
