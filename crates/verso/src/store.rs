//! The store: committing working copies.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use uuid::Uuid;
use verso_core::{
    apply_commit_roots, mark_unsettled_roots, plan_commit_roots, reachable_types, settle,
    CommitInfo, CommitPlan, CommitReport, DbErrorKind, Driver, EntityType, Error, Node,
    PlannedCommit, Result, Stats, VersionQuery,
};

/// A Verso store on one backend. Cheap to clone: clones share the driver
/// (its connection or pool) and what is known of the tables, so a clone can
/// go to each task.
///
/// Tables are created on first use of each entity type (idempotently), so
/// a store needs no setup beyond [`open`](Store::open).
///
/// ```
/// let store = verso::Store::memory();
/// let shared = store.clone();
/// assert_eq!(format!("{shared:?}"), "Store { backend: \"memory\" }");
/// ```
#[derive(Clone)]
pub struct Store {
    pub(crate) driver: Arc<dyn Driver>,
    /// Types whose tables are known to match, by the address of their
    /// static description (two shapes of one type are two entries).
    ensured: Arc<Mutex<HashMap<usize, &'static EntityType>>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.driver.backend())
            .finish()
    }
}

impl Store {
    /// A store on an already configured driver. Every call the store makes
    /// to it runs in a `tracing` span (target `verso`, level `DEBUG`:
    /// `commit`, `load`, `lookup`, ... with the type, the ids, the rows and
    /// the statements); nothing is recorded without a subscriber.
    pub fn with_driver(driver: impl Driver) -> Store {
        Store {
            driver: Arc::new(crate::traced::Traced::new(driver)),
            ensured: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// This store seen through `driver`, a transaction's view of it (see
    /// [`Store::begin`]): it starts out knowing the tables this store
    /// knows, and what it learns stays its own until
    /// [`adopt_tables`](Self::adopt_tables).
    pub(crate) fn view_on(&self, driver: Box<dyn Driver>) -> Store {
        let known = self
            .ensured
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        Store {
            driver: Arc::from(driver),
            ensured: Arc::new(Mutex::new(known)),
        }
    }

    /// Learns the tables `view` ensured (its transaction committed them).
    pub(crate) fn adopt_tables(&self, view: &Store) {
        let learned = view
            .ensured
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        self.ensured
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(learned);
    }

    /// The backend behind this store (for its statement counters, see
    /// [`Instrument`](verso_core::Instrument)).
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

    /// Forgets which tables were ensured, so the next use checks (and
    /// creates) them again.
    pub(crate) fn forget_tables(&self) {
        self.ensured
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    pub(crate) async fn ensure(&self, root: &'static EntityType) -> Result<()> {
        let missing: Vec<&'static EntityType> = {
            let ensured = self.ensured.lock().unwrap_or_else(|p| p.into_inner());
            let missing: Vec<&'static EntityType> = reachable_types(root)
                .into_iter()
                .filter(|t| !ensured.contains_key(&type_key(t)))
                .collect();
            for (index, ty) in missing.iter().enumerate() {
                let known = ensured.values().chain(&missing[..index]);
                check_distinct(ty, known.copied())?;
            }
            missing
        };
        if missing.is_empty() {
            return Ok(());
        }
        for ty in &missing {
            check_names(ty)?;
        }
        self.driver.ensure_tables(&missing).await?;
        let mut ensured = self.ensured.lock().unwrap_or_else(|p| p.into_inner());
        ensured.extend(missing.iter().map(|t| (type_key(t), *t)));
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
    /// A reference the commit adds must point to a version (or lineage)
    /// that is stored or written by this commit, else the commit fails with
    /// [`Error::DanglingReference`] naming the holder, the field and the
    /// missing id.
    /// On success, the metadata of `root` and its descendants is updated in
    /// place.
    ///
    /// # Cancellation
    ///
    /// A commit whose future is dropped before it completes (a timeout, an
    /// aborted task), or whose connection is lost while it runs, may or may
    /// not have landed. `root` then keeps showing the versions it had, and
    /// notes the ones the commit planned ([`Meta::is_unsettled`](verso_core::Meta::is_unsettled)).
    /// The next commit holding those entities first looks them up: a
    /// commit that landed is taken as committed (no second version is
    /// made), one that did not is made again under the same ids. Either
    /// way the history gets each change once, with no branch.
    pub async fn commit<N: Node>(&self, root: &mut N) -> Result<CommitReport> {
        self.store(&mut [root], false, false, &CommitInfo::default())
            .await
    }

    /// Like [`commit`](Self::commit), with metadata: the commit's row
    /// (id, time, and `info`'s author, message and key/values) is stored
    /// in the same transaction as its versions, each linked to it; the id
    /// is [`CommitReport::commit_id`]. A commit with no change stores
    /// nothing, not even its row. Text holding a NUL character is an
    /// [`Error::InvalidInput`] naming the commit, and nothing is stored.
    ///
    /// Several roots committed together under one id: [`commit_set`](Self::commit_set).
    pub async fn commit_with<N: Node>(
        &self,
        root: &mut N,
        info: CommitInfo,
    ) -> Result<CommitReport> {
        self.store(&mut [root], false, false, &info).await
    }

    /// Like [`commit`](Self::commit), but refuses to branch: if another
    /// version was already forked from any version this commit would fork
    /// (someone else moved the head since `root` was loaded), it fails with
    /// [`Error::Conflict`] naming the type and that version, and stores
    /// nothing. The check runs inside the commit's transaction.
    pub async fn commit_on_head<N: Node>(&self, root: &mut N) -> Result<CommitReport> {
        self.store(&mut [root], false, true, &CommitInfo::default())
            .await
    }

    /// Like [`commit`](Self::commit), but `root` gets a new version even if
    /// nothing changed.
    pub async fn fork<N: Node>(&self, root: &mut N) -> Result<CommitReport> {
        self.store(&mut [root], true, false, &CommitInfo::default())
            .await
    }

    /// Stores the trees under `roots` in one commit (one plan, one
    /// transaction, one commit row): the body of every commit method.
    pub(crate) async fn store(
        &self,
        roots: &mut [&mut dyn Node],
        force: bool,
        refuse_branches: bool,
        info: &CommitInfo,
    ) -> Result<CommitReport> {
        let root_types: Vec<&'static EntityType> = roots.iter().map(|r| r.node_type()).collect();
        for ty in &root_types {
            self.ensure(ty).await?;
        }
        let mut replayed_once = false;
        loop {
            let planned = self
                .plan_settled(roots, force, refuse_branches, info)
                .await?;
            if planned.plan.is_empty() {
                return Ok(planned.report);
            }
            {
                let views: Vec<&dyn Node> = roots.iter().map(|r| &**r).collect();
                self.check_references(&planned.plan, &views).await?;
            }
            let in_flight = InFlight::new(roots, planned);
            let error = match self.write(&root_types, in_flight.plan()).await {
                Ok(row_ids) => return Ok(in_flight.apply(&row_ids)),
                Err(error) if outcome_unknown(&error) => return Err(error),
                Err(error) => error,
            };
            let planned = in_flight.abandon();
            let collided = error.database_kind() == Some(DbErrorKind::UniqueViolation);
            if collided && planned.replays_interrupted() && !replayed_once {
                // An interrupted commit of these versions landed meanwhile:
                // settle the tree again, then commit what is left.
                replayed_once = true;
                continue;
            }
            return Err(self.explain_commit_failure(&planned.plan, error).await);
        }
    }

    /// Plans the commit of `roots`, first settling what interrupted
    /// commits left unsettled in them (see [`commit`](Self::commit)): one
    /// lookup per type of the versions they planned, then a second plan.
    async fn plan_settled(
        &self,
        roots: &mut [&mut dyn Node],
        force: bool,
        refuse_branches: bool,
        info: &CommitInfo,
    ) -> Result<PlannedCommit> {
        let plan = |roots: &[&mut dyn Node]| {
            let views: Vec<&dyn Node> = roots.iter().map(|r| &**r).collect();
            plan_commit_roots(&views, force, refuse_branches, info)
        };
        let planned = plan(roots)?;
        let unsettled = planned.unsettled();
        if unsettled.is_empty() {
            return Ok(planned);
        }
        // A commit whose caller left may still be running: its outcome is
        // final once it ends.
        self.driver.wait_for_abandoned_commits().await?;
        let mut landed = HashMap::new();
        self.find_versions(unsettled, &mut landed).await?;
        // A commit that finished between two of those lookups is found in
        // part: the rest of it is there now.
        let rest = planned.unsettled_of_landed_commits(&landed);
        self.find_versions(rest, &mut landed).await?;
        for root in roots.iter_mut() {
            settle(&mut **root, &landed);
        }
        plan(roots)
    }

    /// Adds the row id of each of these versions that is stored to `found`.
    async fn find_versions(
        &self,
        versions: Vec<(&'static EntityType, Vec<Uuid>)>,
        found: &mut HashMap<Uuid, i64>,
    ) -> Result<()> {
        for (ty, ids) in versions {
            let stored = self
                .driver
                .select_versions(ty, &VersionQuery::ecs_ids(ids))
                .await?;
            found.extend(stored.into_iter().map(|row| (row.ecs_id, row.id)));
        }
        Ok(())
    }

    /// Stores `plan` in one transaction. When the tables were dropped under
    /// this store (nothing of the failed commit was written), creates them
    /// again and retries once.
    async fn write(
        &self,
        root_types: &[&'static EntityType],
        plan: &CommitPlan,
    ) -> Result<HashMap<Uuid, i64>> {
        self.recreating_dropped_tables(root_types, || self.driver.commit(plan))
            .await
    }

    /// Runs `operation`; when it failed on a table that is gone (dropped
    /// under this store, so the operation wrote nothing), creates the
    /// tables of `types` again (empty) and runs it once more.
    pub(crate) async fn recreating_dropped_tables<T, F>(
        &self,
        types: &[&'static EntityType],
        operation: impl Fn() -> F,
    ) -> Result<T>
    where
        F: std::future::Future<Output = Result<T>>,
    {
        let outcome = operation().await;
        if !is_missing_table(&outcome) {
            return outcome;
        }
        self.forget_tables();
        for ty in types {
            self.ensure(ty).await?;
        }
        operation().await
    }

    /// A unique violation means a version of the plan is stored already:
    /// a copy of a never-stored entity that was committed elsewhere first.
    /// Finds which one, so the error names its type and id.
    async fn explain_commit_failure(&self, plan: &CommitPlan, error: Error) -> Error {
        if error.database_kind() != Some(DbErrorKind::UniqueViolation) {
            return error;
        }
        for batch in &plan.batches {
            let ids = batch.rows.iter().map(|row| row.ecs_id).collect();
            let stored = self
                .driver
                .select_versions(batch.entity_type, &VersionQuery::ecs_ids(ids))
                .await;
            if let Some(version) = stored.ok().and_then(|found| found.into_iter().next()) {
                return Error::InvalidInput {
                    type_name: batch.entity_type.name.to_string(),
                    id: version.ecs_id,
                    detail: "this version is stored already: a copy of this entity was \
                             committed before this one; put the committed copy (or one \
                             loaded from the store) in the tree instead"
                        .into(),
                };
            }
        }
        error
    }
}

/// A commit sent to the driver and not yet answered. Dropped before it is
/// applied or abandoned (the commit's future was dropped), it notes in the
/// trees the versions the commit planned, since they may have landed.
struct InFlight<'a, 'n> {
    roots: &'a mut [&'n mut dyn Node],
    planned: Option<PlannedCommit>,
}

impl<'a, 'n> InFlight<'a, 'n> {
    fn new(roots: &'a mut [&'n mut dyn Node], planned: PlannedCommit) -> Self {
        InFlight {
            roots,
            planned: Some(planned),
        }
    }

    fn plan(&self) -> &CommitPlan {
        &self.planned().plan
    }

    fn planned(&self) -> &PlannedCommit {
        self.planned
            .as_ref()
            .expect("a commit in flight holds its plan")
    }

    /// The commit landed: the tree becomes its versions.
    fn apply(mut self, row_ids: &HashMap<Uuid, i64>) -> CommitReport {
        let planned = self
            .planned
            .take()
            .expect("a commit in flight holds its plan");
        let report = planned.report.clone();
        apply_commit_roots(self.roots, planned, row_ids);
        report
    }

    /// The commit failed and stored nothing: the tree stays as it was.
    fn abandon(mut self) -> PlannedCommit {
        self.planned
            .take()
            .expect("a commit in flight holds its plan")
    }
}

impl Drop for InFlight<'_, '_> {
    fn drop(&mut self) {
        if let Some(planned) = self.planned.take() {
            mark_unsettled_roots(self.roots, &planned);
        }
    }
}

/// Whether a failed commit may have landed all the same: its connection
/// was lost while it ran, perhaps after the server committed.
fn outcome_unknown(error: &Error) -> bool {
    error.database_kind() == Some(DbErrorKind::ConnectionLost)
}

fn type_key(ty: &'static EntityType) -> usize {
    std::ptr::from_ref(ty) as usize
}

/// Fails when `ty` and one of the `known` types are different Rust types
/// stored under one type name (see [`Origin`](verso_core::Origin)): two
/// types of one name in different modules would share a catalog entry,
/// and a table too unless they set different ones. Types of unknown
/// origin, and shapes of one stored type (in one table) that one of them
/// declared with `#[verso(name = "...")]`, pass. (Two type names in one
/// table are refused by the drivers' catalog check.)
fn check_distinct(
    ty: &'static EntityType,
    known: impl Iterator<Item = &'static EntityType>,
) -> Result<()> {
    for other in known.filter(|other| other.name == ty.name) {
        let (mine, theirs) = (ty.origin, other.origin);
        let unknown = mine.rust_path.is_empty() || theirs.rust_path.is_empty();
        let one_type = mine.rust_path == theirs.rust_path;
        let declared_shape =
            ty.table == other.table && (mine.name_declared || theirs.name_declared);
        if unknown || one_type || declared_shape {
            continue;
        }
        return Err(Error::TypeCollision {
            name: ty.name.to_string(),
            table: ty.table.to_string(),
            first: theirs.rust_path.to_string(),
            second: mine.rust_path.to_string(),
        });
    }
    Ok(())
}

/// Longest identifier PostgreSQL keeps whole (it truncates longer ones).
const MAX_NAME_BYTES: usize = 63;

/// Whether every backend stores `name` as written: ASCII letters, digits
/// and underscores, at most 63 bytes.
fn is_portable_identifier(name: &str) -> bool {
    let valid_characters = name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    !name.is_empty() && name.len() <= MAX_NAME_BYTES && valid_characters
}

/// Checks the table name and column names of `ty`: identifiers every
/// backend stores as written (PostgreSQL would silently truncate a longer
/// one, and two columns could then share a name).
fn check_names(ty: &EntityType) -> Result<()> {
    if !is_portable_identifier(ty.table) {
        return Err(Error::SchemaMismatch {
            table: ty.table.to_string(),
            column: "*".into(),
            detail: format!(
                "{} cannot use this table name: use ASCII letters, digits and underscores, \
                 at most {MAX_NAME_BYTES} bytes (PostgreSQL truncates longer names); \
                 set #[verso(table = \"...\")]",
                ty.name
            ),
        });
    }
    if let Some(column) = ty.columns.iter().find(|c| !is_portable_identifier(c.name)) {
        return Err(Error::SchemaMismatch {
            table: ty.table.to_string(),
            column: column.name.to_string(),
            detail: format!(
                "field {} of {} cannot be a column: {} bytes; a column name must be ASCII \
                 letters, digits and underscores, at most {MAX_NAME_BYTES} bytes \
                 (PostgreSQL truncates longer names); rename the field",
                column.name,
                ty.name,
                column.name.len()
            ),
        });
    }
    Ok(())
}

/// Whether `outcome` failed on a table that is gone.
pub(crate) fn is_missing_table<T>(outcome: &Result<T>) -> bool {
    matches!(outcome, Err(e) if e.database_kind() == Some(DbErrorKind::MissingTable))
}
