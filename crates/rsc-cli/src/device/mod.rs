//! The desktop front end to the device core: the same logbook a phone keeps, in a folder on
//! this computer (`--home`), with commands to sign in, connect with a provider, log sessions
//! offline, confirm or dispute them as a provider, sync, see hours, and download exports.
//!
//! People are named by name (or the start of it), sessions by the first characters of their id
//! as lists show them; whole ids appear only in `--output json`. Output for people goes to
//! stdout; progress and prompts to stderr, and only on a terminal, so scripts see clean output.
//! Every error says what to do next.

mod account;
mod connections;
mod hours;
pub(crate) mod output;
mod provider;
mod sessions;
mod trainings;

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Subcommand, ValueEnum};
use rsc_client::{ClientError, Date, Id, Logbook, Minutes};

use crate::error::CliError;

pub use account::{AccountCommand, ProfileCommand};
pub use provider::ConfirmArgs;
pub use sessions::{AttendeeCommand, LogArgs, SessionFieldArgs};

/// Output of lists and hours.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Output {
    /// For a person.
    Text,
    /// For programs (with ids).
    Json,
}

/// The device commands.
#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Sign up, sign in or out, share a connection code, answer requests, end a connection,
    /// claim a registry record.
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// Connect with your provider: enter the connection code (or link) she gave you, or ask her
    /// by the endorsement number of her registry record (she accepts or declines).
    Connect(connections::ConnectArgs),
    /// A provider's named groups: list them, or as a provider create, rename, fill and archive
    /// yours. Members of a group see each other and can be named in its sessions.
    Groups {
        #[command(subcommand)]
        command: Option<connections::GroupsCommand>,
    },
    /// The people you work with: your providers, your supervisees, the members of your groups
    /// and the people you already share a session with (the people a group session can name).
    People {
        /// text or json.
        #[arg(long, value_enum, default_value_t = Output::Text)]
        output: Output,
    },
    /// Your profile: name, master's conferral date, rulebook, purpose.
    Profile {
        #[command(subcommand)]
        command: ProfileCommand,
    },
    /// Log a session, offline. Flags for every field, or prompts on a terminal.
    Log(LogArgs),
    /// List the sessions on this computer.
    Sessions(sessions::ListArgs),
    /// One session in full: its attendees, each one's status, confirmed minutes and any
    /// dispute's reason.
    Session {
        /// The session (the first characters of its id, as `rsc sessions` shows them).
        session: String,
        /// text or json.
        #[arg(long, value_enum, default_value_t = Output::Text)]
        output: Output,
    },
    /// Change a session's fields (only those given). A change that sends confirmed hours back
    /// to the provider says so first.
    Edit {
        /// The session.
        session: String,
        #[command(flatten)]
        fields: SessionFieldArgs,
        /// Make the change even though it sends confirmed or disputed entries back to the
        /// provider (a terminal asks instead).
        #[arg(long)]
        yes: bool,
    },
    /// Change one attendee's attendance: your own minutes or topic (or, as the provider or the
    /// person who logged it, anyone's).
    Attendance(sessions::AttendanceArgs),
    /// Add or remove an attendee of a group session.
    Attendee {
        #[command(subcommand)]
        command: AttendeeCommand,
    },
    /// Withdraw a session logged by mistake (it stays in the history and counts nothing).
    Withdraw {
        /// The session.
        session: String,
        /// Why.
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Undo a withdrawal.
    Restore {
        /// The session.
        session: String,
    },
    /// As a provider: list who awaits you (no arguments), or confirm, signed on this computer:
    /// one attendee, a session's whole roster, a supervisee's sessions, or everything up to a date.
    Confirm(ConfirmArgs),
    /// As a provider: dispute an attendee's entry, with a reason.
    Dispute {
        /// The session.
        session: String,
        /// The attendee, by name.
        attendee: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Your training log (self-reported): add, list, edit and remove trainings, offline.
    Training {
        #[command(subcommand)]
        command: trainings::TrainingCommand,
    },
    /// As a provider: the RS/C you gave, per calendar year, from the attendances you confirmed
    /// (sessions, individual and group hours, how many supervisees, never their names).
    Provided {
        /// text or json.
        #[arg(long, value_enum, default_value_t = Output::Text)]
        output: Output,
        /// Also write it as a PDF to sign and send.
        #[arg(long, value_name = "FILE")]
        pdf: Option<PathBuf>,
    },
    /// Send this computer's changes and receive everyone else's.
    Sync {
        /// Keep running, and sync again whenever the server says a session of yours changed
        /// (one line per sync). Stop with Ctrl-C; nothing is lost by stopping.
        #[arg(long)]
        watch: bool,
    },
    /// Your hours, evaluated on this computer under a rulebook.
    Hours(hours::HoursArgs),
    /// Download the server's export of your verified hours.
    Export(hours::ExportArgs),
    /// The exports the server keeps for you, each with the link printed on it; `rsc links
    /// withdraw EXPORT` takes one back (its link then tells a reviewer it was withdrawn).
    Links {
        #[command(subcommand)]
        command: Option<hours::LinksCommand>,
    },
}

/// The logbook folder: `--home`, else RSC_HOME, else the platform's data folder.
pub fn default_home() -> Result<PathBuf, CliError> {
    let from_env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    let base = if cfg!(target_os = "macos") {
        from_env("HOME").map(|h| h.join("Library/Application Support"))
    } else if cfg!(windows) {
        from_env("APPDATA")
    } else {
        from_env("XDG_DATA_HOME").or_else(|| from_env("HOME").map(|h| h.join(".local/share")))
    };
    base.map(|b| b.join("rsc"))
        .ok_or_else(|| CliError::Invalid("--home: no home folder is known here; pass --home DIR".into()))
}

/// Runs one device command on the logbook in `home`.
pub fn run(home: &Path, command: DeviceCommand) -> Result<String, CliError> {
    match command {
        DeviceCommand::Account { command } => account::account(home, command),
        DeviceCommand::Connect(args) => connections::connect(home, args),
        DeviceCommand::Groups { command } => {
            connections::groups(home, command.unwrap_or(connections::GroupsCommand::List { output: Output::Text }))
        }
        DeviceCommand::People { output } => account::people(home, output),
        DeviceCommand::Profile { command } => account::profile(home, command),
        DeviceCommand::Log(args) => sessions::log(home, args),
        DeviceCommand::Sessions(args) => sessions::list(home, args),
        DeviceCommand::Session { session, output } => sessions::show(home, &session, output),
        DeviceCommand::Edit { session, fields, yes } => sessions::edit(home, &session, fields, yes),
        DeviceCommand::Attendance(args) => sessions::attendance(home, args),
        DeviceCommand::Attendee { command } => sessions::attendee(home, command),
        DeviceCommand::Withdraw { session, reason } => sessions::withdraw(home, &session, &reason),
        DeviceCommand::Restore { session } => sessions::restore(home, &session),
        DeviceCommand::Confirm(args) => provider::confirm(home, args),
        DeviceCommand::Dispute { session, attendee, reason } => provider::dispute(home, &session, &attendee, &reason),
        DeviceCommand::Training { command } => trainings::training(home, command),
        DeviceCommand::Provided { output, pdf } => trainings::provided(home, output, pdf.as_deref()),
        DeviceCommand::Sync { watch: false } => hours::sync(home),
        DeviceCommand::Sync { watch: true } => hours::watch(home),
        DeviceCommand::Hours(args) => hours::hours(home, args),
        DeviceCommand::Export(args) => hours::export(home, args),
        DeviceCommand::Links { command } => hours::links(home, command),
    }
}

/// Maps a core error to a message that says what to do next.
fn next_step(error: ClientError) -> CliError {
    match error {
        ClientError::Invalid { field, message } => {
            let flag = flag(&field);
            // A message that names its flag already is not prefixed twice.
            if message.starts_with(&format!("{flag}:")) {
                CliError::Invalid(message)
            } else {
                CliError::Invalid(format!("{flag}: {message}"))
            }
        }
        ClientError::NotFound(message) if message.starts_with("no session") => {
            CliError::Invalid(format!("{message} (list them with `rsc sessions`)"))
        }
        ClientError::NotFound(message) => CliError::Invalid(message),
        ClientError::Unauthorized(message) => CliError::Failed(format!(
            "{message} (run `rsc account login --server URL --email EMAIL`, or `rsc account signup`)"
        )),
        ClientError::Network(message) => CliError::Failed(format!(
            "cannot reach the server: {message}. Your sessions are safe on this computer; run `rsc sync` again when the server is reachable"
        )),
        ClientError::Server { status, message } => {
            CliError::Failed(format!("the server answered {status}: {message}; try again later"))
        }
        // Nothing there (an endorsement number not in the registry, a wrong code): a typo to fix.
        ClientError::Rejected { status: 404, message } => CliError::Invalid(message),
        ClientError::Rejected { message, .. } => CliError::Failed(message),
        ClientError::Cancelled => CliError::Failed("cancelled".into()),
        ClientError::StorageFull => CliError::Failed(format!(
            "{} (the --home folder's disk); what was saved before is intact",
            ClientError::StorageFull
        )),
        ClientError::Storage(message) => CliError::Failed(format!(
            "the logbook on this computer could not be used: {message} (check the disk and the --home folder)"
        )),
        error @ (ClientError::Database(_) | ClientError::StoredData { .. }) => CliError::Failed(format!(
            "the logbook on this computer could not be used: {} (check the disk and the --home folder)",
            rsc_client::cause_chain(&error)
        )),
    }
}

/// The command-line flag a core field is set with, where there is one.
fn flag(field: &str) -> String {
    match field {
        "start_time" => "--start".into(),
        "minutes_attended" => "--minutes".into(),
        "masters_conferred_on" => "--masters-date".into(),
        "display_name" => "--name".into(),
        "valid_days" => "--days".into(),
        "attendees" => "--attendee".into(),
        "date" | "time_zone" | "minutes" | "kind" | "format" | "provider" | "reason" | "rulebook" | "purpose"
        | "as_of" | "from" | "to" | "status" | "server" | "email" | "name" | "device_name" | "by" | "attendee" => {
            format!("--{}", field.replace('_', "-"))
        }
        // Positional arguments, named as `--help` shows them.
        "code" => "CODE".into(),
        "number" => "NUMBER".into(),
        "session" => "SESSION".into(),
        other => other.to_string(),
    }
}

fn open(home: &Path) -> Result<Logbook, CliError> {
    Logbook::open(home).map_err(next_step)
}

fn parse_date(text: &str, flag: &str) -> Result<Date, CliError> {
    text.parse::<Date>().map_err(|e| CliError::Invalid(format!("{flag}: {e}")))
}

fn parse<T: std::str::FromStr>(text: &str, flag: &str) -> Result<T, CliError>
where
    T::Err: std::fmt::Display,
{
    text.parse::<T>().map_err(|e| CliError::Invalid(format!("{flag}: {}", e.to_string().trim_start_matches(": "))))
}

fn minutes(value: i64, field: &str) -> Result<Minutes, CliError> {
    Minutes::new(value, field).map_err(|e| next_step(e.into()))
}

/// The person `text` names among those the user works with, for `flag`.
fn person(logbook: &Logbook, text: &str, flag: &str) -> Result<Id, CliError> {
    logbook.find_person(text, flag.trim_start_matches('-')).map(|p| p.id).map_err(|e| match e {
        ClientError::Invalid { message, .. } => CliError::Invalid(format!("{flag}: {message}")),
        other => next_step(other),
    })
}

/// The signed-in user's id, when signed in.
fn me(logbook: &Logbook) -> Option<Id> {
    logbook.account().ok().flatten().and_then(|a| Id::new(a.user_id, "user").ok())
}

fn password(prompt: &str, variable: &str) -> Result<String, CliError> {
    if let Ok(password) = std::env::var(variable) {
        return Ok(password);
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Invalid(format!("password: set {variable}, or run in a terminal to be asked")));
    }
    rpassword::prompt_password(prompt).map_err(|e| CliError::Invalid(format!("password: {e}")))
}

