//! The people pages: whom the signed-in person works with, and with whose consent. A
//! supervisee sees her providers, asks one by endorsement number or connects with a code, and
//! ends a connection; a provider answers requests, ends connections, and keeps named groups.
//! Each form runs the same operation as the API (`rsc_service::connections`), so the rules and
//! limits are the API's; people are shown by name, never by id.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use rsc_protocol::{
    ConnectionEntry, ConnectionRole, ConnectionSource, ConnectionState, GroupChange, GroupView, NewGroup,
};
use serde::Deserialize;

use super::session::{CheckedForm, form_token};
use super::{Nav, PageError, SignedIn, day, html, see};
use rsc_service::AppError;
use rsc_service::AppState;
use rsc_service::connections as service;
use rsc_service::store::Store;

/// A connection or request as a row of the page.
struct Row {
    id: String,
    name: String,
    since: String,
    how: &'static str,
    email: String,
    number: String,
    status: String,
}

/// A group as the page shows it, with the supervisees who could still join it.
struct GroupBox {
    id: String,
    name: String,
    archived: bool,
    members: Vec<(String, String)>,
    addable: Vec<(String, String)>,
}

/// A connection code as the page shows it: the code, its link and the link's QR code.
struct CodeBox {
    code: String,
    link: String,
    qr: String,
    until: String,
    used: String,
}

/// A claim to a registry record as the page shows it, with what happens next.
struct ClaimBox {
    number: String,
    record: String,
    status: &'static str,
    claimed: String,
    note: String,
    next: String,
}

#[derive(Template)]
#[template(path = "people.html")]
struct PeoplePage {
    nav: Option<Nav>,
    csrf: String,
    done: Option<&'static str>,
    problem: Option<String>,
    asking: Vec<Row>,
    providers: Vec<Row>,
    my_requests: Vec<Row>,
    supervisees: Vec<Row>,
    ended: Vec<String>,
    groups: Vec<GroupBox>,
    member_of: Vec<String>,
    number: String,
    group_name: String,
    /// Whether she works mostly as a provider: her supervisees come first.
    provider_first: bool,
    /// Her working connection codes.
    codes: Vec<CodeBox>,
    /// Her claims to registry records.
    claims: Vec<ClaimBox>,
    claim_number: String,
}

fn how(entry: &ConnectionEntry) -> &'static str {
    match entry.source {
        Some(ConnectionSource::Code) => "with your code",
        Some(ConnectionSource::Request) => "by a request",
        None => "before requests were recorded",
    }
}

fn row(entry: &ConnectionEntry) -> Row {
    let status = match (entry.state, entry.ended_at_ms, entry.ask_again_from_ms) {
        (ConnectionState::Declined, Some(at), Some(again)) => {
            format!("Declined on {}; you may ask again from {}", day(at), day(again))
        }
        (ConnectionState::Requested, _, _) => format!("Waiting since {}", day(entry.since_ms)),
        _ => String::new(),
    };
    Row {
        id: entry.person.id.clone(),
        name: entry.person.display_name.clone(),
        since: day(entry.since_ms),
        how: how(entry),
        email: entry.email.clone().unwrap_or_default(),
        number: entry.endorsement_number.clone().unwrap_or_default(),
        status,
    }
}

/// What each `done` says.
fn done_text(done: &str) -> Option<&'static str> {
    Some(match done {
        "code" => "A new connection code: give it, its link or its QR code to your supervisee.",
        "code-withdrawn" => "Withdrawn: the code connects nobody new. People who used it stay connected.",
        "claimed" => "Claimed: association staff check the record is yours, then approve it.",
        "asked" => "Your request was sent. You can log sessions with her once she accepts it.",
        "accepted" => "Connected. Sessions between you can be logged from now on.",
        "declined" => "Declined. They are told, and may ask again in a week.",
        "ended" => "Connection ended. Sessions already logged stay and keep counting.",
        "group" => "Saved.",
        _ => return None,
    })
}

/// A link as a QR code, an SVG image in a `data:` address (the page's policy allows images
/// from nowhere else).
fn qr_image(link: &str) -> String {
    use base64::Engine;
    match qrcode::QrCode::new(link.as_bytes()) {
        Ok(code) => {
            let svg = code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(160, 160).quiet_zone(true).build();
            format!("data:image/svg+xml;base64,{}", base64::engine::general_purpose::STANDARD.encode(svg))
        }
        Err(_) => String::new(),
    }
}

