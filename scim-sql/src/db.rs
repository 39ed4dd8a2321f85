//! [`Db`]: a connection pool of any enabled backend, and [`Tx`], a transaction on one, running
//! statements with [`Datum`] parameters and reading rows as [`Datum`]s of declared kinds.
//!
//! Everything above this module is written once for all databases: it builds SQL text with the
//! backend's [`scimkit_core::sql::Dialect`] and runs it here.

use std::time::Duration;

use sqlx::Row as _;

use crate::backend::Backend;
use crate::datum::{Datum, DatumKind};
use crate::error::Error;

/// A pool of connections to one database. Cloning is cheap (the pool is shared).
///
/// ```no_run
/// # async fn run() -> Result<(), scimkit_sql::Error> {
/// use scimkit_sql::{Datum, DatumKind, Db};
///
/// let db = Db::connect("sqlite://scim.db").await?;
/// let rows = db.fetch("SELECT 1 + ?", &[Datum::Integer(Some(1))], &[DatumKind::Integer]).await?;
/// assert_eq!(rows, [vec![Datum::Integer(Some(2))]]);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Db {
    /// PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(sqlx::PgPool),
    /// SQLite.
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::SqlitePool),
    /// MySQL or MariaDB.
    #[cfg(feature = "mysql")]
    MySql(sqlx::MySqlPool),
}

#[cfg(not(any(feature = "postgres", feature = "sqlite", feature = "mysql")))]
compile_error!("scimkit-sql needs at least one of its features `postgres`, `sqlite`, `mysql`");

/// How many connections [`Db::connect`] opens at most.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 10;

/// How long [`Db::connect`]'s pool waits for a free connection before failing a request.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Binds every parameter to a sqlx query of any database.
macro_rules! bind_all {
    ($query:expr, $params:expr) => {{
        let mut query = $query;
        for param in $params {
            query = match param {
                Datum::Text(v) => query.bind(v.clone()),
                Datum::Integer(v) => query.bind(*v),
                Datum::Real(v) => query.bind(*v),
                Datum::Bool(v) => query.bind(*v),
                Datum::Timestamp(v) => query.bind(*v),
            };
        }
        query
    }};
}

/// Runs statement `$sql` with `$params` on connection `$conn` (any database's), returning
/// the number of rows it changed.
macro_rules! execute_on {
    ($conn:expr, $sql:expr, $params:expr) => {
        bind_all!(sqlx::query($sql), $params)
            .execute($conn)
            .await?
            .rows_affected()
    };
}

/// Runs query `$sql` with `$params` on connection `$conn`, reading each row as `$kinds`.
macro_rules! fetch_on {
    ($conn:expr, $sql:expr, $params:expr, $kinds:expr) => {{
        let rows = bind_all!(sqlx::query($sql), $params)
            .fetch_all($conn)
            .await?;
        read_rows!(rows, $kinds)
    }};
}

/// Reads column `$i` of `$row` as `$kind`, accepting the narrower types a host's table may
/// use (`integer` for an integer, `real` for a float, `timestamp` without time zone).
macro_rules! read_column {
    ($row:expr, $i:expr, $kind:expr) => {{
        let row = $row;
        let i = $i;
        match $kind {
            // MySQL marks text of a binary collation (`utf8mb4_bin`) as binary: read its bytes.
            DatumKind::Text => Datum::Text(match row.try_get::<Option<String>, _>(i) {
                Ok(v) => v,
                Err(_) => match row.try_get::<Option<Vec<u8>>, _>(i)? {
                    Some(bytes) => Some(
                        String::from_utf8(bytes).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                    ),
                    None => None,
                },
            }),
            DatumKind::Integer => Datum::Integer(match row.try_get::<Option<i64>, _>(i) {
                Ok(v) => v,
                Err(_) => match row.try_get::<Option<i32>, _>(i) {
                    Ok(v) => v.map(i64::from),
                    Err(_) => row.try_get::<Option<i16>, _>(i)?.map(i64::from),
                },
            }),
            DatumKind::Real => Datum::Real(match row.try_get::<Option<f64>, _>(i) {
                Ok(v) => v,
                Err(_) => row.try_get::<Option<f32>, _>(i)?.map(f64::from),
            }),
            DatumKind::Bool => Datum::Bool(match row.try_get::<Option<bool>, _>(i) {
                Ok(v) => v,
                Err(_) => row.try_get::<Option<i64>, _>(i)?.map(|n| n != 0),
            }),
            DatumKind::Timestamp => Datum::Timestamp(
                match row.try_get::<Option<chrono::DateTime<chrono::Utc>>, _>(i) {
                    Ok(v) => v,
                    Err(_) => row
                        .try_get::<Option<chrono::NaiveDateTime>, _>(i)?
                        .map(|at| at.and_utc()),
                },
            ),
        }
    }};
}

