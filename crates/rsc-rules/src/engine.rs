//! The evaluation engine: which sessions are eligible, and when each requirement is met.
//!
//! Sessions are sorted once by date (O(n log n)); every requirement is then one linear pass:
//! a sliding window over the distinct session dates for applications, a running total over a
//! fixed period for renewals. The contract's definitions are quoted where they are applied.

use std::collections::HashMap;

use rsc_model::{Confirmation, Date, Dossier, DossierSession, Id, Provider};

use crate::RulesError;
use crate::explain;
use crate::measure::{Counted, Measure, window_from};
use crate::output::{Evaluation, Exclusion, FallOut, ProviderTotal, RequirementResult, SessionResult, Window};
use crate::output::{TrainingExclusion, TrainingResult};
use crate::rulebook::{Accepted, GroupCap, Period, PeriodTest, Purpose, Rulebook, Topic, TrainingSet};

/// Minutes split by kind, so a group cap can be applied to any sum.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Split {
    pub individual: u64,
    pub group: u64,
}

impl Split {
    fn add(&mut self, item: &Counted<'_>) {
        if item.group { self.group += item.minutes } else { self.individual += item.minutes }
    }

    fn sub(&mut self, item: &Counted<'_>) {
        if item.group { self.group -= item.minutes } else { self.individual -= item.minutes }
    }

    /// The minutes that count under `cap`.
    pub fn counted(self, cap: Option<&GroupCap>) -> u64 {
        self.individual + GroupCap::allowed_group(cap, self.individual, self.group)
    }

    /// The group minutes `cap` leaves out.
    pub fn over_cap(self, cap: Option<&GroupCap>) -> u64 {
        self.group - GroupCap::allowed_group(cap, self.individual, self.group)
    }

    fn of(items: &[Counted<'_>]) -> Split {
        let mut split = Split::default();
        items.iter().for_each(|item| split.add(item));
        split
    }
}

/// What one purpose of a rulebook asks, reduced to what the engine needs.
struct PurposeView<'r> {
    accepted: &'r [Accepted],
    post_masters: bool,
    cap: Option<&'r GroupCap>,
}

