//! `/Bulk` POSTs through `SqlStore::create_many` (a run of creates written with a few
//! statements and one commit) on PostgreSQL, MariaDB/MySQL and SQLite: every operation is
//! answered as a lone `POST` would be — a value a column cannot hold `400`, a taken or repeated
//! userName `409`, the rest `201` — and reads back exactly like a user created alone.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value
)]

mod common;

use common::{call, BACKENDS};
use http::Method;
use scimkit_core::engine::BulkLimits;
use scimkit_core::Scim;
use scimkit_sql::testkit::demo;
use serde_json::{json, Value};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn user(name: &str) -> Value {
    json!({
        "schemas": [USER, ENTERPRISE],
        "userName": name,
        "externalId": format!("ext-{name}"),
        "displayName": format!("User {name}"),
        "name": {"givenName": "User", "familyName": name},
        "emails": [
            {"value": format!("{name}@work.example"), "type": "work", "primary": true},
            {"value": format!("{name}@home.example"), "type": "home"}
        ],
        ENTERPRISE: {"department": "Sales"}
    })
}

fn bulk(operations: Vec<Value>) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
           "Operations": operations})
}

fn post(bulk_id: &str, data: Value) -> Value {
    json!({"method": "POST", "path": "/Users", "bulkId": bulk_id, "data": data})
}

/// A resource without what differs between two creations (id, meta, locations).
fn comparable(mut resource: Value) -> Value {
    let object = resource.as_object_mut().unwrap();
    object.remove("id");
    object.remove("meta");
    resource
}

/// The user a bulk `entry` created, read back, and the user created `alone` read back with
/// its name `from` replaced by `to`: both without what differs between two creations.
async fn read_as_alone(
    scim: &Scim,
    entry: &Value,
    alone: &Value,
    (from, to): (&str, &str),
) -> (Value, Value) {
    let id = entry["location"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap();
    let (_, read) = call(scim, Method::GET, &format!("/Users/{id}"), None).await;
    let alone_id = alone["id"].as_str().unwrap();
    let (_, alone_read) = call(scim, Method::GET, &format!("/Users/{alone_id}"), None).await;
    let renamed = serde_json::to_string(&comparable(alone_read))
        .unwrap()
        .replace(from, to);
    (comparable(read), serde_json::from_str(&renamed).unwrap())
}

#[tokio::test]
async fn bulk_creates_answer_each_operation_as_a_lone_post_would() {
    for backend in BACKENDS {
        let (test, store) = demo::fresh(backend, "bulk").await.unwrap();
        let scim = Scim::builder()
            .store(store)
            .authenticator(common::tenant_t)
            .bulk(BulkLimits {
                max_operations: 1000,
                max_payload_size: 4 << 20,
            })
            .build()
            .unwrap();
        // A user created alone, to compare with, and one whose userName a batch repeats.
        let (status, alone) = call(&scim, Method::POST, "/Users", Some(&user("alone"))).await;
        assert_eq!(status, 201, "{backend}: {alone}");
        let (status, _) = call(&scim, Method::POST, "/Users", Some(&user("taken"))).await;
        assert_eq!(status, 201);

        // 120 new users and one whose userName no column can hold: written together.
        let mut operations: Vec<Value> = (0..120)
            .map(|n| post(&format!("u{n}"), user(&format!("u{n}"))))
            .collect();
        operations.insert(60, post("long", user(&"x".repeat(2000))));
        let (status, answer) = call(&scim, Method::POST, "/Bulk", Some(&bulk(operations))).await;
        assert_eq!(status, 200, "{backend}: {answer}");
        let entries = answer["Operations"].as_array().unwrap();
        assert_eq!(entries.len(), 121);
        for (n, entry) in entries.iter().enumerate() {
            if n == 60 {
                assert_eq!(entry["status"], "400", "{backend}: {entry}");
                assert_eq!(entry["response"]["scimType"], "invalidValue", "{backend}");
            } else {
                assert_eq!(entry["status"], "201", "{backend}: {entry}");
            }
        }
        // Each reads back whole, as a user created alone does.
        let (read, expected) = read_as_alone(&scim, &entries[7], &alone, ("alone", "u7")).await;
        assert_eq!(read, expected, "{backend}");
        let (_, page) = call(&scim, Method::GET, "/Users?count=1", None).await;
        assert_eq!(page["totalResults"], 122, "{backend}");

        // A batch repeating a taken userName (in another case) and one of its own: those two
        // are 409, the others created.
        let operations = vec![
            post("v0", user("v0")),
            post("v1", user("TAKEN")),
            post("v2", user("v2")),
            post("v3", user("V2")),
            post("v4", user("v4")),
        ];
        let (_, answer) = call(&scim, Method::POST, "/Bulk", Some(&bulk(operations))).await;
        let statuses: Vec<&str> = answer["Operations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["status"].as_str().unwrap())
            .collect();
        assert_eq!(
            statuses,
            ["201", "409", "201", "409", "201"],
            "{backend}: {answer}"
        );
        let (_, page) = call(&scim, Method::GET, "/Users?count=1", None).await;
        assert_eq!(page["totalResults"], 125, "{backend}");

        // A taken userName the batch does not repeat, past the first hundred values checked
        // together: that one is 409, the other 149 created.
        let mut operations: Vec<Value> = (0..150)
            .map(|n| post(&format!("w{n}"), user(&format!("w{n}"))))
            .collect();
        operations[130] = post("w130", user("Alone"));
        let (_, answer) = call(&scim, Method::POST, "/Bulk", Some(&bulk(operations))).await;
        let entries = answer["Operations"].as_array().unwrap();
        for (n, entry) in entries.iter().enumerate() {
            let expected = if n == 130 { "409" } else { "201" };
            assert_eq!(entry["status"], expected, "{backend}: {entry}");
        }
        let (_, page) = call(&scim, Method::GET, "/Users?count=1", None).await;
        assert_eq!(page["totalResults"], 274, "{backend}");

        // A user with nothing for the extra column between two with something there: it
        // reads back as the same user created alone does.
        let bare = |name: &str| json!({"schemas": [USER], "userName": name});
        let (_, alone) = call(&scim, Method::POST, "/Users", Some(&bare("bare-alone"))).await;
        let operations = vec![
            post("x0", user("x0")),
            post("x1", bare("bare-batched")),
            post("x2", user("x2")),
        ];
        let (_, answer) = call(&scim, Method::POST, "/Bulk", Some(&bulk(operations))).await;
        let entry = &answer["Operations"][1];
        let renamed = ("bare-alone", "bare-batched");
        let (read, expected) = read_as_alone(&scim, entry, &alone, renamed).await;
        assert_eq!(read, expected, "{backend}: {answer}");
        test.remove().await.unwrap();
    }
}
