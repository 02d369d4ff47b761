//! Provider statements: the canonical bytes a provider's device signs, the signature, and the
//! stored form that travels inside the session document.
//!
//! # The canonical message (version 1)
//!
//! All integers are big-endian; every text is UTF-8 prefixed by its length in bytes as a `u16`.
//!
//! | bytes | field |
//! |---|---|
//! | 16 | domain tag, the ASCII text `rsc-attestation` followed by the byte `0x01` |
//! | 1 | statement kind: `0x01` confirm, `0x02` dispute |
//! | 2 + n | session id |
//! | 2 + n | attendee id |
//! | 2 + n | provider id |
//! | 10 | session date, ASCII `YYYY-MM-DD` |
//! | 2 | session length in minutes |
//! | 2 | minutes attended: confirmed, or for a dispute the minutes the disputed entry logged (`0` in a dispute that names none, which disputes the entry whatever its minutes) |
//! | 1 | session kind: `0x01` individual, `0x02` group |
//! | 1 | format: `0x01` in person, `0x02` video, `0x03` phone |
//! | 1 | about the attendee's own RS/C practice: `0x00` no, `0x01` yes |
//! | 8 | signed at, milliseconds since the Unix epoch (UTC), signed 64-bit |
//! | 2 + n | reason (empty for a confirmation) |
//!
//! The **digest** is SHA-256 of the message, and the **signature** is Ed25519 by the
//! provider's device key over the 32-byte digest. The domain tag keeps these signatures from
//! being valid for anything else the key may sign. Nothing follows the reason: a message with
//! trailing bytes is refused, so one content has exactly one encoding.
//!
//! # The stored statement
//!
//! `0x01` (format version) ‖ public key (32 bytes) ‖ signature (64 bytes) ‖ message. It is one
//! opaque byte string in the document, so concurrent statements replace each other whole and
//! never mix fields of two signatures.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use rsc_model::{AttestedContent, Date, Id, Minutes, SessionFormat, SessionKind, StatementKind};
use sha2::{Digest, Sha256};

use crate::DocError;

const DOMAIN_TAG: &[u8; 16] = b"rsc-attestation\x01";
const STORED_VERSION: u8 = 1;
/// The longest dispute reason, in bytes.
pub const MAX_REASON_BYTES: usize = 1000;

/// A device's ed25519 key. Generated on the device; only its public half ever leaves it.
pub struct DeviceKey(SigningKey);

impl DeviceKey {
    /// A fresh key from `rng`, a cryptographic random source: the operating system's
    /// (`getrandom::SysRng`) on a device. Taken as an argument so this crate does no I/O.
    pub fn generate<R: rand_core::TryCryptoRng + ?Sized>(rng: &mut R) -> Result<DeviceKey, DocError> {
        let mut secret = [0u8; 32];
        rng.try_fill_bytes(&mut secret).map_err(|e| DocError::Crypto(format!("no randomness for a key: {e}")))?;
        let key = DeviceKey(SigningKey::from_bytes(&secret));
        secret.fill(0);
        Ok(key)
    }

    /// The key from its 32 secret bytes (as kept in the device store).
    pub fn from_secret_bytes(secret: &[u8; 32]) -> DeviceKey {
        DeviceKey(SigningKey::from_bytes(secret))
    }

    /// The 32 secret bytes, for the device store only.
    pub fn secret_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The public key, registered with the server.
    pub fn public_key(&self) -> [u8; 32] {
        self.0.verifying_key().to_bytes()
    }

    /// Signs `content` and returns the statement.
    pub fn sign(&self, content: AttestedContent) -> Result<SignedStatement, DocError> {
        let message = encode_message(&content)?;
        let signature = self.0.sign(&digest_of(&message));
        Ok(SignedStatement { content, public_key: self.public_key(), signature: signature.to_bytes() })
    }
}

impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DeviceKey(public {})", hex::encode(self.public_key()))
    }
}

