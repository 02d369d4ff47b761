//! The conformance test of the backend itself: it names itself and answers.

use super::*;

/// The store: it names its database, and answers while it is up.
pub async fn names_itself_and_answers<S: Store>(store: S) {
    assert!(["sqlite", "postgres"].contains(&store.backend()), "{}", store.backend());
    store.ping().await.expect("the database answers");
}
