//! `rsc-server`: serve the API (the default), run migrations, or act as the operator: keep
//! associations, their staff and registries, issue reset codes, and read the audit trail.

use std::io::BufRead;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use clap::{Parser, Subcommand};
use rsc_protocol::{ClaimDecision, ClaimStatus, Role};
use rsc_server::config::{DatabaseArgs, Redacted, ServeArgs, describe_database};
use rsc_server::store::{PgStore, SqliteStore, Store};
use rsc_server::telemetry;
use rsc_service::auth;
use rsc_service::registry::{decide_claim, review_claims};
use rsc_service::staff::{self, Staff, changed_by_name};

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
    /// The associations whose registries this server keeps.
    Association {
        #[command(subcommand)]
        command: AssociationCommand,
    },
    /// Association staff: make and remove them, and issue password reset codes.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Operators: accounts that may do in the portal what this command line does.
    Operator {
        #[command(subcommand)]
        command: OperatorCommand,
    },
    /// Keep the endorsement registries (as their staff would through the API), every
    /// association's, or only one's with --association.
    Registry {
        /// Only this association's records and claims.
        #[arg(long, value_name = "ID")]
        association: Option<String>,
        #[command(subcommand)]
        command: RegistryCommand,
    },
    /// The audit trail: every staff and operator action, newest first.
    Audit {
        /// Only this association's lines.
        #[arg(long, value_name = "ID")]
        association: Option<String>,
        /// Only lines about this endorsement number (or email).
        #[arg(long, value_name = "NUMBER")]
        record: Option<String>,
        /// Only lines by or about a person whose name or email contains this.
        #[arg(long, value_name = "NAME")]
        person: Option<String>,
        /// Only lines of this action (import, lapse, revoke, approve, reject,
        /// association_created, staff_added, staff_removed, operator_added, reset_code).
        #[arg(long)]
        action: Option<String>,
        /// Print CSV instead of lines of text.
        #[arg(long)]
        csv: bool,
    },
    /// The keys exports are signed with.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Write a consistent copy of the SQLite database to a new file while the server runs
    /// (Postgres: use pg_dump, see the README). To restore, stop the server and put the copy
    /// in the database's place.
    Backup {
        /// The new file.
        path: std::path::PathBuf,
    },
    /// Put a backup of the SQLite database in its place, with the server stopped; the database
    /// it replaces is kept beside it. The restored database gets a new epoch, so that every
    /// device sends again what it made after the backup.
    Restore {
        /// The backup file (`rsc-server backup` wrote it).
        backup: std::path::PathBuf,
    },
    /// Give the database a new epoch after restoring it some other way (Postgres: after
    /// pg_restore or a point-in-time recovery), with the server stopped: every device then
    /// sends again what it made since, and pulls everything.
    Restored,
}

