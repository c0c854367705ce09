//! Several roots committed atomically: one plan, one transaction, one
//! commit id.

use crate::Store;
use verso_core::{CommitInfo, CommitReport, Node, Result};

/// Several working copies, of any types, committed together: every version
/// they need lands in one transaction under one commit id (and its
/// metadata), or none does and every root is left untouched. Made by
/// [`Store::commit_set`].
///
/// An entity held by two of the roots is planned once, as within one
/// tree. Interrupted commits behave as for one root (see
/// [`Store::commit`]): the roots note what the commit planned, and the
/// next commit holding them settles it.
#[must_use = "a commit set stores nothing until `.commit()` is awaited"]
pub struct CommitSet<'s, 'r> {
    store: &'s Store,
    roots: Vec<&'r mut dyn Node>,
    info: CommitInfo,
    refuse_branches: bool,
}

impl std::fmt::Debug for CommitSet<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let types: Vec<&str> = self.roots.iter().map(|r| r.node_type().name).collect();
        f.debug_struct("CommitSet")
            .field("roots", &types)
            .field("info", &self.info)
            .field("refuse_branches", &self.refuse_branches)
            .finish()
    }
}

impl<'s, 'r> CommitSet<'s, 'r> {
    /// Adds a root (and everything below it).
    pub fn root<N: Node>(mut self, root: &'r mut N) -> Self {
        self.roots.push(root);
        self
    }

    /// The commit's metadata (see [`Store::commit_with`]).
    pub fn info(mut self, info: CommitInfo) -> Self {
        self.info = info;
        self
    }

    /// Refuses to branch, as [`Store::commit_on_head`] does: if another
    /// version was already forked from a version any root would fork, the
    /// whole set fails with [`Error::Conflict`](verso_core::Error::Conflict)
    /// and nothing is stored.
    pub fn on_head(mut self) -> Self {
        self.refuse_branches = true;
        self
    }

    /// Stores the set. The report lists what every root created and
    /// forked, roots in the order they were given, under one
    /// [`commit_id`](CommitReport::commit_id).
    pub async fn commit(mut self) -> Result<CommitReport> {
        self.store
            .store(&mut self.roots, false, self.refuse_branches, &self.info)
            .await
    }
}

impl Store {
    /// An empty set of roots to commit atomically.
    ///
    /// ```
    /// # use verso::{CommitInfo, Entity, Meta, Store};
    /// # #[derive(Clone, Debug, Entity)]
    /// # struct Counter { meta: Meta, count: i64 }
    /// # #[derive(Clone, Debug, Entity)]
    /// # struct Note { meta: Meta, text: String }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let store = Store::memory();
    /// let mut note = Note { meta: Meta::new(), text: "hello".into() };
    /// let mut counter = Counter { meta: Meta::new(), count: 1 };
    /// let report = store
    ///     .commit_set()
    ///     .root(&mut note)
    ///     .root(&mut counter)
    ///     .info(CommitInfo::new().author("ana"))
    ///     .commit()
    ///     .await?;
    /// assert_eq!(report.created.len(), 2);
    /// # Ok::<(), verso::Error>(()) }).unwrap();
    /// ```
    pub fn commit_set(&self) -> CommitSet<'_, '_> {
        CommitSet {
            store: self,
            roots: Vec::new(),
            info: CommitInfo::default(),
            refuse_branches: false,
        }
    }
}
