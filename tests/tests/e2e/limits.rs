//! Limits on real workers: a farm limit and a job's `max_workers` never let more tasks run at
//! once than they say, while idle workers wait; and who may set what.

use drover_shared::api::{CommandSettings, JobKind, JobLimits, SubmitJob};
use drover_shared::{JobStatus, ProjectId, Role};
use drover_tests::{job_done, project, setup, workers};
use reqwest::StatusCode;
use std::path::Path;

/// A job whose every frame notes its start and end (in ns) in `log`, running 0.3 s between.
fn timed_job(project: ProjectId, name: &str, log: &Path) -> SubmitJob {
    let mut job = drover_tests::command_job(project, "1-4", 1);
    job.name = name.into();
    let script = format!(
        "echo \"start $(date +%s%N)\" >> {log}; sleep 0.3; echo \"end $(date +%s%N)\" >> {log}",
        log = log.display()
    );
    job.kind = JobKind::Command(CommandSettings {
        argv: vec!["sh".into(), "-c".into(), script],
        frames: "1-4".into(),
        chunk_size: 1,
    });
    job
}

/// The most frames of a log that ran at the same time.
fn most_at_once(log: &Path) -> usize {
    let mut marks: Vec<(u128, i32)> = std::fs::read_to_string(log)
        .unwrap()
        .lines()
        .map(|line| {
            let (what, when) = line.split_once(' ').unwrap();
            (when.parse().unwrap(), if what == "start" { 1 } else { -1 })
        })
        .collect();
    // At equal times an end comes before a start.
    marks.sort_unstable();
    let (mut now, mut most) = (0, 0);
    for (_, step) in marks {
        now += step;
        most = most.max(now);
    }
    most as usize
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_farm_limit_and_a_jobs_max_workers_hold_real_workers_back() {
    let (ts, admin) = setup().await;
    let p = project(&admin, "film").await;
    admin.set_limit("nuke-licences", 1).await.unwrap();
    let dir = ts.dir.path();
    let mut licensed = timed_job(p.id, "comp", &dir.join("comp.log"));
    licensed.limits = vec!["nuke-licences".into()];
    let licensed = admin.submit_job(&licensed).await.unwrap();
    assert_eq!(licensed.limits, ["nuke-licences"]);
    let mut capped = timed_job(p.id, "sim", &dir.join("sim.log"));
    capped.max_workers = Some(2);
    let capped = admin.submit_job(&capped).await.unwrap();
    assert_eq!(capped.max_workers, Some(2));

    let _workers = workers(&ts, &admin, &["w1", "w2", "w3", "w4"]).await;
    assert_eq!(
        job_done(&admin, licensed.id, 60).await.status,
        JobStatus::Completed
    );
    assert_eq!(
        job_done(&admin, capped.id, 60).await.status,
        JobStatus::Completed
    );
    assert_eq!(most_at_once(&dir.join("comp.log")), 1, "one licence");
    assert!(
        most_at_once(&dir.join("sim.log")) <= 2,
        "two workers at most"
    );
    let limits = admin.limits().await.unwrap();
    assert_eq!((limits[0].in_use, limits[0].jobs), (0, 1));
}

#[tokio::test]
async fn managers_set_farm_limits_and_jobs_name_only_those() {
    let (ts, admin) = setup().await;
    let p = project(&admin, "film").await;
    let artist = ts.client_as(Role::Artist).await;
    drover_tests::join_team(&admin, p.id, &artist).await;
    let e = artist.set_limit("gpu", 2).await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::FORBIDDEN));
    let e = admin.set_limit("two words", 2).await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::BAD_REQUEST));
    let listed = admin.set_limit("gpu", 2).await.unwrap();
    assert_eq!((listed[0].name.as_str(), listed[0].max_running), ("gpu", 2));
    assert_eq!(
        artist.limits().await.unwrap(),
        listed,
        "everyone sees the limits"
    );

    // An unknown limit, a zero: refused, nothing stored.
    let mut job = drover_tests::render_job(p.id, "1-2", 1);
    job.limits = vec!["nuke".into()];
    let e = artist.submit_job(&job).await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::BAD_REQUEST), "{e}");
    assert!(e.to_string().contains("no farm limit \"nuke\""), "{e}");
    job.limits = vec!["gpu".into()];
    job.max_workers = Some(0);
    let e = artist.submit_job(&job).await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::BAD_REQUEST), "{e}");
    job.max_workers = Some(1);
    job.task_timeout_secs = Some(3600);
    let job = artist.submit_job(&job).await.unwrap();
    assert_eq!(
        (job.max_workers, job.task_timeout_secs, job.limits.clone()),
        (Some(1), Some(3600), vec!["gpu".to_owned()])
    );

    // Changed later by who controls the job; not by another artist.
    let other = ts.client_as(Role::Artist).await;
    drover_tests::join_team(&admin, p.id, &other).await;
    let e = other
        .set_job_limits(job.id, &JobLimits::default())
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::FORBIDDEN));
    let changed = artist
        .set_job_limits(
            job.id,
            &JobLimits {
                max_workers: None,
                task_timeout_secs: Some(60),
                limits: Vec::new(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (changed.max_workers, changed.task_timeout_secs),
        (None, Some(60))
    );
    assert!(changed.limits.is_empty());

    let e = admin.delete_limit("nuke").await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::NOT_FOUND));
    admin.delete_limit("gpu").await.unwrap();
    assert!(admin.limits().await.unwrap().is_empty());
}
