//! The Kitsu routes gazu calls by name, as seed 002 lists them (breakdown, casting, asset
//! instances, reviews with previews, output files, time, people, user routes, the CSV
//! export), and farm ⇄ production: a render job linked to a production task comments on it.

use drover_shared::api::SubmitJob;
use drover_shared::{Client, JobStatus, Role};
use drover_tests::{Process, TestServer, command_job, project, setup, start_worker, wait_for};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Sends a request and checks its status; returns the JSON body.
async fn call(
    client: &Client,
    method: Method,
    path: &str,
    body: Option<Value>,
    want: u16,
) -> Value {
    let answer = client
        .raw(method.clone(), path, body.as_ref())
        .await
        .unwrap();
    assert_eq!(
        answer.status.as_u16(),
        want,
        "{method} {path}: {:?}",
        answer.body
    );
    answer.body.unwrap_or(Value::Null)
}

fn id(row: &Value) -> String {
    row["id"].as_str().unwrap().to_owned()
}

/// A 1×1 picture.
fn png() -> Vec<u8> {
    let mut out = Vec::new();
    image::DynamicImage::new_rgb8(64, 48)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// Posts `bytes` as the multipart part `file`.
async fn upload(client: &Client, path: &str, name: &str, bytes: &[u8]) -> (StatusCode, Value) {
    let boundary = "drover-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let answer = reqwest::Client::new()
        .post(format!("{}{path}", client.api_url()))
        .bearer_auth(client.token().unwrap())
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    let status = answer.status();
    (status, answer.json().await.unwrap_or(Value::Null))
}

/// A production project with an episode, a sequence, a shot with a task, and an asset.
struct Breakdown {
    project: String,
    episode: String,
    sequence: String,
    shot: String,
    asset: String,
    task: String,
}

async fn breakdown(admin: &Client, name: &str) -> Breakdown {
    let project = call(
        admin,
        Method::POST,
        "/data/projects",
        Some(json!({"name": name})),
        201,
    )
    .await;
    let p = id(&project);
    let character = "3c1e3b0e-8a33-4a43-9d57-5a8c8f000201";
    let asset = call(
        admin,
        Method::POST,
        &format!("/data/projects/{p}/asset-types/{character}/assets/new"),
        Some(json!({"name": "Hero", "description": "the lead", "data": {"rig": "v1"}})),
        201,
    )
    .await;
    assert_eq!(asset["type"], "Asset");
    let episode = call(
        admin,
        Method::POST,
        &format!("/data/projects/{p}/episodes"),
        Some(json!({"name": "E01"})),
        201,
    )
    .await;
    let e = id(&episode);
    let body = json!({"name": "SQ01", "episode_id": e});
    let sequence = call(
        admin,
        Method::POST,
        &format!("/data/projects/{p}/sequences"),
        Some(body.clone()),
        201,
    )
    .await;
    // Made again, it is the same sequence: Kitsu's creation routes are idempotent.
    let again = call(
        admin,
        Method::POST,
        &format!("/data/projects/{p}/sequences"),
        Some(body),
        201,
    )
    .await;
    assert_eq!(id(&again), id(&sequence));
    let s = id(&sequence);
    let shot = call(
        admin,
        Method::POST,
        &format!("/data/projects/{p}/shots"),
        Some(json!({"name": "SH010", "sequence_id": s, "data": {"frame_in": 1, "frame_out": 48}})),
        201,
    )
    .await;
    let todo = "3c1e3b0e-8a33-4a43-9d57-5a8c8f000101";
    let animation = call(
        admin,
        Method::GET,
        "/data/task-types?name=Animation",
        None,
        200,
    )
    .await[0]
        .clone();
    let task = call(
        admin,
        Method::POST,
        "/data/tasks",
        Some(
            json!({"project_id": p, "entity_id": id(&shot), "task_type_id": id(&animation),
                    "task_status_id": todo}),
        ),
        201,
    )
    .await;
    Breakdown {
        project: p,
        episode: e,
        sequence: s,
        shot: id(&shot),
        asset: id(&asset),
        task: id(&task),
    }
}

#[tokio::test]
async fn breakdown_casting_and_instances_follow_kitsu() {
    let (_ts, admin) = setup().await;
    let b = breakdown(&admin, "Casting").await;
    let (p, shot) = (&b.project, &b.shot);

    let shots = call(
        &admin,
        Method::GET,
        &format!("/data/shots/all?sequence_id={}&name=sh010", b.sequence),
        None,
        200,
    )
    .await;
    assert_eq!(shots[0]["sequence_name"], "SQ01");
    assert_eq!(shots[0]["project_name"], "Casting");
    let full = call(
        &admin,
        Method::GET,
        &format!("/data/shots/{shot}"),
        None,
        200,
    )
    .await;
    assert_eq!(
        (full["episode_id"].as_str(), full["frame_out"].as_i64()),
        (Some(b.episode.as_str()), Some(48))
    );
    let tasks = call(
        &admin,
        Method::GET,
        &format!("/data/shots/{shot}/tasks"),
        None,
        200,
    )
    .await;
    assert_eq!(tasks[0]["task_type_name"], "Animation");
    assert_eq!(tasks[0]["entity_name"], "SH010");
    call(
        &admin,
        Method::GET,
        &format!("/data/episodes/{}/tasks", b.episode),
        None,
        200,
    )
    .await;

    // Casting: replaced as a whole, answered as sent, listed by asset.
    let casting = json!([{"asset_id": b.asset, "nb_occurences": 2, "label": "animate"}]);
    let sent = call(
        &admin,
        Method::PUT,
        &format!("/data/projects/{p}/entities/{shot}/casting"),
        Some(casting.clone()),
        200,
    )
    .await;
    assert_eq!(sent, casting);
    let cast = call(
        &admin,
        Method::GET,
        &format!("/data/projects/{p}/entities/{shot}/casting"),
        None,
        200,
    )
    .await;
    assert_eq!(
        (
            cast[0]["asset_name"].as_str(),
            cast[0]["nb_occurences"].as_i64()
        ),
        (Some("Hero"), Some(2))
    );
    call(
        &admin,
        Method::PUT,
        &format!("/data/projects/{p}/entities/{shot}/casting"),
        Some(json!({"no": 1})),
        400,
    )
    .await;
    let by_shot = call(
        &admin,
        Method::GET,
        &format!(
            "/data/projects/{p}/episodes/{}/sequences/all/casting",
            b.episode
        ),
        None,
        200,
    )
    .await;
    assert_eq!(by_shot[shot][0]["sequence_name"], "SQ01");

    // Assets inside assets, instances, sharing and scenes.
    let prop = call(
        &admin,
        Method::POST,
        &format!("/data/projects/{p}/asset-types/3c1e3b0e-8a33-4a43-9d57-5a8c8f000202/assets/new"),
        Some(json!({"name": "Sword"})),
        201,
    )
    .await;
    call(
        &admin,
        Method::PUT,
        &format!("/data/projects/{p}/entities/{}/casting", b.asset),
        Some(json!([{"asset_id": id(&prop), "nb_occurences": 1}])),
        200,
    )
    .await;
    let linked = call(
        &admin,
        Method::GET,
        &format!("/data/assets/{}/assets", b.asset),
        None,
        200,
    )
    .await;
    assert_eq!(linked[0]["name"], "Sword");
    let instance = call(
        &admin,
        Method::POST,
        &format!("/data/assets/{}/asset-asset-instances", b.asset),
        Some(json!({"asset_to_instantiate_id": id(&prop)})),
        201,
    )
    .await;
    assert_eq!(instance["name"], "Sword_0001");
    let on_shot = call(
        &admin,
        Method::POST,
        &format!("/data/shots/{shot}/asset-instances"),
        Some(json!({"asset_instance_id": id(&instance)})),
        201,
    )
    .await;
    assert_eq!(id(&on_shot), *shot);
    let instances = call(
        &admin,
        Method::GET,
        &format!("/data/shots/{shot}/asset-instances"),
        None,
        200,
    )
    .await;
    assert_eq!(instances[id(&prop)][0]["number"], 1);
    call(
        &admin,
        Method::POST,
        &format!("/data/shots/{shot}/asset-instances"),
        None,
        400,
    )
    .await;
    let shared = call(
        &admin,
        Method::POST,
        &format!(
            "/actions/projects/{p}/asset-types/3c1e3b0e-8a33-4a43-9d57-5a8c8f000201/assets/share"
        ),
        None,
        201,
    )
    .await;
    assert_eq!(shared[0]["is_shared"], true);
    let scene = call(
        &admin,
        Method::POST,
        "/data/scenes",
        Some(json!({"name": "SC01", "project_id": p})),
        201,
    )
    .await;
    let sourced = call(
        &admin,
        Method::POST,
        &format!("/data/scenes/{}/shots", id(&scene)),
        Some(json!({"shot_id": shot})),
        200,
    )
    .await;
    assert_eq!(sourced["source_id"], id(&scene));

    // Output files need the project's file tree; then paths follow it.
    let output_type = call(
        &admin,
        Method::POST,
        "/data/output-types",
        Some(json!({"name": "Cache", "short_name": "cch"})),
        201,
    )
    .await;
    let task_type = call(
        &admin,
        Method::GET,
        "/data/task-types?name=Animation",
        None,
        200,
    )
    .await[0]
        .clone();
    let new_file = json!({"output_type_id": id(&output_type), "task_type_id": id(&task_type), "comment": "v1"});
    let path = format!("/data/entities/{shot}/output-files/new");
    let refused = call(&admin, Method::POST, &path, Some(new_file.clone()), 400).await;
    assert!(
        refused["message"].as_str().unwrap().contains("No tree"),
        "{refused}"
    );
    let tree = json!({"output": {"mountpoint": "/mnt", "root": "prod",
        "folder_path": {"shot": "<Project>/<Sequence>/<Shot>/<OutputType>", "asset": "<Project>/<AssetType>/<Asset>", "style": "lowercase"},
        "file_name": {"shot": "<Shot>_<OutputType>_v<Revision>", "asset": "<Asset>_v<Revision>", "style": "lowercase"}}});
    call(
        &admin,
        Method::PUT,
        &format!("/data/projects/{p}"),
        Some(json!({"file_tree": tree})),
        200,
    )
    .await;
    let made = call(&admin, Method::POST, &path, Some(new_file.clone()), 201).await;
    assert_eq!(
        made["path"],
        "/mnt/prod/casting/sq01/sh010/cache/sh010_cache_v001"
    );
    let second = call(&admin, Method::POST, &path, Some(new_file.clone()), 201).await;
    assert_eq!(second["revision"], 2);
    let mut duplicate = new_file.clone();
    duplicate["revision"] = json!(2);
    call(&admin, Method::POST, &path, Some(duplicate), 400).await;
    let instance_path = format!(
        "/data/asset-instances/{}/entities/{shot}/output-files/new",
        id(&instance)
    );
    call(
        &admin,
        Method::POST,
        &instance_path,
        Some(new_file.clone()),
        200,
    )
    .await;
    let mut unknown_type = new_file;
    unknown_type["output_type_id"] = json!(uuid::Uuid::new_v4().to_string());
    call(
        &admin,
        Method::POST,
        &instance_path,
        Some(unknown_type),
        400,
    )
    .await;
    let types = call(
        &admin,
        Method::GET,
        &format!("/data/entities/{shot}/output-types"),
        None,
        200,
    )
    .await;
    assert_eq!(types[0]["name"], "Cache");
}

#[tokio::test]
async fn reviews_time_people_and_user_routes_follow_kitsu() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Review").await;
    let artist = ts.client_as(Role::Artist).await;
    let artist_id = artist.authenticated().await.unwrap().user.id.to_string();
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
    call(&artist, Method::GET, "/data/user/done-tasks", None, 200).await;

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
    let task = id(&task);

    // Submission checks the task: it must exist, be visible, and be in the job's project.
    let mut bad: SubmitJob = command_job(farm.id, "1", 1);
    bad.production_task_id = Some("nope".into());
    assert_eq!(
        admin.submit_job(&bad).await.unwrap_err().status(),
        Some(StatusCode::BAD_REQUEST)
    );
    bad.production_task_id = Some(uuid::Uuid::new_v4().to_string());
    assert_eq!(
        admin.submit_job(&bad).await.unwrap_err().status(),
        Some(StatusCode::BAD_REQUEST)
    );
    let other = project(&admin, "Other").await;
    let mut elsewhere = command_job(other.id, "1", 1);
    elsewhere.production_task_id = Some(task.clone());
    assert_eq!(
        admin.submit_job(&elsewhere).await.unwrap_err().status(),
        Some(StatusCode::BAD_REQUEST)
    );

    let _worker = worker(&ts, &admin).await;
    let mut good = command_job(farm.id, "1-2", 1);
    good.production_task_id = Some(task.clone());
    let job = admin.submit_job(&good).await.unwrap();
    assert_eq!(job.production_task_id.as_deref(), Some(task.as_str()));
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
    failing.production_task_id = Some(task.clone());
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
