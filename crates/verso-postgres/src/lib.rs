//! Verso's PostgreSQL driver, on [sqlx]'s connection pool.
//!
//! Tables follow `docs/storage.md`: one table per entity type (metadata
//! columns, then one typed column per field), the shared tables of child
//! lists (`verso_lists`, whose rows hold the root of each list's chunk
//! tree as a `uuid[]`, and `verso_chunks`, the chunks below, shared by
//! content), `verso_list_changes` (which children each version gained or
//! lost), `verso_heads` (the heads of every lineage) and `verso_catalog`.
//! Work is sent in whole batches so the number of statements never
//! depends on the number of entities:
//!
//! * a commit is `BEGIN`, one `INSERT ... SELECT * FROM UNNEST($1::uuid[],
//!   ...) RETURNING id, ecs_id` per table, one `UNNEST` insert each for the
//!   lists, the new chunks (`ON CONFLICT DO NOTHING`) and the list changes,
//!   one delete of the forked heads and one insert of the new heads,
//!   `COMMIT`: every column of a batch travels as one typed array;
//! * a load is one query for the roots, one recursive query for every list
//!   and chunk below them (each entry looked up by primary key in a
//!   `LATERAL` subquery), and one `WHERE ecs_id = ANY($1)` query per child
//!   type;
//! * lookups (newest version, heads, ancestors, pages of a history, the
//!   versions holding a child) are one indexed statement each.
//!
//! A database of Verso's first layout (one `verso_links` row per child of
//! every version) is refused by [`Driver::ensure_tables`] with
//! [`verso_core::Error::OutdatedLayout`] until it is upgraded by
//! [`Driver::upgrade`], in one transaction that either migrates every
//! version's children and heads or changes nothing.
//!
//! [`PostgresDriver::connect_in_schema`] keeps a store in its own schema
//! (created if needed), which namespaces applications and isolates tests.
//!
//! ```no_run
//! use verso_core::Driver;
//! # async fn demo() -> verso_core::Result<()> {
//! let driver =
//!     verso_postgres::PostgresDriver::connect_in_schema("postgres://postgres@localhost/app", "chat")
//!         .await?;
//! assert_eq!(driver.backend(), "postgres");
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod census;
mod check;
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
mod sql;
mod statement;
mod transaction;
mod upgrade;

pub use options::PostgresOptions;

use async_trait::async_trait;
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::RwLock;
use uuid::Uuid;
use verso_core::{
    CatalogEntry, CommitPlan, Driver, EntityQuery, EntityType, GainedChild, Instrument,
    LineageSummary, LoadRequest, LoadedRows, Lookup, Result, RowMeta, TypeCounts, UpgradeReport,
    VersionQuery,
};

/// A Verso store in a PostgreSQL database.
///
/// Errors are [`verso_core::Error::Database`] with a classified kind:
/// unique violations (SQLSTATE 23505), serialization failures and
/// deadlocks (40001, 40P01), lost or impossible connections, and the rest.
pub struct PostgresDriver {
    pool: PgPool,
    instrument: Arc<Instrument>,
    /// Held (shared) by every commit while it runs, taken (exclusively) by
    /// [`Driver::wait_for_abandoned_commits`].
    commits_running: Arc<RwLock<()>>,
}

