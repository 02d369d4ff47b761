//! Verified hours: the applicant's dossier built from the projection, the attestation ledger
//! and the registry (through `rsc-model`'s dossier builder, like every other evaluation), its
//! evaluation, and the signed export of both.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Weak};

use rsc_doc::SignedStatement;
use rsc_export::{ExportedAttestation, Payload, Person, RegistryRecordRef};
use rsc_model::{Applicant, AttendanceRecord, Date, Dossier, DossierBuilder, Id, Minutes};
use rsc_rules::{Evaluation, Purpose, Rulebook};

use crate::AppError;
use crate::clock::now_ms;
use crate::registry::credential_of;
use crate::store::UserId;
use crate::store::{
    AttestationRecord, EvaluationInputs, ProfileRecord, RegistryRecord, SessionAttendance, Store, UserRecord,
};

pub use rsc_protocol::EvaluationQuery;

/// An applicant's verified hours and everything they rest on.
pub struct Verified {
    /// The applicant.
    pub applicant: UserRecord,
    /// The rulebook.
    pub rulebook: Rulebook,
    /// The purpose.
    pub purpose: Purpose,
    /// The dossier.
    pub dossier: Dossier,
    /// Its evaluation.
    pub evaluation: Evaluation,
    /// The registry records each provider's credentials come from.
    pub records: Vec<(String, RegistryRecord)>,
    /// Providers' display names by id.
    pub provider_names: BTreeMap<String, String>,
    /// The records each provider claimed and where the claims stand, by provider id.
    pub endorsements: BTreeMap<String, Vec<rsc_model::Endorsement>>,
    /// Her trainings as she reported them (not removed): the dossier's, with their titles.
    pub trainings: Vec<crate::store::TrainingRow>,
    /// The projection and ledger rows the dossier was built from.
    inputs: Arc<EvaluationInputs>,
}

impl Verified {
    /// Every session she attends, with her attendance, as the dossier was built from them
    /// (withdrawn ones too, and who logged each).
    pub fn attendance(&self) -> &[crate::store::SessionAttendance] {
        &self.inputs.attendance
    }

    /// The ledger entries behind confirmed and disputed sessions, by session id. Only the
    /// exports need them: worked out on demand, so that an evaluation copies none of them.
    pub fn attestations(&self) -> BTreeMap<&str, &AttestationRecord> {
        let ledger = self.inputs.ledger_by_id();
        let attested: HashMap<&str, &[u8]> = self
            .inputs
            .attendance
            .iter()
            .filter_map(|r| Some((r.session.id.as_str(), r.attendance.attestation_id.as_deref()?)))
            .collect();
        self.dossier
            .sessions
            .iter()
            .filter(|s| s.confirmation.is_some())
            .filter_map(|s| Some((s.id.as_str(), *ledger.get(attested.get(s.id.as_str())?)?)))
            .collect()
    }
}

impl Verified {
    /// Her providers' dispute reasons, by session id: for entries still disputed, and for those
    /// she corrected since (back with the provider, who reads the reason again).
    pub fn dispute_reasons(&self) -> Result<BTreeMap<String, String>, AppError> {
        let records = attendance_records(&self.inputs)?;
        Ok(records
            .iter()
            .filter(|r| r.attendee.as_str() == self.applicant.id && !r.withdrawn)
            .filter_map(|r| {
                let s = r.statement.as_ref().filter(|s| s.kind == rsc_model::StatementKind::Dispute)?;
                Some((r.session_id.to_string(), s.reason.clone()))
            })
            .collect())
    }

    /// Why `session`'s provider held no credential the rulebook accepts on its day, in words
    /// with what happens next.
    pub fn not_qualified(&self, session: &rsc_model::DossierSession) -> String {
        let id = session.provider.as_str();
        let name = self.provider_names.get(id).map(String::as_str).unwrap_or("The provider");
        let endorsements = self.endorsements.get(id).map(Vec::as_slice).unwrap_or_default();
        rsc_model::why_not_qualified(
            name,
            endorsements,
            session.date,
            &self.rulebook.accepted_credentials(self.purpose),
        )
    }

