//! `drover-bench files`: job files without shared storage, over real HTTP on loopback. An
//! artist's file set (200 files, 1 GB by default) is uploaded through the resumable upload
//! route, a worker downloads it back through its task's file routes, and the dedupe check is
//! asked about 10,000 hashes again and again. The server runs in a child process so that its
//! peak memory, read from `/proc`, is its own: files must stream through it, never be held
//! whole.

use crate::dispatch::ChildServer;
use anyhow::Context;
use drover_shared::api::{
    CommandSettings, FileRef, JobFile, JobKind, ProjectInput, ProjectStorageInput, StorageMode,
    SubmitJob,
};
use drover_shared::protocol::{HostFacts, SignOn};
use drover_shared::{Client, TaskId};
use drover_worker::cache::{Cache, DOWNLOADS_AT_ONCE, TaskSource};
use futures_util::{StreamExt, TryStreamExt};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const EMAIL: &str = "bench@drover.test";
const PASSWORD: &str = "bench password";

/// What `drover-bench files` runs.
#[derive(clap::Args)]
pub struct Options {
    /// Files in the set.
    #[arg(long, default_value_t = 200)]
    files: u32,
    /// Bytes in the whole set (split evenly between the files).
    #[arg(long, default_value_t = 1_000_000_000)]
    bytes: u64,
    /// Files uploaded at once (the Blender add-on sends 4 at a time). The download runs as
    /// the worker's cache does, `DOWNLOADS_AT_ONCE` at a time.
    #[arg(long, default_value_t = 4)]
    parallel: usize,
    /// Hashes in each dedupe check.
    #[arg(long, default_value_t = 10_000)]
    check_hashes: usize,
    /// Dedupe checks timed.
    #[arg(long, default_value_t = 100)]
    checks: u32,
    /// Syncs each download to disk before the cache checks it, as the cache did before it
    /// became durable as a whole (for a before/after comparison in one build).
    #[arg(long)]
    sync_each: bool,
}

/// The worker's source, syncing each download once it arrived (`--sync-each`).
struct SyncEach(TaskSource);

impl drover_worker::cache::Source for SyncEach {
    async fn fetch(&self, file: &FileRef, part: &Path) -> Result<(), String> {
        self.0.fetch(file, part).await?;
        let part = part.to_owned();
        tokio::task::spawn_blocking(move || std::fs::File::open(&part)?.sync_all())
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())
    }
}

/// One file of the artist's set, on disk in the source folder.
struct SourceFile {
    path: PathBuf,
    file: FileRef,
}

/// A SplitMix64 stream: incompressible bytes, quickly, without a dependency.
struct Noise(u64);

impl Noise {
    fn fill(&mut self, buffer: &mut [u8]) {
        for word in buffer.chunks_mut(8) {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            word.copy_from_slice(&z.to_le_bytes()[..word.len()]);
        }
    }
}

