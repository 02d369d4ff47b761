//! Association staff for a test: an account with the registry admin role, made in the store as
//! `rsc-server admin create` makes one (nobody signs up as staff), signed in on a device.

use rsc_service::store::Store;

use crate::{Api, Device};

/// `login@example.org` as registry staff of the server `api` reaches over `store`, signed in.
pub async fn staff_device<S: Store>(store: &S, api: &Api, login: &str) -> Device {
    rsc_service::auth::create_account(
        store,
        &format!("{login}@example.org"),
        "a long enough password",
        "Staff",
        rsc_model::Role::RegistryAdmin,
    )
    .await
    .expect("a staff account");
    Device::sign_in(api, login).await
}
