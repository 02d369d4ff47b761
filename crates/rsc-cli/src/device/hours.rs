//! `rsc sync`, `rsc hours` and `rsc export`: moving the logbook, and where its hours stand.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use rsc_client::{Hours, Logbook, Purpose, SyncOptions, short_id};

use super::output::{hours as h, status_words};
use super::{Output, ask, next_step, open, parse, parse_date};
use crate::error::CliError;

/// `rsc hours`.
#[derive(Debug, Args)]
pub struct HoursArgs {
    #[command(flatten)]
    under: Under,
    /// Show the pace needed to meet the requirement by this day.
    #[arg(long, value_name = "DATE")]
    by: Option<String>,
    /// text or json (the evaluation, as `rsc evaluate` prints it).
    #[arg(long, value_enum, default_value_t = Output::Text)]
    output: Output,
}

/// What hours are evaluated under, shared by `rsc hours` and `rsc export`.
#[derive(Debug, Args)]
pub struct Under {
    /// nmaimh, orimha, ct-aimh, or (for `rsc hours`) the path of a rulebook file (default: your
    /// profile's).
    #[arg(long)]
    rulebook: Option<String>,
    /// application or renewal (default: your profile's, else application).
    #[arg(long)]
    purpose: Option<String>,
    /// The evaluation date (default: today).
    #[arg(long)]
    as_of: Option<String>,
}

/// `rsc export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// json (signed; check it with `rsc verify`), csv or pdf.
    format: String,
    #[command(flatten)]
    under: Under,
    /// Where to write it (default: rsc-hours-RULEBOOK-AS_OF.FORMAT here; - for stdout).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Replace the file if it exists (a terminal asks instead).
    #[arg(long)]
    force: bool,
    /// Make a PDF here, from this computer's logbook, without the server: clearly marked as
    /// unverified, for when you are offline. Not for an endorsement application.
    #[arg(long)]
    unverified: bool,
    /// Paper size of a PDF (verified or not): letter or a4. Default: the rulebook's paper,
    /// letter when it names none.
    #[arg(long, value_name = "letter|a4")]
    paper: Option<String>,
}

/// The unverified PDF of the logbook on this computer.
fn unverified_pdf(
    logbook: &rsc_client::Logbook,
    rulebook: &str,
    purpose: Purpose,
    as_of: Option<rsc_client::Date>,
    paper: Option<rsc_export::pdf::Paper>,
) -> Result<Vec<u8>, CliError> {
    let report = logbook.offline_report(rulebook, purpose, as_of).map_err(next_step)?;
    let account = logbook
        .account()
        .map_err(next_step)?
        .ok_or_else(|| next_step(rsc_client::ClientError::Unauthorized("this device is not signed in".into())))?;
    let registry_records = report
        .dossier
        .providers
        .iter()
        .flat_map(|p| {
            let name = report.providers.iter().find(|(id, _)| id == &p.id).map(|(_, n)| n.clone()).unwrap_or_default();
            p.credentials.iter().map(move |c| rsc_export::RegistryRecordRef {
                number: "(not shown offline)".into(),
                provider_id: p.id.to_string(),
                holder_name: name.clone(),
                credential: c.credential,
                association: "(not shown offline)".into(),
                earned_on: c.earned_on,
                valid_through: c.valid_through,
                revoked_on: c.revoked_on,
                version: 0,
            })
        })
        .collect();
    // A group's size, from this computer's copy of each group session (never who else).
    let group_sizes = report
        .dossier
        .sessions
        .iter()
        .filter(|s| s.kind == rsc_client::SessionKind::Group)
        .filter_map(|s| {
            let attendees = logbook.session(s.id.as_str()).ok()?.attendees.len();
            Some((s.id.to_string(), u32::try_from(attendees).ok()?))
        })
        .collect();
    let trainings = logbook
        .trainings()
        .map_err(next_step)?
        .into_iter()
        .map(|t| rsc_export::ExportedTraining {
            id: t.id.to_string(),
            title: t.title,
            organiser: t.organiser,
            date: t.date,
            minutes: t.minutes,
            topic: t.topic,
            certificate: t.certificate,
        })
        .collect();
    let payload = rsc_export::Payload {
        export_id: None,
        group_sizes,
        trainings,
        issued_at_ms: 0,
        applicant: rsc_export::Person { id: account.user_id.clone(), display_name: report.applicant_name.clone() },
        rulebook: report.rulebook,
        purpose: report.purpose,
        dossier: report.dossier,
        evaluation: report.evaluation,
        attestations: Vec::new(),
        registry_records,
        providers: report
            .providers
            .iter()
            .map(|(id, name)| rsc_export::Person { id: id.to_string(), display_name: name.clone() })
            .collect(),
    };
    let options = rsc_export::pdf::PdfOptions { paper, source: rsc_export::pdf::Source::Unverified };
    rsc_export::pdf::render(&payload, &options).map_err(|e| CliError::Failed(e.to_string()))
}

