//! Heap held by `InMemoryStore` per stored Entra-shaped user (the budget: ≤ 2 KiB resident per
//! user), counted by a global allocator that tracks live bytes and live allocations. Users are
//! created through `Scim::handle`, as identity providers create them and as the load harness
//! (`examples/bench`) preloads them. The budget charges every live allocation the 16 bytes
//! glibc's malloc adds to it (a header and rounding), so it approximates resident memory
//! without the allocator's free-list slack.
//!
//! `cargo test -p scimkit-core --release --test memory_footprint -- --nocapture` prints the
//! figures (the store's total per user, and an unpacked copy of a user for comparison).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value,
    clippy::needless_raw_string_hashes,
    // Figures per user are printed as decimals; the authenticator has the trait's signature.
    clippy::cast_precision_loss,
    clippy::unnecessary_wraps
)]
// A counting global allocator cannot be written without `unsafe`: it only forwards to `System`.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use scimkit_core::auth::{AuthError, AuthRequest};
use scimkit_core::context::{Caller, Context, Tenant};
use scimkit_core::schema::ResourceType;
use scimkit_core::store::ResourceStore;
use scimkit_core::{InMemoryStore, Resource, Scim};
use serde_json::{json, Value};

/// Counts live heap bytes and live allocations of the whole test binary.
struct Counting;

static BYTES: AtomicIsize = AtomicIsize::new(0);
static BLOCKS: AtomicIsize = AtomicIsize::new(0);

fn size(layout: Layout) -> isize {
    isize::try_from(layout.size()).unwrap_or(isize::MAX)
}

// SAFETY: every call is forwarded unchanged to `System`; the counters only observe.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            BYTES.fetch_add(size(layout), Ordering::Relaxed);
            BLOCKS.fetch_add(1, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(ptr, layout) };
        BYTES.fetch_sub(size(layout), Ordering::Relaxed);
        BLOCKS.fetch_sub(1, Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's pointer, layout and size.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            let grown = isize::try_from(new_size).unwrap_or(isize::MAX) - size(layout);
            BYTES.fetch_add(grown, Ordering::Relaxed);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Live heap: bytes requested and allocations.
#[derive(Debug, Clone, Copy)]
struct Heap {
    bytes: isize,
    blocks: isize,
}

impl Heap {
    fn now() -> Heap {
        Heap {
            bytes: BYTES.load(Ordering::Relaxed),
            blocks: BLOCKS.load(Ordering::Relaxed),
        }
    }

    /// Per item, from `before` to now, for `n` items: (bytes, allocations, bytes + 16 per
    /// allocation).
    fn per(self, before: Heap, n: usize) -> (f64, f64, f64) {
        let n = n as f64;
        let bytes = (self.bytes - before.bytes) as f64 / n;
        let blocks = (self.blocks - before.blocks) as f64 / n;
        (bytes, blocks, bytes + 16.0 * blocks)
    }
}

const USERS: usize = 10_000;
const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// The load harness's user (`examples/bench`, IDP-NOTES.md's Entra create body).
fn entra_user(login: &str) -> Value {
    json!({
        "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
        "externalId": format!("0a21f0f2-8d2a-4f8e-bf98-{login}"),
        "userName": format!("{login}@contoso.com"),
        "active": true,
        "emails": [{"primary": true, "type": "work", "value": format!("{login}@contoso.com")}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": format!("Ann {login}"), "familyName": login, "givenName": "Ann"},
        "roles": [],
    })
}

fn auth(_: &AuthRequest<'_>) -> Result<Context, AuthError> {
    Ok(context())
}

fn context() -> Context {
    Context::new(Tenant::new("t"), Caller::new("footprint"))
}

fn post(body: &Value) -> Request<Bytes> {
    Request::builder()
        .method(Method::POST)
        .uri("/Users")
        .header("content-type", "application/scim+json")
        .body(Bytes::from(serde_json::to_vec(body).unwrap()))
        .unwrap()
}

#[test]
fn an_entra_user_costs_at_most_two_kib() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let store = std::sync::Arc::new(InMemoryStore::new());
    let scim = Scim::builder()
        .shared_store(std::sync::Arc::clone(&store) as std::sync::Arc<dyn ResourceStore>)
        .authenticator(auth)
        .build()
        .unwrap();
    // One user first, so the tenant and its maps exist before counting.
    runtime.block_on(async {
        let first = scim.handle(post(&entra_user("first"))).await;
        assert_eq!(first.status(), StatusCode::CREATED);
    });

    let mut ids = Vec::with_capacity(USERS);
    let before = Heap::now();
    runtime.block_on(async {
        for n in 0..USERS {
            let response = scim.handle(post(&entra_user(&format!("user{n}")))).await;
            assert_eq!(response.status(), StatusCode::CREATED);
            let created: Value = serde_json::from_slice(response.body()).unwrap();
            ids.push(created["id"].as_str().unwrap().to_owned());
        }
    });
    let with_ids = Heap::now();
    // The ids held here are not the store's.
    let ids_heap = {
        let copies: Vec<String> = ids.iter().map(|id| id.as_str().to_owned()).collect();
        let after = Heap::now();
        drop(copies);
        let buffer = Heap {
            bytes: isize::try_from(USERS * std::mem::size_of::<String>()).unwrap(),
            blocks: 1,
        };
        let strings = after.per(with_ids, 1);
        (
            strings.0 - buffer.bytes as f64,
            strings.1 - buffer.blocks as f64,
        )
    };
    let stored = Heap::now();
    let store_total = (
        (stored.bytes - before.bytes) as f64 - ids_heap.0,
        (stored.blocks - before.blocks) as f64 - ids_heap.1,
    );

    // The resources alone, as `get` returns them (exact-capacity copies).
    let users = ResourceType::user();
    let ctx = context();
    let copies_before = Heap::now();
    let copies: Vec<Resource> = runtime.block_on(async {
        let mut copies = Vec::with_capacity(ids.len());
        for id in &ids {
            copies.push(store.get(&ctx, &users, id).await.unwrap().unwrap());
        }
        copies
    });
    let resources = Heap::now().per(copies_before, USERS);
    drop(copies);

    let n = USERS as f64;
    let (bytes, blocks) = (store_total.0 / n, store_total.1 / n);
    let charged = bytes + 16.0 * blocks;
    println!(
        "store per user: {bytes:.0} B in {blocks:.1} allocations ({charged:.0} B charged)\n\
         the same user unpacked (as `get` returns it): {:.0} B in {:.1} allocations \
         ({:.0} B charged)",
        resources.0, resources.1, resources.2,
    );
    assert!(
        charged <= 2048.0,
        "a stored Entra user costs {charged:.0} B (budget 2 048 B)"
    );
}
