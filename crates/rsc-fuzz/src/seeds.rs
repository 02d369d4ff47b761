//! Writes the committed seeds: `cargo test -p rsc-fuzz -- --ignored write_seeds`. Each is an
//! input a real client sends (real Automerge changes, a real rulebook, a signed export), so
//! that the campaigns start from inputs that reach deep.

use std::path::Path;

use rsc_doc::{ActorId, SessionDoc, SessionEdit, TrainingDoc, TrainingFields};
use rsc_model::{Id, Minutes};
use rsc_protocol::{Bytes, Cursor, DocChanges, DocPush, PROTOCOL_VERSION, SyncRequest, SyncResponse};

use rsc_doc::{NewAttendee, SessionFields};
use rsc_model::{Date, SessionFormat, SessionKind};

use crate::documents::{ANA, BEN, PAT, stored_path};
use crate::server::{BOUNDARY, FORMS};
use crate::{crate_dir, framed};

/// The stored session's id.
const SESSION: &str = "0195d2a0-0000-7000-8000-0000000005e5";

/// Makes the stored document afresh (to write `data/session.automerge`).
fn make_stored() -> SessionDoc {
    let id = |text: &str| Id::new(text, "id").expect("id");
    let fields = SessionFields {
        date: "2025-04-08".parse::<Date>().expect("date"),
        start_time: "10:00".into(),
        time_zone: "America/Denver".into(),
        minutes: Minutes::new(90, "minutes").expect("minutes"),
        kind: SessionKind::Group,
        format: SessionFormat::Video,
        provider: id(PAT),
    };
    let attendee = |who: &str, minutes: i64| NewAttendee {
        id: id(who),
        minutes_attended: Minutes::new(minutes, "minutes").expect("minutes"),
        about_own_rsc_practice: false,
    };
    SessionDoc::create(
        ActorId::from(vec![0xa0; 16]),
        id(SESSION),
        id(ANA),
        fields,
        vec![attendee(ANA, 90), attendee(BEN, 75)],
    )
    .expect("create")
}

fn id(text: &str) -> Id {
    Id::new(text, "id").expect("id")
}

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = crate_dir().join("corpus").join(target);
    std::fs::create_dir_all(&dir).expect("corpus folder");
    std::fs::write(dir.join(name), bytes).expect("seed");
}

/// The stored session as `actor` loads it, and the changes `edit` makes to it.
fn edited(actor: u8, edit: impl FnOnce(&mut SessionDoc)) -> Vec<Vec<u8>> {
    let bytes = std::fs::read(stored_path()).expect("stored session");
    let mut doc = SessionDoc::load_as(&bytes, ActorId::from(vec![actor; 16])).expect("load");
    let before = doc.heads();
    edit(&mut doc);
    doc.changes_since(&before)
}

fn training_changes() -> (String, Vec<Vec<u8>>) {
    let training = "0195d2a0-0000-7000-8000-0000000007a1";
    let fields = TrainingFields {
        title: "Reflective practice, part 2".into(),
        organiser: "NMAIMH".into(),
        date: "2025-03-04".parse().expect("date"),
        minutes: 180,
        topic: rsc_model::TrainingTopic::Rsc,
        certificate: None,
    };
    let mut doc = TrainingDoc::create(ActorId::from(vec![0xa0; 16]), id(training), id(ANA), fields).expect("training");
    (training.to_string(), doc.changes_since(&[]))
}

fn apply_pushed() {
    let minutes = |m| Minutes::new(m, "minutes").expect("minutes");
    let ana_edit = edited(0xa0, |doc| {
        let edit =
            SessionEdit { start_time: Some("11:15".into()), minutes: Some(minutes(95)), ..SessionEdit::default() };
        doc.edit(&id(ANA), edit).expect("edit");
    });
    write("apply_pushed", "ana-edits-the-time", &[&[0u8][..], &framed(&ana_edit)].concat());
    let her_minutes = edited(0xa0, |doc| doc.set_attendance(&id(ANA), &id(ANA), Some(minutes(60)), None).expect("set"));
    write("apply_pushed", "ana-sets-her-minutes", &[&[0u8][..], &framed(&her_minutes)].concat());
    let own = edited(0xbe, |doc| doc.set_attendance(&id(BEN), &id(BEN), Some(minutes(70)), Some(true)).expect("set"));
    write("apply_pushed", "ben-sets-his-own", &[&[2u8][..], &framed(&own)].concat());
    let withdrawn = edited(0xa0, |doc| doc.withdraw(&id(ANA), "logged twice").expect("withdraw"));
    write("apply_pushed", "ana-withdraws", &[&[0u8][..], &framed(&withdrawn)].concat());
    let by_pat = edited(0xfa, |doc| {
        doc.edit(&id(PAT), SessionEdit { start_time: Some("09:00".into()), ..SessionEdit::default() }).expect("edit")
    });
    write("apply_pushed", "pat-edits-the-time", &[&[1u8][..], &framed(&by_pat)].concat());
    let whole = edited(0xa0, |_| {});
    let mut all = SessionDoc::load(&std::fs::read(stored_path()).expect("stored")).expect("load");
    let created = all.changes_since(&[]);
    assert!(whole.is_empty());
    write("apply_pushed", "ana-creates-it", &[&[4u8][..], &framed(&created)].concat());
    write("apply_pushed", "stranger-pushes-nothing", &[3u8]);
}

