//! Offline verification of an export: each check, and which one failed and why.

use std::collections::BTreeSet;

use base64::Engine;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use rsc_doc::SignedStatement;
use rsc_model::{AttestedFields, Confirmation, CredentialRecord, StatementKind};
use serde::{Deserialize, Serialize};

use crate::{Export, FORMAT, FORMAT_V1, FORMAT_V2, render_value, signing_message};

/// A server key as `GET /v1/server-keys` publishes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedKey {
    /// The key's id.
    pub id: String,
    /// Its public half, hex.
    pub public_key: String,
    /// When it was made.
    pub created_at_ms: i64,
    /// When it stopped signing (it stays published for verification).
    pub retired_at_ms: Option<i64>,
}

/// The check that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// Not an export file at all.
    #[error("format: {0}")]
    Format(String),
    /// The bytes differ from the canonical rendering of what they contain.
    #[error("canonical form: {0}")]
    NotCanonical(String),
    /// The server signature is not valid, or the key is not the server's.
    #[error("server signature: {0}")]
    ServerSignature(String),
    /// A provider statement is missing, invalid, or does not match its session.
    #[error("attestation for session {session}: {reason}")]
    Attestation {
        /// The session.
        session: String,
        /// What is wrong.
        reason: String,
    },
    /// The dossier's credentials do not match the registry records included.
    #[error("registry records: {0}")]
    Registry(String),
    /// The dossier itself is invalid.
    #[error("dossier: {0}")]
    Dossier(String),
    /// Evaluating the dossier again gives a different evaluation.
    #[error("evaluation: {0}")]
    Evaluation(String),
}

/// What a successful verification established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// The export's format (`rsc-export/2`, or the first one).
    pub format: String,
    /// The export's own id, from `rsc-export/2` on.
    pub export_id: Option<String>,
    /// The signing key's id.
    pub key_id: String,
    /// Whether the key was checked against published server keys (else only the embedded one).
    pub key_published: bool,
    /// The applicant.
    pub applicant: String,
    /// Rulebook id and purpose.
    pub rulebook: String,
    /// The purpose.
    pub purpose: String,
    /// Sessions in the dossier.
    pub sessions: usize,
    /// Provider statements verified.
    pub attestations: usize,
    /// Registry records checked.
    pub registry_records: usize,
    /// The evaluation's outcome.
    pub eligible: bool,
}

