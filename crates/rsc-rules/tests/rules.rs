//! The contract's rules at their edges, and the engine's properties, through the public API.

use proptest::prelude::*;
use rsc_model::{Dossier, ModelError};
use rsc_rules::{Evaluation, Exclusion, Purpose, Rulebook, RulesError, builtin, evaluate};
use serde_json::{Value, json};

/// A dossier with one IMHM-C provider `pat` (2015 onwards) and the given sessions.
fn dossier(as_of: &str, masters: Option<&str>, sessions: Vec<Value>) -> Value {
    json!({
        "as_of": as_of,
        "applicant": { "id": "ana", "masters_conferred_on": masters },
        "providers": [
            { "id": "pat", "credentials": [
                { "credential": "IMHM-C", "earned_on": "2015-03-01", "valid_through": null, "revoked_on": null } ] },
            { "id": "quinn", "credentials": [
                { "credential": "IMHM-C", "earned_on": "2016-01-01", "valid_through": null, "revoked_on": null } ] }
        ],
        "sessions": sessions
    })
}

/// A confirmed individual session with `pat`.
fn s(id: &str, date: &str, minutes: u32) -> Value {
    json!({ "id": id, "date": date, "kind": "individual", "format": "in_person", "provider": "pat",
            "minutes": minutes, "about_own_rsc_practice": false,
            "confirmation": { "status": "confirmed", "minutes": minutes } })
}

fn with(mut session: Value, key: &str, value: Value) -> Value {
    session[key] = value;
    session
}

fn run(rulebook: &str, purpose: Purpose, dossier: &Value) -> Evaluation {
    let rulebook = builtin(rulebook).expect("built-in");
    let dossier = Dossier::from_json(&dossier.to_string()).expect("valid dossier");
    evaluate(&rulebook, purpose, &dossier).expect("evaluates")
}

fn req<'a>(evaluation: &'a Evaluation, id: &str) -> &'a rsc_rules::RequirementResult {
    evaluation.requirements.iter().find(|r| r.id == id).expect("requirement")
}

fn excluded(evaluation: &Evaluation, id: &str) -> Vec<Exclusion> {
    evaluation.sessions.iter().find(|s| s.id == id).expect("session").excluded.clone()
}

/// 3000 minutes: `first` (600), four 600-minute sessions in 2025, the last on `last`.
fn fifty_hours(first: &str, last: &str) -> Vec<Value> {
    vec![
        s("a", first, 600),
        s("b", "2025-03-01", 600),
        s("c", "2025-07-01", 600),
        s("d", "2025-11-01", 600),
        s("e", last, 600),
    ]
}

#[test]
fn window_covers_its_first_day_and_not_the_day_before() {
    // Window ending 2026-06-15 covers 2024-06-16 ..= 2026-06-15.
    let e = run("nmaimh", Purpose::Application, &dossier("2026-06-15", None, fifty_hours("2024-06-16", "2026-06-15")));
    let total = req(&e, "rsc_total");
    assert!(total.met, "{}", total.explanation);
    assert_eq!(total.met_on.map(|d| d.to_string()).as_deref(), Some("2026-06-15"));
    assert_eq!(total.window.from.map(|d| d.to_string()).as_deref(), Some("2024-06-16"));
    assert_eq!(total.counted_minutes, 3000);
    assert!(e.eligible);

    let e = run("nmaimh", Purpose::Application, &dossier("2026-06-15", None, fifty_hours("2024-06-15", "2026-06-15")));
    let total = req(&e, "rsc_total");
    assert!(!total.met);
    assert_eq!(total.met_on, None);
    assert_eq!(total.counted_minutes, 2400, "the day before the window is out");
    assert_eq!(total.window.to.to_string(), "2026-06-15");
    assert_eq!(total.shortfall_minutes, 600);
    assert!(!e.eligible);
}

#[test]
fn window_ending_on_29_february_uses_the_month_end() {
    // 2024-02-29 − 24 months = 2022-02-28, so the window starts 2022-03-01.
    let sessions = vec![
        s("a", "2022-03-01", 600),
        s("b", "2022-09-01", 600),
        s("c", "2023-03-01", 600),
        s("d", "2023-09-01", 600),
        s("e", "2024-02-29", 600),
    ];
    let e = run("nmaimh", Purpose::Application, &dossier("2024-03-31", None, sessions.clone()));
    let total = req(&e, "rsc_total");
    assert_eq!(total.met_on.map(|d| d.to_string()).as_deref(), Some("2024-02-29"));
    assert_eq!(total.window.from.map(|d| d.to_string()).as_deref(), Some("2022-03-01"));

    let mut moved = sessions;
    moved[0] = s("a", "2022-02-28", 600);
    let e = run("nmaimh", Purpose::Application, &dossier("2024-02-29", None, moved));
    let total = req(&e, "rsc_total");
    assert!(!total.met);
    assert_eq!(total.counted_minutes, 2400);
    assert_eq!(total.window.from.map(|d| d.to_string()).as_deref(), Some("2022-03-01"));
}

