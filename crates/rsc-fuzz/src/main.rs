//! The AFL++ driver: `rsc-fuzz TARGET`, run by `afl-fuzz` (see `scripts/fuzz`), feeds each
//! input AFL++ makes to the target in persistent mode.

fn main() {
    let name = std::env::args().nth(1).unwrap_or_default();
    let Some(target) = rsc_fuzz::target(&name) else {
        let names: Vec<&str> = rsc_fuzz::TARGETS.iter().map(|t| t.name).collect();
        eprintln!("usage: rsc-fuzz TARGET, one of: {}", names.join(", "));
        std::process::exit(2);
    };
    // Without AFL's abort-on-every-panic hook: the code under test turns Automerge's panics on
    // malformed changes into refusals, and only a panic that escapes a target is a crash.
    afl::fuzz_nohook!(|data: &[u8]| (target.run)(data));
}
