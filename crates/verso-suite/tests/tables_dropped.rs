//! Tables dropped under an open store (a Postgres schema dropped and
//! recreated, a SQLite table dropped by another program): the next commit
//! creates them again and succeeds, and loads read the new state, instead of
//! failing with "relation does not exist" until the process restarts.

use verso::Store;
use verso_suite::model::{ChatMessage, ChatThread, MessageRole};
use verso_suite::{Backend, Harness};

/// Commits, lets `drop_everything` remove Verso's tables behind the store's
/// back, then commits and reads again through the same store.
async fn survives(store: &Store, drop_everything: impl std::future::Future<Output = ()>) {
    let mut first = ChatThread::new("first", vec![ChatMessage::new(MessageRole::User, "hi")]);
    store.commit(&mut first).await.unwrap();
    drop_everything.await;

    let mut second = ChatThread::new("second", vec![ChatMessage::new(MessageRole::User, "again")]);
    store.commit(&mut second).await.unwrap();
    let loaded: ChatThread = store.get(second.meta.ecs_id()).await.unwrap();
    assert_eq!(loaded, second);
    // The first thread's rows went with the tables.
    assert!(store.get::<ChatThread>(first.meta.ecs_id()).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_schema_recreated_under_an_open_store() {
    let Some(harness) = Harness::start(Backend::Postgres).await else {
        return;
    };
    let url = harness.database_url().unwrap();
    survives(&harness.store, async {
        let pool = sqlx::PgPool::connect(&url).await.unwrap();
        let schema: String = sqlx::query_scalar("SELECT current_schema()::text")
            .fetch_one(&pool)
            .await
            .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA \"{schema}\" CASCADE"
        )))
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA \"{schema}\"")))
            .execute(&pool)
            .await
            .unwrap();
    })
    .await;
    harness.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_tables_dropped_under_an_open_store() {
    let Some(harness) = Harness::start(Backend::SqliteFile).await else {
        return;
    };
    let url = harness.database_url().unwrap();
    survives(&harness.store, async {
        let path = url.strip_prefix("sqlite:").unwrap();
        let conn = rusqlite::Connection::open(path).unwrap();
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for table in tables {
            conn.execute_batch(&format!("DROP TABLE \"{table}\""))
                .unwrap();
        }
    })
    .await;
    harness.finish().await;
}
