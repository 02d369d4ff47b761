//! Argument parsing and the subcommands.

use std::ffi::OsString;
use std::io::Read;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use rsc_model::Dossier;
use rsc_model::dossier::MAX_DOSSIER_BYTES;
use rsc_rules::{Purpose, Rulebook, RulesError, builtin, builtin_ids, builtin_source, evaluate, render_text};

use crate::device::{self, DeviceCommand};
use crate::error::CliError;

/// RSC Logbook: reflective supervision/consultation hours that reviewers can trust.
#[derive(Debug, Parser)]
#[command(name = "rsc", version, about, long_about = None, propagate_version = true)]
struct Cli {
    /// The folder of this computer's logbook (default: RSC_HOME, else the platform's data
    /// folder, e.g. ~/.local/share/rsc).
    #[arg(long, global = true, env = "RSC_HOME", value_name = "DIR")]
    home: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Evaluate a dossier of RS/C sessions under a rulebook and print the evaluation.
    ///
    /// Prints the evaluation (JSON by default) and exits 0 whether or not the applicant is
    /// eligible. Invalid input exits 2 with one line on stderr naming the field.
    Evaluate {
        /// A built-in rulebook id (nmaimh, orimha, ct-aimh) or the path of a rulebook file.
        #[arg(long, value_name = "ID|PATH")]
        rulebook: String,
        /// Why the hours are evaluated: application or renewal.
        #[arg(long, default_value = "application", value_name = "PURPOSE")]
        purpose: String,
        /// Output: json (the contract's evaluation) or text (a readable report).
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
        /// The dossier JSON file, or - for standard input.
        #[arg(value_name = "DOSSIER.json|-")]
        dossier: PathBuf,
    },
    /// List the built-in rulebooks.
    Rulebooks,
    /// Check a signed JSON export: that the server that issued it signed it, every provider's
    /// signature, that each matches its session, the registry records, and that evaluating the
    /// dossier again gives the evaluation included. Needs the server's published keys, from
    /// --server or --server-keys: without them nothing shows who signed, and it fails. Exits 0
    /// when every check passes, 1 when one fails (saying which and why), 2 when the files
    /// cannot be read.
    Verify {
        /// The export: its JSON file, the verification link printed on its PDF or CSV, or the
        /// SHA-256 printed there (with --server).
        #[arg(value_name = "FILE|LINK|SHA-256")]
        export: String,
        /// The server that issued the export: its published keys are fetched from it.
        #[arg(long, value_name = "URL", conflicts_with = "server_keys")]
        server: Option<String>,
        /// The server's published keys saved as a file (`GET /v1/server-keys`), to verify
        /// without a network.
        #[arg(long, value_name = "FILE")]
        server_keys: Option<PathBuf>,
    },
    /// Work with one rulebook.
    Rulebook {
        #[command(subcommand)]
        command: RulebookCommand,
    },
    #[command(flatten)]
    Device(DeviceCommand),
}

