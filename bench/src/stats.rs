//! `drover-bench stats`: a year of farm history (1 million task runs by default, written into
//! `farm_runs` as the server's trigger writes runs as they end, then rolled up as the monitor
//! does), then `GET /api/stats` over the year and over 30 days by each grouping, and the CSV by
//! job, timed over HTTP.

use drover_shared::Client;
use drover_shared::api::{StatsGroup, StatsQuery};
use std::time::{Duration, Instant};

/// Options of `drover-bench stats`.
#[derive(clap::Args)]
pub struct Options {
    /// Task runs in the year of history.
    #[arg(long, default_value_t = 1_000_000)]
    runs: u32,
    /// Requests timed per query.
    #[arg(long, default_value_t = 50)]
    repeats: u32,
}

/// A small, fixed pseudo-random sequence (xorshift), so two runs seed the same history.
struct Sequence(u64);

impl Sequence {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

const DAY_MS: i64 = 86_400_000;
const PROJECTS: u64 = 20;
const PEOPLE: u64 = 50;
const WORKERS: u64 = 200;
const RUNS_PER_JOB: u64 = 200;

/// Runs the benchmark.
pub fn run(options: &Options) -> anyhow::Result<()> {
    let (server, email) = super::BenchServer::start()?;
    let runs = u64::from(options.runs);
    let now_ms = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    let seeding = Instant::now();
    server.runtime.block_on(server.store.write(move |c| {
        let mut project = c.prepare("INSERT INTO projects (name, created) VALUES (?1, 0)")?;
        for p in 0..PROJECTS {
            project.execute([format!("project {p}")])?;
        }
        let mut run = c.prepare(
            "INSERT INTO farm_runs (task_id, job_id, project_id, submitter, worker_id, started,
                                    ended, ms, outcome, watts, measured, cores)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 16)",
        )?;
        let mut random = Sequence(0x2545_f491_4f6c_dd1d);
        for i in 0..runs {
            let job = i / RUNS_PER_JOB;
            // A job's runs fall within a few days of each other, over the year.
            let job_day = (job * 7919) % 365;
            let ended = now_ms - (job_day as i64) * DAY_MS - random.next(3 * DAY_MS as u64) as i64;
            let ms = 30_000 + random.next(20 * 60_000) as i64;
            let outcome = match random.next(100) {
                0..=2 => "failed",
                3 => "stopped",
                _ => "completed",
            };
            run.execute(rusqlite::params![
                i as i64,
                job as i64,
                (job % PROJECTS + 1) as i64,
                format!("person-{}", job % PEOPLE),
                (i % WORKERS + 1) as i64,
                ended - ms,
                ended,
                ms,
                outcome,
                150.0 + random.next(250) as f64,
                i % 2,
            ])?;
        }
        anyhow::Ok(())
    }))?;
    let seeded = seeding.elapsed();
    let rolling = Instant::now();
    server.runtime.block_on(server.store.write(|c| {
        while drover_server::farm::db::stats::roll_up(c)? > 0 {}
        anyhow::Ok(())
    }))?;
    let rolled = rolling.elapsed();
    let day_rows: i64 = server.runtime.block_on(server.store.read(|c| {
        anyhow::Ok(c.query_row("SELECT count(*) FROM farm_day_stats", [], |r| r.get(0))?)
    }))?;
    let job_rows: i64 = server.runtime.block_on(server.store.read(|c| {
        anyhow::Ok(c.query_row("SELECT count(*) FROM farm_day_job_stats", [], |r| r.get(0))?)
    }))?;
    println!(
        "stats: {runs} runs over a year seeded in {:.1} s, rolled up in {:.1} s ({day_rows} \
         day rows, {job_rows} day-job rows; {PROJECTS} projects, {PEOPLE} people, {WORKERS} \
         workers, {} jobs)",
        seeded.as_secs_f64(),
        rolled.as_secs_f64(),
        runs / RUNS_PER_JOB
    );

    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    client_rt.block_on(async {
        let client = Client::new(&server.url)?
            .logged_in(&email, "bench password")
            .await?;
        let today = time::OffsetDateTime::now_utc().date();
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let day = |days: i64| {
            (today - time::Duration::days(days))
                .format(format)
                .unwrap_or_default()
        };
        println!(
            "{:<24} {:>8} {:>9} {:>9} {:>9}",
            "query", "rows", "p50 ms", "p99 ms", "max ms"
        );
        for (span, from) in [("year", day(364)), ("30 days", day(29))] {
            for by in StatsGroup::ALL {
                let query = StatsQuery {
                    from: Some(from.clone()),
                    to: Some(day(0)),
                    by,
                };
                let mut times = Vec::new();
                let mut rows = 0;
                for _ in 0..options.repeats {
                    let start = Instant::now();
                    rows = client.stats(&query).await?.rows.len();
                    times.push(start.elapsed());
                }
                report(&format!("{span} by {}", by.as_str()), rows, &mut times);
            }
        }
        let query = StatsQuery {
            from: Some(day(364)),
            to: Some(day(0)),
            by: StatsGroup::Job,
        };
        let mut times = Vec::new();
        let mut lines = 0;
        for _ in 0..options.repeats {
            let start = Instant::now();
            lines = client.stats_csv(&query).await?.lines().count();
            times.push(start.elapsed());
        }
        report("year by job, CSV", lines, &mut times);
        anyhow::Ok(())
    })
}

fn report(what: &str, rows: usize, times: &mut [Duration]) {
    times.sort_unstable();
    println!(
        "{what:<24} {rows:>8} {:>9.1} {:>9.1} {:>9.1}",
        super::quantile_ms(times, 0.5),
        super::quantile_ms(times, 0.99),
        super::quantile_ms(times, 1.0)
    );
}
