//! `rsc account`, `rsc connect`, `rsc people` and `rsc profile`: who you are, and the people you
//! work with.

use std::path::Path;

use clap::{Args, Subcommand};
use rsc_client::{ClientError, Profile, Purpose, SharedCode};

use super::output::{day, table, when};
use super::{Output, next_step, open, parse, parse_date, password};
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
    /// Who is signed in, how the logbook stands, and (for a provider) your registry claims.
    Show,
    /// As a provider: claim your record in the endorsement registry, by endorsement number.
    Claim {
        /// The endorsement number, as the registry shows it (e.g. NM-1001).
        number: String,
    },
    /// As a provider: make a connection code to give a supervisee (printed as a code, a link
    /// and a QR code). Whoever enters it is connected to you.
    Invite {
        /// Days the code works (1 to 90).
        #[arg(long, default_value_t = rsc_protocol_days())]
        days: u32,
    },
    /// As a provider: who asks you to connect (by endorsement number); and where your own
    /// requests stand.
    Requests,
    /// As a provider: accept someone's request to connect.
    Accept {
        /// Who asks, by name.
        person: String,
    },
    /// As a provider: decline someone's request to connect (they are told, and may ask again
    /// in a week).
    Decline {
        /// Who asks, by name.
        person: String,
    },
    /// Every connection, with the day it was made and how, and the ended ones.
    Connections {
        /// text or json.
        #[arg(long, value_enum, default_value_t = Output::Text)]
        output: Output,
    },
    /// End your connection with someone (your provider or your supervisee), or take back a
    /// request. Sessions already logged stay and keep counting.
    End {
        /// The other person, by name.
        person: String,
    },
    /// As a provider: your connection codes that still work, or withdraw one.
    Invites {
        /// Withdraw this code (people who connected with it stay connected).
        #[arg(long, value_name = "CODE")]
        withdraw: Option<String>,
    },
    /// Change your password. The current one comes from RSC_PASSWORD and the new one from
    /// RSC_NEW_PASSWORD, or both are asked for on a terminal.
    Password,
    /// Download everything the server keeps about you, as JSON (to standard output, or to a
    /// file with --out).
    Data {
        /// Write it to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
    },
    /// Close your account: every device is signed out and you can no longer sign in; your email
    /// is erased. Sessions others count, your confirmations, claims and exports stay. Asks for
    /// your password (or RSC_PASSWORD) and for the words `close my account` (or --confirm).
    Close {
        /// Say `close my account` without being asked.
        #[arg(long, value_name = "WORDS")]
        confirm: Option<String>,
    },
    /// Set a new password with the one-time reset code the operator gave you (when you
    /// forgot yours). Every device of the account is signed out.
    Reset {
        #[command(flatten)]
        sign_in: SignInArgs,
        /// The reset code.
        #[arg(long)]
        code: String,
    },
}

const fn rsc_protocol_days() -> u32 {
    rsc_client::DEFAULT_CODE_DAYS
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

/// `rsc profile …`.
#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Your name, master's conferral date, rulebook and purpose.
    Show,
    /// Change what is given (offline; `rsc sync` sends it).
    Set {
        /// The name other participants see.
        #[arg(long)]
        name: Option<String>,
        /// When your master's degree was conferred (YYYY-MM-DD), or `none`.
        #[arg(long, value_name = "DATE|none")]
        masters_date: Option<String>,
        /// Your association's rulebook (nmaimh, orimha, ct-aimh), or `none`.
        #[arg(long, value_name = "ID|none")]
        rulebook: Option<String>,
        /// application or renewal, or `none`.
        #[arg(long, value_name = "PURPOSE|none")]
        purpose: Option<String>,
        /// Whether you provide RS/C to others: yes or no (CT-AIMH asks providers for 3 of
        /// their yearly training hours about RS/C).
        #[arg(long, value_name = "yes|no")]
        provides_rsc: Option<String>,
    },
}

