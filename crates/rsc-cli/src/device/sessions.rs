//! Sessions from the command line: log, list, show one, edit, attendance, attendees, withdraw
//! and restore. People are named by name; sessions by the first characters of their id.

use std::io::IsTerminal;
use std::path::Path;

use clap::{Args, Subcommand};
use rsc_client::{
    AttendanceStatus, Id, Logbook, NewAttendee, NewSession, SessionEdit, SessionFields, SessionFilter, SessionFormat,
    SessionKind, SessionView, Unsettled, now_ms, short_id,
};

use super::output::{name_or_id, others, provider_of, status_words, table, truncate, when};
use super::{Output, ask, ask_checked, go_ahead, me, minutes, next_step, open, parse, parse_date, person};
use crate::error::CliError;

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
    /// The provider, by name (default for `rsc log`: your provider, when you have one).
    #[arg(long)]
    provider: Option<String>,
}

impl SessionFieldArgs {
    /// The fields given, as an edit.
    fn edit(self, logbook: &Logbook) -> Result<SessionEdit, CliError> {
        Ok(SessionEdit {
            date: self.date.as_deref().map(|d| parse_date(d, "--date")).transpose()?,
            start_time: self.start,
            time_zone: self.time_zone,
            minutes: self.minutes.map(|m| minutes(m, "minutes")).transpose()?,
            kind: self.kind.as_deref().map(|k| parse::<SessionKind>(k, "--kind")).transpose()?,
            format: self.format.as_deref().map(|f| parse::<SessionFormat>(f, "--format")).transpose()?,
            provider: self.provider.as_deref().map(|p| person(logbook, p, "--provider")).transpose()?,
        })
    }
}

/// `rsc log`: the session's fields; those left out are asked for on a terminal.
#[derive(Debug, Args)]
pub struct LogArgs {
    #[command(flatten)]
    fields: SessionFieldArgs,
    /// An attendee as NAME, NAME:MINUTES or NAME:MINUTES:own (the session was about the RS/C
    /// they provide); repeat for a group. Default: you, for the whole session.
    #[arg(long = "attendee", value_name = "NAME[:MINUTES[:own]]")]
    attendees: Vec<String>,
    /// Start from a group's roster: its provider, and each member for the whole session (then
    /// --attendee NAME:MINUTES changes one member's minutes). As the group's provider you log
    /// it for the group.
    #[arg(long, value_name = "GROUP", conflicts_with = "provider")]
    group: Option<String>,
    /// Log it even though a session with the same people, day and start time is already in
    /// the logbook (otherwise a terminal asks, and a script is refused).
    #[arg(long)]
    duplicate: bool,
}

/// `rsc sessions`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// On or after this day.
    #[arg(long)]
    from: Option<String>,
    /// On or before this day.
    #[arg(long)]
    to: Option<String>,
    /// With this provider (by name).
    #[arg(long)]
    provider: Option<String>,
    /// pending, confirmed, disputed, changed_since_confirmed or withdrawn.
    #[arg(long)]
    status: Option<String>,
    /// text or json.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    output: Output,
}

/// `rsc attendance`.
#[derive(Debug, Args)]
pub struct AttendanceArgs {
    /// The session.
    session: String,
    /// Whose attendance, by name (default: yours).
    #[arg(long)]
    attendee: Option<String>,
    /// The minutes attended.
    #[arg(long)]
    minutes: Option<i64>,
    /// The session was about the RS/C the attendee provides (`--own true`), or not (`false`).
    #[arg(long)]
    own: Option<bool>,
    /// Make the change even though it sends a confirmed or disputed entry back to the provider.
    #[arg(long)]
    yes: bool,
}

