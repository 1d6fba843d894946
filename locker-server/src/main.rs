//! The `locker-server` command line: serve the Locker API from a SQLite file, and create
//! projects and access keys in it.

use std::io::IsTerminal as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use locker_server::{AccessKey, Store};

/// A Locker Secrets compatible server on SQLite, for development and tests.
///
/// Not a production secrets store. Start it with `serve`, create a project with
/// `create-project`, then point any Locker client at it with
/// `LOCKER_API_BASE=http://127.0.0.1:PORT` and the printed access key.
#[derive(Debug, Parser)]
#[command(name = "locker-server", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the Locker API (at /v1/... and /locker_secrets/v1/...) until Ctrl-C.
    ///
    /// The database file and its schema are created on first start; data survives restarts.
    Serve {
        /// The SQLite database file.
        #[arg(long, default_value = "locker-server.db")]
        db: PathBuf,
        /// The address to listen on. Loopback by default; the server has no TLS and is meant
        /// for one machine.
        #[arg(long, default_value = "127.0.0.1:8787")]
        listen: SocketAddr,
    },
    /// Create a project and its first read-write access key, and print the key once.
    ///
    /// The secret access key is not stored anywhere: keep the printed value.
    CreateProject {
        /// The SQLite database file (the server may be running on it).
        #[arg(long, default_value = "locker-server.db")]
        db: PathBuf,
        /// The API base URL to print in the `export LOCKER_API_BASE=...` line.
        #[arg(long, default_value = "http://127.0.0.1:8787")]
        api_base: String,
    },
    /// Issue another access key (read-write, or read-only with --read-only) for a project.
    ///
    /// Needs an existing key of the project to unwrap the project key. Its secret access key is
    /// read from the LOCKER_SECRET_ACCESS_KEY environment variable (so it stays out of shell
    /// history) unless --from-secret is given.
    CreateKey {
        /// The SQLite database file (the server may be running on it).
        #[arg(long, default_value = "locker-server.db")]
        db: PathBuf,
        /// The project id.
        #[arg(long)]
        project: i64,
        /// The access key id of an existing key of the project.
        #[arg(long)]
        from_key_id: String,
        /// The secret access key of that existing key.
        #[arg(long, env = "LOCKER_SECRET_ACCESS_KEY", hide_env_values = true)]
        from_secret: String,
        /// Make the new key read-only (writes answer 403).
        #[arg(long)]
        read_only: bool,
        /// The API base URL to print in the `export LOCKER_API_BASE=...` line.
        #[arg(long, default_value = "http://127.0.0.1:8787")]
        api_base: String,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        // Colour codes only for a terminal, not in a log file or a pipe.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve { db, listen } => serve(db, listen),
        Command::CreateProject { db, api_base } => {
            let store = Store::open(&db).map_err(|e| chain(&e))?;
            let key = store.create_project().map_err(|e| chain(&e))?;
            print_key("Created project", &key, &api_base);
            Ok(())
        }
        Command::CreateKey {
            db,
            project,
            from_key_id,
            from_secret,
            read_only,
            api_base,
        } => {
            let store = Store::open(&db).map_err(|e| chain(&e))?;
            let existing = AccessKey {
                project_id: project,
                access_key_id: from_key_id,
                secret_access_key: from_secret,
                read_only: false,
            };
            let key = store
                .create_access_key(&existing, read_only)
                .map_err(|e| chain(&e))?;
            print_key("Created access key", &key, &api_base);
            Ok(())
        }
    }
}

fn print_key(what: &str, key: &AccessKey, api_base: &str) {
    let mode = if key.read_only {
        "read-only"
    } else {
        "read-write"
    };
    println!("{what} (project {}, {mode} key).", key.project_id);
    println!("The secret access key is shown only now; it is not stored by the server.");
    println!();
    println!("project_id:        {}", key.project_id);
    println!("access_key_id:     {}", key.access_key_id);
    println!("secret_access_key: {}", key.secret_access_key);
    println!();
    println!("export LOCKER_API_BASE={api_base}");
    println!("export LOCKER_ACCESS_KEY_ID={}", key.access_key_id);
    println!("export LOCKER_SECRET_ACCESS_KEY={}", key.secret_access_key);
}

fn serve(db: PathBuf, listen: SocketAddr) -> Result<(), String> {
    if !listen.ip().is_loopback() {
        tracing::warn!(
            %listen,
            "listening on a non-loopback address: this is a development server without TLS"
        );
    }
    let store =
        Store::open(&db).map_err(|e| format!("cannot open {}: {}", db.display(), chain(&e)))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Database work queues for one connection; a few threads serve it as well as hundreds.
        .max_blocking_threads(4)
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        tracing::info!(db = %db.display(), "locker-server listening on http://{addr}");
        eprintln!(
            "locker-server listening on http://{addr} (database {})",
            db.display()
        );
        eprintln!("Point a client at it with LOCKER_API_BASE=http://{addr}");
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("shutting down");
        };
        locker_server::serve(listener, store, shutdown)
            .await
            .map_err(|e| chain(&e))
    })
}

/// An error and its causes, `: `-separated (each message says only its own part).
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
