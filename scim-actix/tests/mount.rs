//! The adapter over HTTP with `actix_web::test`: mount prefix and `Location`, the tenant path
//! segment, a host app around the engine, streamed body limits, a custom handler, and headers
//! passed through unchanged.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value,
    clippy::needless_raw_string_hashes
)]

use std::pin::Pin;
use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, Service, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::StatusCode;
use actix_web::{middleware, test, web, App, HttpResponse, Responder};
use bytes::Bytes;
use futures_util::Stream;
use scimkit_actix::{ScimRequest, ScimResponse};
use scimkit_core::auth::{AuthError, AuthRequest, BearerTokens};
use scimkit_core::context::{Caller, Context, Tenant};
use scimkit_core::{InMemoryStore, Scim};
use serde_json::{json, Value};

const TOKEN: &str = "Bearer s3cret";

/// An engine whose authenticator accepts `s3cret` for the tenant in the path (or `default`).
fn engine() -> Scim {
    Scim::builder()
        .store(InMemoryStore::new())
        .authenticator(|req: &AuthRequest<'_>| match req.bearer_token() {
            Some("s3cret") => Ok(Context::new(
                Tenant::new(req.tenant.unwrap_or("default")),
                Caller::new("test"),
            )),
            _ => Err(AuthError::Unauthorized("no".into())),
        })
        .build()
        .unwrap()
}

fn user(name: &str) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name})
}

async fn body_json(res: ServiceResponse<impl MessageBody>) -> Value {
    let bytes = test::read_body(res).await;
    serde_json::from_slice(&bytes).unwrap()
}

