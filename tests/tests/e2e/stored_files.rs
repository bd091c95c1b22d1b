//! Job files without shared storage, through the HTTP API: a project's storage mode and
//! quota, the check of which hashes the server lacks, resumable uploads checked against their
//! hash, a job submitted with its file set, a worker fetching the set and sending outputs
//! back, people reading the outputs (Range), the refusals, and the clean-up of files no job
//! uses.

use drover_server::Limits;
use drover_server::farm::file_store::FileLimits;
use drover_shared::api::{BlenderRenderSettings, ImageFormat, JobKind, SubmitJob};
use drover_shared::protocol::{HostFacts, SignOn};
use drover_shared::{Client, ProjectId, Role, TaskType};
use drover_tests::{TestServer, join_team, project, setup, setup_with};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Raw HTTP as one person (or worker), for bodies the typed client does not send.
struct Http {
    agent: reqwest::Client,
    base: String,
    token: String,
}

impl Http {
    fn of(ts: &TestServer, client: &Client) -> Self {
        Self {
            agent: reqwest::Client::new(),
            base: format!("{}/api", ts.url()),
            token: client.token().unwrap().to_owned(),
        }
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        json_body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .agent
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/octet-stream")
                .body(body);
        }
        if let Some(value) = json_body {
            request = request.json(&value);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(Method::GET, path, None, None).await
    }

    async fn json(&self, method: Method, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(method, path, None, Some(body)).await
    }

    async fn put(&self, path: &str, bytes: &[u8]) -> (StatusCode, Value) {
        self.send(Method::PUT, path, Some(bytes.to_vec()), None)
            .await
    }

    async fn bytes(&self, path: &str, range: Option<&str>) -> (StatusCode, Vec<u8>) {
        let mut request = self
            .agent
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(range) = range {
            request = request.header("range", range);
        }
        let response = request.send().await.unwrap();
        (response.status(), response.bytes().await.unwrap().to_vec())
    }
}

