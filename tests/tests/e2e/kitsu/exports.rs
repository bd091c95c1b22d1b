//! Kitsu's casting and playlist CSV exports, a person's quota shots by week, month and
//! year, sharing assets with the other productions, and a team member's production role:
//! each answered as Zou answers it, and refused to those Zou refuses (people off the team,
//! vendors, artists where Zou keeps a route to supervisors, clients where it keeps it from
//! them), with a 400 for a malformed request.

use super::{breakdown, call, id, member};
use drover_shared::{Client, Role};
use drover_tests::setup;
use reqwest::Method;
use serde_json::{Value, json};

/// A CSV answer: its status, `Content-Disposition` and lines (`;`-separated).
async fn csv_of(client: &Client, path: &str) -> (u16, String, Vec<Vec<String>>) {
    let answer = reqwest::Client::new()
        .get(format!("{}{path}", client.api_url()))
        .bearer_auth(client.token().unwrap())
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    let disposition = answer
        .headers()
        .get("content-disposition")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = answer.text().await.unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let lines = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (status, disposition, lines)
}

async fn status(client: &Client, method: Method, path: &str, body: Option<Value>) -> u16 {
    client
        .raw(method, path, body.as_ref())
        .await
        .unwrap()
        .status
        .as_u16()
}

#[tokio::test]
async fn the_casting_exports_as_kitsus_csv_to_the_team() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Cast List").await;
    let p = &b.project;
    call(
        &admin,
        Method::PUT,
        &format!("/data/projects/{p}/entities/{}/casting", b.shot),
        Some(json!([{"asset_id": b.asset, "nb_occurences": 2, "label": "animate"}])),
        200,
    )
    .await;
    let path = format!("/export/csv/projects/{p}/casting.csv?is_shot_casting=true");
    let (code, disposition, lines) = csv_of(&admin, &path).await;
    assert_eq!(code, 200);
    assert_eq!(
        disposition,
        "attachment; filename=kitsu_cast_list_casting.csv"
    );
    assert_eq!(
        lines[0],
        [
            "Parent",
            "Name",
            "Asset Type",
            "Asset",
            "Occurences",
            "Label"
        ]
    );
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[1][0], "SQ01");
    assert_eq!(lines[1][1], "SH010");
    assert_eq!(lines[1][3], "Hero");
    assert_eq!(lines[1][4], "2");
    assert_eq!(lines[1][5], "animate");
    // The assets' casting: none is cast in an asset.
    let (code, _, lines) = csv_of(&admin, &format!("/export/csv/projects/{p}/casting.csv")).await;
    assert_eq!((code, lines.len()), (200, 1), "{lines:?}");

    // The team reads it, clients included; vendors and people off the team do not.
    let (client, _) = member(&ts, &admin, p, Role::Client).await;
    let (vendor, _) = member(&ts, &admin, p, Role::Vendor).await;
    let stranger = ts.client_as(Role::Artist).await;
    let far_manager = ts.client_as(Role::Manager).await;
    assert_eq!(csv_of(&client, &path).await.0, 200);
    assert_eq!(csv_of(&vendor, &path).await.0, 403);
    assert!([403, 404].contains(&csv_of(&stranger, &path).await.0));
    assert_eq!(csv_of(&far_manager, &path).await.0, 403);
    let bad = format!("/export/csv/projects/{p}/casting.csv?episode_id=nope");
    assert_eq!(csv_of(&admin, &bad).await.0, 400);
}

