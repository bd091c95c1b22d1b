//! Kitsu's web front end against Drover, as a browser speaks to it: a session held in
//! cookies (and refused from other sites' pages), the start-up calls with every key the
//! front end reads, and the front end's own files served beside the API.

use super::{call, id, member};
use drover_server::auth::accounts;
use drover_shared::Role;
use drover_tests::{PASSWORD, TestServer, setup, setup_config};
use reqwest::header::{COOKIE, ORIGIN, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// A browser's view of the server: no cookie jar of reqwest's, so each test says which
/// cookies it sends and reads the `Set-Cookie`s it gets.
struct Browser {
    http: reqwest::Client,
    base: String,
    /// The page's origin, sent as `Origin` on writes (as browsers do).
    origin: String,
}

/// A response as the test reads it.
struct Answer {
    status: StatusCode,
    set_cookies: Vec<String>,
    body: Value,
}

impl Browser {
    fn new(ts: &TestServer) -> Self {
        let base = ts.url();
        Self {
            http: reqwest::Client::builder()
                .user_agent("Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0")
                .build()
                .unwrap(),
            origin: base.clone(),
            base,
        }
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        cookie: Option<&str>,
        origin: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        if let Some(origin) = origin {
            request = request.header(ORIGIN, origin);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let set_cookies = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        let bytes = response.bytes().await.unwrap();
        Answer {
            status,
            set_cookies,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }

    /// Logs in as Kitsu does (same-origin page, JSON body) and returns the answer.
    async fn login(&self, email: &str) -> Answer {
        self.send(
            Method::POST,
            "/api/auth/login",
            None,
            Some(&self.origin),
            Some(json!({"email": email, "password": PASSWORD})),
        )
        .await
    }
}

/// `name=value` of the cookie `name` among `Set-Cookie`s.
fn cookie(set_cookies: &[String], name: &str) -> String {
    let set = set_cookies
        .iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} in {set_cookies:?}"));
    set.split(';').next().unwrap().to_owned()
}

async fn account(ts: &TestServer, role: Role) -> String {
    let email = format!("{role}-{}@drover.test", uuid::Uuid::new_v4());
    accounts::create(&ts.server.state().store, &email, PASSWORD, role)
        .await
        .unwrap();
    email
}

#[tokio::test]
async fn a_browser_session_lives_in_http_only_cookies_and_other_sites_cannot_use_it() {
    let (ts, admin) = setup().await;
    let browser = Browser::new(&ts);
    let email = account(&ts, Role::Manager).await;

    let login = browser.login(&email).await;
    assert_eq!(login.status, StatusCode::OK, "{:?}", login.body);
    assert_eq!(login.body["login"], true);
    let access_set = login
        .set_cookies
        .iter()
        .find(|c| c.starts_with("access_token_cookie="))
        .unwrap();
    for part in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=604800"] {
        assert!(access_set.contains(part), "{part} in {access_set}");
    }
    // Plain http: a Secure cookie would never come back.
    assert!(!access_set.contains("Secure"));
    let refresh_set = login
        .set_cookies
        .iter()
        .find(|c| c.starts_with("refresh_token_cookie="))
        .unwrap();
    assert!(refresh_set.contains("Path=/api/auth/refresh-token"));
    let session = cookie(&login.set_cookies, "access_token_cookie");

    // The cookie alone is a session: the router guard's call and the start-up call.
    let me = browser
        .send(
            Method::GET,
            "/api/auth/authenticated",
            Some(&session),
            None,
            None,
        )
        .await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["user"]["email"], email.as_str());
    let context = browser
        .send(
            Method::GET,
            "/api/data/user/context",
            Some(&session),
            None,
            None,
        )
        .await;
    assert_eq!(context.status, StatusCode::OK);

    // Live events: the cookie opens a Socket.IO session from our pages, not another site's.
    let handshake = "/socket.io/?EIO=4&transport=polling";
    let ours = browser
        .send(Method::GET, handshake, Some(&session), None, None)
        .await;
    assert_eq!(ours.status, StatusCode::OK);
    let theirs = browser
        .send(
            Method::GET,
            handshake,
            Some(&session),
            Some("https://evil.example"),
            None,
        )
        .await;
    assert_eq!(theirs.status, StatusCode::FORBIDDEN);

    // A write with the cookie from another site's page, or from a page that names none:
    // refused, and nothing is made.
    let production = json!({"name": "Cross-site"});
    for origin in [Some("https://evil.example"), Some("null"), None] {
        let refused = browser
            .send(
                Method::POST,
                "/api/data/projects",
                Some(&session),
                origin,
                Some(production.clone()),
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{origin:?}");
        assert!(refused.body["message"].as_str().unwrap().contains("Origin"));
    }
    let projects = call(&admin, Method::GET, "/data/projects", None, 200).await;
    assert!(
        projects
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["name"] != "Cross-site")
    );
    // From our own page it goes through.
    let made = browser
        .send(
            Method::POST,
            "/api/data/projects",
            Some(&session),
            Some(&browser.origin),
            Some(json!({"name": "Same-site"})),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);

    // Bearer clients are unchanged: no Origin, no cookie.
    call(
        &admin,
        Method::POST,
        "/data/projects",
        Some(json!({"name": "Scripted"})),
        201,
    )
    .await;

    // Another site's page may not log the browser in either.
    let foreign = browser
        .send(
            Method::POST,
            "/api/auth/login",
            None,
            Some("https://evil.example"),
            Some(json!({"email": email, "password": PASSWORD})),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    assert!(foreign.set_cookies.is_empty());

    // The refresh cookie renews both; the old access cookie stops working.
    let refresh = cookie(&login.set_cookies, "refresh_token_cookie");
    let renewed = browser
        .send(
            Method::GET,
            "/api/auth/refresh-token",
            Some(&refresh),
            None,
            None,
        )
        .await;
    assert_eq!(renewed.status, StatusCode::OK, "{:?}", renewed.body);
    let new_session = cookie(&renewed.set_cookies, "access_token_cookie");
    assert_ne!(new_session, session);
    let stale = browser
        .send(
            Method::GET,
            "/api/auth/authenticated",
            Some(&session),
            None,
            None,
        )
        .await;
    assert_eq!(stale.status, StatusCode::UNAUTHORIZED);

    // Logout (Kitsu's GET) ends the session and expires both cookies.
    let out = browser
        .send(
            Method::GET,
            "/api/auth/logout",
            Some(&new_session),
            None,
            None,
        )
        .await;
    assert_eq!(out.status, StatusCode::OK);
    for name in ["access_token_cookie", "refresh_token_cookie"] {
        let expired = out
            .set_cookies
            .iter()
            .find(|c| c.starts_with(&format!("{name}=;")))
            .unwrap_or_else(|| panic!("{name} not expired: {:?}", out.set_cookies));
        assert!(expired.contains("Max-Age=0"), "{expired}");
    }
    let gone = browser
        .send(
            Method::GET,
            "/api/auth/authenticated",
            Some(&new_session),
            None,
            None,
        )
        .await;
    assert_eq!(gone.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn cookies_are_secure_and_the_public_origin_counts_behind_a_proxy() {
    let (ts, _admin) =
        setup_config(|c| c.public_url = Some("https://kitsu.studio.test".into())).await;
    let browser = Browser::new(&ts);
    let email = account(&ts, Role::Manager).await;
    // The proxy reaches the server at its own address; the page is the public URL's.
    let login = browser
        .send(
            Method::POST,
            "/api/auth/login",
            None,
            Some("https://kitsu.studio.test"),
            Some(json!({"email": email, "password": PASSWORD})),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{:?}", login.body);
    assert!(login.set_cookies.iter().all(|c| c.contains("; Secure")));
    let session = cookie(&login.set_cookies, "access_token_cookie");
    let made = browser
        .send(
            Method::POST,
            "/api/data/projects",
            Some(&session),
            Some("https://kitsu.studio.test"),
            Some(json!({"name": "Proxied"})),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
}

#[tokio::test]
async fn the_start_up_calls_answer_every_key_the_front_end_reads_as_the_person_may_see() {
    let (ts, admin) = setup().await;
    // Public, before login: the first call of every page.
    let config = call(&ts.anonymous, Method::GET, "/config", None, 200).await;
    for (key, value) in [
        ("is_self_hosted", json!(true)),
        ("crisp_token", json!("")),
        ("indexer_configured", json!(true)),
        ("saml_enabled", json!(false)),
        ("oidc_enabled", json!(false)),
    ] {
        assert_eq!(config[key], value, "{key}");
    }
    assert_eq!(config["dark_theme_by_default"], false);

    // Two open productions; the artist is on one.
    let ours = call(
        &admin,
        Method::POST,
        "/data/projects",
        Some(json!({"name": "Ours", "production_type": "tvshow"})),
        201,
    )
    .await;
    let theirs = call(
        &admin,
        Method::POST,
        "/data/projects",
        Some(json!({"name": "Theirs"})),
        201,
    )
    .await;
    let (artist, artist_id) = member(&ts, &admin, &id(&ours), Role::Artist).await;
    let task_types = call(&admin, Method::GET, "/data/task-types", None, 200).await;
    let layout = task_types.as_array().unwrap()[0].clone();
    call(
        &admin,
        Method::POST,
        &format!("/data/projects/{}/settings/task-types", id(&ours)),
        Some(json!({"task_type_id": id(&layout), "priority": 3})),
        201,
    )
    .await;
    let statuses = call(&admin, Method::GET, "/data/task-status", None, 200).await;
    let todo = statuses.as_array().unwrap()[0].clone();
    call(
        &admin,
        Method::POST,
        &format!("/data/projects/{}/settings/task-status", id(&ours)),
        Some(json!({"task_status_id": id(&todo)})),
        201,
    )
    .await;

    let context = call(&artist, Method::GET, "/data/user/context", None, 200).await;
    for key in [
        "projects",
        "project_status",
        "project_roles",
        "task_types",
        "task_status",
        "asset_types",
        "persons",
        "departments",
        "studios",
        "custom_actions",
        "status_automations",
        "preview_background_files",
        "search_filters",
        "search_filter_groups",
        "notification_count",
        "plugins",
    ] {
        assert!(context.get(key).is_some(), "no {key} in the context");
    }
    // Only the production the artist is on, with its settings as Kitsu reads them.
    let projects = context["projects"].as_array().unwrap();
    assert_eq!(projects.len(), 1, "{projects:?}");
    let project = &projects[0];
    assert_eq!(project["id"], ours["id"]);
    assert_eq!(project["task_types_priority"][id(&layout)], 3);
    assert_eq!(
        project["task_statuses_link"][id(&todo)]["roles_for_board"],
        json!(["user", "admin", "supervisor", "manager", "vendor"])
    );
    assert!(
        project["team"]
            .as_array()
            .unwrap()
            .contains(&json!(artist_id))
    );
    assert!(project["descriptors"].is_array());
    // A TV show starts with its first episode, which the front end opens.
    assert!(project["first_episode_id"].is_string(), "{project}");
    assert_eq!(context["notification_count"], 0);
    assert!(!context["task_types"].as_array().unwrap().is_empty());
    assert!(!context["task_status"].as_array().unwrap().is_empty());
    assert_eq!(context["project_status"].as_array().unwrap().len(), 2);
    // An artist sees the others' public fields only, and no seat count.
    let persons = context["persons"].as_array().unwrap();
    assert!(persons.iter().any(|p| p["id"] == artist_id.as_str()));
    for person in persons {
        assert!(person.get("email").is_none(), "{person}");
        assert!(person["first_name"].is_string() || person["first_name"].is_null());
    }
    assert!(context.get("user_limit").is_none());

    // An admin gets every open production and people in full.
    let full = call(&admin, Method::GET, "/data/user/context", None, 200).await;
    let names: Vec<_> = full["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Ours", "Theirs"]);
    assert!(
        full["persons"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["email"].is_string())
    );
    assert!(full.get("user_limit").is_some());
    // A closed production leaves the context.
    let closed = full["project_status"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Closed")
        .unwrap()
        .clone();
    call(
        &admin,
        Method::PUT,
        &format!("/data/projects/{}", id(&theirs)),
        Some(json!({"project_status_id": id(&closed)})),
        200,
    )
    .await;
    let after = call(&admin, Method::GET, "/data/user/context", None, 200).await;
    assert_eq!(after["projects"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_web_front_end_is_served_beside_the_api_from_one_origin() {
    // The front end's folder, with a file beside it that must stay unreachable.
    let outer = tempfile::tempdir().unwrap();
    std::fs::write(outer.path().join("secret.txt"), "not for the web").unwrap();
    let site = outer.path().join("site");
    std::fs::create_dir_all(site.join("assets")).unwrap();
    std::fs::write(
        site.join("index.html"),
        "<!doctype html><title>Kitsu</title>",
    )
    .unwrap();
    std::fs::write(site.join("assets/index-4f2a9c.js"), "console.log(1)").unwrap();
    std::fs::write(site.join("favicon.ico"), [0u8, 0, 1, 0]).unwrap();
    let dir = site.clone();
    let (ts, admin) = setup_config(|c| c.web_ui = Some(dir)).await;
    let http = reqwest::Client::new();
    let get = |path: &str| http.get(format!("{}{path}", ts.url())).send();

    // The page, for its own path and for any client-side route.
    for path in ["/", "/productions", "/productions/5/assets?search=x"] {
        let page = get(path).await.unwrap();
        assert_eq!(page.status(), StatusCode::OK, "{path}");
        assert_eq!(page.headers()["cache-control"], "no-cache", "{path}");
        assert!(
            page.text().await.unwrap().contains("<title>Kitsu</title>"),
            "{path}"
        );
    }
    // Hashed assets are kept a year; other files are revalidated.
    let script = get("/assets/index-4f2a9c.js").await.unwrap();
    assert_eq!(script.status(), StatusCode::OK);
    assert!(
        script.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert!(
        script.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    assert_eq!(
        get("/favicon.ico").await.unwrap().headers()["cache-control"],
        "no-cache"
    );

    // The API stays the API: its routes, and its 404s as JSON, never the page.
    call(&admin, Method::GET, "/data/user/context", None, 200).await;
    let missing = get("/api/no-such-route").await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let body: Value = missing.json().await.unwrap();
    assert!(body["message"].is_string(), "{body}");
    // Socket.IO's handshake is the server's too: for a logged-in client, Engine.IO's open
    // packet; for anyone else a 401, never the page nor a session.
    let handshake = "/socket.io/?EIO=4&transport=polling";
    assert_eq!(
        get(handshake).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let opened = http
        .get(format!("{}{handshake}", ts.url()))
        .bearer_auth(admin.token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), StatusCode::OK);
    assert!(opened.text().await.unwrap().starts_with("0{"));
    // Writes to the front end's paths are not pages.
    let post = http
        .post(format!("{}/productions", ts.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), StatusCode::NOT_FOUND);
    // Nothing outside the folder.
    for path in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/assets/..%2f..%2fsecret.txt",
        "/assets/%2e%2e/%2e%2e/secret.txt",
    ] {
        let escaped = get(path).await.unwrap();
        let text = escaped.text().await.unwrap();
        assert!(!text.contains("not for the web"), "{path}");
    }

    // A folder without its page is refused at start, not served as 404s.
    let empty = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let refused = drover_server::Server::start(drover_server::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: data.path().to_owned(),
        public_url: None,
        secret_key_file: None,
        behind_proxy: false,
        web_ui: Some(empty.path().to_owned()),
        mail: None,
        limits: drover_server::Limits::default(),
    })
    .await;
    let Err(error) = refused else {
        panic!("a web UI folder without index.html was accepted");
    };
    assert!(error.to_string().contains("index.html"), "{error}");
}

/// A streamed with-tasks answer read back as Kitsu reads it: the header's field names
/// applied to each array line, the tasks' to each task array.
fn read_compact(body: &str, fields_key: &str) -> Vec<Value> {
    let mut lines = body.lines();
    let header: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(header["compact"], true);
    // Kitsu takes the first `*_fields` key that is not the tasks': there must be one.
    let other_keys: Vec<_> = header
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| k.ends_with("_fields") && *k != "task_fields")
        .collect();
    assert_eq!(other_keys, [fields_key]);
    let names = |key: &str| -> Vec<String> {
        header[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap().to_owned())
            .collect()
    };
    let (fields, task_fields) = (names(fields_key), names("task_fields"));
    lines
        .map(|line| {
            let values: Vec<Value> = serde_json::from_str(line).unwrap();
            assert_eq!(values.len(), fields.len(), "{line}");
            let mut entity: serde_json::Map<String, Value> =
                fields.iter().cloned().zip(values).collect();
            let tasks = entity["tasks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|task| {
                    let task = task.as_array().unwrap();
                    assert_eq!(task.len(), task_fields.len());
                    Value::Object(
                        task_fields
                            .iter()
                            .cloned()
                            .zip(task.iter().cloned())
                            .collect(),
                    )
                })
                .collect();
            entity.insert("tasks".into(), Value::Array(tasks));
            Value::Object(entity)
        })
        .collect()
}

#[tokio::test]
async fn the_production_lists_come_with_their_tasks_plain_or_as_the_compact_stream() {
    let (ts, admin) = setup().await;
    let b = super::breakdown(&admin, "Lists").await;
    let (artist, artist_id) = member(&ts, &admin, &b.project, Role::Artist).await;
    call(
        &admin,
        Method::PUT,
        &format!("/actions/persons/{artist_id}/assign"),
        Some(json!({"task_ids": [b.task]})),
        200,
    )
    .await;
    // The asset is cast in the shot, so it counts as cast in the shot's episode.
    call(
        &admin,
        Method::PUT,
        &format!("/data/projects/{}/entities/{}/casting", b.project, b.shot),
        Some(json!([{"asset_id": b.asset, "nb_occurences": 1}])),
        200,
    )
    .await;

    // Shots, plain: one object per shot, its tasks inside, names of its parents.
    let path = format!("/data/shots/with-tasks?project_id={}", b.project);
    let plain = call(&artist, Method::GET, &path, None, 200).await;
    let shots = plain.as_array().unwrap();
    assert_eq!(shots.len(), 1);
    let shot = &shots[0];
    assert_eq!(shot["id"], b.shot.as_str());
    assert_eq!(shot["name"], "SH010");
    assert_eq!(shot["sequence_id"], b.sequence.as_str());
    assert_eq!(shot["sequence_name"], "SQ01");
    assert_eq!(shot["episode_id"], b.episode.as_str());
    assert_eq!(shot["episode_name"], "E01");
    assert_eq!(shot["project_name"], "Lists");
    assert_eq!(shot["frame_in"], 1);
    assert_eq!(shot["frame_out"], 48);
    assert_eq!(shot["type"], "Shot");
    assert_eq!(shot["canceled"], false);
    let task = &shot["tasks"][0];
    assert_eq!(task["id"], b.task.as_str());
    assert_eq!(task["assignees"], json!([artist_id]));
    assert_eq!(task["entity_id"], b.shot.as_str());
    assert!(task.get("nb_drawings").is_some());

    // The same list streamed compact, read back as Kitsu does: the same shots.
    let http = reqwest::Client::new();
    let response = http
        .get(format!("{}/api{path}&stream=true&compact=true", ts.url()))
        .bearer_auth(artist.token().unwrap())
        .header("accept", "application/x-ndjson")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("ndjson")
    );
    let compact = read_compact(&response.text().await.unwrap(), "shot_fields");
    assert_eq!(compact, *shots);
    // Streamed without `compact`: one object per line, the same shots.
    let lines = http
        .get(format!("{}/api{path}&stream=true", ts.url()))
        .bearer_auth(artist.token().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let objects: Vec<Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objects, *shots);

    // Assets: Zou's empty strings for missing ids, and the episodes they are cast in.
    let assets_path = format!("/data/assets/with-tasks?project_id={}", b.project);
    let assets = call(&artist, Method::GET, &assets_path, None, 200).await;
    let asset = &assets.as_array().unwrap()[0];
    assert_eq!(asset["id"], b.asset.as_str());
    assert_eq!(asset["asset_type_name"], "Character");
    assert_eq!(asset["preview_file_id"], "");
    assert_eq!(asset["episode_id"], "");
    assert_eq!(asset["casting_episode_ids"], json!([b.episode]));
    assert_eq!(asset["tasks"], json!([]));
    let response = http
        .get(format!(
            "{}/api{assets_path}&stream=true&compact=true",
            ts.url()
        ))
        .bearer_auth(artist.token().unwrap())
        .send()
        .await
        .unwrap();
    let compact = read_compact(&response.text().await.unwrap(), "asset_fields");
    assert_eq!(compact, *assets.as_array().unwrap());
    // Filtered by an episode the asset is cast in, it stays; by "main" (no episode), it too
    // stays, as it belongs to none; by another episode, it goes.
    let other = call(
        &admin,
        Method::POST,
        &format!("/data/projects/{}/episodes", b.project),
        Some(json!({"name": "E02"})),
        201,
    )
    .await;
    for (episode, count) in [
        (b.episode.as_str(), 1),
        ("main", 1),
        (id(&other).as_str(), 0),
    ] {
        let found = call(
            &artist,
            Method::GET,
            &format!("{assets_path}&episode_id={episode}"),
            None,
            200,
        )
        .await;
        assert_eq!(found.as_array().unwrap().len(), count, "{episode}");
    }

    // Sequences and episodes: plain lists of entities with their tasks.
    for (kind, name) in [("sequences", "SQ01"), ("episodes", "E01")] {
        let found = call(
            &artist,
            Method::GET,
            &format!("/data/{kind}/with-tasks?project_id={}", b.project),
            None,
            200,
        )
        .await;
        let first = &found.as_array().unwrap()[0];
        assert_eq!(first["name"], name, "{kind}");
        assert!(first["tasks"].is_array(), "{kind}");
    }

    // Someone not on the production learns nothing of it; a list needs its production.
    let outsider = ts.client_as(Role::Artist).await;
    call(&outsider, Method::GET, &path, None, 404).await;
    call(&artist, Method::GET, "/data/shots/with-tasks", None, 400).await;
}

/// A list is kept between reads, so every kind of write must reach it: a field of a task, an
/// assignment (a link table SQLite's update hook does not see), and each reader's own
/// subscriptions; and a reader who left the production gets nothing kept for them.
#[tokio::test]
async fn a_kept_list_follows_every_write_and_is_only_sent_to_who_may_read_it() {
    let (ts, admin) = setup().await;
    let b = super::breakdown(&admin, "Kept").await;
    let (artist, artist_id) = member(&ts, &admin, &b.project, Role::Artist).await;
    let path = format!("/data/shots/with-tasks?project_id={}", b.project);
    let task_of = |list: &Value| list[0]["tasks"][0].clone();
    let first = call(&artist, Method::GET, &path, None, 200).await;
    assert_eq!(task_of(&first)["assignees"], json!([]));
    assert_eq!(
        call(&artist, Method::GET, &path, None, 200).await,
        first,
        "read twice, the same"
    );

    call(
        &admin,
        Method::PUT,
        &format!("/actions/persons/{artist_id}/assign"),
        Some(json!({"task_ids": [b.task]})),
        200,
    )
    .await;
    let assigned = call(&artist, Method::GET, &path, None, 200).await;
    assert_eq!(task_of(&assigned)["assignees"], json!([artist_id]));

    call(
        &admin,
        Method::PUT,
        &format!("/data/tasks/{}", b.task),
        Some(json!({"priority": 3})),
        200,
    )
    .await;
    assert_eq!(
        task_of(&call(&artist, Method::GET, &path, None, 200).await)["priority"],
        3
    );
    // The compact stream is kept apart from the plain list, and follows too.
    let streamed = |client: drover_shared::Client| {
        let url = format!("{}/api{path}&stream=true&compact=true", ts.url());
        async move {
            let body = reqwest::Client::new()
                .get(url)
                .bearer_auth(client.token().unwrap())
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            read_compact(&body, "shot_fields")
        }
    };
    assert_eq!(
        task_of(&json!(streamed(artist.clone()).await))["priority"],
        3
    );

    // Each reader's list says which tasks they follow.
    call(
        &admin,
        Method::POST,
        "/data/subscriptions",
        Some(json!({"task_id": b.task, "person_id": artist_id})),
        201,
    )
    .await;
    assert_eq!(
        task_of(&call(&artist, Method::GET, &path, None, 200).await)["is_subscribed"],
        true
    );
    assert_eq!(
        task_of(&call(&admin, Method::GET, &path, None, 200).await)["is_subscribed"],
        false
    );
    assert_eq!(
        task_of(&json!(streamed(artist.clone()).await))["is_subscribed"],
        true
    );

    // Off the team, the kept list is not theirs any more.
    call(
        &admin,
        Method::DELETE,
        &format!("/data/projects/{}/team/{artist_id}", b.project),
        None,
        204,
    )
    .await;
    call(&artist, Method::GET, &path, None, 404).await;
}

/// A vendor works on the tasks given to them: the production lists show them those tasks
/// and the entities they are on, nothing else of the production (as Zou scopes them).
#[tokio::test]
async fn a_vendor_sees_only_their_own_tasks_in_the_production_lists() {
    let (ts, admin) = setup().await;
    let b = super::breakdown(&admin, "Outsourced").await;
    let p = &b.project;
    let second_shot = call(
        &admin,
        Method::POST,
        &format!("/data/projects/{p}/shots"),
        Some(json!({"name": "SH020", "sequence_id": b.sequence})),
        201,
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
    let other_task = call(
        &admin,
        Method::POST,
        "/data/tasks",
        Some(json!({"project_id": p, "entity_id": id(&second_shot),
                    "task_type_id": task["task_type_id"], "task_status_id": task["task_status_id"]})),
        201,
    )
    .await;
    let (vendor, vendor_id) = member(&ts, &admin, p, Role::Vendor).await;
    let path = format!("/data/shots/with-tasks?project_id={p}");
    assert_eq!(
        call(&vendor, Method::GET, &path, None, 200).await,
        json!([])
    );
    call(
        &admin,
        Method::PUT,
        &format!("/actions/persons/{vendor_id}/assign"),
        Some(json!({"task_ids": [b.task]})),
        200,
    )
    .await;
    let theirs = call(&vendor, Method::GET, &path, None, 200).await;
    let shots = theirs.as_array().unwrap();
    assert_eq!(shots.len(), 1, "{theirs}");
    assert_eq!(shots[0]["id"], b.shot.as_str());
    assert_eq!(shots[0]["tasks"].as_array().unwrap().len(), 1);
    // The studio's own people see both shots and both tasks.
    let all = call(&admin, Method::GET, &path, None, 200).await;
    assert_eq!(all.as_array().unwrap().len(), 2);
    assert!(
        all.to_string().contains(other_task["id"].as_str().unwrap()),
        "{all}"
    );
}
