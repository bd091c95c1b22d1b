//! Files attached to comments: sent with the comment as multipart (gazu's
//! `add_comment(attachments=…)`), added later, downloaded, shown as thumbnails, listed and
//! removed, with Kitsu's rules on who may do what, and nothing left behind by a refusal
//! (uploads are spooled to disk as they arrive, then moved into place).

use super::{Part, breakdown, call, id, multipart, person_id, png};
use drover_shared::Role;
use drover_tests::setup;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// Files kept in the data dir for attachments (thumbnails included).
fn stored_files(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir.join("production").join("attachments")).map_or(0, Iterator::count)
}

async fn get(client: &drover_shared::Client, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}{path}", client.api_url()))
        .bearer_auth(client.token().unwrap())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn comments_carry_attachments_as_kitsu_does() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Attachments").await;
    let task = &b.task;
    let artist = ts.client_as(Role::Artist).await;
    let artist_id = person_id(&artist).await;
    call(
        &admin,
        Method::PUT,
        &format!("/actions/persons/{artist_id}/assign"),
        Some(json!({"task_ids": [task]})),
        200,
    )
    .await;
    let wfa = call(
        &artist,
        Method::GET,
        "/data/task-status?short_name=wfa",
        None,
        200,
    )
    .await;
    let wfa = id(&wfa[0]);
    let pdf = b"%PDF-1.4 notes".as_slice();
    let picture = png();

    // The comment and its two files in one multipart request, as gazu sends them (lists as
    // JSON text, no content type on the first file).
    let (status, comment) = multipart(
        &artist,
        &format!("/actions/tasks/{task}/comment"),
        &[
            Part::Text("task_status_id", &wfa),
            Part::Text("comment", "notes and a reference"),
            Part::Text("checklist", r#"[{"text": "hands", "checked": false}]"#),
            Part::Text("links", "[]"),
            Part::File {
                part: "file",
                name: "notes.pdf",
                content_type: "application/octet-stream",
                bytes: pdf,
            },
            Part::File {
                part: "file-1",
                name: "réf 1.png",
                content_type: "image/png",
                bytes: &picture,
            },
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{comment}");
    assert_eq!(comment["text"], "notes and a reference");
    assert_eq!(comment["checklist"][0]["text"], "hands");
    assert_eq!(comment["task_status"]["short_name"], "wfa");
    let files = comment["attachment_files"].as_array().unwrap().clone();
    assert_eq!(files.len(), 2, "{comment}");
    assert_eq!(files[0]["name"], "notes.pdf");
    assert_eq!(files[0]["extension"], "pdf");
    assert_eq!(files[0]["size"], pdf.len());
    assert_eq!(files[1]["name"], "réf 1.png");
    assert_eq!(files[1]["size"], picture.len());
    let (notes, reference) = (id(&files[0]), id(&files[1]));
    let c = id(&comment);
    let listed = call(
        &artist,
        Method::GET,
        &format!("/data/tasks/{task}/comments"),
        None,
        200,
    )
    .await;
    assert_eq!(listed[0]["attachment_files"], json!(files));

    // Downloads: the bytes as sent; a PDF (its type guessed from the name) as a download,
    // a picture inline; never sniffed.
    let answer = get(
        &artist,
        &format!("/data/attachment-files/{notes}/file/notes.pdf"),
    )
    .await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.headers()["content-type"], "application/pdf");
    assert_eq!(answer.headers()["x-content-type-options"], "nosniff");
    let disposition = answer.headers()["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert_eq!(answer.bytes().await.unwrap().as_ref(), pdf);
    let answer = get(
        &artist,
        &format!("/data/attachment-files/{reference}/file/x"),
    )
    .await;
    assert_eq!(answer.headers()["content-type"], "image/png");
    let disposition = answer.headers()["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("inline;") && disposition.contains("UTF-8''r%C3%A9f%201%2Epng"),
        "{disposition}"
    );
    assert_eq!(answer.bytes().await.unwrap(), picture);
    // A picture has a 150×150 thumbnail; a PDF none.
    let answer = get(
        &artist,
        &format!("/pictures/thumbnails/attachment-files/{reference}.png"),
    )
    .await;
    assert_eq!(answer.status(), StatusCode::OK);
    let thumbnail = image::load_from_memory(&answer.bytes().await.unwrap()).unwrap();
    assert_eq!((thumbnail.width(), thumbnail.height()), (150, 150));
    let answer = get(
        &artist,
        &format!("/pictures/thumbnails/attachment-files/{notes}.png"),
    )
    .await;
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
    let row = call(
        &artist,
        Method::GET,
        &format!("/data/attachment-files/{notes}"),
        None,
        200,
    )
    .await;
    assert_eq!(row["comment_id"], c.as_str());
    assert_eq!(row["mimetype"], "application/pdf");
    assert_eq!(row["type"], "AttachmentFile");

    // Added later by the author: a name the comment has gets a suffix.
    let add = format!("/actions/tasks/{task}/comments/{c}/add-attachment");
    let notes_file = Part::File {
        part: "file",
        name: "notes.pdf",
        content_type: "application/pdf",
        bytes: pdf,
    };
    let (status, added) = multipart(&artist, &add, &[notes_file]).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(added[0]["name"], "notes-2.pdf");
    let (status, _) = multipart(&artist, &add, &[Part::Text("x", "y")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "no file");

    // Someone else's comment is closed to another artist of the team, and a comment of
    // another task is refused; neither keeps the file it was sent.
    let other = ts.client_as(Role::Artist).await;
    let other_id = person_id(&other).await;
    call(
        &admin,
        Method::PUT,
        &format!("/actions/persons/{other_id}/assign"),
        Some(json!({"task_ids": [task]})),
        200,
    )
    .await;
    let before = stored_files(ts.dir.path());
    let one = |name| Part::File {
        part: "file",
        name,
        content_type: "text/plain",
        bytes: b"x",
    };
    let (status, _) = multipart(&other, &add, &[one("a.txt")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let modeling = call(
        &admin,
        Method::GET,
        "/data/task-types?name=Modeling",
        None,
        200,
    )
    .await;
    let asset_task = call(
        &admin,
        Method::POST,
        "/data/tasks",
        Some(json!({"project_id": b.project, "entity_id": b.asset,
                    "task_type_id": id(&modeling[0]),
                    "task_status_id": "3c1e3b0e-8a33-4a43-9d57-5a8c8f000101"})),
        201,
    )
    .await;
    let wrong_task = format!(
        "/actions/tasks/{}/comments/{c}/add-attachment",
        id(&asset_task)
    );
    let (status, _) = multipart(&admin, &wrong_task, &[one("b.txt")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A comment the artist may not make (Done is not theirs to give) keeps no file either.
    let done = call(
        &admin,
        Method::GET,
        "/data/task-status?short_name=done",
        None,
        200,
    )
    .await;
    let (status, _) = multipart(
        &artist,
        &format!("/actions/tasks/{task}/comment"),
        &[Part::Text("task_status_id", &id(&done[0])), one("c.txt")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        stored_files(ts.dir.path()),
        before,
        "refused files are removed"
    );

    // Outside the project: 404 on the file, as for an unknown one (403 would confirm it).
    let outsider = ts.client_as(Role::Artist).await;
    let answer = get(&outsider, &format!("/data/attachment-files/{notes}/file/n")).await;
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
    let unknown = uuid::Uuid::new_v4();
    let answer = get(&artist, &format!("/data/attachment-files/{unknown}/file/n")).await;
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);

    // Admins list a task's and a project's attachments; others may not.
    let of_task = call(
        &admin,
        Method::GET,
        &format!("/data/tasks/{task}/attachment-files"),
        None,
        200,
    )
    .await;
    assert_eq!(of_task.as_array().unwrap().len(), 3);
    let of_project = call(
        &admin,
        Method::GET,
        &format!("/data/projects/{}/attachment-files", b.project),
        None,
        200,
    )
    .await;
    assert_eq!(of_project, of_task);
    call(
        &artist,
        Method::GET,
        &format!("/data/tasks/{task}/attachment-files"),
        None,
        403,
    )
    .await;
    // Rows come only with their files: the generic route does not make them.
    let refused = call(
        &admin,
        Method::POST,
        "/data/attachment-files",
        Some(json!({"name": "ghost.txt", "comment_id": c})),
        400,
    )
    .await;
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("add-attachment"),
        "{refused}"
    );

    // Removed by its author: the row and the files go.
    let before = stored_files(ts.dir.path());
    let remove = format!("/data/tasks/{task}/comments/{c}/attachments/{reference}");
    call(&other, Method::DELETE, &remove, None, 403).await;
    call(&artist, Method::DELETE, &remove, None, 204).await;
    assert_eq!(
        stored_files(ts.dir.path()),
        before - 2,
        "file and thumbnail"
    );
    let answer = get(
        &artist,
        &format!("/data/attachment-files/{reference}/file/x"),
    )
    .await;
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
    let listed = call(
        &artist,
        Method::GET,
        &format!("/data/tasks/{task}/comments"),
        None,
        200,
    )
    .await;
    let names: Vec<_> = listed[0]["attachment_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].clone())
        .collect();
    assert_eq!(names, [json!("notes.pdf"), json!("notes-2.pdf")]);
    // An admin removing the row through the generic route removes its file too.
    let second = id(&listed[0]["attachment_files"][1]);
    call(
        &admin,
        Method::DELETE,
        &format!("/data/attachment-files/{second}"),
        None,
        204,
    )
    .await;
    assert!(
        !ts.dir
            .path()
            .join("production/attachments")
            .join(&second)
            .exists()
    );

    // Past the 4 MiB of ordinary requests: a comment carries a 5 MiB file.
    let big = vec![7u8; 5 * 1024 * 1024];
    let (status, made) = multipart(
        &artist,
        &format!("/actions/tasks/{task}/comment"),
        &[
            Part::Text("task_status_id", &wfa),
            Part::File {
                part: "file",
                name: "plate.exr",
                content_type: "image/x-exr",
                bytes: &big,
            },
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(made["attachment_files"][0]["size"], big.len());
    // Uploads were spooled to disk as they arrived; stored or refused, none is left there.
    let spool = ts.dir.path().join("production").join("uploads");
    assert_eq!(std::fs::read_dir(spool).unwrap().count(), 0);
}
