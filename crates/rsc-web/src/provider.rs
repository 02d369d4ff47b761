//! A provider in the browser: who awaits her confirmation, grouped by supervisee and by group
//! session, and the page where she reads each statement and signs it with this browser's own
//! key (Web Crypto). The server prepares the canonical message, the browser signs its digest,
//! and the server records the statement in the session document as this browser's device,
//! through the same checks as a phone's sync. The server never holds her private key.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use rsc_doc::{SessionDoc, SignedStatement};
use rsc_model::{AttestedContent, Id, Minutes, StatementKind};
use rsc_protocol::DocPush;
use serde::Deserialize;

use super::session::{CheckedForm, form_token};
use super::{Nav, PageError, SignedIn, html, see};
use rsc_service::AppError;
use rsc_service::AppState;
use rsc_service::clock::now_ms;
use rsc_service::store::{Store, UserId};

/// The most statements one form signs (a group's roster).
pub const MAX_STATEMENTS_PER_FORM: usize = 50;
/// How long a prepared statement may wait for its signature.
const SIGN_WITHIN_MS: i64 = 30 * 60 * 1000;

/// One attendee awaiting the provider.
pub struct Awaiting {
    pub session_id: String,
    pub date: String,
    pub time: String,
    pub minutes: i32,
    pub attendee_name: String,
    pub attendee_id: String,
    pub minutes_attended: i32,
    /// Why it is back with her after she confirmed or disputed it, in words; empty when new.
    pub why_back: String,
}

/// Those awaiting, under one heading: a supervisee's individual sessions, or one group session.
pub struct Heading {
    pub title: String,
    pub roster_of: Option<String>,
    pub rows: Vec<Awaiting>,
}

#[derive(Template)]
#[template(path = "provider.html")]
struct QueuePage {
    nav: Option<Nav>,
    supervisees: Vec<Heading>,
    groups: Vec<Heading>,
    done: Option<String>,
    progress: Vec<Progress>,
    /// Sessions logged with her that have not taken place yet.
    planned: usize,
}

/// A connected supervisee's progress, as far as she shares it.
pub struct Progress {
    pub name: String,
    /// `None` when she does not share it.
    pub shared: Option<String>,
}

