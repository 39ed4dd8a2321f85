//! Opening the database: the URL forms accepted, scimkit-sql's migration and the app's
//! tables, and the store.

use scimkit_sql::store::{BuildError, SqlStore};
use scimkit_sql::{migrations, shared_cursor_key, Db};

use crate::{schema, tables};

/// The database URLs [`open`] and [`connect`] take.
pub const ACCEPTED_URLS: &str =
    "sqlite://PATH or sqlite:PATH (the file is created if missing), or sqlite::memory:";

/// Why the store could not open.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// The URL does not name a SQLite database.
    #[error("not a SQLite database URL (scheme {scheme:?}): use {ACCEPTED_URLS}")]
    NotSqlite {
        /// The URL's scheme (at most 32 characters of it; the rest of the URL, which may hold
        /// a password, is not repeated).
        scheme: String,
    },
    /// SQLite refused: the file cannot be opened or created, the URL's options are invalid,
    /// or a table could not be created.
    #[error(transparent)]
    Database(#[from] scimkit_sql::Error),
    /// The table declarations do not fit the resource types (a mistake in [`crate::tables`]).
    #[error("the tables do not fit the resource types: {0}")]
    Tables(#[from] BuildError),
}

/// Connects to the SQLite database at `url` (one of [`ACCEPTED_URLS`]) and creates what is
/// missing of scimkit-sql's tables (tokens, settings) and the app's ([`schema`]).
///
/// The database is opened as scimkit-sql's [`Db::connect`] opens it: a file in WAL mode
/// (readers never wait for the writer), foreign keys enforced, a busy timeout, a pool of
/// connections; an in-memory database (`sqlite::memory:`) with a connection kept open for as
/// long as the pool lives.
pub async fn connect(url: &str) -> Result<Db, OpenError> {
    let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
    if !scheme.eq_ignore_ascii_case("sqlite") {
        return Err(OpenError::NotSqlite {
            scheme: scheme.chars().take(32).collect(),
        });
    }
    let db = Db::connect(url).await?;
    migrations::run(&db).await?;
    schema::create(&db).await?;
    Ok(db)
}

/// [`connect`]s to `url` and builds the store over the app's tables ([`tables::builder`]),
/// its cursors sealed with the key kept in the database ([`shared_cursor_key`]), so a cursor
/// stays valid after a restart and in every process on the file. Returns the database too,
/// for [`scimkit_sql::SqlTokens`] and the engine's cursor key.
pub async fn open(url: &str) -> Result<(Db, SqlStore), OpenError> {
    let db = connect(url).await?;
    let store = tables::builder(&db)
        .cursor_key(shared_cursor_key(&db).await?)
        .build()?;
    Ok((db, store))
}
