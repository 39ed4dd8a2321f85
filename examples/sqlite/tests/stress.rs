//! The test kit's concurrency stress run (`scimkit_core::testkit::stress`) on the store over
//! the app's tables in a fresh file: 16 clients on their own tasks mixing racing creates,
//! shared-group member changes, If-Match read-modify-write PUTs and deletes racing member
//! changes; the final rows must match what the committed responses imply, and no request may
//! fail with a `5xx` (a write waiting longer than the busy timeout would).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value,
    clippy::needless_raw_string_hashes
)]

mod common;

use scimkit_core::testkit::{stress, StressOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_clients_lose_nothing_on_sqlite() {
    let db = common::TempDb::new("stress");
    let (_db, store) = db.open().await;
    let scim = common::engine(store);
    // 30 rounds rather than the default 60: a debug build on two cores.
    let options = StressOptions {
        rounds: 30,
        ..StressOptions::new(common::TOKEN)
    }
    .spawn(|client| {
        Box::pin(async move {
            let _ = tokio::spawn(client).await;
        })
    });
    let report = stress(&scim, &options)
        .await
        .unwrap_or_else(|failure| panic!("{failure}"));
    println!("stress (example-sqlite): {report}");
    assert_eq!(report.clients, 16);
    assert!(report.if_match_won > 0);
}
