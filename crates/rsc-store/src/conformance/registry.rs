//! The conformance tests of the registry: versions of endorsement records, and providers'
//! claims to them.

use super::*;

fn record(number: &str, holder: &str) -> RegistryRecord {
    RegistryRecord {
        number: number.into(),
        holder_name: holder.into(),
        holder_email: format!("{}@example.org", holder.to_lowercase().replace(' ', ".")),
        credential: "IMHM-C".parse().expect("credential"),
        association: "NMAIMH".into(),
        earned_on: "2020-01-15".parse().expect("date"),
        valid_through: None,
        revoked_on: None,
        version: 0,
        changed_at_ms: 10,
        changed_by: "staff".into(),
        source: "first import".into(),
    }
}

/// Makes the association the records above belong to.
pub(crate) async fn nmaimh<S: Store>(store: &S) {
    store
        .create_association(&association("NMAIMH"), &audit(AuditAction::AssociationCreated))
        .await
        .expect("association");
}

fn claim(id: &str, user: &str, number: &str, at: i64) -> ClaimRecord {
    ClaimRecord {
        id: id.into(),
        number: number.into(),
        user_id: user.into(),
        status: rsc_model::ClaimStatus::Pending,
        created_at_ms: at,
        decided_at_ms: None,
        decided_by: None,
        note: String::new(),
    }
}

/// The store: an import inserts new records, writes a new version of a changed one and leaves
/// an unchanged one alone; every version is kept, oldest first.
pub async fn registry_versions_are_kept_and_only_a_change_makes_one<S: Store>(store: S) {
    nmaimh(&store).await;
    let import = audit(AuditAction::Import);
    let counts = store
        .registry_upsert(&[record("NM-1", "Pat Lee"), record("NM-2", "Quinn Roe")], &import)
        .await
        .expect("import");
    assert_eq!((counts.inserted, counts.updated, counts.unchanged), (2, 0, 0));
    let through = Some("2026-01-31".parse().expect("date"));
    let lapsed = RegistryRecord {
        valid_through: through,
        changed_at_ms: 20,
        source: "lapse".into(),
        ..record("NM-1", "Pat Lee")
    };
    let counts = store.registry_upsert(&[lapsed, record("NM-2", "Quinn Roe")], &import).await.expect("again");
    assert_eq!((counts.inserted, counts.updated, counts.unchanged), (0, 1, 1));

    let current = store.registry_record("NM-1").await.expect("read").expect("there");
    assert_eq!((current.version, current.valid_through, current.source.as_str()), (2, through, "lapse"));
    let history = store.registry_history("NM-1").await.expect("history");
    let versions: Vec<_> = history.iter().map(|r| (r.version, r.valid_through)).collect();
    assert_eq!(versions, [(1, None), (2, through)]);
    assert_eq!(store.registry_history("NM-2").await.expect("history").len(), 1, "unchanged made no version");
    let numbers: Vec<_> = store.registry_records().await.expect("all").into_iter().map(|r| r.number).collect();
    assert_eq!(numbers, ["NM-1", "NM-2"]);
    assert_eq!(store.registry_record("NM-9").await.expect("read"), None);
    assert!(store.registry_history("NM-9").await.expect("none").is_empty());
}