/// Reads every row as `kinds` (one per selected column, in order).
macro_rules! read_rows {
    ($rows:expr, $kinds:expr) => {{
        let kinds: &[DatumKind] = $kinds;
        let mut out = Vec::with_capacity($rows.len());
        for row in &$rows {
            let mut values = Vec::with_capacity(kinds.len());
            for (i, kind) in kinds.iter().enumerate() {
                values.push(read_column!(row, i, *kind));
            }
            out.push(values);
        }
        out
    }};
}

impl Db {
    /// Connects to `url` (see [`Backend::from_url`]) with a pool of at most
    /// [`DEFAULT_MAX_CONNECTIONS`]. A SQLite file is created when missing and opened in WAL
    /// mode with foreign keys enforced; an in-memory SQLite database (`sqlite::memory:`, or
    /// `mode=memory`) keeps one connection open for as long as the pool lives, since the
    /// database goes with its last connection.
    pub async fn connect(url: &str) -> Result<Db, Error> {
        Db::connect_with(url, DEFAULT_MAX_CONNECTIONS).await
    }

    /// [`Db::connect`] with at most `max_connections` connections.
    pub async fn connect_with(url: &str, max_connections: u32) -> Result<Db, Error> {
        let backend = Backend::from_url(url)?;
        match backend {
            #[cfg(feature = "postgres")]
            Backend::Postgres => Ok(Db::Postgres(
                sqlx::postgres::PgPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .connect(url)
                    .await?,
            )),
            #[cfg(feature = "sqlite")]
            Backend::Sqlite => {
                use std::str::FromStr as _;
                let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)?
                    .create_if_missing(true)
                    .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                    .foreign_keys(true)
                    .busy_timeout(ACQUIRE_TIMEOUT);
                let pool = sqlx::sqlite::SqlitePoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(ACQUIRE_TIMEOUT);
                // An in-memory database lives as long as a connection to it: one stays open,
                // never closed for idleness or age, while the pool lives.
                let pool = if url.contains(":memory:") || url.contains("mode=memory") {
                    pool.min_connections(1)
                        .idle_timeout(None)
                        .max_lifetime(None)
                } else {
                    pool
                };
                Ok(Db::Sqlite(pool.connect_with(options).await?))
            }
            #[cfg(feature = "mysql")]
            Backend::MySql => {
                use std::str::FromStr as _;
                // sqlx's MySQL driver does not know the mariadb:// scheme.
                let url = match url.split_once("://") {
                    Some((scheme, rest)) if scheme.eq_ignore_ascii_case("mariadb") => {
                        format!("mysql://{rest}")
                    }
                    _ => url.to_owned(),
                };
                let options = sqlx::mysql::MySqlConnectOptions::from_str(&url)?;
                Ok(Db::MySql(
                    sqlx::mysql::MySqlPoolOptions::new()
                        .max_connections(max_connections)
                        .acquire_timeout(ACQUIRE_TIMEOUT)
                        .connect_with(options)
                        .await?,
                ))
            }
            #[allow(unreachable_patterns)]
            other => Err(Error::NotEnabled(other)),
        }
    }

    /// Its backend.
    pub fn backend(&self) -> Backend {
        match self {
            #[cfg(feature = "postgres")]
            Db::Postgres(_) => Backend::Postgres,
            #[cfg(feature = "sqlite")]
            Db::Sqlite(_) => Backend::Sqlite,
            #[cfg(feature = "mysql")]
            Db::MySql(_) => Backend::MySql,
        }
    }

    /// Runs a statement, returning the number of rows it changed.
    pub async fn execute(&self, sql: &str, params: &[Datum]) -> Result<u64, Error> {
        Ok(match self {
            #[cfg(feature = "postgres")]
            Db::Postgres(pool) => bind_all!(sqlx::query(sql), params)
                .execute(pool)
                .await?
                .rows_affected(),
            #[cfg(feature = "sqlite")]
            Db::Sqlite(pool) => bind_all!(sqlx::query(sql), params)
                .execute(pool)
                .await?
                .rows_affected(),
            #[cfg(feature = "mysql")]
            Db::MySql(pool) => bind_all!(sqlx::query(sql), params)
                .execute(pool)
                .await?
                .rows_affected(),
        })
    }

    /// Runs a query, reading each row's columns as `kinds`.
    pub async fn fetch(
        &self,
        sql: &str,
        params: &[Datum],
        kinds: &[DatumKind],
    ) -> Result<Vec<Vec<Datum>>, Error> {
        Ok(match self {
            #[cfg(feature = "postgres")]
            Db::Postgres(pool) => {
                let rows = bind_all!(sqlx::query(sql), params).fetch_all(pool).await?;
                read_rows!(rows, kinds)
            }
            #[cfg(feature = "sqlite")]
            Db::Sqlite(pool) => {
                let rows = bind_all!(sqlx::query(sql), params).fetch_all(pool).await?;
                read_rows!(rows, kinds)
            }
            #[cfg(feature = "mysql")]
            Db::MySql(pool) => {
                let rows = bind_all!(sqlx::query(sql), params).fetch_all(pool).await?;
                read_rows!(rows, kinds)
            }
        })
    }

    /// Starts a write transaction. In SQLite it is `BEGIN IMMEDIATE`: it takes the database's
    /// one write lock at once (waiting up to the busy timeout), so a transaction that reads
    /// before it writes is never refused when its snapshot turns out stale.
    pub async fn begin(&self) -> Result<Tx, Error> {
        Ok(match self {
            #[cfg(feature = "postgres")]
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
            #[cfg(feature = "sqlite")]
            Db::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            #[cfg(feature = "mysql")]
            Db::MySql(pool) => Tx::MySql(pool.begin().await?),
        })
    }

    /// One connection of the pool, for several statements in a row (checked once, where
    /// each statement sent to the pool takes and checks a connection of its own).
    pub(crate) async fn acquire(&self) -> Result<Conn, Error> {
        Ok(match self {
            #[cfg(feature = "postgres")]
            Db::Postgres(pool) => Conn::Postgres(pool.acquire().await?),
            #[cfg(feature = "sqlite")]
            Db::Sqlite(pool) => Conn::Sqlite(pool.acquire().await?),
            #[cfg(feature = "mysql")]
            Db::MySql(pool) => Conn::MySql(pool.acquire().await?),
        })
    }

    /// Closes every connection of the pool (waiting for those in use).
    pub async fn close(&self) {
        match self {
            #[cfg(feature = "postgres")]
            Db::Postgres(pool) => pool.close().await,
            #[cfg(feature = "sqlite")]
            Db::Sqlite(pool) => pool.close().await,
            #[cfg(feature = "mysql")]
            Db::MySql(pool) => pool.close().await,
        }
    }
}

