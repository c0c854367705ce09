//! `tracing` spans around every call a store makes to its driver.
//!
//! Each commit, load and lookup runs in a span of the `verso` target, at
//! `DEBUG` level, named after the operation (`commit`, `load`, `lookup`,
//! ...), with the backend, the entity type, the ids asked for, and, once
//! it returns, the rows it found or wrote and the statements it sent
//! (counted on the driver, so calls running at the same time on clones of
//! the store count in each other's spans). Nothing is recorded unless the
//! program installs a `tracing` subscriber.

use async_trait::async_trait;
use std::collections::HashMap;
use std::future::Future;
use tracing::field::Empty;
use tracing::{Instrument as _, Span};
use uuid::Uuid;
use verso_core::{
    CatalogEntry, CommitPlan, CommitRow, CommitVersion, Driver, EntityQuery, EntityType,
    GainedChild, IdPrefix, Instrument, LineageSummary, LoadRequest, LoadedRows, Lookup,
    PrefixMatch, Result, RowMeta, TypeCounts, UpgradeReport, VersionCommit, VersionFilter,
    VersionQuery,
};

/// A driver whose calls each run in a span (see the module docs).
pub(crate) struct Traced {
    inner: Box<dyn Driver>,
}

impl Traced {
    pub(crate) fn new(inner: impl Driver) -> Self {
        Traced {
            inner: Box::new(inner),
        }
    }

    /// Runs `call` in `span`, then records in it how many statements the
    /// call sent and, through `rows`, how many rows it returned or wrote.
    async fn traced<T>(
        &self,
        span: Span,
        call: impl Future<Output = Result<T>>,
        rows: impl FnOnce(&T) -> usize,
    ) -> Result<T> {
        let before = Driver::instrument(self.inner.as_ref()).stats();
        let outcome = call.instrument(span.clone()).await;
        let spent = Driver::instrument(self.inner.as_ref()).stats() - before;
        span.record("statements", spent.statements);
        match &outcome {
            Ok(value) => span.record("rows", rows(value) as u64),
            Err(error) => span.record("error", tracing::field::display(error)),
        };
        outcome
    }

    fn backend(&self) -> &'static str {
        self.inner.backend()
    }
}

/// A [`VersionFilter`] in a few words: the column and how many ids, not
/// the ids (a load may ask for thousands).
struct FilterSummary<'a>(&'a VersionFilter);

impl std::fmt::Display for FilterSummary<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            VersionFilter::All => f.write_str("all"),
            VersionFilter::In { column, ids } => write!(f, "{column} in {} ids", ids.len()),
        }
    }
}

/// A span of the `verso` target: `$name`, with the backend and the given
/// fields, and empty `rows`, `statements` and `error` to record later.
macro_rules! span {
    ($self:expr, $name:literal $(, $field:ident = $value:expr)* $(,)?) => {
        tracing::debug_span!(
            target: "verso",
            $name,
            backend = $self.backend(),
            $($field = $value,)*
            rows = Empty,
            statements = Empty,
            error = Empty,
        )
    };
}

