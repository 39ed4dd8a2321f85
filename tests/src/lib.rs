//! The conformance suite: one set of HTTP cases, written once, run against a real server of
//! each adapter on an ephemeral loopback port with a real HTTP client.
//!
//! Each adapter's test file (`tests/axum.rs`, `tests/actix.rs`) is one line:
//! `scim_conformance::suite!(scim_conformance::servers::Axum);`, which makes one `#[tokio::test]`
//! per case. A case starts its own server (fresh store, fresh tokens) through the
//! [`harness::Adapter`] trait, so cases never share state. The store is the in-memory one,
//! or another [`harness::Backend`] with `harness::With<Adapter, Backend>`:
//! `tests/postgres.rs` runs the cases that only use what `example-postgres`'s store maps,
//! each in its own PostgreSQL schema.

// This crate is a test suite: a failed expectation is a panic with the response in the message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::missing_panics_doc,
    clippy::many_single_char_names,
    clippy::return_self_not_must_use
)]

pub mod cases;
pub mod catalogue;
pub mod harness;
pub mod remote;
pub mod servers;
pub mod sql;
pub mod tool;

/// One `#[tokio::test]` per conformance case, against the adapter `$adapter`.
#[macro_export]
macro_rules! suite {
    ($adapter:ty) => {
        $crate::each_case!($crate::run_case, $adapter);
    };
}

/// One `#[tokio::test]` per listed case, against `$adapter` (typically
/// `harness::With<servers::Axum, SomeBackend>` for a backend that runs only some cases):
/// `scim_conformance::cases!(With<Axum, Postgres>; protocol::user_lifecycle, okta::okta_users);`
#[macro_export]
macro_rules! cases {
    ($adapter:ty; $($module:ident :: $case:ident),+ $(,)?) => {
        $( $crate::run_case!($adapter, $module :: $case); )+
    };
}

/// One `#[tokio::test]` per case that reaches a store, against `$adapter` (a
/// `harness::With<servers::Axum, SomeBackend>` over a store keeping Users and Groups): every
/// case but the host-defined resource type and the transport cases (slow, idle and capped
/// connections, which no store sees).
#[macro_export]
macro_rules! store_cases {
    ($adapter:ty) => {
        $crate::cases!($adapter;
            protocol::discovery,
            protocol::unauthorized,
            protocol::regenerated_token,
            protocol::user_lifecycle,
            protocol::list_shapes_and_paging,
            protocol::tenant_url_forms,
            protocol::tenant_in_path,
            protocol::bad_requests,
            protocol::body_limit,
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
            faults::client_disconnect_changes_nothing,
            bulk::bulk_users_and_group,
            bulk::bulk_thousand_forward_references,
            bulk::bulk_errors_and_limits,
            entra::entra_default_dialect,
            entra::entra_compliant_dialect,
            entra::entra_group_patch_no_content,
            okta::okta_users,
            okta::okta_custom_app_put,
            okta::okta_group_push,
            authentik::authentik_sync,
            onelogin::onelogin_provisioning,
            pingfederate::pingfederate_connector,
            keycloak::keycloak_plugin,
            jumpcloud::jumpcloud_test_connection,
            seeds::chalk,
            seeds::configcat,
            seeds::zulip,
            seeds::aptible,
            seeds::pulumi,
        );
    };
}

/// Expands `$m!(adapter, case)` for every case.
#[doc(hidden)]
#[macro_export]
macro_rules! run_case {
    ($adapter:ty, $module:ident :: $case:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $case() {
            $crate::cases::$module::$case::<$adapter>().await;
        }
    };
}
