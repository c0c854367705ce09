//! Lost connections: writers commit through one store to a private
//! PostgreSQL server that is stopped and started again under them, each
//! to a lineage of its own or all to one shared lineage through
//! `commit_on_head`. The
//! store must reconnect by itself (later commits succeed on the same
//! store), every commit that fails meanwhile must fail with a retryable
//! error, and every acknowledged commit must be intact, nothing half
//! written, no lineage branched by a retried commit, and on the shared
//! lineage no update lost or made twice.

use crate::concurrency::Mode;
use crate::event::Ack;
use crate::model::Thread;
use crate::pg_server::{PrivateServer, StopMode};
use crate::retry::{self, Attempts, Policy};
use crate::verify;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use verso::Store;

/// One run's size.
#[derive(Debug, Clone)]
pub struct Config {
    /// Writers (tasks sharing one store).
    pub writers: u32,
    /// Own lineages or one shared lineage.
    pub mode: Mode,
    /// Commits per writer.
    pub commits: u64,
    /// The restarts, in order, spread evenly over the run.
    pub restarts: Vec<StopMode>,
    /// How long the server stays down at each restart.
    pub outage: Duration,
    /// Length of each message body.
    pub padding: usize,
}

/// What a run measured and found.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Commits acknowledged.
    pub acknowledged: u64,
    /// Commits acknowledged after the last restart, on the same store.
    pub acknowledged_after_last_restart: u64,
    /// Errors the writers saw (and retried).
    pub errors: u64,
    /// The errors seen, by message, with how often each came.
    pub error_messages: BTreeMap<String, u64>,
    /// Of those, errors that said they were not retryable.
    pub non_retryable: Vec<String>,
    /// Versions stored whose commit had reported an error.
    pub landed_unacknowledged: u64,
    /// Everything that broke a property; empty when the run passed.
    pub problems: Vec<String>,
}

/// One writer's acknowledgments, each with the number of restarts done
/// when it came, and its attempts.
type WriterLog = (Vec<(Ack, u32)>, Attempts, Option<String>);

