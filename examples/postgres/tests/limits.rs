//! Values longer than the indexed columns hold are a 400 `invalidValue` naming the attribute
//! and the limit, on create, replace and PATCH, and change nothing; a value at the limit is
//! stored (the indexes accept it). Without the declared limit, PostgreSQL's B-tree (about
//! 2 700 bytes per entry) would fail such a write, and the client would get a 500.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use axum::Router;
use example_postgres::mapping::INDEXED_TEXT;
use example_postgres::{app, credentials, engine};
use serde_json::{json, Value};

const TOKEN: &str = "limits-test-token";
const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

async fn call(app: &Router, method: &str, uri: &str, body: Option<Value>) -> (u16, Value) {
    common::call(app, TOKEN, method, &format!("/scim/v2{uri}"), body).await
}

#[track_caller]
fn refused(what: &str, (status, body): (u16, Value), attribute: &str) {
    assert_eq!(status, 400, "{what}: {body}");
    assert_eq!(body["scimType"], "invalidValue", "{what}: {body}");
    let detail = body["detail"].as_str().unwrap_or_default();
    assert!(
        detail.starts_with(&format!("{attribute} is ")) && detail.contains("at most 1024 bytes"),
        "{what}: {detail}"
    );
}

#[tokio::test]
async fn values_beyond_the_indexed_columns_are_invalid_values() {
    let db = common::fresh("limits").await;
    let creds = credentials(Some(TOKEN)).unwrap();
    let app = app(engine(db.store.clone(), creds.tokens).unwrap());
    // Pseudo-random letters (a fixed-seed LCG, so every run is the same), which compression
    // cannot shrink below the index's limit.
    let noise = |n: usize| -> String {
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                char::from(b'a' + u8::try_from((state >> 33) % 26).unwrap())
            })
            .collect()
    };
    let ten_kb = noise(10_000);

    let (status, user) = call(
        &app,
        "POST",
        "/Users",
        Some(json!({"schemas": [USER], "userName": "victim"})),
    )
    .await;
    assert_eq!(status, 201, "{user}");
    let id = user["id"].as_str().unwrap().to_owned();
    let version = user["meta"]["version"].clone();

    refused(
        "2 700-byte userName",
        call(
            &app,
            "POST",
            "/Users",
            Some(json!({"schemas": [USER], "userName": noise(2_700)})),
        )
        .await,
        "userName",
    );
    refused(
        "10 KB externalId",
        call(
            &app,
            "POST",
            "/Users",
            Some(json!({"schemas": [USER], "userName": "x", "externalId": ten_kb})),
        )
        .await,
        "externalId",
    );
    refused(
        "10 KB e-mail",
        call(&app, "POST", "/Users", Some(json!({"schemas": [USER], "userName": "y", "emails": [{"value": format!("{ten_kb}@example.com")}]}))).await,
        "emails.value",
    );
    refused(
        "10 KB group name",
        call(
            &app,
            "POST",
            "/Groups",
            Some(json!({"schemas": [GROUP], "displayName": ten_kb})),
        )
        .await,
        "displayName",
    );
    refused(
        "PUT with a long userName",
        call(
            &app,
            "PUT",
            &format!("/Users/{id}"),
            Some(json!({"schemas": [USER], "userName": noise(2_700)})),
        )
        .await,
        "userName",
    );
    let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                       "Operations": [{"op": "replace", "path": "externalId", "value": ten_kb}]});
    refused(
        "PATCH of a long externalId",
        call(&app, "PATCH", &format!("/Users/{id}"), Some(patch)).await,
        "externalId",
    );

    // Nothing changed, nothing else was created.
    let (_, after) = call(&app, "GET", &format!("/Users/{id}"), None).await;
    assert_eq!(after["meta"]["version"], version);
    let (_, users) = call(&app, "GET", "/Users?count=0", None).await;
    assert_eq!(users["totalResults"], 1);
    let (_, groups) = call(&app, "GET", "/Groups?count=0", None).await;
    assert_eq!(groups["totalResults"], 0);

    // At the limit, the indexes take it.
    let (status, body) = call(
        &app,
        "POST",
        "/Users",
        Some(json!({"schemas": [USER], "userName": noise(INDEXED_TEXT), "externalId": noise(INDEXED_TEXT),
                    "emails": [{"value": noise(INDEXED_TEXT)}]})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}
