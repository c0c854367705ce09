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
                ..
            } => Failure(format!("the database cannot be reached: {message}")),
            Error::Database { message, .. } if misses_a_layout_table(&message) => Failure(format!(
                "{message}: the database was written by an earlier storage layout of \
                     Verso; run `verso upgrade --db URL` once to migrate it in place"
            )),
            other => Failure(other.to_string()),
        }
    }
}

/// Whether a database message says a table of the current storage layout
/// is missing, as in a database of the earlier layout (SQLite, then
/// PostgreSQL wording).
fn misses_a_layout_table(message: &str) -> bool {
    [
        "verso_lists",
        "verso_chunks",
        "verso_list_changes",
        "verso_heads",
    ]
    .iter()
    .any(|table| {
        message.contains(&format!("no such table: {table}"))
            || message.contains(&format!("relation \"{table}\" does not exist"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_layout_table_points_to_verso_upgrade() {
        let missing = Error::database(DbErrorKind::Other, "no such table: verso_heads");
        let text = Failure::from(missing).to_string();
        assert!(text.starts_with("no such table: verso_heads: "), "{text}");
        assert!(text.contains("verso upgrade --db URL"), "{text}");
        let postgres = Error::database(
            DbErrorKind::Other,
            "relation \"verso_lists\" does not exist",
        );
        assert!(Failure::from(postgres)
            .to_string()
            .contains("verso upgrade"));
        let other = Error::database(DbErrorKind::Other, "no such table: things");
        assert_eq!(
            Failure::from(other).to_string(),
            "database error (Other): no such table: things"
        );
    }
}
