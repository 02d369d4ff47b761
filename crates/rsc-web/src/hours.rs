//! The applicant's dashboard: each requirement's counted hours against what it asks, when it
//! was or will be met, what is missing, what leaves the window and when, and the plot.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rsc_protocol::EvaluationQuery;
use rsc_rules::format_hours;

use super::plot::{self, Point};
use super::{Nav, PageError, SignedIn, html};
use rsc_service::AppError;
use rsc_service::AppState;
use rsc_service::store::Store;
use rsc_service::verified::{self, Verified};

/// The most lines a list of dates gets before the rest is summed up in one.
const MOST_LINES: usize = 5;

/// How far back the plot looks, and how often it samples.
const PLOT_MONTHS: u32 = 24;
const PLOT_STEP_DAYS: i64 = 14;

/// One requirement, as the dashboard shows it.
pub struct RequirementView {
    pub title: String,
    pub met: bool,
    pub counted: String,
    pub required: String,
    /// Counted as a share of required, 0 to 100 (the progress bar).
    pub percent: u64,
    pub met_on: Option<String>,
    pub projected: Option<String>,
    pub shortfall: Option<String>,
    pub window: String,
    pub ageing_out: Vec<String>,
    pub explanation: String,
    /// Unmet, required, and the recent pace never meets it.
    pub stalled: bool,
    /// It counts trainings: self-reported hours.
    pub self_reported: bool,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Dashboard {
    nav: Option<Nav>,
    rulebook: String,
    purpose: String,
    as_of: String,
    summary: String,
    eligible: bool,
    requirements: Vec<RequirementView>,
    plot_query: String,
    plot_alt: String,
    uncounted: usize,
    /// What waits for whom: per provider, the sessions she has yet to confirm.
    waiting: Vec<String>,
    /// The pace that meets the first unmet requirement within a year, in words.
    pace: Option<String>,
    /// Sessions that do not count for a reason she cannot fix by waiting: a provider's
    /// credential (lapsed, revoked, unclaimed), a dispute.
    notices: Vec<String>,
    problem: Option<String>,
    /// For a renewal: the year being renewed and when it is due, in words.
    renewal: Option<String>,
    /// For a renewal: what counted last year, one line per requirement.
    last_year: Vec<String>,
    /// The heading of `last_year`.
    last_year_title: String,
}

fn view(r: &rsc_rules::RequirementResult) -> RequirementView {
    RequirementView {
        title: r.title.clone(),
        met: r.met,
        counted: format_hours(r.counted_minutes_as_of),
        required: format_hours(r.required_minutes),
        percent: (r.counted_minutes_as_of * 100).checked_div(r.required_minutes).unwrap_or(100).min(100),
        met_on: r.met_on.map(|d| d.to_string()),
        projected: r.projected_met_on.map(|d| d.to_string()),
        shortfall: (r.shortfall_minutes > 0).then(|| format_hours(r.shortfall_minutes)),
        window: match r.window.from {
            Some(from) => format!("{from} to {}", r.window.to),
            None => format!("up to {}", r.window.to),
        },
        ageing_out: rsc_rules::leaving_window(&r.falls_out, MOST_LINES),
        explanation: r.explanation.clone(),
        stalled: r.required && !r.met && r.projected_met_on.is_none(),
        self_reported: false,
    }
}

/// The query the API takes, from the page's own.
fn query_of(q: &DashboardQuery) -> EvaluationQuery {
    EvaluationQuery {
        rulebook: q.rulebook.clone().filter(|s| !s.is_empty()),
        purpose: q.purpose.clone().filter(|s| !s.is_empty()),
        as_of: q.as_of.clone().filter(|s| !s.is_empty()),
        paper: None,
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct DashboardQuery {
    rulebook: Option<String>,
    purpose: Option<String>,
    as_of: Option<String>,
    /// The plot for a phone's column.
    narrow: Option<String>,
}

/// `GET /dashboard`: the signed-in person's verified hours, as `GET /v1/me/evaluation` gives them.
pub async fn dashboard<S: Store>(
    State(state): State<AppState<S>>,
    SignedIn(browser): SignedIn,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, PageError> {
    let nav = Some(Nav::of(&browser, "dashboard"));
    let verified = match verified::verified_hours(&state.store, &browser.auth.user, &query_of(&q)).await {
        Ok(v) => v,
        Err(AppError::Invalid { field, message }) => {
            let page = Dashboard {
                nav,
                rulebook: String::new(),
                purpose: String::new(),
                as_of: String::new(),
                summary: String::new(),
                eligible: false,
                requirements: Vec::new(),
                plot_query: String::new(),
                plot_alt: String::new(),
                uncounted: 0,
                waiting: Vec::new(),
                pace: None,
                notices: Vec::new(),
                problem: Some(if field == "rulebook" {
                    "Choose your association's rulebook in your profile to see your hours counted under it.".into()
                } else {
                    format!("{field}: {message}")
                }),
                renewal: None,
                last_year: Vec::new(),
                last_year_title: String::new(),
            };
            return Ok(html(StatusCode::OK, &page));
        }
        Err(other) => return Err(other.into()),
    };
    let e = &verified.evaluation;
    let training_ids = rsc_rules::training_requirement_ids(&verified.rulebook, verified.purpose, e.as_of);
    let last = rsc_rules::previous_year(&verified.rulebook, verified.purpose, &verified.dossier)?;
    let plot_query = format!("rulebook={}&purpose={}&as_of={}", verified.rulebook.id, verified.purpose, e.as_of);
    let first = e.requirements.first();
    let page = Dashboard {
        nav,
        rulebook: verified.rulebook.name.clone(),
        purpose: verified.purpose.to_string(),
        as_of: e.as_of.to_string(),
        summary: e.summary.clone(),
        eligible: e.eligible,
        requirements: e
            .requirements
            .iter()
            .map(|r| {
                let self_reported = training_ids.contains(&r.id);
                // The engine projects no pace for trainings: say nothing rather than "never".
                RequirementView {
                    self_reported,
                    stalled: !self_reported && r.required && !r.met && r.projected_met_on.is_none(),
                    ..view(r)
                }
            })
            .collect(),
        plot_alt: first
            .map(|r| {
                format!(
                    "Hours counted in the window over the last two years, against the {} required; {} counted on {}.",
                    format_hours(r.required_minutes),
                    format_hours(r.counted_minutes_as_of),
                    e.as_of
                )
            })
            .unwrap_or_default(),
        plot_query,
        uncounted: e.sessions.iter().filter(|s| !s.excluded.is_empty()).count(),
        waiting: waiting(&verified),
        pace: rsc_rules::pace(&verified.rulebook, verified.purpose, &verified.dossier, None)?.map(|p| p.words()),
        notices: notices(&verified),
        problem: None,
        renewal: (verified.purpose == rsc_rules::Purpose::Renewal).then(|| {
            let year = e.as_of.year();
            format!(
                "Renewal year {year}: everything below is needed by {year}-12-31. RS/C hours count once your providers \
                 confirm them; training hours are self-reported."
            )
        }),
        last_year_title: last
            .as_ref()
            .map(|l| {
                format!(
                    "Last year ({}): {}",
                    l.as_of.year(),
                    if l.eligible { "every requirement was met" } else { "not every requirement was met" }
                )
            })
            .unwrap_or_default(),
        last_year: last
            .iter()
            .flat_map(|l| &l.requirements)
            .map(|r| {
                format!(
                    "{}: {} of {}{}",
                    r.title,
                    format_hours(r.counted_minutes),
                    format_hours(r.required_minutes),
                    if r.met { ", met" } else { ", not met" }
                )
            })
            .collect(),
    };
    Ok(html(StatusCode::OK, &page))
}

/// Per provider, what she has yet to confirm, as `rsc hours` says it: sessions that took place,
/// wait for her, and would count once confirmed (a planned one waits for its day first).
fn waiting(v: &Verified) -> Vec<String> {
    use rsc_rules::Exclusion;
    let planned = v.planned(rsc_service::clock::now_ms());
    let mut per: std::collections::BTreeMap<&str, (u32, u64)> = std::collections::BTreeMap::new();
    for (s, r) in v.dossier.sessions.iter().zip(&v.evaluation.sessions) {
        if r.excluded.contains(&Exclusion::Unconfirmed) && !planned.contains(s.id.as_str()) {
            let entry = per.entry(s.provider.as_str()).or_default();
            entry.0 += 1;
            entry.1 += u64::from(s.minutes_attended.unwrap_or(s.minutes).get());
        }
    }
    let mut out: Vec<(u64, String)> = per
        .into_iter()
        .map(|(provider, (sessions, minutes))| {
            let name = v.provider_names.get(provider).map(String::as_str).unwrap_or("Your provider");
            (
                minutes,
                format!(
                    "{name}: {sessions} session{} ({}) to confirm",
                    if sessions == 1 { "" } else { "s" },
                    format_hours(minutes)
                ),
            )
        })
        .collect();
    out.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    out.into_iter().map(|(_, text)| text).collect()
}

/// Per provider, the sessions that do not count because of her credential, in words with what
/// happens next ("2 sessions with Pat Núñez do not count: Pat Núñez's IMHM-C (NM-1001) lapsed
/// after …"), and those she disputed.
fn notices(v: &Verified) -> Vec<String> {
    use rsc_rules::Exclusion;
    let mut credential: std::collections::BTreeMap<&str, (u32, &rsc_model::DossierSession)> = Default::default();
    let mut disputed: std::collections::BTreeMap<&str, u32> = Default::default();
    let planned = v.planned(rsc_service::clock::now_ms());
    for (s, r) in
        v.dossier.sessions.iter().zip(&v.evaluation.sessions).filter(|(s, _)| !planned.contains(s.id.as_str()))
    {
        if r.excluded.contains(&Exclusion::ProviderNotQualified) {
            let entry = credential.entry(s.provider.as_str()).or_insert((0, s));
            entry.0 += 1;
            // The latest session says what stands now.
            if s.date >= entry.1.date {
                entry.1 = s;
            }
        }
        if r.excluded.contains(&Exclusion::Disputed) {
            *disputed.entry(s.provider.as_str()).or_default() += 1;
        }
    }
    let name = |id: &str| v.provider_names.get(id).cloned().unwrap_or_else(|| "Your provider".into());
    let count = |n: u32| format!("{n} session{}", if n == 1 { "" } else { "s" });
    let mut out: Vec<String> = credential
        .into_iter()
        .map(|(provider, (n, latest))| {
            format!(
                "{} with {} {} not count: {}.",
                count(n),
                name(provider),
                if n == 1 { "does" } else { "do" },
                v.not_qualified(latest)
            )
        })
        .collect();
    out.extend(disputed.into_iter().map(|(provider, n)| {
        format!(
            "{} disputed by {}: read why on your sessions, and correct the entry if {} is right.",
            count(n),
            name(provider),
            name(provider)
        )
    }));
    out
}

/// The points of the plot: the first requirement's counted minutes in the window ending on
/// each sampled day, over the last two years.
pub fn points(verified: &Verified) -> Result<Vec<Point>, AppError> {
    let as_of = verified.evaluation.as_of;
    let start = as_of.minus_months(PLOT_MONTHS);
    let mut days = Vec::new();
    let mut day = start;
    while day < as_of {
        days.push(day);
        day = day.plus_days(PLOT_STEP_DAYS);
    }
    days.push(as_of);
    let mut points = Vec::with_capacity(days.len());
    for on in days {
        let mut dossier = verified.dossier.clone();
        dossier.as_of = on;
        dossier.sessions.retain(|s| s.date <= on);
        let evaluation = rsc_rules::evaluate(&verified.rulebook, verified.purpose, &dossier)?;
        let minutes = evaluation.requirements.first().map(|r| r.counted_minutes_as_of).unwrap_or(0);
        points.push(Point { on, minutes });
    }
    Ok(points)
}

/// `GET /dashboard/plot.svg`: the plot, for the dashboard's `<img>`.
pub async fn plot<S: Store>(
    State(state): State<AppState<S>>,
    SignedIn(browser): SignedIn,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, PageError> {
    let verified = verified::verified_hours(&state.store, &browser.auth.user, &query_of(&q)).await?;
    let required = verified.evaluation.requirements.first().map(|r| r.required_minutes).unwrap_or(0);
    let title = verified.evaluation.requirements.first().map(|r| r.title.clone()).unwrap_or_default();
    let points = rsc_service::blocking("plotting the hours", move || points(&verified)).await??;
    let width = if q.narrow.is_some() { plot::NARROW } else { plot::WIDE };
    let svg = plot::svg(&points, required, &title, width);
    Ok((StatusCode::OK, [(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "private, no-cache")], svg)
        .into_response())
}
