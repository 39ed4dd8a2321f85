//! The same users and groups in `InMemoryStore` and in the store over the app's SQLite tables:
//! filters (pushed down to SQL, or left to the engine for what only `scim_extra` holds), sorts
//! and pages return the same ids through `Scim::handle`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value,
    clippy::needless_raw_string_hashes
)]

mod common;

use std::collections::HashMap;

use common::{call, engine, ids, TempDb};
use http::Method;
use scimkit_core::{InMemoryStore, Scim};
use serde_json::{json, Value};

/// Creates the same data in `scim`; returns its ids by userName / displayName.
async fn load(scim: &Scim) -> HashMap<String, String> {
    let mut names = HashMap::new();
    let titles = ["Engineer", "engineer", "Manager", "", "Tour Guide"];
    for n in 0..25 {
        let mut user = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": format!("User{n:02}@Example.com"),
            "displayName": format!("User {n}"),
            "active": n % 3 != 0,
            "emails": [{"value": format!("u{n}@{}.com", if n % 2 == 0 { "even" } else { "odd" }), "type": if n % 4 == 0 { "home" } else { "work" }}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": format!("{}", 100 - n)}
        });
        if n % 5 != 4 {
            user["externalId"] = json!(format!("ext-{n}"));
        }
        // Kept in `scim_extra` (no column): `name.formatted`, `nickName`, `phoneNumbers`.
        user["name"] = json!({
            "givenName": format!("G{}", n % 7),
            "familyName": format!("F{n:02}"),
            "formatted": format!("G{} F{n:02}", n % 7)
        });
        if n % 3 == 0 {
            user["nickName"] = json!(format!("nick{n:02}"));
        }
        if n % 2 == 1 {
            let kind = if n % 3 == 1 { "work" } else { "mobile" };
            user["phoneNumbers"] = json!([{"value": format!("+1 555 01{n:02}"), "type": kind}]);
        }
        let title = titles[n % titles.len()];
        if !title.is_empty() {
            user["title"] = json!(title);
        }
        let (status, body) = call(scim, Method::POST, "/Users", Some(user)).await;
        assert_eq!(status, 201, "{body}");
        names.insert(
            body["userName"].as_str().unwrap().to_owned(),
            body["id"].as_str().unwrap().to_owned(),
        );
    }
    for (g, members) in [
        ("Admins", vec![1, 2, 3]),
        ("Everyone", (0..25).collect()),
        ("Empty", vec![]),
    ] {
        let members: Vec<Value> = members
            .iter()
            .map(|n: &usize| json!({"value": names[&format!("User{n:02}@Example.com")]}))
            .collect();
        let (status, body) = call(
            scim,
            Method::POST,
            "/Groups",
            Some(json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": g,
                "members": members
            })),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        names.insert(g.to_owned(), body["id"].as_str().unwrap().to_owned());
    }
    names
}

/// The list answer's ids mapped back to names, so both stores' ids compare.
fn names_of(list: &Value, names: &HashMap<String, String>, ordered: bool) -> Vec<String> {
    let back: HashMap<&String, &String> = names.iter().map(|(k, v)| (v, k)).collect();
    let mut out: Vec<String> = list["Resources"]
        .as_array()
        .unwrap_or_else(|| panic!("{list}"))
        .iter()
        .map(|r| back[&r["id"].as_str().unwrap().to_owned()].clone())
        .collect();
    if !ordered {
        out.sort();
    }
    out
}

