//! Kitsu's live events over Socket.IO, heard by a real Socket.IO client (python-socketio,
//! which `gazu.events` is built on, from the gazu venv): a page hears its production's
//! changes after they commit, never another production's, follows team changes, and is
//! closed when its session ends. Skipped without `DROVER_GAZU_PYTHON`, unless
//! `DROVER_REQUIRE_GAZU=1`.

use super::listener::{Listener, python, session_cookie};
use super::{call, id, join, member, person_id};
use drover_tests::{PASSWORD, setup};
use reqwest::Method;
use serde_json::json;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_hear_their_productions_events_live_and_nothing_of_others() {
    let Some(python) = python() else { return };
    let (ts, admin) = setup().await;
    let b = super::breakdown(&admin, "Live").await;
    let p = b.project.clone();
    let artist_email = format!("artist-{}@drover.test", uuid::Uuid::new_v4());
    drover_server::auth::accounts::create(
        &ts.server.state().store,
        &artist_email,
        PASSWORD,
        drover_shared::Role::Artist,
    )
    .await
    .unwrap();
    let artist = ts
        .anonymous
        .logged_in(&artist_email, PASSWORD)
        .await
        .unwrap();
    let artist_id = join(&admin, &p, &artist).await;
    let outsider = ts.client_as(drover_shared::Role::Artist).await;

    // Without a session the namespace is refused; the artist connects with the cookie a
    // browser holds, the outsider with a bearer token.
    let (_, refused) = Listener::start(&python, &ts, "anonymous", &["none"]).await;
    assert_eq!(refused, "refused");
    let cookie = session_cookie(&ts, &artist_email).await;
    let (mut page, hello) = Listener::start(&python, &ts, "artist", &["cookie", &cookie]).await;
    assert_eq!(hello, "connected");
    let token = outsider.token().unwrap().to_owned();
    let (mut other, hello) = Listener::start(&python, &ts, "outsider", &["bearer", &token]).await;
    assert_eq!(hello, "connected");

    // A task changes, gets a comment with a new status, and an assignee.
    call(
        &admin,
        Method::PUT,
        &format!("/data/tasks/{}", b.task),
        Some(json!({"priority": 2})),
        200,
    )
    .await;
    let wip = call(
        &admin,
        Method::GET,
        "/data/task-status?short_name=wip",
        None,
        200,
    )
    .await[0]
        .clone();
    let comment = call(
        &admin,
        Method::POST,
        &format!("/actions/tasks/{}/comment", b.task),
        Some(json!({"task_status_id": id(&wip), "comment": "Blocking looks good"})),
        201,
    )
    .await;
    call(
        &admin,
        Method::PUT,
        &format!("/actions/persons/{artist_id}/assign"),
        Some(json!({"task_ids": [b.task]})),
        200,
    )
    .await;
    // A new shot, heard with its sequence and episode (a TV show's lists take it by episode).
    let new_shot = call(
        &admin,
        Method::POST,
        &format!("/data/projects/{p}/shots"),
        Some(json!({"name": "SH020", "sequence_id": b.sequence})),
        201,
    )
    .await;
    // Studio-wide news everyone hears: the mark after which the outsider has heard it all.
    let department = call(
        &admin,
        Method::POST,
        "/data/departments",
        Some(json!({"name": "Lighting", "color": "#ffcc00"})),
        201,
    )
    .await;

    let heard = page
        .until("department:new", "department_id", &id(&department))
        .await;
    let find = |name: &str| {
        heard
            .iter()
            .find(|e| e[0] == name)
            .unwrap_or_else(|| panic!("no {name} in {heard:?}"))[1]
            .clone()
    };
    let update = find("task:update");
    assert_eq!(update["task_id"], b.task.as_str());
    assert_eq!(update["project_id"], p.as_str());
    let new_comment = find("comment:new");
    assert_eq!(new_comment["comment_id"], id(&comment).as_str());
    assert_eq!(new_comment["task_id"], b.task.as_str());
    assert_eq!(new_comment["task_status_id"], id(&wip).as_str());
    assert_eq!(new_comment["project_id"], p.as_str());
    // The comment's new status: the task is heard changed again (open task pages reload
    // it), and its status change is named, from and to.
    let updates = heard.iter().filter(|e| e[0] == "task:update").count();
    assert!(updates >= 2, "{heard:?}");
    let status_changed = find("task:status-changed");
    assert_eq!(status_changed["task_id"], b.task.as_str());
    assert_eq!(status_changed["new_task_status_id"], id(&wip).as_str());
    assert_eq!(
        status_changed["previous_task_status_id"],
        "3c1e3b0e-8a33-4a43-9d57-5a8c8f000101"
    );
    let shot_new = find("shot:new");
    assert_eq!(shot_new["shot_id"], id(&new_shot).as_str());
    assert_eq!(shot_new["parent_id"], b.sequence.as_str());
    assert_eq!(shot_new["episode_id"], b.episode.as_str());
    let assign = find("task:assign");
    assert_eq!(assign["person_id"], artist_id.as_str());
    let notification = find("notification:new");
    assert_eq!(notification["person_id"], artist_id.as_str());
    // In commit order: the update before the comment before the assignment.
    let at = |name: &str| heard.iter().position(|e| e[0] == name).unwrap();
    assert!(at("task:update") < at("comment:new") && at("comment:new") < at("task:assign"));

    // The outsider heard the studio's news and nothing of the production.
    let theirs = other
        .until("department:new", "department_id", &id(&department))
        .await;
    for event in &theirs {
        assert_ne!(event[1]["project_id"], p.as_str(), "leaked: {event}");
        assert_ne!(event[0], "notification:new", "someone else's: {event}");
    }

    // Put on the team, the outsider hears the production from the next change on.
    join(&admin, &p, &outsider).await;
    call(
        &admin,
        Method::PUT,
        &format!("/data/tasks/{}", b.task),
        Some(json!({"priority": 3})),
        200,
    )
    .await;
    let now = other.until("task:update", "task_id", &b.task).await;
    assert_eq!(now.last().unwrap()[1]["project_id"], p.as_str());

    // Logging out closes the page's socket.
    let out = reqwest::Client::new()
        .get(format!("{}/api/auth/logout", ts.url()))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert!(out.status().is_success());
    loop {
        if page.next().await == "disconnected" {
            break;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sockets_count_with_the_persons_live_streams() {
    let Some(python) = python() else { return };
    let limits = drover_server::Limits {
        streams: drover_server::events::StreamLimits {
            per_person: 1,
            total: 10,
        },
        ..drover_server::Limits::default()
    };
    let (ts, admin) = drover_tests::setup_with(limits).await;
    let token = admin.token().unwrap().to_owned();
    // The person's one live connection is an event stream: no socket to spare.
    let stream = admin
        .events(&drover_shared::events::EventQuery::default())
        .await
        .unwrap();
    let (_, refused) = Listener::start(&python, &ts, "second", &["bearer", &token]).await;
    assert_eq!(refused, "refused");
    // Given back, it is the socket's.
    drop(stream);
    let (_, hello) = Listener::start(&python, &ts, "first", &["bearer", &token]).await;
    assert_eq!(hello, "connected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_task_panels_changes_are_heard_as_zou_names_them() {
    let Some(python) = python() else { return };
    let (ts, admin) = setup().await;
    let b = super::breakdown(&admin, "Panel").await;
    let (p, t) = (b.project.clone(), b.task.clone());
    let artist = ts.client_as(drover_shared::Role::Artist).await;
    let artist_id = person_id(&artist).await;
    call(
        &admin,
        Method::PUT,
        &format!("/actions/persons/{artist_id}/assign"),
        Some(json!({"task_ids": [t]})),
        200,
    )
    .await;
    let token = admin.token().unwrap().to_owned();
    let (mut page, hello) = Listener::start(&python, &ts, "admin", &["bearer", &token]).await;
    assert_eq!(hello, "connected");

    // Unassigned in a batch: task:unassign, then task:update.
    call(
        &admin,
        Method::PUT,
        "/actions/tasks/clear-assignation",
        Some(json!({"task_ids": [t]})),
        200,
    )
    .await;
    let heard = page.until("task:update", "task_id", &t).await;
    let unassign = heard
        .iter()
        .find(|e| e[0] == "task:unassign")
        .unwrap_or_else(|| panic!("no task:unassign in {heard:?}"));
    assert_eq!(unassign[1]["person_id"], artist_id.as_str());
    assert_eq!(unassign[1]["project_id"], p.as_str());

    // A shot's casting changed: the breakdown hears what was added.
    call(
        &admin,
        Method::PUT,
        &format!("/data/projects/{p}/entities/{}/casting", b.shot),
        Some(json!([{"asset_id": b.asset, "nb_occurences": 1}])),
        200,
    )
    .await;
    let heard = page.until("shot:casting-update", "shot_id", &b.shot).await;
    let cast = &heard.last().unwrap()[1];
    assert_eq!(cast["added_asset_ids"], json!([b.asset]));
    assert_eq!(cast["nb_entities_out"], 1);
    call(
        &admin,
        Method::PUT,
        &format!("/data/projects/{p}/entities/{}/casting", b.shot),
        Some(json!([])),
        200,
    )
    .await;
    let heard = page.until("shot:casting-update", "shot_id", &b.shot).await;
    assert_eq!(
        heard.last().unwrap()[1]["removed_asset_ids"],
        json!([b.asset])
    );

    // A picture sent for a comment's preview: the panel hears the file is there.
    let noted = call(
        &admin,
        Method::POST,
        &format!("/actions/tasks/{t}/comment"),
        Some(
            json!({"task_status_id": "3c1e3b0e-8a33-4a43-9d57-5a8c8f000101",
                    "comment": "frame"}),
        ),
        201,
    )
    .await;
    let preview = call(
        &admin,
        Method::POST,
        &format!("/actions/tasks/{t}/comments/{}/add-preview", id(&noted)),
        Some(json!({})),
        201,
    )
    .await;
    let (status, _) = super::upload(
        &admin,
        &format!("/pictures/preview-files/{}", id(&preview)),
        "frame.png",
        &super::png(),
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::CREATED);
    let heard = page
        .until("preview-file:add-file", "preview_file_id", &id(&preview))
        .await;
    let added = &heard.last().unwrap()[1];
    assert_eq!(added["comment_id"], noted["id"]);
    assert_eq!(added["extension"], "png");
    assert_eq!(added["status"], "ready");

    // A comment acknowledged, replied to, the reply taken back, the comment deleted.
    let wfa = "3c1e3b0e-8a33-4a43-9d57-5a8c8f000104";
    let comment = call(
        &admin,
        Method::POST,
        &format!("/actions/tasks/{t}/comment"),
        Some(json!({"task_status_id": wfa, "comment": "look"})),
        201,
    )
    .await;
    let c = id(&comment);
    let base = format!("/data/tasks/{t}/comments/{c}");
    call(
        &admin,
        Method::POST,
        &format!("{base}/ack"),
        Some(json!({})),
        200,
    )
    .await;
    let ack = page.until("comment:acknowledge", "comment_id", &c).await;
    assert_eq!(ack.last().unwrap()[1]["person_id"], person_id(&admin).await);
    call(
        &admin,
        Method::POST,
        &format!("{base}/ack"),
        Some(json!({})),
        200,
    )
    .await;
    page.until("comment:unacknowledge", "comment_id", &c).await;
    let reply = call(
        &admin,
        Method::POST,
        &format!("{base}/reply"),
        Some(json!({"text": "and this"})),
        200,
    )
    .await;
    let heard = page.until("comment:reply", "reply_id", &id(&reply)).await;
    assert_eq!(heard.last().unwrap()[1]["task_id"], t.as_str());
    call(
        &admin,
        Method::DELETE,
        &format!("{base}/reply/{}", id(&reply)),
        None,
        200,
    )
    .await;
    page.until("comment:delete-reply", "reply_id", &id(&reply))
        .await;
    call(&admin, Method::DELETE, &base, None, 204).await;
    let heard = page.until("comment:delete", "comment_id", &c).await;
    assert_eq!(heard.last().unwrap()[1]["task_id"], t.as_str());
    let changed = page.until("task:status-changed", "task_id", &t).await;
    let changed = &changed.last().unwrap()[1];
    assert_eq!(changed["previous_task_status_id"], wfa);
    assert_eq!(
        changed["new_task_status_id"],
        "3c1e3b0e-8a33-4a43-9d57-5a8c8f000101"
    );

    // The review room: a preview annotated, the shot added to a playlist.
    let comment = call(
        &admin,
        Method::POST,
        &format!("/actions/tasks/{t}/comment"),
        Some(json!({"task_status_id": wfa, "comment": "v1"})),
        201,
    )
    .await;
    let preview = call(
        &admin,
        Method::POST,
        &format!("/actions/tasks/{t}/comments/{}/add-preview", id(&comment)),
        Some(json!({})),
        201,
    )
    .await;
    let pf = id(&preview);
    call(
        &admin,
        Method::PUT,
        &format!("/actions/preview-files/{pf}/update-annotations"),
        Some(json!({"additions": [{"time": 0, "drawing": {"objects": [{"type": "path"}]}}]})),
        200,
    )
    .await;
    let heard = page
        .until("preview-file:annotation-update", "preview_file_id", &pf)
        .await;
    let annotated = &heard.last().unwrap()[1];
    assert_eq!(annotated["person_id"], person_id(&admin).await);
    assert_eq!(annotated["project_id"], p.as_str());
    let playlist = call(
        &admin,
        Method::POST,
        "/data/playlists",
        Some(json!({"name": "Dailies", "project_id": p})),
        201,
    )
    .await;
    call(
        &admin,
        Method::POST,
        &format!("/actions/playlists/{}/add-entities", id(&playlist)),
        Some(json!({"entities": [{"entity_id": b.shot}]})),
        200,
    )
    .await;
    let heard = page
        .until("playlist:add_entity", "entity_id", &b.shot)
        .await;
    let added = &heard.last().unwrap()[1];
    assert_eq!(
        (&added["playlist_id"], &added["preview_file_id"]),
        (&json!(id(&playlist)), &json!(pf))
    );
}

/// Two people review a playlist together: both see who is in the room, the second joins the
/// state the first set, a change of frame and an annotation reach both; someone off the
/// production cannot open the room, and what a socket sends to a room it did not open goes
/// nowhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_review_room_is_shared_by_the_people_watching_a_playlist() {
    let Some(python) = python() else { return };
    let (ts, admin) = setup().await;
    let b = super::breakdown(&admin, "Review").await;
    let playlist = call(
        &admin,
        Method::POST,
        "/data/playlists",
        Some(json!({"name": "Dailies", "project_id": b.project})),
        201,
    )
    .await;
    let pl = id(&playlist);
    let (supervisor, supervisor_id) =
        member(&ts, &admin, &b.project, drover_shared::Role::Supervisor).await;
    let admin_id = person_id(&admin).await;
    let outsider = ts.client_as(drover_shared::Role::Supervisor).await;
    let (mut lead, _) =
        Listener::start(&python, &ts, "lead", &["bearer", admin.token().unwrap()]).await;
    let (mut second, _) = Listener::start(
        &python,
        &ts,
        "second",
        &["bearer", supervisor.token().unwrap()],
    )
    .await;
    let (mut stranger, _) = Listener::start(
        &python,
        &ts,
        "stranger",
        &["bearer", outsider.token().unwrap()],
    )
    .await;

    lead.send("preview-room:open-playlist", json!({"playlist_id": pl}))
        .await;
    let heard = lead
        .until("preview-room:room-people-updated", "playlist_id", &pl)
        .await;
    assert_eq!(heard.last().unwrap()[1]["people"], json!([]));
    lead.send(
        "preview-room:join",
        json!({"playlist_id": pl, "user_id": admin_id, "current_frame": 12,
               "is_playing": false, "hacked": true}),
    )
    .await;
    let heard = lead
        .until("preview-room:room-updated", "playlist_id", &pl)
        .await;
    let room = &heard.last().unwrap()[1];
    assert_eq!(room["current_frame"], 12);
    assert_eq!(room["people"], json!([admin_id]));
    assert!(room.get("hacked").is_none());

    second
        .send("preview-room:open-playlist", json!({"playlist_id": pl}))
        .await;
    // The page is in the room (it hears who reviews) before its person joins the review.
    let heard = second
        .until("preview-room:room-people-updated", "playlist_id", &pl)
        .await;
    assert_eq!(heard.last().unwrap()[1]["people"], json!([admin_id]));
    second
        .send(
            "preview-room:join",
            json!({"playlist_id": pl, "user_id": supervisor_id, "current_frame": 99}),
        )
        .await;
    let heard = second
        .until("preview-room:room-updated", "playlist_id", &pl)
        .await;
    let room = &heard.last().unwrap()[1];
    assert_eq!(
        room["current_frame"], 12,
        "the newcomer takes the room's state"
    );
    assert_eq!(room["people"], json!([admin_id, supervisor_id]));

    // A change of frame and an annotation reach both.
    lead.send(
        "preview-room:room-updated",
        json!({"playlist_id": pl, "current_frame": 40, "is_playing": true}),
    )
    .await;
    for page in [&mut lead, &mut second] {
        let heard = page
            .until("preview-room:room-updated", "playlist_id", &pl)
            .await;
        let mut last = heard.last().unwrap()[1].clone();
        while last["current_frame"] != 40 {
            let more = page
                .until("preview-room:room-updated", "playlist_id", &pl)
                .await;
            last = more.last().unwrap()[1].clone();
        }
        assert_eq!(last["only_newcomer"], false);
        assert_eq!(last["is_playing"], true);
    }
    // The stranger cannot open the room; what it sends there reaches nobody (were it
    // relayed, the pages would hear it before the second page's annotation).
    stranger
        .send("preview-room:open-playlist", json!({"playlist_id": pl}))
        .await;
    stranger
        .send(
            "preview-room:add-annotation",
            json!({"playlist_id": pl, "data": {"local_id": "x", "obj": "spam"}}),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    second
        .send(
            "preview-room:add-annotation",
            json!({"playlist_id": pl, "data": {"local_id": "s1", "time": 1.5, "obj": {"k": 1}}}),
        )
        .await;
    for page in [&mut lead, &mut second] {
        let heard = page
            .until("preview-room:add-annotation", "playlist_id", &pl)
            .await;
        let annotation = &heard.last().unwrap()[1];
        assert_eq!(
            annotation["data"]["local_id"], "s1",
            "the stranger's never came"
        );
    }

    // The second page goes away: the lead sees the room without them.
    drop(second);
    let mut people = json!(null);
    while people != json!([admin_id]) {
        let heard = lead
            .until("preview-room:room-people-updated", "playlist_id", &pl)
            .await;
        people = heard.last().unwrap()[1]["people"].clone();
    }
}