    /// Her sessions that have not taken place yet, by id: planned, counted nowhere.
    pub fn planned(&self, now_ms: i64) -> std::collections::BTreeSet<String> {
        self.inputs
            .attendance
            .iter()
            .filter(|r| !has_ended(&r.session, now_ms))
            .map(|r| r.session.id.to_string())
            .collect()
    }
}

/// Whether a session has taken place: its start in its own time zone plus its length. A
/// planned one stays out of the provider's queue until then.
pub fn has_ended(session: &crate::store::SessionRow, now_ms: i64) -> bool {
    // A projection that cannot say when it ends is treated as past, so it is shown, not hidden.
    Minutes::new(i64::from(session.minutes), "minutes")
        .ok()
        .and_then(|m| rsc_doc::ends_at_ms(session.date, &session.start_time, &session.time_zone, m).ok())
        .is_none_or(|end| end <= now_ms)
}

/// The registry records `provider` claimed, each with where her latest claim to it stands:
/// what pages and devices say when a session with her does not count.
pub async fn endorsements_of<S: Store>(store: &S, provider: &UserId) -> Result<Vec<rsc_model::Endorsement>, AppError> {
    let mut claims = store.claims(Some(provider), None).await?;
    claims.sort_by_key(|c| std::cmp::Reverse(c.created_at_ms));
    let mut out: Vec<rsc_model::Endorsement> = Vec::new();
    for claim in claims {
        if out.iter().any(|e| e.number == claim.number) {
            continue;
        }
        let Some(record) = store.registry_record(&claim.number).await? else { continue };
        out.push(rsc_model::Endorsement {
            number: record.number,
            association: record.association,
            credential: record.credential,
            status: match claim.status {
                rsc_protocol::ClaimStatus::Pending => rsc_model::EndorsementStatus::Pending,
                rsc_protocol::ClaimStatus::Approved => rsc_model::EndorsementStatus::Approved,
                rsc_protocol::ClaimStatus::Rejected => rsc_model::EndorsementStatus::Rejected,
            },
            earned_on: record.earned_on,
            valid_through: record.valid_through,
            revoked_on: record.revoked_on,
        });
    }
    Ok(out)
}

fn internal(what: &str) -> impl Fn(rsc_model::ModelError) -> AppError + '_ {
    move |e| AppError::caused(format!("stored {what} breaks the model"), e)
}

