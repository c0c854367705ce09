//! Commit rows damaged behind the store's back are decode errors naming
//! the commit and the column, never a panic or a misread.

use verso::{CommitInfo, Error, Store};
use verso_suite::model::ChatThread;
use verso_suite::{Backend, Harness};

/// Commits a thread with metadata; returns the commit id.
async fn committed(store: &Store) -> (verso::Uuid, ChatThread) {
    let mut thread = ChatThread::with_messages("tampered", 1);
    let info = CommitInfo::new().author("ana").meta("ticket", "42");
    let report = store.commit_with(&mut thread, info).await.unwrap();
    (report.commit_id.unwrap(), thread)
}

/// The error of reading a commit whose `meta` column is no JSON object.
fn assert_names_meta(error: Error, commit: verso::Uuid) {
    match error {
        Error::Decode {
            type_name,
            id,
            column,
            ..
        } => assert_eq!(
            (type_name.as_str(), id, column.as_str()),
            ("commit", commit, "meta")
        ),
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_sqlite_commit_row_is_a_decode_error_naming_it() {
    let Some(harness) = Harness::start(Backend::SqliteFile).await else {
        return;
    };
    let store = &harness.store;
    let (commit, thread) = committed(store).await;
    let url = harness.database_url().unwrap();
    let conn = rusqlite::Connection::open(url.strip_prefix("sqlite:").unwrap()).unwrap();
    conn.execute_batch(
        "UPDATE verso_commits SET meta = '[\"not\", \"an object\"]'; \
         UPDATE verso_commit_versions SET ecs_id = 'not a uuid' WHERE position = 0",
    )
    .unwrap();
    assert_names_meta(store.commit_info(commit).await.unwrap_err(), commit);
    let lineage = thread.meta.lineage_id();
    assert!(matches!(
        store.commits::<ChatThread>(lineage).await,
        Err(Error::Decode { .. })
    ));
    match store.versions_of_commit(commit).await {
        Err(Error::Decode {
            type_name,
            id,
            column,
            ..
        }) => {
            assert_eq!(
                (type_name.as_str(), id, column.as_str()),
                ("commit", commit, "ecs_id")
            );
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    harness.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_postgres_commit_row_is_a_decode_error_naming_it() {
    let Some(harness) = Harness::start(Backend::Postgres).await else {
        return;
    };
    let store = &harness.store;
    let (commit, _) = committed(store).await;
    let pool = sqlx::PgPool::connect(&harness.database_url().unwrap())
        .await
        .unwrap();
    sqlx::query("UPDATE verso_commits SET meta = '{\"ticket\": 42}'")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    assert_names_meta(store.commit_info(commit).await.unwrap_err(), commit);
    harness.finish().await;
}
