//! Breakdown, casting, asset instances and output files through the named routes.

use super::{breakdown, call, id};
use drover_shared::Role;
use drover_tests::setup;
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn breakdown_casting_and_instances_follow_kitsu() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Casting").await;
    let (p, shot) = (&b.project, &b.shot);

    let shots = call(
        &admin,
        Method::GET,
        &format!("/data/shots/all?sequence_id={}&name=sh010", b.sequence),
        None,
        200,
    )
    .await;
    assert_eq!(shots[0]["sequence_name"], "SQ01");
    assert_eq!(shots[0]["project_name"], "Casting");
    let full = call(
        &admin,
        Method::GET,
        &format!("/data/shots/{shot}"),
        None,
        200,
    )
    .await;
    assert_eq!(
        (full["episode_id"].as_str(), full["frame_out"].as_i64()),
        (Some(b.episode.as_str()), Some(48))
    );
    // Its tasks as the with-tasks lists have them: Kitsu's shot page counts assignees.
    assert_eq!(full["tasks"][0]["id"], b.task.as_str());
    assert!(full["tasks"][0]["assignees"].is_array(), "{full}");
    assert_eq!(full["tasks"][0]["is_subscribed"], false);

    // Its frame range and name changes are kept as versions; one person's burst of changes
    // (frame out typed twice, then a rename) is one version, a later change another.
    let shot_path = format!("/data/shots/{shot}");
    let versions_path = format!("/data/shots/{shot}/versions");
    assert_eq!(
        call(&admin, Method::GET, &versions_path, None, 200).await,
        json!([])
    );
    for body in [
        json!({"data": {"frame_in": 1, "frame_out": 60}}),
        json!({"data": {"frame_in": 1, "frame_out": 72}}),
        json!({"name": "SH010B"}),
        json!({"description": "no frames changed"}),
    ] {
        call(&admin, Method::PUT, &shot_path, Some(body), 200).await;
    }
    let versions = call(&admin, Method::GET, &versions_path, None, 200).await;
    assert_eq!(versions.as_array().unwrap().len(), 1, "{versions}");
    assert_eq!(versions[0]["type"], "ShotVersion");
    assert_eq!(versions[0]["name"], "SH010");
    assert_eq!(versions[0]["data"]["frame_out"], 72);
    call(
        &admin,
        Method::PUT,
        &shot_path,
        Some(json!({"data": {"frame_in": 1, "frame_out": 80}})),
        200,
    )
    .await;
    let versions = call(&admin, Method::GET, &versions_path, None, 200).await;
    assert_eq!(versions.as_array().unwrap().len(), 2, "{versions}");
    assert_eq!(versions[0]["name"], "SH010B", "newest first");
    assert_eq!(versions[0]["data"]["frame_out"], 80);
    let stranger = ts.client_as(Role::Artist).await;
    call(&stranger, Method::GET, &versions_path, None, 404).await;
    call(
        &admin,
        Method::PUT,
        &shot_path,
        Some(json!({"name": "SH010"})),
        200,
    )
    .await;
    let tasks = call(
        &admin,
        Method::GET,
        &format!("/data/shots/{shot}/tasks"),
        None,
        200,
    )
    .await;
    assert_eq!(tasks[0]["task_type_name"], "Animation");
    assert_eq!(tasks[0]["entity_name"], "SH010");
    call(
        &admin,
        Method::GET,
        &format!("/data/episodes/{}/tasks", b.episode),
        None,
        200,
    )
    .await;

    // Casting: replaced as a whole, answered as sent, listed by asset.
    let casting = json!([{"asset_id": b.asset, "nb_occurences": 2, "label": "animate"}]);
    let sent = call(
        &admin,
        Method::PUT,
        &format!("/data/projects/{p}/entities/{shot}/casting"),
        Some(casting.clone()),
        200,
    )
    .await;
    assert_eq!(sent, casting);
    let cast = call(
        &admin,
        Method::GET,
        &format!("/data/projects/{p}/entities/{shot}/casting"),
        None,
        200,
    )
    .await;
    assert_eq!(
        (
            cast[0]["asset_name"].as_str(),
            cast[0]["nb_occurences"].as_i64()
        ),
        (Some("Hero"), Some(2))
    );
    call(
        &admin,
        Method::PUT,
        &format!("/data/projects/{p}/entities/{shot}/casting"),
        Some(json!({"no": 1})),
        400,
    )
    .await;
    let by_shot = call(
        &admin,
        Method::GET,
        &format!(
            "/data/projects/{p}/episodes/{}/sequences/all/casting",
            b.episode
        ),
        None,
        200,
    )
    .await;
    assert_eq!(by_shot[shot][0]["sequence_name"], "SQ01");

    // Assets inside assets, instances, sharing and scenes.
    let prop = call(
        &admin,
        Method::POST,
        &format!("/data/projects/{p}/asset-types/3c1e3b0e-8a33-4a43-9d57-5a8c8f000202/assets/new"),
        Some(json!({"name": "Sword"})),
        201,
    )
    .await;
    call(
        &admin,
        Method::PUT,
        &format!("/data/projects/{p}/entities/{}/casting", b.asset),
        Some(json!([{"asset_id": id(&prop), "nb_occurences": 1}])),
        200,
    )
    .await;
    let linked = call(
        &admin,
        Method::GET,
        &format!("/data/assets/{}/assets", b.asset),
        None,
        200,
    )
    .await;
    assert_eq!(linked[0]["name"], "Sword");
    let instance = call(
        &admin,
        Method::POST,
        &format!("/data/assets/{}/asset-asset-instances", b.asset),
        Some(json!({"asset_to_instantiate_id": id(&prop)})),
        201,
    )
    .await;
    assert_eq!(instance["name"], "Sword_0001");
    let on_shot = call(
        &admin,
        Method::POST,
        &format!("/data/shots/{shot}/asset-instances"),
        Some(json!({"asset_instance_id": id(&instance)})),
        201,
    )
    .await;
    assert_eq!(id(&on_shot), *shot);
    let instances = call(
        &admin,
        Method::GET,
        &format!("/data/shots/{shot}/asset-instances"),
        None,
        200,
    )
    .await;
    assert_eq!(instances[id(&prop)][0]["number"], 1);
    call(
        &admin,
        Method::POST,
        &format!("/data/shots/{shot}/asset-instances"),
        None,
        400,
    )
    .await;
    let shared = call(
        &admin,
        Method::POST,
        &format!(
            "/actions/projects/{p}/asset-types/3c1e3b0e-8a33-4a43-9d57-5a8c8f000201/assets/share"
        ),
        None,
        201,
    )
    .await;
    assert_eq!(shared[0]["is_shared"], true);
    let scene = call(
        &admin,
        Method::POST,
        "/data/scenes",
        Some(json!({"name": "SC01", "project_id": p})),
        201,
    )
    .await;
    let sourced = call(
        &admin,
        Method::POST,
        &format!("/data/scenes/{}/shots", id(&scene)),
        Some(json!({"shot_id": shot})),
        200,
    )
    .await;
    assert_eq!(sourced["source_id"], id(&scene));
    let made_from = call(
        &admin,
        Method::GET,
        &format!("/data/scenes/{}/shots", id(&scene)),
        None,
        200,
    )
    .await;
    assert_eq!(made_from[0]["id"], shot.as_str());
    // A layout scene made under the sequence is listed there, with its sequence.
    let layout = call(
        &admin,
        Method::POST,
        &format!("/data/projects/{p}/scenes"),
        Some(json!({"name": "SC02", "sequence_id": b.sequence})),
        201,
    )
    .await;
    let scenes = call(
        &admin,
        Method::GET,
        &format!("/data/sequences/{}/scenes", b.sequence),
        None,
        200,
    )
    .await;
    assert_eq!(scenes.as_array().unwrap().len(), 1);
    assert_eq!(scenes[0]["id"], layout["id"]);
    let read_back = call(
        &admin,
        Method::GET,
        &format!("/data/scenes/{}", id(&layout)),
        None,
        200,
    )
    .await;
    assert_eq!(read_back["sequence_id"], b.sequence.as_str());
    // The prop's instances: the one cast in the shot, and one placed in the layout scene.
    let in_shots = call(
        &admin,
        Method::GET,
        &format!("/data/assets/{}/shot-asset-instances", id(&prop)),
        None,
        200,
    )
    .await;
    assert_eq!(in_shots[shot.as_str()][0]["asset_id"], prop["id"]);
    let placed = call(
        &admin,
        Method::POST,
        "/data/asset-instances",
        Some(
            json!({"asset_id": id(&prop), "scene_id": id(&layout), "number": 1,
                    "name": "prop_0001"}),
        ),
        201,
    )
    .await;
    let in_scene = call(
        &admin,
        Method::GET,
        &format!("/data/scenes/{}/asset-instances", id(&layout)),
        None,
        200,
    )
    .await;
    assert_eq!(in_scene[id(&prop)][0]["id"], placed["id"]);
    let by_scene = call(
        &admin,
        Method::GET,
        &format!("/data/assets/{}/scene-asset-instances", id(&prop)),
        None,
        200,
    )
    .await;
    assert_eq!(by_scene[id(&layout)][0]["id"], placed["id"]);
    let cameras = call(
        &admin,
        Method::GET,
        &format!("/data/scenes/{}/camera-instances", id(&layout)),
        None,
        200,
    )
    .await;
    assert_eq!(cameras, json!({}), "a prop is no camera");

    // Output files need the project's file tree; then paths follow it.
    let output_type = call(
        &admin,
        Method::POST,
        "/data/output-types",
        Some(json!({"name": "Cache", "short_name": "cch"})),
        201,
    )
    .await;
    let task_type = call(
        &admin,
        Method::GET,
        "/data/task-types?name=Animation",
        None,
        200,
    )
    .await[0]
        .clone();
    let new_file = json!({"output_type_id": id(&output_type), "task_type_id": id(&task_type), "comment": "v1"});
    let path = format!("/data/entities/{shot}/output-files/new");
    let refused = call(&admin, Method::POST, &path, Some(new_file.clone()), 400).await;
    assert!(
        refused["message"].as_str().unwrap().contains("No tree"),
        "{refused}"
    );
    let tree = json!({"output": {"mountpoint": "/mnt", "root": "prod",
        "folder_path": {"shot": "<Project>/<Sequence>/<Shot>/<OutputType>", "asset": "<Project>/<AssetType>/<Asset>", "style": "lowercase"},
        "file_name": {"shot": "<Shot>_<OutputType>_v<Revision>", "asset": "<Asset>_v<Revision>", "style": "lowercase"}}});
    call(
        &admin,
        Method::PUT,
        &format!("/data/projects/{p}"),
        Some(json!({"file_tree": tree})),
        200,
    )
    .await;
    let made = call(&admin, Method::POST, &path, Some(new_file.clone()), 201).await;
    assert_eq!(
        made["path"],
        "/mnt/prod/casting/sq01/sh010/cache/sh010_cache_v001"
    );
    let second = call(&admin, Method::POST, &path, Some(new_file.clone()), 201).await;
    assert_eq!(second["revision"], 2);
    let mut duplicate = new_file.clone();
    duplicate["revision"] = json!(2);
    call(&admin, Method::POST, &path, Some(duplicate), 400).await;
    let instance_path = format!(
        "/data/asset-instances/{}/entities/{shot}/output-files/new",
        id(&instance)
    );
    call(
        &admin,
        Method::POST,
        &instance_path,
        Some(new_file.clone()),
        200,
    )
    .await;
    let mut unknown_type = new_file;
    unknown_type["output_type_id"] = json!(uuid::Uuid::new_v4().to_string());
    call(
        &admin,
        Method::POST,
        &instance_path,
        Some(unknown_type),
        400,
    )
    .await;
    let types = call(
        &admin,
        Method::GET,
        &format!("/data/entities/{shot}/output-types"),
        None,
        200,
    )
    .await;
    assert_eq!(types[0]["name"], "Cache");

    // Read back as gazu's `files` module does: the entity's own files newest first, the last
    // revision of each, the next number; the instance's apart; the project's.
    let get = |path: String| {
        let admin = admin.clone();
        async move { call(&admin, Method::GET, &path, None, 200).await }
    };
    let revisions = |list: &Value| -> Vec<i64> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|f| f["revision"].as_i64().unwrap())
            .collect()
    };
    let own = get(format!("/data/entities/{shot}/output-files")).await;
    assert_eq!(revisions(&own), [2, 1], "{own}");
    let last = get(format!("/data/entities/{shot}/output-files/last-revisions")).await;
    assert_eq!(revisions(&last), [2]);
    let narrowed = get(format!("/data/entities/{shot}/output-files?name=other")).await;
    assert_eq!(narrowed, json!([]));
    let next_body = json!({"output_type_id": id(&output_type), "task_type_id": id(&task_type)});
    let next = call(
        &admin,
        Method::POST,
        &format!("/data/entities/{shot}/output-files/next-revision"),
        Some(next_body.clone()),
        200,
    )
    .await;
    assert_eq!(next, json!({"next_revision": 3}));
    let inst = id(&instance);
    let of_instance = get(format!("/data/asset-instances/{inst}/output-files")).await;
    assert_eq!(revisions(&of_instance), [1]);
    let in_shot = format!("/data/asset-instances/{inst}/entities/{shot}");
    assert_eq!(
        revisions(&get(format!("{in_shot}/output-files/last-revisions")).await),
        [1]
    );
    assert_eq!(
        get(format!("{in_shot}/output-types")).await[0]["name"],
        "Cache"
    );
    let next = call(
        &admin,
        Method::POST,
        &format!("{in_shot}/output-files/next-revision"),
        Some(next_body),
        200,
    )
    .await;
    assert_eq!(next, json!({"next_revision": 2}));
    call(
        &admin,
        Method::POST,
        &format!("/data/entities/{shot}/output-files/next-revision"),
        Some(json!({})),
        400,
    )
    .await;
    let project_files = get(format!("/data/projects/{p}/output-files")).await;
    assert_eq!(
        project_files.as_array().unwrap().len(),
        2,
        "the instance's are apart"
    );

    // Working files: the task's newest first, the last of each name, the entity's.
    for revision in [1, 2] {
        call(
            &admin,
            Method::POST,
            "/data/working-files",
            Some(json!({"task_id": b.task, "entity_id": shot, "name": "main",
                        "revision": revision})),
            201,
        )
        .await;
    }
    let working = get(format!("/data/tasks/{}/working-files", b.task)).await;
    assert_eq!(revisions(&working), [2, 1]);
    let last = get(format!(
        "/data/tasks/{}/working-files/last-revisions",
        b.task
    ))
    .await;
    assert_eq!(last["main"]["revision"], 2);
    let of_entity = get(format!("/data/entities/{shot}/working-files?name=main")).await;
    assert_eq!(revisions(&of_entity), [2, 1]);

    // Someone off the production sees none of it.
    let outsider = ts.client_as(Role::Supervisor).await;
    for path in [
        format!("/data/entities/{shot}/output-files"),
        format!("/data/asset-instances/{inst}/output-files"),
        format!("/data/tasks/{}/working-files", b.task),
        format!("/data/projects/{p}/output-files"),
    ] {
        call(&outsider, Method::GET, &path, None, 404).await;
    }
}