/// A provider's signed statement about one attendee of one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedStatement {
    /// What it vouches for.
    pub content: AttestedContent,
    /// The signing device's public key.
    pub public_key: [u8; 32],
    /// Ed25519 over the digest of the canonical message.
    pub signature: [u8; 64],
}

impl SignedStatement {
    /// The canonical message (see the module documentation).
    pub fn message(&self) -> Vec<u8> {
        // Content of a signed statement was encodable when it was signed or decoded.
        encode_message(&self.content).unwrap_or_default()
    }

    /// SHA-256 of the canonical message: the statement's identity in the ledger.
    pub fn digest(&self) -> [u8; 32] {
        digest_of(&self.message())
    }

    /// Whether the signature is valid for the content under the embedded public key.
    /// Whether that key belongs to the provider named in the content is the caller's question.
    pub fn verify(&self) -> bool {
        let Ok(key) = VerifyingKey::from_bytes(&self.public_key) else { return false };
        let Ok(message) = encode_message(&self.content) else { return false };
        key.verify(&digest_of(&message), &Signature::from_bytes(&self.signature)).is_ok()
    }

    /// The stored form (see the module documentation).
    pub fn to_bytes(&self) -> Vec<u8> {
        let message = self.message();
        let mut out = Vec::with_capacity(1 + 32 + 64 + message.len());
        out.push(STORED_VERSION);
        out.extend_from_slice(&self.public_key);
        out.extend_from_slice(&self.signature);
        out.extend_from_slice(&message);
        out
    }

    /// Reads the stored form. Refuses anything that is not exactly one well-formed statement.
    pub fn from_bytes(bytes: &[u8]) -> Result<SignedStatement, DocError> {
        let bad = |why: &str| DocError::invalid("statement", why.to_string());
        if bytes.len() < 1 + 32 + 64 || bytes[0] != STORED_VERSION {
            return Err(bad("not a version-1 stored statement"));
        }
        let public_key: [u8; 32] = bytes[1..33].try_into().map_err(|_| bad("short public key"))?;
        let signature: [u8; 64] = bytes[33..97].try_into().map_err(|_| bad("short signature"))?;
        let content = decode_message(&bytes[97..])?;
        Ok(SignedStatement { content, public_key, signature })
    }
}

/// Whether `bytes` are a usable ed25519 public key (a point on the curve).
pub fn is_valid_public_key(bytes: &[u8; 32]) -> bool {
    VerifyingKey::from_bytes(bytes).is_ok()
}

fn digest_of(message: &[u8]) -> [u8; 32] {
    Sha256::digest(message).into()
}

fn put_text(out: &mut Vec<u8>, text: &str, field: &str) -> Result<(), DocError> {
    let len = u16::try_from(text.len()).map_err(|_| DocError::invalid(field, "is too long to attest"))?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(text.as_bytes());
    Ok(())
}

/// The canonical message for `content`.
pub fn encode_message(content: &AttestedContent) -> Result<Vec<u8>, DocError> {
    if content.reason.len() > MAX_REASON_BYTES {
        return Err(DocError::invalid(
            "reason",
            format!("is {} bytes; the limit is {MAX_REASON_BYTES}", content.reason.len()),
        ));
    }
    let mut out = Vec::with_capacity(128 + content.reason.len());
    out.extend_from_slice(DOMAIN_TAG);
    out.push(match content.kind {
        StatementKind::Confirm => 1,
        StatementKind::Dispute => 2,
    });
    put_text(&mut out, content.session_id.as_str(), "session_id")?;
    put_text(&mut out, content.attendee.as_str(), "attendee")?;
    put_text(&mut out, content.provider.as_str(), "provider")?;
    out.extend_from_slice(content.date.to_string().as_bytes());
    out.extend_from_slice(&content.session_minutes.get().to_be_bytes());
    out.extend_from_slice(&content.minutes_attended.map_or(0, Minutes::get).to_be_bytes());
    out.push(match content.session_kind {
        SessionKind::Individual => 1,
        SessionKind::Group => 2,
    });
    out.push(match content.format {
        SessionFormat::InPerson => 1,
        SessionFormat::Video => 2,
        SessionFormat::Phone => 3,
    });
    out.push(u8::from(content.about_own_rsc_practice));
    out.extend_from_slice(&content.signed_at_ms.to_be_bytes());
    put_text(&mut out, &content.reason, "reason")?;
    Ok(out)
}