#[test]
fn minimum_span_one_day_short_and_exactly_met() {
    // All 3000 minutes by 2025-01-09, earliest 2024-01-10: one day short of 12 months.
    let mut sessions = vec![
        s("a", "2024-01-10", 720),
        s("b", "2024-02-10", 720),
        s("c", "2024-03-10", 720),
        s("d", "2024-04-10", 720),
        s("e", "2025-01-09", 120),
    ];
    let e = run("nmaimh", Purpose::Application, &dossier("2025-01-09", None, sessions.clone()));
    let total = req(&e, "rsc_total");
    assert!(!total.met);
    assert_eq!(total.counted_minutes_as_of, 3000);
    assert!(total.explanation.contains("2025-01-10"), "{}", total.explanation);

    sessions.push(s("f", "2025-01-10", 30));
    let e = run("nmaimh", Purpose::Application, &dossier("2025-01-10", None, sessions.clone()));
    assert_eq!(req(&e, "rsc_total").met_on.map(|d| d.to_string()).as_deref(), Some("2025-01-10"));

    sessions.pop();
    sessions[4] = s("e", "2025-01-10", 120);
    let e = run("nmaimh", Purpose::Application, &dossier("2025-06-01", None, sessions));
    let total = req(&e, "rsc_total");
    assert_eq!(total.met_on.map(|d| d.to_string()).as_deref(), Some("2025-01-10"));
    assert_eq!(total.counted_minutes, 3000);
}

fn provider_with(record: Value) -> Value {
    let mut d = dossier(
        "2026-01-01",
        Some("2010-01-01"),
        vec![
            with(s("earned", "2020-03-01", 60), "provider", json!("zoe")),
            with(s("last", "2022-12-31", 60), "provider", json!("zoe")),
            with(s("after", "2023-01-01", 60), "provider", json!("zoe")),
        ],
    );
    d["providers"].as_array_mut().expect("providers").push(json!({ "id": "zoe", "credentials": [record] }));
    d
}

#[test]
fn credential_held_from_earned_on_through_valid_through() {
    let d = provider_with(
        json!({ "credential": "IMHM-C", "earned_on": "2020-03-01", "valid_through": "2022-12-31", "revoked_on": null }),
    );
    let e = run("orimha", Purpose::Application, &d);
    assert_eq!(excluded(&e, "earned"), vec![]);
    assert_eq!(excluded(&e, "last"), vec![]);
    assert_eq!(excluded(&e, "after"), vec![Exclusion::ProviderNotQualified]);
    let explanation = e.sessions.iter().find(|s| s.id == "after").and_then(|s| s.explanation.clone()).expect("why");
    assert!(explanation.contains("lapsed after 2022-12-31"), "{explanation}");

    let d = provider_with(
        json!({ "credential": "IMHM-C", "earned_on": "2020-03-02", "valid_through": null, "revoked_on": null }),
    );
    let e = run("orimha", Purpose::Application, &d);
    assert_eq!(excluded(&e, "earned"), vec![Exclusion::ProviderNotQualified]);
}

#[test]
fn credential_not_held_from_its_revocation_day() {
    let d = provider_with(
        json!({ "credential": "IMHM-C", "earned_on": "2020-03-01", "valid_through": null, "revoked_on": "2022-12-31" }),
    );
    let e = run("orimha", Purpose::Application, &d);
    assert_eq!(excluded(&e, "earned"), vec![]);
    assert_eq!(excluded(&e, "last"), vec![Exclusion::ProviderNotQualified]);
    assert_eq!(excluded(&e, "after"), vec![Exclusion::ProviderNotQualified]);
}

#[test]
fn only_accepted_credentials_qualify() {
    let d = provider_with(
        json!({ "credential": "IMHS", "earned_on": "2010-01-01", "valid_through": null, "revoked_on": null }),
    );
    assert_eq!(excluded(&run("orimha", Purpose::Application, &d), "earned"), vec![Exclusion::ProviderNotQualified]);
    // NMAIMH renewal accepts Level 3 providers.
    assert_eq!(excluded(&run("nmaimh", Purpose::Renewal, &d), "earned"), vec![]);
}

