//! The plans PostgreSQL picks for SqlStore's list statements on the demo tables with 100 000
//! accounts (seeded with `generate_series`, then `ANALYZE`d), exactly as the store runs them
//! (`SqlStore::list_statements`): the `userName eq` and `externalId eq` lookups use the
//! `(tenant, lower(email))` and `(tenant, external_id)` indexes; cursor pages, first and deep,
//! unsorted or by `userName`, are index ranges with a `LIMIT`; no plan reads `accounts`
//! sequentially. Prints each plan (`cargo test -p scimkit-sql --test explain -- --nocapture`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use scimkit_core::context::{Caller, Context, Tenant};
use scimkit_core::schema::ResourceType;
use scimkit_core::sql::{ListSql, SqlValue};
use scimkit_core::store::{ListQuery, Pagination, ResourceStore};
use scimkit_core::SortSpec;
use scimkit_filter::parse_filter;
use scimkit_sql::store::SqlStore;
use scimkit_sql::testkit::demo;
use scimkit_sql::{Backend, Datum, DatumKind, Db};

/// The plan of a list statement with its parameters, printed.
async fn explain(db: &Db, label: &str, sql: &str, params: &[SqlValue]) -> String {
    let params: Vec<Datum> = params.iter().cloned().map(Datum::from).collect();
    let rows = db
        .fetch(&format!("EXPLAIN {sql}"), &params, &[DatumKind::Text])
        .await
        .unwrap();
    let plan: Vec<String> = rows
        .into_iter()
        .filter_map(|row| row.into_iter().next().and_then(Datum::into_text))
        .collect();
    let plan = plan.join("\n");
    println!("-- {label}\n{sql}\n{plan}\n");
    plan
}

fn assert_indexed(label: &str, plan: &str) {
    assert!(!plan.contains("Seq Scan on accounts"), "{label}: {plan}");
    assert!(plan.contains("Index"), "{label}: {plan}");
}

fn page(store: &SqlStore, rt: &ResourceType, query: &ListQuery) -> ListSql {
    store.list_statements(rt, "acme", query).unwrap()
}

#[tokio::test]
async fn list_statements_use_the_indexes() {
    let (test, store) = demo::fresh(Backend::Postgres, "explain").await.unwrap();
    test.db
        .execute(
            "INSERT INTO accounts (id, tenant, email, display_name, external_id, is_active, \
             version, created_at, updated_at) \
             SELECT gen_random_uuid(), CASE WHEN g % 10 = 0 THEN 'other' ELSE 'acme' END, \
             'user' || g || '@example.com', 'User ' || g, 'ext-' || g, true, 1, now(), now() \
             FROM generate_series(1, 100000) g",
            &[],
        )
        .await
        .unwrap();
    test.db.execute("ANALYZE", &[]).await.unwrap();
    let users = ResourceType::user();
    let lookup = |filter: &str| ListQuery {
        filter: Some(parse_filter(filter).unwrap()),
        page: Some(Pagination::Index {
            start_index: 1,
            count: 100,
        }),
        ..ListQuery::default()
    };
    for (label, filter) in [
        ("userName lookup", r#"userName eq "User77@Example.com""#),
        ("externalId lookup", r#"externalId eq "ext-77""#),
    ] {
        let sql = page(&store, &users, &lookup(filter));
        assert!(sql.complete, "{label}");
        let plan = explain(&test.db, label, &sql.select, &sql.params).await;
        assert_indexed(label, &plan);
    }

    // Cursor pages: the first, and one three pages deep (its cursor from the store's own
    // answers), unsorted and by userName.
    let ctx = Context::new(Tenant::new("acme"), Caller::new("explain"));
    for sort in [None, Some("userName")] {
        let sort = sort.map(|by| SortSpec::from_query(&users, by, None).unwrap());
        let mut query = ListQuery {
            sort: sort.clone(),
            page: Some(Pagination::Cursor {
                cursor: None,
                count: 100,
            }),
            ..ListQuery::default()
        };
        for depth in 1..=3 {
            let label = format!(
                "cursor page {depth}, sort {:?}",
                sort.as_ref().map(|_| "userName")
            );
            let sql = page(&store, &users, &query);
            assert!(sql.complete, "{label}");
            assert!(sql.select.contains("LIMIT 101"), "{label}: {}", sql.select);
            let plan = explain(&test.db, &label, &sql.select, &sql.params).await;
            assert_indexed(&label, &plan);
            let next = store.list(&ctx, &users, &query).await.unwrap().next_cursor;
            query.page = Some(Pagination::Cursor {
                cursor: Some(next.unwrap()),
                count: 100,
            });
        }
    }
    test.remove().await.unwrap();
}
