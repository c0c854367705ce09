//! Classification of sqlx errors into Verso's [`DbErrorKind`]s.

use sqlx::postgres::PgDatabaseError;
use verso_core::{DbErrorKind, Error};

/// SQLSTATE of a unique constraint violation.
const UNIQUE_VIOLATION: &str = "23505";
/// SQLSTATE of an undefined table.
pub(crate) const UNDEFINED_TABLE: &str = "42P01";

/// Maps a sqlx error to Verso's error, classifying the failure.
pub(crate) fn db_error(error: sqlx::Error) -> Error {
    Error::database(classify(&error), describe(&error))
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
        assert_eq!(kind_of_sqlstate("23503"), DbErrorKind::Other);
        assert_eq!(kind_of_sqlstate("42P01"), DbErrorKind::MissingTable);
    }
}