/// Checks `bytes` as an export file; `server_keys` are the server's published keys, when the
/// reviewer has them.
pub fn verify(bytes: &[u8], server_keys: Option<&[PublishedKey]>) -> Result<VerifyReport, VerifyError> {
    let text = std::str::from_utf8(bytes).map_err(|_| VerifyError::Format("the file is not UTF-8 text".into()))?;
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| VerifyError::Format(format!("not JSON: {e}")))?;
    let canonical = render_value(&value).map_err(|e| VerifyError::Format(e.to_string()))?;
    if canonical != text {
        let at =
            canonical.bytes().zip(text.bytes()).position(|(a, b)| a != b).unwrap_or(canonical.len().min(text.len()));
        return Err(VerifyError::NotCanonical(format!(
            "the file differs from its canonical form at byte {at}: it was edited"
        )));
    }
    let export: Export = serde_json::from_value(value.clone())
        .map_err(|e| VerifyError::Format(format!("not an {FORMAT}, {FORMAT_V2} or {FORMAT_V1} export: {e}")))?;
    // Every byte must mean something: a field the format does not know, or one it would fill
    // in by default, could be changed without changing what was signed.
    if serde_json::to_value(&export).ok().as_ref() != Some(&value) {
        return Err(VerifyError::Format("the file holds fields that are not part of the export format".into()));
    }
    let trainings = !export.payload.trainings.is_empty();
    match (export.format.as_str(), &export.payload.export_id) {
        (FORMAT, Some(id)) if !id.is_empty() => {}
        (FORMAT_V2, Some(id)) if !id.is_empty() && !trainings => {}
        (FORMAT | FORMAT_V2, _) => {
            return Err(VerifyError::Format(format!(
                "an {} export carries its own id{}",
                export.format,
                if export.format == FORMAT_V2 { ", and no trainings" } else { "" }
            )));
        }
        (FORMAT_V1, None) if export.payload.group_sizes.is_empty() && !trainings => {}
        (FORMAT_V1, _) => {
            return Err(VerifyError::Format(format!(
                "an {FORMAT_V1} export has no export id, no group sizes and no trainings"
            )));
        }
        (other, _) => {
            return Err(VerifyError::Format(format!(
                "format `{other}` is none of {FORMAT}, {FORMAT_V2} and {FORMAT_V1}: a newer app may read it"
            )));
        }
    }

    // 1. The server's signature.
    let signature = &export.signature;
    let key_published = match server_keys {
        Some(keys) => {
            let published = keys.iter().find(|k| k.id == signature.key_id).ok_or_else(|| {
                VerifyError::ServerSignature(format!(
                    "key {} is not among the server's published keys",
                    signature.key_id
                ))
            })?;
            // Byte for byte: an export whose key is spelled differently is not the one signed.
            if published.public_key != signature.public_key {
                return Err(VerifyError::ServerSignature(format!(
                    "key {} in the export differs from the published key of that id",
                    signature.key_id
                )));
            }
            true
        }
        None => false,
    };
    let public: [u8; 32] = hex::decode(&signature.public_key)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| VerifyError::ServerSignature("the public key is not 64 hex digits".into()))?;
    if hex::encode(public) != signature.public_key {
        return Err(VerifyError::ServerSignature("the public key is not written in lower-case hex as signed".into()));
    }
    let key =
        VerifyingKey::from_bytes(&public).map_err(|_| VerifyError::ServerSignature("not an ed25519 key".into()))?;
    let sig: [u8; 64] = base64::engine::general_purpose::STANDARD
        .decode(&signature.value)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| VerifyError::ServerSignature("the signature is not 64 bytes of base64".into()))?;
    let message = signing_message(&export.format, &export.payload).map_err(|e| VerifyError::Format(e.to_string()))?;
    key.verify(&message, &Signature::from_bytes(&sig))
        .map_err(|_| VerifyError::ServerSignature("does not match the payload: the export was altered".into()))?;

    let payload = &export.payload;
    let dossier = &payload.dossier;
    dossier.validate().map_err(|e| VerifyError::Dossier(e.to_string()))?;
    if dossier.applicant.id.as_str() != payload.applicant.id {
        return Err(VerifyError::Dossier("the dossier is about someone other than the applicant".into()));
    }

    // 2. Every confirmed or disputed session rests on a valid statement that matches it.
    let mut used = BTreeSet::new();
    for session in &dossier.sessions {
        let Some(confirmation) = session.confirmation else { continue };
        let fail = |reason: String| VerifyError::Attestation { session: session.id.to_string(), reason };
        let (index, statement) = payload
            .attestations
            .iter()
            .enumerate()
            .filter(|(_, a)| a.session_id == session.id.as_str())
            .find_map(|(i, a)| decode(&a.statement).ok().map(|s| (i, s)))
            .ok_or_else(|| fail("no provider statement is included".into()))?;
        used.insert(index);
        if !statement.verify() {
            return Err(fail("the provider's signature is not valid".into()));
        }
        let c = &statement.content;
        let fields = AttestedFields {
            session_id: &session.id,
            attendee: &dossier.applicant.id,
            provider: &session.provider,
            date: session.date,
            session_minutes: session.minutes,
            kind: session.kind,
            format: session.format,
            about_own_rsc_practice: session.about_own_rsc_practice,
        };
        let matches = match (confirmation, c.kind) {
            (Confirmation::Confirmed { minutes }, StatementKind::Confirm) => c.vouches_for(fields, Some(minutes)),
            (Confirmation::Disputed, StatementKind::Dispute) => c.vouches_for(fields, session.minutes_attended),
            _ => false,
        };
        if !matches {
            return Err(fail("the signed statement does not match the session as exported".into()));
        }
        if c.kind == StatementKind::Confirm
            && c.signed_at_ms < rsc_model::earliest_end_ms(session.date, session.minutes)
        {
            return Err(fail("the confirmation was signed before the session could have ended".into()));
        }
    }
    if let Some((_, extra)) = payload.attestations.iter().enumerate().find(|(i, _)| !used.contains(i)) {
        return Err(VerifyError::Attestation {
            session: extra.session_id.clone(),
            reason: "a statement is included for no confirmed or disputed session".into(),
        });
    }

    // A group's size is given for exactly the group sessions, and is a size.
    for (session, size) in &payload.group_sizes {
        let group =
            dossier.sessions.iter().any(|s| s.id.as_str() == session && s.kind == rsc_model::SessionKind::Group);
        if !group || *size == 0 {
            return Err(VerifyError::Dossier(format!(
                "a group size is given for {session}, which is no group session"
            )));
        }
    }
    // The trainings described are exactly the dossier's, as the dossier counts them.
    if export.format == FORMAT {
        let mut described: Vec<(&str, rsc_model::Date, u32, rsc_model::TrainingTopic)> =
            payload.trainings.iter().map(|t| (t.id.as_str(), t.date, t.minutes, t.topic)).collect();
        let mut counted: Vec<(&str, rsc_model::Date, u32, rsc_model::TrainingTopic)> =
            dossier.trainings.iter().flatten().map(|t| (t.id.as_str(), t.date, t.minutes, t.topic)).collect();
        described.sort();
        counted.sort();
        if dossier.trainings.is_none() || described != counted {
            return Err(VerifyError::Dossier("the trainings described are not the dossier's trainings".into()));
        }
    }
    if export.format != FORMAT_V1
        && let Some(missing) = dossier
            .sessions
            .iter()
            .find(|s| s.kind == rsc_model::SessionKind::Group && !payload.group_sizes.contains_key(s.id.as_str()))
    {
        return Err(VerifyError::Dossier(format!("the group session {} has no size", missing.id)));
    }

    // 3. The providers' credentials are exactly the registry records included (with their
    // association, which dossiers made before it was carried leave out).
    for provider in &dossier.providers {
        let mut from_registry: Vec<CredentialRecord> = payload
            .registry_records
            .iter()
            .filter(|r| r.provider_id == provider.id.as_str())
            .map(|r| CredentialRecord {
                credential: r.credential,
                earned_on: r.earned_on,
                valid_through: r.valid_through,
                revoked_on: r.revoked_on,
                association: Some(r.association.clone()),
            })
            .collect();
        if provider.credentials.iter().all(|c| c.association.is_none()) {
            from_registry.iter_mut().for_each(|r| r.association = None);
        }
        let mut in_dossier = provider.credentials.clone();
        let key = |r: &CredentialRecord| (r.credential, r.earned_on, r.valid_through, r.revoked_on);
        from_registry.sort_by_key(key);
        in_dossier.sort_by_key(key);
        if from_registry != in_dossier {
            return Err(VerifyError::Registry(format!(
                "provider {}'s credentials in the dossier differ from the registry records included",
                provider.id
            )));
        }
    }

    // 4. Evaluating the dossier again gives the evaluation included.
    let again = rsc_rules::evaluate(&payload.rulebook, payload.purpose, dossier)
        .map_err(|e| VerifyError::Evaluation(format!("the dossier does not evaluate: {e}")))?;
    if serde_json::to_value(&again).ok() != serde_json::to_value(&payload.evaluation).ok() {
        return Err(VerifyError::Evaluation("evaluating the dossier again gives a different result".into()));
    }

    Ok(VerifyReport {
        format: export.format.clone(),
        export_id: payload.export_id.clone(),
        key_id: signature.key_id.clone(),
        key_published,
        applicant: payload.applicant.display_name.clone(),
        rulebook: payload.rulebook.id.clone(),
        purpose: payload.purpose.to_string(),
        sessions: dossier.sessions.len(),
        attestations: used.len(),
        registry_records: payload.registry_records.len(),
        eligible: payload.evaluation.eligible,
    })
}