/// The store: claims are filed pending and listed by account and status; each is decided once;
/// an approval makes its account the record's holder, and a second account cannot be approved
/// for a record another holds.
pub async fn claims_are_decided_once_and_one_account_holds_a_record<S: Store>(store: S) {
    for id in ["pat", "quinn"] {
        store.create_user(&user(id)).await.expect("user");
    }
    nmaimh(&store).await;
    store.registry_upsert(&[record("NM-1", "Pat Lee")], &audit(AuditAction::Import)).await.expect("import");
    store.create_claim(&claim("c1", "pat", "NM-1", 1)).await.expect("pat's claim");
    store.create_claim(&claim("c2", "quinn", "NM-1", 2)).await.expect("quinn's claim");
    let ids = |claims: Vec<ClaimRecord>| claims.into_iter().map(|c| c.id).collect::<Vec<_>>();
    let (pat, quinn) = (UserId::from("pat"), UserId::from("quinn"));
    assert_eq!(ids(store.claims(None, None).await.expect("all")), ["c1", "c2"]);
    assert_eq!(ids(store.claims(Some(&pat), None).await.expect("pat's")), ["c1"]);
    assert_eq!(
        ids(store.claims(None, Some(rsc_model::ClaimStatus::Approved)).await.expect("none")),
        Vec::<String>::new()
    );
    assert!(store.approved_records(&pat).await.expect("none yet").is_empty());
    assert_eq!(store.holder_of("NM-1").await.expect("holder"), None);

    let approved = rsc_model::ClaimStatus::Approved;
    let decided = audit(AuditAction::Approve);
    assert!(
        store.decide_claim(&ClaimId::from("c1"), approved, "staff", "checked", 30, &decided).await.expect("approve")
    );
    assert!(
        !store.decide_claim(&ClaimId::from("c1"), approved, "staff", "", 31, &decided).await.expect("once"),
        "decided once"
    );
    assert!(!store.decide_claim(&ClaimId::from("c9"), approved, "staff", "", 31, &decided).await.expect("unknown"));
    let held: Vec<_> = store.approved_records(&pat).await.expect("pat's").into_iter().map(|r| r.number).collect();
    assert_eq!(held, ["NM-1"]);
    assert_eq!(store.holder_of("NM-1").await.expect("holder").map(|u| u.id.to_string()), Some("pat".to_string()));

    let second = store.decide_claim(&ClaimId::from("c2"), approved, "staff", "", 32, &decided).await;
    assert!(matches!(second, Err(StoreError::Conflict(_))), "{second:?}");
    let rejected = rsc_model::ClaimStatus::Rejected;
    assert!(
        store.decide_claim(&ClaimId::from("c2"), rejected, "staff", "not hers", 33, &decided).await.expect("reject")
    );
    let quinns = store.claims(Some(&quinn), Some(rejected)).await.expect("rejected");
    assert_eq!(quinns.len(), 1);
    let c2 = &quinns[0];
    assert_eq!((c2.note.as_str(), c2.decided_by.as_deref(), c2.decided_at_ms), ("not hers", Some("staff"), Some(33)));
    assert!(store.approved_records(&quinn).await.expect("quinn's").is_empty());
    let actions: Vec<_> = store.audit_trail(None).await.expect("trail").into_iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [AuditAction::Approve, AuditAction::Approve, AuditAction::Import, AuditAction::AssociationCreated],
        "one line per decision made, none for those refused, newest first"
    );
}

/// The store: a record is its association's. An import naming an association the store does not
/// know, or a number another association keeps, changes nothing at all, not even the rows before
/// it; each association's staff see their own line of an import's counts.
pub async fn records_stay_with_their_association<S: Store>(store: S) {
    nmaimh(&store).await;
    store.create_association(&association("CT-AIMH"), &audit(AuditAction::AssociationCreated)).await.expect("ct");
    let import = AuditEntry { detail: "registry.csv".into(), ..audit(AuditAction::Import) };
    let connecticut =
        |number: &str, holder: &str| RegistryRecord { association: "CT-AIMH".into(), ..record(number, holder) };
    let counts = store
        .registry_upsert(
            &[record("NM-1", "Pat Lee"), connecticut("CT-1", "Rae Kim"), connecticut("CT-2", "Sam Ode")],
            &import,
        )
        .await
        .expect("both associations at once");
    assert_eq!(counts.inserted, 3);
    let lines: Vec<_> = store
        .audit_trail(None)
        .await
        .expect("trail")
        .into_iter()
        .filter(|e| e.action == AuditAction::Import)
        .map(|e| (e.association.unwrap_or_default(), e.detail))
        .collect();
    assert_eq!(
        lines,
        [
            ("NMAIMH".to_string(), "registry.csv: 1 new, 0 updated, 0 unchanged".to_string()),
            ("CT-AIMH".to_string(), "registry.csv: 2 new, 0 updated, 0 unchanged".to_string())
        ],
        "one line per association, written in its id's order, read newest first"
    );

    let takeover = store.registry_upsert(&[record("NM-2", "New One"), record("CT-1", "Someone Else")], &import).await;
    assert!(matches!(&takeover, Err(StoreError::OtherAssociation(n)) if n == "CT-1"), "{takeover:?}");
    let unknown = RegistryRecord { association: "ORIMHA".into(), ..record("OR-1", "Ode") };
    let refused = store.registry_upsert(&[record("NM-3", "Three"), unknown], &import).await;
    assert!(matches!(&refused, Err(StoreError::UnknownAssociation(a)) if a == "ORIMHA"), "{refused:?}");
    let numbers: Vec<_> =
        store.registry_records().await.expect("all").into_iter().map(|r| (r.number, r.association)).collect();
    assert_eq!(
        numbers,
        [("CT-1".into(), "CT-AIMH".into()), ("CT-2".into(), "CT-AIMH".into()), ("NM-1".into(), "NMAIMH".into())],
        "nothing of either refused import was written"
    );
    assert_eq!(store.registry_record("CT-1").await.expect("read").expect("there").holder_name, "Rae Kim");
    assert_eq!(store.audit_trail(None).await.expect("trail").len(), 4, "no line for a refused import");
}