#[test]
fn masters_date_edges() {
    let sessions = vec![s("before", "2019-05-14", 60), s("on", "2019-05-15", 60)];
    let e = run("orimha", Purpose::Application, &dossier("2026-01-01", Some("2019-05-15"), sessions.clone()));
    assert_eq!(excluded(&e, "before"), vec![Exclusion::BeforeMasters]);
    assert_eq!(excluded(&e, "on"), vec![]);
    let e = run("orimha", Purpose::Application, &dossier("2026-01-01", None, sessions.clone()));
    assert_eq!(excluded(&e, "on"), vec![Exclusion::MastersDateUnknown]);
    // NMAIMH does not ask for post-masters hours.
    let e = run("nmaimh", Purpose::Application, &dossier("2026-01-01", None, sessions));
    assert_eq!(excluded(&e, "before"), vec![]);
}

#[test]
fn exclusions_are_listed_in_the_contracts_order() {
    let late = with(with(s("late", "2027-01-01", 60), "confirmation", Value::Null), "provider", json!("nobody"));
    let mut d = dossier(
        "2026-01-01",
        Some("2028-01-01"),
        vec![late, with(s("disputed", "2025-01-01", 60), "confirmation", json!({"status": "disputed"}))],
    );
    d["providers"].as_array_mut().expect("providers").push(json!({ "id": "nobody", "credentials": [] }));
    let e = run("orimha", Purpose::Application, &d);
    assert_eq!(
        excluded(&e, "late"),
        vec![Exclusion::AfterAsOf, Exclusion::Unconfirmed, Exclusion::ProviderNotQualified, Exclusion::BeforeMasters]
    );
    assert_eq!(excluded(&e, "disputed"), vec![Exclusion::Disputed, Exclusion::BeforeMasters]);
    let json = serde_json::to_value(&e).expect("json");
    assert_eq!(
        json["sessions"][0]["excluded"],
        json!(["after_as_of", "unconfirmed", "provider_not_qualified", "before_masters"])
    );
    assert_eq!(json["sessions"][0]["counted_minutes"], 0);
}

#[test]
fn partial_minutes_count_what_the_provider_confirmed() {
    let partial = with(
        with(s("group", "2025-01-01", 90), "kind", json!("group")),
        "confirmation",
        json!({"status": "confirmed", "minutes": 45}),
    );
    let e = run("ct-aimh", Purpose::Application, &dossier("2026-01-01", Some("2010-01-01"), vec![partial]));
    assert_eq!(e.sessions[0].counted_minutes, 45);
    assert_eq!(req(&e, "rsc_total").counted_minutes, 45);

    let over = with(s("x", "2025-01-01", 60), "confirmation", json!({"status": "confirmed", "minutes": 61}));
    let err = Dossier::from_json(&dossier("2026-01-01", None, vec![over]).to_string()).expect_err("over-length");
    assert_eq!(err.field(), "sessions[0].confirmation.minutes");
}

#[test]
fn topic_requirement_counts_only_sessions_about_own_practice() {
    let mut sessions = fifty_hours("2019-01-01", "2025-12-01");
    for session in sessions.iter_mut().take(2) {
        session["about_own_rsc_practice"] = json!(true);
    }
    let e = run("ct-aimh", Purpose::Application, &dossier("2026-01-01", Some("2010-01-01"), sessions.clone()));
    assert!(req(&e, "rsc_total").met);
    let own = req(&e, "rsc_about_own_practice");
    assert!(!own.met);
    assert_eq!(own.counted_minutes, 1200);
    assert!(!e.eligible, "CT-AIMH requires 25 hours about own practice");

    // ORIMHA only recommends them: eligible, with advice.
    let e = run(
        "orimha",
        Purpose::Application,
        &dossier("2026-01-01", Some("2010-01-01"), fifty_hours("2024-06-16", "2025-12-01")),
    );
    assert!(e.eligible);
    assert!(e.advisories.iter().any(|a| a.code == "unmet_advisory_requirement"));
}

#[test]
fn renewal_reports_the_first_test_unless_only_the_second_is_met() {
    // 25 hours this calendar year: the first test.
    let this_year: Vec<Value> = (1..=5).map(|m| s(&format!("y{m}"), &format!("2026-0{m}-10"), 300)).collect();
    let e = run("nmaimh", Purpose::Renewal, &dossier("2026-06-30", None, this_year.clone()));
    let annual = req(&e, "rsc_annual");
    assert!(annual.met);
    assert_eq!(annual.test.as_deref(), Some("calendar_year"));
    assert_eq!(annual.met_on.map(|d| d.to_string()).as_deref(), Some("2026-05-10"));
    assert_eq!(annual.window.from.map(|d| d.to_string()).as_deref(), Some("2026-01-01"));
    assert_eq!(annual.counted_minutes, 1500);

    // 50 hours over the last 24 months but under 25 this year: the second test.
    let mut two_years: Vec<Value> = (1..=9).map(|m| s(&format!("p{m}"), &format!("2025-0{m}-10"), 300)).collect();
    two_years.push(s("now", "2026-02-01", 300));
    let e = run("nmaimh", Purpose::Renewal, &dossier("2026-06-30", None, two_years));
    let annual = req(&e, "rsc_annual");
    assert!(annual.met);
    assert_eq!(annual.test.as_deref(), Some("24_months"));
    assert_eq!(annual.window.from.map(|d| d.to_string()).as_deref(), Some("2024-07-01"));
    assert_eq!(annual.met_on.map(|d| d.to_string()).as_deref(), Some("2026-02-01"));

    // Neither: the first, measured to as_of.
    let e = run("nmaimh", Purpose::Renewal, &dossier("2026-06-30", None, this_year[..2].to_vec()));
    let annual = req(&e, "rsc_annual");
    assert!(!annual.met);
    assert_eq!(annual.test.as_deref(), Some("calendar_year"));
    assert_eq!(annual.counted_minutes, 600);
    assert_eq!(annual.window.to.to_string(), "2026-06-30");
    assert_eq!(annual.shortfall_minutes, 900);
}

