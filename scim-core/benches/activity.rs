//! What the activity log costs a request: the same requests through two engines over equal
//! in-memory stores (10 000 Entra-shaped users), one without an activity log and one with an
//! `InMemoryActivityLog`, in the same run. Each pair's ratio is the log's cost: a user's
//! deactivation and reactivation (two PATCHes, whose attribute names the log keeps), Entra's
//! `POST /Users`, a `GET /Users/{id}`, and a refused request (a `401`). Both engines are built
//! before any measurement, the one with the log first.

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::cell::Cell;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use http::{Method, Request, StatusCode};
use scimkit_core::activity::InMemoryActivityLog;
use scimkit_core::auth::{AuthError, AuthRequest};
use scimkit_core::context::{Caller, Context, Tenant};
use scimkit_core::engine::PatchResponse;
use scimkit_core::{InMemoryStore, Scim};
use serde_json::{json, Value};

const USERS: usize = 10_000;
const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn auth(req: &AuthRequest<'_>) -> Result<Context, AuthError> {
    match req.bearer_token() {
        Some("bench") => Ok(Context::new(Tenant::new("t"), Caller::new("bench"))),
        _ => Err(AuthError::Unauthorized("token".into())),
    }
}

fn request(method: Method, uri: &str, token: &str, body: Option<&Value>) -> Request<Bytes> {
    let bytes = body.map_or_else(Bytes::new, |b| Bytes::from(serde_json::to_vec(b).unwrap()));
    Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/scim+json")
        .header("user-agent", "Microsoft Entra ID provisioning")
        .body(bytes)
        .unwrap()
}

fn entra_user(login: &str) -> Value {
    json!({
        "schemas": [USER, ENTERPRISE],
        "externalId": format!("0a21f0f2-8d2a-4f8e-bf98-{login}"),
        "userName": format!("{login}@contoso.com"),
        "active": true,
        "emails": [{"primary": true, "type": "work", "value": format!("{login}@contoso.com")}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": format!("Ann {login}"), "familyName": login, "givenName": "Ann"},
        "roles": [],
    })
}

/// An engine over `USERS` users, with or without a log; a user's id.
fn engine(rt: &tokio::runtime::Runtime, logged: bool) -> (Scim, String) {
    let mut builder = Scim::builder()
        .store(InMemoryStore::new())
        .authenticator(auth)
        .patch_response(PatchResponse::NoContent);
    if logged {
        // Served at the root, so the refusals' tenant is set here (a single-tenant host).
        builder = builder
            .shared_activity_log(Arc::new(InMemoryActivityLog::default()))
            .activity_tenant(Tenant::new("t"));
    }
    let scim = builder.build().unwrap();
    let mut last = String::new();
    rt.block_on(async {
        for n in 0..USERS {
            let response = scim
                .handle(request(
                    Method::POST,
                    "/Users",
                    "bench",
                    Some(&entra_user(&format!("user{n}"))),
                ))
                .await;
            assert_eq!(response.status(), StatusCode::CREATED);
            let created: Value = serde_json::from_slice(response.body()).unwrap();
            created["id"].as_str().unwrap().clone_into(&mut last);
        }
    });
    (scim, last)
}

fn activity(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let logged = engine(&rt, true);
    let plain = engine(&rt, false);
    let engines = [("no_log", plain), ("in_memory_log", logged)];
    let deactivate = json!({"schemas": [PATCH],
        "Operations": [{"op": "Replace", "path": "active", "value": "False"}]});
    let reactivate = json!({"schemas": [PATCH],
        "Operations": [{"op": "Replace", "path": "active", "value": "True"}]});

    let mut g = c.benchmark_group("activity");
    g.measurement_time(Duration::from_secs(4)).sample_size(40);
    for (label, (scim, id)) in &engines {
        let uri = format!("/Users/{id}");
        g.bench_function(format!("patch_user_active/{label}"), |b| {
            b.iter(|| {
                let r = rt.block_on(scim.handle(request(
                    Method::PATCH,
                    &uri,
                    "bench",
                    Some(&deactivate),
                )));
                assert_eq!(r.status(), StatusCode::NO_CONTENT);
                let r = rt.block_on(scim.handle(request(
                    Method::PATCH,
                    &uri,
                    "bench",
                    Some(&reactivate),
                )));
                assert_eq!(r.status(), StatusCode::NO_CONTENT);
            });
        });
        g.bench_function(format!("get_user/{label}"), |b| {
            b.iter_batched(
                || request(Method::GET, &uri, "bench", None),
                |req| {
                    let r = rt.block_on(scim.handle(req));
                    assert_eq!(r.status(), StatusCode::OK);
                },
                BatchSize::SmallInput,
            );
        });
        g.bench_function(format!("refused_401/{label}"), |b| {
            b.iter_batched(
                || request(Method::GET, "/Users", "wrong", None),
                |req| {
                    let r = rt.block_on(scim.handle(req));
                    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
                },
                BatchSize::SmallInput,
            );
        });
    }
    // Creates last: each adds users by the hundred thousand, which would change the heap the
    // other engine's benchmarks run in.
    for (label, (scim, _)) in &engines {
        let next = Cell::new(0_u64);
        g.bench_function(format!("entra_post_user/{label}"), |b| {
            b.iter_batched(
                || {
                    let n = next.get();
                    next.set(n + 1);
                    request(
                        Method::POST,
                        "/Users",
                        "bench",
                        Some(&entra_user(&format!("new{n}"))),
                    )
                },
                |req| {
                    let r = rt.block_on(scim.handle(req));
                    assert_eq!(r.status(), StatusCode::CREATED);
                },
                BatchSize::SmallInput,
            );
        });
    }
    g.finish();
}

criterion_group!(benches, activity);
criterion_main!(benches);
