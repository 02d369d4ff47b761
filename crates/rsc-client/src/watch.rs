//! Staying in sync: hold the server's event stream open and sync whenever it says that a
//! session this account takes part in changed elsewhere, so a provider's confirmation shows on
//! the supervisee's phone within moments, without polling.
//!
//! One thread reads the stream and raises a flag; the watching thread syncs whenever the flag
//! is up. Changes that arrive during a sync therefore cost one more sync, not one each. A lost
//! stream is reopened with the sync's own backoff, and each reopening syncs first, so nothing
//! said while disconnected is missed.

use std::io::BufRead;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use crate::ClientError;
use crate::logbook::Logbook;
use crate::sync::{CancelFlag, SyncOptions, SyncReport};

/// How long a read of the stream may wait: three of the server's 15-second keep-alives.
const READ_TIMEOUT: Duration = Duration::from_secs(45);

/// How often a waiting watch looks at its cancel flag.
const CANCEL_CHECK: Duration = Duration::from_millis(50);

/// What a watch tells its listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchEvent {
    /// A sync ran: on connecting, and after each change elsewhere.
    Synced(SyncReport),
    /// The connection was lost; the watch reconnects after `retry_in_ms`.
    Disconnected {
        /// Why, for people.
        reason: String,
        /// The wait before reconnecting.
        retry_in_ms: u64,
    },
}

/// What the reading thread tells the watching one.
#[derive(Default)]
struct Heard {
    /// The server said to sync (or the stream just opened).
    sync: bool,
    /// The stream ended, and why.
    ended: Option<String>,
}

#[derive(Default)]
struct Signal {
    heard: Mutex<Heard>,
    changed: Condvar,
}

impl Signal {
    fn raise(&self, update: impl FnOnce(&mut Heard)) {
        update(&mut self.heard.lock().unwrap_or_else(|p| p.into_inner()));
        self.changed.notify_all();
    }
}

impl Logbook {
    /// Keeps this device in sync until `cancel` is raised: syncs at once, then holds the
    /// server's event stream open and syncs again whenever it says so. `listener` hears each
    /// sync and each lost connection. Returns `Ok` once cancelled, or the first error that
    /// waiting cannot cure (signed out, device revoked, a refused request).
    pub fn watch(
        &self,
        options: &SyncOptions,
        cancel: &CancelFlag,
        listener: &mut dyn FnMut(WatchEvent),
    ) -> Result<(), ClientError> {
        options.validate()?;
        let mut delay = options.first_retry_delay;
        loop {
            let error = match self.follow(options, cancel, listener, &mut delay) {
                Ok(()) | Err(ClientError::Cancelled) => return Ok(()),
                Err(error) if error.is_transient() => error,
                Err(error) => return Err(error),
            };
            tracing::warn!(%error, "event stream lost; reconnecting");
            listener(WatchEvent::Disconnected { reason: error.to_string(), retry_in_ms: delay.as_millis() as u64 });
            let until = std::time::Instant::now() + delay;
            while std::time::Instant::now() < until {
                if cancel.is_cancelled() {
                    return Ok(());
                }
                std::thread::sleep((until - std::time::Instant::now()).min(CANCEL_CHECK));
            }
            delay = (delay * 2).min(options.max_retry_delay);
        }
    }

    /// One connection: opens the stream, then syncs whenever it says so, until it ends.
    fn follow(
        &self,
        options: &SyncOptions,
        cancel: &CancelFlag,
        listener: &mut dyn FnMut(WatchEvent),
        delay: &mut Duration,
    ) -> Result<(), ClientError> {
        let account = self.require_account()?;
        let response = self.api(&account)?.events(READ_TIMEOUT)?;
        let signal = Arc::new(Signal::default());
        let reader = Arc::clone(&signal);
        std::thread::Builder::new()
            .name("rsc-events".into())
            .spawn(move || read_events(std::io::BufReader::new(response), &reader))
            .map_err(|e| ClientError::Network(format!("cannot start reading events: {e}")))?;
        // The sync's own cancellation, so that cancelling the watch stops a sync in progress.
        let options = SyncOptions { cancel: Some(cancel.clone()), ..options.clone() };
        loop {
            let mut heard = signal.heard.lock().unwrap_or_else(|p| p.into_inner());
            while !heard.sync && heard.ended.is_none() {
                if cancel.is_cancelled() {
                    return Ok(());
                }
                heard = signal.changed.wait_timeout(heard, CANCEL_CHECK).unwrap_or_else(|p| p.into_inner()).0;
            }
            if heard.sync {
                heard.sync = false;
                drop(heard);
                let report = self.sync(&options, &|_| {})?;
                // A connection that carried a sync is a good one: the next loss waits little.
                *delay = options.first_retry_delay;
                if cancel.is_cancelled() {
                    return Ok(());
                }
                listener(WatchEvent::Synced(report));
            } else if let Some(reason) = heard.ended.take() {
                return Err(ClientError::Network(reason));
            }
        }
    }
}

/// Reads server-sent events until the stream ends, raising `sync` for each `ready` and
/// `changed`. Unknown events are ignored (a newer server may send more).
fn read_events(reader: impl BufRead, signal: &Signal) {
    let mut event = String::new();
    for line in reader.lines() {
        let line = match line {
            Ok(line) => line,
            Err(error) => return signal.raise(|h| h.ended = Some(format!("the event stream broke off: {error}"))),
        };
        if let Some(name) = line.strip_prefix("event:") {
            event = name.trim().to_string();
        } else if line.is_empty() {
            if matches!(event.as_str(), "ready" | "changed") {
                signal.raise(|h| h.sync = true);
            }
            event.clear();
        }
    }
    signal.raise(|h| h.ended = Some("the server closed the event stream".into()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_and_changed_raise_the_flag_and_the_end_is_reported() {
        let stream = ": keep-alive\n\nevent: ready\ndata: listening\n\nevent: something-new\ndata: x\n\n";
        let signal = Signal::default();
        read_events(stream.as_bytes(), &signal);
        let heard = signal.heard.lock().expect("lock");
        assert!(heard.sync);
        assert_eq!(heard.ended.as_deref(), Some("the server closed the event stream"));
    }

    #[test]
    fn comments_and_unknown_events_raise_nothing() {
        let signal = Signal::default();
        read_events(": keep-alive\n\nevent: later\ndata: x\n\n".as_bytes(), &signal);
        assert!(!signal.heard.lock().expect("lock").sync);
    }
}
