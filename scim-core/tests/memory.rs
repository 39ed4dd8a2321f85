//! The in-memory store: the store test kit, concurrent uniqueness, index-answered lookups
//! against a scan, list sorting/paging/cursors, large-group membership PATCH, derived
//! `groups`, and tenant isolation.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value,
    clippy::needless_raw_string_hashes
)]

use std::sync::Arc;

use scimkit_core::context::{Caller, Context, Tenant};
use scimkit_core::evaluate::{CompiledFilter, Strictness};
use scimkit_core::patch::{MemberDelta, PatchRequest, Patched};
use scimkit_core::projection::Projection;
use scimkit_core::schema::ResourceType;
use scimkit_core::store::{ListQuery, MemberPatch, Pagination, ResourceStore, StoreError, Version};
use scimkit_core::{InMemoryStore, Meta, Resource, ScimError, SortSpec};
use scimkit_filter::parse_filter;
use serde_json::{json, Value};

fn ctx(tenant: &str) -> Context {
    Context::new(Tenant::new(tenant), Caller::new("test"))
}

fn with_meta(kind: &str, body: Value) -> Resource {
    let mut r = Resource::from_json(body).unwrap();
    r.meta = Some(Meta::new(kind, chrono::Utc::now()));
    r
}

fn user(name: &str) -> Resource {
    with_meta(
        "User",
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": name,
        }),
    )
}

fn user_full(name: &str, external: &str, email: &str, title: &str) -> Resource {
    with_meta(
        "User",
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": name,
            "externalId": external,
            "displayName": format!("{name} Display"),
            "title": title,
            "emails": [{"value": email, "type": "work"}, {"value": format!("{name}@home.example"), "type": "home"}],
        }),
    )
}

fn group(name: &str, members: &[&str]) -> Resource {
    let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
    with_meta(
        "Group",
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": name,
            "members": members,
        }),
    )
}

fn patch(ops: Value) -> PatchRequest {
    PatchRequest::from_json(json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": ops,
    }))
    .unwrap()
}

/// A members-only PATCH through the store's member hook, as the engine hands it over.
async fn patch_members(
    store: &InMemoryStore,
    ctx: &Context,
    rt: &ResourceType,
    id: &str,
    request: &PatchRequest,
    if_match: Option<&Version>,
    with_members: bool,
) -> Result<Patched, StoreError> {
    let (delta, rest) = MemberDelta::extract(rt, request).expect("a member change");
    assert!(rest.operations.is_empty(), "not only members: {rest:?}");
    let change = MemberPatch {
        delta: &delta,
        if_match,
        with_members,
    };
    let patched = store.patch_members(ctx, rt, id, change).await?;
    Ok(patched.expect("InMemoryStore applies member changes itself"))
}

