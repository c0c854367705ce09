//! Connection settings of a [`PostgresDriver`](crate::PostgresDriver).

use std::time::Duration;

/// How a [`PostgresDriver`](crate::PostgresDriver) connects: the pool's
/// size and timeouts, the schema its tables live in, the prepared-statement
/// cache of each connection. Every setting has the default
/// [`connect`](crate::PostgresDriver::connect) uses.
///
/// ```no_run
/// # async fn demo() -> verso_core::Result<()> {
/// use std::time::Duration;
/// use verso_postgres::{PostgresDriver, PostgresOptions};
///
/// let options = PostgresOptions::new("postgres://app@db.example.com/app?sslmode=require")
///     .schema("verso")
///     .max_connections(20)
///     .acquire_timeout(Duration::from_secs(5));
/// let driver = PostgresDriver::connect_with(&options).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresOptions {
    pub(crate) url: String,
    pub(crate) schema: Option<String>,
    pub(crate) max_connections: u32,
    pub(crate) min_connections: u32,
    pub(crate) connect_timeout: Duration,
    pub(crate) acquire_timeout: Duration,
    pub(crate) statement_cache_capacity: usize,
}

impl PostgresOptions {
    /// The defaults, for the server at `url`
    /// (`postgres://user:pass@host:port/db?sslmode=...`).
    pub fn new(url: impl Into<String>) -> Self {
        PostgresOptions {
            url: url.into(),
            schema: None,
            max_connections: 10,
            min_connections: 0,
            connect_timeout: Duration::from_secs(10),
            acquire_timeout: Duration::from_secs(30),
            statement_cache_capacity: 256,
        }
    }

    /// Keeps every table in `schema` (created if missing): each pooled
    /// connection sets its `search_path` to it. Without it, the server's
    /// default search path decides.
    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = Some(schema.into());
        self
    }

    /// At most this many connections at once (default 10).
    pub fn max_connections(mut self, max: u32) -> Self {
        self.max_connections = max;
        self
    }

    /// At least this many connections kept open (default 0).
    pub fn min_connections(mut self, min: u32) -> Self {
        self.min_connections = min;
        self
    }

    /// How long the first connection may take before the server counts as
    /// unreachable (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long an operation waits for a free pooled connection before it
    /// fails with a retryable `ConnectionLost` error (default 30 s).
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// Prepared statements kept per connection (default 256; 0 turns the
    /// cache off, as a transaction-mode pooler such as PgBouncer needs).
    pub fn statement_cache_capacity(mut self, capacity: usize) -> Self {
        self.statement_cache_capacity = capacity;
        self
    }
}
