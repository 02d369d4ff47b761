//! Offline verification of an export: each check, and which one failed and why.

use std::collections::BTreeSet;

use base64::Engine;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use rsc_doc::SignedStatement;
use rsc_model::{AttestedFields, Confirmation, CredentialRecord, StatementKind};
use serde::{Deserialize, Serialize};

use crate::{Export, FORMAT, render_value, signing_message};

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
        .map_err(|e| VerifyError::Format(format!("not an {FORMAT} export: {e}")))?;
    // Every byte must mean something: a field the format does not know, or one it would fill
    // in by default, could be changed without changing what was signed.
    if serde_json::to_value(&export).ok().as_ref() != Some(&value) {
        return Err(VerifyError::Format("the file holds fields that are not part of the export format".into()));
    }
    if export.format != FORMAT {
        return Err(VerifyError::Format(format!("format `{}` is not {FORMAT}", export.format)));
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
    let message = signing_message(&export.payload).map_err(|e| VerifyError::Format(e.to_string()))?;
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
            (Confirmation::Disputed, StatementKind::Dispute) => c.vouches_for(fields, None),
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

    // 3. The providers' credentials are exactly the registry records included.
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
            })
            .collect();
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
