//! People by name: connecting with a provider's code, naming people and sessions as a person
//! would (names, the start of a name, short ids), the profile edited offline, group sessions
//! one attendee cannot break, and a provider confirming many at once.

use rsc_client::{
    AttendanceStatus, ClientError, Confirmation, Logbook, Profile, Purpose, SessionEdit, SessionFormat, short_id,
};

use crate::support::{PASSWORD, TestServer, date, minutes, session, sync};

/// Display names from the shared list, the way people write them.
fn names() -> Vec<String> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/names.txt"))
        .expect("tests/data/names.txt");
    text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).map(str::to_string).collect()
}

/// `name` signed up as `login@example.org` on a new device.
fn signed_up(server: &TestServer, login: &str, name: &str) -> Logbook {
    let logbook = Logbook::open(server.temp_dir(login)).expect("open");
    logbook
        .sign_up(&server.url(), &format!("{login}@example.org"), PASSWORD, name, &format!("{login}'s phone"))
        .expect("sign up");
    logbook
}

fn invalid_field(error: ClientError) -> (String, String) {
    match error {
        ClientError::Invalid { field, message } => (field, message),
        other => panic!("expected a field error, got {other:?}"),
    }
}

#[test]
fn a_supervisee_connects_with_a_code_and_names_people_offline_never_by_id() {
    let server = TestServer::start();
    let names = names();
    let (pat_name, ana_name, ben_name, eve_name) = (&names[1], &names[3], &names[4], &names[6]);
    let pat = signed_up(&server, "pat", pat_name);
    let ana = signed_up(&server, "ana", ana_name);
    let ben = signed_up(&server, "ben", ben_name);
    let eve = signed_up(&server, "eve", eve_name);

    // Before connecting, Ana can name nobody, and says so.
    let (field, message) = invalid_field(ana.find_person("María", "provider").expect_err("nobody yet"));
    assert_eq!(field, "provider");
    assert!(message.contains("connection code"), "{message}");

    let code = pat.create_connection_code(Some(30)).expect("code");
    assert!(code.link.starts_with(&server.url()) && code.link.ends_with(&code.code.replace('-', "")), "{code:?}");
    assert!(matches!(ana.connect("pat@example.org"), Err(ClientError::Invalid { field, .. }) if field == "code"));
    let provider = ana.connect(&code.link).expect("connect with the link");
    assert_eq!((provider.name.as_str(), provider.is_my_provider), (pat_name.as_str(), true));
    ben.connect(&code.code.to_lowercase()).expect("connect with the code as typed");
    ana.refresh_directory().expect("directory");
    // Ben is Pat's too, but Ana sees him only once Pat puts them in one group.
    assert!(ana.find_person(ben_name, "attendee").is_err(), "Pat's caseload is not Ana's to see");
    pat.refresh_directory().expect("directory");
    let group = pat.create_group("Tuesday", &[ana_name.clone(), ben_name.clone()]).expect("group");
    assert_eq!(group.members.len(), 2);
    ana.refresh_directory().expect("directory");

    // Names, in any case, whole or begun; ids only by their start.
    assert_eq!(ana.find_person(pat_name, "provider").expect("whole name").id, provider.id);
    assert_eq!(ana.find_person("maría de", "provider").expect("start of name").id, provider.id);
    assert_eq!(ana.find_person("Núñez", "provider").expect("a later word").id, provider.id);
    assert_eq!(ana.find_person(short_id(&provider.id), "provider").expect("short id").id, provider.id);
    let (field, message) = invalid_field(ana.find_person(eve_name, "attendee").expect_err("not connected"));
    assert_eq!(field, "attendee");
    assert!(message.ends_with(&format!("work with are {pat_name}, {ben_name}")), "lists whom she may name: {message}");
    let people = ana.people().expect("people");
    assert!(people[0].is_me && people[0].name == *ana_name, "{people:?}");
    let ben_id = ana.find_person(ben_name, "attendee").expect("co-attendee").id;
    assert!(people.iter().any(|p| p.id == ben_id && !p.is_my_provider && p.connected_to == vec![provider.id.clone()]));

    // Offline: a group with Ben (Pat's) is logged; one with Eve (not Pat's) is refused before
    // anything is written, naming the field.
    let me = ana.find_person(ana_name, "me").expect("me").id;
    let before = ana.status().expect("status");
    let eve_id = rsc_client::Id::new(eve.account().expect("account").expect("signed in").user_id, "eve").expect("id");
    let (field, _) = invalid_field(
        ana.log_session(session(&provider.id, "2025-03-04", 90, &[(&me, 90), (&eve_id, 90)])).expect_err("Eve"),
    );
    assert_eq!(field, "attendees");
    let (field, message) = invalid_field(
        ana.log_session(session(&eve_id, "2025-03-04", 90, &[(&me, 90)])).expect_err("Eve is nobody's provider here"),
    );
    assert_eq!(field, "provider", "{message}");
    assert_eq!(ana.status().expect("status"), before, "nothing written");
    let group = ana.log_session(session(&provider.id, "2025-03-04", 90, &[(&me, 90), (&ben_id, 60)])).expect("group");
    let names_in_view: Vec<Option<&str>> = group.attendees.iter().map(|a| a.name.as_deref()).collect();
    assert!(names_in_view.contains(&Some(ben_name.as_str())) && names_in_view.contains(&Some(ana_name.as_str())));
    assert_eq!(group.provider_name.as_deref(), Some(pat_name.as_str()));
    // Adding Eve later is refused the same way.
    let eve_attendee =
        rsc_client::NewAttendee { id: eve_id.clone(), minutes_attended: minutes(30), about_own_rsc_practice: false };
    assert_eq!(invalid_field(ana.add_attendee(group.id.as_str(), eve_attendee).expect_err("Eve")).0, "attendees");

    // The session by the start of its id, as lists show it.
    let short = short_id(&group.id);
    assert_eq!(ana.session(short).expect("by its short id").id, group.id);
    assert!(matches!(ana.session("zzzz"), Err(ClientError::NotFound(_))));
    sync(&ana);
    sync(&pat);
    let awaiting = pat.awaiting_confirmation().expect("awaiting");
    let mut who: Vec<&str> = awaiting.iter().filter_map(|w| w.attendee_name.as_deref()).collect();
    who.sort();
    let mut expected = vec![ana_name.as_str(), ben_name.as_str()];
    expected.sort();
    assert_eq!(who, expected, "the provider sees names");

    // Codes can be listed and withdrawn; a withdrawn one connects nobody.
    assert_eq!(pat.connection_codes().expect("codes")[0].used, 2);
    pat.revoke_connection_code(&code.code).expect("withdraw");
    assert!(matches!(eve.connect(&code.code), Err(ClientError::Rejected { status: 404, .. })));
    assert!(pat.connection_codes().expect("codes").is_empty());
}

