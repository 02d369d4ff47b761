//! What people read beside an evaluation: which requirements are trainings (self-reported), and
//! for a renewal, the year before the one being renewed.

use rsc_model::{Date, Dossier};

use crate::{Evaluation, Purpose, Rulebook, RulesError, evaluate, training_set_on};

/// The ids of the training requirements an evaluation of `purpose` on `as_of` reports, in the
/// order it reports them: their hours are self-reported, and every surface says so.
pub fn training_requirement_ids(rulebook: &Rulebook, purpose: Purpose, as_of: Date) -> Vec<String> {
    training_set_on(rulebook.training(purpose), as_of)
        .map(|set| set.requirements.iter().map(|r| r.id.clone()).collect())
        .unwrap_or_default()
}

/// For a renewal, the evaluation of the calendar year before `dossier.as_of`'s (as of its 31
/// December): what counted last year, beside this year's progress. `None` for an application.
pub fn previous_year(
    rulebook: &Rulebook,
    purpose: Purpose,
    dossier: &Dossier,
) -> Result<Option<Evaluation>, RulesError> {
    if purpose != Purpose::Renewal {
        return Ok(None);
    }
    let last_year = Dossier { as_of: dossier.as_of.start_of_year().pred(), ..dossier.clone() };
    evaluate(rulebook, purpose, &last_year).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dossier(json: serde_json::Value) -> Dossier {
        serde_json::from_value(json).expect("dossier")
    }

    #[test]
    fn last_year_is_counted_as_of_its_last_day() {
        let rulebook = crate::builtin("ct-aimh").expect("ct-aimh");
        let d = dossier(serde_json::json!({
            "as_of": "2026-03-01",
            "applicant": { "id": "ana", "masters_conferred_on": "2010-01-01", "provides_rsc": false },
            "providers": [{ "id": "pat", "credentials": [{ "credential": "IMHM-C", "earned_on": "2015-01-01", "association": "CT-AIMH" }] }],
            "sessions": [
                { "id": "s1", "date": "2025-06-04", "kind": "individual", "format": "video", "provider": "pat", "minutes": 720,
                  "minutes_attended": 720, "about_own_rsc_practice": false, "confirmation": { "status": "confirmed", "minutes": 720 } },
                { "id": "s2", "date": "2026-02-04", "kind": "individual", "format": "video", "provider": "pat", "minutes": 60,
                  "minutes_attended": 60, "about_own_rsc_practice": false, "confirmation": { "status": "confirmed", "minutes": 60 } }
            ],
            "trainings": [{ "id": "t1", "date": "2025-05-01", "minutes": 900, "topic": "dei" }]
        }));
        let last = previous_year(&rulebook, Purpose::Renewal, &d).expect("evaluates").expect("a renewal");
        assert_eq!(last.as_of.to_string(), "2025-12-31");
        let counted: Vec<(&str, u64, bool)> =
            last.requirements.iter().map(|r| (r.id.as_str(), r.counted_minutes, r.met)).collect();
        assert_eq!(counted[0], ("rsc_annual", 720, true), "{counted:?}");
        assert!(counted.contains(&("training_annual", 900, true)), "{counted:?}");
        assert!(last.eligible, "{counted:?}");
        assert_eq!(previous_year(&rulebook, Purpose::Application, &d).expect("ok"), None);
        assert_eq!(
            training_requirement_ids(&rulebook, Purpose::Renewal, d.as_of),
            ["training_annual", "training_annual_rsc", "training_annual_dei"]
        );
        // The pace of a renewal year is worked out to its end, not a year on.
        let pace = crate::pace(&rulebook, Purpose::Renewal, &d, None).expect("pace").expect("unmet");
        assert_eq!(pace.by.to_string(), "2026-12-31", "{pace:?}");
        let early = training_requirement_ids(&rulebook, Purpose::Application, "2023-12-31".parse().expect("date"));
        let late = training_requirement_ids(&rulebook, Purpose::Application, "2024-01-01".parse().expect("date"));
        assert_ne!(early, late, "CT-AIMH's 2024 rule");
    }
}