#[cfg(feature = "postgres")]
impl From<sqlx::PgPool> for Db {
    fn from(pool: sqlx::PgPool) -> Self {
        Db::Postgres(pool)
    }
}

#[cfg(feature = "sqlite")]
impl From<sqlx::SqlitePool> for Db {
    fn from(pool: sqlx::SqlitePool) -> Self {
        Db::Sqlite(pool)
    }
}

#[cfg(feature = "mysql")]
impl From<sqlx::MySqlPool> for Db {
    fn from(pool: sqlx::MySqlPool) -> Self {
        Db::MySql(pool)
    }
}

/// A transaction on a [`Db`]: rolled back when dropped without [`Tx::commit`].
#[derive(Debug)]
#[non_exhaustive]
pub enum Tx {
    /// PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
    /// SQLite.
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    /// MySQL or MariaDB.
    #[cfg(feature = "mysql")]
    MySql(sqlx::Transaction<'static, sqlx::MySql>),
}

impl Tx {
    /// Its backend.
    pub fn backend(&self) -> Backend {
        match self {
            #[cfg(feature = "postgres")]
            Tx::Postgres(_) => Backend::Postgres,
            #[cfg(feature = "sqlite")]
            Tx::Sqlite(_) => Backend::Sqlite,
            #[cfg(feature = "mysql")]
            Tx::MySql(_) => Backend::MySql,
        }
    }

