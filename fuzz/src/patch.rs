//! The check of the `patch` target, shared with `scim-core/tests/fuzz_corpus.rs`.
//!
//! Arbitrary bytes, if they are JSON, are a PATCH request body applied to the fixtures' rich
//! user and group: once through the compat layer with the default options (as the engine does),
//! once raw with strict options.
//!
//! Properties: nothing panics; every error is a client error (4xx) with a well-formed body; a
//! parsed request survives its JSON round trip; a result validates again unchanged as a replace
//! of itself, keeps the id, and reports `changed` exactly when it differs from the original;
//! for the group, when the request splits into a [`MemberDelta`], the delta applied to the
//! stored members gives the same member ids as the full PATCH (a store that applies deltas
//! must agree with one that applies the request).

#![allow(clippy::panic)]

use std::collections::BTreeSet;
use std::sync::LazyLock;

use scimkit_core::compat::{normalize_patch, CompatOptions};
use scimkit_core::patch::{apply_patch, MemberDelta, PatchOptions, PatchRequest};
use scimkit_core::resource::typed::Member;
use scimkit_core::schema::ResourceType;
use scimkit_core::validate::{validate, Mode};
use scimkit_core::Resource;
use serde_json::Value;

use super::fixtures;
use super::validate::assert_client_error;

static TYPES: LazyLock<Vec<(ResourceType, Resource)>> = LazyLock::new(fixtures::resource_types);

/// Arbitrary bytes as a PATCH request body.
pub fn check_patch(data: &[u8]) {
    let Ok(json) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    for (rt, current) in TYPES.iter() {
        let compat = CompatOptions::default();
        let mut normalized = json.clone();
        normalize_patch(rt, &mut normalized, &compat);
        check_one(rt, current, normalized, &compat.patch_options());
        check_one(
            rt,
            current,
            json.clone(),
            &CompatOptions::strict().patch_options(),
        );
    }
}

fn check_one(rt: &ResourceType, current: &Resource, body: Value, options: &PatchOptions) {
    let what = format!("{} PATCH", rt.name);
    let request = match PatchRequest::from_json(body) {
        Ok(request) => request,
        Err(e) => return assert_client_error(&e, &what),
    };
    assert_eq!(
        PatchRequest::from_json(request.to_json()).as_ref(),
        Ok(&request),
        "{what}: the request's JSON round trip changed it"
    );
    let outcome = match apply_patch(rt, current, &request, options) {
        Ok(outcome) => outcome,
        Err(e) => return assert_client_error(&e, &what),
    };
    let patched = &outcome.resource;
    assert_eq!(patched.id, current.id, "{what}: the id changed");
    let differs = patched.attributes != current.attributes
        || patched.external_id != current.external_id
        || patched.schemas != current.schemas;
    assert_eq!(outcome.changed, differs, "{what}: `changed` is wrong");
    match validate(
        rt,
        patched.clone(),
        Mode::Replace { existing: patched },
        &options.validation,
    ) {
        Ok(again) => assert_eq!(&again, patched, "{what}: validating the result changed it"),
        Err(e) => panic!("{what}: the PATCH result fails validation: {e:?}\n{patched:?}"),
    }
    if let Some((delta, _rest)) = MemberDelta::extract(rt, &request) {
        let mut members = member_list(current);
        delta.apply_to(&mut members);
        let by_delta: BTreeSet<String> = members.into_iter().map(|m| m.value).collect();
        let by_patch: BTreeSet<String> =
            member_list(patched).into_iter().map(|m| m.value).collect();
        assert_eq!(
            by_delta, by_patch,
            "{what}: the member delta {delta:?} disagrees with the full PATCH"
        );
    }
}

fn member_list(resource: &Resource) -> Vec<Member> {
    resource
        .get("members")
        .cloned()
        .map(serde_json::from_value)
        .transpose()
        .unwrap_or_else(|e| panic!("stored members do not read as members: {e}"))
        .unwrap_or_default()
}
