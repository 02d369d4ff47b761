//! Trainings from the command line: add, list, edit and remove, offline; `rsc sync` sends them.
//! Trainings are self-reported, and the list says so.

use std::path::Path;

use clap::{Args, Subcommand};
use rsc_client::{Logbook, TrainingFields, TrainingTopic, TrainingView, short_id};

use super::output::{count, hours, table, truncate};
use super::{Output, next_step, open, parse, parse_date};
use crate::error::CliError;

/// `rsc training …`.
#[derive(Debug, Subcommand)]
pub enum TrainingCommand {
    /// Add a training you attended (offline; `rsc sync` sends it).
    Add(TrainingArgs),
    /// List your trainings, with the hours by topic.
    List {
        /// text or json.
        #[arg(long, value_enum, default_value_t = Output::Text)]
        output: Output,
    },
    /// Change a training (only the fields given).
    Edit {
        /// The training: the first characters of its id as `rsc training list` shows them, or
        /// its title.
        training: String,
        #[command(flatten)]
        fields: TrainingArgs,
    },
    /// Remove a training logged by mistake (it counts nothing from then on).
    Remove {
        /// The training.
        training: String,
    },
}

/// A training's fields as flags.
#[derive(Debug, Args)]
pub struct TrainingArgs {
    /// Its title, as on the certificate.
    #[arg(long)]
    title: Option<String>,
    /// Who gave it.
    #[arg(long)]
    organiser: Option<String>,
    /// The day it took place (YYYY-MM-DD; the last day, for one over several days).
    #[arg(long)]
    date: Option<String>,
    /// How long, in clock hours and minutes: 3h, 1h30m, 90m or 1:30.
    #[arg(long)]
    duration: Option<String>,
    /// Its primary topic: imh (infant mental health), rsc (about providing RS/C) or dei
    /// (diversity, equity and inclusion).
    #[arg(long)]
    topic: Option<String>,
    /// Its certificate: a PDF, PNG or JPEG file of at most 10 MB (kept here, sent by `rsc sync`).
    #[arg(long, value_name = "FILE")]
    certificate: Option<std::path::PathBuf>,
}

