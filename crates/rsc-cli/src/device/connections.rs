//! `rsc connect`, `rsc account requests|accept|decline|connections|end` and `rsc groups`: whom
//! you work with, and with whose consent. A code your provider gave you connects at once; an
//! endorsement number sends a request she accepts or declines. Either side ends a connection.
//! A provider keeps named groups: their members see each other, and a group session can start
//! from one (`rsc log --group`).

use std::path::Path;

use clap::{Args, Subcommand};
use rsc_client::{ClientError, ConnectionRole, ConnectionSource, ConnectionState, ConnectionView, GroupInfo};

use super::output::{day, table};
use super::{Output, next_step, open};
use crate::error::CliError;

/// `rsc connect`.
#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// The connection code your provider gave you (e.g. 7KQ2-M9XD), or its link.
    #[arg(required_unless_present = "endorsement", conflicts_with = "endorsement")]
    code: Option<String>,
    /// Ask your provider to connect by the endorsement number of her registry record instead;
    /// she accepts or declines.
    #[arg(long, value_name = "NUMBER")]
    endorsement: Option<String>,
}

/// `rsc groups …`.
#[derive(Debug, Subcommand)]
pub enum GroupsCommand {
    /// The groups you keep and those you belong to, with their members.
    List {
        /// text or json.
        #[arg(long, value_enum, default_value_t = Output::Text)]
        output: Output,
    },
    /// As a provider: a new group of your supervisees.
    Create {
        /// Its name, e.g. "Tuesday reflective group".
        name: String,
        /// A member, by name; repeat for each.
        #[arg(long = "member", value_name = "NAME")]
        members: Vec<String>,
    },
    /// As a provider: rename one of your groups.
    Rename {
        /// The group, by name.
        group: String,
        /// Its new name.
        new_name: String,
    },
    /// As a provider: add a supervisee to one of your groups.
    Add {
        /// The group, by name.
        group: String,
        /// The supervisee, by name.
        person: String,
    },
    /// As a provider: take someone out of one of your groups.
    Remove {
        /// The group, by name.
        group: String,
        /// The member, by name.
        person: String,
    },
    /// As a provider: archive a group (kept, but no longer offered; its members no longer see
    /// each other).
    Archive {
        /// The group, by name.
        group: String,
    },
    /// As a provider: bring an archived group back.
    Restore {
        /// The group, by name.
        group: String,
    },
}

/// Errors whose 429 is a wait, not a typo.
fn connect_error(error: ClientError) -> CliError {
    match error {
        ClientError::Rejected { status: 429, message } | ClientError::Server { status: 429, message } => {
            CliError::Failed(message)
        }
        ClientError::Rejected { status: 409, message } => CliError::Invalid(message),
        other => next_step(other),
    }
}

pub fn connect(home: &Path, args: ConnectArgs) -> Result<String, CliError> {
    let logbook = open(home)?;
    match (&args.code, &args.endorsement) {
        (_, Some(number)) => {
            let asked = logbook.request_connection(number).map_err(connect_error)?;
            Ok(match asked.state {
                ConnectionState::Connected => format!(
                    "You are connected with {} already. Log a session with her: `rsc log --provider \"{}\"`.\n",
                    asked.name, asked.name
                ),
                _ => format!(
                    "Asked {} to connect (endorsement {}). You can log sessions with her once she accepts; `rsc sync` tells you when.\n",
                    asked.name,
                    number.trim()
                ),
            })
        }
        (Some(code), None) => {
            let provider = logbook.connect(code).map_err(connect_error)?;
            Ok(format!(
                "Connected with {}. Log a session with them: `rsc log --provider \"{}\"`.\n",
                provider.name, provider.name
            ))
        }
        (None, None) => Err(CliError::Invalid("CODE: give the connection code your provider gave you".into())),
    }
}

/// How a connection came about, in words.
fn how(c: &ConnectionView) -> &'static str {
    match c.source {
        Some(ConnectionSource::Code) => "with a code",
        Some(ConnectionSource::Request) => "by a request",
        None => "before this was recorded",
    }
}

fn role_words(c: &ConnectionView) -> &'static str {
    match c.role {
        ConnectionRole::Provider => "your provider",
        ConnectionRole::Supervisee => "your supervisee",
    }
}

/// The connections as the server has them when it can be reached, else as this computer last
/// heard them.
fn current_connections(home: &Path) -> Result<(Vec<ConnectionView>, &'static str), CliError> {
    let logbook = open(home)?;
    let note = match logbook.refresh_directory() {
        Ok(()) => "",
        Err(error) if error.is_transient() => {
            "(The server cannot be reached: this is what this computer last heard.)\n"
        }
        Err(error) => return Err(next_step(error)),
    };
    Ok((logbook.connections().map_err(next_step)?, note))
}

