//! Connections, requests and groups: the operations behind the API's routes and the portal's
//! pages, so that every front door runs the same rules.
//!
//! Consent is the rule. A code the provider handed out connects at once; an endorsement number,
//! which is public, only sends a request she accepts or declines. Either side ends a
//! connection; sessions already logged stay, and no new one can pair the two. A provider keeps
//! named groups of the people connected to her: their members see each other. Anything that
//! names a person the caller may not see answers exactly as a person who does not exist.

use rsc_protocol::{
    CONNECT_FAILURES_PER_HOUR, ConnectionEntry, ConnectionRole, ConnectionState, GroupChange, GroupView,
    MAX_ACTIVE_CODES, MAX_CODE_DAYS, MAX_ENDORSEMENT_NUMBER_BYTES, MAX_GROUP_MEMBERS, MAX_GROUP_NAME_CHARS, MAX_GROUPS,
    MAX_REQUESTS_PER_DAY, NewGroup, Person, REQUEST_AGAIN_AFTER_DAYS, normalize_code,
};

use crate::AppError;
use crate::clock::day;
use crate::clock::{new_id, now_ms};
use crate::store::{
    ConnectionCodeRecord, ConnectionRecord, ConnectionRequestRecord, GroupMemberRecord, GroupRecord, RequestStatus,
    Store, StoreError, UserId, UserRecord,
};

const DAY_MS: i64 = 24 * 3600 * 1000;
const HOUR_MS: i64 = 3600 * 1000;

/// Makes a connection code for `provider` to hand out, working for `days` (1 to
/// [`MAX_CODE_DAYS`]); at most [`MAX_ACTIVE_CODES`] work at once.
pub async fn create_code<S: Store>(
    store: &S,
    provider: &UserRecord,
    days: u32,
) -> Result<ConnectionCodeRecord, AppError> {
    if !(1..=MAX_CODE_DAYS).contains(&days) {
        return Err(AppError::invalid("valid_days", format!("{days} is out of range 1 to {MAX_CODE_DAYS}")));
    }
    let now = now_ms();
    let working = working_codes(store, provider).await?.len();
    if working >= MAX_ACTIVE_CODES {
        return Err(AppError::Conflict(format!(
            "you have {working} working connection codes, the most at once; withdraw one you no longer share first"
        )));
    }
    // 40 random bits: a collision is rare, and is simply drawn again.
    for _ in 0..8 {
        let record = ConnectionCodeRecord {
            code: crate::auth::random_code(rsc_protocol::CODE_LEN)?,
            provider_id: provider.id.clone(),
            created_at_ms: now,
            expires_at_ms: now + i64::from(days) * DAY_MS,
            revoked_at_ms: None,
            used: 0,
        };
        match store.create_connection_code(&record).await {
            Ok(()) => {
                tracing::info!(days, "connection code made");
                return Ok(record);
            }
            Err(StoreError::Conflict(_)) => continue,
            Err(other) => return Err(other.into()),
        }
    }
    Err(AppError::internal("no free connection code was found"))
}

/// The provider's codes that still work, newest first.
pub async fn working_codes<S: Store>(store: &S, provider: &UserRecord) -> Result<Vec<ConnectionCodeRecord>, AppError> {
    let now = now_ms();
    Ok(store.connection_codes(&provider.id).await?.into_iter().filter(|c| c.works_at(now)).collect())
}

/// Withdraws one of the provider's working codes (as typed, or its link); people who connected
/// with it stay connected.
pub async fn withdraw_code<S: Store>(store: &S, provider: &UserRecord, code: &str) -> Result<(), AppError> {
    let not_found = || AppError::NotFound(format!("you have no working connection code `{}`", code.trim()));
    let canonical = normalize_code(code).map_err(|_| not_found())?;
    if !store.revoke_connection_code(&provider.id, &canonical, now_ms()).await? {
        return Err(not_found());
    }
    Ok(())
}

