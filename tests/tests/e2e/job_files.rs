//! Job files without shared storage, with real processes: a project in upload mode, its
//! files uploaded once by hash, and `drover-worker` binaries whose work dirs cannot see the
//! artist's folder (it is deleted before the job runs) fetching them, running the task in a
//! job folder of their own and sending the outputs back; the worker protocol's file and
//! output routes through the client (a download resumed from a partial file); and, with
//! Blender on PATH, a render of a .blend with an external texture.

use drover_shared::api::{
    BlenderRenderSettings, CommandSettings, FileRef, ImageFormat, JobFile, JobKind,
    ProjectStorageInput, StorageMode, SubmitJob,
};
use drover_shared::protocol::SignOn;
use drover_shared::{Client, JobId, JobStatus, ProjectId, TaskStatus, TaskType};
use drover_tests::{job_done, project, setup, start_worker, wait_for, workers};
use sha2::{Digest, Sha256};
use std::path::Path;

/// The hash and size of a file, as a submitter computes them.
fn file_ref(path: &Path) -> FileRef {
    let bytes = std::fs::read(path).unwrap();
    FileRef {
        sha256: format!("{:x}", Sha256::digest(&bytes)),
        size: bytes.len() as u64,
    }
}

/// Switches the project to upload mode.
async fn upload_mode(admin: &Client, project: ProjectId) {
    let storage = admin
        .set_project_storage(
            project,
            &ProjectStorageInput {
                mode: Some(StorageMode::Upload),
                quota_bytes: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(storage.mode, StorageMode::Upload);
    assert_eq!(
        admin.project_storage(project).await.unwrap().mode,
        StorageMode::Upload
    );
}

/// Hashes every file under `root` (paths relative to it, `/`-separated), asks the server
/// which it lacks, uploads those, and checks that a second check finds none missing.
/// Returns the job's file set and how many files were uploaded.
async fn send_files(
    client: &Client,
    project: ProjectId,
    root: &Path,
    paths: &[&str],
) -> (Vec<JobFile>, usize) {
    let files: Vec<(JobFile, FileRef)> = paths
        .iter()
        .map(|path| {
            let found = file_ref(&root.join(path));
            let job_file = JobFile {
                path: (*path).to_owned(),
                sha256: found.sha256.clone(),
                size: found.size,
            };
            (job_file, found)
        })
        .collect();
    let refs: Vec<FileRef> = files.iter().map(|(_, r)| r.clone()).collect();
    let check = client.check_files(project, &refs).await.unwrap();
    for hash in &check.missing {
        let (job_file, found) = files
            .iter()
            .find(|(_, r)| &r.sha256 == hash)
            .expect("the server asks only for hashes it was sent");
        let state = client
            .upload_file(project, &root.join(&job_file.path), found)
            .await
            .unwrap();
        assert!(state.stored && state.received == found.size, "{state:?}");
    }
    let again = client.check_files(project, &refs).await.unwrap();
    assert!(
        again.missing.is_empty(),
        "a second check finds nothing missing: {again:?}"
    );
    (
        files.into_iter().map(|(f, _)| f).collect(),
        check.missing.len(),
    )
}

/// Every task's log, for a failure's message.
async fn logs(admin: &Client, job: JobId) -> String {
    let mut all = String::new();
    for task in drover_tests::job_tasks(admin, job).await {
        all.push_str(&admin.task_log(task.id).await.unwrap_or_default());
    }
    all
}

/// The outputs of a job, by name, as the API lists them.
async fn outputs(admin: &Client, job: JobId) -> Vec<serde_json::Value> {
    let answer = admin
        .raw(reqwest::Method::GET, &format!("/jobs/{job}/outputs"), None)
        .await
        .unwrap();
    assert!(answer.status.is_success(), "{answer:?}");
    answer.body.unwrap().as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_without_the_artists_folder_runs_a_job_on_its_uploaded_files() {
    let (ts, admin) = setup().await;
    let p = project(&admin, "film").await;
    upload_mode(&admin, p.id).await;
    let artist = ts.dir.path().join("artist");
    std::fs::create_dir_all(artist.join("data")).unwrap();
    std::fs::write(artist.join("greeting.txt"), "hello from the artist").unwrap();
    std::fs::write(artist.join("data/numbers.txt"), "4 8 15 16 23 42").unwrap();
    // The same content twice: stored and uploaded once.
    std::fs::write(artist.join("data/copy.txt"), "4 8 15 16 23 42").unwrap();
    let paths = ["greeting.txt", "data/numbers.txt", "data/copy.txt"];
    let (files, uploaded) = send_files(&admin, p.id, &artist, &paths).await;
    assert_eq!(uploaded, 2, "two distinct contents");
    let (_, uploaded_again) = send_files(&admin, p.id, &artist, &paths).await;
    assert_eq!(
        uploaded_again, 0,
        "sending the same files again uploads nothing"
    );
    // The artist's folder is gone before any worker runs: the job can only use what it sent.
    std::fs::remove_dir_all(&artist).unwrap();

    // Each frame writes a JSON output from the files of the set, one in a subfolder of out/.
    let script = r#"mkdir -p out/deep && printf '{"frame": %s, "greeting": "%s", "numbers": "%s"}' {start} "$(cat greeting.txt)" "$(cat data/numbers.txt)" > out/result-{start}.json && cp data/copy.txt out/deep/copy-{start}.txt"#;
    let job = SubmitJob {
        name: "uses its files".into(),
        project_id: p.id,
        kind: JobKind::Command(CommandSettings {
            argv: vec!["sh".into(), "-c".into(), script.into()],
            frames: "1-3".into(),
            chunk_size: 1,
        }),
        priority: None,
        paused: false,
        tag: None,
        production_task_id: None,
        files: files.clone(),
        depends_on: Vec::new(),
        depend_mode: drover_shared::DependMode::Job,
        max_workers: None,
        task_timeout_secs: None,
        limits: Vec::new(),
    };
    let job = admin.submit_job(&job).await.unwrap();
    assert_eq!(admin.job_files(job.id).await.unwrap().len(), files.len());
    let _workers = workers(&ts, &admin, &["w1", "w2"]).await;
    let done = job_done(&admin, job.id, 60).await;
    assert_eq!(
        done.status,
        JobStatus::Completed,
        "{}",
        logs(&admin, job.id).await
    );

    let listed = outputs(&admin, job.id).await;
    let names: Vec<&str> = listed.iter().filter_map(|o| o["name"].as_str()).collect();
    assert_eq!(
        names,
        [
            "copy-1.txt",
            "copy-2.txt",
            "copy-3.txt",
            "result-1.json",
            "result-2.json",
            "result-3.json"
        ]
    );
    for frame in 1..=3 {
        let answer = admin
            .raw(
                reqwest::Method::GET,
                &format!("/jobs/{}/outputs/result-{frame}.json", job.id),
                None,
            )
            .await
            .unwrap();
        assert_eq!(
            answer.body,
            Some(serde_json::json!({
                "frame": frame,
                "greeting": "hello from the artist",
                "numbers": "4 8 15 16 23 42",
            })),
            "{answer:?}"
        );
    }
    // Each worker keeps the files by hash in its cache; no partial download is left.
    for worker in ["w1", "w2"] {
        let cache = ts.dir.path().join(worker).join("cache");
        let Ok(entries) = std::fs::read_dir(&cache) else {
            continue; // this worker ran no task
        };
        for entry in entries {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            assert!(
                files.iter().any(|f| f.sha256 == name),
                "{worker}'s cache holds only the job's hashes, found {name}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_resumes_a_partial_download_and_sends_and_reads_outputs() {
    let (ts, admin) = setup().await;
    let p = project(&admin, "film").await;
    upload_mode(&admin, p.id).await;
    let artist = ts.dir.path().join("artist");
    std::fs::create_dir_all(&artist).unwrap();
    let content: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 256) as u8).collect();
    std::fs::write(artist.join("big.bin"), &content).unwrap();
    let (files, _) = send_files(&admin, p.id, &artist, &["big.bin"]).await;
    let mut job = drover_tests::command_job(p.id, "1", 1);
    job.files.clone_from(&files);
    let job = admin.submit_job(&job).await.unwrap();

    // A worker speaking the protocol by hand, so the test holds its task.
    let token = admin.join_token().await.unwrap().token;
    let credentials = ts
        .anonymous
        .register_worker(&token, "by-hand")
        .await
        .unwrap();
    let worker = ts.anonymous.with_token(&credentials.token);
    worker
        .sign_on(&SignOn {
            name: "by-hand".into(),
            tags: Vec::new(),
            task_types: vec![TaskType::Command],
            version: "test".into(),
            facts: drover_shared::protocol::HostFacts::default(),
        })
        .await
        .unwrap();
    let assignment = worker.claim_task(0).await.unwrap().expect("a task");
    assert_eq!(
        (assignment.job_id, assignment.storage),
        (job.id, StorageMode::Upload)
    );
    let task = assignment.task.id;
    assert_eq!(worker.task_files(task).await.unwrap(), files);

    // A download that broke off after 100,000 bytes resumes from there.
    let part = ts.dir.path().join("big.bin.part");
    std::fs::write(&part, &content[..100_000]).unwrap();
    let len = worker
        .download_task_file(task, &files[0].sha256, &part)
        .await
        .unwrap();
    assert_eq!(len, content.len() as u64);
    assert_eq!(std::fs::read(&part).unwrap(), content);
    // A whole file asks for nothing more.
    let len = worker
        .download_task_file(task, &files[0].sha256, &part)
        .await
        .unwrap();
    assert_eq!(len, content.len() as u64);

    // Outputs go up streamed and come back, and the same name replaces the first.
    let frame = ts.dir.path().join("frame_0001.png");
    std::fs::write(&frame, b"first").unwrap();
    worker
        .upload_output(task, "frame_0001.png", &frame)
        .await
        .unwrap();
    std::fs::write(&frame, b"second, longer").unwrap();
    let sent = worker
        .upload_output(task, "frame_0001.png", &frame)
        .await
        .unwrap();
    assert_eq!((sent.name.as_str(), sent.size), ("frame_0001.png", 14));
    let listed = worker.task_outputs(task).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].task_id, Some(task));
    let back = ts.dir.path().join("back.png");
    worker
        .download_task_output(task, "frame_0001.png", &back)
        .await
        .unwrap();
    assert_eq!(std::fs::read(&back).unwrap(), b"second, longer");
    let error = worker
        .upload_output(task, "../escape.png", &frame)
        .await
        .unwrap_err();
    assert!(
        error.status().is_some_and(|s| s.is_client_error()),
        "{error}"
    );
    worker
        .update_task(
            task,
            &drover_shared::protocol::TaskUpdate {
                status: Some(TaskStatus::Completed),
                ..Default::default()
            },
        )
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blender_renders_an_uploaded_scene_with_an_external_texture() {
    if !drover_tests::tools_on_path(&["blender", "ffmpeg"]) {
        return;
    }
    let (ts, admin) = setup().await;
    let p = project(&admin, "film").await;
    upload_mode(&admin, p.id).await;
    // The artist's scene: a plane showing an external texture (`//tex/grid.png`, relative
    // to the .blend) through an emission shader, seen by an orthographic camera.
    let artist = ts.dir.path().join("artist");
    let generated = std::process::Command::new("blender")
        .args(["-b", "--factory-startup", "--python-expr", GENERATE_SCENE])
        .env("DROVER_SCENE_DIR", artist.join("proj"))
        .output()
        .unwrap();
    assert!(
        generated.status.success() && artist.join("proj/tex/grid.png").exists(),
        "{}",
        String::from_utf8_lossy(&generated.stderr)
    );
    let (files, _) = send_files(
        &admin,
        p.id,
        &artist,
        &["proj/scene.blend", "proj/tex/grid.png"],
    )
    .await;
    std::fs::remove_dir_all(&artist).unwrap();
    let job = SubmitJob {
        name: "grid".into(),
        project_id: p.id,
        kind: JobKind::BlenderRender(BlenderRenderSettings {
            blend_file: "proj/scene.blend".into(),
            frames: "1-2".into(),
            chunk_size: 1,
            output: "render/grid_####".into(),
            format: ImageFormat::Png,
            scene: None,
            video: true,
            fps: Some(12),
            auto_run_python: false,
        }),
        priority: None,
        paused: false,
        tag: None,
        production_task_id: None,
        files,
        depends_on: Vec::new(),
        depend_mode: drover_shared::DependMode::Job,
        max_workers: None,
        task_timeout_secs: None,
        limits: Vec::new(),
    };
    let job = admin.submit_job(&job).await.unwrap();
    let _workers = workers(&ts, &admin, &["r1"]).await;
    let done = job_done(&admin, job.id, 240).await;
    assert_eq!(
        done.status,
        JobStatus::Completed,
        "{}",
        logs(&admin, job.id).await
    );
    let listed = outputs(&admin, job.id).await;
    let names: Vec<&str> = listed.iter().filter_map(|o| o["name"].as_str()).collect();
    assert_eq!(names, ["grid.mp4", "grid_0001.png", "grid_0002.png"]);
    let video = listed.iter().find(|o| o["name"] == "grid.mp4").unwrap();
    assert!(video["size"].as_u64().unwrap() > 500, "{video}");
    // The frame shows the texture: a missing one renders flat magenta.
    let preview = admin
        .last_rendered(job.id, drover_shared::api::PreviewSize::Full)
        .await
        .unwrap();
    let image = image::load_from_memory(&preview).unwrap().to_rgb8();
    assert_eq!((image.width(), image.height()), (32, 32));
    let colours: std::collections::HashSet<_> = image.pixels().map(|p| p.0).collect();
    assert!(
        colours.len() > 8,
        "the texture's grid shows: {} colours",
        colours.len()
    );
}

/// Blender Python that writes `$DROVER_SCENE_DIR/scene.blend` and `tex/grid.png` beside it.
const GENERATE_SCENE: &str = r#"
import bpy, os
root = os.environ["DROVER_SCENE_DIR"]
os.makedirs(os.path.join(root, "tex"), exist_ok=True)
bpy.ops.wm.read_factory_settings(use_empty=True)
scene = bpy.context.scene
image = bpy.data.images.new("grid", 64, 64)
image.generated_type = "COLOR_GRID"
image.filepath_raw = os.path.join(root, "tex", "grid.png")
image.file_format = "PNG"
image.save()
image.filepath = "//tex/grid.png"
bpy.ops.mesh.primitive_plane_add(size=2)
plane = bpy.context.object
material = bpy.data.materials.new("grid")
material.use_nodes = True
nodes = material.node_tree.nodes
nodes.clear()
texture = nodes.new("ShaderNodeTexImage")
texture.image = image
emission = nodes.new("ShaderNodeEmission")
output = nodes.new("ShaderNodeOutputMaterial")
material.node_tree.links.new(texture.outputs["Color"], emission.inputs["Color"])
material.node_tree.links.new(emission.outputs["Emission"], output.inputs["Surface"])
plane.data.materials.append(material)
camera_data = bpy.data.cameras.new("camera")
camera_data.type = "ORTHO"
camera_data.ortho_scale = 2
camera = bpy.data.objects.new("camera", camera_data)
scene.collection.objects.link(camera)
camera.location = (0, 0, 3)
scene.camera = camera
scene.render.engine = "CYCLES"
scene.cycles.samples = 1
scene.cycles.use_denoising = False
scene.cycles.device = "CPU"
scene.render.resolution_x = 32
scene.render.resolution_y = 32
scene.render.resolution_percentage = 100
bpy.ops.wm.save_as_mainfile(filepath=os.path.join(root, "scene.blend"), relative_remap=True)
"#;

/// A TCP proxy in front of the server: while `slow` is set it passes what the server sends
/// at about 1.6 MB/s (so a download is seen half done), and it notes every `Range:` header
/// the clients send.
struct SlowProxy {
    url: String,
    slow: std::sync::Arc<std::sync::atomic::AtomicBool>,
    ranges: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl SlowProxy {
    async fn start(server: &str) -> Self {
        use std::sync::atomic::Ordering;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let target = server.trim_start_matches("http://").to_owned();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let slow = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let ranges = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (slow_c, ranges_c) = (slow.clone(), ranges.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(upstream) = tokio::net::TcpStream::connect(&target).await else {
                    continue;
                };
                let (mut client_read, mut client_write) = client.into_split();
                let (mut up_read, mut up_write) = upstream.into_split();
                let ranges = ranges_c.clone();
                tokio::spawn(async move {
                    let mut buffer = vec![0u8; 64 * 1024];
                    while let Ok(n @ 1..) = client_read.read(&mut buffer).await {
                        let text = String::from_utf8_lossy(&buffer[..n]).to_lowercase();
                        for line in text.lines().filter(|l| l.starts_with("range:")) {
                            ranges.lock().unwrap().push(line.trim().to_owned());
                        }
                        if up_write.write_all(&buffer[..n]).await.is_err() {
                            break;
                        }
                    }
                });
                let slow = slow_c.clone();
                tokio::spawn(async move {
                    let mut buffer = vec![0u8; 16 * 1024];
                    while let Ok(n @ 1..) = up_read.read(&mut buffer).await {
                        if client_write.write_all(&buffer[..n]).await.is_err() {
                            break;
                        }
                        if slow.load(Ordering::Relaxed) {
                            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                        }
                    }
                });
            }
        });
        Self { url, slow, ranges }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_download_resumes_and_keeps_no_corrupt_entry() {
    let (ts, admin) = setup().await;
    let p = project(&admin, "film").await;
    upload_mode(&admin, p.id).await;
    // 8 MiB that do not compress, so the download takes seconds through the slow proxy.
    let artist = ts.dir.path().join("artist");
    std::fs::create_dir_all(&artist).unwrap();
    let mut bytes = Vec::with_capacity(8 << 20);
    let mut block = Sha256::digest(b"seed").to_vec();
    while bytes.len() < 8 << 20 {
        block = Sha256::digest(&block).to_vec();
        bytes.extend_from_slice(&block);
    }
    std::fs::write(artist.join("big.bin"), &bytes).unwrap();
    let (files, _) = send_files(&admin, p.id, &artist, &["big.bin"]).await;
    let hash = files[0].sha256.clone();
    let job = SubmitJob {
        name: "reads a big file".into(),
        kind: JobKind::Command(CommandSettings {
            argv: vec![
                "sh".into(),
                "-c".into(),
                "mkdir -p out && sha256sum big.bin | cut -d' ' -f1 > out/sum.txt".into(),
            ],
            frames: "1".into(),
            chunk_size: 1,
        }),
        files,
        ..drover_tests::command_job(p.id, "1", 1)
    };
    let job = admin.submit_job(&job).await.unwrap();

    let proxy = SlowProxy::start(&ts.url()).await;
    let token = admin.join_token().await.unwrap().token;
    let mut worker = start_worker(&proxy.url, &token, "w1", ts.dir.path());
    let cache = ts.dir.path().join("w1/cache");
    let part = cache.join(format!("{hash}.part"));
    let had = wait_for(60, "the download to be under way", || async {
        let len = std::fs::metadata(&part).map_or(0, |m| m.len());
        (len > 1 << 20).then_some(len)
    })
    .await;
    worker.kill_hard();
    assert!(
        !cache.join(&hash).exists(),
        "no entry before the whole file"
    );
    let kept = std::fs::metadata(&part).unwrap().len();
    assert!(
        kept >= had && kept < 8 << 20,
        "a partial file stays: {kept}"
    );

    // Started again (same work dir, so same cache and credentials), at full speed.
    proxy
        .slow
        .store(false, std::sync::atomic::Ordering::Relaxed);
    let _worker = start_worker(&proxy.url, &token, "w1", ts.dir.path());
    let done = job_done(&admin, job.id, 60).await;
    assert_eq!(
        done.status,
        JobStatus::Completed,
        "{}",
        logs(&admin, job.id).await
    );
    let sum = ts.dir.path().join("sum.txt");
    admin
        .download_output(job.id, "sum.txt", &sum, |_| {})
        .await
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(&sum).unwrap(),
        format!("{hash}\n"),
        "the task read the whole, right file"
    );
    let ranges = proxy.ranges.lock().unwrap().clone();
    let resumed = ranges.iter().find_map(|r| {
        r.strip_prefix("range: bytes=")?
            .strip_suffix('-')?
            .parse::<u64>()
            .ok()
    });
    assert!(
        resumed == Some(kept),
        "the download resumed from what was kept: {ranges:?}"
    );
    // The cache holds the file whole under its hash, and no partial.
    let cached = std::fs::read(cache.join(&hash)).unwrap();
    assert_eq!(format!("{:x}", Sha256::digest(&cached)), hash);
    assert!(!part.exists());
}
