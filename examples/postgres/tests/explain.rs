//! The plans PostgreSQL picks for the statements `list` runs over the app's tables
//! (`SqlStore::list_statements`, exactly what the store executes) with 100 000 accounts and
//! 10 000 teams, `ANALYZE`d: the lookups identity providers make before every create use the
//! app's indexes, and cursor pages, first and deep, unsorted or by `userName`, are index
//! ranges with a `LIMIT` and no sort step. No plan reads `accounts` or `teams` sequentially.
//! Prints each plan (`cargo test -p example-postgres --test explain -- --nocapture`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use example_postgres::mapping::user_type;
use scimkit_core::context::{Caller, Context, Tenant};
use scimkit_core::schema::ResourceType;
use scimkit_core::sql::SqlValue;
use scimkit_core::store::{ListQuery, Pagination, ResourceStore};
use scimkit_core::SortSpec;
use scimkit_filter::parse_filter;
use scimkit_sql::testkit;
use scimkit_sql::Db;

/// The plan of a statement with its parameters, printed.
async fn explain(db: &Db, label: &str, sql: &str, params: &[SqlValue]) -> String {
    let plan = testkit::explain(db, sql, params).await.unwrap().join("\n");
    println!("-- {label}\n{sql}\n{plan}\n");
    plan
}

/// `index` in the plan, and no sequential scan of the app's tables.
#[track_caller]
fn assert_uses(label: &str, plan: &str, index: &str) {
    assert!(plan.contains(index), "{label}: not {index}:\n{plan}");
    assert!(!plan.contains("Seq Scan on accounts"), "{label}: {plan}");
    assert!(!plan.contains("Seq Scan on teams"), "{label}: {plan}");
}

#[tokio::test]
async fn list_statements_use_the_apps_indexes() {
    let db = common::fresh("explain").await;
    common::seed(db.db(), "big", 100_000).await;
    db.db()
        .execute(
            "INSERT INTO teams (tenant, display_name, external_id) \
             SELECT 'big', 'Team ' || g, 'team-' || g FROM generate_series(1, 10000) AS g",
            &[],
        )
        .await
        .unwrap();
    db.db().execute("ANALYZE", &[]).await.unwrap();
    let users = user_type();
    let groups = ResourceType::group();
    let lookup = |filter: &str| ListQuery {
        filter: Some(parse_filter(filter).unwrap()),
        ..ListQuery::default()
    };

    // The lookups Okta and Entra make before every create.
    for (label, rt, filter, index) in [
        (
            "userName eq lookup",
            &users,
            r#"userName eq "User77777@example.com""#,
            "accounts_tenant_email_key",
        ),
        (
            "externalId eq lookup",
            &users,
            r#"externalId eq "ext-77777""#,
            "accounts_tenant_external_id_idx",
        ),
        (
            "group displayName eq lookup",
            &groups,
            r#"displayName eq "team 7777""#,
            "teams_tenant_display_name_idx",
        ),
        (
            "group externalId eq lookup",
            &groups,
            r#"externalId eq "team-7777""#,
            "teams_tenant_external_id_idx",
        ),
    ] {
        let sql = db
            .store
            .list_statements(rt, "big", &lookup(filter))
            .unwrap();
        assert!(sql.complete, "{label}");
        let plan = explain(db.db(), label, &sql.select, &sql.params).await;
        assert_uses(label, &plan, index);
    }

    // Cursor pages: the first, and three pages deep (the cursors from the store's own
    // answers), unsorted and by userName.
    let ctx = Context::new(Tenant::new("big"), Caller::new("explain"));
    for (sort, index) in [
        (None, "accounts_tenant_id_idx"),
        (Some("userName"), "accounts_tenant_email_order_idx"),
    ] {
        let sort = sort.map(|by| SortSpec::from_query(&users, by, None).unwrap());
        let mut query = ListQuery {
            sort,
            page: Some(Pagination::Cursor {
                cursor: None,
                count: 100,
            }),
            ..ListQuery::default()
        };
        for depth in 1..=3 {
            let label = format!("cursor page {depth} ({index})");
            let sql = db.store.list_statements(&users, "big", &query).unwrap();
            assert!(sql.complete, "{label}");
            assert!(sql.select.contains("LIMIT 101"), "{label}: {}", sql.select);
            let plan = explain(db.db(), &label, &sql.select, &sql.params).await;
            assert_uses(&label, &plan, index);
            assert!(!plan.contains("Sort"), "{label}: {plan}");
            let next = db
                .store
                .list(&ctx, &users, &query)
                .await
                .unwrap()
                .next_cursor;
            query.page = Some(Pagination::Cursor {
                cursor: Some(next.unwrap()),
                count: 100,
            });
        }
    }
    db.drop_schema().await.unwrap();
}
