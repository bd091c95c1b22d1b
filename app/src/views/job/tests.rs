//! Unit tests of the parent module.
use super::*;
use crate::model::tests::{farm, job_in};
use drover_shared::{JobId, JobStatus, Role, TaskAction};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

type State = (JobView, Farm, Vec<Command>);

/// The Job view alone on a hand-built farm with `job` open (no previews).
fn harness(job: Job) -> Harness<'static, State> {
    let id = job.id;
    let mut farm = farm(Role::Manager, vec![job]);
    farm.open_job = Some(OpenJob::new(id));
    let mut harness = Harness::builder()
        .with_size([1280.0, 800.0])
        .build_ui_state(
            |ui, (view, farm, commands): &mut State| {
                let no_preview = |_, _: &mut Vec<Command>| None;
                view.ui(ui, farm, &no_preview, false, commands);
            },
            (JobView::new(), farm, Vec::new()),
        );
    harness.run_steps(2);
    harness
}

/// The job commands the header offers (enabled) for a job in `status`.
fn offered(status: JobStatus, failed: u64) -> Vec<&'static str> {
    let h = harness(job_in(1, status, failed));
    [
        "Pause",
        "Resume",
        "Cancel",
        "Requeue failed",
        "Render again…",
    ]
    .into_iter()
    .filter(|label| !h.get_by_label(label).accesskit_node().is_disabled())
    .collect()
}

#[test]
fn each_status_offers_the_commands_it_takes() {
    assert_eq!(offered(JobStatus::Queued, 0), ["Pause", "Cancel"]);
    assert_eq!(offered(JobStatus::Active, 0), ["Pause", "Cancel"]);
    assert_eq!(
        offered(JobStatus::Active, 1),
        ["Pause", "Cancel", "Requeue failed"]
    );
    assert_eq!(offered(JobStatus::Paused, 0), ["Resume", "Cancel"]);
    assert_eq!(offered(JobStatus::Completed, 0), ["Render again…"]);
    assert_eq!(
        offered(JobStatus::Failed, 3),
        ["Requeue failed", "Render again…"]
    );
    assert_eq!(offered(JobStatus::Canceled, 0), ["Render again…"]);
}

#[test]
fn render_again_asks_first_then_resets_the_job() {
    let mut h = harness(job_in(4, JobStatus::Completed, 0));
    h.get_by_label("Render again…").click();
    h.run_steps(2);
    h.get_by_label("Render again?");
    assert!(h.state().2.is_empty(), "nothing is sent before the answer");
    h.get_by_label("Render again").click();
    h.run_steps(2);
    assert!(
        matches!(
            h.state().2.as_slice(),
            [Command::JobCommand { ids, command: JobCommand::RenderAgain, priority: None }]
                if ids == &[JobId(4)]
        ),
        "one reset of this job"
    );
    assert!(h.query_by_label("Render again?").is_none());
}

#[test]
fn a_held_job_says_why_and_its_dependencies_are_edited_in_place() {
    let mut upstream = job_in(3, JobStatus::Failed, 20);
    upstream.name = "lighting".into();
    let mut job = job_in(5, JobStatus::Queued, 0);
    job.name = "comp".into();
    job.depends_on = vec![JobId(3)];
    job.depend_mode = drover_shared::DependMode::Frame;
    job.dependency = Some(drover_shared::api::JobDependency {
        state: drover_shared::DependencyState::Held,
        reason: "held: job 3 (lighting) failed; render it again or remove the dependency".into(),
    });
    let mut farm = farm(Role::Manager, vec![upstream, job]);
    farm.open_job = Some(OpenJob::new(JobId(5)));
    let mut h = Harness::builder()
        .with_size([1280.0, 800.0])
        .build_ui_state(
            |ui, (view, farm, commands): &mut State| {
                let no_preview = |_, _: &mut Vec<Command>| None;
                view.ui(ui, farm, &no_preview, false, commands);
            },
            (JobView::new(), farm, Vec::new()),
        );
    h.run_steps(2);
    // The chip says held instead of queued, the row says why and on what.
    assert!(!h.query_all_by_label("held").collect::<Vec<_>>().is_empty());
    h.get_by_label("Waits for (frame by frame):");
    h.get_by_label("held: job 3 (lighting) failed; render it again or remove the dependency");
    h.get_by_label("#3 lighting").click();
    h.run_steps(2);
    assert!(matches!(
        h.state().2.as_slice(),
        [Command::OpenJob(JobId(3))]
    ));
    h.state_mut().2.clear();

    h.get_by_label("Change…").click();
    h.run_steps(2);
    let field = h.get_by_role(egui::accesskit::Role::TextInput);
    assert_eq!(field.value().as_deref(), Some("3"));
    field.click();
    h.run_steps(1);
    h.get_by_role(egui::accesskit::Role::TextInput)
        .type_text(", shot");
    h.run_steps(2);
    h.get_by_label("Save").click();
    h.run_steps(2);
    h.get_by_label("“shot” is not a job number");
    assert!(
        h.state().2.is_empty(),
        "nothing is sent while the list is wrong"
    );
    h.get_by_label("Discard").click();
    h.run_steps(2);
    assert!(
        h.query_by_label("Save").is_none(),
        "Discard closed the editor"
    );
    h.get_by_label("Change…").click();
    h.run_steps(2);
    // Whole jobs instead of frame by frame.
    h.get_by_label("waiting for").click();
    h.run_steps(2);
    h.get_by_label("whole jobs").click();
    h.run_steps(2);
    h.get_by_label("Save").click();
    h.run_steps(2);
    assert!(
        matches!(
            h.state().2.as_slice(),
            [Command::SetDependencies { job: JobId(5), depends_on, mode: drover_shared::DependMode::Job }]
                if depends_on == &[JobId(3)]
        ),
        "{:?}",
        h.state().2
    );
    assert!(h.query_by_label("Save").is_none(), "the editor closed");
}

