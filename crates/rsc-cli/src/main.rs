//! `rsc`: evaluate RS/C hours against an association's rulebook, inspect rulebooks, verify
//! exports, and keep a logbook on this computer that syncs with a server.
//!
//! The commands and their output are a contract (`contracts/evaluate.md`): JSON on stdout and
//! exit 0 for any evaluation, eligible or not; exit 2 with nothing on stdout and one line on
//! stderr naming the offending field for invalid input.

mod cli;
mod device;
mod error;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run(std::env::args_os()) {
        Ok(output) => {
            use std::io::Write;
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`rsc evaluate … | head`) is not an error worth a message.
            let _ = stdout.write_all(output.as_bytes()).and_then(|()| stdout.flush());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{}", error.one_line());
            ExitCode::from(error.exit_code())
        }
    }
}
