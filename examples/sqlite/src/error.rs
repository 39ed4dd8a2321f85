//! Driver errors as store errors, and [`OpenError`] for start-up.

use scimkit_core::store::StoreError;
use scimkit_core::ScimError;

/// Why [`crate::SqliteStore::open`] failed.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The URL is not a SQLite URL.
    #[error(
        "invalid SQLite database URL {url:?}: use sqlite://PATH (the file is created if \
         missing), sqlite:PATH or sqlite::memory:"
    )]
    Url {
        /// The URL given.
        url: String,
    },
    /// SQLite refused to open the file or to create the tables.
    #[error("SQLite: {0}")]
    Database(#[from] sqlx::Error),
    /// No randomness for the cursor key.
    #[error("cursors: {0}")]
    Cursor(#[from] ScimError),
}

/// Whether SQLite reported `SQLITE_BUSY` (another connection held the lock past the busy
/// timeout): the request can be retried.
fn busy(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .and_then(sqlx::error::DatabaseError::code)
        .and_then(|code| code.parse::<i64>().ok())
        .is_some_and(|code| code & 0xff == 5)
}

/// A driver error as a store error: a busy database or an exhausted pool is retryable, the
/// rest is a backend failure.
pub(crate) fn db(error: sqlx::Error) -> StoreError {
    if busy(&error) || matches!(error, sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed) {
        StoreError::Unavailable("the database is busy; retry the request".to_owned())
    } else {
        StoreError::backend(error)
    }
}

/// Stored data this store cannot read back (written by something else).
pub(crate) fn corrupt(what: impl Into<String>) -> StoreError {
    StoreError::backend(std::io::Error::other(format!(
        "unreadable stored data: {}",
        what.into()
    )))
}

/// An `invalidValue` rejection.
pub(crate) fn invalid(detail: impl Into<String>) -> StoreError {
    StoreError::Rejected(ScimError::InvalidValue(detail.into()))
}
