//! Jobs waiting for jobs, on real workers: frame by frame (a comp frame runs once the same
//! frame is rendered upstream, while the rest of the render goes on), whole jobs, a failed
//! upstream job holding the one waiting for it, and the refusals of `depends_on`.

use drover_shared::api::{JobDependencies, JobQuery, Settings, SubmitJob};
use drover_shared::{DependMode, DependencyState, JobId, JobStatus, ProjectId, Role};
use drover_tests::{job_done, join_team, project, setup, wait_for, workers};
use reqwest::StatusCode;
use std::path::Path;

/// A job named `name` running `sh -c script` per frame (`{start}` is the frame).
fn shell_job(project: ProjectId, name: &str, frames: &str, script: &str) -> SubmitJob {
    let mut job = drover_tests::shell_job(project, frames, script);
    job.name = name.into();
    job
}

/// The lines of `path`, or none when it does not exist.
fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn refused(e: &drover_shared::ClientError, status: StatusCode, words: &str) {
    assert_eq!(e.status(), Some(status), "{e}");
    assert!(e.to_string().contains(words), "{e} should say {words:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_comp_follows_its_render_frame_by_frame_on_real_workers() {
    let (ts, admin) = setup().await;
    let out = ts.dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let p = project(&admin, "film").await;
    // Each render frame takes a moment, then leaves its file; each comp frame notes, in one
    // log, whether its render frame was there when it started and which render frames were.
    let mut render = shell_job(
        p.id,
        "render",
        "1-6",
        &format!(
            "sleep 0.4; echo $(date +%s%N) > {}/render-{{start}}",
            out.display()
        ),
    );
    render.priority = Some(10);
    let render = admin.submit_job(&render).await.unwrap();
    let mut comp = shell_job(
        p.id,
        "comp",
        "1-6",
        &format!(
            "if [ -e {o}/render-{{start}} ]; then s=ready; else s=missing; fi; \
             echo \"{{start}} $s $(ls {o} | grep -c '^render-')\" >> {o}/comp.log",
            o = out.display()
        ),
    );
    comp.priority = Some(90);
    comp.depends_on = vec![render.id];
    comp.depend_mode = DependMode::Frame;
    let comp = admin.submit_job(&comp).await.unwrap();
    assert_eq!(comp.depends_on, [render.id]);
    assert_eq!(comp.depend_mode, DependMode::Frame);
    let following = comp.dependency.clone().expect("a state while render runs");
    assert_eq!(following.state, DependencyState::Following);
    assert_eq!(
        following.reason,
        format!("frame by frame after job {} (render)", render.id)
    );

    let _workers = workers(&ts, &admin, &["w1", "w2"]).await;
    assert_eq!(
        job_done(&admin, render.id, 60).await.status,
        JobStatus::Completed
    );
    let comp = job_done(&admin, comp.id, 60).await;
    assert_eq!(comp.status, JobStatus::Completed);
    assert_eq!(comp.dependency, None, "nothing left to wait for");
    let log = lines(&out.join("comp.log"));
    assert_eq!(log.len(), 6, "each comp frame ran once: {log:?}");
    for line in &log {
        assert!(
            line.contains(" ready "),
            "a comp frame ran before its render frame: {log:?}"
        );
    }
    // Frame by frame, not whole job: the first comp frame ran while render frames were still
    // missing (comp's priority puts its ready frames first).
    let rendered_then: Vec<usize> = log
        .iter()
        .map(|l| l.rsplit(' ').next().unwrap().parse().unwrap())
        .collect();
    assert!(
        rendered_then.iter().any(|&n| n < 6),
        "comp waited for the whole render: {log:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_waits_for_whole_jobs_and_a_failed_one_holds_it_until_released() {
    let (ts, admin) = setup().await;
    let map: Settings =
        serde_json::from_value(serde_json::json!({ "task_fail_worker_count": 1 })).unwrap();
    admin.update_settings(&map).await.unwrap();
    let out = ts.dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let p = project(&admin, "film").await;
    let note = |what: &str| format!("echo {what}-{{start}} >> {}/order.log", out.display());
    let sim = admin
        .submit_job(&shell_job(
            p.id,
            "sim",
            "1-3",
            &format!("sleep 0.2; {}", note("sim")),
        ))
        .await
        .unwrap();
    let broken = admin
        .submit_job(&shell_job(p.id, "broken", "1", "exit 3"))
        .await
        .unwrap();
    let mut light = shell_job(p.id, "light", "1-2", &note("light"));
    light.priority = Some(100);
    light.depends_on = vec![sim.id];
    let light = admin.submit_job(&light).await.unwrap();
    let waiting = light.dependency.clone().unwrap();
    assert_eq!(waiting.state, DependencyState::Waiting);
    assert_eq!(waiting.reason, format!("waiting for job {} (sim)", sim.id));
    let mut held = shell_job(p.id, "held", "1", &note("held"));
    held.depends_on = vec![broken.id, sim.id];
    let held = admin.submit_job(&held).await.unwrap();

    let _workers = workers(&ts, &admin, &["w1", "w2"]).await;
    assert_eq!(
        job_done(&admin, light.id, 60).await.status,
        JobStatus::Completed
    );
    let order = lines(&out.join("order.log"));
    let first_light = order.iter().position(|l| l.starts_with("light")).unwrap();
    let last_sim = order.iter().rposition(|l| l.starts_with("sim")).unwrap();
    assert!(
        last_sim < first_light,
        "light ran before sim ended: {order:?}"
    );
    assert_eq!(
        job_done(&admin, broken.id, 30).await.status,
        JobStatus::Failed
    );

    // Held by the failed job: nothing of it runs, and it says why.
    let job = wait_for(10, "the hold", || async {
        let job = admin.job(held.id).await.unwrap();
        (job.dependency.as_ref().map(|d| d.state) == Some(DependencyState::Held)).then_some(job)
    })
    .await;
    let reason = job.dependency.unwrap().reason;
    assert!(
        reason.contains(&format!("job {} (broken) failed", broken.id)),
        "{reason}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(admin.job(held.id).await.unwrap().status, JobStatus::Queued);
    assert!(
        !lines(&out.join("order.log"))
            .iter()
            .any(|l| l.starts_with("held"))
    );

    // Released by taking the failed job out of what it waits for.
    let released = admin
        .set_job_dependencies(
            held.id,
            &JobDependencies {
                depends_on: vec![sim.id],
                depend_mode: DependMode::Job,
            },
        )
        .await
        .unwrap();
    assert_eq!(released.depends_on, [sim.id]);
    assert_eq!(released.dependency, None, "sim completed");
    assert_eq!(
        job_done(&admin, held.id, 30).await.status,
        JobStatus::Completed
    );
}

#[tokio::test]
async fn dependencies_that_cannot_be_are_refused_and_nothing_is_stored() {
    let (ts, admin) = setup().await;
    let film = project(&admin, "film").await;
    let submit = |name: &str, on: Vec<JobId>| {
        let mut job = shell_job(film.id, name, "1", "true");
        job.paused = true;
        job.depends_on = on;
        job
    };
    let first = admin.submit_job(&submit("a", vec![])).await.unwrap();
    let second = admin
        .submit_job(&submit("b", vec![first.id]))
        .await
        .unwrap();
    let third = admin
        .submit_job(&submit("c", vec![second.id]))
        .await
        .unwrap();
    let set = |id: JobId, on: Vec<JobId>| {
        let admin = admin.clone();
        async move {
            admin
                .set_job_dependencies(
                    id,
                    &JobDependencies {
                        depends_on: on,
                        depend_mode: DependMode::Job,
                    },
                )
                .await
        }
    };
    let e = set(first.id, vec![third.id]).await.unwrap_err();
    refused(&e, StatusCode::BAD_REQUEST, "cycle");
    let e = set(first.id, vec![first.id]).await.unwrap_err();
    refused(&e, StatusCode::BAD_REQUEST, "cannot wait for itself");
    let e = set(first.id, vec![JobId(999_999)]).await.unwrap_err();
    refused(&e, StatusCode::BAD_REQUEST, "job 999999 does not exist");
    let e = set(first.id, (1..=101).map(JobId).collect())
        .await
        .unwrap_err();
    refused(&e, StatusCode::BAD_REQUEST, "at most 100");
    let e = admin
        .submit_job(&submit("d", vec![JobId(999_999)]))
        .await
        .unwrap_err();
    refused(&e, StatusCode::BAD_REQUEST, "does not exist");
    assert!(admin.job(first.id).await.unwrap().depends_on.is_empty());
    let all = admin.jobs(&JobQuery::default()).await.unwrap();
    assert_eq!(all.total, 3, "the refused job was not stored");

    // An artist on the team: may not change another's job, may not name a job it cannot see.
    let artist = ts.client_as(Role::Artist).await;
    join_team(&admin, film.id, &artist).await;
    let e = artist
        .set_job_dependencies(third.id, &JobDependencies::default())
        .await
        .unwrap_err();
    refused(
        &e,
        StatusCode::FORBIDDEN,
        "only control the jobs they submitted",
    );
    let elsewhere = project(&admin, "other").await;
    let hidden = admin
        .submit_job(&shell_job(elsewhere.id, "hidden", "1", "true"))
        .await
        .unwrap();
    // A render (artists may not run commands of their own).
    let mut mine = drover_tests::render_job(film.id, "1", 1);
    mine.depends_on = vec![hidden.id];
    let e = artist.submit_job(&mine).await.unwrap_err();
    refused(
        &e,
        StatusCode::BAD_REQUEST,
        &format!("job {} does not exist", hidden.id),
    );
    let client = ts.client_as(Role::Client).await;
    join_team(&admin, film.id, &client).await;
    let e = client
        .set_job_dependencies(first.id, &JobDependencies::default())
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::FORBIDDEN));

    // Deleting a job releases those waiting for it.
    assert!(admin.job(second.id).await.unwrap().dependency.is_some());
    admin.delete_job(first.id).await.unwrap();
    let second = admin.job(second.id).await.unwrap();
    assert!(
        second.depends_on.is_empty() && second.dependency.is_none(),
        "{second:?}"
    );
}
