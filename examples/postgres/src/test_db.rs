//! A throw-away schema per test: [`TestDb::fresh`] creates `scim_<label>_<random>` with the
//! app's tables and a [`PgStore`] over it; [`TestDb::drop_schema`] (or dropping the value, also
//! when a failing test unwinds) removes it. Used by this crate's tests, its benchmark and the
//! conformance suite (`scim-conformance`), so concurrent runs never see each other's rows.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::{Connection, Executor, PgConnection};

use crate::{PgStore, StartError, DEFAULT_DATABASE_URL};

/// The database tests use: `DATABASE_URL`, else [`DEFAULT_DATABASE_URL`].
pub fn database_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned())
}

/// Why a test schema could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TestDbError {
    /// No PostgreSQL answers at the URL; the message says how to start one.
    #[error(
        "PostgreSQL is unreachable at {url}: {source}\n\
         Start one with trust auth and a `test` database, e.g.\n  \
         docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust -e POSTGRES_DB=test postgres:16\n\
         or set DATABASE_URL to a server you have."
    )]
    Unreachable {
        /// The URL tried.
        url: String,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// The server answered but the store could not start in the new schema.
    #[error("the store could not start in schema {schema}: {source}")]
    Start {
        /// The schema.
        schema: String,
        /// Why.
        source: StartError,
    },
}

/// A test's own schema and the store over it.
#[derive(Debug)]
pub struct TestDb {
    /// The schema's name (`scim_<label>_<random>`).
    pub schema: String,
    /// A store whose connections use the schema.
    pub store: PgStore,
    dropped: bool,
}

/// A schema name unique to this process and moment, at most 63 bytes whatever `label` is.
fn schema_name(label: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut random = [0u8; 4];
    // The clock and the process id already keep names apart; randomness is extra.
    let _ = getrandom::fill(&mut random);
    let mut name = String::from("scim_");
    name.extend(
        label
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .map(|c| c.to_ascii_lowercase())
            .take(24),
    );
    let _ = write!(name, "_{nanos:x}_{}_", std::process::id());
    for byte in random {
        let _ = write!(name, "{byte:02x}");
    }
    name.truncate(63);
    name
}

impl TestDb {
    /// Creates a schema `scim_<label>_<random>` with the app's tables and a store over it.
    /// Fails with [`TestDbError::Unreachable`], which says how to start PostgreSQL, when no
    /// server answers at [`database_url`].
    pub async fn fresh(label: &str) -> Result<TestDb, TestDbError> {
        let url = database_url();
        match PgConnection::connect(&url).await {
            Ok(conn) => {
                let _ = conn.close().await;
            }
            Err(source) => return Err(TestDbError::Unreachable { url, source }),
        }
        let schema = schema_name(label);
        let store = PgStore::connect(&url, &schema)
            .await
            .map_err(|source| TestDbError::Start {
                schema: schema.clone(),
                source,
            })?;
        Ok(TestDb {
            schema,
            store,
            dropped: false,
        })
    }

    /// Closes the store's pool and drops the schema with everything in it.
    pub async fn drop_schema(mut self) -> Result<(), sqlx::Error> {
        self.store.pool().close().await;
        self.dropped = true;
        drop_schema(&self.schema).await
    }
}

impl Drop for TestDb {
    /// A test that failed (or a harness that only keeps the value alive): drop the schema on a
    /// runtime of its own, so this works inside and outside an async context.
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        let schema = self.schema.clone();
        let _ = std::thread::spawn(move || {
            if let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                let _ = runtime.block_on(drop_schema(&schema));
            }
        })
        .join();
    }
}

/// Inserts `n` accounts of `tenant` (`user<i>@example.com`, external id `ext-<i>`) and one
/// team `All` holding all of them, with set-based SQL (no request per row), then `ANALYZE`s
/// so the planner sees the sizes; returns the team's id.
pub async fn seed(store: &PgStore, tenant: &str, n: i64) -> Result<String, sqlx::Error> {
    let pool = store.pool();
    sqlx::query(
        "INSERT INTO accounts (tenant, email, display_name, external_id, is_active) \
         SELECT $1, 'user' || g || '@example.com', 'User ' || g, 'ext-' || g, true \
         FROM generate_series(1, $2) AS g",
    )
    .bind(tenant)
    .bind(n)
    .execute(pool)
    .await?;
    let team: String = sqlx::query_scalar(
        "INSERT INTO teams (tenant, display_name) VALUES ($1, 'All') RETURNING id::text",
    )
    .bind(tenant)
    .fetch_one(pool)
    .await?;
    sqlx::query(
        "INSERT INTO team_memberships (team_id, account_id) \
         SELECT $1::uuid, id FROM accounts WHERE tenant = $2",
    )
    .bind(&team)
    .bind(tenant)
    .execute(pool)
    .await?;
    sqlx::query("ANALYZE").execute(pool).await?;
    Ok(team)
}

async fn drop_schema(schema: &str) -> Result<(), sqlx::Error> {
    let mut conn = PgConnection::connect(&database_url()).await?;
    conn.execute(format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE").as_str())
        .await?;
    conn.close().await
}

#[cfg(test)]
mod tests {
    use super::schema_name;
    use crate::schema::valid_schema_name;

    #[test]
    fn schema_names_are_valid_and_distinct_for_any_label() {
        let long = "a_very_long_label_naming_a_conformance_case_with_many_words";
        for label in ["kit", long, "Mixed-Case label!", ""] {
            let name = schema_name(label);
            assert!(valid_schema_name(&name), "{name}");
        }
        assert_ne!(schema_name("x"), schema_name("x"));
    }
}
