//! The whole conformance suite against `scimkit-axum` over example-sqlite: scimkit-sql's
//! `SqlStore` on the app's own SQLite tables (`accounts` and `teams`, each with a JSON column
//! for what has no column of its own, `account_emails`, `team_memberships`) plus the host's
//! `devices` table for the `Device` type, each server on a file of its own in the temporary
//! directory (removed when the case ends).
//!
//! Unlike `sql_sqlite.rs` (the demo tables of scimkit-sql's test kit, Users and Groups only),
//! these tables keep every attribute and serve `Device`, the host-defined type of
//! `protocol::custom_resource_type`, so every case runs (`suite!`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use example_sqlite::{devices, tables};
use scim_conformance::harness::{Backend, TestStore, With};
use scim_conformance::servers::Axum;
use scimkit_sql::store::SqlStore;

/// Removes a test database file and its WAL companions.
struct TempDb(PathBuf);

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

/// example-sqlite's tables and `devices` on a fresh file per server.
struct ExampleSqlite;

impl Backend for ExampleSqlite {
    async fn open() -> TestStore {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "scim-conformance-{}-{}.db",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let guard = TempDb(path.clone());
        let url = format!("sqlite://{}", path.display());
        let store = store(&url)
            .await
            .unwrap_or_else(|error| panic!("opening {url}: {error}"));
        TestStore {
            store: Arc::new(store),
            guard: Some(Arc::new(guard)),
        }
    }
}

/// The store over example-sqlite's tables and `devices` in the file of `url`.
async fn store(url: &str) -> Result<SqlStore, Box<dyn std::error::Error + Send + Sync>> {
    let db = example_sqlite::connect(url).await?;
    devices::create(&db).await?;
    let key = scimkit_sql::shared_cursor_key(&db).await?;
    Ok(devices::add(tables::builder(&db)).cursor_key(key).build()?)
}

scim_conformance::suite!(With<Axum, ExampleSqlite>);
