//! Projects, workers, managers and settings: the farm API.

use drover_server::error::ApiError;
use drover_server::farm::db;
use drover_shared::api::{ProjectInput, Settings, WorkerStatusChange};
use drover_shared::{ProjectId, Role, WorkerId, WorkerStatus};
use drover_tests::setup;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn projects_list_active_keyed_by_id_and_detail_has_the_seed_fields() {
    let (ts, admin) = setup().await;
    let input = ProjectInput {
        name: Some("Caminandes".into()),
        description: Some("One Llama".into()),
        path_osx: Some("/Users/fsiddi/pampa/shots".into()),
        path_server: Some("/Users/fsiddi/pampa/shots".into()),
        render_path_server: Some("/Volumes/PROJECTS/storage/render".into()),
        ..ProjectInput::default()
    };
    let p = admin.create_project(&input).await.unwrap();
    let old = admin
        .create_project(&ProjectInput {
            name: Some("Old".into()),
            is_active: Some(false),
            ..ProjectInput::default()
        })
        .await
        .unwrap();
    let list = admin.projects(false).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[&p.id.to_string()].description, "One Llama");
    assert_eq!(admin.projects(true).await.unwrap().len(), 2);

    let raw = admin
        .raw(Method::GET, &format!("/projects/{}", p.id), None)
        .await
        .unwrap();
    let mut keys: Vec<_> = raw
        .body
        .unwrap()
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "id",
            "is_active",
            "name",
            "path_linux",
            "path_osx",
            "path_server",
            "path_win",
            "render_path_linux",
            "render_path_osx",
            "render_path_server",
            "render_path_win"
        ]
    );
    let err = admin.project(ProjectId(999)).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));

    let edit = ProjectInput {
        is_active: Some(true),
        path_linux: Some("/mnt/p".into()),
        ..ProjectInput::default()
    };
    let edited = admin.update_project(old.id, &edit).await.unwrap();
    assert!(edited.is_active);
    assert_eq!(
        (edited.name.as_str(), edited.path_linux.as_str()),
        ("Old", "/mnt/p")
    );
    let err = admin
        .update_project(ProjectId(999), &edit)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
    let err = admin
        .create_project(&ProjectInput::default())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));

    let artist = ts.client_as(Role::Artist).await;
    assert!(
        artist.projects(false).await.unwrap().is_empty(),
        "artists see their team's projects only"
    );
    drover_tests::join_team(&admin, edited.id, &artist).await;
    assert_eq!(artist.projects(false).await.unwrap().len(), 1);
    let err = artist.create_project(&input).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::FORBIDDEN));
}

#[tokio::test]
async fn worker_status_changes() {
    let (ts, admin) = setup().await;
    // Render nodes register through the worker protocol; here one is seeded in the store.
    let worker = ts
        .server
        .state()
        .store
        .write(|c| db::workers::insert(c, "node-1", WorkerStatus::Idle).map_err(ApiError::from))
        .await
        .unwrap();
    assert_eq!(admin.workers().await.unwrap(), vec![worker.clone()]);
    assert_eq!(admin.worker(worker.id).await.unwrap().name, "node-1");
    let change = WorkerStatusChange {
        id: worker.id,
        status: WorkerStatus::Asleep,
        after_current_task: true,
    };
    admin.set_worker_status(&change).await.unwrap();
    // The worker carries a request out at its next heartbeat; until then it is shown.
    let asked = admin.worker(worker.id).await.unwrap();
    assert_eq!(
        (asked.requested_status, asked.requested_after_current_task),
        (Some(WorkerStatus::Asleep), true)
    );
    // `lazy`, the first name of `after_current_task`, is still taken (older apps send it).
    let old_name = admin
        .send_json(
            Method::POST,
            "/workers",
            &json!({"id": worker.id, "status": "offline", "lazy": true}),
        )
        .await
        .unwrap();
    assert_eq!(
        old_name.status,
        StatusCode::NO_CONTENT,
        "{:?}",
        old_name.body
    );
    let asked = admin.worker(worker.id).await.unwrap();
    assert_eq!(
        (asked.requested_status, asked.requested_after_current_task),
        (Some(WorkerStatus::Offline), true)
    );
    let busy = admin
        .send_json(
            Method::POST,
            "/workers",
            &json!({"id": worker.id, "status": "busy"}),
        )
        .await
        .unwrap();
    assert_eq!(busy.status, StatusCode::BAD_REQUEST);

    let unknown = admin
        .send_json(
            Method::POST,
            "/workers",
            &json!({"id": worker.id, "status": "dancing"}),
        )
        .await
        .unwrap();
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let missing = WorkerStatusChange {
        id: WorkerId(999),
        status: WorkerStatus::Idle,
        after_current_task: false,
    };
    assert_eq!(
        admin
            .set_worker_status(&missing)
            .await
            .unwrap_err()
            .status(),
        Some(StatusCode::NOT_FOUND)
    );
    assert_eq!(
        admin.worker(WorkerId(999)).await.unwrap_err().status(),
        Some(StatusCode::NOT_FOUND)
    );
    let artist = ts.client_as(Role::Artist).await;
    assert_eq!(
        artist
            .set_worker_status(&change)
            .await
            .unwrap_err()
            .status(),
        Some(StatusCode::FORBIDDEN)
    );
}

