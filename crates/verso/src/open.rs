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
        #[cfg(not(feature = "postgres"))]
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Err(Error::BackendNotBuilt {
                url: url.into(),
                feature: "postgres",
            });
        }
        Err(Error::UnsupportedUrl { url: url.into() })
    }

    /// Verso's in-memory store.
    pub fn memory() -> Store {
        Store::with_driver(verso_memory::MemoryDriver::new())
    }
}

#[cfg(all(test, not(feature = "postgres")))]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_postgres_url_without_the_postgres_feature_names_the_feature() {
        match Store::open("postgres://postgres@127.0.0.1:5432/test").await {
            Err(Error::BackendNotBuilt { feature, .. }) => assert_eq!(feature, "postgres"),
            other => panic!("expected BackendNotBuilt, got {:?}", other.map(|_| ())),
        }
    }
}
