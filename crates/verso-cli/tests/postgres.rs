//! The `verso` binary on a PostgreSQL database written by the test (a
//! schema of its own). Skipped, loudly, when the server is unreachable,
//! unless `VERSO_REQUIRE_POSTGRES=1`.

#[macro_use]
mod support;

use support::verso;
use verso_suite::{Backend, Harness};

cli_cases!(Backend::Postgres);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schema_without_a_catalog_is_not_a_verso_database() {
    let Some(harness) = Harness::start(Backend::Postgres).await else {
        return;
    };
    // The harness made the schema; nothing was stored in it.
    let url = harness.database_url().expect("a server URL");
    let run = verso(&["--db", &url, "types"]);
    harness.finish().await;
    run.code(1).stderr(
        "error: this PostgreSQL database is not a Verso database: it has no verso_catalog table\n",
    );
}
