//! Where the user's hours stand, for a person rather than a program: the evaluation, plus what
//! waits for each provider and what it would add once confirmed, the pace needed to meet a
//! requirement by a chosen date, and each uncounted session's reasons with names, not ids.

use std::collections::BTreeMap;

use rsc_model::{Confirmation, Date, Id};
use rsc_rules::{Evaluation, Exclusion, Purpose};
use serde::{Deserialize, Serialize};

use crate::ClientError;
use crate::logbook::Logbook;
use crate::view::SessionFilter;

/// Logged sessions that wait for one provider's confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwaitingProvider {
    /// The provider.
    pub provider: Id,
    /// Their name, where known.
    pub name: Option<String>,
    /// Sessions that wait (logged, or changed since confirmed).
    pub sessions: u32,
    /// The minutes logged in them.
    pub minutes: u64,
}

/// One session that counts nothing, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Uncounted {
    /// The session.
    pub session: Id,
    /// Its date.
    pub date: Date,
    /// The provider's name, where known.
    pub provider_name: Option<String>,
    /// Why, one phrase per reason (the master's date aside: see [`Hours::masters_date_missing`]).
    pub reasons: Vec<String>,
    /// The codes, as in the evaluation.
    pub excluded: Vec<Exclusion>,
}

/// The user's hours under a rulebook, explained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hours {
    /// The evaluation (the contract's).
    pub evaluation: Evaluation,
    /// What waits for each provider, most first.
    pub awaiting: Vec<AwaitingProvider>,
    /// Per requirement, in the evaluation's order: the minutes counted if everything waiting
    /// were confirmed as logged.
    pub if_confirmed_minutes: Vec<u64>,
    /// The pace to meet the first unmet requirement by the date asked for (a year from the
    /// evaluation date when none was).
    pub pace: Option<rsc_rules::Pace>,
    /// The rulebook counts only post-master's hours and the master's conferral date is not set:
    /// said once, rather than once per session.
    pub masters_date_missing: bool,
    /// The sessions that count nothing, with why.
    pub uncounted: Vec<Uncounted>,
    /// Provider names by id, for the evaluation's per-provider totals.
    pub provider_names: BTreeMap<String, String>,
    /// The ids of the requirements that count trainings: self-reported hours.
    pub training_requirements: Vec<String>,
    /// For a renewal, what counted in the calendar year before (as of its 31 December).
    pub last_year: Option<Evaluation>,
    /// The trainings counted (not removed), by date.
    pub trainings: Vec<crate::TrainingView>,
}

/// Sessions with one provider that a registry change made count, or stop counting: what a
/// sync that brings the change says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryNews {
    /// The provider.
    pub provider: Id,
    /// Their name, where known.
    pub provider_name: Option<String>,
    /// The user's sessions with them that counted before and no longer do.
    pub no_longer_count: u32,
    /// Those that did not count before and count now.
    pub now_count: u32,
    /// Why, in words with what happens next, when some no longer count.
    pub why: Option<String>,
}

/// What a directory received in a sync changes about which of the user's sessions (`views`)
/// a provider's credential lets count: per provider, those that stopped and those that
/// started counting, judged under the user's rulebook (`accepted`; any credential when she
/// has chosen none).
pub(crate) fn registry_news(
    me: &Id,
    views: &[crate::SessionView],
    before: &rsc_protocol::ProviderDirectory,
    after: &rsc_protocol::ProviderDirectory,
    accepted: Option<&[rsc_model::Credential]>,
) -> Vec<RegistryNews> {
    let held = |directory: &rsc_protocol::ProviderDirectory, provider: &Id, day: Date| {
        directory.providers.iter().find(|p| p.id == provider.as_str()).is_some_and(|p| {
            p.all_credentials().any(|c| c.held_on(day) && accepted.is_none_or(|a| a.contains(&c.credential)))
        })
    };
    let mut news: Vec<RegistryNews> = Vec::new();
    let mut latest_lost: BTreeMap<String, Date> = BTreeMap::new();
    // Only confirmed entries count at all: a credential changes nothing for the others.
    let confirmed =
        |v: &crate::SessionView| v.attendee(me).is_some_and(|a| a.status == crate::AttendanceStatus::Confirmed);
    for view in views.iter().filter(|v| !v.withdrawn && &v.provider != me && confirmed(v)) {
        let (was, is) = (held(before, &view.provider, view.date), held(after, &view.provider, view.date));
        if was == is {
            continue;
        }
        let at = match news.iter().position(|n| n.provider == view.provider) {
            Some(at) => at,
            None => {
                news.push(RegistryNews {
                    provider: view.provider.clone(),
                    provider_name: after.name(view.provider.as_str()).map(str::to_string),
                    no_longer_count: 0,
                    now_count: 0,
                    why: None,
                });
                news.len() - 1
            }
        };
        if was {
            news[at].no_longer_count += 1;
            let last = latest_lost.entry(view.provider.to_string()).or_insert(view.date);
            *last = (*last).max(view.date);
        } else {
            news[at].now_count += 1;
        }
    }
    for n in &mut news {
        if let Some(day) = latest_lost.get(n.provider.as_str()) {
            let name = n.provider_name.clone().unwrap_or_else(|| "Your provider".into());
            let endorsements = after
                .providers
                .iter()
                .find(|p| p.id == n.provider.as_str())
                .map(|p| p.all_endorsements())
                .unwrap_or_default();
            let accepted = accepted.unwrap_or(rsc_model::Credential::ALL);
            n.why = Some(rsc_model::why_not_qualified(&name, &endorsements, *day, accepted));
        }
    }
    news
}

