//! Every case of the suite as the `scim-conformance` tool runs it against a remote server:
//! its suite (an identity provider's flow, the protocol, hostile input…), what it needs from
//! the server beyond a URL and a token, and how to run it.
//!
//! This module lists; it does not run cases (the tool's runner does). A unit test keeps it
//! equal to the suite's own list (`each_case!`).

use std::future::Future;
use std::pin::Pin;

use crate::remote::Remote;

/// What a case needs beyond the endpoint's URL and one token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Nothing: it names what it creates so that other data does not disturb it, and deletes
    /// it afterwards.
    Nothing,
    /// A tenant holding no users and groups when it starts: it counts everything.
    EmptyTenant,
    /// Cooperation a remote server cannot give (the reason): the suite sets the server up
    /// itself, e.g. mints tokens in its token store or lowers its limits.
    Server(&'static str),
}

/// A case's future, generic over nothing: the case run against [`Remote`].
pub type CaseFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// One case.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    /// The suite it belongs to: an identity provider (`entra`, `okta`, `authentik`,
    /// `onelogin`, `pingfederate`, `keycloak`, `jumpcloud`), `vendors` (the vendors' set-up
    /// guides), `protocol`, `hostile`, `bulk`, `transport` or `admin` (scimkit's admin API).
    pub suite: &'static str,
    /// Its name (the function's).
    pub name: &'static str,
    /// What it needs.
    pub needs: Needs,
    /// Runs it against the remote target.
    pub run: fn() -> CaseFuture,
}

/// The suites that are one identity provider's flows.
pub const IDENTITY_PROVIDERS: &[&str] = &[
    "entra",
    "okta",
    "authentik",
    "onelogin",
    "pingfederate",
    "keycloak",
    "jumpcloud",
];

/// Every suite name, in the order the catalogue lists them.
pub const SUITES: &[&str] = &[
    "protocol",
    "hostile",
    "transport",
    "bulk",
    "entra",
    "okta",
    "authentik",
    "onelogin",
    "pingfederate",
    "keycloak",
    "jumpcloud",
    "vendors",
    "admin",
];

const TOKENS: Needs = Needs::Server("mints, rotates or expires tokens in the server's token store");
const SETTINGS: &str = "runs against a server the suite starts with its own settings";
const TRANSPORT: Needs = Needs::Server(
    "measures the connection limits and timeouts the suite gives the server it starts",
);

macro_rules! case {
    ($suite:literal, $module:ident :: $name:ident, $needs:expr) => {
        Case {
            suite: $suite,
            name: stringify!($name),
            needs: $needs,
            run: || Box::pin(crate::cases::$module::$name::<Remote>()),
        }
    };
}

/// Every case, in the order the tool runs them.
pub fn catalogue() -> Vec<Case> {
    use Needs::{EmptyTenant, Nothing, Server};
    vec![
        case!("protocol", protocol::discovery, Nothing),
        case!("protocol", protocol::unauthorized, Nothing),
        case!("protocol", protocol::regenerated_token, TOKENS),
        case!("protocol", protocol::user_lifecycle, Nothing),
        case!("protocol", protocol::list_shapes_and_paging, EmptyTenant),
        case!("protocol", protocol::tenant_url_forms, Nothing),
        case!(
            "protocol",
            protocol::tenant_in_path,
            Server("needs a second tenant and its token, mounted at /scim/v2/{tenant}")
        ),
        case!("protocol", protocol::bad_requests, Nothing),
        case!(
            "protocol",
            protocol::body_limit,
            Server("needs the server's body limit lowered to 4 KiB")
        ),
        case!("protocol", protocol::concurrent_duplicate_creates, Nothing),
        case!("protocol", protocol::concurrent_member_additions, Nothing),
        case!(
            "protocol",
            protocol::concurrent_patches_without_if_match,
            Nothing
        ),
        case!(
            "protocol",
            protocol::custom_resource_type,
            Server("needs the host-defined Device resource type")
        ),
        case!("protocol", protocol::cursor_pagination, EmptyTenant),
        case!(
            "protocol",
            protocol::me_alias,
            Server("needs the token to name its User, for /Me")
        ),
        case!("hostile", hostile::hostile_bodies, Nothing),
        case!("hostile", hostile::wrong_types, Nothing),
        case!("hostile", hostile::hostile_requests, Nothing),
        case!("hostile", hostile::oversized_headers, Nothing),
        case!("hostile", hostile::strict_json_and_preconditions, Nothing),
        case!("hostile", hostile::long_query_is_a_scim_error, Nothing),
        case!("transport", faults::slow_body_times_out, TRANSPORT),
        case!(
            "transport",
            faults::client_disconnect_changes_nothing,
            TRANSPORT
        ),
        case!(
            "transport",
            faults::unauthenticated_body_is_not_read,
            TRANSPORT
        ),
        case!("transport", faults::slow_head_is_cut_off, TRANSPORT),
        case!("transport", faults::idle_connection_is_closed, TRANSPORT),
        case!(
            "transport",
            faults::connections_over_the_cap_wait,
            TRANSPORT
        ),
        case!("bulk", bulk::bulk_users_and_group, Server(SETTINGS)),
        case!("bulk", bulk::bulk_thousand_forward_references, EmptyTenant),
        case!("bulk", bulk::bulk_errors_and_limits, Server(SETTINGS)),
        case!("entra", entra::entra_default_dialect, Nothing),
        case!("entra", entra::entra_compliant_dialect, Nothing),
        case!(
            "entra",
            entra::entra_group_patch_no_content,
            Server("needs the server to answer PATCH with 204")
        ),
        case!("okta", okta::okta_users, EmptyTenant),
        case!("okta", okta::okta_custom_app_put, Nothing),
        case!("okta", okta::okta_group_push, Nothing),
        case!("authentik", authentik::authentik_sync, Nothing),
        case!("onelogin", onelogin::onelogin_provisioning, Nothing),
        case!(
            "pingfederate",
            pingfederate::pingfederate_connector,
            Nothing
        ),
        case!("keycloak", keycloak::keycloak_plugin, Nothing),
        case!("jumpcloud", jumpcloud::jumpcloud_test_connection, Nothing),
        case!("vendors", seeds::chalk, Nothing),
        case!("vendors", seeds::configcat, Nothing),
        case!(
            "vendors",
            seeds::zulip,
            Server("needs the host-declared core `role` attribute")
        ),
        case!("vendors", seeds::aptible, TOKENS),
        case!(
            "vendors",
            seeds::pulumi,
            Server("needs a tenant mounted at /scim/v2/{org} and token regeneration")
        ),
        case!(
            "admin",
            admin::admin_token_lifecycle,
            Server("needs scimkit's admin API, mounted by the suite next to its server")
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::{catalogue, SUITES};

    /// The suite's own list of cases, from `each_case!`.
    fn listed() -> Vec<&'static str> {
        let mut names = Vec::new();
        macro_rules! push {
            ($adapter:ty, $module:ident :: $case:ident) => {
                names.push(stringify!($case));
            };
        }
        crate::each_case!(push, ());
        names
    }

    #[test]
    fn the_catalogue_lists_every_case_once() {
        let mut cataloged: Vec<&str> = catalogue().iter().map(|c| c.name).collect();
        let mut listed = listed();
        cataloged.sort_unstable();
        listed.sort_unstable();
        assert_eq!(cataloged, listed);
    }

    #[test]
    fn every_case_is_in_a_known_suite() {
        for case in catalogue() {
            assert!(
                SUITES.contains(&case.suite),
                "{}: {}",
                case.name,
                case.suite
            );
        }
    }
}
