//! The whole HTTP flow through `scimkit_axum::router` over the app's `SqlStore`, with `oneshot`: create a
//! user, find it by userName, deactivate it with PATCH, create a group, add and remove the
//! user, and a duplicate userName refused with 409.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value,
    clippy::needless_raw_string_hashes
)]

mod common;

use axum::Router;
use example_postgres::mapping::hash_password;
use example_postgres::{app, credentials, engine};
use http::StatusCode;
use scimkit_sql::{Datum, DatumKind};
use serde_json::{json, Value};

const TOKEN: &str = "my-long-random-secret";

async fn call(app: &Router, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
    let (status, body) = common::call(app, TOKEN, method, uri, body).await;
    (StatusCode::from_u16(status).unwrap(), body)
}

fn ids(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|m| m["value"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn provisioning_flow_over_http() {
    let db = common::fresh("http").await;
    let creds = credentials(Some(TOKEN)).unwrap();
    let app = app(engine(db.store.clone(), creds.tokens).unwrap());

    let (status, user) = call(
        &app,
        "POST",
        "/scim/v2/Users",
        Some(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "bjensen@example.com",
            "externalId": "okta-00u1",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "displayName": "Babs Jensen",
            "title": "Tour Guide",
            "active": true,
            "role": "member",
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
            "password": "t1meMa$heen"
        })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let id = user["id"].as_str().unwrap().to_owned();
    assert_eq!(user["name"]["familyName"], "Jensen");
    assert_eq!(user["role"], "member");
    assert_eq!(user["emails"][0]["type"], "work");
    assert!(user.get("password").is_none());
    assert_eq!(user["meta"]["version"], "W/\"1\"");
    // The password is kept as the app's hash of it, never as text.
    let stored = db
        .db()
        .fetch(
            "SELECT password_hash FROM accounts WHERE id = $1::uuid",
            &[Datum::text(id.as_str())],
            &[DatumKind::Text],
        )
        .await
        .unwrap();
    assert_eq!(
        stored[0][0].as_text(),
        Some(hash_password("t1meMa$heen").as_str())
    );

    let (status, body) = call(
        &app,
        "POST",
        "/scim/v2/Users",
        Some(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "BJENSEN@example.com"
        })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["scimType"], "uniqueness");
    assert!(body["detail"].as_str().unwrap().contains("userName"));

    let (status, found) = call(
        &app,
        "GET",
        "/scim/v2/Users?filter=userName%20eq%20%22BJensen@example.com%22",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0]["id"], id.as_str());

    let (status, patched) = call(
        &app,
        "PATCH",
        &format!("/scim/v2/Users/{id}"),
        Some(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "active", "value": false}]
        })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["active"], false);
    assert_eq!(patched["meta"]["version"], "W/\"2\"");
    let (_, inactive) = call(
        &app,
        "GET",
        "/scim/v2/Users?filter=active%20eq%20false",
        None,
    )
    .await;
    assert_eq!(inactive["totalResults"], 1);

    let (status, group) = call(
        &app,
        "POST",
        "/scim/v2/Groups",
        Some(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Engineering"
        })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    let gid = group["id"].as_str().unwrap().to_owned();

    let (status, body) = call(
        &app,
        "PATCH",
        &format!("/scim/v2/Groups/{gid}"),
        Some(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": id}]}]
        })),
    )
    .await;
    assert!(status.is_success(), "{status} {body}");
    let (_, group) = call(&app, "GET", &format!("/scim/v2/Groups/{gid}"), None).await;
    assert_eq!(ids(&group["members"]), vec![id.clone()]);
    assert_eq!(group["meta"]["version"], "W/\"2\"");
    let (_, user) = call(&app, "GET", &format!("/scim/v2/Users/{id}"), None).await;
    assert_eq!(ids(&user["groups"]), vec![gid.clone()]);

    let (status, body) = call(
        &app,
        "PATCH",
        &format!("/scim/v2/Groups/{gid}"),
        Some(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "remove", "path": format!("members[value eq \"{id}\"]")}]
        })),
    )
    .await;
    assert!(status.is_success(), "{status} {body}");
    let (_, group) = call(&app, "GET", &format!("/scim/v2/Groups/{gid}"), None).await;
    assert!(ids(&group["members"]).is_empty(), "{group}");
    let (_, user) = call(&app, "GET", &format!("/scim/v2/Users/{id}"), None).await;
    assert!(ids(&user["groups"]).is_empty(), "{user}");

    let (status, body) = call(
        &app,
        "PATCH",
        &format!("/scim/v2/Groups/{gid}"),
        Some(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": "nobody"}]}]
        })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    let (status, _) = call(&app, "DELETE", &format!("/scim/v2/Users/{id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    db.drop_schema().await.unwrap();
}

async fn create(app: &Router, path: &str, body: Value) -> String {
    let (status, created) = call(app, "POST", path, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["id"].as_str().unwrap().to_owned()
}

async fn add_members(app: &Router, gid: &str, members: &[&str]) {
    let value: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
    let (status, body) = call(
        app,
        "PATCH",
        &format!("/scim/v2/Groups/{gid}"),
        Some(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "members", "value": value}]
        })),
    )
    .await;
    assert!(status.is_success(), "{status} {body}");
}

