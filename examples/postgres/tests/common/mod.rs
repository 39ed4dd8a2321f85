//! A fresh, uniquely named schema per test (`example_postgres::test_db`), dropped at the end;
//! bulk seeding with SQL.
#![allow(dead_code, unused_imports)]

use example_postgres::test_db::TestDb;
use example_postgres::PgStore;

pub use example_postgres::test_db::database_url;

/// Creates a schema named `scim_<label>_<random>` and a store over it. Fails, with how to
/// start PostgreSQL, when the server is unreachable.
pub async fn fresh(label: &str) -> TestDb {
    TestDb::fresh(label)
        .await
        .unwrap_or_else(|error| panic!("{error}"))
}

/// Inserts `n` accounts of `tenant` (`user<i>@example.com`) and one team `All` holding all of
/// them, with set-based SQL (no request per row); returns the team's id.
pub async fn seed(store: &PgStore, tenant: &str, n: i64) -> String {
    example_postgres::test_db::seed(store, tenant, n)
        .await
        .unwrap()
}
