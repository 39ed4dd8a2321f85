//! SqlStore against InMemoryStore on 100 000 accounts, through `Scim::handle`, in one run:
//! the `userName eq` and `externalId eq` lookups identity providers make before every create,
//! and a one-member PATCH (add, then remove) on a group holding all 100 000 accounts. Both
//! engines have the same resource types, token and options; only the store differs.
//!
//! SqlStore is preloaded with set-based SQL (`generate_series`) in its own schema, dropped at
//! the end; InMemoryStore through the store API. Prints the ratio SqlStore / InMemoryStore of
//! each operation's mean time per request (`cargo bench -p example-postgres`).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_precision_loss
)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion};
use example_postgres::test_db::{seed, TestDb};
use example_postgres::{credentials, mapping, TENANT};
use http::{Method, Request, StatusCode};
use scimkit_core::context::{Caller, Context, Tenant};
use scimkit_core::schema::ResourceType;
use scimkit_core::store::ResourceStore;
use scimkit_core::{InMemoryStore, Meta, Resource, Scim};
use serde_json::{json, Value};

const USERS: i64 = 100_000;
const TOKEN: &str = "bench-token-0123456789abcdef";
/// The account looked up (it exists in both stores).
const PROBE: i64 = 77_777;

fn engine(store: Arc<dyn ResourceStore>, tokens: example_host::Tokens) -> Scim {
    Scim::builder()
        .shared_store(store)
        .resource_type(mapping::user_type())
        .resource_type(ResourceType::group())
        .authenticator(tokens)
        .build()
        .unwrap()
}

fn request(method: Method, uri: &str, body: Option<&Value>) -> Request<Bytes> {
    let bytes = body.map_or_else(Bytes::new, |b| Bytes::from(b.to_string()));
    Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "127.0.0.1")
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "application/scim+json")
        .body(bytes)
        .unwrap()
}

async fn call(scim: &Scim, method: Method, uri: &str, body: Option<&Value>) -> Value {
    let response = scim.handle(request(method, uri, body)).await;
    let status = response.status();
    let body: Value = if response.body().is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(response.body()).unwrap()
    };
    assert!(status.is_success(), "{uri}: {status} {body}");
    body
}

fn patch(op: &Value) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [op]})
}

/// The InMemoryStore twin of `seed`: the same accounts and a group of all of them, through
/// the store API. Returns the group's id.
async fn preload_memory(store: &InMemoryStore) -> String {
    let ctx = Context::new(Tenant::new(TENANT), Caller::new("bench"));
    let users = mapping::user_type();
    let mut ids = Vec::with_capacity(usize::try_from(USERS).unwrap());
    for i in 1..=USERS {
        let mut user = Resource::from_json(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": format!("user{i}@example.com"),
            "displayName": format!("User {i}"),
            "externalId": format!("ext-{i}"),
            "active": true,
        }))
        .unwrap();
        user.meta = Some(Meta::new("User", chrono::Utc::now()));
        let created = store.create(&ctx, &users, user).await.unwrap();
        ids.push(json!({"value": created.id.unwrap()}));
    }
    let mut group = Resource::from_json(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "All",
        "members": ids,
    }))
    .unwrap();
    group.meta = Some(Meta::new("Group", chrono::Utc::now()));
    let created = store
        .create(&ctx, &ResourceType::group(), group)
        .await
        .unwrap();
    created.id.unwrap()
}

/// One request of an operation: method, URI, body.
type Call = (Method, String, Option<Value>);

/// The requests of an operation for a subject.
type Requests = fn(&Subject) -> Vec<Call>;

