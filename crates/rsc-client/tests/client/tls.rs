//! The device speaks TLS and checks certificates: through a TLS front with a private
//! certificate authority, a device that trusts the authority (`RSC_CA_CERT`) signs up and
//! syncs, and one that does not refuses to talk.
//!
//! The trusting device runs in a child process (this binary again, as the ignored test
//! [`tls_worker`]) because the authority is given through the environment.

use std::process::Command;

use rsc_client::{ClientError, Logbook, SyncOptions};

use crate::support::{PASSWORD, TestServer, person, session};

const URL_VAR: &str = "RSC_TLS_TEST_URL";
const CODE_VAR: &str = "RSC_TLS_TEST_CODE";

/// Not a test by itself: the device that trusts the private authority.
#[test]
#[ignore = "run by syncs_over_tls_and_refuses_an_unknown_authority"]
fn tls_worker() {
    let (Ok(url), Ok(code)) = (std::env::var(URL_VAR), std::env::var(CODE_VAR)) else { return };
    let folder = tempfile::tempdir().expect("temp dir");
    let logbook = Logbook::open(folder.path()).expect("open");
    logbook.sign_up(&url, "tess@example.org", PASSWORD, "Tess", "Tess's phone").expect("sign up over TLS");
    let provider = logbook.connect(&code).expect("connect over TLS").id;
    logbook.log_session(session(&provider, "2025-03-04", 60, &[])).expect("log");
    let report = logbook.sync(&SyncOptions::default(), &|_| {}).expect("sync over TLS");
    println!("pushed {}", report.pushed_changes);
}

#[test]
fn syncs_over_tls_and_refuses_an_unknown_authority() {
    let server = TestServer::start();
    let (pat, _) = person(&server, "pat");
    let code = pat.create_connection_code(None).expect("code").code;
    // A private authority, and the server's certificate for `localhost` issued by it.
    let mut authority_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    authority_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let authority =
        rcgen::CertifiedIssuer::self_signed(authority_params, rcgen::KeyPair::generate().expect("key")).expect("ca");
    let server_key = rcgen::KeyPair::generate().expect("key");
    let server_cert = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .expect("params")
        .signed_by(&server_key, &authority)
        .expect("certificate");
    let port = server.tls_front(server_cert.der().to_vec(), server_key.serialize_der());
    let url = format!("https://localhost:{port}");
    let ca = server.temp_dir("ca").join("ca.pem");
    std::fs::write(&ca, authority.pem()).expect("write");

    // Without the authority: the certificate is refused, as a network failure to retry later.
    let stranger = Logbook::open(server.temp_dir("stranger")).expect("open");
    match stranger.sign_up(&url, "sam@example.org", PASSWORD, "Sam", "Sam's phone") {
        Err(ClientError::Network(message)) => assert!(message.contains("certificate"), "{message}"),
        other => panic!("expected a certificate failure, got {other:?}"),
    }

    let output = Command::new(std::env::current_exe().expect("test binary"))
        .args(["tls::tls_worker", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env(rsc_client::CA_CERT_VAR, &ca)
        .env(URL_VAR, &url)
        .env(CODE_VAR, &code)
        .output()
        .expect("worker");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("pushed 1"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // The session went through the TLS front to the server: the provider receives it.
    crate::support::sync(&pat);
    assert_eq!(pat.awaiting_confirmation().expect("awaiting").len(), 1);

    // A file that is not PEM is an input error naming the variable (checked in a child too).
    let bad = server.temp_dir("ca").join("bad.pem");
    std::fs::write(&bad, "not a certificate").expect("write");
    let output = Command::new(std::env::current_exe().expect("test binary"))
        .args(["tls::tls_worker", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env(rsc_client::CA_CERT_VAR, &bad)
        .env(URL_VAR, &url)
        .env(CODE_VAR, &code)
        .output()
        .expect("worker");
    assert!(!output.status.success());
    let text = String::from_utf8_lossy(&output.stdout).to_string() + &String::from_utf8_lossy(&output.stderr);
    assert!(text.contains(rsc_client::CA_CERT_VAR), "{text}");
}