#[test]
fn the_profile_is_edited_offline_synced_and_used_by_the_evaluation() {
    let mut server = TestServer::start();
    let ana = signed_up(&server, "ana", "Ana");
    let tablet = Logbook::open(server.temp_dir("tablet")).expect("open");
    tablet.sign_in(&server.url(), "ana@example.org", PASSWORD, "Ana's tablet").expect("sign in");
    assert_eq!(ana.profile().expect("profile").display_name, "Ana");

    server.stop();
    let edited = ana
        .set_profile(Profile {
            display_name: "Ana Lucía Pérez".into(),
            masters_conferred_on: Some(date("2018-05-12")),
            rulebook: Some("orimha".into()),
            purpose: Some(Purpose::Application),
            provides_rsc: true,
            unsynced: false,
        })
        .expect("offline edit");
    assert!(edited.unsynced);
    assert_eq!(ana.profile().expect("profile"), edited, "kept on the device");
    let (field, _) = invalid_field(
        ana.set_profile(Profile { rulebook: Some("texas".into()), ..edited.clone() }).expect_err("no such rulebook"),
    );
    assert_eq!(field, "rulebook");
    let (field, _) = invalid_field(
        ana.set_profile(Profile { display_name: "  ".into(), ..edited.clone() }).expect_err("a name is needed"),
    );
    assert_eq!(field, "display_name");
    let (field, _) = invalid_field(
        ana.set_profile(Profile { masters_conferred_on: Some(date("2199-01-01")), ..edited.clone() })
            .expect_err("not yet"),
    );
    assert_eq!(field, "masters_conferred_on");
    assert_eq!(ana.profile().expect("profile"), edited, "refused edits change nothing");

    server.restart();
    // An export asked for before the next sync is made under the profile edited here: the
    // rulebook and master's date go to the server first.
    let export = ana.export("json", None, None, Some(date("2025-06-01"))).expect("export");
    let export: serde_json::Value = serde_json::from_slice(&export).expect("json");
    assert_eq!(export["payload"]["rulebook"]["id"], "orimha");
    assert_eq!(export["payload"]["dossier"]["applicant"]["masters_conferred_on"], "2018-05-12");
    assert_eq!(export["payload"]["dossier"]["applicant"]["provides_rsc"], true);
    assert!(!ana.profile().expect("profile").unsynced);
    sync(&ana);
    let synced = ana.profile().expect("profile");
    assert!(!synced.unsynced);
    assert_eq!(synced.masters_conferred_on, Some(date("2018-05-12")));
    sync(&tablet);
    let there = tablet.profile().expect("profile");
    assert_eq!((there.display_name.as_str(), there.rulebook.as_deref()), ("Ana Lucía Pérez", Some("orimha")));
    assert_eq!(there.masters_conferred_on, Some(date("2018-05-12")));
    assert!(there.provides_rsc, "she provides RS/C, on every device");
}

