//! A writer killed with SIGKILL at a random moment leaves every
//! acknowledged commit whole and nothing partial, on an SQLite file and
//! on PostgreSQL.

use std::path::PathBuf;
use std::time::Duration;
use verso_reliability::crash::{run, Config};
use verso_reliability::target::{Backend, Scratch};

const ROUNDS: u32 = 4;
/// A hang guard, not a speed requirement.
const HANG_GUARD: Duration = Duration::from_secs(300);

async fn killed_writers_leave_only_whole_versions(backend: Backend) {
    let Some(scratch) = Scratch::new(backend).await else {
        return;
    };
    let config = Config {
        rounds: ROUNDS,
        initial: 300,
        append: 40,
        padding: 100,
        max_delay: Duration::from_millis(400),
        exe: PathBuf::from(env!("CARGO_BIN_EXE_verso-reliability")),
    };
    let outcome = tokio::time::timeout(HANG_GUARD, run(scratch.target(), &config))
        .await
        .expect("the crash rounds hung");
    scratch.finish().await;
    assert_eq!(
        outcome.problems,
        Vec::<String>::new(),
        "{backend:?}: a kill left the store inconsistent"
    );
    // Every round waits for a first acknowledged commit before its kill.
    assert!(outcome.acknowledged >= u64::from(ROUNDS));
    assert!(outcome.largest_tree >= 300);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_writer_on_an_sqlite_file() {
    killed_writers_leave_only_whole_versions(Backend::SqliteFile).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_writer_on_postgres() {
    killed_writers_leave_only_whole_versions(Backend::Postgres).await;
}