    /// Runs a statement, returning the number of rows it changed.
    pub async fn execute(&mut self, sql: &str, params: &[Datum]) -> Result<u64, Error> {
        Ok(match self {
            #[cfg(feature = "postgres")]
            Tx::Postgres(tx) => execute_on!(&mut **tx, sql, params),
            #[cfg(feature = "sqlite")]
            Tx::Sqlite(tx) => execute_on!(&mut **tx, sql, params),
            #[cfg(feature = "mysql")]
            Tx::MySql(tx) => execute_on!(&mut **tx, sql, params),
        })
    }

    /// Runs a query, reading each row's columns as `kinds`.
    pub async fn fetch(
        &mut self,
        sql: &str,
        params: &[Datum],
        kinds: &[DatumKind],
    ) -> Result<Vec<Vec<Datum>>, Error> {
        Ok(match self {
            #[cfg(feature = "postgres")]
            Tx::Postgres(tx) => fetch_on!(&mut **tx, sql, params, kinds),
            #[cfg(feature = "sqlite")]
            Tx::Sqlite(tx) => fetch_on!(&mut **tx, sql, params, kinds),
            #[cfg(feature = "mysql")]
            Tx::MySql(tx) => fetch_on!(&mut **tx, sql, params, kinds),
        })
    }

    /// Commits.
    pub async fn commit(self) -> Result<(), Error> {
        match self {
            #[cfg(feature = "postgres")]
            Tx::Postgres(tx) => tx.commit().await?,
            #[cfg(feature = "sqlite")]
            Tx::Sqlite(tx) => tx.commit().await?,
            #[cfg(feature = "mysql")]
            Tx::MySql(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

/// A connection taken from a [`Db`]'s pool (outside any transaction) and given back when
/// dropped: a read's statements run on it one after another.
#[derive(Debug)]
pub(crate) enum Conn {
    /// PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(sqlx::pool::PoolConnection<sqlx::Postgres>),
    /// SQLite.
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::pool::PoolConnection<sqlx::Sqlite>),
    /// MySQL or MariaDB.
    #[cfg(feature = "mysql")]
    MySql(sqlx::pool::PoolConnection<sqlx::MySql>),
}

impl Conn {
    /// Its backend.
    pub(crate) fn backend(&self) -> Backend {
        match self {
            #[cfg(feature = "postgres")]
            Conn::Postgres(_) => Backend::Postgres,
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(_) => Backend::Sqlite,
            #[cfg(feature = "mysql")]
            Conn::MySql(_) => Backend::MySql,
        }
    }

    /// Runs a statement, returning the number of rows it changed.
    pub(crate) async fn execute(&mut self, sql: &str, params: &[Datum]) -> Result<u64, Error> {
        Ok(match self {
            #[cfg(feature = "postgres")]
            Conn::Postgres(conn) => execute_on!(&mut **conn, sql, params),
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(conn) => execute_on!(&mut **conn, sql, params),
            #[cfg(feature = "mysql")]
            Conn::MySql(conn) => execute_on!(&mut **conn, sql, params),
        })
    }

    /// Runs a query, reading each row's columns as `kinds`.
    pub(crate) async fn fetch(
        &mut self,
        sql: &str,
        params: &[Datum],
        kinds: &[DatumKind],
    ) -> Result<Vec<Vec<Datum>>, Error> {
        Ok(match self {
            #[cfg(feature = "postgres")]
            Conn::Postgres(conn) => fetch_on!(&mut **conn, sql, params, kinds),
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(conn) => fetch_on!(&mut **conn, sql, params, kinds),
            #[cfg(feature = "mysql")]
            Conn::MySql(conn) => fetch_on!(&mut **conn, sql, params, kinds),
        })
    }
}
