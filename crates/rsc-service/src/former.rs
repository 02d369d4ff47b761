//! What others see of a closed account: her name to those who shared a session with her (their
//! records rest on it), "former member" to everyone else.

use std::collections::HashSet;

use crate::AppError;
use crate::store::{Store, UserId};

/// The name shown for a closed account to someone who never shared a session with her.
pub const FORMER_MEMBER: &str = "former member";

/// The names `viewer` sees for `people`: a closed account she never shared a session with is
/// [`FORMER_MEMBER`]; everyone else keeps their name. Returns the ids to rename.
pub async fn former_members<S: Store>(
    store: &S,
    viewer: &UserId,
    people: &[UserId],
) -> Result<HashSet<UserId>, AppError> {
    let closed = store.closed_among(people).await?;
    if closed.is_empty() {
        return Ok(HashSet::new());
    }
    let mut shared: HashSet<String> = HashSet::new();
    for a in store.acquaintances_of(viewer).await? {
        shared.insert(a.other_id.to_string());
        shared.insert(a.provider_id.to_string());
    }
    Ok(closed.into_iter().map(|(id, _)| id).filter(|id| !shared.contains(id.as_str())).collect())
}