#[derive(Debug, Subcommand)]
enum RulebookCommand {
    /// Print a built-in rulebook in the rulebook file format (TOML), ready to copy and adapt.
    Show {
        /// The built-in rulebook's id.
        id: String,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    /// The contract's evaluation JSON.
    Json,
    /// A report for a person at a terminal.
    Text,
}

/// Runs the command line `args` and returns what to print on stdout.
pub fn run(args: impl IntoIterator<Item = OsString>) -> Result<String, CliError> {
    let cli = Cli::try_parse_from(args).map_err(|e| match e.kind() {
        clap::error::ErrorKind::DisplayHelp
        | clap::error::ErrorKind::DisplayVersion
        | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => CliError::Info(e.to_string()),
        _ => {
            // clap spreads one error over several lines; the contract wants one.
            let text = e.to_string();
            let message = text
                .lines()
                .map(str::trim)
                .take_while(|line| !line.starts_with("Usage:") && !line.starts_with("For more information"))
                .filter(|line| !line.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            CliError::Invalid(format!("{} (see rsc --help)", message.trim_start_matches("error: ")))
        }
    });
    let cli = match cli {
        Ok(cli) => cli,
        Err(CliError::Info(text)) => return Ok(text),
        Err(other) => return Err(other),
    };
    match cli.command {
        Command::Evaluate { rulebook, purpose, format, dossier } => {
            let purpose: Purpose = purpose.parse().map_err(|e: rsc_model::ModelError| e.within("--purpose"))?;
            let rulebook = load_rulebook(&rulebook)?;
            let text = read_dossier(&dossier)?;
            let dossier = Dossier::from_json(&text)?;
            let evaluation = evaluate(&rulebook, purpose, &dossier)?;
            Ok(match format {
                Format::Json => {
                    let mut json = serde_json::to_string_pretty(&evaluation)
                        .map_err(|e| CliError::Invalid(format!("evaluation: {e}")))?;
                    json.push('\n');
                    json
                }
                Format::Text => render_text(&evaluation),
            })
        }
        Command::Rulebooks => {
            let mut out = String::new();
            for id in builtin_ids() {
                let rulebook = builtin(id).ok_or_else(|| CliError::Invalid(format!("rulebook {id}: unreadable")))?;
                let purposes = rulebook.purposes().iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ");
                out.push_str(&format!("{:<8} {}  [{}]\n", rulebook.id, rulebook.name, purposes));
            }
            Ok(out)
        }
        Command::Verify { export, server, server_keys } => {
            let is_link = export.starts_with("http://") || export.starts_with("https://");
            let is_digest = export.len() == 64
                && export.chars().all(|c| c.is_ascii_hexdigit())
                && !std::path::Path::new(&export).exists();
            if is_link || is_digest {
                return verify_kept(&export, server.as_deref(), server_keys);
            }
            let bytes = std::fs::read(&export).map_err(|e| CliError::Invalid(format!("{export}: cannot read: {e}")))?;
            if bytes.starts_with(b"%PDF") || export.to_lowercase().ends_with(".csv") {
                return Err(CliError::Invalid(format!(
                    "{export} is a printout, not the signed export: verify it by the link printed on it \
                     (rsc verify LINK), or by the SHA-256 printed there (rsc verify SHA-256 --server URL)"
                )));
            }
            let keys = match (&server, server_keys) {
                (Some(url), _) => Some(TrustedKeys::Server(url.clone())),
                (None, Some(path)) => Some(TrustedKeys::File(path)),
                (None, None) => None,
            };
            let mut out = verify(&bytes, &export, keys)?;
            // Signatures hold for as long as the file exists; whether the applicant still
            // stands by it, and what changed since, only the server that kept it can say.
            if let Some(url) = &server {
                out.push_str(&standing(url, &rsc_export::sha256_hex(&bytes), &export)?);
            }
            Ok(out)
        }
        Command::Device(command) => {
            let home = match cli.home {
                Some(home) => home,
                None => device::default_home()?,
            };
            device::run(&home, command)
        }
        Command::Rulebook { command: RulebookCommand::Show { id } } => {
            builtin_source(&id).map(str::to_string).ok_or_else(|| rsc_rules::RulesError::UnknownRulebook(id).into())
        }
    }
}

/// A rulebook named on the command line: a built-in id, or else the path of a rulebook file
/// (read here, size-limited, so the rules crate stays free of I/O).
fn load_rulebook(id_or_path: &str) -> Result<Rulebook, CliError> {
    if let Some(rulebook) = builtin(id_or_path) {
        return Ok(rulebook);
    }
    let path = std::path::Path::new(id_or_path);
    if !path.is_file() {
        return Err(RulesError::UnknownRulebook(id_or_path.to_string()).into());
    }
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if size > rsc_rules::MAX_RULEBOOK_BYTES as u64 {
        return Err(RulesError::rulebook(
            id_or_path,
            format!("is {size} bytes; the limit is {}", rsc_rules::MAX_RULEBOOK_BYTES),
        )
        .into());
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::from(RulesError::rulebook(id_or_path, format!("cannot be read: {e}"))))?;
    Rulebook::from_toml(&text).map_err(|e| {
        match e {
            RulesError::Rulebook { field, message } => {
                RulesError::Rulebook { field: format!("{id_or_path} {field}"), message }
            }
            other => other,
        }
        .into()
    })
}

/// Reads the dossier from a file or standard input, refusing more than the size limit.
fn read_dossier(path: &PathBuf) -> Result<String, CliError> {
    let name = path.display().to_string();
    let reader: Box<dyn Read> = if name == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(path).map_err(|e| CliError::Invalid(format!("DOSSIER: cannot open {name}: {e}")))?)
    };
    let mut bytes = Vec::new();
    reader
        .take(MAX_DOSSIER_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::Invalid(format!("DOSSIER: cannot read {name}: {e}")))?;
    if bytes.len() > MAX_DOSSIER_BYTES {
        return Err(CliError::Invalid(format!(
            "DOSSIER: {name} is larger than the limit of {MAX_DOSSIER_BYTES} bytes"
        )));
    }
    String::from_utf8(bytes).map_err(|e| CliError::Invalid(format!("DOSSIER: {name} is not UTF-8 text: {e}")))
}

/// Where the keys an export must be signed with come from.
enum TrustedKeys {
    /// Fetched from the server that issued the export.
    Server(String),
    /// A saved copy of the server's published keys.
    File(PathBuf),
}

