//! The README's curl sequence against the example app, built as `main.rs` builds it: create a
//! user, look it up by userName, deactivate it, create a group, add the user as a member.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value,
    clippy::needless_raw_string_hashes
)]

use actix_web::http::StatusCode;
use actix_web::{test, App};
use example_actix::{configure_app, credentials, engine};
use serde_json::{json, Value};

#[actix_web::test]
async fn readme_sequence() {
    let creds = credentials(Some("s3cret-token")).unwrap();
    assert!(creds.minted.is_none());
    let scim = engine(creds.tokens, example_host::StoreChoice::Memory).unwrap();
    let app = test::init_service(App::new().configure(move |cfg| configure_app(cfg, scim))).await;
    let auth = ("Authorization", "Bearer s3cret-token");
    let scim_json = ("Content-Type", "application/scim+json");

    let res = test::call_service(&app, test::TestRequest::get().uri("/healthz").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(test::read_body(res).await, "ok");

    // A wrong token is refused.
    let req = test::TestRequest::get()
        .uri("/scim/v2/Users")
        .insert_header(("Authorization", "Bearer nope"))
        .to_request();
    assert_eq!(
        test::call_service(&app, req).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // 1. Create a user.
    let req = test::TestRequest::post()
        .uri("/scim/v2/Users")
        .insert_header(("Host", "127.0.0.1:8080"))
        .insert_header(auth)
        .insert_header(scim_json)
        .set_payload(
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "bjensen@example.com",
                "name": {"givenName": "Barbara", "familyName": "Jensen"},
                "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
                "active": true
            })
            .to_string(),
        )
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let user: Value = test::read_body_json(res).await;
    let user_id = user["id"].as_str().unwrap().to_owned();
    assert_eq!(
        location,
        format!("http://127.0.0.1:8080/scim/v2/Users/{user_id}")
    );

    // 2. Look it up by userName.
    let req = test::TestRequest::get()
        .uri("/scim/v2/Users?filter=userName%20eq%20%22bjensen%40example.com%22")
        .insert_header(auth)
        .to_request();
    let list: Value = test::call_and_read_body_json(&app, req).await;
    assert_eq!(list["totalResults"], 1);
    assert_eq!(list["Resources"][0]["id"], user_id.as_str());

    // 3. Deactivate it.
    let req = test::TestRequest::patch()
        .uri(&format!("/scim/v2/Users/{user_id}"))
        .insert_header(auth)
        .insert_header(scim_json)
        .set_payload(
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "active", "value": false}]
            })
            .to_string(),
        )
        .to_request();
    let patched: Value = test::call_and_read_body_json(&app, req).await;
    assert_eq!(patched["active"], false);

    // 4. Create a group.
    let req = test::TestRequest::post()
        .uri("/scim/v2/Groups")
        .insert_header(auth)
        .insert_header(scim_json)
        .set_payload(
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Engineering"
            })
            .to_string(),
        )
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let group: Value = test::read_body_json(res).await;
    let group_id = group["id"].as_str().unwrap().to_owned();

    // 5. Add the user to it.
    let req = test::TestRequest::patch()
        .uri(&format!("/scim/v2/Groups/{group_id}"))
        .insert_header(auth)
        .insert_header(scim_json)
        .set_payload(
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "add", "path": "members", "value": [{"value": user_id}]}]
            })
            .to_string(),
        )
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::OK);

    let req = test::TestRequest::get()
        .uri(&format!("/scim/v2/Groups/{group_id}"))
        .insert_header(auth)
        .to_request();
    let group: Value = test::call_and_read_body_json(&app, req).await;
    assert_eq!(group["members"][0]["value"], user_id.as_str());
}

#[actix_web::test]
async fn a_token_is_minted_when_none_is_given() {
    let creds = credentials(None).unwrap();
    let token = creds.minted.unwrap();
    assert!(token.starts_with("scim_"));
    let example_host::Tokens::Memory(tokens) = creds.tokens else {
        panic!("credentials() keeps tokens in memory");
    };
    assert_eq!(tokens.len(), 1);
}
