//! Every cross-process scenario lives in this package's test targets, each against real
//! `rsc-server` processes (and `rsc` processes where a person would use the command line):
//!
//! - `forgery.rs`: attempts to get minutes credited without a valid confirmation;
//! - `bombs.rs`: compressed-change bombs, with the server's memory measured;
//! - `cli_scenario.rs`: a supervisee and a provider with `rsc`, from sign-up to a verified export;
//! - `server_processes.rs`: the `rsc-server` binary as an operator runs it;
//! - `privacy.rs`: a stranger walking the public registry learns nobody's caseload, on both
//!   backends;
//! - `hostile.rs`: each hole found from outside, tried again, on both backends;
//! - `web_portal.rs`: the web portal in a real headless Chromium (`browser.rs` drives it).
//!
//! `server_process.rs` builds and starts the binaries. The library itself is empty.
