//! The discovery endpoints (RFC 7644 §4): `/ServiceProviderConfig`, `/Schemas`,
//! `/ResourceTypes`, generated from the engine's configuration so they only advertise what
//! works.

use std::sync::Arc;

use serde_json::{json, Value};

use crate::auth::AuthenticationScheme;
use crate::engine::builder::Settings;
use crate::error::ScimError;
use crate::schema::{Mutability, ResourceType, Schema};

/// The URN of `/ServiceProviderConfig`.
pub const SERVICE_PROVIDER_CONFIG_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
/// The URN of a list response.
pub const LIST_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// The `/ServiceProviderConfig` document.
pub(crate) fn service_provider_config(
    settings: &Settings,
    resource_types: &[Arc<ResourceType>],
    schemes: &[AuthenticationScheme],
    base: &str,
) -> Value {
    let change_password = settings.change_password
        && resource_types.iter().any(|rt| {
            rt.schema
                .get("password")
                .is_some_and(|a| a.mutability == Mutability::WriteOnly)
        });
    let bulk = settings.bulk.map_or_else(
        || json!({ "supported": false, "maxOperations": 0, "maxPayloadSize": 0 }),
        |limits| {
            json!({
                "supported": true,
                "maxOperations": limits.max_operations,
                "maxPayloadSize": limits.max_payload_size,
            })
        },
    );
    json!({
        "schemas": [SERVICE_PROVIDER_CONFIG_SCHEMA],
        "patch": { "supported": true },
        "bulk": bulk,
        "filter": { "supported": true, "maxResults": settings.max_page_size },
        "changePassword": { "supported": change_password },
        "sort": { "supported": true },
        "pagination": {
            "cursor": true,
            "index": true,
            "defaultPaginationMethod": "index",
            "defaultPageSize": settings.default_page_size,
            "maxPageSize": settings.max_page_size,
            "cursorTimeout": settings.cursor_timeout.as_secs(),
        },
        "etag": { "supported": true },
        "authenticationSchemes": schemes,
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{base}/ServiceProviderConfig"),
        },
    })
}

/// Every schema the resource types use, each once, core schemas first.
fn schemas(resource_types: &[Arc<ResourceType>]) -> Vec<&Schema> {
    let mut out: Vec<&Schema> = Vec::new();
    let all = resource_types.iter().map(|rt| &*rt.schema).chain(
        resource_types
            .iter()
            .flat_map(|rt| rt.extensions.iter().map(|e| &*e.schema)),
    );
    for schema in all {
        if !out.iter().any(|s| s.id.eq_ignore_ascii_case(&schema.id)) {
            out.push(schema);
        }
    }
    out
}

/// `/Schemas` as a list response.
pub(crate) fn schema_list(resource_types: &[Arc<ResourceType>], base: &str) -> Value {
    let resources: Vec<Value> = schemas(resource_types)
        .into_iter()
        .map(|s| s.to_json(Some(&format!("{base}/Schemas/{}", s.id))))
        .collect();
    list(resources)
}

/// `/Schemas/{id}`.
pub(crate) fn schema(
    resource_types: &[Arc<ResourceType>],
    id: &str,
    base: &str,
) -> Result<Value, ScimError> {
    schemas(resource_types)
        .into_iter()
        .find(|s| s.id.eq_ignore_ascii_case(id))
        .map(|s| s.to_json(Some(&format!("{base}/Schemas/{}", s.id))))
        .ok_or_else(|| ScimError::NotFound(format!("no schema \"{id}\" is served here")))
}

/// `/ResourceTypes` as a list response.
pub(crate) fn resource_type_list(resource_types: &[Arc<ResourceType>], base: &str) -> Value {
    let resources: Vec<Value> = resource_types
        .iter()
        .map(|rt| rt.to_json(Some(&format!("{base}/ResourceTypes/{}", rt.name))))
        .collect();
    list(resources)
}

/// `/ResourceTypes/{name}`.
pub(crate) fn resource_type(
    resource_types: &[Arc<ResourceType>],
    name: &str,
    base: &str,
) -> Result<Value, ScimError> {
    resource_types
        .iter()
        .find(|rt| rt.name.eq_ignore_ascii_case(name))
        .map(|rt| rt.to_json(Some(&format!("{base}/ResourceTypes/{}", rt.name))))
        .ok_or_else(|| ScimError::NotFound(format!("no resource type \"{name}\" is served here")))
}

/// A complete (unpaged) list response.
#[allow(clippy::needless_pass_by_value)] // moved into the json! body
fn list(resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": resources.len(),
        "startIndex": 1,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}
