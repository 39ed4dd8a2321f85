//! The plans PostgreSQL picks for the store's hot statements on 100 000 accounts (seeded with
//! `generate_series`, then `ANALYZE`d), exactly as the store runs them: the `userName eq` and
//! `externalId eq` lookups (`PgStore::user_list_plan`, the statement `list` executes) use the
//! `(tenant, lower(email))` and `(tenant, external_id)` indexes, and the member
//! existence check, add and remove (`ADMIT_SQL`, `ADD_MEMBERS_SQL`, `REMOVE_MEMBERS_SQL`) use
//! keys; no plan scans `accounts` sequentially. Prints each plan
//! (`cargo test -p example-postgres --test explain -- --nocapture`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value,
    clippy::needless_raw_string_hashes
)]

mod common;

use example_postgres::mapping::user_type;
use example_postgres::{ADD_MEMBERS_SQL, ADMIT_SQL, REMOVE_MEMBERS_SQL};
use scimkit_core::sql::SqlValue;
use scimkit_core::store::{CursorCodec, CursorScope, ListQuery, Pagination};
use scimkit_core::{SortKey, SortSpec};
use scimkit_filter::parse_filter;
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::{Executor, PgConnection};

fn bind<'a>(
    mut query: Query<'a, sqlx::Postgres, PgArguments>,
    params: &'a [SqlValue],
) -> Query<'a, sqlx::Postgres, PgArguments> {
    for param in params {
        query = match param {
            SqlValue::Text(text) => query.bind(text.clone()),
            SqlValue::Integer(int) => query.bind(*int),
            SqlValue::Real(real) => query.bind(*real),
            SqlValue::Bool(flag) => query.bind(*flag),
            SqlValue::Timestamp(time) => query.bind(*time),
        };
    }
    query
}

async fn explain(conn: &mut PgConnection, label: &str, sql: &str, params: &[SqlValue]) -> String {
    explain_bound(conn, label, sql, params, None).await
}

/// `EXPLAIN` of a statement whose last parameter is an array of ids.
async fn explain_ids(
    conn: &mut PgConnection,
    label: &str,
    sql: &str,
    params: &[SqlValue],
    ids: &[String],
) -> String {
    explain_bound(conn, label, sql, params, Some(ids)).await
}

/// The plan of `sql` with `params` (and `ids` as the last parameter when given), printed.
async fn explain_bound(
    conn: &mut PgConnection,
    label: &str,
    sql: &str,
    params: &[SqlValue],
    ids: Option<&[String]>,
) -> String {
    let statement = format!("EXPLAIN {sql}");
    let mut query = bind(sqlx::query(&statement), params);
    if let Some(ids) = ids {
        query = query.bind(ids);
    }
    let rows = query.fetch_all(&mut *conn).await.unwrap();
    let plan: Vec<String> = rows
        .iter()
        .map(|row| sqlx::Row::get::<String, _>(row, 0))
        .collect();
    let plan = plan.join("\n");
    println!("-- {label}\n{sql}\n{plan}\n");
    plan
}

/// An index node in the plan and no sequential scan of `accounts`.
#[track_caller]
fn assert_indexed(plan: &str) {
    assert!(
        ["Index Scan", "Index Only Scan", "Bitmap Index Scan"]
            .iter()
            .any(|node| plan.contains(node)),
        "no index used:\n{plan}"
    );
    assert!(!plan.contains("Seq Scan on accounts"), "{plan}");
}

fn text(value: &str) -> SqlValue {
    SqlValue::Text(value.to_owned())
}