/// Builds and evaluates the applicant's dossier.
pub async fn verified_hours<S: Store>(
    store: &S,
    user: &UserRecord,
    query: &EvaluationQuery,
) -> Result<Verified, AppError> {
    let profile = store.profile(&user.id).await?.unwrap_or_default();
    let rulebook_id = query.rulebook.clone().or(profile.rulebook.clone()).ok_or_else(|| {
        AppError::invalid("rulebook", "choose a rulebook (nmaimh, orimha or ct-aimh), here or in your profile")
    })?;
    let rulebook = rsc_rules::builtin(&rulebook_id).ok_or_else(|| {
        AppError::invalid("rulebook", format!("`{rulebook_id}` is not a rulebook here; use nmaimh, orimha or ct-aimh"))
    })?;
    let purpose: Purpose = match &query.purpose {
        Some(text) => {
            text.parse().map_err(|_| AppError::invalid("purpose", format!("`{text}` is not application or renewal")))?
        }
        None => profile.purpose.unwrap_or(Purpose::Application),
    };
    if !rulebook.purposes().contains(&purpose) {
        return Err(AppError::invalid("purpose", format!("rulebook {} does not define {purpose}", rulebook.id)));
    }
    let as_of = match &query.as_of {
        Some(text) => Date::parse_field(text, "as_of").map_err(|e| AppError::invalid("as_of", e.to_string()))?,
        None => Date::from_unix_millis(now_ms()).ok_or_else(|| AppError::internal("the clock is out of range"))?,
    };
    let masters = profile.masters_conferred_on;

    let inputs = store.evaluation_inputs(&user.id).await?;
    let rows = &inputs.attendance;
    let records = attendance_records(&inputs)?;

    let mut builder = DossierBuilder::new(as_of);
    let mut relied_on = Vec::new();
    let mut provider_names = BTreeMap::new();
    let mut endorsements = BTreeMap::new();
    let mut providers: Vec<&str> = rows.iter().map(|r| r.session.provider_id.as_str()).collect();
    providers.sort_unstable();
    providers.dedup();
    for provider in providers {
        let approved = store.approved_records(&UserId::from(provider)).await?;
        let id = Id::new(provider, "provider").map_err(internal("provider"))?;
        builder = builder.credentials(id, approved.iter().map(credential_of));
        relied_on.extend(approved.into_iter().map(|r| (provider.to_string(), r)));
        let name = store
            .user_by_id(&UserId::from(provider))
            .await?
            .map(|u| u.display_name)
            .unwrap_or_else(|| provider.to_string());
        provider_names.insert(provider.to_string(), name);
        endorsements.insert(provider.to_string(), endorsements_of(store, &UserId::from(provider)).await?);
    }
    let applicant = Applicant {
        id: Id::new(user.id.as_str(), "applicant").map_err(internal("applicant"))?,
        masters_conferred_on: masters,
        provides_rsc: Some(profile.provides_rsc),
    };
    let trainings = crate::trainings::of(store, &user.id).await?;
    let builder =
        builder.trainings(trainings.iter().map(crate::trainings::dossier_training).collect::<Result<Vec<_>, _>>()?);
    let dossier = builder.build(applicant, &records);
    let evaluation = rsc_rules::evaluate(&rulebook, purpose, &dossier)?;

    Ok(Verified {
        applicant: user.clone(),
        rulebook,
        purpose,
        dossier,
        evaluation,
        records: relied_on,
        provider_names,
        endorsements,
        trainings,
        inputs,
    })
}

/// Attendance records derived from inputs, kept for as long as the store keeps those inputs
/// (a weak reference tells when it let them go): a dashboard asks again and again for the same
/// 2,000 sessions, and parsing their providers' statements again each time was a third of the
/// evaluation's cost.
static DERIVED: std::sync::Mutex<Vec<Derived>> = std::sync::Mutex::new(Vec::new());

/// Inputs (while the store keeps them) and the records derived from them.
type Derived = (Weak<EvaluationInputs>, Arc<Vec<AttendanceRecord>>);

/// How many inputs' records are kept at most (the store bounds their size).
const MAX_DERIVED: usize = 64;

/// The dossier builder's records for `inputs`: each attendance with the content of the
/// provider's statement about it, if the ledger holds a valid one.
fn attendance_records(inputs: &Arc<EvaluationInputs>) -> Result<Arc<Vec<AttendanceRecord>>, AppError> {
    let kept = |derived: &mut Vec<Derived>| {
        derived.retain(|(weak, _)| weak.strong_count() > 0);
        derived.iter().find(|(weak, _)| std::ptr::eq(weak.as_ptr(), Arc::as_ptr(inputs))).map(|(_, r)| r.clone())
    };
    if let Some(records) = kept(&mut DERIVED.lock().unwrap_or_else(|p| p.into_inner())) {
        return Ok(records);
    }
    let ledger = inputs.ledger_by_id();
    let mut records = Vec::with_capacity(inputs.attendance.len());
    for row in &inputs.attendance {
        let statement = row
            .attendance
            .attestation_id
            .as_ref()
            .and_then(|id| ledger.get(id.as_slice()))
            .and_then(|entry| SignedStatement::from_bytes(&entry.statement).ok())
            .map(|s| s.content);
        records.push(attendance_record(row, statement)?);
    }
    let records = Arc::new(records);
    // Inputs no one else holds were too large for the store to keep: neither are their records.
    if Arc::strong_count(inputs) == 1 {
        return Ok(records);
    }
    let mut derived = DERIVED.lock().unwrap_or_else(|p| p.into_inner());
    if kept(&mut derived).is_none() {
        if derived.len() >= MAX_DERIVED {
            derived.remove(0);
        }
        derived.push((Arc::downgrade(inputs), Arc::clone(&records)));
    }
    Ok(records)
}