/// Every read of a resource lists its multi-valued attributes in the same order, whatever plan
/// PostgreSQL picks: emails as written, a user's groups by group id (also after a rename moved a
/// team's row), members by id.
#[tokio::test]
async fn multi_valued_attributes_read_back_in_one_order() {
    let db = common::fresh("order").await;
    let creds = credentials(Some(TOKEN)).unwrap();
    let app = app(engine(db.store.clone(), creds.tokens).unwrap());
    let user = |name: &str| {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": format!("{name}@example.com"),
            "emails": [
                {"value": format!("{name}.z@example.com"), "type": "work", "primary": true},
                {"value": format!("{name}.a@example.com"), "type": "home"},
                {"value": format!("{name}.m@example.com"), "type": "other"}
            ]
        })
    };
    let uid = create(&app, "/scim/v2/Users", user("ann")).await;
    let others = [
        create(&app, "/scim/v2/Users", user("bob")).await,
        create(&app, "/scim/v2/Users", user("cy")).await,
        create(&app, "/scim/v2/Users", user("dee")).await,
    ];
    let group = |name: &str| {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": name
        })
    };
    let first = create(&app, "/scim/v2/Groups", group("First")).await;
    let second = create(&app, "/scim/v2/Groups", group("Second")).await;
    add_members(&app, &second, &[&uid]).await;
    add_members(&app, &first, &[&uid]).await;
    let (status, body) = call(
        &app,
        "PATCH",
        &format!("/scim/v2/Groups/{first}"),
        Some(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "displayName", "value": "First, renamed"}]
        })),
    )
    .await;
    assert!(status.is_success(), "{status} {body}");

    let emails = |user: &Value| -> Vec<String> {
        user["emails"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["value"].as_str().unwrap().to_owned())
            .collect()
    };
    let written = [
        "ann.z@example.com",
        "ann.a@example.com",
        "ann.m@example.com",
    ];
    let (_, got) = call(&app, "GET", &format!("/scim/v2/Users/{uid}"), None).await;
    let (_, listed) = call(
        &app,
        "GET",
        "/scim/v2/Users?filter=userName%20eq%20%22ann@example.com%22",
        None,
    )
    .await;
    let (_, all) = call(&app, "GET", "/scim/v2/Users?sortBy=userName", None).await;
    // A user's groups read back by group id, on every path.
    let mut groups = vec![first.clone(), second.clone()];
    groups.sort();
    for read in [&got, &listed["Resources"][0], &all["Resources"][0]] {
        assert_eq!(emails(read), written, "{read}");
        assert_eq!(ids(&read["groups"]), groups, "{read}");
        let renamed = read["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["value"] == first.as_str())
            .unwrap();
        assert_eq!(renamed["display"], "First, renamed");
    }

    add_members(&app, &second, &[&others[2], &others[0], &others[1]]).await;
    let mut by_id = vec![
        uid.clone(),
        others[0].clone(),
        others[1].clone(),
        others[2].clone(),
    ];
    by_id.sort();
    let (_, got) = call(&app, "GET", &format!("/scim/v2/Groups/{second}"), None).await;
    let (_, listed) = call(
        &app,
        "GET",
        "/scim/v2/Groups?filter=displayName%20eq%20%22Second%22",
        None,
    )
    .await;
    assert_eq!(ids(&got["members"]), by_id, "{got}");
    assert_eq!(ids(&listed["Resources"][0]["members"]), by_id, "{listed}");
    db.drop_schema().await.unwrap();
}

