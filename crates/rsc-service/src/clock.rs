//! The one clock the server reads and the ids it makes, so every module asks them the same way.

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or_default()
}

/// A fresh id for an account or a session made here (`Id::fresh`: random, then the time).
pub fn new_id() -> rsc_model::Id {
    rsc_model::Id::fresh(*uuid::Uuid::new_v4().as_bytes(), now_ms())
}

/// A fresh random id for a record only this server names (a claim, an attempt, an export).
pub fn random_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The day of a time, as people read it.
pub fn day(ms: i64) -> String {
    rsc_model::Date::from_unix_millis(ms).map_or_else(|| "an unknown day".to_string(), |d| d.to_string())
}
