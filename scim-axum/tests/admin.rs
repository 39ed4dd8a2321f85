//! `admin_router` over HTTP (through `tower::ServiceExt::oneshot`), nested behind a host's own
//! admin check: mint → list → rotate → revoke, each seen by the SCIM engine sharing the tokens.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use http_body_util::BodyExt;
use scimkit_core::admin::{Admin, UrlTemplate};
use scimkit_core::auth::BearerTokens;
use scimkit_core::{InMemoryStore, Scim};
use serde_json::{json, Value};
use tower::ServiceExt;

/// The host's admin check: a stand-in for its session middleware.
async fn require_admin(request: Request, next: Next) -> Response {
    if request.headers().get("x-admin").is_some_and(|v| v == "yes") {
        next.run(request).await
    } else {
        StatusCode::UNAUTHORIZED.into_response()
    }
}

fn app() -> Router {
    let tokens = Arc::new(BearerTokens::new());
    let scim = Scim::builder()
        .store(InMemoryStore::new())
        .authenticator(Arc::clone(&tokens))
        .build()
        .unwrap();
    let admin = Admin::builder()
        .tokens(tokens)
        .scim_url(UrlTemplate::new("https://app.example.com/scim/v2/{tenant}"))
        .build()
        .unwrap();
    Router::new()
        .nest("/scim/v2/{tenant}", scimkit_axum::router(scim))
        .nest(
            "/admin/scim",
            scimkit_axum::admin_router(admin).layer(middleware::from_fn(require_admin)),
        )
}

async fn send(
    app: &Router,
    method: &str,
    path: &str,
    admin: bool,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(path);
    if admin {
        request = request.header("x-admin", "yes");
    }
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    let request = request
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes: Bytes = response.into_body().collect().await.unwrap().to_bytes();
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    (status, value)
}

async fn scim(app: &Router, token: &str) -> StatusCode {
    let request = Request::get("/scim/v2/acme/Users")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    app.clone().oneshot(request).await.unwrap().status()
}

#[tokio::test]
async fn mint_list_rotate_revoke() {
    let app = app();
    let tokens = "/admin/scim/tenants/acme/tokens";

    // The host's check runs first.
    let (status, _) = send(&app, "GET", tokens, false, None).await;
    assert_eq!(status, 401);
    let (status, _) = send(&app, "POST", tokens, false, Some(json!({"label": "x"}))).await;
    assert_eq!(status, 401);

    let (status, minted) = send(
        &app,
        "POST",
        tokens,
        true,
        Some(json!({"label": "Entra ID"})),
    )
    .await;
    assert_eq!(status, 201, "{minted}");
    assert_eq!(minted["scimUrl"], "https://app.example.com/scim/v2/acme");
    let secret = minted["secret"].as_str().unwrap().to_owned();
    let id = minted["token"]["id"].as_str().unwrap().to_owned();
    assert_eq!(scim(&app, &secret).await, 200);

    let (status, list) = send(&app, "GET", tokens, true, None).await;
    assert_eq!(status, 200);
    assert_eq!(list["tokens"][0]["id"], id.as_str());
    assert!(list["tokens"][0]["lastUsed"].is_string());
    assert!(!list.to_string().contains(&secret));

    let (status, rotated) = send(&app, "POST", &format!("{tokens}/{id}/rotate"), true, None).await;
    assert_eq!(status, 200, "{rotated}");
    let new = rotated["secret"].as_str().unwrap().to_owned();
    assert_eq!(scim(&app, &secret).await, 401);
    assert_eq!(scim(&app, &new).await, 200);

    let (status, _) = send(&app, "DELETE", &format!("{tokens}/{id}"), true, None).await;
    assert_eq!(status, 204);
    assert_eq!(scim(&app, &new).await, 401);

    let (status, summary) = send(&app, "GET", "/admin/scim/tenants/acme", true, None).await;
    assert_eq!(status, 200);
    assert_eq!(summary["tokens"]["total"], 0);
    let (status, _) = send(&app, "GET", "/admin/scim/elsewhere", true, None).await;
    assert_eq!(status, 404);
    let (status, _) = send(&app, "PUT", tokens, true, None).await;
    assert_eq!(status, 405);
}
