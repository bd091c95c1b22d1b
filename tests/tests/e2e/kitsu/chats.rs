//! Entity chats, an entity's news, the event log, the global search and the People CSV:
//! Zou's shapes, and who is refused (someone off the team, a vendor without a task, an
//! artist on the admin's lists).

use super::{breakdown, call, id, member, person_id};
use drover_shared::Role;
use drover_tests::setup;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn an_entity_chat_is_its_teams_and_only_its_participants_post() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Chat production").await;
    let (artist, artist_id) = member(&ts, &admin, &b.project, Role::Artist).await;
    let outsider = ts.client_as(Role::Artist).await;
    let (vendor, _) = member(&ts, &admin, &b.project, Role::Vendor).await;
    let shot = &b.shot;
    let chat_path = format!("/data/entities/{shot}/chat");
    let messages = format!("/data/entities/{shot}/chat/messages");
    let join = format!("/actions/user/chats/{shot}/join");

    // Opened, the chat exists, empty; the same chat every time.
    let chat = call(&artist, Method::GET, &chat_path, None, 200).await;
    assert_eq!(chat["type"], "Chat");
    assert_eq!(chat["object_id"], shot.as_str());
    assert_eq!(chat["participants"], json!([]));
    assert_eq!(chat["messages"], json!([]));
    let again = call(&admin, Method::GET, &chat_path, None, 200).await;
    assert_eq!(again["id"], chat["id"]);

    // Off the team: no chat, no join, no message (404 as the data routes answer).
    call(&outsider, Method::GET, &chat_path, None, 404).await;
    call(&outsider, Method::GET, &messages, None, 404).await;
    call(&outsider, Method::POST, &join, Some(json!({})), 404).await;
    // A vendor holds no task on the shot: refused.
    call(&vendor, Method::GET, &chat_path, None, 403).await;

    // Only a participant posts.
    let body = json!({"message": "hello"});
    call(&artist, Method::POST, &messages, Some(body.clone()), 400).await;
    let joined = call(&artist, Method::POST, &join, Some(json!({})), 200).await;
    assert_eq!(joined["participants"], json!([artist_id]));
    let message = call(&artist, Method::POST, &messages, Some(body), 201).await;
    assert_eq!(message["type"], "ChatMessage");
    assert_eq!(message["text"], "hello");
    assert_eq!(message["person_id"], artist_id.as_str());
    assert_eq!(message["chat_id"], chat["id"]);
    assert_eq!(message["attachment_files"], json!([]));
    let m = id(&message);
    let one = format!("{messages}/{m}");
    assert_eq!(call(&admin, Method::GET, &one, None, 200).await["id"], m);
    let listed = call(&admin, Method::GET, &messages, None, 200).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let chat = call(&admin, Method::GET, &chat_path, None, 200).await;
    assert_eq!(chat["last_message"], message["created_at"]);
    assert_eq!(chat["messages"][0]["id"], m);
    // A message of another entity's chat is not found through this one.
    let asset_one = format!("/data/entities/{}/chat/messages/{m}", b.asset);
    call(&admin, Method::GET, &asset_one, None, 404).await;
    // Bad bodies are 400s.
    call(&artist, Method::POST, &messages, Some(json!({})), 400).await;
    call(
        &artist,
        Method::POST,
        &messages,
        Some(json!({"message": 3})),
        400,
    )
    .await;
    let long = "x".repeat(20_001);
    call(
        &artist,
        Method::POST,
        &messages,
        Some(json!({"message": long})),
        400,
    )
    .await;

    // The person's chats: the ones they joined, with the entity's full name.
    let mine = call(&artist, Method::GET, "/data/user/chats", None, 200).await;
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(mine[0]["object_id"], shot.as_str());
    assert_eq!(mine[0]["project_id"], b.project.as_str());
    assert_eq!(mine[0]["entity_name"], "E01 / SQ01 / SH010");
    let none = call(&outsider, Method::GET, "/data/user/chats", None, 200).await;
    assert_eq!(none, json!([]));

    // Another team member may not delete the artist's message; the author and admins may.
    let (other, _) = member(&ts, &admin, &b.project, Role::Supervisor).await;
    call(&other, Method::DELETE, &one, None, 403).await;
    call(&outsider, Method::DELETE, &one, None, 404).await;
    call(&artist, Method::DELETE, &one, None, 204).await;
    call(&admin, Method::GET, &one, None, 404).await;

    // Leaving: no more posting, and the chat leaves the person's list.
    call(&artist, Method::DELETE, &join, None, 204).await;
    let after = call(&artist, Method::GET, "/data/user/chats", None, 200).await;
    assert_eq!(after, json!([]));
    call(
        &artist,
        Method::POST,
        &messages,
        Some(json!({"message": "x"})),
        400,
    )
    .await;
}

#[tokio::test]
async fn an_entitys_news_is_its_projects() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Entity news production").await;
    let outsider = ts.client_as(Role::Artist).await;
    call(
        &admin,
        Method::POST,
        &format!("/actions/tasks/{}/comment", b.task),
        Some(
            json!({"task_status_id": "3c1e3b0e-8a33-4a43-9d57-5a8c8f000101",
                    "comment": "news"}),
        ),
        201,
    )
    .await;
    let path = format!("/data/entities/{}/news", b.shot);
    let news = call(&admin, Method::GET, &path, None, 200).await;
    assert_eq!(news["total"], 1, "{news}");
    assert_eq!(news["data"][0]["task_entity_id"], b.shot.as_str());
    let asset_news = call(
        &admin,
        Method::GET,
        &format!("/data/entities/{}/news", b.asset),
        None,
        200,
    )
    .await;
    assert_eq!(asset_news["total"], 0);
    call(&outsider, Method::GET, &path, None, 404).await;
}