pub fn account(home: &Path, command: AccountCommand) -> Result<String, CliError> {
    match command {
        AccountCommand::Signup { sign_in, name } => {
            let password = password("Password: ", "RSC_PASSWORD")?;
            let account = open(home)?
                .sign_up(&sign_in.server, &sign_in.email, &password, &name, &sign_in.device_name)
                .map_err(next_step)?;
            Ok(format!(
                "Signed up and signed in as {name} <{}>.\nNext: connect with your provider (`rsc connect CODE`), or as a provider give your supervisees a code (`rsc account invite`).\n",
                account.email
            ))
        }
        AccountCommand::Login { sign_in } => {
            let password = password("Password: ", "RSC_PASSWORD")?;
            let account = open(home)?
                .sign_in(&sign_in.server, &sign_in.email, &password, &sign_in.device_name)
                .map_err(next_step)?;
            Ok(format!("Signed in as {}. Run `rsc sync` to receive your sessions.\n", account.email))
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
        AccountCommand::Show => show(home),
        AccountCommand::Requests => super::connections::requests(home),
        AccountCommand::Accept { person } => super::connections::accept(home, &person),
        AccountCommand::Decline { person } => super::connections::decline(home, &person),
        AccountCommand::Connections { output } => super::connections::connections(home, output),
        AccountCommand::End { person } => super::connections::end(home, &person),
        AccountCommand::Claim { number } => {
            let status = open(home)?.claim_endorsement(&number).map_err(next_step)?;
            Ok(format!("Claimed {number} ({status}); association staff will approve it.\n"))
        }
        AccountCommand::Invite { days } => {
            let code = open(home)?.create_connection_code(Some(days)).map_err(next_step)?;
            Ok(invitation(&code))
        }
        AccountCommand::Invites { withdraw: Some(code) } => {
            open(home)?.revoke_connection_code(&code).map_err(next_step)?;
            Ok(format!("Withdrew {code}; it connects nobody new. People who used it stay connected.\n"))
        }
        AccountCommand::Invites { withdraw: None } => {
            let codes = open(home)?.connection_codes().map_err(next_step)?;
            if codes.is_empty() {
                return Ok("No connection codes work now. Make one with `rsc account invite`.\n".into());
            }
            let rows =
                codes.iter().map(|c| vec![c.code.clone(), day(c.expires_at_ms), c.used.to_string(), c.link.clone()]);
            let mut out = table(&["CODE", "WORKS UNTIL", "USED", "LINK"], rows);
            out.push_str("Withdraw one with `rsc account invites --withdraw CODE`.\n");
            Ok(out)
        }
        AccountCommand::Password => {
            let current = password("Current password: ", "RSC_PASSWORD")?;
            let new = password("New password: ", "RSC_NEW_PASSWORD")?;
            open(home)?.change_password(&current, &new).map_err(next_step)?;
            Ok("Password changed. Your other devices stay signed in.\n".into())
        }
        AccountCommand::Data { out } => {
            let data = open(home)?.own_data().map_err(next_step)?;
            match out {
                Some(path) => {
                    std::fs::write(&path, format!("{data}\n"))
                        .map_err(|e| CliError::Invalid(format!("--out {}: {e}", path.display())))?;
                    Ok(format!("Your data is in {}.\n", path.display()))
                }
                None => Ok(format!("{data}\n")),
            }
        }
        AccountCommand::Close { confirm } => {
            let words = match confirm {
                Some(words) => words,
                None => super::ask(
                    &format!("Type `{}` to close your account for good", rsc_client::CLOSE_CONFIRMATION),
                    "--confirm",
                    None,
                )?,
            };
            if !words.trim().eq_ignore_ascii_case(rsc_client::CLOSE_CONFIRMATION) {
                return Err(CliError::Invalid(format!(
                    "--confirm: type `{}` to close your account; nothing was closed",
                    rsc_client::CLOSE_CONFIRMATION
                )));
            }
            let current = password("Password: ", "RSC_PASSWORD")?;
            open(home)?.close_account(&current).map_err(next_step)?;
            Ok("Your account is closed: every device is signed out, and your email is erased. Sessions others \
                count, your confirmations and your exports stay.\n"
                .into())
        }
        AccountCommand::Reset { sign_in, code } => {
            let new = password("New password: ", "RSC_NEW_PASSWORD")?;
            let logbook = open(home)?;
            logbook.reset_password(&sign_in.server, &sign_in.email, &code, &new).map_err(next_step)?;
            let account =
                logbook.sign_in(&sign_in.server, &sign_in.email, &new, &sign_in.device_name).map_err(next_step)?;
            Ok(format!(
                "Password reset for {}; every other device of the account is signed out. This computer is signed in: run `rsc sync`.\n",
                account.email
            ))
        }
    }
}

/// A code with its link and QR code, as a provider passes it on.
fn invitation(code: &SharedCode) -> String {
    let qr = qrcode::QrCode::new(code.link.as_bytes())
        .map(|qr| {
            qr.render::<qrcode::render::unicode::Dense1x2>()
                .dark_color(qrcode::render::unicode::Dense1x2::Light)
                .light_color(qrcode::render::unicode::Dense1x2::Dark)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default();
    format!(
        "Connection code: {}\nLink:            {}\nWorks until:     {}\n\n{qr}\n\nGive your supervisee the code (they run `rsc connect {}`), the link, or the QR code to scan.\nAnyone with it can connect to you until it expires; withdraw it with `rsc account invites --withdraw {}`.\n",
        code.code,
        code.link,
        when(code.expires_at_ms),
        code.code,
        code.code
    )
}

fn show(home: &Path) -> Result<String, CliError> {
    let logbook = open(home)?;
    let status = logbook.status().map_err(next_step)?;
    let Some(account) = &status.account else {
        return Ok("Not signed in (`rsc account signup` or `rsc account login`).\n".into());
    };
    let profile = logbook.profile().map_err(next_step)?;
    let mut out = format!(
        "Signed in as {} <{}> on {}\n  this computer: {}\n  logbook:       {} ({}, {} to sync, {} refused)\n  last sync:     {}\n",
        profile.display_name,
        account.email,
        account.server_url,
        if account.device_name.is_empty() { "this computer" } else { &account.device_name },
        home.display(),
        super::output::count(status.sessions, "session", "sessions"),
        super::output::count(status.pending_changes, "change", "changes"),
        status.refused_changes,
        status.last_sync_ms.map(when).unwrap_or_else(|| "never".into()),
    );
    match logbook.claims() {
        Ok(claims) if claims.is_empty() => {}
        Ok(claims) => {
            out.push_str("  registry claims:\n");
            for claim in claims {
                let decided = claim.decided_at_ms.map(|ms| format!(" on {}", day(ms))).unwrap_or_default();
                let note = if claim.note.is_empty() { String::new() } else { format!(": {}", claim.note) };
                out.push_str(&format!(
                    "    {}  {}{decided}{note} (claimed {})\n",
                    claim.number,
                    claim.status.as_str(),
                    day(claim.created_at_ms)
                ));
            }
        }
        Err(error) if error.is_transient() => out.push_str("  registry claims: the server cannot be reached now\n"),
        Err(error) => return Err(next_step(error)),
    }
    // Where each claimed record stands today, as of the last sync: a lapse or a revocation says
    // what it means for her confirmations.
    let endorsements = logbook.endorsements().map_err(next_step)?;
    if let (false, Some(today)) = (endorsements.is_empty(), rsc_client::today()) {
        out.push_str("  endorsements (as of the last sync):\n");
        for e in &endorsements {
            out.push_str(&format!("    {}\n", e.standing(today)));
        }
    }
    Ok(out)
}

pub fn people(home: &Path, output: Output) -> Result<String, CliError> {
    let people = open(home)?.people().map_err(next_step)?;
    if let Output::Json = output {
        let mut json = serde_json::to_string_pretty(&people).map_err(|e| CliError::Failed(format!("people: {e}")))?;
        json.push('\n');
        return Ok(json);
    }
    if people.iter().all(|p| p.is_me) {
        return Ok("You are connected to nobody yet. Enter your provider's code with `rsc connect CODE`, or give your supervisees one with `rsc account invite`.\n".into());
    }
    let providers: Vec<&rsc_client::PersonView> = people.iter().filter(|p| p.is_my_provider).collect();
    let rows = people.iter().filter(|p| !p.is_me).map(|p| {
        let relation = match (p.is_my_provider, p.is_my_supervisee) {
            (true, true) => "your provider and supervisee".to_string(),
            (true, false) => "your provider".to_string(),
            (false, true) => "your supervisee".to_string(),
            (false, false) => {
                let of: Vec<&str> = providers
                    .iter()
                    .filter(|provider| p.connected_to.contains(&provider.id))
                    .map(|provider| provider.name.as_str())
                    .collect();
                if of.is_empty() {
                    "shared a session with you".to_string()
                } else {
                    format!("with you in {}'s group or sessions", of.join(", "))
                }
            }
        };
        vec![p.name.clone(), relation]
    });
    Ok(table(&["NAME", "WHO"], rows))
}

pub fn profile(home: &Path, command: ProfileCommand) -> Result<String, CliError> {
    let logbook = open(home)?;
    match command {
        ProfileCommand::Show => Ok(describe(&logbook.profile().map_err(next_step)?)),
        ProfileCommand::Set { name, masters_date, rulebook, purpose, provides_rsc } => {
            if name.is_none()
                && masters_date.is_none()
                && rulebook.is_none()
                && purpose.is_none()
                && provides_rsc.is_none()
            {
                return Err(CliError::Invalid(
                    "profile set: give at least one of --name, --masters-date, --rulebook, --purpose, --provides-rsc"
                        .into(),
                ));
            }
            let mut profile = logbook.profile().map_err(next_step)?;
            let none = |text: &str| text.trim().eq_ignore_ascii_case("none");
            if let Some(name) = name {
                profile.display_name = name;
            }
            if let Some(date) = masters_date {
                profile.masters_conferred_on =
                    if none(&date) { None } else { Some(parse_date(&date, "--masters-date")?) };
            }
            if let Some(rulebook) = rulebook {
                profile.rulebook = if none(&rulebook) { None } else { Some(rulebook.trim().to_lowercase()) };
            }
            if let Some(purpose) = purpose {
                profile.purpose = if none(&purpose) { None } else { Some(parse::<Purpose>(&purpose, "--purpose")?) };
            }
            if let Some(answer) = provides_rsc {
                profile.provides_rsc = match answer.trim().to_ascii_lowercase().as_str() {
                    "yes" | "y" | "true" => true,
                    "no" | "n" | "false" => false,
                    other => return Err(CliError::Invalid(format!("--provides-rsc: `{other}` is not yes or no"))),
                };
            }
            let saved = logbook.set_profile(profile).map_err(next_step)?;
            Ok(format!("{}Run `rsc sync` to send it.\n", describe(&saved)))
        }
    }
}

fn describe(profile: &Profile) -> String {
    let unset = "not set";
    format!(
        "Name:            {}\nMaster's date:   {}\nRulebook:        {}\nPurpose:         {}\nProvides RS/C:   {}\n{}",
        profile.display_name,
        profile.masters_conferred_on.map(|d| d.to_string()).unwrap_or_else(|| unset.into()),
        profile
            .rulebook
            .as_deref()
            .map(|id| rsc_rules::builtin(id).map(|r| format!("{} ({id})", r.name)).unwrap_or_else(|| id.to_string()))
            .unwrap_or_else(|| unset.into()),
        profile.purpose.map(|p| p.to_string()).unwrap_or_else(|| unset.into()),
        if profile.provides_rsc { "yes" } else { "no" },
        if profile.unsynced { "(changed on this computer; not yet synced)\n" } else { "" },
    )
}
