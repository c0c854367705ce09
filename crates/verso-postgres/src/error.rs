//! Classification of sqlx errors into Verso's [`DbErrorKind`]s.

use sqlx::postgres::PgDatabaseError;
use verso_core::{DbErrorKind, Error};

/// SQLSTATE of a unique constraint violation.
const UNIQUE_VIOLATION: &str = "23505";
/// SQLSTATE of an undefined table.
pub(crate) const UNDEFINED_TABLE: &str = "42P01";

/// Maps a sqlx error to Verso's error, classifying the failure.
pub(crate) fn db_error(error: sqlx::Error) -> Error {
    Error::database_caused_by(classify(&error), describe(&error), error)
}

/// The SQLSTATE of a server-side error, if the error came from the server.
pub(crate) fn sqlstate(error: &sqlx::Error) -> Option<String> {
    match error {
        sqlx::Error::Database(db) => db.code().map(|code| code.into_owned()),
        _ => None,
    }
}

/// Decides which [`DbErrorKind`] an error belongs to.
pub(crate) fn classify(error: &sqlx::Error) -> DbErrorKind {
    match error {
        sqlx::Error::Database(db) => db
            .code()
            .map_or(DbErrorKind::Other, |c| kind_of_sqlstate(&c)),
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => DbErrorKind::ConnectionLost,
        _ => DbErrorKind::Other,
    }
}

/// The [`DbErrorKind`] of a server error by its SQLSTATE.
fn kind_of_sqlstate(code: &str) -> DbErrorKind {
    match code {
        UNIQUE_VIOLATION => DbErrorKind::UniqueViolation,
        UNDEFINED_TABLE => DbErrorKind::MissingTable,
        "40001" | "40P01" => DbErrorKind::SerializationFailure,
        // lock_not_available: a lock_timeout or NOWAIT gave up.
        "55P03" => DbErrorKind::Busy,
        // Class 08 is "connection exception"; 57P01..57P03 are server
        // shutdown and "cannot connect now".
        _ if code.starts_with("08") => DbErrorKind::ConnectionLost,
        "57P01" | "57P02" | "57P03" => DbErrorKind::ConnectionLost,
        _ => DbErrorKind::Other,
    }
}

