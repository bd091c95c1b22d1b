//! The lists gazu reads around one entity, task or person (`gazu.shot.all_assets_for_shot`,
//! `gazu.task.all_task_types_for_shot`, `gazu.task.all_tasks_for_person`, …), with what each
//! role may see of them.

use super::{breakdown, call, id, ids, member};
use drover_shared::Role;
use drover_tests::setup;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn the_lists_around_a_shot_an_episode_and_a_task_answer_as_gazu_reads_them() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Around").await;
    let p = &b.project;
    // The asset is cast in the shot, and made for the episode, with a task of its own.
    call(
        &admin,
        Method::PUT,
        &format!("/data/projects/{p}/entities/{}/casting", b.shot),
        Some(json!([{"asset_id": b.asset, "nb_occurences": 2}])),
        200,
    )
    .await;
    call(
        &admin,
        Method::PUT,
        &format!("/data/entities/{}", b.asset),
        Some(json!({"source_id": b.episode})),
        200,
    )
    .await;
    let modeling = call(
        &admin,
        Method::GET,
        "/data/task-types?name=Modeling",
        None,
        200,
    )
    .await[0]
        .clone();
    let todo = "3c1e3b0e-8a33-4a43-9d57-5a8c8f000101";
    let asset_task = call(
        &admin,
        Method::POST,
        "/data/tasks",
        Some(json!({"project_id": p, "entity_id": b.asset,
                    "task_type_id": id(&modeling), "task_status_id": todo})),
        201,
    )
    .await;

    // The shot: its cast assets, their types, its task types, its tasks of one type.
    let assets = call(
        &admin,
        Method::GET,
        &format!("/data/shots/{}/assets", b.shot),
        None,
        200,
    )
    .await;
    assert_eq!(assets[0]["asset_id"], b.asset.as_str());
    assert_eq!(assets[0]["nb_occurences"], 2);
    let types = call(
        &admin,
        Method::GET,
        &format!("/data/shots/{}/asset-types", b.shot),
        None,
        200,
    )
    .await;
    assert_eq!(types[0]["name"], "Character");
    let shot_types = call(
        &admin,
        Method::GET,
        &format!("/data/shots/{}/task-types", b.shot),
        None,
        200,
    )
    .await;
    assert_eq!(shot_types.as_array().unwrap().len(), 1);
    assert_eq!(shot_types[0]["name"], "Animation");
    let animation = id(&shot_types[0]);
    let of_type = call(
        &admin,
        Method::GET,
        &format!("/data/entities/{}/task-types/{animation}/tasks", b.shot),
        None,
        200,
    )
    .await;
    assert_eq!(ids(&of_type), [b.task.as_str()]);
    assert_eq!(of_type[0]["task_type_name"], "Animation");
    let none = call(
        &admin,
        Method::GET,
        &format!(
            "/data/entities/{}/task-types/{}/tasks",
            b.shot,
            id(&modeling)
        ),
        None,
        200,
    )
    .await;
    assert_eq!(none, json!([]));
    let asset_types = call(
        &admin,
        Method::GET,
        &format!("/data/assets/{}/task-types", b.asset),
        None,
        200,
    )
    .await;
    assert_eq!(asset_types[0]["name"], "Modeling");

    // The sequence and the episode: the tasks of their shots; the episode's shots and the
    // tasks of its assets.
    for parent in [
        format!("sequences/{}", b.sequence),
        format!("episodes/{}", b.episode),
    ] {
        let tasks = call(
            &admin,
            Method::GET,
            &format!("/data/{parent}/shot-tasks"),
            None,
            200,
        )
        .await;
        assert_eq!(ids(&tasks), [b.task.as_str()], "{parent}");
    }
    let with_assignees = call(
        &admin,
        Method::GET,
        &format!("/data/sequences/{}/shot-tasks?relations=true", b.sequence),
        None,
        200,
    )
    .await;
    assert!(with_assignees[0]["assignees"].is_array());
    let shots = call(
        &admin,
        Method::GET,
        &format!("/data/episodes/{}/shots", b.episode),
        None,
        200,
    )
    .await;
    assert_eq!(ids(&shots), [b.shot.as_str()]);
    assert_eq!(shots[0]["sequence_name"], "SQ01");
    assert_eq!(shots[0]["episode_id"], b.episode.as_str());
    let asset_tasks = call(
        &admin,
        Method::GET,
        &format!("/data/episodes/{}/asset-tasks", b.episode),
        None,
        200,
    )
    .await;
    assert_eq!(ids(&asset_tasks), [id(&asset_task).as_str()]);

    // A task's previews, newest first, and the shot's by task type: two revisions, the
    // second of two pictures.
    let mut previews = Vec::new();
    let mut comments = Vec::new();
    for (pictures, text) in [(1, "first pass"), (2, "second pass")] {
        let comment = call(
            &admin,
            Method::POST,
            &format!("/actions/tasks/{}/comment", b.task),
            Some(json!({"task_status_id": todo, "comment": text})),
            201,
        )
        .await;
        for _ in 0..pictures {
            previews.push(
                call(
                    &admin,
                    Method::POST,
                    &format!(
                        "/actions/tasks/{}/comments/{}/add-preview",
                        b.task,
                        id(&comment)
                    ),
                    Some(json!({})),
                    201,
                )
                .await,
            );
        }
        comments.push(id(&comment));
    }
    assert_eq!(
        previews
            .iter()
            .map(|p| p["revision"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        [1, 2, 2]
    );
    let listed = call(
        &admin,
        Method::GET,
        &format!("/data/tasks/{}/previews", b.task),
        None,
        200,
    )
    .await;
    assert_eq!(
        ids(&listed),
        [id(&previews[1]), id(&previews[2]), id(&previews[0])]
    );
    let by_type = call(
        &admin,
        Method::GET,
        &format!("/data/shots/{}/preview-files", b.shot),
        None,
        200,
    )
    .await;
    let of_animation = by_type[&animation].as_array().unwrap();
    assert_eq!(of_animation.len(), 3);
    assert_eq!(of_animation[0]["revision"], 2);
    assert_eq!(of_animation[0]["task_type_id"], animation.as_str());

    // The review room reads the same for an entity of any kind.
    let in_room = call(
        &admin,
        Method::GET,
        &format!("/data/playlists/entities/{}/preview-files", b.shot),
        None,
        200,
    )
    .await;
    assert_eq!(in_room, by_type);

    // Sent no file yet, the three are still being processed; admins watch that list.
    let running = call(
        &admin,
        Method::GET,
        "/data/playlists/preview-files/running",
        None,
        200,
    )
    .await;
    assert_eq!(running.as_array().unwrap().len(), 3);
    let supervisor = ts.client_as(Role::Supervisor).await;
    call(
        &supervisor,
        Method::GET,
        "/data/playlists/preview-files/running",
        None,
        403,
    )
    .await;

    // A project's comments and previews.
    let comments_listed = call(
        &admin,
        Method::GET,
        &format!("/data/projects/{p}/comments"),
        None,
        200,
    )
    .await;
    let mut listed_comments = ids(&comments_listed);
    listed_comments.sort_unstable();
    comments.sort_unstable();
    assert_eq!(listed_comments, comments);
    let project_previews = call(
        &admin,
        Method::GET,
        &format!("/data/projects/{p}/preview-files"),
        None,
        200,
    )
    .await;
    assert_eq!(project_previews.as_array().unwrap().len(), 3);

    // The castings by episode and by asset type, and the links they are made of.
    call(
        &admin,
        Method::PUT,
        &format!("/data/projects/{p}/entities/{}/casting", b.episode),
        Some(json!([{"asset_id": b.asset, "nb_occurences": 1}])),
        200,
    )
    .await;
    let by_episode = call(
        &admin,
        Method::GET,
        &format!("/data/projects/{p}/episodes/casting"),
        None,
        200,
    )
    .await;
    assert_eq!(by_episode[&b.episode][0]["asset_id"], b.asset.as_str());
    let character = types[0]["id"].as_str().unwrap().to_owned();
    let by_asset = call(
        &admin,
        Method::GET,
        &format!("/data/projects/{p}/asset-types/{character}/casting"),
        None,
        200,
    )
    .await;
    assert_eq!(by_asset, json!({}), "no asset is made of others yet");
    let links = call(
        &admin,
        Method::GET,
        &format!("/data/projects/{p}/entity-links"),
        None,
        200,
    )
    .await;
    let mut linked: Vec<&str> = links
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["entity_in_id"].as_str().unwrap())
        .collect();
    linked.sort_unstable();
    let mut expected = [b.shot.as_str(), b.episode.as_str()];
    expected.sort_unstable();
    assert_eq!(linked, expected);

    // Someone off the production learns nothing; an unknown kind is no route.
    let outsider = ts.client_as(Role::Artist).await;
    for path in [
        format!("/data/shots/{}/assets", b.shot),
        format!("/data/shots/{}/task-types", b.shot),
        format!("/data/episodes/{}/shots", b.episode),
        format!("/data/sequences/{}/shot-tasks", b.sequence),
        format!("/data/tasks/{}/previews", b.task),
        format!("/data/shots/{}/preview-files", b.shot),
        format!("/data/projects/{p}/comments"),
        format!("/data/projects/{p}/episodes/casting"),
    ] {
        call(&outsider, Method::GET, &path, None, 404).await;
    }
    call(
        &admin,
        Method::GET,
        &format!("/data/playlists/{}/shot-tasks", b.shot),
        None,
        404,
    )
    .await;
    call(
        &admin,
        Method::GET,
        "/data/shots/not-an-id/assets",
        None,
        400,
    )
    .await;
}

