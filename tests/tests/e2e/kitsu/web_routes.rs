//! The census of Kitsu's web front end: every route it calls (`web_routes.txt`, from the
//! reference notes) is sent, with real ids, to a server holding a seeded production, and
//! whatever does not answer must be listed in `web_routes_unserved.txt`. That list only
//! shrinks: a route listed there that answers fails the walk too, and so does any 500.

use super::{Breakdown, breakdown, call, id, member, person_id, png, upload};
use drover_shared::{Client, Role};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};

/// The routes, one per line, as `web_routes.txt` describes them.
const ROUTES: &str = include_str!("web_routes.txt");
/// The routes that do not answer yet.
const UNSERVED: &str = include_str!("web_routes_unserved.txt");
const TODO: &str = "3c1e3b0e-8a33-4a43-9d57-5a8c8f000101";
const CHARACTER: &str = "3c1e3b0e-8a33-4a43-9d57-5a8c8f000201";

/// One line of the route list.
struct Route<'a> {
    method: Method,
    path: &'a str,
    body: Option<&'a str>,
    screens: Vec<&'a str>,
    upload: bool,
    fresh: bool,
    unseeded: bool,
}

impl Route<'_> {
    fn name(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

fn routes() -> Vec<Route<'static>> {
    ROUTES
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (method, rest) = line.split_once(' ').unwrap();
            let (path, rest) = rest.split_once(' ').unwrap_or((rest, ""));
            let rest = rest.trim();
            // A body is JSON, so it starts with `{` or `[`; the flags follow it.
            let (body, flags) = if rest.starts_with(['{', '[']) {
                let end = rest
                    .find(" @")
                    .or_else(|| rest.find(" ~"))
                    .unwrap_or(rest.len());
                (Some(&rest[..end]), &rest[end..])
            } else {
                (None, rest)
            };
            let flags: Vec<&str> = flags.split_whitespace().collect();
            Route {
                method: method.parse().unwrap(),
                path,
                body,
                screens: flags
                    .iter()
                    .copied()
                    .filter(|f| f.starts_with("@s"))
                    .collect(),
                upload: flags.contains(&"@file"),
                fresh: flags.contains(&"@fresh"),
                unseeded: flags.contains(&"~"),
            }
        })
        .collect()
}

/// Replaces every `{name}` in `text` with the seeded id; an unknown name is a typo in the list.
fn fill(text: &str, ids: &HashMap<&'static str, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let name = &rest[start + 1..start + len];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            out.push_str(&rest[..=start]);
            rest = &rest[start + 1..];
            continue;
        }
        let value = ids
            .get(name)
            .unwrap_or_else(|| panic!("no seeded id for {{{name}}} in {text}"));
        out.push_str(&rest[..start]);
        out.push_str(value);
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

/// Posts `body` and returns the new row's id, or a fresh UUID when the route is not served
/// (the routes that need the row then fail as they should).
async fn make(client: &Client, path: &str, body: Value) -> String {
    let answer = client.raw(Method::POST, path, Some(&body)).await.unwrap();
    let row = answer.body.unwrap_or(Value::Null);
    let row = if row.is_array() { row[0].clone() } else { row };
    match row["id"].as_str() {
        Some(id) if answer.status.is_success() => id.to_owned(),
        _ => uuid::Uuid::new_v4().to_string(),
    }
}