#[tokio::test]
async fn hot_statements_use_indexes() {
    let db = common::fresh("explain").await;
    let team = common::seed(&db.store, "big", 100_000).await;
    let member: String = sqlx::query_scalar("SELECT id::text FROM accounts LIMIT 1")
        .fetch_one(db.store.pool())
        .await
        .unwrap();
    let mut conn = db.store.pool().acquire().await.unwrap();

    // The lookups Okta and Entra make before every create, exactly as `list` runs them.
    for (label, filter, index) in [
        (
            "userName eq lookup",
            r#"userName eq "User77777@example.com""#,
            "accounts_tenant_email_key",
        ),
        (
            "externalId eq lookup",
            r#"externalId eq "ext-77777""#,
            "accounts_tenant_external_id_idx",
        ),
    ] {
        let query = ListQuery {
            filter: Some(parse_filter(filter).unwrap()),
            ..ListQuery::default()
        };
        let plan = db
            .store
            .user_list_plan(&user_type(), &query, "big")
            .unwrap();
        let explained = explain(&mut conn, label, &plan.select, &plan.params).await;
        assert_indexed(&explained);
        assert!(explained.contains(index), "{explained}");
    }

    // Deep cursor pages: a range on an index, no sort of the tenant's rows. The store seals
    // with a known key here so the test can make a cursor for a position deep in the list.
    let key = [5_u8; 32];
    let keyed = db.store.clone().with_cursor_key(key);
    let codec = CursorCodec::with_key(key, example_postgres::CURSOR_TIMEOUT);
    let by_name = SortSpec::from_query(&user_type(), "userName", None).unwrap();
    for (label, sort, position_key, index) in [
        (
            "cursor page by id",
            None,
            SortKey::missing(),
            "accounts_tenant_id_idx",
        ),
        (
            "cursor page by userName",
            Some(by_name),
            SortKey::from_json(&serde_json::json!({"s": "User77777@example.com"})).unwrap(),
            "accounts_tenant_email_order_idx",
        ),
    ] {
        let scope = CursorScope {
            tenant: "big",
            resource_type: "User",
            filter: None,
            sort: sort.as_ref(),
        };
        let cursor = codec.seal(&scope, &position_key, &member).unwrap();
        let query = ListQuery {
            sort,
            page: Some(Pagination::Cursor {
                cursor: Some(cursor),
                count: 100,
            }),
            ..ListQuery::default()
        };
        let plan = keyed.user_list_plan(&user_type(), &query, "big").unwrap();
        let explained = explain(&mut conn, label, &plan.select, &plan.params).await;
        assert!(explained.contains(index), "{explained}");
        assert!(explained.contains("Index Cond"), "{explained}");
        assert!(!explained.contains("Sort"), "{explained}");
        assert!(!explained.contains("Seq Scan"), "{explained}");
    }

    // The member add: existence check, then the insert (its conflict check is the primary key).
    let ids = vec![member.clone()];
    let params = [text("big")];
    let plan = explain_ids(
        &mut conn,
        "member existence check",
        ADMIT_SQL,
        &params,
        &ids,
    )
    .await;
    assert_indexed(&plan);
    // Either key does: the primary key (id) or (tenant, id).
    assert!(
        plan.contains("accounts_pkey") || plan.contains("accounts_tenant_id_idx"),
        "{plan}"
    );

    let params = [text(&team)];
    let plan = explain_ids(&mut conn, "member add", ADD_MEMBERS_SQL, &params, &ids).await;
    assert!(plan.contains("team_memberships_pkey"), "{plan}");
    assert!(!plan.contains("Seq Scan"), "{plan}");

    let plan = explain_ids(
        &mut conn,
        "member remove",
        REMOVE_MEMBERS_SQL,
        &params,
        &ids,
    )
    .await;
    assert_indexed(&plan);
    // Either key does: the primary key (team_id, account_id) or the account_id index.
    assert!(
        plan.contains("team_memberships_pkey") || plan.contains("team_memberships_account_id_idx"),
        "{plan}"
    );

    // The version bump, on a tenant with 10 000 teams.
    sqlx::query(
        "INSERT INTO teams (tenant, display_name) \
         SELECT 'big', 'Team ' || g FROM generate_series(1, 10000) AS g",
    )
    .execute(&mut *conn)
    .await
    .unwrap();
    conn.execute("ANALYZE teams").await.unwrap();
    let bump = "UPDATE teams SET version = version + 1, updated_at = now() \
                WHERE tenant = $1 AND id = $2::uuid AND version = $3 RETURNING version";
    let plan: Vec<String> = sqlx::query_scalar(&format!("EXPLAIN {bump}"))
        .bind("big")
        .bind(&team)
        .bind(1_i64)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    let plan = plan.join("\n");
    println!("-- version bump\n{bump}\n{plan}\n");
    assert!(plan.contains("teams_pkey"), "{plan}");
    drop(conn);
    db.drop_schema().await.unwrap();
}