#[tokio::test]
async fn the_event_log_is_managers_and_login_logs_admins() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Log production").await;
    let (artist, _) = member(&ts, &admin, &b.project, Role::Artist).await;
    let manager = ts.client_as(Role::Manager).await;
    let events = call(&admin, Method::GET, "/data/events/last?limit=5", None, 200).await;
    let events = events.as_array().unwrap();
    assert_eq!(events.len(), 5);
    for key in ["id", "created_at", "name", "user_id", "project_id", "data"] {
        assert!(events[0].get(key).is_some(), "{key}: {:?}", events[0]);
    }
    // The cursor pages back.
    let cursor = events[4]["id"].as_str().unwrap();
    let older = call(
        &admin,
        Method::GET,
        &format!("/data/events/last?limit=5&cursor_event_id={cursor}"),
        None,
        200,
    )
    .await;
    assert!(
        older
            .as_array()
            .unwrap()
            .iter()
            .all(|e| events.iter().all(|n| n["id"] != e["id"]))
    );
    let shots = call(
        &admin,
        Method::GET,
        "/data/events/last?name_prefixes=shot&limit=1000",
        None,
        200,
    )
    .await;
    assert!(!shots.as_array().unwrap().is_empty());
    assert!(
        shots
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["name"].as_str().unwrap().starts_with("shot:"))
    );
    let names = call(&admin, Method::GET, "/data/events/names", None, 200).await;
    assert!(names.as_array().unwrap().iter().any(|n| n == "shot:new"));
    // A manager off the team reads none of the project's events.
    let theirs = call(&manager, Method::GET, "/data/events/last", None, 200).await;
    assert_eq!(theirs, json!([]));
    let p = &b.project;
    call(
        &manager,
        Method::GET,
        &format!("/data/events/last?project_id={p}"),
        None,
        403,
    )
    .await;
    call(&artist, Method::GET, "/data/events/last", None, 403).await;
    call(&artist, Method::GET, "/data/events/names", None, 403).await;
    call(&admin, Method::GET, "/data/events/last?limit=0", None, 400).await;
    call(
        &admin,
        Method::GET,
        "/data/events/last?after=soon",
        None,
        400,
    )
    .await;

    let logs = call(
        &admin,
        Method::GET,
        "/data/events/login-logs/last?limit=10",
        None,
        200,
    )
    .await;
    let me = person_id(&admin).await;
    assert!(
        logs.as_array()
            .unwrap()
            .iter()
            .any(|l| l["person_id"] == me.as_str())
    );
    call(
        &manager,
        Method::GET,
        "/data/events/login-logs/last",
        None,
        403,
    )
    .await;
}

#[tokio::test]
async fn the_search_finds_names_the_person_may_read() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Search production").await;
    let (artist, _) = member(&ts, &admin, &b.project, Role::Artist).await;
    let outsider = ts.client_as(Role::Artist).await;
    let config = call(&admin, Method::GET, "/config", None, 200).await;
    assert_eq!(config["indexer_configured"], true);
    let found = call(
        &artist,
        Method::POST,
        "/data/search",
        Some(json!({"query": "her", "limit": 5})),
        200,
    )
    .await;
    assert_eq!(found["assets"][0]["id"], b.asset.as_str(), "{found}");
    assert_eq!(found["assets"][0]["asset_type_name"], "Character");
    assert_eq!(found["shots"], json!([]));
    assert!(found["persons"].is_array());
    let shots = call(
        &artist,
        Method::POST,
        "/data/search",
        Some(json!({"query": "sh010", "index_names": ["shots"]})),
        200,
    )
    .await;
    assert_eq!(shots["shots"][0]["id"], b.shot.as_str(), "{shots}");
    assert_eq!(shots["shots"][0]["sequence_name"], "SQ01");
    assert_eq!(shots["shots"][0]["episode_id"], b.episode.as_str());
    assert!(shots.get("assets").is_none());
    // Off the team: nothing of the production.
    let theirs = call(
        &outsider,
        Method::POST,
        "/data/search",
        Some(json!({"query": "hero"})),
        200,
    )
    .await;
    assert_eq!(theirs["assets"], json!([]));
    // Wildcards are plain text; short queries find nothing; bad bodies are 400s.
    let wild = call(
        &admin,
        Method::POST,
        "/data/search",
        Some(json!({"query": "%%%"})),
        200,
    )
    .await;
    assert_eq!(wild["assets"], json!([]));
    let short = call(
        &admin,
        Method::POST,
        "/data/search",
        Some(json!({"query": "he"})),
        200,
    )
    .await;
    assert_eq!(short, json!({}));
    call(&admin, Method::POST, "/data/search", Some(json!({})), 400).await;
    call(
        &admin,
        Method::POST,
        "/data/search",
        Some(json!({"query": "hero", "limit": -1})),
        400,
    )
    .await;
}

#[tokio::test]
async fn the_people_csv_is_managers_with_inert_cells() {
    let (ts, admin) = setup().await;
    let artist = ts.client_as(Role::Artist).await;
    let me = person_id(&admin).await;
    call(
        &admin,
        Method::PUT,
        &format!("/data/persons/{me}"),
        Some(json!({"first_name": "=cmd", "last_name": "Admin"})),
        200,
    )
    .await;
    let csv = reqwest::Client::new()
        .get(format!("{}/export/csv/persons.csv", admin.api_url()))
        .bearer_auth(admin.token().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(csv.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "First Name");
    assert_eq!(&headers[12], "Active");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert!(
        rows.iter().any(|r| &r[0] == "'=cmd" && &r[12] == "yes"),
        "{csv}"
    );
    call(&artist, Method::GET, "/export/csv/persons.csv", None, 403).await;
}
