//! Failures a person can act on (exit code 1).

use std::fmt;
use verso::{DbErrorKind, Error};

/// Why a command could not do its job, in words that say what to do.
#[derive(Debug)]
pub struct Failure(String);

impl Failure {
    /// A failure with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Failure(message.into())
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        match error {
            Error::Database {
                kind: DbErrorKind::ConnectionLost,
                message,
            } => Failure(format!("the database cannot be reached: {message}")),
            other => Failure(other.to_string()),
        }
    }
}
