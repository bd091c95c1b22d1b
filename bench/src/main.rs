//! `drover-bench`: benchmark programs for Drover. Run in release mode:
//! `cargo run --release -p drover-bench -- submit` (or `dispatch`, `eta`, `files`,
//! `job-view`, `kitsu`, `scale`, `stats`).
//!
//! Each benchmark starts a real server with a temporary data dir — in this process on its own
//! tokio runtime and threads, or (`dispatch`, `files`, `kitsu`, `scale`) in a child process so
//! that its memory and CPU time are its own — and drives it over HTTP on loopback through the
//! shared client, as the app and workers do (`scale` through raw connections of its own).
#![allow(
    clippy::print_stdout,
    reason = "the figures on stdout are what a benchmark is run for"
)]

mod dispatch;
mod eta;
mod files;
mod job_view;
mod kitsu;
mod scale;
mod stats;

/// The same allocator as the `drover-server` binary, so the child server measured by
/// `dispatch` and `kitsu` behaves as the shipped one.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use drover_server::{Config, Server};
use drover_shared::api::{CommandSettings, JobKind, ProjectInput, SubmitJob, TaskQuery};
use drover_shared::{Client, JobId, Role, TaskId};
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(
    name = "drover-bench",
    about = "Drover benchmarks (run with --release)"
)]
struct Cli {
    #[command(subcommand)]
    command: Bench,
}

#[derive(Subcommand)]
enum Bench {
    /// Simulated workers claim and complete tasks as fast as they can over HTTP.
    Dispatch {
        /// Simulated workers, each with its own token and connection.
        #[arg(long, default_value_t = 1000)]
        workers: u32,
        /// Tasks in the job they work through.
        #[arg(long, default_value_t = 60_000)]
        tasks: u32,
        /// Splits the tasks between two jobs with a frame-by-frame dependency, per-job worker
        /// caps and a farm limit, so every claim passes those checks.
        #[arg(long)]
        controls: bool,
    },
    /// How far off the finish predictions are, on replayed job histories.
    Eta(eta::Options),
    /// A job's file set (200 files, 1 GB) uploaded and downloaded over loopback, and the
    /// dedupe check of 10,000 hashes.
    Files(files::Options),
    /// One frame of the app's Job view with a job of many tasks.
    JobView {
        /// Tasks in the open job.
        #[arg(long, default_value_t = 100_000)]
        tasks: u32,
    },
    /// A Kitsu project of 10,000 shot tasks seeded over HTTP, then 32 clients on each of three
    /// production read routes.
    Kitsu(kitsu::Options),
    /// The farm at studio scale: 10,000 simulated workers heartbeating, claiming and
    /// completing tasks of mixed jobs while 1,000 dashboards follow the event stream; with a
    /// long `--duration-secs`, the soak test of the server's memory.
    Scale(scale::Options),
    /// A year of farm history (1 million task runs), then `GET /stats` by each grouping.
    Stats(stats::Options),
    /// Internal: run the server for `dispatch` and `kitsu` in its own process (so its memory
    /// and CPU time are its own).
    #[command(hide = true)]
    InternalServer {
        /// Data dir.
        #[arg(long)]
        data_dir: std::path::PathBuf,
    },
    /// Submit 100,000-task jobs and read 500-task pages of them.
    Submit {
        /// Tasks per job (frames 1-N, chunk 1).
        #[arg(long, default_value_t = 100_000)]
        tasks: u32,
        /// Jobs submitted (one after the other).
        #[arg(long, default_value_t = 5)]
        jobs: u32,
        /// Page requests timed for each paging mode.
        #[arg(long, default_value_t = 2000)]
        pages: u32,
    },
}

