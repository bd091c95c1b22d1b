//! The production (Kitsu-compatible) side attacked by accounts of each role: the generic
//! routes used to get round the named routes' rules (authorship, statuses, path pieces),
//! secret and private fields read or guessed through filters, cast-in and casting across
//! projects, media of other projects, formulas in the CSV export, and page numbers that
//! overflow.

use crate::kitsu::{Part, breakdown, call, id, member, multipart, person_id, png, upload};
use drover_shared::{Client, Role};
use drover_tests::{assert_still_answers, setup};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Seeded task statuses: `Todo` is open to artists, `Done` is not.
const TODO: &str = "3c1e3b0e-8a33-4a43-9d57-5a8c8f000101";
const WIP: &str = "3c1e3b0e-8a33-4a43-9d57-5a8c8f000103";
const DONE: &str = "3c1e3b0e-8a33-4a43-9d57-5a8c8f000106";

/// Sends a request and asserts a refusal with `want` and the JSON error body; returns the
/// message.
async fn refused(
    client: &Client,
    method: Method,
    path: &str,
    body: Option<Value>,
    want: u16,
) -> String {
    let answer = call(client, method, path, body, want).await;
    assert!(
        answer["error"].is_string(),
        "{path}: the refusal has the JSON error body: {answer}"
    );
    let message = answer["message"].as_str().unwrap_or_default().to_owned();
    assert!(
        !message.contains("/tmp") && !message.contains("/work") && !message.contains(".db"),
        "{path}: the message shows no server path: {message}"
    );
    message
}

