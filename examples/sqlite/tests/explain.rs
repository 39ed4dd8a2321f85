//! SQLite's plans for the very statements `list` runs (`SqlStore::list_statements`):
//!
//! - the lookups identity providers make before every create — `userName`, `externalId`, a
//!   group's `displayName` `eq` — search the index made for them, on index and cursor pages,
//!   with no sort step;
//! - `emails.value eq` probes `account_emails` through its index on the folded address, with
//!   no sort step. The translator writes a child-table filter as a correlated `EXISTS`, which
//!   SQLite runs once per account of the tenant: a walk of the tenant's index entries, not a
//!   scan of the table, but linear in the tenant's accounts;
//! - pages without `sortBy` and pages by `userName`, first and deep (a cursor's keyset range),
//!   walk an index in page order: no table scan, no sort step.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value,
    clippy::needless_raw_string_hashes
)]

mod common;

use scimkit_core::context::{Caller, Context, Tenant};
use scimkit_core::schema::ResourceType;
use scimkit_core::store::{ListQuery, Pagination, ResourceStore};
use scimkit_core::{Resource, SortOrder, SortSpec};
use scimkit_filter::{parse_filter, parse_path};
use scimkit_sql::store::SqlStore;
use scimkit_sql::Db;

/// SQLite's plan of the statement `list` runs for `query`: one line per step.
async fn plan(db: &Db, store: &SqlStore, rt: &ResourceType, query: &ListQuery) -> Vec<String> {
    let sql = store.list_statements(rt, "acme", query).unwrap();
    scimkit_sql::testkit::explain(db, &sql.select, &sql.params)
        .await
        .unwrap()
}

/// Asserts that `plan` searches `index` first, scans no table and sorts nothing.
fn assert_searches(plan: &[String], index: &str, what: &str) {
    assert!(
        plan.first()
            .is_some_and(|step| step.starts_with("SEARCH") && step.contains(index)),
        "{what}: {plan:?}"
    );
    assert!(
        !plan
            .iter()
            .any(|step| step.starts_with("SCAN") || step.contains("TEMP B-TREE")),
        "{what}: {plan:?}"
    );
}

/// The two first pages of 100: by index and by cursor.
fn first_pages() -> [Pagination; 2] {
    [
        Pagination::Index {
            start_index: 1,
            count: 100,
        },
        Pagination::Cursor {
            cursor: None,
            count: 100,
        },
    ]
}

#[tokio::test]
async fn lookups_search_their_index() {
    let file = common::TempDb::new("explain");
    let (db, store) = file.open().await;
    for (rt, filter, index) in [
        (
            ResourceType::user(),
            r#"userName eq "bjensen""#,
            "accounts_tenant_email_key",
        ),
        (
            ResourceType::user(),
            r#"externalId eq "x1""#,
            "accounts_tenant_external_id_idx",
        ),
        (
            ResourceType::group(),
            r#"displayName eq "Ops""#,
            "teams_tenant_display_name_idx",
        ),
    ] {
        for page in first_pages() {
            let query = ListQuery {
                filter: Some(parse_filter(filter).unwrap()),
                page: Some(page.clone()),
                ..ListQuery::default()
            };
            let plan = plan(&db, &store, &rt, &query).await;
            assert_searches(&plan, index, &format!("{filter} ({page:?})"));
        }
    }
}

#[tokio::test]
async fn email_lookups_probe_the_email_index() {
    let file = common::TempDb::new("explain_emails");
    let (db, store) = file.open().await;
    for filter in [
        r#"emails.value eq "b@x.com""#,
        r#"emails[value eq "b@x.com"]"#,
    ] {
        for page in first_pages() {
            let query = ListQuery {
                filter: Some(parse_filter(filter).unwrap()),
                page: Some(page.clone()),
                ..ListQuery::default()
            };
            let plan = plan(&db, &store, &ResourceType::user(), &query).await;
            let what = format!("{filter} ({page:?})");
            assert_searches(&plan, "accounts_tenant_", &what);
            assert!(
                plan.iter()
                    .any(|step| step.starts_with("SEARCH c1 USING INDEX account_emails_email_idx")),
                "{what}: {plan:?}"
            );
        }
    }
}

#[tokio::test]
async fn pages_walk_an_index_in_page_order() {
    let file = common::TempDb::new("explain_pages");
    let (db, store) = file.open().await;
    let users = ResourceType::user();
    let ctx = Context::new(Tenant::new("acme"), Caller::new("explain"));
    for n in 0..5 {
        let user: Resource = serde_json::from_value(serde_json::json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": format!("user{n}@example.com")
        }))
        .unwrap();
        store.create(&ctx, &users, user).await.unwrap();
    }
    let by_user_name = SortSpec {
        by: parse_path("userName").unwrap().attr().clone(),
        order: SortOrder::Ascending,
    };
    for (sort, index) in [
        (None, "accounts_tenant_id_idx"),
        (Some(by_user_name), "accounts_tenant_email_idx"),
    ] {
        let first = ListQuery {
            sort: sort.clone(),
            page: Some(Pagination::Cursor {
                cursor: None,
                count: 2,
            }),
            ..ListQuery::default()
        };
        let next_cursor = store.list(&ctx, &users, &first).await.unwrap().next_cursor;
        assert!(next_cursor.is_some());
        let deep = ListQuery {
            page: Some(Pagination::Cursor {
                cursor: next_cursor,
                count: 2,
            }),
            ..first.clone()
        };
        let by_index = ListQuery {
            page: Some(Pagination::Index {
                start_index: 3,
                count: 2,
            }),
            ..first.clone()
        };
        for (query, what) in [(first, "first"), (deep, "deep"), (by_index, "index")] {
            let plan = plan(&db, &store, &users, &query).await;
            assert_searches(&plan, index, &format!("{what} page, sort {sort:?}"));
        }
    }
}
