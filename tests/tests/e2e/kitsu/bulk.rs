//! The batch actions of Kitsu's lists against a real server: tasks and entities deleted by
//! selection, tasks made in batches, comments posted on many tasks and moved, entities
//! illustrated from their tasks, episode statistics, and an admin's care of accounts
//! (second factors turned off, avatars taken away).

use super::{breakdown, call, id, member, png, upload};
use drover_shared::Role;
use reqwest::Method;
use serde_json::{Value, json};

const TODO: &str = "3c1e3b0e-8a33-4a43-9d57-5a8c8f000101";

async fn task_type(admin: &drover_shared::Client, name: &str) -> String {
    id(&call(
        admin,
        Method::GET,
        &format!("/data/task-types?name={name}"),
        None,
        200,
    )
    .await[0])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_and_entities_go_in_batches_as_kitsus_lists_delete_them() {
    let (ts, admin) = drover_tests::setup().await;
    let b = breakdown(&admin, "Batch deletions").await;
    let other = breakdown(&admin, "Someone else's").await;
    let (artist, _) = member(&ts, &admin, &b.project, Role::Artist).await;
    let p = &b.project;
    let path = format!("/actions/projects/{p}/delete-tasks");
    // An artist may not; a body that is not a list of ids is refused before anything.
    call(&artist, Method::POST, &path, Some(json!([b.task])), 403).await;
    call(&admin, Method::POST, &path, Some(json!({"ids": []})), 400).await;
    call(&admin, Method::POST, &path, Some(json!(["not an id"])), 400).await;
    // Another project's task is skipped, as Zou does; this one's goes.
    let gone = call(
        &admin,
        Method::POST,
        &path,
        Some(json!([b.task, other.task])),
        200,
    )
    .await;
    assert_eq!(gone, json!([b.task]));
    call(
        &admin,
        Method::GET,
        &format!("/data/tasks/{}", b.task),
        None,
        404,
    )
    .await;
    call(
        &admin,
        Method::GET,
        &format!("/data/tasks/{}", other.task),
        None,
        200,
    )
    .await;

    // Every task of a type: the other project's stay.
    let animation = task_type(&admin, "Animation").await;
    call(
        &admin,
        Method::DELETE,
        &format!(
            "/actions/projects/{}/task-types/{animation}/delete-tasks",
            other.project
        ),
        None,
        204,
    )
    .await;
    call(
        &admin,
        Method::GET,
        &format!("/data/tasks/{}", other.task),
        None,
        404,
    )
    .await;

    // Entities: one with tasks is canceled first, removed when deleted again.
    let made = call(
        &admin,
        Method::POST,
        &format!("/data/entities/{}/tasks", b.asset),
        Some(json!({"task_type_ids": [animation]})),
        201,
    )
    .await;
    assert_eq!(made.as_array().unwrap().len(), 1);
    let path = format!("/actions/projects/{p}/delete-entities");
    let acted = call(&admin, Method::POST, &path, Some(json!([b.asset])), 200).await;
    assert_eq!(acted, json!([b.asset]));
    let asset = call(
        &admin,
        Method::GET,
        &format!("/data/assets/{}", b.asset),
        None,
        200,
    )
    .await;
    assert_eq!(asset["canceled"], true);
    call(&admin, Method::POST, &path, Some(json!([b.asset])), 200).await;
    call(
        &admin,
        Method::GET,
        &format!("/data/assets/{}", b.asset),
        None,
        404,
    )
    .await;
    // With force, a shot with tasks goes at once, tasks and all.
    let shot_task = call(
        &admin,
        Method::POST,
        &format!("/data/entities/{}/tasks", b.shot),
        Some(json!({"task_type_ids": [animation]})),
        201,
    )
    .await;
    call(
        &admin,
        Method::POST,
        &format!("{path}?force=true"),
        Some(json!([b.shot])),
        200,
    )
    .await;
    call(
        &admin,
        Method::GET,
        &format!("/data/shots/{}", b.shot),
        None,
        404,
    )
    .await;
    let task = id(&shot_task[0]);
    call(
        &admin,
        Method::GET,
        &format!("/data/tasks/{task}"),
        None,
        404,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_are_made_and_commented_in_batches() {
    let (ts, admin) = drover_tests::setup().await;
    let b = breakdown(&admin, "Batch comments").await;
    let other = breakdown(&admin, "Another show").await;
    let (artist, _) = member(&ts, &admin, &b.project, Role::Artist).await;
    let p = &b.project;
    let layout = task_type(&admin, "Layout").await;
    let animation = task_type(&admin, "Animation").await;
    // Tasks on the listed sequences, as Kitsu sends them: a bare list.
    let path = format!("/actions/projects/{p}/task-types/{layout}/create-tasks/sequence");
    let made = call(&admin, Method::POST, &path, Some(json!([b.sequence])), 201).await;
    assert_eq!(made[0]["entity_id"], json!(b.sequence));
    let again = call(&admin, Method::POST, &path, Some(json!([b.sequence])), 201).await;
    assert_eq!(again, json!([]), "a type the entity has is skipped");
    call(
        &admin,
        Method::POST,
        &format!("/actions/projects/{p}/task-types/{layout}/create-tasks/scene"),
        Some(json!([])),
        404,
    )
    .await;
    call(&artist, Method::POST, &path, Some(json!([b.sequence])), 403).await;
    // A layout task beside the shot's animation task.
    let layout_task = id(&call(
        &admin,
        Method::POST,
        &format!("/data/entities/{}/tasks", b.shot),
        Some(json!({"task_type_ids": [layout]})),
        201,
    )
    .await[0]);

    // Comments on many tasks; one of another project fails the whole batch.
    let many = format!("/actions/projects/{p}/tasks/comment-many");
    let body = json!([
        {"object_id": b.task, "task_status_id": TODO, "comment": "first"},
        {"object_id": layout_task, "task_status_id": TODO, "comment": "second"},
        {"object_id": b.task, "comment": "skipped: no status"},
    ]);
    let posted = call(&admin, Method::POST, &many, Some(body), 201).await;
    assert_eq!(posted.as_array().unwrap().len(), 2);
    let count = |task: String| {
        let admin = admin.clone();
        async move {
            call(
                &admin,
                Method::GET,
                &format!("/data/tasks/{task}/comments"),
                None,
                200,
            )
            .await
            .as_array()
            .unwrap()
            .len()
        }
    };
    let before = count(b.task.clone()).await;
    let mixed = json!([
        {"object_id": b.task, "task_status_id": TODO, "comment": "lost"},
        {"object_id": other.task, "task_status_id": TODO, "comment": "elsewhere"},
    ]);
    call(&admin, Method::POST, &many, Some(mixed), 400).await;
    assert_eq!(count(b.task.clone()).await, before, "nothing half-written");

    // A comment moves to another task of the same shot, and only there.
    let comment = id(&posted[0]);
    let path = format!("/actions/tasks/{}/comments/{comment}/move", b.task);
    call(
        &artist,
        Method::POST,
        &path,
        Some(json!({"target_task_id": layout_task})),
        403,
    )
    .await;
    call(
        &admin,
        Method::POST,
        &path,
        Some(json!({"target_task_id": other.task})),
        400,
    )
    .await;
    let moved = call(
        &admin,
        Method::POST,
        &path,
        Some(json!({"target_task_id": layout_task})),
        200,
    )
    .await;
    assert_eq!(moved["object_id"], json!(layout_task));
    assert_eq!(count(layout_task.clone()).await, 2);
    let _ = animation;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn previews_illustrate_entities_and_episodes_are_counted() {
    let (ts, admin) = drover_tests::setup().await;
    let b = breakdown(&admin, "Batch previews").await;
    let comment = call(
        &admin,
        Method::POST,
        &format!("/actions/tasks/{}/comment", b.task),
        Some(json!({"task_status_id": TODO, "comment": "v1"})),
        201,
    )
    .await;
    let c = id(&comment);
    let mut previews = Vec::new();
    for _ in 0..2 {
        let preview = call(
            &admin,
            Method::POST,
            &format!("/actions/tasks/{}/comments/{c}/add-preview", b.task),
            Some(json!({})),
            201,
        )
        .await;
        let pf = id(&preview);
        let (status, _) = upload(
            &admin,
            &format!("/pictures/preview-files/{pf}"),
            "f.png",
            &png(),
        )
        .await;
        assert!(status.is_success());
        previews.push(pf);
    }
    let listed = call(
        &admin,
        Method::GET,
        &format!("/data/entities/{}/preview-files", b.shot),
        None,
        200,
    )
    .await;
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(previews.iter().all(|p| ids.contains(&p.as_str())));

    // The original as a download, under Zou's name for it.
    let download = reqwest::Client::new()
        .get(format!(
            "{}/api/pictures/originals/preview-files/{}/download",
            ts.url(),
            previews[0]
        ))
        .bearer_auth(admin.token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    let disposition = download.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        disposition,
        "attachment; filename=\"batch_previews_e01_sq01_sh010_animation_v1.png\""
    );
    assert!(!download.bytes().await.unwrap().is_empty());
    call(
        &admin,
        Method::GET,
        &format!("/movies/originals/preview-files/{}/download", previews[0]),
        None,
        404,
    )
    .await;
    let changed = call(
        &admin,
        Method::PUT,
        "/actions/tasks/set-main-preview",
        Some(json!({"task_ids": [b.task]})),
        200,
    )
    .await;
    assert_eq!(changed[0]["id"], json!(b.shot));
    assert!(changed[0]["preview_file_id"].is_string());

    // One preview taken off the revision: the other stays, and its media answer.
    let gone = &previews[1];
    call(
        &admin,
        Method::DELETE,
        &format!(
            "/actions/tasks/{}/comments/{c}/preview-files/{gone}",
            b.task
        ),
        None,
        204,
    )
    .await;
    call(
        &admin,
        Method::GET,
        &format!("/data/preview-files/{gone}"),
        None,
        404,
    )
    .await;
    call(
        &admin,
        Method::GET,
        &format!("/data/preview-files/{}", previews[0]),
        None,
        200,
    )
    .await;

    // The shot sits in episode E01: its task counts there, by type and status.
    let stats = call(
        &admin,
        Method::GET,
        &format!("/data/projects/{}/episodes/stats", b.project),
        None,
        200,
    )
    .await;
    let task = call(
        &admin,
        Method::GET,
        &format!("/data/tasks/{}", b.task),
        None,
        200,
    )
    .await;
    let (tt, st) = (
        task["task_type_id"].as_str().unwrap(),
        task["task_status_id"].as_str().unwrap(),
    );
    assert_eq!(stats[&b.episode][tt][st]["count"], 1, "{stats}");
    assert_eq!(stats[&b.episode]["all"][st]["count"], 1);
    assert_eq!(stats["all"]["all"][st]["count"], 1);
    assert_eq!(stats[&b.episode][tt][st]["frames"], Value::from(0));
    let retakes = call(
        &admin,
        Method::GET,
        &format!("/data/projects/{}/episodes/retake-stats", b.project),
        None,
        200,
    )
    .await;
    let counted = &retakes[&b.episode][tt];
    assert_eq!(
        counted["other"]["count"].as_i64().unwrap() + counted["done"]["count"].as_i64().unwrap(),
        1,
        "{retakes}"
    );
    assert_eq!(retakes["all"]["all"]["max_retake_count"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_turn_second_factors_off_and_take_avatars_away() {
    let (ts, admin) = drover_tests::setup().await;
    let artist = ts.client_as(Role::Artist).await;
    let other_admin = ts.client_as(Role::Admin).await;
    let me = super::person_id(&artist).await;
    let them = super::person_id(&other_admin).await;
    let off = |p: &str| format!("/actions/persons/{p}/disable-two-factor-authentication");
    // TOTP on for the artist, with recovery codes.
    let email = artist.authenticated().await.unwrap().user.email;
    let secret = artist.totp_start().await.unwrap().otp_secret;
    let code = drover_server::auth::two_factor::current_code(&secret, &email).unwrap();
    let first = artist
        .totp_confirm(&code)
        .await
        .unwrap()
        .otp_recovery_codes
        .unwrap();
    // Renewed with a proof; the old codes stop working.
    let renew = "/auth/recovery-codes";
    call(&artist, Method::PUT, renew, Some(json!({})), 400).await;
    let fresh = call(
        &artist,
        Method::PUT,
        renew,
        Some(json!({"recovery_code": first[0]})),
        200,
    )
    .await["otp_recovery_codes"]
        .clone();
    assert_eq!(fresh.as_array().unwrap().len(), first.len());
    call(
        &artist,
        Method::PUT,
        renew,
        Some(json!({"recovery_code": first[1]})),
        400,
    )
    .await;
    call(
        &artist,
        Method::PUT,
        renew,
        Some(json!({"recovery_code": fresh[0]})),
        200,
    )
    .await;
    // An admin turns the factors off.
    call(&artist, Method::DELETE, &off(&them), None, 403).await;
    call(&admin, Method::DELETE, &off(&them), None, 400).await;
    let done = call(&admin, Method::DELETE, &off(&me), None, 200).await;
    assert_eq!(done["success"], true);
    let person = call(
        &admin,
        Method::GET,
        &format!("/data/persons/{me}"),
        None,
        200,
    )
    .await;
    assert_eq!(person["totp_enabled"], false);

    // Avatars: one's own, or anyone's for an admin.
    let (status, _) = upload(
        &artist,
        &format!("/pictures/thumbnails/persons/{me}"),
        "me.png",
        &png(),
    )
    .await;
    assert!(status.is_success());
    call(
        &artist,
        Method::DELETE,
        &format!("/actions/persons/{them}/clear-avatar"),
        None,
        403,
    )
    .await;
    call(
        &artist,
        Method::DELETE,
        "/actions/user/clear-avatar",
        None,
        204,
    )
    .await;
    let person = call(
        &admin,
        Method::GET,
        &format!("/data/persons/{me}"),
        None,
        200,
    )
    .await;
    assert_eq!(person["has_avatar"], false);
    call(
        &artist,
        Method::GET,
        &format!("/pictures/thumbnails/persons/{me}.png"),
        None,
        404,
    )
    .await;
    let (status, _) = upload(
        &artist,
        &format!("/pictures/thumbnails/persons/{me}"),
        "me.png",
        &png(),
    )
    .await;
    assert!(status.is_success());
    call(
        &admin,
        Method::DELETE,
        &format!("/actions/persons/{me}/clear-avatar"),
        None,
        204,
    )
    .await;
    let person = call(
        &admin,
        Method::GET,
        &format!("/data/persons/{me}"),
        None,
        200,
    )
    .await;
    assert_eq!(person["has_avatar"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concepts_are_listed_with_their_tasks() {
    let (ts, admin) = drover_tests::setup().await;
    let b = breakdown(&admin, "Concept art").await;
    let other = breakdown(&admin, "Not on it").await;
    let concept = call(
        &admin,
        Method::POST,
        &format!("/data/projects/{}/concepts", b.project),
        Some(json!({"name": "Hero sketch"})),
        201,
    )
    .await;
    let animation = task_type(&admin, "Animation").await;
    call(
        &admin,
        Method::POST,
        &format!("/data/entities/{}/tasks", id(&concept)),
        Some(json!({"task_type_ids": [animation]})),
        201,
    )
    .await;
    let listed = call(
        &admin,
        Method::GET,
        &format!("/data/concepts/with-tasks?project_id={}", b.project),
        None,
        200,
    )
    .await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["name"], "Hero sketch");
    assert_eq!(listed[0]["tasks"][0]["task_type_id"], json!(animation));
    // Another production's concepts are not this one's; someone off the team reads none.
    let theirs = call(
        &admin,
        Method::GET,
        &format!("/data/concepts/with-tasks?project_id={}", other.project),
        None,
        200,
    )
    .await;
    assert_eq!(theirs, json!([]));
    let outsider = ts.client_as(Role::Artist).await;
    call(
        &outsider,
        Method::GET,
        &format!("/data/concepts/with-tasks?project_id={}", b.project),
        None,
        404,
    )
    .await;

    // Linked to the asset it is a concept of (as Kitsu's Concepts page writes it), the
    // concept says so on its card, and the asset's page lists it with its tasks.
    assert_eq!(listed[0]["entity_concept_links"], json!([]));
    let concept_path = format!("/data/entities/{}", id(&concept));
    let linked = call(
        &admin,
        Method::PUT,
        &concept_path,
        Some(json!({"id": id(&concept), "entity_concept_links": [b.asset]})),
        200,
    )
    .await;
    assert_eq!(linked["entity_concept_links"], json!([b.asset]), "{linked}");
    let listed = call(
        &admin,
        Method::GET,
        &format!("/data/concepts/with-tasks?project_id={}", b.project),
        None,
        200,
    )
    .await;
    assert_eq!(listed[0]["entity_concept_links"], json!([b.asset]));
    let of_asset = format!("/data/entities/{}/entities-linked/with-tasks", b.asset);
    let concepts = call(&admin, Method::GET, &of_asset, None, 200).await;
    assert_eq!(concepts.as_array().unwrap().len(), 1, "{concepts}");
    assert_eq!(concepts[0]["id"], id(&concept).as_str());
    assert_eq!(concepts[0]["type"], "Concept");
    assert_eq!(concepts[0]["tasks"][0]["task_type_id"], json!(animation));
    assert!(concepts[0]["tasks"][0]["assignees"].is_array());
    // Nothing of another production is linked; an outsider reads no links.
    call(
        &admin,
        Method::PUT,
        &concept_path,
        Some(json!({"entity_concept_links": [other.asset]})),
        400,
    )
    .await;
    call(&outsider, Method::GET, &of_asset, None, 404).await;
    // The asset linked to nothing lists nothing.
    let none = format!("/data/entities/{}/entities-linked/with-tasks", b.shot);
    assert_eq!(call(&admin, Method::GET, &none, None, 200).await, json!([]));
}
