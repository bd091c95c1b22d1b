//! The OpenAPI document tells the truth: every reference in `/api/openapi.json` resolves, every
//! operation documents the errors it may answer, and schemathesis, fed the document and a
//! seeded farm and production, finds no answer that breaks its documented schema and no 500,
//! as a client, an artist, a render node and an admin.
//!
//! schemathesis comes from `DROVER_SCHEMATHESIS` (its executable in a venv, pinned by
//! `.ci/run`); without it that test is skipped, unless `DROVER_REQUIRE_SCHEMATHESIS=1`.

use drover_shared::{Client, Role};
use drover_tests::{
    TestServer, assert_still_answers, join_team, project, project_uuid, render_job, setup, submit,
};
use reqwest::Method;
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A hung run fails the test instead of stalling CI.
const TIMEOUT: Duration = Duration::from_mins(10);

/// Fixed, so that CI is repeatable: a failure reproduces with the same seed (and another seed
/// can be tried by hand with `DROVER_SCHEMATHESIS_SEED`).
const SEED: &str = "1311";

/// Every `$ref` of `document` that names nothing in it.
fn unresolved_refs(document: &Value) -> Vec<String> {
    fn walk(root: &Value, value: &Value, missing: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(target)) = map.get("$ref") {
                    let found = target
                        .strip_prefix('#')
                        .is_some_and(|pointer| root.pointer(pointer).is_some());
                    if !found {
                        missing.push(target.clone());
                    }
                }
                map.values().for_each(|child| walk(root, child, missing));
            }
            Value::Array(items) => items.iter().for_each(|child| walk(root, child, missing)),
            _ => {}
        }
    }
    let mut missing = Vec::new();
    walk(document, document, &mut missing);
    missing.sort();
    missing.dedup();
    missing
}

#[tokio::test]
async fn every_reference_resolves_and_every_operation_documents_its_errors() {
    let (_ts, admin) = setup().await;
    let document = admin.openapi().await.unwrap();
    assert_eq!(unresolved_refs(&document), Vec::<String>::new());

    let schemas = &document["components"]["schemas"];
    let roles = schemas["Role"]["enum"].as_array().unwrap();
    assert!(roles.contains(&json!("admin")), "{roles:?}");
    assert!(roles.contains(&json!("user")), "Kitsu's name: {roles:?}");
    assert!(
        schemas["TaskStatus"]["enum"]
            .as_array()
            .unwrap()
            .contains(&json!("soft_failed"))
    );

    let mut operations = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            operations += 1;
            let responses = operation["responses"].as_object().unwrap();
            let needs_token = operation["security"].as_array().is_some_and(|s| {
                s.iter()
                    .any(|r| r.as_object().is_some_and(|r| !r.is_empty()))
            });
            if needs_token {
                assert_eq!(
                    responses["401"]["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorBody",
                    "{method} {path} documents no 401"
                );
            }
            if path.contains('{') {
                assert!(responses.contains_key("404"), "{method} {path}: no 404");
            }
        }
    }
    assert!(operations > 300, "{operations} operations");

    // Kitsu's list with `page` is the page object the document describes.
    let list = &document["paths"]["/data/tasks"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"]["oneOf"];
    assert_eq!(list[1]["required"][0], "data", "{list}");
    assert_still_answers(&admin).await;
}

/// What the run needs from the server: tokens of each kind and ids of seeded rows.
struct Seeded {
    client: Client,
    artist: Client,
    worker_token: String,
    ids: Vec<String>,
}

/// The id of the answer's row, after checking the call succeeded.
fn id_of(what: &str, answer: &drover_shared::client::RawResponse) -> String {
    assert!(
        answer.status.is_success(),
        "seeding {what}: {} {:?}",
        answer.status,
        answer.body
    );
    answer
        .body
        .as_ref()
        .and_then(|b| b["id"].as_str())
        .unwrap_or_default()
        .to_owned()
}

async fn post(admin: &Client, what: &str, path: &str, body: Value) -> String {
    id_of(
        what,
        &admin.raw(Method::POST, path, Some(&body)).await.unwrap(),
    )
}

/// The first row of a model whose `name` is `name`.
async fn named(admin: &Client, model: &str, name: &str) -> String {
    let rows = admin.data_list(model, &[("name", name)]).await.unwrap();
    rows[0]["id"].as_str().unwrap().to_owned()
}