/// `rsc attendee …`.
#[derive(Debug, Subcommand)]
pub enum AttendeeCommand {
    /// Add someone connected to the session's provider.
    Add {
        /// The session.
        session: String,
        /// The attendee, as NAME, NAME:MINUTES or NAME:MINUTES:own.
        #[arg(value_name = "NAME[:MINUTES[:own]]")]
        attendee: String,
    },
    /// Remove an attendee (the provider's statement about them leaves the session too).
    Remove {
        /// The session.
        session: String,
        /// The attendee, by name.
        attendee: String,
    },
}

/// `NAME[:MINUTES[:own]]`, the minutes defaulting to `length`.
fn attendee_arg(
    logbook: &Logbook,
    text: &str,
    flag: &str,
    length: rsc_client::Minutes,
) -> Result<NewAttendee, CliError> {
    let mut parts = text.rsplitn(3, ':').collect::<Vec<_>>();
    parts.reverse();
    // Names may not hold a colon, but take the parts from the right so that one cannot be
    // mistaken for minutes.
    let (name, minutes_text, own) = match parts.as_slice() {
        [name] => (*name, None, None),
        [name, m] if m.trim().parse::<i64>().is_ok() => (*name, Some(*m), None),
        [name, m, own] if m.trim().parse::<i64>().is_ok() => (*name, Some(*m), Some(*own)),
        [a, b, c] if b.trim().parse::<i64>().is_err() && c.trim().parse::<i64>().is_ok() => {
            return Err(CliError::Invalid(format!("{flag}: `{a}:{b}` is not a name; use NAME[:MINUTES[:own]]")));
        }
        _ => (text, None, None),
    };
    let id = person(logbook, name, flag)?;
    let minutes_attended = match minutes_text {
        Some(m) => minutes(parse::<i64>(m.trim(), flag)?, flag)?,
        None => length,
    };
    let about_own_rsc_practice = match own.map(str::trim) {
        None => false,
        Some("own") => true,
        Some(other) => return Err(CliError::Invalid(format!("{flag}: `{other}` should be `own` or left out"))),
    };
    Ok(NewAttendee { id, minutes_attended, about_own_rsc_practice })
}

/// The session she logged most recently (its provider, time zone and format are the next
/// one's defaults).
fn last_logged(logbook: &Logbook) -> Option<SessionView> {
    let me = me(logbook)?;
    let sessions = logbook.sessions(&SessionFilter::default()).ok()?;
    sessions
        .into_iter()
        .filter(|s| s.created_by == me && !s.withdrawn)
        .max_by(|a, b| (a.date, &a.start_time).cmp(&(b.date, &b.start_time)))
}

/// The provider for a new session: the one named, else the user's only provider, else asked
/// (offering `last`, the provider of her last session).
fn provider_for(logbook: &Logbook, given: Option<String>, last: Option<Id>) -> Result<Id, CliError> {
    if let Some(name) = given {
        return person(logbook, &name, "--provider");
    }
    let people = logbook.people().map_err(next_step)?;
    let providers: Vec<_> = people.iter().filter(|p| p.is_my_provider).collect();
    match providers.as_slice() {
        [one] => Ok(one.id.clone()),
        [] if !std::io::stdin().is_terminal() => Err(CliError::Invalid(
            "--provider: you are connected to no provider yet; enter their connection code with `rsc connect CODE`"
                .into(),
        )),
        many => {
            let names = many.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ");
            let default = last.and_then(|id| many.iter().find(|p| p.id == id)).map(|p| p.name.clone());
            ask_checked(None, &format!("Provider ({names})"), "--provider", default, |t| {
                person(logbook, t, "--provider")
            })
        }
    }
}

