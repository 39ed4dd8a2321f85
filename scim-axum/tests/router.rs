//! The axum adapter over HTTP (through `tower::ServiceExt::oneshot`): mounting, mount prefix,
//! tenant path parameters, a host app around it, the body limit, a custom handler, and headers
//! passed through.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value,
    clippy::needless_raw_string_hashes
)]

use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderValue, Request, Response, StatusCode};
use axum::routing::get;
use axum::Router;
use futures_util::StreamExt;
use http_body_util::BodyExt;
use scimkit_axum::{ScimRequest, ScimResponse};
use scimkit_core::auth::{AuthError, AuthRequest, BearerTokens};
use scimkit_core::context::{Caller, Context, Tenant};
use scimkit_core::{InMemoryStore, Scim};
use serde_json::{json, Value};
use tower::ServiceExt;

const TOKEN: &str = "s3cret";

/// An engine whose authenticator accepts `TOKEN` for the path's tenant (or `default`) and
/// records every tenant it is handed.
fn engine(seen: Arc<Mutex<Vec<Option<String>>>>) -> Scim {
    let auth = move |req: &AuthRequest<'_>| {
        seen.lock().unwrap().push(req.tenant.map(str::to_owned));
        match req.bearer_token() {
            Some(TOKEN) => Ok(Context::new(
                Tenant::new(req.tenant.unwrap_or("default")),
                Caller::new("test"),
            )),
            _ => Err(AuthError::Unauthorized("a bearer token is required".into())),
        }
    };
    Scim::builder()
        .store(InMemoryStore::new())
        .authenticator(auth)
        .max_body_bytes(1024)
        .build()
        .unwrap()
}

fn plain_engine() -> Scim {
    engine(Arc::new(Mutex::new(Vec::new())))
}

fn request(method: &str, uri: &str, body: Option<Value>) -> Request<Body> {
    let builder = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::HOST, "example.com")
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"));
    match body {
        Some(body) => builder
            .header(header::CONTENT_TYPE, "application/scim+json")
            .body(Body::from(body.to_string()))
            .unwrap(),
        None => builder.body(Body::empty()).unwrap(),
    }
}

fn user(name: &str) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name})
}

async fn send(app: &Router, request: Request<Body>) -> (Response<Body>, Value) {
    let response = app.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (Response::from_parts(parts, Body::empty()), json)
}

fn header_of(response: &Response<Body>, name: header::HeaderName) -> &str {
    response.headers()[name].to_str().unwrap()
}

#[tokio::test]
async fn nested_at_scim_v2_location_and_headers_pass_through() {
    let app = Router::new().nest("/scim/v2", scimkit_axum::router(plain_engine()));

    let (created, body) = send(
        &app,
        request("POST", "/scim/v2/Users", Some(user("bjensen"))),
    )
    .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let id = body["id"].as_str().unwrap();
    let location = header_of(&created, header::LOCATION);
    assert_eq!(location, format!("http://example.com/scim/v2/Users/{id}"));
    assert_eq!(body["meta"]["location"], location);
    assert!(header_of(&created, header::CONTENT_TYPE).starts_with("application/scim+json"));
    let etag = header_of(&created, header::ETAG).to_owned();
    assert!(etag.starts_with("W/\""), "{etag}");

    let (got, body) = send(&app, request("GET", &format!("/scim/v2/Users/{id}"), None)).await;
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(header_of(&got, header::ETAG), etag);
    assert_eq!(body["userName"], "bjensen");

    // The mount point itself and discovery are the engine's too.
    let (config, body) = send(&app, request("GET", "/scim/v2/ServiceProviderConfig", None)).await;
    assert_eq!(config.status(), StatusCode::OK);
    assert_eq!(body["patch"]["supported"], true);
}