/// The rulebook and purpose to use: those given, else the profile's.
fn rulebook_and_purpose(
    logbook: &Logbook,
    rulebook: Option<String>,
    purpose: Option<String>,
) -> Result<(String, Purpose), CliError> {
    let profile = logbook.profile().map_err(next_step)?;
    let rulebook = rulebook.or(profile.rulebook).ok_or_else(|| {
        CliError::Invalid(
            "--rulebook: give your association's rulebook (nmaimh, orimha, ct-aimh), or set it once with `rsc profile set --rulebook ID`"
                .into(),
        )
    })?;
    let purpose = match purpose {
        Some(text) => parse::<Purpose>(&text, "--purpose")?,
        None => profile.purpose.unwrap_or(Purpose::Application),
    };
    Ok((rulebook, purpose))
}

pub fn hours(home: &Path, args: HoursArgs) -> Result<String, CliError> {
    let logbook = open(home)?;
    let (rulebook, purpose) = rulebook_and_purpose(&logbook, args.under.rulebook, args.under.purpose)?;
    let as_of = args.under.as_of.as_deref().map(|d| parse_date(d, "--as-of")).transpose()?;
    let by = args.by.as_deref().map(|d| parse_date(d, "--by")).transpose()?;
    let hours = logbook.hours(&rulebook, purpose, as_of, by).map_err(next_step)?;
    Ok(match args.output {
        Output::Json => {
            let mut json = serde_json::to_string_pretty(&hours.evaluation)
                .map_err(|e| CliError::Failed(format!("evaluation: {e}")))?;
            json.push('\n');
            json
        }
        Output::Text => render(&hours),
    })
}

/// The most lines a list of dates gets before the rest is summed up in one.
const MOST_LINES: usize = 5;

