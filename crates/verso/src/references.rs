//! Refusing dangling references before a commit is sent.

use crate::Store;
use std::collections::HashSet;
use uuid::Uuid;
use verso_core::{CommitPlan, Node, RefKind, Result};

impl Store {
    /// Fails with [`Error::DanglingReference`](verso_core::Error::DanglingReference) when a reference that `plan`
    /// adds (see [`CommitPlan::reference_checks`]) points to a version or
    /// lineage that is not stored and that the plan does not write. One
    /// statement per referenced type and kind, and none for a commit
    /// whose references did not change or point into the tree `root` it
    /// commits.
    ///
    /// The check runs before the commit's transaction: Verso never deletes
    /// a version, so a target found stored stays stored, and the only race
    /// accepted is a target committed concurrently by another store
    /// *after* this check (the commit is then refused, though it would
    /// have been valid a moment later).
    pub(crate) async fn check_references(
        &self,
        plan: &CommitPlan,
        roots: &[&dyn Node],
    ) -> Result<()> {
        for check in plan.reference_checks(roots) {
            self.ensure(check.target).await?;
            let column = match check.kind {
                RefKind::Version => "ecs_id",
                RefKind::Lineage => "lineage_id",
            };
            let found: HashSet<Uuid> = self
                .driver
                .stored_ids(check.target, column, &check.ids())
                .await?
                .into_iter()
                .collect();
            if let Some(missing) = check.first_missing(&found) {
                return Err(missing.dangling());
            }
        }
        Ok(())
    }
}