#[tokio::test]
async fn a_playlist_exports_to_its_supervisors_and_managers() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Review Week").await;
    let p = &b.project;
    let (artist, artist_id) = member(&ts, &admin, p, Role::Artist).await;
    call(
        &admin,
        Method::PUT,
        &format!("/actions/persons/{artist_id}/assign"),
        Some(json!({ "task_ids": [b.task] })),
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
    let comment = call(
        &artist,
        Method::POST,
        &format!("/actions/tasks/{}/comment", b.task),
        Some(json!({"task_status_id": wfa, "comment": "=take one"})),
        201,
    )
    .await;
    call(
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
    .await;
    let playlist = call(
        &admin,
        Method::POST,
        "/data/playlists",
        Some(
            json!({"name": "Dailies", "project_id": p, "for_client": false,
                    "for_entity": "shot"}),
        ),
        201,
    )
    .await;
    let pl = id(&playlist);
    call(
        &admin,
        Method::POST,
        &format!("/actions/playlists/{pl}/add-entities"),
        Some(json!({"entities": [{"entity_id": b.shot}]})),
        200,
    )
    .await;
    let path = format!("/export/csv/playlists/{pl}");
    let (code, disposition, lines) = csv_of(&admin, &path).await;
    assert_eq!(code, 200, "{lines:?}");
    assert_eq!(
        disposition,
        "attachment; filename=kitsu_review_week_playlist_dailies.csv"
    );
    assert_eq!(
        lines[0][..3],
        ["Playlist", "Review Week | for shots", "Dailies"]
    );
    assert_eq!(lines[2][0], "Entity name");
    assert_eq!(lines[2][8], "Last comment");
    let row = &lines[3];
    assert_eq!(row[0], "E01 / SQ01 / SH010");
    assert_eq!(row[2], "Animation");
    assert_eq!(row[4], "1", "the preview's revision");
    assert_eq!(row[8], "'=take one", "people's text is made inert");
    assert!(!row[6].is_empty(), "the last comment's author: {row:?}");

    // Supervisors and managers of the production; not its artists, vendors, clients (the
    // playlist is not shared with them) nor a manager off the team.
    let (supervisor, _) = member(&ts, &admin, p, Role::Supervisor).await;
    let (vendor, _) = member(&ts, &admin, p, Role::Vendor).await;
    let (client, _) = member(&ts, &admin, p, Role::Client).await;
    let far_manager = ts.client_as(Role::Manager).await;
    assert_eq!(csv_of(&supervisor, &path).await.0, 200);
    assert_eq!(csv_of(&artist, &path).await.0, 403);
    assert_eq!(csv_of(&vendor, &path).await.0, 403);
    assert_eq!(csv_of(&client, &path).await.0, 403);
    assert_eq!(csv_of(&far_manager, &path).await.0, 403);
}

#[tokio::test]
async fn quota_shots_are_listed_by_week_month_and_year() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Quota Shots").await;
    let (p, t) = (&b.project, &b.task);
    let (artist, artist_id) = member(&ts, &admin, p, Role::Artist).await;
    let (other, _) = member(&ts, &admin, p, Role::Artist).await;
    let (supervisor, _) = member(&ts, &admin, p, Role::Supervisor).await;
    let far_supervisor = ts.client_as(Role::Supervisor).await;
    call(
        &admin,
        Method::PUT,
        &format!("/actions/persons/{artist_id}/assign"),
        Some(json!({ "task_ids": [t] })),
        200,
    )
    .await;
    call(
        &artist,
        Method::POST,
        &format!("/actions/tasks/{t}/time-spents/2024-05-02/persons/{artist_id}"),
        Some(json!({ "duration": 60 })),
        201,
    )
    .await;
    call(
        &admin,
        Method::PUT,
        &format!("/data/tasks/{t}"),
        Some(json!({ "real_start_date": "2024-04-29T09:00:00",
                     "end_date": "2024-05-03T17:00:00" })),
        200,
    )
    .await;
    let quota = |tail: &str| format!("/data/persons/{artist_id}/quota-shots/{tail}");
    for tail in ["week/2024/18", "month/2024/05", "year/2024"] {
        let shots = call(&artist, Method::GET, &quota(tail), None, 200).await;
        assert_eq!(shots.as_array().unwrap().len(), 1, "{tail}: {shots}");
        assert_eq!(shots[0]["id"], b.shot.as_str());
        assert_eq!(shots[0]["full_name"], "E01 / SQ01 / SH010");
        assert_eq!(shots[0]["weight"], 1.0, "all of the task's time");
        assert_eq!(shots[0]["type"], "Shot");
    }
    for tail in ["week/2024/17", "month/2024/06", "year/2023"] {
        assert_eq!(
            call(&artist, Method::GET, &quota(tail), None, 200).await,
            json!([])
        );
    }
    // Raw counts: the shot sent for review in the period, weight 1.
    let raw = call(
        &artist,
        Method::GET,
        &format!(
            "{}?count_mode=feedback&&task_type_id=",
            quota("month/2024/05")
        ),
        None,
        200,
    )
    .await;
    assert_eq!(raw[0]["weight"], 1, "{raw}");
    let done = call(
        &artist,
        Method::GET,
        &format!("{}?count_mode=done", quota("month/2024/05")),
        None,
        200,
    )
    .await;
    assert_eq!(done, json!([]), "not done yet");

    // Another artist may not read them; a supervisor of the production may, naming it.
    let with_project = format!("{}?project_id={p}", quota("year/2024"));
    call(&other, Method::GET, &quota("year/2024"), None, 403).await;
    call(&other, Method::GET, &with_project, None, 403).await;
    call(&supervisor, Method::GET, &quota("year/2024"), None, 403).await;
    let seen = call(&supervisor, Method::GET, &with_project, None, 200).await;
    assert_eq!(seen.as_array().unwrap().len(), 1);
    call(&far_supervisor, Method::GET, &with_project, None, 403).await;
    call(&admin, Method::GET, &quota("year/2024"), None, 200).await;
    // Malformed periods and modes.
    for tail in ["week/2024/54", "month/2024/13", "year/0"] {
        call(&artist, Method::GET, &quota(tail), None, 400).await;
    }
    let bad = format!("{}?count_mode=status", quota("year/2024"));
    call(&artist, Method::GET, &bad, None, 400).await;
}

