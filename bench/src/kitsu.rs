//! `drover-bench kitsu`: the production API under the load of Kitsu clients, to compare with
//! Zou. The real server runs in a child process (as for `dispatch`); this program seeds one
//! project through the HTTP API as an admin script would (1 episode, 10 sequences, 1,000
//! shots, 10 shot task types, 10,000 tasks, with many requests in flight), then lets 32
//! clients loop on each read route for a fixed time and reports req/s and latency: the task
//! list, a shot's tasks, the project, the shots screen's list with its tasks (plain and as
//! the compact stream) and the web front end's start-up context.

use crate::dispatch::ChildServer;
use anyhow::Context;
use drover_shared::Client;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const EMAIL: &str = "bench@drover.test";
const PASSWORD: &str = "bench password";

/// Shot task types made when the server seeds fewer (it seeds 7 for shots).
const EXTRA_TASK_TYPES: &[&str] = &["Matte Painting", "Roto", "Grading", "Tracking", "Cleanup"];

/// What the `kitsu` scenario does; the defaults are the issue's.
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// Sequences in the one episode.
    #[arg(long, default_value_t = 10)]
    pub sequences: usize,
    /// Shots in the project, spread evenly over the sequences.
    #[arg(long, default_value_t = 1000)]
    pub shots: usize,
    /// Shot task types; every shot gets one task of each.
    #[arg(long, default_value_t = 10)]
    pub task_types: usize,
    /// Requests in flight while seeding.
    #[arg(long, default_value_t = 32)]
    pub seed_concurrency: usize,
    /// Concurrent clients on each read route.
    #[arg(long, default_value_t = 32)]
    pub clients: usize,
    /// Seconds of load on each read route.
    #[arg(long, default_value_t = 15)]
    pub duration_secs: u64,
    /// Writes a second to a shot while the with-tasks lists are read again, so most answers
    /// cannot be the one kept since the last change (a busy production's day).
    #[arg(long, default_value_t = 20)]
    pub writes_per_sec: u64,
}

/// The project as seeded, and how long each step took.
struct Seeded {
    project_id: String,
    shot_ids: Vec<String>,
    tasks: usize,
    steps: Vec<(String, Duration)>,
    total: Duration,
}

/// What one route did under load.
#[derive(Default)]
struct Load {
    requests: usize,
    failures: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
    bytes: usize,
    server_cpu_secs: f64,
    bench_cpu_secs: f64,
}

/// Runs the scenario and prints its report.
pub fn run(options: &Options) -> anyhow::Result<()> {
    anyhow::ensure!(
        options.sequences > 0 && options.shots >= options.sequences,
        "at least one shot per sequence"
    );
    let server = ChildServer::spawn()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("bench-client")
        .build()?;
    runtime.block_on(async {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(options.clients.max(options.seed_concurrency) + 8)
            .build()?;
        let admin = Client::with_http(http.clone(), &server.url)
            .logged_in(EMAIL, PASSWORD)
            .await?;
        println!(
            "kitsu: 1 project, 1 episode, {} sequences, {} shots, {} shot task types, {} tasks",
            options.sequences,
            options.shots,
            options.task_types,
            options.shots * options.task_types
        );
        println!("  server: pid {} at {}", server.pid, server.url);
        let seeded = seed(&admin, options).await?;
        println!(
            "  seeding: {:.2} s through the HTTP API, {} requests in flight ({} tasks)",
            seeded.total.as_secs_f64(),
            options.seed_concurrency,
            seeded.tasks
        );
        for (step, took) in &seeded.steps {
            println!("    {step}: {:.2} s", took.as_secs_f64());
        }
        let token = admin
            .token()
            .context("logged in without a token")?
            .to_owned();
        let api = admin.api_url().to_owned();
        check_answers(&http, &api, &token, &seeded, options.task_types).await?;
        // The URLs are formatted here, not through the shared client, because the load loop
        // must read answers as bytes: parsing a multi-megabyte list in the client would take
        // the CPU the server needs on this 2-core machine.
        let routes = [
            (
                "GET /data/tasks?project_id=…",
                vec![format!("{api}/data/tasks?project_id={}", seeded.project_id)],
            ),
            (
                "GET /data/shots/{id}/tasks",
                seeded
                    .shot_ids
                    .iter()
                    .map(|id| format!("{api}/data/shots/{id}/tasks"))
                    .collect(),
            ),
            (
                "GET /data/projects/{id}",
                vec![format!("{api}/data/projects/{}", seeded.project_id)],
            ),
            (
                "GET /data/shots/with-tasks?project_id=…",
                vec![format!(
                    "{api}/data/shots/with-tasks?project_id={}",
                    seeded.project_id
                )],
            ),
            (
                "GET /data/shots/with-tasks?…&stream=true&compact=true",
                vec![format!(
                    "{api}/data/shots/with-tasks?project_id={}&stream=true&compact=true",
                    seeded.project_id
                )],
            ),
            (
                "GET /data/user/context",
                vec![format!("{api}/data/user/context")],
            ),
        ];
        let duration = Duration::from_secs(options.duration_secs);
        for (label, urls) in routes {
            let reset = server.reset_peak_rss();
            let load = hammer(&http, &token, urls, options.clients, duration, server.pid).await?;
            report(label, &load, options.clients);
            report_peak(&server, reset);
        }
        // The lists again, while a production is being worked on: each write makes the next
        // reader write the list anew.
        for (label, query) in [
            ("GET /data/shots/with-tasks?project_id=…", ""),
            (
                "GET /data/shots/with-tasks?…&stream=true&compact=true",
                "&stream=true&compact=true",
            ),
        ] {
            let url = format!(
                "{api}/data/shots/with-tasks?project_id={}{query}",
                seeded.project_id
            );
            let reset = server.reset_peak_rss();
            let writer = tokio::spawn(keep_writing(
                admin.clone(),
                seeded.shot_ids.clone(),
                options.writes_per_sec,
                duration,
            ));
            let load = hammer(
                &http,
                &token,
                vec![url],
                options.clients,
                duration,
                server.pid,
            )
            .await?;
            let written = writer.await??;
            report(
                &format!("{label}, {written} shot changes during it"),
                &load,
                options.clients,
            );
            report_peak(&server, reset);
        }
        anyhow::Ok(())
    })?;
    println!(
        "  server peak RSS: {:.0} MiB",
        server.peak_rss_mib().unwrap_or(f64::NAN)
    );
    Ok(())
}

