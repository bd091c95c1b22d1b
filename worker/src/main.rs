//! `drover-worker`: parses the command line, sets up logging, runs the worker until Ctrl-C or
//! SIGTERM (on Windows: Ctrl-C, Ctrl-Break, the console closing or the system shutting down),
//! or until a manager shuts it down.

use clap::Parser;
use drover_worker::{Config, plan::Tools};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "drover-worker", version, about = "Drover render node")]
struct Cli {
    /// The Drover server, e.g. http://farm:7878
    #[arg(long, env = "DROVER_SERVER")]
    server: String,
    /// The farm's join token (`drover-server worker-token`); needed the first time only.
    #[arg(long, env = "DROVER_JOIN_TOKEN")]
    token: Option<String>,
    /// Name shown in the dashboard [default: the host name]
    #[arg(long)]
    name: Option<String>,
    /// Job tags this worker takes, comma-separated (untagged jobs run anywhere).
    #[arg(long, value_delimiter = ',')]
    tags: Vec<String>,
    /// Blender to render with [default: `blender` on PATH]
    #[arg(long)]
    blender: Option<PathBuf>,
    /// ffmpeg for job videos [default: `ffmpeg` on PATH]
    #[arg(long)]
    ffmpeg: Option<PathBuf>,
    /// Where the worker keeps its credentials and job folders [default: the platform data dir]
    #[arg(long, env = "DROVER_WORKER_DIR")]
    work_dir: Option<PathBuf>,
    /// Where it keeps the files of jobs without shared storage [default: <work dir>/cache]
    #[arg(long, env = "DROVER_WORKER_CACHE_DIR")]
    cache_dir: Option<PathBuf>,
    /// Most bytes the file cache holds; the least recently used files go first
    #[arg(long, env = "DROVER_WORKER_CACHE_MAX_BYTES", default_value_t = drover_worker::cache::DEFAULT_MAX_BYTES)]
    cache_max_bytes: u64,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let name = cli
        .name
        .unwrap_or_else(|| sysinfo::System::host_name().unwrap_or_else(|| "worker".into()));
    // The local data dir: the same as the data dir on Unix; on Windows AppData\Local, since
    // a file cache has no place in a roaming profile.
    let Some(work_dir) = cli.work_dir.or_else(|| {
        directories::ProjectDirs::from("org", "Drover", "drover")
            .map(|d| d.data_local_dir().join("worker"))
    }) else {
        eprintln!("error: no home directory for the work dir; pass --work-dir");
        return ExitCode::from(2);
    };
    let tools = Tools::find(cli.blender, cli.ffmpeg);
    let config = Config {
        server: cli.server,
        join_token: cli.token,
        name,
        tags: cli
            .tags
            .into_iter()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect(),
        tools,
        cache_dir: cli.cache_dir.unwrap_or_else(|| work_dir.join("cache")),
        cache_max_bytes: cli.cache_max_bytes,
        work_dir,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("drover-worker")
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(drover_worker::run(config, shutdown_signal())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    // A console closed, the system shutting down, Ctrl-Break, or a service wrapper's stop
    // (NSSM and WinSW send Ctrl-C, then Ctrl-Break) end it as SIGTERM does on Unix.
    #[cfg(windows)]
    let terminate = async {
        use tokio::signal::windows;
        match (
            windows::ctrl_break(),
            windows::ctrl_close(),
            windows::ctrl_shutdown(),
        ) {
            (Ok(mut brk), Ok(mut close), Ok(mut shutdown)) => {
                tokio::select! {
                    _ = brk.recv() => {}
                    _ = close.recv() => {}
                    _ = shutdown.recv() => {}
                }
            }
            _ => std::future::pending().await,
        }
    };
    #[cfg(not(any(unix, windows)))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
