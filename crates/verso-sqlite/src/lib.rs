//! Verso's SQLite driver, on [rusqlite].
//!
//! rusqlite was chosen over sqlx's SQLite driver by measurement: sqlx runs
//! every SQLite connection on a worker thread and pays a channel round trip
//! (about 40 µs) per statement, rusqlite calls SQLite directly (under 1 µs).
//! The driver writes through one connection behind a mutex and reads
//! through a few more (WAL mode lets readers run beside the writer and
//! each other, see [`SqliteOptions::readers`]); each whole commit or load
//! runs on tokio's blocking pool, so async callers never block.
//!
//! Files are opened in WAL mode with `synchronous=NORMAL` and a busy
//! timeout (both settable, [`SqliteOptions`]); write transactions start
//! with `BEGIN IMMEDIATE`.

#![warn(missing_docs)]

mod batch;
mod census;
mod commit;
mod commits;
mod connect;
mod decode;
mod dialect;
mod encode;
mod ensure;
mod error;
mod load;
mod options;
mod query;
#[cfg(test)]
mod query_plans;
mod sql;
mod transaction;
mod upgrade;

pub use options::{SqliteOptions, Synchronous};

use async_trait::async_trait;
use rusqlite::Connection;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use uuid::Uuid;
use verso_core::{
    CatalogEntry, CommitPlan, Driver, EntityQuery, EntityType, Error, GainedChild, Instrument,
    LineageSummary, LoadRequest, LoadedRows, Lookup, Result, RowMeta, TypeCounts, UpgradeReport,
    VersionQuery,
};

/// A Verso store in an SQLite database file or in memory.
///
/// ```
/// # tokio_test_block_on(async {
/// let driver = verso_sqlite::SqliteDriver::open_in_memory()?;
/// # Ok::<(), verso_core::Error>(()) });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f) }
/// ```
pub struct SqliteDriver {
    connection: Arc<Mutex<Connection>>,
    /// Connections for reads; empty when reads go through `connection`
    /// (an in-memory database, a read-only open, or `readers(0)`).
    readers: Arc<Vec<Mutex<Connection>>>,
    /// Which reader a read waits for when all are busy (round robin).
    next_reader: Arc<AtomicUsize>,
    instrument: Arc<Instrument>,
    /// In a transaction's view ([`Driver::begin`]): the transaction, on
    /// which every statement runs.
    session: Option<Arc<transaction::Session>>,
}

impl SqliteDriver {
    /// Opens (creating if needed) the database file at `path`, with the
    /// default [`SqliteOptions`].
    pub fn open(path: impl AsRef<std::path::Path>) -> Result<Self> {
        Self::open_with(path, &SqliteOptions::default())
    }

    /// Opens (creating if needed) the database file at `path` as `options`
    /// say: readers beside the writer, busy timeout, `synchronous`,
    /// statement cache.
    pub fn open_with(path: impl AsRef<std::path::Path>, options: &SqliteOptions) -> Result<Self> {
        let path = path.as_ref();
        let mut driver = Self::wrap(connect::open_file(path, options)?);
        let readers = (0..options.readers)
            .map(|_| connect::open_reader(path, options).map(Mutex::new))
            .collect::<Result<Vec<_>>>()?;
        driver.readers = Arc::new(readers);
        Ok(driver)
    }

    /// Opens the existing database file at `path` for reading only: the
    /// file is never created nor changed (its journal mode included), and
    /// every write fails. For tools that inspect a store.
    pub fn open_read_only(path: impl AsRef<std::path::Path>) -> Result<Self> {
        Ok(Self::wrap(connect::open_read_only(path.as_ref())?))
    }

    /// Opens a private in-memory database, gone when the driver is dropped.
    pub fn open_in_memory() -> Result<Self> {
        Ok(Self::wrap(connect::open_memory()?))
    }

    fn wrap(connection: Connection) -> Self {
        SqliteDriver {
            connection: Arc::new(Mutex::new(connection)),
            readers: Arc::new(Vec::new()),
            next_reader: Arc::new(AtomicUsize::new(0)),
            instrument: Arc::new(Instrument::default()),
            session: None,
        }
    }