/// Her claims with the record each names and what happens next.
async fn claim_boxes<S: Store>(
    state: &AppState<S>,
    me: &rsc_service::store::UserRecord,
) -> Result<Vec<ClaimBox>, AppError> {
    use rsc_protocol::ClaimStatus;
    let today = rsc_model::Date::from_unix_millis(rsc_service::clock::now_ms());
    let mut boxes = Vec::new();
    for claim in state.store.claims(Some(&me.id), None).await? {
        let record = state.store.registry_record(&claim.number).await?;
        let association = record.as_ref().map_or_else(|| "the association".to_string(), |r| r.association.clone());
        let next = match claim.status {
            ClaimStatus::Pending => format!(
                "{association} staff check that this record is yours. Your confirmations count once they approve; nothing else is needed from you."
            ),
            ClaimStatus::Rejected => format!(
                "Check the number on your certificate and claim again, or ask {association} staff what they need."
            ),
            ClaimStatus::Approved => match record.as_ref().map(|r| (r.revoked_on, r.valid_through)) {
                Some((Some(revoked), _)) => format!(
                    "The record was revoked on {revoked}: sessions from that day do not count. Ask {association} staff."
                ),
                Some((None, Some(through))) if today.is_some_and(|t| t > through) => format!(
                    "The record lapsed after {through}: sessions after that day do not count. Renew with {association}; \
                     staff then extend the record."
                ),
                Some((None, Some(through))) => {
                    format!("Your confirmations count for sessions up to {through}, while the record holds.")
                }
                _ => "Your confirmations count while the record holds.".to_string(),
            },
        };
        boxes.push(ClaimBox {
            record: record
                .map(|r| format!("{} {} ({})", r.credential, r.association, r.holder_name))
                .unwrap_or_default(),
            number: claim.number,
            status: match claim.status {
                ClaimStatus::Pending => "waiting for staff",
                ClaimStatus::Approved => "approved",
                ClaimStatus::Rejected => "not approved",
            },
            claimed: day(claim.created_at_ms),
            note: claim.note,
            next,
        });
    }
    Ok(boxes)
}

async fn show<S: Store>(
    state: &AppState<S>,
    browser: &super::Browser,
    status: StatusCode,
    done: Option<&'static str>,
    problem: Option<String>,
    typed: (&str, &str),
) -> Result<Response, PageError> {
    show_with(state, browser, status, done, problem, typed, "").await
}

