//! Reviews (assignments, comments, previews), time spent, people and the person's own routes.

use super::{breakdown, call, id, member, person_id, png, upload};
use drover_shared::Role;
use drover_tests::setup;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn reviews_time_people_and_user_routes_follow_kitsu() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Review").await;
    let artist = ts.client_as(Role::Artist).await;
    let artist_id = person_id(&artist).await;
    let task = &b.task;

    // Assigning puts the artist on the team; they then see the task.
    let assigned = call(
        &admin,
        Method::PUT,
        &format!("/actions/persons/{artist_id}/assign"),
        Some(json!({"task_ids": [task]})),
        200,
    )
    .await;
    assert_eq!(assigned[0]["assignees"], json!([artist_id]));
    call(
        &admin,
        Method::PUT,
        &format!("/actions/persons/{}/assign", uuid::Uuid::new_v4()),
        Some(json!({"task_ids": [task]})),
        400,
    )
    .await;
    let full = call(
        &artist,
        Method::GET,
        &format!("/data/tasks/{task}/full"),
        None,
        200,
    )
    .await;
    assert_eq!(full["entity"]["name"], "SH010");
    assert_eq!(full["sequence"]["name"], "SQ01");

    // A comment to "waiting for approval", with a picture as its preview.
    let wfa = call(
        &artist,
        Method::GET,
        "/data/task-status?short_name=wfa",
        None,
        200,
    )
    .await[0]
        .clone();
    let comment = call(
        &artist,
        Method::POST,
        &format!("/actions/tasks/{task}/comment"),
        Some(json!({"task_status_id": id(&wfa), "comment": "take 1"})),
        201,
    )
    .await;
    assert_eq!(comment["task_status"]["short_name"], "wfa");
    // "Done" is the supervisor's to give (not `is_artist_allowed`).
    let done = "3c1e3b0e-8a33-4a43-9d57-5a8c8f000106";
    call(
        &artist,
        Method::POST,
        &format!("/actions/tasks/{task}/comment"),
        Some(json!({"task_status_id": done, "comment": "finished?"})),
        403,
    )
    .await;
    // A client on the team reads the task's comments but, reading only, writes none.
    let (client, _) = member(&ts, &admin, &b.project, Role::Client).await;
    call(
        &client,
        Method::GET,
        &format!("/data/tasks/{task}/comments"),
        None,
        200,
    )
    .await;
    let refused = call(
        &client,
        Method::POST,
        &format!("/actions/tasks/{task}/comment"),
        Some(json!({"task_status_id": id(&wfa), "comment": "looks good"})),
        403,
    )
    .await;
    assert!(
        refused["message"].as_str().unwrap().contains("vendor"),
        "{refused}"
    );
    let preview = call(
        &artist,
        Method::POST,
        &format!(
            "/actions/tasks/{task}/comments/{}/add-preview",
            id(&comment)
        ),
        Some(json!({})),
        201,
    )
    .await;
    assert_eq!(
        (preview["revision"].as_i64(), preview["status"].as_str()),
        (Some(1), Some("processing"))
    );
    let pf = id(&preview);
    let (status, _) = upload(
        &artist,
        &format!("/pictures/preview-files/{pf}"),
        "notes.txt",
        b"hi",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let preview = call(
        &artist,
        Method::POST,
        &format!(
            "/actions/tasks/{task}/comments/{}/add-preview",
            id(&comment)
        ),
        Some(json!({})),
        201,
    )
    .await;
    let pf = id(&preview);
    let (status, uploaded) = upload(
        &artist,
        &format!("/pictures/preview-files/{pf}"),
        "frame.png",
        &png(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{uploaded}");
    assert_eq!(
        (uploaded["width"].as_i64(), uploaded["status"].as_str()),
        (Some(64), Some("ready"))
    );
    let thumbnail = artist
        .raw(
            Method::GET,
            &format!("/pictures/thumbnails/preview-files/{pf}.png"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(thumbnail.status, StatusCode::OK);
    call(
        &artist,
        Method::GET,
        &format!("/movies/originals/preview-files/{pf}.mp4"),
        None,
        404,
    )
    .await;
    let (status, extra) = upload(
        &artist,
        &format!(
            "/actions/tasks/{task}/comments/{}/preview-files/{pf}",
            id(&comment)
        ),
        "frame2.png",
        &png(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{extra}");
    assert_eq!(
        (extra["revision"].as_i64(), extra["position"].as_i64()),
        (Some(1), Some(2))
    );
    let main = call(
        &admin,
        Method::PUT,
        &format!("/actions/preview-files/{pf}/set-main-preview"),
        Some(json!({})),
        200,
    )
    .await;
    assert_eq!(main["preview_file_id"], pf);
    call(
        &admin,
        Method::PUT,
        &format!("/actions/tasks/{task}/set-main-preview"),
        None,
        200,
    )
    .await;
    let comments = call(
        &artist,
        Method::GET,
        &format!("/data/tasks/{task}/comments"),
        None,
        200,
    )
    .await;
    assert_eq!(comments[0]["previews"].as_array().unwrap().len(), 2);
    // An admin deleting a preview row removes its media with it.
    let media = ts.dir.path().join("production/previews").join(id(&extra));
    assert!(media.exists());
    call(
        &admin,
        Method::DELETE,
        &format!("/data/preview-files/{}", id(&extra)),
        None,
        204,
    )
    .await;
    assert!(!media.exists(), "the preview's media went with its row");

    // Time: set, then added to; the task's duration follows.
    let day = format!("/actions/tasks/{task}/time-spents/2026-11-20/persons/{artist_id}");
    call(
        &artist,
        Method::POST,
        &day,
        Some(json!({"duration": 60})),
        201,
    )
    .await;
    call(
        &artist,
        Method::POST,
        &format!("{day}/add"),
        Some(json!({"duration": 30})),
        201,
    )
    .await;
    call(
        &artist,
        Method::POST,
        &day,
        Some(json!({"duration": 0})),
        400,
    )
    .await;
    let spent = call(
        &artist,
        Method::GET,
        &format!("/actions/tasks/{task}/time-spents"),
        None,
        200,
    )
    .await;
    assert_eq!(spent["total"], 90.0);

    // People: departments (admins), quotas (404 for a wrong date), avatars.
    let department = call(
        &admin,
        Method::POST,
        "/data/departments",
        Some(json!({"name": "Animation"})),
        201,
    )
    .await;
    let person = call(
        &admin,
        Method::POST,
        &format!("/actions/persons/{artist_id}/departments/add"),
        Some(json!({"department_id": id(&department)})),
        201,
    )
    .await;
    assert_eq!(person["departments"], json!([id(&department)]));
    call(
        &artist,
        Method::POST,
        &format!("/actions/persons/{artist_id}/departments/add"),
        Some(json!({"department_id": id(&department)})),
        403,
    )
    .await;
    let today = time::OffsetDateTime::now_utc().date();
    let quota = call(
        &admin,
        Method::GET,
        &format!(
            "/data/persons/{artist_id}/quota-shots/day/{}/{}/{}?count_mode=weighted",
            today.year(),
            u8::from(today.month()),
            today.day()
        ),
        None,
        200,
    )
    .await;
    assert_eq!(quota[0]["name"], "SH010");
    call(
        &admin,
        Method::GET,
        &format!("/data/persons/{artist_id}/quota-shots/day/2026/13/40?count_mode=weighted"),
        None,
        404,
    )
    .await;
    let (status, _) = upload(
        &artist,
        &format!("/pictures/thumbnails/persons/{artist_id}.png"),
        "me.png",
        &png(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // The person's own routes.
    let filter = call(
        &artist,
        Method::POST,
        "/data/user/filters",
        Some(json!({"name": "mine", "query": "SH0", "list_type": "todo", "project_id": b.project})),
        201,
    )
    .await;
    assert_eq!(filter["search_query"], "SH0");
    let filters = call(&artist, Method::GET, "/data/user/filters", None, 200).await;
    assert_eq!(filters["todo"][&b.project][0]["name"], "mine");
    let form = reqwest::Client::new()
        .post(format!("{}/data/user/desktop-login-logs", artist.api_url()))
        .bearer_auth(artist.token().unwrap())
        .form(&[("date", "2022-07-12")])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::CREATED);
    let logs = call(
        &artist,
        Method::GET,
        "/data/user/desktop-login-logs",
        None,
        200,
    )
    .await;
    assert_eq!(logs[0]["date"], "2022-07-12T00:00:00");
    let notifications = call(&artist, Method::GET, "/data/user/notifications", None, 200).await;
    assert!(
        !notifications.as_array().unwrap().is_empty(),
        "assignment notified"
    );
    let read = call(
        &artist,
        Method::POST,
        "/actions/user/notifications/mark-all-as-read",
        Some(json!({})),
        200,
    )
    .await;
    assert_eq!(read, json!({"success": true}));
    let to_do = call(&artist, Method::GET, "/data/user/tasks", None, 200).await;
    assert_eq!(to_do[0]["entity_name"], "SH010");
    call(
        &admin,
        Method::POST,
        &format!("/actions/tasks/{task}/comment"),
        Some(json!({"task_status_id": done, "comment": "approved"})),
        201,
    )
    .await;
    let done_tasks = call(&artist, Method::GET, "/data/user/done-tasks", None, 200).await;
    assert_eq!(done_tasks[0]["task_status_short_name"], "done");

    // Playlists by page of 20, newest first; the CSV export is for managers.
    for n in 0..21 {
        call(
            &admin,
            Method::POST,
            "/data/playlists",
            Some(json!({"name": format!("daily {n:02}"), "project_id": b.project})),
            201,
        )
        .await;
    }
    let page = call(
        &admin,
        Method::GET,
        &format!("/data/projects/{}/playlists?page=2&sort_by=name", b.project),
        None,
        200,
    )
    .await;
    assert_eq!(page.as_array().unwrap().len(), 1);
    assert_eq!(page[0]["name"], "daily 20");
    call(
        &admin,
        Method::GET,
        &format!("/data/projects/{}/metadata-descriptors", b.project),
        None,
        200,
    )
    .await;
    let csv = admin
        .raw(Method::GET, "/export/csv/tasks.csv", None)
        .await
        .unwrap();
    assert_eq!(csv.status, StatusCode::OK);
    call(&artist, Method::GET, "/export/csv/tasks.csv", None, 403).await;
}
