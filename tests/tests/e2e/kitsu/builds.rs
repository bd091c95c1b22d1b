//! A playlist's movie, built by the server from its movie previews as Kitsu's "Build movie"
//! asks: the build runs in the background and ends `succeeded`, shows on the playlist,
//! downloads as an MP4, and goes when deleted; only managers build and delete, only admins
//! list a production's builds.

use super::{breakdown, call, id, member, upload};
use crate::security::media::{ffmpeg, movie};
use drover_shared::Role;
use drover_tests::setup;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const RETAKE: &str = "3c1e3b0e-8a33-4a43-9d57-5a8c8f000105";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_playlists_movie_is_built_shown_downloaded_and_deleted() {
    if !ffmpeg() {
        return;
    }
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Dailies build").await;
    let p = &b.project;
    let (artist, _) = member(&ts, &admin, p, Role::Artist).await;

    // A playlist with nothing but pictures or nothing at all has no movie to build.
    let playlist = call(
        &admin,
        Method::POST,
        "/data/playlists",
        Some(json!({"name": "Dailies", "project_id": p})),
        201,
    )
    .await;
    let pl = id(&playlist);
    let build = format!("/data/playlists/{pl}/build/mp4");
    call(&admin, Method::GET, &build, None, 400).await;

    // A movie preview with sound on the shot's task, and a silent one on another shot's,
    // both added to the playlist.
    let dir = tempfile::tempdir().unwrap();
    let sounding = movie_with_sound(dir.path(), "take.mp4", 1);
    preview_movie(&admin, &b.task, &sounding).await;
    let other_task = drover_tests::shot_task(&admin, "Dailies build", &[]).await;
    let silent = movie(dir.path(), "quiet.mp4", "testsrc=size=320x240:rate=24", 1);
    preview_movie(&admin, &other_task, &silent).await;
    let other_shot = call(
        &admin,
        Method::GET,
        &format!("/data/tasks/{other_task}"),
        None,
        200,
    )
    .await["entity_id"]
        .as_str()
        .unwrap()
        .to_owned();
    call(
        &admin,
        Method::POST,
        &format!("/actions/playlists/{pl}/add-entities"),
        Some(json!({"entities": [{"entity_id": b.shot}, {"entity_id": other_shot}]})),
        200,
    )
    .await;

    // Artists and supervisors do not build (managers see every production in Drover, so
    // the team is checked on the reads below); a manager builds, and the build runs, then
    // succeeds.
    call(&artist, Method::GET, &build, None, 403).await;
    let outsider = ts.client_as(Role::Supervisor).await;
    call(&outsider, Method::GET, &build, None, 403).await;
    let job = call(&admin, Method::GET, &build, None, 200).await;
    assert_eq!(job["type"], "BuildJob");
    assert_eq!(job["playlist_id"], pl.as_str());
    let job_path = format!("/data/playlists/{pl}/jobs/{}", id(&job));
    let started = Instant::now();
    let done = loop {
        let now = call(&artist, Method::GET, &job_path, None, 200).await;
        if now["status"] != "running" {
            break now;
        }
        assert!(
            started.elapsed() < Duration::from_mins(2),
            "still running: {now}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(done["status"], "succeeded", "{done}");
    // Someone off the team does not find the build.
    call(&outsider, Method::GET, &job_path, None, 404).await;
    assert!(done["ended_at"].is_string());

    // The playlist lists it; the movie downloads as an MP4.
    let shown = call(
        &admin,
        Method::GET,
        &format!("/data/projects/{p}/playlists/{pl}"),
        None,
        200,
    )
    .await;
    assert_eq!(shown["build_jobs"][0]["id"], job["id"]);
    let download = format!("{}/api{job_path}/build/mp4", ts.url());
    let answer = reqwest::Client::new()
        .get(&download)
        .bearer_auth(artist.token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let disposition = answer.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    let bytes = answer.bytes().await.unwrap();
    assert_eq!(&bytes[4..8], b"ftyp", "an MP4");
    // Both movies play, the first with its sound and the second in silence, in sync.
    let downloaded = dir.path().join("built.mp4");
    std::fs::write(&downloaded, &bytes).unwrap();
    let streams = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=codec_type,duration",
            "-of",
            "csv=p=0",
        ])
        .arg(&downloaded)
        .output()
        .unwrap();
    let streams = String::from_utf8_lossy(&streams.stdout).into_owned();
    let duration = |kind: &str| -> f64 {
        streams
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{kind},")))
            .unwrap_or_else(|| panic!("no {kind} stream in {streams}"))
            .parse()
            .unwrap()
    };
    assert!((duration("video") - 2.0).abs() < 0.2, "{streams}");
    assert!(
        (duration("audio") - duration("video")).abs() < 0.1,
        "{streams}"
    );

    // The playlist downloads as one zip of its previews, streamed; vendors get none.
    let zip_url = format!("{}/api/data/playlists/{pl}/download/zip", ts.url());
    let answer = reqwest::Client::new()
        .get(&zip_url)
        .bearer_auth(artist.token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["content-type"], "application/zip");
    let disposition = answer.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        disposition,
        "attachment; filename=\"dailies_build_dailies.zip\""
    );
    let zipped = answer.bytes().await.unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zipped.to_vec())).unwrap();
    assert_eq!(archive.len(), 2, "one movie per entry");
    for i in 0..2 {
        let mut file = archive.by_index(i).unwrap();
        let name = file.name().unwrap().into_owned();
        assert_eq!(
            name.rsplit_once('.').map(|(_, ext)| ext),
            Some("mp4"),
            "{name}"
        );
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut bytes).unwrap();
        assert_eq!(&bytes[4..8], b"ftyp", "{name} is an MP4");
    }
    let (vendor, _) = member(&ts, &admin, p, Role::Vendor).await;
    call(
        &vendor,
        Method::GET,
        &format!("/data/playlists/{pl}/download/zip"),
        None,
        403,
    )
    .await;
    // Someone off the production's team does not find the playlist.
    call(
        &outsider,
        Method::GET,
        &format!("/data/playlists/{pl}/download/zip"),
        None,
        404,
    )
    .await;
    let (client, _) = member(&ts, &admin, p, Role::Client).await;
    call(
        &client,
        Method::GET,
        &format!("/data/playlists/{pl}/download/zip"),
        None,
        403,
    )
    .await;

    // Only admins list a production's builds.
    let all = call(
        &admin,
        Method::GET,
        &format!("/data/projects/{p}/build-jobs"),
        None,
        200,
    )
    .await;
    assert_eq!(all.as_array().map(Vec::len), Some(1), "{all}");
    call(
        &artist,
        Method::GET,
        &format!("/data/projects/{p}/build-jobs"),
        None,
        403,
    )
    .await;

    // Deleted (by a manager, not an artist), the build and its movie are gone.
    call(&artist, Method::DELETE, &job_path, None, 403).await;
    call(&admin, Method::DELETE, &job_path, None, 204).await;
    call(&admin, Method::GET, &job_path, None, 404).await;
    let gone = reqwest::Client::new()
        .get(&download)
        .bearer_auth(admin.token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);
    let shown = call(
        &admin,
        Method::GET,
        &format!("/data/projects/{p}/playlists/{pl}"),
        None,
        200,
    )
    .await;
    assert_eq!(shown["build_jobs"], Value::Array(Vec::new()));

    // Deleting the playlist takes its builds' movies with it.
    let again = call(&admin, Method::GET, &build, None, 200).await;
    let movie_file = ts
        .dir
        .path()
        .join("production/builds")
        .join(format!("{}.mp4", id(&again)));
    let started = Instant::now();
    while !movie_file.exists()
        || call(
            &admin,
            Method::GET,
            &format!("/data/playlists/{pl}/jobs/{}", id(&again)),
            None,
            200,
        )
        .await["status"]
            == "running"
    {
        assert!(started.elapsed() < Duration::from_mins(2), "never built");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    call(
        &admin,
        Method::DELETE,
        &format!("/data/playlists/{pl}"),
        None,
        204,
    )
    .await;
    assert!(
        !movie_file.exists(),
        "the build's movie stayed after its playlist went"
    );
}

