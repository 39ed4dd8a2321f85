//! The plans PostgreSQL picks for the store's hot statements on 100 000 accounts: the
//! translated `userName eq` lookup uses the unique index on `(tenant, lower(email))`, and the
//! member-add/remove statements use primary keys. Prints each plan
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

use example_postgres::mapping::{user_type, users};
use scimkit_core::sql::{Postgres, SqlValue};
use scimkit_core::store::ListQuery;
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
    let statement = format!("EXPLAIN {sql}");
    let rows = bind(sqlx::query(&statement), params)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    let plan: Vec<String> = rows
        .iter()
        .map(|row| sqlx::Row::get::<String, _>(row, 0))
        .collect();
    let plan = plan.join("\n");
    println!("-- {label}\n{sql}\n{plan}\n");
    plan
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

    // The lookup Okta and Entra make before every create, as the store translates it.
    let query = ListQuery {
        filter: Some(parse_filter(r#"userName eq "User77777@example.com""#).unwrap()),
        ..ListQuery::default()
    };
    let mut sql = users().translate(&user_type(), &query, &Postgres).unwrap();
    sql.restrict("accounts.tenant", text("big"), &Postgres);
    let plan = explain(
        &mut conn,
        "userName eq lookup",
        &sql.select_sql(&Postgres),
        &sql.params,
    )
    .await;
    assert!(plan.contains("Index"), "{plan}");
    assert!(plan.contains("accounts_tenant_email_key"), "{plan}");

    // The member-add: existence check, then the insert (its conflict check is the primary key).
    let ids = vec![member.clone()];
    let admit = "SELECT id::text FROM accounts WHERE tenant = $1 AND id = ANY($2::text[]::uuid[])";
    let statement = format!("EXPLAIN {admit}");
    let plan: Vec<String> = sqlx::query_scalar(&statement)
        .bind("big")
        .bind(&ids)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    let plan = plan.join("\n");
    println!("-- member existence check\n{admit}\n{plan}\n");
    assert!(plan.contains("accounts_pkey"), "{plan}");

    let insert = "INSERT INTO team_memberships (team_id, account_id) \
                  SELECT $1::uuid, unnest($2::text[]::uuid[]) \
                  ON CONFLICT (team_id, account_id) DO NOTHING";
    let plan: Vec<String> = sqlx::query_scalar(&format!("EXPLAIN {insert}"))
        .bind(&team)
        .bind(&ids)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    let plan = plan.join("\n");
    println!("-- member add\n{insert}\n{plan}\n");
    assert!(plan.contains("team_memberships_pkey"), "{plan}");

    let delete = "DELETE FROM team_memberships \
                  WHERE team_id = $1::uuid AND account_id = ANY($2::text[]::uuid[])";
    let plan: Vec<String> = sqlx::query_scalar(&format!("EXPLAIN {delete}"))
        .bind(&team)
        .bind(&ids)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    let plan = plan.join("\n");
    println!("-- member remove\n{delete}\n{plan}\n");
    // Either key does: the primary key (team_id, account_id) or the account_id index.
    assert!(
        plan.contains("Index Scan using team_memberships_pkey")
            || plan.contains("Index Scan using team_memberships_account_id_idx"),
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