impl PostgresDriver {
    /// Connects to the database at `url` (`postgres://user:pass@host:port/db`)
    /// using the server's default `search_path`.
    ///
    /// One connection is made at once: an unreachable server fails here with
    /// a `ConnectionLost` error naming its host and port.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(&PostgresOptions::new(url)).await
    }

    /// Connects to the database at `url` and keeps every table in `schema`:
    /// the schema is created if missing, and every pooled connection sets
    /// its `search_path` to it.
    pub async fn connect_in_schema(url: &str, schema: &str) -> Result<Self> {
        Self::connect_with(&PostgresOptions::new(url).schema(schema)).await
    }

    /// Connects as `options` say (pool size, timeouts, schema, statement
    /// cache); see [`PostgresOptions`].
    pub async fn connect_with(options: &PostgresOptions) -> Result<Self> {
        let instrument = Instrument::default();
        let pool = connect::open_pool(options, &instrument).await?;
        Ok(Self::on(pool, instrument))
    }

    /// Uses an existing pool, configured by the caller: its connections'
    /// `search_path` decides where the tables live. Verso applies none of
    /// its own settings to it (a schema, JIT off for its short queries, the
    /// first connection checked at once); prefer
    /// [`connect_with`](Self::connect_with), whose options cover what a
    /// pool is usually built for, and use [`pool`](Self::pool) for the
    /// application's own statements.
    pub fn from_pool(pool: PgPool) -> Self {
        Self::on(pool, Instrument::default())
    }

    fn on(pool: PgPool, instrument: Instrument) -> Self {
        PostgresDriver {
            pool,
            instrument: Arc::new(instrument),
            commits_running: Arc::new(RwLock::new(())),
        }
    }

    /// The connection pool, for statements of the application's own.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// A connection of the pool, for one read or one check of the tables.
    async fn connection(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Postgres>> {
        self.pool.acquire().await.map_err(error::db_error)
    }
}

#[async_trait]
impl Driver for PostgresDriver {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn instrument(&self) -> &Instrument {
        &self.instrument
    }

