//! Kitsu's other CSV imports: edits, casting and a task type's estimations (by the
//! production's managers; estimations by its supervisors too, as Zou) and people (admins
//! only). Each file is all or nothing: a bad row refuses it with its line and nothing is
//! made.

use super::{call, id, member, names, upload};
use drover_shared::Role;
use drover_tests::setup;
use reqwest::Method;
use serde_json::{Value, json};

const MODELING: &str = "3c1e3b0e-8a33-4a43-9d57-5a8c8f000502";
const EDIT: &str = "3c1e3b0e-8a33-4a43-9d57-5a8c8f000521";
const WIP: &str = "3c1e3b0e-8a33-4a43-9d57-5a8c8f000103";

fn sorted(list: &Value) -> Vec<&str> {
    let mut names = names(list);
    names.sort_unstable();
    names
}

fn message(refused: &Value) -> &str {
    refused["message"].as_str().unwrap_or_default()
}

/// A production with these task types, its id.
async fn production(admin: &drover_shared::Client, task_types: &[&str]) -> String {
    let project = call(
        admin,
        Method::POST,
        "/data/projects",
        Some(json!({"name": format!("Imported {}", task_types.len())})),
        201,
    )
    .await;
    let p = id(&project);
    for task_type in task_types {
        call(
            admin,
            Method::POST,
            &format!("/data/projects/{p}/settings/task-types"),
            Some(json!({"task_type_id": task_type})),
            201,
        )
        .await;
    }
    p
}

#[tokio::test]
async fn edits_and_casting_are_imported_all_or_nothing() {
    let (ts, admin) = setup().await;
    let p = production(&admin, &[EDIT]).await;
    let edits_path = format!("/import/csv/projects/{p}/edits");

    let (status, edits) = upload(
        &admin,
        &edits_path,
        "edits.csv",
        b"Name,Description,Edit,Edit comment\nTrailer,first cut,wip,rough\nTeaser,,,\n",
    )
    .await;
    assert_eq!(status, 201, "{edits}");
    assert_eq!(sorted(&edits), ["Teaser", "Trailer"]);
    let trailer = edits.as_array().unwrap()[0].clone();
    assert_eq!(trailer["description"], "first cut");
    let tasks = call(
        &admin,
        Method::GET,
        &format!("/data/tasks?entity_id={}", id(&trailer)),
        None,
        200,
    )
    .await;
    assert_eq!(tasks[0]["task_type_id"], EDIT, "{tasks}");
    assert_eq!(tasks[0]["task_status_id"], WIP);

    // An episode in a production that has none refuses the file at its line.
    let (status, refused) = upload(
        &admin,
        &edits_path,
        "bad.csv",
        b"Name,Episode\nPromo,\nRecap,E01\n",
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert!(message(&refused).starts_with("line 3: "), "{refused}");
    let all = call(
        &admin,
        Method::GET,
        &format!("/data/projects/{p}/edits"),
        None,
        200,
    )
    .await;
    assert_eq!(sorted(&all), ["Teaser", "Trailer"], "Promo was not made");

    // Existing edits change only with update=true.
    let again = b"Name,Description\nTrailer,final cut\n";
    let (_, same) = upload(&admin, &edits_path, "again.csv", again).await;
    assert_eq!(same[0]["description"], "first cut");
    let (status, changed) = upload(
        &admin,
        &format!("{edits_path}?update=true"),
        "again.csv",
        again,
    )
    .await;
    assert_eq!(
        (status.as_u16(), &changed[0]["description"]),
        (201, &json!("final cut"))
    );

    // Casting: assets and a shot first, then the file Kitsu exports.
    let (status, _) = upload(
        &admin,
        &format!("/import/csv/projects/{p}/assets"),
        "assets.csv",
        b"Type,Name\nCharacter,Hero\nProp,Magic Sword\n",
    )
    .await;
    assert_eq!(status, 201);
    let (_, shots) = upload(
        &admin,
        &format!("/import/csv/projects/{p}/shots"),
        "shots.csv",
        b"Sequence,Name\nSQ01,SH010\n",
    )
    .await;
    let shot = id(&shots[0]);
    let casting_path = format!("/import/csv/projects/{p}/casting");
    let csv = "Parent,Name,Asset Type,Asset,Occurences,Label\n\
               SQ01,SH010,Character,Hero,2,\n\
               sq01,sh010,prop,magic sword,,animate\n\
               Character,Hero,Prop,Magic Sword,1,\n";
    let (status, links) = upload(&admin, &casting_path, "casting.csv", csv.as_bytes()).await;
    assert_eq!(status, 201, "{links}");
    assert_eq!(links.as_array().unwrap().len(), 3);
    assert_eq!(links[0]["entity_in_id"], shot.as_str());
    assert_eq!(links[1]["label"], "animate");
    let casting = call(
        &admin,
        Method::GET,
        &format!("/data/projects/{p}/entities/{shot}/casting"),
        None,
        200,
    )
    .await;
    let count = |casting: &Value, name: &str| {
        casting
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["asset_name"] == name)
            .map(|c| c["nb_occurences"].clone())
    };
    assert_eq!(count(&casting, "Hero"), Some(json!(2)), "{casting}");
    assert_eq!(count(&casting, "Magic Sword"), Some(json!(1)));
    let got = call(
        &admin,
        Method::GET,
        &format!("/data/shots/{shot}"),
        None,
        200,
    )
    .await;
    assert_eq!(got["nb_entities_out"], 2);

    // An asset the production lacks refuses the file; the good row before it changed nothing.
    let bad = b"Parent,Name,Asset Type,Asset,Occurences\nSQ01,SH010,Character,Hero,5\n\
                SQ01,SH010,Character,Nobody,1\n";
    let (status, refused) = upload(&admin, &casting_path, "bad.csv", bad).await;
    assert_eq!(status, 400, "{refused}");
    assert!(message(&refused).starts_with("line 3: "), "{refused}");
    let casting = call(
        &admin,
        Method::GET,
        &format!("/data/projects/{p}/entities/{shot}/casting"),
        None,
        200,
    )
    .await;
    assert_eq!(count(&casting, "Hero"), Some(json!(2)));
    let (status, _) = upload(
        &admin,
        &casting_path,
        "bad.csv",
        b"Parent,Name,Asset Type,Asset,Occurences\nSQ01,SH010,Character,Hero,many\n",
    )
    .await;
    assert_eq!(status, 400);

    // Artists and supervisors of the production are refused; nothing is made.
    for role in [Role::Artist, Role::Supervisor] {
        let (member, _) = member(&ts, &admin, &p, role).await;
        let (status, _) = upload(&member, &edits_path, "x.csv", b"Name\nOutsider\n").await;
        assert_eq!(status, 403, "{role:?}");
        let (status, _) = upload(&member, &casting_path, "x.csv", csv.as_bytes()).await;
        assert_eq!(status, 403, "{role:?}");
    }
    let all = call(
        &admin,
        Method::GET,
        &format!("/data/projects/{p}/edits"),
        None,
        200,
    )
    .await;
    assert_eq!(sorted(&all), ["Teaser", "Trailer"]);
}

