//! Upgrading a database written by an earlier storage layout.

use crate::Store;
use verso_core::{Result, UpgradeReport};

impl Store {
    /// Migrates a database written by Verso's earlier storage layout (one
    /// `verso_links` row per child of every version) to this one, in place
    /// and in one transaction: every version keeps its id, its children in
    /// order, its ancestry, and every lineage its heads. On failure nothing
    /// is changed.
    ///
    /// Until a database of the earlier layout is upgraded, every other use
    /// of the store fails with [`Error::OutdatedLayout`](verso_core::Error::OutdatedLayout);
    /// this works on such a store, opened as usual with [`Store::open`].
    /// A database already in this layout (or a new one) is left as it is,
    /// and the report says `upgraded: false`, so calling it at every
    /// startup is harmless. The `verso upgrade --db URL` command does the
    /// same from the command line.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> verso::Result<()> {
    /// let store = verso::Store::open("sqlite::memory:").await?;
    /// let report = store.upgrade().await?;
    /// assert!(!report.upgraded, "a new database has nothing to upgrade");
    /// # Ok(()) }
    /// ```
    pub async fn upgrade(&self) -> Result<UpgradeReport> {
        // No type can have been ensured on a database of the earlier layout
        // (ensuring fails on it), so the upgraded tables are checked on
        // first use like any others.
        self.driver.upgrade().await
    }
}
