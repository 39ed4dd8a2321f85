//! The engine through `Scim::handle`: every endpoint × method × error class, over
//! `http::Request`s, on a reference store with nothing, part or everything pushed down.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value,
    clippy::needless_raw_string_hashes
)]

mod support;

use std::sync::{Arc, Mutex};

use http::{Method, Request, StatusCode};
use scimkit_core::auth::{AuthError, AuthRequest, BearerTokens};
use scimkit_core::context::{Caller, Context, Tenant};
use scimkit_core::engine::{PatchResponse, ScimBuilder};
use scimkit_core::events::{Change, ChangeKind};
use scimkit_core::store::{FilterPushDown, FilterRule, PushDown};
use scimkit_core::{InMemoryStore, Mount, Scim};
use scimkit_filter::CompareOp;
use serde_json::{json, Value};
use support::{auth, request, send, send_request, RefStore, GROUP, PATCH_OP, TOKEN, USER};

fn builder(push_down: PushDown) -> ScimBuilder {
    Scim::builder()
        .store(RefStore::new(push_down))
        .authenticator(auth)
}

fn engine() -> Scim {
    builder(PushDown::default()).build().unwrap()
}

fn user(name: &str) -> Value {
    json!({"schemas": [USER], "userName": name, "password": "hunter2", "active": true,
           "emails": [{"value": format!("{name}@example.com"), "type": "work", "primary": true}]})
}

