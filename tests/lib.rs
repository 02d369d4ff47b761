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
//! - `web_portal.rs`: the web portal in a real headless Chromium (`browser.rs` drives it);
//! - `journeys.rs`: each role's whole job in the portal alone, in Chromium.
//!
//! `server_process.rs` builds and starts the binaries. The library holds what every target
//! checks people's text with: the shared names, and whether a text shows an id.

/// Display names from the shared list (`data/names.txt`), for tests of anything that prints
/// people: accents, apostrophes and scripts a real user's name has.
pub fn names() -> Vec<String> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/names.txt")).expect("names.txt");
    text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).map(str::to_string).collect()
}

/// Whether `text` shows a whole id anywhere (8-4-4-4-12 hex digits): people never read one.
pub fn shows_an_id(text: &str) -> bool {
    let groups = [8, 4, 4, 4, 12];
    let chars: Vec<char> = text.chars().collect();
    (0..chars.len()).any(|start| {
        let mut at = start;
        for (i, len) in groups.iter().enumerate() {
            if i > 0 {
                if chars.get(at) != Some(&'-') {
                    return false;
                }
                at += 1;
            }
            if !(0..*len).all(|k| chars.get(at + k).is_some_and(|c| c.is_ascii_hexdigit())) {
                return false;
            }
            at += len;
        }
        true
    })
}
