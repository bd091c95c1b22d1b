//! `drover-server`: the Drover server, headless. Parses the command line, sets up logging and
//! hands over to the library.

use anyhow::{Context, bail};

/// mimalloc keeps the server's memory flat under many connections, where glibc's per-thread
/// arenas fragment (measured in BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use clap::{Parser, Subcommand, ValueEnum};
use drover_server::{Config, Server};
use drover_shared::Role;
use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "drover-server",
    version,
    about = "Drover render farm server (headless)"
)]
struct Cli {
    /// What to do; `serve` with its defaults when absent.
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(clap::Args, Clone)]
struct DataDir {
    /// Where the database, secrets and storage live [default: the platform data dir]
    #[arg(long, env = "DROVER_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
}

/// How notices are e-mailed (see README, "Notifications").
#[derive(clap::Args)]
struct MailArgs {
    /// The SMTP server notices are e-mailed through: smtp://host:25,
    /// smtp://user:password@host:587?tls=required (STARTTLS) or smtps://user:password@host:465.
    /// Without it, nobody is e-mailed. Prefer the environment variable: it keeps the password
    /// out of the process list
    #[arg(long, env = "DROVER_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// The sender of notice e-mails
    #[arg(
        long,
        env = "DROVER_MAIL_FROM",
        default_value = "Drover <drover@localhost>"
    )]
    mail_from: String,
}

impl MailArgs {
    fn config(&self) -> Option<drover_server::farm::notify::MailConfig> {
        self.smtp_url
            .as_ref()
            .map(|url| drover_server::farm::notify::MailConfig {
                smtp_url: url.clone(),
                from: self.mail_from.clone(),
            })
    }
}

/// What the server lets connections spend (see README, "Security").
#[derive(clap::Args)]
struct LimitArgs {
    /// Seconds a client has to send the rest of a request's head once it began; slower
    /// connections are closed.
    #[arg(long, default_value_t = drover_server::serve::ConnectionLimits::default().header_read_secs)]
    header_read_timeout_secs: u64,
    /// Seconds a keep-alive connection may wait idle for its next request before it is closed.
    #[arg(long, default_value_t = drover_server::serve::ConnectionLimits::default().idle_secs)]
    idle_timeout_secs: u64,
    /// Connections open at once; more wait to be accepted.
    #[arg(long, default_value_t = drover_server::serve::ConnectionLimits::default().max_connections)]
    max_connections: usize,
    /// Live event streams (`/api/events`) one person may hold open at once.
    #[arg(long, default_value_t = drover_server::events::StreamLimits::default().per_person)]
    max_event_streams_per_person: usize,
    /// Live event streams the server holds open at once, everyone together.
    #[arg(long, default_value_t = drover_server::events::StreamLimits::default().total)]
    max_event_streams: usize,
    /// Hours an uploaded job file is kept for the job it was sent for (and an unfinished
    /// upload for its resumption); past them, files no job uses are removed.
    #[arg(long, default_value_t = 24)]
    unused_files_grace_hours: u64,
}

impl Default for LimitArgs {
    fn default() -> Self {
        let limits = drover_server::Limits::default();
        Self {
            header_read_timeout_secs: limits.connections.header_read_secs,
            idle_timeout_secs: limits.connections.idle_secs,
            max_connections: limits.connections.max_connections,
            max_event_streams_per_person: limits.streams.per_person,
            max_event_streams: limits.streams.total,
            unused_files_grace_hours: limits.files.grace.as_secs() / 3600,
        }
    }
}

