//! `drover-bench eta`: how far off the finish predictions are, on replayed job histories.
//!
//! A studio's history is made up: shots, each rendered as several versions (a job each, its
//! .blend the shot's), frames whose render time is the shot's, changed a little by each
//! version, heavier mid-shot, and noisy. Each job's run is worked out on a fixed number of
//! render nodes taking frames in order, which gives when it really ends. The job is then
//! replayed through a real server: submitted (its prediction from the shot's earlier jobs),
//! then set to where it stood after 10 %, 25 % and 50 % of its frames (counts and finished
//! run time written to its row, as the counting trigger keeps them) and read back over HTTP
//! (its prediction from its own frames); at its end its row holds its whole run, for the next
//! version's prediction. The error is the predicted minus the actual time left, as a share of
//! the job's whole length: the median and the 90th percentile of its absolute value, per
//! point.

use crate::BenchServer;
use drover_shared::api::{BlenderRenderSettings, ImageFormat, JobKind, ProjectInput, SubmitJob};
use drover_shared::{Client, JobId};

/// Options of `drover-bench eta`.
#[derive(clap::Args)]
pub struct Options {
    /// Shots in the history.
    #[arg(long, default_value_t = 60)]
    shots: u32,
    /// Versions (jobs) rendered per shot.
    #[arg(long, default_value_t = 6)]
    versions: u32,
    /// Render nodes each job runs on.
    #[arg(long, default_value_t = 4)]
    nodes: u32,
    /// Seed of the made-up history (the same seed makes the same history).
    #[arg(long, default_value_t = 7)]
    seed: u64,
}

/// SplitMix64: a fixed, seeded sequence without a dependency.
struct Random(u64);

