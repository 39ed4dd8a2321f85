//! `Scim::handle` end to end on the in-memory store (Entra-shaped users with enterprise
//! attributes): the userName lookup identity providers
//! make before every create, `GET /Users/{id}` and a filter no index answers (a scan), at
//! 100 000 users, a user's deactivation and reactivation (the generic PATCH: read, apply,
//! conditional replace), and a one-member change to groups of 1 000 and 100 000 members (the
//! two should cost the same), and Entra's own writes: `POST /Users` of its create body and its
//! member add and remove on a group of 10. `GET /ServiceProviderConfig`, the engine's
//! fixed cost (routing, authentication, a JSON body), is the baseline in the same run.

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::cell::Cell;
use std::time::Duration;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion};
use http::{Method, Request, StatusCode};
use scimkit_core::auth::{AuthError, AuthRequest};
use scimkit_core::context::{Caller, Context, Tenant};
use scimkit_core::engine::PatchResponse;
use scimkit_core::{InMemoryStore, Scim};
use serde_json::{json, Value};

const USERS: usize = 100_000;
/// Entra ID maps `employeeNumber`, `department` and `manager` into the enterprise extension.
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn auth(req: &AuthRequest<'_>) -> Result<Context, AuthError> {
    match req.bearer_token() {
        Some("bench") => Ok(Context::new(Tenant::new("t"), Caller::new("bench"))),
        _ => Err(AuthError::Unauthorized("token".into())),
    }
}

fn request(method: Method, uri: &str, body: Option<&Value>) -> Request<Bytes> {
    let bytes = body.map_or_else(Bytes::new, |b| Bytes::from(serde_json::to_vec(b).unwrap()));
    Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", "Bearer bench")
        .header("content-type", "application/scim+json")
        .body(bytes)
        .unwrap()
}

async fn post(scim: &Scim, uri: &str, body: &Value) -> String {
    let response = scim.handle(request(Method::POST, uri, Some(body))).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = serde_json::from_slice(response.body()).unwrap();
    created["id"].as_str().unwrap().to_owned()
}

/// An Entra ID create body, `login` before `@contoso.com`.
fn entra_user(login: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "externalId": format!("0a21f0f2-8d2a-4f8e-bf98-{login}"),
        "userName": format!("{login}@contoso.com"),
        "active": true,
        "emails": [{"primary": true, "type": "work", "value": format!("{login}@contoso.com")}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": format!("Ann {login}"), "familyName": login, "givenName": "Ann"},
        "roles": [],
    })
}

