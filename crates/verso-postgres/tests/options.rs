//! The settings of `PostgresOptions` reach the pool and its connections.

use std::time::Duration;
use verso_postgres::{PostgresDriver, PostgresOptions};

fn url() -> String {
    std::env::var("VERSO_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

#[tokio::test]
async fn options_set_the_pool_the_schema_and_the_statement_cache() {
    let schema = format!("verso_opt_{}", uuid::Uuid::new_v4().simple());
    let options = PostgresOptions::new(url())
        .schema(&schema)
        .max_connections(3)
        .acquire_timeout(Duration::from_secs(2))
        .statement_cache_capacity(0);
    let driver = match PostgresDriver::connect_with(&options).await {
        Ok(driver) => driver,
        Err(e) if std::env::var("VERSO_REQUIRE_POSTGRES").as_deref() == Ok("1") => {
            panic!("PostgreSQL required: {e}")
        }
        Err(e) => {
            eprintln!("\n!!! SKIPPED: PostgreSQL options, {}: {e}\n", url());
            return;
        }
    };
    let pool = driver.pool();
    assert_eq!(pool.options().get_max_connections(), 3);
    assert_eq!(pool.options().get_acquire_timeout(), Duration::from_secs(2));
    let path: String = sqlx::query_scalar("SHOW search_path")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(path, schema);
    let jit: String = sqlx::query_scalar("SHOW jit")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(jit, "off", "Verso's short queries run without JIT");
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA \"{schema}\" CASCADE"
    )))
    .execute(pool)
    .await
    .unwrap();
}
