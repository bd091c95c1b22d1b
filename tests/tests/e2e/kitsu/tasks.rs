//! Tasks as Kitsu's lists and task panel act on them: subscriptions, cleared assignments and
//! priorities in batches, comments deleted, and replies to comments; each with the
//! refusals of those who may not.

use super::{Part, breakdown, call, id, ids, member, multipart};
use drover_shared::{Client, Role};
use drover_tests::setup;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const TODO: &str = "3c1e3b0e-8a33-4a43-9d57-5a8c8f000101";
const WFA: &str = "3c1e3b0e-8a33-4a43-9d57-5a8c8f000104";
const RETAKE: &str = "3c1e3b0e-8a33-4a43-9d57-5a8c8f000105";

async fn task(client: &Client, task: &str) -> Value {
    call(
        client,
        Method::GET,
        &format!("/data/tasks/{task}/full"),
        None,
        200,
    )
    .await
}

#[tokio::test]
async fn people_follow_tasks_of_their_projects_one_or_many() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Follow").await;
    let (artist, artist_id) = member(&ts, &admin, &b.project, Role::Artist).await;
    let outsider = ts.client_as(Role::Artist).await;
    let t = &b.task;
    let subscribed = format!("/data/user/tasks/{t}/subscribed");

    assert_eq!(
        call(&artist, Method::GET, &subscribed, None, 200).await,
        json!(false)
    );
    assert_eq!(task(&artist, t).await["is_subscribed"], json!(false));
    let made = call(
        &artist,
        Method::POST,
        &format!("/actions/user/tasks/{t}/subscribe"),
        Some(json!({})),
        201,
    )
    .await;
    assert_eq!(made["type"], "Subscription");
    assert_eq!(
        (made["task_id"].as_str(), made["person_id"].as_str()),
        (Some(t.as_str()), Some(artist_id.as_str()))
    );
    // Again: the same subscription, not a second one.
    let again = call(
        &artist,
        Method::POST,
        &format!("/actions/user/tasks/{t}/subscribe"),
        Some(json!({})),
        201,
    )
    .await;
    assert_eq!(id(&again), id(&made));
    assert_eq!(
        call(&artist, Method::GET, &subscribed, None, 200).await,
        json!(true)
    );
    assert_eq!(task(&artist, t).await["is_subscribed"], json!(true));
    // Someone else's subscription is theirs: the admin does not follow the task.
    assert_eq!(
        call(&admin, Method::GET, &subscribed, None, 200).await,
        json!(false)
    );
    call(
        &artist,
        Method::DELETE,
        &format!("/actions/user/tasks/{t}/unsubscribe"),
        None,
        204,
    )
    .await;
    assert_eq!(
        call(&artist, Method::GET, &subscribed, None, 200).await,
        json!(false)
    );
    // Not following it, unsubscribing is nothing.
    call(
        &artist,
        Method::DELETE,
        &format!("/actions/user/tasks/{t}/unsubscribe"),
        None,
        204,
    )
    .await;

    // In batches.
    let many = call(
        &artist,
        Method::POST,
        "/actions/user/tasks/subscribe",
        Some(json!({ "task_ids": [t] })),
        201,
    )
    .await;
    assert_eq!(many.as_array().map(Vec::len), Some(1));
    assert_eq!(task(&artist, t).await["is_subscribed"], json!(true));
    let gone = call(
        &artist,
        Method::POST,
        "/actions/user/tasks/unsubscribe",
        Some(json!({ "task_ids": [t] })),
        200,
    )
    .await;
    assert_eq!(gone, json!([t]));
    assert_eq!(task(&artist, t).await["is_subscribed"], json!(false));
    // All or none: a task the artist cannot read fails the batch, and nothing is followed.
    let unknown = uuid::Uuid::new_v4().to_string();
    call(
        &artist,
        Method::POST,
        "/actions/user/tasks/subscribe",
        Some(json!({ "task_ids": [t, unknown] })),
        404,
    )
    .await;
    assert_eq!(
        call(&artist, Method::GET, &subscribed, None, 200).await,
        json!(false)
    );

    // Off the team, the task is not there.
    for (method, path, body) in [
        (Method::GET, subscribed.clone(), None),
        (
            Method::POST,
            format!("/actions/user/tasks/{t}/subscribe"),
            Some(json!({})),
        ),
        (
            Method::DELETE,
            format!("/actions/user/tasks/{t}/unsubscribe"),
            None,
        ),
        (
            Method::POST,
            "/actions/user/tasks/subscribe".to_owned(),
            Some(json!({ "task_ids": [t] })),
        ),
        (
            Method::POST,
            "/actions/user/tasks/unsubscribe".to_owned(),
            Some(json!({ "task_ids": [t] })),
        ),
    ] {
        call(&outsider, method, &path, body, 404).await;
    }
    // Malformed ids and bodies.
    for (method, path, body) in [
        (Method::GET, "/data/user/tasks/nope/subscribed", None),
        (
            Method::POST,
            "/actions/user/tasks/nope/subscribe",
            Some(json!({})),
        ),
        (Method::DELETE, "/actions/user/tasks/nope/unsubscribe", None),
        (
            Method::POST,
            "/actions/user/tasks/subscribe",
            Some(json!({})),
        ),
        (
            Method::POST,
            "/actions/user/tasks/subscribe",
            Some(json!({ "task_ids": [] })),
        ),
        (
            Method::POST,
            "/actions/user/tasks/subscribe",
            Some(json!({ "task_ids": t })),
        ),
        (
            Method::POST,
            "/actions/user/tasks/unsubscribe",
            Some(json!({ "task_ids": ["nope"] })),
        ),
        (
            Method::POST,
            "/actions/user/tasks/unsubscribe",
            Some(json!({ "task_ids": [1] })),
        ),
    ] {
        call(&artist, method, path, body, 400).await;
    }
}

