//! The settings page's access rules and refusals over HTTP (the browser test, `browser.rs`,
//! walks the happy path in Chromium): the sign-in, the session cookie and the anti-forgery
//! value every form carries, the page's headers, the JSON admin API behind the admin token,
//! and the admin API's refusals shown on the page.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use axum::body::Body;
use axum::Router;
use example_axum::{app_with_settings, credentials, engine_with_activity, Settings, TENANT};
use example_host::StoreChoice;
use http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use scimkit_core::admin::Admin;
use scimkit_core::context::Tenant;
use tower::ServiceExt;

const ADMIN_TOKEN: &str = "settings-test-admin-token-0123456789";

fn router() -> Router {
    let creds = credentials(Some("settings-test-idp-token")).unwrap();
    let activity = StoreChoice::Memory.activity_log();
    let scim =
        engine_with_activity(creds.tokens.clone(), StoreChoice::Memory, activity.clone()).unwrap();
    let admin = Admin::builder()
        .tokens(creds.tokens)
        .scim_url(|_: &Tenant| "https://scim.example.test/scim/v2".to_owned())
        .activity_log(activity)
        .build()
        .unwrap();
    app_with_settings(scim, Settings::new(admin, Tenant::new(TENANT), ADMIN_TOKEN))
}

struct Answer {
    status: StatusCode,
    headers: http::HeaderMap,
    body: String,
}

async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

fn form(uri: &str, cookie: Option<&str>, body: &str) -> Request<Body> {
    let mut request =
        Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::from(body.to_owned())).unwrap()
}

fn get(uri: &str, cookie: Option<&str>) -> Request<Body> {
    let mut request = Request::get(uri);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::empty()).unwrap()
}

/// Signs in; the cookie and the page's anti-forgery value.
async fn sign_in(app: &Router) -> (String, String) {
    let answer = send(
        app,
        form("/admin/login", None, &format!("token={ADMIN_TOKEN}")),
    )
    .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    let set_cookie = answer.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"));
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let page = send(app, get("/admin", Some(&cookie))).await;
    assert_eq!(page.status, StatusCode::OK);
    let (_, rest) = page.body.split_once("name=\"csrf\" value=\"").unwrap();
    let csrf = rest.split('"').next().unwrap().to_owned();
    (cookie, csrf)
}

#[tokio::test]
async fn the_page_needs_the_admin_token() {
    let app = router();
    let answer = send(&app, get("/admin", None)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.body.contains("id=\"login\""));
    assert!(!answer.body.contains("scim.example.test"));
    for (name, value) in [
        ("cache-control", "no-store"),
        ("referrer-policy", "no-referrer"),
        ("x-content-type-options", "nosniff"),
    ] {
        assert_eq!(answer.headers[name], value);
    }
    let policy = answer.headers["content-security-policy"].to_str().unwrap();
    assert!(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"));

    let wrong = send(&app, form("/admin/login", None, "token=guess")).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("not the admin token"));
    assert!(!wrong.headers.contains_key(header::SET_COOKIE));

    let made_up = send(&app, get("/admin", Some("scimkit_admin=made-up"))).await;
    assert!(made_up.body.contains("id=\"login\""));

    let (cookie, _) = sign_in(&app).await;
    let page = send(&app, get("/admin", Some(&cookie))).await;
    assert!(page.body.contains("https://scim.example.test/scim/v2"));
    assert!(
        page.body.contains("identity provider"),
        "the configured token is listed"
    );
}

#[tokio::test]
async fn every_form_needs_the_session_and_its_anti_forgery_value() {
    let app = router();
    let (cookie, csrf) = sign_in(&app).await;

    // No session: the sign-in form, nothing minted.
    let answer = send(
        &app,
        form(
            "/admin/tokens",
            None,
            &format!("csrf={csrf}&label=Okta-preview"),
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert!(answer.body.contains("sign in again"));
    // A forged form: refused.
    let answer = send(
        &app,
        form(
            "/admin/tokens",
            Some(&cookie),
            "csrf=forged&label=Okta-preview",
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    let answer = send(
        &app,
        form(
            "/admin/tokens/configured/revoke",
            Some(&cookie),
            "csrf=forged",
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    let page = send(&app, get("/admin", Some(&cookie))).await;
    assert!(!page.body.contains("Okta-preview"));
    assert!(page.body.contains("data-token-id=\"configured\""));

    // With both: minted, the secret shown once.
    let answer = send(
        &app,
        form(
            "/admin/tokens",
            Some(&cookie),
            &format!("csrf={csrf}&label=Okta-preview&expires_in_days=30"),
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED);
    let (_, rest) = answer
        .body
        .split_once("id=\"secret\" type=\"text\" value=\"")
        .unwrap();
    let secret = rest.split('"').next().unwrap();
    assert!(secret.starts_with("scim_"));
    let page = send(&app, get("/admin", Some(&cookie))).await;
    assert!(page.body.contains("Okta-preview") && !page.body.contains(secret));

    // Signing out ends the session.
    let answer = send(
        &app,
        form("/admin/logout", Some(&cookie), &format!("csrf={csrf}")),
    )
    .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    let page = send(&app, get("/admin", Some(&cookie))).await;
    assert!(page.body.contains("id=\"login\""));
}

#[tokio::test]
async fn refusals_of_the_admin_api_are_shown_on_the_page() {
    let app = router();
    let (cookie, csrf) = sign_in(&app).await;
    let answer = send(
        &app,
        form(
            "/admin/tokens",
            Some(&cookie),
            &format!("csrf={csrf}&label=Okta-preview&expires_in_days=soon"),
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(
        answer.body.contains("whole number of days"),
        "{}",
        answer.body
    );

    let label = "x".repeat(300);
    let answer = send(
        &app,
        form(
            "/admin/tokens",
            Some(&cookie),
            &format!("csrf={csrf}&label={label}"),
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(
        answer.body.contains("The token was not created: "),
        "{}",
        answer.body
    );

    let answer = send(
        &app,
        form(
            "/admin/tokens/no-such-token/rotate",
            Some(&cookie),
            &format!("csrf={csrf}"),
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert!(
        answer.body.contains("The token was not rotated: "),
        "{}",
        answer.body
    );
    let page = send(&app, get("/admin", Some(&cookie))).await;
    assert!(page.body.contains("data-token-id=\"configured\""));
}

#[tokio::test]
async fn the_json_admin_api_needs_the_admin_token_as_bearer() {
    let app = router();
    let unauthenticated = send(&app, get("/admin/api/tenants/default/tokens", None)).await;
    assert_eq!(unauthenticated.status, StatusCode::UNAUTHORIZED);
    // A session cookie is not enough: scripts use the bearer token, browsers the forms.
    let (cookie, _) = sign_in(&app).await;
    let with_cookie = send(
        &app,
        get("/admin/api/tenants/default/tokens", Some(&cookie)),
    )
    .await;
    assert_eq!(with_cookie.status, StatusCode::UNAUTHORIZED);
    let wrong = Request::get("/admin/api/tenants/default/tokens")
        .header(header::AUTHORIZATION, "Bearer settings-test-idp-token")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, wrong).await.status, StatusCode::UNAUTHORIZED);

    let request = Request::get("/admin/api/tenants/default/tokens")
        .header(header::AUTHORIZATION, format!("Bearer {ADMIN_TOKEN}"))
        .body(Body::empty())
        .unwrap();
    let answer = send(&app, request).await;
    assert_eq!(answer.status, StatusCode::OK);
    let body: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(body["tokens"][0]["id"], "configured");
    assert!(!answer.body.contains("settings-test-idp-token"));
}