async fn create(scim: &Scim, body: Value) -> Value {
    let reply = send(scim, Method::POST, "/Users", Some(body)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    reply.body
}

fn patch(ops: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": ops})
}

// ---------- discovery ----------

#[tokio::test]
async fn service_provider_config_is_truthful() {
    let scim = builder(PushDown::default())
        .max_page_size(250)
        .default_page_size(50)
        .build()
        .unwrap();
    let reply = send(&scim, Method::GET, "/ServiceProviderConfig", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("content-type"), Some("application/scim+json"));
    let b = &reply.body;
    assert_eq!(
        b["schemas"][0],
        "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
    );
    assert_eq!(b["patch"]["supported"], true);
    assert_eq!(b["bulk"]["supported"], true);
    assert_eq!(b["bulk"]["maxOperations"], 1000);
    assert_eq!(b["filter"]["maxResults"], 250);
    assert_eq!(b["sort"]["supported"], true);
    assert_eq!(b["etag"]["supported"], true);
    assert_eq!(
        b["changePassword"]["supported"], false,
        "off unless the host opts in"
    );
    assert_eq!(b["authenticationSchemes"][0]["type"], "oauthbearertoken");
    assert_eq!(
        b["meta"]["location"],
        "http://scim.example.test/ServiceProviderConfig"
    );
}

#[tokio::test]
async fn schemas_and_resource_types_are_listed_and_fetched() {
    let scim = engine();
    let reply = send(&scim, Method::GET, "/Schemas", None).await;
    assert_eq!(reply.body["totalResults"], 3);
    let ids: Vec<&str> = reply.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&USER) && ids.contains(&GROUP));
    assert!(ids.contains(&"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"));

    let reply = send(&scim, Method::GET, &format!("/Schemas/{USER}"), None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["id"], USER);
    assert!(reply.body["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["name"] == "userName"));

    let reply = send(&scim, Method::GET, "/Schemas/urn:nope", None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.body["status"], "404");

    let reply = send(&scim, Method::GET, "/ResourceTypes", None).await;
    assert_eq!(reply.body["totalResults"], 2);
    let reply = send(&scim, Method::GET, "/ResourceTypes/User", None).await;
    assert_eq!(reply.body["endpoint"], "/Users");
    assert_eq!(
        reply.body["schemaExtensions"][0]["schema"],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    );
    let reply = send(&scim, Method::GET, "/ResourceTypes/Device", None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn discovery_refuses_filters_and_other_methods() {
    let scim = engine();
    let reply = send(&scim, Method::GET, "/Schemas?filter=id%20pr", None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    for path in ["/ServiceProviderConfig", "/Schemas", "/ResourceTypes"] {
        let reply = send(&scim, Method::POST, path, Some(json!({}))).await;
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{path}");
        assert_eq!(reply.header("allow"), Some("GET"));
    }
}

#[tokio::test]
async fn discovery_can_be_public() {
    let unauthenticated = Request::get("/ServiceProviderConfig")
        .body(bytes::Bytes::new())
        .unwrap();
    let scim = engine();
    assert_eq!(
        scim.handle(unauthenticated.clone()).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let scim = builder(PushDown::default())
        .public_discovery(true)
        .build()
        .unwrap();
    assert_eq!(scim.handle(unauthenticated).await.status(), StatusCode::OK);
    let users = Request::get("/Users").body(bytes::Bytes::new()).unwrap();
    assert_eq!(scim.handle(users).await.status(), StatusCode::UNAUTHORIZED);
}

// ---------- authentication, routing ----------

#[tokio::test]
async fn unauthenticated_requests_get_401_with_a_challenge() {
    let scim = engine();
    for token in [None, Some("Bearer wrong"), Some("Basic dXNlcjpwYXNz")] {
        let mut req = Request::get("/Users");
        if let Some(t) = token {
            req = req.header("authorization", t);
        }
        let response = scim.handle(req.body(bytes::Bytes::new()).unwrap()).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer"));
        let body: Value = serde_json::from_slice(response.body()).unwrap();
        assert_eq!(
            body["schemas"][0],
            "urn:ietf:params:scim:api:messages:2.0:Error"
        );
        assert_eq!(body["status"], "401");
    }
}

#[tokio::test]
async fn unknown_endpoints_and_methods() {
    let scim = engine();
    for path in ["/Devices", "/", "/Users/1/extra", "/Users/a/b/c"] {
        let reply = send(&scim, Method::GET, path, None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(reply.body["status"], "404");
    }
    let reply = send(&scim, Method::PUT, "/Users", Some(user("x"))).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.header("allow"), Some("GET, POST"));
    let reply = send(&scim, Method::POST, "/Users/some-id", Some(user("x"))).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    let reply = send(&scim, Method::GET, "/Users/.search", None).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    let reply = send(&scim, Method::GET, "/.search", None).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    let reply = send(&scim, Method::POST, "/Bulk", Some(json!({}))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let no_bulk = builder(PushDown::default()).disable_bulk().build().unwrap();
    let reply = send(&no_bulk, Method::POST, "/Bulk", Some(json!({}))).await;
    assert_eq!(reply.status, StatusCode::NOT_IMPLEMENTED);
}

#[tokio::test]
async fn trailing_slashes_unknown_parameters_and_endpoint_case_are_tolerated() {
    let scim = engine();
    let created = create(&scim, user("bjensen")).await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(
        send(&scim, Method::GET, "/Users/", None).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(&scim, Method::GET, &format!("/Users/{id}/"), None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        send(&scim, Method::GET, "/users?aadOptscim062020", None)
            .await
            .status,
        StatusCode::OK
    );
    let reply = send(
        &scim,
        Method::GET,
        "/Users?filter=userName%20eq%20%22bjensen%22&aadOptscim062020=1",
        None,
    )
    .await;
    assert_eq!(reply.body["totalResults"], 1);
}

#[tokio::test]
async fn mount_prefix_and_external_url_shape_locations() {
    let scim = builder(PushDown::default())
        .external_url("https://app.example.com/")
        .build()
        .unwrap();
    let mount = Mount {
        prefix: "/scim/v2/acme",
        tenant: Some("acme"),
    };
    let reply = send_request(
        &scim,
        request(Method::POST, "/scim/v2/acme/Users", Some(user("ann"))),
        mount,
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let id = reply.body["id"].as_str().unwrap();
    let expected = format!("https://app.example.com/scim/v2/acme/Users/{id}");
    assert_eq!(reply.header("location"), Some(expected.as_str()));
    assert_eq!(reply.body["meta"]["location"], expected);
    // An adapter that already stripped the prefix gives the same answer.
    let reply = send_request(
        &scim,
        request(Method::GET, &format!("/Users/{id}"), None),
        mount,
    )
    .await;
    assert_eq!(reply.body["meta"]["location"], expected);
}

// ---------- create ----------

#[tokio::test]
async fn create_returns_201_location_etag_and_meta_without_password() {
    let scim = engine();
    let reply = send(&scim, Method::POST, "/Users", Some(user("bjensen"))).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let b = &reply.body;
    let id = b["id"].as_str().unwrap();
    let location = format!("http://scim.example.test/Users/{id}");
    assert_eq!(reply.header("location"), Some(location.as_str()));
    assert_eq!(b["meta"]["location"], location);
    assert_eq!(b["meta"]["resourceType"], "User");
    assert_eq!(reply.header("etag"), b["meta"]["version"].as_str());
    assert!(b["meta"]["created"].is_string());
    assert!(b.get("password").is_none());
    assert_eq!(b["userName"], "bjensen");
}

#[tokio::test]
async fn create_errors() {
    let scim = engine();
    create(&scim, user("bjensen")).await;
    let reply = send(&scim, Method::POST, "/Users", Some(user("BJensen"))).await;
    assert_eq!(
        (reply.status, reply.scim_type()),
        (StatusCode::CONFLICT, Some("uniqueness"))
    );

    let reply = send(
        &scim,
        Method::POST,
        "/Users",
        Some(json!({"schemas": [USER], "displayName": "x"})),
    )
    .await;
    assert_eq!(
        (reply.status, reply.scim_type()),
        (StatusCode::BAD_REQUEST, Some("invalidValue"))
    );
    assert!(reply.detail().contains("userName"));

    let reply = send(
        &scim,
        Method::POST,
        "/Users",
        Some(json!({"schemas": [USER], "userName": "x", "shoeSize": 9})),
    )
    .await;
    assert_eq!(reply.scim_type(), Some("invalidValue"));
    assert!(reply.detail().contains("shoeSize"));

    let reply = send(
        &scim,
        Method::POST,
        "/Users",
        Some(json!(["not", "an", "object"])),
    )
    .await;
    assert_eq!(
        (reply.status, reply.scim_type()),
        (StatusCode::BAD_REQUEST, Some("invalidSyntax"))
    );
}

fn raw(
    method: Method,
    uri: &str,
    content_type: Option<&str>,
    body: &'static [u8],
) -> Request<bytes::Bytes> {
    let mut b = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {TOKEN}"));
    if let Some(ct) = content_type {
        b = b.header("content-type", ct);
    }
    b.body(bytes::Bytes::from_static(body)).unwrap()
}

#[tokio::test]
async fn bodies_are_checked_for_type_size_and_syntax() {
    let scim = builder(PushDown::default())
        .max_body_bytes(200)
        .build()
        .unwrap();
    let ok = br#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a"}"#;
    for ct in [
        Some("application/json"),
        Some("application/scim+json; charset=utf-8"),
        Some("Application/JSON;charset=UTF-8"),
        None,
    ] {
        let r = scim.handle(raw(Method::POST, "/Users", ct, ok)).await;
        assert!(
            r.status() == StatusCode::CREATED || r.status() == StatusCode::CONFLICT,
            "{ct:?}: {}",
            r.status()
        );
    }
    let r = send_request(
        &scim,
        raw(Method::POST, "/Users", Some("text/plain"), ok),
        Mount::root(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(r.detail().contains("text/plain"));

    let big: &'static [u8] = Box::leak(
        format!(r#"{{"userName":"{}"}}"#, "x".repeat(300))
            .into_bytes()
            .into_boxed_slice(),
    );
    let r = send_request(
        &scim,
        raw(Method::POST, "/Users", Some("application/json"), big),
        Mount::root(),
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.detail().contains("200 bytes"));

    let r = send_request(
        &scim,
        raw(
            Method::POST,
            "/Users",
            Some("application/json"),
            br#"{"userName": "a",}"#,
        ),
        Mount::root(),
    )
    .await;
    assert_eq!(
        (r.status, r.scim_type()),
        (StatusCode::BAD_REQUEST, Some("invalidSyntax"))
    );
    assert!(r.detail().contains("line 1 column"), "{}", r.detail());

    let r = send_request(
        &scim,
        raw(Method::POST, "/Users", Some("application/json"), b"  "),
        Mount::root(),
    )
    .await;
    assert_eq!(r.scim_type(), Some("invalidSyntax"));

    let r = send_request(
        &scim,
        raw(
            Method::POST,
            "/Users",
            Some("application/json"),
            b"\xff\xfe{",
        ),
        Mount::root(),
    )
    .await;
    assert_eq!(r.scim_type(), Some("invalidSyntax"));
}

#[tokio::test]
async fn deeply_nested_json_is_refused_not_overflowed() {
    let scim = builder(PushDown::default())
        .max_body_bytes(1 << 20)
        .build()
        .unwrap();
    let deep: &'static [u8] = Box::leak(
        format!(
            r#"{{"userName":{}1{}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        )
        .into_bytes()
        .into_boxed_slice(),
    );
    let r = send_request(
        &scim,
        raw(Method::POST, "/Users", Some("application/json"), deep),
        Mount::root(),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn entra_create_payload_is_normalised() {
    let scim = engine();
    let body = json!({
        "schemas": [USER, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
        "active": "True",
        "displayName": "Test User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": "26118915"}
    });
    let b = create(&scim, body).await;
    assert_eq!(b["active"], true);
    assert_eq!(
        b["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["manager"]["value"],
        "26118915"
    );
}

// ---------- get ----------

#[tokio::test]
async fn get_with_projection_etag_and_if_none_match() {
    let scim = engine();
    let id = create(&scim, user("bjensen")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = send(&scim, Method::GET, &format!("/Users/{id}"), None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let etag = reply.header("etag").unwrap().to_owned();
    assert_eq!(reply.body["meta"]["version"], etag.as_str());

    let reply = send(
        &scim,
        Method::GET,
        &format!("/Users/{id}?attributes=userName"),
        None,
    )
    .await;
    assert_eq!(reply.body["userName"], "bjensen");
    assert_eq!(reply.body["id"], id.as_str());
    assert!(reply.body.get("emails").is_none());
    let reply = send(
        &scim,
        Method::GET,
        &format!("/Users/{id}?excludedAttributes=emails"),
        None,
    )
    .await;
    assert!(reply.body.get("emails").is_none() && reply.body.get("userName").is_some());
    let reply = send(
        &scim,
        Method::GET,
        &format!("/Users/{id}?attributes=emails[type%20eq%20%22work%22]"),
        None,
    )
    .await;
    assert_eq!(reply.scim_type(), Some("invalidValue"));

    let mut req = request(Method::GET, &format!("/Users/{id}"), None);
    req.headers_mut()
        .insert("if-none-match", etag.parse().unwrap());
    let reply = send_request(&scim, req, Mount::root()).await;
    assert_eq!(reply.status, StatusCode::NOT_MODIFIED);
    assert_eq!(reply.header("etag"), Some(etag.as_str()));
    let mut req = request(Method::GET, &format!("/Users/{id}"), None);
    req.headers_mut()
        .insert("if-none-match", "W/\"other\"".parse().unwrap());
    assert_eq!(
        send_request(&scim, req, Mount::root()).await.status,
        StatusCode::OK
    );

    let reply = send(&scim, Method::GET, "/Users/does-not-exist", None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.detail().contains("does-not-exist"));
}

// ---------- replace ----------

#[tokio::test]
async fn replace_changes_version_keeps_password_and_checks_if_match() {
    let scim = engine();
    let created = create(&scim, user("bjensen")).await;
    let id = created["id"].as_str().unwrap();
    let v1 = created["meta"]["version"].as_str().unwrap().to_owned();
    let path = format!("/Users/{id}");

    let mut body = created.clone();
    body["displayName"] = json!("Babs");
    let reply = send(&scim, Method::PUT, &path, Some(body.clone())).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["displayName"], "Babs");
    let v2 = reply.body["meta"]["version"].as_str().unwrap().to_owned();
    assert_ne!(v1, v2);
    assert_eq!(reply.body["meta"]["created"], created["meta"]["created"]);
    assert_eq!(reply.header("location"), None);

    let mut req = request(Method::PUT, &path, Some(body.clone()));
    req.headers_mut().insert("if-match", v1.parse().unwrap());
    let reply = send_request(&scim, req, Mount::root()).await;
    assert_eq!(reply.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(reply.body["status"], "412");

    let mut req = request(Method::PUT, &path, Some(body.clone()));
    req.headers_mut()
        .insert("if-match", format!("\"x\", {v2}").parse().unwrap());
    assert_eq!(
        send_request(&scim, req, Mount::root()).await.status,
        StatusCode::OK
    );

    let mut req = request(Method::PUT, &path, Some(body.clone()));
    req.headers_mut().insert("if-match", "*".parse().unwrap());
    assert_eq!(
        send_request(&scim, req, Mount::root()).await.status,
        StatusCode::OK
    );

    assert_eq!(
        send(&scim, Method::PUT, "/Users/nope", Some(body.clone()))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let reply = send(&scim, Method::PUT, &path, Some(json!({"schemas": [USER]}))).await;
    assert_eq!(reply.scim_type(), Some("invalidValue"));
    let reply = send(
        &scim,
        Method::PUT,
        &path,
        Some(json!({"schemas": [USER], "userName": "b", "active": "maybe"})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);

    let other = create(&scim, user("other")).await;
    let mut taken = other.clone();
    taken["userName"] = json!("BJENSEN");
    let reply = send(
        &scim,
        Method::PUT,
        &format!("/Users/{}", other["id"].as_str().unwrap()),
        Some(taken),
    )
    .await;
    assert_eq!(reply.scim_type(), Some("uniqueness"));
}

// ---------- patch ----------

#[tokio::test]
async fn patch_applies_entra_and_okta_dialects_and_returns_the_resource() {
    let scim = engine();
    let id = create(&scim, user("bjensen")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/Users/{id}");
    let reply = send(
        &scim,
        Method::PATCH,
        &path,
        Some(patch(json!([
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "Add", "path": "emails[type eq \"home\"].value", "value": "b@home.example"},
            {"op": "replace", "value": {"name.givenName": "Barbara"}},
        ]))),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["active"], false);
    assert_eq!(reply.body["name"]["givenName"], "Barbara");
    assert_eq!(reply.body["emails"].as_array().unwrap().len(), 2);
    assert_eq!(reply.header("etag"), reply.body["meta"]["version"].as_str());

    let reply = send(
        &scim,
        Method::PATCH,
        &format!("{path}?attributes=active"),
        Some(patch(
            json!([{"op": "replace", "path": "active", "value": true}]),
        )),
    )
    .await;
    assert_eq!(reply.body["active"], true);
    assert!(reply.body.get("emails").is_none());
}

#[tokio::test]
async fn patch_errors() {
    let scim = engine();
    let created = create(&scim, user("bjensen")).await;
    let id = created["id"].as_str().unwrap();
    let path = format!("/Users/{id}");
    let cases = [
        (
            patch(json!([{"op": "replace", "path": "shoeSize", "value": 1}])),
            "invalidPath",
        ),
        (
            patch(json!([{"op": "replace", "path": "emails[type eq \"work\"", "value": 1}])),
            "invalidPath",
        ),
        (
            patch(json!([{"op": "replace", "path": "id", "value": "x"}])),
            "mutability",
        ),
        (
            patch(json!([{"op": "replace", "path": "active", "value": 3}])),
            "invalidValue",
        ),
        (
            patch(json!([{"op": "jump", "path": "active", "value": true}])),
            "invalidSyntax",
        ),
        (json!({"schemas": [PATCH_OP]}), "invalidSyntax"),
    ];
    for (body, scim_type) in cases {
        let reply = send(&scim, Method::PATCH, &path, Some(body.clone())).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(
            reply.scim_type(),
            Some(scim_type),
            "{body}: {}",
            reply.detail()
        );
    }
    // Without the Entra quirk, a filtered path that matches nothing is noTarget.
    let strict = builder(PushDown::default())
        .compat(scimkit_core::compat::CompatOptions::strict())
        .build()
        .unwrap();
    let sid = create(&strict, user("bjensen")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body =
        patch(json!([{"op": "replace", "path": "emails[type eq \"home\"].display", "value": "x"}]));
    let reply = send(&strict, Method::PATCH, &format!("/Users/{sid}"), Some(body)).await;
    assert_eq!(reply.scim_type(), Some("noTarget"));

    // Nothing changed: the version is the one created.
    let reply = send(&scim, Method::GET, &path, None).await;
    assert_eq!(reply.body["meta"]["version"], created["meta"]["version"]);

    let ok = patch(json!([{"op": "replace", "path": "displayName", "value": "B"}]));
    assert_eq!(
        send(&scim, Method::PATCH, "/Users/nope", Some(ok.clone()))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let mut req = request(Method::PATCH, &path, Some(ok.clone()));
    req.headers_mut()
        .insert("if-match", "W/\"stale\"".parse().unwrap());
    assert_eq!(
        send_request(&scim, req, Mount::root()).await.status,
        StatusCode::PRECONDITION_FAILED
    );
    let mut req = request(Method::PATCH, &path, Some(ok.clone()));
    req.headers_mut().insert(
        "if-match",
        created["meta"]["version"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap(),
    );
    assert_eq!(
        send_request(&scim, req, Mount::root()).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn patch_can_answer_204() {
    let scim = builder(PushDown::default())
        .patch_response(PatchResponse::NoContent)
        .build()
        .unwrap();
    let id = create(&scim, user("bjensen")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = patch(json!([{"op": "replace", "path": "displayName", "value": "B"}]));
    let reply = send(
        &scim,
        Method::PATCH,
        &format!("/Users/{id}"),
        Some(body.clone()),
    )
    .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert!(reply.header("etag").is_some());
    assert_eq!(reply.body, Value::Null);
    // Asking for attributes gets the resource anyway.
    let reply = send(
        &scim,
        Method::PATCH,
        &format!("/Users/{id}?attributes=displayName"),
        Some(body),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["displayName"], "B");
}

#[tokio::test]
async fn patch_can_answer_204_for_member_changes_only() {
    let scim = builder(PushDown::default())
        .patch_response(PatchResponse::NoContentForMembers)
        .build()
        .unwrap();
    let user_id = create(&scim, user("bjensen")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, group) = {
        let reply = send(
            &scim,
            Method::POST,
            "/Groups",
            Some(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "G"})),
        )
        .await;
        (reply.status, reply.body)
    };
    assert_eq!(status, StatusCode::CREATED);
    let group_id = group["id"].as_str().unwrap().to_owned();
    let uri = format!("/Groups/{group_id}");
    // Members only (Entra's and Okta's add and remove): 204 with the new ETag.
    for ops in [
        json!([{"op": "Add", "path": "members", "value": [{"value": user_id}]}]),
        json!([{"op": "remove", "path": format!("members[value eq \"{user_id}\"]")}]),
    ] {
        let reply = send(&scim, Method::PATCH, &uri, Some(patch(ops))).await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT);
        assert!(reply.header("etag").is_some());
        assert_eq!(reply.body, Value::Null);
    }
    // Anything else, and a request asking for attributes, gets the resource.
    let rename = patch(json!([{"op": "replace", "path": "displayName", "value": "H"}]));
    let reply = send(&scim, Method::PATCH, &uri, Some(rename)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["displayName"], "H");
    let add = patch(json!([{"op": "add", "path": "members", "value": [{"value": user_id}]}]));
    let reply = send(
        &scim,
        Method::PATCH,
        &format!("{uri}?attributes=members"),
        Some(add),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["members"][0]["value"], user_id.as_str());
    let title = patch(json!([{"op": "replace", "path": "title", "value": "Boss"}]));
    let reply = send(
        &scim,
        Method::PATCH,
        &format!("/Users/{user_id}"),
        Some(title),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
}

// ---------- delete ----------

#[tokio::test]
async fn delete_then_gone() {
    let scim = engine();
    let created = create(&scim, user("bjensen")).await;
    let path = format!("/Users/{}", created["id"].as_str().unwrap());
    let mut req = request(Method::DELETE, &path, None);
    req.headers_mut()
        .insert("if-match", "W/\"stale\"".parse().unwrap());
    assert_eq!(
        send_request(&scim, req, Mount::root()).await.status,
        StatusCode::PRECONDITION_FAILED
    );
    let reply = send(&scim, Method::DELETE, &path, None).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(reply.body, Value::Null);
    assert_eq!(
        send(&scim, Method::GET, &path, None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(&scim, Method::DELETE, &path, None).await.status,
        StatusCode::NOT_FOUND
    );
}

// ---------- list and search ----------

fn push_downs() -> Vec<(&'static str, PushDown)> {
    vec![
        ("nothing", PushDown::default()),
        (
            "userName eq only",
            PushDown {
                filter: FilterPushDown::Only(vec![FilterRule::new("userName", [CompareOp::Eq])]),
                sort: false,
                paging: true,
            },
        ),
        ("everything", PushDown::everything()),
    ]
}

async fn seeded(push_down: PushDown) -> Scim {
    let scim = builder(push_down)
        .max_page_size(5)
        .default_page_size(3)
        .build()
        .unwrap();
    for (n, title) in [
        "Tour Guide",
        "Engineer",
        "Tour Guide",
        "Manager",
        "Tour Guide",
        "Engineer",
        "Tour Guide",
    ]
    .iter()
    .enumerate()
    {
        let mut u = user(&format!("user{n}"));
        u["title"] = json!(title);
        create(&scim, u).await;
    }
    scim
}

fn names(reply: &support::Reply) -> Vec<String> {
    reply.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["userName"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn list_totals_are_true_whatever_the_store_pushes_down() {
    for (label, push_down) in push_downs() {
        let scim = seeded(push_down).await;
        let all = send(&scim, Method::GET, "/Users", None).await;
        assert_eq!(all.body["totalResults"], 7, "{label}");
        assert_eq!(all.body["itemsPerPage"], 3, "{label}: default page size");
        assert_eq!(all.body["startIndex"], 1);
        assert_eq!(
            all.body["schemas"][0],
            "urn:ietf:params:scim:api:messages:2.0:ListResponse"
        );

        let q = "/Users?filter=title%20eq%20%22tour%20guide%22%20and%20userName%20eq%20%22USER2%22";
        let reply = send(&scim, Method::GET, q, None).await;
        assert_eq!(reply.body["totalResults"], 1, "{label}");
        assert_eq!(names(&reply), ["user2"], "{label}");

        let q = "/Users?filter=title%20eq%20%22Tour%20Guide%22&sortBy=userName&sortOrder=descending&startIndex=2&count=2";
        let reply = send(&scim, Method::GET, q, None).await;
        assert_eq!(reply.body["totalResults"], 4, "{label}");
        assert_eq!(names(&reply), ["user4", "user2"], "{label}");
        assert_eq!(reply.body["startIndex"], 2);

        let reply = send(
            &scim,
            Method::GET,
            "/Users?count=0&filter=title%20eq%20%22Engineer%22",
            None,
        )
        .await;
        assert_eq!(reply.body["totalResults"], 2, "{label}");
        assert_eq!(reply.body["Resources"], json!([]));
        assert_eq!(reply.body["itemsPerPage"], 0);

        let reply = send(&scim, Method::GET, "/Users?count=100", None).await;
        assert_eq!(
            reply.body["itemsPerPage"], 5,
            "{label}: clamped to max_page_size"
        );
        let reply = send(&scim, Method::GET, "/Users?startIndex=0&count=-4", None).await;
        assert_eq!(
            (
                reply.body["startIndex"].clone(),
                reply.body["itemsPerPage"].clone()
            ),
            (json!(1), json!(0))
        );
        let reply = send(
            &scim,
            Method::GET,
            "/Users?startIndex=7&count=5&sortBy=userName",
            None,
        )
        .await;
        assert_eq!(names(&reply), ["user6"], "{label}");
        let reply = send(&scim, Method::GET, "/Users?startIndex=50", None).await;
        assert_eq!(
            (
                reply.body["totalResults"].clone(),
                reply.body["itemsPerPage"].clone()
            ),
            (json!(7), json!(0))
        );

        let reply = send(&scim, Method::GET, "/Users?filter=not%20(title%20eq%20%22Tour%20Guide%22)%20or%20userName%20eq%20%22user0%22&sortBy=userName", None).await;
        assert_eq!(reply.body["totalResults"], 4, "{label}");
        assert_eq!(names(&reply), ["user0", "user1", "user3"], "{label}");
    }
}

#[tokio::test]
async fn list_errors() {
    let scim = seeded(PushDown::default()).await;
    let cases = [
        ("/Users?filter=userName%20eq", "invalidFilter"),
        ("/Users?filter=shoeSize%20eq%201", "invalidFilter"),
        ("/Users?filter=active%20gt%20true", "invalidFilter"),
        ("/Users?sortBy=shoeSize", "invalidValue"),
        ("/Users?sortBy=userName&sortOrder=sideways", "invalidValue"),
        ("/Users?startIndex=abc", "invalidValue"),
        ("/Users?count=1.5", "invalidValue"),
        (
            "/Users?attributes=emails[type%20eq%20%22x%22]",
            "invalidValue",
        ),
    ];
    for (uri, scim_type) in cases {
        let reply = send(&scim, Method::GET, uri, None).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(
            reply.scim_type(),
            Some(scim_type),
            "{uri}: {}",
            reply.detail()
        );
    }
}

#[tokio::test]
async fn search_by_post_matches_get() {
    for (label, push_down) in push_downs() {
        let scim = seeded(push_down).await;
        let body = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": "title eq \"Tour Guide\"", "sortBy": "userName", "sortOrder": "descending",
            "startIndex": 1, "count": 2, "attributes": ["userName"]
        });
        let reply = send(&scim, Method::POST, "/Users/.search", Some(body)).await;
        assert_eq!(reply.status, StatusCode::OK, "{label}");
        assert_eq!(reply.body["totalResults"], 4);
        assert_eq!(names(&reply), ["user6", "user4"]);
        assert!(reply.body["Resources"][0].get("emails").is_none());

        let reply = send(
            &scim,
            Method::POST,
            "/Users/.search",
            Some(json!({"count": "x"})),
        )
        .await;
        assert_eq!(reply.scim_type(), Some("invalidValue"));
        let reply = send(
            &scim,
            Method::POST,
            "/Users/.search",
            Some(json!({"filter": "userName eq"})),
        )
        .await;
        assert_eq!(reply.scim_type(), Some("invalidFilter"));
        let reply = send(&scim, Method::POST, "/Users/.search", Some(json!("filter"))).await;
        assert_eq!(reply.scim_type(), Some("invalidSyntax"));
    }
}

#[tokio::test]
async fn root_search_spans_resource_types() {
    let scim = seeded(PushDown::everything()).await;
    let g = send(
        &scim,
        Method::POST,
        "/Groups",
        Some(json!({"schemas": [GROUP], "displayName": "user-admins"})),
    )
    .await;
    assert_eq!(g.status, StatusCode::CREATED);
    let body = json!({"filter": "userName sw \"user1\" or displayName sw \"user\"", "sortBy": "meta.created"});
    let reply = send(&scim, Method::POST, "/.search", Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["totalResults"], 2);
    let types: Vec<&str> = reply.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["meta"]["resourceType"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["User", "Group"]);
    let reply = send(&scim, Method::POST, "/.search", Some(json!({"count": 3}))).await;
    assert_eq!(
        (
            reply.body["totalResults"].clone(),
            reply.body["itemsPerPage"].clone()
        ),
        (json!(8), json!(3))
    );
    let reply = send(
        &scim,
        Method::POST,
        "/.search",
        Some(json!({"sortBy": "shoeSize"})),
    )
    .await;
    assert_eq!(reply.scim_type(), Some("invalidValue"));
}

// ---------- groups ----------

#[tokio::test]
async fn groups_crud_and_member_patches() {
    let scim = engine();
    let a = create(&scim, user("a")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = create(&scim, user("b")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = send(
        &scim,
        Method::POST,
        "/Groups",
        Some(json!({"schemas": [GROUP], "displayName": "Ops", "members": [{"value": a}]})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let gid = reply.body["id"].as_str().unwrap().to_owned();
    let path = format!("/Groups/{gid}");
    let reply = send(
        &scim,
        Method::PATCH,
        &path,
        Some(patch(
            json!([{"op": "Add", "path": "members", "value": [{"value": b}]}]),
        )),
    )
    .await;
    assert_eq!(reply.body["members"].as_array().unwrap().len(), 2);
    let reply = send(
        &scim,
        Method::PATCH,
        &path,
        Some(patch(
            json!([{"op": "Remove", "path": "members", "value": [{"value": a}]}]),
        )),
    )
    .await;
    assert_eq!(reply.body["members"], json!([{"value": b}]));
    let reply = send(
        &scim,
        Method::GET,
        &format!("{path}?excludedAttributes=members"),
        None,
    )
    .await;
    assert!(reply.body.get("members").is_none());
    assert_eq!(reply.body["displayName"], "Ops");
    let reply = send(
        &scim,
        Method::GET,
        "/Groups?filter=displayName%20eq%20%22ops%22&excludedAttributes=members",
        None,
    )
    .await;
    assert_eq!(reply.body["totalResults"], 1);
    assert_eq!(
        send(&scim, Method::DELETE, &path, None).await.status,
        StatusCode::NO_CONTENT
    );
}

// ---------- events ----------

#[tokio::test]
async fn events_report_each_committed_change() {
    let seen: Arc<Mutex<Vec<Change>>> = Arc::default();
    let sink = Arc::clone(&seen);
    let scim = builder(PushDown::default())
        .events(move |c: &Change| sink.lock().unwrap().push(c.clone()))
        .build()
        .unwrap();
    let created = create(&scim, user("bjensen")).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let path = format!("/Users/{id}");
    send(&scim, Method::PUT, &path, Some(created.clone())).await;
    send(
        &scim,
        Method::PATCH,
        &path,
        Some(patch(
            json!([{"op": "Replace", "path": "active", "value": "False"}]),
        )),
    )
    .await;
    let g = send(
        &scim,
        Method::POST,
        "/Groups",
        Some(json!({"schemas": [GROUP], "displayName": "Ops"})),
    )
    .await;
    let gpath = format!("/Groups/{}", g.body["id"].as_str().unwrap());
    send(
        &scim,
        Method::PATCH,
        &gpath,
        Some(patch(
            json!([{"op": "add", "path": "members", "value": [{"value": id}]}]),
        )),
    )
    .await;
    send(&scim, Method::DELETE, &path, None).await;
    // A failed request is not a change.
    send(
        &scim,
        Method::POST,
        "/Users",
        Some(json!({"schemas": [USER]})),
    )
    .await;

    let seen = seen.lock().unwrap();
    let kinds: Vec<(ChangeKind, &str, bool)> = seen
        .iter()
        .map(|c| (c.kind, c.resource_type.as_str(), c.deactivated))
        .collect();
    assert_eq!(
        kinds,
        [
            (ChangeKind::Created, "User", false),
            (ChangeKind::Replaced, "User", false),
            (ChangeKind::Patched, "User", true),
            (ChangeKind::Created, "Group", false),
            (ChangeKind::Patched, "Group", false),
            (ChangeKind::Deleted, "User", false),
        ]
    );
    assert_eq!(seen[0].context.caller().id(), "test-idp");
    assert_eq!(seen[0].context.tenant().as_str(), "t1");
    let delta = seen[4].members.as_ref().unwrap();
    assert_eq!(delta.added[0].value, id);
    assert!(seen[5].resource.is_none());
}

#[tokio::test]
async fn a_panicking_hook_cannot_break_the_response() {
    let scim = builder(PushDown::default())
        .events(|_: &Change| panic!("hook bug"))
        .build()
        .unwrap();
    let reply = send(&scim, Method::POST, "/Users", Some(user("bjensen"))).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(
        send(&scim, Method::GET, "/Users", None).await.body["totalResults"],
        1
    );
}

// ---------- builder ----------

#[test]
fn builder_refuses_bad_configurations() {
    use scimkit_core::engine::BuildError;
    use scimkit_core::schema::ResourceType;
    assert_eq!(
        Scim::builder().authenticator(auth).build().unwrap_err(),
        BuildError::MissingStore
    );
    assert_eq!(
        Scim::builder()
            .store(RefStore::default())
            .build()
            .unwrap_err(),
        BuildError::MissingAuthenticator
    );
    let err = builder(PushDown::default())
        .resource_type(ResourceType::user())
        .resource_type(ResourceType::user())
        .build()
        .unwrap_err();
    assert!(matches!(err, BuildError::DuplicateResourceType(_)));
    let mut bad = ResourceType::group();
    bad.endpoint = "/Schemas".into();
    assert!(matches!(
        builder(PushDown::default())
            .resource_type(bad)
            .build()
            .unwrap_err(),
        BuildError::InvalidEndpoint(_)
    ));
    assert!(matches!(
        builder(PushDown::default())
            .max_page_size(0)
            .build()
            .unwrap_err(),
        BuildError::InvalidSetting(_)
    ));
    assert!(matches!(
        builder(PushDown::default())
            .external_url("app.example.com")
            .build()
            .unwrap_err(),
        BuildError::InvalidExternalUrl(_)
    ));
}

// ---------- the in-memory store behind the engine ----------

fn memory_engine(tokens: Arc<BearerTokens>) -> Scim {
    Scim::builder()
        .store(InMemoryStore::new())
        .authenticator(tokens)
        .max_page_size(5)
        .default_page_size(3)
        .build()
        .unwrap()
}

fn with_token(mut req: Request<bytes::Bytes>, token: &str) -> Request<bytes::Bytes> {
    req.headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    req
}

#[tokio::test]
async fn in_memory_store_serves_lists_groups_and_derived_memberships() {
    let tokens = Arc::new(BearerTokens::new());
    let token = tokens
        .mint(Tenant::new("acme"), "okta", None)
        .unwrap()
        .token;
    let scim = memory_engine(Arc::clone(&tokens));
    let mount = Mount {
        prefix: "/scim/v2/acme",
        tenant: Some("acme"),
    };
    let call = |method: Method, uri: String, body: Option<Value>| {
        let scim = scim.clone();
        let token = token.clone();
        async move {
            send_request(
                &scim,
                with_token(request(method, &uri, body), &token),
                mount,
            )
            .await
        }
    };
    let mut ids = Vec::new();
    for n in 0..7 {
        let mut u = user(&format!("user{n}"));
        u["title"] = json!(if n % 2 == 0 { "Tour Guide" } else { "Engineer" });
        let reply = call(Method::POST, "/scim/v2/acme/Users".into(), Some(u)).await;
        assert_eq!(reply.status, StatusCode::CREATED);
        ids.push(reply.body["id"].as_str().unwrap().to_owned());
    }
    let reply = call(Method::GET, "/scim/v2/acme/Users?filter=title%20eq%20%22Tour%20Guide%22&sortBy=userName&sortOrder=descending&startIndex=2&count=2".into(), None).await;
    assert_eq!(reply.body["totalResults"], 4);
    assert_eq!(names(&reply), ["user4", "user2"]);
    let reply = call(
        Method::GET,
        "/scim/v2/acme/Users?filter=userName%20eq%20%22USER3%22".into(),
        None,
    )
    .await;
    assert_eq!(names(&reply), ["user3"]);

    let reply = call(
        Method::POST,
        "/scim/v2/acme/Groups".into(),
        Some(json!({"schemas": [GROUP], "displayName": "Ops", "members": [{"value": ids[0]}]})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    let gpath = format!(
        "/scim/v2/acme/Groups/{}",
        reply.body["id"].as_str().unwrap()
    );
    let reply = call(
        Method::PATCH,
        gpath.clone(),
        Some(patch(
            json!([{"op": "add", "path": "members", "value": [{"value": ids[1]}]}]),
        )),
    )
    .await;
    assert_eq!(reply.body["members"].as_array().unwrap().len(), 2);
    let reply = call(
        Method::PATCH,
        gpath.clone(),
        Some(patch(
            json!([{"op": "add", "path": "members", "value": [{"value": "no-such-user"}]}]),
        )),
    )
    .await;
    assert_eq!(reply.scim_type(), Some("invalidValue"));
    let reply = call(Method::GET, format!("/scim/v2/acme/Users/{}", ids[1]), None).await;
    assert_eq!(reply.body["groups"][0]["display"], "Ops");
    assert_eq!(
        call(
            Method::DELETE,
            format!("/scim/v2/acme/Users/{}", ids[1]),
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let reply = call(Method::GET, gpath, None).await;
    assert_eq!(reply.body["members"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn tenants_cannot_reach_each_other() {
    let tokens = Arc::new(BearerTokens::new());
    let a = tokens.mint(Tenant::new("a"), "idp-a", None).unwrap().token;
    let b = tokens.mint(Tenant::new("b"), "idp-b", None).unwrap().token;
    let scim = memory_engine(Arc::clone(&tokens));
    let mount_a = Mount {
        prefix: "/scim/a",
        tenant: Some("a"),
    };
    let mount_b = Mount {
        prefix: "/scim/b",
        tenant: Some("b"),
    };

    let reply = send_request(
        &scim,
        with_token(
            request(Method::POST, "/scim/a/Users", Some(user("alice"))),
            &a,
        ),
        mount_a,
    )
    .await;
    let id = reply.body["id"].as_str().unwrap().to_owned();
    // B's token on B's path, knowing A's id: nothing there.
    let path = format!("/scim/b/Users/{id}");
    assert_eq!(
        send_request(
            &scim,
            with_token(request(Method::GET, &path, None), &b),
            mount_b
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let reply = send_request(
        &scim,
        with_token(
            request(
                Method::PUT,
                &path,
                Some(json!({"schemas": [USER], "userName": "alice"})),
            ),
            &b,
        ),
        mount_b,
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let body = patch(json!([{"op": "replace", "path": "active", "value": false}]));
    assert_eq!(
        send_request(
            &scim,
            with_token(request(Method::PATCH, &path, Some(body)), &b),
            mount_b
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send_request(
            &scim,
            with_token(request(Method::DELETE, &path, None), &b),
            mount_b
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let reply = send_request(
        &scim,
        with_token(request(Method::GET, "/scim/b/Users", None), &b),
        mount_b,
    )
    .await;
    assert_eq!(reply.body["totalResults"], 0);
    // The same userName is free in B.
    let reply = send_request(
        &scim,
        with_token(
            request(Method::POST, "/scim/b/Users", Some(user("alice"))),
            &b,
        ),
        mount_b,
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    // B's token on A's path is refused outright.
    let reply = send_request(
        &scim,
        with_token(
            request(Method::GET, &format!("/scim/a/Users/{id}"), None),
            &b,
        ),
        mount_a,
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    // A still sees its user, untouched.
    let reply = send_request(
        &scim,
        with_token(
            request(Method::GET, &format!("/scim/a/Users/{id}"), None),
            &a,
        ),
        mount_a,
    )
    .await;
    assert_eq!(reply.body["active"], true);
    // A revoked token stops working at once.
    let tokens_a = tokens.tokens(&Tenant::new("a"));
    assert!(tokens.revoke(&tokens_a[0].id));
    let reply = send_request(
        &scim,
        with_token(request(Method::GET, "/scim/a/Users", None), &a),
        mount_a,
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

/// A store that fails: its causes must not reach the client, and a panic is a 500.
struct BrokenStore {
    panic: bool,
}

#[async_trait::async_trait]
impl scimkit_core::store::ResourceStore for BrokenStore {
    async fn create(
        &self,
        _: &Context,
        _: &scimkit_core::schema::ResourceType,
        _: scimkit_core::Resource,
    ) -> Result<scimkit_core::Resource, scimkit_core::store::StoreError> {
        assert!(!self.panic, "store bug");
        Err(scimkit_core::store::StoreError::backend(
            std::io::Error::other("connection refused to 10.1.2.3:5432"),
        ))
    }
    async fn get(
        &self,
        _: &Context,
        _: &scimkit_core::schema::ResourceType,
        _: &str,
    ) -> Result<Option<scimkit_core::Resource>, scimkit_core::store::StoreError> {
        Err(scimkit_core::store::StoreError::Unavailable(
            "the database is failing over; retry shortly".into(),
        ))
    }
    async fn list(
        &self,
        _: &Context,
        _: &scimkit_core::schema::ResourceType,
        _: &scimkit_core::store::ListQuery,
    ) -> Result<scimkit_core::store::Page, scimkit_core::store::StoreError> {
        Err(scimkit_core::store::StoreError::backend(
            std::io::Error::other("password=hunter2"),
        ))
    }
    async fn replace(
        &self,
        _: &Context,
        _: &scimkit_core::schema::ResourceType,
        _: &str,
        _: scimkit_core::Resource,
        _: Option<&scimkit_core::store::Version>,
    ) -> Result<scimkit_core::Resource, scimkit_core::store::StoreError> {
        Err(scimkit_core::store::StoreError::NotFound)
    }
    async fn delete(
        &self,
        _: &Context,
        _: &scimkit_core::schema::ResourceType,
        _: &str,
        _: Option<&scimkit_core::store::Version>,
    ) -> Result<(), scimkit_core::store::StoreError> {
        Err(scimkit_core::store::StoreError::Conflict(
            "the user owns projects; transfer them first".into(),
        ))
    }
}

#[tokio::test]
async fn store_failures_map_to_scim_errors_without_internals() {
    let scim = Scim::builder()
        .store(BrokenStore { panic: false })
        .authenticator(auth)
        .build()
        .unwrap();
    let reply = send(&scim, Method::POST, "/Users", Some(user("a"))).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!reply.detail().contains("10.1.2.3"));
    let reply = send(&scim, Method::GET, "/Users", None).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!reply.detail().contains("hunter2"));
    let reply = send(&scim, Method::GET, "/Users/x", None).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    let reply = send(&scim, Method::DELETE, "/Users/x", None).await;
    assert_eq!(
        (reply.status, reply.detail()),
        (
            StatusCode::CONFLICT,
            "the user owns projects; transfer them first"
        )
    );

    let scim = Scim::builder()
        .store(BrokenStore { panic: true })
        .authenticator(auth)
        .build()
        .unwrap();
    let reply = send(&scim, Method::POST, "/Users", Some(user("a"))).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        reply.body["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );
}

#[tokio::test]
async fn entra_probes_membership_and_tests_the_connection() {
    let tokens = Arc::new(BearerTokens::new());
    let token = tokens
        .mint(Tenant::new("acme"), "entra", None)
        .unwrap()
        .token;
    let scim = memory_engine(tokens);
    let go = |method: Method, uri: &str, body: Option<Value>| {
        send_request(
            &scim,
            with_token(request(method, uri, body), &token),
            Mount::root(),
        )
    };
    // Test Connection: a random GUID, expecting an empty 200 list.
    let reply = go(
        Method::GET,
        "/Users?filter=userName%20eq%20%22a6e4c3c8-0e5f-4c5e-9c3a-8c1f4b7d2e11%22",
        None,
    )
    .await;
    assert_eq!(
        (
            reply.status,
            reply.body["totalResults"].clone(),
            reply.body["Resources"].clone()
        ),
        (StatusCode::OK, json!(0), json!([]))
    );
    // A tenant URL pasted with a trailing slash gives `//Users`.
    let uid = go(Method::POST, "//Users", Some(user("ann"))).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = json!({"schemas": [GROUP, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"], "displayName": "Ops", "members": []});
    let reply = go(Method::POST, "/Groups", Some(body)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    let gid = reply.body["id"].as_str().unwrap().to_owned();
    let probe = format!("/Groups?excludedAttributes=members&filter=id%20eq%20%22{gid}%22%20and%20members%5Bvalue%20eq%20%22{uid}%22%5D");
    assert_eq!(go(Method::GET, &probe, None).await.body["totalResults"], 0);
    let add =
        patch(json!([{"op": "Add", "path": "members", "value": [{"value": uid, "$ref": null}]}]));
    assert_eq!(
        go(Method::PATCH, &format!("/Groups/{gid}"), Some(add))
            .await
            .status,
        StatusCode::OK
    );
    let reply = go(Method::GET, &probe, None).await;
    assert_eq!(reply.body["totalResults"], 1);
    assert!(reply.body["Resources"][0].get("members").is_none());
}

// ---------- /Me, passwords, custom resource types ----------

#[tokio::test]
async fn me_aliases_the_callers_own_resource() {
    let store = Arc::new(InMemoryStore::new());
    let shared: Arc<dyn scimkit_core::store::ResourceStore> = store.clone();
    let me_id: Arc<Mutex<Option<String>>> = Arc::default();
    let known = Arc::clone(&me_id);
    let scim = Scim::builder()
        .shared_store(shared)
        .authenticator(move |req: &AuthRequest<'_>| {
            let ctx = Context::new(Tenant::new("t1"), Caller::new("bjensen"));
            match (req.bearer_token(), known.lock().unwrap().clone()) {
                (Some("user-token"), Some(id)) => Ok(ctx.with_subject("User", id)),
                (Some(TOKEN), _) => Ok(ctx),
                _ => Err(AuthError::Unauthorized("token".into())),
            }
        })
        .build()
        .unwrap();
    let reply = send(&scim, Method::GET, "/Me", None).await;
    assert_eq!(reply.status, StatusCode::NOT_IMPLEMENTED);
    assert!(reply.detail().contains("/Me"));

    let id = create(&scim, user("bjensen")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    *me_id.lock().unwrap() = Some(id.clone());
    let as_user = |method: Method, body: Option<Value>| {
        let mut req = request(method, "/Me", body);
        req.headers_mut()
            .insert("authorization", "Bearer user-token".parse().unwrap());
        send_request(&scim, req, Mount::root())
    };
    let reply = as_user(Method::GET, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["id"], id.as_str());
    assert_eq!(
        reply.body["meta"]["location"],
        format!("http://scim.example.test/Users/{id}")
    );
    let reply = as_user(
        Method::PATCH,
        Some(patch(
            json!([{"op": "replace", "path": "displayName", "value": "Babs"}]),
        )),
    )
    .await;
    assert_eq!(reply.body["displayName"], "Babs");
    assert_eq!(
        as_user(Method::POST, Some(user("x"))).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
    assert_eq!(
        send(&scim, Method::GET, "/Me/extra", None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        as_user(Method::DELETE, None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        as_user(Method::GET, None).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn passwords_change_only_when_enabled_and_never_reach_events() {
    let seen: Arc<Mutex<Vec<Change>>> = Arc::default();
    let sink = Arc::clone(&seen);
    let scim = builder(PushDown::default())
        .events(move |c: &Change| sink.lock().unwrap().push(c.clone()))
        .build()
        .unwrap();
    let created = create(&scim, user("bjensen")).await;
    let path = format!("/Users/{}", created["id"].as_str().unwrap());
    for body in [
        patch(json!([{"op": "replace", "path": "password", "value": "n3w"}])),
        patch(json!([{"op": "replace", "value": {"password": "n3w"}}])),
        patch(
            json!([{"op": "replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:password", "value": "n3w"}]),
        ),
    ] {
        let reply = send(&scim, Method::PATCH, &path, Some(body)).await;
        assert_eq!(reply.scim_type(), Some("mutability"));
        assert!(reply.detail().contains("changePassword"));
    }
    let mut put = created.clone();
    put["password"] = json!("n3w");
    assert_eq!(
        send(&scim, Method::PUT, &path, Some(put.clone()))
            .await
            .scim_type(),
        Some("mutability")
    );

    let enabled = builder(PushDown::default())
        .change_password(true)
        .build()
        .unwrap();
    let reply = send(&enabled, Method::GET, "/ServiceProviderConfig", None).await;
    assert_eq!(reply.body["changePassword"]["supported"], true);
    let created = create(&enabled, user("ann")).await;
    let path = format!("/Users/{}", created["id"].as_str().unwrap());
    let reply = send(
        &enabled,
        Method::PATCH,
        &path,
        Some(patch(
            json!([{"op": "replace", "path": "password", "value": "n3w"}]),
        )),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.get("password").is_none());

    let seen = seen.lock().unwrap();
    assert!(!seen.is_empty());
    for change in seen.iter() {
        let json = change
            .resource
            .as_ref()
            .map(scimkit_core::Resource::to_json)
            .unwrap_or_default();
        assert!(json.get("password").is_none(), "{json}");
        assert!(!json.to_string().contains("hunter2"));
    }
}

#[tokio::test]
async fn a_custom_resource_type_gets_every_endpoint() {
    use scimkit_core::schema::{Attribute, ResourceType, Schema, Uniqueness};
    const DEVICE: &str = "urn:example:scim:schemas:core:1.0:Device";
    let devices = ResourceType::new(
        "Device",
        "/Devices",
        Schema::new(DEVICE)
            .name("Device")
            .attribute(
                Attribute::string("serialNumber")
                    .required()
                    .uniqueness(Uniqueness::Server),
            )
            .attribute(Attribute::string("model"))
            .attribute(Attribute::boolean("managed"))
            .attribute(Attribute::date_time("enrolledAt")),
    );
    let scim = Scim::builder()
        .store(InMemoryStore::new())
        .authenticator(auth)
        .resource_type(ResourceType::user())
        .resource_type(ResourceType::group())
        .resource_type(devices)
        .build()
        .unwrap();
    let body = json!({"schemas": [DEVICE], "serialNumber": "SN-1", "model": "X1", "managed": "True", "enrolledAt": "2026-01-02T03:04:05Z"});
    let reply = send(&scim, Method::POST, "/Devices", Some(body.clone())).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    assert_eq!(reply.body["meta"]["resourceType"], "Device");
    assert_eq!(reply.body["managed"], true);
    let id = reply.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        send(&scim, Method::POST, "/Devices", Some(body))
            .await
            .scim_type(),
        Some("uniqueness")
    );
    let q =
        "/Devices?filter=enrolledAt%20gt%20%222026-01-01T00:00:00Z%22%20and%20model%20sw%20%22x%22";
    assert_eq!(
        send(&scim, Method::GET, q, None).await.body["totalResults"],
        1
    );
    let reply = send(
        &scim,
        Method::PATCH,
        &format!("/Devices/{id}"),
        Some(patch(
            json!([{"op": "replace", "path": "managed", "value": false}]),
        )),
    )
    .await;
    assert_eq!(reply.body["managed"], false);
    let reply = send(&scim, Method::GET, "/ResourceTypes/Device", None).await;
    assert_eq!(
        (reply.body["endpoint"].clone(), reply.body["schema"].clone()),
        (json!("/Devices"), json!(DEVICE))
    );
    let reply = send(&scim, Method::GET, &format!("/Schemas/{DEVICE}"), None).await;
    assert_eq!(reply.body["attributes"].as_array().unwrap().len(), 4);
    let reply = send(
        &scim,
        Method::POST,
        "/.search",
        Some(json!({"filter": "serialNumber eq \"SN-1\""})),
    )
    .await;
    assert_eq!(reply.body["totalResults"], 1);
    assert_eq!(
        send(&scim, Method::DELETE, &format!("/Devices/{id}"), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
}

// ---------- cursor pagination (RFC 9865) ----------

async fn walk_with_cursor(
    scim: &Scim,
    query: &str,
    count: usize,
    mut between: impl FnMut(usize) -> Option<Value>,
) -> (Vec<String>, Vec<usize>) {
    let mut seen = Vec::new();
    let mut totals = Vec::new();
    let mut cursor = String::new();
    for page in 0.. {
        let sep = if query.contains('?') { '&' } else { '?' };
        let reply = send(
            scim,
            Method::GET,
            &format!("{query}{sep}count={count}&cursor={cursor}"),
            None,
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        assert!(reply.body.get("startIndex").is_none());
        totals.push(usize::try_from(reply.body["totalResults"].as_u64().unwrap()).unwrap());
        seen.extend(names(&reply));
        if let Some(body) = between(page) {
            assert_eq!(
                send(scim, Method::POST, "/Users", Some(body)).await.status,
                StatusCode::CREATED
            );
        }
        match reply.body.get("nextCursor").and_then(Value::as_str) {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    (seen, totals)
}

/// Two engines over one store (two instances) with the same `cursor_key`: a cursor the first
/// issued continues on the second; an engine with a random key refuses it as `invalidCursor`.
#[tokio::test]
async fn engines_sharing_a_cursor_key_continue_each_others_cursors() {
    let store: std::sync::Arc<dyn scimkit_core::store::ResourceStore> =
        std::sync::Arc::new(RefStore::new(PushDown::default()));
    let keyed = || {
        Scim::builder()
            .shared_store(store.clone())
            .authenticator(auth)
            .cursor_key([3; 32])
            .build()
            .unwrap()
    };
    let (first, second) = (keyed(), keyed());
    let stranger = Scim::builder()
        .shared_store(store.clone())
        .authenticator(auth)
        .build()
        .unwrap();
    for name in ["ann", "bob", "cy", "dee"] {
        create(&first, json!({"schemas": [USER], "userName": name})).await;
    }
    let page = send(
        &first,
        Method::GET,
        "/Users?cursor&count=2&sortBy=userName",
        None,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
    let next = format!(
        "/Users?cursor={}&count=2&sortBy=userName",
        page.body["nextCursor"].as_str().unwrap()
    );
    let page = send(&second, Method::GET, &next, None).await;
    assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
    assert_eq!(page.body["Resources"][0]["userName"], "cy");
    let refused = send(&stranger, Method::GET, &next, None).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.scim_type(), Some("invalidCursor"));
    // The key never shows in the builder's debug output.
    let shown = format!("{:?}", Scim::builder().cursor_key([0xAB; 32]));
    assert!(
        shown.contains("CursorKey(..)") && !shown.contains("171"),
        "{shown}"
    );
}

#[tokio::test]
async fn cursor_pages_are_stable_under_concurrent_inserts() {
    // The in-memory store pages itself; the reference store with nothing pushed down lets the
    // engine page. Both must see every user that existed at the start exactly once.
    for (label, scim, n) in [
        (
            "in-memory store",
            Scim::builder()
                .store(InMemoryStore::new())
                .authenticator(auth)
                .max_page_size(1000)
                .build()
                .unwrap(),
            10_000,
        ),
        (
            "engine keyset",
            builder(PushDown::default())
                .max_page_size(1000)
                .build()
                .unwrap(),
            2_000,
        ),
    ] {
        for i in 0..n {
            let body = json!({"schemas": [USER], "userName": format!("u{i:05}")});
            assert_eq!(
                send(&scim, Method::POST, "/Users", Some(body)).await.status,
                StatusCode::CREATED
            );
        }
        let mut inserted = 0;
        let (seen, _) = walk_with_cursor(&scim, "/Users", 500, |page| {
            inserted += 1;
            Some(json!({"schemas": [USER], "userName": format!("late{page:03}")}))
        })
        .await;
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), seen.len(), "{label}: an item was repeated");
        for i in 0..n {
            assert!(
                unique.binary_search(&format!("u{i:05}")).is_ok(),
                "{label}: u{i:05} skipped"
            );
        }

        // Sorted descending, filtered, through POST .search.
        let body = json!({"filter": "userName sw \"u0\"", "sortBy": "userName", "sortOrder": "descending", "count": 300, "cursor": ""});
        let reply = send(&scim, Method::POST, "/Users/.search", Some(body)).await;
        assert_eq!(reply.status, StatusCode::OK, "{label}");
        let first = names(&reply);
        assert_eq!(
            first.first().map(String::as_str),
            Some(if n == 10_000 { "u09999" } else { "u01999" }),
            "{label}"
        );
        assert!(first.windows(2).all(|w| w[0] > w[1]), "{label}: descending");
        assert!(reply.body["nextCursor"].is_string());
        let _ = inserted;
    }
}

#[tokio::test]
async fn cursors_are_tamper_evident_tenant_bound_and_expire() {
    for (label, scim) in [
        (
            "in-memory store",
            Scim::builder()
                .store(InMemoryStore::new())
                .authenticator(auth)
                .build()
                .unwrap(),
        ),
        (
            "engine keyset",
            builder(PushDown::default()).build().unwrap(),
        ),
    ] {
        for i in 0..5 {
            create(&scim, user(&format!("c{i}"))).await;
        }
        let reply = send(&scim, Method::GET, "/Users?count=2&cursor=", None).await;
        let cursor = reply.body["nextCursor"].as_str().unwrap().to_owned();
        let ok = send(
            &scim,
            Method::GET,
            &format!("/Users?count=2&cursor={cursor}"),
            None,
        )
        .await;
        assert_eq!(names(&ok).len(), 2, "{label}");

        let mut tampered = cursor.clone().into_bytes();
        let at = tampered.len() / 3;
        tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        // Altered, malformed, for another query (a filter), or mixed with startIndex.
        let cases = [
            (format!("/Users?count=2&cursor={tampered}"), "invalidCursor"),
            ("/Users?count=2&cursor=garbage".to_owned(), "invalidCursor"),
            ("/Users?count=2&cursor=a.b".to_owned(), "invalidCursor"),
            (
                format!("/Users?count=2&filter=userName%20pr&cursor={cursor}"),
                "invalidCursor",
            ),
            (
                format!("/Users?startIndex=1&cursor={cursor}"),
                "invalidValue",
            ),
        ];
        for (uri, scim_type) in cases {
            let reply = send(&scim, Method::GET, &uri, None).await;
            assert_eq!(reply.scim_type(), Some(scim_type), "{label}: {uri}");
        }
        let reply = send(&scim, Method::POST, "/.search", Some(json!({"cursor": ""}))).await;
        assert_eq!(reply.scim_type(), Some("invalidValue"), "{label}");
    }

    // Tenant-bound: a cursor of tenant A is refused for tenant B.
    let tokens = Arc::new(BearerTokens::new());
    let a = tokens.mint(Tenant::new("a"), "a", None).unwrap().token;
    let b = tokens.mint(Tenant::new("b"), "b", None).unwrap().token;
    let scim = memory_engine(tokens);
    for token in [&a, &b] {
        for i in 0..3 {
            let r = send_request(
                &scim,
                with_token(
                    request(Method::POST, "/Users", Some(user(&format!("t{i}")))),
                    token,
                ),
                Mount::root(),
            )
            .await;
            assert_eq!(r.status, StatusCode::CREATED);
        }
    }
    let r = send_request(
        &scim,
        with_token(request(Method::GET, "/Users?count=1&cursor=", None), &a),
        Mount::root(),
    )
    .await;
    let cursor = r.body["nextCursor"].as_str().unwrap().to_owned();
    let r = send_request(
        &scim,
        with_token(
            request(
                Method::GET,
                &format!("/Users?count=1&cursor={cursor}"),
                None,
            ),
            &b,
        ),
        Mount::root(),
    )
    .await;
    assert_eq!(r.scim_type(), Some("invalidCursor"));

    // Expiry (engine cursors with a zero timeout).
    let scim = builder(PushDown::default())
        .cursor_timeout(std::time::Duration::ZERO)
        .build()
        .unwrap();
    for i in 0..3 {
        create(&scim, user(&format!("e{i}"))).await;
    }
    let reply = send(&scim, Method::GET, "/Users?count=1&cursor=", None).await;
    let cursor = reply.body["nextCursor"].as_str().unwrap().to_owned();
    let reply = send(
        &scim,
        Method::GET,
        &format!("/Users?count=1&cursor={cursor}"),
        None,
    )
    .await;
    assert_eq!(reply.scim_type(), Some("expiredCursor"));

    let spc = send(&scim, Method::GET, "/ServiceProviderConfig", None).await;
    assert_eq!(spc.body["pagination"]["cursor"], true);
    assert_eq!(spc.body["pagination"]["cursorTimeout"], 0);
}