/// `rsc account requests`: who asks you to connect, and where your own requests stand.
pub fn requests(home: &Path) -> Result<String, CliError> {
    let (connections, note) = current_connections(home)?;
    let asking: Vec<&ConnectionView> = connections.iter().filter(|c| c.asks_me()).collect();
    let mine: Vec<&ConnectionView> = connections
        .iter()
        .filter(|c| {
            c.role == ConnectionRole::Provider
                && matches!(c.state, ConnectionState::Requested | ConnectionState::Declined)
        })
        .collect();
    let mut out = note.to_string();
    if asking.is_empty() {
        out.push_str("Nobody asks to connect with you.\n");
    } else {
        out.push_str("Asking you to connect:\n");
        out.push_str(&table(
            &["NAME", "EMAIL", "ASKED BY", "ON"],
            asking.iter().map(|c| {
                vec![
                    c.name.clone(),
                    c.email.clone().unwrap_or_default(),
                    c.endorsement_number.clone().unwrap_or_default(),
                    day(c.since_ms),
                ]
            }),
        ));
        out.push_str("Accept with `rsc account accept NAME`, or decline with `rsc account decline NAME`.\n");
    }
    if !mine.is_empty() {
        out.push_str("\nYour requests:\n");
        out.push_str(&table(
            &["PROVIDER", "NUMBER", "STATUS"],
            mine.iter().map(|c| {
                let status = match (c.state, c.ended_at_ms, c.ask_again_from_ms) {
                    (ConnectionState::Declined, Some(at), Some(again)) => {
                        format!("declined on {}; you may ask again from {}", day(at), day(again))
                    }
                    _ => format!("waiting since {}", day(c.since_ms)),
                };
                vec![c.name.clone(), c.endorsement_number.clone().unwrap_or_default(), status]
            }),
        ));
    }
    Ok(out)
}

pub fn accept(home: &Path, who: &str) -> Result<String, CliError> {
    let accepted = open(home)?.accept_request(who).map_err(next_step)?;
    Ok(format!("Connected with {}. Sessions between you can be logged from now on.\n", accepted.name))
}

pub fn decline(home: &Path, who: &str) -> Result<String, CliError> {
    let declined = open(home)?.decline_request(who).map_err(next_step)?;
    Ok(format!("Declined {}'s request; they are told, and may ask again in a week.\n", declined.name))
}

pub fn end(home: &Path, who: &str) -> Result<String, CliError> {
    let ended = open(home)?.end_connection(who).map_err(next_step)?;
    Ok(match ended.state {
        ConnectionState::Requested => format!("Took back your request to {}.\n", ended.name),
        _ => format!(
            "Ended your connection with {} ({}). Sessions already logged stay and keep counting; no new ones can be logged between you.\n",
            ended.name,
            role_words(&ended)
        ),
    })
}

/// `rsc account connections`: every connection, with the day it was made and how, and the
/// ended ones with who ended them.
pub fn connections(home: &Path, output: Output) -> Result<String, CliError> {
    let (connections, note) = current_connections(home)?;
    if let Output::Json = output {
        let mut json =
            serde_json::to_string_pretty(&connections).map_err(|e| CliError::Failed(format!("connections: {e}")))?;
        json.push('\n');
        return Ok(json);
    }
    let shown: Vec<&ConnectionView> =
        connections.iter().filter(|c| matches!(c.state, ConnectionState::Connected | ConnectionState::Ended)).collect();
    if shown.is_empty() {
        return Ok("No connections yet. Enter your provider's code with `rsc connect CODE`, or give your supervisees one with `rsc account invite`.\n".into());
    }
    let rows = shown.iter().map(|c| {
        let status = match (c.state, c.ended_at_ms, c.ended_by_me) {
            (ConnectionState::Ended, Some(at), Some(true)) => format!("you ended it on {}", day(at)),
            (ConnectionState::Ended, Some(at), _) => format!("{} ended it on {}", c.name, day(at)),
            _ => "connected".to_string(),
        };
        vec![c.name.clone(), role_words(c).to_string(), format!("{} {}", day(c.since_ms), how(c)), status]
    });
    let mut out = note.to_string();
    out.push_str(&table(&["NAME", "WHO", "MADE", "STATUS"], rows));
    out.push_str("End one you do not recognise with `rsc account end NAME`.\n");
    Ok(out)
}

fn describe_group(group: &GroupInfo) -> String {
    let members: Vec<&str> = group.members.iter().map(|m| m.name.as_str()).collect();
    format!(
        "{}{} ({}): {}\n",
        group.name,
        if group.archived { " [archived]" } else { "" },
        if group.mine { "yours".to_string() } else { format!("{}'s", group.provider.name) },
        if members.is_empty() { "no members yet".to_string() } else { members.join(", ") }
    )
}

pub fn groups(home: &Path, command: GroupsCommand) -> Result<String, CliError> {
    let logbook = open(home)?;
    let group = match command {
        GroupsCommand::List { output } => {
            let groups = logbook.groups().map_err(next_step)?;
            if let Output::Json = output {
                let mut json =
                    serde_json::to_string_pretty(&groups).map_err(|e| CliError::Failed(format!("groups: {e}")))?;
                json.push('\n');
                return Ok(json);
            }
            if groups.is_empty() {
                return Ok("No groups. As a provider, make one with `rsc groups create NAME --member NAME …`.\n".into());
            }
            return Ok(groups.iter().map(describe_group).collect());
        }
        GroupsCommand::Create { name, members } => logbook.create_group(&name, &members),
        GroupsCommand::Rename { group, new_name } => logbook.rename_group(&group, &new_name),
        GroupsCommand::Add { group, person } => logbook.add_to_group(&group, &person),
        GroupsCommand::Remove { group, person } => logbook.remove_from_group(&group, &person),
        GroupsCommand::Archive { group } => logbook.archive_group(&group, true),
        GroupsCommand::Restore { group } => logbook.archive_group(&group, false),
    }
    .map_err(next_step)?;
    Ok(describe_group(&group))
}
