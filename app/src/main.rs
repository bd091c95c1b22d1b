//! `drover`: parses the command line, sets up logging and opens the app.

// A Windows release build is a GUI program, so no console window opens beside the app; its
// log is then lost, which is why debug builds keep the console.
#![cfg_attr(all(windows, not(debug_assertions)), windows_subsystem = "windows")]

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "drover", version, about = "Drover: render farm dashboard")]
struct Cli {
    /// Where the local farm keeps its data [default: the platform data dir]
    #[arg(long, env = "DROVER_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Start the local farm at once.
    #[arg(long)]
    local: bool,
    /// With --local: render on this computer too.
    #[arg(long)]
    render_here: bool,
    /// Prefill the server to connect to.
    #[arg(long)]
    server: Option<String>,
    /// Open this job (its number) once connected.
    #[arg(long, value_name = "ID")]
    job: Option<i64>,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,wgpu=warn,naga=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let options = drover::Options {
        data_dir: cli.data_dir,
        start_local: cli.local,
        render_here: cli.render_here,
        server: cli.server,
        open_job: cli.job.map(drover_shared::JobId),
    };
    match drover::run(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