/// A farm project with jobs, its production twin with an asset, a shot, tasks, a comment, a
/// preview and time spent, a registered render node, and a client and an artist on the team,
/// so that generated requests reach real rows and not only 404s.
async fn seed(ts: &TestServer, admin: &Client) -> Seeded {
    let farm = project(admin, "Schemathesis").await;
    submit(admin, farm.id, "1-4", 2).await;
    let mut paused = render_job(farm.id, "1-3", 1);
    paused.paused = true;
    admin.submit_job(&paused).await.unwrap();
    let p = project_uuid(admin, farm.id).await;

    let client = ts.client_as(Role::Client).await;
    let artist = ts.client_as(Role::Artist).await;
    join_team(admin, farm.id, &client).await;
    join_team(admin, farm.id, &artist).await;
    let artist_id = artist.authenticated().await.unwrap().user.id.to_string();

    let character = named(admin, "asset-types", "Character").await;
    let asset = post(
        admin,
        "an asset",
        &format!("/data/projects/{p}/asset-types/{character}/assets/new"),
        json!({"name": "Hero"}),
    )
    .await;
    let episode = post(
        admin,
        "an episode",
        &format!("/data/projects/{p}/episodes"),
        json!({"name": "E01"}),
    )
    .await;
    let sequence = post(
        admin,
        "a sequence",
        &format!("/data/projects/{p}/sequences"),
        json!({"name": "SQ01", "episode_id": episode}),
    )
    .await;
    let shot = post(
        admin,
        "a shot",
        &format!("/data/projects/{p}/shots"),
        json!({"name": "SH010", "sequence_id": sequence, "nb_frames": 24}),
    )
    .await;
    let task_types = admin.data_list("task-types", &[]).await.unwrap();
    let statuses = admin.data_list("task-status", &[]).await.unwrap();
    let first = |rows: &Value| rows[0]["id"].as_str().unwrap().to_owned();
    let (animation, todo) = (first(&task_types), first(&statuses));
    let wip = statuses[1]["id"].as_str().unwrap().to_owned();
    post(
        admin,
        "a project task type",
        &format!("/data/projects/{p}/settings/task-types"),
        json!({"task_type_id": animation}),
    )
    .await;
    for status in [&todo, &wip] {
        post(
            admin,
            "a project status",
            &format!("/data/projects/{p}/settings/task-status"),
            json!({"task_status_id": status}),
        )
        .await;
    }
    let mut tasks = Vec::new();
    for entity in [&shot, &asset] {
        let task = admin
            .data_create(
                "tasks",
                &json!({"project_id": p, "task_type_id": animation, "task_status_id": todo,
                        "entity_id": entity, "assignees": [artist_id]}),
            )
            .await
            .unwrap();
        tasks.push(task["id"].as_str().unwrap().to_owned());
    }
    let task = &tasks[0];
    let comment = post(
        admin,
        "a comment",
        &format!("/actions/tasks/{task}/comment"),
        json!({"task_status_id": wip, "comment": "first pass"}),
    )
    .await;
    let preview = post(
        admin,
        "a preview",
        &format!("/actions/tasks/{task}/comments/{comment}/add-preview"),
        json!({"revision": 1}),
    )
    .await;
    post(
        admin,
        "time spent",
        &format!("/actions/tasks/{task}/time-spents/2024-05-03/persons/{artist_id}"),
        json!({"duration": 60}),
    )
    .await;
    let casting = admin
        .raw(
            Method::PUT,
            &format!("/data/projects/{p}/entities/{shot}/casting"),
            Some(&json!([{"asset_id": asset, "nb_occurences": 1}])),
        )
        .await
        .unwrap();
    assert!(casting.status.is_success(), "casting: {casting:?}");
    let playlist = admin
        .data_create("playlists", &json!({"name": "Daily", "project_id": p}))
        .await
        .unwrap();

    let join = admin.join_token().await.unwrap().token;
    let (_, worker_token) = drover_tests::signed_on_worker_with_token(ts, &join, "fuzzed").await;

    // Not the admin's own id: a generated `PUT /data/persons/{id}` that deactivates the admin
    // would end the run's session and leave the rest of the run testing 401s.
    let ids = [
        p, asset, episode, sequence, shot, comment, preview, artist_id, animation, todo, wip,
        character,
    ]
    .into_iter()
    .chain(tasks)
    .chain(playlist["id"].as_str().map(str::to_owned))
    .collect();
    Seeded {
        client,
        artist,
        worker_token,
        ids,
    }
}

/// The path parameters that name production rows: generated requests use a seeded id for
/// them half of the time.
const ID_PARAMETERS: &[&str] = &[
    "id",
    "project",
    "asset",
    "asset_type",
    "episode",
    "sequence",
    "shot",
    "scene",
    "entity",
    "temporal",
    "instance",
    "task",
    "comment",
    "preview",
    "person",
    "department",
    "attachment",
];

