//! Operational endpoints, the OpenAPI document, limits and the start-up command line.

use std::collections::BTreeSet;

use rsc_protocol::RefusalCode;
use rsc_server::RunningServer;
use rsc_server::http::{ROUTES, openapi_json};
use rsc_server::store::Store;
use serde_json::{Value, json};

use rsc_test_kit::{Api, Device};

#[test]
fn openapi_lists_exactly_the_routes() {
    let doc: Value = serde_json::from_str(openapi_json()).expect("the description is JSON");
    assert_eq!(doc["openapi"].as_str().map(|v| v.starts_with("3.")), Some(true));
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            documented.insert((method.clone(), path.clone()));
        }
    }
    let routed: BTreeSet<(String, String)> = ROUTES.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    assert_eq!(documented, routed);
    // Generated clients name their calls by operation id: each must be unique.
    let mut ids = BTreeSet::new();
    for item in doc["paths"].as_object().expect("paths").values() {
        for operation in item.as_object().expect("path item").values() {
            let id = operation["operationId"].as_str().expect("an operation id");
            assert!(ids.insert(id.to_string()), "operation id {id} is used twice");
        }
    }
}

/// The shared words' schemas list exactly the names the JSON carries, from their one
/// definition in the model.
#[test]
fn openapi_names_the_shared_words_as_the_json_does() {
    let doc: Value = serde_json::from_str(openapi_json()).expect("the description is JSON");
    let schemas = &doc["components"]["schemas"];
    let listed = |name: &str| -> Vec<String> {
        let values = schemas[name]["enum"].as_array().unwrap_or_else(|| panic!("schema {name}: {}", schemas[name]));
        values.iter().map(|v| v.as_str().expect("a name").to_string()).collect()
    };
    let names = |all: Vec<&str>| all.into_iter().map(str::to_string).collect::<Vec<_>>();
    use rsc_model::{AttendanceStatus, ClaimStatus, ConnectionRole, ConnectionSource, Role};
    assert_eq!(listed("AttendanceStatus"), names(AttendanceStatus::ALL.iter().map(|s| s.as_str()).collect()));
    assert_eq!(listed("ClaimStatus"), names(ClaimStatus::ALL.iter().map(|s| s.as_str()).collect()));
    assert_eq!(listed("Role"), names(Role::ALL.iter().map(|s| s.as_str()).collect()));
    assert_eq!(listed("ConnectionRole"), names(ConnectionRole::ALL.iter().map(|s| s.as_str()).collect()));
    assert_eq!(listed("ConnectionSource"), names(ConnectionSource::ALL.iter().map(|s| s.as_str()).collect()));
}

#[test]
fn openapi_lists_every_refusal_code() {
    let text = openapi_json();
    for code in RefusalCode::ALL {
        assert!(text.contains(&format!("\"{}\"", code.as_str())), "openapi.json lacks refusal code {}", code.as_str());
    }
}

async fn every_route_is_served_and_documented<S: Store>(store: S) {
    let server = RunningServer::start(store).await.expect("server");
    let api = Api::new(server.url());
    for (method, path) in ROUTES {
        let url = format!("{}{}", api.base, path.replace(['{', '}'], ""));
        let request = match *method {
            "get" => api.http.get(url),
            "post" => api.http.post(url).json(&json!({})),
            "put" => api.http.put(url).json(&json!({})),
            "patch" => api.http.patch(url).json(&json!({})),
            "delete" => api.http.delete(url),
            other => panic!("unexpected method {other}"),
        };
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        // A verification page for an export that does not exist is a page saying so (HTML), not
        // the router's "no such route" (JSON).
        let page = response.headers().get("content-type").is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
        assert!(status != 405 && (status != 404 || page), "{method} {path} answered {status}");
    }
    let (status, body) = api.get("/no/such/thing", None).await;
    assert_eq!((status, body["error"].as_str()), (404, Some("not_found")));
    let served: Value =
        api.http.get(format!("{}/openapi.json", api.base)).send().await.expect("get").json().await.expect("json");
    assert_eq!(served, serde_json::from_str::<Value>(openapi_json()).expect("json"));
    server.stop().await.expect("stop");
}

