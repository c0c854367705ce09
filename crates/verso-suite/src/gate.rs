//! A driver wrapper that holds commits at a chosen moment, so the suite
//! can interrupt a commit exactly where it wants: before anything is sent,
//! after the commit landed but before its answer, or with a lost
//! connection after it landed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;
use verso::{
    CatalogEntry, CommitPlan, DbErrorKind, Driver, EntityQuery, EntityType, Error, GainedChild,
    Instrument, LineageSummary, LoadRequest, LoadedRows, Lookup, Result, RowMeta, Store,
    TypeCounts, Uuid, VersionQuery,
};

/// Where the next commit through a [`GatedDriver`] stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// Commits pass through.
    Open,
    /// The next commit waits forever before anything is sent.
    BeforeSending,
    /// The next commit is stored, then waits forever instead of answering.
    AfterLanding,
    /// The next commit is stored, then fails as if its connection was lost.
    LoseConnectionAfterLanding,
    /// The next commit waits forever before anything is sent, keeping its
    /// plan; the plan lands late, right after the next lookup of versions
    /// is answered (as a transaction whose `COMMIT` was already on its way
    /// would).
    LandAfterNextLookup,
}

/// A [`Driver`] that forwards to another store's driver, stopping commits
/// as its [`Hold`] says. Each held commit is announced on
/// [`reached`](Self::reached) once it got where it stops.
pub struct GatedDriver {
    inner: Store,
    hold: Mutex<Hold>,
    held_plan: Mutex<Option<CommitPlan>>,
    reached: Arc<Notify>,
}

impl GatedDriver {
    /// A gate in front of `inner`, open.
    fn new(inner: &Store) -> Self {
        GatedDriver {
            inner: inner.clone(),
            hold: Mutex::new(Hold::Open),
            held_plan: Mutex::new(None),
            reached: Arc::new(Notify::new()),
        }
    }

    /// A store on a new gate in front of `inner`, and a handle to steer it.
    pub fn store(inner: &Store) -> (Store, Gate) {
        let driver = Arc::new(GatedDriver::new(inner));
        let gate = Gate(driver.clone());
        (Store::with_driver(SharedGate(driver, None)), gate)
    }

    fn take_hold(&self) -> Hold {
        std::mem::replace(&mut *self.hold.lock().unwrap(), Hold::Open)
    }
}

/// Steers the [`GatedDriver`] under a store made by [`GatedDriver::store`].
#[derive(Clone)]
pub struct Gate(Arc<GatedDriver>);

impl Gate {
    /// Stops the next commit as `hold` says.
    pub fn hold_next_commit(&self, hold: Hold) {
        *self.0.hold.lock().unwrap() = hold;
    }

    /// Resolves once a held commit got where it stops.
    pub async fn reached(&self) {
        self.0.reached.notified().await
    }
}

/// The gate as a driver: of the inner store, or of a transaction begun on
/// it (whose commit the gate holds as it holds the store's).
struct SharedGate(Arc<GatedDriver>, Option<Box<dyn Driver>>);

fn driver(gate: &SharedGate) -> &dyn Driver {
    match &gate.1 {
        Some(transaction) => transaction.as_ref(),
        None => gate.0.inner.driver(),
    }
}

#[async_trait::async_trait]
impl Driver for SharedGate {
    fn backend(&self) -> &'static str {
        driver(self).backend()
    }

    fn instrument(&self) -> &Instrument {
        driver(self).instrument()
    }

    async fn ensure_tables(&self, types: &[&'static EntityType]) -> Result<()> {
        driver(self).ensure_tables(types).await
    }

    async fn commit(&self, plan: &CommitPlan) -> Result<HashMap<Uuid, i64>> {
        let gate = &self.0;
        match gate.take_hold() {
            Hold::Open => driver(self).commit(plan).await,
            Hold::BeforeSending => {
                gate.reached.notify_one();
                std::future::pending().await
            }
            Hold::AfterLanding => {
                driver(self).commit(plan).await?;
                gate.reached.notify_one();
                std::future::pending().await
            }
            Hold::LoseConnectionAfterLanding => {
                driver(self).commit(plan).await?;
                Err(Error::database(
                    DbErrorKind::ConnectionLost,
                    "connection lost (injected by the suite's gate, after the commit landed)",
                ))
            }
            Hold::LandAfterNextLookup => {
                *gate.held_plan.lock().unwrap() = Some(plan.clone());
                gate.reached.notify_one();
                std::future::pending().await
            }
        }
    }

    async fn load_query(&self, request: &LoadRequest, query: &EntityQuery) -> Result<LoadedRows> {
        driver(self).load_query(request, query).await
    }

    async fn count(&self, ty: &'static EntityType, query: &EntityQuery) -> Result<u64> {
        driver(self).count(ty, query).await
    }

    async fn wait_for_abandoned_commits(&self) -> Result<()> {
        driver(self).wait_for_abandoned_commits().await
    }

    async fn begin(&self) -> Result<Box<dyn Driver>> {
        let transaction = driver(self).begin().await?;
        Ok(Box::new(SharedGate(Arc::clone(&self.0), Some(transaction))))
    }

    async fn load(&self, request: &LoadRequest) -> Result<LoadedRows> {
        driver(self).load(request).await
    }

    async fn select_versions(
        &self,
        ty: &'static EntityType,
        query: &VersionQuery,
    ) -> Result<Vec<RowMeta>> {
        let found = driver(self).select_versions(ty, query).await?;
        let late = self.0.held_plan.lock().unwrap().take();
        if let Some(plan) = late {
            driver(self).commit(&plan).await?;
        }
        Ok(found)
    }

    async fn lookup(&self, ty: &'static EntityType, lookup: &Lookup) -> Result<Vec<RowMeta>> {
        driver(self).lookup(ty, lookup).await
    }

    async fn gained_children(
        &self,
        ty: &'static EntityType,
        lineage_id: Uuid,
        field: &'static str,
    ) -> Result<Vec<GainedChild>> {
        driver(self).gained_children(ty, lineage_id, field).await
    }

    async fn find_type(&self, ecs_id: Uuid) -> Result<Option<String>> {
        driver(self).find_type(ecs_id).await
    }

    async fn find_lineage_type(&self, lineage_id: Uuid) -> Result<Option<String>> {
        driver(self).find_lineage_type(lineage_id).await
    }

    async fn catalog(&self) -> Result<Option<Vec<CatalogEntry>>> {
        driver(self).catalog().await
    }

    async fn count_versions(&self, types: &[&'static EntityType]) -> Result<Vec<TypeCounts>> {
        driver(self).count_versions(types).await
    }

    async fn lineages(&self, ty: &'static EntityType) -> Result<Vec<LineageSummary>> {
        driver(self).lineages(ty).await
    }

    async fn commit_record(&self, commit_id: Uuid) -> Result<Option<verso::CommitRow>> {
        driver(self).commit_record(commit_id).await
    }

    async fn commit_versions(&self, commit_id: Uuid) -> Result<Vec<verso::CommitVersion>> {
        driver(self).commit_versions(commit_id).await
    }

    async fn lineage_commits(&self, lineage_id: Uuid) -> Result<Vec<verso::VersionCommit>> {
        driver(self).lineage_commits(lineage_id).await
    }
}