/// Each connected supervisee's progress under her own rulebook, for those who share it.
async fn progress<S: Store>(state: &AppState<S>, provider: &str) -> Result<Vec<Progress>, AppError> {
    let mut out = Vec::new();
    for member in state.store.members_of(&UserId::from(provider)).await? {
        let id = UserId::from(member.member_id.as_str());
        let shares = state.store.profile(&id).await?.is_some_and(|p| p.share_progress);
        let shared = match (shares, state.store.user_by_id(&id).await?) {
            (true, Some(user)) => {
                match rsc_service::verified::verified_hours(
                    &state.store,
                    &user,
                    &rsc_protocol::EvaluationQuery::default(),
                )
                .await
                {
                    Ok(v) => Some(
                        v.evaluation
                            .requirements
                            .iter()
                            .map(|r| {
                                let when = match (r.met_on, r.projected_met_on) {
                                    (Some(day), _) => format!(", met on {day}"),
                                    (None, Some(day)) => format!(", met by {day} at the recent pace"),
                                    (None, None) => String::new(),
                                };
                                format!(
                                    "{}: {} of {}{when}",
                                    r.title,
                                    rsc_rules::format_hours(r.counted_minutes_as_of),
                                    rsc_rules::format_hours(r.required_minutes)
                                )
                            })
                            .collect::<Vec<_>>()
                            .join("; "),
                    ),
                    Err(AppError::Invalid { .. }) => Some("has not chosen a rulebook yet".into()),
                    Err(other) => return Err(other),
                }
            }
            _ => None,
        };
        out.push(Progress { name: member.member_name, shared });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    done: Option<u32>,
}

/// Why an entry the provider settled is back with her, in words (a correction after her
/// dispute, an edit since she confirmed): read from her statement in the ledger, compared with
/// the session and the attendance now.
async fn why_back<S: Store>(
    state: &AppState<S>,
    row: &rsc_service::store::SessionAttendance,
) -> Result<Option<String>, AppError> {
    let Some(id) = &row.attendance.attestation_id else { return Ok(None) };
    let ledger = state.store.attestations(&row.session.id).await?;
    let Some(entry) = ledger.iter().find(|e| &e.id == id) else { return Ok(None) };
    let statement = SignedStatement::from_bytes(&entry.statement)?;
    let bad = |e: rsc_model::ModelError| AppError::caused("a session's projection", e);
    let (session_id, attendee, provider) = (
        Id::new(row.session.id.as_str(), "session").map_err(bad)?,
        Id::new(row.attendance.attendee_id.as_str(), "attendee").map_err(bad)?,
        Id::new(row.session.provider_id.as_str(), "provider").map_err(bad)?,
    );
    let fields = rsc_model::AttestedFields {
        session_id: &session_id,
        attendee: &attendee,
        provider: &provider,
        date: row.session.date,
        session_minutes: Minutes::new(i64::from(row.session.minutes), "minutes").map_err(bad)?,
        kind: row.session.kind,
        format: row.session.format,
        about_own_rsc_practice: row.attendance.about_own_rsc_practice,
    };
    let attended = Minutes::new(i64::from(row.attendance.minutes_attended), "minutes_attended").map_err(bad)?;
    Ok(statement.content.why_back(fields, attended))
}

/// Who awaits the provider (sessions that have ended), and how many planned sessions wait
/// to end first.
async fn awaiting<S: Store>(state: &AppState<S>, provider: &str) -> Result<(Vec<(bool, Awaiting)>, usize), AppError> {
    let rows = state.store.awaiting_provider(&UserId::from(provider)).await?;
    let now = now_ms();
    let mut out = Vec::with_capacity(rows.len());
    let mut planned = std::collections::BTreeSet::new();
    for r in rows {
        if !rsc_service::verified::has_ended(&r.session, now) {
            planned.insert(r.session.id.clone());
            continue;
        }
        let group = r.session.kind == rsc_model::SessionKind::Group;
        let why_back = why_back(state, &r).await?.unwrap_or_default();
        out.push((
            group,
            Awaiting {
                session_id: r.session.id.to_string(),
                date: r.session.date.to_string(),
                time: r.session.start_time,
                minutes: r.session.minutes,
                attendee_name: r.attendee_name,
                attendee_id: r.attendance.attendee_id.to_string(),
                minutes_attended: r.attendance.minutes_attended,
                why_back,
            },
        ));
    }
    Ok((out, planned.len()))
}

/// `GET /provider`: everyone awaiting this provider.
pub async fn queue<S: Store>(
    State(state): State<AppState<S>>,
    SignedIn(browser): SignedIn,
    Query(q): Query<QueueQuery>,
) -> Result<Response, PageError> {
    let mut by_supervisee: BTreeMap<String, Vec<Awaiting>> = BTreeMap::new();
    let mut by_group: BTreeMap<(String, String), Vec<Awaiting>> = BTreeMap::new();
    let (rows, planned) = awaiting(&state, &browser.auth.user.id).await?;
    for (group, row) in rows {
        if group {
            by_group.entry((row.date.clone(), row.session_id.clone())).or_default().push(row);
        } else {
            by_supervisee.entry(row.attendee_name.clone()).or_default().push(row);
        }
    }
    let supervisees = by_supervisee
        .into_iter()
        .map(|(name, mut rows)| {
            rows.sort_by(|a, b| (&a.date, &a.time).cmp(&(&b.date, &b.time)));
            Heading { title: name, roster_of: None, rows }
        })
        .collect();
    let groups = by_group
        .into_iter()
        .map(|((date, session), rows)| Heading {
            title: format!("Group session on {date} at {}", rows.first().map(|r| r.time.as_str()).unwrap_or("")),
            roster_of: Some(session),
            rows,
        })
        .collect();
    let done = q.done.map(|n| {
        format!(
            "Signed and recorded {n} statement{}. Each supervisee sees it on their next sync.",
            if n == 1 { "" } else { "s" }
        )
    });
    let progress = progress(&state, &browser.auth.user.id).await?;
    Ok(html(
        StatusCode::OK,
        &QueuePage { nav: Some(Nav::of(&browser, "provider")), supervisees, groups, done, progress, planned },
    ))
}

/// A statement as the provider reads it before signing.
pub struct ToSign {
    pub text: String,
    pub message_hex: String,
}

#[derive(Template)]
#[template(path = "sign.html")]
struct SignPage {
    nav: Option<Nav>,
    csrf: String,
    session_id: String,
    date: String,
    statements: Vec<ToSign>,
    messages: String,
    single: Option<(String, i32, i32)>,
    dispute: bool,
    reason: String,
    problem: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SignQuery {
    session: String,
    attendee: Option<String>,
    minutes: Option<String>,
    dispute: Option<String>,
    reason: Option<String>,
}

fn readable(content: &AttestedContent, provider: &str, attendee: &str) -> String {
    let kind = match content.session_kind {
        rsc_model::SessionKind::Individual => "individual",
        rsc_model::SessionKind::Group => "group",
    };
    let format = match content.format {
        rsc_model::SessionFormat::InPerson => "in-person",
        rsc_model::SessionFormat::Video => "video",
        rsc_model::SessionFormat::Phone => "phone",
    };
    match (content.kind, content.minutes_attended) {
        (StatementKind::Confirm, Some(minutes)) => format!(
            "I, {provider}, confirm that {attendee} attended {minutes} minutes of the {}-minute {kind} {format} \
             reflective supervision/consultation session I provided on {}.",
            content.session_minutes, content.date
        ),
        (StatementKind::Dispute, Some(minutes)) => format!(
            "I, {provider}, dispute {attendee}'s entry of {minutes} minutes for the {kind} {format} session of {} \
             minutes on {}: {}",
            content.session_minutes, content.date, content.reason
        ),
        _ => format!(
            "I, {provider}, dispute {attendee}'s entry for the {kind} {format} session of {} on {}: {}",
            content.session_minutes, content.date, content.reason
        ),
    }
}

async fn load_doc<S: Store>(
    state: &AppState<S>,
    browser: &super::Browser,
    session: &str,
) -> Result<SessionDoc, AppError> {
    super::participant_doc(state, browser, session, "no such session awaits you").await
}

/// `GET /provider/sign`: the statements to sign, in words, with their canonical bytes.
pub async fn sign_page<S: Store>(
    State(state): State<AppState<S>>,
    SignedIn(browser): SignedIn,
    Query(q): Query<SignQuery>,
) -> Result<Response, PageError> {
    let me = browser.auth.user.id.clone();
    let waiting: Vec<Awaiting> = awaiting(&state, &me)
        .await?
        .0
        .into_iter()
        .map(|(_, a)| a)
        .filter(|a| a.session_id == q.session && q.attendee.as_ref().is_none_or(|who| who == &a.attendee_id))
        .collect();
    if waiting.is_empty() {
        return Err(AppError::NotFound("nobody in this session awaits your confirmation".into()).into());
    }
    let doc = load_doc(&state, &browser, &q.session).await?;
    let signer = Id::new(me.as_str(), "user")?;
    let dispute = q.dispute.is_some() && waiting.len() == 1;
    let reason = q.reason.clone().unwrap_or_default();
    let minutes = match q.minutes.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        Some(text) => Some(
            text.parse::<i64>()
                .map_err(|_| AppError::invalid("minutes", format!("`{text}` is not a number of minutes")))
                .and_then(|n| Minutes::new(n, "minutes").map_err(|e| AppError::invalid("minutes", e.message())))?,
        ),
        None => None,
    };
    let now = now_ms();
    let mut statements = Vec::new();
    // A reason's limits in words before the statement's own check, which counts bytes.
    let mut problem = if !dispute || q.reason.is_none() {
        None
    } else if reason.trim().is_empty() {
        Some("Say why you dispute the entry: the supervisee reads it.".to_string())
    } else if reason.len() > rsc_doc::attest::MAX_REASON_BYTES {
        Some(format!(
            "The reason is too long: keep it under {} characters (fewer with accents).",
            rsc_doc::attest::MAX_REASON_BYTES
        ))
    } else {
        None
    };
    // A dispute's statement is shown once its reason is written.
    let ready = problem.is_none() && !(dispute && q.reason.is_none());
    for a in waiting.iter().filter(|_| ready) {
        let attendee = Id::new(a.attendee_id.as_str(), "attendee")?;
        let (kind, minutes) = if dispute {
            (StatementKind::Dispute, None)
        } else {
            (StatementKind::Confirm, minutes.filter(|_| waiting.len() == 1))
        };
        match doc.statement_to_sign(&signer, &attendee, kind, minutes, &reason, now) {
            Ok(content) => statements.push(ToSign {
                text: readable(&content, browser.name(), &a.attendee_name),
                message_hex: hex::encode(rsc_doc::attest::encode_message(&content).map_err(super::doc_error)?),
            }),
            Err(error) => problem = Some(format!("{}: {error}", a.attendee_name)),
        }
    }
    let messages = statements.iter().map(|s| s.message_hex.as_str()).collect::<Vec<_>>().join(",");
    let single = (waiting.len() == 1).then(|| {
        let a = &waiting[0];
        (a.attendee_id.clone(), minutes.map(|m| i32::from(m.get())).unwrap_or(a.minutes_attended), a.minutes)
    });
    let page = SignPage {
        nav: Some(Nav::of(&browser, "provider")),
        csrf: browser.csrf.clone(),
        session_id: q.session.clone(),
        date: waiting[0].date.clone(),
        statements: if problem.is_some() { Vec::new() } else { statements },
        messages: if problem.is_some() { String::new() } else { messages },
        single,
        dispute,
        reason,
        problem,
    };
    Ok(html(StatusCode::OK, &page))
}

#[derive(Debug, Deserialize)]
pub struct SignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    session: String,
    #[serde(default)]
    statements: String,
    #[serde(default)]
    signatures: String,
}