/// The error's message, with the SQLSTATE and the server's detail line
/// when there are any.
fn describe(error: &sqlx::Error) -> String {
    let sqlx::Error::Database(db) = error else {
        return error.to_string();
    };
    let mut message = db.message().to_string();
    if let Some(code) = db.code() {
        message.push_str(&format!(" (SQLSTATE {code})"));
    }
    if let Some(detail) = db
        .try_downcast_ref::<PgDatabaseError>()
        .and_then(PgDatabaseError::detail)
    {
        message.push_str(": ");
        message.push_str(detail);
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_failures_are_connection_lost() {
        let io = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert_eq!(classify(&io), DbErrorKind::ConnectionLost);
        assert_eq!(
            classify(&sqlx::Error::PoolTimedOut),
            DbErrorKind::ConnectionLost
        );
        assert_eq!(
            classify(&sqlx::Error::PoolClosed),
            DbErrorKind::ConnectionLost
        );
        assert_eq!(classify(&sqlx::Error::RowNotFound), DbErrorKind::Other);
    }

    #[test]
    fn server_errors_by_sqlstate() {
        assert_eq!(kind_of_sqlstate("23505"), DbErrorKind::UniqueViolation);
        assert_eq!(kind_of_sqlstate("40001"), DbErrorKind::SerializationFailure);
        assert_eq!(kind_of_sqlstate("40P01"), DbErrorKind::SerializationFailure);
        assert_eq!(kind_of_sqlstate("08006"), DbErrorKind::ConnectionLost);
        assert_eq!(kind_of_sqlstate("57P01"), DbErrorKind::ConnectionLost);
        assert_eq!(kind_of_sqlstate("55P03"), DbErrorKind::Busy);
        assert_eq!(kind_of_sqlstate("23503"), DbErrorKind::Other);
        assert_eq!(kind_of_sqlstate("42P01"), DbErrorKind::MissingTable);
    }

    /// Real server errors, classified as a caller deciding on a retry sees
    /// them: `is_retryable` is true exactly for a lock waited on too long,
    /// a serialization failure and a lost connection.
    mod on_a_server {
        use super::*;
        use crate::statement::audited;
        use sqlx::{Connection, Executor, PgConnection};

        async fn connect() -> Option<PgConnection> {
            let url = std::env::var("VERSO_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
            match PgConnection::connect(&url).await {
                Ok(conn) => Some(conn),
                Err(e) if std::env::var("VERSO_REQUIRE_POSTGRES").as_deref() == Ok("1") => {
                    panic!("PostgreSQL required (VERSO_REQUIRE_POSTGRES=1) but {url}: {e}")
                }
                Err(e) => {
                    eprintln!("\n!!! SKIPPED: PostgreSQL error classification, {url}: {e}\n");
                    None
                }
            }
        }

        /// A table of one row, on its own name, dropped by the caller.
        async fn one_row_table(conn: &mut PgConnection) -> String {
            let table = format!("verso_errors_{}", uuid::Uuid::new_v4().simple());
            conn.execute(audited(format!(
                "CREATE TABLE {table} (k INT PRIMARY KEY, v INT)"
            )))
            .await
            .unwrap();
            conn.execute(audited(format!("INSERT INTO {table} VALUES (1, 0)")))
                .await
                .unwrap();
            table
        }

        async fn fail(conn: &mut PgConnection, sql: &str) -> Error {
            db_error(conn.execute(audited(sql)).await.unwrap_err())
        }

        fn kind(error: &Error) -> DbErrorKind {
            match error {
                Error::Database { kind, .. } => *kind,
                other => panic!("{other:?}"),
            }
        }

        #[tokio::test]
        async fn each_failure_is_retryable_exactly_when_a_retry_may_succeed() {
            let Some(mut first) = connect().await else {
                return;
            };
            let mut second = connect().await.unwrap();
            let table = one_row_table(&mut first).await;

            // A row locked by another transaction for longer than allowed.
            first.execute("BEGIN").await.unwrap();
            first
                .execute(audited(format!("UPDATE {table} SET v = 1 WHERE k = 1")))
                .await
                .unwrap();
            second.execute("SET lock_timeout = '50ms'").await.unwrap();
            let busy = fail(
                &mut second,
                &format!("UPDATE {table} SET v = 2 WHERE k = 1"),
            )
            .await;
            first.execute("ROLLBACK").await.unwrap();
            assert_eq!(kind(&busy), DbErrorKind::Busy, "{busy}");
            assert!(busy.is_retryable());

            // A concurrent update under repeatable read.
            first
                .execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
                .await
                .unwrap();
            first
                .execute(audited(format!("SELECT v FROM {table}")))
                .await
                .unwrap();
            second
                .execute(audited(format!("UPDATE {table} SET v = 3 WHERE k = 1")))
                .await
                .unwrap();
            let serialization =
                fail(&mut first, &format!("UPDATE {table} SET v = 4 WHERE k = 1")).await;
            first.execute("ROLLBACK").await.unwrap();
            assert_eq!(kind(&serialization), DbErrorKind::SerializationFailure);
            assert!(serialization.is_retryable());

            // Failures a retry repeats.
            let unique = fail(&mut first, &format!("INSERT INTO {table} VALUES (1, 0)")).await;
            assert_eq!(kind(&unique), DbErrorKind::UniqueViolation);
            let missing = fail(&mut first, "SELECT * FROM verso_no_such_table").await;
            assert_eq!(kind(&missing), DbErrorKind::MissingTable);
            let syntax = fail(&mut first, "SELEC 1").await;
            assert_eq!(kind(&syntax), DbErrorKind::Other);
            for error in [&unique, &missing, &syntax] {
                assert!(!error.is_retryable(), "{error}");
            }

            // The session is killed by the server.
            let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
                .fetch_one(&mut second)
                .await
                .unwrap();
            first
                .execute(audited(format!("SELECT pg_terminate_backend({pid})")))
                .await
                .unwrap();
            let killed = fail(&mut second, "SELECT 1").await;
            assert_eq!(kind(&killed), DbErrorKind::ConnectionLost, "{killed}");
            assert!(killed.is_retryable());

            first
                .execute(audited(format!("DROP TABLE {table}")))
                .await
                .unwrap();
        }

        #[tokio::test]
        async fn the_sqlx_error_is_the_source() {
            let Some(mut conn) = connect().await else {
                return;
            };
            let error = fail(&mut conn, "SELEC 1").await;
            let source = std::error::Error::source(&error).expect("a source");
            let sqlx_error = source
                .downcast_ref::<sqlx::Error>()
                .expect("the sqlx error");
            assert!(matches!(sqlx_error, sqlx::Error::Database(_)));
        }
    }
}