#[tokio::test]
async fn generic_routes_keep_authorship_and_status_rules() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Authorship").await;
    let (ada, ada_id) = member(&ts, &admin, &b.project, Role::Artist).await;
    let (bob, bob_id) = member(&ts, &admin, &b.project, Role::Artist).await;
    let (manager, _) = member(&ts, &admin, &b.project, Role::Manager).await;
    let outsider = ts.client_as(Role::Artist).await;
    let task = &b.task;

    // Comments: in one's own name only, with the statuses open to artists.
    let comment = |extra: Value| {
        let mut body = json!({"object_id": task, "object_type": "Task", "text": "hi",
                              "task_status_id": TODO});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    let message = refused(
        &ada,
        Method::POST,
        "/data/comments",
        Some(comment(json!({"person_id": bob_id}))),
        403,
    )
    .await;
    assert!(message.contains("someone else's name"), "{message}");
    let message = refused(
        &ada,
        Method::POST,
        "/data/comments",
        Some(comment(json!({"task_status_id": DONE}))),
        403,
    )
    .await;
    assert!(message.contains("Done"), "{message}");
    refused(
        &ada,
        Method::POST,
        &format!("/actions/tasks/{task}/comment"),
        Some(json!({"task_status_id": DONE, "comment": "done!"})),
        403,
    )
    .await;
    refused(
        &ada,
        Method::POST,
        "/data/comments",
        Some(comment(json!({"for_client": true}))),
        403,
    )
    .await;
    let mine = call(
        &ada,
        Method::POST,
        "/data/comments",
        Some(comment(json!({}))),
        201,
    )
    .await;
    assert_eq!(
        mine["person_id"],
        ada_id.as_str(),
        "the author is the caller"
    );
    let own_named = call(
        &ada,
        Method::POST,
        "/data/comments",
        Some(comment(json!({"person_id": ada_id}))),
        201,
    )
    .await;
    assert_eq!(own_named["person_id"], ada_id.as_str());
    let path = format!("/data/comments/{}", id(&mine));
    for body in [json!({"text": "mine now"}), json!({"task_status_id": WIP})] {
        refused(&bob, Method::PUT, &path, Some(body), 403).await;
    }
    refused(&bob, Method::DELETE, &path, None, 403).await;
    refused(
        &ada,
        Method::PUT,
        &path,
        Some(json!({"task_status_id": DONE})),
        403,
    )
    .await;
    refused(
        &ada,
        Method::PUT,
        &path,
        Some(json!({"person_id": bob_id})),
        403,
    )
    .await;
    refused(
        &ada,
        Method::PUT,
        &path,
        Some(json!({"for_client": true})),
        403,
    )
    .await;
    // Not on the project: the comment does not exist for them, as on reads.
    refused(
        &outsider,
        Method::PUT,
        &path,
        Some(json!({"text": "x"})),
        404,
    )
    .await;
    refused(&outsider, Method::DELETE, &path, None, 404).await;
    let edited = call(
        &ada,
        Method::PUT,
        &path,
        Some(json!({"text": "edited"})),
        200,
    )
    .await;
    assert_eq!(edited["text"], "edited");
    // A manager says otherwise: writes in Bob's name, edits Ada's comment.
    let for_bob = call(
        &manager,
        Method::POST,
        "/data/comments",
        Some(comment(
            json!({"person_id": bob_id, "task_status_id": DONE}),
        )),
        201,
    )
    .await;
    assert_eq!(for_bob["person_id"], bob_id.as_str());
    call(
        &manager,
        Method::PUT,
        &path,
        Some(json!({"text": "moderated"})),
        200,
    )
    .await;
    // A preview is its uploader's: another artist's file does not replace it.
    let preview = call(
        &ada,
        Method::POST,
        &format!("/actions/tasks/{task}/comments/{}/add-preview", id(&mine)),
        Some(json!({})),
        201,
    )
    .await;
    let (status, answer) = upload(
        &bob,
        &format!("/pictures/preview-files/{}", id(&preview)),
        "not-mine.png",
        &png(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    refused(
        &bob,
        Method::PUT,
        &format!("/data/preview-files/{}", id(&preview)),
        Some(json!({"extension": "png"})),
        403,
    )
    .await;
    refused(
        &ada,
        Method::PUT,
        &format!("/data/preview-files/{}", id(&preview)),
        Some(json!({"extension": "png/../../../../etc/passwd"})),
        400,
    )
    .await;
    call(&ada, Method::DELETE, &path, None, 204).await;

    // Time spent: one's own, through the generic route as through the named one.
    let spent = |person: &str| json!({"task_id": task, "person_id": person, "date": "2026-03-02", "duration": 60});
    refused(
        &ada,
        Method::POST,
        "/data/time-spents",
        Some(spent(&bob_id)),
        403,
    )
    .await;
    refused(
        &ada,
        Method::POST,
        &format!("/actions/tasks/{task}/time-spents/2026-03-02/persons/{bob_id}"),
        Some(json!({"duration": 60})),
        403,
    )
    .await;
    let logged = call(
        &ada,
        Method::POST,
        "/data/time-spents",
        Some(spent(&ada_id)),
        201,
    )
    .await;
    let path = format!("/data/time-spents/{}", id(&logged));
    refused(
        &bob,
        Method::PUT,
        &path,
        Some(json!({"duration": 600})),
        403,
    )
    .await;
    refused(&bob, Method::DELETE, &path, None, 403).await;
    refused(
        &ada,
        Method::PUT,
        &path,
        Some(json!({"person_id": bob_id})),
        403,
    )
    .await;
    call(&ada, Method::PUT, &path, Some(json!({"duration": 90})), 200).await;
    call(
        &manager,
        Method::POST,
        "/data/time-spents",
        Some(spent(&bob_id)),
        201,
    )
    .await;

    // Output files: the author rule, and `sep` and `extension` are never path pieces.
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
    let tree = json!({"output": {"mountpoint": "/mnt", "root": "prod",
        "folder_path": {"shot": "<Project>/<Sequence>/<Shot>", "style": "lowercase"},
        "file_name": {"shot": "<Shot>_v<Revision>", "style": "lowercase"}}});
    call(
        &admin,
        Method::PUT,
        &format!("/data/projects/{}", b.project),
        Some(json!({ "file_tree": tree })),
        200,
    )
    .await;
    let new_file = format!("/data/entities/{}/output-files/new", b.shot);
    let file = |extra: Value| {
        let mut body = json!({"output_type_id": id(&output_type), "task_type_id": id(&task_type)});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    for (field, value) in [
        ("sep", "/../"),
        ("sep", ".."),
        ("sep", "\u{0}"),
        ("extension", "/../../etc/passwd"),
        ("extension", "..\\..\\x"),
        ("extension", ".."),
        ("extension", "..abc"),
        ("extension", "abc\u{0}"),
        ("extension", ".a/b"),
    ] {
        let message = refused(
            &ada,
            Method::POST,
            &new_file,
            Some(file(json!({ field: value }))),
            400,
        )
        .await;
        assert!(message.contains(field), "{field}={value:?}: {message}");
    }
    refused(
        &ada,
        Method::POST,
        &new_file,
        Some(file(json!({"person_id": bob_id}))),
        403,
    )
    .await;
    let made = call(
        &ada,
        Method::POST,
        &new_file,
        Some(file(json!({"extension": ".abc", "sep": "\\"}))),
        201,
    )
    .await;
    assert_eq!(made["person_id"], ada_id.as_str());
    assert!(
        made["path"].as_str().unwrap().ends_with("\\sh010_v001.abc"),
        "{made}"
    );
    let generic = json!({"name": "main", "entity_id": b.shot, "output_type_id": id(&output_type),
        "task_type_id": id(&task_type), "revision": 7});
    let mut bad = generic.clone();
    bad["extension"] = json!("../../x");
    refused(&ada, Method::POST, "/data/output-files", Some(bad), 400).await;
    let mut bad = generic.clone();
    bad["path"] = json!("/mnt/prod/../../../etc/cron.d/x");
    refused(&ada, Method::POST, "/data/output-files", Some(bad), 400).await;
    let mut bad = generic.clone();
    bad["person_id"] = json!(bob_id);
    refused(&ada, Method::POST, "/data/output-files", Some(bad), 403).await;
    let path = format!("/data/output-files/{}", id(&made));
    refused(
        &bob,
        Method::PUT,
        &path,
        Some(json!({"comment": "mine"})),
        403,
    )
    .await;
    refused(&bob, Method::DELETE, &path, None, 403).await;
    refused(
        &ada,
        Method::PUT,
        &path,
        Some(json!({"extension": "/x"})),
        400,
    )
    .await;
    call(
        &ada,
        Method::PUT,
        &path,
        Some(json!({"extension": "tar.gz"})),
        200,
    )
    .await;

    assert_still_answers(&ada).await;
}

#[tokio::test]
async fn secrets_and_private_person_fields_are_for_admins() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Secrets").await;
    let organisation = call(&admin, Method::GET, "/data/organisations", None, 200).await[0].clone();
    let org_path = format!("/data/organisations/{}", id(&organisation));
    call(
        &admin,
        Method::PUT,
        &org_path,
        Some(
            json!({"chat_token_slack": "xoxb-secret", "chat_webhook_mattermost": "https://hook",
                    "chat_token_discord": "discord-secret"}),
        ),
        200,
    )
    .await;
    let (bob, bob_id) = member(&ts, &admin, &b.project, Role::Artist).await;
    call(
        &admin,
        Method::PUT,
        &format!("/data/persons/{bob_id}"),
        Some(
            json!({"daily_salary": 320, "desktop_login": "bob.smith", "phone": "+33 1",
                    "contract_type": "freelance"}),
        ),
        200,
    )
    .await;
    let private = [
        "daily_salary",
        "desktop_login",
        "email",
        "phone",
        "contract_type",
        "timezone",
    ];

    for role in [
        Role::Client,
        Role::Vendor,
        Role::Artist,
        Role::Supervisor,
        Role::Manager,
    ] {
        let (viewer, _) = member(&ts, &admin, &b.project, role).await;
        let no_chat = |org: &Value, route: &str| {
            let keys: Vec<&String> = org.as_object().unwrap().keys().collect();
            assert!(
                keys.iter().all(|k| !k.starts_with("chat_")),
                "{role} sees chat secrets on {route}: {keys:?}"
            );
            assert_eq!(org["name"], organisation["name"], "{role}: {route}");
        };
        no_chat(
            &call(&viewer, Method::GET, "/data/organisations", None, 200).await[0],
            "list",
        );
        no_chat(
            &call(&viewer, Method::GET, &org_path, None, 200).await,
            "get",
        );
        let paged = call(
            &viewer,
            Method::GET,
            "/data/organisations?page=1",
            None,
            200,
        )
        .await;
        no_chat(&paged["data"][0], "page");
        let me = call(&viewer, Method::GET, "/auth/authenticated", None, 200).await;
        no_chat(&me["organisation"], "/auth/authenticated");
        for filter in [
            "chat_token_slack=xoxb-secret",
            "chat_webhook_mattermost=https%3A%2F%2Fhook",
            "chat_token_discord=discord-secret",
        ] {
            refused(
                &viewer,
                Method::GET,
                &format!("/data/organisations?{filter}"),
                None,
                400,
            )
            .await;
        }

        let shown = [
            call(
                &viewer,
                Method::GET,
                &format!("/data/persons/{bob_id}"),
                None,
                200,
            )
            .await,
            call(
                &viewer,
                Method::GET,
                &format!("/data/persons?id={bob_id}"),
                None,
                200,
            )
            .await[0]
                .clone(),
            call(
                &viewer,
                Method::GET,
                &format!("/data/persons?id={bob_id}&relations=true"),
                None,
                200,
            )
            .await[0]
                .clone(),
            call(
                &viewer,
                Method::GET,
                &format!("/data/persons?id={bob_id}&page=1"),
                None,
                200,
            )
            .await["data"][0]
                .clone(),
            call(
                &viewer,
                Method::GET,
                &format!("/data/projects/{}/team", b.project),
                None,
                200,
            )
            .await
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == bob_id.as_str())
            .unwrap()
            .clone(),
        ];
        for person in &shown {
            assert!(person.get("first_name").is_some(), "{role}: {person}");
            assert!(person["full_name"].is_string(), "{role}: {person}");
            for field in private {
                assert!(person.get(field).is_none(), "{role} sees {field}: {person}");
            }
        }
        // Not an oracle either: the private fields are not filters for them.
        for filter in [
            "daily_salary=320",
            "desktop_login=bob.smith",
            "phone=%2B33%201",
            "contract_type=freelance",
            "daily_salary=[310,320,330]",
        ] {
            let message = refused(
                &viewer,
                Method::GET,
                &format!("/data/persons?{filter}"),
                None,
                400,
            )
            .await;
            assert!(message.contains("not a field"), "{message}");
            refused(
                &viewer,
                Method::GET,
                &format!("/data/persons?{filter}&page=1"),
                None,
                400,
            )
            .await;
        }
        // A person is still found by an email one already holds (gazu's get_person_by_email).
        let email = bob.authenticated().await.unwrap().user.email;
        let found = call(
            &viewer,
            Method::GET,
            &format!("/data/persons?email={email}"),
            None,
            200,
        )
        .await;
        assert_eq!(found[0]["id"], bob_id.as_str());
        assert!(found[0].get("email").is_none());
    }

    // The person sees their own row whole; admins see everything and filter on it.
    let own = call(
        &bob,
        Method::GET,
        &format!("/data/persons/{bob_id}"),
        None,
        200,
    )
    .await;
    assert_eq!(own["daily_salary"], 320);
    assert_eq!(own["desktop_login"], "bob.smith");
    let found = call(
        &admin,
        Method::GET,
        "/data/persons?daily_salary=320",
        None,
        200,
    )
    .await;
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["desktop_login"], "bob.smith");
    let org = call(&admin, Method::GET, &org_path, None, 200).await;
    assert_eq!(org["chat_token_slack"], "xoxb-secret");
    let me = call(&admin, Method::GET, "/auth/authenticated", None, 200).await;
    assert_eq!(me["organisation"]["chat_token_discord"], "discord-secret");

    assert_still_answers(&bob).await;
}