/// Connects `me` to the provider who handed out `code` (typed in any case, with or without
/// its dash, or the whole link): at once, since she consented by handing it out. A wrong,
/// expired or withdrawn code gets one answer. Wrong codes are throttled per account only, so
/// that one account's guesses never lock out a colleague behind the same address (a clinic):
/// codes have 40 random bits, and even a thousand accounts, each allowed its hourly ten, would
/// need over a century to hit one of a hundred working codes. Returns the provider and whether
/// the connection is new.
pub async fn connect_by_code<S: Store>(store: &S, me: &UserRecord, code: &str) -> Result<(UserRecord, bool), AppError> {
    let code = normalize_code(code).map_err(|e| AppError::invalid("code", e.to_string()))?;
    // Reserved before the code is looked up, released when it works: only wrong codes count,
    // and parallel guesses cannot all slip in before the count.
    let attempt = crate::clock::random_id();
    let now = now_ms();
    let limits = [(format!("connect:{}", me.id), CONNECT_FAILURES_PER_HOUR)];
    if !store.reserve_login_attempt(&limits, &attempt, now, now - HOUR_MS).await? {
        return Err(AppError::RateLimited {
            retry_after_secs: (HOUR_MS / 1000) as u64,
            message: "too many wrong connection codes; wait an hour and try again".into(),
        });
    }
    let Some(record) = store.connection_code(&code).await?.filter(|c| c.works_at(now)) else {
        tracing::info!("wrong connection code");
        return Err(AppError::NotFound(
            "no working connection code matches; check it with your provider (codes expire, and can be withdrawn)"
                .into(),
        ));
    };
    store.release_login_attempt(&attempt).await?;
    let provider = record.provider_id.clone();
    if provider.as_str() == me.id {
        return Err(AppError::invalid("code", "this is your own connection code; share it with your supervisees"));
    }
    let new = store.connect(&provider, &me.id, Some(&code), now_ms()).await?;
    let provider = store.user_by_id(&provider).await?.ok_or_else(|| AppError::internal("the provider is gone"))?;
    if new {
        store.tell(&[provider.id.to_string()]).await?;
    }
    tracing::info!(new, "connected to a provider by code");
    Ok((provider, new))
}

/// Asks the provider who holds endorsement `number` to connect with `me`. The answer is the
/// request as `me` sees it: waiting, or `connected` when the two already are. A request she
/// declined may be sent again [`REQUEST_AGAIN_AFTER_DAYS`] days after; an account sends at most
/// [`MAX_REQUESTS_PER_DAY`] new requests a day.
pub async fn ask<S: Store>(store: &S, me: &UserRecord, number: &str) -> Result<ConnectionEntry, AppError> {
    let number = number.trim();
    if number.is_empty() || number.len() > MAX_ENDORSEMENT_NUMBER_BYTES || number.chars().any(char::is_control) {
        return Err(AppError::invalid("endorsement_number", "give the endorsement number, e.g. NM-1001"));
    }
    // A provider who closed her account is nobody to ask, as a number nobody holds.
    let holder = match store.holder_of(number).await? {
        Some(holder) if store.closed_among(std::slice::from_ref(&holder.id)).await?.is_empty() => Some(holder),
        _ => None,
    };
    let holder = holder.ok_or_else(|| {
        AppError::NotFound(format!(
            "no provider here holds endorsement number {number}; check it, or ask your provider for a connection code"
        ))
    })?;
    if holder.id == me.id {
        return Err(AppError::invalid("endorsement_number", "this is your own endorsement number"));
    }
    let (provider, member) = (UserId::from(&holder.id), UserId::from(&me.id));
    if let Some(connection) =
        store.connections_of(&member).await?.into_iter().find(|c| c.provider_id == holder.id && c.is_active())
    {
        return Ok(entry_of_connection(&connection, &me.id));
    }
    let now = now_ms();
    match store.connection_request(&provider, &member).await? {
        Some(request) if request.status == RequestStatus::Pending => return Ok(entry_of_request(&request, &me.id)),
        Some(request) => {
            let again = request.decided_at_ms.unwrap_or(request.created_at_ms) + REQUEST_AGAIN_AFTER_DAYS * DAY_MS;
            if now < again {
                return Err(AppError::Conflict(format!(
                    "{} declined your request on {}; you may ask again from {}, or ask her for a connection code",
                    holder.display_name,
                    day(request.decided_at_ms.unwrap_or(request.created_at_ms)),
                    day(again)
                )));
            }
        }
        None => {}
    }
    let attempt = crate::clock::random_id();
    let limits = [(format!("request:{}", me.id), MAX_REQUESTS_PER_DAY)];
    if !store.reserve_login_attempt(&limits, &attempt, now, now - DAY_MS).await? {
        return Err(AppError::RateLimited {
            retry_after_secs: (DAY_MS / 1000) as u64,
            message: format!("you sent {MAX_REQUESTS_PER_DAY} connection requests today, the most a day; ask tomorrow"),
        });
    }
    store.put_connection_request(&provider, &member, number, now).await?;
    store.tell(&[holder.id.to_string()]).await?;
    tracing::info!("connection requested");
    let request = store
        .connection_request(&provider, &member)
        .await?
        .ok_or_else(|| AppError::internal("a request just sent is gone"))?;
    Ok(entry_of_request(&request, &me.id))
}