#[test]
fn in_a_group_only_the_logger_or_provider_edits_and_everyone_hears_what_went_back_to_pending() {
    let mut server = TestServer::start();
    let names = names();
    let pat = signed_up(&server, "pat", &names[0]);
    let ana = signed_up(&server, "ana", &names[7]);
    let ben = signed_up(&server, "ben", &names[9]);
    crate::support::connect(&pat, &[&ana, &ben]);
    server.endorse(&pat, "NM-1001", "pat@example.org");
    let p = ana.find_person(&names[0], "provider").expect("pat").id;
    let a = ana.find_person(&names[7], "me").expect("ana").id;
    let b = ana.find_person(&names[9], "attendee").expect("ben").id;
    let group = ana.log_session(session(&p, "2025-03-04", 90, &[(&a, 90), (&b, 90)])).expect("log");
    let solo = ben.log_session(session(&p, "2025-03-05", 60, &[])).expect("log");
    sync(&ana);
    sync(&ben);
    sync(&pat);

    // Ben attends Ana's group: he may change his own attendance, not the session's format.
    let (field, message) = invalid_field(
        ben.edit_session(
            group.id.as_str(),
            SessionEdit { format: Some(SessionFormat::Phone), ..SessionEdit::default() },
        )
        .expect_err("not his to change"),
    );
    assert!(message.contains("only the session's provider or the person who logged it"), "{field}: {message}");
    ben.set_attendance(group.id.as_str(), &names[9], Some(minutes(80)), None).expect("his own minutes");

    // Confirming more than logged needs saying so; a roster in one step otherwise.
    let (field, message) =
        invalid_field(pat.confirm(solo.id.as_str(), &names[9], Some(minutes(75)), false).expect_err("more"));
    assert!(field == "minutes" && message.contains(&names[9]) && message.contains("60"), "{message}");
    sync(&ben);
    sync(&pat);
    let roster: Vec<Confirmation> = pat
        .session(group.id.as_str())
        .expect("group")
        .attendees
        .iter()
        .map(|x| Confirmation { session: short_id(&group.id).into(), attendee: x.id.to_string(), minutes: None })
        .collect();
    let views = pat.confirm_many(&roster, false).expect("roster as logged");
    let last = views.last().expect("views");
    assert_eq!(last.attendee(&b).and_then(|x| x.confirmed_minutes), Some(minutes(80)), "as Ben logged it");
    assert_eq!(last.attendee(&a).and_then(|x| x.confirmed_minutes), Some(minutes(90)));
    pat.dispute(solo.id.as_str(), &names[9], "we met for 30 minutes, not 60").expect("dispute");
    sync(&pat);
    sync(&ben);
    sync(&ana);

    // Ana, who logged the group, changes its format: she is told first whose confirmations go
    // back to Pat, and Ben hears it after his next sync, with why.
    let change = SessionEdit { format: Some(SessionFormat::Phone), ..SessionEdit::default() };
    let preview = ana.preview_edit(group.id.as_str(), change.clone()).expect("preview");
    let mut told: Vec<(Option<&str>, AttendanceStatus)> = preview.iter().map(|u| (u.name.as_deref(), u.now)).collect();
    told.sort_by_key(|t| t.0.map(str::to_string));
    assert_eq!(told.len(), 2, "{preview:?}");
    assert!(
        preview.iter().all(|u| u.was == AttendanceStatus::Confirmed && u.why.contains("format changed from video"))
    );
    assert_eq!(ana.session(group.id.as_str()).expect("group").status, AttendanceStatus::Confirmed, "nothing made yet");
    ana.edit_session(group.id.as_str(), change).expect("edit");
    sync(&ana);
    let report = sync(&ben);
    let mine: Vec<_> = report.unsettled.iter().filter(|u| u.attendee == b).collect();
    assert_eq!(mine.len(), 1, "{:?}", report.unsettled);
    assert_eq!((mine[0].was, mine[0].now), (AttendanceStatus::Confirmed, AttendanceStatus::ChangedSinceConfirmed));
    assert!(mine[0].why.contains("format changed from video to phone"), "{}", mine[0].why);

    // Ben corrects his disputed session: it goes back to Pat, and Pat's reason stays readable.
    ben.set_attendance(solo.id.as_str(), &names[9], Some(minutes(30)), None).expect("correct minutes");
    ben.edit_session(solo.id.as_str(), SessionEdit { minutes: Some(minutes(30)), ..SessionEdit::default() })
        .expect("correct length");
    let corrected = ben.session(solo.id.as_str()).expect("solo");
    let entry = corrected.attendee(&b).expect("ben");
    assert_eq!(entry.status, AttendanceStatus::Pending);
    assert_eq!(entry.dispute_reason.as_deref(), Some("we met for 30 minutes, not 60"));
}
