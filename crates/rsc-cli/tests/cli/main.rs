//! The `rsc` binary as other programs see it: exit codes, stdout and stderr per the contract,
//! and the desktop logbook against a real server process.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

fn rsc(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rsc"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rsc starts");
    if let Some(text) = stdin {
        // The command may exit before reading its input (bad arguments): a closed pipe is fine.
        let _ = child.stdin.take().expect("stdin").write_all(text.as_bytes());
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("rsc finishes")
}

fn example() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/dossier.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("example dossier")).expect("json")
}

fn stdout_json(output: &Output) -> Value {
    assert!(output.status.success(), "stderr: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

/// Asserts the contract's invalid-input behaviour and returns the stderr line.
fn assert_invalid(output: &Output, names: &str) -> String {
    assert_eq!(output.status.code(), Some(2), "stdout: {}", String::from_utf8_lossy(&output.stdout));
    assert!(output.stdout.is_empty(), "nothing on stdout");
    let stderr = String::from_utf8(output.stderr.clone()).expect("utf-8");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr:?}");
    assert!(stderr.contains(names), "{stderr:?} should name {names}");
    stderr
}

#[test]
fn evaluates_the_example_from_a_file_and_from_stdin() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/dossier.json");
    let from_file = stdout_json(&rsc(&["evaluate", "--rulebook", "orimha", path], None));
    let from_stdin = stdout_json(&rsc(
        &["evaluate", "--rulebook", "orimha", "--purpose", "application", "-"],
        Some(&example().to_string()),
    ));
    assert_eq!(from_file, from_stdin);
    for key in ["rulebook", "purpose", "as_of", "eligible", "requirements", "sessions"] {
        assert!(from_file.get(key).is_some(), "{key}");
    }
    assert_eq!(from_file["rulebook"], "orimha");
    assert_eq!(from_file["purpose"], "application");
    let total = &from_file["requirements"][0];
    for key in ["id", "required", "met", "required_minutes", "counted_minutes", "met_on", "window"] {
        assert!(total.get(key).is_some(), "requirement.{key}");
    }
    assert_eq!(from_file["sessions"].as_array().map(Vec::len), example()["sessions"].as_array().map(Vec::len));
}

#[test]
fn not_eligible_still_exits_zero() {
    let mut d = example();
    d["sessions"] = json!([]);
    let out = stdout_json(&rsc(&["evaluate", "--rulebook", "ct-aimh", "-"], Some(&d.to_string())));
    assert_eq!(out["eligible"], false);
    assert_eq!(out["requirements"][0]["counted_minutes"], 0);
    assert_eq!(out["requirements"][0]["window"]["from"], Value::Null);
}

/// A change to the example dossier.
type Edit = Box<dyn Fn(&mut Value)>;

#[test]
fn every_invalid_input_exits_2_naming_the_field() {
    let cases: Vec<(&str, Edit)> = vec![
        ("sessions[0].kind", Box::new(|d| d["sessions"][0]["kind"] = json!("triad"))),
        ("sessions[2].format", Box::new(|d| d["sessions"][2]["format"] = json!("zoom"))),
        ("sessions[0].provider", Box::new(|d| d["sessions"][0]["provider"] = json!("zed"))),
        ("zed", Box::new(|d| d["sessions"][0]["provider"] = json!("zed"))),
        ("duplicate session id `s001`", Box::new(|d| d["sessions"][1]["id"] = json!("s001"))),
        ("duplicate provider id `pat`", Box::new(|d| d["providers"][1]["id"] = json!("pat"))),
        ("sessions[0].minutes", Box::new(|d| d["sessions"][0]["minutes"] = json!(0))),
        ("sessions[0].minutes", Box::new(|d| d["sessions"][0]["minutes"] = json!(721))),
        ("sessions[0].confirmation.minutes", Box::new(|d| d["sessions"][0]["confirmation"]["minutes"] = json!(61))),
        (
            "providers[1].credentials[0].valid_through",
            Box::new(|d| d["providers"][1]["credentials"][0]["valid_through"] = json!("2011-01-01")),
        ),
        ("applicant.masters_conferred_on", Box::new(|d| d["applicant"]["masters_conferred_on"] = json!("2019-02-30"))),
        (
            "providers[0].credentials[0].credential",
            Box::new(|d| d["providers"][0]["credentials"][0]["credential"] = json!("IMHM-X")),
        ),
    ];
    for (names, edit) in cases {
        let mut d = example();
        edit(&mut d);
        assert_invalid(&rsc(&["evaluate", "--rulebook", "nmaimh", "-"], Some(&d.to_string())), names);
    }
}

