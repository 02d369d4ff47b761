//! The text inputs read without a server: rulebook files, dossiers through the engine, signed
//! exports through the verifier, and a registry's CSV.

use std::sync::OnceLock;

use rsc_model::{Dossier, Purpose};
use rsc_rules::{Rulebook, evaluate as engine};

const PURPOSES: [Purpose; 2] = [Purpose::Application, Purpose::Renewal];

/// The dossier a fuzzed rulebook is tried on: the contract's example, with a training.
const DOSSIER: &str = r#"{
  "as_of": "2026-11-22",
  "applicant": { "id": "ana", "masters_conferred_on": "2019-05-15", "provides_rsc": true },
  "providers": [ { "id": "pat", "credentials": [ { "credential": "IMHM-C", "earned_on": "2015-03-01",
      "valid_through": "2027-12-31", "revoked_on": null, "association": "NMAIMH" } ] } ],
  "sessions": [
    { "id": "s1", "date": "2024-01-10", "kind": "individual", "format": "in_person", "provider": "pat",
      "minutes": 60, "about_own_rsc_practice": true, "confirmation": { "status": "confirmed", "minutes": 60 } },
    { "id": "s2", "date": "2025-02-11", "kind": "group", "format": "video", "provider": "pat",
      "minutes": 90, "about_own_rsc_practice": false, "confirmation": { "status": "confirmed", "minutes": 80 } }
  ],
  "trainings": [ { "id": "t1", "date": "2024-03-02", "minutes": 360, "topic": "rsc" } ]
}"#;

/// The example dossier's JSON (a seed of `evaluate`).
#[cfg(test)]
pub fn example_dossier() -> &'static str {
    DOSSIER
}

fn dossier() -> &'static Dossier {
    static DOSSIER_READ: OnceLock<Dossier> = OnceLock::new();
    DOSSIER_READ.get_or_init(|| Dossier::from_json(DOSSIER).expect("the example dossier reads"))
}

/// A rulebook file, then the example dossier evaluated under it for each purpose it has.
pub fn rulebook(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(rulebook) = Rulebook::from_toml(text) else { return };
    for purpose in PURPOSES {
        let _ = engine(&rulebook, purpose, dossier());
    }
    // What `rsc rulebook show` would print reads back as the same rulebook.
    let shown = rulebook.to_toml();
    let again = Rulebook::from_toml(&shown).expect("a rulebook's own file reads back");
    assert_eq!(again, rulebook, "a rulebook survives its own file");
}

/// A dossier, evaluated under every built-in rulebook for both purposes, twice: the engine is
/// a function of its input.
pub fn evaluate(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(dossier) = Dossier::from_json(text) else { return };
    for id in rsc_rules::builtin_ids() {
        let rulebook = rsc_rules::builtin(id).expect("a built-in rulebook");
        for purpose in PURPOSES {
            let first = engine(&rulebook, purpose, &dossier);
            let again = engine(&rulebook, purpose, &dossier);
            match (first, again) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{id}: the same dossier, the same evaluation"),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
                _ => panic!("{id}: one evaluation failed and the other did not"),
            }
        }
    }
}

/// A signed export, checked without and with the published server keys of the fixture.
pub fn verify(data: &[u8]) {
    static KEYS: OnceLock<Vec<rsc_export::PublishedKey>> = OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        let path = crate::crate_dir().join("../rsc-export/tests/fixtures/server-keys-v1.json");
        serde_json::from_slice(&std::fs::read(path).expect("the fixture's keys")).expect("keys")
    });
    let without = rsc_export::verify(data, None);
    let with = rsc_export::verify(data, Some(keys));
    // The server's keys add a check; they never make a forged export pass.
    if without.is_err() {
        assert!(with.is_err(), "an export that fails alone passes with the server's keys");
    }
}

/// A registry CSV as staff import it.
pub fn registry_csv(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(records) = rsc_service::registry::parse_csv(text, "staff@example.org", "fuzz.csv", 1_748_736_000_000) {
        for record in records {
            assert!(!record.number.is_empty(), "a record read has its endorsement number");
        }
    }
}
