//! The conformance tests of associations, their staff, operators and the audit trail.

use super::*;

/// The store: associations are unique by id; staff and operators are added and removed once
/// each, and each write that happened (only those) has its line in the trail, with who, whom and
/// which association, readable per association.
pub async fn associations_staff_and_operators_are_kept_with_their_trail<S: Store>(store: S) {
    for id in ["rae", "sam"] {
        store.create_user(&user(id)).await.expect("user");
    }
    let (rae, sam) = (UserId::from("rae"), UserId::from("sam"));
    let made = |id: &str| AuditEntry {
        subject: id.into(),
        association: Some(id.into()),
        ..audit(AuditAction::AssociationCreated)
    };
    let ct = AssociationRecord { rulebooks: vec!["ctaimh".into(), "nmaimh".into()], ..association("CT-AIMH") };
    store.create_association(&ct, &made("CT-AIMH")).await.expect("ct");
    store.create_association(&association("NMAIMH"), &made("NMAIMH")).await.expect("nm");
    let again = store.create_association(&association("NMAIMH"), &made("NMAIMH")).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    assert_eq!(store.associations().await.expect("all"), [ct, association("NMAIMH")]);
    let renamed =
        AssociationRecord { name: "New Mexico".into(), rulebooks: vec!["nmaimh".into()], ..association("NMAIMH") };
    let changed = AuditEntry { association: Some("NMAIMH".into()), ..audit(AuditAction::AssociationChanged) };
    assert!(store.update_association(&renamed, &changed).await.expect("rename"));
    assert!(!store.update_association(&association("NOPE"), &changed).await.expect("none"), "no such association");
    assert_eq!(store.associations().await.expect("all")[1], renamed);

    let by_sam = |action: AuditAction, association: &str| AuditEntry {
        actor: Actor::Account(sam.clone()),
        association: Some(association.into()),
        subject_user_id: Some(rae.clone()),
        ..audit(action)
    };
    assert!(store.add_staff(&rae, "CT-AIMH", 7, &by_sam(AuditAction::StaffAdded, "CT-AIMH")).await.expect("add"));
    assert!(!store.add_staff(&rae, "CT-AIMH", 8, &by_sam(AuditAction::StaffAdded, "CT-AIMH")).await.expect("again"));
    assert!(store.add_staff(&rae, "NMAIMH", 9, &by_sam(AuditAction::StaffAdded, "NMAIMH")).await.expect("add"));
    assert!(store.add_staff(&sam, "NMAIMH", 9, &by_sam(AuditAction::StaffAdded, "NMAIMH")).await.expect("add"));
    assert_eq!(store.staff_associations(&rae).await.expect("rae's"), ["CT-AIMH", "NMAIMH"]);
    let everyone: Vec<_> =
        store.staff().await.expect("staff").into_iter().map(|(a, u)| (a, u.id.to_string())).collect();
    assert_eq!(
        everyone,
        [("CT-AIMH".into(), "rae".into()), ("NMAIMH".into(), "rae".into()), ("NMAIMH".into(), "sam".into())]
    );
    assert!(store.remove_staff(&rae, "NMAIMH", &by_sam(AuditAction::StaffRemoved, "NMAIMH")).await.expect("remove"));
    assert!(!store.remove_staff(&rae, "NMAIMH", &by_sam(AuditAction::StaffRemoved, "NMAIMH")).await.expect("gone"));
    assert_eq!(store.staff_associations(&rae).await.expect("rae's"), ["CT-AIMH"]);

    assert!(!store.is_operator(&sam).await.expect("not yet"));
    assert!(store.add_operator(&sam, 10, &audit(AuditAction::OperatorAdded)).await.expect("operator"));
    assert!(!store.add_operator(&sam, 11, &audit(AuditAction::OperatorAdded)).await.expect("once"));
    assert!(store.is_operator(&sam).await.expect("now"));
    store.append_audit(&audit(AuditAction::ResetCode)).await.expect("a reset code's line");

    let all = store.audit_trail(None).await.expect("all");
    let actions: Vec<_> = all.iter().map(|e| e.action).collect();
    use AuditAction::*;
    assert_eq!(
        actions,
        [
            ResetCode,
            OperatorAdded,
            StaffRemoved,
            StaffAdded,
            StaffAdded,
            StaffAdded,
            AssociationChanged,
            AssociationCreated,
            AssociationCreated
        ],
        "newest first, and no line for what did not happen"
    );
    assert!(all.windows(2).all(|w| w[0].seq > w[1].seq));
    let removal = &all[2];
    assert_eq!(
        (&removal.actor, removal.association.as_deref(), removal.subject_user_id.as_ref()),
        (&Actor::Account(sam.clone()), Some("NMAIMH"), Some(&rae))
    );
    assert_eq!(all[0].actor, Actor::CommandLine("root".into()));
    let connecticut = store.audit_trail(Some(&["CT-AIMH".to_string()])).await.expect("ct's");
    assert_eq!(connecticut.iter().map(|e| e.action).collect::<Vec<_>>(), [StaffAdded, AssociationCreated]);
    assert!(store.audit_trail(Some(&[])).await.expect("none").is_empty());
}