fn decode(statement: &str) -> Result<SignedStatement, String> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(statement).map_err(|e| e.to_string())?;
    SignedStatement::from_bytes(&bytes).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Export, sign_and_render};

    /// An export the server of 2026-12-06 handed out, in the first format, with that server's
    /// published keys and its (test-only) signing key.
    const V1: &str = include_str!("../tests/fixtures/export-v1.json");
    const V1_KEYS: &str = include_str!("../tests/fixtures/server-keys-v1.json");
    const V1_SERVER: &str = include_str!("../tests/fixtures/export-v1-server.json");

    fn keys() -> Vec<PublishedKey> {
        serde_json::from_str(V1_KEYS).expect("published keys")
    }

    fn secret() -> (String, [u8; 32]) {
        let server: serde_json::Value = serde_json::from_str(V1_SERVER).expect("fixture");
        let secret = hex::decode(server["secret_hex"].as_str().expect("secret")).expect("hex");
        (server["key_id"].as_str().expect("id").to_string(), secret.try_into().expect("32 bytes"))
    }

    /// The fixture's payload signed again, now, in the current format under `id`: its dossier
    /// of version 2 (no training yet) and evaluated again, then `edit`ed.
    fn v2(id: &str, edit: impl FnOnce(&mut crate::Payload)) -> String {
        let export: Export = serde_json::from_str(V1).expect("export");
        let mut payload = export.payload;
        payload.export_id = Some(id.to_string());
        payload.dossier.trainings = Some(Vec::new());
        payload.evaluation =
            rsc_rules::evaluate(&payload.rulebook, payload.purpose, &payload.dossier).expect("evaluates");
        edit(&mut payload);
        let (key_id, secret) = secret();
        sign_and_render(payload, &key_id, &secret).expect("signed")
    }

    fn training(id: &str, minutes: u32) -> (rsc_model::DossierTraining, crate::ExportedTraining) {
        let date: rsc_model::Date = "2025-02-01".parse().expect("date");
        let topic = rsc_model::TrainingTopic::Rsc;
        (
            rsc_model::DossierTraining { id: rsc_model::Id::new(id, "id").expect("id"), date, minutes, topic },
            crate::ExportedTraining {
                id: id.into(),
                title: "Reflective supervision".into(),
                organiser: "NMAIMH".into(),
                date,
                minutes,
                topic,
                certificate: Some("ab".repeat(32)),
            },
        )
    }

    #[test]
    fn the_trainings_described_are_the_dossiers_and_signed() {
        let with = |described: u32| {
            v2("DDDDDDDDDDDDDDDDDDDDDDDDDD", move |p| {
                p.dossier.trainings = Some(vec![training("t1", 180).0]);
                p.evaluation = rsc_rules::evaluate(&p.rulebook, p.purpose, &p.dossier).expect("evaluates");
                p.trainings = vec![training("t1", described).1];
            })
        };
        let good = with(180);
        let report = verify(good.as_bytes(), Some(&keys())).expect("verifies");
        assert_eq!(report.format, FORMAT);
        assert!(good.contains("\"title\": \"Reflective supervision\""), "{good}");
        // Signed: a title changed afterwards breaks the signature.
        let retitled = good.replace("Reflective supervision", "Reflective supervisiom");
        assert!(matches!(verify(retitled.as_bytes(), Some(&keys())), Err(VerifyError::ServerSignature(_))));
        // Described otherwise than the dossier counts it: refused even when signed.
        let other = with(240);
        assert!(
            matches!(verify(other.as_bytes(), Some(&keys())), Err(VerifyError::Dossier(m)) if m.contains("trainings"))
        );
    }

    #[test]
    fn an_export_of_the_second_format_still_verifies() {
        let export: Export = serde_json::from_str(V1).expect("export");
        let mut payload = export.payload;
        payload.export_id = Some("EEEEEEEEEEEEEEEEEEEEEEEEEE".into());
        let (key_id, secret) = secret();
        let key = ed25519_dalek::SigningKey::from_bytes(&secret);
        let message = crate::signing_message(FORMAT_V2, &payload).expect("message");
        let signature = ed25519_dalek::Signer::sign(&key, &message);
        let v2 = crate::render(&Export {
            format: FORMAT_V2.into(),
            payload,
            signature: crate::ServerSignature {
                key_id,
                public_key: hex::encode(key.verifying_key().to_bytes()),
                value: base64::Engine::encode(&base64::engine::general_purpose::STANDARD, signature.to_bytes()),
            },
        })
        .expect("render");
        let report = verify(v2.as_bytes(), Some(&keys())).expect("the second format verifies");
        assert_eq!(report.format, FORMAT_V2);
        // Relabelled as the current format, its signature no longer matches.
        let relabeled = v2.replacen(FORMAT_V2, FORMAT, 1);
        assert!(verify(relabeled.as_bytes(), Some(&keys())).is_err());
    }

    #[test]
    fn an_export_handed_out_in_the_first_format_still_verifies() {
        let report = verify(V1.as_bytes(), Some(&keys())).expect("the first format verifies");
        assert_eq!((report.format.as_str(), report.export_id.as_deref()), (FORMAT_V1, None));
        assert_eq!((report.sessions, report.attestations, report.registry_records), (2, 2, 1));
        assert_eq!(report.applicant, "José Ramírez Peña");
    }

    #[test]
    fn a_first_format_export_altered_in_any_way_fails() {
        let relabeled = V1.replacen(FORMAT_V1, FORMAT, 1);
        assert!(
            matches!(verify(relabeled.as_bytes(), Some(&keys())), Err(VerifyError::Format(_))),
            "a v2 needs its id"
        );
        let with_id = V1.replacen("\"payload\": {\n", "\"payload\": {\n    \"export_id\": \"X\",\n", 1);
        assert!(verify(with_id.as_bytes(), Some(&keys())).is_err(), "nor may a v1 gain one");
        let minutes = V1.replacen("\"minutes_attended\": 60", "\"minutes_attended\": 59", 1);
        assert_ne!(minutes, V1);
        assert!(verify(minutes.as_bytes(), Some(&keys())).is_err());
        let other_key = keys().into_iter().map(|mut k| {
            k.public_key = "00".repeat(32);
            k
        });
        assert!(matches!(
            verify(V1.as_bytes(), Some(&other_key.collect::<Vec<_>>())),
            Err(VerifyError::ServerSignature(_))
        ));
    }

    #[test]
    fn the_current_format_carries_its_id_inside_what_is_signed() {
        let (a, b) = (v2("AAAAAAAAAAAAAAAAAAAAAAAAAA", |_| {}), v2("BBBBBBBBBBBBBBBBBBBBBBBBBB", |_| {}));
        assert_ne!(a, b, "the same hours exported twice at once are two exports");
        let report = verify(a.as_bytes(), Some(&keys())).expect("verifies");
        assert_eq!((report.format.as_str(), report.export_id.as_deref()), (FORMAT, Some("AAAAAAAAAAAAAAAAAAAAAAAAAA")));
        // The id is signed: changing it breaks the signature.
        let swapped = a.replace("AAAAAAAAAAAAAAAAAAAAAAAAAA", "BBBBBBBBBBBBBBBBBBBBBBBBBB");
        assert!(matches!(verify(swapped.as_bytes(), Some(&keys())), Err(VerifyError::ServerSignature(_))));
        // Signed under the first format's domain, the same payload does not verify as the second.
        let export: Export = serde_json::from_str(&a).expect("export");
        assert_ne!(
            crate::signing_message(FORMAT, &export.payload).expect("v2"),
            crate::signing_message(FORMAT_V1, &export.payload).expect("v1")
        );
        let (key_id, secret) = secret();
        let mut no_id: Export = serde_json::from_str(V1).expect("export");
        no_id.payload.export_id = None;
        assert!(sign_and_render(no_id.payload, &key_id, &secret).is_err(), "the server never signs one without an id");
    }

    #[test]
    fn group_sizes_are_for_group_sessions_only() {
        let export: Export = serde_json::from_str(V1).expect("export");
        let individual = export.payload.dossier.sessions[0].id.to_string();
        let wrong = v2("CCCCCCCCCCCCCCCCCCCCCCCCCC", |p| {
            p.group_sizes.insert(individual.clone(), 5);
        });
        assert!(
            matches!(verify(wrong.as_bytes(), Some(&keys())), Err(VerifyError::Dossier(m)) if m.contains("no group session"))
        );
    }

    #[test]
    fn bytes_that_are_not_the_signed_export_are_named_as_such() {
        assert!(matches!(verify(&[0xff, 0xfe], Some(&keys())), Err(VerifyError::Format(m)) if m.contains("UTF-8")));
        assert!(
            matches!(verify(b"{\"format\":", Some(&keys())), Err(VerifyError::Format(m)) if m.contains("not JSON"))
        );
        // The same JSON laid out differently: not the bytes the digest and link name.
        let spaced = V1.replacen("{\n", "{ \n", 1);
        assert!(matches!(verify(spaced.as_bytes(), Some(&keys())), Err(VerifyError::NotCanonical(_))));
        // A field the format does not know, even written canonically, could change unsigned.
        let mut value: serde_json::Value = serde_json::from_str(V1).expect("json");
        value["payload"]["note"] = serde_json::Value::from("added later");
        let extra = crate::render_value(&value).expect("canonical");
        assert!(
            matches!(
                verify(extra.as_bytes(), Some(&keys())),
                Err(VerifyError::Format(m)) if m.contains("not part of the export format") || m.contains("unknown field `note`")
            ),
            "{:?}",
            verify(extra.as_bytes(), Some(&keys()))
        );
        // Without the server's published keys the signature shows only that someone signed it.
        let unchecked = verify(V1.as_bytes(), None);
        assert!(unchecked.is_err() || unchecked.as_ref().is_ok_and(|r| !r.key_published), "{unchecked:?}");
        // A key of another id than the published ones.
        let renamed: Vec<PublishedKey> = keys()
            .into_iter()
            .map(|mut k| {
                k.id = format!("{}-other", k.id);
                k
            })
            .collect();
        assert!(
            matches!(verify(V1.as_bytes(), Some(&renamed)), Err(VerifyError::ServerSignature(m)) if m.contains("not among"))
        );
    }
}
