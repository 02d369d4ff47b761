//! Fuzz targets: every input the system takes from people it cannot trust, each as a function
//! of bytes that panics only when the code under it breaks a promise (a crash, a server error,
//! a refused push that changed the document, an accepted one that no longer reads).
//!
//! `scripts/fuzz TARGET SECONDS` runs one under AFL++ (the `rsc-fuzz` binary, built with
//! cargo-afl); the tests run each over its committed seeds, every crash found so far
//! (`regressions/`), and a few thousand of their mutations, in the test command.

mod documents;
mod mutate;
mod server;
mod texts;

pub use mutate::mutations;

/// One fuzz target.
pub struct Target {
    /// Its name: its folder under `corpus/` and `regressions/`, and `scripts/fuzz`'s argument.
    pub name: &'static str,
    /// What it feeds the bytes to.
    pub run: fn(&[u8]),
}

/// Every target.
pub const TARGETS: [Target; 8] = [
    Target { name: "apply_pushed", run: documents::apply_pushed },
    Target { name: "sync_request", run: server::sync_request },
    Target { name: "portal_form", run: server::portal_form },
    Target { name: "rulebook", run: texts::rulebook },
    Target { name: "evaluate", run: texts::evaluate },
    Target { name: "verify", run: texts::verify },
    Target { name: "registry_csv", run: texts::registry_csv },
    Target { name: "pulled_page", run: server::pulled_page },
];

/// The target called `name`.
pub fn target(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}

/// The folder of this crate's committed files (`corpus/`, `regressions/`, `data/`).
pub fn crate_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Splits `data` into frames, each a two-byte little-endian length and that many bytes (the
/// last one cut short when the input ends first): how a target takes several blobs.
pub fn frames(mut data: &[u8]) -> Vec<&[u8]> {
    let mut frames = Vec::new();
    while data.len() >= 2 && frames.len() < 64 {
        let len = usize::from(u16::from_le_bytes([data[0], data[1]]));
        let end = (2 + len).min(data.len());
        frames.push(&data[2..end]);
        data = &data[end..];
    }
    frames
}

/// Frames `blobs` as [`frames`] reads them.
pub fn framed(blobs: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for blob in blobs {
        let len = u16::try_from(blob.len()).expect("a seed blob under 64 KiB");
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(blob);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The files of `corpus/TARGET` and `regressions/TARGET`.
    fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
        let mut inputs = Vec::new();
        for folder in ["corpus", "regressions"] {
            let Ok(entries) = std::fs::read_dir(crate_dir().join(folder).join(target)) else { continue };
            for entry in entries {
                let path = entry.expect("entry").path();
                inputs.push((path.display().to_string(), std::fs::read(&path).expect("read")));
            }
        }
        inputs.sort();
        inputs
    }

    /// Runs `target` over its seeds, its regressions and `MUTATIONS` of them.
    fn smoke(name: &str) {
        const MUTATIONS: usize = 300;
        let target = target(name).expect("target");
        let inputs = inputs(name);
        assert!(inputs.len() >= 2, "{name} has seeds");
        for (path, bytes) in &inputs {
            eprintln!("{name}: {path}");
            (target.run)(bytes);
        }
        let seeds: Vec<Vec<u8>> = inputs.into_iter().map(|(_, bytes)| bytes).collect();
        for (n, input) in mutations(&seeds, 0x5eed ^ name.len() as u64).take(MUTATIONS).enumerate() {
            if let Err(panic) = std::panic::catch_unwind(|| (target.run)(&input)) {
                // Kept where a regression is made from it.
                let found = crate_dir().join("../../target/fuzz-found");
                std::fs::create_dir_all(&found).expect("folder");
                let path = found.join(format!("{name}-{n}"));
                std::fs::write(&path, &input).expect("write");
                eprintln!("{name}: mutation {n} failed; its input is {}", path.display());
                std::panic::resume_unwind(panic);
            }
        }
    }

    #[test]
    fn frames_read_what_framed_wrote_and_stop_at_the_end() {
        let blobs = vec![b"one".to_vec(), Vec::new(), vec![7; 300]];
        let data = framed(&blobs);
        assert_eq!(frames(&data), blobs.iter().map(Vec::as_slice).collect::<Vec<_>>());
        assert_eq!(frames(&[5, 0, b'a', b'b']), vec![b"ab".as_slice()], "cut short at the end");
        assert!(frames(&[1]).is_empty());
    }

    #[test]
    fn every_target_has_a_corpus_folder() {
        for target in &TARGETS {
            assert!(crate_dir().join("corpus").join(target.name).is_dir(), "{}", target.name);
        }
        assert!(super::target("nothing").is_none());
    }

    #[test]
    fn apply_pushed_smoke() {
        smoke("apply_pushed");
    }

    #[test]
    fn sync_request_smoke() {
        smoke("sync_request");
    }

    #[test]
    fn portal_form_smoke() {
        smoke("portal_form");
    }

    #[test]
    fn rulebook_smoke() {
        smoke("rulebook");
    }

    #[test]
    fn evaluate_smoke() {
        smoke("evaluate");
    }

    #[test]
    fn verify_smoke() {
        smoke("verify");
    }

    #[test]
    fn registry_csv_smoke() {
        smoke("registry_csv");
    }

    #[test]
    fn pulled_page_smoke() {
        smoke("pulled_page");
    }
}

#[cfg(test)]
mod seeds;