#[test]
fn ct_renewal_needs_twelve_hours_in_the_calendar_year() {
    let sessions = vec![s("last-year", "2025-12-31", 720), s("a", "2026-01-01", 360), s("b", "2026-03-01", 360)];
    let e = run("ct-aimh", Purpose::Renewal, &dossier("2026-12-01", None, sessions));
    let annual = req(&e, "rsc_annual");
    assert!(annual.met);
    assert_eq!(annual.met_on.map(|d| d.to_string()).as_deref(), Some("2026-03-01"));
    assert_eq!(annual.counted_minutes, 720);
}

#[test]
fn a_purpose_the_rulebook_does_not_define_is_an_error() {
    let d = Dossier::from_json(&dossier("2026-01-01", None, vec![]).to_string()).expect("valid");
    let err = evaluate(&builtin("orimha").expect("orimha"), Purpose::Renewal, &d).expect_err("no renewal");
    assert!(matches!(err, RulesError::PurposeNotDefined { .. }));
    assert!(err.to_string().starts_with("--purpose"), "{err}");
}

#[test]
fn unmet_requirement_explains_shortfall_falling_out_and_projection() {
    // 10 hours a month for the last 4 months; 40 hours in the window.
    let sessions: Vec<Value> = (7..=10).map(|m| s(&format!("m{m}"), &format!("2026-{m:02}-05"), 600)).collect();
    let e = run("nmaimh", Purpose::Application, &dossier("2026-10-31", None, sessions));
    let total = req(&e, "rsc_total");
    assert!(!total.met);
    assert_eq!(total.shortfall_minutes, 600);
    assert_eq!(total.falls_out.first().map(|f| f.on.to_string()).as_deref(), Some("2028-07-05"));
    assert_eq!(total.recent_minutes, 2400);
    // The hours arrive in weeks, but RS/C must span 12 months: the projection waits for that.
    let projected = total.projected_met_on.expect("a pace").to_string();
    assert_eq!(projected, "2027-07-05");
    assert!(total.explanation.contains("around 2027-07-05"), "{}", total.explanation);
}

#[test]
fn provider_concentration_advice() {
    let mut sessions = fifty_hours("2024-06-16", "2025-12-01");
    sessions[1]["provider"] = json!("quinn");
    sessions[2]["provider"] = json!("quinn");
    let e = run("ct-aimh", Purpose::Application, &dossier("2026-01-01", Some("2010-01-01"), sessions.clone()));
    assert!(e.advisories.iter().all(|a| a.code != "provider_concentration"), "60/40 is fine");
    sessions[3]["provider"] = json!("quinn");
    let e = run("ct-aimh", Purpose::Application, &dossier("2026-01-01", Some("2010-01-01"), sessions.clone()));
    assert!(e.advisories.iter().all(|a| a.code != "provider_concentration"), "40/60: quinn is the main provider");
    assert_eq!(e.providers[0].provider.as_str(), "quinn");
    // A third provider: the balance comes from more than one other.
    sessions[3]["provider"] = json!("rae");
    let mut d = dossier("2026-01-01", Some("2010-01-01"), sessions);
    d["providers"].as_array_mut().expect("providers").push(json!({ "id": "rae", "credentials": [
        { "credential": "IMHM-C", "earned_on": "2016-01-01", "valid_through": null, "revoked_on": null } ] }));
    let e = run("ct-aimh", Purpose::Application, &d);
    let advice = e.advisories.iter().find(|a| a.code == "provider_concentration").expect("advice");
    assert!(advice.text.contains("3 providers"), "{}", advice.text);
}