/// Evaluates `dossier` under `rulebook` for `purpose`, as `contracts/evaluate.md` specifies.
///
/// ```
/// use rsc_model::Dossier;
/// use rsc_rules::{Purpose, builtin, evaluate};
///
/// let dossier = Dossier::from_json(r#"{
///   "as_of": "2026-11-22",
///   "applicant": { "id": "ana", "masters_conferred_on": "2019-05-15" },
///   "providers": [{ "id": "pat", "credentials": [
///     { "credential": "IMHM-C", "earned_on": "2015-03-01", "valid_through": null, "revoked_on": null }] }],
///   "sessions": [
///     { "id": "s1", "date": "2026-09-12", "kind": "individual", "format": "video", "provider": "pat",
///       "minutes": 60, "about_own_rsc_practice": false, "confirmation": { "status": "confirmed", "minutes": 60 } },
///     { "id": "s2", "date": "2026-09-26", "kind": "individual", "format": "video", "provider": "pat",
///       "minutes": 60, "about_own_rsc_practice": false, "confirmation": null }
///   ]
/// }"#)?;
/// let evaluation = evaluate(&builtin("nmaimh").expect("built in"), Purpose::Application, &dossier)?;
/// // The confirmed hour counts; the unconfirmed one does not, and says why.
/// assert_eq!(evaluation.sessions[0].counted_minutes, 60);
/// assert_eq!(evaluation.sessions[1].counted_minutes, 0);
/// assert!(!evaluation.sessions[1].excluded.is_empty());
/// assert!(!evaluation.eligible, "one hour is not fifty");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn evaluate(rulebook: &Rulebook, purpose: Purpose, dossier: &Dossier) -> Result<Evaluation, RulesError> {
    dossier.validate()?;
    let view = match purpose {
        Purpose::Application => rulebook.application.as_ref().map(|r| PurposeView {
            accepted: &r.accepted_credentials,
            post_masters: r.post_masters,
            cap: r.group_cap.as_ref(),
        }),
        Purpose::Renewal => rulebook.renewal.as_ref().map(|r| PurposeView {
            accepted: &r.accepted_credentials,
            post_masters: r.post_masters,
            cap: r.group_cap.as_ref(),
        }),
    }
    .ok_or_else(|| RulesError::PurposeNotDefined {
        rulebook: rulebook.id.clone(),
        purpose: purpose.to_string(),
        defined: rulebook.purposes().iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", "),
    })?;

    let credentials = rulebook.accepted_credentials(purpose);
    let providers: HashMap<&Id, &Provider> = dossier.providers.iter().map(|p| (&p.id, p)).collect();
    let mut sessions = Vec::with_capacity(dossier.sessions.len());
    let mut eligible = Vec::with_capacity(dossier.sessions.len());
    for session in &dossier.sessions {
        let provider = providers.get(&session.provider).copied();
        let excluded = exclusions(session, provider, dossier, &view);
        let counted_minutes = match (excluded.is_empty(), session.confirmation) {
            (true, Some(Confirmation::Confirmed { minutes })) => u64::from(minutes.get().min(session.minutes.get())),
            _ => 0,
        };
        if excluded.is_empty() {
            eligible.push(Counted {
                date: session.date,
                minutes: counted_minutes,
                group: session.kind == rsc_model::SessionKind::Group,
                about_own: session.about_own_rsc_practice,
                provider: &session.provider,
            });
        }
        let explanation =
            (!excluded.is_empty()).then(|| explain::session(session, provider, &excluded, dossier, &credentials));
        sessions.push(SessionResult {
            id: session.id.to_string(),
            counted_minutes,
            excluded,
            in_window: None,
            explanation,
        });
    }
    eligible.sort_by_key(|item| item.date);

    let as_of = dossier.as_of;
    let mut requirements: Vec<RequirementResult> = match purpose {
        Purpose::Application => {
            let rules = rulebook.application.as_ref().expect("checked above");
            rules
                .requirements
                .iter()
                .map(|req| {
                    let items = by_topic(&eligible, req.topic);
                    let measure = Measure::Rolling { months: rules.window_months, span: rules.min_span_months };
                    measure_requirement(
                        &items,
                        measure,
                        u64::from(req.required_minutes),
                        view.cap,
                        as_of,
                        Labels { id: &req.id, title: &req.title, required: req.required, test: None },
                    )
                })
                .collect()
        }
        Purpose::Renewal => {
            let rules = rulebook.renewal.as_ref().expect("checked above");
            rules
                .requirements
                .iter()
                .map(|req| {
                    let items = by_topic(&eligible, req.topic);
                    let results: Vec<RequirementResult> = req
                        .tests
                        .iter()
                        .map(|test| {
                            let label = test.label();
                            measure_requirement(
                                &items,
                                Measure::period(test, as_of),
                                u64::from(test.required_minutes),
                                view.cap,
                                as_of,
                                Labels { id: &req.id, title: &req.title, required: req.required, test: Some(&label) },
                            )
                        })
                        .collect();
                    // "it reports the first test unless only the second is met"
                    let chosen = if results[0].met { 0 } else { results.iter().position(|r| r.met).unwrap_or(0) };
                    results.into_iter().nth(chosen).expect("a renewal requirement has at least one test")
                })
                .collect()
        }
    };

    // "in_window is true when the date lies in the reported window of rsc_total (application) or
    // rsc_annual (renewal)": reported for version 2 dossiers, which the contract asks it of.
    if dossier.is_v2() {
        let key = match purpose {
            Purpose::Application => "rsc_total",
            Purpose::Renewal => "rsc_annual",
        };
        let window = requirements.iter().find(|r| r.id == key).or(requirements.first()).map(|r| r.window);
        for (result, session) in sessions.iter_mut().zip(&dossier.sessions) {
            result.in_window =
                Some(window.is_some_and(|w| w.from.is_none_or(|from| from <= session.date) && session.date <= w.to));
        }
    }
    let trainings = dossier.trainings.as_deref().map(|trainings| {
        trainings
            .iter()
            .map(|t| {
                let after = t.date > as_of;
                TrainingResult {
                    id: t.id.to_string(),
                    counted_minutes: if after { 0 } else { u64::from(t.minutes) },
                    excluded: if after { vec![TrainingExclusion::AfterAsOf] } else { Vec::new() },
                }
            })
            .collect::<Vec<_>>()
    });
    if let Some(set) =
        dossier.trainings.as_deref().and_then(|_| crate::rulebook::training_set_on(rulebook.training(purpose), as_of))
    {
        requirements.extend(training_requirements(set, purpose, dossier));
    }

    let eligible_overall = requirements.iter().filter(|r| r.required).all(|r| r.met);
    let providers_out = provider_totals(&eligible, requirements.first().map(|r| r.window));
    let concentration = match purpose {
        Purpose::Application => rulebook.application.as_ref().is_some_and(|r| r.provider_concentration_advisory),
        Purpose::Renewal => false,
    };
    let advisories = explain::advisories(&requirements, &providers_out, concentration);
    let summary = explain::summary(rulebook, purpose, eligible_overall, &requirements);
    Ok(Evaluation {
        rulebook: rulebook.id.clone(),
        purpose,
        as_of,
        eligible: eligible_overall,
        requirements,
        sessions,
        rulebook_name: rulebook.name.clone(),
        applicant: dossier.applicant.id.clone(),
        summary,
        readings: rulebook.readings.clone(),
        providers: providers_out,
        advisories,
        trainings,
    })
}

