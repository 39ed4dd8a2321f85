//! The store test kit on `AppStore`: every contract check, then the stress run through the
//! engine (16 clients on a 4-thread runtime, ending with 32 concurrent PATCHes on one user and
//! one group), and the app over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use example_custom_store::{app, engine, AppStore};
use scimkit_core::prelude::*;
use scimkit_core::testkit::{check_store, stress, StressOptions};

#[tokio::test]
async fn the_store_passes_the_test_kit() {
    let report = check_store(&AppStore::default())
        .await
        .unwrap_or_else(|failure| panic!("{failure}"));
    assert!(report.passed.contains(&"groups"), "{report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_clients_lose_nothing() {
    let tokens = Arc::new(BearerTokens::new());
    let minted = tokens.mint(Tenant::new("acme"), "stress", None).unwrap();
    let scim = engine(tokens, AppStore::default()).unwrap();
    let options = StressOptions::new(minted.token).spawn(|client| {
        Box::pin(async move {
            let _ = tokio::spawn(client).await;
        })
    });
    let report = stress(&scim, &options)
        .await
        .unwrap_or_else(|failure| panic!("{failure}"));
    println!("stress (AppStore, spawned): {report}");
    assert_eq!(report.contended, 32);
}

#[tokio::test]
async fn the_app_serves_scim_beside_its_own_routes() {
    let tokens = Arc::new(BearerTokens::new());
    let minted = tokens.mint(Tenant::new("acme"), "okta", None).unwrap();
    let app = app(engine(tokens, AppStore::default()).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });

    let (status, body) = http(addr, "GET", "/healthz", None, None).await;
    assert_eq!((status, body.as_str()), (200, "ok"));
    let token = Some(minted.token.as_str());
    let user = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen","displayName":"Barbara","title":"Boss"}"#;
    let (status, body) = http(addr, "POST", "/scim/v2/Users", token, Some(user)).await;
    assert_eq!(status, 201, "{body}");
    assert!(body.contains(r#""displayName":"Barbara""#), "{body}");
    assert!(
        !body.contains("title"),
        "an attribute the app does not keep: {body}"
    );
    let (status, body) = http(addr, "GET", "/scim/v2/Schemas", token, None).await;
    assert_eq!(status, 200);
    assert!(!body.contains("enterprise"), "{body}");
}

/// One HTTP/1.1 request over a fresh connection: the status and the body.
async fn http(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let authorization = token.map_or(String::new(), |t| format!("authorization: Bearer {t}\r\n"));
    let body = body.unwrap_or("");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n{authorization}\
         content-type: application/scim+json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}
