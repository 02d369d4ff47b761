//! The applicant's sessions in the browser: each with its provider by name, its status, and
//! why it does not count when it does not; logging a session and withdrawing one, written into
//! the session document as this browser's device through the sync's own checks.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use rsc_doc::{ActorId, NewAttendee, SessionDoc, SessionFields};
use rsc_model::{Confirmation, Date, Id, Minutes, SessionFormat, SessionKind};
use rsc_protocol::{DocPush, EvaluationQuery};
use serde::Deserialize;

use super::session::{CheckedForm, form_token};
use super::{FieldErrors, Nav, PageError, SignedIn, doc_error, html, see};
use rsc_service::AppError;
use rsc_service::AppState;
use rsc_service::store::{Store, UserId};

/// One session as the list shows it.
pub struct Row {
    pub id: String,
    pub date: String,
    pub kind: String,
    pub provider: String,
    pub attended: u16,
    pub length: u16,
    pub status: String,
    /// What the provider said, when she disputed it, and what to do about it.
    pub note: String,
    pub counted: String,
    /// She logged it, so she may withdraw it (a group member's session is withdrawn by whoever
    /// logged it, or the provider).
    pub can_withdraw: bool,
}

/// A withdrawn session she attends.
pub struct Withdrawn {
    pub id: String,
    pub date: String,
    pub kind: String,
    pub provider: String,
    /// She logged it, so she may bring it back.
    pub can_restore: bool,
}

/// A person to choose.
pub struct Choice {
    pub id: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "sessions.html")]
struct SessionsPage {
    nav: Option<Nav>,
    csrf: String,
    rows: Vec<Row>,
    withdrawn: Vec<Withdrawn>,
    providers: Vec<Choice>,
    /// People who may join a group session with her: her providers' group members and people
    /// she already shares a session with.
    peers: Vec<Choice>,
    /// Groups whose session she may log: hers as a provider, and those she belongs to.
    groups: Vec<Choice>,
    problem: Option<String>,
    errors: FieldErrors,
    done: Option<String>,
    form: LogForm,
}

impl SessionsPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }
}

/// What the log form holds.
#[derive(Debug, Clone, Deserialize)]
pub struct LogForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub date: String,
    #[serde(default = "default_start")]
    pub start_time: String,
    #[serde(default = "default_zone")]
    pub time_zone: String,
    #[serde(default = "default_minutes")]
    pub minutes: String,
    #[serde(default)]
    pub format: String,
    #[serde(default)]
    pub provider: String,
    /// A group whose session this is: its provider, and every member attending.
    #[serde(default)]
    pub group: String,
    /// Ticked when the session was about the RS/C she provides to others.
    #[serde(default)]
    pub own: Option<String>,
    /// Present when the form showed `own` (an unticked box sends nothing).
    #[serde(default)]
    pub own_shown: Option<String>,
    /// The other attendees of a group session: a ticked `with:<id>` field for each.
    #[serde(flatten)]
    pub ticked: std::collections::BTreeMap<String, String>,
    /// Ticked to log a session that repeats one she logged (same provider, day and start).
    #[serde(default)]
    pub duplicate: Option<String>,
    /// No zone is remembered for her: the browser's own fills the field.
    #[serde(skip)]
    pub guess_zone: bool,
}

impl LogForm {
    /// Every zone, searchable as she types; the usual US ones first.
    pub fn zones(&self) -> Vec<&'static str> {
        let mut zones: Vec<&'static str> = USUAL_ZONES.to_vec();
        zones.extend(rsc_doc::time_zone_names().filter(|z| !USUAL_ZONES.contains(z)));
        zones
    }
}

/// The zones most sessions are in, offered first.
const USUAL_ZONES: [&str; 7] = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
];

fn default_start() -> String {
    "10:00".into()
}
fn default_zone() -> String {
    "America/Denver".into()
}
fn default_minutes() -> String {
    "60".into()
}

