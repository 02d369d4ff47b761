//! Evaluation speed: one applicant with 2,000 sessions, and an association's 10,000 applicants
//! with 200 sessions each. Run with `cargo bench -p rsc-rules`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rsc_model::{
    Applicant, Confirmation, Credential, CredentialRecord, Date, Dossier, DossierSession, Id, Minutes, Provider,
    SessionFormat, SessionKind,
};
use rsc_rules::{Purpose, builtin, evaluate};

/// A dossier of `n` sessions spread over the last `n` × 2 days, from three providers, with a
/// realistic mix of group sessions, partial minutes and unconfirmed entries.
fn dossier(applicant: usize, n: usize) -> Dossier {
    let as_of = Date::from_ymd(2026, 11, 22).expect("date");
    let providers: Vec<Provider> = (0..3)
        .map(|p| Provider {
            id: Id::new(format!("provider-{p}"), "bench").expect("id"),
            credentials: vec![CredentialRecord {
                credential: Credential::ImhmC,
                earned_on: Date::from_ymd(2010 + p, 1, 1).expect("date"),
                valid_through: if p == 2 { Date::from_ymd(2025, 6, 30) } else { None },
                revoked_on: None,
                association: None,
            }],
        })
        .collect();
    let sessions = (0..n)
        .map(|i| {
            let minutes = if i % 3 == 0 { 90 } else { 60 };
            DossierSession {
                id: Id::new(format!("a{applicant}-s{i}"), "bench").expect("id"),
                date: as_of.plus_days(-((i * 2 * 1000 / n.max(1)) as i64 % 1500)),
                kind: if i % 3 == 0 { SessionKind::Group } else { SessionKind::Individual },
                format: SessionFormat::Video,
                provider: providers[(i * 7 + applicant) % 3].id.clone(),
                minutes: Minutes::new(minutes, "bench").expect("minutes"),
                minutes_attended: None,
                about_own_rsc_practice: i % 2 == 0,
                confirmation: match i % 10 {
                    0 => None,
                    1 => Some(Confirmation::Disputed),
                    _ => Some(Confirmation::Confirmed {
                        minutes: Minutes::new(minutes - (i % 4) as i64 * 5, "bench").expect("m"),
                    }),
                },
                changed_since_confirmed: false,
            }
        })
        .collect();
    Dossier {
        as_of,
        applicant: Applicant {
            id: Id::new(format!("applicant-{applicant}"), "bench").expect("id"),
            masters_conferred_on: Date::from_ymd(2012, 5, 15),
            provides_rsc: None,
        },
        providers,
        sessions,
        trainings: None,
    }
}

fn one_applicant(c: &mut Criterion) {
    let rulebook = builtin("orimha").expect("orimha");
    let large = dossier(0, 2_000);
    c.bench_function("evaluate 1 dossier x 2,000 sessions (orimha application)", |b| {
        b.iter(|| evaluate(&rulebook, Purpose::Application, black_box(&large)).expect("evaluates"))
    });
    let nm = builtin("nmaimh").expect("nmaimh");
    c.bench_function("evaluate 1 dossier x 2,000 sessions (nmaimh renewal)", |b| {
        b.iter(|| evaluate(&nm, Purpose::Renewal, black_box(&large)).expect("evaluates"))
    });
}

fn association(c: &mut Criterion) {
    let rulebook = builtin("ct-aimh").expect("ct-aimh");
    let dossiers: Vec<Dossier> = (0..10_000).map(|a| dossier(a, 200)).collect();
    let mut group = c.benchmark_group("association");
    group.sample_size(10);
    group.bench_function("evaluate 10,000 dossiers x 200 sessions (ct-aimh application)", |b| {
        b.iter(|| {
            let eligible = dossiers
                .iter()
                .filter(|d| evaluate(&rulebook, Purpose::Application, black_box(d)).expect("evaluates").eligible)
                .count();
            black_box(eligible)
        })
    });
    group.finish();
}

criterion_group!(benches, one_applicant, association);
criterion_main!(benches);