/// What a report made on the device, without the server, shows: nothing in it is vouched for.
#[derive(Debug, Clone, PartialEq)]
pub struct OfflineReport {
    /// The rulebook.
    pub rulebook: rsc_rules::Rulebook,
    /// Application or renewal.
    pub purpose: Purpose,
    /// The dossier as this device builds it.
    pub dossier: rsc_model::Dossier,
    /// Its evaluation.
    pub evaluation: Evaluation,
    /// The user's name.
    pub applicant_name: String,
    /// The providers of the dossier's sessions, by id, with their names.
    pub providers: Vec<(Id, String)>,
}

impl Logbook {
    /// Everything an unverified summary of the user's hours shows, from this device alone.
    pub fn offline_report(
        &self,
        rulebook: &str,
        purpose: Purpose,
        as_of: Option<Date>,
    ) -> Result<OfflineReport, ClientError> {
        let (rulebook, dossier, _) = self.dossier(rulebook, as_of)?;
        let evaluation = rsc_rules::evaluate(&rulebook, purpose, &dossier)
            .map_err(|e| ClientError::invalid("purpose", e.to_string()))?;
        let people = self.people()?;
        let name = |id: &Id| people.iter().find(|p| &p.id == id).map(|p| p.name.clone());
        let providers = dossier
            .providers
            .iter()
            .map(|p| (p.id.clone(), name(&p.id).unwrap_or_else(|| "(unnamed provider)".into())))
            .collect();
        let applicant_name = self.profile()?.display_name;
        Ok(OfflineReport { rulebook, purpose, dossier, evaluation, applicant_name, providers })
    }

