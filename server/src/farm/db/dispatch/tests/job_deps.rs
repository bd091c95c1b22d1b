//! Jobs waiting for jobs: whole jobs, frame by frame, held by a failed or canceled one,
//! released when it renders again or the dependency is removed, and no cycles.
use super::*;
use crate::farm::db::job_deps::{self, DepError};
use drover_shared::{DependMode, DependencyState};

impl Farm {
    fn depend(&self, job: JobId, on: &[JobId], mode: DependMode) {
        job_deps::set(&self.conn, job, on, mode).unwrap();
    }

    fn dependency(&self, job: JobId) -> Option<DependencyState> {
        self.job(job).dependency.map(|d| d.state)
    }
}

#[test]
fn a_job_waiting_for_a_whole_job_runs_nothing_until_it_completed() {
    let farm = Farm::new();
    let comp = farm.command_job("comp", "1-2", 90);
    let lighting = farm.command_job("lighting", "1-2", 10);
    farm.depend(comp.id, &[lighting.id], DependMode::Job);
    assert_eq!(farm.dependency(comp.id), Some(DependencyState::Waiting));
    let job = farm.job(comp.id);
    assert_eq!(job.depends_on, [lighting.id]);
    assert_eq!(
        job.dependency.unwrap().reason,
        format!("waiting for job {} (lighting)", lighting.id)
    );
    // The higher priority waits: the worker takes the lower one's frames.
    let worker = farm.worker("node-1");
    let first = farm.claim(worker).unwrap();
    assert_eq!(first.job_id, lighting.id);
    farm.complete(worker, first.id);
    let second = farm.claim(worker).unwrap();
    assert_eq!(second.job_id, lighting.id, "comp still waits for frame 2");
    farm.complete(worker, second.id);
    assert_eq!(farm.job(lighting.id).status, JobStatus::Completed);
    assert_eq!(farm.dependency(comp.id), None, "released on completion");
    assert_eq!(farm.claim(worker).unwrap().job_id, comp.id);
}

#[test]
fn frame_by_frame_a_task_runs_once_its_frames_are_rendered_upstream() {
    let farm = Farm::new();
    let render = farm.command_job("render", "1-4", 10);
    // Chunks of 2 downstream: frames 1-2 wait for upstream frames 1 and 2.
    let comp = farm.submit(
        "comp",
        JobKind::Command(CommandSettings {
            argv: vec!["true".into()],
            frames: "1-4".into(),
            chunk_size: 2,
        }),
        90,
        None,
    );
    farm.depend(comp.id, &[render.id], DependMode::Frame);
    assert_eq!(farm.dependency(comp.id), Some(DependencyState::Following));
    let worker = farm.worker("node-1");
    let frame = |task: &Task| (task.job_id, task.frame_start);
    let t1 = farm.claim(worker).unwrap();
    assert_eq!(frame(&t1), (render.id, 1));
    farm.complete(worker, t1.id);
    let t2 = farm.claim(worker).unwrap();
    assert_eq!(frame(&t2), (render.id, 2), "comp 1-2 still needs frame 2");
    farm.complete(worker, t2.id);
    let t3 = farm.claim(worker).unwrap();
    assert_eq!(frame(&t3), (comp.id, 1), "frames 1-2 are done upstream");
    farm.complete(worker, t3.id);
    let t4 = farm.claim(worker).unwrap();
    assert_eq!(frame(&t4), (render.id, 3));
    farm.complete(worker, t4.id);
    let t5 = farm.claim(worker).unwrap();
    assert_eq!(frame(&t5), (render.id, 4));
    farm.complete(worker, t5.id);
    assert_eq!(farm.dependency(comp.id), None);
    let t6 = farm.claim(worker).unwrap();
    assert_eq!(frame(&t6), (comp.id, 3));
}

#[test]
fn frame_by_frame_links_skip_the_videos_and_frames_not_rendered_upstream() {
    let farm = Farm::new();
    let render = farm.render_with_video("1-2");
    let comp = farm.command_job("comp", "2-3", 90);
    farm.depend(comp.id, &[render.id], DependMode::Frame);
    let worker = farm.worker("node-1");
    // Frame 3 is not rendered upstream: it runs at once; frame 2 waits for upstream frame 2,
    // not for the upstream video.
    let first = farm.claim(worker).unwrap();
    assert_eq!((first.job_id, first.frame_start), (comp.id, 3));
    farm.complete(worker, first.id);
    let mut order = Vec::new();
    while let Some(task) = farm.claim(worker) {
        order.push((task.job_id, task.name.clone()));
        farm.complete(worker, task.id);
    }
    let comp_2 = order.iter().position(|(job, _)| *job == comp.id).unwrap();
    let video = order.iter().position(|(_, name)| name == "video").unwrap();
    assert!(
        comp_2 < video,
        "comp frame 2 ran before the upstream video: {order:?}"
    );
}

