//! A fresh, uniquely named schema per test, dropped at the end; bulk seeding with SQL.
#![allow(dead_code)]

use std::time::{SystemTime, UNIX_EPOCH};

use example_postgres::{PgStore, DEFAULT_DATABASE_URL};
use sqlx::{Connection, Executor, PgConnection};

/// The database the tests use: `DATABASE_URL`, else the local default.
pub fn database_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned())
}

/// A test's own schema and the store over it. The schema is dropped by [`TestDb::drop`], or
/// when a failing test unwinds past it.
pub struct TestDb {
    pub schema: String,
    pub store: PgStore,
    dropped: bool,
}

/// Creates a schema named `scim_<label>_<random>` and a store over it. Fails, with how to
/// start PostgreSQL, when the server is unreachable.
pub async fn fresh(label: &str) -> TestDb {
    let url = database_url();
    if let Err(error) = PgConnection::connect(&url).await {
        panic!(
            "PostgreSQL is unreachable at {url}: {error}\n\
             Start one with trust auth and a `test` database, e.g.\n  \
             docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust -e POSTGRES_DB=test postgres:16\n\
             or set DATABASE_URL to a server you have."
        );
    }
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let schema = format!("scim_{label}_{:x}_{}", nanos, std::process::id());
    let store = PgStore::connect(&url, &schema).await.unwrap();
    TestDb {
        schema,
        store,
        dropped: false,
    }
}

impl TestDb {
    /// Drops the schema and everything in it.
    pub async fn drop(mut self) {
        self.store.pool().close().await;
        drop_schema(&self.schema).await;
        self.dropped = true;
    }
}

impl Drop for TestDb {
    /// A test that failed before [`TestDb::drop`]: drop the schema on a runtime of its own.
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        let schema = self.schema.clone();
        let _ = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(drop_schema(&schema));
        })
        .join();
    }
}

async fn drop_schema(schema: &str) {
    let mut conn = PgConnection::connect(&database_url()).await.unwrap();
    conn.execute(format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE").as_str())
        .await
        .unwrap();
}

/// Inserts `n` accounts of `tenant` (`user<i>@example.com`) and one team `All` holding all of
/// them, with set-based SQL (no request per row); returns the team's id.
pub async fn seed(store: &PgStore, tenant: &str, n: i64) -> String {
    let pool = store.pool();
    sqlx::query(
        "INSERT INTO accounts (tenant, email, display_name, is_active) \
         SELECT $1, 'user' || g || '@example.com', 'User ' || g, true \
         FROM generate_series(1, $2) AS g",
    )
    .bind(tenant)
    .bind(n)
    .execute(pool)
    .await
    .unwrap();
    let team: String = sqlx::query_scalar(
        "INSERT INTO teams (tenant, display_name) VALUES ($1, 'All') RETURNING id::text",
    )
    .bind(tenant)
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO team_memberships (team_id, account_id) \
         SELECT $1::uuid, id FROM accounts WHERE tenant = $2",
    )
    .bind(&team)
    .bind(tenant)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("ANALYZE").execute(pool).await.unwrap();
    team
}