#[test]
fn group_cap_limits_group_minutes() {
    let text = builtin_source_with(
        "nmaimh",
        "provider_concentration_advisory = false",
        "provider_concentration_advisory = false\n\n[application.group_cap]\nmax_percent_of_total = 50",
    );
    let rulebook = Rulebook::from_toml(&text).expect("capped rulebook");
    let mut sessions = fifty_hours("2024-06-16", "2026-06-15");
    for session in sessions.iter_mut().take(3) {
        session["kind"] = json!("group");
    }
    let d = Dossier::from_json(&dossier("2026-06-15", None, sessions).to_string()).expect("valid");
    let e = evaluate(&rulebook, Purpose::Application, &d).expect("evaluates");
    let total = req(&e, "rsc_total");
    // 1800 group, 1200 individual: group counts up to 1200.
    assert!(!total.met);
    assert_eq!(total.counted_minutes, 2400);
    assert_eq!(total.group_minutes_over_cap, 600);
}

fn builtin_source_with(id: &str, from: &str, to: &str) -> String {
    rsc_rules::builtin_source(id).expect("source").replace(from, to)
}

#[test]
fn invalid_dossiers_are_refused_before_evaluation() {
    let mut d =
        Dossier::from_json(&dossier("2026-01-01", None, vec![s("a", "2025-01-01", 60)]).to_string()).expect("valid");
    d.sessions.push(d.sessions[0].clone());
    let err = evaluate(&builtin("nmaimh").expect("nmaimh"), Purpose::Application, &d).expect_err("duplicate");
    assert!(
        matches!(err, RulesError::Dossier(ModelError::Invalid { ref field, .. }) if field == "sessions[1].id"),
        "{err}"
    );
}

// ---- properties ----

fn arb_session(i: usize) -> impl Strategy<Value = Value> {
    (0i64..1100, 1u32..=720, prop::bool::ANY, prop::bool::ANY, 0u8..10, prop::bool::ANY).prop_map(
        move |(day, minutes, group, about, status, quinn)| {
            let date = chrono::NaiveDate::from_ymd_opt(2023, 1, 1).expect("date") + chrono::Duration::days(day);
            let confirmation = match status {
                0 => Value::Null,
                1 => json!({"status": "disputed"}),
                2 => json!({"status": "confirmed", "minutes": (minutes / 2).max(1)}),
                _ => json!({"status": "confirmed", "minutes": minutes}),
            };
            json!({ "id": format!("s{i}"), "date": date.format("%Y-%m-%d").to_string(),
                    "kind": if group { "group" } else { "individual" }, "format": "video",
                    "provider": if quinn { "quinn" } else { "pat" }, "minutes": minutes,
                    "about_own_rsc_practice": about, "confirmation": confirmation })
        },
    )
}

fn arb_sessions() -> impl Strategy<Value = Vec<Value>> {
    (0usize..40).prop_flat_map(|n| (0..n).map(arb_session).collect::<Vec<_>>())
}

fn arb_trainings() -> impl Strategy<Value = Vec<Value>> {
    (0usize..12).prop_flat_map(|n| {
        (0..n)
            .map(|i| {
                (0i64..1200, 1u32..=2400, 0usize..3).prop_map(move |(day, minutes, topic)| {
                    let date = chrono::NaiveDate::from_ymd_opt(2023, 1, 1).expect("date") + chrono::Duration::days(day);
                    t(&format!("t{i}"), &date.format("%Y-%m-%d").to_string(), minutes, ["imh", "rsc", "dei"][topic])
                })
            })
            .collect::<Vec<_>>()
    })
}

