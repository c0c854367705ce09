//! Settings of a [`SqliteDriver`](crate::SqliteDriver).

use std::time::Duration;

/// How a [`SqliteDriver`](crate::SqliteDriver) uses its database file. Every
/// setting has the default [`open`](crate::SqliteDriver::open) uses.
///
/// ```no_run
/// use std::time::Duration;
/// use verso_sqlite::{SqliteDriver, SqliteOptions, Synchronous};
///
/// let options = SqliteOptions::new()
///     .readers(8)
///     .busy_timeout(Duration::from_secs(30))
///     .synchronous(Synchronous::Full);
/// let driver = SqliteDriver::open_with("app.db", &options)?;
/// # Ok::<(), verso_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteOptions {
    pub(crate) readers: usize,
    pub(crate) busy_timeout: Duration,
    pub(crate) synchronous: Synchronous,
    pub(crate) statement_cache_capacity: usize,
}

/// SQLite's `synchronous` setting: how hard a commit waits for the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synchronous {
    /// `NORMAL` (the default): in WAL mode a commit is atomic and the
    /// database never corrupts, but the last commits before a power loss
    /// (not a process crash) may roll back.
    Normal,
    /// `FULL`: every commit is on disk before it returns.
    Full,
}

impl Synchronous {
    pub(crate) fn pragma(self) -> &'static str {
        match self {
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
        }
    }
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            readers: 4,
            busy_timeout: Duration::from_secs(10),
            synchronous: Synchronous::Normal,
            statement_cache_capacity: 256,
        }
    }
}

impl SqliteOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Connections that serve reads (loads and lookups) beside the one
    /// that writes, so reads run in parallel with each other and with a
    /// commit (WAL mode allows it). Default 4; 0 sends every read through
    /// the writing connection. An in-memory database has only one.
    pub fn readers(mut self, readers: usize) -> Self {
        self.readers = readers;
        self
    }

    /// How long a statement waits for another connection's lock before it
    /// fails with a retryable [`DbErrorKind::Busy`](verso_core::DbErrorKind::Busy)
    /// error. Default 10 s.
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// How hard a commit waits for the disk (default [`Synchronous::Normal`]).
    pub fn synchronous(mut self, synchronous: Synchronous) -> Self {
        self.synchronous = synchronous;
        self
    }

    /// Prepared statements kept per connection (default 256).
    pub fn statement_cache_capacity(mut self, capacity: usize) -> Self {
        self.statement_cache_capacity = capacity;
        self
    }
}
