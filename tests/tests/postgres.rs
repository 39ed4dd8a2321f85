//! The conformance suite against `scimkit-axum` over `example-postgres`'s `PgStore`, on a real
//! PostgreSQL (`DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/test`). Each case's
//! server gets its own schema, dropped when the case ends. Without a reachable server every
//! case fails saying how to start one.
//!
//! PgStore keeps only what its tables map (what it declares in `ResourceStore::keeps`); the Entra cases send the enterprise
//! extension and Zulip's Entra half sends `name.formatted`, and assert on them only where the
//! backend keeps them (`Adapter::keeps`), so those cases run here too.
//!
//! The cases that reach a store (`store_cases!`): not `protocol::custom_resource_type` (a
//! host-defined `Device` type; this store keeps Users and Groups, and refuses other types with
//! `400 invalidValue`), nor the transport cases, which no store sees.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value,
    clippy::needless_raw_string_hashes
)]

use std::sync::Arc;

use example_postgres::test_db::TestDb;
use example_postgres::{GROUP_COLUMNS, USER_COLUMNS};
use scim_conformance::harness::{declares, Backend, TestStore, With};
use scim_conformance::servers::Axum;

/// `PgStore` in a fresh schema per server.
struct Postgres;

impl Backend for Postgres {
    async fn open() -> TestStore {
        let db = TestDb::fresh("conformance")
            .await
            .unwrap_or_else(|error| panic!("{error}"));
        TestStore {
            store: Arc::new(db.store.clone()),
            guard: Some(Arc::new(db)),
        }
    }

    /// What PgStore declares it keeps (`role` where the User type has it, as the seeds give it).
    fn keeps(attribute: &str) -> bool {
        let declared = USER_COLUMNS.iter().chain(GROUP_COLUMNS).copied();
        declares(declared.chain(["role"]), attribute)
    }
}

scim_conformance::store_cases!(With<Axum, Postgres>);
