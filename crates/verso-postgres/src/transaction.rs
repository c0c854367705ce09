//! A transaction on a connection of its own (`Driver::begin`).
//!
//! It begins with `BEGIN ISOLATION LEVEL REPEATABLE READ` on a pool
//! connection, which it keeps until it ends: every read sees the snapshot
//! its first statement took, and nothing waits for it. Of two transactions
//! that read one snapshot and then fork the same head, the one committing
//! second fails when it replaces the head the first one already replaced
//! (SQLSTATE 40001, a retryable
//! [`DbErrorKind::SerializationFailure`](verso_core::DbErrorKind)), and
//! rolls back. Dropped without its commit, the transaction rolls back
//! (sqlx's `Transaction` sends the `ROLLBACK` before the connection goes
//! back to the pool).
//!
//! Tables it creates are created in a savepoint of it, holding the
//! schema's advisory lock (see `ensure`) until it ends: another store
//! creating tables in the same schema meanwhile waits for it.

use crate::error::db_error;
use crate::{census, commit, commits, ensure, load};
use async_trait::async_trait;
use sqlx::{PgConnection, PgPool, Postgres};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{Mutex, RwLock};
use uuid::Uuid;
use verso_core::{
    CatalogEntry, CommitPlan, CommitRow, CommitVersion, DbErrorKind, Driver, EntityQuery,
    EntityType, Error, GainedChild, IdPrefix, Instrument, LineageSummary, LoadRequest, LoadedRows,
    Lookup, PrefixMatch, Result, RowMeta, TypeCounts, VersionCommit, VersionQuery,
};

/// The statement a transaction begins with: statement 1 of its commit.
const BEGIN: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ";

/// A PostgreSQL transaction seen as a driver: every call runs on its
/// connection; its commit ends it.
pub(crate) struct PostgresTransaction {
    /// The open transaction; `None` once its commit ended it.
    open: Mutex<Option<sqlx::Transaction<'static, Postgres>>>,
    instrument: Arc<Instrument>,
    /// The driver's: held (shared) by the commit while it runs.
    commits_running: Arc<RwLock<()>>,
}

impl PostgresTransaction {
    /// Begins a transaction on a connection of `pool`.
    pub(crate) async fn begin(
        pool: &PgPool,
        instrument: Arc<Instrument>,
        commits_running: Arc<RwLock<()>>,
    ) -> Result<Self> {
        let open = pool.begin_with(BEGIN).await.map_err(db_error)?;
        Ok(PostgresTransaction {
            open: Mutex::new(Some(open)),
            instrument,
            commits_running,
        })
    }
}

/// Runs `$body` with `$conn`, the transaction's connection; fails with
/// [`Error::transaction_ended`] once the commit ended it.
macro_rules! on_connection {
    ($self:ident, |$conn:ident| $body:expr) => {{
        let mut open = $self.open.lock().await;
        let $conn: &mut PgConnection = open.as_mut().ok_or_else(Error::transaction_ended)?;
        $body.await
    }};
}

#[async_trait]
impl Driver for PostgresTransaction {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn instrument(&self) -> &Instrument {
        &self.instrument
    }