fn header<B>(res: &ServiceResponse<B>, name: &str) -> String {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

fn post_user(uri: &str, name: &str) -> test::TestRequest {
    test::TestRequest::post()
        .uri(uri)
        .insert_header(("Host", "scim.example.com"))
        .insert_header(("Authorization", TOKEN))
        .insert_header(("Content-Type", "application/scim+json"))
        .set_payload(user(name).to_string())
}

#[actix_web::test]
async fn scope_prefix_makes_location_and_headers_pass_through() {
    let app = test::init_service(
        App::new().service(web::scope("/scim/v2").configure(scimkit_actix::configure(engine()))),
    )
    .await;
    let res = test::call_service(&app, post_user("/scim/v2/Users", "bjensen").to_request()).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = header(&res, "location");
    let etag = header(&res, "etag");
    assert!(header(&res, "content-type").starts_with("application/scim+json"));
    assert!(etag.starts_with("W/\""), "{etag}");
    let body = body_json(res).await;
    let id = body["id"].as_str().unwrap();
    assert_eq!(
        location,
        format!("http://scim.example.com/scim/v2/Users/{id}")
    );
    assert_eq!(body["meta"]["location"], location.as_str());

    // The Location works as a URL, and a conditional GET with the ETag is answered 304.
    let path = location.trim_start_matches("http://scim.example.com");
    let req = test::TestRequest::get()
        .uri(path)
        .insert_header(("Authorization", TOKEN))
        .insert_header(("If-None-Match", etag.as_str()))
        .to_request();
    assert_eq!(
        test::call_service(&app, req).await.status(),
        StatusCode::NOT_MODIFIED
    );

    // 401 keeps its WWW-Authenticate challenge.
    let req = test::TestRequest::get().uri("/scim/v2/Users").to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(header(&res, "www-authenticate").starts_with("Bearer"));
    assert_eq!(body_json(res).await["status"], "401");
}

#[actix_web::test]
async fn mounted_at_the_root_and_nested_scopes() {
    let root = test::init_service(App::new().configure(scimkit_actix::configure(engine()))).await;
    let res = test::call_service(&root, post_user("/Users", "root").to_request()).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert!(header(&res, "location").starts_with("http://scim.example.com/Users/"));

    let nested = test::init_service(
        App::new().service(
            web::scope("/api")
                .service(web::scope("/scim/v2").configure(scimkit_actix::configure(engine()))),
        ),
    )
    .await;
    let res = test::call_service(
        &nested,
        post_user("/api/scim/v2/Users", "nested").to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert!(header(&res, "location").starts_with("http://scim.example.com/api/scim/v2/Users/"));

    // Unknown endpoints below the scope are SCIM errors, not actix's empty 404.
    let req = test::TestRequest::get()
        .uri("/api/scim/v2/Nope")
        .insert_header(("Authorization", TOKEN))
        .to_request();
    let res = test::call_service(&nested, req).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(body_json(res).await["status"], "404");
}

#[actix_web::test]
async fn percent_encoded_paths_keep_the_prefix() {
    let app = test::init_service(
        App::new()
            .service(web::scope("/scim/v2/{tenant}").configure(scimkit_actix::configure(engine()))),
    )
    .await;
    // actix re-quotes `%61` to `a` for matching; the engine still sees the raw path.
    let req = test::TestRequest::get()
        .uri("/scim/v2/%61cme/Users/no%20such%20id")
        .insert_header(("Authorization", TOKEN))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let body = body_json(res).await;
    assert!(
        !body["detail"]
            .as_str()
            .unwrap()
            .contains("no SCIM endpoint"),
        "{body}"
    );
}

#[actix_web::test]
async fn tenant_path_parameter_reaches_the_authenticator_and_isolates() {
    let scim = Scim::builder()
        .store(InMemoryStore::new())
        .authenticator(|req: &AuthRequest<'_>| {
            let tenant = req.tenant.expect("the adapter passes the tenant");
            assert!(matches!(tenant, "acme" | "globex"), "{tenant}");
            assert!(req.path.starts_with("/Users"), "{}", req.path);
            match req.bearer_token() {
                Some(token) if token == format!("token-{tenant}") => {
                    Ok(Context::new(Tenant::new(tenant), Caller::new("idp")))
                }
                _ => Err(AuthError::Unauthorized(
                    "wrong token for this tenant".into(),
                )),
            }
        })
        .build()
        .unwrap();
    let app = test::init_service(
        App::new()
            .service(web::scope("/scim/v2/{tenant}").configure(scimkit_actix::configure(scim))),
    )
    .await;
    let req = post_user("/scim/v2/acme/Users", "alice")
        .insert_header(("Authorization", "Bearer token-acme"))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert!(header(&res, "location").starts_with("http://scim.example.com/scim/v2/acme/Users/"));
    let id = body_json(res).await["id"].as_str().unwrap().to_owned();

    let get = |tenant: &str, token: &str, path: String| {
        test::TestRequest::get()
            .uri(&format!("/scim/v2/{tenant}{path}"))
            .insert_header(("Authorization", format!("Bearer {token}")))
            .to_request()
    };
    // acme's token does not work on globex's path.
    let res = test::call_service(&app, get("globex", "token-acme", "/Users".into())).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // globex sees nothing of acme.
    let res = test::call_service(&app, get("globex", "token-globex", "/Users".into())).await;
    assert_eq!(body_json(res).await["totalResults"], 0);
    let res = test::call_service(&app, get("globex", "token-globex", format!("/Users/{id}"))).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = test::call_service(&app, get("acme", "token-acme", format!("/Users/{id}"))).await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[actix_web::test]
async fn only_path_parameter_is_the_tenant() {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    let scim = Scim::builder()
        .store(InMemoryStore::new())
        .authenticator(move |req: &AuthRequest<'_>| {
            record.lock().unwrap().push(req.tenant.map(str::to_owned));
            Err(AuthError::Unauthorized("no".into()))
        })
        .build()
        .unwrap();
    let app = test::init_service(
        App::new()
            .service(
                web::scope("/orgs/{org}/scim").configure(scimkit_actix::configure(scim.clone())),
            )
            .service(web::scope("/{a}/{b}/scim").configure(scimkit_actix::configure(scim))),
    )
    .await;
    for uri in ["/orgs/initech/scim/Users", "/x/y/scim/Users"] {
        let res = test::call_service(&app, test::TestRequest::get().uri(uri).to_request()).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        *seen.lock().unwrap(),
        vec![Some("initech".to_owned()), None]
    );
}

#[actix_web::test]
async fn host_app_keeps_its_data_routes_and_middleware() {
    async fn hello(name: web::Data<String>) -> impl Responder {
        format!("hello from {}", name.as_str())
    }
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new("the host".to_owned()))
            .wrap(middleware::DefaultHeaders::new().add(("X-Host", "yes")))
            .route("/hello", web::get().to(hello))
            .service(web::scope("/scim/v2").configure(scimkit_actix::configure(engine())))
            .default_service(web::to(|| async { HttpResponse::ImATeapot().finish() })),
    )
    .await;
    let res = test::call_service(&app, test::TestRequest::get().uri("/hello").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "x-host"), "yes");
    assert_eq!(test::read_body(res).await, "hello from the host");

    let res = test::call_service(&app, post_user("/scim/v2/Users", "carol").to_request()).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(header(&res, "x-host"), "yes");

    // Outside the scope, the host's default service still answers.
    let res = test::call_service(&app, test::TestRequest::get().uri("/other").to_request()).await;
    assert_eq!(res.status(), StatusCode::IM_A_TEAPOT);
}

fn chunks(n: usize, size: usize) -> Payload {
    let stream = futures_util::stream::iter(
        (0..n).map(move |_| Ok::<_, PayloadError>(Bytes::from(vec![b' '; size]))),
    );
    let boxed: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(stream);
    Payload::from(boxed)
}