impl Default for LogForm {
    fn default() -> Self {
        LogForm {
            csrf: String::new(),
            date: String::new(),
            start_time: default_start(),
            time_zone: default_zone(),
            minutes: default_minutes(),
            format: "video".into(),
            provider: String::new(),
            group: String::new(),
            own: None,
            own_shown: None,
            ticked: Default::default(),
            duplicate: None,
            guess_zone: false,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    done: Option<String>,
}

async fn page<S: Store>(
    state: &AppState<S>,
    browser: &super::Browser,
    status: StatusCode,
    form: Option<LogForm>,
    errors: FieldErrors,
    done: Option<String>,
) -> Result<Response, PageError> {
    let me = UserId::from(&browser.auth.user.id);
    let providers: Vec<Choice> = state
        .store
        .providers_of(&me)
        .await?
        .into_iter()
        .map(|c| Choice { id: c.provider_id.to_string(), name: c.provider_name })
        .collect();
    // Only the people she may name: her providers' group members and people she already shares
    // a session with, never a provider's whole caseload.
    let mut peers: Vec<Choice> = Vec::new();
    for provider in &providers {
        for person in rsc_service::verified::namable(&state.store, &browser.auth.user, &provider.id).await? {
            if !peers.iter().any(|p| p.id == person.id) {
                peers.push(Choice { id: person.id, name: person.display_name });
            }
        }
    }
    peers.sort_by(|a, b| a.name.cmp(&b.name));
    let groups: Vec<Choice> = rsc_service::connections::groups(&state.store, &browser.auth.user)
        .await?
        .into_iter()
        .filter(|g| !g.archived && !g.members.is_empty())
        .map(|g| {
            let whose = if g.provider.id == browser.auth.user.id {
                "yours".to_string()
            } else {
                format!("{}'s", g.provider.display_name)
            };
            Choice { name: format!("{} ({whose}, {})", g.name, crate::people_count(g.members.len())), id: g.id }
        })
        .collect();
    // Without a rulebook her sessions are still listed; only whether each counts waits for it.
    let user = &browser.auth.user;
    let (v, problem) =
        match rsc_service::verified::verified_hours(&state.store, user, &EvaluationQuery::default()).await {
            Ok(v) => (v, None),
            Err(AppError::Invalid { field, .. }) if field == "rulebook" => {
                let any = EvaluationQuery { rulebook: Some("nmaimh".into()), ..Default::default() };
                let v = rsc_service::verified::verified_hours(&state.store, user, &any).await?;
                (v, Some("Choose your association's rulebook in your profile to see which sessions count.".to_string()))
            }
            Err(other) => return Err(other.into()),
        };
    let no_rulebook = problem.is_some();
    let disputes = v.dispute_reasons()?;
    let planned = v.planned(rsc_service::clock::now_ms());
    let me = browser.auth.user.id.as_str();
    let attendance = v.attendance();
    // A fresh form starts where her last one ended.
    let form = form.unwrap_or_else(|| remembered_form(attendance, me));
    let logged_by_me: std::collections::BTreeSet<&str> =
        attendance.iter().filter(|a| a.session.created_by == me).map(|a| a.session.id.as_str()).collect();
    let mut withdrawn = Vec::new();
    for a in attendance.iter().filter(|a| a.session.withdrawn && a.attendance.attendee_id == me).rev() {
        withdrawn.push(Withdrawn {
            id: a.session.id.to_string(),
            date: a.session.date.to_string(),
            kind: format!(
                "{}, {}",
                rsc_export::pdf::kind_word(a.session.kind).to_lowercase(),
                rsc_export::pdf::format_word(a.session.format)
            ),
            provider: name_of(state, &a.session.provider_id).await?,
            can_restore: logged_by_me.contains(a.session.id.as_str()),
        });
    }
    let rows: Vec<Row> = v
        .dossier
        .sessions
        .iter()
        .zip(&v.evaluation.sessions)
        .rev()
        .map(|(s, r)| {
            let provider = v.provider_names.get(s.provider.as_str()).cloned().unwrap_or_else(|| "(unnamed)".into());
            let reason = disputes.get(s.id.as_str());
            let (status, note) = entry_status(s, &provider, reason, planned.contains(s.id.as_str()));
            Row {
                id: s.id.to_string(),
                date: s.date.to_string(),
                kind: format!(
                    "{}, {}{}",
                    rsc_export::pdf::kind_word(s.kind),
                    rsc_export::pdf::format_word(s.format),
                    if s.about_own_rsc_practice { "; about your RS/C practice" } else { "" }
                ),
                attended: s.minutes_attended.unwrap_or(s.minutes).get(),
                length: s.minutes.get(),
                counted: if no_rulebook {
                    "Counts or not under your association's rulebook: choose it in your profile".into()
                } else if planned.contains(s.id.as_str()) {
                    format!("Planned: counts once it has taken place and {provider} confirms it")
                } else if r.excluded.is_empty() {
                    format!("Counted: {}", rsc_rules::format_hours(r.counted_minutes))
                } else {
                    format!(
                        "Not counted: {}",
                        rsc_export::pdf::why_not(
                            s,
                            &r.excluded,
                            &provider,
                            // The status note above quotes the reason already.
                            reason.map(String::as_str).filter(|_| note.is_empty()),
                            Some(&v.not_qualified(s))
                        )
                    )
                },
                status,
                note,
                provider,
                can_withdraw: logged_by_me.contains(s.id.as_str()),
            }
        })
        .collect();

    let page = SessionsPage {
        nav: Some(Nav::of(browser, "sessions")),
        csrf: browser.csrf.clone(),
        rows,
        withdrawn,
        providers,
        peers,
        groups,
        problem,
        errors,
        done,
        form,
    };
    Ok(html(status, &page))
}

/// Where her entry stands with the provider, in words, and what the provider said when she
/// disputed it.
fn entry_status(
    s: &rsc_model::DossierSession,
    provider: &str,
    dispute_reason: Option<&String>,
    planned: bool,
) -> (String, String) {
    match (&s.confirmation, dispute_reason) {
        (Some(Confirmation::Confirmed { .. }), _) => ("Confirmed".into(), String::new()),
        (Some(Confirmation::Disputed), reason) => (
            "Disputed".into(),
            format!(
                "{provider} disputed it: \u{201c}{}\u{201d}. If {provider} is right, correct it with Change: it goes \
                 back to {provider}.",
                reason.map(String::as_str).unwrap_or("no reason given")
            ),
        ),
        (None, Some(reason)) => (
            format!("Corrected, back with {provider}"),
            format!("You corrected it after {provider} disputed it: \u{201c}{reason}\u{201d}"),
        ),
        (None, None) if s.changed_since_confirmed => ("Changed since confirmed".into(), String::new()),
        (None, None) if planned => ("Planned".into(), String::new()),
        (None, None) => ("Awaiting provider".into(), String::new()),
    }
}

/// `GET /sessions`.
pub async fn list<S: Store>(
    State(state): State<AppState<S>>,
    SignedIn(browser): SignedIn,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let done = q.done.map(|what| match what.as_str() {
        "withdrawn" => "Withdrawn: the session stays in its history and counts nothing. Bring it back from Withdrawn \
                        sessions below."
            .to_string(),
        "restored" => "Brought back: the session counts again once its provider confirms it.".to_string(),
        "edited" => "Saved. A change to a confirmed or disputed entry goes back to the provider to review.".to_string(),
        _ => "Logged: your provider sees it awaiting confirmation.".to_string(),
    });
    page(&state, &browser, StatusCode::OK, None, FieldErrors::default(), done).await
}

/// A fresh log form that starts where her last one ended: the provider, time zone and format of
/// the session `me` logged most recently; with none, the browser's own time zone.
fn remembered_form(attendance: &[rsc_service::store::SessionAttendance], me: &str) -> LogForm {
    let last = attendance
        .iter()
        .filter(|a| a.session.created_by == me && !a.session.withdrawn)
        .max_by(|a, b| (a.session.date, &a.session.start_time).cmp(&(b.session.date, &b.session.start_time)));
    match last {
        Some(a) => LogForm {
            time_zone: a.session.time_zone.clone(),
            format: a.session.format.to_string(),
            provider: a.session.provider_id.to_string(),
            ..LogForm::default()
        },
        None => LogForm { guess_zone: true, ..LogForm::default() },
    }
}

/// The form's fields as a session, each problem beside its field.
fn read_form(form: &LogForm, me: &Id) -> Result<(SessionFields, Vec<NewAttendee>), FieldErrors> {
    let mut errors = FieldErrors::default();
    let date = Date::parse_field(form.date.trim(), "date")
        .map_err(|e| errors.0.push(("date".into(), e.message().into())))
        .ok();
    let minutes = form
        .minutes
        .trim()
        .parse::<i64>()
        .map_err(|_| "must be a whole number of minutes".to_string())
        .and_then(|n| Minutes::new(n, "minutes").map_err(|e| e.message().to_string()))
        .map_err(|e| errors.0.push(("minutes".into(), e)))
        .ok();
    let format = match form.format.as_str() {
        "in_person" => Some(SessionFormat::InPerson),
        "video" => Some(SessionFormat::Video),
        "phone" => Some(SessionFormat::Phone),
        _ => {
            errors.0.push(("format".into(), "choose in person, video or phone".into()));
            None
        }
    };
    // Whoever else is ticked makes it a group session; the server checks each is connected.
    let others: Vec<Id> = ticked(form, "with:").into_iter().filter(|id| id != me).collect();
    if others.len() + 1 > rsc_doc::MAX_ATTENDEES {
        errors.0.push(("attendees".into(), format!("a session has at most {} attendees", rsc_doc::MAX_ATTENDEES)));
    }
    let provider = Id::new(form.provider.trim(), "provider")
        .map_err(|_| errors.0.push(("provider".into(), "choose your provider".into())))
        .ok();
    match (date, minutes, format, provider) {
        (Some(date), Some(minutes), Some(format), Some(provider)) if errors.0.is_empty() => Ok((
            SessionFields {
                date,
                start_time: form.start_time.trim().to_string(),
                time_zone: form.time_zone.trim().to_string(),
                minutes,
                kind: if others.is_empty() { SessionKind::Individual } else { SessionKind::Group },
                format,
                provider,
            },
            std::iter::once(me.clone())
                .chain(others)
                .map(|id| NewAttendee {
                    about_own_rsc_practice: &id == me && form.own.is_some(),
                    id,
                    minutes_attended: minutes,
                })
                .collect(),
        )),
        _ => Err(errors),
    }
}

/// The form's fields as a session of one of the groups she keeps or belongs to: its provider,
/// and every member attending the whole session (her included when she is a member; a provider
/// logs it for her group without attending).
async fn group_form<S: Store>(
    state: &AppState<S>,
    browser: &super::Browser,
    form: &LogForm,
    me: &Id,
) -> Result<Result<(SessionFields, Vec<NewAttendee>), FieldErrors>, AppError> {
    let groups = rsc_service::connections::groups(&state.store, &browser.auth.user).await?;
    let Some(group) = groups.iter().find(|g| g.id == form.group.trim() && !g.archived) else {
        return Ok(Err(FieldErrors::one("group", "choose one of your groups")));
    };
    let members: Vec<Id> = group
        .members
        .iter()
        .map(|m| Id::new(m.id.as_str(), "member"))
        .collect::<Result<_, _>>()
        .map_err(AppError::from)?;
    if members.is_empty() {
        return Ok(Err(FieldErrors::one("group", format!("{} has no members yet", group.name))));
    }
    let read = LogForm { provider: group.provider.id.clone(), ticked: Default::default(), ..form.clone() };
    Ok(read_form(&read, me).map(|(mut fields, _)| {
        fields.kind = SessionKind::Group;
        // Each member answers the topic for herself: hers from the form, the others' later.
        let attendees = members
            .into_iter()
            .map(|id| NewAttendee {
                about_own_rsc_practice: &id == me && form.own.is_some(),
                id,
                minutes_attended: fields.minutes,
            })
            .collect();
        (fields, attendees)
    }))
}

/// Pushes `doc`'s changes since `before` as the browser's device.
async fn push<S: Store>(
    state: &AppState<S>,
    browser: &super::Browser,
    id: &str,
    doc: &mut SessionDoc,
    before: &[rsc_doc::ChangeHash],
) -> Result<(), AppError> {
    let changes = doc.changes_since(before).into_iter().map(rsc_protocol::Bytes).collect();
    match rsc_service::sync::push_one(&state.store, &browser.auth, &DocPush { doc: id.to_string(), changes }).await? {
        Ok(_) => Ok(()),
        Err(refusal) => Err(AppError::invalid(refusal.field.unwrap_or_else(|| "session".into()), refusal.message)),
    }
}

/// `POST /sessions`: logs an individual session with one's provider.
pub async fn log<S: Store>(
    State(state): State<AppState<S>>,
    CheckedForm(browser, form): CheckedForm<LogForm>,
) -> Result<Response, PageError> {
    let me = Id::new(browser.auth.user.id.as_str(), "user")?;
    let read = if form.group.trim().is_empty() {
        read_form(&form, &me)
    } else {
        group_form(&state, &browser, &form, &me).await?
    };
    let (fields, attendees) = match read {
        Ok(parts) => parts,
        Err(errors) => return page(&state, &browser, StatusCode::UNPROCESSABLE_ENTITY, Some(form), errors, None).await,
    };
    if form.duplicate.is_none()
        && let Some(warning) = repeats(&state, &browser, &fields).await?
    {
        return page(&state, &browser, StatusCode::CONFLICT, Some(form), FieldErrors::one("duplicate", warning), None)
            .await;
    }
    let id = rsc_service::clock::new_id();
    let actor = ActorId::from(browser.auth.device.actor_id.clone());
    let created = SessionDoc::create(actor, id.clone(), me, fields, attendees).map_err(doc_error);
    let result = match created {
        Ok(mut doc) => push(&state, &browser, id.as_str(), &mut doc, &[]).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(see("/sessions?done=logged")),
        Err(AppError::Invalid { field, message }) => {
            let field = match field.as_str() {
                "start_time" | "time_zone" | "date" | "minutes" | "format" | "provider" | "group" => field,
                _ => "form".into(),
            };
            page(&state, &browser, StatusCode::UNPROCESSABLE_ENTITY, Some(form), FieldErrors::one(field, message), None)
                .await
        }
        Err(other) => Err(other.into()),
    }
}

/// Whether `fields` repeat a session she attends (not withdrawn, same provider, day and start),
/// in words: logging the same meeting twice would ask the provider to confirm it twice.
async fn repeats<S: Store>(
    state: &AppState<S>,
    browser: &super::Browser,
    fields: &SessionFields,
) -> Result<Option<String>, AppError> {
    let me = browser.auth.user.id.as_str();
    let inputs = state.store.evaluation_inputs(&UserId::from(me)).await?;
    let same = inputs.attendance.iter().find(|a| {
        !a.session.withdrawn
            && a.attendance.attendee_id == me
            && a.session.provider_id == fields.provider.as_str()
            && a.session.date == fields.date
            && a.session.start_time == fields.start_time.trim()
    });
    let Some(same) = same else { return Ok(None) };
    let provider = name_of(state, &same.session.provider_id).await?;
    Ok(Some(format!(
        "You already logged a session with {provider} on {} at {}. Logging it again would ask {provider} to \
         confirm the same meeting twice. If it really was a second session, tick the box below.",
        same.session.date, same.session.start_time
    )))
}

#[derive(Debug, Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    session: String,
    #[serde(default)]
    reason: String,
}

/// The withdraw form's limit on its reason, in characters: three bytes each at most keeps it
/// within the document's limit in bytes.
const WITHDRAW_REASON_CHARS: usize = rsc_doc::MAX_NOTE_BYTES / 3;

/// `POST /sessions/withdraw`: withdraws a session logged by mistake.
pub async fn withdraw<S: Store>(
    State(state): State<AppState<S>>,
    CheckedForm(browser, form): CheckedForm<WithdrawForm>,
) -> Result<Response, PageError> {
    let me = Id::new(browser.auth.user.id.as_str(), "user")?;
    let mut doc = own_doc(&state, &browser, &form.session).await?;
    let before = doc.heads();
    let reason = if form.reason.trim().is_empty() { "logged by mistake" } else { form.reason.trim() };
    if reason.len() > rsc_doc::MAX_NOTE_BYTES {
        return Err(AppError::invalid(
            "reason",
            format!("The reason is too long: keep it under {} characters.", WITHDRAW_REASON_CHARS),
        )
        .into());
    }
    doc.withdraw(&me, reason).map_err(doc_error)?;
    push(&state, &browser, &form.session, &mut doc, &before).await?;
    Ok(see("/sessions?done=withdrawn"))
}

#[derive(Template)]
#[template(path = "withdraw.html")]
struct WithdrawPage {
    nav: Option<Nav>,
    csrf: String,
    session: String,
    date: String,
    what: String,
    provider: String,
    max_reason: usize,
}

/// `GET /sessions/withdraw?session=`: asks before withdrawing, saying what withdrawing does.
pub async fn withdraw_page<S: Store>(
    State(state): State<AppState<S>>,
    SignedIn(browser): SignedIn,
    Query(query): Query<SessionQuery>,
) -> Result<Response, PageError> {
    let doc = own_doc(&state, &browser, &query.session).await?;
    let s = doc.session().map_err(doc_error)?;
    let provider = name_of(&state, s.fields.provider.as_str()).await?;
    let page = WithdrawPage {
        nav: Some(Nav::of(&browser, "sessions")),
        csrf: browser.csrf.clone(),
        session: query.session,
        date: s.fields.date.to_string(),
        what: format!(
            "{} {} session with {provider}, {} minutes",
            rsc_export::pdf::kind_word(s.fields.kind),
            rsc_export::pdf::format_word(s.fields.format),
            s.fields.minutes
        ),
        provider,
        max_reason: WITHDRAW_REASON_CHARS,
    };
    Ok(html(StatusCode::OK, &page))
}

/// `POST /sessions/restore`: brings back a session she withdrew.
pub async fn restore<S: Store>(
    State(state): State<AppState<S>>,
    CheckedForm(browser, form): CheckedForm<WithdrawForm>,
) -> Result<Response, PageError> {
    let me = Id::new(browser.auth.user.id.as_str(), "user")?;
    let mut doc = own_doc(&state, &browser, &form.session).await?;
    let before = doc.heads();
    doc.restore(&me).map_err(doc_error)?;
    push(&state, &browser, &form.session, &mut doc, &before).await?;
    Ok(see("/sessions?done=restored"))
}

#[derive(Template)]
#[template(path = "edit.html")]
struct EditPage {
    nav: Option<Nav>,
    csrf: String,
    session: String,
    form: LogForm,
    /// Where the session stands with its provider, when she confirmed or disputed it: what a
    /// change would do, or what the provider said.
    standing: Option<String>,
    /// She logged it (or provides it), so she changes its fields and who attended.
    runs_it: bool,
    /// Her own minutes, when she attends it.
    attended: Option<String>,
    /// The others who attend it, by name.
    others: Vec<Choice>,
    /// Who may be added: the provider's other supervisees not attending yet.
    peers: Vec<Choice>,
    /// The session as it stands, in words, for an attendee who changes only her minutes.
    summary: String,
    /// Whether her own attendance was about the RS/C she provides (when she attends).
    own: bool,
    errors: FieldErrors,
}

impl EditPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }
}

