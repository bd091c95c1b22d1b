//! Tasks as Kitsu's lists and task panel act on them: subscriptions, cleared assignments and
//! priorities in batches; each with the refusals of those who may not.

use super::{Breakdown, breakdown, call, id};
use drover_shared::{Client, Role};
use drover_tests::{TestServer, setup};
use reqwest::Method;
use serde_json::{Value, json};

async fn person_id(client: &Client) -> String {
    client.authenticated().await.unwrap().user.id.to_string()
}

/// A person of `role` on the project's team.
async fn member(ts: &TestServer, admin: &Client, b: &Breakdown, role: Role) -> (Client, String) {
    let client = ts.client_as(role).await;
    let person = person_id(&client).await;
    call(
        admin,
        Method::POST,
        &format!("/data/projects/{}/team", b.project),
        Some(json!({ "person_id": person })),
        201,
    )
    .await;
    (client, person)
}

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
    let (artist, artist_id) = member(&ts, &admin, &b, Role::Artist).await;
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
    let (artist, artist_id) = member(&ts, &admin, &b, Role::Artist).await;
    let (_other, other_id) = member(&ts, &admin, &b, Role::Artist).await;
    let (supervisor, _) = member(&ts, &admin, &b, Role::Supervisor).await;
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
