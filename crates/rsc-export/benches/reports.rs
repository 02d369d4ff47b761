//! Report speed and size: the PDF and the CSV of an applicant with 2,000 sessions from three
//! providers with names from the shared list. Run with `cargo bench -p rsc-export`; the PDF's
//! size and page count are printed once.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rsc_export::pdf::{Binding, Paper, PdfOptions, Source};
use rsc_export::{Payload, Person, RegistryRecordRef};
use rsc_model::{
    Applicant, Confirmation, Credential, CredentialRecord, Date, Dossier, DossierSession, Id, Minutes, Provider,
    SessionFormat, SessionKind,
};
use rsc_rules::{Purpose, builtin, evaluate};

const NAMES: [&str; 4] =
    ["Nguyễn Thị Hương", "María de los Ángeles Núñez", "Bidzííl Dineʼé Yazzie", "Ngozi Okonkwo-Adébáyọ̀"];

fn payload(n: usize) -> Payload {
    let as_of = Date::from_ymd(2026, 11, 22).expect("date");
    let record = CredentialRecord {
        credential: Credential::ImhmC,
        earned_on: Date::from_ymd(2010, 1, 1).expect("date"),
        valid_through: None,
        revoked_on: None,
        association: None,
    };
    let providers: Vec<Provider> = (0..3)
        .map(|p| Provider {
            id: Id::new(format!("provider-{p}"), "bench").expect("id"),
            credentials: vec![record.clone()],
        })
        .collect();
    let sessions = (0..n)
        .map(|i| DossierSession {
            id: Id::new(format!("s{i}"), "bench").expect("id"),
            date: as_of.plus_days(-((i * 700 / n.max(1)) as i64)),
            kind: if i % 3 == 0 { SessionKind::Group } else { SessionKind::Individual },
            format: SessionFormat::Video,
            provider: providers[i % 3].id.clone(),
            minutes: Minutes::new(60, "bench").expect("minutes"),
            minutes_attended: Some(Minutes::new(if i % 5 == 0 { 45 } else { 60 }, "bench").expect("minutes")),
            about_own_rsc_practice: i % 2 == 0,
            confirmation: match i % 10 {
                0 => None,
                1 => Some(Confirmation::Disputed),
                _ => Some(Confirmation::Confirmed { minutes: Minutes::new(55, "bench").expect("m") }),
            },
            changed_since_confirmed: false,
        })
        .collect();
    let dossier = Dossier {
        as_of,
        applicant: Applicant {
            id: Id::new("applicant", "bench").expect("id"),
            masters_conferred_on: Date::from_ymd(2012, 5, 15),
            provides_rsc: None,
        },
        providers: providers.clone(),
        sessions,
        trainings: None,
    };
    let rulebook = builtin("nmaimh").expect("nmaimh");
    let evaluation = evaluate(&rulebook, Purpose::Application, &dossier).expect("evaluates");
    Payload {
        export_id: Some("BENCHEXPORTID0000000000000".into()),
        group_sizes: Default::default(),
        trainings: Vec::new(),
        issued_at_ms: 1_790_000_000_000,
        applicant: Person { id: "applicant".into(), display_name: NAMES[0].into() },
        rulebook,
        purpose: Purpose::Application,
        dossier,
        evaluation,
        attestations: Vec::new(),
        registry_records: providers
            .iter()
            .enumerate()
            .map(|(i, p)| RegistryRecordRef {
                number: format!("NM-10{i:02}"),
                provider_id: p.id.to_string(),
                holder_name: NAMES[i + 1].into(),
                credential: Credential::ImhmC,
                association: "NMAIMH".into(),
                earned_on: record.earned_on,
                valid_through: None,
                revoked_on: None,
                version: 1,
            })
            .collect(),
        providers: providers
            .iter()
            .enumerate()
            .map(|(i, p)| Person { id: p.id.to_string(), display_name: NAMES[i + 1].into() })
            .collect(),
    }
}

fn reports(c: &mut Criterion) {
    let payload = payload(2_000);
    let options = PdfOptions {
        paper: Some(Paper::Letter),
        source: Source::Signed {
            key_id: "rsc-bench".into(),
            binding: Some(Binding {
                export_id: "7KQ2M9XD4HPA".into(),
                digest: "0".repeat(64),
                link: "https://rsc.example.org/verify/7KQ2M9XD4HPA".into(),
            }),
        },
    };
    let pdf = rsc_export::pdf::render(&payload, &options).expect("renders");
    // To look at it: RSC_BENCH_PDF=/tmp/2000.pdf cargo bench -p rsc-export
    if let Some(path) = std::env::var_os("RSC_BENCH_PDF") {
        std::fs::write(path, &pdf).expect("write the PDF");
    }
    let pages = String::from_utf8_lossy(&pdf)
        .matches("/Type /Page\n")
        .count()
        .max(String::from_utf8_lossy(&pdf).matches("/Type/Page").count());
    println!("PDF of 2,000 sessions: {} KiB ({pages} page objects counted)", pdf.len() / 1024);
    let mut group = c.benchmark_group("reports");
    group.sample_size(10);
    group.bench_function("PDF of 2,000 sessions", |b| {
        b.iter(|| rsc_export::pdf::render(black_box(&payload), &options).expect("renders"))
    });
    group.bench_function("CSV of 2,000 sessions", |b| {
        b.iter(|| rsc_export::reports::csv_report(black_box(&payload)).expect("csv"))
    });
    group.finish();
}

criterion_group!(benches, reports);
criterion_main!(benches);