#[async_trait]
impl Driver for Traced {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }

    fn instrument(&self) -> &Instrument {
        Driver::instrument(self.inner.as_ref())
    }

    async fn ensure_tables(&self, types: &[&'static EntityType]) -> Result<()> {
        let span = span!(self, "ensure_tables", types = types.len());
        self.traced(span, self.inner.ensure_tables(types), |_| types.len())
            .await
    }

    async fn commit(&self, plan: &CommitPlan) -> Result<HashMap<Uuid, i64>> {
        let span = span!(
            self,
            "commit",
            tables = plan.batches.len(),
            versions = plan.version_count(),
        );
        self.traced(span, self.inner.commit(plan), |_| plan.row_count())
            .await
    }

    /// The transaction's driver is traced too: its calls run in spans of
    /// their own.
    async fn begin(&self) -> Result<Box<dyn Driver>> {
        let span = span!(self, "begin");
        let inner = self.traced(span, self.inner.begin(), |_| 0).await?;
        Ok(Box::new(Traced { inner }))
    }

    async fn wait_for_abandoned_commits(&self) -> Result<()> {
        let span = span!(self, "wait_for_abandoned_commits");
        self.traced(span, self.inner.wait_for_abandoned_commits(), |_| 0)
            .await
    }

    async fn load(&self, request: &LoadRequest) -> Result<LoadedRows> {
        let span = span!(
            self,
            "load",
            entity_type = request.root_type.name,
            roots = request.roots.len(),
            first_root = tracing::field::debug(request.roots.first()),
        );
        self.traced(span, self.inner.load(request), |rows| rows.rows.len())
            .await
    }

    async fn load_query(&self, request: &LoadRequest, query: &EntityQuery) -> Result<LoadedRows> {
        let span = span!(
            self,
            "load_query",
            entity_type = request.root_type.name,
            limit = query.limit,
        );
        self.traced(span, self.inner.load_query(request, query), |rows| {
            rows.rows.len()
        })
        .await
    }

    async fn count(&self, ty: &'static EntityType, query: &EntityQuery) -> Result<u64> {
        let span = span!(self, "count", entity_type = ty.name);
        self.traced(span, self.inner.count(ty, query), |_| 1).await
    }

    async fn select_versions(
        &self,
        ty: &'static EntityType,
        query: &VersionQuery,
    ) -> Result<Vec<RowMeta>> {
        let span = span!(
            self,
            "select_versions",
            entity_type = ty.name,
            query = tracing::field::display(FilterSummary(&query.filter)),
        );
        self.traced(span, self.inner.select_versions(ty, query), Vec::len)
            .await
    }

    async fn stored_ids(
        &self,
        ty: &'static EntityType,
        column: &'static str,
        ids: &[Uuid],
    ) -> Result<Vec<Uuid>> {
        let span = span!(
            self,
            "stored_ids",
            entity_type = ty.name,
            column = column,
            ids = ids.len(),
        );
        self.traced(span, self.inner.stored_ids(ty, column, ids), Vec::len)
            .await
    }

    async fn lookup(&self, ty: &'static EntityType, lookup: &Lookup) -> Result<Vec<RowMeta>> {
        let span = span!(
            self,
            "lookup",
            entity_type = ty.name,
            lookup = tracing::field::debug(lookup),
        );
        self.traced(span, self.inner.lookup(ty, lookup), Vec::len)
            .await
    }

    async fn gained_children(
        &self,
        ty: &'static EntityType,
        lineage_id: Uuid,
        field: &'static str,
    ) -> Result<Vec<GainedChild>> {
        let span = span!(
            self,
            "gained_children",
            entity_type = ty.name,
            lineage_id = tracing::field::display(lineage_id),
            field = field,
        );
        let call = self.inner.gained_children(ty, lineage_id, field);
        self.traced(span, call, Vec::len).await
    }

    async fn upgrade(&self) -> Result<UpgradeReport> {
        let span = span!(self, "upgrade");
        self.traced(span, self.inner.upgrade(), |r| r.versions as usize)
            .await
    }

    async fn versions(&self, ty: &'static EntityType, lineage_id: Uuid) -> Result<Vec<RowMeta>> {
        let span = span!(
            self,
            "versions",
            entity_type = ty.name,
            lineage_id = tracing::field::display(lineage_id),
        );
        self.traced(span, self.inner.versions(ty, lineage_id), Vec::len)
            .await
    }

    async fn version(&self, ty: &'static EntityType, ecs_id: Uuid) -> Result<Option<RowMeta>> {
        let span = span!(
            self,
            "version",
            entity_type = ty.name,
            ecs_id = tracing::field::display(ecs_id),
        );
        let call = self.inner.version(ty, ecs_id);
        self.traced(span, call, |found| usize::from(found.is_some()))
            .await
    }

    async fn find_type(&self, ecs_id: Uuid) -> Result<Option<String>> {
        let span = span!(self, "find_type", ecs_id = tracing::field::display(ecs_id));
        let call = self.inner.find_type(ecs_id);
        self.traced(span, call, |found| usize::from(found.is_some()))
            .await
    }

    async fn find_lineage_type(&self, lineage_id: Uuid) -> Result<Option<String>> {
        let span = span!(
            self,
            "find_lineage_type",
            lineage_id = tracing::field::display(lineage_id),
        );
        let call = self.inner.find_lineage_type(lineage_id);
        self.traced(span, call, |found| usize::from(found.is_some()))
            .await
    }

    async fn find_prefix(
        &self,
        types: &[&'static EntityType],
        prefix: &IdPrefix,
        limit: usize,
    ) -> Result<Vec<PrefixMatch>> {
        let span = span!(
            self,
            "find_prefix",
            types = types.len(),
            prefix = tracing::field::debug(prefix),
        );
        let call = self.inner.find_prefix(types, prefix, limit);
        self.traced(span, call, Vec::len).await
    }

    async fn catalog(&self) -> Result<Option<Vec<CatalogEntry>>> {
        let span = span!(self, "catalog");
        let call = self.inner.catalog();
        self.traced(span, call, |entries| entries.as_ref().map_or(0, Vec::len))
            .await
    }

    async fn count_versions(&self, types: &[&'static EntityType]) -> Result<Vec<TypeCounts>> {
        let span = span!(self, "count_versions", types = types.len());
        self.traced(span, self.inner.count_versions(types), Vec::len)
            .await
    }

    async fn lineages(&self, ty: &'static EntityType) -> Result<Vec<LineageSummary>> {
        let span = span!(self, "lineages", entity_type = ty.name);
        self.traced(span, self.inner.lineages(ty), Vec::len).await
    }

    async fn commit_record(&self, commit_id: Uuid) -> Result<Option<CommitRow>> {
        let span = span!(
            self,
            "commit_record",
            commit_id = tracing::field::display(commit_id),
        );
        let call = self.inner.commit_record(commit_id);
        self.traced(span, call, |found| usize::from(found.is_some()))
            .await
    }

    async fn commit_versions(&self, commit_id: Uuid) -> Result<Vec<CommitVersion>> {
        let span = span!(
            self,
            "commit_versions",
            commit_id = tracing::field::display(commit_id),
        );
        self.traced(span, self.inner.commit_versions(commit_id), Vec::len)
            .await
    }

    async fn lineage_commits(&self, lineage_id: Uuid) -> Result<Vec<VersionCommit>> {
        let span = span!(
            self,
            "lineage_commits",
            lineage_id = tracing::field::display(lineage_id),
        );
        self.traced(span, self.inner.lineage_commits(lineage_id), Vec::len)
            .await
    }
}
