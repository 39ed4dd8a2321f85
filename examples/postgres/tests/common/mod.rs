//! A fresh, uniquely named schema per test (`example_postgres::test_db`), dropped at the end;
//! bulk seeding with SQL; one HTTP request through the app.
#![allow(dead_code, unused_imports)]

use axum::body::Body;
use axum::Router;
use example_postgres::test_db::TestDb;
use http::{header, Request};
use http_body_util::BodyExt;
use scimkit_sql::Db;
use serde_json::Value;
use tower::ServiceExt;

/// Creates a schema named `scim_<label>_<random>` and a store over it. Fails, with how to
/// start PostgreSQL, when the server is unreachable.
pub async fn fresh(label: &str) -> TestDb {
    TestDb::fresh(label)
        .await
        .unwrap_or_else(|error| panic!("{error}"))
}

/// Inserts `n` accounts of `tenant` (`user<i>@example.com`) and one team `All` holding all of
/// them, with set-based SQL (no request per row); returns the team's id.
pub async fn seed(db: &Db, tenant: &str, n: i64) -> String {
    example_postgres::test_db::seed(db, tenant, n)
        .await
        .unwrap()
}

/// Sends `method uri` (with `token`, and `body` as SCIM JSON) through `app`; the status and
/// the JSON body (`Null` when empty or not JSON).
pub async fn call(
    app: &Router,
    token: &str,
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let builder = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::HOST, "127.0.0.1:8080")
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    let request = match body {
        Some(body) => builder
            .header(header::CONTENT_TYPE, "application/scim+json")
            .body(Body::from(body.to_string())),
        None => builder.body(Body::empty()),
    }
    .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}