/// A server running on its own runtime, so the load generator and the server do not share a
/// scheduler (they still share the machine's cores).
struct BenchServer {
    url: String,
    /// The server's store, for seeding what HTTP would take too long to write.
    store: drover_server::store::Store,
    runtime: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

impl BenchServer {
    fn start() -> anyhow::Result<(Self, String)> {
        let dir = tempfile::tempdir()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("bench-server")
            .build()?;
        let config = Config {
            listen: "127.0.0.1:0".parse()?,
            data_dir: dir.path().to_owned(),
            public_url: None,
            limits: drover_server::Limits::default(),
            secret_key_file: None,
            behind_proxy: false,
            web_ui: None,
            mail: None,
        };
        let (url, email, store) = runtime.block_on(async {
            let server = Server::start(config).await?;
            let email = "bench@drover.test".to_owned();
            drover_server::auth::accounts::create(
                &server.state().store,
                &email,
                "bench password",
                Role::Admin,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            let url = server.url();
            let store = server.state().store.clone();
            tokio::spawn(server.wait());
            anyhow::Ok((url, email, store))
        })?;
        Ok((
            Self {
                url,
                store,
                runtime,
                _dir: dir,
            },
            email,
        ))
    }
}

fn main() -> anyhow::Result<()> {
    if cfg!(debug_assertions) {
        eprintln!("warning: built without --release; figures mean nothing");
    }
    match Cli::parse().command {
        Bench::Submit { tasks, jobs, pages } => submit(tasks, jobs, pages),
        Bench::Dispatch {
            workers,
            tasks,
            controls,
        } => dispatch::run(workers, tasks, controls),
        Bench::Kitsu(options) => kitsu::run(&options),
        Bench::Eta(options) => eta::run(&options),
        Bench::Files(options) => files::run(&options),
        Bench::Scale(options) => scale::run(&options),
        Bench::Stats(options) => stats::run(&options),
        Bench::InternalServer { data_dir } => dispatch::serve(data_dir),
        Bench::JobView { tasks } => {
            job_view::run(tasks);
            Ok(())
        }
    }
}

/// Quantile of sorted durations, in milliseconds.
fn quantile_ms(sorted: &[Duration], q: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

fn submit(task_count: u32, jobs: u32, pages: u32) -> anyhow::Result<()> {
    let (server, email) = BenchServer::start()?;
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    client_rt.block_on(async {
        let client = Client::new(&server.url)?.logged_in(&email, "bench password").await?;
        let project = client
            .create_project(&ProjectInput { name: Some("bench".into()), ..ProjectInput::default() })
            .await?;
        let request = SubmitJob {
            name: "bench".into(),
            project_id: project.id,
            kind: JobKind::Command(CommandSettings {
                argv: vec!["true".into()],
                frames: format!("1-{task_count}"),
                chunk_size: 1,
            }),
            priority: None,
            paused: false,
            tag: None,
            production_task_id: None,
            files: Vec::new(),
            depends_on: Vec::new(),
            depend_mode: drover_shared::DependMode::Job,
            max_workers: None,
            task_timeout_secs: None,
            limits: Vec::new(),
        };
        println!("submit: {jobs} jobs of {task_count} tasks (frames 1-{task_count}, chunk 1)");
        let mut times = Vec::new();
        let mut last = JobId(0);
        for _ in 0..jobs {
            let start = Instant::now();
            let job = client.submit_job(&request).await?;
            times.push(start.elapsed());
            anyhow::ensure!(job.progress.total == u64::from(task_count), "wrong task count");
            last = job.id;
        }
        let rendered: Vec<String> = times.iter().map(|t| format!("{:.0}", t.as_secs_f64() * 1000.0)).collect();
        times.sort();
        println!(
            "  accept time ms: each [{}]  min {:.0}  median {:.0}  max {:.0}",
            rendered.join(", "),
            quantile_ms(&times, 0.0),
            quantile_ms(&times, 0.5),
            quantile_ms(&times, 1.0)
        );

        // Page through the last job: keyset pages at spread depths, then numbered pages.
        let first = client.tasks(&TaskQuery { job_id: Some(last), per_page: Some(1), ..TaskQuery::default() }).await?;
        let first_id = first.items.first().context("the job has no tasks")?.id.0;
        let span = i64::from(task_count.saturating_sub(500));
        for mode in ["keyset (after=)", "numbered (page=)"] {
            let mut times = Vec::with_capacity(pages as usize);
            for i in 0..pages {
                let depth = (i64::from(i) * 7919) % span.max(1);
                let mut query = TaskQuery { job_id: Some(last), per_page: Some(500), ..TaskQuery::default() };
                if mode.starts_with("keyset") {
                    query.after = Some(TaskId(first_id - 1 + depth));
                } else {
                    query.page = Some((depth / 500) as u32 + 1);
                }
                let start = Instant::now();
                let page = client.tasks(&query).await?;
                times.push(start.elapsed());
                anyhow::ensure!(page.items.len() == 500, "short page at depth {depth}");
            }
            times.sort();
            println!(
                "  500-task page, {mode}: p50 {:.2} ms  p90 {:.2} ms  p99 {:.2} ms  ({pages} requests, depths 0–{span})",
                quantile_ms(&times, 0.5),
                quantile_ms(&times, 0.9),
                quantile_ms(&times, 0.99)
            );
        }
        anyhow::Ok(())
    })?;
    drop(server.runtime);
    Ok(())
}