fn handle(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let scim = Scim::builder()
        .store(InMemoryStore::new())
        .authenticator(auth)
        .patch_response(PatchResponse::NoContent)
        .max_body_bytes(64 << 20)
        .build()
        .unwrap();

    let ids: Vec<String> = rt.block_on(async {
        let mut ids = Vec::with_capacity(USERS);
        for n in 0..USERS {
            let body = json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
                "userName": format!("user{n}@example.com"),
                "externalId": format!("ext-{n}"),
                "active": true,
                "emails": [{"value": format!("user{n}@example.com"), "type": "work", "primary": true}],
                ENTERPRISE: {
                    "employeeNumber": format!("{n}"),
                    "department": "Sales",
                    "manager": {"value": format!("manager-{}", n % 100)},
                },
            });
            ids.push(post(&scim, "/Users", &body).await);
        }
        ids
    });
    let group = |size: usize| -> Value {
        let members: Vec<Value> = ids
            .iter()
            .take(size)
            .map(|id| json!({"value": id}))
            .collect();
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": format!("group of {size}"),
            "members": members,
        })
    };
    let small = rt.block_on(post(&scim, "/Groups", &group(1_000)));
    let large = rt.block_on(post(&scim, "/Groups", &group(USERS - 1)));
    // The member added and removed: in neither group.
    let extra = ids.last().unwrap().clone();
    let add = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": "members", "value": [{"value": extra}]}]});
    let remove = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "remove", "path": format!("members[value eq \"{extra}\"]")}]});

    let mut g = c.benchmark_group("handle");
    g.measurement_time(Duration::from_secs(4)).sample_size(30);
    g.bench_function("baseline_service_provider_config", |b| {
        b.iter(|| {
            let r = rt.block_on(scim.handle(request(Method::GET, "/ServiceProviderConfig", None)));
            assert_eq!(r.status(), StatusCode::OK);
        });
    });
    let lookup = "/Users?filter=userName%20eq%20%22USER77777@example.com%22";
    g.bench_function("userName_lookup_100k_users", |b| {
        b.iter(|| {
            let r = rt.block_on(scim.handle(request(Method::GET, lookup, None)));
            assert_eq!(r.status(), StatusCode::OK);
        });
    });
    let by_id = format!("/Users/{}", ids[77_777]);
    g.bench_function("get_by_id_100k_users", |b| {
        b.iter(|| {
            let r = rt.block_on(scim.handle(request(Method::GET, &by_id, None)));
            assert_eq!(r.status(), StatusCode::OK);
        });
    });
    // Not answered by an index (`sw`): every user is read and the filter tested on it.
    let scan = "/Users?filter=externalId%20sw%20%22ext-7777%22";
    g.bench_function("scan_filter_100k_users", |b| {
        b.iter(|| {
            let r = rt.block_on(scim.handle(request(Method::GET, scan, None)));
            assert_eq!(r.status(), StatusCode::OK);
        });
    });
    // The generic PATCH path (read, apply, conditional replace): Entra's deactivate and
    // reactivate of one user, each a change.
    let user_uri = format!("/Users/{}", ids[55_555]);
    let deactivate = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "active", "value": "False"}]});
    let reactivate = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "active", "value": "True"}]});
    g.bench_function("patch_user_active_100k_users", |b| {
        b.iter(|| {
            let r = rt.block_on(scim.handle(request(Method::PATCH, &user_uri, Some(&deactivate))));
            assert_eq!(r.status(), StatusCode::NO_CONTENT);
            let r = rt.block_on(scim.handle(request(Method::PATCH, &user_uri, Some(&reactivate))));
            assert_eq!(r.status(), StatusCode::NO_CONTENT);
        });
    });
    for (label, gid) in [
        ("member_add_remove_group_1k", &small),
        ("member_add_remove_group_100k", &large),
    ] {
        let uri = format!("/Groups/{gid}");
        g.bench_function(label, |b| {
            b.iter(|| {
                let r = rt.block_on(scim.handle(request(Method::PATCH, &uri, Some(&add))));
                assert_eq!(r.status(), StatusCode::NO_CONTENT);
                let r = rt.block_on(scim.handle(request(Method::PATCH, &uri, Some(&remove))));
                assert_eq!(r.status(), StatusCode::NO_CONTENT);
            });
        });
    }
    // Entra's dialect: a member added and removed by value on a group of 10.
    let ten = rt.block_on(post(&scim, "/Groups", &group(10)));
    let ten_uri = format!("/Groups/{ten}");
    let entra_member = |op: &str| {
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": op, "path": "members", "value": [{"value": extra}]}]})
    };
    let (entra_add, entra_remove) = (entra_member("Add"), entra_member("Remove"));
    g.bench_function("entra_member_add_remove_group_10", |b| {
        b.iter(|| {
            let r = rt.block_on(scim.handle(request(Method::PATCH, &ten_uri, Some(&entra_add))));
            assert_eq!(r.status(), StatusCode::NO_CONTENT);
            let r = rt.block_on(scim.handle(request(Method::PATCH, &ten_uri, Some(&entra_remove))));
            assert_eq!(r.status(), StatusCode::NO_CONTENT);
        });
    });
    // A new user each time (`new0`, `new1`…): the Entra create body, request built outside.
    let next_login = Cell::new(0u64);
    g.bench_function("entra_post_user_100k_users", |b| {
        b.iter_batched(
            || {
                let n = next_login.get();
                next_login.set(n + 1);
                request(
                    Method::POST,
                    "/Users",
                    Some(&entra_user(&format!("new{n}"))),
                )
            },
            |req| {
                let r = rt.block_on(scim.handle(req));
                assert_eq!(r.status(), StatusCode::CREATED);
            },
            criterion::BatchSize::SmallInput,
        );
    });
    g.finish();
}

criterion_group!(benches, handle);
criterion_main!(benches);