/// The contract's order of training requirements; any other id of a rulebook's own follows,
/// in its file's order.
const TRAINING_ORDER: [&str; 7] = [
    "training_total",
    "training_imh",
    "training_rsc",
    "training_dei",
    "training_annual",
    "training_annual_rsc",
    "training_annual_dei",
];

/// The training requirements of `set`, measured over the dossier's counted trainings: for an
/// application every one up to the evaluation date, for a renewal those of its calendar year.
fn training_requirements(set: &TrainingSet, purpose: Purpose, dossier: &Dossier) -> Vec<RequirementResult> {
    let as_of = dossier.as_of;
    let trainings = dossier.trainings.as_deref().unwrap_or_default();
    let mut ordered: Vec<&crate::rulebook::TrainingRequirement> = set.requirements.iter().collect();
    ordered.sort_by_key(|req| TRAINING_ORDER.iter().position(|id| *id == req.id).unwrap_or(TRAINING_ORDER.len()));
    ordered
        .into_iter()
        .map(|req| {
            let mut items: Vec<Counted<'_>> = trainings
                .iter()
                .filter(|t| t.date <= as_of && req.topic.counts(t.topic))
                .map(|t| Counted {
                    date: t.date,
                    minutes: u64::from(t.minutes),
                    group: false,
                    about_own: false,
                    provider: &dossier.applicant.id,
                })
                .collect();
            items.sort_by_key(|item| item.date);
            let measure = match purpose {
                Purpose::Application => Measure::Rolling { months: None, span: None },
                Purpose::Renewal => Measure::period(
                    &PeriodTest { period: Period::CalendarYear, months: None, required_minutes: req.required_minutes },
                    as_of,
                ),
            };
            let mut result = measure_requirement(
                &items,
                measure,
                u64::from(req.required_minutes),
                None,
                as_of,
                Labels {
                    id: &req.id,
                    title: &req.title,
                    required: req.required.of(dossier.provides_rsc()),
                    test: None,
                },
            );
            result.explanation = explain::training(&result, req.topic, measure);
            result
        })
        .collect()
}

/// Every exclusion code that applies to `session`, in the contract's order.
fn exclusions(
    session: &DossierSession,
    provider: Option<&Provider>,
    dossier: &Dossier,
    view: &PurposeView<'_>,
) -> Vec<Exclusion> {
    let mut excluded = Vec::new();
    if session.date > dossier.as_of {
        excluded.push(Exclusion::AfterAsOf);
    }
    match session.confirmation {
        None => excluded.push(Exclusion::Unconfirmed),
        Some(Confirmation::Disputed) => excluded.push(Exclusion::Disputed),
        Some(Confirmation::Confirmed { .. }) => {}
    }
    // Associations scope a credential only in a version 2 dossier.
    let scoped = dossier.is_v2();
    let qualified = provider.is_some_and(|p| {
        p.credentials
            .iter()
            .any(|record| view.accepted.iter().any(|a| a.accepts(record, scoped)) && record.held_on(session.date))
    });
    if !qualified {
        excluded.push(Exclusion::ProviderNotQualified);
    }
    if view.post_masters {
        match dossier.applicant.masters_conferred_on {
            Some(conferred) if session.date < conferred => excluded.push(Exclusion::BeforeMasters),
            Some(_) => {}
            None => excluded.push(Exclusion::MastersDateUnknown),
        }
    }
    excluded
}

fn by_topic<'a>(eligible: &[Counted<'a>], topic: Topic) -> Vec<Counted<'a>> {
    match topic {
        Topic::Any => eligible.to_vec(),
        Topic::AboutOwnRscPractice => eligible.iter().filter(|item| item.about_own).copied().collect(),
    }
}