#[tokio::test]
async fn estimations_are_imported_in_the_unit_kitsu_shows() {
    let (ts, admin) = setup().await;
    let p = production(&admin, &[MODELING]).await;
    let (status, _) = upload(
        &admin,
        &format!("/import/csv/projects/{p}/assets"),
        "assets.csv",
        b"Type,Name\nCharacter,Hero\nProp,Sword\n",
    )
    .await;
    assert_eq!(status, 201);
    let path = format!("/import/csv/projects/{p}/task-types/{MODELING}/estimations");

    // Days, at the studio's 8 hours a day: 2 days are 960 minutes; from a Friday, the due
    // date skips the weekend.
    let csv = b"Parent,Entity,Estimation,Start date,Difficulty,Drawings\n\
                Character,Hero,2,2024-01-05,4,12\nProp,Sword,0.5,,,\n";
    let (status, tasks) = upload(&admin, &path, "estimations.csv", csv).await;
    assert_eq!(status, 201, "{tasks}");
    assert_eq!(tasks[0]["estimation"], 960.0);
    assert_eq!(tasks[0]["start_date"], "2024-01-05T00:00:00");
    assert_eq!(tasks[0]["due_date"], "2024-01-08T00:00:00");
    assert_eq!(tasks[0]["difficulty"], 4);
    assert_eq!(tasks[0]["nb_drawings"], 12);
    assert_eq!(tasks[1]["estimation"], 240.0);

    // A row naming no asset refuses the file at its line; the row before it is not kept.
    let (status, refused) = upload(
        &admin,
        &path,
        "bad.csv",
        b"Parent,Entity,Estimation\nCharacter,Hero,9\nCharacter,Nobody,1\n",
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert!(message(&refused).starts_with("line 3: "), "{refused}");
    let task = call(
        &admin,
        Method::GET,
        &format!("/data/tasks/{}", tasks[0]["id"].as_str().unwrap()),
        None,
        200,
    )
    .await;
    assert_eq!(task["estimation"], 960.0);
    let (status, _) = upload(
        &admin,
        &path,
        "bad.csv",
        b"Parent,Entity,Difficulty\nCharacter,Hero,9\n",
    )
    .await;
    assert_eq!(status, 400, "difficulty is 1 to 5");

    // Durations shown in hours: the estimation is read in hours. The episode route with
    // `all` imports across the production.
    let organisation = call(&admin, Method::GET, "/data/organisations", None, 200).await;
    call(
        &admin,
        Method::PUT,
        &format!("/data/organisations/{}", id(&organisation[0])),
        Some(json!({"format_duration_in_hours": true})),
        200,
    )
    .await;
    let all = format!("/import/csv/projects/{p}/episodes/all/task-types/{MODELING}/estimations");
    let (status, tasks) = upload(
        &admin,
        &all,
        "hours.csv",
        b"Parent,Entity,Estimation\nCharacter,Hero,2.05\n",
    )
    .await;
    assert_eq!(status, 201, "{tasks}");
    assert_eq!(tasks[0]["estimation"], 123.0);

    // An artist of the production is refused; a supervisor of it (of every department)
    // imports, as in Zou.
    let (artist, _) = member(&ts, &admin, &p, Role::Artist).await;
    let (status, _) = upload(
        &artist,
        &path,
        "x.csv",
        b"Parent,Entity,Estimation\nProp,Sword,3\n",
    )
    .await;
    assert_eq!(status, 403);
    let (supervisor, _) = member(&ts, &admin, &p, Role::Supervisor).await;
    let (status, tasks) = upload(
        &supervisor,
        &path,
        "x.csv",
        b"Parent,Entity,Estimation\nProp,Sword,3\n",
    )
    .await;
    assert_eq!(status, 201, "{tasks}");
    assert_eq!(tasks[0]["estimation"], 180.0);
}

#[tokio::test]
async fn people_are_imported_by_admins_only() {
    let (ts, admin) = setup().await;
    let path = "/import/csv/persons";
    let csv = "First Name,Last Name,Email,Role,Contract Type,Country,Active\n\
               Ada,Lovelace,ada@example.com,Production Manager,Freelance,gb,\n\
               Alan,Turing,alan@example.com,,,,no\n";
    let (status, people) = upload(&admin, path, "people.csv", csv.as_bytes()).await;
    assert_eq!(status, 201, "{people}");
    assert_eq!(people[0]["role"], "manager");
    assert_eq!(people[0]["contract_type"], "freelance");
    assert_eq!(people[0]["country"], "GB");
    assert_eq!(people[1]["role"], "user", "an artist, as Kitsu names them");
    assert_eq!(people[1]["active"], false);
    assert!(people[0].get("password_hash").is_none());
    // Made without a password: nobody logs in as them until one is set.
    assert!(
        ts.anonymous
            .logged_in("ada@example.com", drover_tests::PASSWORD)
            .await
            .is_err()
    );

    // A bad e-mail refuses the file at its line; the row before it is not made.
    let bad = b"First Name,Email\nBob,bob@example.com\nCarl,jdoe\n";
    let (status, refused) = upload(&admin, path, "bad.csv", bad).await;
    assert_eq!(status, 400, "{refused}");
    assert!(message(&refused).starts_with("line 3: "), "{refused}");
    // One e-mail twice (whatever its case): refused with both lines.
    let twice = b"First Name,Email\nDee,dee@example.com\nDee,DEE@example.com\n";
    let (status, refused) = upload(&admin, path, "twice.csv", twice).await;
    assert_eq!(status, 400, "{refused}");
    assert!(message(&refused).starts_with("line 3: "), "{refused}");
    assert!(message(&refused).contains("line 2"), "{refused}");
    let (status, refused) = upload(
        &admin,
        path,
        "role.csv",
        b"First Name,Email,Role\nEve,eve@example.com,Boss\n",
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    let everyone = call(&admin, Method::GET, "/data/persons", None, 200).await;
    let emails: Vec<&str> = everyone
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["email"].as_str().unwrap_or_default())
        .collect();
    for absent in ["bob@example.com", "dee@example.com", "eve@example.com"] {
        assert!(!emails.contains(&absent), "{absent} was made");
    }

    // An existing person changes only with update=true.
    let again = b"First Name,Last Name,Email,Role\nAlan,Turing,ALAN@example.com,Supervisor\n";
    let (status, same) = upload(&admin, path, "again.csv", again).await;
    assert_eq!((status.as_u16(), &same[0]["role"]), (201, &json!("user")));
    let (status, changed) =
        upload(&admin, &format!("{path}?update=true"), "again.csv", again).await;
    assert_eq!(status, 201, "{changed}");
    assert_eq!(changed[0]["id"], people[1]["id"]);
    assert_eq!(changed[0]["role"], "supervisor");

    // Managers and artists are refused, and nothing is made.
    for role in [Role::Manager, Role::Artist] {
        let client = ts.client_as(role).await;
        let (status, _) = upload(
            &client,
            path,
            "x.csv",
            b"First Name,Email,Role\nMallory,mallory@example.com,Studio Manager\n",
        )
        .await;
        assert_eq!(status, 403, "{role:?}");
    }
    let everyone = call(&admin, Method::GET, "/data/persons", None, 200).await;
    assert!(
        !everyone
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["email"] == "mallory@example.com")
    );
}
