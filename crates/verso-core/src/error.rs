//! Verso's one error type.

use uuid::Uuid;

/// A database driver's own error, kept as the source of
/// [`Error::Database`].
pub type DriverError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Result with Verso's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every failure Verso reports. Errors about an entity name its type and id.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No version with this id is stored.
    #[error("{type_name} {id} not found")]
    NotFound {
        /// The type that was asked for.
        type_name: String,
        /// The id that was asked for (a version or a lineage id).
        id: Uuid,
    },
    /// The id belongs to an entity of another type.
    #[error("{id} is a {actual}, not a {expected}")]
    WrongType {
        /// The type that was asked for.
        expected: String,
        /// The type stored under that id.
        actual: String,
        /// The id.
        id: Uuid,
    },
    /// A table does not match the entity type it should store.
    #[error("schema mismatch in table {table}, column {column}: {detail}")]
    SchemaMismatch {
        /// Table name.
        table: String,
        /// Column name.
        column: String,
        /// What differs, and what to do.
        detail: String,
    },
    /// The commit refused to branch: another version was already forked
    /// from the version this one forks (someone else moved the head).
    #[error("conflict on {type_name} {id}: {detail}")]
    Conflict {
        /// Entity type.
        type_name: String,
        /// The version both forks start from.
        id: Uuid,
        /// What happened, and what to do.
        detail: String,
    },
    /// A stored row could not be turned back into its entity.
    #[error("cannot decode {type_name} {id}, column {column}: {detail}")]
    Decode {
        /// Entity type.
        type_name: String,
        /// Version id.
        id: Uuid,
        /// The column (or child field) that failed.
        column: String,
        /// Why.
        detail: String,
    },
    /// The working copy cannot be committed as it is.
    #[error("invalid {type_name} {id}: {detail}")]
    InvalidInput {
        /// Entity type.
        type_name: String,
        /// Version id.
        id: Uuid,
        /// What is wrong.
        detail: String,
    },
    /// A query over the versions of a type cannot run as built: it names
    /// a column the type lacks, or continues after a cursor of another
    /// order.
    #[error("invalid query over {type_name}: {detail}")]
    InvalidQuery {
        /// Entity type queried.
        type_name: String,
        /// What is wrong.
        detail: String,
    },
    /// A commit holds a reference to a version (a [`Ref`](crate::Ref)) or
    /// a lineage (a [`LineageRef`](crate::LineageRef)) that is neither
    /// stored nor written by the commit. Nothing of the commit is stored.
    #[error("{type_name} {id}: field {field} references {target_type} {} {target}, which is not stored", kind.name())]
    DanglingReference {
        /// The type of the entity holding the reference.
        type_name: String,
        /// The holder's version id (in the working copy).
        id: Uuid,
        /// The reference field.
        field: String,
        /// The referenced type.
        target_type: String,
        /// Whether the missing id is a version or a lineage id.
        kind: crate::RefKind,
        /// The missing id.
        target: Uuid,
    },
    /// The database reported an error.
    #[error("database error ({kind:?}): {message}")]
    Database {
        /// The class of failure, for retry decisions.
        kind: DbErrorKind,
        /// The database's message.
        message: String,
        /// The driver's own error (`rusqlite::Error`, `sqlx::Error`), when
        /// there is one: [`std::error::Error::source`] reaches it.
        #[source]
        source: Option<DriverError>,
    },
    /// The database was written by an earlier storage layout of Verso;
    /// it must be upgraded before use (`verso upgrade --db URL`, or
    /// `Store::upgrade`), which migrates it in place in one transaction.
    #[error("the database uses an earlier Verso storage layout (found table {found}): {detail}")]
    OutdatedLayout {
        /// The table of the earlier layout that was found.
        found: String,
        /// What to do.
        detail: String,
    },
    /// A database URL no backend understands.
    #[error("unsupported database URL {url:?}: use sqlite:PATH, sqlite::memory:, postgres://... or memory:")]
    UnsupportedUrl {
        /// The URL given.
        url: String,
    },
    /// A URL of a backend this build of Verso leaves out: the facade's
    /// Cargo feature that builds it is off.
    #[error("{url:?} needs the `{feature}` feature of verso, which this build leaves out: verso = {{ version = \"...\", features = [\"{feature}\"] }}")]
    BackendNotBuilt {
        /// The URL given.
        url: String,
        /// The feature that builds its backend.
        feature: &'static str,
    },
    /// Two Rust types claim one stored type name or one table: two types
    /// of one name in different modules, say. Give one of them its own
    /// `#[verso(name = "...")]` (and `table`), or, for a renamed type or
    /// another shape of one stored type, declare the shared name with
    /// `#[verso(name = "...")]`.
    #[error("{first} and {second} are both stored as type {name} in table {table}: give one of them #[verso(name = \"...\")] to keep them apart, or declare the shared name with #[verso(name = \"{name}\")] if one is a renamed or reshaped version of the other")]
    TypeCollision {
        /// The stored type name the second type claims.
        name: String,
        /// The table the second type claims.
        table: String,
        /// The Rust path of the type registered first.
        first: String,
        /// The Rust path of the type registered second.
        second: String,
    },
    /// A failure injected through `Instrument::inject`, for tests (the
    /// `fault-injection` feature).
    #[cfg(feature = "fault-injection")]
    #[error("injected fault at statement {statement}")]
    InjectedFault {
        /// The statement (counted from 1 within the commit) that failed.
        statement: u64,
    },
}

