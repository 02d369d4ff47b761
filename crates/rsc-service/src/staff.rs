//! Who may keep which registry, and what they did: associations, their staff, operators, and
//! the audit trail.
//!
//! A staff member keeps only the registries of the associations she is staff of; anything of
//! another association answers as if it were not there. The operator (the server's command
//! line, or an account it made an operator) keeps every association, and alone creates
//! associations, makes and removes staff, and issues password reset codes. Every such action
//! is written to the append-only trail in the same transaction as the change itself.

use rsc_model::AuditAction;

use crate::AppError;
use crate::clock::now_ms;
use crate::store::{Actor, AssociationRecord, AuditEntry, Store, StoreError, UserId, UserRecord};

/// Who is acting on the registries, and over which associations.
#[derive(Debug, Clone)]
pub struct Staff {
    actor: Actor,
    /// `None`: every association (the operator).
    associations: Option<Vec<String>>,
    operator: bool,
}

/// The prefix of a change made on the server's command line, as records keep it
/// (`cli:` and the operating-system account; `cli` alone before the account was kept).
const COMMAND_LINE: &str = "cli:";

/// The operating-system account running this process.
fn os_user() -> String {
    std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_default().trim().to_string()
}

impl Staff {
    /// The signed-in `user` as staff: an operator keeps every association, staff their own.
    /// Anyone else is refused.
    pub async fn of<S: Store>(store: &S, user: &UserRecord) -> Result<Staff, AppError> {
        let actor = Actor::Account(user.id.clone());
        if store.is_operator(&user.id).await? {
            return Ok(Staff { actor, associations: None, operator: true });
        }
        let associations = store.staff_associations(&user.id).await?;
        if associations.is_empty() {
            return Err(AppError::Forbidden("only association staff may do this".into()));
        }
        Ok(Staff { actor, associations: Some(associations), operator: false })
    }

    /// The signed-in `user` as the operator; anyone else is refused.
    pub async fn operator<S: Store>(store: &S, user: &UserRecord) -> Result<Staff, AppError> {
        match Staff::of(store, user).await {
            Ok(staff) if staff.operator => Ok(staff),
            _ => Err(AppError::Forbidden("only the operator may do this".into())),
        }
    }

    /// The server's command line: the operator, over every association or only `association`.
    pub fn command_line(association: Option<String>) -> Staff {
        Staff { actor: Actor::CommandLine(os_user()), associations: association.map(|a| vec![a]), operator: true }
    }

    /// Whether this person keeps `association`'s registry.
    pub fn covers(&self, association: &str) -> bool {
        self.associations.as_ref().is_none_or(|mine| mine.iter().any(|a| a == association))
    }

    /// The associations kept, or `None` for every one.
    pub fn associations(&self) -> Option<&[String]> {
        self.associations.as_deref()
    }

    /// Whether this is the operator.
    pub fn is_operator(&self) -> bool {
        self.operator
    }

    /// Who acted, as a record's `changed_by` and a claim's `decided_by` keep it: the account's
    /// id, or `cli:` and the operating-system account.
    pub fn changed_by(&self) -> String {
        match &self.actor {
            Actor::Account(id) => id.to_string(),
            Actor::CommandLine(user) => format!("{COMMAND_LINE}{user}"),
        }
    }

    /// A line of the trail: this person did `action` to `subject`.
    pub fn audit(&self, action: AuditAction, association: Option<&str>, subject: &str, detail: String) -> AuditEntry {
        AuditEntry {
            seq: 0,
            at_ms: now_ms(),
            actor: self.actor.clone(),
            association: association.map(str::to_string),
            action,
            subject: subject.to_string(),
            subject_user_id: None,
            detail,
        }
    }
}

/// Who made a registry change or decided a claim, in words: the staff member's name as it is
/// now, or the server's command line and the account that ran it.
pub async fn changed_by_name<S: Store>(store: &S, id: &str) -> Result<String, AppError> {
    if let Some(account) = id.strip_prefix(COMMAND_LINE).filter(|a| !a.is_empty()) {
        return Ok(format!("{account} on the server's command line"));
    }
    if id == "cli" || id.starts_with(COMMAND_LINE) {
        return Ok("the server's command line".into());
    }
    Ok(match store.user_by_id(&UserId::from(id)).await? {
        Some(user) => user.display_name,
        None => "the server's command line".into(),
    })
}