#[tokio::test]
async fn filters_sorts_and_pages_agree_with_the_in_memory_store() {
    let db = TempDb::new("diff");
    let sqlite = engine(db.open().await.1);
    let memory = engine(InMemoryStore::new());
    let sqlite_names = load(&sqlite).await;
    let memory_names = load(&memory).await;
    let queries = [
        "/Users?filter=userName%20eq%20%22user03%40example.com%22",
        "/Users?filter=userName%20sw%20%22USER1%22",
        "/Users?filter=externalId%20eq%20%22ext-7%22",
        "/Users?filter=externalId%20pr",
        "/Users?filter=not%20(externalId%20pr)",
        "/Users?filter=displayName%20co%20%221%22%20and%20active%20eq%20true",
        "/Users?filter=active%20eq%20false%20or%20title%20eq%20%22manager%22",
        "/Users?filter=title%20ne%20%22engineer%22",
        "/Users?filter=emails.value%20ew%20%22%40odd.com%22",
        "/Users?filter=emails%5Btype%20eq%20%22home%22%5D",
        "/Users?filter=emails.type%20eq%20%22home%22%20and%20not%20(emails.value%20co%20%22u0%22)",
        "/Users?filter=urn%3Aietf%3Aparams%3Ascim%3Aschemas%3Aextension%3Aenterprise%3A2.0%3AUser%3AemployeeNumber%20gt%20%2290%22",
        "/Users?filter=meta.lastModified%20gt%20%222000-01-01T00%3A00%3A00Z%22",
        "/Users?filter=meta.created%20lt%20%222000-01-01T00%3A00%3A00Z%22",
        "/Users?filter=name.givenName%20eq%20%22g3%22",
        "/Users?filter=name.formatted%20co%20%22F1%22%20and%20name.familyName%20lt%20%22F15%22",
        "/Users?filter=nickName%20pr%20or%20name.givenName%20eq%20%22G1%22",
        "/Users?filter=phoneNumbers%5Btype%20eq%20%22work%22%20and%20value%20ew%20%227%22%5D",
        "/Users?filter=phoneNumbers.value%20pr%20and%20not%20(emails.value%20co%20%22u1%22)",
        "/Groups?filter=displayName%20eq%20%22admins%22",
        "/Groups?filter=members.value%20pr",
    ];
    for query in queries {
        let (s1, a) = call(&sqlite, Method::GET, query, None).await;
        let (s2, b) = call(&memory, Method::GET, query, None).await;
        assert_eq!((s1, s2), (200, 200), "{query}: {a} {b}");
        assert_eq!(a["totalResults"], b["totalResults"], "{query}");
        assert_eq!(
            names_of(&a, &sqlite_names, false),
            names_of(&b, &memory_names, false),
            "{query}"
        );
    }
    // Ordered answers (sort keys without ties: stores may order ties differently): sorts SQL
    // does, ones it cannot (emails: multi-valued; nickName: in `scim_extra`; both sorted in
    // memory), pages.
    let ordered = [
        "/Users?sortBy=urn%3Aietf%3Aparams%3Ascim%3Aschemas%3Aextension%3Aenterprise%3A2.0%3AUser%3AemployeeNumber&sortOrder=descending&startIndex=3&count=7",
        "/Users?sortBy=userName&count=5&startIndex=21",
        "/Users?sortBy=emails&filter=active%20eq%20true&count=4",
        "/Users?filter=title%20pr&sortBy=displayName&sortOrder=descending",
        "/Users?sortBy=name.familyName&sortOrder=descending&count=6",
        "/Users?filter=nickName%20pr&sortBy=nickName&sortOrder=descending",
    ];
    for query in ordered {
        let (_, a) = call(&sqlite, Method::GET, query, None).await;
        let (_, b) = call(&memory, Method::GET, query, None).await;
        assert_eq!(a["totalResults"], b["totalResults"], "{query}");
        assert_eq!(
            names_of(&a, &sqlite_names, true),
            names_of(&b, &memory_names, true),
            "{query}"
        );
    }
}

#[tokio::test]
async fn cursor_pages_cover_every_match_once() {
    let db = TempDb::new("cursor");
    let sqlite = engine(db.open().await.1);
    let names = load(&sqlite).await;
    let mut seen = Vec::new();
    let mut uri = "/Users?cursor&count=4&sortBy=userName".to_owned();
    loop {
        let (status, page) = call(&sqlite, Method::GET, &uri, None).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["totalResults"], 25);
        seen.extend(ids(&page));
        match page["nextCursor"].as_str() {
            Some(next) => uri = format!("/Users?cursor={next}&count=4&sortBy=userName"),
            None => break,
        }
    }
    seen.sort();
    let mut all: Vec<String> = names
        .iter()
        .filter(|(name, _)| name.starts_with("User"))
        .map(|(_, id)| id.clone())
        .collect();
    all.sort();
    assert_eq!(seen, all);
}

