//! The test kit's concurrency stress run (`scimkit_core::testkit::stress`) on `SqlStore` over
//! the demo tables, on each database: 16 clients on their own tasks mixing racing creates,
//! shared-group member changes, If-Match read-modify-write PUTs and deletes through the
//! engine, authenticated by `SqlTokens`. The final rows must match what the committed
//! responses imply (no lost update, no duplicate, no lost member), and no request may fail
//! with a 5xx: deadlocks and serialization failures are retried inside the store.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::BACKENDS;
use scimkit_core::context::Tenant;
use scimkit_core::testkit::{stress, StressOptions};
use scimkit_core::Scim;
use scimkit_sql::testkit::demo;
use scimkit_sql::{shared_cursor_key, SqlTokens};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_clients_lose_nothing_on_every_database() {
    for backend in BACKENDS {
        let (test, store) = demo::fresh(backend, "stress").await.unwrap();
        let tokens = SqlTokens::new(test.db.clone());
        let minted = tokens
            .mint(&Tenant::new("stress"), "stress", None)
            .await
            .unwrap();
        let scim = Scim::builder()
            .store(store)
            .authenticator(tokens)
            .cursor_key(shared_cursor_key(&test.db).await.unwrap())
            .build()
            .unwrap();
        let options = StressOptions::new(minted.token.clone()).spawn(|client| {
            Box::pin(async move {
                let _ = tokio::spawn(client).await;
            })
        });
        let result = stress(&scim, &options).await;
        test.remove().await.unwrap();
        let report = result.unwrap_or_else(|failure| panic!("{backend}: {failure}"));
        println!("stress (SqlStore on {backend}): {report}");
        assert_eq!(report.clients, 16, "{backend}");
        assert!(report.if_match_won > 0, "{backend}");
    }
}