#[tokio::test]
async fn assets_are_shared_by_the_productions_managers() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Shared Kit").await;
    let p = &b.project;
    let (manager, _) = member(&ts, &admin, p, Role::Manager).await;
    let (supervisor, _) = member(&ts, &admin, p, Role::Supervisor).await;
    let far_manager = ts.client_as(Role::Manager).await;
    let by_project = format!("/actions/projects/{p}/assets/share");
    let shared = call(
        &manager,
        Method::POST,
        &by_project,
        Some(json!({"asset_ids": [b.asset], "is_shared": true})),
        200,
    )
    .await;
    assert_eq!(shared.as_array().unwrap().len(), 1, "{shared}");
    assert_eq!(shared[0]["id"], b.asset.as_str());
    assert_eq!(shared[0]["is_shared"], true);
    let unshared = call(
        &manager,
        Method::POST,
        "/actions/assets/share",
        Some(json!({"asset_ids": [b.asset], "is_shared": false})),
        200,
    )
    .await;
    assert_eq!(unshared[0]["is_shared"], false);
    // No ids: every asset of the production, shared by default.
    let all = call(&manager, Method::POST, &by_project, None, 200).await;
    assert_eq!(all[0]["is_shared"], true);
    // No ids on the global route changes nothing.
    let none = call(&manager, Method::POST, "/actions/assets/share", None, 200).await;
    assert_eq!(none, json!([]));

    // Supervisors, vendors and managers off the team are refused; bad bodies are 400s.
    let body = json!({"asset_ids": [b.asset], "is_shared": false});
    for who in [&supervisor, &far_manager] {
        assert_eq!(
            status(who, Method::POST, &by_project, Some(body.clone())).await,
            403
        );
        assert_eq!(
            status(
                who,
                Method::POST,
                "/actions/assets/share",
                Some(body.clone())
            )
            .await,
            403
        );
    }
    let asset = call(
        &admin,
        Method::GET,
        &format!("/data/assets/{}", b.asset),
        None,
        200,
    )
    .await;
    assert_eq!(
        asset["is_shared"], true,
        "the refused requests changed nothing"
    );
    for bad in [
        json!({"asset_ids": "x"}),
        json!({"asset_ids": [1]}),
        json!({"is_shared": "perhaps"}),
    ] {
        assert_eq!(
            status(&manager, Method::POST, &by_project, Some(bad)).await,
            400
        );
    }
    let unknown = json!({"asset_ids": ["6f9619ff-8b86-d011-b42d-00c04fc964ff"]});
    assert_eq!(
        status(
            &manager,
            Method::POST,
            "/actions/assets/share",
            Some(unknown)
        )
        .await,
        404
    );
}