#[tokio::test]
async fn assignments_are_cleared_and_priorities_set_in_batches() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Batches").await;
    let t = &b.task;
    let (artist, artist_id) = member(&ts, &admin, &b.project, Role::Artist).await;
    let (_other, other_id) = member(&ts, &admin, &b.project, Role::Artist).await;
    let (supervisor, _) = member(&ts, &admin, &b.project, Role::Supervisor).await;
    let outsider = ts.client_as(Role::Supervisor).await;
    let client = ts.client_as(Role::Client).await;
    for person in [&artist_id, &other_id] {
        call(
            &admin,
            Method::PUT,
            &format!("/actions/persons/{person}/assign"),
            Some(json!({ "task_ids": [t] })),
            200,
        )
        .await;
    }
    let assignees = |task: &Value| {
        let mut ids: Vec<String> = task["assignees"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    let mut both = vec![artist_id.clone(), other_id.clone()];
    both.sort();
    assert_eq!(assignees(&task(&admin, t).await), both);
    let clear = "/actions/tasks/clear-assignation";

    // An artist takes nobody else off a task; a supervisor off the team sees no task; a
    // client may not ask.
    for (who, body) in [
        (&artist, json!({ "task_ids": [t] })),
        (&artist, json!({ "task_ids": [t], "person_id": other_id })),
        (&outsider, json!({ "task_ids": [t] })),
    ] {
        let done = call(who, Method::PUT, clear, Some(body), 200).await;
        assert_eq!(done, json!([]));
    }
    call(
        &client,
        Method::PUT,
        clear,
        Some(json!({ "task_ids": [t] })),
        403,
    )
    .await;
    assert_eq!(assignees(&task(&admin, t).await), both);
    // An artist takes themselves off.
    let done = call(
        &artist,
        Method::PUT,
        clear,
        Some(json!({ "task_ids": [t], "person_id": artist_id })),
        200,
    )
    .await;
    assert_eq!(done, json!([t]));
    assert_eq!(assignees(&task(&admin, t).await), vec![other_id.clone()]);
    // Now off it, they cannot take themselves off again.
    let done = call(
        &artist,
        Method::PUT,
        clear,
        Some(json!({ "task_ids": [t], "person_id": artist_id })),
        200,
    )
    .await;
    assert_eq!(done, json!([]));
    // A supervisor on the team clears everyone; unknown tasks are skipped, as Kitsu does.
    let unknown = uuid::Uuid::new_v4().to_string();
    let done = call(
        &supervisor,
        Method::PUT,
        clear,
        Some(json!({ "task_ids": [t, unknown] })),
        200,
    )
    .await;
    assert_eq!(done, json!([t]));
    assert!(assignees(&task(&admin, t).await).is_empty());
    for body in [
        json!({}),
        json!({ "task_ids": [] }),
        json!({ "task_ids": ["nope"] }),
        json!({ "task_ids": [t], "person_id": 5 }),
        json!({ "task_ids": [t], "person_id": "nope" }),
    ] {
        call(&admin, Method::PUT, clear, Some(body), 400).await;
    }

    // Priorities: supervisors and above; off the team, nothing changes.
    let priority = "/actions/tasks/set-priority";
    let body = json!({ "task_ids": [t], "priority": 3 });
    call(&artist, Method::PUT, priority, Some(body.clone()), 403).await;
    let done = call(&outsider, Method::PUT, priority, Some(body.clone()), 200).await;
    assert_eq!(done, json!([]));
    let done = call(&supervisor, Method::PUT, priority, Some(body), 200).await;
    assert_eq!(done.as_array().map(Vec::len), Some(1));
    assert_eq!(done[0]["priority"], 3);
    assert_eq!(task(&admin, t).await["priority"], 3);
    for body in [
        json!({ "task_ids": [t] }),
        json!({ "task_ids": [t], "priority": -1 }),
        json!({ "task_ids": [t], "priority": "high" }),
        json!({ "task_ids": ["nope"], "priority": 1 }),
        json!({ "priority": 1 }),
    ] {
        call(&admin, Method::PUT, priority, Some(body), 400).await;
    }
}

async fn comment(client: &Client, task: &str, status: &str, text: &str) -> Value {
    call(
        client,
        Method::POST,
        &format!("/actions/tasks/{task}/comment"),
        Some(json!({ "task_status_id": status, "comment": text })),
        201,
    )
    .await
}

#[tokio::test]
async fn comments_are_deleted_by_their_author_and_the_task_follows() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Delete").await;
    let t = &b.task;
    let (artist, _) = member(&ts, &admin, &b.project, Role::Artist).await;
    let (supervisor, _) = member(&ts, &admin, &b.project, Role::Supervisor).await;
    let outsider = ts.client_as(Role::Artist).await;

    let first = comment(&artist, t, WFA, "take 1").await;
    let preview = call(
        &artist,
        Method::POST,
        &format!("/actions/tasks/{t}/comments/{}/add-preview", id(&first)),
        Some(json!({})),
        201,
    )
    .await;
    let retake = comment(&admin, t, RETAKE, "again").await;
    let now = task(&admin, t).await;
    assert_eq!(
        (now["task_status_id"].as_str(), now["retake_count"].as_i64()),
        (Some(RETAKE), Some(1))
    );
    let path = |c: &Value| format!("/data/tasks/{t}/comments/{}", id(c));

    // Only the author, managers and admins delete; off the team there is no comment.
    call(&artist, Method::DELETE, &path(&retake), None, 403).await;
    call(&supervisor, Method::DELETE, &path(&first), None, 403).await;
    call(&outsider, Method::DELETE, &path(&first), None, 404).await;
    call(
        &artist,
        Method::DELETE,
        &format!("/data/tasks/{t}/comments/nope"),
        None,
        400,
    )
    .await;
    call(
        &artist,
        Method::DELETE,
        &format!("/data/tasks/nope/comments/{}", id(&first)),
        None,
        400,
    )
    .await;
    // A comment is deleted from its own task only.
    let other = breakdown(&admin, "Other").await;
    call(
        &admin,
        Method::DELETE,
        &format!("/data/tasks/{}/comments/{}", other.task, id(&first)),
        None,
        404,
    )
    .await;

    // The retake goes: the task is back to waiting for approval, with no retake.
    call(&admin, Method::DELETE, &path(&retake), None, 204).await;
    let now = task(&admin, t).await;
    assert_eq!(
        (now["task_status_id"].as_str(), now["retake_count"].as_i64()),
        (Some(WFA), Some(0))
    );
    assert!(now["end_date"].is_string(), "{now}");
    call(
        &admin,
        Method::GET,
        &format!("/data/comments/{}", id(&retake)),
        None,
        404,
    )
    .await;
    // The artist's own goes with its preview: the task starts over.
    call(&artist, Method::DELETE, &path(&first), None, 204).await;
    let now = task(&admin, t).await;
    assert_eq!(now["task_status_id"], TODO);
    assert!(
        now["end_date"].is_null() && now["last_comment_date"].is_null(),
        "{now}"
    );
    call(
        &admin,
        Method::GET,
        &format!("/data/preview-files/{}", id(&preview)),
        None,
        404,
    )
    .await;
    let left = call(
        &admin,
        Method::GET,
        &format!("/data/tasks/{t}/comments"),
        None,
        200,
    )
    .await;
    assert_eq!(left, json!([]));
}

