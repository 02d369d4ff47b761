//! Configuration from flags and environment variables, and how it is printed at start with
//! secrets redacted.

use std::fmt;
use std::net::SocketAddr;

use crate::telemetry::LogFormat;

/// The embedded default database: a SQLite file under `./rsc-data/`.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://rsc-data/rsc.db";

/// Where the data lives.
#[derive(Debug, Clone, clap::Args)]
pub struct DatabaseArgs {
    /// `postgres://user:password@host/db`, or `sqlite://path/to/file.db` (the default,
    /// created with its folder if missing).
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
    /// Most database connections this process opens (Postgres).
    #[arg(long, env = "RSC_MAX_CONNECTIONS", default_value_t = 20)]
    pub max_connections: u32,
}

/// The file of a `sqlite:` URL, made absolute; `None` for another database.
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).map(|rest| {
        let path = rest.split('?').next().unwrap_or(rest);
        std::path::absolute(path).unwrap_or_else(|_| path.into())
    })
}

/// The database a command uses, as printed before it runs: the URL with secrets redacted and, for
/// a SQLite file, its absolute path.
pub fn describe_database(url: &str) -> String {
    let redacted = Redacted(url).to_string();
    let file = sqlite_file(url);
    match file {
        Some(path) if !url.contains(":memory:") => format!("{redacted} ({})", path.display()),
        _ => redacted,
    }
}

/// How the server runs.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "RSC_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Requests running longer are answered 408.
    #[arg(long, env = "RSC_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,
    /// Log format.
    #[arg(long, env = "RSC_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// A database URL with any password replaced by `***`.
pub struct Redacted<'a>(pub &'a str);

impl fmt::Display for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Ok(mut url) = url::Url::parse(self.0) else {
            // Not a URL at all: nothing in it can be told apart as a secret, so say nothing of it.
            return f.write_str(if self.0.contains('@') || self.0.contains("password") { "***" } else { self.0 });
        };
        let secret_in_query = url.query_pairs().any(|(key, _)| key.contains("password"));
        if url.password().is_none() && !secret_in_query {
            return f.write_str(self.0);
        }
        if url.password().is_some() {
            let _ = url.set_password(Some("***"));
        }
        if secret_in_query {
            let pairs: Vec<(String, String)> = url
                .query_pairs()
                .map(|(k, v)| {
                    let v = if k.contains("password") { "***".to_string() } else { v.into_owned() };
                    (k.into_owned(), v)
                })
                .collect();
            url.query_pairs_mut().clear().extend_pairs(pairs);
        }
        // The masks themselves come out percent-encoded; show them as typed.
        f.write_str(&url.as_str().replace("%2A%2A%2A", "***"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_print() {
        assert_eq!(Redacted("postgres://rsc:s3cret@db:5432/rsc").to_string(), "postgres://rsc:***@db:5432/rsc");
        assert_eq!(Redacted("postgres://rsc@db/rsc").to_string(), "postgres://rsc@db/rsc");
        assert_eq!(
            Redacted("postgres://db/rsc?user=a&password=b").to_string(),
            "postgres://db/rsc?user=a&password=***"
        );
        assert_eq!(Redacted("postgres://rsc:p%40ss@db/rsc").to_string(), "postgres://rsc:***@db/rsc");
        assert_eq!(Redacted("not a url with a p4ssword@host").to_string(), "***");
        assert_eq!(Redacted(DEFAULT_DATABASE_URL).to_string(), DEFAULT_DATABASE_URL);
    }

    #[test]
    fn a_sqlite_database_is_described_by_its_absolute_path() {
        let here = std::env::current_dir().expect("cwd");
        assert_eq!(
            describe_database(DEFAULT_DATABASE_URL),
            format!("{DEFAULT_DATABASE_URL} ({})", here.join("rsc-data/rsc.db").display())
        );
        assert_eq!(describe_database("sqlite:///srv/rsc.db?mode=rwc"), "sqlite:///srv/rsc.db?mode=rwc (/srv/rsc.db)");
        assert_eq!(describe_database("postgres://rsc:s3cret@db/rsc"), "postgres://rsc:***@db/rsc");
    }
}
