//! `configure_admin` over HTTP with `actix_web::test`, in a scope behind a host's own admin
//! check: mint → list → rotate → revoke, each seen by the SCIM engine sharing the tokens.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{self, Next};
use actix_web::{test, web, App, HttpResponse};
use scimkit_core::admin::{Admin, UrlTemplate};
use scimkit_core::auth::BearerTokens;
use scimkit_core::{InMemoryStore, Scim};
use serde_json::{json, Value};

/// The host's admin check: a stand-in for its session middleware.
async fn require_admin(
    request: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if request.headers().get("x-admin").is_some_and(|v| v == "yes") {
        next.call(request).await
    } else {
        Ok(request.into_response(HttpResponse::Unauthorized().finish()))
    }
}

async fn json(response: ServiceResponse<impl MessageBody>) -> (u16, Value) {
    let status = response.status().as_u16();
    let bytes = test::read_body(response).await;
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    (status, value)
}

#[actix_web::test]
async fn mint_list_rotate_revoke() {
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
    let app = test::init_service(
        App::new()
            .service(web::scope("/scim/v2/{tenant}").configure(scimkit_actix::configure(scim)))
            .service(
                web::scope("/admin/scim")
                    .wrap(middleware::from_fn(require_admin))
                    .configure(scimkit_actix::configure_admin(admin)),
            ),
    )
    .await;

    let send = |method: &str, path: &str, admin: bool, body: Option<Value>| {
        let mut request = test::TestRequest::default()
            .method(method.parse().unwrap())
            .uri(path);
        if admin {
            request = request.insert_header(("x-admin", "yes"));
        }
        if let Some(body) = body {
            request = request
                .insert_header(("content-type", "application/json"))
                .set_payload(body.to_string());
        }
        request.to_request()
    };
    let scim_get = |token: &str| {
        test::TestRequest::get()
            .uri("/scim/v2/acme/Users")
            .insert_header(("authorization", format!("Bearer {token}")))
            .to_request()
    };
    let tokens = "/admin/scim/tenants/acme/tokens";

    // The host's check runs first.
    let response = test::call_service(&app, send("GET", tokens, false, None)).await;
    assert_eq!(response.status(), 401);

    let (status, minted) = json(
        test::call_service(
            &app,
            send("POST", tokens, true, Some(json!({"label": "Okta"}))),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{minted}");
    assert_eq!(minted["scimUrl"], "https://app.example.com/scim/v2/acme");
    let secret = minted["secret"].as_str().unwrap().to_owned();
    let id = minted["token"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        test::call_service(&app, scim_get(&secret)).await.status(),
        200
    );

    let (status, list) =
        json(test::call_service(&app, send("GET", tokens, true, None)).await).await;
    assert_eq!(status, 200);
    assert_eq!(list["tokens"][0]["id"], id.as_str());
    assert!(list["tokens"][0]["lastUsed"].is_string());
    assert!(!list.to_string().contains(&secret));

    let rotate = format!("{tokens}/{id}/rotate");
    let (status, rotated) =
        json(test::call_service(&app, send("POST", &rotate, true, None)).await).await;
    assert_eq!(status, 200, "{rotated}");
    let new = rotated["secret"].as_str().unwrap().to_owned();
    assert_eq!(
        test::call_service(&app, scim_get(&secret)).await.status(),
        401
    );
    assert_eq!(test::call_service(&app, scim_get(&new)).await.status(), 200);

    let revoke = format!("{tokens}/{id}");
    let response = test::call_service(&app, send("DELETE", &revoke, true, None)).await;
    assert_eq!(response.status(), 204);
    assert_eq!(test::call_service(&app, scim_get(&new)).await.status(), 401);

    let (status, _) =
        json(test::call_service(&app, send("GET", "/admin/scim/nowhere", true, None)).await).await;
    assert_eq!(status, 404);
    let response = test::call_service(&app, send("PUT", tokens, true, None)).await;
    assert_eq!(response.status(), 405);
}