#[tokio::test]
async fn replies_are_added_to_comments_and_taken_back_by_their_author() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Replies").await;
    let t = &b.task;
    let (artist, artist_id) = member(&ts, &admin, &b.project, Role::Artist).await;
    let (supervisor, supervisor_id) = member(&ts, &admin, &b.project, Role::Supervisor).await;
    let outsider = ts.client_as(Role::Artist).await;
    let (client, _) = member(&ts, &admin, &b.project, Role::Client).await;
    call(
        &admin,
        Method::PUT,
        &format!("/data/persons/{artist_id}"),
        Some(json!({"first_name": "Ann", "last_name": "Lee"})),
        200,
    )
    .await;
    let c = comment(&artist, t, WFA, "take 1").await;
    let replies = format!("/data/tasks/{t}/comments/{}/reply", id(&c));

    let reply = call(
        &supervisor,
        Method::POST,
        &replies,
        Some(json!({"text": "@Ann Lee nice, but @Ann Leeway"})),
        200,
    )
    .await;
    assert_eq!(reply["person_id"], supervisor_id.as_str());
    assert_eq!(reply["person"]["id"], supervisor_id.as_str());
    assert_eq!(reply["mentions"], json!([artist_id]));
    assert!(
        reply["date"].is_string() && reply["id"].is_string(),
        "{reply}"
    );
    // The author answers too, with no text.
    let own = call(&artist, Method::POST, &replies, Some(json!({})), 200).await;
    assert_eq!(own["text"], "");
    let stored = call(
        &admin,
        Method::GET,
        &format!("/data/comments/{}", id(&c)),
        None,
        200,
    )
    .await;
    assert_eq!(ids(&stored["replies"]), vec![id(&reply), id(&own)]);

    // Refusals: off the team, a client, a body that is not text, a comment of another task.
    call(
        &outsider,
        Method::POST,
        &replies,
        Some(json!({"text": "hi"})),
        404,
    )
    .await;
    call(
        &client,
        Method::POST,
        &replies,
        Some(json!({"text": "hi"})),
        403,
    )
    .await;
    call(
        &artist,
        Method::POST,
        &replies,
        Some(json!({"text": 5})),
        400,
    )
    .await;
    call(&artist, Method::POST, &replies, Some(json!([1])), 400).await;
    let other = breakdown(&admin, "Elsewhere").await;
    call(
        &admin,
        Method::POST,
        &format!("/data/tasks/{}/comments/{}/reply", other.task, id(&c)),
        Some(json!({"text": "hi"})),
        403,
    )
    .await;
    call(
        &artist,
        Method::POST,
        &format!("/data/tasks/{t}/comments/nope/reply"),
        Some(json!({"text": "hi"})),
        400,
    )
    .await;

    // A reply sent as multipart keeps its files, attached to the comment under its id.
    let (status, with_file) = multipart(
        &artist,
        &replies,
        &[
            Part::Text("text", "see the notes"),
            Part::File {
                part: "file-0",
                name: "notes.txt",
                content_type: "text/plain",
                bytes: b"frame 12",
            },
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{with_file}");
    assert_eq!(with_file["text"], "see the notes");
    let file = id(&with_file["attachment_files"][0]);
    let stored = call(
        &admin,
        Method::GET,
        &format!("/data/attachment-files/{file}"),
        None,
        200,
    )
    .await;
    assert_eq!(stored["reply_id"], id(&with_file).as_str());
    call(
        &artist,
        Method::DELETE,
        &format!("{replies}/{}", id(&with_file)),
        None,
        200,
    )
    .await;
    call(
        &admin,
        Method::GET,
        &format!("/data/attachment-files/{file}"),
        None,
        404,
    )
    .await;

    // Taking a reply back: its author or an admin.
    let one = |r: &Value| format!("{replies}/{}", id(r));
    call(&artist, Method::DELETE, &one(&reply), None, 403).await;
    call(&outsider, Method::DELETE, &one(&reply), None, 404).await;
    call(
        &artist,
        Method::DELETE,
        &format!("{replies}/nope"),
        None,
        400,
    )
    .await;
    call(
        &artist,
        Method::DELETE,
        &format!("{replies}/{}", uuid::Uuid::new_v4()),
        None,
        404,
    )
    .await;
    let after = call(&supervisor, Method::DELETE, &one(&reply), None, 200).await;
    assert_eq!(after["id"], id(&c).as_str());
    assert_eq!(after["replies"].as_array().map(Vec::len), Some(1));
    let after = call(&admin, Method::DELETE, &one(&own), None, 200).await;
    assert_eq!(after["replies"], json!([]));
}

#[tokio::test]
async fn people_acknowledge_comments_and_take_it_back() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Acks").await;
    let t = &b.task;
    let (artist, artist_id) = member(&ts, &admin, &b.project, Role::Artist).await;
    let (client, client_id) = member(&ts, &admin, &b.project, Role::Client).await;
    let outsider = ts.client_as(Role::Artist).await;
    let c = comment(&admin, t, WFA, "please look").await;
    assert_eq!(c["acknowledgements"], json!([]));
    let ack = format!("/data/tasks/{t}/comments/{}/ack", id(&c));

    let acked = call(&artist, Method::POST, &ack, Some(json!({})), 200).await;
    assert_eq!(acked["id"], id(&c).as_str());
    assert_eq!(acked["acknowledgements"], json!([artist_id]));
    // A client who reads the task acknowledges too.
    let acked = call(&client, Method::POST, &ack, Some(json!({})), 200).await;
    let mut both = vec![artist_id.clone(), client_id.clone()];
    both.sort();
    let mut got: Vec<String> = acked["acknowledgements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    got.sort();
    assert_eq!(got, both);
    // Again: taken back. The list reads the same everywhere.
    let acked = call(&artist, Method::POST, &ack, Some(json!({})), 200).await;
    assert_eq!(acked["acknowledgements"], json!([client_id]));
    let listed = call(
        &admin,
        Method::GET,
        &format!("/data/tasks/{t}/comments"),
        None,
        200,
    )
    .await;
    assert_eq!(listed[0]["acknowledgements"], json!([client_id]));
    // Nobody acknowledges in someone else's name through the comment itself.
    call(
        &admin,
        Method::PUT,
        &format!("/data/comments/{}", id(&c)),
        Some(json!({"acknowledgements": [artist_id]})),
        200,
    )
    .await;
    let stored = call(
        &admin,
        Method::GET,
        &format!("/data/comments/{}?relations=true", id(&c)),
        None,
        200,
    )
    .await;
    assert_eq!(stored["acknowledgements"], json!([client_id]));
    // As the task's list has it: Kitsu reloads the comment this way on every
    // `comment:new` and reads its author, files and department mentions.
    assert_eq!(stored["attachment_files"], json!([]), "{stored}");
    assert_eq!(stored["department_mentions"], json!([]), "{stored}");
    assert_eq!(stored["person"]["id"], stored["person_id"], "{stored}");
    assert_eq!(
        stored["task_status"]["id"], stored["task_status_id"],
        "{stored}"
    );

    call(&outsider, Method::POST, &ack, Some(json!({})), 404).await;
    call(
        &artist,
        Method::POST,
        &format!("/data/tasks/{t}/comments/nope/ack"),
        Some(json!({})),
        400,
    )
    .await;
    let other = breakdown(&admin, "Elsewhere").await;
    call(
        &admin,
        Method::POST,
        &format!("/data/tasks/{}/comments/{}/ack", other.task, id(&c)),
        Some(json!({})),
        404,
    )
    .await;
}

/// What a person's notifications are about, in order: an assignation, a comment, or a reply
/// (one for being mentioned in it, too). The list does not show the kind itself: `type` is
/// the row's.
async fn notified(client: &Client) -> Vec<String> {
    let mut kinds: Vec<String> = call(client, Method::GET, "/data/user/notifications", None, 200)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            match (n["comment_id"].is_string(), n["reply_id"].is_string()) {
                (false, _) => "assignation",
                (true, false) => "comment",
                (true, true) => "reply",
            }
            .to_owned()
        })
        .collect();
    kinds.sort();
    kinds
}