fn attendance_record(
    row: &SessionAttendance,
    statement: Option<rsc_model::AttestedContent>,
) -> Result<AttendanceRecord, AppError> {
    let (s, a) = (&row.session, &row.attendance);
    let bad = internal("projection");
    Ok(AttendanceRecord {
        session_id: Id::new(s.id.as_str(), "session").map_err(&bad)?,
        attendee: Id::new(a.attendee_id.as_str(), "attendee").map_err(&bad)?,
        provider: Id::new(s.provider_id.as_str(), "provider").map_err(&bad)?,
        date: s.date,
        session_minutes: Minutes::new(i64::from(s.minutes), "minutes").map_err(&bad)?,
        minutes_attended: Minutes::new(i64::from(a.minutes_attended), "minutes_attended").map_err(&bad)?,
        kind: s.kind,
        format: s.format,
        about_own_rsc_practice: a.about_own_rsc_practice,
        withdrawn: s.withdrawn,
        statement,
    })
}

/// Characters of an export id (of the alphabet connection codes use): 130 random bits, too
/// many to guess, and still typed from a printout's link or read from its QR code. Exports made
/// before had 12.
pub const EXPORT_ID_LEN: usize = 26;

/// Whether `text` could be an export id, new or old: checked before anything is looked up.
pub fn is_export_id(text: &str) -> bool {
    (text.len() == EXPORT_ID_LEN || text.len() == 12) && text.bytes().all(|b| rsc_protocol::CODE_ALPHABET.contains(&b))
}

/// How many attended each group session of the dossier (the export shows a group's size, never
/// who else was there).
pub async fn group_sizes<S: Store>(
    store: &S,
    verified: &Verified,
) -> Result<std::collections::BTreeMap<String, u32>, AppError> {
    let mut sizes = std::collections::BTreeMap::new();
    for session in verified.dossier.sessions.iter().filter(|s| s.kind == rsc_model::SessionKind::Group) {
        let rows = store.attendance_rows(&crate::store::DocId::from(session.id.as_str())).await?;
        sizes.insert(session.id.to_string(), u32::try_from(rows.len()).unwrap_or(u32::MAX).max(1));
    }
    Ok(sizes)
}

/// The payload of the exports: the signed JSON carries it, and the CSV and PDF are made from it.
pub fn payload(verified: &Verified, export_id: &str, group_sizes: std::collections::BTreeMap<String, u32>) -> Payload {
    Payload {
        export_id: Some(export_id.to_string()),
        group_sizes,
        trainings: verified
            .trainings
            .iter()
            .map(|t| rsc_export::ExportedTraining {
                id: t.id.clone(),
                title: t.title.clone(),
                organiser: t.organiser.clone(),
                date: t.date,
                minutes: t.minutes.max(0) as u32,
                topic: t.topic,
                certificate: t.certificate.clone(),
            })
            .collect(),
        issued_at_ms: now_ms(),
        applicant: Person {
            id: verified.applicant.id.to_string(),
            display_name: verified.applicant.display_name.clone(),
        },
        rulebook: verified.rulebook.clone(),
        purpose: verified.purpose,
        dossier: verified.dossier.clone(),
        evaluation: verified.evaluation.clone(),
        attestations: verified
            .attestations()
            .into_iter()
            .map(|(session, entry)| ExportedAttestation::new(session, &entry.statement, &entry.public_key))
            .collect(),
        registry_records: verified
            .records
            .iter()
            .map(|(provider, r)| RegistryRecordRef {
                number: r.number.clone(),
                provider_id: provider.clone(),
                holder_name: r.holder_name.clone(),
                credential: r.credential,
                association: r.association.clone(),
                earned_on: r.earned_on,
                valid_through: r.valid_through,
                revoked_on: r.revoked_on,
                version: r.version,
            })
            .collect(),
        providers: verified
            .provider_names
            .iter()
            .map(|(id, name)| Person { id: id.clone(), display_name: name.clone() })
            .collect(),
    }
}

