//! Each person's own data: downloading everything the server keeps about her, and closing her
//! account.
//!
//! Closing keeps what others' records rest on: her sessions, her confirmations (a provider's),
//! her claim and registry name, and her exports, so no supervisee loses a counted minute and a
//! reviewer still sees who confirmed. What is hers alone goes: her email and password, her
//! devices' sign-ins, her codes and requests, her places in groups. People who never shared a
//! session with her see her as "former member".

use std::collections::HashMap;
use std::net::IpAddr;

use rsc_protocol::{
    CLOSE_CONFIRMATION, OWN_DATA_FORMAT, OwnAccount, OwnCertificate, OwnClaim, OwnConnection, OwnData, OwnDevice,
    OwnEntry, OwnExport, OwnSession, OwnTraining,
};

use crate::AppError;
use crate::auth::{self, Client};
use crate::clock::{day, now_ms};
use crate::former::FORMER_MEMBER;
use crate::store::{Store, UserId, UserRecord};

/// Everything the server keeps about `user`, naming people rather than ids.
pub async fn download<S: Store>(store: &S, user: &UserRecord) -> Result<OwnData, AppError> {
    let mut names: HashMap<UserId, String> = HashMap::from([(user.id.clone(), user.display_name.clone())]);
    let devices = store
        .devices_of(&user.id)
        .await?
        .into_iter()
        .map(|d| OwnDevice {
            name: d.name,
            signed_in_on: day(d.created_at_ms),
            signed_out_on: d.revoked_at_ms.map(day),
        })
        .collect();
    let profile = match store.profile(&user.id).await? {
        Some(_) => Some(crate::verified::profile(store, user).await?),
        None => None,
    };
    let connections = store
        .connections_of(&user.id)
        .await?
        .into_iter()
        .map(|c| {
            let (person, relation) = if c.provider_id == user.id {
                (c.member_name, "your supervisee")
            } else {
                (c.provider_name, "your provider")
            };
            OwnConnection {
                person,
                relation: relation.into(),
                since: day(c.created_at_ms),
                ended_on: c.ended_at_ms.map(day),
            }
        })
        .collect();
    let mut sessions = Vec::new();
    for session in store.sessions_of(&user.id).await? {
        let provides = session.provider_id == user.id;
        let mut entries = Vec::new();
        for row in store.attendance_rows(&session.id).await? {
            // Her own entry; as the provider, every entry she confirmed or disputed. Another
            // attendee's entry in a group is that attendee's, not hers.
            if !provides && row.attendee_id != user.id {
                continue;
            }
            entries.push(OwnEntry {
                attendee: name(store, &mut names, &row.attendee_id).await?,
                minutes_attended: row.minutes_attended,
                status: row.status,
                confirmed_minutes: row.confirmed_minutes,
            });
        }
        entries.sort_by(|a, b| a.attendee.cmp(&b.attendee));
        sessions.push(OwnSession {
            date: session.date.to_string(),
            start_time: session.start_time,
            time_zone: session.time_zone,
            minutes: session.minutes,
            kind: session.kind.to_string(),
            format: session.format.to_string(),
            provider: name(store, &mut names, &session.provider_id).await?,
            withdrawn: session.withdrawn,
            entries,
        });
    }
    let exports = store
        .exports_of(&user.id)
        .await?
        .into_iter()
        .map(|e| OwnExport { id: e.id, made_on: day(e.created_at_ms), withdrawn_on: e.withdrawn_at_ms.map(day) })
        .collect();
    let claims = store
        .claims(Some(&user.id), None)
        .await?
        .into_iter()
        .map(|c| OwnClaim {
            number: c.number,
            status: c.status,
            filed_on: day(c.created_at_ms),
            decided_on: c.decided_at_ms.map(day),
            note: c.note,
        })
        .collect();
    let trainings = store
        .trainings_of(&user.id)
        .await?
        .into_iter()
        .map(|t| OwnTraining {
            title: t.title,
            organiser: t.organiser,
            date: t.date.to_string(),
            minutes: t.minutes,
            topic: t.topic.to_string(),
            certificate: t.certificate,
            removed: t.withdrawn,
        })
        .collect();
    let mut certificates = Vec::new();
    for record in store.certificates_of(&user.id).await? {
        if let Some((record, bytes)) = store.certificate_file(&user.id, &record.digest).await? {
            certificates.push(OwnCertificate {
                file_name: record.file_name,
                media_type: record.media_type,
                sha256: record.digest,
                uploaded_on: day(record.created_at_ms),
                content: rsc_protocol::Bytes(bytes),
            });
        }
    }
    Ok(OwnData {
        format: OWN_DATA_FORMAT.into(),
        made_on: day(now_ms()),
        account: OwnAccount {
            email: user.email.clone(),
            display_name: user.display_name.clone(),
            role: user.role,
            created_on: day(user.created_at_ms),
        },
        devices,
        profile,
        connections,
        sessions,
        exports,
        claims,
        trainings,
        certificates,
    })
}

async fn name<S: Store>(store: &S, names: &mut HashMap<UserId, String>, id: &UserId) -> Result<String, AppError> {
    if let Some(known) = names.get(id) {
        return Ok(known.clone());
    }
    let found = store.user_by_id(id).await?.map(|u| u.display_name).unwrap_or_else(|| FORMER_MEMBER.to_string());
    names.insert(id.clone(), found.clone());
    Ok(found)
}

/// Closes `user`'s account, after her password (counted against sign-in attempts, as a
/// password change is) and the words [`CLOSE_CONFIRMATION`].
pub async fn close<S: Store>(
    store: &S,
    user: &UserRecord,
    device_id: &str,
    password: &str,
    confirm: &str,
    address: IpAddr,
) -> Result<(), AppError> {
    if !confirm.trim().eq_ignore_ascii_case(CLOSE_CONFIRMATION) {
        return Err(AppError::invalid("confirm", format!("type `{CLOSE_CONFIRMATION}` to close your account")));
    }
    let attempt = auth::reserve_attempt(store, &user.email, address, &Client::Known(device_id.to_string())).await?;
    if !auth::verify_password(password.to_string(), user.password_hash.clone()).await {
        return Err(AppError::invalid("password", "is not your password"));
    }
    auth::release_attempt(store, &attempt).await?;
    // Not an address (no `@`), so no sign-up or sign-in ever matches it, and unique by the id.
    let erased = format!("closed:{}", user.id);
    store.close_account(&user.id, &erased, now_ms()).await?;
    tracing::info!(user_id = %user.id, "account closed");
    Ok(())
}
