//! The Blender add-on (`blender/drover/`) in real background Blender: its dependency listing,
//! job root and relative rewrite (`tests/blender/addon_dependencies.py`), and a login and two
//! Submits through its operators against a real server whose project keeps no shared folder
//! (`tests/blender/submit_job.py`). Skipped without `blender` on PATH unless
//! `DROVER_REQUIRE_BLENDER=1`.

use drover_shared::api::{BlenderRenderSettings, JobKind, ProjectStorageInput, StorageMode};
use drover_shared::{JobId, Role};
use drover_tests::{PASSWORD, project, setup};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Whether Blender is on PATH; without it the test is skipped, unless CI requires it.
fn blender_available() -> bool {
    let on_path = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join("blender").is_file()));
    if !on_path {
        assert!(
            std::env::var("DROVER_REQUIRE_BLENDER").as_deref() != Ok("1"),
            "DROVER_REQUIRE_BLENDER=1 but `blender` is not on PATH"
        );
        eprintln!("skipped: no `blender` on PATH");
    }
    on_path
}

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
    if !blender_available() {
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
async fn blender_submits_through_the_addon_and_a_second_submit_uploads_nothing() {
    if !blender_available() {
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
            ("proj/scene.blend", "proj/render/frame_####", 2)
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
}
