//! `rsc-server`: serve the API (the default), run migrations, or create a registry admin.

use std::io::BufRead;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use rsc_protocol::Role;
use rsc_server::config::{DatabaseArgs, Redacted, ServeArgs};
use rsc_server::store::{PgStore, SqliteStore, Store};
use rsc_server::{auth, telemetry};

/// The RSC Logbook sync server. With no subcommand it serves on 127.0.0.1:8080 with an
/// embedded SQLite database in ./rsc-data/, creating and migrating it.
#[derive(Debug, Parser)]
#[command(name = "rsc-server", version, about)]
struct Cli {
    #[command(flatten)]
    database: DatabaseArgs,
    #[command(flatten)]
    serve: ServeArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Manage registry administrators.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create a registry_admin account. The password is read from RSC_ADMIN_PASSWORD, or else
    /// from the first line of standard input.
    Create {
        /// The admin's sign-in email.
        #[arg(long)]
        email: String,
        /// The name shown for the admin.
        #[arg(long, default_value = "Registry admin")]
        display_name: String,
    },
}

enum Backend {
    Postgres(PgStore),
    Sqlite(SqliteStore),
}

async fn connect(args: &DatabaseArgs) -> Result<Backend, String> {
    let url = &args.database_url;
    let failed = |e: rsc_server::store::StoreError| format!("cannot open the database {}: {e}", Redacted(url));
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres(PgStore::connect(url, args.max_connections).await.map_err(failed)?))
    } else if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite(SqliteStore::connect(url).await.map_err(failed)?))
    } else {
        Err(format!("--database-url: `{}` is neither postgres://… nor sqlite://…", Redacted(url)))
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
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

async fn serve<S: Store>(store: S, args: &ServeArgs) -> Result<(), String> {
    let listener =
        tokio::net::TcpListener::bind(args.listen).await.map_err(|e| format!("--listen {}: {e}", args.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(%addr, backend = store.backend(), "listening on http://{addr}");
    rsc_server::serve(store, listener, Duration::from_secs(args.request_timeout_secs), shutdown_signal())
        .await
        .map_err(|e| format!("server: {e}"))
}

async fn create_admin<S: Store>(store: &S, email: &str, display_name: &str) -> Result<(), String> {
    let password = match std::env::var("RSC_ADMIN_PASSWORD") {
        Ok(password) => password,
        Err(_) => {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).map_err(|e| format!("reading the password: {e}"))?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    let user = auth::create_account(store, email, &password, display_name, Role::RegistryAdmin)
        .await
        .map_err(|e| e.to_string())?;
    println!("created registry admin {} ({})", user.email, user.id);
    Ok(())
}

async fn run(cli: Cli) -> Result<(), String> {
    let command = cli.command.unwrap_or(Command::Serve);
    if matches!(command, Command::Serve) {
        tracing::info!(
            database_url = %Redacted(&cli.database.database_url),
            max_connections = cli.database.max_connections,
            listen = %cli.serve.listen,
            request_timeout_secs = cli.serve.request_timeout_secs,
            log_format = ?cli.serve.log_format,
            "configuration"
        );
    }
    let backend = connect(&cli.database).await?;
    match command {
        Command::Serve => match backend {
            Backend::Postgres(store) => serve(store, &cli.serve).await,
            Backend::Sqlite(store) => serve(store, &cli.serve).await,
        },
        Command::Migrate => {
            println!("migrations applied to {}", Redacted(&cli.database.database_url));
            Ok(())
        }
        Command::Admin { command: AdminCommand::Create { email, display_name } } => match backend {
            Backend::Postgres(store) => create_admin(&store, &email, &display_name).await,
            Backend::Sqlite(store) => create_admin(&store, &email, &display_name).await,
        },
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init_logging(cli.serve.log_format);
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