/// Total time and iterations per (operation, store).
type Means = BTreeMap<(String, &'static str), (Duration, u64)>;

/// One backend under test: its engine, the group of everyone, and a user outside it.
struct Subject {
    name: &'static str,
    scim: Scim,
    group: String,
    outsider: String,
}

impl Subject {
    async fn outsider(scim: &Scim) -> String {
        let created = call(
            scim,
            Method::POST,
            "/Users",
            Some(
                &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                         "userName": "outsider@example.com"}),
            ),
        )
        .await;
        created["id"].as_str().unwrap().to_owned()
    }
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let tokens = credentials(Some(TOKEN)).unwrap().tokens;

    let (db, subjects) = rt.block_on(async {
        let started = Instant::now();
        let db = TestDb::fresh("bench")
            .await
            .unwrap_or_else(|error| panic!("{error}"));
        let pg_group = seed(db.db(), TENANT, USERS).await.unwrap();
        let pg = engine(Arc::new(db.store.clone()), tokens.clone());
        let pg_outsider = Subject::outsider(&pg).await;
        println!(
            "SqlStore: {USERS} accounts and a group of all of them in {:.1} s (SQL bulk insert)",
            started.elapsed().as_secs_f64()
        );
        let started = Instant::now();
        let memory = InMemoryStore::new();
        let memory_group = preload_memory(&memory).await;
        let mem = engine(Arc::new(memory), tokens.clone());
        let mem_outsider = Subject::outsider(&mem).await;
        println!(
            "InMemoryStore: the same in {:.1} s (store API)",
            started.elapsed().as_secs_f64()
        );
        (
            db,
            [
                Subject {
                    name: "InMemoryStore",
                    scim: mem,
                    group: memory_group,
                    outsider: mem_outsider,
                },
                Subject {
                    name: "SqlStore",
                    scim: pg,
                    group: pg_group,
                    outsider: pg_outsider,
                },
            ],
        )
    });

    // Mean time per request of each (operation, store), from every sample criterion takes.
    let means: Arc<Mutex<Means>> = Arc::default();
    let operations: [(&str, Requests); 3] = [
        ("userName eq lookup", |_| {
            let filter = format!("userName eq \"User{PROBE}@example.com\"");
            vec![(
                Method::GET,
                format!("/Users?filter={}", encode(&filter)),
                None,
            )]
        }),
        ("externalId eq lookup", |_| {
            let filter = format!("externalId eq \"ext-{PROBE}\"");
            vec![(
                Method::GET,
                format!("/Users?filter={}", encode(&filter)),
                None,
            )]
        }),
        ("member add + remove (100 000-member group)", |s| {
            let uri = format!("/Groups/{}?excludedAttributes=members", s.group);
            let add = patch(&json!({"op": "add", "path": "members",
                                    "value": [{"value": s.outsider}]}));
            let remove = patch(&json!({"op": "remove",
                                       "path": format!("members[value eq \"{}\"]", s.outsider)}));
            vec![
                (Method::PATCH, uri.clone(), Some(add)),
                (Method::PATCH, uri, Some(remove)),
            ]
        }),
    ];

    for (label, requests) in operations {
        let mut group = c.benchmark_group(label);
        group
            .sample_size(20)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3));
        for subject in &subjects {
            let requests = requests(subject);
            // The requests answer as expected (and find the probe) before they are timed.
            rt.block_on(async {
                for (method, uri, body) in &requests {
                    let reply = call(&subject.scim, method.clone(), uri, body.as_ref()).await;
                    if method == Method::GET {
                        assert_eq!(reply["totalResults"], 1, "{label} on {}", subject.name);
                    }
                }
            });
            let means = means.clone();
            group.bench_function(subject.name, |b| {
                b.iter_custom(|iters| {
                    let started = Instant::now();
                    rt.block_on(async {
                        for _ in 0..iters {
                            for (method, uri, body) in &requests {
                                let response = subject
                                    .scim
                                    .handle(request(method.clone(), uri, body.as_ref()))
                                    .await;
                                assert_eq!(response.status(), StatusCode::OK);
                            }
                        }
                    });
                    let elapsed = started.elapsed();
                    let mut means = means.lock().unwrap();
                    let entry = means
                        .entry((label.to_owned(), subject.name))
                        .or_insert((Duration::ZERO, 0));
                    entry.0 += elapsed;
                    entry.1 += iters;
                    elapsed
                });
            });
        }
        group.finish();
    }

    println!("\nSqlStore / InMemoryStore, mean time per operation ({USERS} accounts):");
    let means = means.lock().unwrap();
    for (label, _) in operations {
        let mean = |store: &'static str| {
            means
                .get(&(label.to_owned(), store))
                .map(|(total, n)| total.as_secs_f64() / (*n).max(1) as f64)
                .unwrap_or_default()
        };
        let (memory, pg) = (mean("InMemoryStore"), mean("SqlStore"));
        println!(
            "  {label:<44} InMemoryStore {:>9.1} µs   SqlStore {:>9.1} µs   ratio {:>6.1}×",
            memory * 1e6,
            pg * 1e6,
            pg / memory.max(f64::MIN_POSITIVE)
        );
    }
    drop(means);
    rt.block_on(db.drop_schema()).unwrap();
}

/// Percent-encodes a filter for the query string.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~@".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

criterion_group!(benches, bench);
criterion_main!(benches);
