//! Throw-away databases for tests (feature `testkit`): [`TestDb::fresh`] makes a PostgreSQL
//! schema, a MySQL database or a SQLite file of its own, with a URL that reaches only it, so
//! concurrent tests and test runs never see each other's rows; dropping the value removes it.
//!
//! [`explain`] gives the plan a database picks for a statement.
//!
//! [`demo`] holds demo tables (accounts, e-mails, teams, memberships) for each database and the
//! [`crate::store::SqlStore`] over them.
//!
//! Servers come from the environment: `DATABASE_URL` for PostgreSQL (default
//! [`DEFAULT_POSTGRES_URL`]), `MYSQL_URL` for MySQL/MariaDB (default [`DEFAULT_MYSQL_URL`]).
//! SQLite files go to the system's temporary directory.

pub mod demo;
mod explain;

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::backend::Backend;
use crate::db::Db;
use crate::error::Error;

pub use explain::explain;

/// PostgreSQL when `DATABASE_URL` is not set.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// MySQL/MariaDB when `MYSQL_URL` is not set.
pub const DEFAULT_MYSQL_URL: &str = "mysql://root@127.0.0.1:3306/test";

/// The server URL tests use for `backend` (for SQLite, the temporary directory).
pub fn server_url(backend: Backend) -> String {
    match backend {
        Backend::Postgres => {
            std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned())
        }
        Backend::MySql => {
            std::env::var("MYSQL_URL").unwrap_or_else(|_| DEFAULT_MYSQL_URL.to_owned())
        }
        Backend::Sqlite => std::env::temp_dir().display().to_string(),
    }
}

/// A name unique to this process and moment (`scimsql_<label>_<time>_<pid>_<random>`), a
/// plain identifier of at most 63 bytes whatever `label` is.
pub fn unique_name(label: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut random = [0_u8; 4];
    // The clock and the process id already keep names apart; randomness is extra.
    let _ = getrandom::fill(&mut random);
    let mut name = String::from("scimsql_");
    name.extend(
        label
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .map(|c| c.to_ascii_lowercase())
            .take(20),
    );
    let _ = write!(name, "_{:x}_{}_", nanos % (1 << 48), std::process::id());
    for byte in random {
        let _ = write!(name, "{byte:02x}");
    }
    name.truncate(63);
    name
}

/// A database of a test's own.
#[derive(Debug)]
pub struct TestDb {
    /// A pool on it.
    pub db: Db,
    /// A URL reaching it and only it, for another pool or another process (PostgreSQL: the
    /// schema is the connection's `search_path`).
    pub url: String,
    backend: Backend,
    name: String,
    dropped: bool,
}

impl TestDb {
    /// Makes a fresh database for `backend`, named after `label`. Fails with a message saying
    /// how to start the server when none answers.
    pub async fn fresh(backend: Backend, label: &str) -> Result<TestDb, Error> {
        let name = unique_name(label);
        let server = server_url(backend);
        let url = match backend {
            Backend::Postgres => {
                let admin = Db::connect_with(&server, 1)
                    .await
                    .map_err(|e| unreachable(backend, &server, &e))?;
                admin
                    .execute(&format!("CREATE SCHEMA \"{name}\""), &[])
                    .await?;
                admin.close().await;
                let separator = if server.contains('?') { '&' } else { '?' };
                format!("{server}{separator}options=-c%20search_path%3D{name}")
            }
            Backend::MySql => {
                let admin = Db::connect_with(&server, 1)
                    .await
                    .map_err(|e| unreachable(backend, &server, &e))?;
                admin
                    .execute(
                        &format!(
                            "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
                        ),
                        &[],
                    )
                    .await?;
                admin.close().await;
                let base = server
                    .split_once('?')
                    .map_or(server.as_str(), |(base, _)| base);
                let base = base.rsplit_once('/').map_or(base, |(base, _)| base);
                format!("{base}/{name}")
            }
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("{name}.db"));
                format!("sqlite://{}", path.display())
            }
        };
        let db = Db::connect(&url).await?;
        Ok(TestDb {
            db,
            url,
            backend,
            name,
            dropped: false,
        })
    }

    /// Its backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Another pool on the same database: what a second instance of a service has.
    pub async fn connect_again(&self) -> Result<Db, Error> {
        Db::connect(&self.url).await
    }

    /// Closes the pool and removes the database.
    pub async fn remove(mut self) -> Result<(), Error> {
        self.db.close().await;
        self.dropped = true;
        remove(self.backend, &self.name).await
    }
}

impl Drop for TestDb {
    /// A test that failed: remove the database on a runtime of its own, so this works inside
    /// and outside an async context.
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        let (backend, name) = (self.backend, self.name.clone());
        let _ = std::thread::spawn(move || {
            if let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                let _ = runtime.block_on(remove(backend, &name));
            }
        })
        .join();
    }
}

/// Removes test database `name`.
async fn remove(backend: Backend, name: &str) -> Result<(), Error> {
    match backend {
        Backend::Postgres => {
            let admin = Db::connect_with(&server_url(backend), 1).await?;
            admin
                .execute(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"), &[])
                .await?;
            admin.close().await;
        }
        Backend::MySql => {
            let admin = Db::connect_with(&server_url(backend), 1).await?;
            admin
                .execute(&format!("DROP DATABASE IF EXISTS `{name}`"), &[])
                .await?;
            admin.close().await;
        }
        Backend::Sqlite => {
            let base = std::env::temp_dir().join(format!("{name}.db"));
            for suffix in ["", "-wal", "-shm"] {
                let mut path = base.clone().into_os_string();
                path.push(suffix);
                let _ = std::fs::remove_file(path);
            }
        }
    }
    Ok(())
}

/// The error of a server that does not answer, saying how to start one.
fn unreachable(backend: Backend, url: &str, error: &Error) -> Error {
    let env = match backend {
        Backend::Postgres => "DATABASE_URL",
        Backend::MySql => "MYSQL_URL",
        Backend::Sqlite => "",
    };
    Error::Value {
        field: "test database",
        detail: format!(
            "{backend} is unreachable at {url}: {error}. Start one (PostgreSQL with trust auth \
             and a `test` database; MariaDB with root and no password) or set {env}."
        ),
    }
}
