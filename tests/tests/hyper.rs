//! The conformance suite against `scimkit-core`'s `ScimService` served straight from hyper
//! (`servers::Hyper`: no web framework).
//!
//! Every case runs but `faults::connections_over_the_cap_wait`: a connection cap is a property
//! of the accept loop, not of the service, and the suite's hyper server does not copy the one
//! `scimkit_axum::serve` implements (a semaphore taken before each accept). The header timeout
//! is hyper's own connection setting, so the slow-head and idle-connection cases run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use scim_conformance::servers::Hyper;

scim_conformance::cases!(Hyper;
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
    protocol::custom_resource_type,
    protocol::cursor_pagination,
    protocol::me_alias,
    hostile::hostile_bodies,
    hostile::wrong_types,
    hostile::hostile_requests,
    hostile::oversized_headers,
    hostile::strict_json_and_preconditions,
    faults::slow_body_times_out,
    faults::client_disconnect_changes_nothing,
    faults::unauthenticated_body_is_not_read,
    faults::slow_head_is_cut_off,
    faults::idle_connection_is_closed,
    hostile::long_query_is_a_scim_error,
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