const CASES: &[(&str, Purpose)] = &[
    ("nmaimh", Purpose::Application),
    ("nmaimh", Purpose::Renewal),
    ("orimha", Purpose::Application),
    ("ct-aimh", Purpose::Application),
    ("ct-aimh", Purpose::Renewal),
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn evaluation_does_not_depend_on_session_order(sessions in arb_sessions(), seed in any::<u64>()) {
        let mut shuffled = sessions.clone();
        // A deterministic shuffle from the seed.
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        for (rulebook, purpose) in CASES {
            let a = run(rulebook, *purpose, &dossier("2025-12-31", Some("2020-01-01"), sessions.clone()));
            let b = run(rulebook, *purpose, &dossier("2025-12-31", Some("2020-01-01"), shuffled.clone()));
            prop_assert_eq!(&a.requirements, &b.requirements);
            prop_assert_eq!(a.eligible, b.eligible);
            let mut sa = a.sessions.clone();
            let mut sb = b.sessions.clone();
            sa.sort_by(|x, y| x.id.cmp(&y.id));
            sb.sort_by(|x, y| x.id.cmp(&y.id));
            prop_assert_eq!(sa, sb);
        }
    }

    /// A version 2 dossier's RS/C results are the version 1 dossier's: trainings add their own
    /// requirements after the RS/C ones and change none of them; `in_window` agrees with the
    /// reported window; every training up to the evaluation date counts all its minutes.
    #[test]
    fn trainings_change_no_rsc_result(sessions in arb_sessions(), trainings in arb_trainings()) {
        for (rulebook, purpose) in CASES {
            let v1 = run(rulebook, *purpose, &dossier("2025-12-31", Some("2020-01-01"), sessions.clone()));
            let v2d = v2(dossier("2025-12-31", Some("2020-01-01"), sessions.clone()), trainings.clone());
            let v2e = run(rulebook, *purpose, &v2d);
            prop_assert_eq!(&v2e.requirements[..v1.requirements.len()], &v1.requirements[..]);
            prop_assert!(v2e.requirements[v1.requirements.len()..].iter().all(|r| r.id.starts_with("training_")));
            let window = v1.requirements[0].window;
            for (result, session) in v2e.sessions.iter().zip(&sessions) {
                let date: rsc_model::Date = session["date"].as_str().expect("date").parse().expect("date");
                prop_assert_eq!(result.in_window, Some(window.from.is_none_or(|f| f <= date) && date <= window.to));
            }
            let counted: u64 = v2e.trainings.as_ref().expect("trainings").iter().map(|t| t.counted_minutes).sum();
            let expected: u64 = trainings.iter().filter(|t| t["date"].as_str().expect("date") <= "2025-12-31").map(|t| t["minutes"].as_u64().expect("m")).sum();
            prop_assert_eq!(counted, expected);
        }
    }

    #[test]
    fn counted_minutes_never_exceed_confirmed_minutes(sessions in arb_sessions()) {
        let confirmed: u64 = sessions.iter().filter_map(|s| s["confirmation"]["minutes"].as_u64()).sum();
        for (rulebook, purpose) in CASES {
            let e = run(rulebook, *purpose, &dossier("2025-12-31", Some("2020-01-01"), sessions.clone()));
            let per_session: u64 = e.sessions.iter().map(|s| s.counted_minutes).sum();
            prop_assert!(per_session <= confirmed);
            for r in &e.requirements {
                prop_assert!(r.counted_minutes <= per_session);
                prop_assert!(r.counted_minutes_as_of <= per_session);
            }
        }
    }

    #[test]
    fn adding_an_eligible_session_never_makes_things_worse(sessions in arb_sessions(), extra in arb_session(999)) {
        let mut extra = extra;
        let minutes = extra["minutes"].clone();
        extra["confirmation"] = json!({"status": "confirmed", "minutes": minutes});
        let mut more = sessions.clone();
        more.push(extra);
        for (rulebook, purpose) in CASES {
            let before = run(rulebook, *purpose, &dossier("2025-12-31", Some("2020-01-01"), sessions.clone()));
            let after = run(rulebook, *purpose, &dossier("2025-12-31", Some("2020-01-01"), more.clone()));
            prop_assert!(after.eligible || !before.eligible);
            for (b, a) in before.requirements.iter().zip(&after.requirements) {
                prop_assert!(a.met || !b.met, "a met requirement stays met");
                // A renewal requirement with two tests reports the first unless only the second
                // is met (the contract), so the reported window may switch to the other test:
                // the comparisons below are between results of the same test.
                if a.test != b.test {
                    continue;
                }
                // The window ending on the evaluation date only gains.
                prop_assert!(a.counted_minutes_as_of >= b.counted_minutes_as_of);
                // met_on never moves later (and a met requirement stays met).
                if let Some(was) = b.met_on {
                    prop_assert!(a.met_on.is_some_and(|now| now <= was), "{:?} -> {:?}", b.met_on, a.met_on);
                }
                // While unmet, counted_minutes describe the window ending on as_of: they only gain.
                if !a.met {
                    prop_assert!(a.counted_minutes >= b.counted_minutes);
                }
                if a.met {
                    prop_assert!(a.counted_minutes >= a.required_minutes);
                }
            }
        }
    }
}

// Version 2 of the contract: trainings, association scope, in_window.

/// A training of `minutes` on `date` about `topic`.
fn t(id: &str, date: &str, minutes: u32, topic: &str) -> Value {
    json!({ "id": id, "date": date, "minutes": minutes, "topic": topic })
}

/// `dossier` made version 2 with `trainings`.
fn v2(mut dossier: Value, trainings: Vec<Value>) -> Value {
    dossier["trainings"] = Value::Array(trainings);
    dossier
}

fn ids(evaluation: &Evaluation) -> Vec<&str> {
    evaluation.requirements.iter().map(|r| r.id.as_str()).collect()
}

