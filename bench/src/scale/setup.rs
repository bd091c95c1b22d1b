//! Setting the farm up for `scale`: the jobs, the people behind the dashboards, and the
//! workers, registered and signed on through the typed client (setup is not timed).

use super::{Options, worker};
use crate::dispatch::PASSWORD;
use anyhow::Context;
use drover_shared::api::{
    CommandSettings, JobKind, JobProgress, ProjectInput, SubmitJob, TaskQuery, User,
};
use drover_shared::protocol::{Heartbeat, HostFacts, SignOn};
use drover_shared::{Client, DependMode, JobId, Role, TaskId, TaskType, WorkerStatus};
use futures_util::{StreamExt, TryStreamExt, stream};
use std::time::Duration;
use tokio::time::Instant;

/// Tasks per job at most.
const JOB_TASKS_MAX: u32 = 100_000;
/// Streams per person: under the server's cap of 32, so a thousand dashboards need 50 people.
const STREAMS_PER_PERSON: u32 = 20;

/// A job as seeded.
pub struct Seeded {
    /// Its id.
    pub id: JobId,
    /// Its first task's id: its tasks' ids follow on from it.
    pub first_task: TaskId,
    /// How many tasks it has.
    pub tasks: u64,
    /// Its progress when the streams opened: what a dashboard shows before any event.
    pub initial: JobProgress,
}

/// The farm as seeded.
pub struct Farm {
    /// The project every job is in.
    pub project_name: String,
    /// The jobs: the frame-by-frame pair first.
    pub jobs: Vec<Seeded>,
    /// How long the server took to accept the pair's second job (it links the frames).
    pub link_time: Duration,
}

/// Submits the jobs: first the frame-by-frame pair (`pair_tasks` each, the second waiting for
/// the first's frames), then the rest of the tasks in jobs of at most 100,000, at least eight
/// of them; priorities 90/50/10 in turn, every fourth job tagged `gpu`.
pub async fn seed_jobs(admin: &Client, tasks: u32, pair_tasks: u32) -> anyhow::Result<Farm> {
    anyhow::ensure!(tasks >= 10, "--tasks must be at least 10");
    let project_name = "scale".to_owned();
    let project = admin
        .create_project(&ProjectInput {
            name: Some(project_name.clone()),
            ..ProjectInput::default()
        })
        .await?;
    // A tenth of the tasks at most, so that small runs still have about ten jobs.
    let pair = pair_tasks.min(tasks / 10).max(1);
    let rest = tasks - 2 * pair;
    let others = rest.div_ceil(JOB_TASKS_MAX).max(8).min(rest);
    let mut sizes = vec![pair, pair];
    // The last job takes the remainder.
    sizes.extend(
        (0..others).map(|i| rest / others + if i + 1 == others { rest % others } else { 0 }),
    );
    let mut jobs: Vec<Seeded> = Vec::new();
    let mut link_time = Duration::ZERO;
    for (i, frames) in sizes.into_iter().enumerate() {
        let dependent = i == 1;
        let request = SubmitJob {
            name: format!("scale-{i}"),
            project_id: project.id,
            kind: JobKind::Command(CommandSettings {
                argv: vec!["true".into()],
                frames: format!("1-{frames}"),
                chunk_size: 1,
            }),
            priority: Some([90, 50, 10][i % 3]),
            paused: false,
            tag: (i % 4 == 3).then(|| "gpu".into()),
            production_task_id: None,
            files: Vec::new(),
            depends_on: if dependent {
                vec![jobs[0].id]
            } else {
                Vec::new()
            },
            depend_mode: if dependent {
                DependMode::Frame
            } else {
                DependMode::Job
            },
            max_workers: None,
            task_timeout_secs: None,
            limits: Vec::new(),
        };
        let asked = Instant::now();
        let job = admin.submit_job(&request).await?;
        if dependent {
            link_time = asked.elapsed();
        }
        let first = admin
            .tasks(&TaskQuery {
                job_id: Some(job.id),
                per_page: Some(1),
                ..TaskQuery::default()
            })
            .await?;
        jobs.push(Seeded {
            id: job.id,
            first_task: first.items.first().context("a job without tasks")?.id,
            tasks: job.progress.total,
            initial: job.progress,
        });
    }
    Ok(Farm {
        project_name,
        jobs,
        link_time,
    })
}

