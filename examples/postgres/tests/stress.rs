//! The test kit's concurrency stress run (`scimkit_core::testkit::stress`) on the app's
//! `SqlStore`, in its own schema: 16 clients (30 rounds each) on their own tasks mixing racing creates, shared-group member
//! changes, If-Match read-modify-write PUTs and deletes through the engine; the final rows must
//! match what the committed responses imply (no lost update, no duplicate, no lost member).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value,
    clippy::needless_raw_string_hashes
)]

mod common;

use example_postgres::{credentials, engine};
use scimkit_core::testkit::{stress, StressOptions};

const TOKEN: &str = "stress-test-token-0123456789";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_clients_lose_nothing_on_postgres() {
    let db = common::fresh("stress").await;
    let scim = engine(db.store.clone(), credentials(Some(TOKEN)).unwrap().tokens).unwrap();
    // 30 rounds rather than the default 60 keep it near 20 s in a debug build on two cores.
    let options = StressOptions {
        rounds: 30,
        ..StressOptions::new(TOKEN)
    }
    .spawn(|client| {
        Box::pin(async move {
            let _ = tokio::spawn(client).await;
        })
    });
    let result = stress(&scim, &options).await;
    db.drop_schema().await.unwrap();
    let report = result.unwrap_or_else(|failure| panic!("{failure}"));
    println!("stress (example-postgres): {report}");
    assert_eq!(report.clients, 16);
    assert!(report.if_match_won > 0);
}
