//! The check of the `validate` target, shared with `scim-core/tests/fuzz_corpus.rs`.
//!
//! Arbitrary bytes, if they are JSON, go through what a POST or PUT body goes through — the
//! compat layer (or not), `Resource::from_json`, `validate` in create and replace mode with
//! unknown attributes rejected or ignored — for User (with EnterpriseUser) and Group.
//!
//! Properties: nothing panics; every error is a client error (4xx) whose JSON body carries its
//! status; an accepted resource has the core schema in `schemas`, survives its own JSON round
//! trip, and validates again unchanged as a replace of itself (validation is idempotent).

#![allow(clippy::panic)]

use std::sync::LazyLock;

use scimkit_core::compat::{normalize_resource, CompatOptions};
use scimkit_core::schema::ResourceType;
use scimkit_core::validate::{validate, Mode, UnknownAttributes, ValidationOptions};
use scimkit_core::{Resource, ScimError};
use serde_json::Value;

use super::fixtures;

static TYPES: LazyLock<Vec<(ResourceType, Resource)>> = LazyLock::new(fixtures::resource_types);

/// Asserts that `error` is a client error with a well-formed body.
pub fn assert_client_error(error: &ScimError, what: &str) {
    let status = error.status();
    assert!(
        (400..500).contains(&status),
        "{what}: a {status} error for client input: {error:?}"
    );
    let body = error.to_json();
    assert_eq!(
        body.get("status").and_then(Value::as_str),
        Some(status.to_string().as_str()),
        "{what}: error body {body}"
    );
}

/// Arbitrary bytes as a POST/PUT body.
pub fn check_validate(data: &[u8]) {
    let Ok(json) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    for (rt, existing) in TYPES.iter() {
        let mut normalized = json.clone();
        normalize_resource(rt, &mut normalized, &CompatOptions::default());
        for body in [&json, &normalized] {
            let input = match Resource::from_json(body.clone()) {
                Ok(input) => input,
                Err(e) => {
                    assert_client_error(&e, "Resource::from_json");
                    continue;
                }
            };
            for unknown in [UnknownAttributes::Reject, UnknownAttributes::Ignore] {
                let options = ValidationOptions {
                    unknown_attributes: unknown,
                };
                for mode in [Mode::Create, Mode::Replace { existing }] {
                    check_one(rt, input.clone(), mode, &options);
                }
            }
        }
    }
}

fn check_one(rt: &ResourceType, input: Resource, mode: Mode<'_>, options: &ValidationOptions) {
    let what = format!("{} {mode:?}", rt.name);
    let out = match validate(rt, input, mode, options) {
        Ok(out) => out,
        Err(e) => return assert_client_error(&e, &what),
    };
    assert!(
        out.schemas.iter().any(|s| *s == rt.schema.id),
        "{what}: accepted without the core schema: {:?}",
        out.schemas
    );
    let round_trip = Resource::from_json(out.to_json())
        .unwrap_or_else(|e| panic!("{what}: accepted resource does not read back: {e}"));
    assert_eq!(
        round_trip, out,
        "{what}: JSON round trip changed the resource"
    );
    match validate(rt, out.clone(), Mode::Replace { existing: &out }, options) {
        Ok(again) => assert_eq!(again, out, "{what}: validating the result again changed it"),
        Err(e) => panic!("{what}: the validated resource fails validation again: {e:?}\n{out:?}"),
    }
}
