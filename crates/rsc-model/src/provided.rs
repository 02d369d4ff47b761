//! The RS/C a provider gave, per calendar year: evidence for the years of providing RS/C some
//! endorsements ask for. Counted from the entries she confirmed; a group session counts its
//! length once, however many attended; supervisees are counted, never named.

use serde::{Deserialize, Serialize};

use crate::{Date, Id, Minutes, SessionKind};

/// One session she gave, with the attendees whose entries she confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GivenSession {
    /// The session.
    pub id: Id,
    /// When.
    pub date: Date,
    /// Individual or group.
    pub kind: SessionKind,
    /// Its length.
    pub minutes: Minutes,
    /// The attendees she confirmed.
    pub supervisees: Vec<Id>,
}

/// One calendar year of RS/C given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProvidedYear {
    /// The year.
    pub year: i32,
    /// Sessions given (each once).
    pub sessions: u32,
    /// Of which individual.
    pub individual_sessions: u32,
    /// Of which group.
    pub group_sessions: u32,
    /// Their length in minutes, a group session's once.
    pub minutes: u64,
    /// Of which in individual sessions.
    pub individual_minutes: u64,
    /// Of which in group sessions.
    pub group_minutes: u64,
    /// How many different people she gave RS/C to that year.
    pub supervisees: u32,
    /// The first day she gave RS/C that year.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub first: Date,
    /// The last day.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub last: Date,
}

/// `sessions` per calendar year, oldest first; a session with no confirmed attendee, or given
/// twice in the list, counts once or not at all.
pub fn provided_by_year(sessions: &[GivenSession]) -> Vec<ProvidedYear> {
    let mut years: std::collections::BTreeMap<i32, (ProvidedYear, std::collections::BTreeSet<&Id>)> =
        std::collections::BTreeMap::new();
    let mut seen = std::collections::HashSet::new();
    for s in sessions.iter().filter(|s| !s.supervisees.is_empty()) {
        if !seen.insert(&s.id) {
            continue;
        }
        let (year, people) = years.entry(s.date.year()).or_insert_with(|| {
            (
                ProvidedYear {
                    year: s.date.year(),
                    sessions: 0,
                    individual_sessions: 0,
                    group_sessions: 0,
                    minutes: 0,
                    individual_minutes: 0,
                    group_minutes: 0,
                    supervisees: 0,
                    first: s.date,
                    last: s.date,
                },
                std::collections::BTreeSet::new(),
            )
        });
        let minutes = u64::from(s.minutes.get());
        year.sessions += 1;
        year.minutes += minutes;
        match s.kind {
            SessionKind::Individual => {
                year.individual_sessions += 1;
                year.individual_minutes += minutes;
            }
            SessionKind::Group => {
                year.group_sessions += 1;
                year.group_minutes += minutes;
            }
        }
        year.first = year.first.min(s.date);
        year.last = year.last.max(s.date);
        people.extend(&s.supervisees);
    }
    years
        .into_values()
        .map(|(mut year, people)| {
            year.supervisees = u32::try_from(people.len()).unwrap_or(u32::MAX);
            year
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given(id: &str, date: &str, kind: SessionKind, minutes: i64, people: &[&str]) -> GivenSession {
        GivenSession {
            id: Id::new(id, "id").expect("id"),
            date: date.parse().expect("date"),
            kind,
            minutes: Minutes::new(minutes, "m").expect("m"),
            supervisees: people.iter().map(|p| Id::new(*p, "p").expect("p")).collect(),
        }
    }

    #[test]
    fn a_group_counts_its_length_once_and_people_are_counted_once_a_year() {
        let years = provided_by_year(&[
            given("s1", "2024-03-01", SessionKind::Individual, 60, &["ana"]),
            given("s2", "2024-05-01", SessionKind::Group, 90, &["ana", "ben", "cy"]),
            given("s2", "2024-05-01", SessionKind::Group, 90, &["ana", "ben", "cy"]),
            given("s3", "2024-06-01", SessionKind::Individual, 60, &[]),
            given("s4", "2025-01-10", SessionKind::Individual, 45, &["ben"]),
        ]);
        assert_eq!(years.len(), 2);
        let y = &years[0];
        assert_eq!(
            (y.year, y.sessions, y.individual_sessions, y.group_sessions, y.minutes, y.group_minutes, y.supervisees),
            (2024, 2, 1, 1, 150, 90, 3)
        );
        assert_eq!((y.first.to_string(), y.last.to_string()), ("2024-03-01".into(), "2024-05-01".into()));
        assert_eq!((years[1].year, years[1].minutes, years[1].supervisees), (2025, 45, 1));
    }
}
