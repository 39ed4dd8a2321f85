//! Keyset cursor pages over PostgreSQL: for sorts over text folded and exact (with missing
//! values and values equal once folded), booleans, timestamps and no sort, both directions and
//! several page sizes, the pages walked to the end give exactly the sorted list an index page
//! gives, in its order; a forged cursor is refused.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use axum::Router;
use example_postgres::{app, credentials, engine};
use serde_json::{json, Value};

const TOKEN: &str = "keyset-test-token";

async fn call(app: &Router, method: &str, uri: &str, body: Option<Value>) -> (u16, Value) {
    common::call(app, TOKEN, method, uri, body).await
}

fn ordered_ids(list: &Value) -> Vec<String> {
    list["Resources"]
        .as_array()
        .unwrap_or_else(|| panic!("{list}"))
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn keyset_cursor_pages_follow_the_sorted_list() {
    let db = common::fresh("keyset").await;
    let creds = credentials(Some(TOKEN)).unwrap();
    let app = app(engine(db.store.clone(), creds.tokens).unwrap());
    let titles = ["Engineer", "engineer", "Manager", "", "Tour Guide"];
    for n in 0..25 {
        let mut user = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": format!("User{n:02}@Example.com"),
            "active": n % 3 != 0,
        });
        if n % 5 != 4 {
            user["externalId"] = json!(format!("Ext-{}", n % 7));
        }
        let title = titles[n % titles.len()];
        if !title.is_empty() {
            user["title"] = json!(title);
        }
        let (status, body) = call(&app, "POST", "/scim/v2/Users", Some(user)).await;
        assert_eq!(status, 201, "{body}");
    }
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
            let uri = format!("/scim/v2/Users?startIndex=1&count=100{sort}");
            let (status, all) = call(&app, "GET", &uri, None).await;
            assert_eq!(status, 200, "{all}");
            let expected = ordered_ids(&all);
            assert_eq!(expected.len(), 25);
            for count in [1, 4, 7] {
                let mut seen = Vec::new();
                let mut cursor = String::new();
                for _ in 0..=25 {
                    let uri = format!("/scim/v2/Users?cursor={cursor}&count={count}{sort}");
                    let (status, page) = call(&app, "GET", &uri, None).await;
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
    let (status, refused) = call(
        &app,
        "GET",
        "/scim/v2/Users?cursor=forged.cursor&count=5",
        None,
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["scimType"], "invalidCursor");
}

/// Two stores (two instances, each with its own pool) on one schema share the database's
/// cursor key: a cursor from one continues on the other; a store given another key refuses
/// it.
#[tokio::test]
async fn cursors_continue_on_another_instance_with_the_same_key() {
    let db = common::fresh("keyset_twin").await;
    let creds = credentials(Some(TOKEN)).unwrap();
    let first = app(engine(db.store.clone(), creds.tokens.clone()).unwrap());
    let other = db.another_instance(None).await.unwrap();
    let second = app(engine(other, creds.tokens.clone()).unwrap());
    let foreign = db.another_instance(Some([9_u8; 32])).await.unwrap();
    let stranger = app(engine(foreign, creds.tokens).unwrap());
    for n in 0..5 {
        let user = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": format!("twin{n}@example.com")
        });
        let (status, body) = call(&first, "POST", "/scim/v2/Users", Some(user)).await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, page) = call(
        &first,
        "GET",
        "/scim/v2/Users?cursor&count=2&sortBy=userName",
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let next = format!(
        "/scim/v2/Users?cursor={}&count=2&sortBy=userName",
        page["nextCursor"].as_str().unwrap()
    );
    let (status, page) = call(&second, "GET", &next, None).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["Resources"][0]["userName"], "twin2@example.com");
    let (status, refused) = call(&stranger, "GET", &next, None).await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["scimType"], "invalidCursor");
}
