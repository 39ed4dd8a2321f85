//! [`Backend`]: which SQL database a URL or a pool speaks, and what follows from it (the
//! translator's dialect, the spelling of the crate's own tables).

use std::fmt;
use std::fmt::Write as _;

use scimkit_core::sql::{Dialect, MySql, Postgres, Sqlite};

use crate::error::Error;

/// A SQL database this crate speaks. Every variant exists whatever features are enabled, so
/// SQL for any of them can be emitted (see [`crate::migrations`]); connecting needs the
/// database's feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// PostgreSQL (12 or later).
    Postgres,
    /// SQLite (3.35 or later).
    Sqlite,
    /// MySQL 8 or MariaDB 10.6 or later.
    MySql,
}

impl Backend {
    /// The backend of a database URL, by its scheme: `postgres://` or `postgresql://`,
    /// `sqlite:`, `mysql://` or `mariadb://`.
    ///
    /// ```
    /// use scimkit_sql::Backend;
    /// assert_eq!(Backend::from_url("postgres://localhost/app")?, Backend::Postgres);
    /// assert_eq!(Backend::from_url("sqlite://scim.db?mode=rwc")?, Backend::Sqlite);
    /// assert_eq!(Backend::from_url("mariadb://root@127.0.0.1/test")?, Backend::MySql);
    /// assert!(Backend::from_url("redis://localhost").is_err());
    /// # Ok::<(), scimkit_sql::Error>(())
    /// ```
    pub fn from_url(url: &str) -> Result<Backend, Error> {
        let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
        match scheme.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            "sqlite" => Ok(Backend::Sqlite),
            "mysql" | "mariadb" => Ok(Backend::MySql),
            _ => Err(Error::UnsupportedUrl {
                scheme: scheme.chars().take(32).collect(),
            }),
        }
    }

    /// The translator's dialect for this database.
    pub fn dialect(self) -> &'static dyn Dialect {
        match self {
            Backend::Postgres => &Postgres,
            Backend::Sqlite => &Sqlite,
            Backend::MySql => &MySql,
        }
    }

    /// The name people know it by.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Postgres => "PostgreSQL",
            Backend::Sqlite => "SQLite",
            Backend::MySql => "MySQL",
        }
    }

    /// Whether this build can connect to it (its feature is enabled).
    pub fn is_enabled(self) -> bool {
        match self {
            Backend::Postgres => cfg!(feature = "postgres"),
            Backend::Sqlite => cfg!(feature = "sqlite"),
            Backend::MySql => cfg!(feature = "mysql"),
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Backend {
    /// One of the crate's own statements, written with `?` placeholders, as this database
    /// takes it (PostgreSQL numbers them `$1`, `$2`, …). The text must hold no `?` but
    /// placeholders.
    pub(crate) fn statement(self, text: &str) -> String {
        if self != Backend::Postgres {
            return text.to_owned();
        }
        let mut out = String::with_capacity(text.len() + text.len() / 4);
        for (n, part) in text.split('?').enumerate() {
            if n > 0 {
                // The Postgres dialect's placeholder, written in place.
                let _ = write!(out, "${n}");
            }
            out.push_str(part);
        }
        out
    }
}
