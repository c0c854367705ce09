//! History: diffs, time travel, lineage trees and revert.

use crate::Store;
use chrono::{DateTime, Utc};
use uuid::Uuid;
use verso_core::{
    diff, reachable_types, Assembly, CommitReport, Diff, Entity, Error, LineageTree, LoadRequest,
    Result,
};

impl Store {
    /// What differs from version `old` to version `new` of one lineage of
    /// `T`: changed fields with their old and new values, and per child
    /// field the children added, removed, moved and changed (each changed
    /// child with its own diff). Any two versions can be compared, not only
    /// a parent and its child. Both trees come from one load.
    ///
    /// Errors: [`Error::NotFound`] or [`Error::WrongType`] for an id that is
    /// not a version of `T`; [`Error::InvalidInput`] when the two versions
    /// belong to different lineages.
    ///
    /// ```
    /// # use verso::{Entity, Meta, Store};
    /// # #[derive(Clone, Debug, Entity)]
    /// # struct Note { meta: Meta, text: String }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> verso::Result<()> {
    /// let store = Store::memory();
    /// let mut note = Note { meta: Meta::new(), text: "draft".into() };
    /// store.commit(&mut note).await?;
    /// let first = note.meta.ecs_id();
    /// note.text = "final".into();
    /// store.commit(&mut note).await?;
    ///
    /// let diff = store.diff::<Note>(first, note.meta.ecs_id()).await?;
    /// assert_eq!(diff.summary(), "text changed");
    /// println!("{diff}"); // ~ text: "draft" -> "final"
    /// # Ok(()) }
    /// ```
    pub async fn diff<T: Entity>(&self, old: Uuid, new: Uuid) -> Result<Diff> {
        let ty = T::entity_type();
        self.ensure(ty).await?;
        let request = LoadRequest {
            root_type: ty,
            roots: vec![old, new],
            types: reachable_types(ty),
        };
        let loaded = self.driver.load(&request).await?;
        for id in [old, new] {
            // The row may also be there as a child of the other root.
            match loaded.rows.get(&id) {
                Some(row) if row.entity_type.name == ty.name => {}
                Some(row) => {
                    return Err(Error::WrongType {
                        expected: ty.name.to_string(),
                        actual: row.entity_type.name.to_string(),
                        id,
                    })
                }
                None => return Err(self.missing(ty.name, id).await),
            }
        }
        let assembly = Assembly::new(&loaded)?;
        let (old_tree, new_tree) = (assembly.tree(old)?, assembly.tree(new)?);
        if old_tree.meta.lineage_id != new_tree.meta.lineage_id {
            return Err(Error::InvalidInput {
                type_name: ty.name.to_string(),
                id: new,
                detail: format!(
                    "cannot diff versions of two lineages: {old} is in lineage {}, {new} in {}",
                    old_tree.meta.lineage_id, new_tree.meta.lineage_id
                ),
            });
        }
        Ok(diff(&old_tree, &new_tree))
    }

    /// The version of lineage `lineage_id` that was its newest at `time`
    /// (created at or before it), with its subtree as it was then.
    ///
    /// Errors: [`Error::NotFound`] naming the lineage when it has no
    /// version yet at `time`, or none at all.
    pub async fn as_of<T: Entity>(&self, lineage_id: Uuid, time: DateTime<Utc>) -> Result<T> {
        let then = self.newest::<T>(lineage_id, Some(time)).await?;
        self.get(then.ecs_id).await
    }

    /// The lineage as a tree of versions: each version with the versions
    /// forked from it, oldest first (one query, metadata only).
    pub async fn lineage_tree<T: Entity>(&self, lineage_id: Uuid) -> Result<LineageTree> {
        let versions = self.versions::<T>(lineage_id).await?;
        Ok(LineageTree::new(
            T::entity_type().name,
            lineage_id,
            versions,
        ))
    }

    /// Makes the content of version `old` (children included) the new head
    /// of its lineage: commits a new version whose parent is the lineage's
    /// current newest version and whose content equals `old`'s. The
    /// children are `old`'s own child versions, so none of them is written
    /// again. Nothing is deleted; every earlier version stays readable.
    ///
    /// Returns the new head and the commit's report. Reverting to the
    /// version that already is the newest changes nothing and makes no
    /// version (the report is empty).
    pub async fn revert<T: Entity>(&self, old: Uuid) -> Result<(T, CommitReport)> {
        let ty = T::entity_type();
        self.ensure(ty).await?;
        let Some(version) = self.driver.version(ty, old).await? else {
            return Err(self.missing(ty.name, old).await);
        };
        let head = self.newest::<T>(version.lineage_id, None).await?.ecs_id;
        let [mut reverted, head]: [T; 2] = self
            .get_many::<T>(&[old, head])
            .await?
            .try_into()
            .unwrap_or_else(|_| unreachable!("get_many returns one entity per id"));
        // Compared against the head, the old content is a change: the
        // commit forks the head into a version holding it.
        *reverted.meta_mut() = head.meta().clone();
        let report = self.commit(&mut reverted).await?;
        Ok((reverted, report))
    }
}