fn sync_request() {
    let mut stored = SessionDoc::load(&std::fs::read(stored_path()).expect("stored")).expect("load");
    let created = stored.changes_since(&[]);
    let (training, training_changes) = training_changes();
    let bytes = |changes: &[Vec<u8>]| changes.iter().cloned().map(Bytes).collect::<Vec<_>>();
    let requests = [
        (
            "first-sync",
            SyncRequest {
                v: PROTOCOL_VERSION,
                cursor: None,
                push: Vec::new(),
                page_changes: None,
                account_version: Some(String::new()),
                trainings: Vec::new(),
            },
        ),
        (
            "pushes-a-session",
            SyncRequest {
                v: PROTOCOL_VERSION,
                cursor: Some(Cursor { visible: 3, seq: 3 }),
                push: vec![DocPush { doc: SESSION.into(), changes: bytes(&created) }],
                page_changes: Some(25),
                account_version: None,
                trainings: Vec::new(),
            },
        ),
        (
            "pushes-a-training",
            SyncRequest {
                v: PROTOCOL_VERSION,
                cursor: None,
                push: Vec::new(),
                page_changes: None,
                account_version: None,
                trainings: vec![DocPush { doc: training, changes: bytes(&training_changes) }],
            },
        ),
    ];
    for (name, request) in requests {
        write("sync_request", name, &serde_json::to_vec(&request).expect("json"));
    }
}

fn portal_form() {
    let form = |path: &str| FORMS.iter().position(|(p, _)| *p == path).expect("a form") as u8;
    let urlencoded = [
        (
            "/signin",
            "signin",
            "email=fuzz%40example.org&password=a+long+enough+password&device_name=a+browser&public_key=6938a08fb2c281a5f9e0dd1c20a9d1616860902831337f117d27795d2620a230&actor_id=a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0&next=%2F",
        ),
        (
            "/signup",
            "signup",
            "email=new%40example.org&password=a+long+enough+password&display_name=Sh%C3%A1nd%C3%AD%C3%ADn+Nez&next=%2F",
        ),
        (
            "/profile",
            "profile",
            "display_name=Fuzz&masters_conferred_on=2019-05-15&provides_rsc=on&purpose=application&rulebook=nmaimh&share_progress=on",
        ),
        ("/connect", "connect", "code=ABCD-EFGH"),
        ("/people/codes", "codes", "days=7&name=Thursday+group"),
        ("/people/claim", "claim", "number=NM-1001"),
        ("/people/answer", "answer", "person=0195d2a0-0000-7000-8000-00000000a0a0&action=accept"),
        ("/groups", "group", "name=Thursday+group&person=0195d2a0-0000-7000-8000-00000000a0a0"),
        (
            "/sessions",
            "log",
            "date=2025-04-08&start_time=10%3A00&time_zone=America%2FDenver&minutes=90&format=video&provider=0195d2a0-0000-7000-8000-00000000fa70&group=&own=on",
        ),
        ("/sessions/withdraw", "withdraw", "session=0195d2a0-0000-7000-8000-0000000005e5&reason=logged+twice"),
        (
            "/sessions/edit",
            "edit",
            "session=0195d2a0-0000-7000-8000-0000000005e5&date=2025-04-08&start_time=10%3A00&time_zone=America%2FDenver&minutes=90&format=video&provider=0195d2a0-0000-7000-8000-00000000fa70&attended=75&own_shown=1",
        ),
        (
            "/provider/sign",
            "sign",
            "session=0195d2a0-0000-7000-8000-0000000005e5&attendee=0195d2a0-0000-7000-8000-00000000a0a0&minutes=90&statements=&signatures=",
        ),
        ("/staff/records/NM-1001", "record", "action=lapse&date=2025-12-31"),
        ("/staff/claims/0195d2a0-0000-7000-8000-0000000c1a10", "claim-decision", "decision=approve&note=checked"),
        ("/operator/associations", "association", "id=NEWAIMH&name=New+Association&rulebooks=nmaimh"),
        ("/exports/make", "export", "purpose=application&rulebook=nmaimh"),
    ];
    for (path, name, body) in urlencoded {
        write("portal_form", name, &[&[form(path)][..], body.as_bytes()].concat());
    }
    let part = |name: &str, file: Option<&str>, value: &str| match file {
        Some(file) => format!(
            "--{BOUNDARY}\r\ncontent-disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\ncontent-type: application/octet-stream\r\n\r\n{value}\r\n"
        ),
        None => format!("--{BOUNDARY}\r\ncontent-disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"),
    };
    let training = [
        part("title", None, "Reflective practice"),
        part("organiser", None, "NMAIMH"),
        part("date", None, "2025-03-04"),
        part("hours", None, "3"),
        part("minutes", None, "0"),
        part("topic", None, "rsc"),
        part("certificate", Some("certificate.pdf"), "%PDF-1.4\n%\u{e2}\u{e3}\n1 0 obj\n<<>>\nendobj\n"),
        format!("--{BOUNDARY}--\r\n"),
    ]
    .concat();
    write("portal_form", "training", &[&[form("/trainings")][..], training.as_bytes()].concat());
    let csv = "endorsement_number,holder_name,holder_email,credential,association,earned_on,valid_through,revoked_on\nNM-1001,Pat Provider,pat@example.org,IMHM-C,NMAIMH,2015-03-01,,\n";
    let import =
        [part("action", None, "preview"), part("file", Some("registry.csv"), csv), format!("--{BOUNDARY}--\r\n")]
            .concat();
    write("portal_form", "import", &[&[form("/staff/import")][..], import.as_bytes()].concat());
    let export =
        std::fs::read_to_string(crate_dir().join("../rsc-export/tests/fixtures/export-v1.json")).expect("export");
    let review = [part("export", Some("export.json"), &export), format!("--{BOUNDARY}--\r\n")].concat();
    write("portal_form", "review", &[&[form("/review")][..], review.as_bytes()].concat());
}

