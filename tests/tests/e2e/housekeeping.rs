//! Housekeeping: jobs past the days the farm keeps their status are archived (their logs,
//! previews and outputs removed, the job still listed) or deleted, in the background; and
//! the farm's disk use, for managers.

use drover_shared::Role;
use drover_shared::api::Settings;
use drover_tests::{job_done, project, setup, shell_job, wait_for, workers};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_jobs_are_archived_or_deleted_with_their_files() {
    let (ts, admin) = setup().await;
    let p = project(&admin, "film").await;
    let manager = ts.client_as(Role::Manager).await;
    let _workers = workers(&ts, &admin, &["w1"]).await;
    let logs = |job: drover_shared::JobId| ts.dir.path().join("logs").join(format!("job-{job}"));

    let first = manager
        .submit_job(&shell_job(p.id, "1-2", "echo rendering; echo done"))
        .await
        .unwrap();
    job_done(&admin, first.id, 60).await;
    assert!(logs(first.id).exists(), "the job wrote its logs");

    // The disk's use, for managers only.
    let disk = manager.farm_disk().await.unwrap();
    assert!(disk.logs_bytes > 0 && disk.database_bytes > 0, "{disk:?}");
    assert!(disk.free_bytes.is_some() && disk.total_bytes >= disk.free_bytes);
    let artist = ts.client_as(Role::Artist).await;
    let err = artist.farm_disk().await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::FORBIDDEN));

    // Completed jobs are kept a tenth of a second: the job is archived, its logs go, and it
    // is still listed.
    let keep = |pairs: &[(&str, serde_json::Value)]| -> Settings {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    };
    admin
        .update_settings(&keep(&[("keep_completed_days", json!(0.000_001))]))
        .await
        .unwrap();
    let archived = wait_for(30, "the job archived", || async {
        let job = manager.job(first.id).await.unwrap();
        job.archived.is_some().then_some(job)
    })
    .await;
    assert!(!logs(first.id).exists(), "its logs were removed");
    assert_eq!(archived.status, drover_shared::JobStatus::Completed);
    assert!(manager.farm_disk().await.unwrap().logs_bytes < disk.logs_bytes);

    // With `delete`, the next one goes altogether.
    admin
        .update_settings(&keep(&[("housekeeping", json!("delete"))]))
        .await
        .unwrap();
    let second = manager
        .submit_job(&shell_job(p.id, "1", "echo again"))
        .await
        .unwrap();
    wait_for(60, "the job deleted", || async {
        let gone = manager
            .job(second.id)
            .await
            .is_err_and(|e| e.status() == Some(StatusCode::NOT_FOUND));
        gone.then_some(())
    })
    .await;
    assert!(!logs(second.id).exists());
    // The archived one stays archived, not deleted.
    assert!(manager.job(first.id).await.unwrap().archived.is_some());

    // Bad values are refused.
    for bad in [json!(-1), json!("a week")] {
        let err = admin
            .update_settings(&keep(&[("keep_failed_days", bad.clone())]))
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST), "{bad}");
    }
}