/// An export the server keeps, named by its link or by the SHA-256 on its printout: fetched from
/// that server, checked against that digest, then verified like a file against the server's
/// published keys (or a saved copy of them).
fn verify_kept(link_or_digest: &str, server: Option<&str>, server_keys: Option<PathBuf>) -> Result<String, CliError> {
    let (bytes, base) = rsc_client::fetch_kept_export(link_or_digest, server).map_err(|e| match e {
        rsc_client::ClientError::Invalid { field, message } => {
            CliError::Invalid(format!("{}: {message}", if field == "server" { "--server" } else { "EXPORT" }))
        }
        rsc_client::ClientError::Rejected { status: 410, .. } => {
            CliError::Failed(format!("{link_or_digest} was withdrawn by the applicant: it no longer stands"))
        }
        rsc_client::ClientError::Rejected { status: 404, .. } => {
            CliError::Failed(format!("{link_or_digest}: the server keeps no such export"))
        }
        other => CliError::Failed(format!("{link_or_digest}: cannot get the export: {other}")),
    })?;
    let digest = rsc_export::sha256_hex(&bytes);
    if !link_or_digest.contains("/verify/") && !digest.eq_ignore_ascii_case(link_or_digest) {
        return Err(CliError::Failed(format!(
            "the server answered with an export whose SHA-256 is {digest}, not {link_or_digest}: it does NOT verify"
        )));
    }
    let keys = match server_keys {
        Some(path) => TrustedKeys::File(path),
        None => TrustedKeys::Server(base.clone()),
    };
    let mut out = verify(&bytes, link_or_digest, Some(keys))?;
    out.push_str(&format!("  SHA-256: {digest}\n"));
    out.push_str(&standing(&base, &digest, link_or_digest)?);
    Ok(out)
}

/// Whether the server that kept export `digest` says it still stands, and what changed since
/// it was made, as lines of the report; a withdrawn export fails.
fn standing(server: &str, digest: &str, export: &str) -> Result<String, CliError> {
    let standing = rsc_client::fetch_export_standing(server, digest)
        .map_err(|e| CliError::Failed(format!("{server}: cannot ask whether {export} still stands: {e}")))?;
    let Some(standing) = standing else {
        return Ok(format!("  kept by {server}: no, so nobody can say whether it was withdrawn since\n"));
    };
    if let Some(at) = standing.withdrawn_at_ms {
        let day = rsc_client::Date::from_unix_millis(at).map(|d| d.to_string()).unwrap_or_default();
        return Err(CliError::Failed(format!(
            "{export} was withdrawn by the applicant on {day}: its signatures are intact, but it no longer stands"
        )));
    }
    let mut out = format!("  still stands: kept by {server} as export {}, not withdrawn\n", standing.export_id);
    if standing.changes.is_empty() {
        out.push_str("  changed since: nothing it relies on\n");
    } else {
        out.push_str("  changed since:\n");
        for change in &standing.changes {
            out.push_str(&format!("    {change}\n"));
        }
    }
    Ok(out)
}

fn verify(bytes: &[u8], export: &str, trusted: Option<TrustedKeys>) -> Result<String, CliError> {
    let read = |path: &std::path::Path| {
        std::fs::read(path).map_err(|e| CliError::Invalid(format!("{}: cannot read: {e}", path.display())))
    };
    let (keys, key_source): (Option<Vec<rsc_export::PublishedKey>>, String) = match &trusted {
        Some(TrustedKeys::Server(url)) => {
            let json = rsc_client::fetch_server_keys(url).map_err(|e| match e {
                rsc_client::ClientError::Invalid { message, .. } => CliError::Invalid(format!("--server: {message}")),
                other => CliError::Failed(format!("--server {url}: cannot get its published keys: {other}")),
            })?;
            let keys = serde_json::from_slice(&json)
                .map_err(|e| CliError::Failed(format!("--server {url}: its /v1/server-keys is not a key list: {e}")))?;
            (Some(keys), format!("published by {url}"))
        }
        Some(TrustedKeys::File(path)) => {
            let keys = serde_json::from_slice(&read(path)?).map_err(|e| {
                CliError::Invalid(format!("--server-keys {}: not the server's key list: {e}", path.display()))
            })?;
            (Some(keys), format!("published, from {}", path.display()))
        }
        None => (None, String::new()),
    };
    let report = rsc_export::verify(bytes, keys.as_deref())
        .map_err(|e| CliError::Failed(format!("{export} does NOT verify: {e}")))?;
    if !report.key_published {
        // The export carries the public key it was signed with, so checking against that key
        // alone proves only that someone signed it: anyone can make a key and sign an edit.
        return Err(CliError::Failed(format!(
            "{} is NOT verified: it is consistent with the key written inside it ({}), but nothing shows that key is \
             the server's, and anyone can sign with a key of their own. Give the server that issued it: \
             rsc verify {} --server URL (or --server-keys FILE with its saved keys)",
            export, report.key_id, export
        )));
    }
    Ok(format!(
        "{} verifies.\n  server signature: valid, key {} ({key_source})\n  provider signatures: {} valid, each matching its session\n  registry records: {} consistent with the dossier\n  evaluation: identical when evaluated again ({} for {}, {}, {})\n",
        export,
        report.key_id,
        report.attestations,
        report.registry_records,
        report.rulebook,
        report.purpose,
        crate::device::output::count(report.sessions as u64, "session", "sessions"),
        if report.eligible { "eligible" } else { "not eligible yet" },
    ))
}
