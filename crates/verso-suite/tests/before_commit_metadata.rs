//! A database written before Verso recorded commits (no `verso_commits`,
//! no `verso_commit_versions`): a store opened on it creates the two
//! tables, its old versions belong to no commit, and new commits are
//! recorded as on a new database.

use verso::{CommitInfo, Error, Store};
use verso_suite::model::ChatThread;
use verso_suite::{Backend, Harness};

const COMMIT_TABLES: [&str; 2] = ["verso_commits", "verso_commit_versions"];

/// Commits a thread on `harness`, lets `drop_commit_tables` make the
/// database one of the earlier layout, then opens a new store on it.
async fn opens_and_records(
    harness: &Harness,
    drop_commit_tables: impl std::future::Future<Output = ()>,
) {
    let mut thread = ChatThread::with_messages("old", 2);
    harness.store.commit(&mut thread).await.unwrap();
    drop_commit_tables.await;

    let store = Store::open(&harness.database_url().unwrap()).await.unwrap();
    let lineage = thread.meta.lineage_id();
    assert!(
        store
            .commits::<ChatThread>(lineage)
            .await
            .unwrap()
            .is_empty(),
        "versions stored before commits were recorded belong to none"
    );
    thread.name = "new".into();
    let report = store
        .commit_with(&mut thread, CommitInfo::new().author("ana"))
        .await
        .unwrap();
    let commits = store.commits::<ChatThread>(lineage).await.unwrap();
    assert_eq!(commits.len(), 1);
    assert_eq!(Some(commits[0].id), report.commit_id);
    assert_eq!(commits[0].info.author.as_deref(), Some("ana"));
    let loaded: ChatThread = store.get(thread.meta.ecs_id()).await.unwrap();
    assert_eq!(loaded, thread);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sqlite_file_without_commit_tables_opens_and_records_new_commits() {
    let Some(harness) = Harness::start(Backend::SqliteFile).await else {
        return;
    };
    let url = harness.database_url().unwrap();
    opens_and_records(&harness, async {
        let conn = rusqlite::Connection::open(url.strip_prefix("sqlite:").unwrap()).unwrap();
        for table in COMMIT_TABLES {
            conn.execute_batch(&format!("DROP TABLE {table}")).unwrap();
        }
    })
    .await;
    harness.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_schema_without_commit_tables_opens_and_records_new_commits() {
    let Some(harness) = Harness::start(Backend::Postgres).await else {
        return;
    };
    let url = harness.database_url().unwrap();
    opens_and_records(&harness, async {
        let pool = sqlx::PgPool::connect(&url).await.unwrap();
        for table in COMMIT_TABLES {
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP TABLE {table}")))
                .execute(&pool)
                .await
                .unwrap();
        }
        pool.close().await;
    })
    .await;
    harness.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_lookups_on_a_store_that_never_committed_find_nothing() {
    let Some(harness) = Harness::start(Backend::SqliteFile).await else {
        return;
    };
    let unknown = verso::Uuid::now_v7();
    let store = &harness.store;
    assert!(store.versions_of_commit(unknown).await.unwrap().is_empty());
    assert!(matches!(
        store.commit_info(unknown).await,
        Err(Error::NotFound { .. })
    ));
    harness.finish().await;
}
