//! The whole conformance suite against `scimkit-axum` over `example-sqlite`'s `SqliteStore`, each
//! server on its own SQLite file in the temporary directory (removed when the case ends).
//! SqliteStore keeps every attribute of every resource type, so every case runs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use example_sqlite::SqliteStore;
use scim_conformance::harness::{Backend, TestStore, With};
use scim_conformance::servers::Axum;

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

/// `SqliteStore` on a fresh file per server.
struct Sqlite;

impl Backend for Sqlite {
    async fn open() -> TestStore {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "scim-conformance-{}-{}.db",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let guard = TempDb(path.clone());
        let store = SqliteStore::open(&format!("sqlite://{}", path.display()))
            .await
            .unwrap_or_else(|error| panic!("opening {}: {error}", path.display()));
        TestStore {
            store: Arc::new(store),
            guard: Some(Arc::new(guard)),
        }
    }
}

scim_conformance::suite!(With<Axum, Sqlite>);