/// The hours for a person: what counts, what waits and for whom, the pace, what ages out, and
/// why each uncounted session does not count.
fn render(hours: &Hours) -> String {
    let e = &hours.evaluation;
    let mut out = format!("{} — {} — as of {}\n", e.rulebook_name, e.purpose, e.as_of);
    if hours.masters_date_missing {
        out.push_str(
            "\n! This rulebook counts only hours after your master's degree, and your master's conferral date is not set,\n  so no session counts yet. Set it once: rsc profile set --masters-date YYYY-MM-DD (then `rsc sync`).\n",
        );
    }
    if e.purpose == rsc_rules::Purpose::Renewal {
        let year = e.as_of.year();
        out.push_str(&format!(
            "\nRenewal year {year}: what is needed by {year}-12-31. RS/C hours count once your provider confirms them; training hours are self-reported.\n"
        ));
    }
    out.push_str(&format!("\n{}\n", if e.eligible { "ELIGIBLE" } else { "NOT ELIGIBLE YET" }));
    for (i, r) in e.requirements.iter().enumerate() {
        if hours.training_requirements.contains(&r.id) {
            out.push_str(&format!(
                "  {}{}:\n    {}\n",
                r.title,
                if r.required { "" } else { " (advisory)" },
                r.explanation
            ));
            continue;
        }
        let window = match r.window.from {
            Some(from) => format!("{from} to {}", r.window.to),
            None => format!("up to {}", r.window.to),
        };
        out.push_str(&format!(
            "  {}{}: {} of {} ({window}){}\n",
            r.title,
            if r.required { "" } else { " (advisory)" },
            h(r.counted_minutes_as_of),
            h(r.required_minutes),
            if r.met {
                r.met_on.map(|d| format!(", met on {d}")).unwrap_or_else(|| ", met".into())
            } else {
                format!(", {} short", h(r.shortfall_minutes))
            },
        ));
        match (r.met, r.projected_met_on) {
            (false, Some(on)) => out.push_str(&format!("    at the pace of the last six months, met around {on}\n")),
            (false, None) if r.required => out.push_str(
                "    at the pace of the last six months, never met: hours leave the window as fast as they come\n",
            ),
            _ => {}
        }
        let if_confirmed = hours.if_confirmed_minutes.get(i).copied().unwrap_or(r.counted_minutes_as_of);
        if i == 0 && if_confirmed > r.counted_minutes_as_of {
            out.push_str(&format!("    once everything waiting is confirmed: {}\n", h(if_confirmed)));
        }
        if !r.falls_out.is_empty() {
            out.push_str("    leaving the window (it covers the most recent sessions only):\n");
            for line in rsc_rules::leaving_window(&r.falls_out, MOST_LINES) {
                out.push_str(&format!("      {line}\n"));
            }
        }
    }
    if !hours.awaiting.is_empty() {
        out.push_str("\nWaiting for your providers:\n");
        let total = e.requirements.first().map(|r| r.counted_minutes_as_of).unwrap_or(0);
        let if_all = hours.if_confirmed_minutes.first().copied().unwrap_or(total);
        for a in &hours.awaiting {
            let who = a.name.clone().unwrap_or_else(|| format!("your provider ({})", short_id(&a.provider)));
            out.push_str(&format!(
                "  {} {} ({}) {} {who}",
                a.sessions,
                if a.sessions == 1 { "session" } else { "sessions" },
                h(a.minutes),
                if a.sessions == 1 { "awaits" } else { "await" }
            ));
            if hours.awaiting.len() == 1 && if_all > total {
                out.push_str(&format!("; confirmed, you would have {}", h(if_all)));
            }
            out.push('\n');
        }
    }
    if let Some(p) = &hours.pace {
        out.push_str(&format!("\n{}", p.words()));
        if p.counted_by_then > 0 {
            out.push_str(&format!(" Of what counts now, {} will still count then.", h(p.counted_by_then)));
        }
        out.push_str(" (Another date: --by YYYY-MM-DD.)\n");
    }
    if !e.providers.is_empty() {
        out.push_str("\nCounted, by provider:\n");
        for p in &e.providers {
            let name =
                hours.provider_names.get(p.provider.as_str()).cloned().unwrap_or_else(|| short_id(&p.provider).into());
            let sessions = super::output::count(p.sessions, "session", "sessions");
            out.push_str(&format!("  {name}: {} in {sessions}\n", h(p.counted_minutes)));
        }
    }
    let uncounted: Vec<_> = hours.uncounted.iter().filter(|u| !u.reasons.is_empty()).collect();
    if !uncounted.is_empty() {
        out.push_str("\nSessions that count nothing:\n");
        for u in uncounted {
            out.push_str(&format!(
                "  {} {} with {}: {}\n",
                short_id(&u.session),
                u.date,
                u.provider_name.as_deref().unwrap_or("a provider"),
                u.reasons.join("; ")
            ));
        }
    }
    if !hours.trainings.is_empty() {
        let counted: Vec<_> = hours.trainings.iter().filter(|t| t.date <= e.as_of).collect();
        let minutes: u64 = counted.iter().map(|t| u64::from(t.minutes)).sum();
        out.push_str(&format!(
            "\nTrainings (self-reported): {} in {}; `rsc training list` shows them.\n",
            h(minutes),
            super::output::count(counted.len() as u64, "training", "trainings")
        ));
    }
    if let Some(last) = &hours.last_year {
        out.push_str(&format!(
            "\nLast year ({}), as of {}: {}\n",
            last.as_of.year(),
            last.as_of,
            if last.eligible { "every requirement was met" } else { "not every requirement was met" }
        ));
        for r in &last.requirements {
            out.push_str(&format!(
                "  {}: {} of {}{}\n",
                r.title,
                h(r.counted_minutes),
                h(r.required_minutes),
                if r.met { ", met" } else { ", not met" }
            ));
        }
    }
    for a in &e.advisories {
        out.push_str(&format!("\nAdvice: {}\n", a.text));
    }
    out
}