#[tokio::test]
async fn managers_connect_and_report_workers() {
    let (_ts, admin) = setup().await;
    let created = admin.create_manager("paris").await.unwrap();
    let updated = admin.update_manager(created.uuid, 42).await.unwrap();
    assert_eq!(updated.total_workers, 42);
    let managers = admin.managers().await.unwrap();
    assert_eq!(
        (managers[0].uuid, managers[0].total_workers),
        (created.uuid, 42)
    );
    let err = admin
        .update_manager(uuid::Uuid::new_v4(), 1)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
    let err = admin.create_manager("  ").await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
    let bad = admin
        .raw(
            Method::PATCH,
            "/managers/not-a-uuid",
            Some(&json!({"total_workers": 1})),
        )
        .await
        .unwrap();
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let negative = admin
        .raw(
            Method::PATCH,
            &format!("/managers/{}", created.uuid),
            Some(&json!({"total_workers": -1})),
        )
        .await
        .unwrap();
    assert_eq!(negative.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn settings_update_validate_and_render_paths() {
    let (ts, admin) = setup().await;
    let all = admin.settings().await.unwrap();
    assert_eq!(all["job_fail_percent"], json!(10.0));
    let mut update = Settings::new();
    update.insert("render_path_linux".into(), json!("/mnt/render"));
    update.insert("worker_timeout_secs".into(), json!(90));
    admin.update_settings(&update).await.unwrap();
    let all = admin.settings().await.unwrap();
    assert_eq!(all["worker_timeout_secs"], json!(90));
    let render = admin.render_settings().await.unwrap();
    assert_eq!(render.render_path_linux, "/mnt/render");
    assert_eq!(render.render_path_win, "");

    // One bad entry refuses the whole request: nothing is written.
    let mut bad = Settings::new();
    bad.insert("render_path_win".into(), json!("D:\\render"));
    bad.insert("no_such_setting".into(), json!(1));
    let err = admin.update_settings(&bad).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
    assert!(err.to_string().contains("no_such_setting"));
    assert_eq!(admin.render_settings().await.unwrap().render_path_win, "");
    let mut wrong_type = Settings::new();
    wrong_type.insert("worker_timeout_secs".into(), json!("soon"));
    assert_eq!(
        admin
            .update_settings(&wrong_type)
            .await
            .unwrap_err()
            .status(),
        Some(StatusCode::BAD_REQUEST)
    );

    let manager = ts.client_as(Role::Manager).await;
    assert_eq!(
        manager.update_settings(&update).await.unwrap_err().status(),
        Some(StatusCode::FORBIDDEN)
    );
    assert!(manager.settings().await.is_ok());
}
