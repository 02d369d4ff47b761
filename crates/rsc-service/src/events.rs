//! The push channel: a device (`GET /v1/events`) or a signed-in browser (`GET /events`) holds
//! one connection of server-sent events and hears `changed` whenever a session its account
//! takes part in is written by another device; it then syncs. The first event, `ready`, comes
//! once the server listens, so a client that syncs on `ready` has missed nothing.
//!
//! An event carries no data: what changed is read by the sync, with every check. Streams are
//! bounded: at most [`MAX_STREAMS_PER_ACCOUNT`] per account, and each ends after
//! [`MAX_STREAM_LIFETIME`] (the client reconnects, and a revoked device then cannot), when the
//! server shuts down, and at once when its device is signed out (revoked, a browser signing
//! out, a password reset): the store announces that like a commit, to every process.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::{Stream, StreamExt};
use tokio::sync::watch;

use crate::AppError;
use crate::auth::AuthDevice;
use crate::store::{Notice, Notices, Store, UserId};

/// Open streams one account may hold (its phone, its computer, a few browser tabs).
pub const MAX_STREAMS_PER_ACCOUNT: usize = 8;
/// Open streams one client address may hold (a clinic's people behind one address, each with a
/// device or two): one address cannot take every stream the process may hold.
pub const MAX_STREAMS_PER_ADDRESS: usize = 64;

/// How long one stream lasts before the client must reconnect (and show its token again).
pub const MAX_STREAM_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// How often an idle stream sends a comment, so that proxies and the client's read timeout
/// know it is alive.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The open streams of this process, and the signal that ends them at shutdown. Streams are
/// counted per account, per client address and in all, each under its cap; past the cap in
/// all, a new stream is refused with 503 so that held streams never take the descriptors the
/// rest of the server needs (see [`crate::limits`]).
#[derive(Debug)]
pub struct Streams {
    open: Mutex<Open>,
    closing: watch::Receiver<()>,
    max_total: usize,
}

#[derive(Debug, Default)]
struct Open {
    by_account: HashMap<String, usize>,
    by_address: HashMap<std::net::IpAddr, usize>,
    total: usize,
}

impl Streams {
    /// Streams that end when `closing`'s sender is dropped, at most `max_total` at once.
    pub fn new(closing: watch::Receiver<()>, max_total: usize) -> Streams {
        Streams { open: Mutex::new(Open::default()), closing, max_total }
    }

    fn open(self: &Arc<Self>, user_id: &str, address: std::net::IpAddr) -> Result<Slot, AppError> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if open.total >= self.max_total {
            metrics::counter!("rsc_events_refused_total", "why" => "server").increment(1);
            return Err(AppError::Unavailable(
                "this server holds as many event streams as it may; sync as usual, and try the stream again later"
                    .into(),
            ));
        }
        if open.by_address.get(&address).copied().unwrap_or(0) >= MAX_STREAMS_PER_ADDRESS {
            metrics::counter!("rsc_events_refused_total", "why" => "address").increment(1);
            return Err(AppError::RateLimited {
                retry_after_secs: 60,
                message: format!(
                    "{MAX_STREAMS_PER_ADDRESS} event streams are open from this address, the most one address may hold"
                ),
            });
        }
        if open.by_account.get(user_id).copied().unwrap_or(0) >= MAX_STREAMS_PER_ACCOUNT {
            return Err(AppError::RateLimited {
                retry_after_secs: 60,
                message: format!(
                    "this account already holds {MAX_STREAMS_PER_ACCOUNT} event streams, the most it may; close one first"
                ),
            });
        }
        *open.by_account.entry(user_id.to_string()).or_default() += 1;
        *open.by_address.entry(address).or_default() += 1;
        open.total += 1;
        Ok(Slot { streams: Arc::clone(self), user_id: user_id.to_string(), address })
    }
}

/// One open stream's place in the counts, given back when the stream is dropped.
struct Slot {
    streams: Arc<Streams>,
    user_id: String,
    address: std::net::IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.streams.open.lock().unwrap_or_else(|p| p.into_inner());
        fn give_back<K: std::hash::Hash + Eq>(counts: &mut HashMap<K, usize>, key: &K) {
            if let Some(count) = counts.get_mut(key) {
                *count -= 1;
                if *count == 0 {
                    counts.remove(key);
                }
            }
        }
        give_back(&mut open.by_account, &self.user_id);
        give_back(&mut open.by_address, &self.address);
        open.total -= 1;
    }
}

/// What one stream waits on.
struct Listening<S> {
    store: S,
    notices: Notices,
    closing: watch::Receiver<()>,
    user_id: String,
    device_id: String,
    _slot: Slot,
}

impl<S: Store> Listening<S> {
    /// Whether the stream's device is still signed in (a failed read ends the stream; the
    /// client reconnects and signs in again).
    async fn still_signed_in(&self) -> bool {
        match self.store.devices_of(&UserId::from(self.user_id.as_str())).await {
            Ok(devices) => devices.iter().any(|d| d.id == self.device_id && d.revoked_at_ms.is_none()),
            Err(_) => false,
        }
    }
}

/// The event stream of `device`.
pub async fn stream<S: Store>(
    store: &S,
    streams: &Arc<Streams>,
    device: &AuthDevice,
    address: std::net::IpAddr,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>> + use<S>>, AppError> {
    let slot = streams.open(&device.user.id, address)?;
    let notices = store.notices().await?;
    let listening = Listening {
        store: store.clone(),
        notices,
        closing: streams.closing.clone(),
        user_id: device.user.id.to_string(),
        device_id: device.device.id.to_string(),
        _slot: slot,
    };
    let ready = futures_util::stream::once(async { Ok(Event::default().event("ready").data("listening")) });
    let changes = futures_util::stream::unfold(listening, |mut listening| async move {
        loop {
            tokio::select! {
                notice = listening.notices.next() => match notice {
                    Some(notice) if notice.signs_out(&listening.user_id, &listening.device_id) => return None,
                    // Notices may have been missed, a sign-out among them: the device is asked
                    // for again.
                    Some(notice) if *notice == Notice::Resync && !listening.still_signed_in().await => return None,
                    Some(notice) if notice.concerns(&listening.user_id, &listening.device_id) => {
                        metrics::counter!("rsc_events_sent_total").increment(1);
                        return Some((Ok(Event::default().event("changed").data("sync")), listening));
                    }
                    Some(_) => continue,
                    None => return None,
                },
                _ = listening.closing.changed() => return None,
            }
        }
    });
    let until = tokio::time::sleep(MAX_STREAM_LIFETIME);
    let stream = ready.chain(changes).take_until(until);
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}
