//! `/Bulk` (RFC 7644 §3.7) through `Scim::handle` on the in-memory store: bulkId references
//! in any order, cycles, failOnErrors, per-operation errors and versions, limits, discovery.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value,
    clippy::needless_raw_string_hashes
)]

mod support;

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use scimkit_core::engine::{BulkLimits, ScimBuilder};
use scimkit_core::events::{Change, ChangeKind};
use scimkit_core::{InMemoryStore, Mount, Scim};
use serde_json::{json, Value};
use support::{auth, send, send_request, Reply, GROUP, PATCH_OP, TOKEN, USER};

const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
const BULK_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

fn builder() -> ScimBuilder {
    Scim::builder()
        .store(InMemoryStore::new())
        .authenticator(auth)
}

fn engine() -> Scim {
    builder().build().unwrap()
}

fn user(name: &str) -> Value {
    json!({"schemas": [USER], "userName": name})
}

fn bulk_body(operations: Value) -> Value {
    json!({"schemas": [BULK_REQUEST], "Operations": operations})
}

async fn bulk(scim: &Scim, body: Value) -> Reply {
    send(scim, Method::POST, "/Bulk", Some(body)).await
}

/// Sends a bulk request that must be answered 200; returns its entries.
async fn run(scim: &Scim, operations: Value) -> Vec<Value> {
    let reply = bulk(scim, bulk_body(operations)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["schemas"][0], BULK_RESPONSE);
    reply.body["Operations"].as_array().unwrap().clone()
}

fn id_of(entry: &Value) -> String {
    let location = entry["location"].as_str().unwrap();
    location.rsplit('/').next().unwrap().to_owned()
}

async fn get(scim: &Scim, path: &str) -> Reply {
    send(scim, Method::GET, path, None).await
}

