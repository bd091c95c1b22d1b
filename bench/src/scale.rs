//! `drover-bench scale`: the farm at studio scale. Ten thousand simulated workers, each with
//! its own token and connection, heartbeat on the schedule the server gives them and claim
//! and complete tasks of several jobs (mixed priorities, a `gpu` tag, a frame-by-frame
//! dependency) while a thousand simulated dashboards hold `/api/events` open and count what
//! they receive. The server runs in a child process (as for `dispatch`), so its CPU time,
//! memory and descriptors are its own.
//!
//! It reports dispatches/s, claim and heartbeat latency, event delivery delay (from each
//! event's publish time, `at`, to its dashboard), events lost (a dashboard's picture that does
//! not match the server's once the workers stopped and the streams went quiet, unless it was
//! told to resync), double assignments, and the server's CPU, memory and open files. With a
//! long `--duration-secs` it is the soak test: the server's RSS every 10 s, and how much it
//! varies after the first minute.

mod dashboard;
mod http;
mod measure;
mod setup;
mod worker;

use crate::dispatch::{ChildServer, EMAIL, PASSWORD, status_mib};
use drover_shared::api::{JobProgress, TaskQuery};
use drover_shared::{Client, JobId, TaskId, TaskStatus};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;

/// What the `scale` scenario does; the defaults are the issue's.
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// Simulated workers, each with its own token and connection.
    #[arg(long, default_value_t = 10_000)]
    pub workers: u32,
    /// Simulated dashboards, each holding an event stream.
    #[arg(long, default_value_t = 1000)]
    pub dashboards: u32,
    /// Seconds measured once every worker and stream is up (600 for the soak test).
    #[arg(long, default_value_t = 60)]
    pub duration_secs: u64,
    /// Tasks in the store: the frame-by-frame pair below, the rest split over at least 8
    /// jobs of at most 100,000 each.
    #[arg(long, default_value_t = 1_000_000)]
    pub tasks: u32,
    /// Tasks in each job of the pair linked frame by frame (the second waits for the first's
    /// frames). Servers before the linear-time linking spent the product of the two jobs'
    /// tasks on linking them, in the writer (10,000 on 10,000: 17 s), hence the small default.
    #[arg(long, default_value_t = 10_000)]
    pub dependent_tasks: u32,
    /// Requests in flight while registering and signing on the workers.
    #[arg(long, default_value_t = 64)]
    pub setup_concurrency: usize,
}

/// How often the server's RSS is sampled.
const RSS_EVERY: Duration = Duration::from_secs(10);
/// How long the workers get to finish their last request once the window closed; those
/// still waiting for an answer then are cut off. Long, because a request cut off after its
/// write was handed to the server's writer may commit without its event ever being published
/// (the handler is dropped with the connection): the dashboards would then miss it, and the
/// run would count as lost what the bench itself caused.
const STOP_GRACE: Duration = Duration::from_mins(2);
/// The dashboards have caught up once none received anything for this long…
const DRAIN_QUIET: Duration = Duration::from_secs(3);
/// …or this long after the workers stopped, whichever comes first: the server marks silent
/// workers offline after a minute (and requeues what they hold), which would move the truth.
const DRAIN_MAX: Duration = Duration::from_secs(30);

/// What the server process did over the window.
struct ServerFigures {
    cpu_cores: f64,
    /// This program's, the load generator's: if it nears the machine's cores, the figures
    /// are its limit rather than the server's.
    bench_cpu_cores: f64,
    /// Every other process's on the machine.
    other_cpu_cores: f64,
    peak_rss_mib: f64,
    rss_now_mib: f64,
    open_fds: Option<usize>,
    rss_series: Vec<(u64, f64)>,
}