/// The signed JSON export, under `export_id`.
pub async fn json_export<S: Store>(store: &S, verified: &Verified, export_id: &str) -> Result<String, AppError> {
    let key = crate::server_keys::signing_key(store).await?;
    let secret: [u8; 32] = key
        .secret
        .as_slice()
        .try_into()
        .map_err(|_| AppError::internal(format!("stored server key {} is not 32 bytes", key.id)))?;
    let sizes = group_sizes(store, verified).await?;
    Ok(rsc_export::sign_and_render(payload(verified, export_id, sizes), &key.id, &secret)?)
}

/// Signs the user's verified hours and keeps the export under a new id, so that a printout can
/// name it and a reviewer can look it up. The id is drawn first and signed inside the export:
/// two exports of the same hours in the same millisecond are two exports, with their own
/// digests.
pub async fn keep_export<S: Store>(
    store: &S,
    user: &UserRecord,
    verified: &Verified,
) -> Result<crate::store::ExportRecord, AppError> {
    use sha2::Digest;
    for _ in 0..8 {
        let id = crate::auth::random_code(EXPORT_ID_LEN)?;
        let body = json_export(store, verified, &id).await?;
        let record = crate::store::ExportRecord {
            id,
            user_id: user.id.clone(),
            digest: sha2::Sha256::digest(body.as_bytes()).to_vec(),
            body,
            created_at_ms: now_ms(),
            withdrawn_at_ms: None,
        };
        match store.create_export(&record).await {
            Ok(()) => return Ok(record),
            // 130 random bits: a taken id is drawn again.
            Err(crate::store::StoreError::Conflict(_)) => continue,
            Err(other) => return Err(other.into()),
        }
    }
    Err(AppError::internal("no free export id was found"))
}

/// The user's profile as `GET /v1/me/profile` gives it.
pub async fn profile<S: Store>(store: &S, user: &UserRecord) -> Result<rsc_protocol::Profile, AppError> {
    let record = store.profile(&user.id).await?.unwrap_or_default();
    Ok(profile_of(user, record))
}

/// The profile and the directory together (what a sync's account news carries), from one
/// read of the profile.
pub async fn profile_and_directory<S: Store>(
    store: &S,
    user: &UserRecord,
) -> Result<(rsc_protocol::Profile, rsc_protocol::ProviderDirectory), AppError> {
    let record = store.profile(&user.id).await?.unwrap_or_default();
    let directory = directory_of(store, user, record.masters_conferred_on).await?;
    Ok((profile_of(user, record), directory))
}

fn profile_of(user: &UserRecord, p: ProfileRecord) -> rsc_protocol::Profile {
    rsc_protocol::Profile {
        masters_conferred_on: p.masters_conferred_on.map(|d| d.to_string()),
        rulebook: p.rulebook,
        purpose: p.purpose.map(|p| p.as_str().to_string()),
        display_name: Some(user.display_name.clone()),
        share_progress: Some(p.share_progress),
        provides_rsc: Some(p.provides_rsc),
    }
}

/// What a device needs to evaluate the user's logbook offline: the providers of their sessions
/// (and the user themself, for their own sessions as a provider) with approved credentials and
/// device keys, and the master's date from the profile.
pub async fn provider_directory<S: Store>(
    store: &S,
    user: &UserRecord,
) -> Result<rsc_protocol::ProviderDirectory, AppError> {
    let masters_conferred_on = store.profile(&user.id).await?.unwrap_or_default().masters_conferred_on;
    directory_of(store, user, masters_conferred_on).await
}

