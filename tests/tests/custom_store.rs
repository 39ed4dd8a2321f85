//! The conformance suite against `scimkit-axum` over `example-custom-store`'s `AppStore` (the
//! "write your own store" template over an app's own structs), a fresh store per server.
//!
//! AppStore keeps only what its `Account` and `Team` structs hold (what it declares in
//! `ResourceStore::keeps`): the cases below use nothing else. Not run here, because
//! they check attributes the app's structs do not hold: `seeds::chalk` (`title`,
//! `name.familyName`), `seeds::configcat` (a group's `externalId`), `seeds::zulip` (`role`),
//! `seeds::pulumi` (`emails[type eq "work"]`), `entra::entra_default_dialect` and
//! `entra::entra_compliant_dialect` (`name`), `okta::okta_custom_app_put` (`name`), and
//! `protocol::custom_resource_type` (a `Device` type: the store keeps accounts and teams).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use example_custom_store::{AppStore, ACCOUNT_FIELDS, TEAM_FIELDS};
use scim_conformance::harness::{declares, Backend, TestStore, With};
use scim_conformance::servers::Axum;

/// A fresh `AppStore` per server.
struct Custom;

impl Backend for Custom {
    async fn open() -> TestStore {
        TestStore {
            store: Arc::new(AppStore::default()),
            guard: None,
        }
    }

    /// What AppStore declares it keeps.
    fn keeps(attribute: &str) -> bool {
        let declared = ACCOUNT_FIELDS.split(' ').chain(TEAM_FIELDS.split(' '));
        declares(declared, attribute)
    }
}

scim_conformance::cases!(With<Axum, Custom>;
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
    faults::slow_body_times_out,
    faults::client_disconnect_changes_nothing,
    faults::unauthenticated_body_is_not_read,
    bulk::bulk_users_and_group,
    bulk::bulk_thousand_forward_references,
    bulk::bulk_errors_and_limits,
    entra::entra_group_patch_no_content,
    okta::okta_users,
    okta::okta_group_push,
    authentik::authentik_sync,
    onelogin::onelogin_provisioning,
    pingfederate::pingfederate_connector,
    keycloak::keycloak_plugin,
    jumpcloud::jumpcloud_test_connection,
    seeds::aptible,
);
