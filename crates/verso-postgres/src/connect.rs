//! Opening the connection pool, optionally inside a schema.

use crate::error::{classify, db_error};
use crate::options::PostgresOptions;
use crate::sql::{ident, LOCK_SCHEMA};
use crate::statement::audited;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, Executor, PgConnection, PgPool};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use verso_core::{DbErrorKind, Error, Instrument, Result};

/// Connects as `options` say and returns a pool whose connections all use
/// its schema (created if missing) as their `search_path`, or the server's
/// default search path without one.
///
/// One connection is made first, so a bad URL or an unreachable server
/// fails here, at once, with a message naming the host and port. The
/// schema is created under the schema's advisory lock, so concurrent
/// callers do not race. The pool then opens connections as needed.
pub(crate) async fn open_pool(
    settings: &PostgresOptions,
    instrument: &Instrument,
) -> Result<PgPool> {
    let schema = settings.schema.as_deref();
    let options = PgConnectOptions::from_str(&settings.url)
        .map_err(|e| Error::database(DbErrorKind::Other, format!("invalid PostgreSQL URL: {e}")))?
        .statement_cache_capacity(settings.statement_cache_capacity)
        // Verso's queries are short index lookups; the planner's estimates
        // for recursive walks (measured on the link walk of the first
        // layout) made JIT compile them on every load (80-145 ms per load
        // in `cargo bench -p verso-bench`).
        .options([("jit", "off")]);
    let mut first = first_connection(&options, settings.connect_timeout).await?;
    if let Some(schema) = schema {
        create_schema(&mut first, schema, instrument).await?;
    }
    // Nothing is pending on it; closing politely only saves the server a log line.
    let _ = first.close().await;

    let mut pool = PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .min_connections(settings.min_connections)
        .acquire_timeout(settings.acquire_timeout)
        // A broken idle connection surfaces as a ConnectionLost error (which
        // is retryable) instead of costing a round trip on every acquire.
        .test_before_acquire(false);
    if let Some(schema) = schema {
        let set_path: Arc<str> = format!("SET search_path TO {}", ident(schema)).into();
        pool = pool.after_connect(move |conn, _meta| {
            let set_path = audited(Arc::clone(&set_path));
            Box::pin(async move {
                conn.execute(set_path).await?;
                Ok(())
            })
        });
    }
    Ok(pool.connect_lazy_with(options))
}

/// One connection, made with a time limit; errors name the server.
async fn first_connection(options: &PgConnectOptions, limit: Duration) -> Result<PgConnection> {
    let server = format!("{}:{}", options.get_host(), options.get_port());
    match tokio::time::timeout(limit, PgConnection::connect_with(options)).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(error)) => Err(Error::database(
            classify(&error),
            format!("cannot connect to PostgreSQL at {server}: {error}"),
        )),
        Err(_) => Err(Error::database(
            DbErrorKind::ConnectionLost,
            format!(
                "cannot connect to PostgreSQL at {server}: no answer within {}s",
                limit.as_secs()
            ),
        )),
    }
}

/// `CREATE SCHEMA IF NOT EXISTS`, under the schema's advisory lock (two
/// sessions creating the same schema at once would otherwise collide on
/// the catalog's unique index).
async fn create_schema(
    conn: &mut PgConnection,
    schema: &str,
    instrument: &Instrument,
) -> Result<()> {
    instrument.query();
    let mut tx = conn.begin().await.map_err(db_error)?;
    instrument.query();
    sqlx::query(LOCK_SCHEMA)
        .bind(schema)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
    instrument.query();
    sqlx::query(audited(format!(
        "CREATE SCHEMA IF NOT EXISTS {}",
        ident(schema)
    )))
    .persistent(false)
    .execute(&mut *tx)
    .await
    .map_err(db_error)?;
    instrument.query();
    tx.commit().await.map_err(db_error)
}