impl Random {
    fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        // 53 bits into [0, 1).
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A log-normal factor around 1 (median 1, `sigma` the spread of its logarithm).
    fn spread(&mut self, sigma: f64) -> f64 {
        let (u, v) = (self.unit().max(f64::MIN_POSITIVE), self.unit());
        let normal = (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos();
        (sigma * normal).exp()
    }
}

/// When each frame of a job starts and ends (ms from the job's start), frames taken in order
/// by `nodes` render nodes.
fn schedule(frames_ms: &[f64], nodes: u32) -> Vec<(f64, f64)> {
    let mut free = vec![0.0_f64; nodes.max(1) as usize];
    frames_ms
        .iter()
        .map(|ms| {
            let (node, start) = free
                .iter()
                .copied()
                .enumerate()
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .unwrap_or((0, 0.0));
            free[node] = start + ms;
            (start, start + ms)
        })
        .collect()
}

/// The absolute errors at one point of the jobs' lives, as shares of their lengths.
#[derive(Default)]
struct Errors(Vec<f64>);

impl Errors {
    fn report(&mut self, point: &str) {
        self.0.sort_by(f64::total_cmp);
        let at = |q: f64| {
            self.0
                .get(((self.0.len() as f64 - 1.0) * q).round() as usize)
                .copied()
                .unwrap_or(f64::NAN)
                * 100.0
        };
        println!(
            "{point:>26}: {:>4} jobs predicted, error median {:5.1} %, p90 {:5.1} %",
            self.0.len(),
            at(0.5),
            at(0.9)
        );
    }
}

/// Runs the benchmark.
pub fn run(options: &Options) -> anyhow::Result<()> {
    let (server, email) = BenchServer::start()?;
    let mut random = Random(options.seed);
    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let client = client_rt.block_on(async {
        Client::new(&server.url)?
            .logged_in(&email, "bench password")
            .await
    })?;
    let project = client_rt.block_on(client.create_project(&ProjectInput {
        name: Some("history".into()),
        ..ProjectInput::default()
    }))?;
    let points = [0.10, 0.25, 0.50];
    let mut at_submit = Errors::default();
    let mut at_points: Vec<Errors> = points.iter().map(|_| Errors::default()).collect();
    let mut no_history = 0;
    for version in 0..options.versions {
        for shot in 0..options.shots {
            // A shot's frames take a minute, give or take a factor of two; each version
            // changes that by about 15 %; a shot is heavier in its middle; each frame varies
            // by about 10 %.
            let mut shot_random = Random(options.seed ^ (u64::from(shot) << 32));
            let shot_ms = 60_000.0 * shot_random.spread(0.7);
            let frames = 24 + (shot_random.unit() * 96.0) as usize;
            let version_factor = random.spread(0.15);
            let frames_ms: Vec<f64> = (0..frames)
                .map(|f| {
                    let middle = (std::f64::consts::PI * (f as f64 + 0.5) / frames as f64).sin();
                    shot_ms * version_factor * (1.0 + 0.3 * middle) * random.spread(0.1)
                })
                .collect();
            let runs = schedule(&frames_ms, options.nodes);
            let length = runs.iter().map(|r| r.1).fold(0.0, f64::max);
            let job = SubmitJob {
                name: format!("sh{shot:03} v{version}"),
                project_id: project.id,
                kind: JobKind::BlenderRender(BlenderRenderSettings {
                    blend_file: format!("/shots/sh{shot:03}.blend"),
                    frames: format!("1-{frames}"),
                    chunk_size: 1,
                    output: "/renders/sh/####".into(),
                    format: ImageFormat::Png,
                    scene: None,
                    video: false,
                    fps: None,
                    auto_run_python: false,
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
            let submitted = client_rt.block_on(client.submit_job(&job))?;
            // At submission, nothing has run: `nodes` frames start at once.
            set_progress(&server, submitted.id, frames, 0, options.nodes, 0.0)?;
            match predicted_left(&client_rt, &client, submitted.id)? {
                Some(left) => at_submit.0.push((left - length).abs() / length),
                None => no_history += 1,
            }
            for (point, errors) in points.iter().zip(&mut at_points) {
                let done = ((frames as f64 * point).ceil() as usize).max(1);
                // The moment the `done`-th frame ends, in frame-end order.
                let mut ends: Vec<f64> = runs.iter().map(|r| r.1).collect();
                ends.sort_by(f64::total_cmp);
                let now = ends[done - 1];
                let finished: Vec<&(f64, f64)> = runs.iter().filter(|r| r.1 <= now).collect();
                let running = runs.iter().filter(|r| r.0 <= now && r.1 > now).count();
                let done_ms: f64 = finished.iter().map(|r| r.1 - r.0).sum();
                set_progress(
                    &server,
                    submitted.id,
                    frames,
                    finished.len(),
                    u32::try_from(running)?,
                    done_ms,
                )?;
                if let Some(left) = predicted_left(&client_rt, &client, submitted.id)? {
                    errors.0.push((left - (length - now)).abs() / length);
                }
            }
            // Ended: its whole run is the shot's history from now on.
            finish(&server, submitted.id, frames, frames_ms.iter().sum())?;
        }
    }
    println!(
        "eta: {} shots × {} versions on {} nodes (seed {}); {} first versions had no history",
        options.shots, options.versions, options.nodes, options.seed, no_history
    );
    at_submit.report("before the first frame");
    for (point, mut errors) in points.into_iter().zip(at_points) {
        errors.report(&format!("after {:.0} % of the frames", point * 100.0));
    }
    Ok(())
}

/// The time left the server predicts for the job now, in ms.
fn predicted_left(
    runtime: &tokio::runtime::Runtime,
    client: &Client,
    job: JobId,
) -> anyhow::Result<Option<f64>> {
    let read = runtime.block_on(client.job(job))?;
    let now = time::OffsetDateTime::now_utc();
    Ok(read
        .eta
        .map(|eta| (eta.finish - now).as_seconds_f64().max(0.0) * 1000.0))
}

/// Writes where a job stands into its row, as the counting trigger keeps it.
fn set_progress(
    server: &BenchServer,
    job: JobId,
    frames: usize,
    done: usize,
    running: u32,
    done_ms: f64,
) -> anyhow::Result<()> {
    let total = i64::try_from(frames)?;
    let done = i64::try_from(done)?;
    let running = i64::from(running);
    #[expect(clippy::cast_possible_truncation, reason = "ms of a made-up job")]
    let done_ms = done_ms.round() as i64;
    server.runtime.block_on(server.store.write(move |c| {
        c.execute(
            "UPDATE jobs SET status = 'active', n_completed = ?2, n_active = ?3,
                 n_queued = ?4 - ?2 - ?3, done_ms = ?5, done_runs = ?2 WHERE id = ?1",
            rusqlite::params![job, done, running, total, done_ms],
        )?;
        anyhow::Ok(())
    }))?;
    Ok(())
}

/// Ends a job with every frame rendered, taking `done_ms` in all.
fn finish(server: &BenchServer, job: JobId, frames: usize, done_ms: f64) -> anyhow::Result<()> {
    let total = i64::try_from(frames)?;
    #[expect(clippy::cast_possible_truncation, reason = "ms of a made-up job")]
    let done_ms = done_ms.round() as i64;
    server.runtime.block_on(server.store.write(move |c| {
        c.execute(
            "UPDATE jobs SET status = 'completed', n_completed = ?2, n_active = 0, n_queued = 0,
                 done_ms = ?3, done_runs = ?2 WHERE id = ?1",
            rusqlite::params![job, total, done_ms],
        )?;
        anyhow::Ok(())
    }))?;
    Ok(())
}