/// `?session=`: the session a page is about.
#[derive(Debug, Default, Deserialize)]
pub struct SessionQuery {
    #[serde(default)]
    session: String,
}

/// Loads one of the signed-in person's sessions as this browser's device.
async fn own_doc<S: Store>(state: &AppState<S>, browser: &super::Browser, id: &str) -> Result<SessionDoc, AppError> {
    super::participant_doc(state, browser, id, "no such session of yours").await
}

/// A person's name, as the server knows it.
async fn name_of<S: Store>(state: &AppState<S>, id: &str) -> Result<String, AppError> {
    Ok(state.store.user_by_id(&UserId::from(id)).await?.map(|u| u.display_name).unwrap_or_else(|| "(unnamed)".into()))
}

/// Everything the edit page shows of `s` besides the form's values.
async fn edit_page_of<S: Store>(
    state: &AppState<S>,
    browser: &super::Browser,
    session: String,
    s: &rsc_doc::Session,
    form: LogForm,
    attended: Option<String>,
    errors: FieldErrors,
) -> Result<EditPage, AppError> {
    let me = browser.auth.user.id.as_str();
    let runs_it = s.created_by.as_str() == me || s.fields.provider.as_str() == me;
    let mut others = Vec::new();
    for a in s.attendees.iter().filter(|a| a.id.as_str() != me) {
        others.push(Choice { id: a.id.to_string(), name: name_of(state, a.id.as_str()).await? });
    }
    others.sort_by(|a, b| a.name.cmp(&b.name));
    let mut peers = Vec::new();
    if runs_it {
        for person in
            rsc_service::verified::namable(&state.store, &browser.auth.user, s.fields.provider.as_str()).await?
        {
            if s.attendee(&Id::new(person.id.as_str(), "attendee")?).is_none() {
                peers.push(Choice { id: person.id, name: person.display_name });
            }
        }
    }
    let summary = format!(
        "{} {}, {} minutes, with {}",
        s.fields.date,
        rsc_export::pdf::kind_word(s.fields.kind).to_lowercase(),
        s.fields.minutes.get(),
        name_of(state, s.fields.provider.as_str()).await?
    );
    Ok(EditPage {
        nav: Some(Nav::of(browser, "sessions")),
        csrf: browser.csrf.clone(),
        session,
        form,
        standing: standing(s, me, &name_of(state, s.fields.provider.as_str()).await?),
        runs_it,
        attended,
        others,
        peers,
        summary,
        own: s.attendee(&Id::new(browser.auth.user.id.as_str(), "user")?).is_some_and(|a| a.about_own_rsc_practice),
        errors,
    })
}