#[test]
fn a_version_1_dossier_evaluates_exactly_as_before_trainings() {
    let v1 = dossier("2026-06-15", None, fifty_hours("2024-06-16", "2026-06-15"));
    let e = run("nmaimh", Purpose::Application, &v1);
    assert_eq!(ids(&e), ["rsc_total"]);
    assert!(e.trainings.is_none() && e.sessions.iter().all(|s| s.in_window.is_none()));
    let text = serde_json::to_string(&e).expect("json");
    assert!(!text.contains("in_window") && !text.contains("trainings"), "{text}");
    let null = run("nmaimh", Purpose::Application, &with(v1.clone(), "trainings", Value::Null));
    assert_eq!(serde_json::to_value(&null).expect("json"), serde_json::to_value(&e).expect("json"));
}

#[test]
fn training_requirements_follow_the_contract_table() {
    let sessions = fifty_hours("2024-06-16", "2026-06-15");
    // NMAIMH: 30 hours, met on the day the trainings dated then or earlier reach them.
    let d = v2(
        dossier("2026-06-15", None, sessions.clone()),
        vec![t("t1", "2025-01-10", 1200, "imh"), t("t2", "2025-05-02", 600, "rsc"), t("t3", "2026-07-01", 600, "dei")],
    );
    let e = run("nmaimh", Purpose::Application, &d);
    assert_eq!(ids(&e), ["rsc_total", "training_total"]);
    let total = req(&e, "training_total");
    assert!(total.met && total.required && e.eligible, "{}", total.explanation);
    assert_eq!(total.met_on.map(|d| d.to_string()).as_deref(), Some("2025-05-02"));
    assert_eq!(
        (total.window.from, total.window.to.to_string().as_str(), total.counted_minutes),
        (None, "2025-05-02", 1800)
    );
    let trainings = e.trainings.as_ref().expect("trainings");
    assert_eq!(trainings.iter().map(|t| t.counted_minutes).collect::<Vec<_>>(), [1200, 600, 0]);
    assert_eq!(trainings[2].excluded, [rsc_rules::TrainingExclusion::AfterAsOf]);
    assert!(e.sessions.iter().all(|s| s.in_window == Some(true)));

    // Short of training, the RS/C alone no longer makes her eligible.
    let short = run(
        "nmaimh",
        Purpose::Application,
        &v2(dossier("2026-06-15", None, sessions.clone()), vec![t("t1", "2025-01-10", 1200, "imh")]),
    );
    let total = req(&short, "training_total");
    assert!(!total.met && !short.eligible);
    assert_eq!(
        (total.counted_minutes, total.window.to.to_string().as_str(), total.shortfall_minutes),
        (1200, "2026-06-15", 600)
    );
    assert!(
        total.explanation.contains("20 h of 30 h of training") && total.explanation.contains("10 h still needed"),
        "{}",
        total.explanation
    );

    // ORIMHA: 30 hours, 15 of them about RS/C.
    let or = v2(
        dossier("2026-06-15", Some("2010-01-01"), sessions.clone()),
        vec![t("t1", "2025-01-10", 1800, "imh"), t("t2", "2025-02-10", 600, "rsc")],
    );
    let e = run("orimha", Purpose::Application, &or);
    assert_eq!(ids(&e), ["rsc_total", "rsc_about_own_practice", "training_total", "training_rsc"]);
    assert!(req(&e, "training_total").met && !req(&e, "training_rsc").met && !e.eligible);
    assert!(req(&e, "training_rsc").explanation.contains("of training about RS/C"));
}

#[test]
fn ct_aimh_applies_the_48_hour_rule_from_2024() {
    let sessions = vec![with(s("a", "2023-06-01", 600), "about_own_rsc_practice", json!(true))];
    let trainings =
        vec![t("t1", "2023-02-01", 1800, "imh"), t("t2", "2023-03-01", 900, "rsc"), t("t3", "2023-04-01", 180, "dei")];
    let before = run(
        "ct-aimh",
        Purpose::Application,
        &v2(dossier("2023-12-31", Some("2010-01-01"), sessions.clone()), trainings.clone()),
    );
    assert_eq!(ids(&before), ["rsc_total", "rsc_about_own_practice", "training_total", "training_rsc"]);
    assert_eq!(req(&before, "training_total").required_minutes, 1800);
    let after =
        run("ct-aimh", Purpose::Application, &v2(dossier("2024-03-01", Some("2010-01-01"), sessions), trainings));
    assert_eq!(
        ids(&after),
        ["rsc_total", "rsc_about_own_practice", "training_total", "training_imh", "training_rsc", "training_dei"]
    );
    let minutes: Vec<(u64, bool)> = after.requirements[2..].iter().map(|r| (r.required_minutes, r.met)).collect();
    assert_eq!(minutes, [(2880, true), (1800, true), (900, true), (180, true)]);
}

