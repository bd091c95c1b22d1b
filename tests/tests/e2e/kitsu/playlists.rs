//! The review room: a playlist read with its entries' previews, entities added to it, a
//! throw-away playlist built from tasks, and a preview's annotations and position, each with
//! its refusals.

use super::{breakdown, call, id, join, png, upload};
use drover_shared::{Client, Role};
use drover_tests::setup;
use reqwest::Method;
use serde_json::{Value, json};

/// A comment on `task` with a new preview revision; answers the preview.
async fn preview(who: &Client, task: &str, wfa: &str) -> Value {
    let comment = call(
        who,
        Method::POST,
        &format!("/actions/tasks/{task}/comment"),
        Some(json!({"task_status_id": wfa, "comment": "take"})),
        201,
    )
    .await;
    call(
        who,
        Method::POST,
        &format!(
            "/actions/tasks/{task}/comments/{}/add-preview",
            id(&comment)
        ),
        Some(json!({})),
        201,
    )
    .await
}

#[tokio::test]
#[allow(clippy::too_many_lines)]
async fn playlists_fill_and_show_the_review_room() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Dailies").await;
    let p = &b.project;
    let other = breakdown(&admin, "Elsewhere").await;
    let artist = ts.client_as(Role::Artist).await;
    let artist_id = join(&admin, p, &artist).await;
    let outsider = ts.client_as(Role::Supervisor).await;
    let supervisor = ts.client_as(Role::Supervisor).await;
    join(&admin, p, &supervisor).await;
    let vendor = ts.client_as(Role::Vendor).await;
    join(&admin, p, &vendor).await;
    let client = ts.client_as(Role::Client).await;
    join(&admin, p, &client).await;
    call(
        &admin,
        Method::PUT,
        &format!("/actions/persons/{artist_id}/assign"),
        Some(json!({"task_ids": [b.task]})),
        200,
    )
    .await;
    let wfa = id(&call(
        &admin,
        Method::GET,
        "/data/task-status?short_name=wfa",
        None,
        200,
    )
    .await[0]);
    // Two revisions of the shot's animation, one of the asset's modeling.
    let first = preview(&artist, &b.task, &wfa).await;
    let second = preview(&artist, &b.task, &wfa).await;
    assert_eq!(second["revision"], 2);
    let (pf1, pf2) = (id(&first), id(&second));
    let modeling = id(&call(
        &admin,
        Method::GET,
        "/data/task-types?name=Modeling",
        None,
        200,
    )
    .await[0]);
    let todo = "3c1e3b0e-8a33-4a43-9d57-5a8c8f000101";
    let asset_task = id(&call(
        &admin,
        Method::POST,
        "/data/tasks",
        Some(
            json!({"project_id": p, "entity_id": b.asset, "task_type_id": modeling,
                    "task_status_id": todo}),
        ),
        201,
    )
    .await);
    let asset_preview = id(&preview(&admin, &asset_task, &wfa).await);

    let playlist = call(
        &admin,
        Method::POST,
        "/data/playlists",
        // As Kitsu's "Add a playlist" sends it, left on "All" task types.
        Some(
            json!({"name": "Dailies 1", "project_id": p, "for_client": false,
                    "for_entity": "shot", "is_for_all": false, "task_type_id": ""}),
        ),
        201,
    )
    .await;
    assert_eq!(playlist["task_type_id"], Value::Null);
    let pl = id(&playlist);
    let add = format!("/actions/playlists/{pl}/add-entities");

    // An entity without a preview named gets its latest; the same couple is added once.
    let filled = call(
        &admin,
        Method::POST,
        &add,
        Some(json!({"entities": [{"entity_id": b.shot}, {"entity_id": b.shot}]})),
        200,
    )
    .await;
    assert_eq!(
        filled["shots"],
        json!([{"entity_id": b.shot, "preview_file_id": pf2}])
    );
    // An older revision is another entry; another entity's preview is unpinned (the
    // latest again, already there).
    let filled = call(
        &admin,
        Method::POST,
        &add,
        Some(json!({"entities": [
            {"entity_id": b.shot, "preview_file_id": pf1},
            {"entity_id": b.shot, "preview_file_id": asset_preview},
        ]})),
        200,
    )
    .await;
    assert_eq!(filled["shots"].as_array().unwrap().len(), 2);
    assert_eq!(filled["shots"][1]["preview_file_id"], pf1.as_str());
    // gazu's add_entity_to_playlist.
    let filled = call(
        &admin,
        Method::POST,
        &format!("/actions/playlists/{pl}/add-entity"),
        Some(json!({"entity_id": b.asset, "preview_file_id": ""})),
        200,
    )
    .await;
    assert_eq!(
        filled["shots"][2],
        json!({"entity_id": b.asset, "preview_file_id": asset_preview})
    );

    // Who may add: managers and the supervisor who made the playlist; not artists, not
    // another supervisor, nobody off the team.
    let one = Some(json!({"entities": [{"entity_id": b.shot}]}));
    call(&artist, Method::POST, &add, one.clone(), 403).await;
    call(&supervisor, Method::POST, &add, one.clone(), 403).await;
    call(&outsider, Method::POST, &add, one.clone(), 404).await;
    let own = call(
        &supervisor,
        Method::POST,
        "/data/playlists",
        Some(json!({"name": "Supervisor's", "project_id": p})),
        201,
    )
    .await;
    call(
        &supervisor,
        Method::POST,
        &format!("/actions/playlists/{}/add-entities", id(&own)),
        one.clone(),
        200,
    )
    .await;
    // Malformed ids and bodies.
    call(
        &admin,
        Method::POST,
        "/actions/playlists/nope/add-entities",
        one.clone(),
        400,
    )
    .await;
    let unknown = uuid::Uuid::new_v4();
    call(
        &admin,
        Method::POST,
        &format!("/actions/playlists/{unknown}/add-entities"),
        one.clone(),
        404,
    )
    .await;
    for body in [
        json!({}),
        json!({"entities": []}),
        json!({"entities": "x"}),
        json!({"entities": [{"entity_id": "nope"}]}),
        json!({"entities": [{"preview_file_id": pf1}]}),
        json!({"entities": [7]}),
        json!({"entities": [{"entity_id": b.shot, "preview_file_id": 3}]}),
        json!({"entities": [{"entity_id": other.shot}]}),
        json!({"entities": [{"entity_id": unknown}]}),
    ] {
        call(&admin, Method::POST, &add, Some(body), 400).await;
    }
    call(
        &admin,
        Method::POST,
        &format!("/actions/playlists/{pl}/add-entity"),
        Some(json!({"preview_file_id": pf1})),
        400,
    )
    .await;

    // The review room reads it: each entry with its preview and every preview of its
    // entity by task type, newest revision first, annotations left out.
    let path = format!("/data/projects/{p}/playlists/{pl}");
    let read = call(&artist, Method::GET, &path, None, 200).await;
    assert_eq!(read["id"], pl.as_str());
    assert_eq!(read["build_jobs"], json!([]));
    let shots = read["shots"].as_array().unwrap();
    assert_eq!(shots.len(), 3);
    assert_eq!(shots[0]["id"], b.shot.as_str());
    assert_eq!(shots[0]["preview_file_revision"], 2);
    assert_eq!(shots[0]["preview_file_task_id"], b.task.as_str());
    assert_eq!(shots[0]["preview_file_previews"], json!([]));
    assert!(shots[0].get("preview_file_annotations").is_none());
    assert_eq!(shots[1]["preview_file_revision"], 1);
    let animation = shots[0]["preview_files"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap()
        .as_array()
        .unwrap();
    let revisions: Vec<&Value> = animation.iter().map(|p| &p["revision"]).collect();
    assert_eq!(revisions, [&json!(2), &json!(1)]);
    assert!(animation[0].get("annotations").is_none());
    assert_eq!(
        shots[2]["preview_files"][&modeling][0]["id"],
        asset_preview.as_str()
    );
    // Refusals: off the team 404, vendors 403, clients unless shared with them 403, a
    // playlist of another project 404, malformed ids 400.
    call(&outsider, Method::GET, &path, None, 404).await;
    call(&vendor, Method::GET, &path, None, 403).await;
    call(&client, Method::GET, &path, None, 403).await;
    call(
        &admin,
        Method::PUT,
        &format!("/data/playlists/{pl}"),
        Some(json!({"for_client": true})),
        200,
    )
    .await;
    call(&client, Method::GET, &path, None, 200).await;
    call(
        &admin,
        Method::GET,
        &format!("/data/projects/{}/playlists/{pl}", other.project),
        None,
        404,
    )
    .await;
    call(
        &admin,
        Method::GET,
        &format!("/data/projects/{p}/playlists/nope"),
        None,
        400,
    )
    .await;
    call(
        &admin,
        Method::GET,
        &format!("/data/projects/{p}/playlists/{unknown}"),
        None,
        404,
    )
    .await;
    // The project's list still answers beside it.
    let listed = call(
        &admin,
        Method::GET,
        &format!("/data/projects/{p}/playlists"),
        None,
        200,
    )
    .await;
    assert_eq!(listed.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn temp_playlists_are_built_from_tasks() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Temp").await;
    let p = &b.project;
    let wfa = id(&call(
        &admin,
        Method::GET,
        "/data/task-status?short_name=wfa",
        None,
        200,
    )
    .await[0]);
    let shot_preview = id(&preview(&admin, &b.task, &wfa).await);
    // Uploaded, it is the task's last preview.
    let (status, _) = upload(
        &admin,
        &format!("/pictures/preview-files/{shot_preview}"),
        "frame.png",
        &png(),
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::CREATED);
    let modeling = id(&call(
        &admin,
        Method::GET,
        "/data/task-types?name=Modeling",
        None,
        200,
    )
    .await[0]);
    let asset_task = id(&call(
        &admin,
        Method::POST,
        "/data/tasks",
        Some(
            json!({"project_id": p, "entity_id": b.asset, "task_type_id": modeling,
                    "task_status_id": "3c1e3b0e-8a33-4a43-9d57-5a8c8f000101"}),
        ),
        201,
    )
    .await);
    let path = format!("/data/projects/{p}/playlists/temp");
    let body = Some(json!({"task_ids": [b.task, asset_task]}));
    let entries = call(&admin, Method::POST, &path, body.clone(), 200).await;
    let shot = &entries[0];
    assert_eq!(
        (
            &shot["id"],
            &shot["name"],
            &shot["parent_name"],
            &shot["sequence_name"]
        ),
        (
            &json!(b.shot),
            &json!("SH010"),
            &json!("SQ01"),
            &json!("SQ01")
        )
    );
    assert_eq!(shot["preview_file_id"], shot_preview.as_str());
    assert_eq!(shot["preview_file_task_id"], b.task.as_str());
    assert_eq!(shot["preview_file_annotations"], json!([]));
    assert_eq!(shot["episode_name"], "");
    let asset = &entries[1];
    assert_eq!(asset["asset_type_name"], "Character");
    assert_eq!(asset["parent_name"], "Character");
    assert!(asset.get("preview_file_id").is_none(), "{asset}");
    assert_eq!(asset["preview_files"], json!({}));
    // Sorted: by episode, sequence, asset type, name (the asset has no sequence).
    let sorted = call(
        &admin,
        Method::POST,
        &format!("{path}?sort=true"),
        body,
        200,
    )
    .await;
    assert_eq!(sorted[0]["id"], b.asset.as_str());
    // An entity stands for its latest reviewed task with a preview.
    let by_entity = call(
        &admin,
        Method::POST,
        &path,
        Some(json!({"entity_ids": [b.shot, b.asset]})),
        200,
    )
    .await;
    assert_eq!(by_entity.as_array().unwrap().len(), 1);
    assert_eq!(by_entity[0]["preview_file_task_id"], b.task.as_str());
    call(&admin, Method::POST, &path, Some(json!({})), 200).await;
    // Refusals.
    let outsider = ts.client_as(Role::Artist).await;
    call(
        &outsider,
        Method::POST,
        &path,
        Some(json!({"task_ids": [b.task]})),
        404,
    )
    .await;
    for bad in [
        json!({"task_ids": "x"}),
        json!({"task_ids": ["nope"]}),
        json!({"task_ids": [3]}),
        json!({"entity_ids": ["nope"]}),
    ] {
        call(&admin, Method::POST, &path, Some(bad), 400).await;
    }
    let other = breakdown(&admin, "Other").await;
    call(
        &admin,
        Method::POST,
        &path,
        Some(json!({"task_ids": [other.task]})),
        400,
    )
    .await;
    call(
        &admin,
        Method::POST,
        "/data/projects/nope/playlists/temp",
        Some(json!({})),
        400,
    )
    .await;
}

#[tokio::test]
#[allow(clippy::too_many_lines)]
async fn previews_are_annotated_and_reordered() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Notes").await;
    let p = &b.project;
    let artist = ts.client_as(Role::Artist).await;
    let artist_id = join(&admin, p, &artist).await;
    call(
        &admin,
        Method::PUT,
        &format!("/actions/persons/{artist_id}/assign"),
        Some(json!({"task_ids": [b.task]})),
        200,
    )
    .await;
    let bystander = ts.client_as(Role::Artist).await;
    join(&admin, p, &bystander).await;
    let supervisor = ts.client_as(Role::Supervisor).await;
    join(&admin, p, &supervisor).await;
    let client = ts.client_as(Role::Client).await;
    join(&admin, p, &client).await;
    let outsider = ts.client_as(Role::Supervisor).await;
    let wfa = id(&call(
        &admin,
        Method::GET,
        "/data/task-status?short_name=wfa",
        None,
        200,
    )
    .await[0]);
    let comment = call(
        &artist,
        Method::POST,
        &format!("/actions/tasks/{}/comment", b.task),
        Some(json!({"task_status_id": wfa, "comment": "two frames"})),
        201,
    )
    .await;
    let first = id(&call(
        &artist,
        Method::POST,
        &format!(
            "/actions/tasks/{}/comments/{}/add-preview",
            b.task,
            id(&comment)
        ),
        Some(json!({})),
        201,
    )
    .await);
    let second = id(&call(
        &artist,
        Method::POST,
        &format!(
            "/actions/tasks/{}/comments/{}/preview-files/{first}",
            b.task,
            id(&comment)
        ),
        Some(json!({})),
        201,
    )
    .await);

    // Annotations: added by time, merged by object id, updated, deleted.
    let path = format!("/actions/preview-files/{first}/update-annotations");
    let drawn = call(
        &admin,
        Method::PUT,
        &path,
        Some(json!({"additions": [
            {"time": 0.5, "frame": 12, "drawing": {"objects": [{"id": "o1", "type": "path"}]}},
        ]})),
        200,
    )
    .await;
    assert_eq!(drawn["id"], first.as_str());
    assert_eq!(drawn["annotations"][0]["drawing"]["objects"][0]["id"], "o1");
    let drawn = call(
        &client,
        Method::PUT,
        &path,
        Some(json!({
            "additions": [{"time": 0.5, "drawing": {"objects": [{"type": "text"}]}}],
            "updates": [{"time": 0.5, "drawing": {"objects": [{"id": "o1", "type": "line"}]}}],
        })),
        200,
    )
    .await;
    let objects = drawn["annotations"][0]["drawing"]["objects"]
        .as_array()
        .unwrap();
    assert_eq!(objects.len(), 2);
    assert_eq!(objects[0]["type"], "text");
    assert!(!objects[0]["id"].as_str().unwrap().is_empty());
    assert_eq!(objects[1], json!({"id": "o1", "type": "line"}));
    let given = objects[0]["id"].clone();
    let drawn = call(
        &supervisor,
        Method::PUT,
        &path,
        Some(json!({"deletions": [{"time": 0.5, "objects": ["o1", given]}]})),
        200,
    )
    .await;
    assert_eq!(drawn["annotations"], json!([]));
    // Refusals: artists 403, off the team 404, malformed ids and bodies 400.
    let one = Some(json!({"additions": [{"time": 1, "drawing": {"objects": []}}]}));
    call(&artist, Method::PUT, &path, one.clone(), 403).await;
    call(&outsider, Method::PUT, &path, one.clone(), 404).await;
    call(
        &admin,
        Method::PUT,
        "/actions/preview-files/nope/update-annotations",
        one.clone(),
        400,
    )
    .await;
    call(
        &admin,
        Method::PUT,
        &format!(
            "/actions/preview-files/{}/update-annotations",
            uuid::Uuid::new_v4()
        ),
        one,
        404,
    )
    .await;
    for bad in [
        json!({"additions": "x"}),
        json!({"additions": [3]}),
        json!({"additions": [{"frame": 3}]}),
        json!({"updates": [{"time": [1]}]}),
        json!({"deletions": {}}),
    ] {
        call(&admin, Method::PUT, &path, Some(bad), 400).await;
    }

    // Position: the second picture moved first; the revision numbered again.
    let path = format!("/actions/preview-files/{second}/update-position");
    let moved = call(
        &artist,
        Method::PUT,
        &path,
        Some(json!({"position": 1})),
        200,
    )
    .await;
    let order: Vec<(&Value, &Value)> = moved
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (&p["id"], &p["position"]))
        .collect();
    assert_eq!(
        order,
        [(&json!(second), &json!(1)), (&json!(first), &json!(2))]
    );
    // Out of range: nothing moves.
    let kept = call(
        &client,
        Method::PUT,
        &path,
        Some(json!({"position": 9})),
        200,
    )
    .await;
    assert_eq!(kept[0]["id"], second.as_str());
    call(
        &bystander,
        Method::PUT,
        &path,
        Some(json!({"position": 2})),
        403,
    )
    .await;
    call(
        &outsider,
        Method::PUT,
        &path,
        Some(json!({"position": 2})),
        404,
    )
    .await;
    for bad in [
        json!({"position": -1}),
        json!({"position": "x"}),
        json!({"position": 1.5}),
    ] {
        call(&artist, Method::PUT, &path, Some(bad), 400).await;
    }
    call(
        &artist,
        Method::PUT,
        "/actions/preview-files/nope/update-position",
        Some(json!({"position": 1})),
        400,
    )
    .await;
}