fn sha(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

async fn upload_project(admin: &Client, name: &str) -> ProjectId {
    let id = project(admin, name).await.id;
    let answer = admin
        .raw(
            Method::PUT,
            &format!("/projects/{id}/storage"),
            Some(&json!({ "mode": "upload" })),
        )
        .await
        .unwrap();
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    id
}

/// Uploads `bytes` whole into `project`; asserts it is stored.
async fn upload(http: &Http, project: ProjectId, bytes: &[u8]) -> String {
    let hash = sha(bytes);
    let (status, state) = http
        .put(
            &format!("/projects/{project}/files/{hash}?size={}", bytes.len()),
            bytes,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{state}");
    assert_eq!(state["stored"], true, "{state}");
    hash
}

fn blender_job(project: ProjectId, files: &Value) -> Value {
    json!({
        "name": "shot 10", "project_id": project, "job_type": "blender-render",
        "settings": { "blend_file": "proj/scene.blend", "frames": "1-2", "output": "render/f_####" },
        "files": files,
    })
}

#[tokio::test]
async fn a_file_is_uploaded_once_resumed_after_a_break_and_checked_against_its_hash() {
    let (ts, admin) = setup().await;
    let p = upload_project(&admin, "no share").await;
    let artist = ts.client_as(Role::Artist).await;
    join_team(&admin, p, &artist).await;
    let http = Http::of(&ts, &artist);
    let content: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let hash = sha(&content);
    let other = b"a texture".to_vec();
    let (status, check) = http
        .json(
            Method::POST,
            &format!("/projects/{p}/files/check"),
            json!({ "files": [
                { "sha256": hash, "size": content.len() },
                { "sha256": sha(&other), "size": other.len() },
                { "sha256": hash, "size": content.len() },
            ]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{check}");
    assert_eq!(
        check["missing"],
        json!([hash, sha(&other)]),
        "each once, in order"
    );
    assert_eq!(check["used_bytes"], 0);

    // The first 100,000 bytes arrive, then the connection "drops" (the body just ends).
    let path = format!("/projects/{p}/files/{hash}?size={}", content.len());
    let (status, state) = http.put(&path, &content[..100_000]).await;
    assert_eq!(status, StatusCode::OK, "{state}");
    assert_eq!(
        (state["received"].clone(), state["stored"].clone()),
        (json!(100_000), json!(false))
    );
    let (_, state) = http.get(&path).await;
    assert_eq!(state["received"], 100_000, "{state}");
    let (_, storage) = http.get(&format!("/projects/{p}/storage")).await;
    assert_eq!(
        storage["used_bytes"],
        content.len(),
        "an upload under way reserves its size"
    );
    // Resuming from anywhere else is refused; from where the server is, it completes.
    let (status, _) = http
        .put(&format!("{path}&offset=50000"), &content[50_000..])
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, state) = http
        .put(&format!("{path}&offset=100000"), &content[100_000..])
        .await;
    assert_eq!(status, StatusCode::OK, "{state}");
    assert_eq!(state["stored"], true, "{state}");

    // A body that is not what its hash says is refused, and nothing is stored.
    let (status, error) = http
        .put(
            &format!("/projects/{p}/files/{}?size={}", sha(&other), other.len()),
            b"not a texture",
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    let (status, error) = http
        .put(
            &format!("/projects/{p}/files/{}?size={}", sha(&other), other.len()),
            b"a texturf",
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert!(
        error["message"].as_str().unwrap().contains("SHA-256"),
        "{error}"
    );
    let (_, check) = http
        .json(
            Method::POST,
            &format!("/projects/{p}/files/check"),
            json!({ "files": [
                { "sha256": hash, "size": content.len() },
                { "sha256": sha(&other), "size": other.len() },
            ]}),
        )
        .await;
    assert_eq!(check["missing"], json!([sha(&other)]));
    assert_eq!(check["used_bytes"], content.len());

    // Sending a stored file again reads nothing and answers at once.
    let (status, state) = http.put(&path, &content).await;
    assert_eq!(
        (status, state["stored"].clone()),
        (StatusCode::OK, json!(true))
    );
    // What arrived is the file, byte for byte, where the server keeps it.
    let stored = std::fs::read(
        ts.dir
            .path()
            .join("files/sha256")
            .join(&hash[..2])
            .join(&hash),
    )
    .unwrap();
    assert_eq!(stored, content);
}

#[tokio::test]
async fn the_quota_refuses_an_upload_that_does_not_fit_and_keeps_nothing() {
    let (ts, admin) = setup().await;
    let p = upload_project(&admin, "small").await;
    let answer = admin
        .raw(
            Method::PUT,
            &format!("/projects/{p}/storage"),
            Some(&json!({ "quota_bytes": 1000 })),
        )
        .await
        .unwrap();
    assert_eq!(answer.status, StatusCode::OK);
    let http = Http::of(&ts, &admin);
    upload(&http, p, &[7u8; 600]).await;
    let big = vec![1u8; 500];
    let (status, error) = http
        .put(&format!("/projects/{p}/files/{}?size=500", sha(&big)), &big)
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{error}");
    assert!(
        error["message"].as_str().unwrap().contains("quota"),
        "{error}"
    );
    let (_, storage) = http.get(&format!("/projects/{p}/storage")).await;
    assert_eq!(
        storage["used_bytes"], 600,
        "nothing of the refused file counts"
    );
    assert!(
        !ts.dir
            .path()
            .join("files/partial")
            .join(format!("{p}-{}.part", sha(&big)))
            .exists(),
        "nothing of it was written"
    );
}

#[tokio::test]
async fn storage_and_uploads_follow_roles_and_teams() {
    let (ts, admin) = setup().await;
    let p = upload_project(&admin, "guarded").await;
    let shared = project(&admin, "shared").await.id;
    let bytes = b"scene".to_vec();
    let path = format!("/projects/{p}/files/{}?size=5", sha(&bytes));
    let check = json!({ "files": [{ "sha256": sha(&bytes), "size": 5 }] });
    // An artist off the team, a client on it, a supervisor setting the mode.
    let stranger = Http::of(&ts, &ts.client_as(Role::Artist).await);
    let (status, _) = stranger.put(&path, &bytes).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = stranger.get(&format!("/projects/{p}/storage")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let client = ts.client_as(Role::Client).await;
    join_team(&admin, p, &client).await;
    let (status, _) = Http::of(&ts, &client).put(&path, &bytes).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let supervisor = ts.client_as(Role::Supervisor).await;
    join_team(&admin, p, &supervisor).await;
    let sup = Http::of(&ts, &supervisor);
    let (status, _) = sup
        .json(
            Method::PUT,
            &format!("/projects/{p}/storage"),
            json!({ "mode": "shared" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, storage) = sup.get(&format!("/projects/{p}/storage")).await;
    assert_eq!(
        (status, storage["mode"].clone()),
        (StatusCode::OK, json!("upload"))
    );
    // A project on shared storage takes no files.
    let admin_http = Http::of(&ts, &admin);
    let (status, error) = admin_http
        .json(
            Method::POST,
            &format!("/projects/{shared}/files/check"),
            check.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    // Bad hashes, sizes and offsets are 400s.
    let (status, _) = admin_http
        .put(&format!("/projects/{p}/files/ABC?size=5"), &bytes)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = admin_http.put(&format!("{path}&offset=9"), &bytes).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = admin_http
        .put(
            &format!("/projects/{p}/files/{}?size=3", sha(&bytes)),
            &bytes,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "longer than announced");
    let (status, _) = admin_http
        .json(
            Method::PUT,
            &format!("/projects/{p}/storage"),
            json!({ "mode": "nfs" }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_job_is_submitted_against_its_file_set_and_its_outputs_come_back() {
    let (ts, admin) = setup().await;
    let p = upload_project(&admin, "laptop").await;
    let shared = project(&admin, "nas").await.id;
    let http = Http::of(&ts, &admin);
    let scene = b"BLENDER-v304 pretend scene".to_vec();
    let texture = vec![9u8; 4096];
    let scene_hash = upload(&http, p, &scene).await;
    let texture_hash = sha(&texture);
    let files = json!([
        { "path": "proj/scene.blend", "sha256": scene_hash, "size": scene.len() },
        { "path": "textures/wood.png", "sha256": texture_hash, "size": texture.len() },
    ]);
    // Refused: a file not uploaded yet, bad paths, a .blend outside the set, files for a
    // shared project, a Blender job without files in an upload project.
    let (status, error) = http
        .json(Method::POST, "/jobs", blender_job(p, &files))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert!(
        error["message"].as_str().unwrap().contains(&texture_hash),
        "{error}"
    );
    upload(&http, p, &texture).await;
    for (bad, why) in [
        (
            json!([{ "path": "../etc/passwd", "sha256": scene_hash, "size": scene.len() }]),
            "escapes",
        ),
        (
            json!([{ "path": "/abs.blend", "sha256": scene_hash, "size": scene.len() }]),
            "absolute",
        ),
        (
            json!([{ "path": "other.blend", "sha256": scene_hash, "size": scene.len() }]),
            "no .blend",
        ),
        (
            json!([{ "path": "proj/scene.blend", "sha256": scene_hash, "size": 3 }]),
            "wrong size",
        ),
    ] {
        let (status, error) = http.json(Method::POST, "/jobs", blender_job(p, &bad)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{why}: {error}");
    }
    let (status, _) = http
        .json(Method::POST, "/jobs", blender_job(shared, &files))
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a shared project takes no files"
    );
    let (status, _) = http
        .json(Method::POST, "/jobs", blender_job(p, &json!([])))
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a Blender job brings its files"
    );
    let (_, jobs) = http.get("/jobs").await;
    assert_eq!(
        jobs["items"].as_array().map(Vec::len),
        Some(0),
        "nothing half-written: {jobs}"
    );

    let (status, job) = http
        .json(Method::POST, "/jobs", blender_job(p, &files))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{job}");
    let job_id = job["id"].as_i64().unwrap();
    let (_, listed) = http.get(&format!("/jobs/{job_id}/files")).await;
    assert_eq!(listed, files);

    // A worker claims a task: the assignment says upload; it fetches the set and sends a frame.
    let token = admin.join_token().await.unwrap().token;
    let credentials = ts
        .anonymous
        .register_worker(&token, "home node")
        .await
        .unwrap();
    let worker_client = ts.anonymous.with_token(&credentials.token);
    worker_client
        .sign_on(&SignOn {
            name: "home node".into(),
            tags: Vec::new(),
            task_types: vec![TaskType::BlenderRender],
            version: "test".into(),
            facts: HostFacts::default(),
        })
        .await
        .unwrap();
    let assignment = worker_client.claim_task(0).await.unwrap().expect("a task");
    assert_eq!(assignment.storage, drover_shared::api::StorageMode::Upload);
    let task = assignment.task.id;
    let worker = Http::of(&ts, &worker_client);
    let (status, listed) = worker.get(&format!("/worker/task/{task}/files")).await;
    assert_eq!((status, listed), (StatusCode::OK, files.clone()));
    let (status, bytes) = worker
        .bytes(&format!("/worker/task/{task}/files/{texture_hash}"), None)
        .await;
    assert_eq!((status, bytes.len()), (StatusCode::OK, texture.len()));
    let (status, rest) = worker
        .bytes(
            &format!("/worker/task/{task}/files/{texture_hash}"),
            Some("bytes=4000-"),
        )
        .await;
    assert_eq!(
        (status, rest),
        (StatusCode::PARTIAL_CONTENT, texture[4000..].to_vec())
    );
    let (status, _) = worker
        .bytes(
            &format!("/worker/task/{task}/files/{}", sha(b"elsewhere")),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "only the job's own files");
    let frame = image_bytes();
    let (status, output) = worker
        .put(&format!("/worker/task/{task}/outputs/f_0001.png"), &frame)
        .await;
    assert_eq!(status, StatusCode::OK, "{output}");
    assert_eq!(output["size"], frame.len());
    for bad in ["..", ".hidden", "a%2Fb"] {
        let (status, _) = worker
            .put(&format!("/worker/task/{task}/outputs/{bad}"), b"x")
            .await;
        assert!(
            // `..` is resolved by the client: the PUT lands on the task itself (405).
            matches!(
                status,
                StatusCode::BAD_REQUEST | StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
            ),
            "{bad}: {status}"
        );
    }
    // People who see the job read its outputs, with ranges; others do not.
    let (_, outputs) = http.get(&format!("/jobs/{job_id}/outputs")).await;
    assert_eq!(outputs[0]["name"], "f_0001.png", "{outputs}");
    assert_eq!(outputs[0]["task_id"], task.0);
    let (status, got) = http
        .bytes(&format!("/jobs/{job_id}/outputs/f_0001.png"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    image::load_from_memory(&got).expect("the frame decodes");
    let (status, head) = http
        .bytes(
            &format!("/jobs/{job_id}/outputs/f_0001.png"),
            Some("bytes=0-7"),
        )
        .await;
    assert_eq!(
        (status, head),
        (StatusCode::PARTIAL_CONTENT, frame[..8].to_vec())
    );
    let stranger = Http::of(&ts, &ts.client_as(Role::Artist).await);
    let (status, _) = stranger.get(&format!("/jobs/{job_id}/outputs")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = stranger
        .bytes(&format!("/jobs/{job_id}/outputs/f_0001.png"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // People's tokens do not reach the worker routes, nor a worker another's task.
    let (status, _) = http.get(&format!("/worker/task/{task}/files")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, storage) = http.get(&format!("/projects/{p}/storage")).await;
    assert_eq!(
        storage["used_bytes"],
        scene.len() + texture.len() + frame.len(),
        "files and outputs count against the quota"
    );
    // Deleting the job removes its outputs.
    let (status, _) = http
        .send(Method::DELETE, &format!("/jobs/{job_id}"), None, None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(!ts.dir.path().join(format!("outputs/job-{job_id}")).exists());
}

fn image_bytes() -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::RgbImage::from_pixel(8, 4, image::Rgb([200, 40, 10]))
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

#[tokio::test]
async fn files_no_job_uses_are_removed_after_the_grace_and_used_ones_stay() {
    let limits = Limits {
        files: FileLimits {
            grace: std::time::Duration::from_secs(2),
        },
        ..Limits::default()
    };
    let (ts, admin) = setup_with(limits).await;
    let p = upload_project(&admin, "sweep").await;
    let http = Http::of(&ts, &admin);
    let kept = b"used by a job".to_vec();
    let dropped = b"uploaded, never used".to_vec();
    let kept_hash = upload(&http, p, &kept).await;
    let dropped_hash = upload(&http, p, &dropped).await;
    let job = SubmitJob {
        name: "uses one".into(),
        project_id: p,
        kind: JobKind::BlenderRender(BlenderRenderSettings {
            blend_file: "a.blend".into(),
            frames: "1".into(),
            chunk_size: 1,
            output: "out/####".into(),
            format: ImageFormat::Png,
            scene: None,
            video: false,
            fps: None,
            auto_run_python: false,
        }),
        priority: None,
        paused: true,
        tag: None,
        production_task_id: None,
        files: vec![drover_shared::api::JobFile {
            path: "a.blend".into(),
            sha256: kept_hash.clone(),
            size: kept.len() as u64,
        }],
        depends_on: Vec::new(),
        depend_mode: drover_shared::DependMode::Job,
        max_workers: None,
        task_timeout_secs: None,
        limits: Vec::new(),
    };
    let job = admin.submit_job(&job).await.unwrap();
    // A partial upload nobody continues.
    let partial = vec![3u8; 64];
    let (_, state) = http
        .put(
            &format!("/projects/{p}/files/{}?size=128", sha(&[3u8; 128])),
            &partial,
        )
        .await;
    assert_eq!(state["received"], 64);
    let blob = |hash: &str| {
        ts.dir
            .path()
            .join("files/sha256")
            .join(&hash[..2])
            .join(hash)
    };
    let check = json!({ "files": [
        { "sha256": kept_hash, "size": kept.len() },
        { "sha256": dropped_hash, "size": dropped.len() },
    ]});
    drover_tests::wait_for(20, "the unused file to be removed", || async {
        let (_, answer) = http
            .json(
                Method::POST,
                &format!("/projects/{p}/files/check"),
                check.clone(),
            )
            .await;
        (answer["missing"] == json!([dropped_hash])).then_some(())
    })
    .await;
    assert!(blob(&kept_hash).exists() && !blob(&dropped_hash).exists());
    let (_, storage) = http.get(&format!("/projects/{p}/storage")).await;
    assert_eq!(
        storage["used_bytes"],
        kept.len(),
        "the stale upload's reservation is gone too"
    );
    // Once the job is deleted, nothing uses the other either.
    let (status, _) = http
        .send(Method::DELETE, &format!("/jobs/{}", job.id), None, None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    drover_tests::wait_for(20, "the file of the deleted job to be removed", || async {
        (!blob(&kept_hash).exists()).then_some(())
    })
    .await;
}

/// A 413 that says how many files a list may name.
fn refused_as_too_many(status: StatusCode, body: &Value) {
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains("at most 100000 files"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_lists_past_their_bounds_are_refused_whole() {
    let (ts, admin) = setup().await;
    let p = upload_project(&admin, "big lists").await;
    let http = Http::of(&ts, &admin);
    // 100,001 files: one over what a check or a job may name.
    let many: Vec<Value> = (0..100_001u32)
        .map(|i| json!({ "sha256": sha(&i.to_le_bytes()), "size": 4 }))
        .collect();
    let (status, body) = http
        .json(
            Method::POST,
            &format!("/projects/{p}/files/check"),
            json!({ "files": many }),
        )
        .await;
    refused_as_too_many(status, &body);
    let files: Vec<Value> = (0..100_001u32)
        .map(
            |i| json!({ "path": format!("f/{i}.png"), "sha256": sha(&i.to_le_bytes()), "size": 4 }),
        )
        .collect();
    let (status, body) = http
        .json(Method::POST, "/jobs", blender_job(p, &Value::Array(files)))
        .await;
    refused_as_too_many(status, &body);
    // The whole check at the bound answers (none of them stored).
    let bound: Vec<Value> = many[..100_000].to_vec();
    let (status, body) = http
        .json(
            Method::POST,
            &format!("/projects/{p}/files/check"),
            json!({ "files": bound }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["missing"].as_array().unwrap().len(), 100_000);
    // A body past 48 MiB is refused before it is read whole, on both routes.
    let padding = "x".repeat(49 * 1024 * 1024);
    for path in [format!("/projects/{p}/files/check"), "/jobs".to_owned()] {
        let sent = http
            .agent
            .post(format!("{}{path}", http.base))
            .bearer_auth(&http.token)
            .json(&json!({ "files": [], "padding": padding }))
            .send()
            .await;
        match sent {
            Ok(response) => {
                assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE, "{path}");
            }
            // The server answered 413 and closed the connection while the client was still
            // sending the rest: refused before it was read whole, which is the point. Only a
            // failure to write the body is that; anything else fails the test.
            Err(e) => assert!(
                e.is_request() && format!("{e:?}").contains("BodyWrite"),
                "{path}: {e:?}"
            ),
        }
    }
    let jobs = admin
        .jobs(&drover_shared::api::JobQuery::default())
        .await
        .unwrap();
    assert!(jobs.items.is_empty(), "no job was made");
    drover_tests::assert_still_answers(&admin).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hash_alone_never_stands_in_for_a_file_another_project_sent() {
    let (ts, admin) = setup().await;
    let first = upload_project(&admin, "first").await;
    let second = upload_project(&admin, "second").await;
    let http = Http::of(&ts, &admin);
    let bytes = b"the first project's secret plate".to_vec();
    let hash = upload(&http, first, &bytes).await;
    let size = bytes.len();
    // To the second project the file is missing: its bytes must come.
    let (status, check) = http
        .json(
            Method::POST,
            &format!("/projects/{second}/files/check"),
            json!({ "files": [{ "sha256": hash, "size": size }] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{check}");
    assert_eq!(check["missing"], json!([hash]));
    let (_, state) = http
        .get(&format!("/projects/{second}/files/{hash}?size={size}"))
        .await;
    assert_eq!(
        (state["stored"].clone(), state["received"].clone()),
        (json!(false), json!(0))
    );
    // Claiming it with an empty body stores nothing; a job naming it is refused.
    let (_, state) = http
        .put(&format!("/projects/{second}/files/{hash}?size={size}"), b"")
        .await;
    assert_eq!(state["stored"], false, "{state}");
    let (status, body) = http
        .json(
            Method::POST,
            "/jobs",
            json!({
                "name": "borrowed", "project_id": second, "job_type": "command",
                "settings": { "argv": ["true"], "frames": "1" },
                "files": [{ "path": "plate.bin", "sha256": hash, "size": size }],
            }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().unwrap().contains(&hash), "{body}");
    // Sent for real, it is the second project's too, and the disk keeps one copy.
    upload(&http, second, &bytes).await;
    let copies = walk(&ts.dir.path().join("files"))
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().contains(&hash))
        })
        .count();
    assert_eq!(copies, 1, "one copy on disk");
    for project in [first, second] {
        let storage = admin.project_storage(project).await.unwrap();
        assert_eq!(storage.used_bytes, size as u64, "each project counts it");
    }
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
