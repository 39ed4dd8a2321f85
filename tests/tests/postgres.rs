//! The conformance suite against `scimkit-axum` over `example-postgres`'s `PgStore`, on a real
//! PostgreSQL (`DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/test`). Each case's
//! server gets its own schema, dropped when the case ends. Without a reachable server every
//! case fails saying how to start one.
//!
//! PgStore keeps only what its tables map (what it declares in `ResourceStore::keeps`); the Entra cases send the enterprise
//! extension and Zulip's Entra half sends `name.formatted`, and assert on them only where the
//! backend keeps them (`Adapter::keeps`), so those cases run here too.
//!
//! Not run here: `protocol::custom_resource_type` (a host-defined `Device` type; this store
//! keeps Users and Groups, and refuses other types with `400 invalidValue`).
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

scim_conformance::cases!(With<Axum, Postgres>;
    protocol::discovery,
    protocol::unauthorized,
    protocol::user_lifecycle,
    protocol::list_shapes_and_paging,
    protocol::tenant_url_forms,
    protocol::tenant_in_path,
    protocol::bad_requests,
    protocol::concurrent_duplicate_creates,
    protocol::concurrent_member_additions,
    protocol::concurrent_patches_without_if_match,
    protocol::cursor_pagination,
    protocol::me_alias,
    hostile::hostile_bodies,
    hostile::wrong_types,
    hostile::hostile_requests,
    hostile::oversized_headers,
    hostile::strict_json_and_preconditions,
    bulk::bulk_users_and_group,
    bulk::bulk_thousand_forward_references,
    bulk::bulk_errors_and_limits,
    entra::entra_default_dialect,
    entra::entra_compliant_dialect,
    entra::entra_group_patch_no_content,
    okta::okta_users,
    okta::okta_custom_app_put,
    okta::okta_group_push,
    seeds::chalk,
    seeds::configcat,
    seeds::zulip,
    seeds::aptible,
    seeds::pulumi,
);