/// Version 2: a dossier with trainings gets the trainings list, `in_window` and the training
/// requirements; each bad training exits 2 naming its field.
#[test]
fn a_version_2_dossier_gets_trainings_and_bad_trainings_exit_2() {
    let mut d = example();
    d["applicant"]["provides_rsc"] = json!(true);
    d["trainings"] = json!([
        { "id": "t1", "date": "2024-03-02", "minutes": 1800, "topic": "imh" },
        { "id": "s001", "date": "2024-04-02", "minutes": 900, "topic": "rsc" }
    ]);
    let out = stdout_json(&rsc(&["evaluate", "--rulebook", "orimha", "-"], Some(&d.to_string())));
    let ids: Vec<&str> =
        out["requirements"].as_array().expect("list").iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(ids, ["rsc_total", "rsc_about_own_practice", "training_total", "training_rsc"]);
    assert_eq!(
        out["trainings"],
        json!([
            { "id": "t1", "counted_minutes": 1800, "excluded": [] },
            { "id": "s001", "counted_minutes": 900, "excluded": [] }
        ])
    );
    assert!(out["sessions"].as_array().expect("sessions").iter().all(|s| s["in_window"].is_boolean()));
    let v1 = stdout_json(&rsc(&["evaluate", "--rulebook", "orimha", "-"], Some(&example().to_string())));
    assert!(v1.get("trainings").is_none());
    let cases: Vec<(&str, Edit)> = vec![
        ("trainings[1].id", Box::new(|d| d["trainings"][1]["id"] = json!("t1"))),
        ("trainings[0].minutes", Box::new(|d| d["trainings"][0]["minutes"] = json!(2401))),
        ("trainings[0].minutes", Box::new(|d| d["trainings"][0]["minutes"] = json!(0))),
        ("trainings[0].topic", Box::new(|d| d["trainings"][0]["topic"] = json!("yoga"))),
    ];
    for (names, edit) in cases {
        let mut bad = d.clone();
        edit(&mut bad);
        assert_invalid(&rsc(&["evaluate", "--rulebook", "ct-aimh", "-"], Some(&bad.to_string())), names);
    }
}

#[test]
fn malformed_json_unknown_rulebook_and_undefined_purpose_exit_2() {
    let valid = example().to_string();
    assert_invalid(&rsc(&["evaluate", "--rulebook", "nmaimh", "-"], Some("{\"as_of\": ")), "not valid JSON");
    assert_invalid(&rsc(&["evaluate", "--rulebook", "mi-aimh", "-"], Some(&valid)), "--rulebook");
    assert_invalid(&rsc(&["evaluate", "--rulebook", "orimha", "--purpose", "renewal", "-"], Some(&valid)), "--purpose");
    assert_invalid(
        &rsc(&["evaluate", "--rulebook", "orimha", "--purpose", "retirement", "-"], Some(&valid)),
        "--purpose",
    );
    assert_invalid(&rsc(&["evaluate", "--rulebook", "orimha", "/no/such/dossier.json"], None), "DOSSIER");
    assert_invalid(&rsc(&["evaluate", "--rulebook", "orimha", "--format", "pdf", "-"], Some(&valid)), "--format");
    assert_invalid(&rsc(&["evaluate", "-"], Some(&valid)), "--rulebook");
}

#[test]
fn rulebook_show_output_loads_back_as_a_rulebook_file() {
    let temp = tempfile::Builder::new().prefix("rsc-cli-test-").tempdir().expect("temp dir");
    let dir = temp.path();
    let dossier = example().to_string();
    for id in ["nmaimh", "orimha", "ct-aimh"] {
        let shown = rsc(&["rulebook", "show", id], None);
        assert!(shown.status.success());
        let text = String::from_utf8(shown.stdout).expect("utf-8");
        let parsed = rsc_rules::Rulebook::from_toml(&text).expect("shown rulebook parses");
        assert_eq!(parsed, rsc_rules::builtin(id).expect("built-in"));
        let path = dir.join(format!("{id}.toml"));
        std::fs::write(&path, &text).expect("write");
        let path = path.to_str().expect("utf-8 path");
        let purposes: &[&str] = if id == "orimha" { &["application"] } else { &["application", "renewal"] };
        for purpose in purposes {
            let builtin = stdout_json(&rsc(&["evaluate", "--rulebook", id, "--purpose", purpose, "-"], Some(&dossier)));
            let from_file =
                stdout_json(&rsc(&["evaluate", "--rulebook", path, "--purpose", purpose, "-"], Some(&dossier)));
            assert_eq!(builtin, from_file, "{id} {purpose}");
        }
    }
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "id = \"x\"\nname = \"X\"\n[application]\naccepted_credentials = []\npost_masters = false\nrequirements = []\n",
    )
    .expect("write");
    assert_invalid(
        &rsc(&["evaluate", "--rulebook", bad.to_str().expect("path"), "-"], Some(&dossier)),
        "application.accepted_credentials",
    );
    assert_invalid(&rsc(&["rulebook", "show", "mi-aimh"], None), "mi-aimh");
}

#[test]
fn rulebooks_lists_the_builtins() {
    let out = rsc(&["rulebooks"], None);
    let text = String::from_utf8(out.stdout).expect("utf-8");
    for id in ["nmaimh", "orimha", "ct-aimh"] {
        assert!(text.lines().any(|line| line.starts_with(id)), "{id} in {text}");
    }
    assert!(text.contains("[application]") && text.contains("[application, renewal]"));
}

#[test]
fn text_format_is_a_readable_report() {
    let out = rsc(&["evaluate", "--rulebook", "orimha", "--format", "text", "-"], Some(&example().to_string()));
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(out.status.success());
    assert!(text.contains("rsc_total") && text.contains("ELIGIBLE"), "{text}");
    assert!(text.contains("s011") && text.contains("disputed"), "{text}");
    assert!(text.contains("lapsed after 2025-06-30"), "{text}");
}

#[test]
fn help_describes_every_command() {
    let help = String::from_utf8(rsc(&["--help"], None).stdout).expect("utf-8");
    for command in ["evaluate", "rulebooks", "rulebook"] {
        assert!(help.contains(command), "{help}");
    }
    let help = String::from_utf8(rsc(&["evaluate", "--help"], None).stdout).expect("utf-8");
    for flag in ["--rulebook", "--purpose", "--format", "DOSSIER"] {
        assert!(help.contains(flag), "{help}");
    }
    let show = rsc(&["rulebook", "show", "--help"], None);
    assert!(show.status.success());
    assert!(String::from_utf8_lossy(&show.stdout).contains("TOML"));
}
