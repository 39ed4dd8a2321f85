//! The cases, each generic over the adapter it runs against.
#![allow(
    clippy::missing_panics_doc,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

pub mod admin;
pub mod authentik;
pub mod bulk;
pub mod entra;
pub mod faults;
pub mod hostile;
pub mod jumpcloud;
pub mod keycloak;
pub mod okta;
pub mod onelogin;
pub mod pingfederate;
pub mod protocol;
pub mod seeds;

/// Calls `$m!($adapter, module::case)` for every case of the suite.
#[doc(hidden)]
#[macro_export]
macro_rules! each_case {
    ($m:path, $adapter:ty) => {
        $m!($adapter, protocol::discovery);
        $m!($adapter, protocol::unauthorized);
        $m!($adapter, protocol::regenerated_token);
        $m!($adapter, protocol::user_lifecycle);
        $m!($adapter, protocol::list_shapes_and_paging);
        $m!($adapter, protocol::tenant_url_forms);
        $m!($adapter, protocol::tenant_in_path);
        $m!($adapter, protocol::bad_requests);
        $m!($adapter, protocol::body_limit);
        $m!($adapter, protocol::concurrent_duplicate_creates);
        $m!($adapter, protocol::concurrent_member_additions);
        $m!($adapter, protocol::concurrent_patches_without_if_match);
        $m!($adapter, protocol::custom_resource_type);
        $m!($adapter, protocol::cursor_pagination);
        $m!($adapter, protocol::me_alias);
        $m!($adapter, hostile::hostile_bodies);
        $m!($adapter, hostile::wrong_types);
        $m!($adapter, hostile::hostile_requests);
        $m!($adapter, hostile::oversized_headers);
        $m!($adapter, hostile::strict_json_and_preconditions);
        $m!($adapter, faults::slow_body_times_out);
        $m!($adapter, faults::client_disconnect_changes_nothing);
        $m!($adapter, faults::unauthenticated_body_is_not_read);
        $m!($adapter, faults::slow_head_is_cut_off);
        $m!($adapter, faults::idle_connection_is_closed);
        $m!($adapter, faults::connections_over_the_cap_wait);
        $m!($adapter, hostile::long_query_is_a_scim_error);
        $m!($adapter, bulk::bulk_users_and_group);
        $m!($adapter, bulk::bulk_thousand_forward_references);
        $m!($adapter, bulk::bulk_errors_and_limits);
        $m!($adapter, entra::entra_default_dialect);
        $m!($adapter, entra::entra_compliant_dialect);
        $m!($adapter, entra::entra_group_patch_no_content);
        $m!($adapter, okta::okta_users);
        $m!($adapter, okta::okta_custom_app_put);
        $m!($adapter, okta::okta_group_push);
        $m!($adapter, authentik::authentik_sync);
        $m!($adapter, onelogin::onelogin_provisioning);
        $m!($adapter, pingfederate::pingfederate_connector);
        $m!($adapter, keycloak::keycloak_plugin);
        $m!($adapter, jumpcloud::jumpcloud_test_connection);
        $m!($adapter, seeds::chalk);
        $m!($adapter, seeds::configcat);
        $m!($adapter, seeds::zulip);
        $m!($adapter, seeds::aptible);
        $m!($adapter, seeds::pulumi);
        $m!($adapter, admin::admin_token_lifecycle);
    };
}
