//! The store: committing working copies.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use verso_core::{
    apply_commit, plan_commit, reachable_types, CommitReport, Driver, EntityType, Node, Result,
    Stats,
};

/// A Verso store on one backend. Cheap to share: wrap it in an `Arc`.
///
/// Tables are created on first use of each entity type (idempotently), so
/// a store needs no setup beyond [`open`](Store::open).
pub struct Store {
    pub(crate) driver: Arc<dyn Driver>,
    /// Types whose tables are known to match, by the address of their
    /// static description (two shapes of one type are two entries).
    ensured: Mutex<HashSet<usize>>,
}

impl Store {
    /// A store on an already configured driver.
    pub fn with_driver(driver: impl Driver) -> Store {
        Store {
            driver: Arc::new(driver),
            ensured: Mutex::new(HashSet::new()),
        }
    }

    /// The backend behind this store (for its statement counters and fault
    /// injection, see [`Instrument`](verso_core::Instrument)).
    pub fn driver(&self) -> &dyn Driver {
        self.driver.as_ref()
    }

    /// Statements sent and rows written so far.
    pub fn stats(&self) -> Stats {
        self.driver.instrument().stats()
    }

    /// Creates (or checks) the tables of `T` and of every type below it.
    /// Called implicitly on first use; call it at startup to surface schema
    /// mismatches early.
    pub async fn register<T: verso_core::Entity>(&self) -> Result<()> {
        self.ensure(T::entity_type()).await
    }

    pub(crate) async fn ensure(&self, root: &'static EntityType) -> Result<()> {
        let missing: Vec<&'static EntityType> = {
            let ensured = self.ensured.lock().unwrap_or_else(|p| p.into_inner());
            reachable_types(root)
                .into_iter()
                .filter(|t| !ensured.contains(&type_key(t)))
                .collect()
        };
        if missing.is_empty() {
            return Ok(());
        }
        self.driver.ensure_tables(&missing).await?;
        let mut ensured = self.ensured.lock().unwrap_or_else(|p| p.into_inner());
        ensured.extend(missing.iter().map(|t| type_key(t)));
        Ok(())
    }

    /// Makes the store match the working copy `root` and everything below it.
    ///
    /// Entities never stored get their first version; entities whose content
    /// (fields, references, children and their order) changed since they were
    /// loaded or last committed get a new version, and so does every entity
    /// above them. Unchanged entities keep their ids and are not written: a
    /// commit with no change sends no statement. The commit is one
    /// transaction; on error nothing is stored and `root` is left untouched.
    /// On success, the metadata of `root` and its descendants is updated in
    /// place.
    pub async fn commit<N: Node>(&self, root: &mut N) -> Result<CommitReport> {
        self.store(root, false).await
    }

    /// Like [`commit`](Self::commit), but `root` gets a new version even if
    /// nothing changed.
    pub async fn fork<N: Node>(&self, root: &mut N) -> Result<CommitReport> {
        self.store(root, true).await
    }

    async fn store<N: Node>(&self, root: &mut N, force: bool) -> Result<CommitReport> {
        self.ensure(root.node_type()).await?;
        let planned = plan_commit(root, force)?;
        if planned.plan.is_empty() {
            return Ok(planned.report);
        }
        let row_ids = self.driver.commit(&planned.plan).await?;
        let report = planned.report.clone();
        apply_commit(root, planned, &row_ids);
        Ok(report)
    }
}

fn type_key(ty: &'static EntityType) -> usize {
    std::ptr::from_ref(ty) as usize
}
