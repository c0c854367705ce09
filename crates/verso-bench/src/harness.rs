//! What the bench binaries share: the command line and environment, fresh
//! databases (a SQLite file in a temporary directory, a PostgreSQL schema)
//! with a Verso store on each, and the hand-written baseline of either
//! backend behind one type.

use crate::lists::{Change, StoredList};
use crate::model::{ChatThread, Tick};
use crate::plain::{PlainMessage, PlainThread, PlainTick, VersionRow};
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use uuid::Uuid;
use verso::Store;

/// Errors of the harness.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// Where PostgreSQL is unless `VERSO_POSTGRES_URL` says otherwise.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The command line after `--`: backend names (`sqlite`, `postgres`),
/// section names, sizes and `long`; anything else (cargo's `--bench`) is
/// ignored.
#[derive(Clone, Debug, Default)]
pub struct Args {
    /// Backends asked for (all when empty).
    pub backends: Vec<String>,
    /// Sections asked for (all when empty).
    pub sections: Vec<String>,
    /// Sizes asked for (the defaults when empty).
    pub sizes: Vec<usize>,
    /// `long`, or `VERSO_BENCH_LONG` set: the long variant of the growth
    /// run (10,000 turns).
    pub long: bool,
    /// The words given, for the report.
    pub words: Vec<String>,
}

/// The sections of the two bench binaries.
pub const SECTIONS: [&str; 4] = ["edit", "growth", "lookups", "ingest"];

impl Args {
    /// Reads the command line and `VERSO_BENCH_LONG`.
    pub fn parse() -> Args {
        let mut args = Args {
            long: std::env::var_os("VERSO_BENCH_LONG").is_some_and(|v| v != "0" && !v.is_empty()),
            ..Args::default()
        };
        for word in std::env::args().skip(1).filter(|a| !a.starts_with("--")) {
            let word = word.to_lowercase();
            if let Ok(size) = word.replace([',', '_'], "").parse::<usize>() {
                args.sizes.push(size);
            } else if word == "sqlite" || word.starts_with("postgres") {
                args.backends.push(word.clone());
            } else if SECTIONS.contains(&word.as_str()) {
                args.sections.push(word.clone());
            } else if word == "long" {
                args.long = true;
            } else {
                eprintln!("ignoring unknown argument {word:?}");
                continue;
            }
            args.words.push(word);
        }
        args
    }

    /// Whether `backend` (`"sqlite"`, `"postgres"`) is to run.
    pub fn wants_backend(&self, backend: &str) -> bool {
        self.backends.is_empty()
            || self
                .backends
                .iter()
                .any(|b| backend.starts_with(b.as_str()))
    }

    /// Whether `section` is to run.
    pub fn wants_section(&self, section: &str) -> bool {
        self.sections.is_empty() || self.sections.iter().any(|s| s == section)
    }
}

/// A list of sizes from the environment variable `name` (`"10,1000"`), or
/// `default`.
pub fn env_sizes(name: &str, default: &[usize]) -> Vec<usize> {
    match std::env::var(name) {
        Ok(text) if !text.trim().is_empty() => text
            .split([',', ' '])
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.replace('_', "")
                    .parse()
                    .unwrap_or_else(|_| panic!("{name}: {s:?} is not a size"))
            })
            .collect(),
        _ => default.to_vec(),
    }
}

/// A size from the environment variable `name`, or `default`.
pub fn env_size(name: &str, default: usize) -> usize {
    env_sizes(name, &[default])[0]
}

/// Whether `VERSO_BENCH_QUICK` is set: fewer iterations everywhere.
pub fn quick() -> bool {
    std::env::var_os("VERSO_BENCH_QUICK").is_some_and(|v| v != "0" && !v.is_empty())
}

/// The backend a [`Site`] is on.
#[derive(Clone, Debug)]
pub enum Backend {
    /// A SQLite file in a fresh temporary directory.
    Sqlite,
    /// A fresh schema in the PostgreSQL database at this URL.
    Postgres(String),
}

