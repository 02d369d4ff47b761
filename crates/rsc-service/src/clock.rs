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

/// A time as `YYYY-MM-DD HH:MM:SS` in UTC.
pub fn utc_time(ms: i64) -> String {
    let seconds = ms.div_euclid(1000).rem_euclid(86_400);
    format!("{} {:02}:{:02}:{:02}", day(ms), seconds / 3600, seconds / 60 % 60, seconds % 60)
}

/// A time as `YYYY-MM-DD HH:MM` in UTC.
pub fn utc_minute(ms: i64) -> String {
    let mut time = utc_time(ms);
    time.truncate(time.len() - ":SS".len());
    time
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_read_in_utc_to_the_second_or_the_minute() {
        assert_eq!(super::utc_time(0), "1970-01-01 00:00:00");
        assert_eq!(super::utc_time(90_061_999), "1970-01-02 01:01:01");
        assert_eq!(super::utc_minute(90_061_999), "1970-01-02 01:01");
    }
}
