//! The conformance suite every backend runs: one module per area of the store (as the traits
//! are split), each test one generic function, run per backend by
//! [`conformance_suite!`](crate::conformance_suite). Together they call every method of
//! [`Store`]. Compiled for this crate's tests and with the `testing` feature.

pub mod accounts;
pub mod backend;
pub mod connections;
pub mod exports;
pub mod ledger;
pub mod registry;
pub mod staff;
pub mod sync;
pub mod trainings;

use rsc_model::AuditAction;

use crate::{
    Actor, AssociationRecord, AttendanceRow, AttendanceStatus, AttestationRecord, AuditEntry, ClaimId, ClaimRecord,
    ConnectionCodeRecord, DeviceId, DeviceRecord, DocCommit, DocId, ExportRecord, NewChange, Notice, ProfileRecord,
    RegistryRecord, ServerKeyRecord, SessionRow, Store, StoreError, UserId, UserRecord,
};

fn user(id: &str) -> UserRecord {
    UserRecord {
        id: id.into(),
        email: format!("{id}@example.org"),
        display_name: id.into(),
        password_hash: "$argon2id$test".into(),
        role: rsc_model::Role::Member,
        created_at_ms: 1,
    }
}

fn association(id: &str) -> AssociationRecord {
    AssociationRecord { id: id.into(), name: format!("{id} association"), rulebooks: vec![], created_at_ms: 1 }
}

/// A line of the trail by the command line, about nothing in particular.
pub(crate) fn audit(action: AuditAction) -> AuditEntry {
    AuditEntry {
        seq: 0,
        at_ms: 5,
        actor: Actor::CommandLine("root".into()),
        association: None,
        action,
        subject: String::new(),
        subject_user_id: None,
        detail: String::new(),
    }
}

fn device(id: &str, user: &str, actor: u8) -> DeviceRecord {
    DeviceRecord {
        id: id.into(),
        user_id: user.into(),
        name: format!("{id} phone"),
        public_key: vec![actor; 32],
        actor_id: vec![actor; 16],
        created_at_ms: i64::from(actor),
        revoked_at_ms: None,
    }
}

/// A commit of document `doc` at `expected` with these change hashes and participants.
pub fn commit(
    doc: &str,
    expected: Option<i64>,
    changes: &[&str],
    previous: &[&str],
    participants: &[&str],
) -> DocCommit {
    DocCommit {
        expanded_bytes: 0,
        doc_id: doc.into(),
        expected_version: expected,
        new_changes: changes
            .iter()
            .map(|c| NewChange { actor_id: vec![1; 16], bytes: c.as_bytes().to_vec() })
            .collect(),
        device_id: "d1".into(),
        previous_participants: previous.iter().map(|p| p.to_string()).collect(),
        participants: participants.iter().map(|p| p.to_string()).collect(),
        session: SessionRow {
            id: doc.into(),
            provider_id: "pat".into(),
            created_by: "ana".into(),
            date: "2025-03-04".parse().expect("date"),
            start_time: "10:00".into(),
            time_zone: "UTC".into(),
            minutes: 60,
            kind: rsc_model::SessionKind::Individual,
            format: rsc_model::SessionFormat::Video,
            withdrawn: false,
            problems: String::new(),
        },
        attendance: vec![AttendanceRow {
            session_id: doc.into(),
            attendee_id: "ana".into(),
            minutes_attended: 60,
            about_own_rsc_practice: false,
            status: AttendanceStatus::Pending,
            confirmed_minutes: None,
            attestation_id: None,
        }],
        attestations: Vec::new(),
    }
}

/// A ledger entry about Ana in `doc`.
pub fn attestation(id: u8, doc: &str, valid: bool) -> AttestationRecord {
    AttestationRecord {
        id: vec![id; 32],
        digest: vec![id; 32],
        session_id: doc.into(),
        attendee_id: "ana".into(),
        provider_id: "pat".into(),
        kind: rsc_model::StatementKind::Confirm,
        signed_at_ms: i64::from(id),
        public_key: vec![9; 32],
        statement: vec![id; 10],
        valid,
        invalid_reason: (!valid).then(|| "not registered".into()),
        first_seen_at_ms: 7,
        device_id: "d1".into(),
    }
}

/// One `#[tokio::test]` per conformance test, each run by `$runner` (a `with_…` function of
/// [`crate::testing`]) on a fresh store of its backend, in a module per area. Expand it once per
/// backend, in a module of its own.
#[macro_export]
macro_rules! conformance_suite {
    ($runner:path) => {
        mod backend {
            $crate::conformance_suite!(@tests $runner; backend; names_itself_and_answers);
        }
        mod accounts {
            $crate::conformance_suite!(@tests $runner; accounts;
                users_are_unique_by_email,
                devices_register_revoke_and_bind_actors,
                login_attempts_are_reserved_up_to_the_limit_and_released,
                password_resets_work_once_and_sign_every_device_out,
                profiles_are_absent_until_written_and_replaced_whole,
                active_keys_are_read_for_many_people_at_a_time,
                a_closed_account_keeps_what_others_rest_on,
            );
        }
        mod sync {
            $crate::conformance_suite!(@tests $runner; sync;
                commits_compare_versions_and_write_only_the_winners,
                pulls_follow_the_cursor_and_participation,
                commits_are_announced_to_their_participants,
                documents_and_participants_are_read_many_at_a_time,
                concurrent_commits_get_distinct_sequences,
                racing_commits_add_each_participant_once,
                telling_users_reaches_every_listener,
            );
        }
        mod ledger {
            $crate::conformance_suite!(@tests $runner; ledger;
                providers_attended_are_kept_as_sessions_are_written,
                the_directory_epoch_rises_with_names_keys_profiles_and_connections,
                evaluation_inputs_are_kept_until_her_sessions_change,
                what_awaits_a_provider_and_the_valid_entries_about_an_attendee,
                ledgers_are_read_many_sessions_at_a_time,
            );
        }
        mod registry {
            $crate::conformance_suite!(@tests $runner; registry;
                registry_versions_are_kept_and_only_a_change_makes_one,
                claims_are_decided_once_and_one_account_holds_a_record,
                records_stay_with_their_association,
            );
        }
        mod staff {
            $crate::conformance_suite!(@tests $runner; staff;
                associations_staff_and_operators_are_kept_with_their_trail,
            );
        }
        mod connections {
            $crate::conformance_suite!(@tests $runner; connections;
                connection_codes_connect_people_once_and_list_them_by_name,
                connections_end_and_are_made_again_with_their_source,
                connection_requests_wait_for_the_provider,
                groups_and_acquaintances_decide_who_sees_whom,
            );
        }
        mod trainings {
            $crate::conformance_suite!(@tests $runner; trainings;
                trainings_are_their_owners_documents_and_pulled_as_trainings,
                certificates_are_kept_once_within_each_owners_quota,
                closing_an_account_erases_her_trainings_and_certificates,
            );
        }
        mod exports {
            $crate::conformance_suite!(@tests $runner; exports;
                exports_are_kept_found_and_withdrawn_by_their_applicant,
                a_new_server_key_retires_the_others,
            );
        }
    };
    (@tests $runner:path; $area:ident; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                $runner(|store, _url| $crate::conformance::$area::$name(store)).await;
            }
        )*
    };
}