/// What the edit page says first about where session `s` stands with its provider (`provider`,
/// by name), from `me`'s point of view; `None` when nothing was confirmed or disputed. The
/// statements are read as the document holds them: a hint for the person editing, not a count.
fn standing(s: &rsc_doc::Session, me: &str, provider: &str) -> Option<String> {
    let records = s.attendance_records(|_, _| true);
    let mine = records.iter().find(|r| r.attendee.as_str() == me);
    let reason = mine.and_then(|r| r.statement.as_ref()).filter(|st| st.kind == rsc_model::StatementKind::Dispute);
    match (mine.map(|r| r.status()), reason) {
        (Some(rsc_model::SessionStatus::Disputed), Some(st)) => Some(format!(
            "{provider} disputed your entry: \u{201c}{}\u{201d}. If {provider} is right, correct your minutes or \
             the session below: your entry then goes back to {provider} to review.",
            st.reason
        )),
        (Some(rsc_model::SessionStatus::Pending), Some(st)) => Some(format!(
            "You corrected your entry after {provider} disputed it (\u{201c}{}\u{201d}); it waits for {provider} \
             to review it.",
            st.reason
        )),
        _ if records.iter().any(|r| matches!(r.status(), rsc_model::SessionStatus::Confirmed(_))) => Some(
            "It is confirmed: a change to its date, time, length, format or attendees sends it back to the provider \
             to confirm again; a change to your own minutes or topic sends back only yours."
                .into(),
        ),
        _ => None,
    }
}

