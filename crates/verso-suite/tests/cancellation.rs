//! Commits and loads cancelled at random moments, on a current-thread
//! runtime (where the SQLite driver's work runs on the blocking pool and
//! goes on after its future is dropped): whatever the moment, the next
//! commit succeeds and each lineage keeps one line of history.
//!
//! The moments are drawn from a seed printed at the start; set
//! `VERSO_CANCEL_SEED` to replay a run and `VERSO_CANCEL_ROUNDS` to run
//! longer.

use std::future::Future;
use std::time::Duration;
use verso::Store;
use verso_suite::model::{ChatMessage, ChatThread, MessageRole};
use verso_suite::{Backend, Harness};

/// A small deterministic generator (xorshift64*), so a failing run can be
/// replayed from its seed.
struct Moments(u64);

impl Moments {
    fn from_env() -> Self {
        let seed = std::env::var("VERSO_CANCEL_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        eprintln!("cancellation moments from VERSO_CANCEL_SEED={seed}");
        Moments(seed)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % bound
    }
}

fn rounds() -> usize {
    std::env::var("VERSO_CANCEL_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(40)
}

/// Runs `work` until it finishes or a random moment passes: a number of
/// scheduler turns, or up to 30 ms of wall time. Returns
/// whether it finished.
async fn until_a_random_moment<F: Future>(moments: &mut Moments, work: F) -> Option<F::Output> {
    let by_turns = moments.below(2) == 0;
    let turns = moments.below(60);
    let micros = moments.below(30_000);
    let deadline = async {
        if by_turns {
            for _ in 0..turns {
                tokio::task::yield_now().await;
            }
        } else {
            tokio::time::sleep(Duration::from_micros(micros)).await;
        }
    };
    tokio::select! {
        biased;
        output = work => Some(output),
        () = deadline => None,
    }
}

async fn cancel_commits_and_loads_at_random(store: &Store) {
    let mut moments = Moments::from_env();
    let mut thread = ChatThread::with_messages("cancelled", 20);
    store.commit(&mut thread).await.unwrap();
    let (mut finished, mut cancelled) = (0, 0);
    for round in 0..rounds() {
        thread.history.push(ChatMessage::new(
            MessageRole::User,
            &format!("turn {round}"),
        ));
        let edited = moments.below(thread.history.len() as u64) as usize;
        thread.history[edited].content = format!("edited in round {round}");
        match until_a_random_moment(&mut moments, store.commit(&mut thread)).await {
            Some(outcome) => {
                outcome.expect("a commit after an interrupted one succeeds");
                finished += 1;
            }
            None => cancelled += 1,
        }
        let id = thread.meta.ecs_id();
        if let Some(loaded) = until_a_random_moment(&mut moments, store.get::<ChatThread>(id)).await
        {
            loaded.expect("a load after an interrupted one succeeds");
        }
    }
    store.commit(&mut thread).await.expect("the last commit");
    eprintln!("{finished} commits finished, {cancelled} cancelled");

    let lineage = thread.meta.lineage_id();
    let heads: Vec<ChatThread> = store.heads(lineage).await.unwrap();
    assert_eq!(heads.len(), 1, "the thread did not branch");
    assert_eq!(heads[0], thread, "the head is the working copy");
    for message in &thread.history {
        let heads: Vec<ChatMessage> = store.heads(message.meta.lineage_id()).await.unwrap();
        assert_eq!(
            heads.len(),
            1,
            "message {:?} did not branch",
            message.content
        );
        assert_eq!(heads[0], *message);
    }
    let versions = store.versions::<ChatThread>(lineage).await.unwrap();
    assert!(versions.len() <= rounds() + 1, "no version stored twice");
}

macro_rules! on {
    ($($name:ident: $backend:expr),* $(,)?) => {
        $(
            #[tokio::test(flavor = "current_thread")]
            async fn $name() {
                let Some(harness) = Harness::start($backend).await else {
                    return;
                };
                cancel_commits_and_loads_at_random(&harness.store).await;
                harness.finish().await;
            }
        )*
    };
}

on! {
    random_cancellation_on_memory: Backend::Memory,
    random_cancellation_on_sqlite_file: Backend::SqliteFile,
    random_cancellation_on_postgres: Backend::Postgres,
}
