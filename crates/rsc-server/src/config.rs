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

/// The database a command uses, as printed before it runs: the URL with secrets redacted and, for
/// a SQLite file, its absolute path.
pub fn describe_database(url: &str) -> String {
    let redacted = Redacted(url).to_string();
    let file = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).map(|rest| {
        let path = rest.split('?').next().unwrap_or(rest);
        std::path::absolute(path).unwrap_or_else(|_| path.into())
    });
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
        let url = self.0;
        if let Some((scheme, rest)) = url.split_once("://")
            && let Some((credentials, host)) = rest.rsplit_once('@')
        {
            let user = credentials.split_once(':').map_or(credentials, |(user, _)| user);
            let password = if credentials.contains(':') { ":***" } else { "" };
            return write!(f, "{scheme}://{user}{password}@{host}");
        }
        // A query parameter may carry a password too.
        match url.split_once('?') {
            Some((base, query)) if query.contains("password") => write!(f, "{base}?***"),
            _ => f.write_str(url),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_print() {
        assert_eq!(Redacted("postgres://rsc:s3cret@db:5432/rsc").to_string(), "postgres://rsc:***@db:5432/rsc");
        assert_eq!(Redacted("postgres://rsc@db/rsc").to_string(), "postgres://rsc@db/rsc");
        assert_eq!(Redacted("postgres://db/rsc?user=a&password=b").to_string(), "postgres://db/rsc?***");
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
