//! Classification of SQLite errors.

use rusqlite::ffi;
use rusqlite::ErrorCode;
use verso_core::{DbErrorKind, Error};

/// Maps a rusqlite error to Verso's error, classifying the failure.
pub(crate) fn db_error(error: rusqlite::Error) -> Error {
    let extended = match &error {
        rusqlite::Error::SqliteFailure(failure, _) => failure.extended_code,
        _ => 0,
    };
    let kind = match error.sqlite_error_code() {
        Some(ErrorCode::ConstraintViolation)
            if matches!(
                extended,
                ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            ) =>
        {
            DbErrorKind::UniqueViolation
        }
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => DbErrorKind::Busy,
        Some(ErrorCode::CannotOpen) => DbErrorKind::ConnectionLost,
        // A damaged or foreign file: retrying cannot help.
        Some(ErrorCode::NotADatabase) => DbErrorKind::Other,
        // SQLite reports a missing table only in its message.
        _ if error.to_string().starts_with("no such table") => DbErrorKind::MissingTable,
        _ => DbErrorKind::Other,
    };
    Error::database_caused_by(kind, error.to_string(), error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(sql: &str) -> DbErrorKind {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT NOT NULL)")
            .unwrap();
        conn.execute_batch("INSERT INTO t VALUES ('a', 'x')")
            .unwrap();
        match db_error(conn.execute_batch(sql).unwrap_err()) {
            Error::Database { kind, .. } => kind,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn only_unique_constraints_are_unique_violations() {
        assert_eq!(
            classify("INSERT INTO t VALUES ('a', 'y')"),
            DbErrorKind::UniqueViolation
        );
        assert_eq!(
            classify("INSERT INTO t VALUES ('b', NULL)"),
            DbErrorKind::Other
        );
        assert_eq!(classify("SELECT * FROM missing"), DbErrorKind::MissingTable);
    }

    #[test]
    fn a_file_that_is_not_a_database_is_no_lost_connection_and_not_retryable() {
        let path = std::env::temp_dir().join(format!("verso-not-a-db-{}.db", uuid::Uuid::new_v4()));
        std::fs::write(&path, vec![b'x'; 8192]).unwrap();
        let error = crate::connect::open_file(&path, &Default::default()).unwrap_err();
        let _ = std::fs::remove_file(&path);
        assert!(
            matches!(
                error,
                verso_core::Error::Database {
                    kind: DbErrorKind::Other,
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(!error.is_retryable());
    }

    #[test]
    fn a_lock_held_too_long_is_busy_and_retryable_and_others_are_not() {
        let path = std::env::temp_dir().join(format!("verso-busy-{}.db", uuid::Uuid::new_v4()));
        let holder = rusqlite::Connection::open(&path).unwrap();
        holder
            .execute_batch("CREATE TABLE t (k TEXT PRIMARY KEY); BEGIN IMMEDIATE;")
            .unwrap();
        let waiter = rusqlite::Connection::open(&path).unwrap();
        waiter.busy_timeout(std::time::Duration::ZERO).unwrap();
        let busy = db_error(waiter.execute_batch("BEGIN IMMEDIATE").unwrap_err());
        drop(holder);
        for suffix in ["", "-journal", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        assert!(
            matches!(
                busy,
                Error::Database {
                    kind: DbErrorKind::Busy,
                    ..
                }
            ),
            "{busy:?}"
        );
        assert!(busy.is_retryable());

        for repeated in [
            "INSERT INTO t VALUES ('a', 'y')",
            "INSERT INTO t VALUES ('b', NULL)",
            "SELECT * FROM missing",
            "SELEC 1",
        ] {
            let conn = rusqlite::Connection::open_in_memory().unwrap();
            conn.execute_batch("CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT NOT NULL)")
                .unwrap();
            conn.execute_batch("INSERT INTO t VALUES ('a', 'x')")
                .unwrap();
            let error = db_error(conn.execute_batch(repeated).unwrap_err());
            assert!(!error.is_retryable(), "{repeated}: {error:?}");
        }
    }

    #[test]
    fn the_rusqlite_error_is_the_source() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let error = db_error(conn.execute_batch("SELEC 1").unwrap_err());
        let source = std::error::Error::source(&error).expect("a source");
        assert!(source.downcast_ref::<rusqlite::Error>().is_some());
    }
}