#[allow(clippy::too_many_arguments)]
async fn show_with<S: Store>(
    state: &AppState<S>,
    browser: &super::Browser,
    status: StatusCode,
    done: Option<&'static str>,
    problem: Option<String>,
    typed: (&str, &str),
    claim_number: &str,
) -> Result<Response, PageError> {
    let me = &browser.auth.user;
    let entries = service::entries(&state.store, me).await?;
    let is = |e: &&ConnectionEntry, role: ConnectionRole, state: ConnectionState| e.role == role && e.state == state;
    let supervisees: Vec<&ConnectionEntry> =
        entries.iter().filter(|e| is(e, ConnectionRole::Supervisee, ConnectionState::Connected)).collect();
    let ended = entries
        .iter()
        .filter(|e| e.state == ConnectionState::Ended)
        .map(|e| {
            let at = day(e.ended_at_ms.unwrap_or(e.since_ms));
            let side = if e.role == ConnectionRole::Provider { "your provider" } else { "your supervisee" };
            if e.ended_by_me == Some(true) {
                format!("You ended your connection with {} ({side}) on {at}.", e.person.display_name)
            } else {
                format!("{} ({side}) ended the connection on {at}.", e.person.display_name)
            }
        })
        .collect();
    let all_groups = service::groups(&state.store, me).await?;
    let groups = all_groups
        .iter()
        .filter(|g| g.provider.id == me.id)
        .map(|g: &GroupView| GroupBox {
            id: g.id.clone(),
            name: g.name.clone(),
            archived: g.archived,
            members: g.members.iter().map(|m| (m.id.clone(), m.display_name.clone())).collect(),
            addable: supervisees
                .iter()
                .filter(|s| !g.members.iter().any(|m| m.id == s.person.id))
                .map(|s| (s.person.id.clone(), s.person.display_name.clone()))
                .collect(),
        })
        .collect();
    let member_of = all_groups
        .iter()
        .filter(|g| g.provider.id != me.id)
        .map(|g| {
            let names: Vec<&str> = g.members.iter().map(|m| m.display_name.as_str()).collect();
            format!("{} ({}'s group): {}", g.name, g.provider.display_name, names.join(", "))
        })
        .collect();
    let provider_first = browser.provides
        || !supervisees.is_empty()
        || all_groups.iter().any(|g| g.provider.id == me.id)
        || entries.iter().any(|e| e.role == ConnectionRole::Supervisee && e.state == ConnectionState::Requested);
    let base = &browser.base;
    let codes = service::working_codes(&state.store, me)
        .await?
        .into_iter()
        .map(|c| {
            let link = format!("{base}{}{}", rsc_protocol::CONNECT_PATH, c.code);
            CodeBox {
                code: rsc_protocol::display_code(&c.code),
                qr: qr_image(&link),
                link,
                until: day(c.expires_at_ms),
                used: crate::people_count(usize::try_from(c.used).unwrap_or(0)),
            }
        })
        .collect();
    let claims = claim_boxes(state, me).await?;
    let page = PeoplePage {
        nav: Some(Nav::of(browser, "people")),
        csrf: browser.csrf.clone(),
        done,
        problem,
        asking: entries
            .iter()
            .filter(|e| is(e, ConnectionRole::Supervisee, ConnectionState::Requested))
            .map(row)
            .collect(),
        providers: entries
            .iter()
            .filter(|e| is(e, ConnectionRole::Provider, ConnectionState::Connected))
            .map(row)
            .collect(),
        my_requests: entries
            .iter()
            .filter(|e| {
                e.role == ConnectionRole::Provider
                    && matches!(e.state, ConnectionState::Requested | ConnectionState::Declined)
            })
            .map(row)
            .collect(),
        supervisees: supervisees.iter().map(|e| row(e)).collect(),
        ended,
        groups,
        member_of,
        number: typed.0.to_string(),
        group_name: typed.1.to_string(),
        provider_first,
        codes,
        claims,
        claim_number: claim_number.to_string(),
    };
    Ok(html(status, &page))
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// `GET /people`.
pub async fn page<S: Store>(
    State(state): State<AppState<S>>,
    SignedIn(browser): SignedIn,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let done = q.done.as_deref().and_then(done_text);
    show(&state, &browser, StatusCode::OK, done, None, ("", "")).await
}

/// One of the page's forms: the CSRF token, and whatever the form carries.
#[derive(Debug, Default, Deserialize)]
pub struct PeopleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    action: String,
    #[serde(flatten)]
    fields: std::collections::BTreeMap<String, String>,
}

/// The outcome of a form: on to the page with `done`, or the page again with the refusal in
/// words (a server failure stays an error page).
async fn after<S: Store, T>(
    state: &AppState<S>,
    browser: &super::Browser,
    result: Result<T, AppError>,
    done: &str,
    typed: (&str, &str),
) -> Result<Response, PageError> {
    match result {
        Ok(_) => Ok(see(&format!("/people?done={done}"))),
        Err(error) => {
            let (status, _, _, message) = error.public();
            if status.is_server_error() {
                return Err(error.into());
            }
            show(state, browser, status, None, Some(message), typed).await
        }
    }
}

/// `POST /people/request`: asks a provider by endorsement number.
pub async fn request<S: Store>(
    State(state): State<AppState<S>>,
    CheckedForm(browser, form): CheckedForm<PeopleForm>,
) -> Result<Response, PageError> {
    let result = service::ask(&state.store, &browser.auth.user, &form.number).await;
    let done = match &result {
        Ok(entry) if entry.state == ConnectionState::Connected => "accepted",
        _ => "asked",
    };
    after(&state, &browser, result, done, (&form.number, "")).await
}

/// `POST /people/answer`: a provider accepts or declines a request (`action`).
pub async fn answer<S: Store>(
    State(state): State<AppState<S>>,
    CheckedForm(browser, form): CheckedForm<PeopleForm>,
) -> Result<Response, PageError> {
    let user = &browser.auth.user;
    let (result, done) = match form.action.as_str() {
        "accept" => (service::accept(&state.store, user, &form.person).await, "accepted"),
        "decline" => (service::decline(&state.store, user, &form.person).await, "declined"),
        _ => (Err(AppError::bad_request("action", "accept or decline")), ""),
    };
    after(&state, &browser, result, done, ("", "")).await
}

