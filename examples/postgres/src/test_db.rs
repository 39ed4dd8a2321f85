//! A throw-away schema per test: [`TestDb::fresh`] makes one (scimkit-sql's test kit) with the
//! app's tables and the store over it; [`TestDb::drop_schema`] (or dropping the value, also
//! when a failing test unwinds) removes it. Used by this crate's tests, its benchmark and the
//! conformance suite (`scim-conformance`), so concurrent runs never see each other's rows.

use scimkit_sql::store::SqlStore;
use scimkit_sql::testkit;
use scimkit_sql::{migrations, Backend, Datum, DatumKind, Db};

use crate::{schema, store, StartError};

/// A test's own schema and the store over it.
#[derive(Debug)]
pub struct TestDb {
    /// The schema, with a pool whose connections use it.
    pub test: testkit::TestDb,
    /// The store, its cursors sealed with the schema's shared key.
    pub store: SqlStore,
}

impl TestDb {
    /// Creates a schema named after `label` with the app's and scimkit-sql's tables, and a
    /// store over it. Fails, saying how to start PostgreSQL, when no server answers at
    /// `DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`).
    pub async fn fresh(label: &str) -> Result<TestDb, StartError> {
        let test = testkit::TestDb::fresh(Backend::Postgres, label).await?;
        migrations::run(&test.db).await?;
        for statement in schema::MIGRATION {
            test.db.execute(statement, &[]).await?;
        }
        let store = store(&test.db, None).await?;
        Ok(TestDb { test, store })
    }

    /// The pool on the schema.
    pub fn db(&self) -> &Db {
        &self.test.db
    }

    /// Another instance's store on the same schema: its own pool, cursors sealed with
    /// `cursor_key` when given, else with the schema's shared key.
    pub async fn another_instance(
        &self,
        cursor_key: Option<[u8; 32]>,
    ) -> Result<SqlStore, StartError> {
        let db = self.test.connect_again().await?;
        store(&db, cursor_key).await
    }

    /// Closes the pool and drops the schema with everything in it.
    pub async fn drop_schema(self) -> Result<(), scimkit_sql::Error> {
        self.test.remove().await
    }
}

/// Inserts `n` accounts of `tenant` (`user<i>@example.com`, display name `User <i>`, external
/// id `ext-<i>`) and one team `All` holding all of them, with set-based SQL (no request per
/// row), then `ANALYZE`s so the planner sees the sizes; returns the team's id.
pub async fn seed(db: &Db, tenant: &str, n: i64) -> Result<String, scimkit_sql::Error> {
    db.execute(
        "INSERT INTO accounts (tenant, email, display_name, external_id, is_active) \
         SELECT $1, 'user' || g || '@example.com', 'User ' || g, 'ext-' || g, true \
         FROM generate_series(1, $2) AS g",
        &[Datum::text(tenant), Datum::Integer(Some(n))],
    )
    .await?;
    let team = db
        .fetch(
            "INSERT INTO teams (tenant, display_name) VALUES ($1, 'All') RETURNING id::text",
            &[Datum::text(tenant)],
            &[DatumKind::Text],
        )
        .await?
        .into_iter()
        .flatten()
        .find_map(Datum::into_text)
        .unwrap_or_default();
    db.execute(
        "INSERT INTO team_memberships (team_id, account_id) \
         SELECT $1::uuid, id FROM accounts WHERE tenant = $2",
        &[Datum::text(team.as_str()), Datum::text(tenant)],
    )
    .await?;
    db.execute("ANALYZE", &[]).await?;
    Ok(team)
}
