//! `/Bulk` (RFC 7644 §3.7) over HTTP: bulkId references, forward references at scale,
//! per-operation errors, failOnErrors and the limits.

use serde_json::{json, Value};

use crate::harness::{Harness, Mounting, Setup};
use scimkit_core::engine::BulkLimits;

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
const BULK_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

fn user(name: &str) -> Value {
    json!({"schemas": [USER], "userName": name})
}

fn statuses(reply: &crate::harness::Reply) -> Vec<String> {
    reply.body["Operations"]
        .as_array()
        .unwrap_or_else(|| panic!("not a bulk response: {}", reply.body))
        .iter()
        .map(|e| e["status"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// The RFC 7644 §3.7.2 example on a per-tenant mount: users and a group of them by bulkId;
/// locations carry the tenant URL; `/ServiceProviderConfig` says bulk is supported.
pub async fn bulk_users_and_group<A: crate::harness::Adapter>() {
    let h = Harness::start_with::<A>(Setup {
        mounting: Mounting::PerTenant,
        ..Setup::default()
    })
    .await;
    let spc = h.get("/ServiceProviderConfig").await.expect(200);
    assert_eq!(spc.body["bulk"]["supported"], true);
    assert_eq!(spc.body["bulk"]["maxOperations"], 1000);
    let reply = h
        .post(
            "/Bulk",
            &json!({"schemas": [BULK_REQUEST], "Operations": [
                {"method": "POST", "path": "/Users", "bulkId": "qwerty", "data": user("alice")},
                {"method": "POST", "path": "/Users", "bulkId": "ytrewq", "data": user("bob")},
                {"method": "POST", "path": "/Groups", "bulkId": "g",
                 "data": {"schemas": [GROUP], "displayName": "Tour Guides",
                          "members": [{"value": "bulkId:qwerty"}, {"value": "bulkId:ytrewq"}]}},
                {"method": "PATCH", "path": "/Users/bulkId:qwerty",
                 "data": {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                          "Operations": [{"op": "replace", "path": "active", "value": false}]}}
            ]}),
        )
        .await
        .expect(200);
    assert_eq!(reply.header("content-type"), Some("application/scim+json"));
    assert_eq!(reply.body["schemas"][0], BULK_RESPONSE);
    assert_eq!(statuses(&reply), ["201", "201", "201", "200"]);
    let entries = reply.body["Operations"].as_array().expect("entries");
    let location = entries[2]["location"].as_str().expect("location");
    assert!(
        location.starts_with(&format!("{}/Groups/", h.base)),
        "{location}"
    );
    let group = h.get(location).await.expect(200);
    assert_eq!(group.body["members"].as_array().map(Vec::len), Some(2));
    let alice = h
        .get(entries[0]["location"].as_str().expect("location"))
        .await
        .expect(200);
    assert_eq!(alice.body["active"], false);
    assert_eq!(alice.header("etag"), entries[3]["version"].as_str());
}

/// 1 000 operations in one request, the group first and the 999 users it names after it.
pub async fn bulk_thousand_forward_references<A: crate::harness::Adapter>() {
    let h = Harness::start::<A>().await;
    let members: Vec<Value> = (1..1000)
        .map(|n| json!({"value": format!("bulkId:u{n}")}))
        .collect();
    let mut operations = vec![json!({"method": "POST", "path": "/Groups", "bulkId": "all",
        "data": {"schemas": [GROUP], "displayName": "everyone", "members": members}})];
    operations.extend((1..1000).map(|n| {
        json!({"method": "POST", "path": "/Users", "bulkId": format!("u{n}"),
               "data": user(&format!("user{n}"))})
    }));
    let body = json!({"schemas": [BULK_REQUEST], "Operations": operations});
    assert!(serde_json::to_vec(&body).expect("json").len() < 1 << 20);
    let reply = h.post("/Bulk", &body).await.expect(200);
    let statuses = statuses(&reply);
    assert_eq!(statuses.len(), 1000);
    assert!(statuses.iter().all(|s| s == "201"), "{statuses:?}");
    let group = reply.body["Operations"][0]["location"]
        .as_str()
        .expect("location")
        .to_owned();
    let group = h.get(&group).await.expect(200);
    assert_eq!(group.body["members"].as_array().map(Vec::len), Some(999));
    let users = h.get("/Users?count=1").await.expect(200);
    assert_eq!(users.body["totalResults"], 999);
}

/// Per-operation errors with SCIM bodies, failOnErrors, a cycle, and the 413 limits.
pub async fn bulk_errors_and_limits<A: crate::harness::Adapter>() {
    let h = Harness::start_with::<A>(Setup {
        bulk: BulkLimits {
            max_operations: 5,
            max_payload_size: 4096,
        },
        ..Setup::default()
    })
    .await;
    let reply = h
        .post(
            "/Bulk",
            &json!({"schemas": [BULK_REQUEST], "Operations": [
                {"method": "POST", "path": "/Users", "bulkId": "a", "data": user("dup")},
                {"method": "POST", "path": "/Users", "bulkId": "b", "data": user("dup")},
                {"method": "DELETE", "path": "/Users/missing"},
                {"method": "POST", "path": "/Groups", "bulkId": "x",
                 "data": {"schemas": [GROUP], "displayName": "X", "members": [{"value": "bulkId:x"}]}}
            ]}),
        )
        .await
        .expect(200);
    assert_eq!(statuses(&reply), ["201", "409", "404", "409"]);
    let entries = &reply.body["Operations"];
    assert_eq!(entries[1]["response"]["scimType"], "uniqueness");
    assert_eq!(entries[2]["response"]["status"], "404");
    assert!(entries[3]["response"]["detail"]
        .as_str()
        .unwrap_or("")
        .contains("circular"));
    let reply = h
        .post(
            "/Bulk",
            &json!({"schemas": [BULK_REQUEST], "failOnErrors": 1, "Operations": [
                {"method": "POST", "path": "/Users", "bulkId": "c", "data": user("dup")},
                {"method": "POST", "path": "/Users", "bulkId": "d", "data": user("never")}
            ]}),
        )
        .await
        .expect(200);
    assert_eq!(statuses(&reply), ["409"]);
    let never = h
        .get("/Users?filter=userName%20eq%20%22never%22")
        .await
        .expect(200);
    assert_eq!(never.body["totalResults"], 0);
    let six: Vec<Value> = (0..6)
        .map(|n| json!({"method": "DELETE", "path": format!("/Users/{n}")}))
        .collect();
    let r = h
        .post(
            "/Bulk",
            &json!({"schemas": [BULK_REQUEST], "Operations": six}),
        )
        .await
        .expect(413);
    assert_eq!(r.body["status"], "413");
    let mut big = user("big");
    big["displayName"] = json!("x".repeat(5000));
    let r = h
        .post(
            "/Bulk",
            &json!({"schemas": [BULK_REQUEST], "Operations": [
                {"method": "POST", "path": "/Users", "bulkId": "big", "data": big}]}),
        )
        .await
        .expect(413);
    assert_eq!(r.body["status"], "413");
    h.post("/Bulk", &json!({"Operations": []}))
        .await
        .expect(400);
}
