//! Contended writes through the engine: PATCH and PUT of one resource from several processes
//! (two engines over one store stand in for two instances over one database), a store with
//! no member hook, and the deadline after which a client gets `503`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value
)]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use http::{Method, StatusCode};
use scimkit_core::context::Context;
use scimkit_core::schema::ResourceType;
use scimkit_core::store::{ListQuery, Page, ResourceStore, StoreError, Version};
use scimkit_core::{InMemoryStore, Resource, Scim};
use serde_json::{json, Value};
use support::{auth, send, GROUP, PATCH_OP, USER};
use tokio::sync::Barrier;

/// InMemoryStore without its member hook, whose first two reads wait for each other (so two
/// writers read one version and one of them must lose its conditional replace), and which
/// counts lost replaces; `always_lose` makes every replace lose.
struct Racing {
    inner: InMemoryStore,
    reads: AtomicUsize,
    gate: Barrier,
    lost: AtomicUsize,
    always_lose: bool,
}

impl Racing {
    fn new(always_lose: bool) -> Self {
        Racing {
            inner: InMemoryStore::new(),
            reads: AtomicUsize::new(0),
            gate: Barrier::new(2),
            lost: AtomicUsize::new(0),
            always_lose,
        }
    }
}

#[async_trait]
impl ResourceStore for Racing {
    async fn create(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        r: Resource,
    ) -> Result<Resource, StoreError> {
        self.inner.create(ctx, rt, r).await
    }

    async fn get(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
    ) -> Result<Option<Resource>, StoreError> {
        let read = self.inner.get(ctx, rt, id).await;
        if self.reads.fetch_add(1, Ordering::SeqCst) < 2 {
            self.gate.wait().await;
        }
        read
    }

    async fn list(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        q: &ListQuery,
    ) -> Result<Page, StoreError> {
        self.inner.list(ctx, rt, q).await
    }

    async fn replace(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
        r: Resource,
        if_match: Option<&Version>,
    ) -> Result<Resource, StoreError> {
        let replaced = if self.always_lose {
            Err(StoreError::VersionMismatch)
        } else {
            self.inner.replace(ctx, rt, id, r, if_match).await
        };
        if replaced == Err(StoreError::VersionMismatch) {
            self.lost.fetch_add(1, Ordering::SeqCst);
        }
        replaced
    }

    async fn delete(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
        if_match: Option<&Version>,
    ) -> Result<(), StoreError> {
        self.inner.delete(ctx, rt, id, if_match).await
    }
}

fn engine(store: Arc<Racing>, deadline: Duration) -> Scim {
    Scim::builder()
        .shared_store(store)
        .authenticator(auth)
        .write_deadline(deadline)
        .build()
        .unwrap()
}

fn patch(operations: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": operations})
}

fn values(resource: &Value, attribute: &str) -> Vec<String> {
    let mut values: Vec<String> = resource[attribute]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["value"].as_str().map(str::to_owned))
        .collect();
    values.sort();
    values
}

