//! The scim-core store test kit against `PgStore`: every contract item (create/get,
//! uniqueness, versions, delete, tenant isolation, list with push-down and cursors, groups,
//! concurrent creates).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value,
    clippy::needless_raw_string_hashes
)]

mod common;

#[tokio::test]
async fn pg_store_passes_the_test_kit() {
    let db = common::fresh("kit").await;
    let result = scimkit_core::testkit::check_store(&db.store).await;
    db.drop_schema().await.unwrap();
    let report = result.unwrap_or_else(|failure| panic!("{failure}"));
    println!("passed: {:?}", report.passed);
    assert_eq!(report.passed.len(), 9);
}

#[tokio::test]
async fn start_up_refuses_bad_schema_names_and_pools_without_the_search_path() {
    use example_postgres::{PgStore, StartError};

    let db = common::fresh("start").await;
    let url = common::database_url();
    let bad = PgStore::connect(&url, "app\"; DROP TABLE x; --").await;
    assert!(matches!(bad, Err(StartError::SchemaName(_))), "{bad:?}");

    let plain = sqlx::PgPool::connect(&url).await.unwrap();
    let result = PgStore::new(plain.clone(), &db.schema).await;
    plain.close().await;
    db.drop_schema().await.unwrap();
    assert!(
        matches!(result, Err(StartError::SearchPath { .. })),
        "{result:?}"
    );
}
