//! Random requests through `Scim::handle` (the stable counterpart of the `handle` fuzz target,
//! run in CI): each case builds a fresh engine over an `InMemoryStore` seeded with users and
//! groups in two tenants (`fuzz/src/handle.rs`'s `Fixture`) and sends it a short sequence of
//! structured random requests — method × realistic path × query parameters (filters,
//! attributes, sorting, paging) × headers (credentials, `If-Match`/`If-None-Match`, content
//! types) × bodies mixing valid and broken resources, PATCH operations, searches and bulk
//! requests.
//!
//! Every exchange is checked by the fuzz target's own `check_exchange`: no panic (a caught panic
//! is a 500, never allowed); a status the RFC allows for the method; every 4xx/5xx body a SCIM
//! error whose `status` is the HTTP status and whose `scimType` is a defined one; a request
//! answered >= 400 changes nothing (a snapshot of the whole store before and after); a 2xx GET
//! answer validates against the resource's schema.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value,
    clippy::needless_raw_string_hashes
)]

#[allow(dead_code)]
#[path = "../../fuzz/src/fixtures.rs"]
mod fixtures;
#[allow(dead_code)]
#[path = "../../fuzz/src/handle.rs"]
mod handle;

use bytes::Bytes;
use handle::{check_exchange, Fixture, ATTRIBUTES, BODIES, FILTERS, PATHS, TOKEN_T1, TOKEN_T2};
use http::header::HeaderValue;
use http::{Method, Request};
use proptest::prelude::*;
use serde_json::{json, Value};

/// A request before the fixture's ids are filled in.
#[derive(Debug, Clone)]
struct Plan {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    token: Option<&'static str>,
    if_match: Option<Etag>,
    if_none_match: Option<Etag>,
    content_type: Option<&'static str>,
    body: Body,
}

#[derive(Debug, Clone)]
enum Etag {
    /// The ETag a fixture resource was created with (current unless changed).
    Created(usize),
    Any,
    Stale,
}

#[derive(Debug, Clone)]
enum Body {
    None,
    /// A realistic body, with changes.
    Known(usize, Vec<Change>),
    /// A PATCH request built from random operations.
    Patch(Vec<Value>),
    /// Not JSON, or not an object.
    Broken(String),
}

#[derive(Debug, Clone)]
enum Change {
    /// Removes a top-level member (by position).
    Drop(usize),
    /// Sets a top-level member (by position) to a value.
    Set(usize, Value),
    /// Adds a member.
    Add(String, Value),
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        4 => Just(Method::GET),
        3 => Just(Method::POST),
        2 => Just(Method::PUT),
        3 => Just(Method::PATCH),
        2 => Just(Method::DELETE),
        1 => Just(Method::HEAD),
        1 => Just(Method::OPTIONS),
    ]
}

fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::sample::select(PATHS).prop_map(str::to_owned),
        1 => (prop::sample::select(PATHS), "[a-zA-Z0-9/%.?-]{0,8}").prop_map(|(p, tail)| format!("{p}{tail}")),
    ]
}

/// Wrong-typed or odd values for attributes.
fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        Just(json!(1.5)),
        "[a-zA-Z@. ]{0,12}".prop_map(Value::String),
        Just(json!("True")),
        Just(json!("@U1@")),
        Just(json!([])),
        Just(json!([{"value": "x@example.com", "type": "work", "primary": true}])),
        Just(json!([{"value": "@U2@"}, {"value": "@U0@", "display": "B"}])),
        Just(json!({"givenName": "K", "familyName": 3})),
        Just(json!({"value": "@U1@"})),
        Just(json!([{"primary": true, "value": "a"}, {"primary": true, "value": "b"}])),
        Just(json!("2011-05-13T04:42:34Z")),
    ]
}

fn attribute_name() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "userName",
        "active",
        "displayName",
        "name",
        "name.givenName",
        "emails",
        "emails[type eq \"work\"].value",
        "emails[primary eq true]",
        "phoneNumbers",
        "members",
        "members[value eq \"@U0@\"]",
        "members[value eq \"@U1@\" or value eq \"@U2@\"]",
        "groups",
        "id",
        "meta.created",
        "externalId",
        "password",
        "title",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
        "addresses[type eq \"work\"].locality",
        "nonsense",
        "emails[",
        "x509Certificates.value",
    ])
    .prop_map(str::to_owned)
}

