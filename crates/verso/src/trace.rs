//! Traced edits: run code on an entity and commit whatever it changed.

use crate::Store;
use verso_core::{CommitReport, Entity, Error};

/// The outcome of a traced edit: what the code returned, and what the
/// commit did (empty when the code changed nothing).
#[derive(Debug)]
pub struct Edited<R> {
    /// The edit's own return value.
    pub value: R,
    /// The versions the commit made.
    pub report: CommitReport,
}

impl Store {
    /// Runs `edit` on `entity`, then commits whatever it changed: edited
    /// fields and children are versioned, entities it created are stored
    /// with their first version. An edit that changes nothing makes no
    /// version. If `edit` returns an error, nothing is stored and `entity`
    /// is restored to what it was before the call.
    ///
    /// ```
    /// # use verso::{Entity, Meta, Store};
    /// # #[derive(Clone, Debug, Entity)]
    /// # struct Thread { meta: Meta, name: String }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> verso::Result<()> {
    /// # let store = Store::memory();
    /// # let mut thread = Thread { meta: Meta::new(), name: "draft".into() };
    /// # store.commit(&mut thread).await?;
    /// let edited = store
    ///     .edit(&mut thread, |t| {
    ///         t.name = "final".into();
    ///         Ok::<_, verso::Error>(t.name.len())
    ///     })
    ///     .await?;
    /// assert_eq!(edited.value, 5);
    /// assert_eq!(edited.report.forked.len(), 1);
    /// # Ok(()) }
    /// ```
    pub async fn edit<T, R, E>(
        &self,
        entity: &mut T,
        edit: impl FnOnce(&mut T) -> Result<R, E>,
    ) -> Result<Edited<R>, E>
    where
        T: Entity,
        E: From<Error>,
    {
        let before = entity.clone();
        match edit(entity) {
            Ok(value) => self.commit_edit(entity, value).await,
            Err(error) => {
                *entity = before;
                Err(error)
            }
        }
    }

    /// [`edit`](Self::edit) for asynchronous code.
    ///
    /// ```
    /// # use verso::{Entity, Meta, Store};
    /// # #[derive(Clone, Debug, Entity)]
    /// # struct Thread { meta: Meta, name: String }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> verso::Result<()> {
    /// # let store = Store::memory();
    /// # let mut thread = Thread { meta: Meta::new(), name: "draft".into() };
    /// let edited = store
    ///     .edit_async(&mut thread, async |t: &mut Thread| {
    ///         t.name = fetch_title().await;
    ///         Ok::<_, verso::Error>(())
    ///     })
    ///     .await?;
    /// assert_eq!(edited.report.created.len(), 1);
    /// # Ok(()) }
    /// # async fn fetch_title() -> String { "from the network".into() }
    /// ```
    pub async fn edit_async<T, R, E>(
        &self,
        entity: &mut T,
        edit: impl AsyncFnOnce(&mut T) -> Result<R, E>,
    ) -> Result<Edited<R>, E>
    where
        T: Entity,
        E: From<Error>,
    {
        let before = entity.clone();
        match edit(entity).await {
            Ok(value) => self.commit_edit(entity, value).await,
            Err(error) => {
                *entity = before;
                Err(error)
            }
        }
    }

    async fn commit_edit<T: Entity, R, E: From<Error>>(
        &self,
        entity: &mut T,
        value: R,
    ) -> Result<Edited<R>, E> {
        let report = self.commit(entity).await?;
        Ok(Edited { value, report })
    }
}
