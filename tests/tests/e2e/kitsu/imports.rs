//! Kitsu's CSV imports of assets and shots, as the production wizard and the Import buttons
//! send them: entities, sequences and episodes made from the rows, the production's tasks
//! made on them with the statuses the rows give, all of a file or none of it, and only by
//! the production's managers.

use super::{call, id, member, upload};
use drover_shared::Role;
use drover_tests::setup;
use reqwest::Method;
use serde_json::{Value, json};

const MODELING: &str = "3c1e3b0e-8a33-4a43-9d57-5a8c8f000502";
const ANIMATION: &str = "3c1e3b0e-8a33-4a43-9d57-5a8c8f000513";
const WIP: &str = "3c1e3b0e-8a33-4a43-9d57-5a8c8f000103";

fn names(list: &Value) -> Vec<&str> {
    let mut names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    names
}

#[tokio::test]
async fn assets_and_shots_are_imported_from_csv_all_or_nothing() {
    let (ts, admin) = setup().await;
    let project = call(
        &admin,
        Method::POST,
        "/data/projects",
        Some(json!({"name": "Imported"})),
        201,
    )
    .await;
    let p = id(&project);
    for task_type in [MODELING, ANIMATION] {
        call(
            &admin,
            Method::POST,
            &format!("/data/projects/{p}/settings/task-types"),
            Some(json!({"task_type_id": task_type})),
            201,
        )
        .await;
    }
    let assets_path = format!("/import/csv/projects/{p}/assets");
    let shots_path = format!("/import/csv/projects/{p}/shots");

    // The wizard's file: types and names, comma-separated.
    let (status, made) = upload(
        &admin,
        &assets_path,
        "import.csv",
        b"Type,Name\nCharacter,Hero\nProp,Sword\n,\n",
    )
    .await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(names(&made), ["Hero", "Sword"]);
    assert!(
        made.as_array()
            .unwrap()
            .iter()
            .all(|a| a["data"] == json!({}))
    );
    // Each has the production's asset task, in the default status.
    let hero = made
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "Hero")
        .unwrap();
    let tasks = call(
        &admin,
        Method::GET,
        &format!("/data/assets/{}/tasks", id(hero)),
        None,
        200,
    )
    .await;
    assert_eq!(tasks.as_array().unwrap().len(), 1, "{tasks}");
    assert_eq!(tasks[0]["task_type_id"], MODELING);

    // A spreadsheet's file: semicolons, frames, a status and a comment for Animation.
    let csv = "Sequence;Name;Frame In;Frame Out;FPS;Animation;Animation comment\n\
               SQ01;SH010;1;48;24;wip;blocking\n\
               SQ01;SH020;;;;;\n";
    let (status, shots) = upload(&admin, &shots_path, "shots.csv", csv.as_bytes()).await;
    assert_eq!(status, 201, "{shots}");
    assert_eq!(names(&shots), ["SH010", "SH020"]);
    let sh010 = shots
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "SH010")
        .unwrap();
    assert_eq!(sh010["data"]["frame_in"], 1);
    assert_eq!(sh010["data"]["frame_out"], 48);
    assert_eq!(sh010["data"]["fps"], "24");
    assert_eq!(sh010["nb_frames"], 48);
    let sequences = call(
        &admin,
        Method::GET,
        &format!("/data/projects/{p}/sequences"),
        None,
        200,
    )
    .await;
    assert_eq!(names(&sequences), ["SQ01"], "one sequence for both rows");
    let tasks = call(
        &admin,
        Method::GET,
        &format!("/data/shots/{}/tasks", id(sh010)),
        None,
        200,
    )
    .await;
    assert_eq!(tasks[0]["task_type_id"], ANIMATION);
    assert_eq!(tasks[0]["task_status_id"], WIP, "{tasks}");
    let comments = call(
        &admin,
        Method::GET,
        &format!("/data/tasks/{}/comments", id(&tasks[0])),
        None,
        200,
    )
    .await;
    assert_eq!(comments[0]["text"], "blocking");

    // A bad row refuses the whole file, with its line; the good row before it is not made.
    let (status, refused) = upload(
        &admin,
        &shots_path,
        "bad.csv",
        b"Sequence,Name,Frame In\nSQ02,SH030,1\nSQ02,SH040,soon\n",
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert!(
        refused["message"].as_str().unwrap().starts_with("line 3: "),
        "{refused}"
    );
    let all = call(
        &admin,
        Method::GET,
        &format!("/data/projects/{p}/shots"),
        None,
        200,
    )
    .await;
    assert_eq!(names(&all), ["SH010", "SH020"]);
    let (status, refused) = upload(
        &admin,
        &assets_path,
        "bad.csv",
        b"Type,Name\nDragons,Smaug\n",
    )
    .await;
    assert_eq!(status, 400, "an asset type the studio lacks: {refused}");

    // Imported again: nothing new, nothing changed, unless `update=true`.
    let again = b"Sequence,Name,Description\nSQ01,SH010,the opening\n";
    let (status, same) = upload(&admin, &shots_path, "again.csv", again).await;
    assert_eq!(
        (status.as_u16(), same[0]["id"].clone()),
        (201, sh010["id"].clone())
    );
    assert_ne!(same[0]["description"], "the opening");
    let (status, changed) = upload(
        &admin,
        &format!("{shots_path}?update=true"),
        "again.csv",
        again,
    )
    .await;
    assert_eq!(status, 201, "{changed}");
    assert_eq!(changed[0]["id"], sh010["id"]);
    assert_eq!(changed[0]["description"], "the opening");
    assert_eq!(changed[0]["data"]["frame_in"], 1, "the other values stay");

    // Only managers import (they see every production, as Drover's managers do); an
    // artist or a supervisor of the production is refused, and nothing is made.
    for role in [Role::Artist, Role::Supervisor] {
        let (member, _) = member(&ts, &admin, &p, role).await;
        let (status, _) = upload(
            &member,
            &shots_path,
            "x.csv",
            b"Sequence,Name\nSQ09,SH999\n",
        )
        .await;
        assert_eq!(status, 403, "{role:?}");
    }
    let all = call(
        &admin,
        Method::GET,
        &format!("/data/projects/{p}/shots"),
        None,
        200,
    )
    .await;
    assert_eq!(names(&all), ["SH010", "SH020"]);
    let (status, _) = upload(&admin, &shots_path, "x.csv", b"\xff\xfe,\x00\n\xff").await;
    assert_eq!(status, 400, "not UTF-8");
    // A file past the import bound (8 MiB) is refused before it is read.
    let mut huge = b"Sequence,Name\n".to_vec();
    huge.resize(9 * 1024 * 1024, b'x');
    let (status, _) = upload(&admin, &shots_path, "huge.csv", &huge).await;
    assert_eq!(status, 413);
}
