//! A pushed change onto a real stored session document, through the rules the server judges
//! every push by ([`SessionDoc::apply_pushed`]).
//!
//! The stored document is `data/session.automerge`: a group session Pat provided, logged by
//! Ana with Ben attending. The first byte of the input picks who pushes (Ana, Pat, Ben or a
//! stranger) and whether onto that document or an empty one; the rest is framed changes.

use std::sync::OnceLock;

use rsc_doc::SessionDoc;
use rsc_model::Id;

/// The people of the stored session.
pub const ANA: &str = "0195d2a0-0000-7000-8000-00000000a0a0";
pub const PAT: &str = "0195d2a0-0000-7000-8000-00000000fa70";
pub const BEN: &str = "0195d2a0-0000-7000-8000-00000000be70";
pub const STRANGER: &str = "0195d2a0-0000-7000-8000-000000005700";
/// When pushes are judged: 2025-06-01, some weeks after the session.
pub const NOW_MS: i64 = 1_748_736_000_000;

/// The stored document's file.
pub fn stored_path() -> std::path::PathBuf {
    crate::crate_dir().join("data/session.automerge")
}

/// The stored document as its file holds it.
fn stored() -> &'static SessionDoc {
    static STORED: OnceLock<SessionDoc> = OnceLock::new();
    STORED.get_or_init(|| {
        let bytes = std::fs::read(stored_path()).expect("data/session.automerge");
        SessionDoc::load(&bytes).expect("the stored session loads")
    })
}

/// The fuzz target.
pub fn apply_pushed(data: &[u8]) {
    let Some((&choice, rest)) = data.split_first() else { return };
    let author = Id::new([ANA, PAT, BEN, STRANGER][usize::from(choice & 3)], "author").expect("id");
    let mut changes = Vec::new();
    for frame in crate::frames(rest) {
        match SessionDoc::decode_change(frame) {
            Ok(change) => changes.push(change),
            Err(_) => return,
        }
    }
    let mut doc = if choice & 4 == 0 { stored().clone() } else { SessionDoc::empty() };
    let before = doc.heads();
    match doc.apply_pushed(&changes, &author, NOW_MS) {
        Ok(Some(session)) => {
            // What was accepted reads back as the session the checks saw, and keeps its rules.
            let read = doc.session().expect("an accepted push leaves a document that reads");
            assert_eq!(read, session, "the session returned is the document's");
            read.validate().expect("an accepted push keeps the session valid");
            let saved = doc.save();
            SessionDoc::load(&saved).expect("an accepted push leaves a document that loads");
        }
        Ok(None) => assert!(doc.heads().is_empty(), "only an empty document reads as none"),
        Err(_) => assert_eq!(doc.heads(), before, "a refused push leaves the document as it was"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the fuzzer: changes that made Automerge panic while applying them (a server
    /// worker's panic, or an app's crash on a pulled page), and changes that were accepted but
    /// left a document whose saved bytes no longer load (encoded otherwise than Automerge
    /// encodes, numbered from the wrong operation, carrying marks). Each is refused as
    /// malformed now, and the document is left as it was.
    #[test]
    fn every_change_that_once_broke_a_document_is_refused_as_malformed() {
        let dir = crate::crate_dir().join("regressions/apply_pushed");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).expect("regressions") {
            let path = entry.expect("entry").path();
            let input = std::fs::read(&path).expect("the regression");
            let author = Id::new([ANA, PAT, BEN, STRANGER][usize::from(input[0] & 3)], "author").expect("id");
            let decoded: Result<Vec<_>, _> =
                crate::frames(&input[1..]).into_iter().map(SessionDoc::decode_change).collect();
            let mut doc = if input[0] & 4 == 0 { stored().clone() } else { SessionDoc::empty() };
            let before = doc.heads();
            let refused = decoded.and_then(|changes| doc.apply_pushed(&changes, &author, NOW_MS));
            assert!(matches!(refused, Err(rsc_doc::DocError::Malformed(_))), "{}: {refused:?}", path.display());
            assert_eq!(doc.heads(), before);
            seen += 1;
        }
        assert!(seen >= 6, "{seen} regressions");
    }

    /// A device receiving such a change with the session refuses the page's document the same way.
    #[test]
    fn a_pulled_session_with_a_change_automerge_panics_on_is_refused() {
        let path = crate::crate_dir().join("regressions/apply_pushed/automerge-panics-on-an-unknown-actor");
        let input = std::fs::read(path).expect("the regression");
        let mut changes = stored().clone().changes_since(&[]);
        changes.push(crate::frames(&input[1..])[0].to_vec());
        assert!(matches!(SessionDoc::from_changes(&changes), Err(rsc_doc::DocError::Malformed(_))));
    }
}
