//! The conformance suite against `scimkit-axum` over scimkit-sql's `SqlStore` on the demo
//! tables in SQLite, each server in a database of its own.
//!
//! Not run here: `protocol::custom_resource_type` (a host-defined `Device` type: the demo
//! store declares tables for Users and Groups only), and the transport cases (slow, idle and
//! capped connections), which do not reach a store.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use scim_conformance::harness::With;
use scim_conformance::servers::Axum;
use scim_conformance::sql::SqlSqlite;

scim_conformance::cases!(With<Axum, SqlSqlite>;
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
    seeds::chalk,
    seeds::configcat,
    seeds::zulip,
    seeds::aptible,
    seeds::pulumi,
);
