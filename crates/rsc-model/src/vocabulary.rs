//! The words every part shares: what an account may do, where a registry claim or an attendance
//! stands, why hours are evaluated, and how two people came to be connected. Each is defined here
//! once, with its name in storage and JSON; the protocol, the rules, the store, the server, the
//! device core and the mobile bindings all use these.

use crate::SessionStatus;
use crate::session::text_enum;

text_enum!(
    /// What an account may do.
    Role, "role" {
        /// Supervisees and providers.
        Member => "member",
        /// Association staff who keep the registry.
        RegistryAdmin => "registry_admin",
    }
);

text_enum!(
    /// What a staff member or the operator did, as the audit trail keeps it.
    AuditAction, "audit action" {
        /// Registry rows imported (with how many were new, updated, unchanged).
        Import => "import",
        /// A record's last valid day set.
        Lapse => "lapse",
        /// A record revoked from a day on.
        Revoke => "revoke",
        /// A provider's claim to a record approved.
        Approve => "approve",
        /// A provider's claim to a record rejected (with the reason).
        Reject => "reject",
        /// An association created.
        AssociationCreated => "association_created",
        /// An association's name or rulebooks changed.
        AssociationChanged => "association_changed",
        /// A person made staff of an association.
        StaffAdded => "staff_added",
        /// A person no longer staff of an association.
        StaffRemoved => "staff_removed",
        /// A person made an operator.
        OperatorAdded => "operator_added",
        /// A one-time password reset code issued.
        ResetCode => "reset_code",
    }
);

impl AuditAction {
    /// The action in words, for people reading the trail.
    pub fn words(self) -> &'static str {
        match self {
            AuditAction::Import => "imported registry rows",
            AuditAction::Lapse => "lapsed a record",
            AuditAction::Revoke => "revoked a record",
            AuditAction::Approve => "approved a claim",
            AuditAction::Reject => "rejected a claim",
            AuditAction::AssociationCreated => "created an association",
            AuditAction::AssociationChanged => "changed an association",
            AuditAction::StaffAdded => "made someone staff",
            AuditAction::StaffRemoved => "removed someone from staff",
            AuditAction::OperatorAdded => "made someone an operator",
            AuditAction::ResetCode => "issued a password reset code",
        }
    }
}

text_enum!(
    /// Where a provider's claim to a registry record stands.
    ClaimStatus, "claim status" {
        /// Awaiting a decision by registry staff.
        Pending => "pending",
        /// The record is the claimant's: their confirmations verify.
        Approved => "approved",
        /// Refused; the claimant may claim again.
        Rejected => "rejected",
    }
);

text_enum!(
    /// Where one attendee's entry stands with the provider.
    AttendanceStatus, "attendance status" {
        /// Awaiting the provider's confirmation.
        Pending => "pending",
        /// Confirmed, and still matching the session.
        Confirmed => "confirmed",
        /// Disputed by the provider.
        Disputed => "disputed",
        /// Confirmed once, edited since: counts nothing until confirmed again.
        ChangedSinceConfirmed => "changed_since_confirmed",
        /// The session was withdrawn.
        Withdrawn => "withdrawn",
    }
);

impl AttendanceStatus {
    /// Whether the provider still has to act on it.
    pub fn awaits_provider(self) -> bool {
        matches!(self, AttendanceStatus::Pending | AttendanceStatus::ChangedSinceConfirmed)
    }
}

impl From<SessionStatus> for AttendanceStatus {
    fn from(status: SessionStatus) -> AttendanceStatus {
        match status {
            SessionStatus::Pending => AttendanceStatus::Pending,
            SessionStatus::Confirmed(_) => AttendanceStatus::Confirmed,
            SessionStatus::Disputed => AttendanceStatus::Disputed,
            SessionStatus::ChangedSinceConfirmed => AttendanceStatus::ChangedSinceConfirmed,
            SessionStatus::Withdrawn => AttendanceStatus::Withdrawn,
        }
    }
}

text_enum!(
    /// Why the hours are evaluated.
    Purpose, "purpose" {
        /// A first application for the endorsement.
        Application => "application",
        /// Keeping the endorsement: the ongoing RS/C after it was earned.
        Renewal => "renewal",
    }
);

text_enum!(
    /// Which side of a connection the other person is on.
    ConnectionRole, "connection role" {
        /// The other person is (or would be) the signed-in person's RS/C provider.
        Provider => "provider",
        /// The other person is (or asks to be) the signed-in person's supervisee.
        Supervisee => "supervisee",
    }
);

text_enum!(
    /// How a connection was made.
    ConnectionSource, "connection source" {
        /// With a connection code the provider handed out.
        Code => "code",
        /// By a request the provider accepted.
        Request => "request",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_reads_back_from_its_name_in_storage_and_json() {
        for status in AttendanceStatus::ALL {
            assert_eq!(AttendanceStatus::parse(status.as_str()), Some(*status));
            assert_eq!(serde_json::to_string(status).expect("json"), format!("\"{}\"", status.as_str()));
        }
        assert_eq!(serde_json::to_string(&Role::RegistryAdmin).expect("json"), "\"registry_admin\"");
        assert_eq!("renewal".parse::<Purpose>().expect("purpose"), Purpose::Renewal);
        assert_eq!(ClaimStatus::parse("approved"), Some(ClaimStatus::Approved));
        assert_eq!(ConnectionSource::parse("code"), Some(ConnectionSource::Code));
    }

    #[test]
    fn an_unknown_name_is_refused_with_the_names_it_may_be() {
        let error = "confirmd".parse::<AttendanceStatus>().expect_err("unknown");
        assert!(
            error.message().contains("pending, confirmed, disputed, changed_since_confirmed, withdrawn"),
            "{error}"
        );
        assert_eq!(ClaimStatus::parse("Approved"), None, "names are exact");
        assert!(serde_json::from_str::<Role>("\"admin\"").is_err());
    }

    #[test]
    fn only_pending_and_changed_entries_wait_for_the_provider() {
        let waiting: Vec<_> = AttendanceStatus::ALL.iter().filter(|s| s.awaits_provider()).collect();
        assert_eq!(waiting, [&AttendanceStatus::Pending, &AttendanceStatus::ChangedSinceConfirmed]);
    }
}