#[tokio::test]
async fn errors_are_scim_bodies_with_www_authenticate() {
    let app = Router::new().nest("/scim/v2", scimkit_axum::router(plain_engine()));
    let mut unauthenticated = request("GET", "/scim/v2/Users", None);
    unauthenticated.headers_mut().remove(header::AUTHORIZATION);
    let (response, body) = send(&app, unauthenticated).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(header_of(&response, header::WWW_AUTHENTICATE).starts_with("Bearer"));
    assert_eq!(body["status"], "401");

    let (response, body) = send(&app, request("GET", "/scim/v2/Nope", None)).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        body["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );

    // Outside the nest path the host's router answers, not the engine.
    let (response, body) = send(&app, request("GET", "/elsewhere", None)).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(body, Value::Null);
}

#[tokio::test]
async fn tenant_path_parameter_reaches_the_authenticator_and_tenants_are_isolated() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let app = Router::new().nest(
        "/scim/v2/{tenant}",
        scimkit_axum::router(engine(Arc::clone(&seen))),
    );

    let (created, body) = send(
        &app,
        request("POST", "/scim/v2/acme/Users", Some(user("bjensen"))),
    )
    .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let id = body["id"].as_str().unwrap();
    assert_eq!(
        header_of(&created, header::LOCATION),
        format!("http://example.com/scim/v2/acme/Users/{id}")
    );
    assert_eq!(seen.lock().unwrap().as_slice(), [Some("acme".to_owned())]);

    let filter = "/Users?filter=userName%20eq%20%22bjensen%22";
    let (_, acme) = send(
        &app,
        request("GET", &format!("/scim/v2/acme{filter}"), None),
    )
    .await;
    assert_eq!(acme["totalResults"], 1);
    let (_, globex) = send(
        &app,
        request("GET", &format!("/scim/v2/globex{filter}"), None),
    )
    .await;
    assert_eq!(globex["totalResults"], 0);
    let (other, _) = send(
        &app,
        request("GET", &format!("/scim/v2/globex/Users/{id}"), None),
    )
    .await;
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        seen.lock().unwrap().last().unwrap().as_deref(),
        Some("globex")
    );
}

/// The tenant rule: `tenant` if present, else the only parameter, else none.
#[tokio::test]
async fn tenant_rule_for_other_parameter_names() {
    async fn tenant_for(nest: &str, uri: &str) -> Option<String> {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let app = Router::new().nest(nest, scimkit_axum::router(engine(Arc::clone(&seen))));
        let (response, _) = send(&app, request("GET", uri, None)).await;
        assert_eq!(response.status(), StatusCode::OK, "{uri}");
        let last = seen.lock().unwrap().pop().unwrap();
        last
    }
    assert_eq!(
        tenant_for("/orgs/{org}/scim", "/orgs/o1/scim/Users")
            .await
            .as_deref(),
        Some("o1")
    );
    assert_eq!(
        tenant_for("/r/{region}/scim/{tenant}", "/r/eu/scim/t1/Users")
            .await
            .as_deref(),
        Some("t1")
    );
    assert_eq!(
        tenant_for("/r/{region}/scim/{org}", "/r/eu/scim/o1/Users").await,
        None
    );
    assert_eq!(tenant_for("/scim/v2", "/scim/v2/Users").await, None);
    // A segment that is not UTF-8 once decoded names no tenant: SCIM 404, no authentication.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let app = Router::new().nest(
        "/t/{tenant}",
        scimkit_axum::router(engine(Arc::clone(&seen))),
    );
    let (response, body) = send(&app, request("GET", "/t/%FF/Users", None)).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(body["status"], "404");
    assert!(seen.lock().unwrap().is_empty());
    // Percent-encoded segments arrive decoded.
    assert_eq!(
        tenant_for("/t/{tenant}", "/t/acme%20corp/Users")
            .await
            .as_deref(),
        Some("acme corp")
    );
}

/// A nest path that starts with a parameter conflicts with axum's own root fallback under
/// `nest`; `nest_service` takes it, and the parameters still arrive.
#[tokio::test]
async fn nest_service_under_a_leading_parameter() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let app: Router = Router::new().nest_service(
        "/{tenant}/scim/v2",
        scimkit_axum::router(engine(Arc::clone(&seen))),
    );
    let (created, body) = send(
        &app,
        request("POST", "/acme/scim/v2/Users", Some(user("n"))),
    )
    .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let id = body["id"].as_str().unwrap();
    assert_eq!(
        header_of(&created, header::LOCATION),
        format!("http://example.com/acme/scim/v2/Users/{id}")
    );
    assert_eq!(seen.lock().unwrap().as_slice(), [Some("acme".to_owned())]);
}

#[derive(Clone)]
struct HostState {
    name: &'static str,
}

async fn whoami(State(state): State<HostState>) -> &'static str {
    state.name
}