/// `POST /provider/sign`: records the statements this browser signed, as this browser's device.
pub async fn sign<S: Store>(
    State(state): State<AppState<S>>,
    CheckedForm(browser, form): CheckedForm<SignForm>,
) -> Result<Response, PageError> {
    let messages: Vec<&str> = form.statements.split(',').filter(|s| !s.is_empty()).collect();
    let signatures: Vec<&str> = form.signatures.split(',').filter(|s| !s.is_empty()).collect();
    if messages.is_empty() || messages.len() != signatures.len() {
        return Err(AppError::invalid("signatures", "one signature for each statement, made by this browser").into());
    }
    if messages.len() > MAX_STATEMENTS_PER_FORM {
        return Err(AppError::invalid(
            "statements",
            format!("{} statements in one form; the limit is {MAX_STATEMENTS_PER_FORM}", messages.len()),
        )
        .into());
    }
    let me = Id::new(browser.auth.user.id.as_str(), "user")?;
    let public_key: [u8; 32] = browser
        .auth
        .device
        .public_key
        .as_slice()
        .try_into()
        .map_err(|_| AppError::internal("a device key is not 32 bytes"))?;
    let mut doc = load_doc(&state, &browser, &form.session).await?;
    let before = doc.heads();
    let now = now_ms();
    for (message, signature) in messages.iter().zip(&signatures) {
        let bytes = hex::decode(message).map_err(|_| AppError::invalid("statements", "are not hex"))?;
        let content = rsc_doc::attest::decode_message(&bytes).map_err(super::doc_error)?;
        if content.session_id.as_str() != form.session || content.provider != me {
            return Err(AppError::invalid("statements", "name another session or provider").into());
        }
        if content.signed_at_ms > now + 60_000 || content.signed_at_ms < now - SIGN_WITHIN_MS {
            return Err(AppError::invalid(
                "statements",
                "were prepared more than 30 minutes ago; open the page again and sign what it shows now",
            )
            .into());
        }
        let signature: [u8; 64] = hex::decode(signature)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| AppError::invalid("signatures", "each must be 64 bytes, hex"))?;
        doc.record_statement(&me, SignedStatement { content, public_key, signature }).map_err(super::doc_error)?;
    }
    let changes = doc.changes_since(&before).into_iter().map(rsc_protocol::Bytes).collect();
    let push = DocPush { doc: form.session.clone(), changes };
    match rsc_service::sync::push_one(&state.store, &browser.auth, &push).await? {
        Ok(_) => Ok(see(&format!("/provider?done={}", messages.len()))),
        Err(refusal) => {
            Err(AppError::invalid(refusal.field.unwrap_or_else(|| "session".into()), refusal.message).into())
        }
    }
}

form_token!(SignForm);