/// The longest association id and name.
const MAX_ID_CHARS: usize = 100;
const MAX_NAME_CHARS: usize = 200;

fn printable(text: &str, field: &str, max: usize) -> Result<String, AppError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > max || text.chars().any(char::is_control) {
        return Err(AppError::invalid(field, format!("must be 1 to {max} printable characters")));
    }
    Ok(text.to_string())
}

/// Creates an association (the operator only). Its id is what the registry's `association`
/// column says; its rulebooks must be ones this server knows.
pub async fn create_association<S: Store>(
    store: &S,
    by: &Staff,
    id: &str,
    name: &str,
    rulebooks: &[String],
) -> Result<AssociationRecord, AppError> {
    only_operator(by)?;
    let id = printable(id, "id", MAX_ID_CHARS)?;
    if id.contains(',') {
        return Err(AppError::invalid("id", "must not contain a comma"));
    }
    let name = printable(name, "name", MAX_NAME_CHARS)?;
    check_rulebooks(rulebooks)?;
    // Ids are matched as people type them, so two may not differ only in case.
    if let Some(taken) = store.associations().await?.into_iter().find(|a| a.id.eq_ignore_ascii_case(&id)) {
        return Err(AppError::Conflict(format!("there is already an association `{}`", taken.id)));
    }
    let association = AssociationRecord {
        id: id.clone(),
        name: name.clone(),
        rulebooks: rulebooks.to_vec(),
        created_at_ms: now_ms(),
    };
    let detail = if rulebooks.is_empty() { name } else { format!("{name}, rulebooks {}", rulebooks.join(", ")) };
    let audit = by.audit(AuditAction::AssociationCreated, Some(&id), &id, detail);
    store.create_association(&association, &audit).await.map_err(|e| match e {
        StoreError::Conflict(_) => AppError::Conflict(format!("there is already an association `{id}`")),
        other => other.into(),
    })?;
    tracing::info!(association = %id, "association created");
    Ok(association)
}

/// Changes an association's name, its rulebooks, or both (the operator only): what the
/// migration named by its id gets its real name this way.
pub async fn change_association<S: Store>(
    store: &S,
    by: &Staff,
    id: &str,
    name: Option<&str>,
    rulebooks: Option<&[String]>,
) -> Result<AssociationRecord, AppError> {
    only_operator(by)?;
    let mut association = self::association(store, id).await?;
    let mut changes = Vec::new();
    if let Some(name) = name {
        let name = printable(name, "name", MAX_NAME_CHARS)?;
        changes.push(format!("named {name} (was {})", association.name));
        association.name = name;
    }
    if let Some(rulebooks) = rulebooks {
        check_rulebooks(rulebooks)?;
        let shown = |r: &[String]| if r.is_empty() { "none".to_string() } else { r.join(", ") };
        changes.push(format!("rulebooks {} (were {})", shown(rulebooks), shown(&association.rulebooks)));
        association.rulebooks = rulebooks.to_vec();
    }
    if changes.is_empty() {
        return Err(AppError::invalid("name", "say what changes: a name, rulebooks, or both"));
    }
    let audit = by.audit(AuditAction::AssociationChanged, Some(&association.id), &association.id, changes.join("; "));
    if !store.update_association(&association, &audit).await? {
        return Err(AppError::NotFound(format!("no association `{id}`")));
    }
    Ok(association)
}

fn check_rulebooks(rulebooks: &[String]) -> Result<(), AppError> {
    for rulebook in rulebooks {
        if rsc_rules::builtin(rulebook).is_none() {
            let known: Vec<_> = rsc_rules::builtin_ids().collect();
            return Err(AppError::invalid(
                "rulebook",
                format!("`{rulebook}` is not a rulebook here; the rulebooks are {}", known.join(", ")),
            ));
        }
    }
    Ok(())
}

fn only_operator(by: &Staff) -> Result<(), AppError> {
    if by.is_operator() { Ok(()) } else { Err(AppError::Forbidden("only the operator may do this".into())) }
}