#[tokio::test]
async fn host_app_with_state_routes_and_layers() {
    let app = Router::new()
        .route("/whoami", get(whoami))
        .nest("/api/scim/v2", scimkit_axum::router(plain_engine()))
        .layer(axum::middleware::map_response(
            |mut response: axum::response::Response| async {
                response
                    .headers_mut()
                    .insert("x-host", HeaderValue::from_static("yes"));
                response
            },
        ))
        .with_state(HostState { name: "host" });

    let response = app
        .clone()
        .oneshot(request("GET", "/whoami", None))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["x-host"], "yes");
    assert_eq!(
        response.into_body().collect().await.unwrap().to_bytes(),
        "host"
    );

    let (created, body) = send(&app, request("POST", "/api/scim/v2/Users", Some(user("b")))).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(created.headers()["x-host"], "yes");
    let id = body["id"].as_str().unwrap();
    assert_eq!(
        header_of(&created, header::LOCATION),
        format!("http://example.com/api/scim/v2/Users/{id}")
    );
}

#[tokio::test]
async fn streamed_body_over_the_limit_is_a_scim_413() {
    let app = Router::new().nest("/scim/v2", scimkit_axum::router(plain_engine()));
    // 64 chunks of 100 bytes, no Content-Length: the limit (1024) stops the reading.
    let chunks = (0..64).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![b' '; 100])));
    let pulled = Arc::new(Mutex::new(0_usize));
    let counter = Arc::clone(&pulled);
    let stream = futures_util::stream::iter(chunks).inspect(move |_| *counter.lock().unwrap() += 1);
    let mut streamed = request("POST", "/scim/v2/Users", None);
    *streamed.body_mut() = Body::from_stream(stream);
    streamed.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/scim+json"),
    );
    assert!(streamed.headers().get(header::CONTENT_LENGTH).is_none());
    let (response, body) = send(&app, streamed).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["status"], "413");
    assert_eq!(
        body["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );
    assert!(*pulled.lock().unwrap() < 64, "the body was read to the end");

    // A declared Content-Length over the limit is refused before reading.
    let mut declared = request("POST", "/scim/v2/Users", Some(user("x")));
    declared
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from_static("1000000"));
    let (response, body) = send(&app, declared).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["status"], "413");

    // Under the limit, a streamed body is fine.
    let text = user("streamed").to_string();
    let parts = vec![
        Ok::<_, std::io::Error>(Bytes::from(text[..10].to_owned())),
        Ok(Bytes::from(text[10..].to_owned())),
    ];
    let mut small = request("POST", "/scim/v2/Users", None);
    *small.body_mut() = Body::from_stream(futures_util::stream::iter(parts));
    small.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/scim+json"),
    );
    let (response, _) = send(&app, small).await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn custom_handler_with_scim_request_and_response() {
    let scim = plain_engine();
    let calls = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&calls);
    let handler = move |request: ScimRequest| {
        let scim = scim.clone();
        let log = Arc::clone(&log);
        async move {
            let seen = (
                request.prefix().to_owned(),
                request.tenant().map(str::to_owned),
            );
            let response: ScimResponse = request.handle(&scim).await;
            log.lock().unwrap().push((seen, response.0.status()));
            response
        }
    };
    let app = Router::new().nest("/scim/{tenant}", Router::new().fallback(handler));

    let (created, _) = send(&app, request("POST", "/scim/acme/Users", Some(user("c")))).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    assert!(
        header_of(&created, header::LOCATION).starts_with("http://example.com/scim/acme/Users/")
    );
    assert_eq!(
        calls.lock().unwrap().as_slice(),
        [(
            ("/scim/acme".to_owned(), Some("acme".to_owned())),
            StatusCode::CREATED
        )]
    );

    // ScimResponse passes an engine response through unchanged.
    let raw = http::Response::builder()
        .status(StatusCode::ACCEPTED)
        .header("x-a", "1")
        .body(Bytes::from_static(b"{}"))
        .unwrap();
    let response = axum::response::IntoResponse::into_response(ScimResponse::from(raw));
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert_eq!(response.headers()["x-a"], "1");
    assert_eq!(
        response.into_body().collect().await.unwrap().to_bytes(),
        "{}"
    );
}

#[tokio::test]
async fn bearer_tokens_work_through_the_router() {
    let tokens = Arc::new(BearerTokens::new());
    let minted = tokens.mint(Tenant::new("acme"), "idp", None).unwrap();
    let scim = Scim::builder()
        .store(InMemoryStore::new())
        .authenticator(Arc::clone(&tokens))
        .build()
        .unwrap();
    let app = Router::new().nest("/scim/v2", scimkit_axum::router(scim));
    let mut req = request("GET", "/scim/v2/Users", None);
    req.headers_mut().insert(
        header::AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {}", minted.token)).unwrap(),
    );
    let (response, body) = send(&app, req).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body["totalResults"], 0);
}
