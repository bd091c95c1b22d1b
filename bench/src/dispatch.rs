//! `drover-bench dispatch`: many simulated workers claim and complete tasks over real HTTP on
//! loopback, as fast as they can. The server runs in a child process (this program,
//! re-executed with a hidden command) so its peak RSS is its own.
//!
//! With `--controls`, the same number of tasks is split between two jobs that use what
//! supervisors set on a farm: the second depends on the first frame by frame, each may use at
//! most 60% of the workers at once, and both hold a farm limit of 90% of the workers. Every
//! claim then passes the dependency, cap and limit checks, and some claims find nothing
//! (workers past a cap or the limit), as on a real farm.

use anyhow::Context;
use drover_server::{Config, Server};
use drover_shared::api::{CommandSettings, JobKind, ProjectInput, SubmitJob};
use drover_shared::protocol::{HostFacts, SignOn, TaskUpdate};
use drover_shared::{Client, Role, TaskId, TaskStatus};
use std::collections::HashSet;
use std::io::BufRead;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The admin account the child server makes.
pub(crate) const EMAIL: &str = "bench@drover.test";
/// Its password (also given to the accounts benchmarks make).
pub(crate) const PASSWORD: &str = "bench password";

/// The child: an admin account, then serve until killed.
pub fn serve(data_dir: std::path::PathBuf) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let config = Config {
            listen: "127.0.0.1:0".parse()?,
            data_dir,
            public_url: None,
            limits: drover_server::Limits::default(),
            secret_key_file: None,
            behind_proxy: false,
            web_ui: None,
            mail: None,
        };
        let server = Server::start(config).await?;
        drover_server::auth::accounts::create(&server.state().store, EMAIL, PASSWORD, Role::Admin)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        println!("listening on {}", server.url());
        server.wait().await?;
        anyhow::Ok(())
    })
}

fn peak_rss_mib(pid: u32) -> Option<f64> {
    status_mib(pid, "VmHWM:")
}

