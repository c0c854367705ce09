//! The commits recorded in the database: what `log` and `show COMMIT` read.

use crate::database::Database;
use crate::failure::Failure;
use std::collections::HashMap;
use verso::{CommitRecord, CommitVersion, DbErrorKind, Uuid};

/// A database written before Verso recorded commits has no commit tables:
/// it holds no commit, which is no failure.
fn or_none<T: Default>(found: verso::Result<T>) -> verso::Result<T> {
    match found {
        Err(e) if e.database_kind() == Some(DbErrorKind::MissingTable) => Ok(T::default()),
        other => other,
    }
}

impl Database {
    /// The commit `id` with its metadata, if one is recorded. One statement.
    pub async fn commit(&self, id: Uuid) -> Result<Option<CommitRecord>, Failure> {
        let row = or_none(self.driver().commit_record(id).await)?;
        Ok(row.map(|row| row.record()).transpose()?)
    }

    /// The versions commit `id` wrote, in its order. One statement.
    pub async fn versions_of_commit(&self, id: Uuid) -> Result<Vec<CommitVersion>, Failure> {
        Ok(or_none(self.driver().commit_versions(id).await)?)
    }

    /// The commit that wrote each version of lineage `lineage_id`, by
    /// version (versions written before commits were recorded have none).
    /// One statement.
    pub async fn commits_of_lineage(
        &self,
        lineage_id: Uuid,
    ) -> Result<HashMap<Uuid, CommitRecord>, Failure> {
        let versions = or_none(self.driver().lineage_commits(lineage_id).await)?;
        let mut by_version = HashMap::with_capacity(versions.len());
        for version in versions {
            by_version.insert(version.ecs_id, version.commit.record()?);
        }
        Ok(by_version)
    }
}
