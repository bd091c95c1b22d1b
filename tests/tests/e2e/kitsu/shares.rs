//! Playlists shared with guests: managers make, list and revoke links (artists cannot); a
//! guest reads the playlist and its context, comments and annotates through a link, changes
//! only their own comments, reaches only that playlist's previews; passwords, expiry and
//! revocation close a link (404), and token guesses are throttled.

use super::{breakdown, call, id, member, png, upload};
use drover_shared::{Client, Role};
use drover_tests::setup;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const WFA: &str = "3c1e3b0e-8a33-4a43-9d57-5a8c8f000104";

/// A comment on `task` with a new preview revision holding a picture; answers the preview id.
async fn preview(admin: &Client, task: &str) -> String {
    let comment = call(
        admin,
        Method::POST,
        &format!("/actions/tasks/{task}/comment"),
        Some(json!({"task_status_id": WFA, "comment": "take"})),
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
    let (status, _) = upload(
        admin,
        &format!("/pictures/preview-files/{}", id(&preview)),
        "take.png",
        &png(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    id(&preview)
}

/// A playlist of `project` with `entity` positioned on `preview`.
async fn playlist(
    admin: &Client,
    project: &str,
    name: &str,
    entity: &str,
    preview: &str,
) -> String {
    let made = call(
        admin,
        Method::POST,
        "/data/playlists",
        Some(json!({"name": name, "project_id": project})),
        201,
    )
    .await;
    call(
        admin,
        Method::POST,
        &format!("/actions/playlists/{}/add-entity", id(&made)),
        Some(json!({"entity_id": entity, "preview_file_id": preview})),
        200,
    )
    .await;
    id(&made)
}

/// Sends as a guest (no session): the status and JSON body.
async fn guest(
    anonymous: &Client,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let answer = anonymous.raw(method, path, body.as_ref()).await.unwrap();
    (answer.status.as_u16(), answer.body.unwrap_or(Value::Null))
}

#[tokio::test]
#[allow(clippy::too_many_lines)]
async fn guests_read_and_comment_through_a_link_and_nothing_else() {
    let (ts, admin) = setup().await;
    let anonymous = &ts.anonymous;
    let b = breakdown(&admin, "Shared dailies").await;
    let other = breakdown(&admin, "Other production").await;
    let shown = preview(&admin, &b.task).await;
    let newer = preview(&admin, &b.task).await;
    let elsewhere = preview(&admin, &other.task).await;
    let pl = playlist(&admin, &b.project, "Client review", &b.shot, &shown).await;
    let spare = playlist(&admin, &b.project, "Internal", &b.shot, &newer).await;
    playlist(
        &admin,
        &other.project,
        "Other review",
        &other.shot,
        &elsewhere,
    )
    .await;

    // Only managers and admins make links: not an artist, a supervisor or a client.
    for role in [Role::Artist, Role::Supervisor, Role::Client, Role::Vendor] {
        let (someone, _) = member(&ts, &admin, &b.project, role).await;
        call(
            &someone,
            Method::POST,
            &format!("/data/playlists/{pl}/share"),
            Some(json!({})),
            403,
        )
        .await;
        call(
            &someone,
            Method::GET,
            &format!("/data/playlists/{pl}/share"),
            None,
            403,
        )
        .await;
    }
    let manager = ts.client_as(Role::Manager).await;
    let link = call(
        &manager,
        Method::POST,
        &format!("/data/playlists/{pl}/share"),
        Some(json!({"can_comment": true})),
        201,
    )
    .await;
    let token = link["token"].as_str().unwrap().to_owned();
    assert!(token.len() >= 43, "{token}");
    assert_eq!(link["has_password"], false);
    let links = call(
        &admin,
        Method::GET,
        &format!("/data/playlists/{pl}/share"),
        None,
        200,
    )
    .await;
    assert_eq!(links.as_array().unwrap().len(), 1);
    let base = format!("/shared/playlists/{token}");

    // The playlist at its positioned revision, with names; no other revisions.
    let (status, shared) = guest(anonymous, Method::GET, &base, None).await;
    assert_eq!(status, 200, "{shared}");
    let shot = &shared["shots"][0];
    assert_eq!(shot["preview_file_id"], shown.as_str());
    assert_eq!(shot["name"], "SH010");
    assert_eq!(shot["parent_name"], "SQ01");
    assert_eq!(shot["preview_files"], json!({}));
    assert_eq!(shared["project_name"], "Shared dailies");
    let (status, context) = guest(anonymous, Method::GET, &format!("{base}/context"), None).await;
    assert_eq!(status, 200, "{context}");
    assert_eq!(context["project"]["id"], b.project.as_str());
    assert_eq!(context["project"]["team"], json!([]));

    // Guests: made once per name, found again by id.
    let (status, ann) = guest(
        anonymous,
        Method::POST,
        &format!("{base}/guest"),
        Some(json!({"first_name": "Ann", "last_name": "Client"})),
    )
    .await;
    assert_eq!(status, 201, "{ann}");
    let ann_id = id(&ann);
    let (status, again) = guest(
        anonymous,
        Method::POST,
        &format!("{base}/guest"),
        Some(json!({"guest_id": ann_id})),
    )
    .await;
    assert_eq!((status, id(&again)), (200, ann_id.clone()));
    let (_, bob) = guest(
        anonymous,
        Method::POST,
        &format!("{base}/guest"),
        Some(json!({"first_name": "Bob"})),
    )
    .await;
    let bob_id = id(&bob);
    assert_ne!(bob_id, ann_id);

    // The studio's internal comments are not shown; the guest's own is.
    let (status, comments) = guest(anonymous, Method::GET, &format!("{base}/comments"), None).await;
    assert_eq!((status, comments), (200, json!([])));
    let (status, comment) = guest(
        anonymous,
        Method::POST,
        &format!("{base}/comments"),
        Some(
            json!({"guest_id": ann_id, "task_id": b.task, "task_status_id": WFA,
                    "text": "Lovely"}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{comment}");
    let comment_id = id(&comment);
    // Not on a task the link does not show, nor as someone who is no guest of this link.
    let (status, _) = guest(
        anonymous,
        Method::POST,
        &format!("{base}/comments"),
        Some(json!({"guest_id": ann_id, "task_id": other.task, "task_status_id": WFA})),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = guest(
        anonymous,
        Method::POST,
        &format!("{base}/comments"),
        Some(
            json!({"guest_id": super::person_id(&admin).await, "task_id": b.task,
                    "task_status_id": WFA}),
        ),
    )
    .await;
    assert_eq!(status, 403);
    let (status, comments) = guest(anonymous, Method::GET, &format!("{base}/comments"), None).await;
    assert_eq!(status, 200);
    assert_eq!(comments.as_array().unwrap().len(), 1, "{comments}");
    assert_eq!(comments[0]["person"]["is_guest"], true);
    assert!(comments[0]["person"].get("email").is_none());
    // The studio sees the guest's comment on the task.
    let task_comments = call(
        &admin,
        Method::GET,
        &format!("/data/tasks/{}/comments", b.task),
        None,
        200,
    )
    .await;
    assert!(
        task_comments
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == comment_id.as_str())
    );

    // A guest changes only their own comment.
    let path = format!("{base}/comments/{comment_id}");
    let (status, _) = guest(
        anonymous,
        Method::PUT,
        &path,
        Some(json!({"guest_id": bob_id, "text": "hijacked"})),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = guest(
        anonymous,
        Method::DELETE,
        &format!("{path}?guest_id={bob_id}"),
        None,
    )
    .await;
    assert_eq!(status, 403);
    let (status, edited) = guest(
        anonymous,
        Method::PUT,
        &path,
        Some(json!({"guest_id": ann_id, "text": "Lovely, ship it"})),
    )
    .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["text"], "Lovely, ship it");

    // Drawings on the shared preview only.
    let (status, _) = guest(
        anonymous,
        Method::PUT,
        &format!("{base}/annotations"),
        Some(
            json!({"guest_id": ann_id, "preview_file_id": shown, "additions":
            [{"time": 0, "frame": 0, "drawing": {"objects": [{"id": "a1", "type": "path"}]}}]}),
        ),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = guest(
        anonymous,
        Method::PUT,
        &format!("{base}/annotations"),
        Some(json!({"guest_id": ann_id, "preview_file_id": newer, "additions": []})),
    )
    .await;
    assert_eq!(status, 403);

    // Files: the shared preview only, not another revision, playlist or production.
    let picture = anonymous
        .raw(
            Method::GET,
            &format!("{base}/pictures/thumbnails/preview-files/{shown}.png"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(picture.status, StatusCode::OK);
    for (preview, want) in [(&newer, 403), (&elsewhere, 403)] {
        for path in [
            format!("{base}/pictures/thumbnails/preview-files/{preview}.png"),
            format!("{base}/pictures/originals/preview-files/{preview}.png"),
            format!("{base}/preview-files/{preview}"),
            format!("{base}/preview-files/{preview}/download"),
        ] {
            let (status, _) = guest(anonymous, Method::GET, &path, None).await;
            assert_eq!(status, want, "{path}");
        }
    }
    let (status, _) = guest(
        anonymous,
        Method::GET,
        &format!("{base}/preview-files/{}", uuid::Uuid::new_v4()),
        None,
    )
    .await;
    assert_eq!(status, 404);
    // The spare playlist's own link does not open this one's previews either way round.
    let spare_link = call(
        &admin,
        Method::POST,
        &format!("/data/playlists/{spare}/share"),
        Some(json!({})),
        201,
    )
    .await;
    let spare_base = format!(
        "/shared/playlists/{}",
        spare_link["token"].as_str().unwrap()
    );
    let (status, _) = guest(
        anonymous,
        Method::GET,
        &format!("{spare_base}/pictures/thumbnails/preview-files/{shown}.png"),
        None,
    )
    .await;
    assert_eq!(status, 403);
    // Ann's id opens nothing through another link.
    let (status, _) = guest(
        anonymous,
        Method::POST,
        &format!("{spare_base}/comments"),
        Some(json!({"guest_id": ann_id, "task_id": b.task, "task_status_id": WFA})),
    )
    .await;
    assert_eq!(status, 403);

    // Ann removes her comment.
    let (status, _) = guest(
        anonymous,
        Method::DELETE,
        &format!("{path}?guest_id={ann_id}"),
        None,
    )
    .await;
    assert_eq!(status, 204);

    // E-mail invitations: this server sends none, and says so.
    call(
        &admin,
        Method::POST,
        &format!("/data/playlists/{pl}/share/{token}/invite"),
        Some(json!({"emails": ["client@example.com"]})),
        409,
    )
    .await;
    // A link is revoked through its own playlist only; then it answers 404.
    call(
        &admin,
        Method::DELETE,
        &format!("/data/playlists/{spare}/share/{token}"),
        None,
        404,
    )
    .await;
    let revoked = call(
        &admin,
        Method::DELETE,
        &format!("/data/playlists/{pl}/share/{token}"),
        None,
        200,
    )
    .await;
    assert_eq!(revoked["is_active"], false);
    let (status, _) = guest(anonymous, Method::GET, &base, None).await;
    assert_eq!(status, 404);
    let (status, _) = guest(
        anonymous,
        Method::GET,
        &format!("{base}/pictures/thumbnails/preview-files/{shown}.png"),
        None,
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn passwords_and_expiry_close_links() {
    let (ts, admin) = setup().await;
    let anonymous = &ts.anonymous;
    let b = breakdown(&admin, "Locked dailies").await;
    let shown = preview(&admin, &b.task).await;
    let pl = playlist(&admin, &b.project, "Locked review", &b.shot, &shown).await;
    let link = call(
        &admin,
        Method::POST,
        &format!("/data/playlists/{pl}/share"),
        Some(json!({"password": "open sesame", "expiration_date": "2999-12-31"})),
        201,
    )
    .await;
    assert_eq!(link["has_password"], true);
    assert!(link.get("password").is_none() && link.get("password_hash").is_none());
    assert_eq!(link["expiration_date"], "2999-12-31T23:59:59");
    let base = format!("/shared/playlists/{}", link["token"].as_str().unwrap());
    let (status, _) = guest(anonymous, Method::GET, &base, None).await;
    assert_eq!(status, 404, "the password is needed");
    let (status, _) = guest(
        anonymous,
        Method::GET,
        &format!("{base}?password=guess"),
        None,
    )
    .await;
    assert_eq!(status, 404, "a wrong password opens nothing");
    let (status, _) = guest(
        anonymous,
        Method::GET,
        &format!("{base}/comments?password=guess"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, shared) = guest(
        anonymous,
        Method::GET,
        &format!("{base}?password=open%20sesame"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{shared}");
    let (status, _) = guest(
        anonymous,
        Method::GET,
        &format!("{base}/context?password=open%20sesame"),
        None,
    )
    .await;
    assert_eq!(status, 200);

    // An expired link answers 404, as one that never was.
    let expired = call(
        &admin,
        Method::POST,
        &format!("/data/playlists/{pl}/share"),
        Some(json!({"expiration_date": "2020-01-01"})),
        201,
    )
    .await;
    let (status, _) = guest(
        anonymous,
        Method::GET,
        &format!("/shared/playlists/{}", expired["token"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(status, 404);
    // Bad input is a 400.
    call(
        &admin,
        Method::POST,
        &format!("/data/playlists/{pl}/share"),
        Some(json!({"expiration_date": "someday"})),
        400,
    )
    .await;
}

#[tokio::test]
async fn guessing_tokens_is_throttled() {
    let (ts, admin) = setup().await;
    let anonymous = &ts.anonymous;
    let b = breakdown(&admin, "Guessed dailies").await;
    let shown = preview(&admin, &b.task).await;
    let pl = playlist(&admin, &b.project, "Guessed review", &b.shot, &shown).await;
    let link = call(
        &admin,
        Method::POST,
        &format!("/data/playlists/{pl}/share"),
        Some(json!({})),
        201,
    )
    .await;
    let real = format!("/shared/playlists/{}", link["token"].as_str().unwrap());
    let mut throttled = false;
    for _ in 0..30 {
        let (status, _) = guest(
            anonymous,
            Method::GET,
            &format!("/shared/playlists/{}", uuid::Uuid::new_v4().simple()),
            None,
        )
        .await;
        if status == 429 {
            throttled = true;
            break;
        }
        assert_eq!(status, 404);
    }
    assert!(throttled, "guesses were never throttled");
    // While the address is locked, even the right token is refused: a guess learns nothing.
    let (status, _) = guest(anonymous, Method::GET, &real, None).await;
    assert_eq!(status, 429);
}

#[tokio::test]
async fn clients_hear_a_playlist_is_ready() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Notified dailies").await;
    let shown = preview(&admin, &b.task).await;
    let pl = playlist(&admin, &b.project, "Ready review", &b.shot, &shown).await;
    let (client, _) = member(&ts, &admin, &b.project, Role::Client).await;
    let (artist, _) = member(&ts, &admin, &b.project, Role::Artist).await;
    call(
        &artist,
        Method::POST,
        &format!("/data/playlists/{pl}/notify-clients"),
        Some(json!({})),
        403,
    )
    .await;
    let answer = call(
        &admin,
        Method::POST,
        &format!("/data/playlists/{pl}/notify-clients"),
        Some(json!({"studio_id": "", "department_id": null})),
        200,
    )
    .await;
    assert_eq!(answer["status"], "success");
    assert_eq!(answer["notified"], 1);
    let notifications = call(&client, Method::GET, "/data/user/notifications", None, 200).await;
    assert!(
        notifications
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["playlist_id"] == pl.as_str()),
        "{notifications}"
    );
}