/// A production with one of everything the routes name.
async fn seed(
    ts: &drover_tests::TestServer,
    admin: &Client,
) -> (HashMap<&'static str, String>, Client) {
    let b: Breakdown = breakdown(admin, "Walk production").await;
    let p = b.project.clone();
    let mut ids: HashMap<&'static str, String> = HashMap::new();
    let me = person_id(admin).await;
    let (artist, person) = member(ts, admin, &b.project, Role::Artist).await;
    let email = call(
        admin,
        Method::GET,
        &format!("/data/persons/{person}"),
        None,
        200,
    )
    .await["email"]
        .as_str()
        .unwrap()
        .to_owned();
    let animation = id(&call(
        admin,
        Method::GET,
        "/data/task-types?name=Animation",
        None,
        200,
    )
    .await[0]);
    let org = id(&call(admin, Method::GET, "/data/organisations", None, 200).await[0]);
    for (key, value) in [
        ("project", p.clone()),
        ("episode", b.episode.clone()),
        ("sequence", b.sequence.clone()),
        ("shot", b.shot.clone()),
        ("asset", b.asset.clone()),
        ("task", b.task.clone()),
        ("me", me.clone()),
        ("person", person.clone()),
        ("email", email),
        ("task_type", animation.clone()),
        ("task_status", TODO.to_owned()),
        ("asset_type", CHARACTER.to_owned()),
        ("organisation", org),
        ("date", "2026-11-30".to_owned()),
    ] {
        ids.insert(key, value);
    }
    let automation = json!({"entity_type": "asset", "in_field_type": "status",
        "in_task_type_id": animation, "in_task_status_id": TODO, "out_field_type": "status",
        "out_task_type_id": animation, "out_task_status_id": TODO});
    let made: Vec<(&'static str, String, Value)> = vec![
        (
            "spare_project",
            "/data/projects".into(),
            json!({"name": "Walk spare"}),
        ),
        (
            "spare_task_type",
            "/data/task-types".into(),
            json!({"name": "Walk spare type", "for_entity": "Shot"}),
        ),
        (
            "spare_task_status",
            "/data/task-status".into(),
            json!({"name": "Walk spare status", "short_name": "wsp", "color": "#000000"}),
        ),
        (
            "spare_asset_type",
            "/data/entity-types".into(),
            json!({"name": "Walk spare asset type"}),
        ),
        (
            "status_automation",
            "/data/status-automations".into(),
            automation.clone(),
        ),
        (
            "spare_status_automation",
            "/data/status-automations".into(),
            automation,
        ),
        (
            "background",
            "/data/preview-background-files".into(),
            json!({"name": "Walk background"}),
        ),
        (
            "spare_background",
            "/data/preview-background-files".into(),
            json!({"name": "Walk spare background"}),
        ),
        (
            "spare_person",
            "/data/persons".into(),
            json!({"first_name": "Spare", "last_name": "Walk", "email": "spare.walk@drover.test"}),
        ),
        (
            "descriptor",
            format!("/data/projects/{p}/metadata-descriptors"),
            json!({"name": "Walk seed", "data_type": "string", "entity_type": "Asset"}),
        ),
        (
            "template",
            "/data/project-templates".into(),
            json!({"name": "Walk template"}),
        ),
        (
            "spare_template",
            "/data/project-templates".into(),
            json!({"name": "Walk spare template"}),
        ),
        (
            "spare_asset",
            format!("/data/projects/{p}/asset-types/{CHARACTER}/assets/new"),
            json!({"name": "Walk spare prop"}),
        ),
        (
            "spare_episode",
            format!("/data/projects/{p}/episodes"),
            json!({"name": "E098"}),
        ),
        (
            "spare_sequence",
            format!("/data/projects/{p}/sequences"),
            json!({"name": "SQ098", "episode_id": b.episode}),
        ),
        (
            "spare_shot",
            format!("/data/projects/{p}/shots"),
            json!({"name": "SH0980", "sequence_id": b.sequence}),
        ),
        (
            "edit",
            format!("/data/projects/{p}/edits"),
            json!({"name": "Walk edit"}),
        ),
        (
            "concept",
            format!("/data/projects/{p}/concepts"),
            json!({"name": "Walk concept"}),
        ),
        (
            "comment",
            format!("/actions/tasks/{}/comment", b.task),
            json!({"task_status_id": TODO, "comment": "seed"}),
        ),
        (
            "spare_comment",
            format!("/actions/tasks/{}/comment", b.task),
            json!({"task_status_id": TODO, "comment": "spare"}),
        ),
        (
            "playlist",
            "/data/playlists".into(),
            json!({"name": "Walk review", "project_id": p}),
        ),
        (
            "spare_playlist",
            "/data/playlists".into(),
            json!({"name": "Walk spare review", "project_id": p}),
        ),
        (
            "filter",
            "/data/user/filters".into(),
            json!({"list_type": "asset", "name": "seed", "query": "hero", "project_id": p}),
        ),
        (
            "filter_group",
            "/data/user/filter-groups".into(),
            json!({"list_type": "asset", "name": "seed", "color": "#000000", "project_id": p}),
        ),
        (
            "department",
            "/data/departments".into(),
            json!({"name": "Walk department", "color": "#000000"}),
        ),
        (
            "spare_department",
            "/data/departments".into(),
            json!({"name": "Walk spare department", "color": "#000000"}),
        ),
        (
            "studio",
            "/data/studios".into(),
            json!({"name": "Walk studio", "color": "#000000"}),
        ),
        (
            "spare_studio",
            "/data/studios".into(),
            json!({"name": "Walk spare studio", "color": "#000000"}),
        ),
        (
            "hardware_item",
            "/data/hardware-items".into(),
            json!({"name": "Walk hardware", "short_name": "wh"}),
        ),
        (
            "spare_hardware_item",
            "/data/hardware-items".into(),
            json!({"name": "Walk spare hardware", "short_name": "wsh"}),
        ),
        (
            "software",
            "/data/softwares".into(),
            json!({"name": "Walk soft", "short_name": "wsf", "file_extension": "wsf"}),
        ),
        (
            "spare_software",
            "/data/softwares".into(),
            json!({"name": "Walk spare soft", "short_name": "wss", "file_extension": "wss"}),
        ),
        (
            "day_off",
            "/data/day-offs".into(),
            json!({"person_id": me, "date": "2026-12-01", "end_date": "2026-12-01"}),
        ),
        (
            "milestone",
            "/data/milestones".into(),
            json!({"date": "2026-12-10", "name": "Seed", "project_id": p,
                   "task_type_id": animation}),
        ),
        (
            "schedule_item",
            "/data/schedule-items".into(),
            json!({"start_date": "2026-12-01", "end_date": "2026-12-10", "project_id": p,
                   "task_type_id": animation}),
        ),
        (
            "schedule_version",
            "/data/production-schedule-versions".into(),
            json!({"project_id": p, "name": "Seed version"}),
        ),
        (
            "budget",
            format!("/data/projects/{p}/budgets"),
            json!({"name": "Seed budget", "currency": "EUR"}),
        ),
        (
            "custom_action",
            "/data/custom-actions".into(),
            json!({"name": "Seed action", "url": "https://example.com/seed"}),
        ),
        (
            "chat",
            format!("/actions/user/chats/{}/join", b.shot),
            json!({}),
        ),
        (
            "chat_message",
            format!("/data/entities/{}/chat/messages", b.shot),
            json!({"message": "seed"}),
        ),
    ];
    for (key, path, body) in made {
        let made = make(admin, &path, body).await;
        ids.insert(key, made);
    }
    // Rows that hang from the ones above: a budget's entry, a schedule version's task link.
    let entry = json!({"department_id": ids["department"], "start_date": "2026-12-01",
                       "months_duration": 2, "daily_salary": 100});
    let budget_entries = format!("/data/projects/{p}/budgets/{}/entries", ids["budget"]);
    ids.insert("budget_entry", make(admin, &budget_entries, entry).await);
    let link =
        json!({"task_id": b.task, "production_schedule_version_id": ids["schedule_version"]});
    let links = "/data/production-schedule-version-task-links";
    ids.insert("schedule_link", make(admin, links, link).await);
    let comment = ids["comment"].clone();
    let task = b.task.clone();
    let reply = call(
        admin,
        Method::POST,
        &format!("/data/tasks/{task}/comments/{comment}/reply"),
        Some(json!({"text": "seed reply"})),
        200,
    )
    .await;
    ids.insert("reply", id(&reply));
    for key in ["attachment", "spare_attachment"] {
        let (status, added) = upload(
            admin,
            &format!("/actions/tasks/{task}/comments/{comment}/add-attachment"),
            "walk.png",
            &png(),
        )
        .await;
        assert!(status.is_success(), "{added}");
        ids.insert(key, id(&added[0]));
    }
    for key in ["preview_file", "spare_preview_file"] {
        let preview = call(
            admin,
            Method::POST,
            &format!("/actions/tasks/{task}/comments/{comment}/add-preview"),
            Some(json!({})),
            201,
        )
        .await;
        ids.insert(key, id(&preview));
    }
    let (status, _) = upload(
        admin,
        &format!("/pictures/preview-files/{}", ids["preview_file"]),
        "frame.png",
        &png(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    // Pictures the shell shows: the person's avatar, the production's and the studio's;
    // and a preview background's.
    for path in [
        format!("/pictures/thumbnails/persons/{me}"),
        format!("/pictures/thumbnails/projects/{p}"),
        format!("/pictures/thumbnails/organisations/{}", ids["organisation"]),
        format!("/pictures/preview-background-files/{}", ids["background"]),
    ] {
        upload(admin, &path, "picture.png", &png()).await;
    }
    // The artist's comment on a task the admin is assigned to notifies the admin.
    call(
        admin,
        Method::PUT,
        &format!("/actions/persons/{me}/assign"),
        Some(json!({"task_ids": [task]})),
        200,
    )
    .await;
    call(
        admin,
        Method::PUT,
        &format!("/actions/persons/{person}/assign"),
        Some(json!({"task_ids": [task]})),
        200,
    )
    .await;
    call(
        &artist,
        Method::POST,
        &format!("/actions/tasks/{task}/comment"),
        Some(json!({"task_status_id": TODO, "comment": "for the supervisor"})),
        201,
    )
    .await;
    let notifications = call(admin, Method::GET, "/data/user/notifications", None, 200).await;
    ids.insert("notification", id(&notifications[0]));
    let news = call(
        admin,
        Method::GET,
        &format!("/data/projects/{p}/news"),
        None,
        200,
    )
    .await;
    ids.insert("news", id(&news["data"][0]));
    // A share link of the playlist, through its own route.
    let link = admin
        .raw(
            Method::POST,
            &format!("/data/playlists/{}/share", ids["playlist"]),
            Some(&json!({})),
        )
        .await
        .unwrap();
    let token = link.body.as_ref().and_then(|b| b["token"].as_str());
    if let (true, Some(token)) = (link.status.is_success(), token) {
        ids.insert("share_token", token.to_owned());
    }
    // Rows no route makes yet: their routes cannot answer and stay on the unserved list.
    for key in ["build_job", "salary_scale", "plugin"] {
        ids.insert(key, uuid::Uuid::new_v4().to_string());
    }
    ids.entry("share_token")
        .or_insert_with(|| uuid::Uuid::new_v4().to_string());
    (ids, artist)
}

/// Whether an answer comes from a route of its own rather than the router's fallbacks.
fn routed(status: StatusCode, body: Option<&Value>) -> bool {
    let message = body.and_then(|b| b["message"].as_str()).unwrap_or_default();
    let fallback = status == StatusCode::NOT_FOUND
        && (message.starts_with("no route ") || message.starts_with("no model `"));
    !fallback && status != StatusCode::METHOD_NOT_ALLOWED
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kitsus_web_routes_answer() {
    // Set up as a studio would run it: e-mail through SMTP, and the address people open.
    let smtp = drover_tests::sinks::SmtpSink::start().await;
    let smtp_url = smtp.url.clone();
    let (ts, admin) = drover_tests::setup_config(|config| {
        config.public_url = Some("http://kitsu.studio.test".into());
        config.mail = Some(drover_server::farm::notify::MailConfig {
            smtp_url,
            from: "Studio <tracker@studio.test>".into(),
        });
    })
    .await;
    let (ids, _artist) = seed(&ts, &admin).await;
    let mut routes = routes();
    // Reads first, then writes, deletions last, each in the list's order.
    routes.sort_by_key(|r| match r.method {
        Method::GET => 0,
        Method::DELETE => 2,
        _ => 1,
    });
    let mut missing = BTreeSet::new();
    let mut failures = Vec::new();
    for route in &routes {
        let path = fill(route.path, &ids);
        let fresh;
        let client = if route.fresh {
            fresh = ts.client_as(Role::Artist).await;
            &fresh
        } else {
            &admin
        };
        let (status, body) = if route.upload {
            let (status, body) = upload(client, &path, "walk.png", &png()).await;
            (status, Some(body))
        } else {
            let body: Option<Value> = match (route.body, &route.method) {
                (Some(body), _) => Some(serde_json::from_str(&fill(body, &ids)).unwrap()),
                (None, &Method::POST | &Method::PUT) => Some(json!({})),
                (None, _) => None,
            };
            let answer = client
                .raw(route.method.clone(), &path, body.as_ref())
                .await
                .unwrap();
            (answer.status, answer.body)
        };
        if status.is_server_error() {
            failures.push(format!("{} → {status} {body:?}", route.name()));
        }
        // Every id is real, so a 404 means the route did not find what it should have.
        let answers = routed(status, body.as_ref())
            && (route.unseeded
                || status.is_success()
                || (route.method != Method::GET && status != StatusCode::NOT_FOUND));
        if !answers {
            missing.insert(route.name());
        }
    }
    let listed: BTreeSet<String> = UNSERVED
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .collect();
    let screens_missing: Vec<String> = routes
        .iter()
        .filter(|r| !r.screens.is_empty() && missing.contains(&r.name()))
        .map(|r| format!("{} {}", r.name(), r.screens.join(" ")))
        .collect();
    eprintln!(
        "Kitsu web routes: {} of {} answer; {} of {} routes of the everyday screens answer",
        routes.len() - missing.len(),
        routes.len(),
        routes.iter().filter(|r| !r.screens.is_empty()).count() - screens_missing.len(),
        routes.iter().filter(|r| !r.screens.is_empty()).count(),
    );
    if let Ok(out) = std::env::var("DROVER_WALK_UNSERVED_OUT") {
        let text: String = missing.iter().map(|m| m.clone() + "\n").collect();
        std::fs::write(out, text).unwrap();
    }
    assert!(failures.is_empty(), "server errors: {failures:#?}");
    let newly_missing: Vec<_> = missing.difference(&listed).collect();
    let now_answer: Vec<_> = listed.difference(&missing).collect();
    assert!(
        newly_missing.is_empty() && now_answer.is_empty(),
        "routes that stopped answering: {newly_missing:#?}\n\
         listed as unserved but answering (take them off web_routes_unserved.txt): {now_answer:#?}"
    );
    assert!(
        screens_missing.is_empty(),
        "routes of the everyday screens that do not answer: {screens_missing:#?}"
    );
}
