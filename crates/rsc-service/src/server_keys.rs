//! The server's own ed25519 keys: the current one signs exports and known-client marks, and
//! every key it ever used stays published (`GET /v1/server-keys`) so that what it signed keeps
//! verifying after a rotation.

use rsc_export::PublishedKey;

use crate::AppError;
use crate::store::{ServerKeyRecord, Store};

/// The key exports are signed with, made on first use.
pub async fn signing_key<S: Store>(store: &S) -> Result<ServerKeyRecord, AppError> {
    if let Some(key) = store.server_keys().await?.into_iter().find(|k| k.retired_at_ms.is_none()) {
        return Ok(key);
    }
    rotate_key(store).await
}

/// Makes a new signing key; older keys stay published for verification.
pub async fn rotate_key<S: Store>(store: &S) -> Result<ServerKeyRecord, AppError> {
    let key = rsc_doc::DeviceKey::generate(&mut getrandom::SysRng)?;
    let public_key = key.public_key().to_vec();
    let record = ServerKeyRecord {
        id: format!("rsc-{}", &hex::encode(&public_key)[..16]),
        secret: key.secret_bytes().to_vec(),
        public_key,
        created_at_ms: crate::clock::now_ms(),
        retired_at_ms: None,
    };
    store.add_server_key(&record).await?;
    tracing::info!(key_id = %record.id, "new export signing key");
    Ok(record)
}

/// Every key the server has signed with, as published.
pub async fn published_keys<S: Store>(store: &S) -> Result<Vec<PublishedKey>, AppError> {
    Ok(store
        .server_keys()
        .await?
        .into_iter()
        .map(|k| PublishedKey {
            id: k.id,
            public_key: hex::encode(k.public_key),
            created_at_ms: k.created_at_ms,
            retired_at_ms: k.retired_at_ms,
        })
        .collect())
}