impl Backend {
    /// `"SQLite"` or `"PostgreSQL"`.
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres(_) => "PostgreSQL",
        }
    }

    /// The PostgreSQL URL of `VERSO_POSTGRES_URL`, or the default.
    pub fn postgres_url() -> String {
        std::env::var("VERSO_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.into())
    }
}

/// A fresh database (SQLite file or PostgreSQL schema) holding the
/// benchmark's tables, created by Verso, with a Verso store on it.
pub struct Site {
    /// The backend.
    pub backend: Backend,
    /// Verso on this database.
    pub store: Store,
    place: Place,
}

enum Place {
    #[cfg(feature = "sqlite")]
    File { dir: PathBuf, path: PathBuf },
    #[cfg(feature = "postgres")]
    Schema { url: String, schema: String },
}

impl Site {
    /// Creates the database `name` (removing what a previous run left) and
    /// registers the benchmark's types, so their tables exist.
    pub async fn open(backend: &Backend, name: &str) -> Result<Site, Error> {
        let tag = format!("{}_{}", std::process::id(), name);
        let (store, place) = match backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("verso-bench-{tag}"));
                let _ = std::fs::remove_dir_all(&dir);
                std::fs::create_dir_all(&dir)?;
                let path = dir.join("bench.db");
                let store = Store::open(&format!("sqlite:{}", path.display())).await?;
                (store, Place::File { dir, path })
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres(url) => {
                use crate::baseline_postgres::{schema_pool, session_settings};
                let schema = format!("verso_bench_{tag}");
                drop_schema(url, &schema).await;
                // Verso's own connection setup (which creates the schema),
                // or, when a setting is asked for, the same pool with it.
                let driver =
                    verso::drivers::PostgresDriver::connect_in_schema(url, &schema).await?;
                let settings = session_settings();
                let driver = if settings.len() > 1 {
                    drop(driver);
                    verso::drivers::PostgresDriver::from_pool(
                        schema_pool(url, &schema, &settings, 10).await?,
                    )
                } else {
                    driver
                };
                let place = Place::Schema {
                    url: url.clone(),
                    schema,
                };
                (Store::with_driver(driver), place)
            }
            #[allow(unreachable_patterns)]
            other => return Err(format!("{} is not built in", other.name()).into()),
        };
        store.register::<ChatThread>().await?;
        store.register::<Tick>().await?;
        Ok(Site {
            backend: backend.clone(),
            store,
            place,
        })
    }

    /// The SQLite file of this site (`None` on PostgreSQL).
    pub fn sqlite_path(&self) -> Option<&Path> {
        match &self.place {
            #[cfg(feature = "sqlite")]
            Place::File { path, .. } => Some(path),
            #[cfg(feature = "postgres")]
            Place::Schema { .. } => None,
        }
    }

    /// The PostgreSQL URL and schema of this site (`None` on SQLite).
    pub fn postgres_schema(&self) -> Option<(&str, &str)> {
        match &self.place {
            #[cfg(feature = "sqlite")]
            Place::File { .. } => None,
            #[cfg(feature = "postgres")]
            Place::Schema { url, schema } => Some((url, schema)),
        }
    }

    /// A hand-written baseline on this database, through the backend's
    /// driver crate.
    pub async fn baseline(&self) -> Result<AnyBaseline, Error> {
        match &self.place {
            #[cfg(feature = "sqlite")]
            Place::File { path, .. } => Ok(AnyBaseline::Sqlite(
                crate::baseline_sqlite::SqliteBaseline::open(path)?,
            )),
            #[cfg(feature = "postgres")]
            Place::Schema { url, schema } => Ok(AnyBaseline::Postgres(
                crate::baseline_postgres::PostgresBaseline::connect(url, schema).await?,
            )),
        }
    }

    /// A second Verso store on this database for building large fixtures
    /// fast: on PostgreSQL its connections commit with
    /// `synchronous_commit = off` (nothing timed runs through it); on
    /// SQLite there is no need (`None`: use [`store`](Self::store)).
    pub async fn setup_store(&self) -> Result<Option<Store>, Error> {
        match &self.place {
            #[cfg(feature = "sqlite")]
            Place::File { .. } => Ok(None),
            #[cfg(feature = "postgres")]
            Place::Schema { url, schema } => {
                let settings = [
                    ("jit", "off".to_string()),
                    ("synchronous_commit", "off".to_string()),
                ];
                let pool = crate::baseline_postgres::schema_pool(url, schema, &settings, 2).await?;
                let store = Store::with_driver(verso::drivers::PostgresDriver::from_pool(pool));
                store.register::<ChatThread>().await?;
                store.register::<Tick>().await?;
                Ok(Some(store))
            }
        }
    }

    /// After building a fixture: `VACUUM ANALYZE` of the PostgreSQL
    /// schema's tables, as autovacuum would do in time (it is off on some
    /// test servers); nothing on SQLite. Returns whether it ran.
    pub async fn vacuum_analyze(&self) -> Result<bool, Error> {
        match &self.place {
            #[cfg(feature = "sqlite")]
            Place::File { .. } => Ok(false),
            #[cfg(feature = "postgres")]
            Place::Schema { url, schema } => {
                crate::baseline_postgres::vacuum_analyze(url, schema).await?;
                Ok(true)
            }
        }
    }

    /// Removes the database (the SQLite directory, the PostgreSQL schema)
    /// unless `VERSO_BENCH_KEEP_SCHEMA` is set.
    pub async fn close(self) {
        let Site { store, place, .. } = self;
        drop(store);
        match place {
            #[cfg(feature = "sqlite")]
            Place::File { dir, path } => {
                if std::env::var_os("VERSO_BENCH_KEEP_SCHEMA").is_some() {
                    eprintln!("kept {} (VERSO_BENCH_KEEP_SCHEMA is set)", path.display());
                } else {
                    let _ = std::fs::remove_dir_all(dir);
                }
            }
            #[cfg(feature = "postgres")]
            Place::Schema { url, schema } => {
                if std::env::var_os("VERSO_BENCH_KEEP_SCHEMA").is_some() {
                    eprintln!("kept schema {schema} (VERSO_BENCH_KEEP_SCHEMA is set)");
                } else {
                    drop_schema(&url, &schema).await;
                }
            }
        }
    }
}