#[tokio::test]
async fn a_persons_tasks_are_shown_as_far_as_the_asker_may_see_them() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "People").await;
    let p = &b.project;
    let (artist, artist_id) = member(&ts, &admin, p, Role::Artist).await;
    let (vendor, vendor_id) = member(&ts, &admin, p, Role::Vendor).await;
    let (client, _) = member(&ts, &admin, p, Role::Client).await;
    let outsider = ts.client_as(Role::Supervisor).await;
    call(
        &admin,
        Method::PUT,
        &format!("/actions/persons/{artist_id}/assign"),
        Some(json!({"task_ids": [b.task]})),
        200,
    )
    .await;
    let path = format!("/data/persons/{artist_id}/tasks");
    let seen = call(&admin, Method::GET, &path, None, 200).await;
    assert_eq!(ids(&seen), [b.task.as_str()]);
    assert_eq!(seen[0]["task_type_name"], "Animation");
    // A teammate sees them; the person too; nothing is done yet.
    assert_eq!(
        ids(&call(&artist, Method::GET, &path, None, 200).await),
        [b.task.as_str()]
    );
    assert_eq!(
        call(
            &artist,
            Method::GET,
            &format!("/data/persons/{artist_id}/done-tasks"),
            None,
            200
        )
        .await,
        json!([])
    );
    // A supervisor of another production sees none of them.
    assert_eq!(
        call(&outsider, Method::GET, &path, None, 200).await,
        json!([])
    );
    // A vendor may ask for their own only; a client gets an empty list.
    call(&vendor, Method::GET, &path, None, 403).await;
    call(
        &vendor,
        Method::GET,
        &format!("/data/persons/{vendor_id}/tasks"),
        None,
        200,
    )
    .await;
    assert_eq!(
        call(&client, Method::GET, &path, None, 200).await,
        json!([])
    );
    // The project-wide lists of subscriptions and previews are admins'; comments are not
    // for vendors or clients.
    for (who, status) in [(&artist, 403), (&admin, 200)] {
        call(
            who,
            Method::GET,
            &format!("/data/projects/{p}/subscriptions"),
            None,
            status,
        )
        .await;
    }
    call(
        &artist,
        Method::GET,
        &format!("/data/projects/{p}/comments"),
        None,
        200,
    )
    .await;
    call(
        &vendor,
        Method::GET,
        &format!("/data/projects/{p}/comments"),
        None,
        403,
    )
    .await;
    call(
        &vendor,
        Method::GET,
        &format!("/data/sequences/{}/shot-tasks", b.sequence),
        None,
        403,
    )
    .await;
    call(
        &vendor,
        Method::GET,
        &format!("/data/projects/{p}/episodes/casting"),
        None,
        403,
    )
    .await;
    call(
        &artist,
        Method::GET,
        &format!("/data/projects/{p}/entity-links"),
        None,
        403,
    )
    .await;
    call(
        &admin,
        Method::GET,
        "/data/persons/not-an-id/tasks",
        None,
        400,
    )
    .await;
}

