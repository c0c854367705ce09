//! Opening a store from a database URL.

use crate::Store;
use verso_core::{Error, Result};

impl Store {
    /// Opens the store a URL names:
    ///
    /// | URL | backend |
    /// |---|---|
    /// | `sqlite:path/to/file.db` or `sqlite://path/to/file.db` | SQLite file (created if missing) |
    /// | `sqlite::memory:` | private in-memory SQLite database |
    /// | `postgres://user@host:port/db` (or `postgresql://`) | PostgreSQL |
    /// | `memory:` | Verso's in-memory store, no database |
    pub async fn open(url: &str) -> Result<Store> {
        if url == "memory:" {
            return Ok(Store::memory());
        }
        #[cfg(feature = "sqlite")]
        if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            let driver = if path == ":memory:" {
                verso_sqlite::SqliteDriver::open_in_memory()?
            } else {
                verso_sqlite::SqliteDriver::open(path)?
            };
            return Ok(Store::with_driver(driver));
        }
        #[cfg(feature = "postgres")]
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let driver = verso_postgres::PostgresDriver::connect(url).await?;
            return Ok(Store::with_driver(driver));
        }
        Err(Error::UnsupportedUrl { url: url.into() })
    }

    /// Verso's in-memory store.
    pub fn memory() -> Store {
        Store::with_driver(verso_memory::MemoryDriver::new())
    }
}
