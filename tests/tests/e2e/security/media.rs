//! Media attacks: picture bombs (a real server process, its peak memory read from
//! `/proc`), bodies past the cap on the routes that take uploads, and "movies" that are HLS
//! playlists or concat lists naming another project's movie on the server's disk.

use crate::kitsu::{Part, breakdown, call, id, multipart, person_id, upload};
use drover_shared::{Client, Role};
use drover_tests::{PASSWORD, assert_still_answers, setup, workspace_binary};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

/// A JPEG of a few hundred bytes whose header claims `width`×`height`: decoding it as
/// declared takes `width × height × 3` bytes (13000×13000: half a gigabyte).
fn picture_bomb(width: u16, height: u16) -> Vec<u8> {
    let mut jpeg = Vec::new();
    image::DynamicImage::new_rgb8(8, 8)
        .write_to(
            &mut std::io::Cursor::new(&mut jpeg),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    let frame = jpeg
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("a baseline frame header");
    jpeg[frame + 5..frame + 7].copy_from_slice(&height.to_be_bytes());
    jpeg[frame + 7..frame + 9].copy_from_slice(&width.to_be_bytes());
    jpeg
}

/// Puts `artist` on a new production project's task; returns the task.
async fn assigned_task(admin: &Client, artist: &Client, project: &str) -> String {
    let b = breakdown(admin, project).await;
    call(
        admin,
        Method::PUT,
        &format!("/actions/persons/{}/assign", person_id(artist).await),
        Some(json!({"task_ids": [b.task]})),
        200,
    )
    .await;
    b.task
}

/// The id of the "waiting for approval" status, which artists may set.
async fn wfa(client: &Client) -> String {
    let found = call(
        client,
        Method::GET,
        "/data/task-status?short_name=wfa",
        None,
        200,
    )
    .await;
    id(&found[0])
}

/// A comment by `client` on `task` with a new preview waiting for its file; returns the
/// preview's id.
async fn waiting_preview(client: &Client, task: &str) -> String {
    let comment = call(
        client,
        Method::POST,
        &format!("/actions/tasks/{task}/comment"),
        Some(json!({"comment": "take", "task_status_id": wfa(client).await})),
        201,
    )
    .await;
    let preview = call(
        client,
        Method::POST,
        &format!(
            "/actions/tasks/{task}/comments/{}/add-preview",
            id(&comment)
        ),
        Some(json!({})),
        201,
    )
    .await;
    id(&preview)
}

/// Asserts a refusal with `status` and the JSON error body; returns its message.
fn refused(status: StatusCode, body: &Value, want: StatusCode) -> String {
    assert_eq!(status, want, "{body}");
    let message = body["message"].as_str().unwrap_or_else(|| panic!("{body}"));
    assert!(body["error"].is_string(), "{body}");
    message.to_owned()
}

/// The server's peak resident memory, in bytes (`VmHWM`).
fn peak_memory_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM in /proc/<pid>/status");
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap();
    kib * 1024
}