#[tokio::test]
async fn a_production_role_narrows_a_studio_role_only() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Roles").await;
    let p = &b.project;
    let (_artist, artist_id) = member(&ts, &admin, p, Role::Artist).await;
    let (manager, _) = member(&ts, &admin, p, Role::Manager).await;
    let (supervisor, supervisor_id) = member(&ts, &admin, p, Role::Supervisor).await;
    let far_manager = ts.client_as(Role::Manager).await;
    let outsider = ts.client_as(Role::Artist).await;
    let outsider_id = super::person_id(&outsider).await;
    let role_of = |person: &str| format!("/data/projects/{p}/team/{person}");

    let set = call(
        &manager,
        Method::PUT,
        &role_of(&artist_id),
        Some(json!({"role": "vendor"})),
        200,
    )
    .await;
    assert_eq!(
        set,
        json!({"project_id": p, "person_id": artist_id, "role": "vendor"})
    );
    let set = call(
        &admin,
        Method::PUT,
        &role_of(&supervisor_id),
        Some(json!({"role": "user"})),
        200,
    )
    .await;
    assert_eq!(set["role"], "user");
    let cleared = call(
        &admin,
        Method::PUT,
        &role_of(&artist_id),
        Some(json!({"role": null})),
        200,
    )
    .await;
    assert_eq!(cleared["role"], Value::Null);

    // Never wider than the studio role, never admin, never an unknown role, only for the
    // team; set by the production's managers and admins alone.
    for (person, body) in [
        (&artist_id, json!({"role": "supervisor"})),
        (&artist_id, json!({"role": "admin"})),
        (&artist_id, json!({"role": "boss"})),
        (&artist_id, json!({"role": 3})),
        (&outsider_id, json!({"role": "client"})),
    ] {
        assert_eq!(
            status(&admin, Method::PUT, &role_of(person), Some(body.clone())).await,
            400,
            "{body}"
        );
    }
    let body = Some(json!({"role": "client"}));
    assert_eq!(
        status(&supervisor, Method::PUT, &role_of(&artist_id), body.clone()).await,
        403
    );
    assert_eq!(
        status(&far_manager, Method::PUT, &role_of(&artist_id), body).await,
        403
    );
}

const CHARACTER: &str = "3c1e3b0e-8a33-4a43-9d57-5a8c8f000201";

/// A supervisor made an artist of one production is an artist there, by every route that
/// names it (its id in the path, `?project_id=`, or the row written), and stays a supervisor
/// on the others; the user context lists the production role for Kitsu's front end.
#[tokio::test]
async fn a_production_role_is_the_role_on_that_production() {
    let (ts, admin) = setup().await;
    let here = breakdown(&admin, "Narrowed").await;
    let there = breakdown(&admin, "Untouched").await;
    let (supervisor, supervisor_id) = member(&ts, &admin, &here.project, Role::Supervisor).await;
    super::join(&admin, &there.project, &supervisor).await;
    let playlist = |project: &str| Some(json!({"name": "Dailies", "project_id": project}));

    // Before: a supervisor on both.
    call(
        &supervisor,
        Method::POST,
        "/data/playlists",
        playlist(&here.project),
        201,
    )
    .await;
    call(
        &admin,
        Method::PUT,
        &format!("/data/projects/{}/team/{supervisor_id}", here.project),
        Some(json!({"role": "user"})),
        200,
    )
    .await;

    // After: an artist here, whichever way the production is named.
    let refused = [
        (
            Method::POST,
            "/data/playlists".to_owned(),
            playlist(&here.project),
        ),
        (Method::DELETE, format!("/data/tasks/{}", here.task), None),
        (
            Method::POST,
            format!(
                "/data/projects/{}/asset-types/{CHARACTER}/assets/new",
                here.project
            ),
            Some(json!({"name": "Villain"})),
        ),
    ];
    for (method, path, body) in refused {
        assert_eq!(
            status(&supervisor, method.clone(), &path, body).await,
            403,
            "{method} {path}"
        );
    }
    // Still a supervisor there.
    call(
        &supervisor,
        Method::POST,
        "/data/playlists",
        playlist(&there.project),
        201,
    )
    .await;
    call(
        &supervisor,
        Method::POST,
        &format!(
            "/data/projects/{}/asset-types/{CHARACTER}/assets/new",
            there.project
        ),
        Some(json!({"name": "Villain"})),
        201,
    )
    .await;
    assert_eq!(
        status(
            &supervisor,
            Method::DELETE,
            &format!("/data/tasks/{}", there.task),
            None
        )
        .await,
        204
    );
    let context = call(&supervisor, Method::GET, "/data/user/context", None, 200).await;
    assert_eq!(
        context["project_roles"],
        json!({ here.project.clone(): "user" })
    );
}