#[derive(Debug, Subcommand)]
enum RegistryCommand {
    /// Import a registry CSV: upserts by endorsement number; any bad row imports nothing.
    /// Columns: endorsement_number, holder_name, holder_email, credential, association,
    /// earned_on, valid_through, revoked_on.
    Import {
        /// The CSV file.
        file: std::path::PathBuf,
        /// A name for the source, kept in each record's history (default: the file name).
        #[arg(long)]
        source: Option<String>,
    },
    /// List the current records.
    List,
    /// Show one record and every version of it.
    Show {
        /// The endorsement number.
        number: String,
    },
    /// Set a record's last valid day.
    Lapse {
        /// The endorsement number.
        number: String,
        /// The last day it was valid (YYYY-MM-DD).
        #[arg(long)]
        valid_through: String,
    },
    /// Revoke a record from a day on.
    Revoke {
        /// The endorsement number.
        number: String,
        /// The day it was revoked (YYYY-MM-DD); not held from that day on.
        #[arg(long)]
        on: String,
    },
    /// List the providers' claims awaiting a decision, each beside the record's holder, with
    /// anything that does not match flagged.
    Claims {
        /// Decided claims too.
        #[arg(long)]
        all: bool,
    },
    /// Approve a provider's claim to a record: their confirmations verify from now on.
    Approve {
        /// The endorsement number claimed.
        number: String,
        /// The claimant's email, when several accounts claim one number.
        #[arg(long, value_name = "EMAIL")]
        claimant: Option<String>,
        /// Approve although the claimant's email is not the record holder's: you checked who
        /// they are another way.
        #[arg(long)]
        despite_mismatch: bool,
        /// A note for the provider.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Reject a provider's claim to a record.
    Reject {
        /// The endorsement number claimed.
        number: String,
        /// The claimant's email, when several accounts claim one number.
        #[arg(long, value_name = "EMAIL")]
        claimant: Option<String>,
        /// Why, for the provider.
        #[arg(long, default_value = "")]
        note: String,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// List the signing keys (the newest signs; all stay published).
    List,
    /// Make a new signing key; older keys stay published for verification.
    Rotate,
}

#[derive(Debug, Subcommand)]
enum AssociationCommand {
    /// Create an association. Its id is what the registry CSV's `association` column says.
    Create {
        /// The id (`NMAIMH`).
        id: String,
        /// Its name (`New Mexico Association for Infant Mental Health`).
        #[arg(long)]
        name: String,
        /// A rulebook its applicants are evaluated under (repeatable): nmaimh, orimha.
        #[arg(long = "rulebook", value_name = "RULEBOOK")]
        rulebooks: Vec<String>,
    },
    /// Change an association's name or rulebooks (those a migration made are named by their id).
    Change {
        /// The id.
        id: String,
        /// Its new name.
        #[arg(long)]
        name: Option<String>,
        /// Its rulebooks from now on (repeatable), replacing those it had.
        #[arg(long = "rulebook", value_name = "RULEBOOK")]
        rulebooks: Vec<String>,
    },
    /// List the associations and their staff.
    List,
}

#[derive(Debug, Subcommand)]
enum OperatorCommand {
    /// Make a staff account an operator, creating the account first if there is none (its
    /// password read as for `admin create`).
    Create {
        /// The sign-in email.
        #[arg(long)]
        email: String,
        /// The name shown, for a new account.
        #[arg(long, default_value = "Operator")]
        display_name: String,
    },
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Make a person staff of an association, creating her staff account first if there is
    /// none: its password is read from RSC_ADMIN_PASSWORD, or else from the first line of
    /// standard input. A person may be staff of several associations.
    Create {
        /// The staff member's sign-in email.
        #[arg(long)]
        email: String,
        /// The association whose registry she keeps (repeatable).
        #[arg(long = "association", value_name = "ID", required = true)]
        associations: Vec<String>,
        /// The name shown for her, for a new account.
        #[arg(long, default_value = "Registry staff")]
        display_name: String,
    },
    /// End a person's being staff of an association.
    Remove {
        /// The staff member's sign-in email.
        #[arg(long)]
        email: String,
        /// The association she no longer keeps.
        #[arg(long = "association", value_name = "ID")]
        association: String,
    },
    /// Issue a one-time password reset code for an account whose owner forgot the password (the
    /// server sends no email: give it to them in person or by phone). It works once, for 24
    /// hours, and signs every device of the account out.
    ResetPassword {
        /// The account's email.
        #[arg(long)]
        email: String,
    },
}

enum Backend {
    Postgres(PgStore),
    Sqlite(SqliteStore),
}

/// Opens the database; `create` lets serving and migrating set up a new one, which the
/// administrative commands must never do.
async fn connect(args: &DatabaseArgs, create: bool) -> anyhow::Result<Backend> {
    let url = &args.database_url;
    let failed =
        |e: rsc_server::store::StoreError| anyhow!(e).context(format!("cannot open the database {}", Redacted(url)));
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let store = if create {
            PgStore::connect(url, args.max_connections).await
        } else {
            PgStore::open_existing(url, args.max_connections).await
        };
        Ok(Backend::Postgres(store.map_err(failed)?))
    } else if url.starts_with("sqlite:") {
        let store = if create { SqliteStore::connect(url).await } else { SqliteStore::open_existing(url).await };
        Ok(Backend::Sqlite(store.map_err(failed)?))
    } else {
        bail!("--database-url: `{}` is neither postgres://… nor sqlite://…", Redacted(url))
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

async fn serve<S: Store>(store: S, args: &ServeArgs) -> anyhow::Result<()> {
    // The usual soft limit (1,024 open files) is less than a server's connections need.
    match rsc_service::limits::raise_open_files() {
        Some((soft, hard)) => tracing::info!(
            open_files = soft,
            hard_limit = hard,
            event_streams = rsc_service::limits::stream_cap(Some(soft)),
            "open-file limit"
        ),
        None => tracing::warn!("the open-file limit is unknown here"),
    }
    let listener =
        tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("--listen {}", args.listen))?;
    let addr = listener.local_addr()?;
    // The export signing key is made on first start and kept in the database.
    let key = rsc_service::server_keys::signing_key(&store).await?;
    tracing::info!(key_id = %key.id, "export signing key");
    tracing::info!(%addr, backend = store.backend(), "listening on http://{addr}");
    rsc_server::serve(store, listener, Duration::from_secs(args.request_timeout_secs), shutdown_signal())
        .await
        .context("server")
}

/// The password of a new staff or operator account.
fn new_password() -> anyhow::Result<String> {
    Ok(match std::env::var("RSC_ADMIN_PASSWORD") {
        Ok(password) => password,
        Err(_) => {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).context("reading the password")?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    })
}

/// The staff account with `email`, created (its password read) when there is none.
async fn staff_account<S: Store>(store: &S, email: &str, display_name: &str) -> anyhow::Result<()> {
    let normalized = auth::normalize_email(email).map_err(|e| anyhow!("--email: {e}"))?;
    if store.user_by_email(&normalized).await?.is_none() {
        let user = auth::create_account(store, email, &new_password()?, display_name, Role::RegistryAdmin).await?;
        println!("created staff account {} <{}>", user.display_name, user.email);
    }
    Ok(())
}

async fn admin<S: Store>(store: &S, command: AdminCommand) -> anyhow::Result<()> {
    let by = Staff::command_line(None);
    match command {
        AdminCommand::Create { email, associations, display_name } => {
            // Every association first, so that a mistyped one creates no account.
            for association in &associations {
                staff::association(store, association).await?;
            }
            staff_account(store, &email, &display_name).await?;
            for association in &associations {
                let added = staff::add_staff(store, &by, &email, association).await?;
                let association = staff::association(store, association).await?;
                if added {
                    println!("{email} keeps {}'s registry ({})", association.name, association.id);
                } else {
                    println!("{email} already keeps {}'s registry ({})", association.name, association.id);
                }
            }
            Ok(())
        }
        AdminCommand::Remove { email, association } => {
            if staff::remove_staff(store, &by, &email, &association).await? {
                println!("{email} no longer keeps {association}'s registry");
                Ok(())
            } else {
                bail!("{email} was not staff of {association}")
            }
        }
        AdminCommand::ResetPassword { email } => {
            let (user, code) = staff::issue_reset_code(store, &by, &email).await?;
            println!(
                "Reset code for {} <{}>: {code}\nIt works once, for {} hours. They set a new password with:\n  rsc account reset --server URL --email {} --code {code}\nDoing so signs every device of the account out.",
                user.display_name,
                user.email,
                auth::RESET_CODE_HOURS,
                user.email
            );
            Ok(())
        }
    }
}

async fn operator<S: Store>(store: &S, command: OperatorCommand) -> anyhow::Result<()> {
    let OperatorCommand::Create { email, display_name } = command;
    staff_account(store, &email, &display_name).await?;
    if staff::add_operator(store, &Staff::command_line(None), &email).await? {
        println!("{email} is an operator");
    } else {
        println!("{email} was already an operator");
    }
    Ok(())
}

async fn association<S: Store>(store: &S, command: AssociationCommand) -> anyhow::Result<()> {
    match command {
        AssociationCommand::Create { id, name, rulebooks } => {
            let made = staff::create_association(store, &Staff::command_line(None), &id, &name, &rulebooks).await?;
            println!("created association {} ({})", made.name, made.id);
        }
        AssociationCommand::Change { id, name, rulebooks } => {
            let rulebooks = (!rulebooks.is_empty()).then_some(rulebooks.as_slice());
            let changed =
                staff::change_association(store, &Staff::command_line(None), &id, name.as_deref(), rulebooks).await?;
            let rulebooks =
                if changed.rulebooks.is_empty() { "no rulebook".into() } else { changed.rulebooks.join(", ") };
            println!("{} is {} ({rulebooks})", changed.id, changed.name);
        }
        AssociationCommand::List => {
            let staff = store.staff().await?;
            let associations = store.associations().await?;
            if associations.is_empty() {
                println!("no associations yet: `rsc-server association create ID --name NAME`");
            }
            for a in associations {
                let rulebooks = if a.rulebooks.is_empty() { "no rulebook".to_string() } else { a.rulebooks.join(", ") };
                println!("{:<12} {} ({rulebooks})", a.id, a.name);
                for (_, person) in staff.iter().filter(|(of, _)| *of == a.id) {
                    println!("    staff  {} <{}>", person.display_name, person.email);
                }
            }
        }
    }
    Ok(())
}

async fn audit<S: Store>(store: &S, filter: staff::TrailFilter, csv: bool) -> anyhow::Result<()> {
    let lines = staff::trail(store, &Staff::command_line(None), &filter).await?;
    if csv {
        print!("{}", staff::trail_csv(&lines)?);
        return Ok(());
    }
    if lines.is_empty() {
        println!(
            "nothing in the trail{}",
            if filter.action.is_some()
                || filter.subject.is_some()
                || filter.person.is_some()
                || filter.association.is_some()
            {
                " matches"
            } else {
                " yet"
            }
        );
    }
    for line in &lines {
        let day = rsc_model::Date::from_unix_millis(line.at_ms).map_or_else(|| "?".to_string(), |d| d.to_string());
        let whom = line.person.as_deref().map(|p| format!(" ({p})")).unwrap_or_default();
        println!(
            "{day}  {:<9} {} {} {}{whom}: {}",
            line.association.as_deref().unwrap_or("-"),
            line.who,
            line.action.words(),
            line.subject,
            line.detail
        );
    }
    Ok(())
}

/// One version of a record, naming who made it.
async fn print_record<S: Store>(store: &S, r: &rsc_server::store::RegistryRecord) -> anyhow::Result<()> {
    let by = changed_by_name(store, &r.changed_by).await?;
    println!(
        "{:<16} {:<8} {:<28} earned {} valid through {} revoked {}  (version {}, {}, by {by})",
        r.number,
        r.credential,
        r.holder_name,
        r.earned_on,
        r.valid_through.map_or_else(|| "-".to_string(), |d| d.to_string()),
        r.revoked_on.map_or_else(|| "-".to_string(), |d| d.to_string()),
        r.version,
        r.source,
    );
    Ok(())
}

async fn registry<S: Store>(store: &S, association: Option<String>, command: RegistryCommand) -> anyhow::Result<()> {
    use rsc_service::registry::{import_csv, set_end};
    let association = match association {
        Some(id) => Some(staff::association(store, &id).await?.id),
        None => None,
    };
    let by = Staff::command_line(association);
    let date = |text: &str, flag: &str| rsc_model::Date::parse_field(text, flag).with_context(|| flag.to_string());
    match command {
        RegistryCommand::Import { file, source } => {
            let text = std::fs::read_to_string(&file).with_context(|| file.display().to_string())?;
            let source = source.unwrap_or_else(|| file.display().to_string());
            match import_csv(store, &by, &text, &source).await? {
                Ok(done) => {
                    println!(
                        "imported {}: {} new, {} updated, {} unchanged",
                        source, done.inserted, done.updated, done.unchanged
                    );
                    Ok(())
                }
                Err(rows) => {
                    for row in &rows {
                        eprintln!("{}:{}: {}: {}", file.display(), row.line, row.field, row.message);
                    }
                    bail!("{} problem(s) in {}; nothing was imported", rows.len(), file.display())
                }
            }
        }
        RegistryCommand::List => {
            for record in rsc_service::registry::records(store, &by).await? {
                print_record(store, &record).await?;
            }
            Ok(())
        }
        RegistryCommand::Show { number } => {
            let (_, history) = rsc_service::registry::record_with_history(store, &by, &number).await?;
            // Newest first, as the portal shows it.
            for version in history.iter().rev() {
                print_record(store, version).await?;
            }
            Ok(())
        }
        RegistryCommand::Lapse { number, valid_through } => {
            let through = date(&valid_through, "--valid-through")?;
            let record = set_end(store, &by, &number, Some(through), None, "lapsed on the command line").await?;
            print_record(store, &record).await
        }
        RegistryCommand::Revoke { number, on } => {
            let revoked = date(&on, "--on")?;
            let record = set_end(store, &by, &number, None, Some(revoked), "revoked on the command line").await?;
            print_record(store, &record).await
        }
        RegistryCommand::Claims { all } => {
            let reviews = review_claims(store, &by, if all { None } else { Some(ClaimStatus::Pending) }).await?;
            if reviews.is_empty() {
                println!("no {}claims", if all { "" } else { "pending " });
            }
            for review in &reviews {
                print_claim(review);
            }
            Ok(())
        }
        RegistryCommand::Approve { number, claimant, despite_mismatch, note } => {
            decide(store, &by, &number, claimant.as_deref(), true, ClaimDecision { note, despite_mismatch }).await
        }
        RegistryCommand::Reject { number, claimant, note } => {
            decide(store, &by, &number, claimant.as_deref(), false, ClaimDecision { note, despite_mismatch: false })
                .await
        }
    }
}

fn print_claim(review: &rsc_protocol::ClaimReview) {
    let day = |ms: i64| rsc_model::Date::from_unix_millis(ms).map_or_else(|| "?".to_string(), |d| d.to_string());
    let decided = review.decided_at_ms.map(|ms| format!(" on {}", day(ms))).unwrap_or_default();
    println!(
        "{}  {} {} ({}), {}{decided}",
        review.record.number,
        review.record.credential,
        review.record.association,
        review.status,
        day(review.created_at_ms)
    );
    println!("    claimed by     {} <{}>", review.claimant.display_name, review.claimant.email);
    println!("    record holder  {} <{}>", review.record.holder_name, review.record.holder_email);
    for warning in &review.warnings {
        println!("    ! {warning}");
    }
}

/// Finds the pending claim a person means: by endorsement number, and by the claimant's email
/// when several accounts claim that number.
async fn pending_claim<S: Store>(
    store: &S,
    by: &Staff,
    number: &str,
    claimant: Option<&str>,
) -> anyhow::Result<rsc_protocol::ClaimReview> {
    let pending = review_claims(store, by, Some(ClaimStatus::Pending)).await?;
    let found: Vec<_> = pending
        .iter()
        .filter(|r| r.record.number.eq_ignore_ascii_case(number.trim()))
        .filter(|r| claimant.is_none_or(|email| r.claimant.email.eq_ignore_ascii_case(email.trim())))
        .collect();
    match found.as_slice() {
        [one] => Ok((*one).clone()),
        [] => match claimant {
            Some(email) => {
                bail!("{email} has no pending claim to {number} (list them with `rsc-server registry claims`)")
            }
            None => bail!("no pending claim to {number} (list them with `rsc-server registry claims`)"),
        },
        several => bail!(
            "{} accounts claim {number}: {}; say whose with --claimant EMAIL",
            several.len(),
            several
                .iter()
                .map(|r| format!("{} <{}>", r.claimant.display_name, r.claimant.email))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

async fn decide<S: Store>(
    store: &S,
    by: &Staff,
    number: &str,
    claimant: Option<&str>,
    approve: bool,
    decision: ClaimDecision,
) -> anyhow::Result<()> {
    let claim = pending_claim(store, by, number, claimant).await?;
    let decided = decide_claim(store, by, &claim.claim_id, approve, &decision).await.map_err(|e| {
        match e.unchecked_claimant("say so with --despite-mismatch") {
            Some(message) => anyhow!(message),
            None => anyhow!(e),
        }
    })?;
    println!("{} {}'s claim to {}", decided.status, decided.claimant.display_name, decided.record.number);
    Ok(())
}

async fn keys<S: Store>(store: &S, command: KeysCommand) -> anyhow::Result<()> {
    if let KeysCommand::Rotate = command {
        let key = rsc_service::server_keys::rotate_key(store).await?;
        println!("new signing key {}", key.id);
    }
    for key in rsc_service::server_keys::published_keys(store).await? {
        let state = if key.retired_at_ms.is_none() { "signing" } else { "retired" };
        println!("{} {} {}", key.id, key.public_key, state);
    }
    Ok(())
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let command = cli.command.unwrap_or(Command::Serve);
    let database = describe_database(&cli.database.database_url);
    if matches!(command, Command::Serve) {
        tracing::info!(
            %database,
            max_connections = cli.database.max_connections,
            listen = %cli.serve.listen,
            request_timeout_secs = cli.serve.request_timeout_secs,
            log_format = ?cli.serve.log_format,
            "configuration"
        );
    } else {
        // On standard error, so that what a command prints stays fit for a pipe.
        eprintln!("database: {database}");
    }
    if let Command::Restore { backup } = &command {
        return restore(&cli.database, backup).await;
    }
    let backend = connect(&cli.database, matches!(command, Command::Serve | Command::Migrate)).await?;
    match command {
        Command::Serve => match backend {
            Backend::Postgres(store) => serve(store, &cli.serve).await,
            Backend::Sqlite(store) => serve(store, &cli.serve).await,
        },
        Command::Migrate => {
            println!("migrations applied to {database}");
            Ok(())
        }
        Command::Association { command } => match backend {
            Backend::Postgres(store) => association(&store, command).await,
            Backend::Sqlite(store) => association(&store, command).await,
        },
        Command::Admin { command } => match backend {
            Backend::Postgres(store) => admin(&store, command).await,
            Backend::Sqlite(store) => admin(&store, command).await,
        },
        Command::Operator { command } => match backend {
            Backend::Postgres(store) => operator(&store, command).await,
            Backend::Sqlite(store) => operator(&store, command).await,
        },
        Command::Registry { association, command } => match backend {
            Backend::Postgres(store) => registry(&store, association, command).await,
            Backend::Sqlite(store) => registry(&store, association, command).await,
        },
        Command::Audit { association, record, person, action, csv } => {
            let action = match action {
                Some(text) => Some(text.parse::<rsc_model::AuditAction>().map_err(|e| anyhow!("--action: {e}"))?),
                None => None,
            };
            let filter = staff::TrailFilter { subject: record, person, action, association };
            match backend {
                Backend::Postgres(store) => audit(&store, filter, csv).await,
                Backend::Sqlite(store) => audit(&store, filter, csv).await,
            }
        }
        Command::Keys { command } => match backend {
            Backend::Postgres(store) => keys(&store, command).await,
            Backend::Sqlite(store) => keys(&store, command).await,
        },
        Command::Restored => {
            let epoch = match backend {
                Backend::Postgres(store) => renew_epoch(&store).await?,
                Backend::Sqlite(store) => renew_epoch(&store).await?,
            };
            println!(
                "{database} has a new epoch ({epoch}): each device sends again what it made since the backup, \
                 and pulls everything, at its next sync"
            );
            Ok(())
        }
        Command::Restore { .. } => unreachable!("restored before the database is opened"),
        Command::Backup { path } => match backend {
            Backend::Postgres(_) => bail!(
                "backup: this is a Postgres database; back it up with pg_dump (or continuous archiving for \
                 point-in-time recovery), as the README says"
            ),
            Backend::Sqlite(store) => {
                let started = std::time::Instant::now();
                store
                    .backup_to(&path)
                    .await
                    .map_err(|e| anyhow!(e).context(format!("backup to {}", path.display())))?;
                let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                println!(
                    "backed up {database} to {} ({size} bytes, {:.1} s): everything committed when it began",
                    path.display(),
                    started.elapsed().as_secs_f64()
                );
                Ok(())
            }
        },
    }
}

/// Gives `store`'s database a new epoch, and returns it.
async fn renew_epoch<S: Store>(store: &S) -> anyhow::Result<String> {
    let epoch = rsc_service::clock::new_id().as_str().replace('-', "");
    store.new_epoch(&epoch).await.map_err(|e| anyhow!(e).context("a new epoch"))?;
    Ok(epoch)
}

/// `rsc-server restore BACKUP`: checks that the backup is a database of this server, moves the
/// database (and its `-wal` and `-shm` files) aside, puts a copy of the backup in its place and
/// gives it a new epoch.
async fn restore(args: &DatabaseArgs, backup: &std::path::Path) -> anyhow::Result<()> {
    let Some(file) = rsc_server::config::sqlite_file(&args.database_url) else {
        bail!(
            "restore: this is a Postgres database; restore it with pg_restore (or a point-in-time recovery), \
             then run `rsc-server restored`, as the README says"
        );
    };
    if !backup.is_file() {
        bail!("restore: {} is not a file", backup.display());
    }
    let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let with = |suffix: &str| std::path::PathBuf::from(format!("{}{suffix}", file.display()));
    let aside = |suffix: &str| with(&format!(".before-restore-{stamp}{suffix}"));
    let mut moved = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        if with(suffix).exists() {
            std::fs::rename(with(suffix), aside(suffix))
                .with_context(|| format!("restore: moving {} aside", with(suffix).display()))?;
            moved.push(suffix);
        }
    }
    // The copy is opened (and migrated, if the backup is older than this version), never the
    // backup itself; when it is not a database of this server, what was moved aside goes back.
    let opened = match std::fs::copy(backup, &file) {
        Ok(_) => SqliteStore::open_existing(&args.database_url).await.map_err(|e| anyhow!(e)),
        Err(e) => Err(anyhow!(e)),
    };
    let store = match opened {
        Ok(store) => store,
        Err(error) => {
            for suffix in ["-wal", "-shm", ""] {
                let _ = std::fs::remove_file(with(suffix));
            }
            for suffix in &moved {
                let _ = std::fs::rename(aside(suffix), with(suffix));
            }
            return Err(error.context(format!(
                "restore: {} is not a backup of this server's database; nothing was changed",
                backup.display()
            )));
        }
    };
    let epoch = renew_epoch(&store).await?;
    store.close().await;
    let kept = moved.first().map(|_| aside(""));
    println!(
        "restored {} from {} with a new epoch ({epoch}): each device sends again what it made since the backup at \
         its next sync{}",
        file.display(),
        backup.display(),
        kept.map(|k| format!("; the database it replaced is {}", k.display())).unwrap_or_default()
    );
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init_logging(cli.serve.log_format, matches!(cli.command, None | Some(Command::Serve)));
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // The whole chain, outermost first: "cannot open the database …: database: …".
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
