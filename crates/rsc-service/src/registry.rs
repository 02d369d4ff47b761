//! The endorsement registry: reading an association's CSV, checking every row, and turning
//! records into the credentials the rules evaluate.
//!
//! # CSV format
//!
//! UTF-8, comma-separated, with this header row (column order free, names exact):
//!
//! `endorsement_number,holder_name,holder_email,credential,association,earned_on,valid_through,revoked_on`
//!
//! `credential` is one of `IFA`, `IFS`, `IMHS`, `IMHM-C`, `IMHM-P`, `IMHM-RF`, `APPROVED-RSC`;
//! dates are `YYYY-MM-DD`; an empty `valid_through` means open-ended and an empty `revoked_on`
//! never revoked. Rows are upserted by endorsement number. A file with any bad row imports
//! nothing, and every bad row is reported by line and field.

use std::collections::HashMap;

use rsc_model::{AuditAction, Credential, CredentialRecord, Date};
use rsc_protocol::{AccountSummary, ClaimDecision, ClaimReview, ClaimStatus, ClaimedRecord, ImportResult};

use crate::AppError;
use crate::clock::now_ms;
use crate::staff::Staff;
use crate::store::{ClaimId, ClaimRecord, RegistryRecord, Store, UserId, UserRecord};

/// The most rows one import may hold.
pub const MAX_IMPORT_ROWS: usize = 100_000;
const COLUMNS: [&str; 8] = [
    "endorsement_number",
    "holder_name",
    "holder_email",
    "credential",
    "association",
    "earned_on",
    "valid_through",
    "revoked_on",
];

pub use rsc_protocol::RowError;

/// One row of a registry CSV, by column name (order free). Every cell is read as text and
/// checked below, so that each problem is reported by its column rather than as a failed parse.
#[derive(Debug, serde::Deserialize)]
struct CsvRow {
    endorsement_number: String,
    holder_name: String,
    holder_email: String,
    credential: String,
    association: String,
    earned_on: String,
    valid_through: String,
    revoked_on: String,
}

