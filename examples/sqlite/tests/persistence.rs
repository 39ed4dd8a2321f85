//! Users, a group and its membership created through `Scim::handle` survive dropping the
//! engine and the pool and reopening the same file; uniqueness and versions too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value,
    clippy::needless_raw_string_hashes
)]

mod common;

use common::{call, engine, TempDb};
use http::Method;
use serde_json::json;

#[tokio::test]
async fn resources_and_membership_survive_a_restart() {
    let db = TempDb::new("restart");
    let (alice, bob, group, etag) = {
        let store = db.open().await;
        let pool = store.pool().clone();
        let scim = engine(store);
        let mut ids = Vec::new();
        for name in ["alice@example.com", "bob@example.com"] {
            let (status, body) = call(
                &scim,
                Method::POST,
                "/Users",
                Some(json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": name,
                    "emails": [{"value": name, "type": "work", "primary": true}],
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "42"}
                })),
            )
            .await;
            assert_eq!(status, 201, "{body}");
            ids.push(body["id"].as_str().unwrap().to_owned());
        }
        let (status, body) = call(
            &scim,
            Method::POST,
            "/Groups",
            Some(json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Ops",
                "members": [{"value": ids[0]}]
            })),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        let group = body["id"].as_str().unwrap().to_owned();
        let (status, body) = call(
            &scim,
            Method::PATCH,
            &format!("/Groups/{group}"),
            Some(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "add", "path": "members", "value": [{"value": ids[1]}]}]
            })),
        )
        .await;
        assert!(status == 200 || status == 204, "{status} {body}");
        let (_, body) = call(&scim, Method::GET, &format!("/Groups/{group}"), None).await;
        let etag = body["meta"]["version"].as_str().unwrap().to_owned();
        drop(scim);
        pool.close().await;
        (ids[0].clone(), ids[1].clone(), group, etag)
    };

    let scim = engine(db.open().await);
    let (status, body) = call(&scim, Method::GET, &format!("/Users/{alice}"), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["userName"], "alice@example.com");
    assert_eq!(body["emails"][0]["value"], "alice@example.com");
    assert_eq!(
        body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["employeeNumber"],
        "42"
    );
    assert_eq!(body["groups"][0]["value"], group.as_str());
    assert_eq!(body["groups"][0]["display"], "Ops");

    let (status, body) = call(&scim, Method::GET, &format!("/Groups/{group}"), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["meta"]["version"], etag.as_str());
    let mut members: Vec<&str> = body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    members.sort_unstable();
    let mut expected = vec![alice.as_str(), bob.as_str()];
    expected.sort_unstable();
    assert_eq!(members, expected);

    let (status, body) = call(
        &scim,
        Method::GET,
        "/Users?filter=userName%20eq%20%22BOB%40example.com%22",
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["totalResults"], 1);
    assert_eq!(body["Resources"][0]["id"], bob.as_str());

    // Uniqueness still holds against what was stored before the restart.
    let (status, body) = call(
        &scim,
        Method::POST,
        "/Users",
        Some(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "ALICE@example.com"
        })),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["scimType"], "uniqueness");
}

#[tokio::test]
async fn if_match_is_checked_by_the_write() {
    let db = TempDb::new("ifmatch");
    let scim = engine(db.open().await);
    let (_, user) = call(
        &scim,
        Method::POST,
        "/Users",
        Some(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "carol"
        })),
    )
    .await;
    let id = user["id"].as_str().unwrap();
    let version = user["meta"]["version"].as_str().unwrap();
    let request = |etag: &str| {
        http::Request::builder()
            .method(Method::PUT)
            .uri(format!("http://localhost/Users/{id}"))
            .header(
                http::header::AUTHORIZATION,
                format!("Bearer {}", common::TOKEN),
            )
            .header(http::header::CONTENT_TYPE, "application/scim+json")
            .header(http::header::IF_MATCH, etag)
            .body(bytes::Bytes::from(
                json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": "carol",
                    "title": "Boss"
                })
                .to_string(),
            ))
            .unwrap()
    };
    assert_eq!(scim.handle(request(version)).await.status(), 200);
    // The version just used is stale now.
    assert_eq!(scim.handle(request(version)).await.status(), 412);
}