    /// Runs the read-only `job` on a free reading connection (the first
    /// one not in use, else waiting for one), or on the writing connection
    /// when there are none; like [`with_connection`](Self::with_connection)
    /// otherwise.
    async fn with_reader<T, F>(&self, job: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection, &Instrument) -> Result<T> + Send + 'static,
    {
        if self.readers.is_empty() || self.session.is_some() {
            return self.with_connection(job).await;
        }
        let readers = Arc::clone(&self.readers);
        let next = self.next_reader.fetch_add(1, Ordering::Relaxed) % readers.len();
        let instrument = Arc::clone(&self.instrument);
        off_the_runtime(move || {
            let free = readers.iter().find_map(|reader| reader.try_lock().ok());
            let mut connection = match free {
                Some(connection) => connection,
                None => {
                    // All busy: wait for one, spreading the waiters.
                    readers[next].lock().unwrap_or_else(|p| p.into_inner())
                }
            };
            job(&mut connection, &instrument)
        })
        .await
    }

    /// Runs `job` with the connection without stalling other tasks: in place
    /// on a multi-threaded runtime (tokio moves the worker's other tasks
    /// away), on the blocking pool otherwise. The hop to the blocking pool
    /// costs tens of microseconds, as much as a whole small load.
    async fn with_connection<T, F>(&self, job: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection, &Instrument) -> Result<T> + Send + 'static,
    {
        let instrument = Arc::clone(&self.instrument);
        if let Some(session) = &self.session {
            return session.run(instrument, false, job).await;
        }
        let connection = Arc::clone(&self.connection);
        off_the_runtime(move || {
            let mut connection = connection.lock().unwrap_or_else(|p| p.into_inner());
            job(&mut connection, &instrument)
        })
        .await
    }
}

