//! A group of 100 000 members (seeded with set-based SQL): adding and removing one member via
//! the store's member hook is row inserts/deletes that return the group without `members`;
//! `If-Match` is checked. Prints the timings next to a userName lookup and a full read of the
//! group
//! (`cargo test -p example-postgres --test large_group -- --nocapture`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value,
    clippy::needless_raw_string_hashes
)]

mod common;

use std::time::Instant;

use example_postgres::mapping::user_type;
use scimkit_core::context::{Caller, Context, Tenant};
use scimkit_core::patch::{MemberDelta, PatchRequest, Patched};
use scimkit_core::schema::ResourceType;
use scimkit_core::store::{ListQuery, MemberPatch, ResourceStore, StoreError, Version};
use scimkit_core::{Meta, Resource};
use scimkit_filter::parse_filter;
use scimkit_sql::store::SqlStore;
use serde_json::json;

const MEMBERS: i64 = 100_000;

fn patch(operations: serde_json::Value) -> PatchRequest {
    PatchRequest::from_json(json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": operations,
    }))
    .unwrap()
}

/// A members-only PATCH through the store's member hook, as the engine hands it over, for a
/// response without members (`excludedAttributes=members`, or 204).
async fn patch_members(
    store: &SqlStore,
    ctx: &Context,
    rt: &ResourceType,
    id: &str,
    request: &PatchRequest,
    if_match: Option<&Version>,
) -> Result<Patched, StoreError> {
    let (delta, rest) = MemberDelta::extract(rt, request).expect("a member change");
    assert!(rest.operations.is_empty(), "not only members: {rest:?}");
    let change = MemberPatch {
        delta: &delta,
        if_match,
        with_members: false,
    };
    let patched = store.patch_members(ctx, rt, id, change).await?;
    Ok(patched.expect("the store applies member changes itself"))
}

#[tokio::test]
async fn one_member_of_a_100k_group_is_added_and_removed_in_place() {
    let db = common::fresh("big").await;
    let started = Instant::now();
    let team = common::seed(db.db(), "big", MEMBERS).await;
    println!(
        "seeded {MEMBERS} accounts and memberships in {:?}",
        started.elapsed()
    );

    let ctx = Context::new(Tenant::new("big"), Caller::new("test"));
    let users = user_type();
    let groups = ResourceType::group();
    let mut newcomer = Resource::from_json(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "newcomer@example.com",
    }))
    .unwrap();
    newcomer.meta = Some(Meta::new("User", chrono::Utc::now()));
    let newcomer = db.store.create(&ctx, &users, newcomer).await.unwrap();
    let uid = newcomer.id.clone().unwrap();

    // Warm the pool and the statement cache once, so timings compare statements.
    let lookup = ListQuery {
        filter: Some(parse_filter(r#"userName eq "user77777@example.com""#).unwrap()),
        ..ListQuery::default()
    };
    db.store.list(&ctx, &users, &lookup).await.unwrap();

    let add = patch(json!([{"op": "add", "path": "members", "value": [{"value": uid}]}]));
    let t = Instant::now();
    let added = patch_members(&db.store, &ctx, &groups, &team, &add, None)
        .await
        .unwrap();
    let add_time = t.elapsed();
    assert!(added.changed);
    assert!(added.resource.get("members").is_none());
    assert_eq!(Version::of(&added.resource), Some(Version::new("2")));

    let remove = patch(json!([{"op": "remove", "path": format!("members[value eq \"{uid}\"]")}]));
    let t = Instant::now();
    let removed = patch_members(
        &db.store,
        &ctx,
        &groups,
        &team,
        &remove,
        Some(&Version::new("2")),
    )
    .await
    .unwrap();
    let remove_time = t.elapsed();
    assert!(removed.changed);
    assert!(removed.resource.get("members").is_none());
    assert_eq!(Version::of(&removed.resource), Some(Version::new("3")));

    // Added again and removed with a stale If-Match: refused, nothing changes.
    let stale = patch_members(
        &db.store,
        &ctx,
        &groups,
        &team,
        &add,
        Some(&Version::new("2")),
    )
    .await;
    assert_eq!(stale, Err(StoreError::VersionMismatch));

    let t = Instant::now();
    let page = db.store.list(&ctx, &users, &lookup).await.unwrap();
    let lookup_time = t.elapsed();
    assert_eq!(page.total_results, 1);

    let t = Instant::now();
    let whole = db.store.get(&ctx, &groups, &team).await.unwrap().unwrap();
    let read_time = t.elapsed();
    let members = whole
        .get("members")
        .and_then(|m| m.as_array())
        .map_or(0, Vec::len);
    assert_eq!(i64::try_from(members).unwrap(), MEMBERS);

    println!("add one member to a {MEMBERS}-member group:    {add_time:?}");
    println!("remove one member (If-Match):               {remove_time:?}");
    println!("userName eq lookup among {MEMBERS} accounts:   {lookup_time:?}");
    println!("for contrast, GET of the whole group:        {read_time:?}");
    // How these grow with the group is measured in BENCHMARKS.md, not asserted here.
    db.drop_schema().await.unwrap();
}
