//! The example server over a real socket, as README.md uses it: `/healthz`, a user created and
//! found by userName, the SCIM `404` outside the mount point, and a clean stop.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::Duration;

use example_hyper::{credentials, engine, serve, App};
use serde_json::{json, Value};

const TOKEN: &str = "my-long-random-secret";

#[tokio::test]
async fn readme_sequence_over_hyper() {
    let creds = credentials(Some(TOKEN)).unwrap();
    let scim = engine(creds.tokens, example_host::StoreChoice::Memory).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let root = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(
        listener,
        App::new(scim),
        Duration::from_secs(10),
        async {
            let _ = stopped.await;
        },
    ));
    let http = reqwest::Client::new();

    let health = http.get(format!("{root}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.text().await.unwrap(), "ok");

    let created = http
        .post(format!("{root}/scim/v2/Users"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/scim+json")
        .body(
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "bjensen@example.com"
            })
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&format!("{root}/scim/v2/Users/")),
        "{location}"
    );

    let found: Value = http
        .get(format!(
            "{root}/scim/v2/Users?filter=userName%20eq%20%22bjensen%40example.com%22"
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found["totalResults"], 1, "{found}");

    let unauthenticated = http
        .get(format!("{root}/scim/v2/Users"))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), 401);

    let elsewhere = http.get(format!("{root}/nowhere")).send().await.unwrap();
    assert_eq!(elsewhere.status(), 404);
    let error: Value = elsewhere.json().await.unwrap();
    assert_eq!(error["status"], "404", "{error}");

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server stops")
        .unwrap();
}