/// `DROP SCHEMA ... CASCADE`, reporting (not failing on) errors.
#[cfg(feature = "postgres")]
pub async fn drop_schema(url: &str, schema: &str) {
    use sqlx::{Connection, Executor};
    let Ok(mut conn) = sqlx::PgConnection::connect(url).await else {
        eprintln!("could not connect to drop schema {schema}");
        return;
    };
    if let Err(error) = conn
        .execute(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"
        )))
        .await
    {
        eprintln!("could not drop schema {schema}: {error}");
    }
    let _ = conn.close().await;
}

/// The server's version, or why it cannot be reached (within 5 s).
#[cfg(feature = "postgres")]
pub async fn postgres_version(url: &str) -> Result<String, Error> {
    use sqlx::Connection;
    let mut conn = tokio::time::timeout(Duration::from_secs(5), sqlx::PgConnection::connect(url))
        .await
        .map_err(|_| "no answer within 5 s")??;
    let mut show = Vec::new();
    for setting in [
        "server_version",
        "synchronous_commit",
        "fsync",
        "autovacuum",
    ] {
        let value: String = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SHOW {setting}")))
            .fetch_one(&mut conn)
            .await?;
        show.push(value);
    }
    conn.close().await?;
    let measured = match std::env::var("VERSO_BENCH_PG_SYNCHRONOUS_COMMIT") {
        Ok(value) if !value.is_empty() => format!(
            "; the measured connections set synchronous_commit = {value} \
             (`VERSO_BENCH_PG_SYNCHRONOUS_COMMIT`)"
        ),
        _ => String::new(),
    };
    Ok(format!(
        "PostgreSQL {} on {} (server settings: synchronous_commit = {}, fsync = {}, \
         autovacuum = {}{measured})",
        show[0],
        redact(url),
        show[1],
        show[2],
        show[3]
    ))
}

