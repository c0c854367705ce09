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
    /// version. If `edit` returns an error, panics, or (for
    /// [`edit_async`](Self::edit_async)) is cancelled, nothing is stored
    /// and `entity` is restored to what it was before the call. Once the
    /// edit has run, a cancelled call is a cancelled
    /// [`commit`](Self::commit): `entity` keeps the edit, and the next
    /// commit finds out whether it landed.
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
        let mut guard = Restore::new(&mut *entity);
        let value = edit(guard.target())?;
        guard.keep();
        self.commit_edit(entity, value).await
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
        let mut guard = Restore::new(&mut *entity);
        let value = edit(guard.target()).await?;
        guard.keep();
        self.commit_edit(entity, value).await
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

/// Puts an entity back as it was unless told to keep the edit: on an
/// error, a panic unwinding through the edit, or a cancelled future.
struct Restore<'a, T: Clone> {
    target: &'a mut T,
    before: Option<T>,
}

impl<'a, T: Clone> Restore<'a, T> {
    fn new(target: &'a mut T) -> Self {
        let before = Some(target.clone());
        Restore { target, before }
    }

    fn target(&mut self) -> &mut T {
        self.target
    }

    /// The edit succeeded: keep it.
    fn keep(mut self) {
        self.before = None;
    }
}

impl<T: Clone> Drop for Restore<'_, T> {
    fn drop(&mut self) {
        if let Some(before) = self.before.take() {
            *self.target = before;
        }
    }
}