fn member_ids(group: &Value) -> Vec<String> {
    let mut ids: Vec<String> = group["members"]
        .as_array()
        .map(|m| {
            m.iter()
                .map(|m| m["value"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

#[tokio::test]
async fn the_rfc_example_creates_users_and_a_group_of_them() {
    let scim = engine();
    let entries = run(
        &scim,
        json!([
            {"method": "POST", "path": "/Users", "bulkId": "qwerty",
             "data": {"schemas": [USER], "userName": "Alice"}},
            {"method": "POST", "path": "/Users", "bulkId": "ytrewq",
             "data": {"schemas": [USER], "userName": "Bob"}},
            {"method": "POST", "path": "/Groups", "bulkId": "group1",
             "data": {"schemas": [GROUP], "displayName": "Tour Guides",
                      "members": [{"type": "User", "value": "bulkId:qwerty"},
                                  {"type": "User", "value": "bulkId:ytrewq"}]}}
        ]),
    )
    .await;
    assert_eq!(entries.len(), 3);
    for (entry, bulk_id) in entries.iter().zip(["qwerty", "ytrewq", "group1"]) {
        assert_eq!(entry["method"], "POST");
        assert_eq!(entry["bulkId"], bulk_id);
        assert_eq!(entry["status"], "201");
        assert!(entry["version"].as_str().unwrap().starts_with("W/"));
        assert!(entry.get("response").is_none());
    }
    assert!(entries[0]["location"]
        .as_str()
        .unwrap()
        .starts_with("http://scim.example.test/Users/"));
    let alice = id_of(&entries[0]);
    let bob = id_of(&entries[1]);
    let group = get(&scim, &format!("/Groups/{}", id_of(&entries[2]))).await;
    assert_eq!(group.status, StatusCode::OK);
    let mut expected = vec![alice.clone(), bob];
    expected.sort();
    assert_eq!(member_ids(&group.body), expected);
    let alice = get(&scim, &format!("/Users/{alice}")).await;
    assert_eq!(alice.body["groups"][0]["display"], "Tour Guides");
}

#[tokio::test]
async fn forward_references_wait_for_the_post_they_name() {
    let scim = engine();
    let entries = run(
        &scim,
        json!([
            {"method": "POST", "path": "/Groups", "bulkId": "g",
             "data": {"schemas": [GROUP], "displayName": "Later",
                      "members": [{"value": "bulkId:u1"}, {"value": "bulkId:u2"}]}},
            {"method": "PATCH", "path": "/Users/bulkId:u2",
             "data": {"schemas": [PATCH_OP], "Operations": [
                 {"op": "replace", "path": "displayName", "value": "Two"}]}},
            {"method": "POST", "path": "/Users", "bulkId": "u1", "data": user("one")},
            {"method": "POST", "path": "/Users", "bulkId": "u2", "data": user("two")}
        ]),
    )
    .await;
    let statuses: Vec<&str> = entries
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["201", "200", "201", "201"], "{entries:?}");
    assert_eq!(entries[1]["method"], "PATCH");
    assert_eq!(id_of(&entries[1]), id_of(&entries[3]));
    let group = get(&scim, &format!("/Groups/{}", id_of(&entries[0]))).await;
    let mut expected = vec![id_of(&entries[2]), id_of(&entries[3])];
    expected.sort();
    assert_eq!(member_ids(&group.body), expected);
    let two = get(&scim, &format!("/Users/{}", id_of(&entries[3]))).await;
    assert_eq!(two.body["displayName"], "Two");
}

#[tokio::test]
async fn circular_references_fail_each_operation_of_the_cycle_with_409() {
    let scim = engine();
    let entries = run(
        &scim,
        json!([
            {"method": "POST", "path": "/Users", "bulkId": "free", "data": user("free")},
            {"method": "POST", "path": "/Groups", "bulkId": "a",
             "data": {"schemas": [GROUP], "displayName": "A", "members": [{"value": "bulkId:b"}]}},
            {"method": "POST", "path": "/Groups", "bulkId": "b",
             "data": {"schemas": [GROUP], "displayName": "B", "members": [{"value": "bulkId:a"}]}},
            {"method": "POST", "path": "/Groups", "bulkId": "c",
             "data": {"schemas": [GROUP], "displayName": "C", "members": [{"value": "bulkId:a"}]}},
            {"method": "POST", "path": "/Groups", "bulkId": "self",
             "data": {"schemas": [GROUP], "displayName": "S", "members": [{"value": "bulkId:self"}]}}
        ]),
    )
    .await;
    assert_eq!(entries.len(), 5);
    assert_eq!(entries[0]["status"], "201");
    for n in [1, 2] {
        assert_eq!(entries[n]["status"], "409", "{}", entries[n]);
        let detail = entries[n]["response"]["detail"].as_str().unwrap();
        assert!(detail.contains("circular"), "{detail}");
        assert!(
            detail.contains("\"a\" → \"b\" → \"a\"") || detail.contains("\"b\" → \"a\" → \"b\""),
            "{detail}"
        );
        assert_eq!(entries[n]["response"]["status"], "409");
    }
    // c is not on the cycle: it fails because what it refers to failed.
    assert_eq!(entries[3]["status"], "409");
    let detail = entries[3]["response"]["detail"].as_str().unwrap();
    assert!(
        detail.contains("bulkId:a") && detail.contains("failed"),
        "{detail}"
    );
    assert_eq!(entries[4]["status"], "409");
    assert!(entries[4]["response"]["detail"]
        .as_str()
        .unwrap()
        .contains("\"self\" → \"self\""));
    let groups = get(&scim, "/Groups").await;
    assert_eq!(groups.body["totalResults"], 0);
}

#[tokio::test]
async fn an_unknown_bulk_id_fails_that_operation_only() {
    let scim = engine();
    let entries = run(
        &scim,
        json!([
            {"method": "POST", "path": "/Groups", "bulkId": "g",
             "data": {"schemas": [GROUP], "displayName": "G", "members": [{"value": "bulkId:nobody"}]}},
            {"method": "PATCH", "path": "/Users/bulkId:ghost", "data": {"schemas": [PATCH_OP], "Operations": []}},
            {"method": "POST", "path": "/Users", "bulkId": "u", "data": user("fine")}
        ]),
    )
    .await;
    assert_eq!(entries[0]["status"], "400");
    assert_eq!(entries[0]["response"]["scimType"], "invalidValue");
    assert!(entries[0]["response"]["detail"]
        .as_str()
        .unwrap()
        .contains("bulkId:nobody"));
    assert_eq!(entries[1]["status"], "400");
    assert!(entries[1]["response"]["detail"]
        .as_str()
        .unwrap()
        .contains("ghost"));
    assert_eq!(entries[2]["status"], "201");
}

#[tokio::test]
async fn fail_on_errors_stops_after_that_many_failures() {
    let scim = engine();
    run(
        &scim,
        json!([{"method": "POST", "path": "/Users", "data": user("taken")}]),
    )
    .await;
    let reply = bulk(
        &scim,
        json!({"schemas": [BULK_REQUEST], "failOnErrors": 2, "Operations": [
            {"method": "POST", "path": "/Users", "bulkId": "1", "data": user("taken")},
            {"method": "POST", "path": "/Users", "bulkId": "2", "data": user("ok1")},
            {"method": "POST", "path": "/Users", "bulkId": "3", "data": user("taken")},
            {"method": "POST", "path": "/Users", "bulkId": "4", "data": user("never")},
        ]}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    let entries = reply.body["Operations"].as_array().unwrap();
    let statuses: Vec<&str> = entries
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["409", "201", "409"]);
    let users = get(&scim, "/Users?filter=userName%20eq%20%22never%22").await;
    assert_eq!(users.body["totalResults"], 0);
    // failOnErrors 1 stops at the first failure.
    let reply = bulk(
        &scim,
        json!({"schemas": [BULK_REQUEST], "failOnErrors": 1, "Operations": [
            {"method": "POST", "path": "/Users", "bulkId": "x", "data": user("taken")},
            {"method": "POST", "path": "/Users", "bulkId": "y", "data": user("never")},
        ]}),
    )
    .await;
    assert_eq!(reply.body["Operations"].as_array().unwrap().len(), 1);
    // Not a positive integer.
    let reply = bulk(
        &scim,
        json!({"schemas": [BULK_REQUEST], "failOnErrors": "two", "Operations": []}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.scim_type(), Some("invalidSyntax"));
}

#[tokio::test]
async fn each_operation_fails_alone_with_its_scim_error() {
    let scim = engine();
    let entries = run(
        &scim,
        json!([
            {"method": "POST", "path": "/Users", "bulkId": "a", "data": user("dup")},
            {"method": "POST", "path": "/Users", "bulkId": "b", "data": user("dup")},
            {"method": "PATCH", "path": "/Users/no-such-id",
             "data": {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": false}]}},
            {"method": "GET", "path": "/Users"},
            {"method": "POST", "path": "/Schemas", "data": user("x")},
            {"method": "POST", "path": "/Users/some-id", "data": user("y")},
            {"method": "PUT", "path": "/Users", "data": user("z")},
            {"method": "POST", "path": "/Users"},
            {"method": 7, "path": "/Users", "data": user("w")},
            {"method": "POST", "path": "/Users", "bulkId": "a", "data": user("again")},
            {"method": "POST", "path": "/Users", "bulkId": "c", "data": {"schemas": [USER]}}
        ]),
    )
    .await;
    assert_eq!(entries.len(), 11);
    assert_eq!(entries[0]["status"], "201");
    assert_eq!(entries[1]["status"], "409");
    assert_eq!(entries[1]["response"]["scimType"], "uniqueness");
    assert_eq!(
        entries[1]["response"]["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );
    assert_eq!(entries[2]["status"], "404");
    assert_eq!(entries[2]["method"], "PATCH");
    assert!(entries[2]["location"]
        .as_str()
        .unwrap()
        .ends_with("/Users/no-such-id"));
    for (n, entry) in entries.iter().enumerate().take(10).skip(3) {
        assert_eq!(entry["status"], "400", "{n}: {entry}");
        assert!(!entry["response"]["detail"].as_str().unwrap().is_empty());
    }
    assert_eq!(entries[3]["method"], "GET");
    assert!(entries[9]["response"]["detail"]
        .as_str()
        .unwrap()
        .contains("already used"));
    assert_eq!(entries[10]["status"], "400"); // userName is required: validation as for POST
}

#[tokio::test]
async fn version_is_if_match_per_operation() {
    let scim = engine();
    let created = run(
        &scim,
        json!([{"method": "POST", "path": "/Users", "bulkId": "u", "data": user("v")}]),
    )
    .await;
    let id = id_of(&created[0]);
    let version = created[0]["version"].as_str().unwrap().to_owned();
    let path = format!("/Users/{id}");
    let replace = |v: &str, name: &str| json!({"method": "PUT", "path": path, "version": v, "data": user(name)});
    let entries = run(
        &scim,
        json!([replace("W/\"stale\"", "v"), replace(&version, "v2")]),
    )
    .await;
    assert_eq!(entries[0]["status"], "412", "{}", entries[0]);
    assert_eq!(entries[0]["response"]["status"], "412");
    assert_eq!(entries[1]["status"], "200");
    let new_version = entries[1]["version"].as_str().unwrap().to_owned();
    assert_ne!(new_version, version);
    let current = get(&scim, &path).await;
    assert_eq!(current.body["userName"], "v2");
    assert_eq!(current.header("etag"), Some(new_version.as_str()));
    // PATCH and DELETE with the old version fail; with the new one DELETE works.
    let entries = run(
        &scim,
        json!([
            {"method": "PATCH", "path": path, "version": version,
             "data": {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": false}]}},
            {"method": "DELETE", "path": path, "version": version},
            {"method": "DELETE", "path": path, "version": new_version}
        ]),
    )
    .await;
    let statuses: Vec<&str> = entries
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["412", "412", "204"]);
    assert_eq!(get(&scim, &path).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn delete_and_events_fire_per_operation() {
    let seen: Arc<Mutex<Vec<Change>>> = Arc::default();
    let sink = Arc::clone(&seen);
    let scim = builder()
        .events(move |c: &Change| sink.lock().unwrap().push(c.clone()))
        .build()
        .unwrap();
    let entries = run(
        &scim,
        json!([
            {"method": "POST", "path": "/Users", "bulkId": "u", "data": user("gone")},
            {"method": "PUT", "path": "/Users/bulkId:u", "data": user("gone2")},
            {"method": "PATCH", "path": "/Users/bulkId:u",
             "data": {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": false}]}},
            {"method": "DELETE", "path": "/Users/bulkId:u"},
            {"method": "DELETE", "path": "/Users/bulkId:u"}
        ]),
    )
    .await;
    let statuses: Vec<&str> = entries
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["201", "200", "200", "204", "404"]);
    assert!(entries[3].get("response").is_none());
    let kinds: Vec<ChangeKind> = seen.lock().unwrap().iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        [
            ChangeKind::Created,
            ChangeKind::Replaced,
            ChangeKind::Patched,
            ChangeKind::Deleted
        ]
    );
    assert!(seen.lock().unwrap()[2].deactivated);
}

#[tokio::test]
async fn limits_are_enforced_with_413() {
    let scim = builder()
        .bulk(BulkLimits {
            max_operations: 2,
            max_payload_size: 2048,
        })
        .build()
        .unwrap();
    let three: Vec<Value> = (0..3)
        .map(|n| json!({"method": "POST", "path": "/Users", "bulkId": n.to_string(), "data": user(&format!("u{n}"))}))
        .collect();
    let reply = bulk(&scim, bulk_body(Value::Array(three))).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.body["status"], "413");
    assert!(reply.detail().contains("at most 2"), "{}", reply.detail());
    assert_eq!(get(&scim, "/Users").await.body["totalResults"], 0);
    let mut big = user("big");
    big["displayName"] = json!("x".repeat(3000));
    let reply = bulk(
        &scim,
        bulk_body(json!([{"method": "POST", "path": "/Users", "bulkId": "b", "data": big}])),
    )
    .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    // The bulk payload limit is the bulk body limit, whatever max_body_bytes says.
    let scim = builder()
        .max_body_bytes(512)
        .bulk(BulkLimits {
            max_operations: 10,
            max_payload_size: 8192,
        })
        .build()
        .unwrap();
    assert_eq!(scim.max_body_bytes(), 8192);
    let mut big = user("big");
    big["displayName"] = json!("x".repeat(1000));
    let entries = run(
        &scim,
        json!([{"method": "POST", "path": "/Users", "bulkId": "b", "data": big.clone()}]),
    )
    .await;
    assert_eq!(entries[0]["status"], "201");
    let reply = send(&scim, Method::POST, "/Users", Some(big)).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn malformed_bulk_requests_are_invalid_syntax() {
    let scim = engine();
    for body in [
        json!([]),
        json!({"Operations": []}),
        json!({"schemas": [BULK_REQUEST]}),
        json!({"schemas": [BULK_REQUEST], "Operations": {}}),
        json!({"schemas": [BULK_REQUEST], "Operations": ["POST"]}),
        json!({"schemas": [BULK_REQUEST], "failOnErrors": 0, "Operations": []}),
    ] {
        let reply = bulk(&scim, body.clone()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(reply.scim_type(), Some("invalidSyntax"), "{body}");
    }
    let raw = Request::builder()
        .method(Method::POST)
        .uri("/Bulk")
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "application/scim+json")
        .body(Bytes::from_static(b"{\"schemas\": ["))
        .unwrap();
    let reply = send_request(&scim, raw, Mount::root()).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let reply = send(&scim, Method::GET, "/Bulk", None).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    let entries = run(&scim, json!([])).await;
    assert!(entries.is_empty());
    // Deeply nested data neither overflows nor is misread.
    let mut deep = json!("bulkId:nope");
    for _ in 0..100 {
        deep = json!([deep]);
    }
    let entries = run(
        &scim,
        json!([{"method": "POST", "path": "/Users", "bulkId": "d", "data": {"schemas": [USER], "userName": "d", "x": deep}}]),
    )
    .await;
    assert_eq!(entries[0]["status"], "400");
}

#[tokio::test]
async fn service_provider_config_advertises_the_limits() {
    let scim = builder()
        .bulk(BulkLimits {
            max_operations: 42,
            max_payload_size: 4096,
        })
        .build()
        .unwrap();
    let spc = get(&scim, "/ServiceProviderConfig").await;
    assert_eq!(
        spc.body["bulk"],
        json!({"supported": true, "maxOperations": 42, "maxPayloadSize": 4096})
    );
    let spc = get(&engine(), "/ServiceProviderConfig").await;
    assert_eq!(spc.body["bulk"]["maxOperations"], 1000);
    assert_eq!(spc.body["bulk"]["maxPayloadSize"], 1_048_576);
    let off = builder().disable_bulk().build().unwrap();
    assert_eq!(
        get(&off, "/ServiceProviderConfig").await.body["bulk"]["supported"],
        false
    );
    assert_eq!(
        send(&off, Method::POST, "/Bulk", Some(bulk_body(json!([]))))
            .await
            .status,
        StatusCode::NOT_IMPLEMENTED
    );
    assert!(builder()
        .bulk(BulkLimits {
            max_operations: 0,
            max_payload_size: 1
        })
        .build()
        .is_err());
}

#[tokio::test]
async fn a_thousand_operations_with_forward_references_succeed() {
    let scim = engine();
    // 999 users and, first, one group that refers to all of them.
    let members: Vec<Value> = (1..1000)
        .map(|n| json!({"value": format!("bulkId:u{n}")}))
        .collect();
    let mut operations = vec![json!({"method": "POST", "path": "/Groups", "bulkId": "all",
        "data": {"schemas": [GROUP], "displayName": "everyone", "members": members}})];
    operations.extend((1..1000).map(|n| {
        json!({"method": "POST", "path": "/Users", "bulkId": format!("u{n}"), "data": user(&format!("user{n}"))})
    }));
    let entries = run(&scim, Value::Array(operations)).await;
    assert_eq!(entries.len(), 1000);
    assert!(entries.iter().all(|e| e["status"] == "201"));
    let group = get(&scim, &format!("/Groups/{}", id_of(&entries[0]))).await;
    assert_eq!(group.body["members"].as_array().unwrap().len(), 999);
    assert_eq!(get(&scim, "/Users?count=1").await.body["totalResults"], 999);
}

/// Records the sizes of the batches the engine hands `create_many`, over an in-memory store.
struct Batches {
    inner: InMemoryStore,
    sizes: Arc<Mutex<Vec<usize>>>,
}

#[async_trait::async_trait]
impl scimkit_core::ResourceStore for Batches {
    async fn create(
        &self,
        ctx: &scimkit_core::Context,
        rt: &scimkit_core::ResourceType,
        resource: scimkit_core::Resource,
    ) -> Result<scimkit_core::Resource, scimkit_core::StoreError> {
        self.inner.create(ctx, rt, resource).await
    }

    async fn create_many(
        &self,
        ctx: &scimkit_core::Context,
        rt: &scimkit_core::ResourceType,
        resources: Vec<scimkit_core::Resource>,
    ) -> Vec<Result<scimkit_core::Resource, scimkit_core::StoreError>> {
        self.sizes.lock().unwrap().push(resources.len());
        self.inner.create_many(ctx, rt, resources).await
    }

    async fn get(
        &self,
        ctx: &scimkit_core::Context,
        rt: &scimkit_core::ResourceType,
        id: &str,
    ) -> Result<Option<scimkit_core::Resource>, scimkit_core::StoreError> {
        self.inner.get(ctx, rt, id).await
    }

    async fn list(
        &self,
        ctx: &scimkit_core::Context,
        rt: &scimkit_core::ResourceType,
        query: &scimkit_core::store::ListQuery,
    ) -> Result<scimkit_core::store::Page, scimkit_core::StoreError> {
        self.inner.list(ctx, rt, query).await
    }

    async fn replace(
        &self,
        ctx: &scimkit_core::Context,
        rt: &scimkit_core::ResourceType,
        id: &str,
        resource: scimkit_core::Resource,
        if_match: Option<&scimkit_core::Version>,
    ) -> Result<scimkit_core::Resource, scimkit_core::StoreError> {
        self.inner.replace(ctx, rt, id, resource, if_match).await
    }

    async fn delete(
        &self,
        ctx: &scimkit_core::Context,
        rt: &scimkit_core::ResourceType,
        id: &str,
        if_match: Option<&scimkit_core::Version>,
    ) -> Result<(), scimkit_core::StoreError> {
        self.inner.delete(ctx, rt, id, if_match).await
    }
}

/// Runs of ready POSTs of one type go to the store together (`create_many`), each operation
/// still answered alone and in order: a refused one (a taken userName, an invalid body) fails
/// by itself; POSTs that wait for a bulkId, other methods and other types end a run; with
/// `failOnErrors`, a run is never longer than the failures still allowed.
#[tokio::test]
async fn runs_of_posts_are_created_together_and_answered_alone() {
    let sizes = Arc::new(Mutex::new(Vec::new()));
    let scim = Scim::builder()
        .store(Batches {
            inner: InMemoryStore::new(),
            sizes: Arc::clone(&sizes),
        })
        .authenticator(auth)
        .build()
        .unwrap();
    let post_as = |id: &str, n: &str| json!({"method": "POST", "path": "/Users", "bulkId": id, "data": user(n)});
    let post = |n: &str| post_as(n, n);
    let entries = run(
        &scim,
        json!([
            post("a"),
            post("b"),
            post_as("a-again", "a"),
            {"method": "POST", "path": "/Users", "bulkId": "bad", "data": {"schemas": [USER]}},
            post("c"),
            {"method": "POST", "path": "/Groups", "bulkId": "g",
             "data": {"schemas": [GROUP], "displayName": "G",
                      "members": [{"value": "bulkId:b"}]}},
            {"method": "POST", "path": "/Groups", "bulkId": "h",
             "data": {"schemas": [GROUP], "displayName": "H"}},
            {"method": "PATCH", "path": "/Users/bulkId:a",
             "data": {"schemas": [PATCH_OP],
                      "Operations": [{"op": "replace", "path": "active", "value": false}]}},
            post("d"),
            post("e")
        ]),
    )
    .await;
    let statuses: Vec<&str> = entries
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["201", "201", "409", "400", "201", "201", "201", "200", "201", "201"],
        "{entries:?}"
    );
    assert_eq!(entries[2]["response"]["scimType"], "uniqueness");
    assert_eq!(entries[3]["response"]["scimType"], "invalidValue");
    // Users a, b, a, c in one run (the invalid one never reaches the store); groups G (once b
    // exists) and H; the PATCH alone; then d and e.
    assert_eq!(*sizes.lock().unwrap(), [4, 2, 2]);

    // failOnErrors 1: runs of one, and the request stops at the first failure.
    sizes.lock().unwrap().clear();
    let reply = bulk(
        &scim,
        json!({"schemas": [BULK_REQUEST], "failOnErrors": 1,
               "Operations": [post("x"), post_as("x-again", "x"), post("y")]}),
    )
    .await;
    let entries = reply.body["Operations"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{}", reply.body);
    assert_eq!(entries[1]["status"], "409");
    assert!(
        sizes.lock().unwrap().is_empty(),
        "{:?}",
        sizes.lock().unwrap()
    );
    assert_eq!(
        get(&scim, "/Users?filter=userName%20eq%20%22y%22")
            .await
            .body["totalResults"],
        0
    );
}
