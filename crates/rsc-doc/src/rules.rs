//! Who may change what in a session, and when: the rules every change must keep, checked on
//! the device before an edit is written and on the server for every pushed change.
//!
//! A change is judged by what it does (the session before it, at its dependencies, against the
//! session after it) and by who made it. The roles come from the session as it stood where the
//! change was made, because that is what its author saw: a provider who disputes offline while
//! an attendee switches the provider away still disputes as the provider. On the server the
//! session as it stands now is checked too ([`Authorship::current`]), so a person who has left a
//! session cannot reach back to an old state to edit it; they may only state (confirm or
//! dispute) about it, which is never taken away from a former provider.
//!
//! Time rules ([`check_timing`]) need a clock, so they take the time from the caller: the
//! pure crate has none.

use rsc_model::{Date, Id, StatementKind};

use crate::DocError;
use crate::session::Session;

/// How far back a session's date may be, in years before today.
pub const MAX_YEARS_BACK: u32 = 10;
/// How far ahead a session's date may be, in days after today (a session can be planned).
pub const MAX_DAYS_AHEAD: i64 = 366;

/// Who made a change and what the session looked like to them.
#[derive(Debug, Clone, Copy)]
pub struct Authorship<'a> {
    /// The user the change is authored by.
    pub author: &'a Id,
    /// The session where the change was made (its dependencies); `None` for the change that
    /// creates the session.
    pub before: Option<&'a Session>,
    /// The session as it stands now, where that differs from `before` (the server's merged
    /// copy); `None` when the change is made on the latest state.
    pub current: Option<&'a Session>,
}

/// What a change does, as far as the rules care.
#[derive(Debug, Default)]
struct Diff {
    /// Date, start, zone, length, kind, format, provider, withdrawal.
    shared: bool,
    /// Attendees added, or removed other than the author removing herself.
    roster: bool,
    /// The author removed herself.
    left: bool,
    /// Attendees whose minutes or topic changed (and who are still there).
    attendance: Vec<Id>,
    /// Attendees whose statement changed (and who are still there).
    statements: Vec<Id>,
}

impl Diff {
    fn of(before: &Session, after: &Session, author: &Id) -> Diff {
        let mut diff = Diff {
            shared: before.fields != after.fields
                || before.withdrawn != after.withdrawn
                || before.withdraw_reason != after.withdraw_reason,
            ..Diff::default()
        };
        for old in &before.attendees {
            if after.attendee(&old.id).is_none() {
                if &old.id == author {
                    diff.left = true;
                } else {
                    diff.roster = true;
                }
            }
        }
        for new in &after.attendees {
            match before.attendee(&new.id) {
                None => {
                    diff.roster = true;
                    // Nobody arrives already confirmed, except by the provider's own hand.
                    if new.statement.is_some() {
                        diff.statements.push(new.id.clone());
                    }
                }
                Some(old) => {
                    if old.minutes_attended != new.minutes_attended
                        || old.about_own_rsc_practice != new.about_own_rsc_practice
                    {
                        diff.attendance.push(new.id.clone());
                    }
                    if old.statement != new.statement {
                        diff.statements.push(new.id.clone());
                    }
                }
            }
        }
        diff
    }

    fn only_statements(&self) -> bool {
        !self.shared && !self.roster && !self.left && self.attendance.is_empty()
    }
}

