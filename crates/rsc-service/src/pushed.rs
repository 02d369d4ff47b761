//! A pushed document read at the door, for session and training documents alike: its id and
//! changes decoded (each authored by the pushing device), the changes it does not hold yet and
//! what they expand to, and the refusal that names what was wrong.

use std::collections::HashSet;

use automerge::Change;
use rsc_doc::{ActorId, DocError, SessionDoc};
use rsc_model::Id;
use rsc_protocol::{DocPush, DocRefusal, RefusalCode};

use crate::auth::AuthDevice;
use crate::store::NewChange;

/// A refusal of `doc` with `code`, naming `field` when one is to blame.
pub(crate) fn refusal(doc: &str, code: RefusalCode, error: impl std::fmt::Display, field: Option<&str>) -> DocRefusal {
    DocRefusal { doc: doc.to_string(), code, field: field.map(str::to_string), message: error.to_string() }
}

/// The refusal of `doc` for what the document layer found wrong with it.
pub(crate) fn doc_refusal(doc: &str, error: DocError) -> DocRefusal {
    match &error {
        DocError::Malformed(_) => refusal(doc, RefusalCode::Undecodable, &error, None),
        DocError::Invalid { field, .. } => refusal(doc, RefusalCode::InvalidSession, &error, Some(field)),
        DocError::NotAllowed(_) => refusal(doc, RefusalCode::NotAllowed, &error, None),
        DocError::MissingDependency(_) => refusal(doc, RefusalCode::MissingDependencies, &error, None),
        DocError::Crypto(_) => refusal(doc, RefusalCode::InvalidSession, &error, None),
    }
}

/// A push read at the door: its id checked and its changes decoded, each authored by this
/// device's actor.
pub(crate) fn decode(device: &AuthDevice, push: &DocPush) -> Result<Vec<Change>, DocRefusal> {
    let doc_id = &push.doc;
    if let Err(error) = Id::new(doc_id.as_str(), "doc") {
        return Err(refusal(doc_id, RefusalCode::InvalidSession, error, Some("doc")));
    }
    let own_actor = ActorId::from(device.device.actor_id.clone());
    let mut decoded = Vec::with_capacity(push.changes.len());
    for bytes in &push.changes {
        let change = SessionDoc::decode_change(&bytes.0).map_err(|error| doc_refusal(doc_id, error))?;
        if change.actor_id() != &own_actor {
            return Err(refusal(
                doc_id,
                RefusalCode::ForeignActor,
                format!("a change was authored by actor {}, not by this device ({own_actor})", change.actor_id()),
                None,
            ));
        }
        decoded.push(change);
    }
    Ok(decoded)
}

/// The pushed changes a document does not hold yet (`held` says which it does), each once however
/// often a push repeats it, and what its changes expand to with them, from `expanded_before`:
/// the stored changes are the document.
pub(crate) fn unstored(
    changes: &[Change],
    mut held: impl FnMut(&rsc_doc::ChangeHash) -> bool,
    expanded_before: i64,
) -> (Vec<NewChange>, i64) {
    let mut expanded = expanded_before;
    let mut seen = HashSet::new();
    let new = changes
        .iter()
        .filter(|c| seen.insert(c.hash()) && !held(&c.hash()))
        .map(|c| {
            expanded += c.raw_bytes().len() as i64;
            NewChange { actor_id: c.actor_id().to_bytes().to_vec(), bytes: c.raw_bytes().to_vec() }
        })
        .collect();
    (new, expanded)
}

/// The refusal of a document whose changes would expand to `expanded` bytes, past the limit.
pub(crate) fn too_large(doc_id: &str, expanded: i64) -> Option<DocRefusal> {
    (expanded > rsc_doc::MAX_DOCUMENT_BYTES as i64).then(|| {
        refusal(
            doc_id,
            RefusalCode::DocumentTooLarge,
            format!(
                "the document's changes would expand to {expanded} bytes; the limit is {}",
                rsc_doc::MAX_DOCUMENT_BYTES
            ),
            None,
        )
    })
}
