//! Verso's SQLite driver, on [rusqlite].
//!
//! rusqlite was chosen over sqlx's SQLite driver by measurement: sqlx runs
//! every SQLite connection on a worker thread and pays a channel round trip
//! (about 40 µs) per statement, rusqlite calls SQLite directly (under 1 µs).
//! The driver keeps one connection behind a mutex and runs each whole
//! commit or load on tokio's blocking pool, so async callers never block.
//!
//! Files are opened in WAL mode with `synchronous=NORMAL` and a busy
//! timeout; write transactions start with `BEGIN IMMEDIATE`.

#![warn(missing_docs)]

mod batch;
mod census;
mod commit;
mod connect;
mod decode;
mod dialect;
mod encode;
mod ensure;
mod error;
mod load;
#[cfg(test)]
mod query_plans;
mod sql;
mod upgrade;

use async_trait::async_trait;
use rusqlite::Connection;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use uuid::Uuid;
use verso_core::{
    CatalogEntry, CommitPlan, Driver, EntityType, Error, GainedChild, Instrument, LineageSummary,
    LoadRequest, LoadedRows, Lookup, Result, RowMeta, TypeCounts, UpgradeReport, VersionQuery,
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
    instrument: Arc<Instrument>,
}

impl SqliteDriver {
    /// Opens (creating if needed) the database file at `path`.
    pub fn open(path: impl AsRef<std::path::Path>) -> Result<Self> {
        Ok(Self::wrap(connect::open_file(path.as_ref())?))
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
            instrument: Arc::new(Instrument::default()),
        }
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
        let connection = Arc::clone(&self.connection);
        let instrument = Arc::clone(&self.instrument);
        let run = move || {
            let mut connection = connection.lock().unwrap_or_else(|p| p.into_inner());
            job(&mut connection, &instrument)
        };
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
        if plan.is_empty() {
            return Ok(HashMap::new());
        }
        let statements = commit::prepare(plan)?;
        self.with_connection(move |conn, instrument| commit::run(conn, instrument, statements))
            .await
    }

    async fn load(&self, request: &LoadRequest) -> Result<LoadedRows> {
        let request = request.clone();
        self.with_connection(move |conn, instrument| load::load(conn, instrument, &request))
            .await
    }

    async fn select_versions(
        &self,
        ty: &'static EntityType,
        query: &VersionQuery,
    ) -> Result<Vec<RowMeta>> {
        let query = query.clone();
        self.with_connection(move |conn, instrument| {
            load::select_versions(conn, instrument, ty, &query)
        })
        .await
    }

    async fn lookup(&self, ty: &'static EntityType, lookup: &Lookup) -> Result<Vec<RowMeta>> {
        let lookup = lookup.clone();
        self.with_connection(move |conn, instrument| load::lookup(conn, instrument, ty, &lookup))
            .await
    }

    async fn gained_children(
        &self,
        ty: &'static EntityType,
        lineage_id: Uuid,
        field: &'static str,
    ) -> Result<Vec<GainedChild>> {
        self.with_connection(move |conn, instrument| {
            load::gained_children(conn, instrument, ty, lineage_id, field)
        })
        .await
    }

    async fn upgrade(&self) -> Result<UpgradeReport> {
        self.with_connection(upgrade::upgrade).await
    }

    async fn find_type(&self, ecs_id: Uuid) -> Result<Option<String>> {
        self.with_connection(move |conn, instrument| {
            load::find_type(conn, instrument, "ecs_id", ecs_id)
        })
        .await
    }

    async fn find_lineage_type(&self, lineage_id: Uuid) -> Result<Option<String>> {
        self.with_connection(move |conn, instrument| {
            load::find_type(conn, instrument, "lineage_id", lineage_id)
        })
        .await
    }

    async fn catalog(&self) -> Result<Option<Vec<CatalogEntry>>> {
        self.with_connection(|conn, instrument| census::catalog(conn, instrument))
            .await
    }

    async fn count_versions(&self, types: &[&'static EntityType]) -> Result<Vec<TypeCounts>> {
        let types = types.to_vec();
        self.with_connection(move |conn, instrument| {
            census::count_versions(conn, instrument, &types)
        })
        .await
    }

    async fn lineages(&self, ty: &'static EntityType) -> Result<Vec<LineageSummary>> {
        self.with_connection(move |conn, instrument| census::lineages(conn, instrument, ty))
            .await
    }

    async fn find_prefix(
        &self,
        types: &[&'static EntityType],
        prefix: &verso_core::IdPrefix,
        limit: usize,
    ) -> Result<Vec<verso_core::PrefixMatch>> {
        let (types, prefix) = (types.to_vec(), *prefix);
        self.with_connection(move |conn, instrument| {
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
