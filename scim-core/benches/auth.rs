//! `BearerTokens::authenticate_at` with 1 000 stored tokens: a failure must take the same time
//! whatever its reason. Compare, in one run, an unknown token (the baseline), a
//! token one character off a stored one, an expired token, a token of another tenant, and,
//! for scale, an accepted token.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use chrono::{Duration, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use http::{HeaderMap, HeaderValue, Method};
use scimkit_core::auth::{AuthRequest, BearerTokens};
use scimkit_core::context::Tenant;

fn headers(token: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        http::header::AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    headers
}

fn bench(c: &mut Criterion) {
    let tokens = BearerTokens::new();
    for n in 0..1_000 {
        tokens
            .mint(Tenant::new(format!("tenant{n}")), "idp", None)
            .unwrap();
    }
    let valid = tokens.mint(Tenant::new("acme"), "idp", None).unwrap().token;
    let expired = tokens
        .mint(
            Tenant::new("acme"),
            "old",
            Some(Utc::now() - Duration::hours(1)),
        )
        .unwrap()
        .token;
    let mut near = valid.clone().into_bytes();
    if let Some(last) = near.last_mut() {
        *last = if *last == b'A' { b'B' } else { b'A' };
    }
    let near = String::from_utf8(near).unwrap();
    let unknown = "x".repeat(valid.len());

    let method = Method::GET;
    let cases = [
        ("unknown token", unknown.as_str(), Some("acme")),
        ("one character off", near.as_str(), Some("acme")),
        ("expired", expired.as_str(), Some("acme")),
        ("other tenant", valid.as_str(), Some("globex")),
        ("accepted", valid.as_str(), Some("acme")),
    ];
    let mut group = c.benchmark_group("authenticate");
    for (name, token, tenant) in cases {
        let headers = headers(token);
        let request = AuthRequest {
            method: &method,
            path: "/Users",
            headers: &headers,
            tenant,
        };
        let expect_ok = name == "accepted";
        assert_eq!(
            tokens.authenticate_at(&request, Utc::now()).is_ok(),
            expect_ok,
            "{name}"
        );
        let now = Utc::now();
        group.bench_function(name, |b| {
            b.iter(|| black_box(tokens.authenticate_at(black_box(&request), now)).is_ok());
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