/// The people `user` may name in a session of `provider`, herself aside, by name: those her
/// directory lists under that provider (see [`directory_of`]), as the server's check on pushes
/// allows.
pub async fn namable<S: Store>(
    store: &S,
    user: &UserRecord,
    provider: &str,
) -> Result<Vec<rsc_protocol::Person>, AppError> {
    let directory = provider_directory(store, user).await?;
    let mut people: Vec<rsc_protocol::Person> = directory
        .people
        .into_iter()
        .filter(|p| p.id != user.id && p.connected_to.iter().any(|c| c == provider))
        .map(|p| rsc_protocol::Person { id: p.id, display_name: p.display_name })
        .collect();
    people.sort_by(|a, b| (&a.display_name, &a.id).cmp(&(&b.display_name, &b.id)));
    Ok(people)
}

/// [`provider_directory`], with the master's date already read from the profile.
///
/// Who sees whom: the user sees her providers, her supervisees, the members of the groups she
/// belongs to and the people she already shares a session with; nobody else. She may name a
/// person in a session of provider P when that person is connected to P now and either she is
/// P, or she is connected to P and shares one of P's groups or a session of P's with them. The
/// server's check on pushes (`sync::unconnected`) follows the same rule.
async fn directory_of<S: Store>(
    store: &S,
    user: &UserRecord,
    masters_conferred_on: Option<Date>,
) -> Result<rsc_protocol::ProviderDirectory, AppError> {
    use rsc_protocol::{ConnectionRole, ConnectionState};
    let me = UserId::from(&user.id);
    let mut people: std::collections::BTreeMap<String, rsc_protocol::DirectoryPerson> = Default::default();
    let mut add = |id: &str, name: &str, connected_to: Option<&str>| {
        let person = people.entry(id.to_string()).or_insert_with(|| rsc_protocol::DirectoryPerson {
            id: id.to_string(),
            display_name: name.to_string(),
            connected_to: Vec::new(),
        });
        if let Some(provider) = connected_to
            && !person.connected_to.iter().any(|p| p == provider)
        {
            person.connected_to.push(provider.to_string());
        }
    };
    add(&user.id, &user.display_name, None);
    let connections = crate::connections::entries(store, user).await?;
    let current = |role: ConnectionRole| {
        connections.iter().filter(move |e| e.role == role && e.state == ConnectionState::Connected)
    };
    let my_providers: Vec<&str> = current(ConnectionRole::Provider).map(|e| e.person.id.as_str()).collect();
    for entry in current(ConnectionRole::Provider) {
        add(&entry.person.id, &entry.person.display_name, None);
        add(&user.id, &user.display_name, Some(&entry.person.id));
    }
    for entry in current(ConnectionRole::Supervisee) {
        add(&entry.person.id, &entry.person.display_name, Some(&user.id));
    }
    let groups = crate::connections::groups(store, user).await?;
    for group in groups.iter().filter(|g| !g.archived && g.provider.id != user.id) {
        // Ending a connection takes the member out of the provider's groups, so every member
        // here is connected to the group's provider.
        for member in &group.members {
            add(
                &member.id,
                &member.display_name,
                my_providers.contains(&group.provider.id.as_str()).then_some(group.provider.id.as_str()),
            );
        }
    }
    // People known from sessions: shown by name; named again only under a provider both are
    // still connected to.
    let mut by_provider: std::collections::BTreeMap<String, Vec<(String, String)>> = Default::default();
    for known in store.acquaintances_of(&me).await? {
        if known.provider_id == user.id || !my_providers.contains(&known.provider_id.as_str()) {
            add(&known.other_id, &known.other_name, None);
        } else {
            by_provider.entry(known.provider_id).or_default().push((known.other_id, known.other_name));
        }
    }
    for (provider, known) in by_provider {
        let ids: Vec<UserId> = known.iter().map(|(id, _)| UserId::from(id.as_str())).collect();
        let connected = store.connected_among(&UserId::from(provider.as_str()), &ids).await?;
        for (id, name) in &known {
            add(id, name, connected.iter().any(|c| c == id).then_some(provider.as_str()));
        }
    }
    let mut ids: Vec<String> = store.providers_attended(&me).await?;
    ids.push(user.id.to_string());
    // Providers she is connected to, or asked to connect to: a request shows its provider.
    ids.extend(
        connections
            .iter()
            .filter(|e| e.role == ConnectionRole::Provider && e.state != ConnectionState::Ended)
            .map(|e| e.person.id.clone()),
    );
    ids.sort_unstable();
    ids.dedup();
    let mut providers = Vec::with_capacity(ids.len());
    for id in ids {
        let user_id = UserId::from(&id);
        let Some(provider) = store.user_by_id(&user_id).await? else { continue };
        // Credentials every release of a device reads, and apart from them the later values,
        // which a device of the first release passes over.
        let (credentials, later_credentials): (Vec<_>, Vec<_>) = store
            .approved_records(&user_id)
            .await?
            .iter()
            .map(credential_of)
            .partition(|c| c.credential.known_to_first_release());
        let (endorsements, later_endorsements): (Vec<_>, Vec<_>) =
            endorsements_of(store, &user_id).await?.into_iter().partition(|e| e.credential.known_to_first_release());
        providers.push(rsc_protocol::DirectoryProvider {
            credentials,
            later_credentials,
            endorsements,
            later_endorsements,
            device_keys: store.active_keys(&user_id).await?.iter().map(hex::encode).collect(),
            display_name: provider.display_name,
            id,
        });
    }
    let mut people: Vec<_> = people.into_values().collect();
    for person in &mut people {
        person.connected_to.sort();
    }
    let (endorsements, later_endorsements): (Vec<_>, Vec<_>) =
        endorsements_of(store, &user.id).await?.into_iter().partition(|e| e.credential.known_to_first_release());
    Ok(rsc_protocol::ProviderDirectory {
        masters_conferred_on,
        providers,
        people,
        connections,
        groups,
        endorsements,
        later_endorsements,
    })
}