/// `GET /sessions/edit?session=`: a session's fields, who attended, and her own minutes, to change.
pub async fn edit_page<S: Store>(
    State(state): State<AppState<S>>,
    SignedIn(browser): SignedIn,
    Query(q): Query<SessionQuery>,
) -> Result<Response, PageError> {
    let doc = own_doc(&state, &browser, &q.session).await?;
    let s = doc.session().map_err(doc_error)?;
    let form = LogForm {
        date: s.fields.date.to_string(),
        start_time: s.fields.start_time.clone(),
        time_zone: s.fields.time_zone.clone(),
        minutes: s.fields.minutes.get().to_string(),
        format: s.fields.format.to_string(),
        provider: s.fields.provider.to_string(),
        ..LogForm::default()
    };
    let me = Id::new(browser.auth.user.id.as_str(), "user")?;
    let attended = s.attendee(&me).map(|a| a.minutes_attended.get().to_string());
    let page = edit_page_of(&state, &browser, q.session, &s, form, attended, FieldErrors::default()).await?;
    Ok(html(StatusCode::OK, &page))
}

#[derive(Debug, Deserialize)]
pub struct EditForm {
    #[serde(default)]
    session: String,
    /// Her own minutes.
    #[serde(default)]
    attended: Option<String>,
    /// The session's fields, `with:<id>` for each attendee to add and `drop:<id>` for each to remove.
    #[serde(flatten)]
    fields: LogForm,
}

