//! `drover-bench job-view`: the cost of one frame of the app's Job view showing a job of
//! 100,000 tasks (layout and tessellation on the CPU, as eframe does before the GPU draws),
//! still and while the mouse wheel scrolls through the task table.

use drover::model::{Farm, OpenJob};
use drover::views::job::JobView;
use drover_shared::api::{CommandSettings, Job, JobKind, JobProgress, Task, User};
use drover_shared::{JobId, JobStatus, ProjectId, Role, TaskId, TaskStatus, UserId, WorkerId};
use std::time::{Duration, Instant};

fn farm(tasks: u32) -> Farm {
    let now = time::OffsetDateTime::now_utc();
    let me = User {
        id: UserId(uuid::Uuid::nil()),
        email: "bench@drover.test".into(),
        role: Role::Admin,
        created: now,
    };
    let mut farm = Farm::new(me);
    let job = Job {
        id: JobId(1),
        name: "bench".into(),
        project_id: ProjectId(1),
        kind: JobKind::Command(CommandSettings {
            argv: vec!["true".into()],
            frames: format!("1-{tasks}"),
            chunk_size: 1,
        }),
        status: JobStatus::Active,
        priority: 50,
        tag: None,
        created_by: UserId(uuid::Uuid::nil()),
        created: now,
        updated: now,
        progress: JobProgress {
            total: u64::from(tasks),
            completed: u64::from(tasks) / 2,
            active: 10,
            queued: u64::from(tasks) / 2 - 10,
            ..JobProgress::default()
        },
        production_task_id: None,
        depends_on: Vec::new(),
        depend_mode: drover_shared::DependMode::Job,
        max_workers: None,
        task_timeout_secs: None,
        limits: Vec::new(),
        dependency: None,
        eta: None,
        archived: None,
    };
    farm.set_jobs(vec![job]);
    let statuses = [
        TaskStatus::Completed,
        TaskStatus::Active,
        TaskStatus::Queued,
        TaskStatus::Failed,
    ];
    let page = (1..=tasks)
        .map(|i| Task {
            id: TaskId(i64::from(i)),
            job_id: JobId(1),
            name: format!("frame {i}"),
            task_type: drover_shared::TaskType::Command,
            status: statuses[i as usize % statuses.len()],
            frame_start: i64::from(i),
            frame_end: i64::from(i),
            worker_id: Some(WorkerId(i64::from(i % 50))),
            activity: format!("Fra:{i} Mem:512M | Rendering 12/64 samples"),
            failures: i % 3,
            steps_done: 12,
            steps_total: 64,
            started: Some(now),
            updated: now,
        })
        .collect();
    let mut open = OpenJob::new(JobId(1));
    open.add_page(page, u64::from(tasks), true);
    farm.open_job = Some(open);
    farm
}

fn input(t: f64, events: Vec<egui::Event>) -> egui::RawInput {
    egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1280.0, 800.0),
        )),
        time: Some(t),
        events,
        ..egui::RawInput::default()
    }
}

/// Runs `frames` frames and returns each one's time (UI pass plus tessellation).
fn frames(
    ctx: &egui::Context,
    view: &mut JobView,
    farm: &Farm,
    frames: u32,
    scroll: bool,
) -> Vec<Duration> {
    let no_preview = |_, _: &mut Vec<drover::command::Command>| None;
    let mut times = Vec::with_capacity(frames as usize);
    let mut commands = Vec::new();
    for i in 0..frames {
        let mut events = vec![egui::Event::PointerMoved(egui::pos2(400.0, 300.0))];
        if scroll {
            events.push(egui::Event::MouseWheel {
                unit: egui::MouseWheelUnit::Point,
                delta: egui::vec2(0.0, -600.0),
                phase: egui::TouchPhase::Move,
                source: egui::MouseWheelSource::Unknown,
                modifiers: egui::Modifiers::default(),
            });
        }
        let start = Instant::now();
        let output = ctx.run_ui(input(f64::from(i) / 60.0, events), |ui| {
            egui::CentralPanel::default().show(ui, |ui| {
                view.ui(ui, farm, &no_preview, false, &mut commands);
            });
        });
        let shapes = ctx.tessellate(output.shapes, output.pixels_per_point);
        times.push(start.elapsed());
        if i + 1 == frames {
            // Proof the frame drew the table: its vertex count and the first visible row.
            let vertices: usize = shapes
                .iter()
                .map(|p| match &p.primitive {
                    egui::epaint::Primitive::Mesh(m) => m.vertices.len(),
                    egui::epaint::Primitive::Callback(_) => 0,
                })
                .sum();
            println!(
                "  last frame: {vertices} vertices, first task row shown: {}",
                view.first_visible_row()
            );
        }
        commands.clear();
    }
    times
}

/// Prints the frame times of the Job view with `tasks` tasks.
pub fn run(tasks: u32) {
    let farm = farm(tasks);
    let ctx = egui::Context::default();
    let mut view = JobView::new();
    // Warm-up: fonts, the first layout.
    frames(&ctx, &mut view, &farm, 30, false);
    for (label, scroll) in [("still", false), ("scrolling", true)] {
        let mut times = frames(&ctx, &mut view, &farm, 600, scroll);
        times.sort();
        let q = |p: f64| crate::quantile_ms(&times, p);
        println!(
            "job view, {tasks} tasks, {label}: {} frames, p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
            times.len(),
            q(0.5),
            q(0.99),
            q(1.0)
        );
    }
}