/// Changes a shot's description `per_sec` times a second for `duration`; how many it changed.
async fn keep_writing(
    admin: Client,
    shots: Vec<String>,
    per_sec: u64,
    duration: Duration,
) -> anyhow::Result<usize> {
    if per_sec == 0 || shots.is_empty() {
        return Ok(0);
    }
    let deadline = Instant::now() + duration;
    let mut every = tokio::time::interval(Duration::from_micros(1_000_000 / per_sec));
    let mut written = 0;
    while Instant::now() < deadline {
        every.tick().await;
        let shot = &shots[written % shots.len()];
        let body = json!({"description": format!("take {written}")});
        let answer = admin
            .raw(Method::PUT, &format!("/data/entities/{shot}"), Some(&body))
            .await?;
        anyhow::ensure!(answer.status.is_success(), "PUT a shot: {}", answer.status);
        written += 1;
    }
    Ok(written)
}

/// `POST` to a route the shared client has no typed method for; the new row's id.
async fn post(client: &Client, path: &str, body: &Value) -> anyhow::Result<String> {
    let answer = client.raw(Method::POST, path, Some(body)).await?;
    anyhow::ensure!(
        answer.status.is_success(),
        "POST {path}: {} {:?}",
        answer.status,
        answer.body
    );
    id_of(answer.body.as_ref())
}

