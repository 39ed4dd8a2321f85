//! Contention between writers of one resource: the engine's read → change → conditional write
//! loops (PATCH, PUT) take turns inside the process ([`WriteTurns`]), and a conditional write
//! that lost to another process is retried after a growing, jittered pause ([`Backoff`]), until
//! a deadline. Only past the deadline does a client see an error (`503`, retryable).
//!
//! This module decides when to wait and for how long; it does not read or write resources.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::{Mutex as TurnLock, OwnedMutexGuard};

use crate::context::Context;
use crate::error::ScimError;
use crate::schema::ResourceType;

/// The first pause after a lost conditional write.
const FIRST_PAUSE: Duration = Duration::from_millis(2);
/// The longest pause between two tries.
const LONGEST_PAUSE: Duration = Duration::from_millis(100);

/// The in-process queue of writers per resource (tenant, resource type, id). An entry lives
/// only while some writer holds or waits for its turn.
#[derive(Debug)]
pub(crate) struct WriteTurns {
    deadline: Duration,
    queues: Mutex<HashMap<Arc<str>, Arc<TurnLock<()>>>>,
}

/// One writer's turn on one resource; the next writer's turn starts when it is dropped.
#[derive(Debug)]
pub(crate) struct Turn<'a> {
    turns: &'a WriteTurns,
    key: Arc<str>,
    guard: Option<OwnedMutexGuard<()>>,
    /// When the writer must give up (its turn's wait counts).
    until: Instant,
}

impl WriteTurns {
    /// Writers give up `deadline` after they started waiting for their turn.
    pub(crate) fn new(deadline: Duration) -> Self {
        WriteTurns {
            deadline,
            queues: Mutex::new(HashMap::new()),
        }
    }

    /// Waits until no earlier writer of this process is changing the resource. Past the
    /// deadline: `503`.
    pub(crate) async fn turn(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
    ) -> Result<Turn<'_>, ScimError> {
        let until = Instant::now() + self.deadline;
        let key: Arc<str> = format!("{}\u{0}{}\u{0}{id}", ctx.tenant().as_str(), rt.name).into();
        let lock = {
            let mut queues = self.queues.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(queues.entry(Arc::clone(&key)).or_default())
        };
        let mut turn = Turn {
            turns: self,
            key,
            guard: None,
            until,
        };
        // The timer is armed only when someone else holds the turn; boxed, so the wait does
        // not size the future of every write.
        let guard = match Arc::clone(&lock).try_lock_owned() {
            Ok(guard) => guard,
            Err(_) => Box::pin(tokio::time::timeout(self.deadline, lock.lock_owned()))
                .await
                .map_err(|_| too_busy(rt, id, self.deadline))?,
        };
        turn.guard = Some(guard);
        Ok(turn)
    }
}

impl Turn<'_> {
    /// The pauses between this writer's tries, ending at its deadline.
    pub(crate) fn backoff(&self) -> Backoff {
        Backoff {
            until: self.until,
            pause: FIRST_PAUSE,
            deadline: self.turns.deadline,
        }
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        drop(self.guard.take());
        let mut queues = self
            .turns
            .queues
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Clones are made under this lock, so a count of one means no writer holds or awaits
        // the entry: it can go.
        if queues
            .get(&self.key)
            .is_some_and(|lock| Arc::strong_count(lock) == 1)
        {
            queues.remove(&self.key);
        }
    }
}

/// Pauses between the tries of a conditional write that keeps losing to other processes.
#[derive(Debug)]
pub(crate) struct Backoff {
    until: Instant,
    pause: Duration,
    deadline: Duration,
}

impl Backoff {
    /// Waits before the next try: a random part of the current pause (which doubles up to
    /// 100 ms), never past the deadline. `Err(503)` once the deadline has passed.
    pub(crate) async fn wait(&mut self, rt: &ResourceType, id: &str) -> Result<(), ScimError> {
        let left = self.until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(too_busy(rt, id, self.deadline));
        }
        let pause = jittered(self.pause).min(left);
        self.pause = (self.pause * 2).min(LONGEST_PAUSE);
        // Boxed: a timer is large, and only the writes that lost a race pause.
        Box::pin(tokio::time::sleep(pause)).await;
        Ok(())
    }
}

/// Between half and all of `pause`, so writers that lost together do not retry together.
fn jittered(pause: Duration) -> Duration {
    let mut byte = [0u8; 1];
    if getrandom::fill(&mut byte).is_err() {
        return pause;
    }
    pause / 2 + pause / 2 * u32::from(byte[0]) / 255
}

fn too_busy(rt: &ResourceType, id: &str, deadline: Duration) -> ScimError {
    ScimError::Unavailable(format!(
        "{} \"{id}\" kept changing for {} ms while this request tried to change it; retry the request",
        rt.name,
        deadline.as_millis()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::{Caller, Tenant};

    fn ctx() -> Context {
        Context::new(Tenant::new("t"), Caller::new("c"))
    }

    #[tokio::test]
    async fn a_turn_waits_for_the_earlier_one_and_entries_go_when_unused() {
        let turns = WriteTurns::new(Duration::from_secs(5));
        let users = ResourceType::user();
        let first = turns.turn(&ctx(), &users, "1").await.ok();
        assert!(first.is_some());
        // Another resource is not held up.
        assert!(turns.turn(&ctx(), &users, "2").await.is_ok());
        // Held: a wait cannot end, whatever the time given.
        let other = ctx();
        let waited =
            tokio::time::timeout(Duration::from_millis(10), turns.turn(&other, &users, "1"));
        assert!(waited.await.is_err());
        drop(first);
        assert!(turns.turn(&ctx(), &users, "1").await.is_ok());
        let queues = turns.queues.lock().unwrap_or_else(PoisonError::into_inner);
        assert!(queues.is_empty(), "entries left: {}", queues.len());
    }

    #[tokio::test]
    async fn a_turn_not_given_before_the_deadline_is_503() {
        let turns = WriteTurns::new(Duration::from_millis(20));
        let users = ResourceType::user();
        let _held = turns.turn(&ctx(), &users, "1").await.ok();
        let late = turns.turn(&ctx(), &users, "1").await;
        assert!(matches!(late, Err(ScimError::Unavailable(_))), "{late:?}");
    }

    #[tokio::test]
    async fn backoff_ends_at_the_deadline() {
        let turns = WriteTurns::new(Duration::from_millis(30));
        let users = ResourceType::user();
        let turn = turns.turn(&ctx(), &users, "1").await.ok();
        let mut backoff = turn.as_ref().map(Turn::backoff);
        let mut tries = 0;
        while let Some(b) = backoff.as_mut() {
            if b.wait(&users, "1").await.is_err() {
                break;
            }
            tries += 1;
            assert!(tries < 1000, "the backoff never ended");
        }
        assert!(tries >= 2, "only {tries} tries in 30 ms");
    }
}