#[test]
fn a_failed_or_canceled_upstream_job_holds_and_rendering_it_again_releases() {
    let farm = Farm::new();
    farm.set(&[("task_fail_worker_count", json!(1))]);
    let lighting = farm.command_job("lighting", "1", 10);
    let comp = farm.command_job("comp", "1", 90);
    farm.depend(comp.id, &[lighting.id], DependMode::Frame);
    let worker = farm.worker("node-1");
    let task = farm.claim(worker).unwrap();
    assert_eq!(task.job_id, lighting.id);
    farm.fail(worker, task.id);
    assert_eq!(farm.job(lighting.id).status, JobStatus::Failed);
    let held = farm.job(comp.id).dependency.unwrap();
    assert_eq!(held.state, DependencyState::Held);
    assert!(held.reason.contains("failed"), "{}", held.reason);
    assert!(
        farm.claim(farm.worker("node-2")).is_none(),
        "held: nothing runs"
    );

    // Rendered again, the upstream job is waited for once more.
    farm.command(lighting.id, JobCommand::RenderAgain);
    let mut events = Vec::new();
    push_dependents(&farm.conn, lighting.id, &mut events).unwrap();
    assert_eq!(farm.dependency(comp.id), Some(DependencyState::Following));
    assert!(
        matches!(&events[..], [EventKind::Job { job }] if job.id == comp.id),
        "{events:?}"
    );

    // Canceled, it holds again; removing the dependency releases the job.
    farm.command(lighting.id, JobCommand::Cancel);
    push_dependents(&farm.conn, lighting.id, &mut Vec::new()).unwrap();
    assert_eq!(farm.dependency(comp.id), Some(DependencyState::Held));
    farm.depend(comp.id, &[], DependMode::Frame);
    assert_eq!(farm.dependency(comp.id), None);
    assert_eq!(farm.claim(worker).unwrap().job_id, comp.id);
}

#[test]
fn a_job_may_not_wait_for_itself_even_through_others() {
    let farm = Farm::new();
    let a = farm.command_job("a", "1", 50);
    let b = farm.command_job("b", "1", 50);
    let c = farm.command_job("c", "1", 50);
    assert!(matches!(
        job_deps::set(&farm.conn, a.id, &[a.id], DependMode::Job),
        Err(DepError::OnItself(_))
    ));
    farm.depend(b.id, &[a.id], DependMode::Job);
    farm.depend(c.id, &[b.id], DependMode::Job);
    let refused = job_deps::set(&farm.conn, a.id, &[c.id], DependMode::Job);
    assert!(
        matches!(refused, Err(DepError::Cycle { upstream, .. }) if upstream == c.id),
        "{refused:?}"
    );
    assert!(farm.job(a.id).depends_on.is_empty(), "nothing stored");
    // A diamond is no cycle.
    farm.depend(c.id, &[a.id, b.id], DependMode::Job);
    assert_eq!(farm.job(c.id).depends_on, [a.id, b.id]);
}

#[test]
fn deleting_an_upstream_job_releases_the_jobs_waiting_for_it() {
    let farm = Farm::new();
    let lighting = farm.command_job("lighting", "1", 10);
    let comp = farm.command_job("comp", "1", 90);
    farm.depend(comp.id, &[lighting.id], DependMode::Job);
    let waiting = job_deps::dependents(&farm.conn, lighting.id).unwrap();
    assert_eq!(waiting, [comp.id]);
    jobs::delete(&farm.conn, &[lighting.id]).unwrap();
    assert!(job_deps::refresh(&farm.conn, comp.id).unwrap());
    let job = farm.job(comp.id);
    assert!(job.depends_on.is_empty());
    assert_eq!(job.dependency, None);
}

#[test]
fn frames_added_upstream_are_waited_for_frame_by_frame() {
    use crate::farm::db::frame_change::change_frames;
    let farm = Farm::new();
    let render = farm.command_job("render", "1-2", 10);
    let comp = farm.command_job("comp", "1-4", 90);
    farm.depend(comp.id, &[render.id], DependMode::Frame);
    // Frames 3-4 are not rendered upstream yet: they would run at once. Then the render
    // grows to 1-4, and they wait for it.
    let mut kind = render.kind.clone();
    kind.set_frames("1-4".into());
    let compiled = compile(&SubmitJob {
        name: "render".into(),
        project_id: farm.project,
        kind: kind.clone(),
        priority: Some(10),
        paused: false,
        tag: None,
        production_task_id: None,
        files: Vec::new(),
        depends_on: Vec::new(),
        depend_mode: DependMode::Job,
        max_workers: None,
        task_timeout_secs: None,
        limits: Vec::new(),
    })
    .unwrap();
    let change = change_frames(&farm.conn, &render, &kind, &compiled).unwrap();
    assert_eq!((change.added, change.removed), (2, 0));
    assert_eq!(farm.job(render.id).progress.total, 4);
    let worker = farm.worker("node-1");
    let mut order = Vec::new();
    while let Some(task) = farm.claim(worker) {
        order.push((task.job_id == comp.id, task.frame_start));
        farm.complete(worker, task.id);
    }
    // Each comp frame right after its render frame (comp's priority is higher).
    assert_eq!(
        order,
        [
            (false, 1),
            (true, 1),
            (false, 2),
            (true, 2),
            (false, 3),
            (true, 3),
            (false, 4),
            (true, 4)
        ]
    );
}

#[test]
fn frame_links_join_chunks_of_different_sizes_where_their_frames_overlap() {
    let farm = Farm::new();
    let chunked = |name: &str, chunk_size: u32| {
        farm.submit(
            name,
            JobKind::Command(CommandSettings {
                argv: vec!["true".into()],
                frames: "1-10".into(),
                chunk_size,
            }),
            50,
            None,
        )
    };
    // Upstream 1-3, 4-6, 7-9, 10; downstream 1-2, 3-4, 5-6, 7-8, 9-10.
    let render = chunked("render", 3);
    let comp = chunked("comp", 2);
    farm.depend(comp.id, &[render.id], DependMode::Frame);
    let links: Vec<(i64, i64)> = farm
        .conn
        .prepare(
            "SELECT d.frame_start, u.frame_start FROM task_deps x
             JOIN tasks d ON d.id = x.task_id JOIN tasks u ON u.id = x.depends_on
             WHERE d.job_id = ?1 AND u.job_id = ?2 ORDER BY 1, 2",
        )
        .unwrap()
        .query_map((comp.id, render.id), |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        links,
        [(1, 1), (3, 1), (3, 4), (5, 4), (7, 7), (9, 7), (9, 10)]
    );
}