fn patch_operation() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec![
            "add", "replace", "remove", "Add", "Replace", "Remove", "copy",
        ]),
        prop::option::of(attribute_name()),
        prop::option::of(value()),
        prop::option::of((attribute_name(), value())),
    )
        .prop_map(|(op, path, value, pathless)| {
            let mut operation = json!({"op": op});
            match (path, pathless) {
                (Some(path), _) => {
                    operation["path"] = json!(path);
                    if let Some(value) = value {
                        operation["value"] = value;
                    }
                }
                (None, Some((key, v))) => operation["value"] = json!({ key: v }),
                (None, None) => {
                    if let Some(value) = value {
                        operation["value"] = value;
                    }
                }
            }
            operation
        })
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        (0usize..16).prop_map(Change::Drop),
        ((0usize..16), value()).prop_map(|(n, v)| Change::Set(n, v)),
        (attribute_name(), value()).prop_map(|(k, v)| Change::Add(k, v)),
    ]
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        3 => Just(Body::None),
        5 => ((0..BODIES.len()), prop::collection::vec(change(), 0..3)).prop_map(|(n, c)| Body::Known(n, c)),
        3 => prop::collection::vec(patch_operation(), 0..4).prop_map(Body::Patch),
        1 => prop::sample::select(vec![
            "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"userName\":",
            "[1,2,3]",
            "\"text\"",
            "null",
            "{}",
            "\u{feff}{\"userName\":\"x\"}",
            "{\"Operations\":\"add\"}",
        ])
        .prop_map(|s| Body::Broken(s.to_owned())),
    ]
}

fn query() -> impl Strategy<Value = Vec<(String, String)>> {
    let param = prop_oneof![
        3 => prop::sample::select(FILTERS).prop_map(|f| ("filter".to_owned(), f.to_owned())),
        1 => "[a-zA-Z. \"()\\[\\]]{0,20}".prop_map(|f| ("filter".to_owned(), f)),
        2 => prop::sample::select(ATTRIBUTES).prop_map(|a| ("attributes".to_owned(), a.to_owned())),
        1 => prop::sample::select(ATTRIBUTES).prop_map(|a| ("excludedAttributes".to_owned(), a.to_owned())),
        2 => prop::sample::select(ATTRIBUTES).prop_map(|a| ("sortBy".to_owned(), a.to_owned())),
        1 => prop::sample::select(vec!["ascending", "descending", "DESCENDING", "up"])
            .prop_map(|o| ("sortOrder".to_owned(), o.to_owned())),
        2 => prop_oneof![Just(-1i64), Just(0), Just(1), Just(2), Just(3), Just(i64::MAX)]
            .prop_map(|n| ("startIndex".to_owned(), n.to_string())),
        2 => prop_oneof![Just(-5i64), Just(0), Just(1), Just(2), Just(1000), Just(i64::MIN)]
            .prop_map(|n| ("count".to_owned(), n.to_string())),
        1 => prop::sample::select(vec!["", "abc", "AAAA"]).prop_map(|c| ("cursor".to_owned(), c.to_owned())),
        1 => Just(("aadOptscim062020".to_owned(), String::new())),
    ];
    prop::collection::vec(param, 0..4)
}

fn etag() -> impl Strategy<Value = Etag> {
    prop_oneof![
        (0usize..6).prop_map(Etag::Created),
        Just(Etag::Any),
        Just(Etag::Stale)
    ]
}

/// Realistic method, path and body combinations (indexes into `BODIES`), so that writes
/// succeed often enough for the properties to be checked on changed stores too.
const COHERENT: &[(&str, &str, &[usize])] = &[
    ("POST", "/Users", &[0, 1, 15]),
    ("POST", "/Groups", &[2, 3]),
    ("PATCH", "/Users/@U0@", &[4, 5, 8, 13, 14]),
    ("PATCH", "/Users/@U1@", &[4, 5, 8, 13]),
    ("PATCH", "/Groups/@G0@", &[6, 7]),
    ("PATCH", "/Groups/@G1@", &[6, 7]),
    ("PUT", "/Users/@U1@", &[9]),
    ("PUT", "/Groups/@G0@", &[10]),
    ("POST", "/Users/.search", &[11]),
    ("POST", "/.search", &[11]),
    ("POST", "/Bulk", &[12]),
    ("DELETE", "/Users/@U2@", &[]),
    ("DELETE", "/Groups/@G1@", &[]),
    ("GET", "/Users/@U0@", &[]),
    ("GET", "/Groups", &[]),
];

fn coherent() -> impl Strategy<Value = (Method, String, Body)> {
    (
        prop::sample::select(COHERENT),
        any::<prop::sample::Index>(),
        prop::collection::vec(change(), 0..2),
        prop::collection::vec(patch_operation(), 1..3),
        0..4u8,
    )
        .prop_map(
            |((method, path, bodies), pick, changes, operations, kind)| {
                let body = if bodies.is_empty() {
                    Body::None
                } else if method == "PATCH" && kind == 0 {
                    Body::Patch(operations)
                } else {
                    Body::Known(*pick.get(bodies), changes)
                };
                (
                    Method::from_bytes(method.as_bytes()).unwrap(),
                    (*path).to_owned(),
                    body,
                )
            },
        )
}

