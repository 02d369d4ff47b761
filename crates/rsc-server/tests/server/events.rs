//! The push channel: `GET /v1/events` tells each participant's other devices to sync, tells
//! nobody else, bounds the streams an account holds, and ends at shutdown.

use std::time::Duration;

use rsc_model::SessionKind;
use rsc_server::RunningServer;
use rsc_service::events::MAX_STREAMS_PER_ACCOUNT;
use rsc_store::Store;

use crate::sync::people;
use rsc_test_kit::{Api, Device};

/// One open event stream, read event by event.
struct Events {
    response: reqwest::Response,
    buffer: String,
}

impl Events {
    async fn open(device: &Device) -> Events {
        let response = device
            .api
            .http
            .get(format!("{}/v1/events", device.api.base))
            .bearer_auth(&device.token)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        let mut events = Events { response, buffer: String::new() };
        assert_eq!(events.next().await.as_deref(), Some("ready"), "the stream opens with `ready`");
        events
    }

    /// The next event's name (keep-alive comments skipped); `None` when the stream ended.
    async fn next(&mut self) -> Option<String> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                if let Some(name) = block.lines().find_map(|l| l.strip_prefix("event: ")) {
                    return Some(name.to_string());
                }
                continue;
            }
            let chunk = self.response.chunk().await.expect("read the stream")?;
            self.buffer.push_str(std::str::from_utf8(&chunk).expect("utf-8"));
        }
    }

    /// The next event, or `None` if there is none within `wait` (for what must not come).
    async fn within(&mut self, wait: Duration) -> Option<String> {
        tokio::time::timeout(wait, self.next()).await.ok().flatten()
    }
}

const HEARD: Duration = Duration::from_secs(10);

/// A session Ana logs with Pat reaches Pat's and Ana's other device as `changed`, and neither
/// Ben (who takes no part) nor the device that pushed it.
async fn a_change_is_pushed_to_its_participants_other_devices_only<S: Store>(store: S) {
    let server = RunningServer::start(store).await.expect("server");
    let api = Api::new(server.url());
    let mut devices = people(&api, &["ana", "pat", "ben"]).await;
    let ana_tablet = Device::sign_in(&api, "ana").await;
    let (ana_id, pat_id) = (devices[0].user_id.clone(), devices[1].user_id.clone());
    let mut pat = Events::open(&devices[1]).await;
    let mut ben = Events::open(&devices[2]).await;
    let mut tablet = Events::open(&ana_tablet).await;
    let mut phone = Events::open(&devices[0]).await;
    devices[0].log(&pat_id, SessionKind::Individual, &[(&ana_id, 60)]);
    devices[0].sync().await;
    for (who, events) in [("pat", &mut pat), ("ana's tablet", &mut tablet)] {
        let heard = tokio::time::timeout(HEARD, events.next()).await.expect(who);
        assert_eq!(heard.as_deref(), Some("changed"), "{who}");
    }
    // Pat confirms: Ana's phone hears it now, and Ben still hears nothing.
    devices[1].sync().await;
    let doc = devices[1].docs.keys().next().expect("pulled").clone();
    let key = rsc_doc::DeviceKey::from_secret_bytes(&devices[1].key.secret_bytes());
    devices[1].edit(&doc, |d, me| {
        d.confirm(&key, me, &ana_id, rsc_model::Minutes::new(60, "m").expect("minutes"), rsc_test_kit::signed_at(1))
            .expect("confirm");
    });
    devices[1].sync().await;
    assert_eq!(phone.within(HEARD).await.as_deref(), Some("changed"), "the phone hears Pat's confirmation");
    assert_eq!(ben.within(Duration::from_millis(300)).await, None, "Ben takes part in nothing");
    assert_eq!(pat.within(Duration::from_millis(300)).await, None, "Pat's own push does not come back to her");
    server.stop().await.expect("the server stops with streams open");
    assert_eq!(pat.next().await, None, "shutdown ends the stream");
}

/// Streams need a valid device token, and an account may hold only so many.
async fn streams_are_for_signed_in_devices_and_bounded_per_account<S: Store>(store: S) {
    let server = RunningServer::start(store).await.expect("server");
    let api = Api::new(server.url());
    let ana = people(&api, &["ana"]).await.remove(0);
    let (status, body) = api.get("/v1/events", Some("not-a-token")).await;
    assert_eq!(status, 401, "{body}");
    let mut open = Vec::new();
    for _ in 0..MAX_STREAMS_PER_ACCOUNT {
        open.push(Events::open(&ana).await);
    }
    let (status, body) = api.get("/v1/events", Some(&ana.token)).await;
    assert_eq!(status, 429, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.contains(&MAX_STREAMS_PER_ACCOUNT.to_string())), "{body}");
    // Other accounts are not affected.
    api.register("ben").await;
    let ben = Device::sign_in(&api, "ben").await;
    Events::open(&ben).await;
    server.stop().await.expect("stop");
}

/// A stream ends within a second of its device being signed out: a revoked device's stream
/// ends and its account's other streams go on; a password reset ends every stream of the
/// account.
async fn streams_end_as_their_device_is_signed_out<S: Store>(store: S) {
    let server = RunningServer::start(store.clone()).await.expect("server");
    let api = Api::new(server.url());
    let ana = people(&api, &["ana"]).await.remove(0);
    let tablet = Device::sign_in(&api, "ana").await;
    let mut phone_events = Events::open(&ana).await;
    let mut tablet_events = Events::open(&tablet).await;
    let (status, _) = api.call("DELETE", &format!("/v1/devices/{}", tablet.device_id), Some(&ana.token), None).await;
    assert_eq!(status, 204);
    let ended = tokio::time::timeout(Duration::from_secs(1), tablet_events.next()).await;
    assert_eq!(ended, Ok(None), "the revoked tablet's stream ends within a second");
    assert_eq!(phone_events.within(Duration::from_millis(300)).await, None, "the phone's goes on");
    let (status, _) = api.get("/v1/events", Some(&tablet.token)).await;
    assert_eq!(status, 401, "and the tablet cannot open another");

    let laptop = Device::sign_in(&api, "ana").await;
    let mut laptop_events = Events::open(&laptop).await;
    let (_, code) =
        rsc_service::staff::issue_reset_code(&store, &rsc_service::staff::Staff::command_line(None), "ana@example.org")
            .await
            .expect("reset code");
    let (status, body) = api
        .post(
            "/v1/password-reset",
            None,
            &serde_json::json!({ "email": "ana@example.org", "code": code, "new_password": "another long password" }),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    for (who, events) in [("phone", &mut phone_events), ("laptop", &mut laptop_events)] {
        let ended = tokio::time::timeout(Duration::from_secs(1), events.next()).await;
        assert_eq!(ended, Ok(None), "a password reset ends the {who}'s stream within a second");
    }
    server.stop().await.expect("stop");
}

rsc_test_kit::on_both_backends!(
    streams_end_as_their_device_is_signed_out,
    a_change_is_pushed_to_its_participants_other_devices_only,
    streams_are_for_signed_in_devices_and_bounded_per_account,
);