#[tokio::test]
async fn cast_in_and_casting_show_only_readable_projects() {
    let (ts, admin) = setup().await;
    let mine = breakdown(&admin, "Mine").await;
    let theirs = breakdown(&admin, "Theirs").await;
    let (artist, _) = member(&ts, &admin, &mine.project, Role::Artist).await;
    // Each project casts the other's asset in its shot (shared assets cross projects).
    for (shot_of, asset_of) in [(&theirs, &mine), (&mine, &theirs)] {
        call(
            &admin,
            Method::PUT,
            &format!(
                "/data/projects/{}/entities/{}/casting",
                shot_of.project, shot_of.shot
            ),
            Some(json!([{"asset_id": asset_of.asset, "nb_occurences": 1},
                        {"asset_id": shot_of.asset, "nb_occurences": 2}])),
            200,
        )
        .await;
    }
    let cast_in = format!("/data/assets/{}/cast-in", mine.asset);
    let all = call(&admin, Method::GET, &cast_in, None, 200).await;
    assert_eq!(all.as_array().unwrap().len(), 2, "{all}");
    let seen = call(&artist, Method::GET, &cast_in, None, 200).await;
    let shots: Vec<&Value> = seen
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["shot_id"])
        .collect();
    assert_eq!(shots, [&json!(mine.shot)], "only the shot of their project");

    let casting = format!(
        "/data/projects/{}/entities/{}/casting",
        mine.project, mine.shot
    );
    assert_eq!(
        call(&admin, Method::GET, &casting, None, 200)
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let seen = call(&artist, Method::GET, &casting, None, 200).await;
    let assets: Vec<&Value> = seen
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["asset_id"])
        .collect();
    assert_eq!(
        assets,
        [&json!(mine.asset)],
        "only the asset of their project"
    );
    let by_shot = call(
        &artist,
        Method::GET,
        &format!("/data/projects/{}/sequences/all/casting", mine.project),
        None,
        200,
    )
    .await;
    assert_eq!(
        by_shot[&mine.shot].as_array().unwrap().len(),
        1,
        "{by_shot}"
    );
    // The other project's lists stay closed as a whole.
    refused(
        &artist,
        Method::GET,
        &format!("/data/assets/{}/cast-in", theirs.asset),
        None,
        404,
    )
    .await;
    refused(
        &artist,
        Method::GET,
        &format!(
            "/data/projects/{}/entities/{}/casting",
            theirs.project, theirs.shot
        ),
        None,
        404,
    )
    .await;

    assert_still_answers(&artist).await;
}