    async fn ensure_tables(&self, types: &[&'static EntityType]) -> Result<()> {
        // In a savepoint of the transaction: they land with its commit.
        on_connection!(self, |conn| ensure::ensure_tables(
            conn,
            &self.instrument,
            types
        ))
    }

    /// Stores `plan` in the transaction and commits it (its `BEGIN` was
    /// statement 1), in a task of its own like the driver's commits, so a
    /// caller who leaves does not cut it off between `COMMIT` and its
    /// answer.
    async fn commit(&self, plan: &CommitPlan) -> Result<HashMap<Uuid, i64>> {
        let open = self
            .open
            .lock()
            .await
            .take()
            .ok_or_else(Error::transaction_ended)?;
        let prepared = commit::prepare(plan)?;
        let running = Arc::clone(&self.commits_running).read_owned().await;
        let instrument = Arc::clone(&self.instrument);
        let empty = plan.is_empty();
        let task = tokio::spawn(async move {
            let outcome = if empty {
                open.commit()
                    .await
                    .map(|()| HashMap::new())
                    .map_err(db_error)
            } else {
                match instrument.commit_statement(1) {
                    Ok(()) => commit::finish(open, &instrument, prepared).await,
                    Err(fault) => Err(fault),
                }
            };
            drop(running);
            outcome
        });
        task.await
            .map_err(|e| Error::database(DbErrorKind::Other, e.to_string()))?
    }

    async fn wait_for_abandoned_commits(&self) -> Result<()> {
        drop(self.commits_running.write().await);
        Ok(())
    }

    async fn begin(&self) -> Result<Box<dyn Driver>> {
        Err(Error::database(
            DbErrorKind::Other,
            "a transaction cannot begin another one",
        ))
    }

    async fn load(&self, request: &LoadRequest) -> Result<LoadedRows> {
        on_connection!(self, |conn| load::load(conn, &self.instrument, request))
    }

    async fn load_query(&self, request: &LoadRequest, query: &EntityQuery) -> Result<LoadedRows> {
        on_connection!(self, |conn| crate::query::load_query(
            conn,
            &self.instrument,
            request,
            query
        ))
    }

    async fn count(&self, ty: &'static EntityType, query: &EntityQuery) -> Result<u64> {
        on_connection!(self, |conn| crate::query::count(
            conn,
            &self.instrument,
            ty,
            query
        ))
    }

    async fn select_versions(
        &self,
        ty: &'static EntityType,
        query: &VersionQuery,
    ) -> Result<Vec<RowMeta>> {
        on_connection!(self, |conn| load::select_versions(
            conn,
            &self.instrument,
            ty,
            query
        ))
    }

    async fn lookup(&self, ty: &'static EntityType, lookup: &Lookup) -> Result<Vec<RowMeta>> {
        on_connection!(self, |conn| load::lookup(
            conn,
            &self.instrument,
            ty,
            lookup
        ))
    }

    async fn gained_children(
        &self,
        ty: &'static EntityType,
        lineage_id: Uuid,
        field: &'static str,
    ) -> Result<Vec<GainedChild>> {
        on_connection!(self, |conn| load::gained_children(
            conn,
            &self.instrument,
            ty,
            lineage_id,
            field
        ))
    }

    async fn find_type(&self, ecs_id: Uuid) -> Result<Option<String>> {
        on_connection!(self, |conn| load::find_type(
            conn,
            &self.instrument,
            "ecs_id",
            ecs_id
        ))
    }

    async fn find_lineage_type(&self, lineage_id: Uuid) -> Result<Option<String>> {
        on_connection!(self, |conn| load::find_type(
            conn,
            &self.instrument,
            "lineage_id",
            lineage_id
        ))
    }

    async fn catalog(&self) -> Result<Option<Vec<CatalogEntry>>> {
        on_connection!(self, |conn| census::catalog(conn, &self.instrument))
    }

    async fn count_versions(&self, types: &[&'static EntityType]) -> Result<Vec<TypeCounts>> {
        on_connection!(self, |conn| census::count_versions(
            conn,
            &self.instrument,
            types
        ))
    }

    async fn lineages(&self, ty: &'static EntityType) -> Result<Vec<LineageSummary>> {
        on_connection!(self, |conn| census::lineages(conn, &self.instrument, ty))
    }

    async fn commit_record(&self, commit_id: Uuid) -> Result<Option<CommitRow>> {
        on_connection!(self, |conn| commits::commit_record(
            conn,
            &self.instrument,
            commit_id
        ))
    }

    async fn commit_versions(&self, commit_id: Uuid) -> Result<Vec<CommitVersion>> {
        on_connection!(self, |conn| commits::commit_versions(
            conn,
            &self.instrument,
            commit_id
        ))
    }

    async fn lineage_commits(&self, lineage_id: Uuid) -> Result<Vec<VersionCommit>> {
        on_connection!(self, |conn| commits::lineage_commits(
            conn,
            &self.instrument,
            lineage_id
        ))
    }

    async fn find_prefix(
        &self,
        types: &[&'static EntityType],
        prefix: &IdPrefix,
        limit: usize,
    ) -> Result<Vec<PrefixMatch>> {
        on_connection!(self, |conn| census::find_prefix(
            conn,
            &self.instrument,
            types,
            prefix,
            limit
        ))
    }
}
