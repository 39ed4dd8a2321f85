//! [`Error`]: why an operation of this crate failed.

use scimkit_core::auth::TokenError;

use crate::backend::Backend;

/// Why an operation of this crate failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The database URL's scheme names no database this crate speaks.
    #[error(
        "unsupported database URL scheme {scheme:?}: use postgres://, sqlite:, mysql:// or \
         mariadb://"
    )]
    UnsupportedUrl {
        /// The scheme found (at most 32 characters of it).
        scheme: String,
    },
    /// The database is known, but this build was compiled without its feature.
    #[error("this build of scimkit-sql has no {0} driver: enable its feature")]
    NotEnabled(Backend),
    /// The database refused a statement or a connection, or did not answer.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A token could not be minted (see [`TokenError`]).
    #[error(transparent)]
    Token(#[from] TokenError),
    /// Another connection held the migration lock for a minute (an instance stuck in a
    /// migration).
    #[error("another instance held scimkit-sql's migration lock for 60 s; try again")]
    MigrationLocked,
    /// A value given to the crate does not fit its tables.
    #[error("{field}: {detail}")]
    Value {
        /// What the value is (`label`, `tenant`).
        field: &'static str,
        /// Why it does not fit.
        detail: String,
    },
    /// A value the crate keeps in its own tables is not what it wrote (changed by hand, or a
    /// table of the same name belongs to something else).
    #[error("table {table}: {detail}")]
    Corrupt {
        /// The table.
        table: &'static str,
        /// What is wrong.
        detail: String,
    },
}

impl Error {
    /// Whether retrying the whole transaction may succeed: a deadlock, a serialization
    /// failure or a lock wait timeout (PostgreSQL `40P01`/`40001`/`55P03`, MySQL 1213/1205,
    /// SQLite `SQLITE_BUSY`/`SQLITE_LOCKED`).
    pub fn is_transient(&self) -> bool {
        let Error::Database(sqlx::Error::Database(error)) = self else {
            return false;
        };
        let code = error.code();
        let code = code.as_deref().unwrap_or_default();
        #[cfg(feature = "postgres")]
        if error
            .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
            .is_some()
        {
            return matches!(code, "40P01" | "40001" | "55P03");
        }
        #[cfg(feature = "mysql")]
        if let Some(mysql) = error.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
            return matches!(mysql.number(), 1213 | 1205);
        }
        #[cfg(feature = "sqlite")]
        if error
            .try_downcast_ref::<sqlx::sqlite::SqliteError>()
            .is_some()
        {
            // Extended result codes: the primary code is the low byte.
            return code.parse::<u32>().is_ok_and(|n| matches!(n & 0xff, 5 | 6));
        }
        let _ = code;
        false
    }
}