fn ids(resource: &Resource, attribute: &str) -> Vec<String> {
    let mut ids: Vec<String> = resource
        .get(attribute)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|i| i["value"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

async fn list(
    store: &InMemoryStore,
    ctx: &Context,
    rt: &ResourceType,
    query: ListQuery,
) -> scimkit_core::store::Page {
    store.list(ctx, rt, &query).await.unwrap()
}

#[cfg(feature = "testkit")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_test_kit_passes() {
    let store = InMemoryStore::new();
    let report = scimkit_core::testkit::check_store(&store).await.unwrap();
    assert_eq!(report.passed.len(), 9, "{report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_racing_creates_of_one_user_name_give_one_success() {
    let store = Arc::new(InMemoryStore::new());
    let users = Arc::new(ResourceType::user());
    let mut tasks = Vec::new();
    for i in 0..64 {
        let store = Arc::clone(&store);
        let users = Arc::clone(&users);
        let name = if i % 3 == 0 {
            "Racer"
        } else if i % 3 == 1 {
            "racer"
        } else {
            "RACER"
        };
        tasks.push(tokio::spawn(async move {
            store.create(&ctx("race"), &users, user(name)).await
        }));
    }
    let mut ok = 0;
    let mut taken = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::Uniqueness(detail)) => {
                assert!(detail.starts_with("userName \""), "{detail}");
                assert!(detail.ends_with("\" is already taken"), "{detail}");
                taken += 1;
            }
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((ok, taken), (1, 63));
    let page = list(&store, &ctx("race"), &users, ListQuery::default()).await;
    assert_eq!(page.total_results, 1);
}

/// Fills a tenant with users whose attributes collide in case and share values.
async fn populated() -> (InMemoryStore, Context, ResourceType, Vec<Resource>) {
    let store = InMemoryStore::new();
    let ctx = ctx("lookups");
    let users = ResourceType::user();
    let mut all = Vec::new();
    for i in 0..40 {
        let name = format!("User{i:02}");
        let external = format!("EXT-{}", i % 7);
        let email = format!("shared{}@Example.com", i % 5);
        let title = if i % 2 == 0 { "Engineer" } else { "Manager" };
        all.push(
            store
                .create(&ctx, &users, user_full(&name, &external, &email, title))
                .await
                .unwrap(),
        );
    }
    (store, ctx, users, all)
}

/// Lists `rt` with the filter `text` and checks the page and its total against the filter
/// evaluated on every resource of `all` (in creation order); returns the number of matches.
async fn lists_as_a_scan(
    store: &InMemoryStore,
    ctx: &Context,
    rt: &ResourceType,
    all: &[Resource],
    text: &str,
) -> usize {
    let filter = parse_filter(text).unwrap();
    let compiled = CompiledFilter::new(&filter, rt, Strictness::Lenient).unwrap();
    let expected: Vec<_> = all
        .iter()
        .filter(|r| compiled.matches(r))
        .map(|r| r.id.clone().unwrap())
        .collect();
    let page = list(
        store,
        ctx,
        rt,
        ListQuery {
            filter: Some(filter),
            ..ListQuery::default()
        },
    )
    .await;
    let got: Vec<_> = page
        .resources
        .iter()
        .map(|r| r.id.clone().unwrap())
        .collect();
    assert_eq!(got, expected, "{text}");
    assert_eq!(page.total_results, expected.len(), "{text}");
    expected.len()
}

#[tokio::test]
async fn index_answered_lookups_agree_with_a_scan() {
    let (store, ctx, users, all) = populated().await;
    let filters = [
        r#"userName eq "user07""#,
        r#"userName eq "USER07""#,
        r#"userName eq "nobody""#,
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "User12""#,
        r#"externalId eq "EXT-3""#,
        r#"externalId eq "ext-3""#,
        r#"displayName eq "user05 display""#,
        r#"emails.value eq "SHARED2@example.COM""#,
        r#"emails.value eq "user09@home.example""#,
        r#"emails eq "shared2@example.com""#,
        r#"emails[value eq "shared1@example.com"]"#,
        r#"userName eq "user08" and title eq "Engineer""#,
        r#"userName eq "user08" and title eq "Manager""#,
        r#"title eq "Manager" and emails.value eq "shared3@example.com""#,
        r#"externalId eq "EXT-1" and emails.value eq "shared1@example.com""#,
        r#"userName eq "user01" or userName eq "user02""#,
        r#"not (userName eq "user01")"#,
        r#"userName co "1""#,
    ];
    for text in filters {
        lists_as_a_scan(&store, &ctx, &users, &all, text).await;
    }
}

#[tokio::test]
async fn filters_and_sorts_on_extension_attributes_see_the_extension() {
    const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    let store = InMemoryStore::new();
    let ctx = ctx("extensions");
    let users = ResourceType::user();
    let mut all = Vec::new();
    for i in 0..12 {
        let mut body = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
            "userName": format!("ext{i:02}"),
            "title": if i % 2 == 0 { "Engineer" } else { "Manager" },
        });
        body[ENT] = json!({
            "department": if i % 3 == 0 { "Sales" } else { "Support" },
            "employeeNumber": format!("{}", 20 - i),
            "manager": {"value": format!("boss{}", i % 2)},
        });
        let created = store
            .create(&ctx, &users, with_meta("User", body))
            .await
            .unwrap();
        all.push(created);
    }
    let filters = [
        r#"department eq "Sales""#,
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "sales""#,
        r#"userName eq "ext03" and department eq "Sales""#,
        r#"userName eq "ext04" and department eq "Sales""#,
        r#"userName eq "ext06" and not (department eq "Support")"#,
        r#"title eq "Manager" and manager.value eq "boss1""#,
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "boss0""#,
        r#"userName eq "ext05" and title eq "Manager""#,
        r#"noSuchAttribute eq "x" or department eq "Sales""#,
    ];
    for text in filters {
        let matches = lists_as_a_scan(&store, &ctx, &users, &all, text).await;
        assert!(
            matches > 0 || text.contains("ext04"),
            "{text} selects something"
        );
    }
    // Sorting by an extension attribute (a string: "10" < "9") reads the extension too.
    let page = list(
        &store,
        &ctx,
        &users,
        ListQuery {
            filter: Some(parse_filter(r#"title eq "Engineer""#).unwrap()),
            sort: Some(SortSpec::from_query(&users, "employeeNumber", None).unwrap()),
            ..ListQuery::default()
        },
    )
    .await;
    let numbers: Vec<_> = page
        .resources
        .iter()
        .map(|r| {
            r.attributes[ENT]["employeeNumber"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(numbers, ["10", "12", "14", "16", "18", "20"]);
}

#[tokio::test]
async fn lookups_follow_replace_and_delete() {
    let (store, ctx, users, all) = populated().await;
    let id = all[3].id.clone().unwrap();
    let filter = |text: &str| ListQuery {
        filter: Some(parse_filter(text).unwrap()),
        ..ListQuery::default()
    };
    store
        .replace(
            &ctx,
            &users,
            &id,
            user_full("Renamed", "EXT-new", "new@example.com", "Boss"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        list(&store, &ctx, &users, filter(r#"userName eq "user03""#))
            .await
            .total_results,
        0
    );
    assert_eq!(
        list(&store, &ctx, &users, filter(r#"userName eq "renamed""#))
            .await
            .total_results,
        1
    );
    assert_eq!(
        list(
            &store,
            &ctx,
            &users,
            filter(r#"emails.value eq "NEW@example.com""#)
        )
        .await
        .total_results,
        1
    );
    // The old userName is free again.
    store.create(&ctx, &users, user("user03")).await.unwrap();
    store.delete(&ctx, &users, &id, None).await.unwrap();
    assert_eq!(
        list(&store, &ctx, &users, filter(r#"externalId eq "EXT-new""#))
            .await
            .total_results,
        0
    );
    store.create(&ctx, &users, user("RENAMED")).await.unwrap();
}

#[tokio::test]
async fn an_invalid_filter_is_rejected() {
    let store = InMemoryStore::new();
    let query = ListQuery {
        filter: Some(parse_filter("active gt true").unwrap()),
        ..ListQuery::default()
    };
    let err = store
        .list(&ctx("t"), &ResourceType::user(), &query)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Rejected(ScimError::InvalidFilter(_))),
        "{err:?}"
    );
}

#[tokio::test]
async fn list_sorts_pages_and_counts() {
    let (store, ctx, users, all) = populated().await;
    // No sort: creation order.
    let page = list(&store, &ctx, &users, ListQuery::default()).await;
    let created: Vec<_> = all.iter().map(|r| r.id.clone()).collect();
    let got: Vec<_> = page.resources.iter().map(|r| r.id.clone()).collect();
    assert_eq!(got, created);
    assert_eq!(page.total_results, 40);

    let sort = SortSpec::from_query(&users, "userName", Some("descending")).unwrap();
    let query = ListQuery {
        filter: Some(parse_filter(r#"title eq "Engineer""#).unwrap()),
        sort: Some(sort),
        page: Some(Pagination::Index {
            start_index: 3,
            count: 4,
        }),
        projection: Projection::all(),
        compiled: None,
    };
    let page = list(&store, &ctx, &users, query.clone()).await;
    let names: Vec<_> = page
        .resources
        .iter()
        .map(|r| r.to_json()["userName"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["User34", "User32", "User30", "User28"]);
    assert_eq!(page.total_results, 20);
    assert_eq!(page.next_cursor, None);

    let count_only = ListQuery {
        page: Some(Pagination::Index {
            start_index: 1,
            count: 0,
        }),
        ..query.clone()
    };
    let page = list(&store, &ctx, &users, count_only).await;
    assert!(page.resources.is_empty());
    assert_eq!(page.total_results, 20);

    let past_end = ListQuery {
        page: Some(Pagination::Index {
            start_index: 100,
            count: 10,
        }),
        ..query
    };
    let page = list(&store, &ctx, &users, past_end).await;
    assert!(page.resources.is_empty());
    assert_eq!(page.total_results, 20);
}

#[tokio::test]
async fn cursor_pages_walk_every_resource_once() {
    let (store, ctx, users, all) = populated().await;
    let sort = SortSpec::from_query(&users, "userName", None).unwrap();
    let mut cursor = None;
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = list(
            &store,
            &ctx,
            &users,
            ListQuery {
                sort: Some(sort.clone()),
                page: Some(Pagination::Cursor {
                    cursor: cursor.take(),
                    count: 7,
                }),
                ..ListQuery::default()
            },
        )
        .await;
        pages += 1;
        assert_eq!(page.total_results, 40);
        seen.extend(
            page.resources
                .iter()
                .map(|r| r.to_json()["userName"].as_str().unwrap().to_owned()),
        );
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 6);
    let mut expected: Vec<_> = all
        .iter()
        .map(|r| r.to_json()["userName"].as_str().unwrap().to_owned())
        .collect();
    expected.sort();
    assert_eq!(seen, expected);

    // A cursor from another tenant or resource type, or not a cursor at all, is invalidCursor.
    let first = list(
        &store,
        &ctx,
        &users,
        ListQuery {
            page: Some(Pagination::Cursor {
                cursor: None,
                count: 5,
            }),
            ..ListQuery::default()
        },
    )
    .await
    .next_cursor
    .unwrap();
    for (ctx, rt, cursor) in [
        (ctx.clone(), ResourceType::group(), first.clone()),
        (self::ctx("elsewhere"), users.clone(), first.clone()),
        (ctx.clone(), users.clone(), "%%%".to_owned()),
        (ctx.clone(), users.clone(), "bm90LWEtY3Vyc29y".to_owned()),
    ] {
        let query = ListQuery {
            page: Some(Pagination::Cursor {
                cursor: Some(cursor),
                count: 5,
            }),
            ..ListQuery::default()
        };
        let err = store.list(&ctx, &rt, &query).await.unwrap_err();
        assert!(
            matches!(err, StoreError::Rejected(ScimError::InvalidCursor(_))),
            "{err:?}"
        );
    }
}

#[tokio::test]
async fn one_member_changes_in_a_large_group_do_not_materialise_members() {
    let store = InMemoryStore::new();
    let ctx = ctx("big");
    let users = ResourceType::user();
    let groups = ResourceType::group();
    let mut user_ids = Vec::with_capacity(100_001);
    for i in 0..100_001 {
        user_ids.push(
            store
                .create(&ctx, &users, user(&format!("u{i}")))
                .await
                .unwrap()
                .id
                .unwrap(),
        );
    }
    let refs: Vec<&str> = user_ids[..100_000].iter().map(String::as_str).collect();
    let created = store
        .create(&ctx, &groups, group("Everyone", &refs))
        .await
        .unwrap();
    let gid = created.id.clone().unwrap();
    let v0 = Version::of(&created).unwrap();

    let add =
        patch(json!([{"op": "add", "path": "members", "value": [{"value": user_ids[100_000]}]}]));
    let patched = patch_members(&store, &ctx, &groups, &gid, &add, Some(&v0), false)
        .await
        .unwrap();
    assert!(patched.changed);
    let patched = patched.resource;
    assert!(
        patched.get("members").is_none(),
        "members were materialised"
    );
    assert_eq!(patched.to_json()["displayName"], "Everyone");
    let v1 = Version::of(&patched).unwrap();
    assert_ne!(v1, v0);
    assert!(
        patched.meta.as_ref().unwrap().last_modified
            >= created.meta.as_ref().unwrap().last_modified
    );

    // A stale If-Match is refused.
    assert_eq!(
        patch_members(&store, &ctx, &groups, &gid, &add, Some(&v0), false)
            .await
            .unwrap_err(),
        StoreError::VersionMismatch
    );

    let remove =
        patch(json!([{"op": "remove", "path": format!("members[value eq \"{}\"]", user_ids[5])}]));
    let patched = patch_members(&store, &ctx, &groups, &gid, &remove, None, false)
        .await
        .unwrap()
        .resource;
    assert!(patched.get("members").is_none());
    let v2 = Version::of(&patched).unwrap();
    assert_ne!(v2, v1);

    // Removing it again changes nothing and keeps the version.
    let same = patch_members(&store, &ctx, &groups, &gid, &remove, None, false)
        .await
        .unwrap();
    assert!(!same.changed);
    let same = same.resource;
    assert_eq!(Version::of(&same), Some(v2));

    // With a projection that requests members, they are returned.
    let full = patch_members(&store, &ctx, &groups, &gid, &remove, None, true)
        .await
        .unwrap()
        .resource;
    assert_eq!(full.to_json()["members"].as_array().unwrap().len(), 100_000);

    let read = store.get(&ctx, &groups, &gid).await.unwrap().unwrap();
    let members = ids(&read, "members");
    assert_eq!(members.len(), 100_000);
    assert!(!members.contains(&user_ids[5]));
    assert!(members.contains(&user_ids[100_000]));
    // Missing member types are filled in.
    assert!(read.to_json()["members"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["type"] == "User"));

    // Listing groups with excludedAttributes=members does not carry members.
    let projection = Projection::from_query(&groups, None, Some("members")).unwrap();
    let page = list(
        &store,
        &ctx,
        &groups,
        ListQuery {
            projection,
            ..ListQuery::default()
        },
    )
    .await;
    assert_eq!(page.total_results, 1);
    assert!(page.resources[0].get("members").is_none());
}

#[tokio::test]
async fn members_must_exist_in_the_tenant() {
    let store = InMemoryStore::new();
    let users = ResourceType::user();
    let groups = ResourceType::group();
    let theirs = store
        .create(&ctx("other"), &users, user("x"))
        .await
        .unwrap()
        .id
        .unwrap();
    let err = store
        .create(&ctx("mine"), &groups, group("G", &[&theirs]))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        StoreError::Rejected(ScimError::InvalidValue(format!(
            "members: \"{theirs}\" is not a User or Group of this tenant"
        )))
    );
    // Groups may contain groups; the type is filled in.
    let inner = store
        .create(&ctx("mine"), &groups, group("Inner", &[]))
        .await
        .unwrap()
        .id
        .unwrap();
    let outer = store
        .create(&ctx("mine"), &groups, group("Outer", &[&inner]))
        .await
        .unwrap();
    assert_eq!(outer.to_json()["members"][0]["type"], "Group");
    // Deleting the inner group removes it from the outer one.
    store
        .delete(&ctx("mine"), &groups, &inner, None)
        .await
        .unwrap();
    let outer = store
        .get(&ctx("mine"), &groups, outer.id.as_ref().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(outer.get("members").is_none());
}

#[tokio::test]
async fn deleting_a_user_removes_its_memberships_and_groups_are_derived() {
    let store = InMemoryStore::new();
    let ctx = ctx("derived");
    let users = ResourceType::user();
    let groups = ResourceType::group();
    let alice = store
        .create(&ctx, &users, user("alice"))
        .await
        .unwrap()
        .id
        .unwrap();
    let bob = store
        .create(&ctx, &users, user("bob"))
        .await
        .unwrap()
        .id
        .unwrap();
    let eng = store
        .create(&ctx, &groups, group("Engineering", &[&alice, &bob]))
        .await
        .unwrap();
    let ops = store
        .create(&ctx, &groups, group("Ops", &[&alice]))
        .await
        .unwrap();
    let (eng_id, ops_id) = (eng.id.clone().unwrap(), ops.id.clone().unwrap());

    let read = store.get(&ctx, &users, &alice).await.unwrap().unwrap();
    let mut derived: Vec<_> = read.to_json()["groups"].as_array().unwrap().clone();
    derived.sort_by_key(|g| g["display"].as_str().unwrap().to_owned());
    assert_eq!(
        derived,
        [
            json!({"value": eng_id, "display": "Engineering", "type": "direct"}),
            json!({"value": ops_id, "display": "Ops", "type": "direct"}),
        ]
    );

    // `groups` in input is ignored.
    let mut body = user("alice");
    body.attributes
        .insert("groups".into(), json!([{"value": "bogus"}]));
    let replaced = store
        .replace(&ctx, &users, &alice, body, None)
        .await
        .unwrap();
    assert_eq!(ids(&replaced, "groups"), {
        let mut v = vec![eng_id.clone(), ops_id.clone()];
        v.sort();
        v
    });

    // Renaming a group shows in its members' groups.
    let mut renamed = store.get(&ctx, &groups, &eng_id).await.unwrap().unwrap();
    renamed
        .attributes
        .insert("displayName".into(), json!("Platform"));
    store
        .replace(&ctx, &groups, &eng_id, renamed, None)
        .await
        .unwrap();
    let read = store.get(&ctx, &users, &bob).await.unwrap().unwrap();
    assert_eq!(read.to_json()["groups"][0]["display"], "Platform");
    // The replace kept the members.
    let eng_now = store.get(&ctx, &groups, &eng_id).await.unwrap().unwrap();
    assert_eq!(ids(&eng_now, "members").len(), 2);

    store.delete(&ctx, &users, &alice, None).await.unwrap();
    let eng_after = store.get(&ctx, &groups, &eng_id).await.unwrap().unwrap();
    assert_eq!(ids(&eng_after, "members"), [bob.as_str()]);
    assert_ne!(Version::of(&eng_after), Version::of(&eng_now));
    let ops_after = store.get(&ctx, &groups, &ops_id).await.unwrap().unwrap();
    assert!(ops_after.get("members").is_none());

    // Deleting a group clears its members' groups.
    store.delete(&ctx, &groups, &eng_id, None).await.unwrap();
    let bob_after = store.get(&ctx, &users, &bob).await.unwrap().unwrap();
    assert!(bob_after.get("groups").is_none());

    // A members-only PATCH that replaces the whole list.
    let set = patch(json!([{"op": "replace", "path": "members", "value": [{"value": bob}]}]));
    patch_members(&store, &ctx, &groups, &ops_id, &set, None, false)
        .await
        .unwrap();
    let bob_now = store.get(&ctx, &users, &bob).await.unwrap().unwrap();
    assert_eq!(ids(&bob_now, "groups"), [ops_id.as_str()]);
}

#[tokio::test]
async fn tenants_are_isolated() {
    let store = InMemoryStore::new();
    let users = ResourceType::user();
    let groups = ResourceType::group();
    let (a, b) = (ctx("a"), ctx("b"));
    let id = store
        .create(&a, &users, user("same"))
        .await
        .unwrap()
        .id
        .unwrap();
    store.create(&b, &users, user("same")).await.unwrap();
    assert_eq!(store.get(&b, &users, &id).await.unwrap(), None);
    assert_eq!(
        store.delete(&b, &users, &id, None).await.unwrap_err(),
        StoreError::NotFound
    );
    assert_eq!(
        store
            .replace(&b, &users, &id, user("x"), None)
            .await
            .unwrap_err(),
        StoreError::NotFound
    );
    assert_eq!(
        store
            .delete(&ctx("never-seen"), &users, &id, None)
            .await
            .unwrap_err(),
        StoreError::NotFound
    );
    let gid = store
        .create(&a, &groups, group("G", &[&id]))
        .await
        .unwrap()
        .id
        .unwrap();
    let add = patch(json!([{"op": "add", "path": "members", "value": [{"value": id}]}]));
    assert_eq!(
        patch_members(&store, &b, &groups, &gid, &add, None, false)
            .await
            .unwrap_err(),
        StoreError::NotFound
    );
    let page = list(&store, &b, &users, ListQuery::default()).await;
    assert_eq!(page.total_results, 1);
    assert_ne!(page.resources[0].id.as_deref(), Some(id.as_str()));
    // The same id under the wrong resource type is not found either.
    assert_eq!(store.get(&a, &groups, &id).await.unwrap(), None);
}

/// Rendered reads a wrapper keeps forever, by id.
#[cfg(feature = "testkit")]
type KeptReads = std::sync::Mutex<
    std::collections::HashMap<String, Option<scimkit_core::store::RenderedResource>>,
>;

/// The in-memory store behind a store that declares nothing pushed down (or ignores If-Match,
/// or keeps the first rendered read of each resource forever), to show the test kit follows a
/// store's declared push-down and names what broke.
#[cfg(feature = "testkit")]
struct Wrapped {
    inner: InMemoryStore,
    ignore_if_match: bool,
    /// `Some`: rendered reads are kept here and never refreshed (stale documents).
    stale: Option<KeptReads>,
}

#[cfg(feature = "testkit")]
#[async_trait::async_trait]
impl ResourceStore for Wrapped {
    async fn create(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        resource: Resource,
    ) -> Result<Resource, StoreError> {
        self.inner.create(ctx, rt, resource).await
    }

    async fn get(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
    ) -> Result<Option<Resource>, StoreError> {
        self.inner.get(ctx, rt, id).await
    }

    async fn get_rendered(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
    ) -> Result<Option<scimkit_core::store::RenderedResource>, StoreError> {
        let render =
            |r: Option<Resource>| r.map(|r| scimkit_core::store::RenderedResource::render(rt, &r));
        let Some(kept) = &self.stale else {
            return Ok(render(self.get(ctx, rt, id).await?));
        };
        if let Some(read) = kept.lock().unwrap().get(id) {
            return Ok(read.clone());
        }
        let fresh = render(self.get(ctx, rt, id).await?);
        kept.lock().unwrap().insert(id.to_owned(), fresh.clone());
        Ok(fresh)
    }

    async fn list(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        query: &ListQuery,
    ) -> Result<scimkit_core::store::Page, StoreError> {
        assert_eq!(query.filter, None, "nothing is pushed down");
        assert_eq!(query.sort, None);
        assert_eq!(query.page, None);
        self.inner.list(ctx, rt, query).await
    }

    async fn replace(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
        resource: Resource,
        if_match: Option<&Version>,
    ) -> Result<Resource, StoreError> {
        let if_match = if_match.filter(|_| !self.ignore_if_match);
        self.inner.replace(ctx, rt, id, resource, if_match).await
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

#[cfg(feature = "testkit")]
#[tokio::test]
async fn the_test_kit_passes_on_a_store_that_pushes_nothing_down() {
    let store = Wrapped {
        inner: InMemoryStore::new(),
        ignore_if_match: false,
        stale: None,
    };
    let report = scimkit_core::testkit::check_store(&store).await.unwrap();
    assert_eq!(report.passed.len(), 9);
}

#[cfg(feature = "testkit")]
#[tokio::test]
async fn the_test_kit_names_the_broken_contract_item() {
    let store = Wrapped {
        inner: InMemoryStore::new(),
        ignore_if_match: true,
        stale: None,
    };
    let failure = scimkit_core::testkit::check_store(&store)
        .await
        .unwrap_err();
    assert_eq!(failure.check, "versions", "{failure}");
    assert!(
        failure.detail.contains("expected VersionMismatch"),
        "{failure}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_member_adds_and_deletes_all_land() {
    let store = Arc::new(InMemoryStore::new());
    let users = Arc::new(ResourceType::user());
    let groups = Arc::new(ResourceType::group());
    let tenant = ctx("busy");
    let mut user_ids = Vec::new();
    for i in 0..32 {
        user_ids.push(
            store
                .create(&tenant, &users, user(&format!("m{i}")))
                .await
                .unwrap()
                .id
                .unwrap(),
        );
    }
    let gid = store
        .create(&tenant, &groups, group("Busy", &[]))
        .await
        .unwrap()
        .id
        .unwrap();
    let mut tasks = Vec::new();
    for (i, uid) in user_ids.iter().cloned().enumerate() {
        let (store, users, groups, tenant, gid) = (
            Arc::clone(&store),
            Arc::clone(&users),
            Arc::clone(&groups),
            tenant.clone(),
            gid.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let add = patch(json!([{"op": "add", "path": "members", "value": [{"value": uid}]}]));
            patch_members(&store, &tenant, &groups, &gid, &add, None, false)
                .await
                .unwrap();
            // Every fourth member is deleted right after joining.
            if i % 4 == 0 {
                store.delete(&tenant, &users, &uid, None).await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let read = store.get(&tenant, &groups, &gid).await.unwrap().unwrap();
    let expected: Vec<String> = {
        let mut v: Vec<String> = user_ids
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 4 != 0)
            .map(|(_, id)| id.clone())
            .collect();
        v.sort();
        v
    };
    assert_eq!(ids(&read, "members"), expected);
}

#[cfg(feature = "testkit")]
#[tokio::test]
async fn the_test_kit_catches_a_stale_rendered_read() {
    let store = Wrapped {
        inner: InMemoryStore::new(),
        ignore_if_match: false,
        stale: Some(std::sync::Mutex::default()),
    };
    let failure = scimkit_core::testkit::check_rendered_reads(&store)
        .await
        .unwrap_err();
    assert_eq!(failure.check, "rendered_reads");
    assert!(
        failure
            .detail
            .starts_with("after a member add: get_rendered of "),
        "{failure}"
    );
}

/// The engine hands its compiled filter to the store; the store evaluates that one rather
/// than compiling `filter` again.
#[tokio::test]
async fn the_engines_compiled_filter_is_the_one_evaluated() {
    let store = InMemoryStore::new();
    let users = ResourceType::user();
    let ctx = ctx("compiled");
    for name in ["ann", "bob"] {
        store.create(&ctx, &users, user(name)).await.unwrap();
    }
    let bob = parse_filter(r#"userName eq "bob""#).unwrap();
    let query = ListQuery {
        filter: Some(parse_filter(r#"userName sw "a""#).unwrap()),
        compiled: Some(CompiledFilter::new(&bob, &users, Strictness::Strict).unwrap()),
        ..ListQuery::default()
    };
    let page = list(&store, &ctx, &users, query).await;
    let names: Vec<_> = page
        .resources
        .iter()
        .filter_map(|r| r.get("userName").and_then(Value::as_str))
        .collect();
    assert_eq!(names, ["bob"]);
}