#[tokio::test]
async fn tasks_are_made_in_bulk_on_a_list_as_kitsus_add_tasks_does() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Bulk").await;
    let p = &b.project;
    let layout = call(
        &admin,
        Method::GET,
        "/data/task-types?name=Layout",
        None,
        200,
    )
    .await[0]
        .clone();
    let layout = id(&layout);
    let shots = format!("/actions/projects/{p}/task-types/{layout}/shots/create-tasks");

    // Every shot of the production gets one, in the default status, named `main`.
    // Kitsu sends a bare list of ids, empty for "all of them".
    let made = call(&admin, Method::POST, &shots, Some(json!([])), 201).await;
    let made = made.as_array().unwrap();
    assert_eq!(made.len(), 1);
    assert_eq!(made[0]["entity_id"], b.shot.as_str());
    assert_eq!(made[0]["name"], "main");
    assert_eq!(made[0]["task_type_id"], layout.as_str());
    assert_eq!(
        made[0]["task_status_id"], "3c1e3b0e-8a33-4a43-9d57-5a8c8f000101",
        "Todo, the default"
    );
    // Again: nothing new, the shot has its task.
    let again = call(&admin, Method::POST, &shots, None, 201).await;
    assert_eq!(again, json!([]));
    // Named entities only; one of another production is refused, and nothing is made.
    let assets = format!("/actions/projects/{p}/task-types/{layout}/assets/create-tasks");
    let other = breakdown(&admin, "Elsewhere").await;
    call(
        &admin,
        Method::POST,
        &assets,
        Some(json!({"entity_ids": [b.asset, other.asset]})),
        400,
    )
    .await;
    let tasks = call(
        &admin,
        Method::GET,
        &format!("/data/tasks?entity_id={}", b.asset),
        None,
        200,
    )
    .await;
    assert_eq!(tasks, json!([]));
    let made = call(
        &admin,
        Method::POST,
        &assets,
        Some(json!({"entity_ids": [b.asset]})),
        201,
    )
    .await;
    assert_eq!(made[0]["entity_id"], b.asset.as_str());
    // Artists do not make tasks; a supervisor off the team learns nothing of the project;
    // a malformed body is refused; unknown kinds are not lists.
    let artist = ts.client_as(Role::Artist).await;
    call(&artist, Method::POST, &shots, None, 403).await;
    let outsider = ts.client_as(Role::Supervisor).await;
    call(&outsider, Method::POST, &shots, None, 404).await;
    call(
        &admin,
        Method::POST,
        &shots,
        Some(json!({"entity_ids": "all"})),
        400,
    )
    .await;
    call(
        &admin,
        Method::POST,
        &shots,
        Some(json!({"entity_ids": [7]})),
        400,
    )
    .await;
    call(
        &admin,
        Method::POST,
        &format!("/actions/projects/{p}/task-types/{layout}/persons/create-tasks"),
        None,
        404,
    )
    .await;
}