#[tokio::test]
async fn gazus_user_lists_hold_only_the_persons_own_work() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Mine").await;
    let p = &b.project;
    let (artist, artist_id) = member(&ts, &admin, p, Role::Artist).await;
    // Nothing assigned yet: the production is open to them, but nothing in it is theirs.
    let open = call(&artist, Method::GET, "/data/user/projects/open", None, 200).await;
    assert_eq!(ids(&open), [p.as_str()]);
    let sequences_path = format!("/data/user/projects/{p}/sequences");
    assert_eq!(
        call(&artist, Method::GET, &sequences_path, None, 200).await,
        json!([])
    );

    // Assigned the shot's task and a task of the asset.
    let modeling = call(
        &admin,
        Method::GET,
        "/data/task-types?name=Modeling",
        None,
        200,
    )
    .await[0]
        .clone();
    let asset_task = call(
        &admin,
        Method::POST,
        "/data/tasks",
        Some(
            json!({"project_id": p, "entity_id": b.asset, "task_type_id": id(&modeling),
                    "task_status_id": "3c1e3b0e-8a33-4a43-9d57-5a8c8f000101"}),
        ),
        201,
    )
    .await;
    call(
        &admin,
        Method::PUT,
        &format!("/actions/persons/{artist_id}/assign"),
        Some(json!({"task_ids": [b.task, id(&asset_task)]})),
        200,
    )
    .await;
    let get = |path: String| {
        let artist = artist.clone();
        async move { call(&artist, Method::GET, &path, None, 200).await }
    };
    assert_eq!(
        ids(&get(sequences_path.clone()).await),
        [b.sequence.as_str()]
    );
    assert_eq!(
        ids(&get(format!("/data/user/projects/{p}/episodes")).await),
        [b.episode.as_str()]
    );
    let types = get(format!("/data/user/projects/{p}/asset-types")).await;
    assert_eq!(types[0]["name"], "Character");
    assert_eq!(
        ids(&get(format!(
            "/data/user/projects/{p}/asset-types/{}/assets",
            id(&types[0])
        ))
        .await),
        [b.asset.as_str()]
    );
    assert_eq!(
        ids(&get(format!("/data/user/sequences/{}/shots", b.sequence)).await),
        [b.shot.as_str()]
    );
    assert_eq!(
        get(format!("/data/user/sequences/{}/scenes", b.sequence)).await,
        json!([])
    );
    let tasks = get(format!("/data/user/shots/{}/tasks", b.shot)).await;
    assert_eq!(ids(&tasks), [b.task.as_str()]);
    assert_eq!(tasks[0]["task_type_name"], "Animation");
    let types = get(format!("/data/user/assets/{}/task-types", b.asset)).await;
    assert_eq!(types[0]["name"], "Modeling");
    assert_eq!(
        get(format!("/data/user/sequences/{}/tasks", b.sequence)).await,
        json!([])
    );

    // The admin has no task here: their lists are empty, though they see everything.
    assert_eq!(
        call(&admin, Method::GET, &sequences_path, None, 200).await,
        json!([])
    );
    // Someone off the production gets 404, an unknown list no route.
    let outsider = ts.client_as(Role::Artist).await;
    call(&outsider, Method::GET, &sequences_path, None, 404).await;
    call(
        &outsider,
        Method::GET,
        &format!("/data/user/shots/{}/tasks", b.shot),
        None,
        404,
    )
    .await;
    call(
        &artist,
        Method::GET,
        &format!("/data/user/sequences/{}/edits", b.sequence),
        None,
        404,
    )
    .await;
}