/// Attempts per request: a person at a desk can run `rsc sync` again, so give up after a few
/// seconds rather than the phone's longer patience.
const SYNC_ATTEMPTS: u32 = 4;

/// What `rsc links` does besides listing.
#[derive(Debug, clap::Subcommand)]
pub enum LinksCommand {
    /// Withdraw an export: its link then says it was withdrawn, and it no longer verifies.
    Withdraw {
        /// The export's id or its verification link, as printed on the PDF or CSV.
        #[arg(value_name = "EXPORT|LINK")]
        export: String,
    },
    /// Download a kept export again, as a PDF, a CSV or the signed JSON: each is the same export.
    Download {
        /// The export's id or its verification link.
        #[arg(value_name = "EXPORT|LINK")]
        export: String,
        /// pdf, csv or json.
        format: String,
        /// Where to write it (default: the name the server gives it, here; - for stdout).
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Paper size of a PDF: letter or a4 (default: the rulebook's).
        #[arg(long, value_name = "letter|a4")]
        paper: Option<String>,
        /// Replace the file if it exists.
        #[arg(long)]
        force: bool,
    },
}

pub fn links(home: &Path, command: Option<LinksCommand>) -> Result<String, CliError> {
    let logbook = open(home)?;
    match command {
        Some(LinksCommand::Withdraw { export }) => {
            logbook.withdraw_export_link(&export).map_err(next_step)?;
            return Ok(format!(
                "Withdrawn: whoever opens its link is told so, and it no longer verifies. {}\n",
                "Make a new one with `rsc export`."
            ));
        }
        Some(LinksCommand::Download { export, format, output, paper, force }) => {
            let format = format.to_lowercase();
            if paper.is_some() && format != "pdf" {
                return Err(CliError::Invalid(format!("--paper: only a PDF has a paper size, not a {format}")));
            }
            let bytes = logbook.download_export(&export, &format, paper.as_deref()).map_err(next_step)?;
            let path = match output {
                Some(path) => path,
                None => {
                    let links = logbook.export_links().map_err(next_step)?;
                    let name = links
                        .iter()
                        .filter(|l| export.contains(&l.export_id))
                        .flat_map(|l| &l.downloads)
                        .find(|d| d.format == format)
                        .map(|d| d.file_name.clone())
                        .filter(|n| !n.is_empty());
                    PathBuf::from(name.unwrap_or_else(|| format!("rsc-hours.{format}")))
                }
            };
            write_file(&path, &bytes, force)?;
            if path.as_os_str() == "-" {
                return Ok(String::new());
            }
            return Ok(format!("Wrote {} ({} bytes).\n", path.display(), bytes.len()));
        }
        None => {}
    }
    let server = logbook.account().map_err(next_step)?.map(|a| a.server_url).unwrap_or_default();
    let links = logbook.export_links().map_err(next_step)?;
    if links.is_empty() {
        return Ok("No exports yet: `rsc export pdf` makes one, with a link a reviewer can open.\n".into());
    }
    let mut out = String::new();
    for link in &links {
        let made = rsc_client::Date::from_unix_millis(link.created_at_ms).map(|d| d.to_string()).unwrap_or_default();
        out.push_str(&format!(
            "{}  made {made}: {}, {} as of {}\n",
            link.export_id, link.rulebook_name, link.purpose, link.as_of
        ));
        if !link.summary.is_empty() {
            out.push_str(&format!("    {}\n", link.summary));
        }
        match link.withdrawn_at_ms.and_then(rsc_client::Date::from_unix_millis) {
            Some(day) => out.push_str(&format!("    withdrawn {day}\n")),
            None => {
                out.push_str(&format!("    {}{}\n", server.trim_end_matches('/'), link.link_path));
                let formats: Vec<String> = link.downloads.iter().map(|d| d.format.to_uppercase()).collect();
                out.push_str(&format!("    as {}: rsc links download {} FORMAT\n", formats.join(", "), link.export_id));
            }
        }
    }
    Ok(out)
}

pub fn sync(home: &Path) -> Result<String, CliError> {
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
    Ok(summary(&logbook, &report))
}

/// Syncs now, then again whenever the server says so, printing one summary per sync as it
/// happens; runs until stopped, or until an error that waiting cannot cure.
pub fn watch(home: &Path) -> Result<String, CliError> {
    use std::io::Write;
    let logbook = open(home)?;
    let options = SyncOptions { max_attempts: SYNC_ATTEMPTS, ..SyncOptions::default() };
    let mut stdout = std::io::stdout();
    let mut print = |text: String| {
        let _ = stdout.write_all(text.as_bytes());
        let _ = stdout.flush();
    };
    logbook
        .watch(&options, &rsc_client::CancelFlag::new(), &mut |event| match event {
            rsc_client::WatchEvent::Synced(report) => print(summary(&logbook, &report)),
            rsc_client::WatchEvent::Disconnected { reason, retry_in_ms } => print(format!(
                "Lost the server ({reason}); trying again in {:.1} s. Your sessions are safe on this computer.\n",
                retry_in_ms as f64 / 1000.0
            )),
        })
        .map_err(next_step)?;
    Ok(String::new())
}

/// What a sync did, for people: counts, entries sent back to the provider, refusals.
fn summary(logbook: &rsc_client::Logbook, report: &rsc_client::SyncReport) -> String {
    let mut out = format!(
        "Synced: {} sent, {} received, {} updated, in {}.\n",
        super::output::count(report.pushed_changes, "change", "changes"),
        report.pulled_changes,
        super::output::count(report.updated_sessions.len() as u64, "session", "sessions"),
        super::output::count(report.round_trips as u64, "round trip", "round trips")
    );
    for news in &report.connection_news {
        out.push_str(&format!("  {}\n", news.describe()));
    }
    let me = super::me(logbook);
    for u in &report.unsettled {
        let who = u.name.clone().unwrap_or_else(|| "an attendee".into());
        // The provider hears, in her words, why the entry is back with her and where it is.
        let back_with_me = logbook
            .session(u.session.as_str())
            .ok()
            .filter(|s| Some(&s.provider) == me.as_ref())
            .and_then(|s| s.attendee(&u.attendee).and_then(|a| s.why_back(a)));
        match back_with_me {
            Some(why) => {
                out.push_str(&format!("  back with you: {who}'s entry of {}, {why}; `rsc confirm` lists it\n", u.date))
            }
            None => out.push_str(&format!(
                "  back with the provider: {who}'s {} entry of {} (session {}) is {} now, because {}\n",
                status_words(u.was),
                u.date,
                short_id(&u.session),
                status_words(u.now),
                u.why
            )),
        }
    }
    for n in &report.registry {
        let who = n.provider_name.clone().unwrap_or_else(|| "your provider".into());
        if n.no_longer_count > 0 {
            out.push_str(&format!(
                "  {} with {who} no longer {}: {}\n",
                super::output::count(u64::from(n.no_longer_count), "session", "sessions"),
                if n.no_longer_count == 1 { "counts" } else { "count" },
                n.why.as_deref().unwrap_or("the registry changed")
            ));
        }
        if n.now_count > 0 {
            out.push_str(&format!(
                "  {} with {who} {} now: the registry shows a credential of theirs for {}\n",
                super::output::count(u64::from(n.now_count), "session", "sessions"),
                if n.now_count == 1 { "counts" } else { "count" },
                if n.now_count == 1 { "its day" } else { "their days" }
            ));
        }
    }
    for u in &report.sent_back {
        let provider = u.provider_name.clone().unwrap_or_else(|| "the provider".into());
        let whose = match (&u.name, me.as_ref()) {
            (_, Some(me)) if &u.attendee == me => "your".to_string(),
            (Some(name), _) => format!("{name}'s"),
            (None, _) => "an attendee's".to_string(),
        };
        let answer = match &u.dispute_reason {
            Some(reason) => format!(" in answer to the dispute (\"{reason}\")"),
            None => String::new(),
        };
        out.push_str(&format!(
            "  sent back to {provider}: {whose} corrected entry of {}{answer}, to review ({})\n",
            u.date, u.why
        ));
    }
    // Every dispute is said, each asking something of her; confirmations up to a few, then a count.
    const MOST_CONFIRMED: usize = 5;
    let disputed = report.decided.iter().filter(|d| d.status == rsc_client::AttendanceStatus::Disputed);
    let confirmed = report.decided.iter().filter(|d| d.status != rsc_client::AttendanceStatus::Disputed);
    let confirmed_count = confirmed.clone().count();
    for d in disputed.chain(confirmed.take(MOST_CONFIRMED)) {
        let provider = d.provider_name.clone().unwrap_or_else(|| "the provider".into());
        let whose = match (&d.name, me.as_ref()) {
            (_, Some(me)) if &d.attendee == me => "your".to_string(),
            (Some(name), _) => format!("{name}'s"),
            (None, _) => "an attendee's".to_string(),
        };
        match d.status {
            rsc_client::AttendanceStatus::Disputed => out.push_str(&format!(
                "  {provider} disputed {whose} entry of {} (session {}): \"{}\"; if {provider} is right, correct it with `rsc attendance {} --minutes M`\n",
                d.date,
                short_id(&d.session),
                d.reason.as_deref().unwrap_or("no reason given"),
                short_id(&d.session)
            )),
            _ => out.push_str(&format!(
                "  {provider} confirmed {whose} entry of {}{}\n",
                d.date,
                d.minutes.map(|m| format!(" for {} minutes", m.get())).unwrap_or_default()
            )),
        }
    }
    if confirmed_count > MOST_CONFIRMED {
        out.push_str(&format!(
            "  and {} more confirmed: `rsc sessions` lists them\n",
            confirmed_count - MOST_CONFIRMED
        ));
    }
    for refusal in &report.refusals {
        let when = logbook
            .session(&refusal.doc)
            .map(|s| format!("of {}", s.date))
            .unwrap_or_else(|_| refusal.doc.get(..8).unwrap_or(&refusal.doc).to_string());
        out.push_str(&format!(
            "  refused: the session {when}: {}; the change is kept on this computer but will not be sent again\n",
            refusal.message
        ));
    }
    out
}

pub fn export(home: &Path, args: ExportArgs) -> Result<String, CliError> {
    let logbook = open(home)?;
    let under = args.under;
    let as_of = under.as_of.as_deref().map(|d| parse_date(d, "--as-of")).transpose()?;
    let format = args.format.to_lowercase();
    let paper = args
        .paper
        .as_deref()
        .map(|p| {
            p.parse::<rsc_export::pdf::Paper>()
                .map_err(|_| CliError::Invalid(format!("--paper: `{}` is not letter or a4", p.escape_debug())))
        })
        .transpose()?;
    if paper.is_some() && format != "pdf" {
        return Err(CliError::Invalid(format!("--paper: only a PDF has a paper size, not a {format}")));
    }
    // Refused before anything is made, when nobody can be asked.
    if let Some(path) = &args.output
        && path.as_os_str() != "-"
        && path.exists()
        && !args.force
        && !std::io::stdin().is_terminal()
    {
        return Err(CliError::Invalid(format!(
            "--output: {} exists; pass --force to replace it, or --output another file",
            path.display()
        )));
    }
    // A verified export is made once on the server and kept; this format is one download of it.
    let (bytes, made) = if args.unverified {
        if format != "pdf" {
            return Err(CliError::Invalid(
                "--unverified: only a PDF can be made without the server (rsc export pdf --unverified)".into(),
            ));
        }
        let (rulebook, purpose) = rulebook_and_purpose(&logbook, under.rulebook.clone(), under.purpose.clone())?;
        (unverified_pdf(&logbook, &rulebook, purpose, as_of, paper)?, None)
    } else {
        if !matches!(format.as_str(), "json" | "csv" | "pdf") {
            return Err(CliError::Invalid(format!("FORMAT: `{}` is not json, csv or pdf", format.escape_debug())));
        }
        let purpose = under.purpose.as_deref().map(|p| parse::<Purpose>(p, "--purpose")).transpose()?;
        let made = logbook.make_export(under.rulebook.as_deref(), purpose, as_of).map_err(next_step)?;
        let bytes = logbook.download_export(&made.export_id, &format, paper.map(|p| p.as_str())).map_err(next_step)?;
        (bytes, Some(made))
    };
    let path = match args.output {
        Some(path) => path,
        None => match made.as_ref().and_then(|m| m.downloads.iter().find(|d| d.format == format)) {
            Some(download) if !download.file_name.is_empty() => PathBuf::from(&download.file_name),
            _ => {
                let profile = logbook.profile().map_err(next_step)?;
                let rulebook = under.rulebook.or(profile.rulebook).unwrap_or_else(|| "hours".into());
                let day = as_of.or_else(rsc_client::today).map(|d| d.to_string()).unwrap_or_else(|| "today".into());
                let unverified = if args.unverified { "-unverified" } else { "" };
                PathBuf::from(format!("rsc-hours-{rulebook}-{day}{unverified}.{format}"))
            }
        },
    };
    write_file(&path, &bytes, args.force)?;
    if path.as_os_str() == "-" {
        return Ok(String::new());
    }
    let server = logbook.account().ok().flatten().map(|a| a.server_url).unwrap_or_else(|| "URL".into());
    let mut out = format!("Wrote {} ({} bytes)", path.display(), bytes.len());
    if format == "json" {
        out.push_str(&format!("; check it with `rsc verify {} --server {server}`", path.display()));
    }
    out.push_str(".\n");
    if let Some(made) = made {
        let link = format!("{}{}", server.trim_end_matches('/'), made.link_path);
        let others: Vec<&str> = ["pdf", "csv", "json"].into_iter().filter(|f| *f != format).collect();
        out.push_str(&format!(
            "Export {} (SHA-256 {}), kept under {link}: a reviewer checks it there, or with `rsc verify {link}`.\n\
             The same export as {}: `rsc links download {} {}`.\n",
            made.export_id,
            made.sha256,
            others.iter().map(|f| f.to_uppercase()).collect::<Vec<_>>().join(" or "),
            made.export_id,
            others[0]
        ));
    }
    Ok(out)
}

/// Writes `bytes` to `path` (`-`: standard output), replacing a file only with `force` or a
/// terminal's yes.
fn write_file(path: &Path, bytes: &[u8], force: bool) -> Result<(), CliError> {
    if path.as_os_str() == "-" {
        std::io::stdout().write_all(bytes).map_err(|e| CliError::Failed(format!("stdout: {e}")))?;
        return Ok(());
    }
    if path.exists() && !force {
        let replace = std::io::stdin().is_terminal()
            && matches!(
                ask(&format!("{} exists. Replace it? (yes/no)", path.display()), "--force", Some("no".into()))?
                    .to_lowercase()
                    .as_str(),
                "y" | "yes"
            );
        if !replace {
            return Err(CliError::Invalid(format!(
                "--output: {} exists; pass --force to replace it, or --output another file",
                path.display()
            )));
        }
    }
    std::fs::write(path, bytes)
        .map_err(|e| CliError::Invalid(format!("--output: cannot write {}: {e}", path.display())))
}
