//! A provider's commands: who awaits confirmation, and confirming (one attendee, a roster, a
//! supervisee's sessions, or everything up to a date) or disputing, signed on this computer.
//! Whatever signs more than one statement shows what it will sign first.

use std::path::Path;

use clap::Args;
use rsc_client::{AwaitingConfirmation, Confirmation, short_id};

use super::output::{name_or_id, status_words, table};
use super::{go_ahead, minutes, next_step, open, parse_date, person};
use crate::error::CliError;

/// `rsc confirm`.
#[derive(Debug, Args)]
pub struct ConfirmArgs {
    /// The session (omit to list who awaits you).
    session: Option<String>,
    /// The attendee, by name (omit to confirm everyone in the session who awaits you, as logged).
    attendee: Option<String>,
    /// The minutes they attended (default: the minutes they logged).
    #[arg(long, requires = "attendee")]
    minutes: Option<i64>,
    /// Confirm every session of this supervisee that awaits you, as logged.
    #[arg(long, value_name = "NAME", conflicts_with = "session")]
    supervisee: Option<String>,
    /// Confirm everything that awaits you dated on or before this day, as logged.
    #[arg(long, value_name = "DATE", conflicts_with = "session")]
    through: Option<String>,
    /// Confirm more minutes than the attendee logged.
    #[arg(long)]
    more_than_logged: bool,
    /// Sign without asking (a script must pass it to confirm more than one entry at once).
    #[arg(long)]
    yes: bool,
}

pub fn confirm(home: &Path, args: ConfirmArgs) -> Result<String, CliError> {
    let logbook = open(home)?;
    let awaiting = logbook.awaiting_confirmation().map_err(next_step)?;
    let selected: Vec<&AwaitingConfirmation> = match (&args.session, &args.attendee, &args.supervisee, &args.through) {
        (None, _, None, None) => return Ok(list(&awaiting)),
        (Some(session), Some(attendee), _, _) => {
            // One attendee, named: what is signed is what the command says.
            let minutes = args.minutes.map(|m| minutes(m, "minutes")).transpose()?;
            let id = logbook.find_attendee(session, attendee).map_err(next_step)?;
            let view = logbook.confirm(session, id.as_str(), minutes, args.more_than_logged).map_err(next_step)?;
            let entry = view.attendee(&id);
            let who = name_or_id(entry.and_then(|a| a.name.as_deref()), &id);
            let confirmed = entry.and_then(|a| a.confirmed_minutes.or(Some(a.minutes_attended)));
            return Ok(format!(
                "Confirmed {who} for {} minutes of the session of {} (signed on this computer). Run `rsc sync` to send it.\n",
                confirmed.map(|m| m.get()).unwrap_or_default(),
                view.date
            ));
        }
        (Some(session), None, _, _) => {
            let id = logbook.find_session(session).map_err(next_step)?;
            awaiting.iter().filter(|w| w.session.id == id).collect()
        }
        (None, _, supervisee, through) => {
            let who = supervisee.as_deref().map(|name| person(&logbook, name, "--supervisee")).transpose()?;
            let through = through.as_deref().map(|d| parse_date(d, "--through")).transpose()?;
            awaiting
                .iter()
                .filter(|w| who.as_ref().is_none_or(|id| &w.attendee == id))
                .filter(|w| through.is_none_or(|day| w.session.date <= day))
                .collect()
        }
    };
    if selected.is_empty() {
        return Ok("Nothing there awaits your confirmation. `rsc confirm` lists what does.\n".into());
    }
    let mut what = format!("You are about to sign {} confirmations, each as the attendee logged it:\n", selected.len());
    for w in &selected {
        what.push_str(&format!(
            "  {}  {} {}, {} min  {}: {} minutes\n",
            short_id(&w.session.id),
            w.session.date,
            w.session.start_time,
            w.session.minutes.get(),
            name_or_id(w.attendee_name.as_deref(), &w.attendee),
            w.minutes_attended.get()
        ));
    }
    if !go_ahead(&what, "Sign them?", args.yes)? {
        return Ok("Nothing signed.\n".into());
    }
    let entries: Vec<Confirmation> = selected
        .iter()
        .map(|w| Confirmation { session: w.session.id.to_string(), attendee: w.attendee.to_string(), minutes: None })
        .collect();
    logbook.confirm_many(&entries, args.more_than_logged).map_err(next_step)?;
    let minutes: u64 = selected.iter().map(|w| u64::from(w.minutes_attended.get())).sum();
    let sessions = {
        let mut ids: Vec<_> = selected.iter().map(|w| &w.session.id).collect();
        ids.sort();
        ids.dedup();
        ids.len()
    };
    Ok(format!(
        "Confirmed {} attendances in {sessions} sessions ({} in all), signed on this computer. Run `rsc sync` to send them.\n",
        selected.len(),
        super::output::hours(minutes)
    ))
}

/// Who awaits the provider, one session after another.
fn list(awaiting: &[AwaitingConfirmation]) -> String {
    if awaiting.is_empty() {
        return "No attendees await your confirmation. Run `rsc sync` to receive new sessions.\n".into();
    }
    let mut previous = None;
    let rows = awaiting.iter().map(|w| {
        let first = previous != Some(&w.session.id);
        previous = Some(&w.session.id);
        let (session, date, kind) = if first {
            (
                short_id(&w.session.id).to_string(),
                format!("{} {}", w.session.date, w.session.start_time),
                format!("{}, {} min", w.session.kind, w.session.minutes.get()),
            )
        } else {
            Default::default()
        };
        vec![
            session,
            date,
            kind,
            name_or_id(w.attendee_name.as_deref(), &w.attendee),
            w.minutes_attended.get().to_string(),
            status_words(w.status).to_string(),
        ]
    });
    let mut out = table(&["SESSION", "DATE", "SESSION KIND", "ATTENDEE", "MIN", "STATUS"], rows);
    out.push_str(
        "Confirm one with `rsc confirm SESSION NAME [--minutes M]`, a whole session with `rsc confirm SESSION`,\n\
         a supervisee's with `rsc confirm --supervisee NAME`, or all up to a day with `rsc confirm --through DATE`; then `rsc sync`.\n",
    );
    out
}

pub fn dispute(home: &Path, session: &str, attendee: &str, reason: &str) -> Result<String, CliError> {
    let logbook = open(home)?;
    let id = logbook.find_attendee(session, attendee).map_err(next_step)?;
    let view = logbook.dispute(session, id.as_str(), reason).map_err(next_step)?;
    let who = name_or_id(view.attendee(&id).and_then(|a| a.name.as_deref()), &id);
    Ok(format!("Disputed {who}'s entry for the session of {}. Run `rsc sync` to send it.\n", view.date))
}
