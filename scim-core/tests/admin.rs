#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The admin API through `Admin::handle`: tokens listed without secrets, minted once, rotated
//! and revoked with immediate effect on the engine, tenant isolation, "last used", and the
//! refusals of malformed requests; the activity endpoint over the log the engine records into.

use std::sync::Arc;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use scimkit_core::activity::{ActivityLog, InMemoryActivityLog};
use scimkit_core::admin::{Admin, UrlTemplate, MAX_EXPIRES_IN_DAYS};
use scimkit_core::auth::BearerTokens;
use scimkit_core::context::Tenant;
use scimkit_core::engine::Mount;
use scimkit_core::{InMemoryStore, Scim};
use serde_json::{json, Value};

struct Setup {
    tokens: Arc<BearerTokens>,
    admin: Admin,
    scim: Scim,
}

fn setup() -> Setup {
    let tokens = Arc::new(BearerTokens::new());
    let admin = Admin::builder()
        .tokens(Arc::clone(&tokens))
        .scim_url(UrlTemplate::new("https://api.example.com/scim/v2/{tenant}"))
        .build()
        .unwrap();
    let scim = Scim::builder()
        .store(InMemoryStore::new())
        .authenticator(Arc::clone(&tokens))
        .build()
        .unwrap();
    Setup {
        tokens,
        admin,
        scim,
    }
}

async fn call(
    admin: &Admin,
    method: Method,
    path: &str,
    body: Option<&str>,
) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(path);
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    let request = request
        .body(Bytes::from(body.unwrap_or_default().to_owned()))
        .unwrap();
    let response = admin.handle(request).await;
    decode(&response)
}

fn decode(response: &Response<Bytes>) -> (StatusCode, Value) {
    let status = response.status();
    if status == StatusCode::NO_CONTENT {
        assert!(response.body().is_empty());
        return (status, Value::Null);
    }
    assert_eq!(
        response.headers()["content-type"],
        "application/json",
        "{status}"
    );
    let body = serde_json::from_slice(response.body()).unwrap();
    (status, body)
}

/// The status of a SCIM `GET /Users` for `tenant` with `token`.
async fn scim_status(scim: &Scim, tenant: &str, token: &str) -> u16 {
    let request = Request::get("/Users")
        .header("authorization", format!("Bearer {token}"))
        .body(Bytes::new())
        .unwrap();
    let mount = Mount {
        prefix: "",
        tenant: Some(tenant),
    };
    scim.handle_with(request, mount).await.status().as_u16()
}