#[tokio::test]
async fn an_episodes_playlists_are_listed_apart_from_the_others() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Dailies").await;
    let p = &b.project;
    let mut made = Vec::new();
    for body in [
        json!({"name": "E01 dailies", "project_id": p, "episode_id": b.episode}),
        json!({"name": "Main dailies", "project_id": p}),
        json!({"name": "Everything", "project_id": p, "is_for_all": true}),
    ] {
        made.push(id(&call(
            &admin,
            Method::POST,
            "/data/playlists",
            Some(body),
            201,
        )
        .await));
    }
    for (episode, expected) in [(b.episode.as_str(), 0), ("main", 1), ("all", 2)] {
        let listed = call(
            &admin,
            Method::GET,
            &format!("/data/projects/{p}/episodes/{episode}/playlists"),
            None,
            200,
        )
        .await;
        assert_eq!(ids(&listed), [made[expected].as_str()], "{episode}");
    }
    let (vendor, _) = member(&ts, &admin, p, Role::Vendor).await;
    call(
        &vendor,
        Method::GET,
        &format!("/data/projects/{p}/episodes/main/playlists"),
        None,
        403,
    )
    .await;
    let other = breakdown(&admin, "Elsewhere").await;
    call(
        &admin,
        Method::GET,
        &format!("/data/projects/{p}/episodes/{}/playlists", other.episode),
        None,
        404,
    )
    .await;
}

