//! The scim-core store test kit against the store over the app's tables, on a fresh file and
//! on `sqlite::memory:`: every contract item (create/get, uniqueness, versions, delete, tenant
//! isolation, list with push-down and cursors, groups, concurrent creates). Non-SQLite URLs
//! are refused naming the accepted forms.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value,
    clippy::needless_raw_string_hashes
)]

mod common;

use example_sqlite::OpenError;

#[tokio::test]
async fn the_store_on_a_file_passes_the_test_kit() {
    let file = common::TempDb::new("kit");
    let (_db, store) = file.open().await;
    let report = scimkit_core::testkit::check_store(&store)
        .await
        .unwrap_or_else(|failure| panic!("{failure}"));
    println!("passed: {:?}", report.passed);
    assert_eq!(report.passed.len(), 9);
}

#[tokio::test]
async fn the_store_in_memory_passes_the_test_kit() {
    let (_db, store) = example_sqlite::open("sqlite::memory:").await.unwrap();
    let report = scimkit_core::testkit::check_store(&store)
        .await
        .unwrap_or_else(|failure| panic!("{failure}"));
    assert_eq!(report.passed.len(), 9);
}

#[tokio::test]
async fn urls_that_are_not_sqlite_are_refused_naming_the_accepted_forms() {
    let error = example_sqlite::open("postgres://scim:hunter2@localhost/x")
        .await
        .unwrap_err();
    assert!(
        matches!(&error, OpenError::NotSqlite { scheme } if scheme == "postgres"),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(
        text.contains("sqlite://PATH")
            && text.contains("sqlite:PATH")
            && text.contains("sqlite::memory:"),
        "{text}"
    );
    assert!(!text.contains("hunter2"), "{text}");
    assert!(matches!(
        example_sqlite::open("scim.db").await,
        Err(OpenError::NotSqlite { .. })
    ));
}