/// A one-second test movie with a tone.
fn movie_with_sound(dir: &std::path::Path, name: &str, seconds: u32) -> Vec<u8> {
    let path = dir.join(name);
    let seconds = seconds.to_string();
    let made = std::process::Command::new("ffmpeg")
        .args([
            "-y",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240:rate=24",
        ])
        .args(["-f", "lavfi", "-i", "sine=frequency=440"])
        .args([
            "-t", &seconds, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac",
        ])
        .arg(&path)
        .status()
        .unwrap();
    assert!(made.success());
    std::fs::read(path).unwrap()
}

/// Posts a comment on `task` with `clip` as its movie preview.
async fn preview_movie(admin: &drover_shared::Client, task: &str, clip: &[u8]) {
    let comment = call(
        admin,
        Method::POST,
        &format!("/actions/tasks/{task}/comment"),
        Some(json!({"task_status_id": RETAKE, "comment": "take"})),
        201,
    )
    .await;
    let preview = call(
        admin,
        Method::POST,
        &format!(
            "/actions/tasks/{task}/comments/{}/add-preview",
            id(&comment)
        ),
        Some(json!({})),
        201,
    )
    .await;
    let (status, stored) = upload(
        admin,
        &format!("/pictures/preview-files/{}", id(&preview)),
        "take.mp4",
        clip,
    )
    .await;
    assert!(status.is_success(), "{stored}");
}
