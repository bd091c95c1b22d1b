//! Sleep schedules on a real worker: inside its window it goes to sleep and takes no task;
//! when the schedule is turned off it wakes and renders. Managers set schedules; a bad one is
//! refused.

use drover_shared::api::{WEEKDAYS, WorkerSchedule};
use drover_shared::{JobStatus, Role, WorkerStatus};
use drover_tests::{job_done, project, setup, shell_job, wait_for, workers};
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_asleep_by_its_schedule_takes_no_task_until_it_wakes() {
    let (ts, admin) = setup().await;
    let p = project(&admin, "film").await;
    let _workers = workers(&ts, &admin, &["night-owl"]).await;
    let node = admin.workers().await.unwrap()[0].id;
    assert!(!admin.worker_schedule(node).await.unwrap().active);

    // Asleep all day, every day: the window runs from 00:00 to 24:00 local time.
    let always = WorkerSchedule {
        active: true,
        days: WEEKDAYS.iter().map(|d| (*d).to_owned()).collect(),
        start: "00:00".into(),
        end: "24:00".into(),
        utc_offset_minutes: 0,
    };
    let artist = ts.client_as(Role::Artist).await;
    let err = artist.set_worker_schedule(node, &always).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::FORBIDDEN));
    let mut bad = always.clone();
    bad.days = vec!["monday".into()];
    let err = admin.set_worker_schedule(node, &bad).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
    assert_eq!(
        admin.set_worker_schedule(node, &always).await.unwrap(),
        always
    );
    wait_for(20, "the worker to fall asleep", || async {
        let worker = admin.workers().await.unwrap().remove(0);
        (worker.status == WorkerStatus::Asleep).then_some(())
    })
    .await;

    let job = admin
        .submit_job(&shell_job(p.id, "1-2", "true"))
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    let waiting = admin.job(job.id).await.unwrap();
    assert_eq!(
        (waiting.status, waiting.progress.completed),
        (JobStatus::Queued, 0),
        "an asleep worker took a task"
    );

    // The schedule turned off: the worker it put to sleep wakes and renders.
    let off = WorkerSchedule {
        active: false,
        ..always
    };
    admin.set_worker_schedule(node, &off).await.unwrap();
    assert_eq!(
        job_done(&admin, job.id, 60).await.status,
        JobStatus::Completed
    );
}