#[tokio::test]
async fn concepts_are_entities_of_their_own_with_tasks_and_previews() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Concepts").await;
    let p = &b.project;
    let body = json!({"name": "Moodboard", "description": "the look"});
    let concept = call(
        &admin,
        Method::POST,
        &format!("/data/projects/{p}/concepts"),
        Some(body.clone()),
        201,
    )
    .await;
    assert_eq!(concept["type"], "Concept");
    let again = call(
        &admin,
        Method::POST,
        &format!("/data/projects/{p}/concepts"),
        Some(body),
        201,
    )
    .await;
    assert_eq!(again["id"], concept["id"], "made by name once");
    let c = id(&concept);
    assert_eq!(
        ids(&call(
            &admin,
            Method::GET,
            &format!("/data/projects/{p}/concepts"),
            None,
            200
        )
        .await),
        [c.as_str()]
    );
    assert_eq!(
        ids(&call(
            &admin,
            Method::GET,
            &format!("/data/concepts?project_id={p}"),
            None,
            200
        )
        .await),
        [c.as_str()]
    );
    assert_eq!(
        call(
            &admin,
            Method::GET,
            &format!("/data/concepts/{c}"),
            None,
            200
        )
        .await["name"],
        "Moodboard"
    );
    // A concept is not an asset, and its type is not an asset type.
    let assets = call(
        &admin,
        Method::GET,
        &format!("/data/projects/{p}/assets"),
        None,
        200,
    )
    .await;
    assert!(!ids(&assets).contains(&c.as_str()));
    let types = call(&admin, Method::GET, "/data/asset-types", None, 200).await;
    assert!(
        types
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["name"] != "Concept"),
        "{types}"
    );
    // Its tasks, their types and its previews by type.
    let concept_type = call(
        &admin,
        Method::GET,
        "/data/task-types?name=Concept",
        None,
        200,
    )
    .await[0]
        .clone();
    let task = call(
        &admin,
        Method::POST,
        "/data/tasks",
        Some(
            json!({"project_id": p, "entity_id": c, "task_type_id": id(&concept_type),
                    "task_status_id": "3c1e3b0e-8a33-4a43-9d57-5a8c8f000101"}),
        ),
        201,
    )
    .await;
    assert_eq!(
        ids(&call(
            &admin,
            Method::GET,
            &format!("/data/concepts/{c}/tasks"),
            None,
            200
        )
        .await),
        [id(&task).as_str()]
    );
    assert_eq!(
        call(
            &admin,
            Method::GET,
            &format!("/data/concepts/{c}/task-types"),
            None,
            200
        )
        .await[0]["name"],
        "Concept"
    );
    assert_eq!(
        call(
            &admin,
            Method::GET,
            &format!("/data/concepts/{c}/preview-files"),
            None,
            200
        )
        .await,
        json!({})
    );
    // Milestones are listed under their production.
    let milestone = call(
        &admin,
        Method::POST,
        "/data/milestones",
        Some(json!({"project_id": p, "name": "Animatic", "date": "2025-01-10"})),
        201,
    )
    .await;
    assert_eq!(
        ids(&call(
            &admin,
            Method::GET,
            &format!("/data/projects/{p}/milestones"),
            None,
            200
        )
        .await),
        [id(&milestone).as_str()]
    );
    let outsider = ts.client_as(Role::Artist).await;
    call(
        &outsider,
        Method::GET,
        &format!("/data/concepts/{c}"),
        None,
        404,
    )
    .await;
    call(
        &outsider,
        Method::GET,
        &format!("/data/projects/{p}/concepts"),
        None,
        404,
    )
    .await;
}
