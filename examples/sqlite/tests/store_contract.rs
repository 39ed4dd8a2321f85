//! The scim-core store test kit against `SqliteStore` on a fresh file: every contract item
//! (create/get, uniqueness, versions, delete, tenant isolation, list with push-down and
//! cursors, groups, concurrent creates).
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
async fn sqlite_store_passes_the_test_kit() {
    let db = common::TempDb::new("kit");
    let store = db.open().await;
    let report = scimkit_core::testkit::check_store(&store)
        .await
        .unwrap_or_else(|failure| panic!("{failure}"));
    println!("passed: {:?}", report.passed);
    assert_eq!(report.passed.len(), 9);
}

#[tokio::test]
async fn sqlite_store_in_memory_passes_the_test_kit() {
    let store = example_sqlite::SqliteStore::open("sqlite::memory:")
        .await
        .unwrap();
    let report = scimkit_core::testkit::check_store(&store)
        .await
        .unwrap_or_else(|failure| panic!("{failure}"));
    assert_eq!(report.passed.len(), 9);
}

#[tokio::test]
async fn urls_that_are_not_sqlite_are_refused_naming_the_accepted_forms() {
    let error = example_sqlite::SqliteStore::open("postgres://localhost/x")
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("sqlite://PATH") && text.contains("sqlite::memory:"),
        "{text}"
    );
}