/// 32 PATCHes without If-Match on one user and 32 on one group, split over two engines on a
/// store with no member hook: every one succeeds and every change is kept, though the two
/// engines' writers read the same versions and lose replaces to each other.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_patching_one_resource_lose_nothing() {
    let store = Arc::new(Racing::new(false));
    let a = engine(Arc::clone(&store), Duration::from_secs(5));
    let b = engine(Arc::clone(&store), Duration::from_secs(5));
    let user = send(
        &a,
        Method::POST,
        "/Users",
        Some(json!({"schemas": [USER], "userName": "contended"})),
    )
    .await;
    assert_eq!(user.status, StatusCode::CREATED, "{}", user.body);
    let uid = user.body["id"].as_str().unwrap().to_owned();
    let group = send(
        &a,
        Method::POST,
        "/Groups",
        Some(json!({"schemas": [GROUP], "displayName": "Contended"})),
    )
    .await;
    let gid = group.body["id"].as_str().unwrap().to_owned();
    let mut members = Vec::new();
    for k in 0..32 {
        let r = send(
            &a,
            Method::POST,
            "/Users",
            Some(json!({"schemas": [USER], "userName": format!("member{k}")})),
        )
        .await;
        members.push(r.body["id"].as_str().unwrap().to_owned());
    }
    // The users' PATCHes, then the group's: in each part the first writer of each engine
    // reads the same version (the store's gate), so one of the two must lose and retry.
    store.reads.store(0, Ordering::SeqCst);
    let mut tasks = Vec::new();
    for k in 0..32 {
        let scim = if k % 2 == 0 { a.clone() } else { b.clone() };
        let uri = format!("/Users/{uid}");
        let body = patch(json!([
            {"op": "add", "path": "emails", "value": [{"value": format!("e{k:02}@example.com")}]}
        ]));
        tasks.push(tokio::spawn(async move {
            send(&scim, Method::PATCH, &uri, Some(body)).await
        }));
    }
    for task in tasks.drain(..) {
        let reply = task.await.unwrap();
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    let lost_on_the_user = store.lost.load(Ordering::SeqCst);
    assert!(lost_on_the_user >= 1, "no replace of the user lost");

    store.reads.store(0, Ordering::SeqCst);
    for (k, member) in members.iter().enumerate() {
        let scim = if k % 2 == 0 { b.clone() } else { a.clone() };
        let uri = format!("/Groups/{gid}");
        let body = patch(json!([{"op": "add", "path": "members", "value": [{"value": member}]}]));
        tasks.push(tokio::spawn(async move {
            send(&scim, Method::PATCH, &uri, Some(body)).await
        }));
    }
    for task in tasks {
        let reply = task.await.unwrap();
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    assert!(
        store.lost.load(Ordering::SeqCst) > lost_on_the_user,
        "no replace of the group lost"
    );

    let read = send(&a, Method::GET, &format!("/Users/{uid}"), None).await;
    let expected: Vec<String> = (0..32).map(|k| format!("e{k:02}@example.com")).collect();
    assert_eq!(values(&read.body, "emails"), expected);
    let read = send(&b, Method::GET, &format!("/Groups/{gid}"), None).await;
    let mut expected = members.clone();
    expected.sort();
    assert_eq!(values(&read.body, "members"), expected);
}

/// A replace that keeps losing is retried until the deadline, then answered 503 (retryable);
/// nothing is changed. PUT behaves the same.
#[tokio::test]
async fn a_write_still_losing_at_the_deadline_is_503() {
    let store = Arc::new(Racing::new(true));
    let scim = engine(Arc::clone(&store), Duration::from_millis(100));
    store.reads.store(2, Ordering::SeqCst);
    let user = send(
        &scim,
        Method::POST,
        "/Users",
        Some(json!({"schemas": [USER], "userName": "stuck", "title": "before"})),
    )
    .await;
    let uri = format!("/Users/{}", user.body["id"].as_str().unwrap());
    let r = send(
        &scim,
        Method::PATCH,
        &uri,
        Some(patch(
            json!([{"op": "replace", "path": "title", "value": "after"}]),
        )),
    )
    .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert!(r.detail().contains("retry"), "{}", r.body);
    assert!(store.lost.load(Ordering::SeqCst) >= 1);
    let r = send(
        &scim,
        Method::PUT,
        &uri,
        Some(json!({"schemas": [USER], "userName": "stuck", "title": "put"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    let read = send(&scim, Method::GET, &uri, None).await;
    assert_eq!(read.body["title"], "before");
}

/// With `If-Match`, a lost race is the client's: 412 at once, no retry.
#[tokio::test]
async fn with_if_match_a_lost_race_is_412_without_retry() {
    let store = Arc::new(Racing::new(true));
    let scim = engine(Arc::clone(&store), Duration::from_secs(5));
    store.reads.store(2, Ordering::SeqCst);
    let user = send(
        &scim,
        Method::POST,
        "/Users",
        Some(json!({"schemas": [USER], "userName": "conditional"})),
    )
    .await;
    let etag = user.header("etag").unwrap().to_owned();
    let uri = format!("/Users/{}", user.body["id"].as_str().unwrap());
    let mut req = support::request(
        Method::PATCH,
        &uri,
        Some(patch(
            json!([{"op": "replace", "path": "title", "value": "x"}]),
        )),
    );
    req.headers_mut().insert("if-match", etag.parse().unwrap());
    let r = support::send_request(&scim, req, scimkit_core::Mount::root()).await;
    assert_eq!(r.status, StatusCode::PRECONDITION_FAILED, "{}", r.body);
    assert_eq!(store.lost.load(Ordering::SeqCst), 1);
}

#[test]
fn a_zero_write_deadline_is_refused() {
    let built = Scim::builder()
        .store(InMemoryStore::new())
        .authenticator(auth)
        .write_deadline(Duration::ZERO)
        .build();
    assert!(built.is_err());
}
