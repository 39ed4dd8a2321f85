//! The scim-core store test kit against the app's `SqlStore`: every contract item (create/get,
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
async fn the_apps_store_passes_the_test_kit() {
    let db = common::fresh("kit").await;
    let result = scimkit_core::testkit::check_store(&db.store).await;
    db.drop_schema().await.unwrap();
    let report = result.unwrap_or_else(|failure| panic!("{failure}"));
    println!("passed: {:?}", report.passed);
    assert_eq!(report.passed.len(), 9);
}

#[tokio::test]
async fn start_up_refuses_bad_schema_names_before_connecting() {
    use example_postgres::{open, StartError};

    // Refused before any connection: the unreachable port is never tried.
    let bad = open(
        "postgres://postgres@127.0.0.1:1/test",
        "app\"; DROP TABLE x; --",
        None,
    )
    .await;
    assert!(matches!(bad, Err(StartError::Schema(_))), "{bad:?}");
    let unreachable = open("postgres://postgres@127.0.0.1:1/test", "app", None).await;
    assert!(
        matches!(unreachable, Err(StartError::Database(_))),
        "{unreachable:?}"
    );
}