pub fn log(home: &Path, args: LogArgs) -> Result<String, CliError> {
    let logbook = open(home)?;
    let today = rsc_client::today().map(|d| d.to_string());
    // Each answer is checked as it is typed; the last session she logged gives the defaults.
    let last = last_logged(&logbook);
    let given = args.fields;
    let date = ask_checked(given.date, "Date (YYYY-MM-DD)", "--date", today, |t| parse_date(t, "--date"))?;
    let start_time = ask_checked(given.start, "Start time (HH:MM)", "--start", None, |t| {
        rsc_client::validate_start_time(t.trim())
            .map(|()| t.trim().to_string())
            .map_err(|_| CliError::Invalid(format!("--start: `{t}` is not a time like 14:30")))
    })?;
    let time_zone = given.time_zone.or_else(|| std::env::var("RSC_TIME_ZONE").ok().filter(|z| !z.is_empty()));
    let zone_default = last.as_ref().map(|s| s.time_zone.clone());
    let time_zone = ask_checked(time_zone, "Time zone (e.g. America/Denver)", "--time-zone", zone_default, |t| {
        rsc_client::validate_time_zone(t.trim())
            .map(|()| t.trim().to_string())
            .map_err(|_| CliError::Invalid(format!("--time-zone: `{t}` is not a time zone name like America/Denver")))
    })?;
    let length = ask_checked(given.minutes.map(|m| m.to_string()), "Length in minutes", "--minutes", None, |t| {
        minutes(parse::<i64>(t.trim(), "--minutes")?, "minutes")
    })?;
    let format_default = last.as_ref().map(|s| s.format.to_string());
    let format: SessionFormat =
        ask_checked(given.format, "Format (in_person, video, phone)", "--format", format_default, |t| {
            parse(t.trim(), "--format")
        })?;
    let mut attendees: Vec<NewAttendee> = Vec::new();
    let provider = match &args.group {
        Some(group) => {
            let (provider, members) = logbook.group_roster(group).map_err(next_step)?;
            attendees = members
                .into_iter()
                .map(|id| NewAttendee { id, minutes_attended: length, about_own_rsc_practice: false })
                .collect();
            provider
        }
        None => provider_for(&logbook, given.provider, last.as_ref().map(|s| s.provider.clone()))?,
    };
    for (i, text) in args.attendees.iter().enumerate() {
        let attendee = attendee_arg(&logbook, text, &format!("--attendee #{}", i + 1), length)?;
        match attendees.iter_mut().find(|a| a.id == attendee.id) {
            Some(member) => *member = attendee,
            None => attendees.push(attendee),
        }
    }
    let default_kind = if attendees.len() > 1 || args.group.is_some() { "group" } else { "individual" };
    let kind: SessionKind = match given.kind {
        Some(kind) => parse(&kind, "--kind")?,
        None if !attendees.is_empty() || !std::io::stdin().is_terminal() => parse(default_kind, "--kind")?,
        None => parse(&ask("Kind (individual, group)", "--kind", Some(default_kind.into()))?, "--kind")?,
    };
    let fields = SessionFields { date, start_time, time_zone, minutes: length, kind, format, provider };
    let session = NewSession { fields, attendees };
    if !args.duplicate {
        let duplicates = logbook.duplicates_of(&session).map_err(next_step)?;
        if let Some(first) = duplicates.first() {
            let with = provider_of(first, me(&logbook).as_ref());
            let what = format!(
                "you already logged a session with {with} on {} at {} (session {}); logging it again would ask for a second confirmation of the same meeting",
                first.date,
                first.start_time,
                short_id(&first.id)
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
        "Logged session {} with {} on {} ({} minutes, {}), awaiting confirmation. Run `rsc sync` to send it.\n",
        short_id(&view.id),
        provider_of(&view, me(&logbook).as_ref()),
        view.date,
        view.minutes.get(),
        view.kind
    ))
}

pub fn list(home: &Path, args: ListArgs) -> Result<String, CliError> {
    let logbook = open(home)?;
    let filter = SessionFilter {
        from: args.from.as_deref().map(|d| parse_date(d, "--from")).transpose()?,
        to: args.to.as_deref().map(|d| parse_date(d, "--to")).transpose()?,
        provider: args.provider.as_deref().map(|p| person(&logbook, p, "--provider")).transpose()?,
        status: args.status.as_deref().map(|s| parse::<AttendanceStatus>(s, "--status")).transpose()?,
    };
    let sessions = logbook.sessions(&filter).map_err(next_step)?;
    Ok(match args.output {
        Output::Json => json(&sessions)?,
        Output::Text => session_table(&sessions, me(&logbook).as_ref()),
    })
}

fn json<T: serde::Serialize>(value: &T) -> Result<String, CliError> {
    let mut json = serde_json::to_string_pretty(value).map_err(|e| CliError::Failed(format!("output: {e}")))?;
    json.push('\n');
    Ok(json)
}

fn session_table(sessions: &[SessionView], me: Option<&Id>) -> String {
    if sessions.is_empty() {
        return "No sessions. Log one with `rsc log`, or run `rsc sync` to receive yours.\n".into();
    }
    let now = now_ms();
    let rows = sessions.iter().map(|s| {
        vec![
            short_id(&s.id).to_string(),
            s.date.to_string(),
            s.start_time.clone(),
            s.minutes.get().to_string(),
            s.kind.to_string(),
            truncate(&provider_of(s, me), 32),
            truncate(&others(s, me), 40),
            format!("{}{}", session_status(s, me, now), if s.unsynced { " *" } else { "" }),
        ]
    });
    let mut out = table(&["SESSION", "DATE", "START", "MIN", "KIND", "PROVIDER", "WITH", "STATUS"], rows);
    if sessions.iter().any(|s| s.unsynced) {
        out.push_str("* not yet synced: run `rsc sync`\n");
    }
    // What her providers said about the entries they disputed, and what to do.
    let disputed: Vec<(&SessionView, &rsc_client::AttendeeView)> = sessions
        .iter()
        .filter_map(|s| Some((s, me.and_then(|me| s.attendee(me))?)))
        .filter(|(_, a)| a.status == AttendanceStatus::Disputed)
        .collect();
    for (s, a) in &disputed {
        out.push_str(&format!(
            "Disputed by {}: {} {} ({}): \"{}\"\n",
            provider_of(s, me),
            s.date,
            s.start_time,
            short_id(&s.id),
            a.dispute_reason.as_deref().unwrap_or("no reason given")
        ));
    }
    if !disputed.is_empty() {
        out.push_str(
            "If the provider is right, correct the entry with `rsc attendance SESSION --minutes M` (or `rsc edit`): \
             it goes back to the provider to review.\n",
        );
    }
    out
}

/// A session's status for its list: planned until it has ended, and an entry corrected after a
/// dispute said as such.
fn session_status(s: &SessionView, me: Option<&Id>, now_ms: i64) -> String {
    let mine = me.and_then(|me| s.attendee(me));
    match s.status {
        AttendanceStatus::Pending if s.planned(now_ms) => "planned".into(),
        AttendanceStatus::Pending if mine.is_some_and(|a| a.dispute_reason.is_some()) => {
            "corrected, back with the provider".into()
        }
        status => status_words(status).into(),
    }
}

pub fn show(home: &Path, session: &str, output: Output) -> Result<String, CliError> {
    let logbook = open(home)?;
    let view = logbook.session(session).map_err(next_step)?;
    if let Output::Json = output {
        return json(&view);
    }
    let me = me(&logbook);
    let logged_by = view
        .attendees
        .iter()
        .find(|a| a.id == view.created_by)
        .map(|a| name_or_id(a.name.as_deref(), &a.id))
        .unwrap_or_else(|| provider_of(&view, me.as_ref()));
    let mut out = format!(
        "Session {}: {} at {} ({}), {} minutes, {}, {}\nProvider:  {}\nLogged by: {}\nStatus:    {}{}\n",
        short_id(&view.id),
        view.date,
        view.start_time,
        view.time_zone,
        view.minutes.get(),
        view.kind,
        rsc_export::pdf::format_word(view.format),
        provider_of(&view, me.as_ref()),
        if Some(&view.created_by) == me.as_ref() { "you".into() } else { logged_by },
        session_status(&view, me.as_ref(), now_ms()),
        if view.unsynced { " (changes not yet synced)" } else { "" },
    );
    if view.withdrawn {
        let reason =
            if view.withdraw_reason.is_empty() { "no reason given".into() } else { view.withdraw_reason.clone() };
        out.push_str(&format!("Withdrawn: {reason}\n"));
    }
    out.push('\n');
    let rows = view.attendees.iter().map(|a| {
        let name = if Some(&a.id) == me.as_ref() {
            format!("{} (you)", name_or_id(a.name.as_deref(), &a.id))
        } else {
            name_or_id(a.name.as_deref(), &a.id)
        };
        let statement = match &a.statement {
            Some(s) => format!(
                "{} {}",
                if s.kind == rsc_model::StatementKind::Confirm { "confirmed" } else { "disputed" },
                when(s.signed_at_ms)
            ),
            None => String::new(),
        };
        vec![
            name,
            a.minutes_attended.get().to_string(),
            status_words(a.status).to_string(),
            a.confirmed_minutes.map(|m| m.get().to_string()).unwrap_or_default(),
            statement,
            if a.about_own_rsc_practice { "about own RS/C practice".into() } else { String::new() },
        ]
    });
    out.push_str(&table(&["ATTENDEE", "MIN", "STATUS", "CONFIRMED", "LAST STATEMENT", "TOPIC"], rows));
    for a in &view.attendees {
        if let Some(reason) = &a.dispute_reason {
            let whose = if Some(&a.id) == me.as_ref() {
                "your".into()
            } else {
                format!("{}'s", name_or_id(a.name.as_deref(), &a.id))
            };
            let by = provider_of(&view, me.as_ref());
            let by = if by == "you" { "You".to_string() } else { by };
            let now = if a.status != AttendanceStatus::Disputed {
                " It was corrected since, and is back with the provider to review.".to_string()
            } else if Some(&a.id) == me.as_ref() {
                format!(
                    " If the provider is right, correct it with `rsc attendance {} --minutes M`: it goes back to the provider.",
                    short_id(&view.id)
                )
            } else {
                String::new()
            };
            out.push_str(&format!("{by} disputed {whose} entry: \"{reason}\".{now}\n"));
        }
    }
    for problem in &view.problems {
        out.push_str(&format!("Problem: {problem}\n"));
    }
    let history = logbook.history(session).map_err(next_step)?;
    if !history.is_empty() {
        out.push_str("\nHistory:\n");
        for s in &history {
            let who = name_or_id(s.attendee_name.as_deref(), &s.attendee);
            let by = name_or_id(s.provider_name.as_deref(), &s.provider);
            let what = match (s.kind, s.minutes) {
                (rsc_client::StatementKind::Confirm, Some(m)) => {
                    format!("{by} confirmed {who} for {} minutes", m.get())
                }
                (rsc_client::StatementKind::Confirm, None) => format!("{by} confirmed {who}"),
                (rsc_client::StatementKind::Dispute, _) => format!("{by} disputed {who}'s entry: \"{}\"", s.reason),
            };
            let untrusted = if s.trusted { "" } else { " (not signed by a device of theirs this computer trusts)" };
            out.push_str(&format!("  {}  {what}{untrusted}\n", when(s.signed_at_ms)));
        }
    }
    Ok(out)
}

/// What an edit would unsettle, as a paragraph.
fn unsettled_text(unsettled: &[Unsettled]) -> String {
    let mut out = String::from("This change sends entries back to the provider:\n");
    for u in unsettled {
        out.push_str(&format!(
            "  {}'s {} entry of {} would need confirming again ({})\n",
            u.name.clone().unwrap_or_else(|| "an attendee".into()),
            status_words(u.was),
            u.date,
            u.why
        ));
    }
    out
}

pub fn edit(home: &Path, session: &str, fields: SessionFieldArgs, yes: bool) -> Result<String, CliError> {
    let logbook = open(home)?;
    let edit = fields.edit(&logbook)?;
    if edit == SessionEdit::default() {
        return Err(CliError::Invalid(
            "edit: give at least one of --date, --start, --time-zone, --minutes, --kind, --format, --provider".into(),
        ));
    }
    let unsettled = logbook.preview_edit(session, edit.clone()).map_err(next_step)?;
    if !unsettled.is_empty() && !go_ahead(&unsettled_text(&unsettled), "Make the change?", yes)? {
        return Ok("Nothing changed.\n".into());
    }
    let view = logbook.edit_session(session, edit).map_err(next_step)?;
    Ok(format!(
        "Edited session {} ({}, {} minutes, {}); now {}. Run `rsc sync` to send it.\n",
        short_id(&view.id),
        view.date,
        view.minutes.get(),
        rsc_export::pdf::format_word(view.format),
        status_words(view.status)
    ))
}

pub fn attendance(home: &Path, args: AttendanceArgs) -> Result<String, CliError> {
    let logbook = open(home)?;
    if args.minutes.is_none() && args.own.is_none() {
        return Err(CliError::Invalid("attendance: give --minutes, --own, or both".into()));
    }
    let who = match &args.attendee {
        Some(name) => name.clone(),
        None => me(&logbook)
            .map(|id| id.to_string())
            .ok_or_else(|| next_step(rsc_client::ClientError::Unauthorized("this device is not signed in".into())))?,
    };
    let minutes = args.minutes.map(|m| minutes(m, "minutes")).transpose()?;
    let unsettled = logbook.preview_attendance(&args.session, &who, minutes, args.own).map_err(next_step)?;
    if !unsettled.is_empty() && !go_ahead(&unsettled_text(&unsettled), "Make the change?", args.yes)? {
        return Ok("Nothing changed.\n".into());
    }
    let view = logbook.set_attendance(&args.session, &who, minutes, args.own).map_err(next_step)?;
    Ok(format!(
        "Changed the attendance in session {} on {}. Run `rsc sync` to send it.\n",
        short_id(&view.id),
        view.date
    ))
}

pub fn attendee(home: &Path, command: AttendeeCommand) -> Result<String, CliError> {
    let logbook = open(home)?;
    match command {
        AttendeeCommand::Add { session, attendee } => {
            let length = logbook.session(&session).map_err(next_step)?.minutes;
            let new = attendee_arg(&logbook, &attendee, "ATTENDEE", length)?;
            let view = logbook.add_attendee(&session, new).map_err(next_step)?;
            Ok(format!(
                "Added to session {} on {}; it now has {}. Run `rsc sync` to send it.\n",
                short_id(&view.id),
                view.date,
                rsc_rules::count(view.attendees.len(), "attendee", "attendees")
            ))
        }
        AttendeeCommand::Remove { session, attendee } => {
            let view = logbook.remove_attendee(&session, &attendee).map_err(next_step)?;
            Ok(format!(
                "Removed from session {} on {}; it now has {}. Run `rsc sync` to send it.\n",
                short_id(&view.id),
                view.date,
                rsc_rules::count(view.attendees.len(), "attendee", "attendees")
            ))
        }
    }
}

pub fn withdraw(home: &Path, session: &str, reason: &str) -> Result<String, CliError> {
    let view = open(home)?.withdraw_session(session, reason).map_err(next_step)?;
    Ok(format!(
        "Withdrew session {} ({}); it counts nothing now (`rsc restore {}` undoes it). Run `rsc sync` to send it.\n",
        short_id(&view.id),
        view.date,
        short_id(&view.id)
    ))
}

pub fn restore(home: &Path, session: &str) -> Result<String, CliError> {
    let view = open(home)?.restore_session(session).map_err(next_step)?;
    Ok(format!(
        "Restored session {} ({}); now {}. Run `rsc sync` to send it.\n",
        short_id(&view.id),
        view.date,
        status_words(view.status)
    ))
}