/// Reads every row of a registry CSV. Either all rows are good, or every problem is returned.
pub fn parse_csv(
    text: &str,
    changed_by: &str,
    source: &str,
    now_ms: i64,
) -> Result<Vec<RegistryRecord>, Vec<RowError>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(header) => header.iter().map(str::to_string).collect(),
        Err(e) => return Err(vec![RowError { line: 1, field: "header".into(), message: e.to_string() }]),
    };
    let mut errors = Vec::new();
    for column in COLUMNS {
        if !header.iter().any(|name| name == column) {
            errors.push(RowError {
                line: 1,
                field: column.into(),
                message: "this column is missing from the header".into(),
            });
        }
    }
    for name in &header {
        if !COLUMNS.contains(&name.as_str()) {
            errors.push(RowError {
                line: 1,
                field: name.clone(),
                message: format!("unknown column; the columns are {}", COLUMNS.join(", ")),
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut records = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for (row, result) in reader.deserialize::<CsvRow>().enumerate() {
        let line = row as u64 + 2;
        if row >= MAX_IMPORT_ROWS {
            errors.push(RowError {
                line,
                field: "file".into(),
                message: format!("more than {MAX_IMPORT_ROWS} rows; split the file"),
            });
            break;
        }
        let cells = match result {
            Ok(cells) => cells,
            Err(e) => {
                errors.push(RowError { line, field: "row".into(), message: e.to_string() });
                continue;
            }
        };
        let mut bad = |field: &str, message: String| errors.push(RowError { line, field: field.into(), message });
        let number = cells.endorsement_number;
        if number.is_empty() || number.len() > 64 || number.chars().any(char::is_control) {
            bad("endorsement_number", "must be 1 to 64 printable characters".into());
        } else if let Some(first) = seen.insert(number.clone(), line) {
            bad("endorsement_number", format!("`{number}` appears again (first on line {first})"));
        }
        let holder_name = cells.holder_name;
        if holder_name.is_empty() || holder_name.chars().count() > 200 || holder_name.chars().any(char::is_control) {
            bad("holder_name", "must be 1 to 200 printable characters".into());
        }
        let holder_email = cells.holder_email.to_lowercase();
        if crate::auth::normalize_email(&holder_email).is_err() {
            bad("holder_email", format!("`{holder_email}` is not an email address"));
        }
        let credential = match cells.credential.parse::<Credential>() {
            Ok(credential) => Some(credential),
            Err(e) => {
                bad("credential", e.to_string());
                None
            }
        };
        let association = cells.association;
        if association.is_empty() || association.chars().count() > 100 || association.chars().any(char::is_control) {
            bad("association", "must be 1 to 100 printable characters".into());
        }
        let mut date = |column: &str, text: &str, required: bool| -> Option<Date> {
            if text.is_empty() {
                if required {
                    bad(column, "is required".into());
                }
                return None;
            }
            match text.parse::<Date>() {
                Ok(date) => Some(date),
                Err(e) => {
                    bad(column, e.to_string());
                    None
                }
            }
        };
        let earned_on = date("earned_on", &cells.earned_on, true);
        let valid_through = date("valid_through", &cells.valid_through, false);
        let revoked_on = date("revoked_on", &cells.revoked_on, false);
        if let (Some(earned), Some(through)) = (earned_on, valid_through)
            && through < earned
        {
            bad("valid_through", format!("{through} is before earned_on {earned}"));
        }
        if let (Some(earned), Some(revoked)) = (earned_on, revoked_on)
            && revoked < earned
        {
            bad("revoked_on", format!("{revoked} is before earned_on {earned}"));
        }
        if let (Some(earned), Some(credential)) = (earned_on, credential) {
            records.push(RegistryRecord {
                number,
                holder_name,
                holder_email,
                credential,
                association,
                earned_on: earned,
                valid_through,
                revoked_on,
                version: 0,
                changed_at_ms: now_ms,
                changed_by: changed_by.to_string(),
                source: format!("{source} line {line}"),
            });
        }
    }
    if errors.is_empty() { Ok(records) } else { Err(errors) }
}

/// The credential a record grants, for the dossier.
pub fn credential_of(record: &RegistryRecord) -> CredentialRecord {
    CredentialRecord {
        credential: record.credential,
        earned_on: record.earned_on,
        valid_through: record.valid_through,
        revoked_on: record.revoked_on,
        association: Some(record.association.clone()),
    }
}

/// Names compared the way people write them: case, accents and spacing aside (`Jose Ramirez`
/// is José Ramírez, `WEISS` is Weiß).
fn same_name(a: &str, b: &str) -> bool {
    rsc_model::names::name_match(a, b) == Some(rsc_model::names::NameMatch::Whole)
}

fn summary(user: &UserRecord) -> AccountSummary {
    AccountSummary { user_id: user.id.to_string(), display_name: user.display_name.clone(), email: user.email.clone() }
}

/// Puts a claim beside the record it names and flags what staff should check: a claimant whose
/// email or name is not the holder's, and a record another account already holds.
pub fn review_claim(
    claim: &ClaimRecord,
    claimant: &UserRecord,
    record: &RegistryRecord,
    holder: Option<&UserRecord>,
) -> ClaimReview {
    let email_matches = claimant.email.eq_ignore_ascii_case(record.holder_email.trim());
    let name_matches = same_name(&claimant.display_name, &record.holder_name);
    let holder = holder.filter(|h| h.id != claimant.id);
    let mut warnings = Vec::new();
    if !email_matches {
        warnings.push(format!(
            "the claimant's email {} is not the record holder's ({})",
            claimant.email,
            if record.holder_email.trim().is_empty() { "none on the record" } else { record.holder_email.trim() }
        ));
    }
    if !name_matches {
        warnings.push(format!(
            "the claimant's name {} is not the record holder's ({})",
            claimant.display_name, record.holder_name
        ));
    }
    if let Some(holder) = holder {
        warnings.push(format!(
            "{} <{}> already holds this record through an approved claim",
            holder.display_name, holder.email
        ));
    }
    ClaimReview {
        claim_id: claim.id.to_string(),
        status: claim.status,
        created_at_ms: claim.created_at_ms,
        decided_at_ms: claim.decided_at_ms,
        note: claim.note.clone(),
        claimant: summary(claimant),
        record: ClaimedRecord {
            number: record.number.clone(),
            holder_name: record.holder_name.clone(),
            holder_email: record.holder_email.clone(),
            credential: record.credential.to_string(),
            association: record.association.clone(),
        },
        email_matches,
        name_matches,
        already_held_by: holder.map(summary),
        warnings,
    }
}

/// Imports a registry CSV: everything or nothing. Every row must be of an association `by`
/// keeps, and a number another association keeps is never changed: such rows are refused, each
/// with its line, and nothing is imported.
pub async fn import_csv<S: Store>(
    store: &S,
    by: &Staff,
    text: &str,
    source: &str,
) -> Result<Result<ImportResult, Vec<RowError>>, AppError> {
    let (text, changed_by, named) = (text.to_string(), by.changed_by(), source.to_string());
    let now = now_ms();
    let parsed = crate::blocking("parsing a registry CSV", move || parse_csv(&text, &changed_by, &named, now)).await?;
    let mut records = match parsed {
        Ok(records) => records,
        Err(errors) => return Ok(Err(errors)),
    };
    let errors = refused_rows(store, by, &mut records).await?;
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    // The file is the line's subject; its detail is the counts, per association.
    let audit = by.audit(AuditAction::Import, None, source, String::new());
    let counts = match store.registry_upsert(&records, &audit).await {
        Ok(counts) => counts,
        // Another import got there between the checks above and this write.
        Err(crate::store::StoreError::OtherAssociation(number)) => {
            let i = records.iter().position(|r| r.number == number).unwrap_or_default();
            return Ok(Err(vec![other_association(i as u64 + 2, &number)]));
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(inserted = counts.inserted, updated = counts.updated, unchanged = counts.unchanged, %source, "registry import");
    Ok(Ok(ImportResult { inserted: counts.inserted, updated: counts.updated, unchanged: counts.unchanged }))
}

/// Spells each record's association as the server does (`nmaimh` in a file is `NMAIMH`), and
/// returns the rows of a well-formed file that `by` may not import, each with its line: rows of
/// an association the server does not know or `by` does not keep, and numbers another
/// association keeps. `records` are the file's rows in order, as [`parse_csv`] read them.
pub async fn refused_rows<S: Store>(
    store: &S,
    by: &Staff,
    records: &mut [RegistryRecord],
) -> Result<Vec<RowError>, AppError> {
    // Every row was good, so the record at index i is the file's line i + 2.
    let line = |i: usize| i as u64 + 2;
    let known: Vec<String> = store.associations().await?.into_iter().map(|a| a.id).collect();
    for record in records.iter_mut() {
        if let Some(found) = known.iter().find(|id| id.eq_ignore_ascii_case(&record.association)) {
            record.association.clone_from(found);
        }
    }
    let mut errors = Vec::new();
    for (i, record) in records.iter().enumerate() {
        let association = &record.association;
        let message = if !known.contains(association) {
            Some(format!(
                "`{association}` is not an association on this server; the operator adds it with `rsc-server association create`"
            ))
        } else if !by.covers(association) {
            Some(format!(
                "`{association}` is not an association whose registry you keep ({})",
                by.associations().unwrap_or_default().join(", ")
            ))
        } else {
            None
        };
        if let Some(message) = message {
            errors.push(RowError { line: line(i), field: "association".into(), message });
            continue;
        }
        if let Some(current) = store.registry_record(&record.number).await?
            && current.association != *association
        {
            errors.push(other_association(line(i), &record.number));
        }
    }
    Ok(errors)
}

fn other_association(line: u64, number: &str) -> RowError {
    RowError {
        line,
        field: "endorsement_number".into(),
        message: format!(
            "`{number}` is kept by another association; an import never changes another association's record"
        ),
    }
}

/// The current records of the associations `by` keeps, by number.
pub async fn records<S: Store>(store: &S, by: &Staff) -> Result<Vec<RegistryRecord>, AppError> {
    Ok(store.registry_records().await?.into_iter().filter(|r| by.covers(&r.association)).collect())
}

/// A record of an association `by` keeps, and every version of it, oldest first; another
/// association's answers exactly as a number nobody has.
pub async fn record_with_history<S: Store>(
    store: &S,
    by: &Staff,
    number: &str,
) -> Result<(RegistryRecord, Vec<RegistryRecord>), AppError> {
    let record = kept_record(store, by, number).await?;
    let history = store.registry_history(&record.number).await?;
    Ok((record, history))
}

async fn kept_record<S: Store>(store: &S, by: &Staff, number: &str) -> Result<RegistryRecord, AppError> {
    store
        .registry_record(number)
        .await?
        .filter(|r| by.covers(&r.association))
        .ok_or_else(|| AppError::NotFound(format!("no record `{number}`")))
}

/// Sets a record's end: `valid_through` (lapse) or `revoked_on` (revoke), as a new version.
pub async fn set_end<S: Store>(
    store: &S,
    by: &Staff,
    number: &str,
    valid_through: Option<Date>,
    revoked_on: Option<Date>,
    source: &str,
) -> Result<RegistryRecord, AppError> {
    let mut record = kept_record(store, by, number).await?;
    let earned = record.earned_on;
    let shown = |d: Option<Date>| d.map_or_else(|| "none".to_string(), |d| d.to_string());
    let mut changes = Vec::new();
    if let Some(through) = valid_through {
        if through < earned {
            return Err(AppError::invalid("valid_through", format!("{through} is before earned_on {earned}")));
        }
        changes.push(format!("valid through {through} (was {})", shown(record.valid_through)));
        record.valid_through = Some(through);
    }
    if let Some(revoked) = revoked_on {
        if revoked < earned {
            return Err(AppError::invalid("revoked_on", format!("{revoked} is before earned_on {earned}")));
        }
        changes.push(format!("revoked from {revoked} (was {})", shown(record.revoked_on)));
        record.revoked_on = Some(revoked);
    }
    record.changed_at_ms = now_ms();
    record.changed_by = by.changed_by();
    record.source = source.to_string();
    let action = if revoked_on.is_some() { AuditAction::Revoke } else { AuditAction::Lapse };
    let audit = by.audit(
        action,
        Some(&record.association),
        &record.number,
        format!("{}: {}", record.holder_name, changes.join("; ")),
    );
    store.registry_upsert(std::slice::from_ref(&record), &audit).await?;
    tracing::info!(%number, %source, "registry record changed");
    store
        .registry_record(number)
        .await?
        .ok_or_else(|| AppError::internal(format!("registry record {number} vanished after writing")))
}

/// Files `user`'s claim to the registry record numbered `number`; registry staff decide it.
pub async fn file_claim<S: Store>(store: &S, user: &UserRecord, number: &str) -> Result<ClaimRecord, AppError> {
    let number = number.trim();
    if store.registry_record(number).await?.is_none() {
        return Err(AppError::NotFound(format!("the registry has no endorsement number `{number}`")));
    }
    let existing = store.claims(Some(&user.id), None).await?;
    if existing.iter().any(|c| c.number == number && c.status != ClaimStatus::Rejected) {
        return Err(AppError::Conflict(format!("you already claimed `{number}`")));
    }
    let claim = ClaimRecord {
        id: crate::clock::random_id().into(),
        number: number.to_string(),
        user_id: user.id.clone(),
        status: ClaimStatus::Pending,
        created_at_ms: now_ms(),
        decided_at_ms: None,
        decided_by: None,
        note: String::new(),
    };
    store.create_claim(&claim).await?;
    tracing::info!(claim_id = %claim.id, number = %claim.number, "registry claim filed");
    Ok(claim)
}

/// Claims to records of the associations `by` keeps (all, or those with `status`) beside the
/// records they name and the people involved, oldest first.
pub async fn review_claims<S: Store>(
    store: &S,
    by: &Staff,
    status: Option<ClaimStatus>,
) -> Result<Vec<ClaimReview>, AppError> {
    let approved = store.claims(None, Some(ClaimStatus::Approved)).await?;
    let mut users: std::collections::HashMap<UserId, UserRecord> = std::collections::HashMap::new();
    let mut reviews = Vec::new();
    for claim in store.claims(None, status).await? {
        let holder_id = approved.iter().find(|c| c.number == claim.number).map(|c| c.user_id.clone());
        for id in std::iter::once(&claim.user_id).chain(holder_id.as_ref()) {
            if !users.contains_key(id) {
                let user = store
                    .user_by_id(id)
                    .await?
                    .ok_or_else(|| AppError::internal(format!("claim {} names a missing account", claim.id)))?;
                users.insert(id.clone(), user);
            }
        }
        let record = store
            .registry_record(&claim.number)
            .await?
            .ok_or_else(|| AppError::internal(format!("claim {} names a missing record", claim.id)))?;
        if !by.covers(&record.association) {
            continue;
        }
        let holder = holder_id.as_ref().and_then(|id| users.get(id));
        reviews.push(review_claim(&claim, &users[&claim.user_id], &record, holder));
    }
    Ok(reviews)
}

/// Decides a pending claim. An approval is refused while another account holds the record, and
/// while the claimant's email is not the holder's unless `despite_mismatch` says staff checked.
pub async fn decide_claim<S: Store>(
    store: &S,
    by: &Staff,
    id: &str,
    approve: bool,
    decision: &ClaimDecision,
) -> Result<ClaimReview, AppError> {
    let not_pending = || AppError::NotFound(format!("no pending claim `{id}`"));
    let review = review_claims(store, by, Some(ClaimStatus::Pending))
        .await?
        .into_iter()
        .find(|r| r.claim_id == id)
        .ok_or_else(not_pending)?;
    if approve {
        if let Some(holder) = &review.already_held_by {
            return Err(AppError::Conflict(format!(
                "{} <{}> already holds {} through an approved claim; reject this claim",
                holder.display_name, holder.email, review.record.number
            )));
        }
        if !review.email_matches && !decision.despite_mismatch {
            return Err(AppError::UncheckedClaimant {
                warnings: review.warnings.join("; "),
                claimant: review.claimant.display_name.clone(),
                holder: review.record.holder_name.clone(),
            });
        }
    }
    let status = if approve { ClaimStatus::Approved } else { ClaimStatus::Rejected };
    let now = now_ms();
    let (action, said) = if approve { (AuditAction::Approve, "approved") } else { (AuditAction::Reject, "rejected") };
    let note = decision.note.trim();
    // The claimant is the line's person, named as she is when the trail is read.
    let detail = format!("claim {said}{}", if note.is_empty() { String::new() } else { format!(": {note}") });
    let audit = crate::store::AuditEntry {
        subject_user_id: Some(UserId::from(review.claimant.user_id.as_str())),
        ..by.audit(action, Some(&review.record.association), &review.record.number, detail)
    };
    let decided = store
        .decide_claim(&ClaimId::from(id), status, &by.changed_by(), &decision.note, now, &audit)
        .await
        .map_err(|e| match e {
        crate::store::StoreError::Conflict(_) => AppError::Conflict("another account already holds this record".into()),
        other => other.into(),
    })?;
    if !decided {
        return Err(not_pending());
    }
    tracing::info!(claim_id = %id, %status, "registry claim decided");
    Ok(ClaimReview { status, decided_at_ms: Some(now), note: decision.note.clone(), ..review })
}

/// A registry record as the API and the exports show it.
pub fn record_view(r: RegistryRecord) -> rsc_protocol::RegistryRecordView {
    rsc_protocol::RegistryRecordView {
        number: r.number,
        holder_name: r.holder_name,
        holder_email: r.holder_email,
        credential: r.credential,
        association: r.association,
        earned_on: r.earned_on,
        valid_through: r.valid_through,
        revoked_on: r.revoked_on,
        version: r.version,
        changed_at_ms: r.changed_at_ms,
        changed_by: r.changed_by,
        source: r.source,
    }
}

/// A claim as the API shows it to its claimant.
pub fn claim_view(c: ClaimRecord) -> rsc_protocol::Claim {
    rsc_protocol::Claim {
        id: c.id.to_string(),
        number: c.number,
        user_id: c.user_id.to_string(),
        status: c.status,
        created_at_ms: c.created_at_ms,
        decided_at_ms: c.decided_at_ms,
        decided_by: c.decided_by,
        note: c.note,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real names from the shared test list, so that comparisons meet accents and apostrophes.
    fn names() -> Vec<String> {
        include_str!("../../../tests/data/names.txt")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(str::to_string)
            .collect()
    }

    fn user(id: &str, name: &str, email: &str) -> UserRecord {
        UserRecord {
            id: id.into(),
            email: email.into(),
            display_name: name.into(),
            password_hash: String::new(),
            role: rsc_protocol::Role::Member,
            created_at_ms: 0,
        }
    }

    fn record(name: &str, email: &str) -> RegistryRecord {
        RegistryRecord {
            number: "NM-1".into(),
            holder_name: name.into(),
            holder_email: email.into(),
            credential: Credential::ImhmC,
            association: "NMAIMH".into(),
            earned_on: "2015-03-01".parse().expect("date"),
            valid_through: None,
            revoked_on: None,
            version: 1,
            changed_at_ms: 0,
            changed_by: "cli".into(),
            source: "test".into(),
        }
    }

    fn claim(user_id: &str) -> ClaimRecord {
        ClaimRecord {
            id: "c1".into(),
            number: "NM-1".into(),
            user_id: user_id.into(),
            status: rsc_protocol::ClaimStatus::Pending,
            created_at_ms: 0,
            decided_at_ms: None,
            decided_by: None,
            note: String::new(),
        }
    }

    #[test]
    fn a_claim_by_the_holder_has_no_warnings_whatever_the_case_and_spacing() {
        for name in names() {
            let holder = user("u1", &format!(" {}  ", name.to_uppercase()), "holder@example.org");
            let review = review_claim(&claim("u1"), &holder, &record(&name, "Holder@Example.org "), Some(&holder));
            assert!(review.email_matches && review.name_matches, "{name}: {:?}", review.warnings);
            assert_eq!((review.warnings.len(), review.already_held_by), (0, None), "{name}");
        }
    }

    #[test]
    fn a_claim_by_someone_else_names_both_people_and_the_current_holder() {
        let names = names();
        let (holder_name, claimant_name, other_name) = (&names[0], &names[3], &names[6]);
        let claimant = user("u2", claimant_name, "claimant@example.org");
        let other = user("u3", other_name, "other@example.org");
        let review = review_claim(&claim("u2"), &claimant, &record(holder_name, "holder@example.org"), Some(&other));
        assert!(!review.email_matches && !review.name_matches);
        assert_eq!(review.already_held_by.as_ref().map(|h| h.display_name.as_str()), Some(other_name.as_str()));
        let text = review.warnings.join("\n");
        for expected in [
            claimant_name,
            holder_name,
            other_name,
            &"claimant@example.org".to_string(),
            &"holder@example.org".to_string(),
        ] {
            assert!(text.contains(expected.as_str()), "{expected} missing from {text}");
        }
        let no_email = review_claim(&claim("u2"), &claimant, &record(claimant_name, ""), None);
        assert_eq!(
            no_email.warnings,
            vec!["the claimant's email claimant@example.org is not the record holder's (none on the record)"]
        );
    }

    const HEADER: &str =
        "endorsement_number,holder_name,holder_email,credential,association,earned_on,valid_through,revoked_on\n";

    #[test]
    fn reads_good_rows() {
        let text = format!(
            "{HEADER}NM-1,Pat Provider,pat@example.org,IMHM-C,NMAIMH,2015-03-01,2027-12-31,\nNM-2,Quinn,quinn@example.org,IMHS,NMAIMH,2018-01-15,,\n"
        );
        let records = parse_csv(&text, "admin", "registry.csv", 5).expect("valid");
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].valid_through.map(|d| d.to_string()).as_deref(), Some("2027-12-31"));
        assert_eq!(records[1].valid_through, None);
        assert_eq!(records[1].source, "registry.csv line 3");
        let credential = credential_of(&records[0]);
        assert_eq!(credential.credential, Credential::ImhmC);
    }

    #[test]
    fn reports_every_bad_row_by_line_and_field() {
        let text = format!(
            "{HEADER}NM-1,Pat,pat@example.org,IMHM-C,NMAIMH,2015-03-01,,\nNM-2,Quinn,not-an-email,IMHM,NMAIMH,2018-02-30,,\nNM-1,Dup,dup@example.org,IMHS,NMAIMH,2015-03-01,2014-01-01,\n"
        );
        let errors = parse_csv(&text, "admin", "x.csv", 0).expect_err("bad rows");
        let found: Vec<(u64, &str)> = errors.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(
            found,
            vec![
                (3, "holder_email"),
                (3, "credential"),
                (3, "earned_on"),
                (4, "endorsement_number"),
                (4, "valid_through")
            ]
        );
    }

    #[test]
    fn the_header_must_name_every_column() {
        let errors = parse_csv("endorsement_number,holder_name,colour\n", "a", "x", 0).expect_err("bad header");
        assert!(errors.iter().any(|e| e.field == "credential"));
        assert!(errors.iter().any(|e| e.field == "colour"));
    }
}

#[cfg(test)]
mod example_tests {
    #[test]
    fn the_example_registry_imports_cleanly() {
        let text = include_str!("../../../examples/registry.csv");
        let records = super::parse_csv(text, "test", "examples/registry.csv", 0).expect("the example is valid");
        assert_eq!(records.len(), 5);
        assert!(records.iter().any(|r| r.revoked_on.map(|d| d.to_string()).as_deref() == Some("2023-04-15")));
    }

    #[test]
    fn a_claimant_typed_without_accents_is_the_holder() {
        assert!(super::same_name("Jose Ramirez  Pena", "José Ramírez Peña"));
        assert!(super::same_name("JURGEN WEISS", "Jürgen Weiß"));
        assert!(!super::same_name("José Ramírez", "José Ramírez Peña"), "part of a name is flagged");
        assert!(!super::same_name("Ana Núñez", "Ana Nunes"));
    }
}