/// The pending request `member` sent `provider`, or the one answer for "no such request" and
/// "no such person".
async fn pending_request<S: Store>(
    store: &S,
    provider: &UserRecord,
    member: &str,
) -> Result<ConnectionRequestRecord, AppError> {
    let not_found = || AppError::NotFound("no request from this person waits for you".into());
    let member = rsc_model::Id::new(member, "person").map_err(|_| not_found())?;
    store
        .connection_request(&provider.id, &UserId::from(member.as_str()))
        .await?
        .filter(|r| r.status == RequestStatus::Pending)
        .ok_or_else(not_found)
}

/// The provider accepts a request: the two are connected from now on.
pub async fn accept<S: Store>(store: &S, provider: &UserRecord, member: &str) -> Result<ConnectionEntry, AppError> {
    let request = pending_request(store, provider, member).await?;
    let member = UserId::from(request.member_id.as_str());
    store.connect(&provider.id, &member, None, now_ms()).await?;
    store.tell(&[request.member_id.to_string()]).await?;
    tracing::info!("connection request accepted");
    let connection = store
        .connections_of(&member)
        .await?
        .into_iter()
        .find(|c| c.provider_id == provider.id && c.is_active())
        .ok_or_else(|| AppError::internal("a connection just made is gone"))?;
    Ok(entry_of_connection(&connection, &provider.id))
}

/// The provider declines (or removes) a request: the asker is told "declined", and may ask
/// again after [`REQUEST_AGAIN_AFTER_DAYS`] days.
pub async fn decline<S: Store>(store: &S, provider: &UserRecord, member: &str) -> Result<ConnectionEntry, AppError> {
    let request = pending_request(store, provider, member).await?;
    let member = UserId::from(request.member_id.as_str());
    store.decline_connection_request(&provider.id, &member, now_ms()).await?;
    store.tell(&[request.member_id.to_string()]).await?;
    tracing::info!("connection request declined");
    let request = store
        .connection_request(&provider.id, &member)
        .await?
        .ok_or_else(|| AppError::internal("a request just declined is gone"))?;
    Ok(entry_of_request(&request, &provider.id))
}

/// Ends every connection between `me` and `other`, on either side, and takes back a request
/// `me` sent `other` that still waits. Sessions already logged stay and count; no new session
/// can pair the two. Who is not connected to `me` answers as nobody at all.
pub async fn end<S: Store>(store: &S, me: &UserRecord, other: &str) -> Result<(), AppError> {
    let not_found = || AppError::NotFound("you are not connected to this person".into());
    let other = rsc_model::Id::new(other, "person").map_err(|_| not_found())?;
    let (me_id, other_id) = (UserId::from(&me.id), UserId::from(other.as_str()));
    let now = now_ms();
    let mut ended = false;
    for connection in store.connections_of(&me_id).await?.iter().filter(|c| c.is_active()) {
        if connection.provider_id == other.as_str() {
            ended |= store.end_connection(&other_id, &me_id, ConnectionRole::Supervisee, now).await?;
        } else if connection.member_id == other.as_str() {
            ended |= store.end_connection(&me_id, &other_id, ConnectionRole::Provider, now).await?;
        }
    }
    ended |= store.withdraw_connection_request(&other_id, &me_id).await?;
    if !ended {
        return Err(not_found());
    }
    store.tell(&[other.to_string()]).await?;
    tracing::info!("connection ended");
    Ok(())
}