/// The people whose dashboards these are: 20 streams each (the server allows a person 32),
/// half managers who see the whole farm, half artists on the project's team. Answers each
/// one's token.
pub async fn people(
    admin: &Client,
    anonymous: &Client,
    project_name: &str,
    dashboards: u32,
) -> anyhow::Result<Vec<String>> {
    // Two at least, so that even a small run has a manager and an artist.
    let count = if dashboards == 0 {
        0
    } else {
        dashboards.div_ceil(STREAMS_PER_PERSON).max(2) as usize
    };
    let email = |i: usize| format!("dashboard-{i}@drover.test");
    // Accounts hash their password (argon2): a few at a time on two cores.
    let made: Vec<(usize, User)> = stream::iter(0..count)
        .map(|i| async move {
            let role = if i % 2 == 0 {
                Role::Manager
            } else {
                Role::Artist
            };
            anyhow::Ok((i, admin.create_user(&email(i), PASSWORD, role).await?))
        })
        .buffer_unordered(4)
        .try_collect()
        .await?;
    let artists: Vec<String> = made
        .iter()
        .filter(|(_, user)| user.role == Role::Artist)
        .map(|(_, user)| user.id.to_string())
        .collect();
    if !artists.is_empty() {
        let projects = admin.data_list("projects", &[]).await?;
        let id = projects
            .as_array()
            .and_then(|rows| rows.iter().find(|row| row["name"] == project_name))
            .and_then(|row| row["id"].as_str())
            .context("the farm project among the production projects")?;
        admin
            .data_update("projects", id, &serde_json::json!({ "team": artists }))
            .await?;
    }
    stream::iter(0..count)
        .map(|i| async move {
            let person = anonymous.logged_in(&email(i), PASSWORD).await?;
            anyhow::Ok(
                person
                    .token()
                    .context("a login without a token")?
                    .to_owned(),
            )
        })
        .buffer_unordered(4)
        .try_collect()
        .await
}

/// Registers and signs on the workers through the typed client, a fifth of them with the
/// `gpu` tag; each gets its heartbeat (host facts and all) serialized once.
pub async fn sign_on_workers(
    admin: &Client,
    anonymous: &Client,
    options: &Options,
) -> anyhow::Result<Vec<worker::Setup>> {
    let join_token = admin.join_token().await?.token;
    let join_token = join_token.as_str();
    let count = options.workers;
    stream::iter(0..count)
        .map(|i| async move {
            let name = format!("sim-{i:05}");
            let credentials = anonymous.register_worker(join_token, &name).await?;
            let gpu = i % 5 == 0;
            let facts = facts(&name, i, gpu);
            let answer = anonymous
                .with_token(&credentials.token)
                .sign_on(&SignOn {
                    name,
                    tags: if gpu { vec!["gpu".into()] } else { Vec::new() },
                    task_types: vec![TaskType::Command],
                    version: "scale-bench".into(),
                    facts: facts.clone(),
                })
                .await?;
            let every = Duration::from_secs(u64::from(answer.heartbeat_secs.max(1)));
            let heartbeat = Heartbeat {
                status: WorkerStatus::Idle,
                facts,
            };
            anyhow::Ok(worker::Setup {
                auth: super::http::bearer(&credentials.token)?,
                heartbeat_every: every,
                // Spread evenly over one period.
                first_heartbeat: every.mul_f64(f64::from(i) / f64::from(count)),
                heartbeat: serde_json::to_vec(&heartbeat)?.into(),
            })
        })
        .buffer_unordered(options.setup_concurrency)
        .try_collect()
        .await
}

/// Host facts as a render node of a studio farm reports them.
fn facts(name: &str, i: u32, gpu: bool) -> HostFacts {
    HostFacts {
        os: "Linux 6.1 (Debian 12)".into(),
        hostname: name.to_owned(),
        cores: 32,
        memory_total_bytes: 128 << 30,
        memory_used_bytes: (8 + u64::from(i % 64)) << 30,
        load_1m: f64::from(i % 32) / 2.0,
        gpu_name: gpu.then(|| "NVIDIA RTX A6000".into()),
        gpu_memory_bytes: gpu.then_some(48 << 30),
        power_watts: Some(300.0 + f64::from(i % 200)),
    }
}
