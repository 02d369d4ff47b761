//! Every cross-process scenario, in one test binary with a module per area, each against real
//! `rsc-server` processes (and `rsc` processes where a person would use the command line):
//!
//! - `forgery`: attempts to get minutes credited without a valid confirmation, one named test
//!   each;
//! - `bombs`: compressed-change bombs, with the server's memory measured;
//! - `cli_scenario`: a supervisee and a provider with `rsc`, from sign-up to a verified export;
//! - `server_processes`: the `rsc-server` binary as an operator runs it;
//! - `privacy`: a stranger walking the public registry learns nobody's caseload, on both
//!   backends;
//! - `hostile`: each hole found from outside, tried again, on both backends;
//! - `web_portal`: the web portal in a real headless browser (`browser` drives it);
//! - `journeys`: each role's whole job in the portal alone.
//!
//! The processes, the HTTP client, the sync device and the names come from `rsc-test-kit`.

mod bombs;
mod browser;
mod cli_scenario;
mod forgery;
mod hostile;
mod journeys;
mod privacy;
mod server_processes;
mod web_portal;
