//! `--database-url sqlite://PATH`: a user created over the app's routes is still there after a
//! restart (a new store, engine and app on the same file), and with `--cursor-key` so is a list
//! cursor; other URLs are refused naming the accepted forms.
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
use example_host::StoreChoice;
use http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

const TOKEN: &str = "my-long-random-secret";

async fn start(url: &str) -> (Router, StoreChoice) {
    start_keyed(url, None).await
}

async fn start_keyed(url: &str, cursor_key: Option<[u8; 32]>) -> (Router, StoreChoice) {
    let store = StoreChoice::open(Some(url))
        .await
        .unwrap()
        .with_cursor_key(cursor_key);
    assert!(store.describe().starts_with("SQLite store at "));
    let creds = credentials(Some(TOKEN)).unwrap();
    (app(engine(creds.tokens, store.clone()).unwrap()), store)
}

async fn stop(app: Router, store: StoreChoice) {
    drop(app);
    if let StoreChoice::Sql { store, .. } = store {
        store.db().close().await;
    }
}

async fn call(app: &Router, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
    let builder = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::HOST, "127.0.0.1:8080")
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"));
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
async fn users_survive_a_restart_with_a_sqlite_file() {
    let name = format!(
        "scimkit-axum-restart-{}.db",
        scimkit_core::store::new_id().unwrap()
    );
    let path = std::env::temp_dir().join(name);
    let url = format!("sqlite://{}", path.display());

    let (first, store) = start(&url).await;
    let (status, created) = call(
        &first,
        "POST",
        "/scim/v2/Users",
        Some(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "bjensen@example.com",
            "active": true
        })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    stop(first, store).await;

    let (second, store) = start(&url).await;
    let (status, found) = call(&second, "GET", &format!("/scim/v2/Users/{id}"), None).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["userName"], "bjensen@example.com");
    assert_eq!(found["meta"]["version"], created["meta"]["version"]);
    let (_, list) = call(
        &second,
        "GET",
        "/scim/v2/Users?filter=userName%20eq%20%22BJENSEN%40example.com%22",
        None,
    )
    .await;
    assert_eq!(list["totalResults"], 1);
    stop(second, store).await;

    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.clone().into_os_string();
        file.push(suffix);
        let _ = std::fs::remove_file(file);
    }
}

#[tokio::test]
async fn the_default_is_in_memory_and_other_urls_are_refused() {
    let memory = StoreChoice::open(None).await.unwrap();
    assert_eq!(memory.describe(), "in-memory store");
    let error = StoreChoice::open(Some("redis://127.0.0.1/0"))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("sqlite://PATH")
            && error.contains("postgres://")
            && error.contains("mysql://"),
        "{error}"
    );
}

#[tokio::test]
async fn cursors_survive_a_restart_with_a_cursor_key() {
    let name = format!(
        "scimkit-axum-cursor-{}.db",
        scimkit_core::store::new_id().unwrap()
    );
    let path = std::env::temp_dir().join(name);
    let url = format!("sqlite://{}", path.display());
    let key = Some([42_u8; 32]);

    let (first, store) = start_keyed(&url, key).await;
    for n in 0..5 {
        let user = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": format!("user{n}@example.com")
        });
        let (status, body) = call(&first, "POST", "/scim/v2/Users", Some(user)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, page) = call(
        &first,
        "GET",
        "/scim/v2/Users?cursor&count=2&sortBy=userName",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let cursor = page["nextCursor"].as_str().unwrap().to_owned();
    stop(first, store).await;

    // The same key after a restart: the list goes on where it was.
    let (second, store) = start_keyed(&url, key).await;
    let next = format!("/scim/v2/Users?cursor={cursor}&count=2&sortBy=userName");
    let (status, page) = call(&second, "GET", &next, None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["Resources"][0]["userName"], "user2@example.com");
    stop(second, store).await;

    // Without the key (the database's), the old cursor is refused as not this server's.
    let (third, store) = start_keyed(&url, None).await;
    let (status, refused) = call(&third, "GET", &next, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(refused["scimType"], "invalidCursor");
    stop(third, store).await;
    let _ = std::fs::remove_file(&path);
}
