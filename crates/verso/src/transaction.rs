//! Transactions: "read, decide, write" at one snapshot.

use crate::Store;
use uuid::Uuid;
use verso_core::{CommitInfo, CommitReport, Entity, Node, Result};

/// A transaction: reads at one snapshot of the store, then one commit of
/// the roots it staged, in the same database transaction. Made by
/// [`Store::begin`].
///
/// * Reads ([`get`](Self::get), [`latest`](Self::latest),
///   [`heads`](Self::heads)) see the store as it was when the transaction
///   began, whatever is committed meanwhile.
/// * [`stage`](Self::stage) sets a working copy aside for the commit;
///   nothing is written before [`finish`](Self::finish), which stores
///   every staged root in one commit (one commit id, like
///   [`Store::commit_set`]) and ends the transaction. A staged root stays
///   borrowed until then, and its metadata changes only if the commit
///   lands.
/// * Dropping the transaction without finishing it (or a failed
///   `finish`) stores nothing, and leaves every staged root as it was:
///   it commits normally afterwards.
///
/// # Conflicts
///
/// * SQLite takes its write lock when the transaction begins
///   (`BEGIN IMMEDIATE` on the writing connection): commits and other
///   transactions of the store wait until it ends, so a transaction never
///   fails on a conflict. Reads of a file database keep running beside it
///   (and see the last committed state); on `sqlite::memory:`, whose one
///   connection is the writer, they wait too.
/// * The memory backend behaves the same: a transaction holds its write
///   gate, reads go on.
/// * PostgreSQL runs the transaction at `REPEATABLE READ` on a connection
///   of its own: nothing waits, and of two transactions that read one
///   snapshot and then fork the same head, the one finishing second fails
///   with a retryable error ([`Error::is_retryable`](verso_core::Error::is_retryable),
///   a serialization failure) and stores nothing. Retry it in a new
///   transaction: it then reads the new head.
///
/// While a transaction is open, do the work through it: on SQLite, a
/// commit through the store from the task holding the transaction would
/// wait for the transaction forever.
#[must_use = "a transaction stores nothing until `.finish()` is awaited"]
pub struct Transaction<'r> {
    /// The store it began on, which learns the tables it created.
    store: Store,
    /// The store seen through the transaction's driver.
    view: Store,
    /// The working copies the commit stores.
    roots: Vec<&'r mut dyn Node>,
}

impl std::fmt::Debug for Transaction<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let types: Vec<&str> = self.roots.iter().map(|r| r.node_type().name).collect();
        f.debug_struct("Transaction")
            .field("backend", &self.view.driver().backend())
            .field("staged", &types)
            .finish()
    }
}

impl Store {
    /// Begins a [`Transaction`]: reads at one snapshot, then one commit.
    /// On SQLite and the memory backend this waits while another
    /// transaction is open; see [`Transaction`] for what each backend does
    /// on a conflict.
    ///
    /// ```
    /// # use verso::{Entity, Meta, Store};
    /// # #[derive(Clone, Debug, Entity)]
    /// # struct Counter { meta: Meta, count: i64 }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let store = Store::memory();
    /// let mut counter = Counter { meta: Meta::new(), count: 0 };
    /// store.commit(&mut counter).await?;
    ///
    /// let mut tx = store.begin().await?;
    /// let mut current: Counter = tx.latest(counter.meta.lineage_id()).await?;
    /// current.count += 1;
    /// tx.stage(&mut current);
    /// tx.finish().await?;
    /// assert_eq!(current.count, 1);
    /// # Ok::<(), verso::Error>(()) }).unwrap();
    /// ```
    pub async fn begin<'r>(&self) -> Result<Transaction<'r>> {
        let driver = self.driver.begin().await?;
        Ok(Transaction {
            store: self.clone(),
            view: self.view_on(driver),
            roots: Vec::new(),
        })
    }
}

impl<'r> Transaction<'r> {
    /// The version `ecs_id` of a `T` with its subtree, as
    /// [`Store::get`] reads it, at the transaction's snapshot.
    pub async fn get<T: Entity>(&self, ecs_id: Uuid) -> Result<T> {
        self.view.get(ecs_id).await
    }

    /// The newest version of a lineage at the transaction's snapshot (see
    /// [`Store::latest`]).
    pub async fn latest<T: Entity>(&self, lineage_id: Uuid) -> Result<T> {
        self.view.latest(lineage_id).await
    }

    /// The heads of a lineage at the transaction's snapshot (see
    /// [`Store::heads`]).
    pub async fn heads<T: Entity>(&self, lineage_id: Uuid) -> Result<Vec<T>> {
        self.view.heads(lineage_id).await
    }

    /// A typed query (see [`Store::query`]) read at the transaction's
    /// snapshot: decide on what it selects, then stage the change.
    pub fn query<T: Entity>(&self) -> crate::Query<'_, T> {
        self.view.query()
    }

    /// Stages `root` (and everything below it) for the transaction's
    /// commit. Nothing is written yet, and `root` keeps its metadata until
    /// [`finish`](Self::finish) stores it.
    pub fn stage<N: Node>(&mut self, root: &'r mut N) -> &mut Self {
        self.roots.push(root);
        self
    }

    /// Commits the staged roots in the transaction, as one commit, and
    /// ends it. On success the roots hold their new versions, as after
    /// [`Store::commit`]; on error nothing is stored and the roots are
    /// left as they were (an interrupted `finish` is settled by the next
    /// commit of those roots, as for [`Store::commit`]). A transaction
    /// with no change stores nothing.
    pub async fn finish(self) -> Result<CommitReport> {
        self.finish_with(CommitInfo::default()).await
    }

    /// Like [`finish`](Self::finish), with the commit's metadata (see
    /// [`Store::commit_with`]).
    pub async fn finish_with(mut self, info: CommitInfo) -> Result<CommitReport> {
        let report = self
            .view
            .store(&mut self.roots, false, false, &info)
            .await?;
        if !report.is_empty() {
            // The transaction committed: the tables it made are there.
            self.store.adopt_tables(&self.view);
        }
        Ok(report)
    }
}