/// The first day a session dated `date` is outside the `months` window.
pub(crate) fn first_day_outside(date: Date, months: u32) -> Date {
    let mut day = date.plus_months(months);
    // Month-end clamping can leave `day − N months` still before `date` (29 February).
    while window_from(day, months) <= date {
        day = day.succ();
    }
    day
}

struct Labels<'a> {
    id: &'a str,
    title: &'a str,
    required: bool,
    test: Option<&'a str>,
}

/// The sessions of `items` (sorted by date) with `from ≤ date ≤ to`.
fn slice<'s, 'a>(items: &'s [Counted<'a>], from: Option<Date>, to: Date) -> &'s [Counted<'a>] {
    let start = from.map_or(0, |from| items.partition_point(|item| item.date < from));
    let end = items.partition_point(|item| item.date <= to);
    &items[start..end.max(start)]
}

fn measure_requirement(
    items: &[Counted<'_>],
    measure: Measure,
    required: u64,
    cap: Option<&GroupCap>,
    as_of: Date,
    labels: Labels<'_>,
) -> RequirementResult {
    let met_on = match measure {
        Measure::Rolling { months, span } => rolling_met_on(items, months, span, required, cap),
        Measure::Period { start, .. } => period_met_on(slice(items, Some(start), as_of), required, cap),
    };
    let as_of_from = match measure {
        Measure::Rolling { months, .. } => months.map(|m| window_from(as_of, m)),
        Measure::Period { start, .. } => Some(start),
    };
    let window = match (met_on, measure) {
        (Some(e), Measure::Rolling { months, .. }) => Window { from: months.map(|m| window_from(e, m)), to: e },
        (Some(e), Measure::Period { start, .. }) => Window { from: Some(start), to: e },
        (None, _) => Window { from: as_of_from, to: as_of },
    };
    let in_window = Split::of(slice(items, window.from, window.to));
    let now = Split::of(slice(items, as_of_from, as_of));
    let counted_minutes_as_of = now.counted(cap);
    let recent_from = window_from(as_of, 6);
    let recent = Split::of(slice(items, Some(recent_from), as_of));
    let met = met_on.is_some();
    let (falls_out, projected_met_on) = if met {
        (Vec::new(), None)
    } else {
        let falls_out = match measure {
            Measure::Rolling { months: Some(m), .. } | Measure::Period { rolling_months: Some(m), .. } => {
                falls_out(slice(items, as_of_from, as_of), m)
            }
            _ => Vec::new(),
        };
        let days = as_of.days_since(as_of.minus_months(6)).max(1) as f64;
        let pace = (recent.individual as f64 / days, recent.group as f64 / days);
        (falls_out, project(items, measure, required, cap, as_of, pace))
    };
    let mut result = RequirementResult {
        id: labels.id.to_string(),
        required: labels.required,
        met,
        required_minutes: required,
        counted_minutes: in_window.counted(cap),
        met_on,
        window,
        title: labels.title.to_string(),
        explanation: String::new(),
        test: labels.test.map(str::to_string),
        shortfall_minutes: if met { 0 } else { required.saturating_sub(counted_minutes_as_of) },
        counted_minutes_as_of,
        group_minutes_over_cap: in_window.over_cap(cap),
        recent_minutes: recent.counted(cap),
        falls_out,
        projected_met_on,
    };
    result.explanation = explain::requirement(&result, measure, items, as_of);
    result
}

/// "the earliest date E ≤ as_of that is the date of a session it counts and on which the
/// sessions it counts inside the window ending E reach required_minutes and, where the rulebook
/// sets a minimum span of M months, the earliest of those sessions is dated M months or more
/// before E".
fn rolling_met_on(
    items: &[Counted<'_>],
    months: Option<u32>,
    span: Option<u32>,
    required: u64,
    cap: Option<&GroupCap>,
) -> Option<Date> {
    let mut sum = Split::default();
    let mut left = 0;
    let mut right = 0;
    while right < items.len() {
        let end = items[right].date;
        while right < items.len() && items[right].date == end {
            sum.add(&items[right]);
            right += 1;
        }
        if let Some(m) = months {
            let from = window_from(end, m);
            while items[left].date < from {
                sum.sub(&items[left]);
                left += 1;
            }
        }
        let span_ok = span.is_none_or(|m| items[left].date.plus_months(m) <= end);
        if sum.counted(cap) >= required && span_ok {
            return Some(end);
        }
    }
    None
}

/// "the earliest date in the period on which the period's eligible minutes up to that date
/// reach required_minutes" (`items` holds the period's sessions only).
fn period_met_on(items: &[Counted<'_>], required: u64, cap: Option<&GroupCap>) -> Option<Date> {
    let mut sum = Split::default();
    for (i, item) in items.iter().enumerate() {
        sum.add(item);
        let last_of_day = items.get(i + 1).is_none_or(|next| next.date != item.date);
        if last_of_day && sum.counted(cap) >= required {
            return Some(item.date);
        }
    }
    None
}

/// When the minutes in the current window leave it, grouped by day.
fn falls_out(in_window: &[Counted<'_>], months: u32) -> Vec<FallOut> {
    let mut out: Vec<FallOut> = Vec::new();
    for item in in_window {
        let on = first_day_outside(item.date, months);
        match out.last_mut() {
            Some(last) if last.on == on => last.minutes += item.minutes,
            _ => out.push(FallOut { on, minutes: item.minutes }),
        }
    }
    out
}

/// The first day after `as_of` on which the requirement would be met if the applicant kept
/// the pace of the last six months (`pace` = individual and group minutes per day), with the
/// hours already logged leaving the window as they age. `None` when there is no pace or it
/// would take longer than ten years (or, for a calendar-year period, past 31 December).
fn project(
    items: &[Counted<'_>],
    measure: Measure,
    required: u64,
    cap: Option<&GroupCap>,
    as_of: Date,
    pace: (f64, f64),
) -> Option<Date> {
    let per_day = pace.0 + pace.1;
    if per_day <= 0.0 {
        return None;
    }
    let (months, span, fixed_start, horizon) = match measure {
        Measure::Rolling { months, span } => (months, span, None, as_of.plus_months(120)),
        Measure::Period { start, end, rolling_months: None } => (None, None, Some(start), end),
        Measure::Period { end, rolling_months, .. } => (rolling_months, None, None, end),
    };
    let base = match fixed_start {
        Some(start) => slice(items, Some(start), as_of),
        None => slice(items, months.map(|m| window_from(as_of, m)), as_of),
    };
    // Dropping sessions only lowers the total, so the day the hours could first suffice
    // without any dropping is a safe place to start looking.
    let logged = Split::of(base).counted(cap);
    let mut day = as_of.plus_days(((required.saturating_sub(logged)) as f64 / per_day).floor().max(1.0) as i64);
    if let (Some(m), Some(first)) = (span, base.first()) {
        day = day.max(first.date.plus_months(m));
    }
    let mut left = 0;
    let mut sum = Split::of(base);
    while day <= horizon {
        let lower = months.map(|m| window_from(day, m));
        if let Some(from) = lower {
            while left < base.len() && base[left].date < from {
                sum.sub(&base[left]);
                left += 1;
            }
        }
        let accrual_start = lower.map_or(as_of.succ(), |from| from.max(as_of.succ()));
        let days = (day.days_since(accrual_start) + 1).max(0) as f64;
        let individual = sum.individual + (pace.0 * days).floor() as u64;
        let group = sum.group + (pace.1 * days).floor() as u64;
        let total = Split { individual, group }.counted(cap);
        let earliest = base.get(left).map_or(accrual_start, |item| item.date);
        let span_ok = span.is_none_or(|m| earliest.plus_months(m) <= day);
        if total >= required && span_ok {
            return Some(day);
        }
        day = day.succ();
    }
    None
}

/// Counted minutes per provider inside `window` (the first requirement's), most first.
fn provider_totals(eligible: &[Counted<'_>], window: Option<Window>) -> Vec<ProviderTotal> {
    let Some(window) = window else { return Vec::new() };
    let mut totals: HashMap<&Id, (u64, u64)> = HashMap::new();
    for item in slice(eligible, window.from, window.to) {
        let entry = totals.entry(item.provider).or_default();
        entry.0 += item.minutes;
        entry.1 += 1;
    }
    let mut out: Vec<ProviderTotal> = totals
        .into_iter()
        .map(|(provider, (minutes, sessions))| ProviderTotal {
            provider: provider.clone(),
            counted_minutes: minutes,
            sessions,
        })
        .collect();
    out.sort_by(|a, b| b.counted_minutes.cmp(&a.counted_minutes).then_with(|| a.provider.cmp(&b.provider)));
    out
}
