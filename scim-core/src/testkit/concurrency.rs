//! Check that uniqueness is decided atomically under concurrent creates.

use futures_util::future::join_all;

use crate::schema::ResourceType;
use crate::store::{ResourceStore, StoreError};
use crate::testkit::{fail, fresh_tenant, user, Failure};

pub(super) const CHECK: &str = "concurrent_creates";

/// How many creates race.
const RACERS: usize = 16;

/// Sixteen concurrent creates of one `userName` (in different case): exactly one succeeds, the
/// others are `Uniqueness`. On a multi-threaded runtime with a store that awaits I/O the
/// futures interleave; the check holds whatever the interleaving.
pub async fn check_concurrent_creates(store: &dyn ResourceStore) -> Result<(), Failure> {
    let ctx = fresh_tenant("race");
    let users = ResourceType::user();
    let mut bodies = Vec::with_capacity(RACERS);
    for i in 0..RACERS {
        let name = if i % 2 == 0 { "racer" } else { "RACER" };
        bodies.push(user(CHECK, name)?);
    }
    let results = join_all(
        bodies
            .into_iter()
            .map(|body| store.create(&ctx, &users, body)),
    )
    .await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let conflicts = results
        .iter()
        .filter(|r| matches!(r, Err(StoreError::Uniqueness(_))))
        .count();
    if ok != 1 || conflicts != RACERS - 1 {
        let others: Vec<_> = results
            .iter()
            .filter(|r| !matches!(r, Ok(_) | Err(StoreError::Uniqueness(_))))
            .collect();
        return Err(fail(
            CHECK,
            format!(
                "{RACERS} concurrent creates of one userName gave {ok} successes and {conflicts} \
                 Uniqueness errors (other results: {others:?}); expected 1 and {}",
                RACERS - 1
            ),
        ));
    }
    Ok(())
}