#[cfg(test)]
mod tests {
    use rsc_store::conformance::commit;

    use super::*;

    fn inputs(sessions: &[&str]) -> Arc<EvaluationInputs> {
        let attendance = sessions
            .iter()
            .map(|doc| {
                let c = commit(doc, None, &[], &[], &["ana", "pat"]);
                SessionAttendance {
                    session: c.session,
                    attendance: c.attendance[0].clone(),
                    attendee_name: "Ana".into(),
                }
            })
            .collect();
        Arc::new(EvaluationInputs { attendance, ledger: Vec::new() })
    }

    #[test]
    fn records_are_derived_once_per_version_of_the_inputs_and_let_go_with_them() {
        let first = inputs(&["s1", "s2"]);
        // The store keeps the inputs it gives out; this clone stands for its copy.
        let _kept_by_store = Arc::clone(&first);
        let records = attendance_records(&first).expect("records");
        assert_eq!(records.iter().map(|r| r.session_id.as_str()).collect::<Vec<_>>(), ["s1", "s2"]);
        assert!(Arc::ptr_eq(&records, &attendance_records(&first).expect("again")), "the same inputs: kept");

        // A write makes new inputs: their records are derived from them, not taken from the old.
        let second = inputs(&["s1", "s2", "s3"]);
        let _kept_by_store_too = Arc::clone(&second);
        assert_eq!(attendance_records(&second).expect("records").len(), 3);

        let weak = Arc::downgrade(&records);
        drop((first, _kept_by_store, records));
        attendance_records(&second).expect("records");
        assert!(weak.upgrade().is_none(), "the records go once the store lets their inputs go");
    }

    #[test]
    fn records_of_inputs_the_store_did_not_keep_are_not_kept_either() {
        let large = inputs(&["s1"]);
        let records = attendance_records(&large).expect("records");
        assert!(!Arc::ptr_eq(&records, &attendance_records(&large).expect("again")), "derived anew each time");
    }

    #[test]
    fn a_stored_row_that_breaks_the_model_is_an_error_and_is_not_kept() {
        let bad = inputs(&[" s1"]);
        assert!(attendance_records(&bad).is_err());
        let kept = DERIVED.lock().expect("lock");
        assert!(!kept.iter().any(|(weak, _)| std::ptr::eq(weak.as_ptr(), Arc::as_ptr(&bad))));
    }
}
