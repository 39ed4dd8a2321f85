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
use scimkit_sql::testkit::{self, demo};
use scimkit_sql::{shared_cursor_key, Backend, Datum, DatumKind, Db};

/// The plan of a list statement with its parameters, printed.
async fn explain(db: &Db, label: &str, sql: &str, params: &[SqlValue]) -> String {
    let plan = testkit::explain(db, sql, params).await.unwrap().join("\n");
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

/// The statement's plan on MariaDB, run (`ANALYZE FORMAT=JSON`): which indexes it used and how
/// many rows it read, printed.
async fn analyze(db: &Db, label: &str, sql: &str, params: &[SqlValue]) -> String {
    let params: Vec<Datum> = params.iter().cloned().map(Datum::from).collect();
    let rows = db
        .fetch(
            &format!("ANALYZE FORMAT=JSON {sql}"),
            &params,
            &[DatumKind::Text],
        )
        .await
        .unwrap();
    let plan = rows
        .into_iter()
        .filter_map(|row| row.into_iter().next().and_then(Datum::into_text))
        .collect::<Vec<_>>()
        .join("\n");
    println!("-- {label} (MariaDB)\n{sql}\n{plan}\n");
    plan
}

/// The largest `r_rows` (rows a table access read) in a MariaDB `ANALYZE FORMAT=JSON` plan.
fn rows_read(plan: &str) -> f64 {
    let value: serde_json::Value = serde_json::from_str(plan).unwrap();
    let mut most = 0.0_f64;
    let mut stack = vec![&value];
    while let Some(node) = stack.pop() {
        match node {
            serde_json::Value::Object(map) => {
                if let Some(rows) = map.get("r_rows").and_then(serde_json::Value::as_f64) {
                    most = most.max(rows);
                }
                stack.extend(map.values());
            }
            serde_json::Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    most
}

/// On MariaDB, which cannot index `CAST(lower(email) AS BINARY)` (before 11.8), the demo
/// tables keep that key in a stored column (`Column::key`): the `userName`, `externalId` and
/// group `displayName` lookups and cursor pages deep into 100 000 accounts, unsorted and by
/// `userName`, read about a page of rows through the indexes, not the tenant's rows.
#[tokio::test]
async fn mariadb_reads_through_the_key_columns() {
    use scimkit_core::store::{CursorCodec, CursorScope};
    use scimkit_core::SortKey;

    let (test, store) = demo::fresh(Backend::MySql, "explain_keys").await.unwrap();
    let version = test
        .db
        .fetch("SELECT VERSION()", &[], &[DatumKind::Text])
        .await
        .unwrap();
    let version = version[0][0].as_text().unwrap_or_default().to_owned();
    assert!(
        version.contains("MariaDB"),
        "this test reads MariaDB's ANALYZE output; MYSQL_URL is {version}"
    );
    let digits = "(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 \
                  UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 \
                  UNION ALL SELECT 8 UNION ALL SELECT 9)";
    test.db
        .execute(
            &format!(
                "INSERT INTO accounts (id, tenant, email, display_name, external_id, \
                 is_active, version, created_at, updated_at) \
                 SELECT uuid(), 'acme', concat('user', g, '@example.com'), concat('User ', g), \
                 concat('ext-', g), true, 1, now(3), now(3) \
                 FROM (SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d AS g \
                 FROM {digits} a, {digits} b, {digits} c, {digits} e, {digits} f) n"
            ),
            &[],
        )
        .await
        .unwrap();
    test.db
        .execute(
            "INSERT INTO teams (id, tenant, display_name, external_id, version, created_at, \
             updated_at) SELECT uuid(), tenant, concat('Team ', display_name), external_id, 1, \
             now(3), now(3) FROM accounts LIMIT 10000",
            &[],
        )
        .await
        .unwrap();
    test.db
        .execute("ANALYZE TABLE accounts, teams", &[])
        .await
        .unwrap();
    let users = ResourceType::user();
    let groups = ResourceType::group();
    let lookup = |filter: &str| ListQuery {
        filter: Some(parse_filter(filter).unwrap()),
        page: Some(Pagination::Index {
            start_index: 1,
            count: 100,
        }),
        ..ListQuery::default()
    };
    for (label, rt, filter, index) in [
        (
            "userName lookup",
            &users,
            r#"userName eq "User77777@Example.com""#,
            "accounts_tenant_email_key",
        ),
        (
            "externalId lookup",
            &users,
            r#"externalId eq "ext-77777""#,
            "accounts_tenant_external_id_idx",
        ),
        (
            "group displayName lookup",
            &groups,
            r#"displayName eq "team user 7777""#,
            "teams_tenant_display_name_idx",
        ),
    ] {
        let sql = page(&store, rt, &lookup(filter));
        assert!(sql.complete, "{label}");
        let plan = analyze(&test.db, label, &sql.select, &sql.params).await;
        assert!(plan.contains(index), "{label}: not {index}: {plan}");
        assert!(rows_read(&plan) <= 2.0, "{label}: {plan}");
    }

    // A cursor page 90 000 rows deep, sealed with the database's key as the store seals its
    // own, unsorted and by userName.
    let key = shared_cursor_key(&test.db).await.unwrap();
    let codec = CursorCodec::with_key(key, scimkit_sql::store::CURSOR_TIMEOUT);
    let deep = test
        .db
        .fetch(
            "SELECT id, email FROM accounts WHERE email = 'user90000@example.com'",
            &[],
            &[DatumKind::Text, DatumKind::Text],
        )
        .await
        .unwrap();
    let (deep_id, deep_email) = (
        deep[0][0].as_text().unwrap().to_owned(),
        deep[0][1].as_text().unwrap().to_owned(),
    );
    let by_name = SortSpec::from_query(&users, "userName", None).unwrap();
    for (label, sort, position) in [
        ("deep cursor page, unsorted", None, SortKey::missing()),
        (
            "deep cursor page by userName",
            Some(by_name),
            SortKey::from_json(&serde_json::json!({ "s": deep_email })).unwrap(),
        ),
    ] {
        let scope = CursorScope {
            tenant: "acme",
            resource_type: "User",
            filter: None,
            sort: sort.as_ref(),
        };
        let cursor = codec.seal(&scope, &position, &deep_id).unwrap();
        let query = ListQuery {
            sort,
            page: Some(Pagination::Cursor {
                cursor: Some(cursor),
                count: 100,
            }),
            ..ListQuery::default()
        };
        let sql = page(&store, &users, &query);
        assert!(sql.complete, "{label}");
        let plan = analyze(&test.db, label, &sql.select, &sql.params).await;
        let read = rows_read(&plan);
        assert!(read <= 1_000.0, "{label}: read {read} rows: {plan}");
    }
    test.remove().await.unwrap();
}