/// Runs the blocking `run` without stalling other tasks: in place on a
/// multi-threaded runtime (tokio moves the worker's other tasks away), on
/// the blocking pool otherwise. The hop to the blocking pool costs tens of
/// microseconds, as much as a whole small load.
async fn off_the_runtime<T, F>(run: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T> + Send + 'static,
{
    let multi_threaded = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    if multi_threaded {
        tokio::task::block_in_place(run)
    } else {
        tokio::task::spawn_blocking(run)
            .await
            .map_err(|e| Error::database(verso_core::DbErrorKind::Other, e.to_string()))?
    }
}

#[async_trait]
impl Driver for SqliteDriver {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn instrument(&self) -> &Instrument {
        &self.instrument
    }

    async fn ensure_tables(&self, types: &[&'static EntityType]) -> Result<()> {
        let types = types.to_vec();
        self.with_connection(move |conn, instrument| {
            ensure::ensure_tables(conn, instrument, &types)
        })
        .await
    }

    async fn commit(&self, plan: &CommitPlan) -> Result<HashMap<Uuid, i64>> {
        if let Some(session) = &self.session {
            // A transaction's commit ends it.
            let instrument = Arc::clone(&self.instrument);
            if plan.is_empty() {
                return session
                    .run(instrument, true, |conn, _| {
                        conn.execute_batch("COMMIT").map_err(error::db_error)?;
                        Ok(HashMap::new())
                    })
                    .await;
            }
            let statements = commit::prepare(plan)?;
            return session
                .run(instrument, true, move |conn, instrument| {
                    commit::run(conn, instrument, statements, true)
                })
                .await;
        }
        if plan.is_empty() {
            return Ok(HashMap::new());
        }
        let statements = commit::prepare(plan)?;
        self.with_connection(move |conn, instrument| {
            commit::run(conn, instrument, statements, false)
        })
        .await
    }

    /// Takes the writing connection for the transaction (see the module
    /// `transaction`): commits and other transactions wait until it ends;
    /// reads of a file database keep running on the readers.
    async fn begin(&self) -> Result<Box<dyn Driver>> {
        if self.session.is_some() {
            return Err(Error::database(
                verso_core::DbErrorKind::Other,
                "a transaction cannot begin another one",
            ));
        }
        let session = transaction::Session::begin(Arc::clone(&self.connection)).await?;
        Ok(Box::new(SqliteDriver {
            connection: Arc::clone(&self.connection),
            readers: Arc::clone(&self.readers),
            next_reader: Arc::clone(&self.next_reader),
            instrument: Arc::clone(&self.instrument),
            session: Some(Arc::new(session)),
        }))
    }

    async fn wait_for_abandoned_commits(&self) -> Result<()> {
        // A commit holds the writing connection until it ends: taking it
        // waits for one whose caller is gone.
        self.with_connection(|_, _| Ok(())).await
    }

    async fn load(&self, request: &LoadRequest) -> Result<LoadedRows> {
        let request = request.clone();
        self.with_reader(move |conn, instrument| load::load(conn, instrument, &request))
            .await
    }

    async fn load_query(&self, request: &LoadRequest, query: &EntityQuery) -> Result<LoadedRows> {
        let (request, query) = (request.clone(), query.clone());
        self.with_reader(move |conn, instrument| {
            query::load_query(conn, instrument, &request, &query)
        })
        .await
    }

    async fn count(&self, ty: &'static EntityType, query: &EntityQuery) -> Result<u64> {
        let query = query.clone();
        self.with_reader(move |conn, instrument| query::count(conn, instrument, ty, &query))
            .await
    }

    async fn select_versions(
        &self,
        ty: &'static EntityType,
        query: &VersionQuery,
    ) -> Result<Vec<RowMeta>> {
        let query = query.clone();
        self.with_reader(move |conn, instrument| {
            load::select_versions(conn, instrument, ty, &query)
        })
        .await
    }

    async fn stored_ids(
        &self,
        ty: &'static EntityType,
        column: &'static str,
        ids: &[Uuid],
    ) -> Result<Vec<Uuid>> {
        let ids = ids.to_vec();
        self.with_reader(move |conn, instrument| {
            load::stored_ids(conn, instrument, ty, column, &ids)
        })
        .await
    }

    async fn lookup(&self, ty: &'static EntityType, lookup: &Lookup) -> Result<Vec<RowMeta>> {
        let lookup = lookup.clone();
        self.with_reader(move |conn, instrument| load::lookup(conn, instrument, ty, &lookup))
            .await
    }

    async fn gained_children(
        &self,
        ty: &'static EntityType,
        lineage_id: Uuid,
        field: &'static str,
    ) -> Result<Vec<GainedChild>> {
        self.with_reader(move |conn, instrument| {
            load::gained_children(conn, instrument, ty, lineage_id, field)
        })
        .await
    }

    async fn upgrade(&self) -> Result<UpgradeReport> {
        self.with_connection(upgrade::upgrade).await
    }

    async fn find_type(&self, ecs_id: Uuid) -> Result<Option<String>> {
        self.with_reader(move |conn, instrument| {
            load::find_type(conn, instrument, "ecs_id", ecs_id)
        })
        .await
    }

    async fn find_lineage_type(&self, lineage_id: Uuid) -> Result<Option<String>> {
        self.with_reader(move |conn, instrument| {
            load::find_type(conn, instrument, "lineage_id", lineage_id)
        })
        .await
    }

    async fn catalog(&self) -> Result<Option<Vec<CatalogEntry>>> {
        self.with_reader(|conn, instrument| census::catalog(conn, instrument))
            .await
    }

    async fn count_versions(&self, types: &[&'static EntityType]) -> Result<Vec<TypeCounts>> {
        let types = types.to_vec();
        self.with_reader(move |conn, instrument| census::count_versions(conn, instrument, &types))
            .await
    }

    async fn lineages(&self, ty: &'static EntityType) -> Result<Vec<LineageSummary>> {
        self.with_reader(move |conn, instrument| census::lineages(conn, instrument, ty))
            .await
    }

    async fn commit_record(&self, commit_id: Uuid) -> Result<Option<verso_core::CommitRow>> {
        self.with_reader(move |conn, instrument| {
            commits::commit_record(conn, instrument, commit_id)
        })
        .await
    }

    async fn commit_versions(&self, commit_id: Uuid) -> Result<Vec<verso_core::CommitVersion>> {
        self.with_reader(move |conn, instrument| {
            commits::commit_versions(conn, instrument, commit_id)
        })
        .await
    }

    async fn lineage_commits(&self, lineage_id: Uuid) -> Result<Vec<verso_core::VersionCommit>> {
        self.with_reader(move |conn, instrument| {
            commits::lineage_commits(conn, instrument, lineage_id)
        })
        .await
    }

    async fn find_prefix(
        &self,
        types: &[&'static EntityType],
        prefix: &verso_core::IdPrefix,
        limit: usize,
    ) -> Result<Vec<verso_core::PrefixMatch>> {
        let (types, prefix) = (types.to_vec(), *prefix);
        self.with_reader(move |conn, instrument| {
            census::find_prefix(conn, instrument, &types, &prefix, limit)
        })
        .await
    }
}

/// Decoding entry points for the fuzz targets in `fuzz/` (not part of the
/// API): the same functions a load runs on the rows SQLite returns.
#[doc(hidden)]
pub mod fuzzing {
    use rusqlite::types::Value;
    use rusqlite::Connection;
    use uuid::Uuid;
    use verso_core::{EntityType, Error, Result, StoredRow};

    /// Decodes one row of `ty`'s table made of `values` (the five metadata
    /// columns, then `ty`'s columns), as a load does: `values` are bound to
    /// `SELECT ?1, ?2, ...` on `conn`, so they reach the decoder as SQLite
    /// returns them.
    pub fn decode_row(
        conn: &Connection,
        ty: &'static EntityType,
        values: &[Value],
    ) -> Result<StoredRow> {
        if values.is_empty() {
            return Err(Error::database(verso_core::DbErrorKind::Other, "no values"));
        }
        let select = (1..=values.len())
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut statement = conn
            .prepare_cached(&format!("SELECT {select}"))
            .map_err(crate::error::db_error)?;
        let mut rows = statement
            .query(rusqlite::params_from_iter(values))
            .map_err(crate::error::db_error)?;
        let row = rows
            .next()
            .map_err(crate::error::db_error)?
            .expect("a SELECT of values returns one row");
        crate::decode::stored_row(row, ty)
    }

    /// Decodes the `entries` text of a `verso_lists` or `verso_chunks` row
    /// (a JSON array of UUID texts), as the walk of a load does.
    pub fn decode_entries(text: &str) -> Result<Vec<Uuid>> {
        crate::load::id_list(verso_sql::storage::LISTS_TABLE, Uuid::nil(), text)
    }
}

#[cfg(test)]
mod reader_tests {
    use super::*;

    fn temp_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("verso-readers-{}", Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn reads_run_while_the_writing_connection_is_busy() {
        let dir = temp_dir();
        let driver = SqliteDriver::open(dir.join("db.sqlite")).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        // The writer's connection is held (as by a long commit) ...
        let held = driver.connection.lock().unwrap();
        // ... and a read still answers, from a reader.
        let catalog = runtime.block_on(driver.catalog());
        drop(held);
        assert!(catalog.unwrap().is_none(), "a new database has no catalog");

        let only_writer =
            SqliteDriver::open_with(dir.join("db.sqlite"), &SqliteOptions::new().readers(0))
                .unwrap();
        assert!(only_writer.readers.is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_reader_refuses_to_write() {
        let dir = temp_dir();
        let driver = SqliteDriver::open(dir.join("db.sqlite")).unwrap();
        let reader = driver.readers[0].lock().unwrap();
        let error = reader
            .execute_batch("CREATE TABLE t (x INTEGER)")
            .unwrap_err();
        assert!(error.to_string().contains("readonly"), "{error}");
        drop(reader);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