/// Checks that `after` is a change `who.author` may make to `who.before`, and that `after`
/// keeps every rule of [`Session::validate`].
pub fn authorize(who: Authorship<'_>, after: &Session) -> Result<(), DocError> {
    let author = who.author;
    let Some(before) = who.before else {
        // The change that creates the session.
        if &after.created_by != author {
            return Err(DocError::NotAllowed(format!(
                "a session is created by the person who logs it; `{author}` cannot log it as `{}`",
                after.created_by
            )));
        }
        if &after.fields.provider != author && after.attendee(author).is_none() {
            return Err(DocError::NotAllowed(format!(
                "`{author}` can log a session only as its provider or one of its attendees"
            )));
        }
        if after.attendees.iter().any(|a| a.statement.is_some()) {
            return Err(DocError::NotAllowed("a session is confirmed after it is logged, not inside it".into()));
        }
        return after.validate();
    };
    if before.id != after.id {
        return Err(DocError::invalid("id", "a session's id never changes"));
    }
    if before.created_by != after.created_by {
        return Err(DocError::invalid("created_by", "who logged a session never changes"));
    }
    let is_provider = &before.fields.provider == author;
    let is_attendee = before.attendee(author).is_some();
    if !is_provider && !is_attendee {
        return Err(DocError::NotAllowed(format!(
            "`{author}` takes no part in session {}: only its provider and attendees change it",
            before.id
        )));
    }
    let diff = Diff::of(before, after, author);
    let runs_it = is_provider || &before.created_by == author;
    if (diff.shared || diff.roster) && !runs_it {
        return Err(DocError::NotAllowed(
            "only the session's provider or the person who logged it change the session's date, time, length, \
             kind, format, provider or attendees; an attendee changes only her own attendance"
                .into(),
        ));
    }
    if let Some(other) = diff.attendance.iter().find(|id| *id != author && !is_provider) {
        return Err(DocError::NotAllowed(format!(
            "`{author}` cannot change `{other}`'s attendance: each attendee changes her own, and the provider \
             confirms it"
        )));
    }
    for attendee in &diff.statements {
        if !is_provider {
            return Err(DocError::NotAllowed(format!(
                "only the session's provider `{}` confirms or disputes attendance",
                before.fields.provider
            )));
        }
        if let Some(statement) = after.attendee(attendee).and_then(|a| a.statement.as_ref()) {
            let c = &statement.content;
            if &c.provider != author || &c.attendee != attendee || c.session_id != after.id {
                return Err(DocError::NotAllowed(format!(
                    "the statement stored for `{attendee}` is not `{author}`'s statement about `{attendee}` in \
                     this session"
                )));
            }
        }
    }
    if let Some(current) = who.current
        && !current.participants().contains(author)
    {
        // Someone who has left may still state about the session as its former provider,
        // and nothing else.
        if !(is_provider && diff.only_statements()) {
            return Err(DocError::NotAllowed(format!(
                "`{author}` no longer takes part in session {}; only statements by a former provider are accepted",
                after.id
            )));
        }
    }
    after.validate()
}

/// The rules that need a clock, at `now_ms` (milliseconds since the Unix epoch, UTC): a
/// session's date (when new or changed) lies within [`MAX_YEARS_BACK`] years before today and
/// [`MAX_DAYS_AHEAD`] days after it, and a new confirmation is made only once the session has
/// ended, and says so (`signed_at_ms` not before the end).
pub fn check_timing(before: Option<&Session>, after: &Session, now_ms: i64) -> Result<(), DocError> {
    let today = Date::from_unix_millis(now_ms).ok_or_else(|| DocError::invalid("now", "the clock is out of range"))?;
    if before.is_none_or(|b| b.fields.date != after.fields.date) {
        check_date(after.fields.date, today)?;
    }
    for attendee in &after.attendees {
        let Some(statement) = &attendee.statement else { continue };
        let changed =
            before.and_then(|b| b.attendee(&attendee.id)).and_then(|a| a.statement.as_ref()) != Some(statement);
        if changed && statement.content.kind == StatementKind::Confirm {
            require_ended(after, now_ms.min(statement.content.signed_at_ms))?;
        }
    }
    Ok(())
}

/// A session can be confirmed only at `at_ms` or later than its end.
pub(crate) fn require_ended(session: &Session, at_ms: i64) -> Result<(), DocError> {
    if at_ms < session.ends_at_ms()? {
        let f = &session.fields;
        return Err(DocError::invalid(
            "confirmation",
            format!(
                "the session of {} at {} ({}) has not ended yet; confirm it once it has taken place",
                f.date, f.start_time, f.time_zone
            ),
        ));
    }
    Ok(())
}

/// A session's date is within the logbook's range around `today`.
pub fn check_date(date: Date, today: Date) -> Result<(), DocError> {
    let earliest = today.minus_months(12 * MAX_YEARS_BACK);
    let latest = today.plus_days(MAX_DAYS_AHEAD);
    if date < earliest {
        return Err(DocError::invalid(
            "date",
            format!("{date} is more than {MAX_YEARS_BACK} years ago; the earliest date accepted is {earliest}"),
        ));
    }
    if date > latest {
        return Err(DocError::invalid(
            "date",
            format!("{date} is more than a year ahead; the latest date accepted is {latest}"),
        ));
    }
    Ok(())
}