/// The `drover-server` binary serving `data` on a free port, killed when dropped; with its
/// URL.
fn serve(data: &Path) -> (drover_tests::Process, String) {
    let mut child = Command::new(workspace_binary("drover-server"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting drover-server");
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let url = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {first}"))
        .to_owned();
    (drover_tests::Process { child }, url)
}

/// A 220-byte JPEG that claims 13000×13000 pixels, sent eight at once as previews, as an
/// avatar and as an attachment, to a real server process: each preview and the avatar get a
/// 413 that says the limit, the attachment is kept as a file with no thumbnail, and the
/// server's peak memory stays far below the half gigabyte one such picture used to cost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_picture_bomb_is_refused_before_it_is_decoded() {
    let dir = tempfile::tempdir().unwrap();
    let added = Command::new(workspace_binary("drover-server"))
        .args(["user", "add", "admin@bomb.test", "--password", PASSWORD])
        .args(["--role", "admin", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let (server, url) = serve(dir.path());
    let anonymous = Client::new(&url).unwrap();
    let admin = anonymous
        .logged_in("admin@bomb.test", PASSWORD)
        .await
        .unwrap();
    admin
        .create_user("artist@bomb.test", PASSWORD, Role::Artist)
        .await
        .unwrap();
    let artist = anonymous
        .logged_in("artist@bomb.test", PASSWORD)
        .await
        .unwrap();
    let task = assigned_task(&admin, &artist, "Bombs").await;
    let bomb = picture_bomb(13_000, 13_000);
    assert!(bomb.len() < 1024, "{} bytes", bomb.len());

    let mut previews = Vec::new();
    for _ in 0..8 {
        previews.push(waiting_preview(&artist, &task).await);
    }
    let mut sent = tokio::task::JoinSet::new();
    for preview in &previews {
        let (artist, bomb, path) = (
            artist.clone(),
            bomb.clone(),
            format!("/pictures/preview-files/{preview}"),
        );
        sent.spawn(async move { upload(&artist, &path, "frame.jpg", &bomb).await });
    }
    while let Some(answer) = sent.join_next().await {
        let (status, body) = answer.unwrap();
        let message = refused(status, &body, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(
            message.contains("13000×13000") && message.contains("at most 100 megapixels"),
            "{message}"
        );
    }
    // The refused previews are gone, as Kitsu removes a preview whose file it cannot take.
    call(
        &artist,
        Method::GET,
        &format!("/data/preview-files/{}", previews[0]),
        None,
        404,
    )
    .await;
    let (status, body) = upload(
        &artist,
        &format!("/pictures/thumbnails/persons/{}", person_id(&artist).await),
        "me.jpg",
        &bomb,
    )
    .await;
    refused(status, &body, StatusCode::PAYLOAD_TOO_LARGE);
    let status_id = wfa(&artist).await;
    let (status, comment) = multipart(
        &artist,
        &format!("/actions/tasks/{task}/comment"),
        &[
            Part::Text("task_status_id", &status_id),
            Part::Text("comment", "a reference"),
            Part::File {
                part: "file",
                name: "reference.jpg",
                content_type: "image/jpeg",
                bytes: &bomb,
            },
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{comment}");
    let attachment = id(&comment["attachment_files"][0]);
    call(
        &artist,
        Method::GET,
        &format!("/pictures/thumbnails/attachment-files/{attachment}.png"),
        None,
        404,
    )
    .await;

    let peak = peak_memory_bytes(server.child.id());
    assert!(
        peak < 200 * 1024 * 1024,
        "the server's peak memory reached {} MiB",
        peak / (1024 * 1024)
    );
    assert_still_answers(&artist).await;
}

/// On the routes that take uploads (comments with attachments, previews), a JSON or form
/// body and a multipart body's text parts still stop at 4 MiB with a 413; only file parts go
/// past it, to disk.
#[tokio::test]
async fn bodies_past_the_cap_are_refused_where_uploads_are_allowed() {
    let (ts, admin) = setup().await;
    let artist = ts.client_as(Role::Artist).await;
    let task = assigned_task(&admin, &artist, "Bodies").await;
    let comment_path = format!("/actions/tasks/{task}/comment");
    let five_mib = "x".repeat(5 * 1024 * 1024);

    let json = artist
        .raw(
            Method::POST,
            &comment_path,
            Some(&json!({"comment": five_mib})),
        )
        .await
        .unwrap();
    let message = refused(
        json.status,
        &json.body.unwrap_or_default(),
        StatusCode::PAYLOAD_TOO_LARGE,
    );
    assert!(message.contains("larger than"), "{message}");
    let (status, body) =
        multipart(&artist, &comment_path, &[Part::Text("comment", &five_mib)]).await;
    refused(status, &body, StatusCode::PAYLOAD_TOO_LARGE);
    // Many small text parts add up to the same cap.
    let small = "y".repeat(1024 * 1024);
    let parts: Vec<Part<'_>> = ["a", "b", "c", "d", "e"]
        .iter()
        .map(|name| Part::Text(name, &small))
        .collect();
    let (status, body) = multipart(&artist, &comment_path, &parts).await;
    refused(status, &body, StatusCode::PAYLOAD_TOO_LARGE);
    let form = reqwest::Client::new()
        .post(format!("{}{comment_path}", artist.api_url()))
        .bearer_auth(artist.token().unwrap())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("comment={five_mib}"))
        .send()
        .await
        .unwrap();
    let status = form.status();
    let body: Value = form.json().await.unwrap();
    refused(status, &body, StatusCode::PAYLOAD_TOO_LARGE);
    // The extra-preview route takes a body too: its JSON is capped as well.
    let preview = waiting_preview(&artist, &task).await;
    let raw = artist
        .raw(
            Method::POST,
            &format!("/pictures/preview-files/{preview}"),
            Some(&json!({"padding": five_mib})),
        )
        .await
        .unwrap();
    assert_eq!(
        raw.status,
        StatusCode::BAD_REQUEST,
        "no file: {:?}",
        raw.body
    );

    // The same 5 MiB as a file is an attachment like any other.
    let status_id = wfa(&artist).await;
    let (status, comment) = multipart(
        &artist,
        &comment_path,
        &[
            Part::Text("task_status_id", &status_id),
            Part::Text("comment", "the notes, attached"),
            Part::File {
                part: "file",
                name: "notes.txt",
                content_type: "text/plain",
                bytes: five_mib.as_bytes(),
            },
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{comment}");
    assert_eq!(
        comment["attachment_files"][0]["size"].as_u64(),
        Some(five_mib.len() as u64)
    );
    assert_still_answers(&artist).await;
}

/// Whether ffmpeg is installed; required where CI says so.
pub(crate) fn ffmpeg() -> bool {
    let found = Command::new("ffmpeg")
        .arg("-version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var("DROVER_REQUIRE_BLENDER").as_deref() != Ok("1"),
            "DROVER_REQUIRE_BLENDER=1 but ffmpeg is not on PATH"
        );
        eprintln!("skipped: no ffmpeg on PATH");
    }
    found
}

/// A movie made by ffmpeg from its test pattern, with `input` options for the pattern.
pub(crate) fn movie(dir: &Path, name: &str, pattern: &str, seconds: u32) -> Vec<u8> {
    let path = dir.join(name);
    let made = Command::new("ffmpeg")
        .args(["-y", "-v", "error", "-f", "lavfi", "-i", pattern])
        .args([
            "-t",
            &seconds.to_string(),
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
        ])
        .arg(&path)
        .status()
        .unwrap();
    assert!(made.success());
    std::fs::read(path).unwrap()
}

/// An artist on one project uploads, as `clip.mp4`, an HLS playlist and a concat list that
/// name another project's movie on the server's disk: both are refused with a 400 that
/// says why, and the artist's preview holds nothing of the other movie. A movie over the
/// length budget is refused before it is converted, with the limit in the answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn movies_that_name_other_files_are_refused() {
    if !ffmpeg() {
        return;
    }
    let (ts, admin) = setup().await;
    let made = tempfile::tempdir().unwrap();
    // Another project's movie, uploaded by its own people.
    let secret_task = breakdown(&admin, "Secret").await.task;
    let secret_preview = waiting_preview(&admin, &secret_task).await;
    let secret = movie(made.path(), "secret.mp4", "testsrc=size=320x240:rate=10", 1);
    let (status, body) = upload(
        &admin,
        &format!("/pictures/preview-files/{secret_preview}"),
        "secret.mp4",
        &secret,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let secret_path = ts
        .dir
        .path()
        .join("production/previews")
        .join(&secret_preview)
        .join("original.mp4");
    assert!(secret_path.exists(), "the layout this attack relies on");

    let artist = ts.client_as(Role::Artist).await;
    let task = assigned_task(&admin, &artist, "Mine").await;
    let playlist = format!(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXTINF:1.0,\n{}\n#EXT-X-ENDLIST\n",
        secret_path.display()
    );
    let concat = format!("ffconcat version 1.0\nfile '{}'\n", secret_path.display());
    let relative = "ffconcat version 1.0\nfile original.mp4\n".to_owned();
    for (attack, what) in [
        (playlist, "a playlist"),
        (concat, "a list of files"),
        (relative, "a list of files"),
    ] {
        let preview = waiting_preview(&artist, &task).await;
        let (status, body) = upload(
            &artist,
            &format!("/pictures/preview-files/{preview}"),
            "clip.mp4",
            attack.as_bytes(),
        )
        .await;
        let message = refused(status, &body, StatusCode::BAD_REQUEST);
        assert!(message.contains(what), "{message}");
        assert!(
            !message.contains(ts.dir.path().to_str().unwrap()),
            "a server path in {message}"
        );
        // Nothing was made: no movie to serve, no media on disk.
        call(
            &artist,
            Method::GET,
            &format!("/movies/originals/preview-files/{preview}.mp4"),
            None,
            404,
        )
        .await;
        assert!(
            !ts.dir
                .path()
                .join("production/previews")
                .join(&preview)
                .exists()
        );
    }

    // Three hours and a minute, at one frame a minute: refused before converting.
    let long = movie(
        made.path(),
        "long.mp4",
        "testsrc=size=64x64:rate=1/60",
        3 * 3600 + 60,
    );
    let preview = waiting_preview(&artist, &task).await;
    let (status, body) = upload(
        &artist,
        &format!("/pictures/preview-files/{preview}"),
        "long.mp4",
        &long,
    )
    .await;
    let message = refused(status, &body, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(message.contains("at most 3:00:00"), "{message}");

    // An ordinary movie of the artist's own still converts.
    let preview = waiting_preview(&artist, &task).await;
    let own = movie(made.path(), "own.mov", "testsrc=size=160x120:rate=10", 1);
    let (status, body) = upload(
        &artist,
        &format!("/pictures/preview-files/{preview}"),
        "own.mov",
        &own,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        (body["is_movie"].as_bool(), body["width"].as_i64()),
        (Some(true), Some(160))
    );
    assert_still_answers(&artist).await;
}