/// schemathesis's configuration: the seeded ids as a dictionary for the id parameters.
fn config(dir: &Path, ids: &[String]) -> PathBuf {
    let mut text = format!(
        "[dictionaries.ids]\nvalues = {}\n\n[parameters]\n",
        json!(ids)
    );
    for name in ID_PARAMETERS {
        // Writing into a String cannot fail.
        let _ = writeln!(
            text,
            "\"path.{name}\" = {{ dictionary = \"ids\", probability = 0.5 }}"
        );
    }
    let path = dir.join("schemathesis.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs schemathesis with `token` over the document, with `extra` arguments; panics with its
/// report unless it found nothing.
async fn run(
    st: &Path,
    dir: &Path,
    config: &Path,
    url: &str,
    who: &str,
    token: &str,
    extra: &[&str],
) {
    let seed = std::env::var("DROVER_SCHEMATHESIS_SEED").unwrap_or_else(|_| SEED.into());
    let document = format!("{url}/api/openapi.json");
    let authorization = format!("Authorization: Bearer {token}");
    let started = std::time::Instant::now();
    let run = tokio::process::Command::new(st)
        .arg("--config-file")
        .arg(config)
        .args(["run", &document, "-H", &authorization])
        .args(["--checks", "response_schema_conformance,not_a_server_error"])
        .args(["--workers", "2", "--request-timeout", "10", "--seed", &seed])
        .args(["--no-color", "--generation-database", "none"])
        // The event stream never ends, so there is no whole answer to check.
        .args(["--exclude-path", "/events"])
        // A claim long-polls up to 60 s per request: minutes of waiting for one operation.
        .args(["--exclude-path", "/worker/task"])
        // It ends the session the run uses (GET is gazu's spelling of it).
        .args(["--exclude-path", "/auth/logout"])
        .args(extra)
        // Hypothesis keeps its files in the working directory: not in the source tree.
        .current_dir(dir)
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(TIMEOUT, run)
        .await
        .unwrap_or_else(|_| panic!("schemathesis as {who} did not finish in {TIMEOUT:?}"))
        .unwrap_or_else(|e| panic!("running {} (DROVER_SCHEMATHESIS): {e}", st.display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    // The failures and the summary; the whole list of warnings is long and says nothing new.
    let report = stdout
        .find("FAILURES")
        .or_else(|| stdout.find("ERRORS"))
        .map_or_else(
            || {
                stdout
                    .chars()
                    .rev()
                    .take(3000)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect()
            },
            |start| stdout[start..].chars().take(30_000).collect::<String>(),
        );
    assert!(
        output.status.success(),
        "schemathesis as {who} found problems ({}, seed {seed}):\n{report}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr),
    );
    let tested = stdout
        .lines()
        .map(str::trim)
        .find(|line| line.starts_with("Tested:"))
        .unwrap_or("Tested: ?");
    eprintln!(
        "schemathesis as {who}: nothing found in {:?} ({tested} operations)",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_answer_off_its_schema_and_no_server_error() {
    let Some(st) = std::env::var_os("DROVER_SCHEMATHESIS").map(PathBuf::from) else {
        assert!(
            std::env::var("DROVER_REQUIRE_SCHEMATHESIS").as_deref() != Ok("1"),
            "DROVER_REQUIRE_SCHEMATHESIS=1 but DROVER_SCHEMATHESIS is not set"
        );
        eprintln!(
            "skipped: DROVER_SCHEMATHESIS is not set (schemathesis's executable; see .ci/run)"
        );
        return;
    };
    let (ts, admin) = setup().await;
    let seeded = seed(&ts, &admin).await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &seeded.ids);
    let url = ts.url();
    let token = |c: &Client| c.token().unwrap().to_owned();
    // Short runs: CI time is counted. The outsiders and the render node first (mostly
    // refusals, so fuzzing alone), the admin last and widest, as its writes and deletes
    // change what the others would see.
    let quick = ["--phases", "examples,fuzzing", "--max-examples", "3"];
    for (who, client) in [("a client", &seeded.client), ("an artist", &seeded.artist)] {
        run(&st, dir.path(), &config, &url, who, &token(client), &quick).await;
    }
    let worker_only = [&quick[..], &["--include-path-regex", "^/worker/"]].concat();
    run(
        &st,
        dir.path(),
        &config,
        &url,
        "a render node",
        &seeded.worker_token,
        &worker_only,
    )
    .await;
    run(
        &st,
        dir.path(),
        &config,
        &url,
        "an admin",
        &token(&admin),
        &["--max-examples", "5"],
    )
    .await;
    // A fresh account: the admin run may have deactivated any of the seeded ones.
    assert_still_answers(&ts.client_as(Role::Admin).await).await;
}
