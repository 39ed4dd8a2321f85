//! The conformance suite against `scimkit-axum` over `example-postgres`'s store (scimkit-sql's
//! `SqlStore` over the app's own tables, without a column for the rest), on a real
//! PostgreSQL (`DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/test`). Each case's
//! server gets its own schema, dropped when the case ends. Without a reachable server every
//! case fails saying how to start one.
//!
//! The store keeps only what its tables map (what it declares in `ResourceStore::keeps`); the
//! Entra cases send the enterprise extension and Zulip's Entra half sends `name.formatted`,
//! and assert on them only where the backend keeps them (`Adapter::keeps`), so those cases
//! run here too.
//!
//! The cases that reach a store (`store_cases!`): not `protocol::custom_resource_type` (a
//! host-defined `Device` type; this store has tables for Users and Groups only, and refuses other
//! types), nor the transport cases, which no store sees.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value,
    clippy::needless_raw_string_hashes
)]

use std::sync::{Arc, OnceLock};

use example_postgres::mapping::user_type;
use example_postgres::test_db::TestDb;
use scim_conformance::harness::{declares, Backend, TestStore, With};
use scim_conformance::servers::Axum;
use scimkit_core::schema::ResourceType;
use scimkit_core::ResourceStore;

/// What the store declares it keeps of Users and Groups, learnt from the first store opened.
static KEPT: OnceLock<Vec<String>> = OnceLock::new();

/// example-postgres's store in a fresh schema per server.
struct Postgres;

impl Backend for Postgres {
    async fn open() -> TestStore {
        let db = TestDb::fresh("conformance")
            .await
            .unwrap_or_else(|error| panic!("{error}"));
        KEPT.get_or_init(|| {
            [user_type(), ResourceType::group()]
                .iter()
                .flat_map(|rt| db.store.keeps(rt).names().unwrap_or_default().to_vec())
                .collect()
        });
        TestStore {
            store: Arc::new(db.store.clone()),
            guard: Some(Arc::new(db)),
        }
    }

    /// What the store declares it keeps (`role` too: the User type of example-postgres has it,
    /// as the seeds give it).
    fn keeps(attribute: &str) -> bool {
        let kept = KEPT.get().map(Vec::as_slice).unwrap_or_default();
        declares(kept.iter().map(String::as_str), attribute)
    }
}

scim_conformance::store_cases!(With<Axum, Postgres>);