/// Every connection and request `me` is on either side of, as she sees them: a provider does
/// not see the requests she declined.
pub async fn entries<S: Store>(store: &S, me: &UserRecord) -> Result<Vec<ConnectionEntry>, AppError> {
    let me_id = UserId::from(&me.id);
    let mut entries: Vec<ConnectionEntry> =
        store.connections_of(&me_id).await?.iter().map(|c| entry_of_connection(c, &me.id)).collect();
    for request in store.connection_requests_of(&me_id).await? {
        if request.provider_id == me.id && request.status == RequestStatus::Declined {
            continue;
        }
        entries.push(entry_of_request(&request, &me.id));
    }
    // A closed account she never shared a session with is no longer anyone she may name.
    let others: Vec<UserId> = entries.iter().map(|e| UserId::from(e.person.id.as_str())).collect();
    let former = crate::former::former_members(store, &me_id, &others).await?;
    for entry in entries.iter_mut().filter(|e| former.contains(&UserId::from(e.person.id.as_str()))) {
        entry.person.display_name = crate::former::FORMER_MEMBER.to_string();
        entry.email = None;
        entry.endorsement_number = None;
    }
    entries.sort_by(|a, b| {
        (a.state, &a.person.display_name, &a.person.id).cmp(&(b.state, &b.person.display_name, &b.person.id))
    });
    Ok(entries)
}

fn entry_of_connection(c: &ConnectionRecord, me: &str) -> ConnectionEntry {
    let i_am_provider = c.provider_id == me;
    let (person, role) = if i_am_provider {
        (Person { id: c.member_id.to_string(), display_name: c.member_name.clone() }, ConnectionRole::Supervisee)
    } else {
        (Person { id: c.provider_id.to_string(), display_name: c.provider_name.clone() }, ConnectionRole::Provider)
    };
    let my_side = if i_am_provider { ConnectionRole::Provider } else { ConnectionRole::Supervisee };
    ConnectionEntry {
        person,
        role,
        state: if c.is_active() { ConnectionState::Connected } else { ConnectionState::Ended },
        source: c.source,
        since_ms: c.created_at_ms,
        ended_at_ms: c.ended_at_ms,
        ended_by_me: c.ended_by.map(|by| by == my_side),
        email: None,
        endorsement_number: None,
        ask_again_from_ms: None,
    }
}

fn entry_of_request(r: &ConnectionRequestRecord, me: &str) -> ConnectionEntry {
    let i_am_provider = r.provider_id == me;
    let declined = r.status == RequestStatus::Declined;
    ConnectionEntry {
        person: if i_am_provider {
            Person { id: r.member_id.to_string(), display_name: r.member_name.clone() }
        } else {
            Person { id: r.provider_id.to_string(), display_name: r.provider_name.clone() }
        },
        role: if i_am_provider { ConnectionRole::Supervisee } else { ConnectionRole::Provider },
        state: if declined { ConnectionState::Declined } else { ConnectionState::Requested },
        source: None,
        since_ms: r.created_at_ms,
        ended_at_ms: r.decided_at_ms,
        ended_by_me: declined.then_some(i_am_provider),
        // The provider sees who asks; the asker already knows her own email.
        email: i_am_provider.then(|| r.member_email.clone()),
        endorsement_number: Some(r.number.clone()),
        ask_again_from_ms: (declined && !i_am_provider)
            .then(|| r.decided_at_ms.unwrap_or(r.created_at_ms) + REQUEST_AGAIN_AFTER_DAYS * DAY_MS),
    }
}

/// The groups `me` keeps as a provider (archived ones too) and the unarchived ones she belongs
/// to, with their members by name.
pub async fn groups<S: Store>(store: &S, me: &UserRecord) -> Result<Vec<GroupView>, AppError> {
    Ok(store.groups_for(&me.id).await?.into_iter().map(|(g, m)| group_view(g, m)).collect())
}

fn group_view(group: GroupRecord, members: Vec<GroupMemberRecord>) -> GroupView {
    GroupView {
        provider: Person { id: group.provider_id.to_string(), display_name: group.provider_name },
        members: members
            .into_iter()
            .map(|m| Person { id: m.member_id.to_string(), display_name: m.member_name })
            .collect(),
        archived: group.archived_at_ms.is_some(),
        created_at_ms: group.created_at_ms,
        name: group.name,
        id: group.id,
    }
}

/// A group's name as given: trimmed, 1 to [`MAX_GROUP_NAME_CHARS`] printable characters, and
/// unlike the provider's other groups' names (in any case).
fn group_name(text: &str, others: &[GroupView], except: Option<&str>) -> Result<String, AppError> {
    let name = text.trim();
    if name.is_empty() || name.chars().count() > MAX_GROUP_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "name",
            format!("a group's name is 1 to {MAX_GROUP_NAME_CHARS} printable characters"),
        ));
    }
    let lower = name.to_lowercase();
    if let Some(same) = others.iter().find(|g| Some(g.id.as_str()) != except && g.name.to_lowercase() == lower) {
        return Err(AppError::invalid(
            "name",
            format!("you already have a group called {}{}", same.name, if same.archived { " (archived)" } else { "" }),
        ));
    }
    Ok(name.to_string())
}