impl LimitArgs {
    fn limits(&self) -> drover_server::Limits {
        drover_server::Limits {
            connections: drover_server::serve::ConnectionLimits {
                header_read_secs: self.header_read_timeout_secs.max(1),
                idle_secs: self.idle_timeout_secs.max(1),
                max_connections: self.max_connections.max(1),
            },
            streams: drover_server::events::StreamLimits {
                per_person: self.max_event_streams_per_person.max(1),
                total: self.max_event_streams.max(1),
            },
            files: drover_server::farm::file_store::FileLimits {
                grace: std::time::Duration::from_secs(
                    self.unused_files_grace_hours.saturating_mul(3600),
                ),
            },
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API until Ctrl-C or SIGTERM.
    Serve {
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:7878")]
        listen: SocketAddr,
        /// The URL people open the server at (Kitsu's DOMAIN_NAME); its host name is the one
        /// FIDO security keys are bound to, so set it before anyone registers one
        /// [default: http://localhost]
        #[arg(long, env = "DROVER_PUBLIC_URL")]
        public_url: Option<String>,
        /// The server's secret key (64 hex digits), which seals TOTP secrets and keys
        /// recovery codes; made there on first start if missing. Keep it apart from database
        /// backups you hand out [default: secret-key in the data dir]
        #[arg(long, env = "DROVER_SECRET_KEY_FILE")]
        secret_key_file: Option<PathBuf>,
        /// The server is behind a reverse proxy that appends the client's address to
        /// X-Forwarded-For: login throttles count that address. Off, the header is ignored
        /// (clients could name any address in it)
        #[arg(long, env = "DROVER_BEHIND_PROXY")]
        behind_proxy: bool,
        /// A web front end to serve at / beside the API, from one origin: a folder with an
        /// index.html, such as Kitsu's release build (its licence is its own). Paths that
        /// name no file get index.html; /api and /socket.io stay the server's
        #[arg(long, env = "DROVER_WEB_UI")]
        web_ui: Option<PathBuf>,
        #[command(flatten)]
        data_dir: DataDir,
        #[command(flatten)]
        limits: LimitArgs,
        #[command(flatten)]
        mail: MailArgs,
    },
    /// Print the farm's join token for `drover-worker --token` (alone on the last line).
    WorkerToken {
        #[command(flatten)]
        data_dir: DataDir,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account.
    Add {
        /// Login email.
        email: String,
        /// The password (visible in the process list; prefer --password-stdin).
        #[arg(
            long,
            conflicts_with = "password_stdin",
            required_unless_present = "password_stdin"
        )]
        password: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        /// What the person may do.
        #[arg(long, value_enum)]
        role: RoleArg,
        #[command(flatten)]
        data_dir: DataDir,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Admin,
    Manager,
    Artist,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Admin => Role::Admin,
            RoleArg::Manager => Role::Manager,
            RoleArg::Artist => Role::Artist,
        }
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn data_dir(arg: DataDir) -> anyhow::Result<PathBuf> {
    if let Some(dir) = arg.data_dir {
        return Ok(dir);
    }
    let dirs = directories::ProjectDirs::from("org", "Drover", "drover")
        .context("no home directory to put the data dir in; pass --data-dir")?;
    Ok(dirs.data_dir().to_owned())
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("drover-server")
        .build()?;
    let command = cli.command.unwrap_or(Command::Serve {
        listen: SocketAddr::from(([127, 0, 0, 1], 7878)),
        public_url: std::env::var("DROVER_PUBLIC_URL").ok(),
        secret_key_file: std::env::var_os("DROVER_SECRET_KEY_FILE").map(PathBuf::from),
        behind_proxy: std::env::var("DROVER_BEHIND_PROXY")
            .is_ok_and(|v| matches!(v.as_str(), "1" | "true" | "yes")),
        web_ui: std::env::var_os("DROVER_WEB_UI").map(PathBuf::from),
        data_dir: DataDir {
            data_dir: std::env::var_os("DROVER_DATA_DIR").map(PathBuf::from),
        },
        limits: LimitArgs::default(),
        mail: MailArgs {
            smtp_url: std::env::var("DROVER_SMTP_URL").ok(),
            mail_from: std::env::var("DROVER_MAIL_FROM")
                .unwrap_or_else(|_| "Drover <drover@localhost>".into()),
        },
    });
    match command {
        Command::Serve {
            listen,
            public_url,
            secret_key_file,
            behind_proxy,
            web_ui,
            data_dir: dir,
            limits,
            mail,
        } => {
            let data_dir = data_dir(dir)?;
            runtime.block_on(serve(Config {
                listen,
                data_dir,
                public_url,
                secret_key_file,
                behind_proxy,
                web_ui,
                limits: limits.limits(),
                mail: mail.config(),
            }))
        }
        #[expect(
            clippy::print_stdout,
            reason = "the token on stdout is the command's answer, for a person or a script"
        )]
        Command::WorkerToken { data_dir: dir } => {
            let data_dir = data_dir(dir)?;
            let token = drover_server::auth::join_token::load_or_create(&data_dir)
                .with_context(|| format!("reading the join token in {}", data_dir.display()))?;
            println!(
                "join token of the farm in {} (start workers with --token):",
                data_dir.display()
            );
            println!("{token}");
            Ok(())
        }
        #[expect(
            clippy::print_stdout,
            reason = "the account created is the command's answer"
        )]
        Command::User {
            command:
                UserCommand::Add {
                    email,
                    password,
                    password_stdin,
                    role,
                    data_dir: dir,
                },
        } => {
            let password = match (password, password_stdin) {
                (Some(p), false) => p,
                (None, true) => {
                    let mut line = String::new();
                    std::io::stdin().lock().read_line(&mut line)?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
                _ => bail!("give either --password or --password-stdin"),
            };
            let data_dir = data_dir(dir)?;
            runtime.block_on(async {
                let store = drover_server::open_store(&data_dir)?;
                let user =
                    drover_server::auth::accounts::create(&store, &email, &password, role.into())
                        .await
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                println!(
                    "created {} ({}) in {}",
                    user.email,
                    user.role,
                    data_dir.display()
                );
                Ok(())
            })
        }
    }
}

#[expect(
    clippy::print_stdout,
    reason = "how to make the first account, for the person who just started the server"
)]
async fn serve(config: Config) -> anyhow::Result<()> {
    let data_dir = config.data_dir.clone();
    let server = Server::start(config).await?;
    // The server's first line, on stdout on purpose: whoever started it (a script, the tests, the
    // benchmarks) reads the address from it, which with `--listen …:0` only the server knows.
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {}", server.url())?;
        out.flush()?;
    }
    tracing::info!(data_dir = %data_dir.display(), "serving");
    let users = server
        .state()
        .store
        .read(|c| {
            drover_server::auth::db::users::count(c).map_err(drover_server::error::ApiError::from)
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if users == 0 {
        println!(
            "no user yet; create the first one with:\n  drover-server user add you@example.com --password-stdin --role admin --data-dir {}",
            data_dir.display()
        );
    }
    shutdown_signal().await;
    tracing::info!("shutting down");
    server.shutdown().await?;
    Ok(())
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
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