#[test]
fn renewal_training_is_the_calendar_years_and_rsc_is_required_of_providers() {
    let sessions = vec![s("a", "2026-02-01", 720)];
    let trainings = vec![
        t("last-year", "2025-12-31", 900, "imh"),
        t("t1", "2026-01-01", 780, "imh"),
        t("t2", "2026-03-01", 60, "dei"),
        t("t3", "2026-04-01", 60, "imh"),
    ];
    let mut d = v2(dossier("2026-06-15", None, sessions), trainings);
    let e = run("ct-aimh", Purpose::Renewal, &d);
    assert_eq!(ids(&e), ["rsc_annual", "training_annual", "training_annual_rsc", "training_annual_dei"]);
    let annual = req(&e, "training_annual");
    assert_eq!((annual.met_on.map(|d| d.to_string()), annual.counted_minutes), (Some("2026-04-01".into()), 900));
    assert_eq!(annual.window.from.map(|d| d.to_string()).as_deref(), Some("2026-01-01"), "last year's does not count");
    let rsc = req(&e, "training_annual_rsc");
    assert!(!rsc.met && !rsc.required, "reported, not required of someone who does not provide RS/C");
    assert!(e.eligible);
    d["applicant"]["provides_rsc"] = json!(true);
    let provider = run("ct-aimh", Purpose::Renewal, &d);
    assert!(req(&provider, "training_annual_rsc").required && !provider.eligible);
    assert!(
        req(&provider, "training_annual_rsc").explanation.contains("by 2026-12-31"),
        "{}",
        req(&provider, "training_annual_rsc").explanation
    );
    // NMAIMH recommends the RS/C hours; it never requires them.
    let nm = run("nmaimh", Purpose::Renewal, &d);
    assert_eq!(ids(&nm), ["rsc_annual", "training_annual", "training_annual_rsc"]);
    assert!(!req(&nm, "training_annual_rsc").required);
}

#[test]
fn an_association_listing_counts_only_for_its_own_rulebook_in_version_2() {
    let approved = |association: Option<&str>| {
        json!({
            "as_of": "2026-06-15",
            "applicant": { "id": "ana", "masters_conferred_on": null },
            "providers": [{ "id": "pat", "credentials": [
                { "credential": "APPROVED-RSC", "earned_on": "2015-03-01", "valid_through": null, "revoked_on": null, "association": association } ] }],
            "sessions": [s("a", "2026-01-10", 60)]
        })
    };
    let nm = run("nmaimh", Purpose::Application, &v2(approved(Some("NMAIMH")), vec![]));
    assert!(excluded(&nm, "a").is_empty());
    for other in [Some("ORIMHA"), Some("nmaimh"), None] {
        let e = run("nmaimh", Purpose::Application, &v2(approved(other), vec![]));
        assert_eq!(excluded(&e, "a"), [Exclusion::ProviderNotQualified], "{other:?}");
    }
    let v1 = run("nmaimh", Purpose::Application, &approved(Some("ORIMHA")));
    assert!(excluded(&v1, "a").is_empty(), "associations have no effect in a version 1 dossier");
}

#[test]
fn in_window_marks_the_reported_window_eligible_or_not() {
    let sessions = vec![
        s("old", "2024-06-15", 600),
        s("in", "2025-01-01", 60),
        with(s("late", "2026-07-01", 60), "confirmation", Value::Null),
    ];
    let e = run("nmaimh", Purpose::Application, &v2(dossier("2026-06-15", None, sessions), vec![]));
    let marks: Vec<(&str, Option<bool>)> = e.sessions.iter().map(|s| (s.id.as_str(), s.in_window)).collect();
    assert_eq!(marks, [("old", Some(false)), ("in", Some(true)), ("late", Some(false))]);
}

#[test]
fn training_rulebooks_round_trip_and_bad_ones_are_named() {
    for id in ["nmaimh", "orimha", "ct-aimh"] {
        let rulebook = builtin(id).expect("built in");
        assert_eq!(Rulebook::from_toml(&rulebook.to_toml()).expect("again"), rulebook, "{id}");
    }
    let ct = rsc_rules::builtin_source("ct-aimh").expect("source");
    let twice = ct.replace("applies_from = \"2024-01-01\"", "");
    assert!(Rulebook::from_toml(&twice).expect_err("two sets from the start").to_string().contains("applies_from"));
    let maybe = ct.replace("required = \"if_provides_rsc\"", "required = \"sometimes\"");
    assert!(Rulebook::from_toml(&maybe).expect_err("bad required").to_string().contains("if_provides_rsc"));
    let yoga = ct.replace("topic = \"dei\"", "topic = \"yoga\"");
    assert!(Rulebook::from_toml(&yoga).is_err());
    let text = builtin("nmaimh").expect("nmaimh").to_toml();
    assert!(text.contains("association = \"NMAIMH\"") && text.contains("[[application.training]]"), "{text}");
}