/// The provider's own group `group_id`, or the one answer for "not hers" and "no such group".
fn own_group<'a>(mine: &'a [GroupView], provider: &UserRecord, group_id: &str) -> Result<&'a GroupView, AppError> {
    mine.iter()
        .find(|g| g.id == group_id && g.provider.id == provider.id)
        .ok_or_else(|| AppError::NotFound("you keep no such group".into()))
}

/// Checks that each of `members` is connected to the provider now; anyone else answers as
/// nobody, named only by the field.
async fn connected_members<S: Store>(
    store: &S,
    provider: &UserRecord,
    members: &[String],
    field: &str,
) -> Result<Vec<UserId>, AppError> {
    let mut ids = Vec::with_capacity(members.len());
    for member in members {
        let id = rsc_model::Id::new(member.as_str(), field)
            .map_err(|_| AppError::invalid(field, "names nobody connected to you"))?;
        ids.push(UserId::from(id.as_str()));
    }
    ids.sort_unstable_by(|a, b| a.as_str().cmp(b.as_str()));
    ids.dedup_by(|a, b| a.as_str() == b.as_str());
    let connected = store.connected_among(&provider.id, &ids).await?;
    if ids.iter().any(|id| !connected.iter().any(|c| c == id.as_str())) {
        return Err(AppError::invalid(
            field,
            "a group holds only people connected to you; someone named here is not (or no longer)",
        ));
    }
    Ok(ids)
}

/// Makes a group of the provider's supervisees.
pub async fn create_group<S: Store>(store: &S, provider: &UserRecord, new: &NewGroup) -> Result<GroupView, AppError> {
    let mine: Vec<GroupView> =
        groups(store, provider).await?.into_iter().filter(|g| g.provider.id == provider.id).collect();
    if mine.len() >= MAX_GROUPS {
        return Err(AppError::Conflict(format!(
            "you keep {MAX_GROUPS} groups, the most there may be; rename one you no longer use"
        )));
    }
    let name = group_name(&new.name, &mine, None)?;
    if new.members.len() > MAX_GROUP_MEMBERS {
        return Err(AppError::invalid("members", format!("a group holds at most {MAX_GROUP_MEMBERS} people")));
    }
    let members = connected_members(store, provider, &new.members, "members").await?;
    let record = GroupRecord {
        id: new_id().to_string(),
        provider_id: provider.id.clone(),
        provider_name: provider.display_name.clone(),
        name,
        created_at_ms: now_ms(),
        archived_at_ms: None,
    };
    match store.create_group(&record, &members).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::invalid("name", format!("you already have a group called {}", record.name)));
        }
        Err(other) => return Err(other.into()),
    }
    tell_members(store, &members).await?;
    group_after(store, provider, &record.id).await
}

/// Renames, archives or brings back one of the provider's groups.
pub async fn change_group<S: Store>(
    store: &S,
    provider: &UserRecord,
    group_id: &str,
    change: &GroupChange,
) -> Result<GroupView, AppError> {
    let mine = groups(store, provider).await?;
    let group = own_group(&mine, provider, group_id)?.clone();
    let name = match &change.name {
        Some(name) => Some(group_name(name, &mine, Some(group_id))?),
        None => None,
    };
    let archived = change.archived.map(|archive| archive.then(now_ms));
    match store.update_group(&provider.id, group_id, name.as_deref(), archived).await {
        Ok(_) => {}
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::invalid("name", "you already have a group of that name"));
        }
        Err(other) => return Err(other.into()),
    }
    let members: Vec<UserId> = group.members.iter().map(|m| UserId::from(m.id.as_str())).collect();
    tell_members(store, &members).await?;
    group_after(store, provider, group_id).await
}

