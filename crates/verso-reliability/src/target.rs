//! Where a part writes: a fresh SQLite file or a fresh PostgreSQL schema,
//! described so that another process can open the same store.

use std::path::PathBuf;
use verso::Store;

/// The environment variable naming the PostgreSQL server for tests.
pub const POSTGRES_URL_VAR: &str = "VERSO_POSTGRES_URL";
/// When set to `1`, a PostgreSQL server that cannot be reached fails the
/// PostgreSQL parts instead of skipping them (CI sets it).
pub const REQUIRE_POSTGRES_VAR: &str = "VERSO_REQUIRE_POSTGRES";
const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The URL of the shared test server.
pub fn postgres_url() -> String {
    std::env::var(POSTGRES_URL_VAR).unwrap_or_else(|_| DEFAULT_POSTGRES_URL.into())
}

/// The backends a part can run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file (WAL mode), one connection per store.
    SqliteFile,
    /// A PostgreSQL schema, one pool per store.
    Postgres,
}

impl Backend {
    /// The name used in figures tables.
    pub fn name(self) -> &'static str {
        match self {
            Backend::SqliteFile => "SQLite file",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// An opened store's location: every writer, task or process, opens its
/// own store on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An SQLite database file.
    SqliteFile(PathBuf),
    /// A schema of a PostgreSQL database.
    Postgres {
        /// Server URL.
        url: String,
        /// Schema holding the tables.
        schema: String,
    },
}

impl Target {
    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        match self {
            Target::SqliteFile(_) => Backend::SqliteFile,
            Target::Postgres { .. } => Backend::Postgres,
        }
    }

    /// Opens a new store (its own connection or pool) on the target.
    pub async fn open(&self) -> verso::Result<Store> {
        match self {
            Target::SqliteFile(path) => Store::open(&format!("sqlite:{}", path.display())).await,
            Target::Postgres { url, schema } => {
                let driver = verso::drivers::PostgresDriver::connect_in_schema(url, schema).await?;
                Ok(Store::with_driver(driver))
            }
        }
    }

    /// The same target, its PostgreSQL sessions named `name` (their
    /// `application_name`, seen in `pg_stat_activity`); an SQLite target
    /// is returned as it is.
    pub fn with_session_name(&self, name: &str) -> Target {
        match self {
            Target::SqliteFile(_) => self.clone(),
            Target::Postgres { url, schema } => {
                let separator = if url.contains('?') { '&' } else { '?' };
                Target::Postgres {
                    url: format!("{url}{separator}application_name={name}"),
                    schema: schema.clone(),
                }
            }
        }
    }

    /// The command-line arguments that name this target to a worker
    /// process (see [`Target::from_args`]).
    pub fn to_args(&self) -> Vec<String> {
        match self {
            Target::SqliteFile(path) => vec!["--sqlite".into(), path.display().to_string()],
            Target::Postgres { url, schema } => vec![
                "--postgres".into(),
                url.clone(),
                "--schema".into(),
                schema.clone(),
            ],
        }
    }

    /// The target named by a worker's arguments.
    pub fn from_args(
        sqlite: Option<PathBuf>,
        postgres: Option<String>,
        schema: Option<String>,
    ) -> Result<Target, String> {
        match (sqlite, postgres, schema) {
            (Some(path), None, None) => Ok(Target::SqliteFile(path)),
            (None, Some(url), Some(schema)) => Ok(Target::Postgres { url, schema }),
            _ => Err("name either --sqlite PATH or --postgres URL --schema NAME".into()),
        }
    }
}

/// A fresh, empty target for one run, removed by [`Scratch::finish`]
/// (an SQLite file is also removed when the scratch is dropped).
#[derive(Debug)]
pub struct Scratch {
    target: Target,
}

impl Scratch {
    /// A fresh target on `backend`; `None` (after a loud message) when
    /// PostgreSQL is unreachable and not required.
    pub async fn new(backend: Backend) -> Option<Scratch> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let target = match backend {
            Backend::SqliteFile => {
                Target::SqliteFile(std::env::temp_dir().join(format!("verso-rel-{id}.db")))
            }
            Backend::Postgres => {
                let url = postgres_url();
                let target = Target::Postgres {
                    url: url.clone(),
                    schema: format!("verso_rel_{id}"),
                };
                if let Err(error) = target.open().await {
                    postgres_unreachable(&url, &error);
                    return None;
                }
                target
            }
        };
        Some(Scratch { target })
    }

    /// The target.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Removes the file or drops the schema.
    pub async fn finish(self) {
        if let Target::Postgres { url, schema } = &self.target {
            drop_schema(url, schema).await;
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Target::SqliteFile(path) = &self.target {
            for suffix in ["", "-wal", "-shm"] {
                let mut file = path.clone().into_os_string();
                file.push(suffix);
                let _ = std::fs::remove_file(file);
            }
        }
    }
}

/// Waits until no PostgreSQL session named `name` is left on the server
/// of `url` (a killed client's server process may still be finishing its
/// transaction), for at most `limit`. Returns whether none is left.
pub async fn wait_for_sessions_to_end(url: &str, name: &str, limit: std::time::Duration) -> bool {
    let Ok(pool) = sqlx::PgPool::connect(url).await else {
        return false;
    };
    let started = std::time::Instant::now();
    let mut ended = false;
    while started.elapsed() < limit {
        let left: Result<i64, _> =
            sqlx::query_scalar("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1")
                .bind(name)
                .fetch_one(&pool)
                .await;
        if left.is_ok_and(|left| left == 0) {
            ended = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    pool.close().await;
    ended
}

/// `DROP SCHEMA ... CASCADE`, best effort.
async fn drop_schema(url: &str, schema: &str) {
    if let Ok(pool) = sqlx::PgPool::connect(url).await {
        let drop = format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
        let _ = sqlx::query(sqlx::AssertSqlSafe(drop)).execute(&pool).await;
        pool.close().await;
    }
}

/// Fails (when required) or skips loudly, with the wording of the
/// behaviour suite's harness.
fn postgres_unreachable(url: &str, error: &verso::Error) {
    if std::env::var(REQUIRE_POSTGRES_VAR).as_deref() == Ok("1") {
        panic!(
            "PostgreSQL is required ({REQUIRE_POSTGRES_VAR}=1) but {url} is unreachable: {error}"
        );
    }
    eprintln!(
        "\n!!! SKIPPED: PostgreSQL test, server {url} unreachable ({error}).\n\
         !!! Set {POSTGRES_URL_VAR} to a reachable server, or {REQUIRE_POSTGRES_VAR}=1 to fail instead.\n"
    );
}