/// Runs the writers against `server`, restarting it as configured.
pub async fn run(server: &PrivateServer, config: &Config) -> Outcome {
    let mut outcome = Outcome::default();
    let store = match Store::open(&server.url()).await {
        Ok(store) => store,
        Err(error) => {
            outcome
                .problems
                .push(format!("cannot open the store: {error}"));
            return outcome;
        }
    };
    if let Err(error) = store.register::<Thread>().await {
        outcome
            .problems
            .push(format!("cannot create the tables: {error}"));
        return outcome;
    }
    let shared = match config.mode {
        Mode::OwnLineages => None,
        Mode::SharedLineage => {
            let mut thread = Thread::new(-1);
            if let Err(error) = store.commit(&mut thread).await {
                outcome
                    .problems
                    .push(format!("cannot create the shared thread: {error}"));
                return outcome;
            }
            Some(thread.meta.lineage_id())
        }
    };
    let acked = Arc::new(AtomicU64::new(0));
    let restarts_done = Arc::new(AtomicU32::new(0));
    let writers: Vec<_> = (0..config.writers)
        .map(|writer| {
            let store = store.clone();
            let acked = Arc::clone(&acked);
            let restarts_done = Arc::clone(&restarts_done);
            let (commits, padding) = (config.commits, config.padding);
            tokio::spawn(async move {
                let counters = (&*acked, &*restarts_done);
                write(&store, writer, commits, padding, shared, counters).await
            })
        })
        .collect();

    let total = u64::from(config.writers) * config.commits;
    let slices = config.restarts.len() as u64 + 1;
    for (index, mode) in config.restarts.iter().enumerate() {
        let threshold = total * (index as u64 + 1) / slices;
        while acked.load(Ordering::SeqCst) < threshold {
            if writers.iter().all(|writer| writer.is_finished()) {
                break; // they gave up: reported below
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let restart = tokio::task::block_in_place(|| server.restart(*mode, config.outage));
        if let Err(error) = restart {
            outcome.problems.push(format!("restart {index}: {error}"));
        }
        restarts_done.fetch_add(1, Ordering::SeqCst);
    }

    let mut all_acks = Vec::new();
    let last = config.restarts.len() as u32;
    for (writer, task) in writers.into_iter().enumerate() {
        let (acks, attempts, gave_up) = match task.await {
            Ok(log) => log,
            Err(error) => {
                outcome
                    .problems
                    .push(format!("writer {writer} panicked: {error}"));
                continue;
            }
        };
        if let Some(error) = gave_up {
            outcome
                .problems
                .push(format!("writer {writer} gave up: {error}"));
        }
        outcome.errors += attempts.errors.len() as u64;
        for seen in &attempts.errors {
            *outcome
                .error_messages
                .entry(seen.message.clone())
                .or_default() += 1;
        }
        for seen in attempts.errors.iter().filter(|seen| !seen.retryable) {
            outcome.non_retryable.push(seen.message.clone());
        }
        outcome.acknowledged_after_last_restart +=
            acks.iter().filter(|(_, epoch)| *epoch == last).count() as u64;
        all_acks.extend(acks.into_iter().map(|(ack, _)| ack));
    }
    outcome.acknowledged = all_acks.len() as u64;
    for message in &outcome.non_retryable {
        outcome.problems.push(format!(
            "a commit failed with an error that is not retryable: {message}"
        ));
    }
    if !config.restarts.is_empty() && outcome.acknowledged_after_last_restart == 0 {
        outcome
            .problems
            .push("no commit succeeded after the last restart".into());
    }

    // The same store, never reopened: it must read as well as it writes.
    outcome
        .problems
        .extend(verify::acked_versions(&store, &all_acks).await);
    for (lineage, acked) in verify::by_lineage(&all_acks) {
        let found = verify::lineage(&store, lineage, &acked).await;
        outcome.landed_unacknowledged += found.unacknowledged as u64;
        outcome.problems.extend(found.problems);
    }
    if let Some(lineage) = shared {
        // The shared lineage's first version was made before the writers.
        outcome.landed_unacknowledged = outcome.landed_unacknowledged.saturating_sub(1);
        let chain =
            verify::shared_chain(&store, lineage, &all_acks, config.writers, config.commits).await;
        outcome.problems.extend(chain);
    }
    outcome
}

/// One writer: `commits` commits, to a thread of its own (each appending a
/// message and editing one) or, with `shared`, to the shared thread (each
/// appending a message on the head), each retried (every error recorded)
/// until it succeeds or the retries give up. `counters` are the commits
/// acknowledged so far, all writers together, and the restarts done.
async fn write(
    store: &Store,
    writer: u32,
    commits: u64,
    padding: usize,
    shared: Option<uuid::Uuid>,
    counters: (&AtomicU64, &AtomicU32),
) -> WriterLog {
    let (acked, restarts_done) = counters;
    let policy = Policy {
        backoff: Duration::from_millis(20),
        give_up_after: Duration::from_secs(90),
        retry_everything: true,
    };
    let mut attempts = Attempts::default();
    let mut acks = Vec::new();
    let mut own = Thread::new(i64::from(writer));
    for step in 0..commits as i64 {
        let committed = match shared {
            None => {
                own.append(i64::from(writer), step, padding);
                if step > 0 {
                    own.edit((step as usize * 31) % own.messages.len());
                }
                retry::commit(store, &mut own, &policy, &mut attempts)
                    .await
                    .map(|()| Ack::of(&own))
            }
            Some(lineage) => {
                let append = |head: &mut Thread| head.append(i64::from(writer), step, padding);
                retry::commit_on_head(store, lineage, append, &policy, &mut attempts)
                    .await
                    .map(|head| Ack::of(&head))
            }
        };
        match committed {
            Ok(ack) => acks.push((ack, restarts_done.load(Ordering::SeqCst))),
            Err(error) => return (acks, attempts, Some(error.to_string())),
        }
        acked.fetch_add(1, Ordering::SeqCst);
    }
    (acks, attempts, None)
}
