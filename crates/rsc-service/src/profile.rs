//! The signed-in person's profile: her name, master's date, rulebook, purpose and whether her
//! providers may see her progress. Read with [`crate::verified::profile`]; saved here.

use rsc_model::Date;
use rsc_protocol::Profile;
use rsc_rules::Purpose;

use crate::AppError;
use crate::store::{ProfileRecord, Store, UserRecord};

/// Checks and saves `profile` for `user`, and answers it as saved. A field a device leaves out
/// (`display_name`, `share_progress`) stays as it was.
pub async fn save<S: Store>(store: &S, user: &UserRecord, profile: Profile) -> Result<Profile, AppError> {
    let masters_conferred_on = profile
        .masters_conferred_on
        .as_deref()
        .map(|date| Date::parse_field(date, "masters_conferred_on"))
        .transpose()
        .map_err(|e| AppError::invalid("masters_conferred_on", e.to_string()))?;
    let rulebook = match &profile.rulebook {
        Some(id) => Some(rsc_rules::builtin(id).ok_or_else(|| {
            AppError::invalid("rulebook", format!("`{id}` is not a rulebook here; use nmaimh, orimha or ct-aimh"))
        })?),
        None => None,
    };
    let purpose = match &profile.purpose {
        Some(text) => {
            let purpose: Purpose =
                text.parse().map_err(|_| AppError::invalid("purpose", "must be application or renewal"))?;
            if let Some(rulebook) = &rulebook
                && !rulebook.purposes().contains(&purpose)
            {
                return Err(AppError::invalid(
                    "purpose",
                    format!("rulebook {} does not define {purpose}", rulebook.id),
                ));
            }
            Some(purpose)
        }
        None => None,
    };
    let display_name = match &profile.display_name {
        Some(name) => crate::auth::check_name(name, "display_name")?,
        None => user.display_name.clone(),
    };
    if display_name != user.display_name {
        store.set_display_name(&user.id, &display_name).await?;
    }
    // Absent means unchanged: a device that knows nothing of sharing leaves it as it is.
    let saved = store.profile(&user.id).await?;
    let share_progress = match profile.share_progress {
        Some(share) => share,
        None => saved.as_ref().is_some_and(|p| p.share_progress),
    };
    let provides_rsc = match profile.provides_rsc {
        Some(provides) => provides,
        None => saved.as_ref().is_some_and(|p| p.provides_rsc),
    };
    store
        .set_profile(&ProfileRecord {
            user_id: user.id.clone(),
            masters_conferred_on,
            rulebook: profile.rulebook.clone(),
            purpose,
            share_progress,
            provides_rsc,
        })
        .await?;
    Ok(Profile {
        display_name: Some(display_name),
        share_progress: Some(share_progress),
        provides_rsc: Some(provides_rsc),
        ..profile
    })
}
