//! A provider's commands: who awaits confirmation, and confirming (one attendee, a roster, a
//! supervisee's sessions, or everything up to a date) or disputing, signed on this computer.
//! Whatever signs more than one statement shows what it will sign first.

use std::path::Path;

use clap::Args;
use rsc_client::{ConfirmSelection, Confirmation, ConfirmationPlan, NotSigned, now_ms, short_id};

use super::output::{count, hours, name_or_id, status_words, table};
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
    if let (Some(session), Some(attendee)) = (&args.session, &args.attendee) {
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
    if args.session.is_none() && args.supervisee.is_none() && args.through.is_none() {
        let plan = logbook.confirmation_plan(&ConfirmSelection::default()).map_err(next_step)?;
        return Ok(list(&plan));
    }
    let selection = ConfirmSelection {
        session: args.session.clone(),
        supervisee: args.supervisee.as_deref().map(|name| person(&logbook, name, "--supervisee")).transpose()?,
        through: args.through.as_deref().map(|d| parse_date(d, "--through")).transpose()?,
    };
    let plan = logbook.confirmation_plan(&selection).map_err(next_step)?;
    if plan.sign.is_empty() {
        let mut out = "Nothing there can be signed now. `rsc confirm` lists what awaits you.\n".to_string();
        out.push_str(&not_signed(&plan.not_signed));
        return Ok(out);
    }
    let mut what = format!(
        "You are about to sign {}, {} in all, each as the attendee logged it:\n",
        count(plan.sign.len() as u64, "confirmation", "confirmations"),
        hours(plan.minutes())
    );
    for w in &plan.sign {
        what.push_str(&format!(
            "  {}  {} {}, {} min  {}: {} minutes{}\n",
            short_id(&w.session.id),
            w.session.date,
            w.session.start_time,
            w.session.minutes.get(),
            name_or_id(w.attendee_name.as_deref(), &w.attendee),
            w.minutes_attended.get(),
            w.why_back.as_deref().map(|why| format!(" ({why})")).unwrap_or_default()
        ));
    }
    what.push_str(&not_signed(&plan.not_signed));
    if !go_ahead(&what, "Sign them?", args.yes)? {
        return Ok("Nothing signed.\n".into());
    }
    let entries: Vec<Confirmation> = plan
        .sign
        .iter()
        .map(|w| Confirmation { session: w.session.id.to_string(), attendee: w.attendee.to_string(), minutes: None })
        .collect();
    logbook.confirm_many(&entries, args.more_than_logged).map_err(next_step)?;
    let sessions = {
        let mut ids: Vec<_> = plan.sign.iter().map(|w| &w.session.id).collect();
        ids.sort();
        ids.dedup();
        ids.len()
    };
    let mut out = format!(
        "Confirmed {} in {} ({} in all), signed on this computer. Run `rsc sync` to send them.\n",
        count(plan.sign.len() as u64, "attendance", "attendances"),
        count(sessions as u64, "session", "sessions"),
        hours(plan.minutes())
    );
    out.push_str(&not_signed(&plan.not_signed));
    Ok(out)
}

/// The entries a batch leaves, with why, as a paragraph (empty when none).
fn not_signed(entries: &[NotSigned]) -> String {
    if entries.is_empty() {
        return String::new();
    }
    let mut out = format!("Not signed ({}):\n", entries.len());
    for n in entries {
        out.push_str(&format!(
            "  {}  {} {}  {}: {}\n",
            short_id(&n.session.id),
            n.session.date,
            n.session.start_time,
            name_or_id(n.attendee_name.as_deref(), &n.attendee),
            n.why
        ));
    }
    out
}

/// Who awaits the provider, one session after another, and what waits for something else.
fn list(plan: &ConfirmationPlan) -> String {
    let awaiting = &plan.sign;
    let planned = plan.not_signed.iter().filter(|n| n.session.planned(now_ms())).count();
    let later = if planned > 0 {
        format!(
            "{} logged with you {} not taken place yet; each is listed here once it has ended.\n",
            count(planned as u64, "planned entry", "planned entries"),
            if planned == 1 { "has" } else { "have" }
        )
    } else {
        String::new()
    };
    if awaiting.is_empty() {
        return format!("No attendees await your confirmation. Run `rsc sync` to receive new sessions.\n{later}");
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
            w.why_back.clone().unwrap_or_else(|| status_words(w.status).to_string()),
        ]
    });
    let mut out = table(&["SESSION", "DATE", "SESSION KIND", "ATTENDEE", "MIN", "STATUS"], rows);
    out.push_str(&later);
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
