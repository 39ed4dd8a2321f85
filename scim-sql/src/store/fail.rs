//! [`Fail`]: why a store transaction stopped — a refusal for the client, or a database error —
//! and how each becomes a [`StoreError`]; [`Exec`]: statements on a pool or a transaction alike.

use scimkit_core::{ScimError, StoreError};

use crate::backend::Backend;
use crate::datum::{Datum, DatumKind};
use crate::db::{Conn, Db, Tx};
use crate::error::Error;

/// Why a store transaction stopped.
#[derive(Debug)]
pub(crate) enum Fail {
    /// An answer for the client (404, 409, 412, 400), decided by the store.
    Store(StoreError),
    /// The database failed.
    Db(Error),
}

impl From<StoreError> for Fail {
    fn from(error: StoreError) -> Self {
        Fail::Store(error)
    }
}

impl From<Error> for Fail {
    fn from(error: Error) -> Self {
        Fail::Db(error)
    }
}

impl Fail {
    /// A `400 invalidValue` with `detail`.
    pub fn invalid(detail: impl Into<String>) -> Fail {
        Fail::Store(StoreError::Rejected(ScimError::InvalidValue(detail.into())))
    }

    /// Whether the transaction may succeed when run again.
    pub fn is_transient(&self) -> bool {
        matches!(self, Fail::Db(error) if error.is_transient())
    }

    /// The store's answer. `unique` names the attributes a unique index guards, for the
    /// message of a violation (a concurrent write won the race the check could not see).
    pub fn into_store_error(self, unique: &str) -> StoreError {
        match self {
            Fail::Store(error) => error,
            Fail::Db(Error::Database(sqlx::Error::Database(db))) if db.is_unique_violation() => {
                StoreError::Uniqueness(format!(
                    "another resource of this tenant already has this {unique}"
                ))
            }
            Fail::Db(Error::Database(sqlx::Error::Database(db))) if too_long(db.as_ref()) => {
                tracing::warn!(
                    error = %db,
                    "a value did not fit its column: declare the column's limit with \
                     Column::max_bytes so the client is told which attribute"
                );
                StoreError::Rejected(ScimError::InvalidValue(
                    "a value is longer than this service stores".to_owned(),
                ))
            }
            Fail::Db(Error::Database(sqlx::Error::Database(db)))
                if db.is_foreign_key_violation() =>
            {
                StoreError::Rejected(ScimError::InvalidValue(
                    "a resource this one refers to was deleted meanwhile".to_owned(),
                ))
            }
            Fail::Db(Error::Database(
                error @ (sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed),
            )) => {
                tracing::warn!(%error, "the database is unavailable");
                StoreError::Unavailable("the database did not answer; retry later".to_owned())
            }
            Fail::Db(error) if error.is_transient() => {
                tracing::warn!(%error, "a transaction kept conflicting; giving up");
                StoreError::Unavailable(
                    "the resource is being changed by other requests; retry later".to_owned(),
                )
            }
            Fail::Db(error) => StoreError::backend(error),
        }
    }
}

/// Whether the database refused a value for its length: PostgreSQL `22001` (a `varchar(n)`
/// overflow) or `54000` (an index entry over the B-tree limit), MySQL 1406 (data too long)
/// or 1071 (key too long).
fn too_long(error: &dyn sqlx::error::DatabaseError) -> bool {
    let code = error.code();
    if matches!(code.as_deref(), Some("22001" | "54000")) {
        return true;
    }
    #[cfg(feature = "mysql")]
    if let Some(mysql) = error.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
        return matches!(mysql.number(), 1406 | 1071);
    }
    false
}

/// Runs `attempt` (one whole transaction) again while it fails transiently.
pub(crate) async fn retry<T, F, Fut>(attempt: F) -> Result<T, Fail>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, Fail>>,
{
    crate::retry::retrying_with(Fail::is_transient, attempt).await
}

/// Statements on a pool, on one of its connections, or inside a transaction.
pub(crate) trait Exec: Send {
    /// The backend.
    fn backend(&self) -> Backend;
    /// Runs a statement.
    fn run(
        &mut self,
        sql: &str,
        params: &[Datum],
    ) -> impl std::future::Future<Output = Result<u64, Error>> + Send;
    /// Runs a query.
    fn rows(
        &mut self,
        sql: &str,
        params: &[Datum],
        kinds: &[DatumKind],
    ) -> impl std::future::Future<Output = Result<Vec<Vec<Datum>>, Error>> + Send;
}

/// [`Exec`] for a type with inherent `backend`, `execute` and `fetch` of the same shapes.
macro_rules! exec_by_inherent_methods {
    ($($t:ty),*) => {$(
        impl Exec for $t {
            fn backend(&self) -> Backend {
                <$t>::backend(self)
            }
            async fn run(&mut self, sql: &str, params: &[Datum]) -> Result<u64, Error> {
                self.execute(sql, params).await
            }
            async fn rows(
                &mut self,
                sql: &str,
                params: &[Datum],
                kinds: &[DatumKind],
            ) -> Result<Vec<Vec<Datum>>, Error> {
                self.fetch(sql, params, kinds).await
            }
        }
    )*};
}

exec_by_inherent_methods!(Db, Conn, Tx);
