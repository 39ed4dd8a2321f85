//! Backends over scimkit-sql's `SqlStore` on the demo tables, one per database: PostgreSQL
//! (`DATABASE_URL`), MariaDB/MySQL (`MYSQL_URL`) and SQLite (a file in the temporary
//! directory), each server in a database of its own, removed when the case ends.

use std::sync::Arc;

use crate::harness::{declares, Backend, TestStore};

/// The demo store in a fresh database of `backend`.
async fn open(backend: scimkit_sql::Backend) -> TestStore {
    let (db, store) = scimkit_sql::testkit::demo::fresh(backend, "conformance")
        .await
        .unwrap_or_else(|error| panic!("{backend}: {error}"));
    TestStore {
        store: Arc::new(store),
        guard: Some(Arc::new(db)),
    }
}

/// What the demo tables keep: everything (attributes without a column go to the JSON column)
/// except the sub-attributes of `emails` that its child table has no column for.
fn keeps(attribute: &str) -> bool {
    let lower = attribute.to_ascii_lowercase();
    if lower == "emails" || lower.starts_with("emails.") || lower.starts_with("emails[") {
        return declares(["emails.value", "emails.type", "emails.primary"], attribute);
    }
    true
}

/// `SqlStore` on PostgreSQL.
#[derive(Debug)]
pub struct SqlPostgres;

impl Backend for SqlPostgres {
    async fn open() -> TestStore {
        open(scimkit_sql::Backend::Postgres).await
    }
    fn keeps(attribute: &str) -> bool {
        keeps(attribute)
    }
}

/// `SqlStore` on MariaDB or MySQL.
#[derive(Debug)]
pub struct SqlMySql;

impl Backend for SqlMySql {
    async fn open() -> TestStore {
        open(scimkit_sql::Backend::MySql).await
    }
    fn keeps(attribute: &str) -> bool {
        keeps(attribute)
    }
}

/// `SqlStore` on SQLite.
#[derive(Debug)]
pub struct SqlSqlite;

impl Backend for SqlSqlite {
    async fn open() -> TestStore {
        open(scimkit_sql::Backend::Sqlite).await
    }
    fn keeps(attribute: &str) -> bool {
        keeps(attribute)
    }
}
