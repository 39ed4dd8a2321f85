//! The data layer's hot paths on an Entra-shaped user: evaluating the lookup filter identity
//! providers send before every create, projecting a full user for a response, and applying a
//! three-operation PATCH. Baselines in the same run (cloning the resource, serialising it) make
//! the figures comparable across noisy machines.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use scimkit_core::evaluate::{CompiledFilter, Strictness};
use scimkit_core::patch::{apply_patch, PatchOptions, PatchRequest};
use scimkit_core::schema::ResourceType;
use scimkit_core::validate::{validate, Mode, ValidationOptions};
use scimkit_core::{Meta, Projection, Resource};
use scimkit_filter::parse_filter;
use serde_json::json;

fn entra_user(rt: &ResourceType) -> Resource {
    let body = json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Test_User_00aa00aa@contoso.com",
        "active": true,
        "displayName": "Ann Lee",
        "title": "Engineer",
        "emails": [{"primary": true, "type": "work", "value": "Test_User_00aa00aa@contoso.com"}],
        "name": {"formatted": "Ann Lee", "familyName": "Lee", "givenName": "Ann"},
        "phoneNumbers": [{"type": "work", "value": "+1 555 0100"}, {"type": "mobile", "value": "+1 555 0101"}],
        "addresses": [{"type": "work", "streetAddress": "1 Microsoft Way", "locality": "Redmond", "region": "WA", "postalCode": "98052", "country": "US"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "701984",
            "department": "Engineering",
            "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}
        }
    });
    let mut user = validate(
        rt,
        Resource::from_json(body).unwrap(),
        Mode::Create,
        &ValidationOptions::default(),
    )
    .unwrap();
    user.id = Some("2819c223-7f76-453a-919d-413861904646".to_owned());
    user.meta = Some(Meta::new("User", chrono::Utc::now()));
    user
}

fn benches(c: &mut Criterion) {
    let rt = ResourceType::user();
    let user = entra_user(&rt);

    c.bench_function("baseline/clone_user", |b| {
        b.iter(|| black_box(&user).clone());
    });
    c.bench_function("baseline/user_to_json", |b| {
        b.iter(|| black_box(&user).to_json());
    });

    let lookup = parse_filter(r#"userName eq "test_user_00aa00aa@CONTOSO.com""#).unwrap();
    let compiled = CompiledFilter::new(&lookup, &rt, Strictness::Strict).unwrap();
    assert!(compiled.matches(&user));
    c.bench_function("evaluate/userName_eq_match", |b| {
        b.iter(|| black_box(&compiled).matches(black_box(&user)));
    });
    c.bench_function("evaluate/compile_userName_eq", |b| {
        b.iter(|| CompiledFilter::new(black_box(&lookup), &rt, Strictness::Strict));
    });
    let value_path =
        parse_filter(r#"emails[type eq "work" and value co "@contoso.com"] and active eq true"#)
            .unwrap();
    let value_path = CompiledFilter::new(&value_path, &rt, Strictness::Strict).unwrap();
    assert!(value_path.matches(&user));
    c.bench_function("evaluate/value_path_match", |b| {
        b.iter(|| black_box(&value_path).matches(black_box(&user)));
    });

    let all = Projection::all();
    c.bench_function("projection/full_user_default", |b| {
        b.iter(|| all.apply(&rt, black_box(&user)));
    });
    let some =
        Projection::from_query(&rt, Some("userName,name.givenName,emails.value"), None).unwrap();
    c.bench_function("projection/three_attributes", |b| {
        b.iter(|| some.apply(&rt, black_box(&user)));
    });

    let request = PatchRequest::from_json(json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "replace", "path": "displayName", "value": "Ann B. Lee"},
            {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "ann@contoso.com"},
            {"op": "replace", "path": "active", "value": false}
        ]
    }))
    .unwrap();
    let options = PatchOptions::default();
    assert!(apply_patch(&rt, &user, &request, &options).unwrap().changed);
    c.bench_function("patch/three_operations", |b| {
        b.iter(|| apply_patch(&rt, black_box(&user), black_box(&request), &options));
    });
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = core;
    config = config();
    targets = benches
}
criterion_main!(core);
