//! Committing with retries, as an application should: on a retryable
//! error (a busy database, a lost connection) send the same working copy
//! again; on a conflict of `commit_on_head`, reload the head and apply the
//! change again.

use crate::model::Thread;
use std::time::{Duration, Instant};
use uuid::Uuid;
use verso::{Error, Store};

/// How long to wait between tries, and when to give up (a hang guard).
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Pause after a retryable error.
    pub backoff: Duration,
    /// Give up (returning the last error) once a commit has been retried
    /// for this long.
    pub give_up_after: Duration,
    /// Also retry errors that say they are not retryable (they are still
    /// recorded as such): used where the point is to see whether the store
    /// recovers at all.
    pub retry_everything: bool,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            backoff: Duration::from_millis(5),
            give_up_after: Duration::from_secs(120),
            retry_everything: false,
        }
    }
}

/// An error a writer saw and retried (or gave up on).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenError {
    /// What `Error::is_retryable` said.
    pub retryable: bool,
    /// The error's message.
    pub message: String,
}

/// What the tries of one writer cost.
#[derive(Debug, Clone, Default)]
pub struct Attempts {
    /// Commit attempts (successful or not).
    pub tries: u64,
    /// `Error::Conflict`s of `commit_on_head`.
    pub conflicts: u64,
    /// Every other error seen, in order.
    pub errors: Vec<SeenError>,
}

impl Attempts {
    fn saw(&mut self, error: &Error) {
        self.errors.push(SeenError {
            retryable: error.is_retryable(),
            message: error.to_string(),
        });
    }

    /// Whether `error` is to be retried under `policy`, recording it.
    async fn retry(&mut self, error: &Error, policy: &Policy, started: Instant) -> bool {
        self.saw(error);
        let again = (error.is_retryable() || policy.retry_everything)
            && started.elapsed() < policy.give_up_after;
        if again {
            tokio::time::sleep(policy.backoff).await;
        }
        again
    }
}

/// `store.commit(root)`, tried again on retryable errors. On error the
/// working copy is untouched, so the same commit is simply sent again.
pub async fn commit(
    store: &Store,
    root: &mut Thread,
    policy: &Policy,
    attempts: &mut Attempts,
) -> verso::Result<()> {
    let started = Instant::now();
    loop {
        attempts.tries += 1;
        match store.commit(root).await {
            Ok(_) => return Ok(()),
            Err(error) => {
                if !attempts.retry(&error, policy, started).await {
                    return Err(error);
                }
            }
        }
    }
}

/// Applies `change` to the newest version of `lineage` and commits it with
/// `commit_on_head`. On a conflict (someone else moved the head) it loads
/// the newest version again and applies the change again; on a retryable
/// error it sends the same working copy again (whose outcome the store
/// settles: a first attempt that landed after all is not made twice).
/// Returns the committed version.
pub async fn commit_on_head(
    store: &Store,
    lineage: Uuid,
    mut change: impl FnMut(&mut Thread),
    policy: &Policy,
    attempts: &mut Attempts,
) -> verso::Result<Thread> {
    let started = Instant::now();
    loop {
        let mut head = match store.latest::<Thread>(lineage).await {
            Ok(head) => head,
            Err(error) => {
                if attempts.retry(&error, policy, started).await {
                    continue;
                }
                return Err(error);
            }
        };
        change(&mut head);
        loop {
            attempts.tries += 1;
            match store.commit_on_head(&mut head).await {
                Ok(_) => return Ok(head),
                Err(Error::Conflict { .. }) if started.elapsed() < policy.give_up_after => {
                    attempts.conflicts += 1;
                    tokio::task::yield_now().await;
                    break;
                }
                Err(error) => {
                    if !attempts.retry(&error, policy, started).await {
                        return Err(error);
                    }
                }
            }
        }
    }
}
