//! Change notices: who must hear, right after a commit, that documents they take part in
//! changed, so that their devices and browsers sync now instead of polling.
//!
//! With SQLite one server process owns the file, and notices go round in memory. With Postgres
//! several server processes share the database, so every commit sends its notices with
//! `NOTIFY` inside its own transaction (Postgres delivers them only if it commits, and in
//! commit order), and each process that has listeners holds one `LISTEN` connection that
//! hands them on in memory. A notice only says "sync": what changed is still read by the sync,
//! with every check, so a lost or spurious notice costs a round trip and nothing else.

use std::sync::Arc;

use tokio::sync::{OnceCell, broadcast};

use crate::StoreError;

/// The Postgres channel notices travel on.
pub const CHANNEL: &str = "rsc_changed";

/// Postgres refuses a `NOTIFY` payload of 8,000 bytes or more: one commit's notice is split
/// into payloads shorter than this.
const MAX_PAYLOAD_BYTES: usize = 7_900;

/// The "device" of a notice the server itself sends (a connection or a group changed): no
/// device has that id, so every device of the users named syncs.
pub const SERVER: &str = "-";

/// Notices a slow listener may fall behind by before it is told to resync instead.
const BACKLOG: usize = 1_024;

/// What a listener hears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Documents these users take part in were written by `device_id`.
    Changed {
        /// The device whose push (or browser statement) was committed.
        device_id: String,
        /// Everyone who takes part in a written document.
        users: Vec<String>,
    },
    /// These devices were signed out (revoked), or every device of these users was (a password
    /// reset): their open streams end at once.
    SignedOut {
        /// Devices signed out.
        devices: Vec<String>,
        /// Users all of whose devices were signed out.
        users: Vec<String>,
    },
    /// Notices may have been missed (the listening connection was lost, or this listener fell
    /// behind): everyone syncs.
    Resync,
}

/// How a payload of [`Notice::SignedOut`] begins (no device id does).
const SIGNED_OUT: &str = "!signed-out;";

impl Notice {
    /// Whether the device `device_id` of `user_id` should sync: a change to one of the user's
    /// documents made by another device (a device already has what it pushed itself).
    pub fn concerns(&self, user_id: &str, device_id: &str) -> bool {
        match self {
            Notice::Changed { device_id: by, users } => by != device_id && users.iter().any(|u| u == user_id),
            Notice::SignedOut { .. } => false,
            Notice::Resync => true,
        }
    }

    /// Whether the device `device_id` of `user_id` was signed out by this notice.
    pub fn signs_out(&self, user_id: &str, device_id: &str) -> bool {
        match self {
            Notice::SignedOut { devices, users } => {
                devices.iter().any(|d| d == device_id) || users.iter().any(|u| u == user_id)
            }
            _ => false,
        }
    }

    /// The `NOTIFY` payloads of this notice.
    pub(crate) fn to_payloads(&self) -> Vec<String> {
        match self {
            Notice::Changed { device_id, users } => Notice::payloads(device_id, users),
            Notice::SignedOut { devices, users } => {
                let named: Vec<String> =
                    devices.iter().map(|d| format!("d:{d}")).chain(users.iter().map(|u| format!("u:{u}"))).collect();
                Notice::payloads(SIGNED_OUT.trim_end_matches(';'), &named)
            }
            // Anything this version cannot say asks everyone to sync, as it is read.
            Notice::Resync => vec![String::new()],
        }
    }

    /// The `NOTIFY` payloads of a notice: `device;user,user,…`, split so each stays under
    /// Postgres's limit.
    pub(crate) fn payloads(device_id: &str, users: &[String]) -> Vec<String> {
        let mut payloads = Vec::new();
        let mut current = format!("{device_id};");
        let empty = current.len();
        for user in users {
            if current.len() + user.len() + 1 > MAX_PAYLOAD_BYTES && current.len() > empty {
                payloads.push(std::mem::replace(&mut current, format!("{device_id};")));
            }
            if current.len() > empty {
                current.push(',');
            }
            current.push_str(user);
        }
        if current.len() > empty {
            payloads.push(current);
        }
        payloads
    }

    /// Reads a payload made by [`Notice::payloads`]; anything else asks everyone to resync
    /// rather than be dropped (it may come from a newer server).
    pub(crate) fn parse(payload: &str) -> Notice {
        if let Some(named) = payload.strip_prefix(SIGNED_OUT) {
            let (mut devices, mut users) = (Vec::new(), Vec::new());
            for one in named.split(',') {
                match one.split_once(':') {
                    Some(("d", device)) => devices.push(device.to_string()),
                    Some(("u", user)) => users.push(user.to_string()),
                    _ => return Notice::Resync,
                }
            }
            return Notice::SignedOut { devices, users };
        }
        match payload.split_once(';') {
            Some((device_id, users)) if !device_id.is_empty() && !users.is_empty() => Notice::Changed {
                device_id: device_id.to_string(),
                users: users.split(',').map(str::to_string).collect(),
            },
            _ => Notice::Resync,
        }
    }
}

/// A listener's end: every notice sent after it was made, in order.
#[derive(Debug)]
pub struct Notices(broadcast::Receiver<Arc<Notice>>);