/// Keeps the certificate file at `path` on this computer; its SHA-256.
fn keep_certificate(logbook: &Logbook, path: &Path) -> Result<String, CliError> {
    let shown = path.display();
    let size = std::fs::metadata(path).map_err(|e| CliError::Invalid(format!("--certificate: {shown}: {e}")))?.len();
    if size > rsc_client::MAX_CERTIFICATE_BYTES as u64 {
        return Err(CliError::Invalid(format!(
            "--certificate: {shown} is {size} bytes; a certificate is at most 10 MB"
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| CliError::Invalid(format!("--certificate: {shown}: {e}")))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("certificate");
    logbook.keep_certificate(name, &bytes).map_err(|e| match e {
        rsc_client::ClientError::Invalid { message, .. } => CliError::Invalid(format!("--certificate: {message}")),
        other => next_step(other),
    })
}

/// Runs one `rsc training` command.
pub fn training(home: &Path, command: TrainingCommand) -> Result<String, CliError> {
    let logbook = open(home)?;
    match command {
        TrainingCommand::Add(args) => {
            let missing = |flag: &str| CliError::Invalid(format!("{flag} is required"));
            let fields = TrainingFields {
                title: args.title.map(|t| t.trim().to_string()).ok_or_else(|| missing("--title"))?,
                organiser: args.organiser.map(|o| o.trim().to_string()).unwrap_or_default(),
                date: parse_date(args.date.as_deref().ok_or_else(|| missing("--date"))?, "--date")?,
                minutes: duration(args.duration.as_deref().ok_or_else(|| missing("--duration"))?)?,
                topic: parse::<TrainingTopic>(args.topic.as_deref().ok_or_else(|| missing("--topic"))?, "--topic")?,
                certificate: args.certificate.as_deref().map(|p| keep_certificate(&logbook, p)).transpose()?,
            };
            let added = logbook.add_training(fields).map_err(training_error)?;
            Ok(format!(
                "Added {} ({}): {} about {}, self-reported. Run `rsc sync` to send it.\n",
                added.title,
                added.date,
                hours(u64::from(added.minutes)),
                topic_words(added.topic)
            ))
        }
        TrainingCommand::List { output } => {
            let trainings = logbook.trainings().map_err(next_step)?;
            match output {
                Output::Json => {
                    let mut json = serde_json::to_string_pretty(&trainings)
                        .map_err(|e| CliError::Failed(format!("output: {e}")))?;
                    json.push('\n');
                    Ok(json)
                }
                Output::Text => Ok(list(&trainings)),
            }
        }
        TrainingCommand::Edit { training, fields } => {
            let current = find(&logbook, &training)?;
            let edited = TrainingFields {
                title: fields.title.map(|t| t.trim().to_string()).unwrap_or(current.title),
                organiser: fields.organiser.map(|o| o.trim().to_string()).unwrap_or(current.organiser),
                date: fields.date.as_deref().map(|d| parse_date(d, "--date")).transpose()?.unwrap_or(current.date),
                minutes: fields.duration.as_deref().map(duration).transpose()?.unwrap_or(current.minutes),
                topic: fields.topic.as_deref().map(|t| parse(t, "--topic")).transpose()?.unwrap_or(current.topic),
                certificate: match fields.certificate.as_deref() {
                    Some(path) => Some(keep_certificate(&logbook, path)?),
                    None => current.certificate,
                },
            };
            let saved = logbook.edit_training(current.id.as_str(), edited).map_err(training_error)?;
            Ok(format!("Changed {} ({}). Run `rsc sync` to send it.\n", saved.title, saved.date))
        }
        TrainingCommand::Remove { training } => {
            let current = find(&logbook, &training)?;
            logbook.remove_training(current.id.as_str()).map_err(training_error)?;
            Ok(format!("Removed {} ({}); it counts nothing. Run `rsc sync` to send it.\n", current.title, current.date))
        }
    }
}

fn find(logbook: &Logbook, text: &str) -> Result<TrainingView, CliError> {
    logbook.training(text).map_err(|e| match e {
        rsc_client::ClientError::Invalid { message, .. } => CliError::Invalid(format!("TRAINING: {message}")),
        other => next_step(other),
    })
}

/// A core refusal of a training's field, named by its flag.
fn training_error(error: rsc_client::ClientError) -> CliError {
    match error {
        rsc_client::ClientError::Invalid { field, message } if field == "minutes" => {
            CliError::Invalid(format!("--duration: {message}"))
        }
        other => next_step(other),
    }
}

/// `rsc provided`: the RS/C she gave, per calendar year.
pub fn provided(home: &Path, output: Output, pdf: Option<&Path>) -> Result<String, CliError> {
    let logbook = open(home)?;
    let years = logbook.provided().map_err(next_step)?;
    let mut out = match output {
        Output::Json => {
            let mut json =
                serde_json::to_string_pretty(&years).map_err(|e| CliError::Failed(format!("output: {e}")))?;
            json.push('\n');
            json
        }
        Output::Text if years.is_empty() => {
            "No session with a confirmed attendance yet: confirm your supervisees' sessions with `rsc confirm`.\n"
                .into()
        }
        Output::Text => {
            let rows = years.iter().map(rsc_export::pdf::provided::cells);
            let mut out =
                "RS/C you provided, from the attendances you confirmed (a group session counts its length once):\n"
                    .to_string();
            out.push_str(&table(
                &["YEAR", "FROM, TO", "SESSIONS", "INDIVIDUAL", "GROUP", "HOURS", "SUPERVISEES"],
                rows,
            ));
            out
        }
    };
    if let Some(path) = pdf {
        let bytes = logbook.provided_pdf().map_err(next_step)?;
        std::fs::write(path, bytes).map_err(|e| CliError::Failed(format!("--pdf: {}: {e}", path.display())))?;
        if matches!(output, Output::Text) {
            out.push_str(&format!("Wrote {}.\n", path.display()));
        }
    }
    Ok(out)
}

/// A topic as a person says it.
pub fn topic_words(topic: TrainingTopic) -> &'static str {
    match topic {
        TrainingTopic::Imh => "infant mental health",
        TrainingTopic::Rsc => "providing RS/C",
        TrainingTopic::Dei => "diversity, equity and inclusion",
    }
}

fn list(trainings: &[TrainingView]) -> String {
    if trainings.is_empty() {
        return "No trainings. Add one with `rsc training add --title … --date … --duration … --topic …`.\n".into();
    }
    let rows = trainings.iter().map(|t| {
        vec![
            short_id(&t.id).to_string(),
            t.date.to_string(),
            hours(u64::from(t.minutes)),
            t.topic.as_str().to_string(),
            format!(
                "{}{}{}",
                truncate(&t.title, 40),
                if t.certificate.is_some() { " (certificate)" } else { "" },
                if t.unsynced { " *" } else { "" }
            ),
            truncate(&t.organiser, 24),
        ]
    });
    let mut out = format!("Trainings (self-reported), {}:\n", count(trainings.len() as u64, "training", "trainings"));
    out.push_str(&table(&["TRAINING", "DATE", "HOURS", "TOPIC", "TITLE", "ORGANISER"], rows));
    for topic in [TrainingTopic::Imh, TrainingTopic::Rsc, TrainingTopic::Dei] {
        let minutes: u64 = trainings.iter().filter(|t| t.topic == topic).map(|t| u64::from(t.minutes)).sum();
        if minutes > 0 {
            out.push_str(&format!("About {}: {}\n", topic_words(topic), hours(minutes)));
        }
    }
    if trainings.iter().any(|t| t.unsynced) {
        out.push_str("* not yet synced: run `rsc sync`\n");
    }
    out
}

/// Minutes from `3h`, `1h30m`, `1h30`, `90m`, `90` or `1:30`.
pub fn duration(text: &str) -> Result<u32, CliError> {
    let bad = || {
        CliError::Invalid(format!("--duration: `{}` is not a length; write it as 3h, 1h30m, 90m or 1:30", text.trim()))
    };
    let text = text.trim().to_lowercase().replace(' ', "");
    let number = |s: &str| -> Result<u32, CliError> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || s.len() > 5 {
            Err(bad())
        } else {
            s.parse().map_err(|_| bad())
        }
    };
    let minutes = if let Some((h, m)) = text.split_once(':') {
        let m = number(m)?;
        if m >= 60 {
            return Err(bad());
        }
        number(h)? * 60 + m
    } else if let Some((h, rest)) = text.split_once('h') {
        let rest = rest.strip_suffix("min").or_else(|| rest.strip_suffix('m')).unwrap_or(rest);
        number(h)? * 60 + if rest.is_empty() { 0 } else { number(rest)? }
    } else {
        number(text.strip_suffix("min").or_else(|| text.strip_suffix('m')).unwrap_or(&text))?
    };
    let most = rsc_client::MAX_TRAINING_MINUTES;
    if minutes == 0 || minutes > most {
        return Err(CliError::Invalid(format!(
            "--duration: {} is not 1 minute to {} hours",
            hours(u64::from(minutes)),
            most / 60
        )));
    }
    Ok(minutes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        for (text, minutes) in [
            ("3h", 180),
            ("1h30m", 90),
            ("1h30", 90),
            ("90m", 90),
            ("90", 90),
            ("1:30", 90),
            ("2 h 5 min", 125),
            ("40h", 2400),
        ] {
            assert_eq!(duration(text).expect(text), minutes, "{text}");
        }
        for text in ["", "h", "1:75", "0", "40h1m", "1.5h", "-3h", "ten", "99999999999"] {
            let error = duration(text).expect_err(text).to_string();
            assert!(error.starts_with("--duration:"), "{text}: {error}");
        }
    }
}