/// Classes of database failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DbErrorKind {
    /// A unique constraint was violated (an id stored twice).
    UniqueViolation,
    /// The database or a row was locked by another connection for longer
    /// than the wait allowed (SQLite `BUSY`/`LOCKED`, PostgreSQL
    /// `lock_not_available`): retrying may succeed.
    Busy,
    /// The connection was lost or could not be made.
    ConnectionLost,
    /// A serialization failure or deadlock: retrying may succeed.
    SerializationFailure,
    /// A table Verso created is gone (dropped, or its schema recreated
    /// under an open store): the store creates it again and retries once.
    MissingTable,
    /// Anything else.
    Other,
}

impl Error {
    /// The error for a database of an earlier layout, recognised by its
    /// table `found`.
    pub fn outdated_layout(found: &str) -> Self {
        Error::OutdatedLayout {
            found: found.to_string(),
            detail: "child lists were stored as one link row per child of every version; \
                     run `verso upgrade --db URL` (or call Store::upgrade) once to migrate \
                     the database in place, keeping every version"
                .into(),
        }
    }

    /// The error of a call to a transaction's driver after its commit
    /// ended it (see [`Driver::begin`](crate::Driver::begin)): nothing of
    /// the call is done.
    pub fn transaction_ended() -> Self {
        Error::database(
            DbErrorKind::Other,
            "this transaction has ended: its commit committed or rolled it back",
        )
    }

    /// A database error of the given kind, with no driver error behind it.
    pub fn database(kind: DbErrorKind, message: impl Into<String>) -> Self {
        Error::Database {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// A database error of the given kind caused by the driver error
    /// `source`, which [`std::error::Error::source`] then returns.
    pub fn database_caused_by(
        kind: DbErrorKind,
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error::Database {
            kind,
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }

    /// The class of a [`Database`](Error::Database) error; `None` for every
    /// other error.
    pub fn database_kind(&self) -> Option<DbErrorKind> {
        match self {
            Error::Database { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    /// Whether retrying the same operation may succeed: true exactly for a
    /// lock held too long ([`DbErrorKind::Busy`]), a serialization failure
    /// or deadlock, and a lost connection.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.database_kind(),
            Some(
                DbErrorKind::Busy | DbErrorKind::SerializationFailure | DbErrorKind::ConnectionLost
            )
        )
    }

    /// The conflict error for a fork of `parent`, a version of `type_name`,
    /// when `parent` already has a child version.
    pub fn branch_conflict(type_name: &str, parent: Uuid) -> Self {
        Error::Conflict {
            type_name: type_name.to_string(),
            id: parent,
            detail: "another version was forked from it first; load the newest version \
                     (Store::latest), apply the change again, or commit with Store::commit \
                     to branch"
                .into(),
        }
    }
}
