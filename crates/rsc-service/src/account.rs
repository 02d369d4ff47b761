//! What a sync tells a device of its account besides sessions: the profile and the directory,
//! under a version (a digest of both), sent only when the device's version is not the
//! current one.
//!
//! Making both takes a dozen queries, which an idle sync should not pay. So each user's
//! version is kept, with what it was made from that changes apart from the rest: the store's
//! directory epoch (raised by any write to names, device keys, the registry, profiles,
//! connections, requests or groups), the providers the user attended and how many people she
//! knows from sessions. They are read first on every sync, in one statement; while they
//! stand, the kept version is the current one. Several
//! processes each keep their own, checked against the database, so none answers with a stale
//! version.

use std::collections::HashMap;
use std::sync::Mutex;

use rsc_protocol::AccountNews;
use sha2::Digest;

use crate::AppError;
use crate::store::{DirectoryMarks, Store, UserRecord};

/// The most users whose versions are kept; past it, the kept versions are let go and kept
/// again as users sync (about 200 bytes each).
pub const MAX_KEPT_VERSIONS: usize = 50_000;

/// The version each user's account stood at, and what it was made from.
#[derive(Debug, Default)]
pub struct Versions(Mutex<HashMap<String, Kept>>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Kept {
    epoch: i64,
    attended: Vec<String>,
    acquainted: i64,
    version: String,
}

impl Versions {
    /// None kept.
    pub fn new() -> Versions {
        Versions::default()
    }

    /// The user's profile and directory under their version, unless `known` is that version.
    pub async fn news<S: Store>(
        &self,
        store: &S,
        user: &UserRecord,
        known: &str,
    ) -> Result<Option<AccountNews>, AppError> {
        // Read before the news is made: a write after this raises them, so a version made
        // from newer data is at worst kept under older marks, never the other way round.
        let DirectoryMarks { epoch, attended, acquainted } = store.directory_marks(&user.id).await?;
        let kept = self.lock().get(user.id.as_str()).cloned();
        if let Some(kept) = kept
            && kept.epoch == epoch
            && kept.attended == attended
            && kept.acquainted == acquainted
            && kept.version == known
        {
            return Ok(None);
        }
        // The account as it stands now, not as it stood when the request signed in: a rename
        // committed in between would otherwise be kept under the new epoch with the old name.
        let user =
            store.user_by_id(&user.id).await?.ok_or_else(|| AppError::internal("a signed-in account was not found"))?;
        let news = make(store, &user).await?;
        self.keep(&user.id, Kept { epoch, attended, acquainted, version: news.version.clone() });
        Ok((news.version != known).then_some(news))
    }

    /// Keeps a user's version, letting every other go first when the most are kept.
    fn keep(&self, user_id: &str, kept: Kept) {
        let mut versions = self.lock();
        if versions.len() >= MAX_KEPT_VERSIONS && !versions.contains_key(user_id) {
            versions.clear();
        }
        versions.insert(user_id.to_string(), kept);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Kept>> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The profile and the directory, with the digest of both as their version.
async fn make<S: Store>(store: &S, user: &UserRecord) -> Result<AccountNews, AppError> {
    let (profile, directory) = crate::verified::profile_and_directory(store, user).await?;
    let mut digest = sha2::Sha256::new();
    for part in [serde_json::to_vec(&profile), serde_json::to_vec(&directory)] {
        let part = part.map_err(|e| AppError::caused("the account's news do not serialize", e))?;
        // Length-prefixed, so that no two different pairs hash alike.
        digest.update((part.len() as u64).to_be_bytes());
        digest.update(&part);
    }
    let version = hex::encode(&digest.finalize()[..8]);
    Ok(AccountNews { version, profile, directory })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kept_versions_are_bounded() {
        let versions = Versions::new();
        let kept = |version: &str| Kept { epoch: 1, attended: Vec::new(), acquainted: 0, version: version.into() };
        for i in 0..MAX_KEPT_VERSIONS {
            versions.keep(&i.to_string(), kept("a"));
        }
        versions.keep("0", kept("b"));
        assert_eq!(versions.lock().len(), MAX_KEPT_VERSIONS, "a user already kept is kept again in place");
        versions.keep("one more", kept("c"));
        assert_eq!(versions.lock().len(), 1, "past the bound the others are let go");
        assert_eq!(versions.lock().get("one more"), Some(&kept("c")));
    }
}
