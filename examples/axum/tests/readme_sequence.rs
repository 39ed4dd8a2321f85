//! The example app as README.md uses it: `/healthz`, and the curl sequence (create a user,
//! find it by userName, deactivate it, create a group, add the user) through `oneshot`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value,
    clippy::needless_raw_string_hashes
)]

use axum::body::Body;
use axum::Router;
use example_axum::{app, credentials, engine};
use http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

const TOKEN: &str = "my-long-random-secret";

fn build(token: Option<&str>) -> (Router, String) {
    let creds = credentials(token).unwrap();
    let token = creds.minted.clone().or(token.map(str::to_owned)).unwrap();
    (
        app(engine(creds.tokens, example_host::StoreChoice::Memory).unwrap()),
        token,
    )
}

async fn call(
    app: &Router,
    method: &str,
    uri: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
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
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn healthz_answers_ok_without_a_token() {
    let (app, _) = build(Some(TOKEN));
    let response = app
        .oneshot(Request::get("/healthz").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.into_body().collect().await.unwrap().to_bytes(),
        "ok"
    );
}

#[tokio::test]
async fn only_the_configured_token_is_accepted() {
    let (app, _) = build(Some(TOKEN));
    let (status, _) = call(&app, "GET", "/scim/v2/Users", TOKEN, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = call(&app, "GET", "/scim/v2/Users", "wrong", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["status"], "401");
}

#[tokio::test]
async fn a_minted_token_works() {
    let (app, token) = build(None);
    assert!(token.starts_with("scim_"));
    let (status, _) = call(&app, "GET", "/scim/v2/Users", &token, None).await;
    assert_eq!(status, StatusCode::OK);
}

/// The same requests, in the same order, as the curl examples of README.md.
#[tokio::test]
async fn readme_curl_sequence() {
    let (app, token) = build(Some(TOKEN));
    let base = "/scim/v2";

    // 1. Create a user
    let (status, user) = call(
        &app,
        "POST",
        &format!("{base}/Users"),
        &token,
        Some(
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "bjensen@example.com", "externalId": "bjensen",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
            "active": true}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let created_id = user["id"].as_str().unwrap().to_owned();
    assert_eq!(
        user["meta"]["location"],
        format!("http://127.0.0.1:8080/scim/v2/Users/{created_id}")
    );

    // 2. Look it up by userName
    let filter = "filter=userName%20eq%20%22bjensen%40example.com%22";
    let (status, list) = call(&app, "GET", &format!("{base}/Users?{filter}"), &token, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["totalResults"], 1);
    let user_id = list["Resources"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(user_id, created_id);

    // 3. Deactivate it
    let (status, user) = call(
        &app,
        "PATCH",
        &format!("{base}/Users/{user_id}"),
        &token,
        Some(
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "active", "value": false}]}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(user["active"], false);

    // 4. Create a group
    let (status, group) = call(
        &app,
        "POST",
        &format!("{base}/Groups"),
        &token,
        Some(
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Engineering"}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let group_id = group["id"].as_str().unwrap().to_owned();

    // 5. Add the user to it
    let (status, group) = call(
        &app,
        "PATCH",
        &format!("{base}/Groups/{group_id}"),
        &token,
        Some(
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": user_id}]}]}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(group["members"][0]["value"], user_id.as_str());

    // 6. See the group with its member
    let (status, group) = call(
        &app,
        "GET",
        &format!("{base}/Groups/{group_id}"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(group["displayName"], "Engineering");
    assert_eq!(group["members"][0]["value"], user_id.as_str());
    assert_eq!(group["members"][0]["type"], "User");
}