async fn mint(admin: &Admin, tenant: &str, label: &str) -> (String, String) {
    let (status, body) = call(
        admin,
        Method::POST,
        &format!("/tenants/{tenant}/tokens"),
        Some(&json!({"label": label}).to_string()),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    (
        body["secret"].as_str().unwrap().to_owned(),
        body["token"]["id"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn mint_shows_the_secret_once_and_list_never() {
    let Setup {
        tokens,
        admin,
        scim,
    } = setup();
    let (status, body) = call(
        &admin,
        Method::POST,
        "/tenants/acme/tokens",
        Some(r#"{"label": "Entra ID", "expiresInDays": 365}"#),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let secret = body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("scim_"));
    assert_eq!(body["scimUrl"], "https://api.example.com/scim/v2/acme");
    let token = &body["token"];
    assert_eq!(token["label"], "Entra ID");
    assert!(token["created"].is_string());
    assert!(token["expires"].is_string());
    assert_eq!(token["lastUsed"], Value::Null);

    // The minted token authenticates with the engine, for its tenant only.
    assert_eq!(scim_status(&scim, "acme", &secret).await, 200);
    assert_eq!(scim_status(&scim, "globex", &secret).await, 401);

    // A later list shows the token's metadata, never the secret or its hash.
    let (status, list) = call(&admin, Method::GET, "/tenants/acme/tokens", None).await;
    assert_eq!(status, 200);
    assert_eq!(list["tenant"], "acme");
    let listed = list["tokens"].as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], token["id"]);
    let mut keys: Vec<&str> = listed[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["created", "expires", "id", "label", "lastUsed"]);
    let text = list.to_string();
    let hash = BearerTokens::hash_token(&secret)
        .iter()
        .fold(String::new(), |mut hex, b| {
            hex.push(char::from_digit(u32::from(b >> 4), 16).unwrap());
            hex.push(char::from_digit(u32::from(b & 15), 16).unwrap());
            hex
        });
    assert!(!text.contains(&secret) && !text.contains(&secret[5..]));
    assert!(!text.to_ascii_lowercase().contains(&hash));
    assert!(list.get("secret").is_none());
    assert_eq!(tokens.len(), 1);

    // The tenant's summary.
    let (status, summary) = call(&admin, Method::GET, "/tenants/acme", None).await;
    assert_eq!(status, 200);
    assert_eq!(summary["scimUrl"], "https://api.example.com/scim/v2/acme");
    assert_eq!(summary["tokens"]["total"], 1);
    assert_eq!(summary["tokens"]["active"], 1);
    assert!(!summary.to_string().contains(&secret));
}

#[tokio::test]
async fn last_used_is_set_once_the_token_authenticates() {
    let Setup { admin, scim, .. } = setup();
    let (secret, _) = mint(&admin, "acme", "Okta").await;
    let (_, before) = call(&admin, Method::GET, "/tenants/acme/tokens", None).await;
    assert_eq!(before["tokens"][0]["lastUsed"], Value::Null);
    let (_, summary) = call(&admin, Method::GET, "/tenants/acme", None).await;
    assert_eq!(summary["tokens"]["lastUsed"], Value::Null);

    assert_eq!(scim_status(&scim, "acme", &secret).await, 200);
    let (_, after) = call(&admin, Method::GET, "/tenants/acme/tokens", None).await;
    let used = after["tokens"][0]["lastUsed"]
        .as_str()
        .expect("lastUsed set");
    let used = chrono::DateTime::parse_from_rfc3339(used).unwrap();
    assert!((chrono::Utc::now() - used.to_utc()).num_seconds().abs() < 60);
    let (_, summary) = call(&admin, Method::GET, "/tenants/acme", None).await;
    assert_eq!(
        summary["tokens"]["lastUsed"],
        after["tokens"][0]["lastUsed"]
    );

    // A refused request does not count as a use.
    let (other, _) = mint(&admin, "acme", "unused").await;
    assert_eq!(scim_status(&scim, "globex", &other).await, 401);
    let (_, list) = call(&admin, Method::GET, "/tenants/acme/tokens", None).await;
    assert_eq!(list["tokens"][1]["lastUsed"], Value::Null);
}

#[tokio::test]
async fn rotate_refuses_the_old_secret_at_once() {
    let Setup { admin, scim, .. } = setup();
    let (old, id) = mint(&admin, "acme", "Entra ID").await;
    assert_eq!(scim_status(&scim, "acme", &old).await, 200);

    let (status, body) = call(
        &admin,
        Method::POST,
        &format!("/tenants/acme/tokens/{id}/rotate"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let new = body["secret"].as_str().unwrap();
    assert_ne!(new, old);
    assert_eq!(body["token"]["id"], id.as_str(), "the id stays");
    assert_eq!(body["token"]["label"], "Entra ID", "the label stays");
    assert_eq!(body["token"]["lastUsed"], Value::Null);
    assert_eq!(
        body["token"]["expires"],
        Value::Null,
        "no expiry stays none"
    );

    assert_eq!(scim_status(&scim, "acme", &old).await, 401);
    assert_eq!(scim_status(&scim, "acme", new).await, 200);

    // With an expiry in the body.
    let (status, body) = call(
        &admin,
        Method::POST,
        &format!("/tenants/acme/tokens/{id}/rotate"),
        Some(r#"{"expiresInDays": 30}"#),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["token"]["expires"].is_string());
    let (_, list) = call(&admin, Method::GET, "/tenants/acme/tokens", None).await;
    assert_eq!(list["tokens"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn rotate_keeps_the_lifetime() {
    let Setup { admin, .. } = setup();
    let (_, body) = call(
        &admin,
        Method::POST,
        "/tenants/acme/tokens",
        Some(r#"{"label": "Aptible", "expiresInDays": 365}"#),
    )
    .await;
    let id = body["token"]["id"].as_str().unwrap();
    let (status, rotated) = call(
        &admin,
        Method::POST,
        &format!("/tenants/acme/tokens/{id}/rotate"),
        Some("{}"),
    )
    .await;
    assert_eq!(status, 200, "{rotated}");
    let at = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap();
    let lifetime = at(&rotated["token"]["expires"]) - at(&rotated["token"]["created"]);
    assert!(
        (lifetime - chrono::Duration::days(365)).num_seconds().abs() < 5,
        "{lifetime}"
    );
}

#[tokio::test]
async fn revoke_refuses_the_token_at_once() {
    let Setup { admin, scim, .. } = setup();
    let (secret, id) = mint(&admin, "acme", "Okta").await;
    let (keep, _) = mint(&admin, "acme", "JumpCloud").await;
    let path = format!("/tenants/acme/tokens/{id}");
    let (status, _) = call(&admin, Method::DELETE, &path, None).await;
    assert_eq!(status, 204);
    assert_eq!(scim_status(&scim, "acme", &secret).await, 401);
    assert_eq!(scim_status(&scim, "acme", &keep).await, 200);
    let (status, body) = call(&admin, Method::DELETE, &path, None).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"], "unknownToken");
    let (status, _) = call(&admin, Method::POST, &format!("{path}/rotate"), None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_tenant_cannot_see_or_touch_another_tenants_tokens() {
    let Setup { admin, scim, .. } = setup();
    let (globex_secret, globex_id) = mint(&admin, "globex", "Okta").await;
    mint(&admin, "acme", "Entra ID").await;

    let (status, list) = call(&admin, Method::GET, "/tenants/acme/tokens", None).await;
    assert_eq!(status, 200);
    assert_eq!(list["tokens"].as_array().unwrap().len(), 1);
    assert!(!list.to_string().contains(&globex_id));

    let (status, rotate) = call(
        &admin,
        Method::POST,
        &format!("/tenants/acme/tokens/{globex_id}/rotate"),
        Some(r#"{"expiresInDays": 1}"#),
    )
    .await;
    assert_eq!(status, 404, "{rotate}");
    assert_eq!(rotate["error"], "unknownToken");
    // Without a body too (where rotate looks the lifetime up first).
    let (status, _) = call(
        &admin,
        Method::POST,
        &format!("/tenants/acme/tokens/{globex_id}/rotate"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, revoke) = call(
        &admin,
        Method::DELETE,
        &format!("/tenants/acme/tokens/{globex_id}"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    // The same answer as for a token that never existed.
    let (_, unknown) = call(
        &admin,
        Method::DELETE,
        "/tenants/acme/tokens/0000000000000000",
        None,
    )
    .await;
    assert_eq!(revoke["error"], unknown["error"]);

    // globex's token is untouched.
    assert_eq!(scim_status(&scim, "globex", &globex_secret).await, 200);
    let (_, list) = call(&admin, Method::GET, "/tenants/globex/tokens", None).await;
    assert_eq!(list["tokens"][0]["id"], globex_id.as_str());
}

#[tokio::test]
async fn malformed_requests_are_400_with_a_detail() {
    let Setup { admin, tokens, .. } = setup();
    for (body, mentions) in [
        ("{", "not valid JSON"),
        ("[]", "must be a JSON object"),
        (r#"{"expiresInDays": 3}"#, "label"),
        (r#"{"label": "   "}"#, "must not be empty"),
        (r#"{"label": "a\nb"}"#, "control characters"),
        (r#"{"label": "ok", "expiresInDays": 0}"#, "expiresInDays"),
        (r#"{"label": "ok", "expiresInDays": -1}"#, "expiresInDays"),
        (
            r#"{"label": "ok", "expiresInDays": "365"}"#,
            "expiresInDays",
        ),
        (r#"{"label": "ok", "scopes": []}"#, "scopes"),
        ("", "empty"),
    ] {
        let (status, error) = call(&admin, Method::POST, "/tenants/acme/tokens", Some(body)).await;
        assert_eq!(status, 400, "{body}: {error}");
        assert_eq!(error["status"], 400);
        let detail = error["detail"].as_str().unwrap();
        assert!(detail.contains(mentions), "{body}: {detail}");
    }
    let long = "x".repeat(300);
    let (status, error) = call(
        &admin,
        Method::POST,
        "/tenants/acme/tokens",
        Some(&json!({"label": long}).to_string()),
    )
    .await;
    assert_eq!(status, 400);
    assert!(error["detail"].as_str().unwrap().contains("at most 255"));
    let too_long = json!({"label": "x", "expiresInDays": MAX_EXPIRES_IN_DAYS + 1}).to_string();
    let (status, _) = call(
        &admin,
        Method::POST,
        "/tenants/acme/tokens",
        Some(&too_long),
    )
    .await;
    assert_eq!(status, 400);
    assert!(tokens.is_empty(), "nothing was minted");

    // Not JSON at all.
    let request = Request::post("/tenants/acme/tokens")
        .header("content-type", "text/plain")
        .body(Bytes::from("label=x"))
        .unwrap();
    assert_eq!(admin.handle(request).await.status(), 415);
    // Too large.
    let big = format!(r#"{{"label": "{}"}}"#, "x".repeat(admin.max_body_bytes()));
    let (status, error) = call(&admin, Method::POST, "/tenants/acme/tokens", Some(&big)).await;
    assert_eq!(status, 413, "{error}");
}

#[tokio::test]
async fn unknown_paths_and_methods() {
    let Setup { admin, .. } = setup();
    for path in [
        "/",
        "/tenants",
        "/tenants/",
        "/tenants/acme/users",
        "/tenants/acme/tokens/x/rotate/again",
        "/tenants/%FF/tokens",
        "/tenants/acme/activity",
        "/other",
    ] {
        let (status, body) = call(&admin, Method::GET, path, None).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert_eq!(body["status"], 404);
    }
    for (method, path, allow) in [
        (Method::PUT, "/tenants/acme/tokens", "GET, POST"),
        (Method::GET, "/tenants/acme/tokens/x/rotate", "POST"),
        (Method::GET, "/tenants/acme/tokens/x", "DELETE"),
        (Method::DELETE, "/tenants/acme", "GET"),
    ] {
        let request = Request::builder()
            .method(method.clone())
            .uri(path)
            .body(Bytes::new())
            .unwrap();
        let response = admin.handle(request).await;
        assert_eq!(response.status(), 405, "{method} {path}");
        assert_eq!(response.headers()["allow"], allow);
    }
}

#[tokio::test]
async fn mounted_under_a_prefix_and_streamed() {
    let Setup { admin, .. } = setup();
    let request = Request::post("/admin/scim/tenants/acme/tokens")
        .header("content-type", "application/json")
        .body(Bytes::from(r#"{"label": "x"}"#))
        .unwrap();
    let response = admin.handle_with(request, "/admin/scim").await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["cache-control"], "no-store");

    let (head, ()) = Request::post("/admin/tenants/acme/tokens")
        .header("content-length", "100000")
        .body(())
        .unwrap()
        .into_parts();
    let never = futures_util::stream::pending::<Result<Bytes, std::io::Error>>();
    let response = admin.handle_stream(head, never, "/admin").await;
    assert_eq!(response.status(), 413, "refused on the declared length");

    let (head, ()) = Request::delete("/admin/nowhere")
        .body(())
        .unwrap()
        .into_parts();
    let never = futures_util::stream::pending::<Result<Bytes, std::io::Error>>();
    let response = admin.handle_stream(head, never, "/admin").await;
    assert_eq!(response.status(), 404, "refused before reading the body");
}

#[tokio::test]
async fn the_builder_needs_tokens() {
    assert!(Admin::builder().build().is_err());
    let admin = Admin::builder()
        .tokens(BearerTokens::new())
        .build()
        .unwrap();
    let (status, body) = call(&admin, Method::GET, "/tenants/acme", None).await;
    assert_eq!(status, 200);
    assert_eq!(body["scimUrl"], Value::Null);
    assert_eq!(
        admin.scim_url(&Tenant::new("acme")),
        None,
        "no URL without a builder"
    );
}

/// The activity endpoint serves the log the engine records into: the tenant's own requests,
/// newest first, filtered, never another tenant's, never a secret.
#[tokio::test]
async fn activity_shows_the_tenants_requests_and_nothing_else() {
    let tokens = Arc::new(BearerTokens::new());
    let log: Arc<dyn ActivityLog> = Arc::new(InMemoryActivityLog::new(100));
    let admin = Admin::builder()
        .tokens(Arc::clone(&tokens))
        .activity_log(Arc::clone(&log))
        .build()
        .unwrap();
    let scim = Scim::builder()
        .store(InMemoryStore::new())
        .authenticator(Arc::clone(&tokens))
        .shared_activity_log(Arc::clone(&log))
        .build()
        .unwrap();
    let (acme, _) = mint(&admin, "acme", "entra").await;
    let (globex, _) = mint(&admin, "globex", "okta").await;
    let create = |token: &str, name: &str| {
        Request::post("/Users")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/scim+json")
            .header("user-agent", "Azure AD SCIM Client")
            .body(Bytes::from(
                json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                       "userName": name, "password": "s3cret-Passw0rd"})
                .to_string(),
            ))
            .unwrap()
    };
    let created = scim.handle(create(&acme, "ann")).await;
    assert_eq!(created.status(), 201);
    let id: Value = serde_json::from_slice(created.body()).unwrap();
    let id = id["id"].as_str().unwrap().to_owned();
    assert_eq!(scim.handle(create(&acme, "ann")).await.status(), 409);
    assert_eq!(scim.handle(create(&globex, "bob")).await.status(), 201);

    let (status, body) = call(&admin, Method::GET, "/tenants/acme/activity", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["tenant"], "acme");
    let entries = body["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{body}");
    assert_eq!(entries[0]["status"], 409, "newest first: {body}");
    assert_eq!(entries[0]["scimType"], "uniqueness");
    assert_eq!(entries[1]["status"], 201);
    assert_eq!(entries[1]["resourceId"], id.as_str());
    assert_eq!(entries[1]["identityProvider"], "Azure AD SCIM Client");
    for entry in entries {
        assert_eq!(entry["tenant"], "acme");
    }
    let text = body.to_string();
    assert!(
        !text.contains("s3cret-Passw0rd") && !text.contains(&acme),
        "{text}"
    );

    let (_, refusals) = call(
        &admin,
        Method::GET,
        "/tenants/acme/activity?refusals=true",
        None,
    )
    .await;
    assert_eq!(refusals["entries"].as_array().map(Vec::len), Some(1));
    let (_, one) = call(
        &admin,
        Method::GET,
        &format!("/tenants/acme/activity?resource={id}&limit=5"),
        None,
    )
    .await;
    assert_eq!(one["entries"].as_array().map(Vec::len), Some(1), "{one}");
    let (_, other) = call(&admin, Method::GET, "/tenants/globex/activity", None).await;
    assert_eq!(other["entries"].as_array().map(Vec::len), Some(1));
    assert_eq!(other["entries"][0]["tenant"], "globex");

    let (status, body) = call(&admin, Method::GET, "/tenants/acme/activity?limit=0", None).await;
    assert_eq!(
        (status, body["error"].clone()),
        (StatusCode::BAD_REQUEST, json!("invalidValue"))
    );
    let without = setup();
    let (status, _) = call(&without.admin, Method::GET, "/tenants/acme/activity", None).await;
    assert_eq!(status, 404);
}