fn plan() -> impl Strategy<Value = Plan> {
    let shape = prop_oneof![
        1 => (method(), path(), body()),
        1 => coherent(),
    ];
    (
        shape,
        query(),
        prop_oneof![8 => Just(Some(TOKEN_T1)), 1 => Just(Some(TOKEN_T2)), 1 => Just(None)],
        prop::option::weighted(0.2, etag()),
        prop::option::weighted(0.1, etag()),
        prop::option::weighted(
            0.15,
            prop::sample::select(vec![
                "application/json",
                "text/plain",
                "application/scim+json; charset=utf-8",
            ]),
        ),
    )
        .prop_map(
            |((method, path, body), query, token, if_match, if_none_match, content_type)| Plan {
                method,
                path,
                query,
                token,
                if_match,
                if_none_match,
                content_type,
                body,
            },
        )
}

impl Plan {
    fn request(&self, fx: &Fixture) -> Option<Request<Bytes>> {
        let mut uri = fx.fill(&self.path);
        if !self.query.is_empty() {
            let mut query = form_urlencoded::Serializer::new(String::new());
            for (key, value) in &self.query {
                query.append_pair(key, &fx.fill(value));
            }
            uri = format!("{uri}?{}", query.finish());
        }
        let body = match &self.body {
            Body::None => None,
            Body::Known(n, changes) => {
                let mut doc: Value = serde_json::from_str(&fx.fill(BODIES[*n])).unwrap();
                let object = doc.as_object_mut().unwrap();
                for change in changes {
                    match change {
                        Change::Drop(i) => {
                            let key = object.keys().nth(i % object.len().max(1)).cloned();
                            if let Some(key) = key {
                                object.shift_remove(&key);
                            }
                        }
                        Change::Set(i, v) => {
                            let key = object.keys().nth(i % object.len().max(1)).cloned();
                            if let Some(key) = key {
                                object.insert(key, serde_json::from_str(&fx.fill(&v.to_string())).unwrap());
                            }
                        }
                        Change::Add(k, v) => {
                            object.insert(fx.fill(k), serde_json::from_str(&fx.fill(&v.to_string())).unwrap());
                        }
                    }
                }
                Some(doc.to_string())
            }
            Body::Patch(operations) => Some(fx.fill(
                &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations})
                    .to_string(),
            )),
            Body::Broken(text) => Some(text.clone()),
        };
        let mut request = Request::builder()
            .method(self.method.clone())
            .uri(uri)
            .header("host", "scim.example.test")
            .body(body.map(Bytes::from).unwrap_or_default())
            .ok()?;
        let headers = request.headers_mut();
        if let Some(token) = self.token {
            headers.insert(
                "authorization",
                HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
            );
        }
        let etag = |e: &Etag| match e {
            Etag::Created(n) => fx.etags[n % fx.etags.len()].clone(),
            Etag::Any => "*".to_owned(),
            Etag::Stale => "W/\"stale\"".to_owned(),
        };
        if let Some(e) = &self.if_match {
            headers.insert("if-match", HeaderValue::from_str(&etag(e)).unwrap());
        }
        if let Some(e) = &self.if_none_match {
            headers.insert("if-none-match", HeaderValue::from_str(&etag(e)).unwrap());
        }
        let has_body = !matches!(self.body, Body::None);
        match self.content_type {
            Some(ct) => {
                headers.insert("content-type", HeaderValue::from_static(ct));
            }
            None if has_body => {
                headers.insert(
                    "content-type",
                    HeaderValue::from_static("application/scim+json"),
                );
            }
            None => {}
        }
        Some(request)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Sequences of random requests keep every property of `check_exchange`.
    #[test]
    fn random_requests_keep_the_protocol(plans in prop::collection::vec(plan(), 1..5)) {
        let fx = Fixture::new();
        for plan in &plans {
            if let Some(request) = plan.request(&fx) {
                check_exchange(&fx, request);
            }
        }
    }
}

/// The generators reach the interesting outcomes: successes of every kind and errors, so the
/// properties above are not checked on 401s only.
#[test]
fn the_generators_reach_successes_and_errors() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut statuses = std::collections::BTreeSet::new();
    for _ in 0..300 {
        let plan = plan().new_tree(&mut runner).unwrap().current();
        let fx = Fixture::new();
        if let Some(request) = plan.request(&fx) {
            statuses.insert(check_exchange(&fx, request).0);
        }
    }
    for status in [200, 201, 204, 400, 401, 404, 409] {
        assert!(
            statuses.contains(&status),
            "no {status} in 300 requests: {statuses:?}"
        );
    }
}
