//! Association staff for a test: an account with the registry admin role, made in the store as
//! `rsc-server admin create` makes one (nobody signs up as staff), staff of the associations a
//! test names (creating those the store does not have yet), signed in on a device.

use rsc_service::staff::{self, Staff};
use rsc_service::store::Store;

use crate::{Api, Device};

/// The associations of the seeds, which most tests' registries name.
pub const SEED_ASSOCIATIONS: [&str; 3] = ["NMAIMH", "ORIMHA", "CT-AIMH"];

/// `login@example.org` as staff of every seed association on the server `api` reaches over
/// `store`, signed in.
pub async fn staff_device<S: Store>(store: &S, api: &Api, login: &str) -> Device {
    staff_device_of(store, api, login, &SEED_ASSOCIATIONS).await
}

/// `login@example.org` as staff of `associations` only, signed in.
pub async fn staff_device_of<S: Store>(store: &S, api: &Api, login: &str, associations: &[&str]) -> Device {
    make_staff(store, &format!("{login}@example.org"), associations).await;
    Device::sign_in(api, login).await
}

/// Makes the account with `email` (created with the password the test kit signs in with, if
/// there is none) staff of `associations`, creating each association the store lacks.
pub async fn make_staff<S: Store>(store: &S, email: &str, associations: &[&str]) {
    let operator = Staff::command_line(None);
    ensure_associations(store, associations).await;
    if store.user_by_email(email).await.expect("read").is_none() {
        rsc_service::auth::create_account(
            store,
            email,
            "a long enough password",
            "Staff",
            rsc_model::Role::RegistryAdmin,
        )
        .await
        .expect("a staff account");
    }
    for association in associations {
        staff::add_staff(store, &operator, email, association).await.expect("staff");
    }
}

/// Creates each of `associations` the store does not have yet.
pub async fn ensure_associations<S: Store>(store: &S, associations: &[&str]) {
    let operator = Staff::command_line(None);
    let known: Vec<String> = store.associations().await.expect("associations").into_iter().map(|a| a.id).collect();
    for id in associations.iter().filter(|id| !known.iter().any(|k| k == *id)) {
        staff::create_association(store, &operator, id, &format!("{id} (test)"), &[]).await.expect("association");
    }
}
