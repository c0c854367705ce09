//! A PostgreSQL server restarted under running writers: the store
//! reconnects by itself, failed commits fail retryably, acknowledged
//! commits stay intact.

use std::time::Duration;
use verso_reliability::concurrency::Mode;
use verso_reliability::connection_loss::{run, Config};
use verso_reliability::pg_server::{PrivateServer, StopMode};
use verso_reliability::target::REQUIRE_POSTGRES_VAR;

/// A hang guard, not a speed requirement.
const HANG_GUARD: Duration = Duration::from_secs(300);

/// Runs writers across an immediate and a fast restart and asserts that
/// every check passed.
async fn writers_survive_server_restarts(mode: Mode) {
    let server = match PrivateServer::start() {
        Ok(server) => server,
        Err(error) if std::env::var(REQUIRE_POSTGRES_VAR).as_deref() != Ok("1") => {
            eprintln!(
                "\n!!! SKIPPED: connection-loss test, no private PostgreSQL server: {error}\n"
            );
            return;
        }
        Err(error) => panic!("a private PostgreSQL server is required: {error}"),
    };
    let config = Config {
        writers: 3,
        mode,
        commits: 40,
        restarts: vec![StopMode::Immediate, StopMode::Fast],
        outage: Duration::from_millis(300),
        padding: 100,
    };
    let outcome = tokio::time::timeout(HANG_GUARD, run(&server, &config))
        .await
        .expect("the writers hung");
    drop(server);
    assert_eq!(
        outcome.non_retryable,
        Vec::<String>::new(),
        "errors that are not retryable"
    );
    assert_eq!(outcome.problems, Vec::<String>::new(), "{mode:?}");
    assert_eq!(outcome.acknowledged, 3 * 40);
    assert!(
        outcome.errors > 0,
        "the restarts were not felt: nothing was tested"
    );
    assert!(outcome.acknowledged_after_last_restart > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_on_own_lineages_survive_server_restarts() {
    writers_survive_server_restarts(Mode::OwnLineages).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_on_one_shared_lineage_survive_server_restarts() {
    writers_survive_server_restarts(Mode::SharedLineage).await;
}