#[tokio::test]
async fn media_of_other_projects_answer_404() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Media").await;
    let (member, _) = member(&ts, &admin, &b.project, Role::Artist).await;
    let outsider = ts.client_as(Role::Client).await;
    let task = &b.task;
    let bytes = png();
    let (status, comment) = multipart(
        &admin,
        &format!("/actions/tasks/{task}/comment"),
        &[
            Part::Text("task_status_id", TODO),
            Part::Text("comment", "with a file"),
            Part::File {
                part: "file",
                name: "board.png",
                content_type: "image/png",
                bytes: &bytes,
            },
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{comment}");
    let attachment = id(&comment["attachment_files"][0]);
    let preview = call(
        &admin,
        Method::POST,
        &format!(
            "/actions/tasks/{task}/comments/{}/add-preview",
            id(&comment)
        ),
        Some(json!({})),
        201,
    )
    .await;
    let preview = id(&preview);
    let (status, _) = upload(
        &admin,
        &format!("/pictures/preview-files/{preview}"),
        "frame.png",
        &bytes,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    let media = [
        format!("/pictures/originals/preview-files/{preview}.png"),
        format!("/pictures/thumbnails/preview-files/{preview}.png"),
        format!("/pictures/thumbnails-square/preview-files/{preview}.png"),
        format!("/pictures/previews/preview-files/{preview}.png"),
        format!("/data/attachment-files/{attachment}/file/board.png"),
        format!("/pictures/thumbnails/attachment-files/{attachment}.png"),
    ];
    let get = |client: &Client, path: &str| {
        let request = reqwest::Client::new()
            .get(format!("{}{path}", client.api_url()))
            .bearer_auth(client.token().unwrap().to_owned());
        async move { request.send().await.unwrap().status() }
    };
    for path in &media {
        assert_eq!(get(&member, path).await, StatusCode::OK, "{path}");
        // Not on the project: as if it did not exist, the same answer as a made-up id.
        let message = refused(&outsider, Method::GET, path, None, 404).await;
        let made_up = path
            .replace(&preview, &uuid::Uuid::new_v4().to_string())
            .replace(&attachment, &uuid::Uuid::new_v4().to_string());
        let other = refused(&outsider, Method::GET, &made_up, None, 404).await;
        assert_eq!(
            message.split_whitespace().next(),
            other.split_whitespace().next(),
            "{path}"
        );
    }
    refused(
        &outsider,
        Method::GET,
        &format!("/movies/originals/preview-files/{preview}.mp4"),
        None,
        404,
    )
    .await;
    refused(
        &outsider,
        Method::GET,
        &format!("/data/preview-files/{preview}"),
        None,
        404,
    )
    .await;

    assert_still_answers(&outsider).await;
}

#[tokio::test]
async fn csv_export_neutralises_formulas() {
    let (_ts, admin) = setup().await;
    let b = breakdown(&admin, "=HYPERLINK(\"http://evil\",\"x\")").await;
    call(
        &admin,
        Method::PUT,
        &format!("/data/assets/{}", b.asset),
        Some(json!({"name": "@SUM(A1)"})),
        200,
    )
    .await;
    call(
        &admin,
        Method::PUT,
        &format!("/data/shots/{}", b.shot),
        Some(json!({"name": "+1-1"})),
        200,
    )
    .await;
    call(
        &admin,
        Method::PUT,
        &format!("/data/sequences/{}", b.sequence),
        Some(json!({"name": "-2+3"})),
        200,
    )
    .await;
    let admin_id = person_id(&admin).await;
    call(
        &admin,
        Method::PUT,
        &format!("/data/persons/{admin_id}"),
        Some(json!({"first_name": "\tcmd", "last_name": ""})),
        200,
    )
    .await;
    call(
        &admin,
        Method::PUT,
        &format!("/actions/persons/{admin_id}/assign"),
        Some(json!({"task_ids": [b.task]})),
        200,
    )
    .await;
    let csv = reqwest::Client::new()
        .get(format!("{}/export/csv/tasks.csv", admin.api_url()))
        .bearer_auth(admin.token().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1, "{csv}");
    let cells: Vec<&str> = rows[0].iter().collect();
    for risky in ["=HYPERLINK(\"http://evil\",\"x\")", "+1-1", "-2+3", "\tcmd"] {
        assert!(
            cells.contains(&format!("'{risky}").as_str()),
            "{risky:?} in {cells:?}"
        );
    }
    assert!(
        cells
            .iter()
            .all(|c| !c.starts_with(['=', '+', '-', '@', '\t', '\r'])),
        "{cells:?}"
    );
    assert_still_answers(&admin).await;
}

#[tokio::test]
async fn page_overflow_answers_400_and_long_lists_ask_for_pages() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Pages").await;
    let (artist, _) = member(&ts, &admin, &b.project, Role::Artist).await;
    let lists = [
        "/data/tasks".to_owned(),
        "/data/persons".to_owned(),
        "/data/organisations".to_owned(),
        format!("/data/projects/{}/tasks", b.project),
        "/data/assets/all".to_owned(),
        "/data/projects/open".to_owned(),
    ];
    for list in &lists {
        for query in [
            "page=0",
            "page=-1",
            "page=99999999999999999999",
            "page=4294967296",
            "page=1&limit=0",
            "page=1&limit=-3",
            "page=1&limit=99999999999999999999",
            "page=1&limit=10001",
            "limit=99999999999999999999",
            "page=abc",
        ] {
            let message =
                refused(&artist, Method::GET, &format!("{list}?{query}"), None, 400).await;
            assert!(
                message.contains("page") || message.contains("limit"),
                "{message}"
            );
        }
    }
    // The far end of the range is a page like any other: empty, not an error.
    let last = call(
        &artist,
        Method::GET,
        "/data/tasks?page=4294967295&limit=10000",
        None,
        200,
    )
    .await;
    assert_eq!(last["data"], json!([]));
    assert_eq!(last["page"], 4_294_967_295_u64);
    let playlists = format!("/data/projects/{}/playlists", b.project);
    for page in ["0", "-1", "18446744073709551616", "99999999999999999999"] {
        refused(
            &artist,
            Method::GET,
            &format!("{playlists}?page={page}"),
            None,
            400,
        )
        .await;
    }
    call(
        &artist,
        Method::GET,
        &format!("{playlists}?page=18446744073709551615"),
        None,
        200,
    )
    .await;

    // A list past the ceiling asks for pages instead of building the whole answer.
    let rows = drover_server::production::db::list::MAX_LIST_ROWS + 1;
    ts.server
        .state()
        .store
        .write(move |c| {
            c.execute(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1) \
                 INSERT INTO prod_department (id, name, created_at, updated_at) \
                 SELECT lower(hex(randomblob(16))), 'Department ' || i, \
                        '2026-01-01T00:00:00', '2026-01-01T00:00:00' FROM n",
                [rows],
            )?;
            Ok::<_, drover_server::error::ApiError>(())
        })
        .await
        .unwrap();
    let message = refused(&artist, Method::GET, "/data/departments", None, 400).await;
    assert!(message.contains("page"), "{message}");
    let page = call(
        &artist,
        Method::GET,
        "/data/departments?page=2&limit=10000",
        None,
        200,
    )
    .await;
    assert_eq!(page["data"].as_array().unwrap().len(), 10_000);
    assert!(
        page["total"].as_u64().unwrap() >= rows as u64,
        "{}",
        page["total"]
    );

    assert_still_answers(&artist).await;
}
