//! The desktop front end to the device core: the same logbook a phone keeps, in a folder on
//! this computer (`--home`), with commands to sign in, log sessions offline, confirm or
//! dispute them as a provider, sync, see hours, and download exports.
//!
//! Output for people goes to stdout; progress and prompts to stderr, and only on a terminal,
//! so scripts see clean output. Every error says what to do next.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use rsc_client::{
    AttendanceStatus, ClientError, Date, Id, Logbook, Minutes, NewAttendee, NewSession, Purpose, SessionEdit,
    SessionFields, SessionFilter, SessionFormat, SessionKind, SessionView, SyncOptions,
};

use crate::error::CliError;

/// `rsc account …`.
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create an account on a server and sign this computer in. The password comes from
    /// RSC_PASSWORD, or is asked for on a terminal.
    Signup {
        #[command(flatten)]
        sign_in: SignInArgs,
        /// The name other participants see.
        #[arg(long)]
        name: String,
    },
    /// Sign this computer in to an existing account.
    Login {
        #[command(flatten)]
        sign_in: SignInArgs,
    },
    /// Sign out and forget this account's data on this computer (refused while sessions have
    /// not been synced, unless --discard-unsynced).
    Logout {
        /// Sign out even though some changes never reached the server (they are lost).
        #[arg(long)]
        discard_unsynced: bool,
    },
    /// Who is signed in, and how the logbook stands.
    Show,
    /// As a provider: claim your record in the endorsement registry, by endorsement number.
    Claim {
        /// The endorsement number, as the registry shows it (e.g. NM-1001).
        number: String,
    },
}

/// Where to sign in.
#[derive(Debug, Args)]
pub struct SignInArgs {
    /// The server's address, e.g. http://localhost:8080.
    #[arg(long, env = "RSC_SERVER")]
    server: String,
    /// The account's email.
    #[arg(long)]
    email: String,
    /// A name for this computer, shown in the account's device list.
    #[arg(long, default_value = "rsc desktop")]
    device_name: String,
}

/// A session's fields as flags, shared by `rsc log` and `rsc edit`.
#[derive(Debug, Args)]
pub struct SessionFieldArgs {
    /// The day it took place (YYYY-MM-DD).
    #[arg(long)]
    date: Option<String>,
    /// Local start time (HH:MM).
    #[arg(long)]
    start: Option<String>,
    /// IANA time zone of the start time (e.g. America/Denver; for `rsc log`, RSC_TIME_ZONE when
    /// left out).
    #[arg(long)]
    time_zone: Option<String>,
    /// Its length in minutes (1 to 720).
    #[arg(long)]
    minutes: Option<i64>,
    /// individual or group.
    #[arg(long)]
    kind: Option<String>,
    /// in_person, video or phone.
    #[arg(long)]
    format: Option<String>,
    /// The provider's user id (they can find it with `rsc account show`).
    #[arg(long)]
    provider: Option<String>,
}

impl SessionFieldArgs {
    /// The fields given, as an edit.
    fn edit(self) -> Result<SessionEdit, CliError> {
        Ok(SessionEdit {
            date: self.date.as_deref().map(|d| parse_date(d, "--date")).transpose()?,
            start_time: self.start,
            time_zone: self.time_zone,
            minutes: self.minutes.map(|m| minutes(m, "minutes")).transpose()?,
            kind: self.kind.as_deref().map(|k| parse::<SessionKind>(k, "--kind")).transpose()?,
            format: self.format.as_deref().map(|f| parse::<SessionFormat>(f, "--format")).transpose()?,
            provider: self.provider.as_deref().map(|p| id(p, "--provider")).transpose()?,
        })
    }
}

/// `rsc log`: the session's fields; those left out are asked for on a terminal.
#[derive(Debug, Args)]
pub struct LogArgs {
    #[command(flatten)]
    fields: SessionFieldArgs,
    /// An attendee as ID, ID:MINUTES or ID:MINUTES:own (the session was about the RS/C they
    /// provide); repeat for a group. Default: you, for the whole session.
    #[arg(long = "attendee", value_name = "ID[:MINUTES[:own]]")]
    attendees: Vec<String>,
    /// Log it even though a session with the same people, day and start time is already in
    /// the logbook (otherwise a terminal asks, and a script is refused).
    #[arg(long)]
    duplicate: bool,
}