#[actix_web::test]
async fn body_limit_is_enforced_while_streaming() {
    let tokens = Arc::new(BearerTokens::new());
    let token = tokens
        .mint(scimkit_core::context::Tenant::new("t"), "idp", None)
        .unwrap()
        .token;
    let bearer = ("Authorization", format!("Bearer {token}"));
    let scim = Scim::builder()
        .store(InMemoryStore::new())
        .shared_authenticator(tokens)
        .max_body_bytes(1000)
        .build()
        .unwrap();
    let app = test::init_service(
        App::new().service(web::scope("/scim/v2").configure(scimkit_actix::configure(scim))),
    )
    .await;

    // Streamed, no Content-Length: cut off at the limit.
    let req = test::TestRequest::post()
        .uri("/scim/v2/Users")
        .insert_header(("Content-Type", "application/scim+json"))
        .insert_header(bearer.clone())
        .to_request();
    assert!(actix_web::HttpMessage::headers(&req)
        .get("content-length")
        .is_none());
    let (req, _) = req.replace_payload(chunks(20, 100));
    let res = app.call(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(header(&res, "content-type").starts_with("application/scim+json"));
    let body = body_json(res).await;
    assert_eq!(body["status"], "413");
    assert_eq!(
        body["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );

    // A declared Content-Length over the limit is refused before reading.
    let req = test::TestRequest::post()
        .uri("/scim/v2/Users")
        .insert_header(("Content-Length", "5000"))
        .insert_header(bearer.clone())
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // Just under the limit, streamed: read whole, and the engine answers (400: blank body).
    let req = test::TestRequest::post()
        .uri("/scim/v2/Users")
        .insert_header(bearer.clone())
        .to_request();
    let (req, _) = req.replace_payload(chunks(9, 100));
    let res = app.call(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    // Without a token, the same streamed body is not read at all: 401 from the head.
    let req = test::TestRequest::post().uri("/scim/v2/Users").to_request();
    let (req, _) = req.replace_payload(chunks(20, 100));
    let res = app.call(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn actix_default_payload_limits_do_not_apply() {
    // actix's `PayloadConfig` default is 256 kB; the engine allows 1 MiB.
    let app = test::init_service(
        App::new().service(web::scope("/scim/v2").configure(scimkit_actix::configure(engine()))),
    )
    .await;
    let mut big = user("big");
    big["displayName"] = Value::String("x".repeat(400 * 1024));
    let req = post_user("/scim/v2/Users", "big")
        .set_payload(big.to_string())
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::CREATED);
}

async fn custom(req: ScimRequest, scim: web::Data<Scim>) -> ScimResponse {
    let described = format!("{}|{}", req.prefix(), req.tenant().unwrap_or("-"));
    let mut response = req.handle(&scim).await.into_inner();
    response
        .headers_mut()
        .insert("x-mount", http::HeaderValue::from_str(&described).unwrap());
    ScimResponse::from(response)
}

#[actix_web::test]
async fn custom_handler_with_scim_request_and_response() {
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(engine()))
            .service(web::scope("/v2/{tenant}").default_service(web::to(custom))),
    )
    .await;
    let res = test::call_service(&app, post_user("/v2/acme/Users", "dave").to_request()).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(header(&res, "x-mount"), "/v2/acme|acme");
    assert!(header(&res, "location").starts_with("http://scim.example.com/v2/acme/Users/"));

    // Without the engine in the app data the extractor fails with a 500.
    let bare = test::init_service(App::new().default_service(web::to(custom))).await;
    let res = test::call_service(&bare, test::TestRequest::get().uri("/Users").to_request()).await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[actix_web::test]
async fn scim_response_passes_repeated_headers() {
    let response = http::Response::builder()
        .status(202)
        .header("link", "<a>")
        .header("link", "<b>")
        .header("etag", "W/\"1\"")
        .body(Bytes::from_static(b"{}"))
        .unwrap();
    let req = test::TestRequest::default().to_http_request();
    let res = ScimResponse::from(response).respond_to(&req);
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let links: Vec<_> = res
        .headers()
        .get_all("link")
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(links, ["<a>", "<b>"]);
    assert_eq!(res.headers().get("etag").unwrap(), "W/\"1\"");
    let body = actix_web::body::to_bytes(res.into_body()).await.unwrap();
    assert_eq!(body, "{}");
}

#[actix_web::test]
async fn location_is_https_on_a_tls_listener() {
    use actix_service::IntoServiceFactory as _;
    use actix_web::dev::{AppConfig, ServiceFactory};
    // What HttpServer gives an App on a TLS listener (`__priv_test_new` is actix's test hook).
    let config =
        AppConfig::__priv_test_new(true, "ignored".into(), "127.0.0.1:443".parse().unwrap());
    let app = App::new()
        .service(web::scope("/scim/v2").configure(scimkit_actix::configure(engine())))
        .into_factory()
        .new_service(config)
        .await
        .unwrap();
    let res = app
        .call(post_user("/scim/v2/Users", "tls").to_request())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    assert!(
        header(&res, "location").starts_with("https://scim.example.com/scim/v2/Users/"),
        "{}",
        header(&res, "location")
    );
}