/// Runs the scenario and prints its figures.
pub fn run(options: &Options) -> anyhow::Result<()> {
    let needed = u64::from(options.workers) + u64::from(options.dashboards) + 256;
    // Before the child starts, so it inherits the raised limit (it raises its own too).
    let own_limit = measure::raise_own_open_file_limit(needed);
    let server = ChildServer::spawn()?;
    let server_limit =
        measure::open_file_limit(server.pid).map_or("?".into(), |limit| limit.to_string());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("scale-client")
        .build()?;
    println!(
        "scale: {} workers, {} dashboards, {} tasks, {} s",
        options.workers, options.dashboards, options.tasks, options.duration_secs
    );
    println!("  open-file limit: {own_limit}, server {server_limit}");
    runtime.block_on(drive(options, &server))
}

async fn drive(options: &Options, server: &ChildServer) -> anyhow::Result<()> {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(options.setup_concurrency + 16)
        .build()?;
    let anonymous = Client::with_http(http, &server.url);
    let admin = anonymous.logged_in(EMAIL, PASSWORD).await?;
    let target = http::Target::of(&admin)?;

    let started = Instant::now();
    let farm = setup::seed_jobs(&admin, options.tasks, options.dependent_tasks).await?;
    let jobs = farm.jobs;
    println!(
        "  setup: {} tasks in {} jobs seeded in {:.1} s (server RSS {:.0} MiB); the pair of {} tasks linked frame by frame accepted in {:.1} s",
        options.tasks,
        jobs.len(),
        started.elapsed().as_secs_f64(),
        server.rss_mib().unwrap_or(f64::NAN),
        jobs[0].tasks,
        farm.link_time.as_secs_f64()
    );
    let started = Instant::now();
    let tokens = setup::people(&admin, &anonymous, &farm.project_name, options.dashboards).await?;
    let workers = setup::sign_on_workers(&admin, &anonymous, options).await?;
    let heartbeat_secs = workers.first().map_or(0, |w| w.heartbeat_every.as_secs());
    println!(
        "  setup: {} people, {} workers registered and signed on in {:.1} s (heartbeat every {heartbeat_secs} s)",
        tokens.len(),
        workers.len(),
        started.elapsed().as_secs_f64()
    );

    // Dashboards first, so the window starts with every stream open.
    let started = Instant::now();
    let (stop_dashboards, stop) = watch::channel(false);
    let dashboards_shared = Arc::new(dashboard::Shared {
        target: Arc::clone(&target),
        delays: measure::Histogram::default(),
        received: AtomicU64::new(0),
        settled: AtomicU64::new(0),
        errors: measure::Errors::default(),
        stop,
    });
    let mut dashboard_tasks = Vec::new();
    for d in 0..options.dashboards as usize {
        // One in ten watches a job, as someone with the Job view open; the jobs take turns.
        let view = if d % 10 == 9 {
            let job = &jobs[(d / 10) % jobs.len()];
            dashboard::View::Job {
                job: job.id,
                first_task: job.first_task,
                tasks: job.tasks,
            }
        } else {
            dashboard::View::Main
        };
        let auth = http::bearer(&tokens[d % tokens.len()])?;
        let shared = Arc::clone(&dashboards_shared);
        dashboard_tasks.push(tokio::spawn(dashboard::run(view, auth, shared)));
    }
    let all = u64::from(options.dashboards);
    wait_until(|| dashboards_shared.settled.load(Ordering::Relaxed) >= all).await;
    println!(
        "  setup: {} event streams opened in {:.1} s{}",
        options.dashboards,
        started.elapsed().as_secs_f64(),
        failures(&dashboards_shared.errors)
    );

    let started = Instant::now();
    let (open_window, window) = watch::channel(None);
    let workers_shared = Arc::new(worker::Shared {
        target: Arc::clone(&target),
        claims: measure::Histogram::default(),
        heartbeats: measure::Histogram::default(),
        dispatches: AtomicU64::new(0),
        empty_claims: AtomicU64::new(0),
        connected: AtomicU64::new(0),
        errors: measure::Errors::default(),
        connecting: Semaphore::new(256),
        stop: AtomicBool::new(false),
        window,
        claimed: std::sync::Mutex::new(Vec::new()),
    });
    let worker_tasks: Vec<_> = workers
        .into_iter()
        .map(|w| tokio::spawn(worker::run(w, Arc::clone(&workers_shared))))
        .collect();
    let all = u64::from(options.workers);
    wait_until(|| workers_shared.connected.load(Ordering::Relaxed) >= all).await;
    println!(
        "  setup: {} worker connections opened in {:.1} s{}",
        options.workers,
        started.elapsed().as_secs_f64(),
        failures(&workers_shared.errors)
    );

    // The measured window.
    let duration = Duration::from_secs(options.duration_secs);
    let start = Instant::now();
    let end = start + duration;
    let cpu_before = measure::cpu_time(server.pid);
    let bench_cpu_before = measure::cpu_time(std::process::id());
    let machine_before = measure::machine_busy_time();
    open_window.send_replace(Some((start, end)));
    let sampler = tokio::spawn(sample_rss(server.pid, start, end));
    tokio::time::sleep_until(end).await;
    let cpu_after = measure::cpu_time(server.pid);
    let bench_cpu_after = measure::cpu_time(std::process::id());
    let machine_after = measure::machine_busy_time();
    let open_fds = measure::open_fds(server.pid);
    let rss_now_mib = server.rss_mib().unwrap_or(f64::NAN);
    let received_in_window = dashboards_shared.received.load(Ordering::Relaxed);
    workers_shared.stop.store(true, Ordering::Relaxed);
    let stopping = Instant::now();
    let give_up = stopping + STOP_GRACE;
    let mut cut_off = 0;
    for mut task in worker_tasks {
        if tokio::time::timeout_at(give_up, &mut task).await.is_err() {
            task.abort();
            cut_off += 1;
        }
    }
    let stopped_in = stopping.elapsed();
    let cores = |before: Option<Duration>, after: Option<Duration>| match (before, after) {
        (Some(a), Some(b)) => b.saturating_sub(a).as_secs_f64() / duration.as_secs_f64(),
        _ => f64::NAN,
    };
    let figures = ServerFigures {
        cpu_cores: cores(cpu_before, cpu_after),
        bench_cpu_cores: cores(bench_cpu_before, bench_cpu_after),
        other_cpu_cores: cores(machine_before, machine_after)
            - cores(cpu_before, cpu_after)
            - cores(bench_cpu_before, bench_cpu_after),
        peak_rss_mib: server.peak_rss_mib().unwrap_or(f64::NAN),
        rss_now_mib,
        open_fds,
        rss_series: sampler.await?,
    };

    // What the dashboards should show now, then what they do.
    let drained = drain(&dashboards_shared.received).await;
    let truth = read_truth(&admin, &jobs, options.dashboards).await?;
    stop_dashboards.send_replace(true);
    let mut outcomes = Vec::new();
    for task in dashboard_tasks {
        outcomes.push(task.await?);
    }

    report_work(
        options,
        &workers_shared,
        heartbeat_secs,
        (stopped_in, cut_off),
    );
    report_events(
        &dashboards_shared,
        &outcomes,
        &jobs,
        &truth,
        &EventTiming {
            in_window: received_in_window,
            window: duration,
            drained,
        },
    );
    report_server(&figures);
    println!(
        "  errors: workers: {}; dashboards: {}",
        workers_shared.errors.summary(),
        dashboards_shared.errors.summary()
    );
    Ok(())
}