/// Adds (`present`) or removes a member of one of the provider's groups. Only people connected
/// to her may be added.
pub async fn set_member<S: Store>(
    store: &S,
    provider: &UserRecord,
    group_id: &str,
    member: &str,
    present: bool,
) -> Result<GroupView, AppError> {
    let mine = groups(store, provider).await?;
    let group = own_group(&mine, provider, group_id)?.clone();
    let member = if present {
        if group.members.len() >= MAX_GROUP_MEMBERS && !group.members.iter().any(|m| m.id == member) {
            return Err(AppError::invalid("member", format!("a group holds at most {MAX_GROUP_MEMBERS} people")));
        }
        connected_members(store, provider, &[member.to_string()], "member").await?.remove(0)
    } else {
        let Some(found) = group.members.iter().find(|m| m.id == member) else {
            return Err(AppError::NotFound("this person is not in the group".into()));
        };
        UserId::from(found.id.as_str())
    };
    store.set_group_member(&provider.id, group_id, &member, present, now_ms()).await?;
    let mut told: Vec<UserId> = group.members.iter().map(|m| UserId::from(m.id.as_str())).collect();
    told.push(member);
    tell_members(store, &told).await?;
    group_after(store, provider, group_id).await
}

async fn group_after<S: Store>(store: &S, provider: &UserRecord, group_id: &str) -> Result<GroupView, AppError> {
    groups(store, provider)
        .await?
        .into_iter()
        .find(|g| g.id == group_id)
        .ok_or_else(|| AppError::internal("a group just written is gone"))
}

/// Tells the members' devices that whom they see changed.
async fn tell_members<S: Store>(store: &S, members: &[UserId]) -> Result<(), AppError> {
    if members.is_empty() {
        return Ok(());
    }
    let users: Vec<String> = members.iter().map(|m| m.as_str().to_string()).collect();
    store.tell(&users).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(id: &str, name: &str, archived: bool) -> GroupView {
        GroupView {
            id: id.into(),
            name: name.into(),
            provider: Person { id: "pat".into(), display_name: "Pat".into() },
            members: Vec::new(),
            created_at_ms: 0,
            archived,
        }
    }

    #[test]
    fn group_names_are_trimmed_bounded_and_unlike_the_others_in_any_case() {
        let others = [group("g1", "Tuesday reflective group", false), group("g2", "Old group", true)];
        assert_eq!(group_name("  Wednesday  ", &others, None).expect("fine"), "Wednesday");
        let taken = group_name("tuesday REFLECTIVE group", &others, None).expect_err("taken");
        assert!(taken.to_string().contains("Tuesday reflective group"), "{taken}");
        let archived = group_name("old group", &others, None).expect_err("taken by an archived one");
        assert!(archived.to_string().contains("(archived)"), "{archived}");
        assert_eq!(
            group_name("Tuesday Reflective Group", &others, Some("g1")).expect("its own name"),
            "Tuesday Reflective Group"
        );
        for bad in ["", "   ", "a\u{0}b", "line\nbreak", &"x".repeat(MAX_GROUP_NAME_CHARS + 1)] {
            let error = group_name(bad, &others, None).expect_err("refused");
            assert!(matches!(&error, AppError::Invalid { field, .. } if field == "name"), "{bad:?}: {error}");
        }
        assert!(group_name(&"é".repeat(MAX_GROUP_NAME_CHARS), &others, None).is_ok(), "characters, not bytes");
    }

    #[test]
    fn a_declined_request_says_when_the_asker_may_ask_again() {
        let request = ConnectionRequestRecord {
            provider_id: "pat".into(),
            provider_name: "Pat Núñez".into(),
            member_id: "ana".into(),
            member_name: "Ana Pérez".into(),
            member_email: "ana@example.org".into(),
            number: "NM-1001".into(),
            created_at_ms: 1_000,
            status: RequestStatus::Declined,
            decided_at_ms: Some(2_000),
        };
        let hers = entry_of_request(&request, "ana");
        assert_eq!(
            (hers.state, hers.role, hers.email.as_deref()),
            (ConnectionState::Declined, ConnectionRole::Provider, None)
        );
        assert_eq!(hers.ask_again_from_ms, Some(2_000 + REQUEST_AGAIN_AFTER_DAYS * DAY_MS));
        assert_eq!(hers.ended_by_me, Some(false));
        let pats = entry_of_request(&request, "pat");
        assert_eq!((pats.person.display_name.as_str(), pats.email.as_deref()), ("Ana Pérez", Some("ana@example.org")));
        assert_eq!((pats.ask_again_from_ms, pats.ended_by_me), (None, Some(true)));
    }
}
