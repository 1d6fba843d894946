//! Database work on the blocking thread pool, off the connection tasks.

use rusqlite::Connection;

use super::error::ApiError;
use crate::store::{Store, StoreError};

/// Runs `f` with the database on the blocking pool.
pub(crate) async fn db<T, F>(store: &Store, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
{
    db_then(store, f, |t| t).await
}

/// Runs `f` with the database on the blocking pool, then `then` on its result on the same
/// thread once the database is free again (e.g. serializing a large answer).
pub(crate) async fn db_then<T, U, F, G>(store: &Store, f: F, then: G) -> Result<U, ApiError>
where
    U: Send + 'static,
    F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    G: FnOnce(T) -> U + Send + 'static,
{
    let store = store.clone();
    tokio::task::spawn_blocking(move || {
        let result = {
            let mut conn = store.lock();
            f(&mut conn)
        };
        result.map(then)
    })
    .await
    .map_err(|_| ApiError::internal())?
    .map_err(ApiError::from)
}
