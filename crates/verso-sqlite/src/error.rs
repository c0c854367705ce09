//! Classification of SQLite errors.

use rusqlite::ErrorCode;
use verso_core::{DbErrorKind, Error};

/// Maps a rusqlite error to Verso's error, classifying the failure.
pub(crate) fn db_error(error: rusqlite::Error) -> Error {
    let kind = match error.sqlite_error_code() {
        Some(ErrorCode::ConstraintViolation) => DbErrorKind::UniqueViolation,
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            DbErrorKind::SerializationFailure
        }
        Some(ErrorCode::CannotOpen | ErrorCode::NotADatabase) => DbErrorKind::ConnectionLost,
        _ => DbErrorKind::Other,
    };
    Error::database(kind, error.to_string())
}