/// The ids ticked under `prefix` (`with:`, `drop:`).
fn ticked(form: &LogForm, prefix: &str) -> Vec<Id> {
    form.ticked
        .iter()
        .filter_map(|(key, value)| key.strip_prefix(prefix).filter(|_| !value.is_empty()))
        .filter_map(|id| Id::new(id, "attendee").ok())
        .collect()
}

/// `POST /sessions/edit`: changes the session as the browser's device, in one commit: its
/// fields and who attended (for whoever logged it), and her own minutes (for any attendee).
pub async fn edit<S: Store>(
    State(state): State<AppState<S>>,
    CheckedForm(browser, form): CheckedForm<EditForm>,
) -> Result<Response, PageError> {
    let me = Id::new(browser.auth.user.id.as_str(), "user")?;
    let mut doc = own_doc(&state, &browser, &form.session).await?;
    let s = doc.session().map_err(doc_error)?;
    let runs_it = s.created_by == me || s.fields.provider == me;
    let mut errors = FieldErrors::default();
    let attended = match form.attended.as_deref().map(str::trim) {
        Some(text) if s.attendee(&me).is_some() => text
            .parse::<i64>()
            .map_err(|_| "must be a whole number of minutes".to_string())
            .and_then(|n| Minutes::new(n, "attended").map_err(|e| e.message().to_string()))
            .map_err(|e| errors.0.push(("attended".into(), e)))
            .ok(),
        _ => None,
    };
    let mut fields = None;
    let (added, dropped) = (ticked(&form.fields, "with:"), ticked(&form.fields, "drop:"));
    if runs_it {
        // The provider never changes on this page; the hidden field only fills the form.
        let mut read = LogForm { provider: s.fields.provider.to_string(), ..form.fields.clone() };
        read.ticked.clear();
        match read_form(&read, &me) {
            Ok((f, _)) => fields = Some(f),
            Err(e) => errors.0.extend(e.0),
        }
        let namable =
            rsc_service::verified::namable(&state.store, &browser.auth.user, s.fields.provider.as_str()).await?;
        if added.iter().any(|id| !namable.iter().any(|p| p.id == id.as_str())) {
            errors.0.push((
                "attendees".into(),
                "only the provider's supervisees you share a group or a session with can be added".into(),
            ));
        }
        if dropped.contains(&me) {
            errors.0.push(("attendees".into(), "withdraw the session instead of removing yourself".into()));
        }
    } else if !added.is_empty() || !dropped.is_empty() {
        errors.0.push(("attendees".into(), "only the person who logged it changes who attended".into()));
    }
    // The session's length after the change: what nobody's minutes may exceed, and what a new
    // attendee is taken to have attended.
    let length = fields.as_ref().map_or(s.fields.minutes, |f| f.minutes);
    if errors.0.is_empty() {
        // Nobody's minutes may exceed the length, and she changes only her own.
        for other in s.attendees.iter().filter(|a| a.id != me && !dropped.contains(&a.id)) {
            if other.minutes_attended > length {
                let name = name_of(&state, other.id.as_str()).await?;
                errors.0.push((
                    "minutes".into(),
                    format!(
                        "{name} attended {} minutes, longer than {} minutes; she changes her own minutes first",
                        other.minutes_attended.get(),
                        length.get()
                    ),
                ));
            }
        }
        if let Some(mine) = attended.or_else(|| s.attendee(&me).map(|a| a.minutes_attended))
            && mine > length
        {
            errors.0.push((
                "attended".into(),
                format!("you cannot have attended more than the session's {} minutes", length.get()),
            ));
        }
    }
    let attended_text = form.attended.clone();
    let show = |errors: FieldErrors| {
        let (state, browser, session, s, form) = (&state, &browser, form.session.clone(), &s, form.fields.clone());
        async move {
            let page = edit_page_of(state, browser, session, s, form, attended_text, errors).await?;
            Ok::<Response, PageError>(html(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    };
    if !errors.0.is_empty() {
        return show(errors).await;
    }
    let before = doc.heads();
    let (own_shown, own) = (form.fields.own_shown.is_some(), form.fields.own.is_some());
    let updated = doc
        .update(&me, |session| {
            if let Some(f) = fields {
                session.fields.date = f.date;
                session.fields.start_time = f.start_time;
                session.fields.time_zone = f.time_zone;
                session.fields.minutes = f.minutes;
                session.fields.format = f.format;
            }
            session.attendees.retain(|a| !dropped.contains(&a.id));
            for id in added {
                if session.attendee(&id).is_none() {
                    session.attendees.push(rsc_doc::Attendee {
                        id,
                        minutes_attended: length,
                        about_own_rsc_practice: false,
                        statement: None,
                    });
                }
            }
            session.attendees.sort_by(|a, b| a.id.cmp(&b.id));
            if runs_it {
                session.fields.kind =
                    if session.attendees.len() > 1 { SessionKind::Group } else { SessionKind::Individual };
            }
            if let Some(minutes) = attended
                && let Some(mine) = session.attendees.iter_mut().find(|a| a.id == me)
            {
                mine.minutes_attended = minutes;
            }
            if own_shown && let Some(mine) = session.attendees.iter_mut().find(|a| a.id == me) {
                mine.about_own_rsc_practice = own;
            }
            Ok(())
        })
        .map_err(doc_error);
    let result = match updated {
        Ok(()) => push(&state, &browser, &form.session, &mut doc, &before).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(see("/sessions?done=edited")),
        Err(AppError::Invalid { field, message }) => {
            let field = match field.as_str() {
                "start_time" | "time_zone" | "date" | "minutes" | "format" => field,
                _ => "session".into(),
            };
            show(FieldErrors::one(field, message)).await
        }
        Err(other) => Err(other.into()),
    }
}

form_token!(LogForm, WithdrawForm);

impl super::session::FormToken for EditForm {
    fn token(&self) -> &str {
        &self.fields.csrf
    }
}