#[tokio::test]
async fn followers_hear_of_comments_and_replies() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Followers").await;
    let t = &b.task;
    let (artist, artist_id) = member(&ts, &admin, &b.project, Role::Artist).await;
    let (watcher, _) = member(&ts, &admin, &b.project, Role::Artist).await;
    let (supervisor, _) = member(&ts, &admin, &b.project, Role::Supervisor).await;
    call(
        &admin,
        Method::PUT,
        &format!("/actions/persons/{artist_id}/assign"),
        Some(json!({ "task_ids": [t] })),
        200,
    )
    .await;
    call(
        &admin,
        Method::PUT,
        &format!("/data/persons/{artist_id}"),
        Some(json!({"first_name": "Ann", "last_name": "Lee"})),
        200,
    )
    .await;
    call(
        &watcher,
        Method::POST,
        &format!("/actions/user/tasks/{t}/subscribe"),
        Some(json!({})),
        201,
    )
    .await;

    // A comment: the assignee and the follower hear of it, the others do not.
    let c = comment(&admin, t, WFA, "have a look").await;
    assert_eq!(notified(&artist).await, vec!["assignation", "comment"]);
    assert_eq!(notified(&watcher).await, vec!["comment"]);
    assert!(notified(&supervisor).await.is_empty());
    // A reply: the followers and the comment's author; who it mentions, once more.
    let reply = call(
        &supervisor,
        Method::POST,
        &format!("/data/tasks/{t}/comments/{}/reply", id(&c)),
        Some(json!({"text": "@Ann Lee see the admin's note"})),
        200,
    )
    .await;
    assert_eq!(
        notified(&artist).await,
        vec!["assignation", "comment", "reply", "reply"]
    );
    assert_eq!(notified(&watcher).await, vec!["comment", "reply"]);
    assert_eq!(notified(&admin).await, vec!["reply"]);
    assert!(notified(&supervisor).await.is_empty());
    // Taken back, the reply's notifications go with it.
    call(
        &supervisor,
        Method::DELETE,
        &format!("/data/tasks/{t}/comments/{}/reply/{}", id(&c), id(&reply)),
        None,
        200,
    )
    .await;
    assert_eq!(notified(&artist).await, vec!["assignation", "comment"]);
    assert_eq!(notified(&admin).await, Vec::<String>::new());
}
