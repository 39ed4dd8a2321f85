//! The store test kit's contract checks and its concurrent stress run, on the demo tables in
//! PostgreSQL, MariaDB/MySQL and SQLite.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::BACKENDS;
use scimkit_core::testkit::check_store;
use scimkit_sql::testkit::demo;

#[tokio::test]
async fn the_store_keeps_the_contract_on_every_database() {
    for backend in BACKENDS {
        let (test, store) = demo::fresh(backend, "contract").await.unwrap();
        let report = check_store(&store)
            .await
            .unwrap_or_else(|failure| panic!("{backend}: {failure}"));
        assert!(report.passed.contains(&"uniqueness"), "{backend}");
        test.remove().await.unwrap();
    }
}
