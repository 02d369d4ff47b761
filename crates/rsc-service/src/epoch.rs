//! The database's epoch, read once per server process and sent with every sync answer: a
//! restore needs the server stopped, so the epoch cannot change under a running one.

use crate::AppError;
use crate::store::Store;

/// The epoch, once read.
#[derive(Debug, Default)]
pub struct Epoch(tokio::sync::OnceCell<String>);

impl Epoch {
    /// Not read yet.
    pub fn new() -> Epoch {
        Epoch::default()
    }

    /// The epoch of `store`'s database.
    pub async fn get<S: Store>(&self, store: &S) -> Result<String, AppError> {
        Ok(self.0.get_or_try_init(|| store.epoch()).await?.clone())
    }
}