/// The association with this id (as typed: case aside), or a refusal naming the ones there are.
pub async fn association<S: Store>(store: &S, id: &str) -> Result<AssociationRecord, AppError> {
    let all = store.associations().await?;
    let id = id.trim();
    match all.iter().find(|a| a.id.eq_ignore_ascii_case(id)) {
        Some(found) => Ok(found.clone()),
        None if all.is_empty() => Err(AppError::invalid(
            "association",
            format!("`{id}` is not an association here, and there are none yet: `rsc-server association create`"),
        )),
        None => Err(AppError::invalid(
            "association",
            format!(
                "`{id}` is not an association here; they are {}",
                all.iter().map(|a| a.id.as_str()).collect::<Vec<_>>().join(", ")
            ),
        )),
    }
}

/// The staff account with this email, for the operator's commands: a member's account is never
/// made staff, so that keeping a registry and logging one's own hours stay apart.
async fn staff_account<S: Store>(store: &S, email: &str) -> Result<UserRecord, AppError> {
    let email = crate::auth::normalize_email(email)?;
    let user = store
        .user_by_email(&email)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no account has the email {email}")))?;
    if user.role != rsc_model::Role::RegistryAdmin {
        return Err(AppError::invalid(
            "email",
            format!(
                "{email} is a member's account; staff sign in with a staff account of their own (`rsc-server admin create`)"
            ),
        ));
    }
    Ok(user)
}

/// What adding or removing a staff member needs: the association and the staff account, and
/// the trail's line for `action`, saying `what` of the association's name.
async fn staff_change<S: Store>(
    store: &S,
    by: &Staff,
    email: &str,
    association: &str,
    action: AuditAction,
    what: &str,
) -> Result<(UserRecord, AssociationRecord, AuditEntry), AppError> {
    only_operator(by)?;
    let association = self::association(store, association).await?;
    let user = staff_account(store, email).await?;
    let audit = AuditEntry {
        subject_user_id: Some(user.id.clone()),
        ..by.audit(action, Some(&association.id), &user.email, format!("{what} {}'s registry", association.name))
    };
    Ok((user, association, audit))
}

/// Makes the staff account with `email` staff of `association` (the operator only); `false`
/// when it was already.
pub async fn add_staff<S: Store>(store: &S, by: &Staff, email: &str, association: &str) -> Result<bool, AppError> {
    let (user, association, audit) =
        staff_change(store, by, email, association, AuditAction::StaffAdded, "now keeps").await?;
    let added = store.add_staff(&user.id, &association.id, now_ms(), &audit).await?;
    tracing::info!(association = %association.id, user_id = %user.id, added, "staff added");
    Ok(added)
}

/// Ends the staff account with `email` keeping `association` (the operator only); `false` when
/// it did not.
pub async fn remove_staff<S: Store>(store: &S, by: &Staff, email: &str, association: &str) -> Result<bool, AppError> {
    let (user, association, audit) =
        staff_change(store, by, email, association, AuditAction::StaffRemoved, "no longer keeps").await?;
    let removed = store.remove_staff(&user.id, &association.id, &audit).await?;
    tracing::info!(association = %association.id, user_id = %user.id, removed, "staff removed");
    Ok(removed)
}

/// Makes the staff account with `email` an operator (the operator only); `false` when it was.
pub async fn add_operator<S: Store>(store: &S, by: &Staff, email: &str) -> Result<bool, AppError> {
    only_operator(by)?;
    let user = staff_account(store, email).await?;
    let audit = AuditEntry {
        subject_user_id: Some(user.id.clone()),
        ..by.audit(AuditAction::OperatorAdded, None, &user.email, "now an operator".to_string())
    };
    Ok(store.add_operator(&user.id, now_ms(), &audit).await?)
}

/// Issues a one-time password reset code for the account with `email` (the operator only),
/// written to the trail before the code is handed back: a code the trail does not show was
/// never given.
pub async fn issue_reset_code<S: Store>(store: &S, by: &Staff, email: &str) -> Result<(UserRecord, String), AppError> {
    only_operator(by)?;
    let (user, code) = crate::auth::issue_reset_code(store, email).await?;
    let audit = AuditEntry {
        subject_user_id: Some(user.id.clone()),
        ..by.audit(
            AuditAction::ResetCode,
            None,
            &user.email,
            format!("working once, for {} hours", crate::auth::RESET_CODE_HOURS),
        )
    };
    store.append_audit(&audit).await?;
    Ok((user, code))
}

