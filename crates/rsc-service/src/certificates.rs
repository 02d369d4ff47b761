//! Certificate files of trainings: uploaded by their owner, checked by their content (PDF, PNG
//! or JPEG, whatever the name says), kept once by their SHA-256 within a per-account quota, and
//! given back only to her, as a download.

use rsc_protocol::Certificate;
use sha2::{Digest, Sha256};

use crate::AppError;
use crate::clock::{now_ms, utc_minute};
use crate::store::{CertificateRecord, CertificateStored, Store, UserRecord};

pub use rsc_protocol::{MAX_CERTIFICATE_BYTES, certificate_media_type as media_type};

/// What one person's certificates may take together, in bytes (200 MiB: twenty of the largest).
pub const CERTIFICATE_QUOTA_BYTES: i64 = 200 * 1024 * 1024;
/// The longest file name kept, in characters.
pub const MAX_FILE_NAME_CHARS: usize = 200;

/// The file name as kept: its last path component, trimmed, at most [`MAX_FILE_NAME_CHARS`].
fn clean_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name).trim();
    let kept: String = last.chars().filter(|c| !c.is_control()).take(MAX_FILE_NAME_CHARS).collect();
    if kept.is_empty() { "certificate".into() } else { kept }
}

/// The lowercase hex SHA-256 of `bytes`.
pub fn digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Keeps `bytes` as one of `user`'s certificates, named `file_name`.
pub async fn upload<S: Store>(
    store: &S,
    user: &UserRecord,
    file_name: &str,
    bytes: &[u8],
) -> Result<Certificate, AppError> {
    upload_within(store, user, file_name, bytes, CERTIFICATE_QUOTA_BYTES).await
}

/// [`upload`] under a quota of `quota_bytes` (tests try the quota with small files).
pub async fn upload_within<S: Store>(
    store: &S,
    user: &UserRecord,
    file_name: &str,
    bytes: &[u8],
    quota_bytes: i64,
) -> Result<Certificate, AppError> {
    if bytes.is_empty() {
        return Err(AppError::invalid("file", "is empty; choose the certificate's PDF, PNG or JPEG file"));
    }
    if bytes.len() > MAX_CERTIFICATE_BYTES {
        return Err(AppError::TooLarge(format!(
            "file: {} bytes; a certificate is at most {} MB",
            bytes.len(),
            MAX_CERTIFICATE_BYTES / (1024 * 1024)
        )));
    }
    let media_type = media_type(bytes).ok_or_else(|| {
        AppError::invalid("file", "is not a PDF, PNG or JPEG file (its content was read, not its name)")
    })?;
    let digest = digest(bytes);
    let name = clean_name(file_name);
    let at = now_ms();
    match store.put_certificate(&user.id, &digest, media_type, &name, bytes, quota_bytes, at).await? {
        CertificateStored::Kept => {}
        CertificateStored::OverQuota { used } => {
            return Err(AppError::TooLarge(format!(
                "file: your certificates take {} of the {} each person may keep; this one would go over",
                megabytes(used),
                megabytes(quota_bytes)
            )));
        }
    }
    // Her record of it (the name she first gave it, when she had it already), without reading
    // the file back.
    let kept = store.certificates_of(&user.id).await?.into_iter().find(|c| c.digest == digest);
    Ok(view(&kept.ok_or_else(|| AppError::internal("a certificate just kept is not there"))?))
}

fn megabytes(bytes: i64) -> String {
    format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
}

/// `user`'s certificates, newest first.
pub async fn list<S: Store>(store: &S, user: &UserRecord) -> Result<Vec<Certificate>, AppError> {
    Ok(store.certificates_of(&user.id).await?.iter().map(view).collect())
}

/// One of `user`'s certificates with its file. Someone else's, and one nobody has, answer alike.
pub async fn file<S: Store>(store: &S, user: &UserRecord, digest: &str) -> Result<(Certificate, Vec<u8>), AppError> {
    let missing = || AppError::NotFound("you keep no certificate with this digest".into());
    if digest.len() != 64 || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(missing());
    }
    let (record, bytes) = store.certificate_file(&user.id, &digest.to_ascii_lowercase()).await?.ok_or_else(missing)?;
    Ok((view(&record), bytes))
}

fn view(record: &CertificateRecord) -> Certificate {
    Certificate {
        digest: record.digest.clone(),
        media_type: record.media_type.clone(),
        size_bytes: record.size_bytes.max(0) as u64,
        file_name: record.file_name.clone(),
        uploaded_at: utc_minute(record.created_at_ms),
    }
}

/// A certificate file going out: always a download (`attachment`), of the type its content was
/// found to be, never rendered in a page of this site (the portal's `nosniff` applies too).
pub struct CertificateDownload {
    /// What it is.
    pub certificate: Certificate,
    /// The file.
    pub bytes: Vec<u8>,
}

impl axum::response::IntoResponse for CertificateDownload {
    fn into_response(self) -> axum::response::Response {
        use axum::http::header;
        // Quotes, backslashes and anything outside printable ASCII become `_` in the header.
        let ascii: String = self
            .certificate
            .file_name
            .chars()
            .map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' })
            .collect();
        (
            [
                (header::CONTENT_TYPE, self.certificate.media_type.clone()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{ascii}\"")),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
                (header::CONTENT_SECURITY_POLICY, "default-src 'none'; sandbox".to_string()),
                (header::CACHE_CONTROL, "private, no-store".to_string()),
            ],
            self.bytes,
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_what_its_content_says() {
        assert_eq!(media_type(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(media_type(b"\x89PNG\r\n\x1a\n\0\0"), Some("image/png"));
        assert_eq!(media_type(b"\xff\xd8\xff\xe0JFIF"), Some("image/jpeg"));
        // A page of HTML named certificate.pdf, a PDF's signature not at the start, a script.
        for lie in [&b"<html><script>alert(1)</script>"[..], b" %PDF-1.7", b"GIF89a", b"MZ\x90\0", b""] {
            assert_eq!(media_type(lie), None, "{lie:?}");
        }
    }

    #[test]
    fn names_keep_their_last_part_only() {
        assert_eq!(clean_name("C:\\Users\\ana\\cert.pdf"), "cert.pdf");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("  "), "certificate");
        assert_eq!(clean_name(&"é".repeat(300)).chars().count(), MAX_FILE_NAME_CHARS);
    }
}
