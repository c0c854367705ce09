//! Lookups by commit: what a commit wrote, and the commits of a lineage.

use crate::store::is_missing_table;
use crate::Store;
use uuid::Uuid;
use verso_core::{CommitRecord, CommitVersion, Entity, Error, Result, COMMIT_TYPE_NAME};

impl Store {
    /// The commit `commit_id` with its metadata (author, message,
    /// key/values, time). One statement. An unknown id is
    /// [`Error::NotFound`] with the type name `commit`.
    pub async fn commit_info(&self, commit_id: Uuid) -> Result<CommitRecord> {
        let found = self.driver.commit_record(commit_id).await;
        let not_found = || Error::NotFound {
            type_name: COMMIT_TYPE_NAME.into(),
            id: commit_id,
        };
        if is_missing_table(&found) {
            // No commit table yet: nothing was ever committed here.
            return Err(not_found());
        }
        found?.ok_or_else(not_found)?.record()
    }

    /// The versions commit `commit_id` wrote (type, version and lineage),
    /// in the order it wrote them: children before their parents, each
    /// root last in its tree. One statement on an index; empty for an
    /// unknown commit.
    pub async fn versions_of_commit(&self, commit_id: Uuid) -> Result<Vec<CommitVersion>> {
        let found = self.driver.commit_versions(commit_id).await;
        if is_missing_table(&found) {
            return Ok(Vec::new());
        }
        found
    }

    /// The commits that wrote versions of lineage `lineage_id` (of type
    /// `T`), oldest first, each once, with their metadata. One statement
    /// on an index, however long the lineage. Versions stored before
    /// Verso recorded commits belong to no commit; a lineage without any
    /// has none.
    pub async fn commits<T: Entity>(&self, lineage_id: Uuid) -> Result<Vec<CommitRecord>> {
        self.ensure(T::entity_type()).await?;
        let versions = self.driver.lineage_commits(lineage_id).await?;
        let mut commits: Vec<CommitRecord> = Vec::with_capacity(versions.len());
        for version in versions {
            // Oldest first: the versions of one commit are adjacent.
            if commits.last().is_none_or(|c| c.id != version.commit.id) {
                commits.push(version.commit.record()?);
            }
        }
        Ok(commits)
    }
}
