//! My productions and the production wizard, as Kitsu's web front end calls them: every
//! production with its status and descriptors, the wizard's settings in one call, the
//! pictures of productions and of the studio; and the breakdown's batch casting and the
//! shared assets a production uses.

use super::{breakdown, call, id, member, names, png, upload};
use drover_shared::Role;
use drover_tests::setup;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn the_productions_page_and_the_wizard_work_as_kitsu_calls_them() {
    let (ts, admin) = setup().await;
    let ours = breakdown(&admin, "Ours").await;
    breakdown(&admin, "Theirs").await;
    let (artist, _) = member(&ts, &admin, &ours.project, Role::Artist).await;

    // Every production for an admin, with its status's name and descriptors; an artist's
    // own only.
    let all = call(&admin, Method::GET, "/data/projects/all", None, 200).await;
    assert_eq!(names(&all), ["Ours", "Theirs"]);
    assert_eq!(all[0]["project_status_name"], "Open");
    assert!(all[0]["descriptors"].is_array());
    let mine = call(&artist, Method::GET, "/data/projects/all", None, 200).await;
    assert_eq!(names(&mine), ["Ours"]);

    // The wizard's one settings call: task types with priorities, statuses, asset types.
    let wizard = call(
        &admin,
        Method::POST,
        "/data/projects",
        Some(json!({"name": "Wizard", "production_type": "short"})),
        201,
    )
    .await;
    let w = id(&wizard);
    let task_types = call(&admin, Method::GET, "/data/task-types", None, 200).await;
    let (first, second) = (id(&task_types[0]), id(&task_types[1]));
    let statuses = call(&admin, Method::GET, "/data/task-status", None, 200).await;
    let status = id(&statuses[0]);
    let character = "3c1e3b0e-8a33-4a43-9d57-5a8c8f000201";
    let batch = format!("/data/projects/{w}/settings/batch");
    let body = json!({
        "task_types": [{"task_type_id": first, "priority": 2}, {"task_type_id": second},
                       {"task_type_id": uuid::Uuid::new_v4().to_string()}],
        "task_status_ids": [status],
        "asset_type_ids": [character],
    });
    let set = call(&admin, Method::POST, &batch, Some(body), 201).await;
    assert_eq!(set["id"], w.as_str());
    let linked = |setting: &'static str| {
        let admin = admin.clone();
        let w = w.clone();
        async move {
            let list = call(
                &admin,
                Method::GET,
                &format!("/data/projects/{w}/settings/{setting}"),
                None,
                200,
            )
            .await;
            let mut ids: Vec<String> = list
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_owned())
                .collect();
            ids.sort();
            ids
        }
    };
    let mut both = vec![first.clone(), second.clone()];
    both.sort();
    assert_eq!(
        linked("task-types").await,
        both,
        "the unknown id is skipped"
    );
    assert_eq!(linked("task-status").await, [status.as_str()]);
    assert_eq!(linked("asset-types").await, [character.to_owned()]);
    // Replacing keeps only what is listed; a priority is kept on the link.
    call(
        &admin,
        Method::POST,
        &batch,
        Some(
            json!({"task_types": [{"task_type_id": second, "priority": 5}],
                    "replace_task_types": true}),
        ),
        201,
    )
    .await;
    assert_eq!(linked("task-types").await, [second.as_str()]);
    let context = call(&admin, Method::GET, "/data/user/context", None, 200).await;
    let wizard_row = context["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == w.as_str())
        .unwrap()
        .clone();
    assert_eq!(wizard_row["task_types_priority"][&second], 5);
    // Malformed bodies are 400; an artist may not; someone off the team learns nothing.
    call(
        &admin,
        Method::POST,
        &batch,
        Some(json!({"task_types": "all"})),
        400,
    )
    .await;
    call(
        &admin,
        Method::POST,
        &batch,
        Some(json!({"task_types": [{"priority": 1}]})),
        400,
    )
    .await;
    call(&artist, Method::POST, &batch, Some(json!({})), 403).await;

    // A production's picture and the studio's logo.
    let picture = format!("/pictures/thumbnails/projects/{}", ours.project);
    let (status, row) = upload(&admin, &picture, "poster.png", &png()).await;
    assert_eq!(status, StatusCode::OK, "{row}");
    assert_eq!(row["has_avatar"], true);
    let got = reqwest::Client::new()
        .get(format!("{}{picture}.png", artist.api_url()))
        .bearer_auth(artist.token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), StatusCode::OK);
    let bytes = got.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\x89PNG"));
    let (status, _) = upload(&artist, &picture, "poster.png", &png()).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "an artist does not change the production"
    );
    let (status, _) = upload(&admin, &picture, "poster.png", b"not a picture").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let organisation = id(&call(&admin, Method::GET, "/data/organisations", None, 200).await[0]);
    let logo = format!("/pictures/thumbnails/organisations/{organisation}");
    let (status, row) = upload(&admin, &logo, "logo.png", &png()).await;
    assert_eq!(status, StatusCode::OK, "{row}");
    assert_eq!(row["has_avatar"], true);
    let (status, _) = upload(&artist, &logo, "logo.png", &png()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let got = reqwest::Client::new()
        .get(format!("{}{logo}.png", artist.api_url()))
        .bearer_auth(artist.token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), StatusCode::OK);
    let outsider = ts.client_as(Role::Artist).await;
    let got = reqwest::Client::new()
        .get(format!("{}{picture}.png", outsider.api_url()))
        .bearer_auth(outsider.token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn castings_are_set_in_batch_and_shared_assets_show_where_they_are_used() {
    let (ts, admin) = setup().await;
    let ours = breakdown(&admin, "Film").await;
    let library = breakdown(&admin, "Library").await;
    let p = &ours.project;
    // A second shot, and the library's asset shared.
    let shot2 = call(
        &admin,
        Method::POST,
        &format!("/data/projects/{p}/shots"),
        Some(json!({"name": "SH020", "sequence_id": ours.sequence})),
        201,
    )
    .await;
    call(
        &admin,
        Method::PUT,
        &format!("/data/entities/{}", library.asset),
        Some(json!({"is_shared": true})),
        200,
    )
    .await;

    // Two shots' castings at once.
    let set = call(
        &admin,
        Method::PUT,
        &format!("/data/projects/{p}/entities/casting"),
        Some(json!({
            ours.shot.clone(): [{"asset_id": ours.asset, "nb_occurences": 2}],
            id(&shot2): [{"asset_id": library.asset, "nb_occurences": 1, "label": "bg"}],
        })),
        200,
    )
    .await;
    assert_eq!(set[&ours.shot][0]["asset_id"], ours.asset.as_str());
    let casting = |shot: String| {
        let admin = admin.clone();
        let p = p.clone();
        async move {
            call(
                &admin,
                Method::GET,
                &format!("/data/projects/{p}/entities/{shot}/casting"),
                None,
                200,
            )
            .await
        }
    };
    assert_eq!(casting(ours.shot.clone()).await[0]["nb_occurences"], 2);
    assert_eq!(casting(id(&shot2)).await[0]["label"], "bg");

    // One asset into both shots, keeping what else they cast.
    let cast = call(
        &admin,
        Method::PUT,
        &format!("/data/projects/{p}/entities/casting/assets/{}", ours.asset),
        Some(json!({"entity_ids": [ours.shot, id(&shot2)], "nb_occurences": 3})),
        200,
    )
    .await;
    assert_eq!(cast[&id(&shot2)].as_array().unwrap().len(), 2, "{cast}");
    let first = casting(ours.shot.clone()).await;
    assert_eq!(first.as_array().unwrap().len(), 1);
    assert_eq!(
        first[0]["nb_occurences"], 3,
        "the count changes, no second link"
    );

    // The library's shared asset is used here; the production's own asset is not listed.
    let used = call(
        &admin,
        Method::GET,
        &format!("/data/projects/{p}/assets/shared-used"),
        None,
        200,
    )
    .await;
    assert_eq!(
        used.as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        [library.asset.as_str()]
    );
    let in_episode = call(
        &admin,
        Method::GET,
        &format!(
            "/data/projects/{p}/episodes/{}/assets/shared-used",
            ours.episode
        ),
        None,
        200,
    )
    .await;
    assert_eq!(in_episode, used);
    call(
        &admin,
        Method::GET,
        &format!(
            "/data/projects/{p}/episodes/{}/assets/shared-used",
            library.episode
        ),
        None,
        404,
    )
    .await;

    // Bad bodies are refused whole: nothing changed.
    call(
        &admin,
        Method::PUT,
        &format!("/data/projects/{p}/entities/casting"),
        Some(json!({ours.shot.clone(): [], id(&shot2): "none"})),
        400,
    )
    .await;
    assert_eq!(
        casting(ours.shot.clone()).await.as_array().unwrap().len(),
        1
    );
    call(
        &admin,
        Method::PUT,
        &format!("/data/projects/{p}/entities/casting/assets/{}", ours.asset),
        Some(json!({"entity_ids": "all"})),
        400,
    )
    .await;
    // Another production's shot is not this one's; an artist may not cast.
    call(
        &admin,
        Method::PUT,
        &format!("/data/projects/{p}/entities/casting"),
        Some(json!({library.shot.clone(): []})),
        404,
    )
    .await;
    let artist = ts.client_as(Role::Artist).await;
    call(
        &artist,
        Method::PUT,
        &format!("/data/projects/{p}/entities/casting"),
        Some(json!({})),
        403,
    )
    .await;
}

#[tokio::test]
async fn a_production_is_started_from_a_template_taken_from_another() {
    let (ts, admin) = setup().await;
    let source = breakdown(&admin, "Pilot").await;
    let s = &source.project;
    // The pilot's settings: a format, two task types (one with a priority), a status, an
    // asset type and a metadata column.
    call(
        &admin,
        Method::PUT,
        &format!("/data/projects/{s}"),
        Some(json!({"fps": "24", "resolution": "2048x858", "max_retakes": 3})),
        200,
    )
    .await;
    let task_types = call(&admin, Method::GET, "/data/task-types", None, 200).await;
    let (layout, lighting) = (id(&task_types[0]), id(&task_types[1]));
    let status = id(&call(&admin, Method::GET, "/data/task-status", None, 200).await[0]);
    call(
        &admin,
        Method::POST,
        &format!("/data/projects/{s}/settings/batch"),
        Some(
            json!({"task_types": [{"task_type_id": layout, "priority": 4},
                                   {"task_type_id": lighting}],
                    "task_status_ids": [status],
                    "asset_type_ids": ["3c1e3b0e-8a33-4a43-9d57-5a8c8f000201"]}),
        ),
        201,
    )
    .await;
    call(
        &admin,
        Method::POST,
        "/data/metadata-descriptors",
        Some(
            json!({"project_id": s, "entity_type": "Shot", "name": "Camera",
                    "field_name": "camera", "data_type": "string"}),
        ),
        201,
    )
    .await;

    // Taken as a template, then listed as the wizard lists them.
    let template = call(
        &admin,
        Method::POST,
        &format!("/data/project-templates/from-project/{s}"),
        Some(json!({"name": "Feature look", "description": "from the pilot"})),
        201,
    )
    .await;
    let t = id(&template);
    assert_eq!(template["fps"], "24");
    assert_eq!(template["max_retakes"], 3);
    assert_eq!(template["metadata_descriptors"][0]["field_name"], "camera");
    let templates = call(&admin, Method::GET, "/data/project-templates", None, 200).await;
    assert_eq!(names(&templates), ["Feature look"]);
    let types = call(
        &admin,
        Method::GET,
        &format!("/data/project-templates/{t}/task-types"),
        None,
        200,
    )
    .await;
    assert_eq!(types[0]["id"], layout.as_str());
    assert_eq!(types[0]["priority"], 4);
    assert_eq!(types.as_array().unwrap().len(), 2);
    // An admin adds an asset type to it, and takes a task type off.
    let prop = "3c1e3b0e-8a33-4a43-9d57-5a8c8f000202";
    let asset_types = call(
        &admin,
        Method::POST,
        &format!("/data/project-templates/{t}/asset-types"),
        Some(json!({"asset_type_id": prop})),
        201,
    )
    .await;
    assert_eq!(asset_types.as_array().unwrap().len(), 2);
    call(
        &admin,
        Method::DELETE,
        &format!("/data/project-templates/{t}/task-types/{lighting}"),
        None,
        204,
    )
    .await;

    // A new production started from it.
    let fresh = call(
        &admin,
        Method::POST,
        "/data/projects",
        Some(json!({"name": "Feature"})),
        201,
    )
    .await;
    let f = id(&fresh);
    let applied = call(
        &admin,
        Method::POST,
        &format!("/data/projects/{f}/apply-template/{t}"),
        None,
        200,
    )
    .await;
    assert_eq!(applied["fps"], "24");
    assert_eq!(applied["resolution"], "2048x858");
    let settings = |name: &'static str| {
        let admin = admin.clone();
        let f = f.clone();
        async move {
            call(
                &admin,
                Method::GET,
                &format!("/data/projects/{f}/settings/{name}"),
                None,
                200,
            )
            .await
            .as_array()
            .unwrap()
            .len()
        }
    };
    assert_eq!(settings("task-types").await, 1);
    assert_eq!(settings("task-status").await, 1);
    assert_eq!(settings("asset-types").await, 2);
    let context = call(&admin, Method::GET, "/data/user/context", None, 200).await;
    let row = context["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == f.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["task_types_priority"][&layout], 4);
    let descriptors = call(
        &admin,
        Method::GET,
        &format!("/data/projects/{f}/metadata-descriptors"),
        None,
        200,
    )
    .await;
    assert_eq!(descriptors[0]["field_name"], "camera");
    // Applied twice, nothing is made twice.
    call(
        &admin,
        Method::POST,
        &format!("/data/projects/{f}/apply-template/{t}"),
        None,
        200,
    )
    .await;
    let again = call(
        &admin,
        Method::GET,
        &format!("/data/projects/{f}/metadata-descriptors"),
        None,
        200,
    )
    .await;
    assert_eq!(again.as_array().unwrap().len(), 1);

    // Admins shape templates; a manager applies them; an artist does neither.
    let manager = ts.client_as(Role::Manager).await;
    call(
        &manager,
        Method::POST,
        &format!("/data/project-templates/{t}/asset-types"),
        Some(json!({"asset_type_id": prop})),
        403,
    )
    .await;
    call(
        &manager,
        Method::POST,
        &format!("/data/projects/{f}/apply-template/{t}"),
        None,
        200,
    )
    .await;
    let artist = ts.client_as(Role::Artist).await;
    call(
        &artist,
        Method::POST,
        &format!("/data/projects/{f}/apply-template/{t}"),
        None,
        403,
    )
    .await;
    call(
        &admin,
        Method::GET,
        &format!("/data/project-templates/{t}/budgets"),
        None,
        404,
    )
    .await;
    call(
        &admin,
        Method::POST,
        &format!("/data/project-templates/{t}/task-types"),
        Some(json!({})),
        400,
    )
    .await;
}

#[tokio::test]
async fn the_news_feed_lists_each_comment_newest_first_with_its_change_and_preview() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Newsroom").await;
    let p = &b.project;
    let statuses = call(&admin, Method::GET, "/data/task-status", None, 200).await;
    let todo = "3c1e3b0e-8a33-4a43-9d57-5a8c8f000101";
    let other = statuses
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] != todo && s["is_done"] == false)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let first = call(
        &admin,
        Method::POST,
        &format!("/actions/tasks/{}/comment", b.task),
        Some(json!({"task_status_id": todo, "comment": "notes"})),
        201,
    )
    .await;
    let second = call(
        &admin,
        Method::POST,
        &format!("/actions/tasks/{}/comment", b.task),
        Some(json!({"task_status_id": other, "comment": "moving on"})),
        201,
    )
    .await;
    let preview = call(
        &admin,
        Method::POST,
        &format!(
            "/actions/tasks/{}/comments/{}/add-preview",
            b.task,
            id(&second)
        ),
        Some(json!({})),
        201,
    )
    .await;

    let feed = call(
        &admin,
        Method::GET,
        &format!("/data/projects/{p}/news"),
        None,
        200,
    )
    .await;
    assert_eq!(feed["total"], 2, "{feed}");
    let newest = &feed["data"][0];
    assert_eq!(newest["comment_id"], second["id"]);
    assert_eq!(newest["change"], true);
    assert_eq!(newest["task_status_id"], other.as_str());
    assert_eq!(newest["preview_file_id"], preview["id"]);
    assert_eq!(newest["full_entity_name"], "E01 / SQ01 / SH010");
    assert_eq!(newest["type"], "News");
    assert_eq!(feed["data"][1]["comment_id"], first["id"]);
    assert_eq!(feed["data"][1]["change"], false);
    assert_eq!(feed["stats"][todo], 1);
    assert_eq!(feed["stats"][&other], 1);
    // Narrowed and paged.
    let with_preview = call(
        &admin,
        Method::GET,
        &format!("/data/projects/{p}/news?only_preview=true"),
        None,
        200,
    )
    .await;
    assert_eq!(with_preview["total"], 1);
    let second_page = call(
        &admin,
        Method::GET,
        &format!("/data/projects/{p}/news?page_size=1&page=2"),
        None,
        200,
    )
    .await;
    assert_eq!(second_page["data"][0]["comment_id"], first["id"]);
    assert_eq!(second_page["total"], 2);
    let of_status = call(
        &admin,
        Method::GET,
        &format!("/data/projects/{p}/news?task_status_id={todo}"),
        None,
        200,
    )
    .await;
    assert_eq!(of_status["total"], 1);
    // The studio's feed, and one item.
    let studio = call(&admin, Method::GET, "/data/projects/news", None, 200).await;
    assert_eq!(studio["total"], 2);
    let one = call(
        &admin,
        Method::GET,
        &format!("/data/projects/{p}/news/{}", newest["id"].as_str().unwrap()),
        None,
        200,
    )
    .await;
    assert_eq!(one["comment_id"], second["id"]);

    // Refusals: a client, someone off the production, bad pages and dates.
    let client = ts.client_as(Role::Client).await;
    call(&client, Method::GET, "/data/projects/news", None, 403).await;
    let outsider = ts.client_as(Role::Artist).await;
    call(
        &outsider,
        Method::GET,
        &format!("/data/projects/{p}/news"),
        None,
        404,
    )
    .await;
    assert_eq!(
        call(&outsider, Method::GET, "/data/projects/news", None, 200).await["total"],
        0
    );
    for query in ["page=0", "page_size=x", "after=yesterday"] {
        call(
            &admin,
            Method::GET,
            &format!("/data/projects/{p}/news?{query}"),
            None,
            400,
        )
        .await;
    }
    call(
        &admin,
        Method::GET,
        &format!("/data/projects/{p}/news/{}", uuid::Uuid::new_v4()),
        None,
        404,
    )
    .await;
}