/// Reads a canonical message back into its content.
pub fn decode_message(bytes: &[u8]) -> Result<AttestedContent, DocError> {
    let mut reader = Reader { bytes, at: 0 };
    if reader.take(16)? != DOMAIN_TAG {
        return Err(DocError::invalid("statement", "unknown domain tag"));
    }
    let kind = match reader.byte()? {
        1 => StatementKind::Confirm,
        2 => StatementKind::Dispute,
        other => return Err(DocError::invalid("statement.kind", format!("unknown kind byte {other}"))),
    };
    let session_id = Id::new(reader.text()?, "statement.session_id").map_err(DocError::from)?;
    let attendee = Id::new(reader.text()?, "statement.attendee").map_err(DocError::from)?;
    let provider = Id::new(reader.text()?, "statement.provider").map_err(DocError::from)?;
    let date_text =
        std::str::from_utf8(reader.take(10)?).map_err(|_| DocError::invalid("statement.date", "not ASCII"))?;
    let date = Date::parse_field(date_text, "statement.date")?;
    let session_minutes = Minutes::new(i64::from(reader.u16()?), "statement.session_minutes")?;
    let attended = reader.u16()?;
    let minutes_attended = match (kind, attended) {
        (StatementKind::Dispute, 0) => None,
        (_, m) => Some(Minutes::new(i64::from(m), "statement.minutes_attended")?),
    };
    let session_kind = match reader.byte()? {
        1 => SessionKind::Individual,
        2 => SessionKind::Group,
        other => return Err(DocError::invalid("statement.session_kind", format!("unknown byte {other}"))),
    };
    let format = match reader.byte()? {
        1 => SessionFormat::InPerson,
        2 => SessionFormat::Video,
        3 => SessionFormat::Phone,
        other => return Err(DocError::invalid("statement.format", format!("unknown byte {other}"))),
    };
    let about_own_rsc_practice = match reader.byte()? {
        0 => false,
        1 => true,
        other => return Err(DocError::invalid("statement.about_own_rsc_practice", format!("unknown byte {other}"))),
    };
    let signed_at_ms =
        i64::from_be_bytes(reader.take(8)?.try_into().map_err(|_| DocError::invalid("statement", "short"))?);
    let reason = reader.text()?.to_string();
    if reason.len() > MAX_REASON_BYTES {
        return Err(DocError::invalid("statement.reason", "is too long"));
    }
    if reader.at != bytes.len() {
        return Err(DocError::invalid("statement", "trailing bytes after the reason"));
    }
    Ok(AttestedContent {
        kind,
        session_id,
        attendee,
        provider,
        date,
        session_minutes,
        minutes_attended,
        session_kind,
        format,
        about_own_rsc_practice,
        signed_at_ms,
        reason,
    })
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DocError> {
        let end = self.at.checked_add(n).filter(|end| *end <= self.bytes.len());
        let end = end.ok_or_else(|| DocError::invalid("statement", "ends early"))?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn byte(&mut self) -> Result<u8, DocError> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, DocError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn text(&mut self) -> Result<&'a str, DocError> {
        let len = usize::from(self.u16()?);
        std::str::from_utf8(self.take(len)?).map_err(|_| DocError::invalid("statement", "text is not UTF-8"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content() -> AttestedContent {
        AttestedContent {
            kind: StatementKind::Confirm,
            session_id: Id::new("7f1c", "t").expect("id"),
            attendee: Id::new("ana", "t").expect("id"),
            provider: Id::new("pat", "t").expect("id"),
            date: "2025-03-04".parse().expect("date"),
            session_minutes: Minutes::new(90, "t").expect("m"),
            minutes_attended: Some(Minutes::new(60, "t").expect("m")),
            session_kind: SessionKind::Group,
            format: SessionFormat::Video,
            about_own_rsc_practice: true,
            signed_at_ms: 1_764_000_000_000,
            reason: String::new(),
        }
    }

    #[test]
    fn the_byte_layout_is_as_documented() {
        let message = encode_message(&content()).expect("encodes");
        let mut expected = b"rsc-attestation\x01".to_vec();
        expected.push(1);
        expected.extend_from_slice(&[0, 4]);
        expected.extend_from_slice(b"7f1c");
        expected.extend_from_slice(&[0, 3]);
        expected.extend_from_slice(b"ana");
        expected.extend_from_slice(&[0, 3]);
        expected.extend_from_slice(b"pat");
        expected.extend_from_slice(b"2025-03-04");
        expected.extend_from_slice(&90u16.to_be_bytes());
        expected.extend_from_slice(&60u16.to_be_bytes());
        expected.extend_from_slice(&[2, 2, 1]);
        expected.extend_from_slice(&1_764_000_000_000i64.to_be_bytes());
        expected.extend_from_slice(&[0, 0]);
        assert_eq!(message, expected);
        assert_eq!(decode_message(&message).expect("decodes"), content());
    }

    #[test]
    fn a_signed_statement_verifies_and_round_trips() {
        let key = DeviceKey::generate(&mut getrandom::SysRng).expect("key");
        let statement = key.sign(content()).expect("signs");
        assert!(statement.verify());
        let back = SignedStatement::from_bytes(&statement.to_bytes()).expect("decodes");
        assert_eq!(back, statement);
        assert!(back.verify());
    }

    #[test]
    fn any_change_breaks_the_signature() {
        let key = DeviceKey::generate(&mut getrandom::SysRng).expect("key");
        let statement = key.sign(content()).expect("signs");
        let edits: Vec<fn(&mut AttestedContent)> = vec![
            |c| c.session_id = Id::new("other", "t").expect("id"),
            |c| c.attendee = Id::new("ben", "t").expect("id"),
            |c| c.provider = Id::new("quinn", "t").expect("id"),
            |c| c.date = "2025-03-05".parse().expect("date"),
            |c| c.session_minutes = Minutes::new(91, "t").expect("m"),
            |c| c.minutes_attended = Some(Minutes::new(61, "t").expect("m")),
            |c| c.session_kind = SessionKind::Individual,
            |c| c.format = SessionFormat::Phone,
            |c| c.about_own_rsc_practice = false,
            |c| c.signed_at_ms += 1,
            |c| c.kind = StatementKind::Dispute,
        ];
        for edit in edits {
            let mut forged = statement.clone();
            edit(&mut forged.content);
            assert!(!forged.verify(), "{:?}", forged.content);
        }
        let other = DeviceKey::generate(&mut getrandom::SysRng).expect("key");
        let mut wrong_key = statement.clone();
        wrong_key.public_key = other.public_key();
        assert!(!wrong_key.verify());
        let resigned = other.sign(content()).expect("signs");
        assert_ne!(resigned.signature, statement.signature);
    }

    #[test]
    fn every_flipped_byte_of_the_stored_form_is_refused_or_fails_verification() {
        let key = DeviceKey::generate(&mut getrandom::SysRng).expect("key");
        let bytes = key.sign(content()).expect("signs").to_bytes();
        for i in 0..bytes.len() {
            let mut flipped = bytes.clone();
            flipped[i] ^= 0x01;
            if let Ok(statement) = SignedStatement::from_bytes(&flipped) {
                assert!(!statement.verify(), "byte {i}");
            }
        }
        assert!(SignedStatement::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(SignedStatement::from_bytes(&longer).is_err());
    }
}