/// `POST /people/end`: ends a connection, on either side, or takes back a request.
pub async fn end<S: Store>(
    State(state): State<AppState<S>>,
    CheckedForm(browser, form): CheckedForm<PeopleForm>,
) -> Result<Response, PageError> {
    let result = service::end(&state.store, &browser.auth.user, &form.person).await;
    after(&state, &browser, result, "ended", ("", "")).await
}

/// `POST /people/codes`: a new connection code, working for `days`.
pub async fn create_code<S: Store>(
    State(state): State<AppState<S>>,
    CheckedForm(browser, form): CheckedForm<PeopleForm>,
) -> Result<Response, PageError> {
    let days =
        form.fields.get("days").and_then(|d| d.trim().parse::<u32>().ok()).unwrap_or(rsc_protocol::DEFAULT_CODE_DAYS);
    let result = service::create_code(&state.store, &browser.auth.user, days).await;
    after(&state, &browser, result, "code", ("", "")).await
}

/// `POST /people/codes/withdraw`: withdraws one of her codes.
pub async fn withdraw_code<S: Store>(
    State(state): State<AppState<S>>,
    CheckedForm(browser, form): CheckedForm<PeopleForm>,
) -> Result<Response, PageError> {
    let code = form.fields.get("code").cloned().unwrap_or_default();
    let result = service::withdraw_code(&state.store, &browser.auth.user, &code).await;
    after(&state, &browser, result, "code-withdrawn", ("", "")).await
}

/// `POST /people/claim`: claims a registry record, as `POST /v1/me/claims`.
pub async fn claim<S: Store>(
    State(state): State<AppState<S>>,
    CheckedForm(browser, form): CheckedForm<PeopleForm>,
) -> Result<Response, PageError> {
    match rsc_service::registry::file_claim(&state.store, &browser.auth.user, &form.number).await {
        Ok(_) => Ok(see("/people?done=claimed")),
        Err(error) => {
            let (status, _, _, message) = error.public();
            if status.is_server_error() {
                return Err(error.into());
            }
            show_with(&state, &browser, status, None, Some(message), ("", ""), &form.number).await
        }
    }
}

/// `POST /groups`: a new group, with the supervisees ticked (`member:ID`).
pub async fn create_group<S: Store>(
    State(state): State<AppState<S>>,
    CheckedForm(browser, form): CheckedForm<PeopleForm>,
) -> Result<Response, PageError> {
    let members: Vec<String> = form
        .fields
        .iter()
        .filter(|(k, v)| k.starts_with("member:") && v.as_str() == "on")
        .map(|(k, _)| k.trim_start_matches("member:").to_string())
        .collect();
    let new = NewGroup { name: form.name.clone(), members };
    let result = service::create_group(&state.store, &browser.auth.user, &new).await;
    after(&state, &browser, result, "group", ("", &form.name)).await
}

/// `POST /groups/{group}`: renames, archives, brings back, adds to or takes out of one of the
/// provider's groups (`action`).
pub async fn change_group<S: Store>(
    State(state): State<AppState<S>>,
    Path(group): Path<String>,
    CheckedForm(browser, form): CheckedForm<PeopleForm>,
) -> Result<Response, PageError> {
    let (store, user) = (&state.store, &browser.auth.user);
    let change = |name: Option<String>, archived: Option<bool>| GroupChange { name, archived };
    let result = match form.action.as_str() {
        "rename" => service::change_group(store, user, &group, &change(Some(form.name.clone()), None)).await,
        "archive" => service::change_group(store, user, &group, &change(None, Some(true))).await,
        "restore" => service::change_group(store, user, &group, &change(None, Some(false))).await,
        "add" => service::set_member(store, user, &group, &form.person, true).await,
        "remove" => service::set_member(store, user, &group, &form.person, false).await,
        _ => Err(AppError::bad_request("action", "rename, archive, restore, add or remove")),
    };
    after(&state, &browser, result, "group", ("", "")).await
}

form_token!(PeopleForm);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_has_words_and_nothing_else_does() {
        for done in ["asked", "accepted", "declined", "ended", "group", "code", "code-withdrawn", "claimed"] {
            assert!(done_text(done).is_some(), "{done}");
        }
        assert_eq!(done_text("<script>"), None, "the page never echoes what the link says");
    }
}