async fn health_readiness_and_metrics<S: Store>(store: S) {
    let server = RunningServer::start(store).await.expect("server");
    let api = Api::new(server.url());
    let health = api.http.get(format!("{}/healthz", api.base)).send().await.expect("get");
    assert_eq!(health.status().as_u16(), 200);
    let ready = api.http.get(format!("{}/readyz", api.base)).send().await.expect("get");
    assert_eq!(ready.status().as_u16(), 200);
    assert!(!ready.headers().contains_key("x-request-id"), "a success goes without its request id");
    let missing = api.http.get(format!("{}/v1/no/such/thing", api.base)).send().await.expect("get");
    let id = missing.headers().get("x-request-id").expect("an error names its request").to_str().expect("text");
    assert_eq!((missing.status().as_u16(), uuid::Uuid::parse_str(id).is_ok()), (404, true), "{id}");

    api.register("ana").await;
    let mut ana = Device::sign_in(&api, "ana").await;
    let me = ana.user_id.clone();
    ana.log(&rsc_model::Id::new("provider-x", "p").expect("id"), rsc_model::SessionKind::Individual, &[(&me, 60)]);
    ana.sync().await;
    let text = api.http.get(format!("{}/metrics", api.base)).send().await.expect("get").text().await.expect("text");
    for metric in [
        "rsc_http_requests_total",
        "rsc_sync_batches_total",
        "rsc_sync_documents_total",
        "rsc_sync_duration_seconds",
        "rsc_http_request_duration_seconds",
    ] {
        assert!(text.contains(metric), "{metric} in {text}");
    }
    assert!(text.contains("route=\"/v1/sync\""), "{text}");
    server.stop().await.expect("stop");
}

async fn request_limits_answer_413_and_422_never_500<S: Store>(store: S) {
    let server = RunningServer::start(store).await.expect("server");
    let api = Api::new(server.url());
    api.register("ana").await;
    let ana = Device::sign_in(&api, "ana").await;
    let sync = |body: Value| {
        let api = api.clone();
        let token = ana.token.clone();
        async move { api.post("/v1/sync", Some(&token), &body).await }
    };
    // A body over the limit is refused from its length.
    let huge = vec![b'x'; rsc_protocol::MAX_BODY_BYTES + 1];
    let response = api
        .http
        .post(format!("{}/v1/sync", api.base))
        .bearer_auth(&ana.token)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .expect("post");
    assert_eq!(response.status().as_u16(), 413);
    let body: Value = response.json().await.expect("json error body");
    assert_eq!(body["error"], "too_large");

    // Each limit and each malformed field, answered with the field at fault.
    let too_many: Vec<Value> =
        (0..=rsc_protocol::MAX_DOCS_PER_REQUEST).map(|i| json!({"doc": format!("d{i}"), "changes": []})).collect();
    let big_change = base64_of(&vec![0u8; rsc_doc::MAX_CHANGE_BYTES + 1]);
    let too_many_changes: Vec<Value> = (0..=rsc_protocol::MAX_CHANGES_PER_DOC).map(|_| json!("AAAA")).collect();
    let cases = [
        (json!({"v": 1, "push": too_many}), 422, "push"),
        (json!({"v": 1, "push": [{"doc": "d1", "changes": [big_change]}]}), 422, "push[0].changes[0]"),
        (json!({"v": 1, "push": [{"doc": "d1", "changes": too_many_changes}]}), 422, "push[0].changes"),
        (json!({"v": 2}), 422, "v"),
        (json!({"v": 1, "page_changes": 0}), 422, "page_changes"),
        (json!({"v": 1, "cursor": "nonsense"}), 400, "cursor"),
        (json!({"v": 1, "push": [{"doc": "d1", "changes": ["%%%"]}]}), 400, "push[0].changes[0]"),
    ];
    for (request, expected_status, field) in cases {
        let (status, body) = sync(request).await;
        assert_eq!((status, body["field"].as_str()), (expected_status, Some(field)), "{body}");
    }
    let response = api
        .http
        .post(format!("{}/v1/sync", api.base))
        .bearer_auth(&ana.token)
        .header("content-type", "application/json")
        .body("{\"v\": 1,")
        .send()
        .await
        .expect("post");
    assert_eq!(response.status().as_u16(), 400);
    server.stop().await.expect("stop");
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

rsc_test_kit::on_both_backends!(
    every_route_is_served_and_documented,
    health_readiness_and_metrics,
    request_limits_answer_413_and_422_never_500
);