    async fn ensure_tables(&self, types: &[&'static EntityType]) -> Result<()> {
        ensure::ensure_tables(&mut *self.connection().await?, &self.instrument, types).await
    }

    async fn commit(&self, plan: &CommitPlan) -> Result<HashMap<Uuid, i64>> {
        if plan.is_empty() {
            return Ok(HashMap::new());
        }
        let inserts = commit::prepare(plan)?;
        // The transaction runs in a task of its own, so that a caller who
        // drops this future does not cut it off between sending `COMMIT`
        // and reading the answer: it ends, committed or rolled back, and
        // `wait_for_abandoned_commits` can wait for it.
        let running = Arc::clone(&self.commits_running).read_owned().await;
        let (pool, instrument) = (self.pool.clone(), Arc::clone(&self.instrument));
        let task = tokio::spawn(async move {
            let outcome = commit::run(&pool, &instrument, inserts).await;
            drop(running);
            outcome
        });
        task.await.map_err(|e| {
            verso_core::Error::database(verso_core::DbErrorKind::Other, e.to_string())
        })?
    }

    async fn wait_for_abandoned_commits(&self) -> Result<()> {
        drop(self.commits_running.write().await);
        Ok(())
    }

    /// A transaction at `REPEATABLE READ` on a pool connection of its own
    /// (see the module `transaction`): the second of two transactions
    /// forking one head fails with a retryable serialization failure.
    async fn begin(&self) -> Result<Box<dyn Driver>> {
        let open = transaction::PostgresTransaction::begin(
            &self.pool,
            Arc::clone(&self.instrument),
            Arc::clone(&self.commits_running),
        )
        .await?;
        Ok(Box::new(open))
    }

    async fn load(&self, request: &LoadRequest) -> Result<LoadedRows> {
        load::load(&mut *self.connection().await?, &self.instrument, request).await
    }

    async fn load_query(&self, request: &LoadRequest, query: &EntityQuery) -> Result<LoadedRows> {
        let mut conn = self.connection().await?;
        query::load_query(&mut conn, &self.instrument, request, query).await
    }

    async fn count(&self, ty: &'static EntityType, query: &EntityQuery) -> Result<u64> {
        query::count(&mut *self.connection().await?, &self.instrument, ty, query).await
    }

    async fn select_versions(
        &self,
        ty: &'static EntityType,
        query: &VersionQuery,
    ) -> Result<Vec<RowMeta>> {
        load::select_versions(&mut *self.connection().await?, &self.instrument, ty, query).await
    }

    async fn stored_ids(
        &self,
        ty: &'static EntityType,
        column: &'static str,
        ids: &[Uuid],
    ) -> Result<Vec<Uuid>> {
        load::stored_ids(
            &mut *self.connection().await?,
            &self.instrument,
            ty,
            column,
            ids,
        )
        .await
    }

    async fn lookup(&self, ty: &'static EntityType, lookup: &Lookup) -> Result<Vec<RowMeta>> {
        load::lookup(&mut *self.connection().await?, &self.instrument, ty, lookup).await
    }

    async fn gained_children(
        &self,
        ty: &'static EntityType,
        lineage_id: Uuid,
        field: &'static str,
    ) -> Result<Vec<GainedChild>> {
        load::gained_children(
            &mut *self.connection().await?,
            &self.instrument,
            ty,
            lineage_id,
            field,
        )
        .await
    }

    /// Upgrades the current schema from Verso's first layout, in one
    /// transaction holding the schema's advisory lock: see the module
    /// `upgrade`. A schema already in this layout is left as it is.
    async fn upgrade(&self) -> Result<UpgradeReport> {
        upgrade::upgrade(&self.pool, &self.instrument).await
    }

    async fn find_type(&self, ecs_id: Uuid) -> Result<Option<String>> {
        load::find_type(
            &mut *self.connection().await?,
            &self.instrument,
            "ecs_id",
            ecs_id,
        )
        .await
    }

    async fn find_lineage_type(&self, lineage_id: Uuid) -> Result<Option<String>> {
        load::find_type(
            &mut *self.connection().await?,
            &self.instrument,
            "lineage_id",
            lineage_id,
        )
        .await
    }

    async fn catalog(&self) -> Result<Option<Vec<CatalogEntry>>> {
        census::catalog(&mut *self.connection().await?, &self.instrument).await
    }

    async fn count_versions(&self, types: &[&'static EntityType]) -> Result<Vec<TypeCounts>> {
        census::count_versions(&mut *self.connection().await?, &self.instrument, types).await
    }

    async fn lineages(&self, ty: &'static EntityType) -> Result<Vec<LineageSummary>> {
        census::lineages(&mut *self.connection().await?, &self.instrument, ty).await
    }

    async fn commit_record(&self, commit_id: Uuid) -> Result<Option<verso_core::CommitRow>> {
        commits::commit_record(&mut *self.connection().await?, &self.instrument, commit_id).await
    }

    async fn commit_versions(&self, commit_id: Uuid) -> Result<Vec<verso_core::CommitVersion>> {
        commits::commit_versions(&mut *self.connection().await?, &self.instrument, commit_id).await
    }

    async fn lineage_commits(&self, lineage_id: Uuid) -> Result<Vec<verso_core::VersionCommit>> {
        commits::lineage_commits(&mut *self.connection().await?, &self.instrument, lineage_id).await
    }

    async fn find_prefix(
        &self,
        types: &[&'static EntityType],
        prefix: &verso_core::IdPrefix,
        limit: usize,
    ) -> Result<Vec<verso_core::PrefixMatch>> {
        census::find_prefix(
            &mut *self.connection().await?,
            &self.instrument,
            types,
            prefix,
            limit,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>(_: T) {}

    /// Every future of the public API can be spawned on a multi-threaded
    /// runtime (sqlx's executors make this easy to break).
    #[allow(dead_code, clippy::diverging_sub_expression)]
    fn futures_are_send(driver: &PostgresDriver, plan: &CommitPlan, request: &LoadRequest) {
        assert_send(PostgresDriver::connect("postgres://localhost/db"));
        assert_send(PostgresDriver::connect_in_schema(
            "postgres://localhost/db",
            "s",
        ));
        assert_send(driver.ensure_tables(&[]));
        assert_send(driver.commit(plan));
        assert_send(driver.load(request));
        assert_send(driver.lookup(
            request.root_type,
            &Lookup::Heads {
                lineage_id: Uuid::nil(),
            },
        ));
        assert_send(driver.gained_children(request.root_type, Uuid::nil(), "f"));
        assert_send(driver.upgrade());
        assert_send(driver.find_type(Uuid::nil()));
        assert_send(driver.find_lineage_type(Uuid::nil()));
        assert_send(driver.catalog());
        assert_send(driver.count_versions(&[]));
        assert_send(driver.lineages(request.root_type));
    }
}