/// The backends to run, with a note per backend for the report; a
/// PostgreSQL server that cannot be reached (or a backend not built in) is
/// skipped with a loud banner.
pub async fn backends(args: &Args, notes: &mut Vec<String>) -> Vec<Backend> {
    let mut out = Vec::new();
    if args.wants_backend("sqlite") {
        if cfg!(feature = "sqlite") {
            notes.push(format!(
                "SQLite {} (bundled, WAL, synchronous=NORMAL), a file in {}",
                rusqlite::version(),
                std::env::temp_dir().display()
            ));
            out.push(Backend::Sqlite);
        } else {
            skipped(notes, "SQLite", "the `sqlite` feature is off");
        }
    }
    if args.wants_backend("postgres") {
        #[cfg(feature = "postgres")]
        {
            let url = Backend::postgres_url();
            match postgres_version(&url).await {
                Ok(version) => {
                    notes.push(version);
                    out.push(Backend::Postgres(url));
                }
                Err(error) => skipped(
                    notes,
                    "PostgreSQL",
                    &format!("{} is unreachable: {error}", redact(&url)),
                ),
            }
        }
        #[cfg(not(feature = "postgres"))]
        skipped(notes, "PostgreSQL", "the `postgres` feature is off");
    }
    out
}

fn skipped(notes: &mut Vec<String>, backend: &str, why: &str) {
    let line = format!("**SKIPPED {backend}**: {why}");
    eprintln!("\n{}\n!!! {line}\n{}\n", "!".repeat(78), "!".repeat(78));
    notes.push(line);
}

/// The URL without its password.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// `target/<name>`, `target` being the directory the bench binary was
/// built in (`target/release/deps/<bench>-*`).
pub fn results_path(name: &str) -> PathBuf {
    let target = std::env::current_exe()
        .ok()
        .and_then(|exe| {
            exe.ancestors()
                .find(|dir| dir.file_name().is_some_and(|name| name == "deps"))
                .and_then(|deps| deps.parent()?.parent())
                .map(Path::to_path_buf)
        })
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join(name)
}

/// Runs `future` as a task of the multi-threaded runtime (where Verso's
/// SQLite driver runs its statements in place), re-raising its panic.
pub async fn in_task<T: Send + 'static>(
    future: impl std::future::Future<Output = T> + Send + 'static,
) -> T {
    tokio::spawn(future)
        .await
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic.into_panic()))
}

/// Times `f`.
pub async fn timed<T>(f: impl std::future::Future<Output = T>) -> (Duration, T) {
    let start = Instant::now();
    let out = f.await;
    (start.elapsed(), out)
}

/// The hand-written baseline of either backend.
pub enum AnyBaseline {
    /// rusqlite.
    #[cfg(feature = "sqlite")]
    Sqlite(crate::baseline_sqlite::SqliteBaseline),
    /// sqlx.
    #[cfg(feature = "postgres")]
    Postgres(crate::baseline_postgres::PostgresBaseline),
}

/// Calls the same method on either baseline, awaiting the PostgreSQL one.
macro_rules! dispatch {
    ($self:expr, $b:ident => $call:expr) => {
        match $self {
            #[cfg(feature = "sqlite")]
            AnyBaseline::Sqlite($b) => $call,
            #[cfg(feature = "postgres")]
            AnyBaseline::Postgres($b) => $call.await,
        }
    };
}

