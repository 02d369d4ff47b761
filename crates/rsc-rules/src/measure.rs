//! What the engine counts with and how a requirement gathers it: one eligible session as the
//! requirements see it, and the window or period its minutes are summed over. Shared by the
//! engine's arithmetic and the explanations it writes, so neither depends on the other.

use rsc_model::{Date, Id};

use crate::rulebook::{Period, PeriodTest};

/// One eligible session, as the requirements see it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Counted<'a> {
    pub date: Date,
    pub minutes: u64,
    pub group: bool,
    pub about_own: bool,
    pub provider: &'a Id,
}

/// How a requirement's minutes are gathered.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Measure {
    /// Applications: windows of `months` (or unlimited) ending on a counted session's date,
    /// with an optional minimum span.
    Rolling { months: Option<u32>, span: Option<u32> },
    /// Renewals: a fixed period from `start` to the evaluation date; `end` bounds projections.
    Period { start: Date, end: Date, rolling_months: Option<u32> },
}

impl Measure {
    pub(crate) fn period(test: &PeriodTest, as_of: Date) -> Measure {
        match test.period {
            Period::CalendarYear => {
                let start = as_of.start_of_year();
                let end = Date::from_ymd(as_of.year(), 12, 31).unwrap_or(as_of);
                Measure::Period { start, end, rolling_months: None }
            }
            Period::Months => {
                let months = test.months.unwrap_or(24);
                Measure::Period {
                    start: window_from(as_of, months),
                    end: as_of.plus_months(120),
                    rolling_months: Some(months),
                }
            }
        }
    }
}

/// The first day of the `months` window ending on `end`: "E − N months < D ≤ E".
pub(crate) fn window_from(end: Date, months: u32) -> Date {
    end.minus_months(months).succ()
}