/// Deleting users while their groups gain, lose and replace members takes row locks in orders
/// that must never deadlock (PostgreSQL would abort one transaction: a `500`). Each round
/// races two user deletes against member PATCHes and a PUT on three groups; every answer must
/// be a success or a precise client error, and the deleted users must be in no group after.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deletes_racing_member_changes_never_deadlock() {
    let db = common::fresh("locks").await;
    let creds = credentials(Some(TOKEN)).unwrap();
    let app = app(engine(db.store.clone(), creds.tokens).unwrap());
    let patch = |operations: Value| json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations});
    for round in 0..40 {
        let user = |name: &str| {
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": format!("{name}{round}@example.com")
            })
        };
        let a = create(&app, "/scim/v2/Users", user("a")).await;
        let b = create(&app, "/scim/v2/Users", user("b")).await;
        let group = |name: &str, members: &[&str]| {
            let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": format!("{name}{round}"),
                "members": members
            })
        };
        let g1 = create(&app, "/scim/v2/Groups", group("one", &[&a])).await;
        let g2 = create(&app, "/scim/v2/Groups", group("two", &[&a, &b])).await;
        let g3 = create(&app, "/scim/v2/Groups", group("three", &[&b])).await;
        let requests = [
            ("DELETE", format!("/scim/v2/Users/{a}"), None),
            (
                "PATCH",
                format!("/scim/v2/Groups/{g1}"),
                Some(patch(
                    json!([{"op": "replace", "path": "members", "value": [{"value": b}]}]),
                )),
            ),
            (
                "PATCH",
                format!("/scim/v2/Groups/{g2}"),
                Some(patch(json!([
                    {"op": "remove", "path": format!("members[value eq \"{a}\"]")},
                    {"op": "add", "path": "members", "value": [{"value": a}, {"value": b}]}
                ]))),
            ),
            (
                "PUT",
                format!("/scim/v2/Groups/{g3}"),
                Some(group("three", &[&a, &b])),
            ),
            ("DELETE", format!("/scim/v2/Users/{b}"), None),
            (
                "PATCH",
                format!("/scim/v2/Groups/{g3}"),
                Some(patch(
                    json!([{"op": "add", "path": "members", "value": [{"value": a}]}]),
                )),
            ),
        ];
        let tasks: Vec<_> = requests
            .into_iter()
            .map(|(method, uri, body)| {
                let app = app.clone();
                tokio::spawn(async move {
                    let (status, answer) = call(&app, method, &uri, body).await;
                    (method, uri, status, answer)
                })
            })
            .collect();
        for task in tasks {
            let (method, uri, status, answer) = task.await.unwrap();
            assert!(
                status.is_success() || status.is_client_error(),
                "round {round}: {method} {uri} → {status} {answer}"
            );
        }
        for gid in [&g1, &g2, &g3] {
            let (status, read) = call(&app, "GET", &format!("/scim/v2/Groups/{gid}"), None).await;
            assert_eq!(status, StatusCode::OK, "{read}");
            assert!(ids(&read["members"]).is_empty(), "round {round}: {read}");
        }
    }
    db.drop_schema().await.unwrap();
}

/// A group's `members[].display` is the account's display name, so renaming a member gives
/// the group a new version (its ETag changes with what it shows); a change the group does
/// not show (deactivating the user) leaves its version alone.
#[tokio::test]
async fn renaming_a_member_gives_its_groups_a_new_version() {
    let db = common::fresh("display").await;
    let creds = credentials(Some(TOKEN)).unwrap();
    let app = app(engine(db.store.clone(), creds.tokens).unwrap());
    let user = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "kim@example.com",
        "displayName": "Kim Lee",
        "active": true
    });
    let uid = create(&app, "/scim/v2/Users", user.clone()).await;
    let gid = create(
        &app,
        "/scim/v2/Groups",
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Ops",
            "members": [{"value": uid}]
        }),
    )
    .await;
    let group = |app: Router| {
        let gid = gid.clone();
        async move {
            let (status, group) = call(&app, "GET", &format!("/scim/v2/Groups/{gid}"), None).await;
            assert_eq!(status, StatusCode::OK, "{group}");
            group
        }
    };
    let before = group(app.clone()).await;
    assert_eq!(before["members"][0]["display"], "Kim Lee");

    let (status, body) = call(
        &app,
        "PATCH",
        &format!("/scim/v2/Users/{uid}"),
        Some(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "active", "value": false}]
        })),
    )
    .await;
    assert!(status.is_success(), "{status} {body}");
    let deactivated = group(app.clone()).await;
    assert_eq!(deactivated["meta"]["version"], before["meta"]["version"]);

    let mut renamed = user;
    renamed["displayName"] = json!("Kim Lee-Park");
    let (status, body) = call(&app, "PUT", &format!("/scim/v2/Users/{uid}"), Some(renamed)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let after = group(app.clone()).await;
    assert_eq!(after["members"][0]["display"], "Kim Lee-Park");
    assert_ne!(
        after["meta"]["version"], before["meta"]["version"],
        "{after}"
    );
    db.drop_schema().await.unwrap();
}
