//! The built-in rulebooks. Each is a TOML file in `rulebooks/`, embedded in the binary, so
//! what `rsc rulebook show` prints (comments and sources included) is exactly what is evaluated.

use crate::{Rulebook, RulesError};

const BUILTINS: &[(&str, &str)] = &[
    ("nmaimh", include_str!("../rulebooks/nmaimh.toml")),
    ("orimha", include_str!("../rulebooks/orimha.toml")),
    ("ct-aimh", include_str!("../rulebooks/ct-aimh.toml")),
];

/// The ids of the built-in rulebooks.
pub fn builtin_ids() -> impl Iterator<Item = &'static str> {
    BUILTINS.iter().map(|(id, _)| *id)
}

/// The file text of a built-in rulebook.
pub fn builtin_source(id: &str) -> Option<&'static str> {
    BUILTINS.iter().find(|(known, _)| *known == id).map(|(_, text)| *text)
}

/// A built-in rulebook by id.
pub fn builtin(id: &str) -> Option<Rulebook> {
    // The embedded files are checked by this crate's tests, so parsing cannot fail at run time.
    builtin_source(id).and_then(|text| Rulebook::from_toml(text).ok())
}

/// A rulebook given as a built-in id, or as the text of a rulebook file (TOML). Reading files is
/// the caller's business: this crate does no I/O, so a phone and a server resolve alike.
pub fn resolve(id_or_text: &str) -> Result<Rulebook, RulesError> {
    if let Some(rulebook) = builtin(id_or_text) {
        return Ok(rulebook);
    }
    // An id is one word; rulebook text has at least one `key = value` line.
    if !id_or_text.contains('=') {
        return Err(RulesError::UnknownRulebook(id_or_text.trim().to_string()));
    }
    if id_or_text.len() > crate::MAX_RULEBOOK_BYTES {
        return Err(RulesError::rulebook(
            "rulebook",
            format!("is {} bytes; the limit is {}", id_or_text.len(), crate::MAX_RULEBOOK_BYTES),
        ));
    }
    Rulebook::from_toml(id_or_text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Purpose;

    #[test]
    fn every_builtin_parses_and_round_trips() {
        for id in builtin_ids() {
            let rulebook = builtin(id)
                .unwrap_or_else(|| panic!("{id} parses: {:?}", Rulebook::from_toml(builtin_source(id).unwrap_or(""))));
            assert_eq!(rulebook.id, id);
            // What `rsc rulebook show` prints loads back identical...
            let shown = builtin_source(id).expect("source");
            assert_eq!(Rulebook::from_toml(shown).expect("shown"), rulebook);
            // ...and so does the canonical serialization.
            assert_eq!(Rulebook::from_toml(&rulebook.to_toml()).expect("serialized"), rulebook);
        }
    }

    #[test]
    fn builtins_match_the_contract_table() {
        let nm = builtin("nmaimh").expect("nmaimh");
        let app = nm.application.as_ref().expect("application");
        assert_eq!((app.window_months, app.min_span_months, app.post_masters), (Some(24), Some(12), false));
        assert_eq!(app.requirements[0].required_minutes, 3000);
        let renewal = nm.renewal.as_ref().expect("renewal");
        assert_eq!(renewal.requirements[0].tests.len(), 2);
        assert_eq!(renewal.requirements[0].tests[1].months, Some(24));

        let or = builtin("orimha").expect("orimha");
        assert_eq!(or.purposes(), vec![Purpose::Application]);
        let reqs = &or.application.as_ref().expect("application").requirements;
        assert_eq!(
            (reqs[1].id.as_str(), reqs[1].required, reqs[1].required_minutes),
            ("rsc_about_own_practice", false, 1500)
        );

        let ct = builtin("ct-aimh").expect("ct-aimh");
        let app = ct.application.as_ref().expect("application");
        assert_eq!((app.window_months, app.min_span_months, app.post_masters), (None, None, true));
        assert!(app.requirements[1].required);
        assert_eq!(ct.renewal.as_ref().expect("renewal").requirements[0].tests[0].required_minutes, 720);
    }

    #[test]
    fn unknown_ids_and_bad_files_are_named() {
        assert!(matches!(resolve("mi-aimh"), Err(RulesError::UnknownRulebook(id)) if id == "mi-aimh"));
        // Rulebook text resolves as well as an id; too much of it is refused unread.
        let text = builtin_source("orimha").expect("source");
        assert_eq!(resolve(text).expect("text"), builtin("orimha").expect("orimha"));
        let huge = format!("{text}\n# {}", "x".repeat(crate::MAX_RULEBOOK_BYTES));
        assert!(resolve(&huge).expect_err("too long").to_string().contains("the limit is"));
        let bad = builtin_source("nmaimh").expect("source").replace("window_months = 24", "window_months = 0");
        let err = Rulebook::from_toml(&bad).expect_err("zero window");
        assert!(err.to_string().contains("application.window_months"), "{err}");
        let bad = builtin_source("nmaimh").expect("source").replace("min_span_months = 12", "min_span_months = 24");
        assert!(Rulebook::from_toml(&bad).expect_err("span").to_string().contains("min_span_months"));
        let bad = builtin_source("ct-aimh").expect("source").replace("topic = \"any\"", "topic = \"all\"");
        let err = Rulebook::from_toml(&bad).expect_err("topic");
        assert!(err.to_string().contains("line"), "{err}");
        let bad = builtin_source("ct-aimh")
            .expect("source")
            .replace("post_masters = true", "post_masters = true\nwindow = 3");
        assert!(Rulebook::from_toml(&bad).expect_err("unknown key").to_string().contains("window"));
    }
}