/// A memory figure (`VmHWM:`, `VmRSS:`) of process `pid` from `/proc/<pid>/status`, in MiB.
pub(crate) fn status_mib(pid: u32, field: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

struct WorkerResult {
    claimed: Vec<TaskId>,
    claim_latencies: Vec<Duration>,
    /// Claims that found nothing while tasks were still to do.
    empty_claims: u64,
    /// When this worker's last completion was answered.
    last_completion: Option<Instant>,
}

/// Claims and completes tasks until `remaining` (shared by all) reaches 0. A claim that finds
/// nothing while tasks remain (they wait for a dependency, a cap or a limit) asks again,
/// waiting up to a second on the server for work to appear.
async fn simulated_worker(
    client: Client,
    remaining: Arc<AtomicU64>,
) -> anyhow::Result<WorkerResult> {
    let mut result = WorkerResult {
        claimed: Vec::new(),
        claim_latencies: Vec::new(),
        empty_claims: 0,
        last_completion: None,
    };
    let done = TaskUpdate {
        status: Some(TaskStatus::Completed),
        ..TaskUpdate::default()
    };
    let mut wait_secs = 0;
    while remaining.load(Ordering::Acquire) > 0 {
        let start = Instant::now();
        let Some(assignment) = client.claim_task(wait_secs).await? else {
            result.empty_claims += 1;
            wait_secs = 1;
            continue;
        };
        wait_secs = 0;
        result.claim_latencies.push(start.elapsed());
        result.claimed.push(assignment.task.id);
        client.update_task(assignment.task.id, &done).await?;
        result.last_completion = Some(Instant::now());
        remaining.fetch_sub(1, Ordering::AcqRel);
    }
    Ok(result)
}

/// The real server running in a child process (this program re-executed with the hidden
/// `internal-server` command) on a temporary data dir, killed when dropped.
pub struct ChildServer {
    /// Its address, e.g. `http://127.0.0.1:40123`.
    pub url: String,
    /// Its process id, for `/proc/<pid>/…`.
    pub pid: u32,
    child: std::process::Child,
    _dir: tempfile::TempDir,
}

impl ChildServer {
    /// Starts the server and waits until it listens.
    pub fn spawn() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let mut child = std::process::Command::new(std::env::current_exe()?)
            .args(["internal-server", "--data-dir"])
            .arg(dir.path())
            .env("RUST_LOG", "error")
            .stdout(std::process::Stdio::piped())
            .spawn()?;
        let pid = child.id();
        let first = std::io::BufReader::new(child.stdout.take().context("server stdout")?)
            .lines()
            .next()
            .context("the server said nothing")??;
        let url = first
            .strip_prefix("listening on ")
            .context("unexpected first line")?
            .to_owned();
        Ok(Self {
            url,
            pid,
            child,
            _dir: dir,
        })
    }

    /// The server's peak resident memory so far (since the last [`Self::reset_peak_rss`]).
    pub fn peak_rss_mib(&self) -> Option<f64> {
        peak_rss_mib(self.pid)
    }

    /// The server's resident memory now.
    pub fn rss_mib(&self) -> Option<f64> {
        status_mib(self.pid, "VmRSS:")
    }

    /// Starts the server's peak resident memory over from what it holds now (Linux's
    /// `clear_refs`), so that the next peak is one phase's; false if the kernel refused.
    pub fn reset_peak_rss(&self) -> bool {
        std::fs::write(format!("/proc/{}/clear_refs", self.pid), "5").is_ok()
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The parent: start the server, register the workers, submit the job (or, with
/// `controls`, the two jobs with a dependency, caps and a limit), let them loose.
pub fn run(workers: u32, tasks: u32, controls: bool) -> anyhow::Result<()> {
    let server = ChildServer::spawn()?;
    let url = server.url.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let outcome = runtime.block_on(async {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(workers as usize + 16)
            .build()?;
        let anonymous = Client::with_http(http, &url);
        let admin = anonymous.logged_in(EMAIL, PASSWORD).await?;
        let token = admin.join_token().await?.token;
        let project = admin
            .create_project(&ProjectInput {
                name: Some("bench".into()),
                ..ProjectInput::default()
            })
            .await?;
        let mut clients = Vec::with_capacity(workers as usize);
        for i in 0..workers {
            let credentials = anonymous
                .register_worker(&token, &format!("sim-{i}"))
                .await?;
            let client = anonymous.with_token(&credentials.token);
            let sign_on = SignOn {
                name: format!("sim-{i}"),
                tags: Vec::new(),
                task_types: vec![drover_shared::TaskType::Command],
                version: "bench".into(),
                facts: HostFacts::default(),
            };
            client.sign_on(&sign_on).await?;
            clients.push(client);
        }
        let job = |name: &str, frames: String| SubmitJob {
            name: name.into(),
            project_id: project.id,
            kind: JobKind::Command(CommandSettings {
                argv: vec!["true".into()],
                frames,
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
        let jobs = if controls {
            const LIMIT: &str = "licences";
            admin.set_limit(LIMIT, (workers * 9 / 10).max(1)).await?;
            let half = tasks / 2;
            let cap = Some((workers * 6 / 10).max(1));
            let upstream = admin
                .submit_job(&SubmitJob {
                    max_workers: cap,
                    limits: vec![LIMIT.into()],
                    ..job("simulation", format!("1-{half}"))
                })
                .await?;
            let downstream = admin
                .submit_job(&SubmitJob {
                    max_workers: cap,
                    limits: vec![LIMIT.into()],
                    depends_on: vec![upstream.id],
                    depend_mode: drover_shared::DependMode::Frame,
                    ..job("render", format!("1-{}", tasks - half))
                })
                .await?;
            vec![upstream.id, downstream.id]
        } else {
            vec![
                admin
                    .submit_job(&job("dispatch", format!("1-{tasks}")))
                    .await?
                    .id,
            ]
        };
        let rss_before = server.peak_rss_mib();
        let remaining = Arc::new(AtomicU64::new(u64::from(tasks)));
        let start = Instant::now();
        let handles: Vec<_> = clients
            .into_iter()
            .map(|c| tokio::spawn(simulated_worker(c, Arc::clone(&remaining))))
            .collect();
        let mut claimed = Vec::with_capacity(tasks as usize);
        let mut latencies = Vec::with_capacity(tasks as usize);
        let mut empty_claims = 0;
        // The run ends with the last completion (not with the last worker's idle wait).
        let mut end = start;
        for handle in handles {
            let result = handle.await??;
            claimed.extend(result.claimed);
            latencies.extend(result.claim_latencies);
            empty_claims += result.empty_claims;
            end = end.max(result.last_completion.unwrap_or(start));
        }
        let elapsed = end - start;
        let mut finished = Vec::new();
        for id in jobs {
            finished.push(admin.job(id).await?);
        }
        anyhow::Ok((
            claimed,
            latencies,
            empty_claims,
            elapsed,
            finished,
            rss_before,
        ))
    });
    let rss_peak = server.peak_rss_mib();
    drop(server);
    let (claimed, mut latencies, empty_claims, elapsed, finished, rss_before) = outcome?;
    let distinct: HashSet<TaskId> = claimed.iter().copied().collect();
    latencies.sort();
    let q = |p: f64| crate::quantile_ms(&latencies, p);
    if controls {
        println!(
            "dispatch with controls: {workers} simulated workers, two jobs of {tasks} tasks in \
             all (the second frame by frame after the first), each capped at {} workers, both \
             holding a limit of {}",
            (workers * 6 / 10).max(1),
            (workers * 9 / 10).max(1)
        );
    } else {
        println!("dispatch: {workers} simulated workers, one job of {tasks} tasks");
    }
    println!(
        "  {} dispatches in {:.2} s: {:.0} dispatches/s (a dispatch = one claim + one completion)",
        claimed.len(),
        elapsed.as_secs_f64(),
        claimed.len() as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  claim latency: p50 {:.2} ms  p99 {:.2} ms",
        q(0.5),
        q(0.99)
    );
    println!("  double assignments: {}", claimed.len() - distinct.len());
    println!("  claims that found nothing while tasks remained: {empty_claims}");
    for job in &finished {
        println!(
            "  job {:?}: {} with {} of {} tasks completed",
            job.name, job.status, job.progress.completed, job.progress.total
        );
    }
    println!(
        "  server peak RSS: {:.0} MiB (after setup: {:.0} MiB)",
        rss_peak.unwrap_or(f64::NAN),
        rss_before.unwrap_or(f64::NAN)
    );
    Ok(())
}