/// Output of lists and hours.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Output {
    /// For a person.
    Text,
    /// For programs.
    Json,
}

/// The device commands.
#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Sign up, sign in or out, and claim a registry record.
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// Log a session, offline. Flags for every field, or prompts on a terminal.
    Log(LogArgs),
    /// List the sessions on this computer.
    Sessions {
        /// On or after this day.
        #[arg(long)]
        from: Option<String>,
        /// On or before this day.
        #[arg(long)]
        to: Option<String>,
        /// With this provider (user id).
        #[arg(long)]
        provider: Option<String>,
        /// pending, confirmed, disputed, changed_since_confirmed or withdrawn.
        #[arg(long)]
        status: Option<String>,
        /// text or json.
        #[arg(long, value_enum, default_value_t = Output::Text)]
        output: Output,
    },
    /// As a provider: list the attendees awaiting you (no arguments), or confirm one, signed on
    /// this computer.
    Confirm {
        /// The session's id.
        session: Option<String>,
        /// The attendee's user id.
        attendee: Option<String>,
        /// The minutes they attended (default: the minutes they logged).
        #[arg(long)]
        minutes: Option<i64>,
    },
    /// As a provider: dispute an attendee's entry, with a reason.
    Dispute {
        /// The session's id.
        session: String,
        /// The attendee's user id.
        attendee: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Change a session's fields (only those given). Editing a confirmed session sends it back
    /// to the provider: it counts nothing until confirmed again.
    Edit {
        /// The session's id.
        session: String,
        #[command(flatten)]
        fields: SessionFieldArgs,
    },
    /// Withdraw a session logged by mistake (it stays in the history and counts nothing).
    Withdraw {
        /// The session's id.
        session: String,
        /// Why.
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Send this computer's changes and receive everyone else's.
    Sync,
    /// Your hours, evaluated on this computer under a rulebook.
    Hours {
        /// nmaimh, orimha, ct-aimh, or the path of a rulebook file.
        #[arg(long)]
        rulebook: String,
        /// application or renewal.
        #[arg(long, default_value = "application")]
        purpose: String,
        /// The evaluation date (default: today).
        #[arg(long)]
        as_of: Option<String>,
        /// text or json.
        #[arg(long, value_enum, default_value_t = Output::Text)]
        output: Output,
    },
    /// Download the server's export of your verified hours.
    Export {
        /// json (signed; check it with `rsc verify`), csv or pdf.
        format: String,
        /// The rulebook (default: your profile's).
        #[arg(long)]
        rulebook: Option<String>,
        /// application or renewal (default: your profile's).
        #[arg(long)]
        purpose: Option<String>,
        /// The evaluation date (default: today).
        #[arg(long)]
        as_of: Option<String>,
        /// Where to write it (default: rsc-export-AS_OF.FORMAT here; - for stdout).
        #[arg(long, short)]
        output: Option<PathBuf>,
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

/// Maps a core error to a message that says what to do next.
fn next_step(error: ClientError) -> CliError {
    match error {
        ClientError::Invalid { field, message } => CliError::Invalid(format!("{}: {message}", flag(&field))),
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
        // Nothing there (an endorsement number that is not in the registry): a typo to fix.
        ClientError::Rejected { status: 404, message } => CliError::Invalid(message),
        ClientError::Rejected { message, .. } => CliError::Failed(message),
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
        "date" | "time_zone" | "minutes" | "kind" | "format" | "provider" | "reason" | "rulebook" | "purpose"
        | "as_of" | "from" | "to" | "status" | "server" | "email" | "name" | "device_name" | "number" => {
            format!("--{}", field.replace('_', "-"))
        }
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

fn id(text: &str, flag: &str) -> Result<Id, CliError> {
    Id::new(text.trim(), flag).map_err(|e| CliError::Invalid(e.to_string()))
}

fn password() -> Result<String, CliError> {
    if let Ok(password) = std::env::var("RSC_PASSWORD") {
        return Ok(password);
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Invalid("password: set RSC_PASSWORD, or run in a terminal to be asked".into()));
    }
    rpassword::prompt_password("Password: ").map_err(|e| CliError::Invalid(format!("password: {e}")))
}

/// Runs one device command on the logbook in `home`.
pub fn run(home: &Path, command: DeviceCommand) -> Result<String, CliError> {
    match command {
        DeviceCommand::Account { command } => account(home, command),
        DeviceCommand::Log(args) => log(home, args),
        DeviceCommand::Sessions { from, to, provider, status, output } => {
            let filter = SessionFilter {
                from: from.as_deref().map(|d| parse_date(d, "--from")).transpose()?,
                to: to.as_deref().map(|d| parse_date(d, "--to")).transpose()?,
                provider: provider.as_deref().map(|p| id(p, "--provider")).transpose()?,
                status: status.as_deref().map(|s| s.parse::<AttendanceStatus>()).transpose().map_err(next_step)?,
            };
            let sessions = open(home)?.sessions(&filter).map_err(next_step)?;
            Ok(match output {
                Output::Json => json_lines(&sessions)?,
                Output::Text => session_table(&sessions),
            })
        }
        DeviceCommand::Confirm { session: None, attendee: None, minutes: None } => {
            let awaiting = open(home)?.awaiting_confirmation().map_err(next_step)?;
            if awaiting.is_empty() {
                return Ok("No attendees await your confirmation. Run `rsc sync` to receive new sessions.\n".into());
            }
            let rows = awaiting.iter().map(|w| {
                vec![
                    w.session.id.to_string(),
                    w.session.date.to_string(),
                    w.attendee.to_string(),
                    w.minutes_attended.get().to_string(),
                    w.status.as_str().to_string(),
                ]
            });
            let mut out = table(&["SESSION", "DATE", "ATTENDEE", "MINUTES", "STATUS"], rows);
            out.push_str("Confirm one with `rsc confirm SESSION ATTENDEE [--minutes M]`, then `rsc sync`.\n");
            Ok(out)
        }
        DeviceCommand::Confirm { session: Some(session), attendee: Some(attendee), minutes: given } => {
            let logbook = open(home)?;
            let minutes = match given {
                Some(m) => self::minutes(m, "minutes")?,
                None => {
                    let view = logbook.session(&session).map_err(next_step)?;
                    let id = id(&attendee, "ATTENDEE")?;
                    view.attendee(&id)
                        .ok_or_else(|| CliError::Invalid(format!("ATTENDEE: `{attendee}` does not attend {session}")))?
                        .minutes_attended
                }
            };
            let view = logbook.confirm(&session, &attendee, minutes).map_err(next_step)?;
            Ok(format!(
                "Confirmed {attendee} for {} minutes of {} on {} (signed on this computer). Run `rsc sync` to send it.\n",
                minutes.get(),
                view.id,
                view.date
            ))
        }
        DeviceCommand::Confirm { .. } => {
            Err(CliError::Invalid("confirm: give both SESSION and ATTENDEE, or neither to list who awaits you".into()))
        }
        DeviceCommand::Dispute { session, attendee, reason } => {
            let view = open(home)?.dispute(&session, &attendee, &reason).map_err(next_step)?;
            Ok(format!("Disputed {attendee}'s entry for {} on {}. Run `rsc sync` to send it.\n", view.id, view.date))
        }
        DeviceCommand::Edit { session, fields } => {
            let edit = fields.edit()?;
            if edit == SessionEdit::default() {
                return Err(CliError::Invalid(
                    "edit: give at least one of --date, --start, --time-zone, --minutes, --kind, --format, --provider"
                        .into(),
                ));
            }
            let view = open(home)?.edit_session(&session, edit).map_err(next_step)?;
            Ok(format!(
                "Edited {} ({}, {} minutes, {}); status {}. Run `rsc sync` to send it.\n",
                view.id,
                view.date,
                view.minutes.get(),
                view.format,
                view.status.as_str()
            ))
        }
        DeviceCommand::Withdraw { session, reason } => {
            let view = open(home)?.withdraw_session(&session, &reason).map_err(next_step)?;
            Ok(format!("Withdrew {} ({}); it counts nothing now. Run `rsc sync` to send it.\n", view.id, view.date))
        }
        DeviceCommand::Sync => sync(home),
        DeviceCommand::Hours { rulebook, purpose, as_of, output } => {
            let purpose: Purpose = parse(&purpose, "--purpose")?;
            let as_of = as_of.as_deref().map(|d| parse_date(d, "--as-of")).transpose()?;
            let evaluation = open(home)?.evaluate(&rulebook, purpose, as_of).map_err(next_step)?;
            Ok(match output {
                Output::Json => {
                    let mut json = serde_json::to_string_pretty(&evaluation)
                        .map_err(|e| CliError::Failed(format!("evaluation: {e}")))?;
                    json.push('\n');
                    json
                }
                Output::Text => rsc_rules::render_text(&evaluation),
            })
        }
        DeviceCommand::Export { format, rulebook, purpose, as_of, output } => {
            let purpose = purpose.as_deref().map(|p| parse::<Purpose>(p, "--purpose")).transpose()?;
            let as_of_date = as_of.as_deref().map(|d| parse_date(d, "--as-of")).transpose()?;
            let logbook = open(home)?;
            let bytes = logbook.export(&format, rulebook.as_deref(), purpose, as_of_date).map_err(next_step)?;
            let path = output.unwrap_or_else(|| {
                PathBuf::from(format!("rsc-export-{}.{format}", as_of.unwrap_or_else(|| "today".into())))
            });
            if path.as_os_str() == "-" {
                std::io::stdout().write_all(&bytes).map_err(|e| CliError::Failed(format!("stdout: {e}")))?;
                return Ok(String::new());
            }
            std::fs::write(&path, &bytes)
                .map_err(|e| CliError::Invalid(format!("--output: cannot write {}: {e}", path.display())))?;
            let hint = if format == "json" {
                let server = logbook.account().ok().flatten().map(|a| a.server_url).unwrap_or_else(|| "URL".into());
                format!("; check it with `rsc verify {} --server {server}`", path.display())
            } else {
                String::new()
            };
            Ok(format!("Wrote {} ({} bytes){hint}.\n", path.display(), bytes.len()))
        }
    }
}

fn account(home: &Path, command: AccountCommand) -> Result<String, CliError> {
    match command {
        AccountCommand::Signup { sign_in, name } => {
            let password = password()?;
            let account = open(home)?
                .sign_up(&sign_in.server, &sign_in.email, &password, &name, &sign_in.device_name)
                .map_err(next_step)?;
            Ok(format!(
                "Signed up and signed in as {} (user id {}). Log a session with `rsc log`.\n",
                account.email, account.user_id
            ))
        }
        AccountCommand::Login { sign_in } => {
            let password = password()?;
            let account = open(home)?
                .sign_in(&sign_in.server, &sign_in.email, &password, &sign_in.device_name)
                .map_err(next_step)?;
            Ok(format!(
                "Signed in as {} (user id {}). Run `rsc sync` to receive your sessions.\n",
                account.email, account.user_id
            ))
        }
        AccountCommand::Logout { discard_unsynced } => {
            open(home)?.sign_out(discard_unsynced).map_err(|e| match e {
                ClientError::Invalid { field, message } if field == "pending" => {
                    CliError::Invalid(format!("{message} (`rsc sync`, or `rsc account logout --discard-unsynced`)"))
                }
                other => next_step(other),
            })?;
            Ok("Signed out; this computer's copy of the logbook is gone.\n".into())
        }
        AccountCommand::Show => {
            let status = open(home)?.status().map_err(next_step)?;
            let mut out = match &status.account {
                Some(a) => format!(
                    "Signed in as {} on {}\n  user id:  {}  (providers: attendees name you by this)\n  device:   {}\n",
                    a.email, a.server_url, a.user_id, a.device_id
                ),
                None => "Not signed in (`rsc account signup` or `rsc account login`).\n".into(),
            };
            out.push_str(&format!(
                "  logbook:  {} ({} sessions, {} changes to sync, {} refused)\n  last sync: {}\n",
                home.display(),
                status.sessions,
                status.pending_changes,
                status.refused_changes,
                status.last_sync_ms.map(|ms| format!("{ms} ms after the Unix epoch")).unwrap_or_else(|| "never".into())
            ));
            Ok(out)
        }
        AccountCommand::Claim { number } => {
            let status = open(home)?.claim_endorsement(&number).map_err(next_step)?;
            Ok(format!("Claimed {number} ({status}); association staff will approve it.\n"))
        }
    }
}

/// Asks for a value on a terminal; without one, names the missing flag.
fn ask(prompt: &str, flag: &str, default: Option<String>) -> Result<String, CliError> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        if let Some(default) = default {
            return Ok(default);
        }
        return Err(CliError::Invalid(format!("{flag} is required (or run `rsc log` in a terminal to be asked)")));
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

fn log(home: &Path, args: LogArgs) -> Result<String, CliError> {
    let logbook = open(home)?;
    let today = rsc_client::today().map(|d| d.to_string());
    let value = |given: Option<String>, prompt: &str, flag: &str, default: Option<String>| match given {
        Some(value) => Ok(value),
        None => ask(prompt, flag, default),
    };
    let given = args.fields;
    let date = parse_date(&value(given.date, "Date (YYYY-MM-DD)", "--date", today)?, "--date")?;
    let start_time = value(given.start, "Start time (HH:MM)", "--start", None)?;
    let time_zone = given.time_zone.or_else(|| std::env::var("RSC_TIME_ZONE").ok().filter(|z| !z.is_empty()));
    let time_zone = value(time_zone, "Time zone (e.g. America/Denver)", "--time-zone", None)?;
    let minutes_text = match given.minutes {
        Some(m) => m.to_string(),
        None => ask("Length in minutes", "--minutes", None)?,
    };
    let length = minutes(parse::<i64>(&minutes_text, "--minutes")?, "minutes")?;
    let format: SessionFormat =
        parse(&value(given.format, "Format (in_person, video, phone)", "--format", None)?, "--format")?;
    let provider = id(&value(given.provider, "Provider's user id", "--provider", None)?, "--provider")?;
    let mut attendees = Vec::new();
    for (i, text) in args.attendees.iter().enumerate() {
        let flag = format!("--attendee #{}", i + 1);
        let mut parts = text.split(':');
        let id = id(parts.next().unwrap_or_default(), &flag)?;
        let attended = match parts.next() {
            Some(m) => minutes(parse::<i64>(m, &flag)?, &flag)?,
            None => length,
        };
        let about_own_rsc_practice = match parts.next() {
            None => false,
            Some("own") => true,
            Some(other) => return Err(CliError::Invalid(format!("{flag}: `{other}` should be `own` or left out"))),
        };
        attendees.push(NewAttendee { id, minutes_attended: attended, about_own_rsc_practice });
    }
    let default_kind = if attendees.len() > 1 { "group" } else { "individual" };
    let kind: SessionKind = match given.kind {
        Some(kind) => parse(&kind, "--kind")?,
        None if args_complete(&attendees) => parse(default_kind, "--kind")?,
        None => parse(&ask("Kind (individual, group)", "--kind", Some(default_kind.into()))?, "--kind")?,
    };
    let fields = SessionFields { date, start_time, time_zone, minutes: length, kind, format, provider };
    let session = NewSession { fields, attendees };
    if !args.duplicate {
        let duplicates = logbook.duplicates_of(&session).map_err(next_step)?;
        if let Some(first) = duplicates.first() {
            let with = first.provider_name.clone().unwrap_or_else(|| first.provider.to_string());
            let what = format!(
                "you already logged a session with {with} on {} at {} (session {}); logging it again would ask for a second confirmation of the same meeting",
                first.date, first.start_time, first.id
            );
            if !std::io::stdin().is_terminal() {
                return Err(CliError::Invalid(format!(
                    "--duplicate: {what}; pass --duplicate if it really was a second session"
                )));
            }
            let answer =
                ask(&format!("Warning: {what}.\nLog another one anyway? (yes/no)"), "--duplicate", Some("no".into()))?;
            if !matches!(answer.to_lowercase().as_str(), "y" | "yes") {
                return Ok("Nothing logged.\n".into());
            }
        }
    }
    let view = logbook.log_session(session).map_err(next_step)?;
    Ok(format!(
        "Logged session {} on {} ({} minutes, {}), pending confirmation. Run `rsc sync` to send it to your provider.\n",
        view.id,
        view.date,
        view.minutes.get(),
        view.kind
    ))
}

/// The kind can be inferred without asking once attendees are given.
fn args_complete(attendees: &[NewAttendee]) -> bool {
    !attendees.is_empty() || !std::io::stdin().is_terminal()
}

/// Attempts per request: a person at a desk can run `rsc sync` again, so give up after a few
/// seconds rather than the phone's longer patience.
const SYNC_ATTEMPTS: u32 = 4;

fn sync(home: &Path) -> Result<String, CliError> {
    let logbook = open(home)?;
    // Drawn only when standard error is a terminal; a script sees the summary alone.
    let bar = indicatif::ProgressBar::with_draw_target(Some(0), indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template("[{bar:20}] {pos} of {len} changes sent, {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("#>."),
    );
    let report = logbook
        .sync(&SyncOptions { max_attempts: SYNC_ATTEMPTS, ..SyncOptions::default() }, &|p| match p.retrying_in_ms {
            Some(ms) => bar.set_message(format!("server unreachable; retrying in {:.1} s", ms as f64 / 1000.0)),
            None => {
                bar.set_length(p.pushed_changes + p.pending_changes);
                bar.set_position(p.pushed_changes);
                bar.set_message(format!(
                    "{} received{}",
                    p.pulled_changes,
                    if p.more_to_pull { ", receiving more" } else { "" }
                ));
            }
        })
        .map_err(|e| {
            bar.abandon();
            next_step(e)
        })?;
    bar.finish_and_clear();
    let mut out = format!(
        "Synced: {} changes sent, {} received, {} sessions updated, in {} round trips.\n",
        report.pushed_changes,
        report.pulled_changes,
        report.updated_sessions.len(),
        report.round_trips
    );
    for refusal in &report.refusals {
        out.push_str(&format!(
            "  refused: session {} ({}): {}; the change is kept on this computer but will not be sent again\n",
            refusal.doc, refusal.code, refusal.message
        ));
    }
    Ok(out)
}

fn json_lines(sessions: &[SessionView]) -> Result<String, CliError> {
    let mut json = serde_json::to_string_pretty(sessions).map_err(|e| CliError::Failed(format!("sessions: {e}")))?;
    json.push('\n');
    Ok(json)
}

fn session_table(sessions: &[SessionView]) -> String {
    if sessions.is_empty() {
        return "No sessions. Log one with `rsc log`, or run `rsc sync` to receive yours.\n".into();
    }
    let rows = sessions.iter().map(|s| {
        let provider = s.provider_name.clone().unwrap_or_else(|| s.provider.to_string());
        vec![
            s.date.to_string(),
            s.start_time.clone(),
            s.minutes.get().to_string(),
            s.kind.to_string(),
            truncate(&provider, 20),
            format!("{}{}", s.status.as_str(), if s.unsynced { " *" } else { "" }),
            s.id.to_string(),
        ]
    });
    let mut out = table(&["DATE", "START", "MIN", "KIND", "PROVIDER", "STATUS", "SESSION"], rows);
    if sessions.iter().any(|s| s.unsynced) {
        out.push_str("* not yet synced: run `rsc sync`\n");
    }
    out
}

/// A plain table for a terminal: a header row and aligned columns, no borders, numbers right.
fn table(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::NOTHING).set_content_arrangement(comfy_table::ContentArrangement::Disabled);
    table.set_header(header.iter().copied());
    for row in rows {
        table.add_row(row);
    }
    for (column, name) in table.column_iter_mut().zip(header) {
        // Flush left, two spaces between columns.
        column.set_padding((0, 2));
        if matches!(*name, "MIN" | "MINUTES") {
            column.set_cell_alignment(comfy_table::CellAlignment::Right);
        }
    }
    // Lines keep no trailing spaces, so the output pastes cleanly.
    table.lines().map(|l| l.trim_end().to_string() + "\n").collect()
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        text.chars().take(width - 1).collect::<String>() + "…"
    }
}

#[cfg(test)]
mod table_tests {
    use super::table;

    #[test]
    fn tables_align_columns_right_align_minutes_and_keep_names_whole() {
        let rows = [
            vec!["2025-03-04".to_string(), "60".into(), "José Ramírez Peña".into()],
            vec!["2025-03-11".to_string(), "120".into(), "Nguyễn Thị Hương".into()],
        ];
        let out = table(&["DATE", "MIN", "PROVIDER"], rows.into_iter());
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3, "{out}");
        // Every column starts where its header does, whatever the width of the names.
        let column = |line: &str, text: &str| line.find(text).map(|byte| line[..byte].chars().count());
        assert_eq!(column(lines[1], "José"), column(lines[0], "PROVIDER"), "{out}");
        assert_eq!(column(lines[2], "Nguyễn"), column(lines[0], "PROVIDER"), "{out}");
        // Minutes line up on their last digit.
        let end = |line: &str, text: &str| column(line, text).map(|start| start + text.chars().count());
        assert_eq!(end(lines[1], " 60"), end(lines[2], "120"), "{out}");
        assert!(out.lines().all(|l| !l.ends_with(' ')), "no trailing spaces: {out:?}");
        assert!(out.lines().all(|l| !l.starts_with(' ')), "flush left: {out:?}");
    }
}
