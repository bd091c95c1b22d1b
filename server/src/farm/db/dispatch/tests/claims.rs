//! Which task a worker is given: by priority, age and frame, by tag and task type, and
//! never before the tasks it depends on.
use super::*;

#[test]
fn claim_takes_the_highest_priority_job_first() {
    let farm = Farm::new();
    let low = farm.command_job("low", "1-2", 10);
    let high = farm.command_job("high", "1-2", 90);
    let middle = farm.command_job("middle", "1-2", 50);
    let order: Vec<JobId> = (0..6)
        .map(|n| {
            let worker = farm.worker(&format!("node-{n}"));
            farm.claim(worker).unwrap().job_id
        })
        .collect();
    assert_eq!(
        order,
        [high.id, high.id, middle.id, middle.id, low.id, low.id]
    );
}

#[test]
fn claim_takes_the_oldest_job_among_equal_priorities() {
    let farm = Farm::new();
    let older = farm.command_job("older", "1", 50);
    let newer = farm.command_job("newer", "1", 50);
    let first = farm.claim(farm.worker("node-1"));
    let second = farm.claim(farm.worker("node-2"));
    assert_eq!(picked(first.as_ref()), Some((older.id, 1)));
    assert_eq!(picked(second.as_ref()), Some((newer.id, 1)));
}

#[test]
fn claim_hands_out_a_jobs_tasks_in_frame_order() {
    let farm = Farm::new();
    let job = farm.command_job("shot", "5,1-3", 50);
    let frames: Vec<i64> = (0..4)
        .map(|n| {
            let task = farm.claim(farm.worker(&format!("node-{n}"))).unwrap();
            assert_eq!(task.job_id, job.id);
            task.frame_start
        })
        .collect();
    assert_eq!(frames, [1, 2, 3, 5]);
}

#[test]
fn raising_a_jobs_priority_puts_it_first_in_the_queue() {
    let farm = Farm::new();
    let first = farm.command_job("first", "1-2", 50);
    let second = farm.command_job("second", "1-2", 50);
    jobs::apply_command(&farm.conn, second.id, JobCommand::SetPriority, Some(80)).unwrap();
    let task = farm.claim(farm.worker("node-1")).unwrap();
    assert_eq!(task.job_id, second.id);
    assert_ne!(task.job_id, first.id);
}

#[test]
fn tagged_job_goes_only_to_workers_with_its_tag() {
    let farm = Farm::new();
    let job = farm.submit("gpu shot", command("1-2"), 50, Some("gpu"));
    let untagged = farm.worker("cpu-node");
    let other_tag = farm.worker_with("big-ram", &["ram"], ALL_TYPES);
    let gpu = farm.worker_with("gpu-node", &["ram", "gpu"], ALL_TYPES);
    assert_eq!(farm.claim(untagged), None);
    assert_eq!(farm.claim(other_tag), None);
    assert_eq!(picked(farm.claim(gpu).as_ref()), Some((job.id, 1)));
}

#[test]
fn untagged_job_goes_to_tagged_workers_too() {
    let farm = Farm::new();
    let job = farm.command_job("anywhere", "1", 50);
    let gpu = farm.worker_with("gpu-node", &["gpu"], ALL_TYPES);
    assert_eq!(picked(farm.claim(gpu).as_ref()), Some((job.id, 1)));
}

#[test]
fn worker_gets_only_the_task_types_it_runs() {
    let farm = Farm::new();
    let render = farm.submit(
        "render",
        JobKind::BlenderRender(BlenderRenderSettings {
            blend_file: "/projects/spring/shot.blend".into(),
            frames: "1".into(),
            chunk_size: 1,
            output: "//render/frame_####".into(),
            format: ImageFormat::default(),
            scene: None,
            video: false,
            fps: None,
            auto_run_python: false,
        }),
        90,
        None,
    );
    let script = farm.command_job("script", "1", 10);
    let commands_only = farm.worker_with("shell-node", &[], &[TaskType::Command]);
    let renders_only = farm.worker_with("blender-node", &[], &[TaskType::BlenderRender]);
    let ffmpeg_only = farm.worker_with("ffmpeg-node", &[], &[TaskType::Ffmpeg]);
    assert_eq!(
        picked(farm.claim(commands_only).as_ref()),
        Some((script.id, 1)),
        "the higher-priority render is not this worker's type"
    );
    assert_eq!(
        picked(farm.claim(renders_only).as_ref()),
        Some((render.id, 1))
    );
    assert_eq!(farm.claim(ffmpeg_only), None);
}

#[test]
fn video_task_waits_for_every_frame_task() {
    let farm = Farm::new();
    let job = farm.render_with_video("1-3");
    let tasks = farm.tasks_of(job.id);
    let video = tasks.last().unwrap();
    assert_eq!((video.task_type, tasks.len()), (TaskType::Ffmpeg, 4));
    let runners: Vec<(WorkerId, Task)> = (1..=3)
        .map(|n| {
            let worker = farm.worker(&format!("node-{n}"));
            (worker, farm.claim(worker).unwrap())
        })
        .collect();
    let joiner = farm.worker("joiner");
    assert_eq!(farm.claim(joiner), None, "every frame still runs");
    for (worker, task) in &runners[..2] {
        farm.complete(*worker, task.id);
    }
    assert_eq!(farm.claim(joiner), None, "frame 3 still runs");
    let (worker, task) = &runners[2];
    farm.complete(*worker, task.id);
    assert_eq!(farm.claim(joiner).map(|t| t.id), Some(video.id));
}

#[test]
fn task_whose_dependency_failed_is_never_handed_out() {
    let farm = Farm::new();
    // One worker's failure fails a frame for good; the job itself carries on.
    farm.set(&[
        ("task_fail_worker_count", json!(1)),
        ("job_fail_percent", json!(100)),
    ]);
    let job = farm.render_with_video("1-2");
    let first = farm.worker("node-1");
    let second = farm.worker("node-2");
    let frame_1 = farm.claim(first).unwrap();
    let frame_2 = farm.claim(second).unwrap();
    farm.fail(first, frame_1.id);
    farm.complete(second, frame_2.id);
    assert_eq!(farm.task(frame_1.id).status, TaskStatus::Failed);
    for worker in [first, second, farm.worker("node-3")] {
        assert_eq!(farm.claim(worker), None);
    }
    let video = farm.tasks_of(job.id).pop().unwrap();
    assert_eq!(video.status, TaskStatus::Queued);
}
