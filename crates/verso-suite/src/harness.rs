//! Stores on every backend, for the scenarios.

use std::path::PathBuf;
use verso::Store;

/// The backends the suite runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Verso's in-memory store.
    Memory,
    /// SQLite in memory.
    SqliteMemory,
    /// SQLite in a temporary file (WAL mode).
    SqliteFile,
    /// PostgreSQL, each test in its own schema.
    Postgres,
}

/// The environment variable naming the PostgreSQL server for tests.
pub const POSTGRES_URL_VAR: &str = "VERSO_POSTGRES_URL";
/// When set to `1`, a PostgreSQL server that cannot be reached fails the
/// PostgreSQL tests instead of skipping them (CI sets it).
pub const REQUIRE_POSTGRES_VAR: &str = "VERSO_REQUIRE_POSTGRES";
const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The URL of the test server.
pub fn postgres_url() -> String {
    std::env::var(POSTGRES_URL_VAR).unwrap_or_else(|_| DEFAULT_POSTGRES_URL.into())
}

/// A store for one test, and what to clean up after it.
pub struct Harness {
    /// The store under test.
    pub store: Store,
    cleanup: Cleanup,
}

enum Cleanup {
    Nothing,
    File(PathBuf),
    Schema(String),
}

impl Harness {
    /// A fresh, empty store on `backend`; `None` (after a loud message) when
    /// PostgreSQL is unreachable and not required.
    pub async fn start(backend: Backend) -> Option<Harness> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let (store, cleanup) = match backend {
            Backend::Memory => (Store::memory(), Cleanup::Nothing),
            Backend::SqliteMemory => (
                Store::open("sqlite::memory:")
                    .await
                    .expect("in-memory SQLite"),
                Cleanup::Nothing,
            ),
            Backend::SqliteFile => {
                let path = std::env::temp_dir().join(format!("verso-test-{id}.db"));
                let url = format!("sqlite:{}", path.display());
                (
                    Store::open(&url).await.expect("SQLite file"),
                    Cleanup::File(path),
                )
            }
            Backend::Postgres => {
                let schema = format!("verso_t_{id}");
                let url = postgres_url();
                match verso::drivers::PostgresDriver::connect_in_schema(&url, &schema).await {
                    Ok(driver) => (Store::with_driver(driver), Cleanup::Schema(schema)),
                    Err(error) => return postgres_unreachable(&url, error),
                }
            }
        };
        Some(Harness { store, cleanup })
    }

    /// A URL another process (the `verso` command-line tool) can open to
    /// read this store: `sqlite:PATH` for a file, the server URL with the
    /// test's schema as `search_path` for PostgreSQL; `None` for stores
    /// that live in this process only.
    pub fn database_url(&self) -> Option<String> {
        match &self.cleanup {
            Cleanup::Nothing => None,
            Cleanup::File(path) => Some(format!("sqlite:{}", path.display())),
            Cleanup::Schema(schema) => {
                let url = postgres_url();
                let separator = if url.contains('?') { '&' } else { '?' };
                Some(format!("{url}{separator}options[search_path]={schema}"))
            }
        }
    }

    /// Removes what the test left behind.
    pub async fn finish(self) {
        let Harness { store, cleanup } = self;
        drop(store);
        match cleanup {
            Cleanup::Nothing => {}
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut file = path.clone().into_os_string();
                    file.push(suffix);
                    let _ = std::fs::remove_file(file);
                }
            }
            Cleanup::Schema(schema) => {
                if let Ok(pool) = sqlx::PgPool::connect(&postgres_url()).await {
                    let drop = format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
                    let _ = sqlx::query(sqlx::AssertSqlSafe(drop)).execute(&pool).await;
                    pool.close().await;
                }
            }
        }
    }
}

fn postgres_unreachable(url: &str, error: verso::Error) -> Option<Harness> {
    if std::env::var(REQUIRE_POSTGRES_VAR).as_deref() == Ok("1") {
        panic!(
            "PostgreSQL is required ({REQUIRE_POSTGRES_VAR}=1) but {url} is unreachable: {error}"
        );
    }
    eprintln!(
        "\n!!! SKIPPED: PostgreSQL test, server {url} unreachable ({error}).\n\
         !!! Set {POSTGRES_URL_VAR} to a reachable server, or {REQUIRE_POSTGRES_VAR}=1 to fail instead.\n"
    );
    None
}
