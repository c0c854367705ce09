//! The `verso` binary on an SQLite file written by the test, and the
//! failures that need no server.

#[macro_use]
mod support;

use support::{verso, verso_with_env, History};
use verso_suite::Backend;

cli_cases!(Backend::SqliteFile);

/// A file path that no other test uses.
fn scratch(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "verso-cli-{}-{name}",
        verso::Uuid::new_v4().simple()
    ))
}

#[test]
fn a_database_without_a_catalog_is_not_a_verso_database() {
    // An empty file is an empty SQLite database.
    let path = scratch("empty.db");
    std::fs::write(&path, b"").unwrap();
    let url = format!("sqlite:{}", path.display());
    let run = verso(&["--db", &url, "types"]);
    let _ = std::fs::remove_file(&path);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stderr,
        format!(
            "error: {} is not a Verso database: it has no verso_catalog table\n",
            path.display()
        )
    );
}

#[test]
fn a_file_that_is_not_sqlite_cannot_be_read() {
    let path = scratch("notes.txt");
    std::fs::write(&path, "these are notes, not a database\n".repeat(100)).unwrap();
    let url = format!("sqlite:{}", path.display());
    let run = verso(&["--db", &url, "types"]);
    let _ = std::fs::remove_file(&path);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .starts_with(&format!("error: cannot read {}: ", path.display())),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("not a database"), "{}", run.stderr);
}

#[test]
fn a_missing_file_is_named_and_not_created() {
    let path = scratch("missing.db");
    let run = verso(&["--db", &format!("sqlite:{}", path.display()), "types"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stderr,
        format!("error: no database file at {}\n", path.display())
    );
    assert!(!path.exists(), "a read-only tool creates nothing");
}

#[test]
fn an_unreachable_server_is_named() {
    let run = verso(&["--db", "postgres://postgres@127.0.0.1:1/test", "types"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.starts_with(
            "error: the database cannot be reached: cannot connect to PostgreSQL at 127.0.0.1:1"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn a_missing_or_unsupported_database_url_is_a_usage_error() {
    let run = verso(&["types"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("VERSO_DATABASE_URL"), "{}", run.stderr);

    let run = verso(&["--db", "mysql://localhost/app", "types"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("use a file path, sqlite:PATH or postgres://"),
        "{}",
        run.stderr
    );
}

#[test]
fn help_documents_the_exit_codes() {
    let run = verso(&["--help"]);
    assert_eq!(run.code, 0);
    for line in ["Exit codes:", "0  success", "1  failure", "2  usage error"] {
        assert!(run.stdout.contains(line), "{line:?} in:\n{}", run.stdout);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_can_come_from_the_environment_and_output_is_plain_in_a_pipe() {
    let Some(history) = History::write(Backend::SqliteFile).await else {
        return;
    };
    let run = verso_with_env(&["types"], &[("VERSO_DATABASE_URL", &history.url)]);
    assert!(run.ok().contains("ChatThread"));
    let diff = history.verso(&["diff", &history.version(0), &history.version(2)]);
    assert!(!diff.ok().contains('\x1b'), "no colours outside a terminal");
    history.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bare_path_names_an_sqlite_file() {
    let Some(history) = History::write(Backend::SqliteFile).await else {
        return;
    };
    let path = history.url.strip_prefix("sqlite:").unwrap().to_string();
    let run = verso(&["--db", &path, "types"]);
    assert!(run.ok().contains("ChatThread"), "{run:?}");
    history.finish().await;
}