fn texts() {
    for id in rsc_rules::builtin_ids() {
        write("rulebook", id, rsc_rules::builtin_source(id).expect("source").as_bytes());
    }
    let dossier = crate::texts::example_dossier();
    write("evaluate", "contract-example", dossier.as_bytes());
    let v1: serde_json::Value = serde_json::from_str(dossier).expect("json");
    let mut v1 = v1;
    v1.as_object_mut().expect("object").remove("trainings");
    write("evaluate", "v1-dossier", &serde_json::to_vec_pretty(&v1).expect("json"));
    for fixture in ["export-v1.json", "export-v1-server.json"] {
        let bytes = std::fs::read(crate_dir().join("../rsc-export/tests/fixtures").join(fixture)).expect("fixture");
        write("verify", fixture, &bytes);
    }
    write(
        "registry_csv",
        "two-records",
        b"endorsement_number,holder_name,holder_email,credential,association,earned_on,valid_through,revoked_on\n\
NM-1001,Pat Provider,pat@example.org,IMHM-C,NMAIMH,2015-03-01,,\n\
OR-77,\"Nez, Sh\xc3\xa1nd\xc3\xad\xc3\xadn\",ana@example.org,IMHM-C,ORIMHA,2018-06-30,2026-12-31,\n",
    );
    write(
        "registry_csv",
        "revoked",
        b"endorsement_number,holder_name,holder_email,credential,association,earned_on,valid_through,revoked_on\n\
CT-5,Ben Okafor,ben@example.org,IMHS,CT-AIMH,2016-01-01,2020-12-31,2019-05-05\n",
    );
}

fn pulled_page() {
    let mut stored = SessionDoc::load(&std::fs::read(stored_path()).expect("stored")).expect("load");
    let created = stored.changes_since(&[]);
    let (training, training_changes) = training_changes();
    let bytes = |changes: &[Vec<u8>]| changes.iter().cloned().map(Bytes).collect::<Vec<_>>();
    let answer = |pull, trainings| SyncResponse {
        v: PROTOCOL_VERSION,
        accepted: Vec::new(),
        refused: Vec::new(),
        pull,
        cursor: Cursor { visible: 7, seq: 7 },
        more: false,
        account: None,
        trainings,
        epoch: Some("0123456789abcdef0123456789abcdef".into()),
    };
    let session = answer(vec![DocChanges { doc: SESSION.into(), changes: bytes(&created) }], Vec::new());
    write("pulled_page", "a-session", &serde_json::to_vec(&session).expect("json"));
    let trained = answer(Vec::new(), vec![DocChanges { doc: training, changes: bytes(&training_changes) }]);
    write("pulled_page", "a-training", &serde_json::to_vec(&trained).expect("json"));
    write("pulled_page", "nothing", &serde_json::to_vec(&answer(Vec::new(), Vec::new())).expect("json"));
}

#[test]
#[ignore = "writes the committed seeds; run when a seed's format changes"]
fn write_seeds() {
    if !Path::new(&stored_path()).exists() {
        let mut doc = make_stored();
        std::fs::write(stored_path(), doc.save()).expect("data/session.automerge");
    }
    apply_pushed();
    sync_request();
    portal_form();
    texts();
    pulled_page();
}
