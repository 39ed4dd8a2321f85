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
    db.drop().await;
    let report = result.unwrap_or_else(|failure| panic!("{failure}"));
    println!("passed: {:?}", report.passed);
    assert_eq!(report.passed.len(), 8);
}