impl Notices {
    /// The next notice; `None` when the store is gone. A listener that fell behind hears
    /// [`Notice::Resync`] for everything it missed.
    pub async fn next(&mut self) -> Option<Arc<Notice>> {
        match self.0.recv().await {
            Ok(notice) => Some(notice),
            Err(broadcast::error::RecvError::Lagged(_)) => Some(Arc::new(Notice::Resync)),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }
}

/// The sending side a store keeps (cloned with it).
#[derive(Debug, Clone)]
pub(crate) struct Board {
    sender: broadcast::Sender<Arc<Notice>>,
    /// Postgres only: the `LISTEN` connection, started by the first listener.
    listening: Arc<OnceCell<Listening>>,
}

/// Ends the `LISTEN` task when the last clone of the store is dropped.
#[derive(Debug)]
struct Listening {
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Default for Board {
    fn default() -> Board {
        Board { sender: broadcast::channel(BACKLOG).0, listening: Arc::new(OnceCell::new()) }
    }
}

impl Board {
    /// Hands `notice` to this process's listeners (none listening is fine).
    pub(crate) fn post(&self, notice: Notice) {
        let _ = self.sender.send(Arc::new(notice));
    }

    /// A new listener, for a store whose notices are all posted by this process.
    pub(crate) fn listen(&self) -> Notices {
        Notices(self.sender.subscribe())
    }

    /// A new listener, for a store whose notices come through Postgres: the first one starts
    /// the `LISTEN` connection, and no listener is returned before it listens, so a commit
    /// made after this returns is heard.
    pub(crate) async fn listen_to(&self, pool: &sqlx::PgPool) -> Result<Notices, StoreError> {
        let notices = self.listen();
        self.listening
            .get_or_try_init(|| async {
                // A connection of its own, outside the store's pool: it is held for as long as
                // the process listens, and must neither take a writer's place nor keep the
                // pool from closing.
                let own = sqlx::postgres::PgPoolOptions::new()
                    .max_connections(1)
                    .connect_with((*pool.connect_options()).clone())
                    .await?;
                let mut listener = sqlx::postgres::PgListener::connect_with(&own).await?;
                listener.listen(CHANNEL).await?;
                let (stop, mut stopped) = tokio::sync::oneshot::channel();
                let sender = self.sender.downgrade();
                tokio::spawn(async move {
                    loop {
                        let received = tokio::select! {
                            _ = &mut stopped => return,
                            received = listener.try_recv() => received,
                        };
                        let notice = match received {
                            Ok(Some(notification)) => Notice::parse(notification.payload()),
                            // The connection was lost; the next call reconnects, and whatever
                            // was said meanwhile is lost, so everyone syncs.
                            Ok(None) => Notice::Resync,
                            Err(sqlx::Error::PoolClosed) => return,
                            Err(error) => {
                                tracing::warn!(%error, "listening for change notices failed; retrying");
                                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                                Notice::Resync
                            }
                        };
                        let Some(sender) = sender.upgrade() else { return };
                        let _ = sender.send(Arc::new(notice));
                    }
                });
                Ok::<_, StoreError>(Listening { _stop: stop })
            })
            .await?;
        Ok(notices)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_concerns_the_users_it_names_on_their_other_devices() {
        let notice = Notice::Changed { device_id: "d1".into(), users: vec!["u1".into(), "u2".into()] };
        assert!(notice.concerns("u2", "d9"));
        assert!(notice.concerns("u1", "d2"));
        assert!(!notice.concerns("u1", "d1"), "the pushing device has its own changes");
        assert!(!notice.concerns("u3", "d9"));
        assert!(Notice::Resync.concerns("anyone", "any"));
    }

    #[test]
    fn payloads_round_trip_and_stay_under_the_postgres_limit() {
        let users: Vec<String> = (0..1_000).map(|i| format!("{i:08}-0000-4000-8000-000000000000")).collect();
        let payloads = Notice::payloads("dev", &users);
        assert!(payloads.len() > 1, "1,000 users do not fit one payload");
        let mut heard = Vec::new();
        for payload in &payloads {
            assert!(payload.len() < 8_000, "{} bytes", payload.len());
            match Notice::parse(payload) {
                Notice::Changed { device_id, users } => {
                    assert_eq!(device_id, "dev");
                    heard.extend(users);
                }
                other => panic!("{payload} did not parse: {other:?}"),
            }
        }
        assert_eq!(heard, users);
        assert!(Notice::payloads("dev", &[]).is_empty());
    }

    #[test]
    fn signing_out_round_trips_and_ends_only_the_streams_it_names() {
        let notice = Notice::SignedOut { devices: vec!["d1".into()], users: vec!["u9".into()] };
        let payloads = notice.to_payloads();
        assert_eq!(payloads, ["!signed-out;d:d1,u:u9"]);
        assert_eq!(Notice::parse(&payloads[0]), notice);
        assert!(notice.signs_out("u1", "d1") && notice.signs_out("u9", "d7"));
        assert!(!notice.signs_out("u1", "d2"));
        assert!(!notice.concerns("u9", "d7"), "it asks nobody to sync");
        assert!(!Notice::Changed { device_id: "d1".into(), users: vec!["u1".into()] }.signs_out("u1", "d1"));
        assert_eq!(Notice::parse("!signed-out;x:1"), Notice::Resync);
    }

    #[test]
    fn a_payload_from_elsewhere_asks_for_a_resync() {
        for payload in ["", "no separator", ";u1", "dev;"] {
            assert_eq!(Notice::parse(payload), Notice::Resync, "{payload:?}");
        }
    }
}