/// Asks for a value on a terminal; without one, names the missing flag.
fn ask(prompt: &str, flag: &str, default: Option<String>) -> Result<String, CliError> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        if let Some(default) = default {
            return Ok(default);
        }
        return Err(CliError::Invalid(format!("{flag} is required (or run in a terminal to be asked)")));
    }
    let mut stderr = std::io::stderr();
    let shown = default.as_deref().map(|d| format!(" [{d}]")).unwrap_or_default();
    let _ = write!(stderr, "{prompt}{shown}: ");
    let _ = stderr.flush();
    let mut line = String::new();
    stdin.lock().read_line(&mut line).map_err(|e| CliError::Invalid(format!("{flag}: {e}")))?;
    let line = line.trim().to_string();
    match (line.is_empty(), default) {
        (true, Some(default)) => Ok(default),
        (true, None) => Err(CliError::Invalid(format!("{flag} is required"))),
        (false, _) => Ok(line),
    }
}

/// The value of `given` (a flag's), else asked for until `check` accepts it: a person at a
/// terminal who types a wrong answer is told why and asked again, losing nothing typed before.
fn ask_checked<T>(
    given: Option<String>,
    prompt: &str,
    flag: &str,
    default: Option<String>,
    check: impl Fn(&str) -> Result<T, CliError>,
) -> Result<T, CliError> {
    if let Some(given) = given {
        return check(&given);
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return check(&ask(prompt, flag, default)?);
    }
    let mut stderr = std::io::stderr();
    let shown = default.as_deref().map(|d| format!(" [{d}]")).unwrap_or_default();
    loop {
        let _ = write!(stderr, "{prompt}{shown}: ");
        let _ = stderr.flush();
        let mut line = String::new();
        let read = stdin.lock().read_line(&mut line).map_err(|e| CliError::Invalid(format!("{flag}: {e}")))?;
        if read == 0 {
            return Err(CliError::Invalid(format!("{flag} is required")));
        }
        let answer = match (line.trim(), &default) {
            ("", Some(default)) => default.clone(),
            ("", None) => {
                let _ = writeln!(stderr, "  an answer is needed; try again");
                continue;
            }
            (typed, _) => typed.to_string(),
        };
        match check(&answer) {
            Ok(value) => return Ok(value),
            Err(error) => {
                let _ = writeln!(stderr, "  {error}; try again");
            }
        }
    }
}

/// Shows `what` and asks whether to go ahead: `yes` (the flag) goes ahead without asking; a
/// script without it is refused with `what` and the flag to pass; a terminal asks.
fn go_ahead(what: &str, question: &str, yes: bool) -> Result<bool, CliError> {
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Invalid(format!("--yes: {} (pass --yes to go ahead)", what.trim())));
    }
    let _ = writeln!(std::io::stderr(), "{}", what.trim_end());
    let answer = ask(&format!("{question} (yes/no)"), "--yes", Some("no".into()))?;
    Ok(matches!(answer.to_lowercase().as_str(), "y" | "yes"))
}