/// Which lines of the trail to show: all that `by` may see, or only those of one record,
/// person or action.
#[derive(Debug, Clone, Default)]
pub struct TrailFilter {
    /// Lines about this subject (an endorsement number, an email), case aside.
    pub subject: Option<String>,
    /// Lines by or about a person whose name or email contains this, case aside.
    pub person: Option<String>,
    /// Lines of this action.
    pub action: Option<AuditAction>,
    /// Lines of this association.
    pub association: Option<String>,
}

/// One line of the trail as people read it: names as they are now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailLine {
    /// When (milliseconds since the Unix epoch).
    pub at_ms: i64,
    /// Who, in words.
    pub who: String,
    /// Whose registry, if one association's.
    pub association: Option<String>,
    /// What.
    pub action: AuditAction,
    /// To what.
    pub subject: String,
    /// The person concerned, by name, if one.
    pub person: Option<String>,
    /// What changed.
    pub detail: String,
}

/// The trail `by` may read (her associations', or everything for the operator), newest first,
/// narrowed by `filter`.
pub async fn trail<S: Store>(store: &S, by: &Staff, filter: &TrailFilter) -> Result<Vec<TrailLine>, AppError> {
    let entries = store.audit_trail(by.associations()).await?;
    let mut names: std::collections::HashMap<UserId, (String, String)> = std::collections::HashMap::new();
    let mut lines = Vec::new();
    for entry in entries {
        for id in [
            match &entry.actor {
                Actor::Account(id) => Some(id),
                Actor::CommandLine(_) => None,
            },
            entry.subject_user_id.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            if !names.contains_key(id) {
                let known = store.user_by_id(id).await?.map(|u| (u.display_name, u.email)).unwrap_or_default();
                names.insert(id.clone(), known);
            }
        }
        let who = match &entry.actor {
            Actor::Account(id) => names[id].0.clone(),
            Actor::CommandLine(user) if user.is_empty() => "the server's command line".to_string(),
            Actor::CommandLine(user) => format!("{user} on the server's command line"),
        };
        let person = entry.subject_user_id.as_ref().map(|id| names[id].clone());
        let wanted = filter.action.is_none_or(|a| a == entry.action)
            && filter
                .association
                .as_deref()
                .is_none_or(|a| entry.association.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(a.trim())))
            && filter.subject.as_deref().is_none_or(|s| entry.subject.eq_ignore_ascii_case(s.trim()))
            && filter.person.as_deref().is_none_or(|p| {
                let p = p.trim().to_lowercase();
                let mut texts = vec![who.to_lowercase()];
                if let Some((name, email)) = &person {
                    texts.extend([name.to_lowercase(), email.to_lowercase()]);
                }
                texts.iter().any(|t| t.contains(&p))
            });
        if wanted {
            lines.push(TrailLine {
                at_ms: entry.at_ms,
                who,
                association: entry.association,
                action: entry.action,
                subject: entry.subject,
                person: person.map(|(name, _)| name),
                detail: entry.detail,
            });
        }
    }
    Ok(lines)
}

/// The trail as CSV, for a spreadsheet: one row a line, times in UTC.
pub fn trail_csv(lines: &[TrailLine]) -> Result<String, AppError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let failed = |e: csv::Error| AppError::internal(format!("writing the trail as CSV: {e}"));
    out.write_record(["when_utc", "who", "association", "action", "subject", "person", "detail"]).map_err(failed)?;
    for line in lines {
        let when = crate::clock::utc_time(line.at_ms);
        // Names, numbers and notes were typed by people: none may run as a formula.
        let cell = rsc_export::facts::text_cell;
        out.write_record([
            when,
            cell(&line.who),
            cell(line.association.as_deref().unwrap_or("")),
            line.action.as_str().to_string(),
            cell(&line.subject),
            cell(line.person.as_deref().unwrap_or("")),
            cell(&line.detail),
        ])
        .map_err(failed)?;
    }
    String::from_utf8(out.into_inner().map_err(|e| AppError::internal(format!("writing the trail as CSV: {e}")))?)
        .map_err(|e| AppError::internal(format!("the trail's CSV: {e}")))
}
