//! Transactions retried on deadlocks and serialization failures, which concurrent writers
//! cause in every database and which a client must never see as a 5xx.

use std::future::Future;
use std::time::Duration;

use crate::error::Error;

/// How many times a transaction runs at most before its transient failure is returned.
pub const MAX_ATTEMPTS: u32 = 8;

/// Runs `attempt` until it succeeds, fails with an error that is not
/// [transient](Error::is_transient), or has run [`MAX_ATTEMPTS`] times. Between attempts it
/// sleeps a random time that doubles each round (1–2 ms, then 2–4 ms, … up to 128–256 ms), so
/// writers that collided do not collide again in step.
///
/// `attempt` must run one whole transaction: everything it did is rolled back when it fails.
pub async fn retrying<T, F, Fut>(attempt: F) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    retrying_with(Error::is_transient, attempt).await
}

/// [`retrying`] for any error type, `transient` saying which errors to retry.
pub(crate) async fn retrying_with<T, E, F, Fut>(
    transient: impl Fn(&E) -> bool,
    mut attempt: F,
) -> Result<T, E>
where
    E: std::fmt::Debug,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut round = 0;
    loop {
        match attempt().await {
            Err(error) if transient(&error) && round + 1 < MAX_ATTEMPTS => {
                tracing::debug!(?error, round, "transient database failure; retrying");
                tokio::time::sleep(pause(round)).await;
                round += 1;
            }
            other => return other,
        }
    }
}

/// The pause after failed round `round` (from 0): between 2^round and 2^(round+1) ms.
fn pause(round: u32) -> Duration {
    let base = 1_u64 << round.min(7);
    let mut random = [0_u8; 4];
    // Without randomness the pause is the base: correct, only more likely to collide again.
    let jitter = match getrandom::fill(&mut random) {
        Ok(()) => u64::from(u32::from_le_bytes(random)) % (base * 1000),
        Err(_) => 0,
    };
    Duration::from_micros(base * 1000 + jitter)
}

#[cfg(test)]
mod tests {
    use super::pause;
    use std::time::Duration;

    #[test]
    fn pauses_double_and_stay_bounded() {
        for round in 0..20 {
            let p = pause(round);
            let base = Duration::from_millis(1 << round.min(7));
            assert!(p >= base && p < base * 2, "round {round}: {p:?}");
        }
    }
}
