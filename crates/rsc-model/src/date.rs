//! Calendar dates as the rules use them: plain `YYYY-MM-DD` days, no time zone, with the
//! calendar-month arithmetic that the 24-month windows and 12-month spans are defined by.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ModelError;

/// A calendar day between [`MIN_DATE`] and [`MAX_DATE`].
///
/// Parsing is strict (`2024-02-29`, never `2024-2-29` or a timestamp) so that two systems
/// reading the same dossier always agree on the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(NaiveDate);

/// The earliest date the product accepts. RS/C as a practice is younger than this.
pub const MIN_DATE: Date = Date(NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid"));
/// The latest date the product accepts; keeps window arithmetic far from chrono's limits.
pub const MAX_DATE: Date = Date(NaiveDate::from_ymd_opt(2199, 12, 31).expect("valid"));

impl Date {
    /// The day `year-month-day`, when it exists and is within the accepted range.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Date> {
        NaiveDate::from_ymd_opt(year, month, day).map(Date).filter(|d| (MIN_DATE..=MAX_DATE).contains(d))
    }

    /// Wraps a chrono date; `None` outside the accepted range.
    pub fn from_naive(date: NaiveDate) -> Option<Date> {
        Some(Date(date)).filter(|d| (MIN_DATE..=MAX_DATE).contains(d))
    }

    /// The UTC calendar day `millis` milliseconds after the Unix epoch.
    pub fn from_unix_millis(millis: i64) -> Option<Date> {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)?;
        Date::from_naive(epoch.checked_add_signed(chrono::Duration::days(millis.div_euclid(86_400_000)))?)
    }

    /// The chrono date.
    pub fn naive(self) -> NaiveDate {
        self.0
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.0.year()
    }

    /// 1 January of this date's year.
    pub fn start_of_year(self) -> Date {
        Date(NaiveDate::from_ymd_opt(self.0.year(), 1, 1).expect("1 January exists"))
    }

    /// `months` calendar months earlier; where that month is shorter, its last day.
    pub fn minus_months(self, months: u32) -> Date {
        Date(self.0.checked_sub_months(Months::new(months)).unwrap_or(NaiveDate::MIN))
    }

    /// `months` calendar months later; where that month is shorter, its last day.
    pub fn plus_months(self, months: u32) -> Date {
        Date(self.0.checked_add_months(Months::new(months)).unwrap_or(NaiveDate::MAX))
    }

    /// The next day.
    pub fn succ(self) -> Date {
        Date(self.0.succ_opt().unwrap_or(self.0))
    }

    /// The previous day.
    pub fn pred(self) -> Date {
        Date(self.0.pred_opt().unwrap_or(self.0))
    }

    /// `days` days later (or earlier when negative).
    pub fn plus_days(self, days: i64) -> Date {
        Date(self.0.checked_add_signed(chrono::Duration::days(days)).unwrap_or(self.0))
    }

    /// Whole days from `earlier` to `self` (negative when `earlier` is later).
    pub fn days_since(self, earlier: Date) -> i64 {
        (self.0 - earlier.0).num_days()
    }

    /// Parses a `YYYY-MM-DD` string; the error names `field`.
    pub fn parse_field(text: &str, field: &str) -> Result<Date, ModelError> {
        text.parse().map_err(|e: ModelError| e.within(field))
    }
}

impl FromStr for Date {
    type Err = ModelError;

    fn from_str(text: &str) -> Result<Date, ModelError> {
        let bad = || ModelError::invalid("", format!("`{text}` is not a date in the form YYYY-MM-DD"));
        let bytes = text.as_bytes();
        let shape_ok = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes.iter().enumerate().all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !shape_ok {
            return Err(bad());
        }
        let number = |range: std::ops::Range<usize>| text[range].parse::<u32>().map_err(|_| bad());
        let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
        let date = NaiveDate::from_ymd_opt(year as i32, month, day)
            .ok_or_else(|| ModelError::invalid("", format!("`{text}` is not a day of the calendar")))?;
        Date::from_naive(date).ok_or_else(|| {
            ModelError::invalid("", format!("`{text}` is outside the accepted range {MIN_DATE} to {MAX_DATE}"))
        })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Written by hand: dates are formatted thousands of times per evaluation, and both
        // chrono's strftime and padded integer formatting showed up in profiles.
        let (y, m, d) = (self.0.year() as u32, self.0.month(), self.0.day());
        let digit = |n: u32| b'0' + (n % 10) as u8;
        let text = [
            digit(y / 1000),
            digit(y / 100),
            digit(y / 10),
            digit(y),
            b'-',
            digit(m / 10),
            digit(m),
            b'-',
            digit(d / 10),
            digit(d),
        ];
        // The range check on construction keeps the year at four digits.
        f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(|e: ModelError| match e {
            ModelError::Invalid { message, .. } | ModelError::Malformed { message, .. } => {
                serde::de::Error::custom(message)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().expect("test date")
    }

    #[test]
    fn parses_strictly() {
        assert_eq!(d("2024-02-29").to_string(), "2024-02-29");
        for bad in [
            "2024-2-29",
            "2023-02-29",
            "2024-02-29T00:00",
            "",
            "20240229",
            "2024-13-01",
            "1899-12-31",
            "2200-01-01",
            "+024-01-01",
        ] {
            assert!(bad.parse::<Date>().is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn month_arithmetic_clamps_to_month_end() {
        assert_eq!(d("2026-02-28").minus_months(24), d("2024-02-28"));
        assert_eq!(d("2024-02-29").minus_months(24), d("2022-02-28"));
        assert_eq!(d("2024-02-29").plus_months(12), d("2025-02-28"));
        assert_eq!(d("2025-03-31").minus_months(1), d("2025-02-28"));
        assert_eq!(d("2024-01-31").plus_months(1), d("2024-02-29"));
    }

    #[test]
    fn days_from_unix_time() {
        assert_eq!(Date::from_unix_millis(0), Some(d("1970-01-01")));
        assert_eq!(Date::from_unix_millis(1_764_000_000_000), Some(d("2025-11-24")));
        assert_eq!(Date::from_unix_millis(86_400_000 - 1), Some(d("1970-01-01")));
    }

    #[test]
    fn serde_round_trip_and_error() {
        let json = serde_json::to_string(&d("2019-05-15")).expect("serialize");
        assert_eq!(json, "\"2019-05-15\"");
        let err = serde_json::from_str::<Date>("\"2019-5-15\"").expect_err("bad date");
        assert!(err.to_string().contains("YYYY-MM-DD"), "{err}");
    }
}
