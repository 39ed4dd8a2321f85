//! Loads users through `POST /Bulk` into the demo tables of a fresh database and prints the
//! rate, with the engine's batched creates (`ResourceStore::create_many`) and, in the same
//! run, one create at a time (`failOnErrors: 1`, which keeps every run of creates to one),
//! alternating:
//!
//! `cargo run --release -p scimkit-sql --example bulk_load -- postgres 10000 1000 3 100000`
//!
//! (backend `postgres`, `mysql` or `sqlite`; users per load; operations per request; rounds;
//! users preloaded by SQL and analyzed first, PostgreSQL only). Servers as for the tests
//! (`DATABASE_URL`, `MYSQL_URL`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_precision_loss,
    missing_docs
)]

use std::time::Instant;

use bytes::Bytes;
use http::{Method, Request};
use scimkit_core::auth::{AuthError, AuthRequest};
use scimkit_core::engine::BulkLimits;
use scimkit_core::{Caller, Context, Scim, Tenant};
use scimkit_sql::testkit::demo;
use scimkit_sql::{Backend, Datum};
use serde_json::{json, Value};

fn user(name: &str, n: usize) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "userName": format!("{name}@contoso.com"),
        "externalId": format!("00aa{n:08}-{name}"),
        "active": true,
        "displayName": format!("User {name}"),
        "name": {"givenName": "User", "familyName": name},
        "emails": [{"value": format!("{name}@contoso.com"), "type": "work", "primary": true}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales"}
    })
}

/// Loads `users` users named `<prefix><n>` in requests of `per_request`; users per second.
async fn load(scim: &Scim, prefix: &str, users: usize, per_request: usize, batched: bool) -> f64 {
    let started = Instant::now();
    for chunk in (0..users).collect::<Vec<_>>().chunks(per_request) {
        let operations: Vec<Value> = chunk
            .iter()
            .map(|&n| {
                let name = format!("{prefix}{n}");
                json!({"method": "POST", "path": "/Users", "bulkId": name, "data": user(&name, n)})
            })
            .collect();
        let mut body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
                              "Operations": operations});
        if !batched {
            body["failOnErrors"] = json!(1);
        }
        let request = Request::builder()
            .method(Method::POST)
            .uri("http://localhost/Bulk")
            .header("content-type", "application/scim+json")
            .body(Bytes::from(body.to_string()))
            .unwrap();
        let response = scim.handle(request).await;
        assert_eq!(response.status().as_u16(), 200);
        let answer: Value = serde_json::from_slice(response.body()).unwrap();
        for op in answer["Operations"].as_array().unwrap() {
            assert_eq!(op["status"], "201", "{op}");
        }
    }
    users as f64 / started.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let backend = match args.get(1).map(String::as_str) {
        Some("mysql") => Backend::MySql,
        Some("sqlite") => Backend::Sqlite,
        _ => Backend::Postgres,
    };
    let arg =
        |n: usize, default: usize| args.get(n).and_then(|a| a.parse().ok()).unwrap_or(default);
    let (users, per_request, rounds, preload) =
        (arg(2, 10_000), arg(3, 1000), arg(4, 3), arg(5, 0));
    let (test, store) = demo::fresh(backend, "bulk_load").await.unwrap();
    if preload > 0 && backend == Backend::Postgres {
        test.db
            .execute(
                "INSERT INTO accounts (id, tenant, email, display_name, external_id, is_active, \
                 version, created_at, updated_at) SELECT gen_random_uuid(), 't', \
                 'seed' || g || '@example.com', 'Seed ' || g, 'seed-' || g, true, 1, now(), now() \
                 FROM generate_series(1, $1) g",
                &[Datum::Integer(Some(i64::try_from(preload).unwrap()))],
            )
            .await
            .unwrap();
        test.db.execute("ANALYZE", &[]).await.unwrap();
    }
    let scim = Scim::builder()
        .store(store)
        .authenticator(|_: &AuthRequest<'_>| -> Result<Context, AuthError> {
            Ok(Context::new(Tenant::new("t"), Caller::new("c")))
        })
        .bulk(BulkLimits {
            max_operations: 1000,
            max_payload_size: 4 << 20,
        })
        .build()
        .unwrap();
    let mut ratios = Vec::new();
    for round in 0..rounds {
        let batched = load(&scim, &format!("b{round}-"), users, per_request, true).await;
        let single = load(&scim, &format!("s{round}-"), users, per_request, false).await;
        println!(
            "{backend} round {round}: batched {batched:.0} users/s, one at a time {single:.0} users/s: {:.1}x",
            batched / single
        );
        ratios.push(batched / single);
    }
    ratios.sort_by(f64::total_cmp);
    println!(
        "{backend}: batched / one at a time, median {:.1}x (range {:.1}-{:.1}x), {users} users per load, {per_request} per request",
        ratios[ratios.len() / 2],
        ratios[0],
        ratios[ratios.len() - 1]
    );
    test.remove().await.unwrap();
}
