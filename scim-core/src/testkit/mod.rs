//! The store test kit (feature `testkit`): checks any [`ResourceStore`] against the contract
//! of [`crate::store`], so a backend author sees which contract item broke.
//!
//! [`check_store`] runs every check; each is also a function of its own. Every check works in
//! fresh tenants (a random suffix per run), so the kit can run repeatedly against a persistent
//! database without cleaning up. List checks follow the store's declared
//! [`ResourceStore::push_down`]: what the store does not declare is done here the way the engine
//! does it, so a store that pushes nothing down passes as long as it returns every resource of
//! the tenant and type.
//!
//! The kit only calls the store; it does not own or clean up data, and it must not assume
//! anything the contract does not say (the order of members, the spelling of error details).
//!
//! [`stress`] is different: it drives a whole engine ([`crate::Scim`]) over HTTP-shaped
//! requests with many concurrent clients and checks the final state against what the
//! committed responses imply (no lost update, no duplicate, no lost member).
//!
//! ```
//! use scimkit_core::testkit::check_store;
//! use scimkit_core::InMemoryStore;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let runtime = tokio::runtime::Builder::new_current_thread().build()?;
//! let report = runtime.block_on(check_store(&InMemoryStore::new()))?;
//! assert!(report.passed.contains(&"uniqueness"));
//! # Ok(())
//! # }
//! ```

mod concurrency;
mod groups;
mod isolation;
mod lifecycle;
mod listing;
mod rendered;
mod stress;

use std::fmt::Write as _;

use chrono::Utc;
use serde_json::{json, Value};

use crate::context::{Caller, Context, Tenant};
use crate::engine::contention::WriteTurns;
use crate::engine::patch::{patch_stored, PatchPlan, PatchTarget};
use crate::error::ScimError;
use crate::patch::{PatchOptions, PatchRequest, Patched};
use crate::resource::{Meta, Resource};
use crate::schema::ResourceType;
use crate::store::{ResourceStore, Version};

pub use concurrency::check_concurrent_creates;
pub use groups::check_groups;
pub use isolation::check_tenant_isolation;
pub use lifecycle::{check_create_get, check_delete, check_uniqueness, check_versions};
pub use listing::check_list;
pub use rendered::check_rendered_reads;
pub use stress::{stress, Spawn, StressOptions, StressReport};

/// A contract item the store broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("store check `{check}` failed: {detail}")]
pub struct Failure {
    /// The check that failed (`"uniqueness"`, `"versions"`, …).
    pub check: &'static str,
    /// What was expected and what the store did.
    pub detail: String,
}

/// The checks a store passed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    /// Names of the checks that passed, in the order they ran.
    pub passed: Vec<&'static str>,
}

/// Runs every check, stopping at the first failure.
pub async fn check_store(store: &dyn ResourceStore) -> Result<Report, Failure> {
    let mut report = Report::default();
    check_create_get(store).await?;
    report.passed.push(lifecycle::CREATE_GET);
    check_uniqueness(store).await?;
    report.passed.push(lifecycle::UNIQUENESS);
    check_versions(store).await?;
    report.passed.push(lifecycle::VERSIONS);
    check_delete(store).await?;
    report.passed.push(lifecycle::DELETE);
    check_tenant_isolation(store).await?;
    report.passed.push(isolation::CHECK);
    check_list(store).await?;
    report.passed.push(listing::CHECK);
    check_groups(store).await?;
    report.passed.push(groups::CHECK);
    check_concurrent_creates(store).await?;
    report.passed.push(concurrency::CHECK);
    check_rendered_reads(store).await?;
    report.passed.push(rendered::CHECK);
    Ok(report)
}

fn fail(check: &'static str, detail: impl Into<String>) -> Failure {
    Failure {
        check,
        detail: detail.into(),
    }
}

/// A failure for a store call that should have succeeded.
fn unexpected(check: &'static str, call: &str, error: &impl std::fmt::Debug) -> Failure {
    fail(check, format!("{call} failed: {error:?}"))
}

/// Random hex, for unique tenant and user names.
fn random_suffix() -> String {
    let mut bytes = [0u8; 8];
    // Without randomness the time keeps runs apart well enough.
    if getrandom::fill(&mut bytes).is_err() {
        bytes = Utc::now()
            .timestamp_nanos_opt()
            .unwrap_or_default()
            .to_be_bytes();
    }
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// A context in a fresh tenant.
fn fresh_tenant(label: &str) -> Context {
    Context::new(
        Tenant::new(format!("scimkit-testkit-{label}-{}", random_suffix())),
        Caller::new("scimkit-testkit"),
    )
}

/// A validated-looking resource of `resource_type` from JSON, with `meta` set as the engine
/// sets it.
fn resource(check: &'static str, resource_type: &str, body: Value) -> Result<Resource, Failure> {
    let mut resource = Resource::from_json(body)
        .map_err(|err| fail(check, format!("test data does not parse: {err}")))?;
    resource.meta = Some(Meta::new(resource_type, Utc::now()));
    Ok(resource)
}

fn user(check: &'static str, user_name: &str) -> Result<Resource, Failure> {
    resource(
        check,
        "User",
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": user_name,
            "displayName": format!("Test {user_name}"),
        }),
    )
}

fn group(check: &'static str, name: &str, members: &[&str]) -> Result<Resource, Failure> {
    let members: Vec<Value> = members.iter().map(|id| json!({"value": id})).collect();
    let mut body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": name,
    });
    if !members.is_empty() {
        if let Some(object) = body.as_object_mut() {
            object.insert("members".to_owned(), Value::Array(members));
        }
    }
    resource(check, "Group", body)
}

/// The id of a resource a store returned.
fn id_of(check: &'static str, resource: &Resource) -> Result<String, Failure> {
    resource
        .id
        .clone()
        .filter(|id| !id.is_empty())
        .ok_or_else(|| fail(check, "the store returned a resource without an id"))
}

/// The version of a resource a store returned.
fn version_of(check: &'static str, resource: &Resource) -> Result<Version, Failure> {
    Version::of(resource)
        .ok_or_else(|| fail(check, "the store returned a resource without meta.version"))
}

/// A PATCH request from JSON operations.
fn patch_request(check: &'static str, operations: &Value) -> Result<PatchRequest, Failure> {
    PatchRequest::from_json(json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": operations,
    }))
    .map_err(|err| fail(check, format!("test PATCH does not parse: {err}")))
}

/// A PATCH as the engine applies it to `store` (its member hook when the request only changes
/// members and the store has one, else read → apply → conditional replace), with default
/// options and no response body.
async fn patch(
    store: &dyn ResourceStore,
    ctx: &Context,
    rt: &ResourceType,
    id: &str,
    request: &PatchRequest,
    if_match: Option<&Version>,
) -> Result<Patched, ScimError> {
    let turns = WriteTurns::new(std::time::Duration::from_secs(5));
    let target = PatchTarget {
        ctx,
        rt,
        id,
        if_match,
        with_members: false,
        kept: None,
    };
    let plan = PatchPlan::new(rt, request.clone());
    patch_stored(store, &turns, &target, &plan, &PatchOptions::default()).await
}

/// The string ids in a resource's multi-valued complex attribute (`members`, `groups`).
fn ids_in(resource: &Resource, attribute: &str) -> Vec<String> {
    let mut ids: Vec<String> = resource
        .get(attribute)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item.get("value").and_then(Value::as_str))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}