    /// The user's hours under `rulebook` for `purpose` as of `as_of` (default: today),
    /// explained; with `by`, the pace needed to meet the first unmet requirement by then.
    pub fn hours(
        &self,
        rulebook: &str,
        purpose: Purpose,
        as_of: Option<Date>,
        by: Option<Date>,
    ) -> Result<Hours, ClientError> {
        let (rulebook, dossier, records) = self.dossier(rulebook, as_of)?;
        let evaluate = |dossier: &rsc_model::Dossier| {
            rsc_rules::evaluate(&rulebook, purpose, dossier).map_err(|e| ClientError::invalid("purpose", e.to_string()))
        };
        let evaluation = evaluate(&dossier)?;
        if let Some(by) = by
            && by <= dossier.as_of
        {
            return Err(ClientError::invalid("by", format!("{by} is not after the evaluation date {}", dossier.as_of)));
        }

        let views = self.sessions(&SessionFilter::default())?;
        let name_of = |id: &Id| {
            views.iter().find(|v| &v.provider == id).and_then(|v| v.provider_name.clone()).or_else(|| {
                views.iter().flat_map(|v| v.attendees.iter()).find(|a| &a.id == id).and_then(|a| a.name.clone())
            })
        };
        let mut provider_names = BTreeMap::new();
        for session in &dossier.sessions {
            if let Some(name) = name_of(&session.provider) {
                provider_names.insert(session.provider.to_string(), name);
            }
        }

        // What waits, and what it would add: the same dossier with every waiting session
        // confirmed as logged.
        let mut awaiting: Vec<AwaitingProvider> = Vec::new();
        let mut hypothetical = dossier.clone();
        for session in hypothetical.sessions.iter_mut().filter(|s| s.confirmation.is_none() && s.date <= dossier.as_of)
        {
            let Some(record) = records.iter().find(|r| r.session_id == session.id) else { continue };
            session.confirmation = Some(Confirmation::Confirmed { minutes: record.minutes_attended });
            let minutes = u64::from(record.minutes_attended.get());
            match awaiting.iter_mut().find(|a| a.provider == session.provider) {
                Some(entry) => {
                    entry.sessions += 1;
                    entry.minutes += minutes;
                }
                None => awaiting.push(AwaitingProvider {
                    provider: session.provider.clone(),
                    name: name_of(&session.provider),
                    sessions: 1,
                    minutes,
                }),
            }
        }
        awaiting.sort_by(|a, b| b.minutes.cmp(&a.minutes).then_with(|| a.name.cmp(&b.name)));
        let if_confirmed_minutes = if awaiting.is_empty() {
            evaluation.requirements.iter().map(|r| r.counted_minutes_as_of).collect()
        } else {
            evaluate(&hypothetical)?.requirements.iter().map(|r| r.counted_minutes_as_of).collect()
        };

        // The pace to meet the first unmet requirement: by the date asked for, else within a year.
        let pace = rsc_rules::pace(&rulebook, purpose, &dossier, by)
            .map_err(|e| ClientError::invalid("purpose", e.to_string()))?;

        let directory: Option<rsc_protocol::ProviderDirectory> =
            crate::store::get_meta(self.store().conn(), crate::store::key::DIRECTORY)?;
        let masters_date_missing =
            evaluation.sessions.iter().any(|s| s.excluded.contains(&Exclusion::MastersDateUnknown));
        let mut uncounted = Vec::new();
        for (result, session) in evaluation.sessions.iter().zip(&dossier.sessions) {
            if result.excluded.is_empty() {
                continue;
            }
            let provider_name = name_of(&session.provider);
            let who = provider_name.clone().unwrap_or_else(|| "the provider".into());
            // The provider's dispute, still standing or answered by a correction since.
            let dispute = records
                .iter()
                .find(|r| r.session_id == session.id)
                .and_then(|r| r.statement.as_ref())
                .filter(|s| s.kind == rsc_model::StatementKind::Dispute)
                .map(|s| s.reason.as_str());
            let planned =
                views.iter().find(|v| v.id == session.id).is_some_and(|v| v.planned(crate::logbook::now_ms()));
            let reasons = result
                .excluded
                .iter()
                .filter_map(|e| match e {
                    Exclusion::AfterAsOf if planned => {
                        Some(format!("it is planned: it counts once it has taken place and {who} confirms it"))
                    }
                    Exclusion::AfterAsOf => Some(format!("it is after {}", dossier.as_of)),
                    Exclusion::Unconfirmed if planned => None,
                    Exclusion::Unconfirmed if session.changed_since_confirmed => {
                        Some(format!("it changed after {who} confirmed it; {who} needs to confirm it again"))
                    }
                    Exclusion::Unconfirmed => match dispute {
                        Some(reason) => Some(format!(
                            "you corrected it after {who} disputed it (\u{201c}{reason}\u{201d}); it waits for {who} to review it"
                        )),
                        None => Some(format!("{who} has not confirmed it yet")),
                    },
                    Exclusion::Disputed => Some(match dispute {
                        Some(reason) => format!(
                            "{who} disputed it: \u{201c}{reason}\u{201d}; if {who} is right, correct your entry and it goes back to {who}"
                        ),
                        None => format!("{who} disputed it"),
                    }),
                    Exclusion::ProviderNotQualified => Some(rsc_model::why_not_qualified(
                        &who,
                        &directory
                            .as_ref()
                            .and_then(|d| d.providers.iter().find(|p| p.id == session.provider.as_str()))
                            .map(|p| p.all_endorsements())
                            .unwrap_or_default(),
                        session.date,
                        &rulebook.accepted_credentials(purpose),
                    )),
                    Exclusion::BeforeMasters => Some("it is before your master's degree was conferred".into()),
                    Exclusion::MastersDateUnknown => None,
                })
                .collect();
            uncounted.push(Uncounted {
                session: session.id.clone(),
                date: session.date,
                provider_name,
                reasons,
                excluded: result.excluded.clone(),
            });
        }
        let training_requirements = rsc_rules::training_requirement_ids(&rulebook, purpose, dossier.as_of);
        let last_year = rsc_rules::previous_year(&rulebook, purpose, &dossier)
            .map_err(|e| ClientError::invalid("purpose", e.to_string()))?;
        Ok(Hours {
            evaluation,
            awaiting,
            if_confirmed_minutes,
            pace,
            masters_date_missing,
            uncounted,
            provider_names,
            training_requirements,
            last_year,
            trainings: self.trainings()?,
        })
    }
}