fn id_of(row: Option<&Value>) -> anyhow::Result<String> {
    row.and_then(|r| r.get("id"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .context("an answer without an id")
}

/// POSTs every `(path, body)`, at most `in_flight` at once; the new rows' ids, in order.
async fn post_all(
    client: &Client,
    requests: Vec<(String, Value)>,
    in_flight: usize,
) -> anyhow::Result<Vec<String>> {
    let requests = Arc::new(requests);
    let next = Arc::new(AtomicUsize::new(0));
    let senders: Vec<_> = (0..in_flight.clamp(1, requests.len().max(1)))
        .map(|_| {
            let (client, requests, next) = (client.clone(), requests.clone(), next.clone());
            tokio::spawn(async move {
                let mut made = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((path, body)) = requests.get(i) else {
                        return anyhow::Ok(made);
                    };
                    made.push((i, post(&client, path, body).await?));
                }
            })
        })
        .collect();
    let mut ids = vec![String::new(); requests.len()];
    for sender in senders {
        for (i, id) in sender.await?? {
            ids[i] = id;
        }
    }
    Ok(ids)
}

/// Seeds the project as a Kitsu admin script would, timing each step.
async fn seed(admin: &Client, options: &Options) -> anyhow::Result<Seeded> {
    let in_flight = options.seed_concurrency;
    let start = Instant::now();
    let mut steps = Vec::new();
    let mut step_start = Instant::now();
    let mut step = |name: String, steps: &mut Vec<(String, Duration)>| {
        steps.push((name, step_start.elapsed()));
        step_start = Instant::now();
    };

    let project = admin
        .data_create("projects", &json!({"name": "Bench Show"}))
        .await?;
    let project_id = id_of(Some(&Value::Object(project)))?;
    let temporal = |kind: &str| format!("/data/projects/{project_id}/{kind}");
    let episode_id = post(admin, &temporal("episodes"), &json!({"name": "E01"})).await?;
    let sequences = (0..options.sequences)
        .map(|i| {
            let name = format!("SQ{:03}", i + 1);
            let body = json!({"name": name, "episode_id": episode_id});
            (temporal("sequences"), body)
        })
        .collect();
    let sequence_ids = post_all(admin, sequences, in_flight).await?;
    step(
        format!("project, episode and {} sequences", options.sequences),
        &mut steps,
    );

    let per_sequence = options.shots.div_ceil(options.sequences);
    let shots = (0..options.shots)
        .map(|i| {
            let name = format!("SH{:04}", (i % per_sequence + 1) * 10);
            let body = json!({"name": name, "sequence_id": sequence_ids[i / per_sequence]});
            (temporal("shots"), body)
        })
        .collect();
    let shot_ids = post_all(admin, shots, in_flight).await?;
    step(format!("{} shots", options.shots), &mut steps);

    let task_type_ids = shot_task_types(admin, options.task_types).await?;
    let statuses = admin
        .data_list("task-status", &[("is_default", "True")])
        .await?;
    let status_id =
        id_of(statuses.as_array().and_then(|s| s.first())).context("no default task status")?;
    step(
        format!(
            "{} shot task types and the default status",
            task_type_ids.len()
        ),
        &mut steps,
    );

    // `POST /data/tasks`, as `Client::data_create` sends it.
    let mut tasks = Vec::with_capacity(shot_ids.len() * task_type_ids.len());
    for shot in &shot_ids {
        for task_type in &task_type_ids {
            let body = json!({
                "project_id": project_id,
                "entity_id": shot,
                "task_type_id": task_type,
                "task_status_id": status_id,
            });
            tasks.push(("/data/tasks".to_owned(), body));
        }
    }
    let tasks = post_all(admin, tasks, in_flight).await?.len();
    step(format!("{tasks} tasks"), &mut steps);
    Ok(Seeded {
        project_id,
        shot_ids,
        tasks,
        steps,
        total: start.elapsed(),
    })
}

/// `count` shot task types: the server's own, then made ones.
async fn shot_task_types(admin: &Client, count: usize) -> anyhow::Result<Vec<String>> {
    let listed = admin
        .data_list("task-types", &[("for_entity", "Shot")])
        .await?;
    let mut ids = listed
        .as_array()
        .context("task types: not a list")?
        .iter()
        .map(|t| id_of(Some(t)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    for name in EXTRA_TASK_TYPES {
        if ids.len() >= count {
            break;
        }
        let made = admin
            .data_create("task-types", &json!({"name": name, "for_entity": "Shot"}))
            .await?;
        ids.push(id_of(Some(&Value::Object(made)))?);
    }
    anyhow::ensure!(ids.len() >= count, "only {} shot task types", ids.len());
    ids.truncate(count);
    Ok(ids)
}

/// Reads each route once and checks what it answers: every task of the project, a shot's
/// tasks, the project.
async fn check_answers(
    http: &reqwest::Client,
    api: &str,
    token: &str,
    seeded: &Seeded,
    task_types: usize,
) -> anyhow::Result<()> {
    let get = |url: String| async move {
        let response = http.get(&url).bearer_auth(token).send().await?;
        anyhow::ensure!(
            response.status() == StatusCode::OK,
            "GET {url}: {}",
            response.status()
        );
        let bytes = response.bytes().await?;
        let value: Value = serde_json::from_slice(&bytes)?;
        anyhow::Ok((value, bytes.len()))
    };
    let project = &seeded.project_id;
    let (all, size) = get(format!("{api}/data/tasks?project_id={project}")).await?;
    let listed = all.as_array().map_or(0, Vec::len);
    anyhow::ensure!(
        listed == seeded.tasks,
        "the task list has {listed} tasks, not {}",
        seeded.tasks
    );
    println!(
        "  checked: the task list holds all {listed} tasks ({:.2} MB, one unpaginated answer)",
        size as f64 / 1e6
    );
    let shot = seeded.shot_ids.first().context("no shots")?;
    let (tasks, _) = get(format!("{api}/data/shots/{shot}/tasks")).await?;
    let listed = tasks.as_array().map_or(0, Vec::len);
    anyhow::ensure!(listed == task_types, "a shot lists {listed} tasks");
    let (found, _) = get(format!("{api}/data/projects/{project}")).await?;
    anyhow::ensure!(found["id"] == project.as_str(), "the project read back");
    // The shots screen's list: every shot with every task, plain and as the compact stream.
    let (shots, size) = get(format!("{api}/data/shots/with-tasks?project_id={project}")).await?;
    let shots = shots.as_array().context("the shots list is a list")?;
    anyhow::ensure!(
        shots.len() == seeded.shot_ids.len()
            && shots
                .iter()
                .all(|s| s["tasks"].as_array().map_or(0, Vec::len) == task_types),
        "the shots list has {} shots, not all with {task_types} tasks",
        shots.len()
    );
    let url = format!("{api}/data/shots/with-tasks?project_id={project}&stream=true&compact=true");
    let response = http.get(&url).bearer_auth(token).send().await?;
    anyhow::ensure!(
        response.status() == StatusCode::OK,
        "GET {url}: {}",
        response.status()
    );
    let stream = response.bytes().await?;
    let lines = stream
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .count();
    anyhow::ensure!(
        lines == seeded.shot_ids.len() + 1,
        "the compact stream has {lines} lines, not a header and one per shot"
    );
    println!(
        "  checked: the shots list with tasks holds all {} shots ({:.2} MB plain, {:.2} MB compact)",
        shots.len(),
        size as f64 / 1e6,
        stream.len() as f64 / 1e6
    );
    let (context, _) = get(format!("{api}/data/user/context")).await?;
    anyhow::ensure!(
        context["projects"].as_array().map_or(0, Vec::len) == 1,
        "the user context lists the project"
    );
    Ok(())
}

/// User plus system CPU seconds of a process so far (Linux counts in 1/100 s).
fn cpu_secs(pid: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return f64::NAN;
    };
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

/// `clients` loops that each GET the URLs in turn as fast as they can for `duration`; a
/// request started before the end is waited for and counted.
async fn hammer(
    http: &reqwest::Client,
    token: &str,
    urls: Vec<String>,
    clients: usize,
    duration: Duration,
    server_pid: u32,
) -> anyhow::Result<Load> {
    let urls = Arc::new(urls);
    let server_pid = server_pid.to_string();
    let (server_cpu, bench_cpu) = (cpu_secs(&server_pid), cpu_secs("self"));
    let start = Instant::now();
    let deadline = start + duration;
    let loops: Vec<_> = (0..clients)
        .map(|client| {
            let (http, urls, token) = (http.clone(), urls.clone(), token.to_owned());
            tokio::spawn(async move {
                let mut load = Load::default();
                let mut next = client;
                while Instant::now() < deadline {
                    let url = &urls[next % urls.len()];
                    next += clients;
                    let sent = Instant::now();
                    let response = http.get(url).bearer_auth(&token).send().await?;
                    let ok = response.status() == StatusCode::OK;
                    let size = response.bytes().await?.len();
                    load.latencies.push(sent.elapsed());
                    load.requests += 1;
                    load.bytes += size;
                    load.failures += usize::from(!ok);
                }
                anyhow::Ok(load)
            })
        })
        .collect();
    let mut total = Load::default();
    for handle in loops {
        let load = handle.await??;
        total.requests += load.requests;
        total.failures += load.failures;
        total.bytes += load.bytes;
        total.latencies.extend(load.latencies);
    }
    total.elapsed = start.elapsed();
    total.server_cpu_secs = cpu_secs(&server_pid) - server_cpu;
    total.bench_cpu_secs = cpu_secs("self") - bench_cpu;
    total.latencies.sort();
    Ok(total)
}

/// The server's peak memory during the route just run, when it could be measured alone.
fn report_peak(server: &ChildServer, reset: bool) {
    if reset {
        println!(
            "    server peak RSS during it: {:.0} MiB",
            server.peak_rss_mib().unwrap_or(f64::NAN)
        );
    }
}

fn report(label: &str, load: &Load, clients: usize) {
    let seconds = load.elapsed.as_secs_f64();
    let q = |p: f64| {
        if load.latencies.is_empty() {
            f64::NAN
        } else {
            crate::quantile_ms(&load.latencies, p)
        }
    };
    println!(
        "  {label}, {clients} clients: {:.1} req/s  p50 {:.2} ms  p99 {:.2} ms  \
         ({} requests in {seconds:.1} s, {} not 200, {:.1} KB per answer)",
        load.requests as f64 / seconds,
        q(0.5),
        q(0.99),
        load.requests,
        load.failures,
        load.bytes as f64 / load.requests.max(1) as f64 / 1e3
    );
    println!(
        "    CPU: server {:.0}% of a core, bench clients {:.0}%; server {:.2} ms CPU per request",
        load.server_cpu_secs / seconds * 100.0,
        load.bench_cpu_secs / seconds * 100.0,
        load.server_cpu_secs * 1000.0 / load.requests.max(1) as f64
    );
}
