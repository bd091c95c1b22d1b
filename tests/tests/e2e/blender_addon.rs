//! The Blender add-on (`blender/drover/`) in real background Blender: its dependency listing,
//! job root and relative rewrite (`tests/blender/addon_dependencies.py`), and a login and two
//! Submits through its operators against a real server whose project keeps no shared folder
//! (`tests/blender/submit_job.py`), then a real worker that cannot see the artist's folder
//! renders the job and its video lands on the shot's Kitsu task. Skipped without `blender` on
//! PATH unless `DROVER_REQUIRE_BLENDER=1`.

use drover_shared::api::{BlenderRenderSettings, JobKind, ProjectStorageInput, StorageMode};
use drover_shared::{JobId, JobStatus, Role};
use drover_tests::{PASSWORD, project, setup, shot_task, start_worker, tools_on_path, wait_for};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_owned()
}

/// Runs `tests/blender/<script>` in background Blender with `args` after `--`, its user
/// folders in `home` (nothing touches the person's own Blender settings). Panics with
/// Blender's output when the script fails.
async fn run_blender(script: &str, args: Vec<String>, home: &Path) -> String {
    let script = repo().join("tests/blender").join(script);
    let home = home.to_owned();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("blender")
            .args([
                "-b",
                "--factory-startup",
                "--python-exit-code",
                "1",
                "--python",
            ])
            .arg(&script)
            .arg("--")
            .args(&args)
            .env("BLENDER_USER_SCRIPTS", home.join("scripts"))
            .env("BLENDER_USER_CONFIG", home.join("config"))
            .output()
            .expect("running blender")
    })
    .await
    .unwrap();
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "Blender failed:\n{text}");
    text
}