impl AnyBaseline {
    /// Statements sent and rows written so far.
    pub fn counts(&self) -> (u64, u64) {
        match self {
            #[cfg(feature = "sqlite")]
            AnyBaseline::Sqlite(b) => (b.statements, b.rows_written),
            #[cfg(feature = "postgres")]
            AnyBaseline::Postgres(b) => (b.statements, b.rows_written),
        }
    }

    /// How this backend's list entries read back as text, for
    /// [`assert_stored_list`](crate::lists::assert_stored_list).
    pub fn entries_text(&self) -> fn(&[Uuid]) -> String {
        match self {
            #[cfg(feature = "sqlite")]
            AnyBaseline::Sqlite(_) => crate::lists::id_array_text,
            #[cfg(feature = "postgres")]
            AnyBaseline::Postgres(_) => crate::lists::uuid_array_literal,
        }
    }

    /// Bytes the database stores: the checkpointed SQLite file, or the
    /// schema's tables.
    pub async fn bytes(&mut self) -> Result<u64, Error> {
        dispatch!(self, b => b.stored_bytes())
    }

    /// Loads a thread version with its messages.
    pub async fn load(&mut self, ecs_id: Uuid) -> Result<PlainThread, Error> {
        dispatch!(self, b => b.load_thread(ecs_id))
    }

    /// Stores the first version of a thread and of its messages.
    pub async fn commit_new(&mut self, thread: &mut PlainThread) -> Result<(), Error> {
        dispatch!(self, b => b.commit_new_thread(thread))
    }

    /// Stores the edit of message `index`.
    pub async fn commit_edit(
        &mut self,
        thread: &mut PlainThread,
        index: usize,
    ) -> Result<(), Error> {
        dispatch!(self, b => b.commit_edited_message(thread, index))
    }

    /// Stores `message` appended to the thread.
    pub async fn commit_append(
        &mut self,
        thread: &mut PlainThread,
        message: PlainMessage,
    ) -> Result<(), Error> {
        dispatch!(self, b => b.commit_appended_message(thread, message))
    }

    /// The stored list of a thread version (cross-check).
    pub async fn stored_list(&mut self, ecs_id: Uuid) -> Result<StoredList, Error> {
        dispatch!(self, b => b.stored_list(ecs_id))
    }

    /// The stored list changes of a thread version (cross-check).
    pub async fn stored_changes(&mut self, ecs_id: Uuid) -> Result<Vec<Change>, Error> {
        dispatch!(self, b => b.stored_changes(ecs_id))
    }

    /// The newest tick of a lineage, at or before `at` if given.
    pub async fn newest_tick(
        &mut self,
        lineage_id: Uuid,
        at: Option<DateTime<Utc>>,
    ) -> Result<PlainTick, Error> {
        dispatch!(self, b => b.newest_tick(lineage_id, at))
    }

    /// The heads of a tick lineage.
    pub async fn tick_heads(&mut self, lineage_id: Uuid) -> Result<Vec<PlainTick>, Error> {
        dispatch!(self, b => b.tick_heads(lineage_id))
    }

    /// One page of a tick lineage's versions.
    pub async fn tick_versions_page(
        &mut self,
        lineage_id: Uuid,
        after: Option<(DateTime<Utc>, i64)>,
        limit: u64,
    ) -> Result<Vec<VersionRow>, Error> {
        dispatch!(self, b => b.tick_versions_page(lineage_id, after, limit))
    }

    /// The earlier version ids of a tick version, oldest first.
    pub async fn tick_old_ids(&mut self, ecs_id: Uuid) -> Result<Vec<Uuid>, Error> {
        dispatch!(self, b => b.tick_old_ids(ecs_id))
    }

    /// Closes the connection(s).
    pub async fn close(self) {
        match self {
            #[cfg(feature = "sqlite")]
            AnyBaseline::Sqlite(b) => drop(b),
            #[cfg(feature = "postgres")]
            AnyBaseline::Postgres(b) => b.close().await,
        }
    }
}
