//! The concurrency stress run of the test kit (`testkit::stress`) on InMemoryStore: 16 clients
//! on their own tasks of a 4-thread runtime, mixing racing creates, shared-group member changes,
//! If-Match read-modify-write PUTs and deletes; the final state must match what the committed
//! responses imply.
#![cfg(feature = "testkit")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value,
    clippy::needless_raw_string_hashes
)]

mod support;

use scimkit_core::testkit::{stress, StressOptions};
use scimkit_core::{InMemoryStore, Scim};
use support::{auth, TOKEN};

fn engine() -> Scim {
    Scim::builder()
        .store(InMemoryStore::new())
        .authenticator(auth)
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_clients_lose_nothing() {
    let options = StressOptions::new(TOKEN).spawn(|client| {
        Box::pin(async move {
            let _ = tokio::spawn(client).await;
        })
    });
    let report = stress(&engine(), &options)
        .await
        .unwrap_or_else(|failure| panic!("{failure}"));
    println!("stress (InMemoryStore, spawned): {report}");
    assert_eq!(report.clients, 16);
    assert!(report.if_match_won > 0 && report.statuses.get(&409).copied().unwrap_or(0) > 0);
}

#[tokio::test]
async fn interleaved_clients_lose_nothing_and_runs_repeat_in_one_tenant() {
    let scim = engine();
    let options = StressOptions {
        clients: 8,
        rounds: 12,
        ..StressOptions::new(TOKEN)
    };
    for _ in 0..2 {
        let report = stress(&scim, &options)
            .await
            .unwrap_or_else(|failure| panic!("{failure}"));
        println!("stress (InMemoryStore, interleaved): {report}");
        // Interleaved clients take turns between requests, so If-Match PUTs do collide.
        assert!(
            report.statuses.get(&412).copied().unwrap_or(0) > 0,
            "{report}"
        );
    }
}

#[tokio::test]
async fn a_wrong_token_is_a_failure_not_a_pass() {
    let failure = stress(&engine(), &StressOptions::new("not-the-token"))
        .await
        .unwrap_err();
    assert_eq!(failure.check, "stress");
    assert!(failure.detail.contains("token"), "{failure}");
}