/// Waits until the dashboards received nothing for [`DRAIN_QUIET`] (at most [`DRAIN_MAX`]);
/// answers how long that took.
async fn drain(received: &AtomicU64) -> Duration {
    let began = Instant::now();
    let mut seen = received.load(Ordering::Relaxed);
    let mut quiet_since = began;
    while began.elapsed() < DRAIN_MAX && quiet_since.elapsed() < DRAIN_QUIET {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let now = received.load(Ordering::Relaxed);
        if now != seen {
            seen = now;
            quiet_since = Instant::now();
        }
    }
    began.elapsed()
}

/// Waits until `done` holds, looking every 50 ms, for at most five minutes.
async fn wait_until(done: impl Fn() -> bool) {
    let give_up = Instant::now() + Duration::from_mins(5);
    while !done() && Instant::now() < give_up {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `(failures: …)` when there were any.
fn failures(errors: &measure::Errors) -> String {
    match errors.summary().as_str() {
        "none" => String::new(),
        summary => format!(" (failures: {summary})"),
    }
}

/// The server's RSS when the window opens and every 10 s of it, as (seconds, MiB).
async fn sample_rss(pid: u32, start: Instant, end: Instant) -> Vec<(u64, f64)> {
    let mut series = Vec::new();
    let mut at = start;
    while at <= end {
        tokio::time::sleep_until(at).await;
        if let Some(rss) = status_mib(pid, "VmRSS:") {
            series.push(((at - start).as_secs(), rss));
        }
        at += RSS_EVERY;
    }
    series
}

/// What the server says once the workers stopped: each job's progress, and the completed
/// tasks of the jobs some dashboard watches.
struct Truth {
    progress: HashMap<JobId, JobProgress>,
    completed: HashMap<JobId, Vec<TaskId>>,
}

async fn read_truth(
    admin: &Client,
    jobs: &[setup::Seeded],
    dashboards: u32,
) -> anyhow::Result<Truth> {
    let mut truth = Truth {
        progress: HashMap::new(),
        completed: HashMap::new(),
    };
    for job in jobs {
        truth
            .progress
            .insert(job.id, admin.job(job.id).await?.progress);
    }
    // The same turns as the dashboards' views take.
    let watched: HashSet<JobId> = (0..dashboards as usize)
        .filter(|d| d % 10 == 9)
        .map(|d| jobs[(d / 10) % jobs.len()].id)
        .collect();
    for job in watched {
        let mut ids = Vec::new();
        let mut after = None;
        loop {
            let page = admin
                .tasks(&TaskQuery {
                    job_id: Some(job),
                    status: Some(TaskStatus::Completed),
                    per_page: Some(1000),
                    after,
                    ..TaskQuery::default()
                })
                .await?;
            ids.extend(page.items.iter().map(|t| t.id));
            match page.next_after {
                Some(next) => after = Some(TaskId(next)),
                None => break,
            }
        }
        truth.completed.insert(job, ids);
    }
    Ok(truth)
}

fn report_work(
    options: &Options,
    shared: &worker::Shared,
    heartbeat_secs: u64,
    (stopped_in, cut_off): (Duration, usize),
) {
    let dispatches = shared.dispatches.load(Ordering::Relaxed);
    let secs = options.duration_secs as f64;
    let claimed = shared
        .claimed
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let distinct: HashSet<TaskId> = claimed.iter().copied().collect();
    println!(
        "  dispatches: {dispatches} in {secs:.1} s: {:.0}/s;  claim p50 / p99: {:.2} / {:.2} ms;  double assignments: {}",
        dispatches as f64 / secs,
        shared.claims.quantile_ms(0.5),
        shared.claims.quantile_ms(0.99),
        claimed.len() - distinct.len()
    );
    println!(
        "    claims that found no work within their wait: {}; the workers' last requests answered {:.1} s after the window; cut off at {} s (still unanswered): {cut_off}",
        shared.empty_claims.load(Ordering::Relaxed),
        stopped_in.as_secs_f64(),
        STOP_GRACE.as_secs()
    );
    println!(
        "  heartbeats: {} (every {heartbeat_secs} s), p50 / p99: {:.2} / {:.2} ms",
        shared.heartbeats.count(),
        shared.heartbeats.quantile_ms(0.5),
        shared.heartbeats.quantile_ms(0.99)
    );
}

/// When the dashboards' events came.
struct EventTiming {
    /// Received by all during the window.
    in_window: u64,
    /// The window.
    window: Duration,
    /// From the workers' stop until the dashboards went quiet.
    drained: Duration,
}

fn report_events(
    shared: &dashboard::Shared,
    outcomes: &[dashboard::Outcome],
    jobs: &[setup::Seeded],
    truth: &Truth,
    timing: &EventTiming,
) {
    let received: u64 = outcomes.iter().map(|o| o.received).sum();
    let reordered: u64 = outcomes.iter().map(|o| o.reordered).sum();
    let resyncs: u64 = outcomes.iter().map(|o| o.resyncs).sum();
    let mut resynced = 0;
    let (mut lost, mut lossy) = (0, 0);
    for outcome in outcomes {
        if outcome.resyncs > 0 {
            // The app reloads on a resync: its picture is then right, whatever it missed.
            resynced += 1;
            continue;
        }
        let missing = match outcome.view {
            dashboard::View::Main => jobs
                .iter()
                .filter(|job| {
                    let seen = outcome.progress.get(&job.id).unwrap_or(&job.initial);
                    truth.progress.get(&job.id) != Some(seen)
                })
                .count(),
            dashboard::View::Job { job, .. } => truth.completed.get(&job).map_or(0, |ids| {
                ids.iter()
                    .filter(|id| !outcome.completed.contains(**id))
                    .count()
            }),
        };
        lost += missing;
        lossy += usize::from(missing > 0);
    }
    let delay = if shared.delays.count() == 0 {
        "no `at` in events: delay not measured".to_owned()
    } else {
        format!(
            "delay p50 / p99: {:.0} / {:.0} ms",
            shared.delays.quantile_ms(0.5),
            shared.delays.quantile_ms(0.99)
        )
    };
    println!(
        "  events: {} received by {} dashboards in the window ({:.0}/s), {} more in the {:.1} s until they went quiet; {delay}; resyncs: {resyncs} (in {resynced} dashboards); lost: {lost} (in {lossy} dashboards)",
        timing.in_window,
        outcomes.len(),
        timing.in_window as f64 / timing.window.as_secs_f64(),
        received.saturating_sub(timing.in_window),
        timing.drained.as_secs_f64()
    );
    println!(
        "    lost: jobs whose last progress differs from the server's (main streams), completed tasks never seen completed (job streams)"
    );
    println!(
        "    progress events behind one received before them (published out of commit order): {reordered}"
    );
}

fn report_server(figures: &ServerFigures) {
    println!(
        "  server: CPU {:.2} cores (user+system over the window), peak RSS {:.0} MiB, RSS now {:.0} MiB, open fds {}",
        figures.cpu_cores,
        figures.peak_rss_mib,
        figures.rss_now_mib,
        figures.open_fds.map_or("?".into(), |n| n.to_string())
    );
    println!(
        "  load generator: CPU {:.2} cores over the window; other processes {:.2} ({} cores on this machine)",
        figures.bench_cpu_cores,
        figures.other_cpu_cores.max(0.0),
        std::thread::available_parallelism().map_or(0, std::num::NonZero::get)
    );
    let series: Vec<String> = figures
        .rss_series
        .iter()
        .map(|(secs, mib)| format!("{secs}s {mib:.0}"))
        .collect();
    println!("  server RSS every 10 s (MiB): {}", series.join(", "));
    let after_minute: Vec<f64> = figures
        .rss_series
        .iter()
        .filter(|(secs, _)| *secs >= 60)
        .map(|(_, mib)| *mib)
        .collect();
    if after_minute.len() >= 2 {
        let min = after_minute.iter().copied().fold(f64::INFINITY, f64::min);
        let max = after_minute.iter().copied().fold(0.0, f64::max);
        println!(
            "  soak: RSS after the first minute: min {min:.0} MiB, max {max:.0} MiB, varies {:.1} %",
            (max - min) / min * 100.0
        );
    }
}