fn addon() -> String {
    repo().join("blender/drover").display().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_addon_lists_dependencies_picks_the_root_and_rewrites_paths() {
    if !tools_on_path(&["blender"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let args = vec![
        "--addon".into(),
        addon(),
        "--dir".into(),
        work.display().to_string(),
    ];
    let out = run_blender("addon_dependencies.py", args, dir.path()).await;
    assert!(out.contains("DROVER-ADDON-TEST OK"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_artist_submits_from_blender_and_the_render_lands_on_the_shot_with_no_shared_folder() {
    if !tools_on_path(&["blender", "ffmpeg"]) {
        return;
    }
    let (ts, admin) = setup().await;
    let film = project(&admin, "film").await;
    admin
        .set_project_storage(
            film.id,
            &ProjectStorageInput {
                mode: Some(StorageMode::Upload),
                quota_bytes: None,
            },
        )
        .await
        .unwrap();
    let small = project(&admin, "short of space").await;
    admin
        .set_project_storage(
            small.id,
            &ProjectStorageInput {
                mode: Some(StorageMode::Upload),
                quota_bytes: Some(1000),
            },
        )
        .await
        .unwrap();
    let email = "artist-in-blender@drover.test";
    drover_server::auth::accounts::create(&ts.server.state().store, email, PASSWORD, Role::Manager)
        .await
        .unwrap();
    // The artist's Kitsu task on a shot of the same production: the render is for it.
    let artist_id = admin
        .data_list("persons", &[("email", email)])
        .await
        .unwrap()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let shot_task = shot_task(&admin, "film", &[&artist_id]).await;
    // The artist's folder: outside the server's and any worker's folders.
    let artist = tempfile::tempdir().unwrap();
    let result = artist.path().join("result.json");
    let args = [
        ("--addon", addon()),
        ("--dir", artist.path().display().to_string()),
        ("--server", ts.url()),
        ("--email", email.to_owned()),
        ("--password", PASSWORD.to_owned()),
        ("--project", film.id.to_string()),
        ("--small-project", small.id.to_string()),
        ("--result", result.display().to_string()),
        ("--video", "1".to_owned()),
        ("--task", shot_task.clone()),
        (
            "--reference",
            artist.path().join("reference").display().to_string(),
        ),
    ]
    .into_iter()
    .flat_map(|(k, v)| [k.to_owned(), v])
    .collect();
    let out = run_blender("submit_job.py", args, artist.path()).await;
    let result: Value = serde_json::from_str(
        &std::fs::read_to_string(&result).unwrap_or_else(|e| panic!("{e}: {out}")),
    )
    .unwrap();

    // Refusals in plain words, before anything is sent.
    let wrong = result["wrong_password"].as_str().unwrap();
    assert!(wrong.contains("wrong email or password"), "{wrong}");
    let quota = result["over_quota"].as_str().unwrap();
    assert!(quota.contains("quota is 1.0 KB"), "{quota}");
    assert_eq!(result["over_quota_uploaded"], "", "nothing was sent");
    assert_eq!(admin.project_storage(small.id).await.unwrap().used_bytes, 0);
    let frames = result["bad_frames"].as_str().unwrap();
    assert!(frames.contains("end before they start"), "{frames}");

    let submits = result["submits"].as_array().unwrap();
    for submit in submits {
        assert_eq!(submit["error"], "", "{out}");
    }
    let texture = PathBuf::from(result["texture"].as_str().unwrap());
    let library = PathBuf::from(result["library"].as_str().unwrap());
    let first = submits[0]["uploaded_bytes"].as_u64().unwrap();
    let on_disk =
        std::fs::metadata(&texture).unwrap().len() + std::fs::metadata(&library).unwrap().len();
    assert!(
        first > on_disk,
        "the .blend, texture and library were uploaded: {first} bytes"
    );
    assert_eq!(
        submits[1]["uploaded_bytes"], 0,
        "the same file again uploads nothing"
    );

    for submit in submits {
        let id = JobId(submit["job_id"].as_i64().unwrap());
        let job = admin.job(id).await.unwrap();
        let JobKind::BlenderRender(BlenderRenderSettings {
            blend_file, output, ..
        }) = &job.kind
        else {
            panic!("a blender-render job: {job:?}");
        };
        assert_eq!(
            (blend_file.as_str(), output.as_str(), job.progress.total),
            ("proj/scene.blend", "proj/render/frame_####", 3),
            "two frames and the video"
        );
        let mut files = admin.job_files(id).await.unwrap();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            ["libs/lib.blend", "proj/scene.blend", "textures/wood.png"]
        );
        assert_eq!(files[2].size, std::fs::metadata(&texture).unwrap().len());
        assert_eq!(files[0].size, std::fs::metadata(&library).unwrap().len());
    }
    // Everything once, less the half of the texture that a dropped upload had already sent.
    let set: u64 = admin
        .job_files(JobId(submits[0]["job_id"].as_i64().unwrap()))
        .await
        .unwrap()
        .iter()
        .map(|f| f.size)
        .sum();
    let partial = result["partial_received"].as_u64().unwrap();
    assert!(partial > 0, "the dropped upload kept its bytes");
    assert_eq!(first, set - partial, "the upload resumed where it stopped");
    let storage = admin.project_storage(film.id).await.unwrap();
    assert_eq!(storage.used_bytes, set, "stored once, shared by both jobs");

    // "Open in Drover" starts the desktop app on the last job.
    let last = submits[1]["job_id"].as_i64().unwrap();
    assert_eq!(
        result["open_argv"],
        serde_json::json!(["--server", ts.url(), "--job", last.to_string()])
    );
    assert_eq!(
        result["open_report"],
        format!("Drover is opening job #{last}")
    );

    // The farm shares no folder with the laptop: the artist's files are gone before a worker,
    // whose work dir is its own, renders the first job from what was uploaded.
    std::fs::remove_dir_all(artist.path().join("artist")).unwrap();
    let job = JobId(submits[0]["job_id"].as_i64().unwrap());
    // One render is enough: the second job (the same files) is canceled.
    admin
        .job_command(JobId(last), drover_shared::JobCommand::Cancel, None)
        .await
        .unwrap();
    let token = admin.join_token().await.unwrap().token;
    let _worker = start_worker(&ts.url(), &token, "farm-node", ts.dir.path());
    let done = wait_for(240, "the render", || async {
        let job = admin.job(job).await.unwrap();
        job.status.is_finished().then_some(job)
    })
    .await;
    let log = std::fs::read_to_string(ts.dir.path().join("farm-node.log")).unwrap_or_default();
    assert_eq!(done.status, JobStatus::Completed, "{log}");
    let outputs = admin.job_outputs(job).await.unwrap();
    let names: Vec<&str> = outputs.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["frame.mp4", "frame_0001.png", "frame_0002.png"]);
    let saved = artist.path().join("frame_0001.png");
    admin
        .download_output(job, "frame_0001.png", &saved, |_| {})
        .await
        .unwrap();
    let frame = image::open(&saved).unwrap().to_rgb8();
    assert_eq!((frame.width(), frame.height()), (64, 48));
    // The farm's frame is the artist's: a texture Blender cannot find renders pink, a
    // linked library it cannot find leaves the cube out; either changes many pixels.
    let reference = image::open(artist.path().join("reference.png"))
        .unwrap()
        .to_rgb8();
    assert_eq!(reference.dimensions(), frame.dimensions());
    let differing = frame
        .pixels()
        .zip(reference.pixels())
        .filter(|(a, b)| a.0.iter().zip(b.0).any(|(x, y)| x.abs_diff(y) > 40))
        .count();
    assert!(
        differing < 30,
        "{differing} of {} pixels differ from the artist's render",
        frame.width() * frame.height()
    );

    // The video is on the shot's Kitsu task, as a movie preview, with no shared folder.
    let comments = wait_for(60, "the render's comment on the shot", || async {
        let found = admin
            .raw(
                reqwest::Method::GET,
                &format!("/data/tasks/{shot_task}/comments"),
                None,
            )
            .await
            .unwrap()
            .body
            .unwrap();
        found[0]["previews"]
            .as_array()
            .is_some_and(|p| !p.is_empty())
            .then_some(found)
    })
    .await;
    let preview = &comments[0]["previews"][0];
    assert_eq!(
        (preview["is_movie"].as_bool(), preview["width"].as_i64()),
        (Some(true), Some(64)),
        "{preview}"
    );
}
