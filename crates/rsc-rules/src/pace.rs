//! What it takes to meet a requirement by a date, in calendar months, and what leaves a
//! requirement's window, summarised for people: the words the command line, the portal and a
//! phone share.

use rsc_model::{Date, Dossier};
use serde::{Deserialize, Serialize};

use crate::{FallOut, Purpose, Rulebook, RulesError, format_hours};

/// What it takes to meet a requirement by a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pace {
    /// The requirement.
    pub requirement: String,
    /// The date chosen.
    pub by: Date,
    /// The minutes counted on that date from what counts now (after hours leave the window).
    pub counted_by_then: u64,
    /// The minutes still to be added before then.
    pub needed_minutes: u64,
    /// The calendar months from the evaluation date to `by` (at least 1).
    pub months: u32,
    /// The minutes a calendar month that takes (rounded up).
    pub minutes_per_month: u64,
}

/// How far ahead the pace is worked out when nobody chose a date: a year.
pub const DEFAULT_PACE_MONTHS: u32 = 12;

/// Whole calendar months from `from` to `to` (a month ends on the same day of the month), at
/// least 1.
pub fn calendar_months(from: Date, to: Date) -> u32 {
    use chrono::Datelike;
    let (a, b) = (from.naive(), to.naive());
    let mut months = (b.year() - a.year()) * 12 + b.month() as i32 - a.month() as i32;
    if b.day() < a.day() {
        months -= 1;
    }
    u32::try_from(months).unwrap_or(0).max(1)
}

/// The pace to meet the first unmet required requirement of `dossier`'s evaluation by `by`
/// (default: a year after the evaluation date, or the end of the year for a requirement of the
/// calendar year); `None` when every required one is met. What
/// counts now and still counts then is what `by`'s evaluation of the same sessions gives.
pub fn pace(
    rulebook: &Rulebook,
    purpose: Purpose,
    dossier: &Dossier,
    by: Option<Date>,
) -> Result<Option<Pace>, RulesError> {
    let now = crate::evaluate(rulebook, purpose, dossier)?;
    let Some(unmet) = now.requirements.iter().find(|r| r.required && !r.met) else { return Ok(None) };
    // A requirement of the calendar year is due at its end: a later date would count next
    // year's hours instead.
    let year_end = Date::from_ymd(dossier.as_of.year(), 12, 31).filter(|end| *end > dossier.as_of);
    let yearly = unmet.test.as_deref() == Some("calendar_year")
        || (purpose == Purpose::Renewal
            && crate::training_requirement_ids(rulebook, purpose, dossier.as_of).contains(&unmet.id));
    let by = by.unwrap_or_else(|| match year_end {
        Some(end) if yearly => end,
        _ => dossier.as_of.plus_months(DEFAULT_PACE_MONTHS),
    });
    let later = Dossier { as_of: by, ..dossier.clone() };
    let then = crate::evaluate(rulebook, purpose, &later)?;
    let counted_by_then = then.requirements.iter().find(|r| r.id == unmet.id).map_or(0, |r| r.counted_minutes_as_of);
    let needed_minutes = unmet.required_minutes.saturating_sub(counted_by_then);
    let months = calendar_months(dossier.as_of, by);
    Ok(Some(Pace {
        requirement: unmet.title.clone(),
        by,
        counted_by_then,
        needed_minutes,
        months,
        minutes_per_month: needed_minutes.div_ceil(u64::from(months)),
    }))
}

impl Pace {
    /// The pace in words: "To meet RS/C hours by 2026-06-01: 30 h more, about 2 h 30 min a
    /// month for 12 months."
    pub fn words(&self) -> String {
        format!(
            "To meet {} by {}: {} more, about {} a month for {} month{}.",
            self.requirement,
            self.by,
            format_hours(self.needed_minutes),
            format_hours(self.minutes_per_month),
            self.months,
            if self.months == 1 { "" } else { "s" }
        )
    }
}

/// What leaves a window, for people: at most `most` lines ("3 h leave the window on
/// 2025-07-01"), then one line for the rest ("and 30 more, 45 h in all, until 2026-05-01").
pub fn leaving_window(falls: &[FallOut], most: usize) -> Vec<String> {
    let line = |f: &FallOut| format!("{} leave the window on {}", format_hours(f.minutes), f.on);
    let mut out: Vec<String> = falls.iter().take(most).map(line).collect();
    let rest = falls.get(most..).unwrap_or_default();
    if let Some(last) = rest.last() {
        let minutes: u64 = rest.iter().map(|f| f.minutes).sum();
        out.push(format!("and {} more, {} in all, until {}", rest.len(), format_hours(minutes), last.on));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().expect("date")
    }

    #[test]
    fn months_are_calendar_months() {
        assert_eq!(calendar_months(d("2025-06-01"), d("2026-06-01")), 12);
        assert_eq!(calendar_months(d("2025-06-15"), d("2026-06-14")), 11);
        assert_eq!(calendar_months(d("2025-01-31"), d("2025-02-28")), 1, "at least one");
        assert_eq!(calendar_months(d("2025-06-01"), d("2025-06-10")), 1);
    }

    #[test]
    fn leaving_the_window_is_summarised_after_five_lines() {
        let falls: Vec<FallOut> =
            (0..35).map(|i| FallOut { on: d("2025-07-01").plus_days(i * 7), minutes: 60 }).collect();
        let lines = leaving_window(&falls, 5);
        assert_eq!(lines.len(), 6);
        assert_eq!(lines[0], "1 h leave the window on 2025-07-01");
        assert_eq!(lines[5], format!("and 30 more, 30 h in all, until {}", falls[34].on));
        assert_eq!(leaving_window(&falls[..3], 5).len(), 3, "nothing summarised when few");
    }
}