/// The ids of a list answer, in its order.
fn ordered_ids(list: &Value) -> Vec<String> {
    list["Resources"]
        .as_array()
        .unwrap_or_else(|| panic!("{list}"))
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Keyset cursor pages, for sorts over text folded and exact (with missing values and values
/// equal once folded), booleans, timestamps (with ties) and no sort, both directions and
/// several page sizes: walked to the end, they give exactly the sorted list an index page
/// gives, in its order.
#[tokio::test]
async fn keyset_cursor_pages_follow_the_sorted_list() {
    let db = TempDb::new("keyset");
    let sqlite = engine(db.open().await.1);
    load(&sqlite).await;
    for sort_by in [
        "",
        "userName",
        "title",
        "externalId",
        "active",
        "meta.created",
    ] {
        for order in ["ascending", "descending"] {
            let sort = if sort_by.is_empty() {
                String::new()
            } else {
                format!("&sortBy={sort_by}&sortOrder={order}")
            };
            let (status, all) = call(
                &sqlite,
                Method::GET,
                &format!("/Users?startIndex=1&count=100{sort}"),
                None,
            )
            .await;
            assert_eq!(status, 200, "{all}");
            let expected = ordered_ids(&all);
            assert_eq!(expected.len(), 25);
            for count in [1, 4, 7] {
                let mut seen = Vec::new();
                let mut cursor = String::new();
                for _ in 0..=25 {
                    let uri = format!("/Users?cursor={cursor}&count={count}{sort}");
                    let (status, page) = call(&sqlite, Method::GET, &uri, None).await;
                    assert_eq!(status, 200, "{uri}: {page}");
                    assert_eq!(page["totalResults"], 25, "{uri}");
                    seen.extend(ordered_ids(&page));
                    match page["nextCursor"].as_str() {
                        Some(next) => cursor = next.to_owned(),
                        None => break,
                    }
                }
                assert_eq!(seen, expected, "sortBy={sort_by} {order}, count={count}");
            }
        }
    }
}

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// The documented differences from the in-memory store (README, "Limits"): SQLite's `lower()`
/// folds ASCII only, so userNames differing in the case of other letters are two userNames;
/// and a group's members are Users.
#[tokio::test]
async fn where_sqlite_differs_from_the_in_memory_store() {
    let db = TempDb::new("differs");
    let sqlite = engine(db.open().await.1);
    let memory = engine(InMemoryStore::new());
    let user = |name: &str| json!({"schemas": [USER], "userName": name});
    for (scim, second) in [(&sqlite, 201), (&memory, 409)] {
        let (status, _) = call(
            scim,
            Method::POST,
            "/Users",
            Some(user("ÉMILE@example.com")),
        )
        .await;
        assert_eq!(status, 201);
        let (status, body) = call(
            scim,
            Method::POST,
            "/Users",
            Some(user("émile@example.com")),
        )
        .await;
        assert_eq!(status, second, "{body}");
    }
    let group = |name: &str, members: Vec<Value>| json!({"schemas": [GROUP], "displayName": name, "members": members});
    for (scim, nested) in [(&sqlite, 400), (&memory, 201)] {
        let (status, inner) =
            call(scim, Method::POST, "/Groups", Some(group("Inner", vec![]))).await;
        assert_eq!(status, 201, "{inner}");
        let members = vec![json!({"value": inner["id"], "type": "Group"})];
        let (status, body) =
            call(scim, Method::POST, "/Groups", Some(group("Outer", members))).await;
        assert_eq!(status, nested, "{body}");
    }
}