fn hex(digest: &[u8]) -> String {
    digest.iter().fold(String::with_capacity(64), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// Writes the set into `dir` and hashes each file as it is written.
fn make_files(dir: &Path, count: u32, total: u64) -> anyhow::Result<Vec<SourceFile>> {
    let size = total / u64::from(count);
    let mut noise = Noise(0x5eed);
    let mut buffer = vec![0u8; 1 << 20];
    let mut out = Vec::with_capacity(count as usize);
    for i in 0..count {
        let path = dir.join(format!("textures/tex-{i:04}.exr"));
        std::fs::create_dir_all(path.parent().context("a parent")?)?;
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
        let mut hasher = Sha256::new();
        let mut left = size;
        while left > 0 {
            let n = left.min(buffer.len() as u64) as usize;
            noise.fill(&mut buffer[..n]);
            hasher.update(&buffer[..n]);
            file.write_all(&buffer[..n])?;
            left -= n as u64;
        }
        file.flush()?;
        out.push(SourceFile {
            path,
            file: FileRef {
                sha256: hex(&hasher.finalize()),
                size,
            },
        });
    }
    Ok(out)
}

fn sha256_of(path: &Path) -> anyhow::Result<String> {
    let mut hasher = Sha256::new();
    std::io::copy(&mut std::fs::File::open(path)?, &mut hasher)?;
    Ok(hex(&hasher.finalize()))
}

/// Bytes per second in MB/s (10^6 bytes).
fn mb_per_s(bytes: u64, elapsed: Duration) -> f64 {
    bytes as f64 / 1e6 / elapsed.as_secs_f64()
}

/// The server's peak memory in MiB since `reset`, or NaN when `/proc` does not tell.
fn peak(server: &ChildServer) -> f64 {
    server.peak_rss_mib().unwrap_or(f64::NAN)
}

/// Starts the server, runs the three phases and prints their figures.
pub fn run(options: &Options) -> anyhow::Result<()> {
    anyhow::ensure!(options.files > 0 && options.parallel > 0, "nothing to do");
    let server = ChildServer::spawn()?;
    let source = tempfile::tempdir()?;
    let fetched = tempfile::tempdir()?;
    let started = Instant::now();
    let set = make_files(source.path(), options.files, options.bytes)?;
    let total: u64 = set.iter().map(|f| f.file.size).sum();
    println!(
        "files: {} files, {:.0} MB in all ({:.1} MB each), uploaded {} at a time",
        set.len(),
        total as f64 / 1e6,
        set[0].file.size as f64 / 1e6,
        options.parallel
    );
    println!(
        "  set written and hashed in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let anonymous = Client::new(&server.url)?;
        let admin = anonymous.logged_in(EMAIL, PASSWORD).await?;
        let project = admin
            .create_project(&ProjectInput {
                name: Some("files".into()),
                ..ProjectInput::default()
            })
            .await?;
        admin
            .set_project_storage(
                project.id,
                &ProjectStorageInput {
                    mode: Some(StorageMode::Upload),
                    quota_bytes: Some(total * 2),
                },
            )
            .await?;
        let refs: Vec<FileRef> = set.iter().map(|f| f.file.clone()).collect();
        let missing = admin.check_files(project.id, &refs).await?.missing;
        anyhow::ensure!(
            missing.len() == set.len(),
            "the empty server has some files"
        );
        println!(
            "  server RSS before the upload: {:.0} MiB",
            server.rss_mib().unwrap_or(f64::NAN)
        );

        // Upload: the artist's side, through the same client method as the add-on's routes.
        server.reset_peak_rss();
        let start = Instant::now();
        futures_util::stream::iter(set.iter().map(|f| {
            let admin = &admin;
            async move { admin.upload_file(project.id, &f.path, &f.file).await }
        }))
        .buffer_unordered(options.parallel)
        .try_collect::<Vec<_>>()
        .await?;
        let elapsed = start.elapsed();
        println!(
            "  upload: {:.2} s, {:.0} MB/s; server peak RSS {:.0} MiB",
            elapsed.as_secs_f64(),
            mb_per_s(total, elapsed),
            peak(&server)
        );
        let missing = admin.check_files(project.id, &refs).await?.missing;
        anyhow::ensure!(
            missing.is_empty(),
            "{} files missing after the upload",
            missing.len()
        );

        // Download: a worker fetches its task's files through its cache (each download
        // verified against its hash before it becomes an entry), as `drover-worker` does,
        // until they are ready for the task to use.
        let (worker, task) = claim_task_of_set(&anonymous, &admin, project.id, &set).await?;
        let cache = Cache::open(fetched.path(), total * 2)?;
        let source = TaskSource {
            client: worker,
            task,
        };
        server.reset_peak_rss();
        let start = Instant::now();
        let entries: Vec<PathBuf> = if options.sync_each {
            let source = SyncEach(source);
            futures_util::stream::iter(set.iter().map(|f| cache.fetch(&source, &f.file)))
                .buffered(DOWNLOADS_AT_ONCE)
                .try_collect()
                .await?
        } else {
            futures_util::stream::iter(set.iter().map(|f| cache.fetch(&source, &f.file)))
                .buffered(DOWNLOADS_AT_ONCE)
                .try_collect()
                .await?
        };
        let elapsed = start.elapsed();
        println!(
            "  download through the worker's cache ({DOWNLOADS_AT_ONCE} at a time, each \
             verified{}): {:.2} s, {:.0} MB/s; server peak RSS {:.0} MiB",
            if options.sync_each {
                ", each synced"
            } else {
                ""
            },
            elapsed.as_secs_f64(),
            mb_per_s(total, elapsed),
            peak(&server)
        );
        // What the worker does at its end: sync what it downloaded (entries are not synced
        // one by one; an unclean end has them hashed again before use instead).
        let start = Instant::now();
        cache.close().await?;
        println!(
            "  the cache's close (syncing the {} entries): {:.2} s",
            set.len(),
            start.elapsed().as_secs_f64()
        );
        for (entry, f) in entries.iter().zip(&set) {
            let got = sha256_of(entry)?;
            anyhow::ensure!(
                got == f.file.sha256,
                "{} came back different",
                entry.display()
            );
        }
        println!("  all {} files came back whole (hashes match)", set.len());

        // The dedupe check: the stored set among hashes the server has never seen.
        let mut noise = Noise(0xc4ec);
        let mut check = refs.clone();
        check.truncate(options.check_hashes);
        while check.len() < options.check_hashes {
            let mut digest = [0u8; 32];
            noise.fill(&mut digest);
            check.push(FileRef {
                sha256: hex(&digest),
                size: 1 << 20,
            });
        }
        let expected_missing = check.len() - set.len().min(check.len());
        for _ in 0..5 {
            admin.check_files(project.id, &check).await?;
        }
        let mut times = Vec::with_capacity(options.checks as usize);
        for _ in 0..options.checks {
            let start = Instant::now();
            let answer = admin.check_files(project.id, &check).await?;
            times.push(start.elapsed());
            anyhow::ensure!(
                answer.missing.len() == expected_missing,
                "the check found {} missing, not {expected_missing}",
                answer.missing.len()
            );
        }
        times.sort();
        println!(
            "  check of {} hashes ({} stored): p50 {:.1} ms  p95 {:.1} ms  max {:.1} ms \
             (client to client, JSON both ways)",
            check.len(),
            set.len().min(check.len()),
            crate::quantile_ms(&times, 0.5),
            crate::quantile_ms(&times, 0.95),
            crate::quantile_ms(&times, 1.0)
        );
        anyhow::Ok(())
    })
}

/// Submits a command job on the uploaded set, signs a worker on and has it claim the job's
/// one task: the worker routes serve a file only to the worker running a task that uses it.
async fn claim_task_of_set(
    anonymous: &Client,
    admin: &Client,
    project: drover_shared::ProjectId,
    set: &[SourceFile],
) -> anyhow::Result<(Client, TaskId)> {
    let files: Vec<JobFile> = set
        .iter()
        .map(|f| JobFile {
            path: format!(
                "textures/{}",
                f.path.file_name().unwrap_or_default().to_string_lossy()
            ),
            sha256: f.file.sha256.clone(),
            size: f.file.size,
        })
        .collect();
    admin
        .submit_job(&SubmitJob {
            name: "files".into(),
            project_id: project,
            kind: JobKind::Command(CommandSettings {
                argv: vec!["true".into()],
                frames: "1".into(),
                chunk_size: 1,
            }),
            priority: None,
            paused: false,
            tag: None,
            production_task_id: None,
            files,
            depends_on: Vec::new(),
            depend_mode: drover_shared::DependMode::Job,
            max_workers: None,
            task_timeout_secs: None,
            limits: Vec::new(),
        })
        .await?;
    let token = admin.join_token().await?.token;
    let credentials = anonymous.register_worker(&token, "bench-node").await?;
    let worker = anonymous.with_token(&credentials.token);
    worker
        .sign_on(&SignOn {
            name: "bench-node".into(),
            tags: Vec::new(),
            task_types: vec![drover_shared::TaskType::Command],
            version: "bench".into(),
            facts: HostFacts::default(),
        })
        .await?;
    let assignment = worker
        .claim_task(0)
        .await?
        .context("the worker was given no task")?;
    Ok((worker, assignment.task.id))
}
