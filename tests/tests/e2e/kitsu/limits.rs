//! Bodies past the server's limit (4 MiB) on the write routes of each group Kitsu's pages
//! use: batch actions, timesheets and filter groups, admin lists, budgets and schedules,
//! chats and search, share links and their guest pages. Each answers 413 with the JSON
//! error body before anything is read or written.

use super::{breakdown, call};
use drover_tests::setup;
use reqwest::Method;
use serde_json::{Value, json};

/// A body one byte past any route's limit is not needed: 5 MiB of text in one field.
fn oversized() -> Value {
    json!({"name": "x".repeat(5 * 1024 * 1024), "text": "x"})
}

#[tokio::test]
async fn every_write_group_refuses_an_oversized_body_with_413_and_writes_nothing() {
    let (_ts, admin) = setup().await;
    let b = breakdown(&admin, "Limits production").await;
    let (project, shot) = (&b.project, &b.shot);
    let nobody = "00000000-0000-4000-8000-000000000000";
    let writes = [
        (
            Method::POST,
            format!("/actions/projects/{project}/tasks/comment-many"),
        ),
        (
            Method::POST,
            format!("/actions/projects/{project}/delete-tasks"),
        ),
        (Method::POST, "/data/user/filter-groups".to_owned()),
        (Method::PUT, format!("/data/user/filter-groups/{nobody}")),
        (Method::POST, "/data/task-type-links".to_owned()),
        (
            Method::POST,
            "/data/metadata-descriptors/all-projects".to_owned(),
        ),
        (Method::POST, format!("/data/projects/{project}/budgets")),
        (
            Method::POST,
            "/data/production-schedule-versions".to_owned(),
        ),
        (Method::POST, format!("/data/entities/{shot}/chat/messages")),
        (Method::POST, "/data/search".to_owned()),
        (Method::POST, format!("/data/playlists/{nobody}/share")),
        (Method::POST, format!("/shared/playlists/{nobody}/guest")),
    ];
    for (method, path) in &writes {
        let answer = admin
            .raw(method.clone(), path, Some(&oversized()))
            .await
            .unwrap();
        assert_eq!(
            answer.status.as_u16(),
            413,
            "{method} {path}: {:?}",
            answer.body
        );
        let body = answer.body.unwrap_or(Value::Null);
        assert_eq!(
            body["error"], "payload_too_large",
            "{method} {path}: {body}"
        );
    }

    // Nothing was made on the way.
    let groups = call(&admin, Method::GET, "/data/user/filter-groups", None, 200).await;
    assert!(
        groups.as_object().is_none_or(serde_json::Map::is_empty),
        "{groups}"
    );
    let budgets = format!("/data/projects/{project}/budgets");
    assert_eq!(
        call(&admin, Method::GET, &budgets, None, 200).await,
        json!([])
    );
    let versions = "/data/production-schedule-versions";
    assert_eq!(
        call(&admin, Method::GET, versions, None, 200).await,
        json!([])
    );
    let chat = call(
        &admin,
        Method::GET,
        &format!("/data/entities/{shot}/chat"),
        None,
        200,
    )
    .await;
    assert_eq!(chat["messages"], json!([]));
}