/// A task of job 1 rendering `frame`, in `status`.
fn task(id: i64, frame: i64, status: TaskStatus) -> drover_shared::api::Task {
    drover_shared::api::Task {
        id: drover_shared::TaskId(id),
        job_id: JobId(1),
        name: format!("frame {frame}"),
        task_type: drover_shared::TaskType::Command,
        status,
        frame_start: frame,
        frame_end: frame,
        worker_id: None,
        activity: String::new(),
        failures: 0,
        steps_done: 0,
        steps_total: 0,
        started: None,
        updated: time::OffsetDateTime::UNIX_EPOCH,
    }
}

#[test]
fn picked_tasks_are_requeued_skipped_or_failed_from_the_context_menu() {
    use drover_shared::TaskId;
    let mut h = harness(job_in(1, JobStatus::Active, 0));
    let tasks = (0..5)
        .map(|i| task(100 + i, 1001 + i, TaskStatus::Queued))
        .collect();
    h.state_mut()
        .1
        .open_job
        .as_mut()
        .unwrap()
        .add_page(tasks, 5, true);
    h.run_steps(2);
    // Click frame 1001, Shift-click 1003: three rows; Ctrl-click 1005 adds a fourth,
    // Ctrl-click 1002 takes one out.
    h.get_by_label("1001").click();
    h.run_steps(1);
    h.get_by_label("1003")
        .click_modifiers(egui::Modifiers::SHIFT);
    h.run_steps(1);
    h.get_by_label("1005")
        .click_modifiers(egui::Modifiers::COMMAND);
    h.run_steps(1);
    h.get_by_label("1002")
        .click_modifiers(egui::Modifiers::COMMAND);
    h.run_steps(2);
    let ids = |n: &[i64]| n.iter().map(|&i| TaskId(i)).collect::<Vec<_>>();
    assert_eq!(h.state().0.picked_tasks(), ids(&[100, 102, 104]));
    h.state_mut().2.clear();

    // The menu on a picked row acts on every picked task.
    h.get_by_label("1003").click_secondary();
    h.run_steps(2);
    h.get_by_label("Skip 3 tasks").click();
    h.run_steps(2);
    assert!(
        matches!(
            h.state().2.as_slice(),
            [Command::TaskAction { job: JobId(1), action: TaskAction::Skip, ids: picked }]
                if picked == &ids(&[100, 102, 104])
        ),
        "{:?}",
        h.state().2
    );
    h.state_mut().2.clear();

    // On a row not picked, on that row alone.
    h.get_by_label("1002").click_secondary();
    h.run_steps(2);
    h.get_by_label("Fail this task").click();
    h.run_steps(2);
    assert!(
        matches!(
            h.state().2.as_slice(),
            [Command::TaskAction { action: TaskAction::Fail, ids: one, .. }]
                if one == &ids(&[101])
        ),
        "{:?}",
        h.state().2
    );
}

#[test]
fn the_job_is_followed_and_unfollowed_from_its_header() {
    let mut h = harness(job_in(4, JobStatus::Active, 0));
    h.get_by_label("Follow job").click();
    h.run_steps(2);
    assert!(matches!(
        h.state().2.as_slice(),
        [Command::FollowJob(JobId(4), true)]
    ));
    h.state_mut().2.clear();
    h.state_mut().1.notices.subscriptions.jobs = vec![JobId(4)];
    h.run_steps(2);
    h.get_by_label("Following job").click();
    h.run_steps(2);
    assert!(matches!(
        h.state().2.as_slice(),
        [Command::FollowJob(JobId(4), false)]
    ));
}
