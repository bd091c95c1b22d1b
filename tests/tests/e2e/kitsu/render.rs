//! Farm ⇄ production: a render job linked to a production task comments on it when it ends.

use super::{call, id};
use drover_shared::api::SubmitJob;
use drover_shared::{Client, JobStatus, ProductionTaskId};
use drover_tests::{Process, TestServer, command_job, project, setup, start_worker, wait_for};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// A worker process for the farm tests.
async fn worker(ts: &TestServer, admin: &Client) -> Process {
    let token = admin.join_token().await.unwrap().token;
    start_worker(&ts.url(), &token, "w1", ts.dir.path())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn render_jobs_comment_on_their_production_task() {
    let (ts, admin) = setup().await;
    let farm = project(&admin, "Linked").await;
    let kitsu = call(&admin, Method::GET, "/data/projects?name=Linked", None, 200).await[0].clone();
    let shot = call(
        &admin,
        Method::POST,
        &format!("/data/projects/{}/shots", id(&kitsu)),
        Some(json!({"name": "SH020"})),
        201,
    )
    .await;
    let lighting = call(
        &admin,
        Method::GET,
        "/data/task-types?name=Lighting",
        None,
        200,
    )
    .await[0]
        .clone();
    let task = call(&admin, Method::POST, "/data/tasks", Some(json!({"project_id": id(&kitsu), "entity_id": id(&shot), "task_type_id": id(&lighting), "task_status_id": "3c1e3b0e-8a33-4a43-9d57-5a8c8f000101"})), 201).await;
    let task: ProductionTaskId = id(&task).parse().unwrap();

    // Submission checks the task: it must exist, be visible, and be in the job's project.
    // A production task id is a UUID, read once as the body is: anything else is a 400 that
    // says so.
    let mut not_an_id = serde_json::to_value(command_job(farm.id, "1", 1)).unwrap();
    not_an_id["production_task_id"] = json!("SH020");
    let refused = admin
        .send_json(Method::POST, "/jobs", &not_an_id)
        .await
        .unwrap();
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let message = refused.body.unwrap()["message"].to_string();
    assert!(
        message.contains("`SH020` is not a production task id"),
        "{message}"
    );
    // Any form of a UUID is the same task; the job keeps it as Kitsu writes it.
    let mut shouted = serde_json::to_value(command_job(farm.id, "1", 1)).unwrap();
    shouted["production_task_id"] = json!(task.0.simple().to_string().to_uppercase());
    let taken = admin
        .send_json(Method::POST, "/jobs", &shouted)
        .await
        .unwrap();
    assert_eq!(taken.status, StatusCode::CREATED, "{:?}", taken.body);
    let taken = taken.body.unwrap();
    assert_eq!(taken["production_task_id"], json!(task.to_string()));
    admin
        .delete_job(serde_json::from_value(taken["id"].clone()).unwrap())
        .await
        .unwrap();
    let mut bad: SubmitJob = command_job(farm.id, "1", 1);
    bad.production_task_id = Some(ProductionTaskId(uuid::Uuid::new_v4()));
    assert_eq!(
        admin.submit_job(&bad).await.unwrap_err().status(),
        Some(StatusCode::BAD_REQUEST)
    );
    let other = project(&admin, "Other").await;
    let mut elsewhere = command_job(other.id, "1", 1);
    elsewhere.production_task_id = Some(task);
    assert_eq!(
        admin.submit_job(&elsewhere).await.unwrap_err().status(),
        Some(StatusCode::BAD_REQUEST)
    );

    let _worker = worker(&ts, &admin).await;
    let mut good = command_job(farm.id, "1-2", 1);
    good.production_task_id = Some(task);
    let job = admin.submit_job(&good).await.unwrap();
    assert_eq!(job.production_task_id, Some(task));
    let comments = wait_for(60, "the job's comment", || async {
        let found = call(
            &admin,
            Method::GET,
            &format!("/data/tasks/{task}/comments"),
            None,
            200,
        )
        .await;
        (!found.as_array().unwrap().is_empty()).then_some(found)
    })
    .await;
    assert_eq!(
        admin.job(job.id).await.unwrap().status,
        JobStatus::Completed
    );
    assert!(
        comments[0]["text"].as_str().unwrap().contains("completed"),
        "{comments}"
    );
    assert_eq!(comments[0]["task_status"]["short_name"], "wfa");
    let full = call(
        &admin,
        Method::GET,
        &format!("/data/tasks/{task}/full"),
        None,
        200,
    )
    .await;
    assert_eq!(full["task_status"]["short_name"], "wfa");
    assert_eq!(full["render_jobs"][0]["id"], job.id.0);

    // A failing job says so, with the end of its log (one failed run fails the task here).
    let settings: drover_shared::api::Settings =
        serde_json::from_value(json!({"task_fail_worker_count": 1})).unwrap();
    admin.update_settings(&settings).await.unwrap();
    let mut failing = command_job(farm.id, "1", 1);
    failing.kind = drover_shared::api::JobKind::Command(drover_shared::api::CommandSettings {
        argv: vec!["sh".into(), "-c".into(), "echo the-sky-fell; exit 3".into()],
        frames: "1".into(),
        chunk_size: 1,
    });
    failing.production_task_id = Some(task);
    admin.submit_job(&failing).await.unwrap();
    let failed = wait_for(120, "the failure comment", || async {
        let found = call(
            &admin,
            Method::GET,
            &format!("/data/tasks/{task}/comments"),
            None,
            200,
        )
        .await;
        (found.as_array().unwrap().len() == 2).then_some(found)
    })
    .await;
    let text = failed[0]["text"].as_str().unwrap();
    assert!(
        text.contains("failed") && text.contains("the-sky-fell"),
        "{text}"
    );
    // The status stays where the last render left it.
    assert_eq!(failed[0]["task_status"]["short_name"], "wfa");
}
