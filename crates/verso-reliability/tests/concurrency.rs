//! Concurrent writers lose no acknowledged commit, on an SQLite file and
//! on PostgreSQL, as tasks and as processes; writers sharing a lineage
//! through `commit_on_head` lose no update.

use std::path::PathBuf;
use std::time::Duration;
use verso_reliability::concurrency::{run, Config, Mode, Runner};
use verso_reliability::target::{Backend, Scratch};

const WRITERS: u32 = 4;
/// A hang guard, not a speed requirement.
const HANG_GUARD: Duration = Duration::from_secs(300);

fn processes() -> Runner {
    Runner::Processes(PathBuf::from(env!("CARGO_BIN_EXE_verso-reliability")))
}

/// Runs the writers and asserts that every check passed.
async fn writers_keep_every_acknowledged_commit(backend: Backend, mode: Mode, runner: Runner) {
    let Some(scratch) = Scratch::new(backend).await else {
        return;
    };
    let commits = match mode {
        Mode::OwnLineages => 12,
        Mode::SharedLineage => 6,
    };
    let config = Config {
        writers: WRITERS,
        commits,
        mode,
        runner,
    };
    let outcome = tokio::time::timeout(HANG_GUARD, run(scratch.target(), &config))
        .await
        .expect("the writers hung");
    scratch.finish().await;
    assert_eq!(
        outcome.problems,
        Vec::<String>::new(),
        "{backend:?} {mode:?}: the store broke a promise"
    );
    assert_eq!(outcome.acknowledged, u64::from(WRITERS) * commits);
    assert!(outcome.tries >= outcome.acknowledged);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_on_own_lineages_of_one_sqlite_file() {
    writers_keep_every_acknowledged_commit(Backend::SqliteFile, Mode::OwnLineages, Runner::Tasks)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_on_own_lineages_of_one_sqlite_file() {
    writers_keep_every_acknowledged_commit(Backend::SqliteFile, Mode::OwnLineages, processes())
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_on_one_shared_lineage_of_an_sqlite_file() {
    writers_keep_every_acknowledged_commit(Backend::SqliteFile, Mode::SharedLineage, Runner::Tasks)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_on_one_shared_lineage_of_an_sqlite_file() {
    writers_keep_every_acknowledged_commit(Backend::SqliteFile, Mode::SharedLineage, processes())
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_on_own_lineages_in_postgres() {
    writers_keep_every_acknowledged_commit(Backend::Postgres, Mode::OwnLineages, Runner::Tasks)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_on_own_lineages_in_postgres() {
    writers_keep_every_acknowledged_commit(Backend::Postgres, Mode::OwnLineages, processes()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_on_one_shared_lineage_in_postgres() {
    writers_keep_every_acknowledged_commit(Backend::Postgres, Mode::SharedLineage, Runner::Tasks)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_on_one_shared_lineage_in_postgres() {
    writers_keep_every_acknowledged_commit(Backend::Postgres, Mode::SharedLineage, processes())
        .await;
}
