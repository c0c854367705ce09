//! Which references a commit must find stored: the ones its new versions
//! hold that the versions they fork from did not.
//!
//! A reference that did not change was checked when it was first
//! committed (versions are never deleted), so a commit checks only what it
//! changes: the planner notes each new reference
//! ([`new_references`]), and [`CommitPlan::reference_checks`] groups those
//! the commit does not write itself by target type and kind, for one
//! statement per group.

use crate::error::Error;
use crate::plan::CommitPlan;
use crate::reference_list::reference_ids;
use crate::schema::{EntityType, RefKind};
use crate::value::Value;
use std::collections::HashSet;
use uuid::Uuid;

/// A reference a new version of a commit holds that the version it forks
/// from did not (every reference of a first version).
#[derive(Debug, Clone)]
pub struct NewReference {
    /// The holder's type.
    pub holder: &'static EntityType,
    /// The holder's id in the working copy.
    pub holder_id: Uuid,
    /// The reference field.
    pub field: &'static str,
    /// The referenced type.
    pub target: &'static EntityType,
    /// Whether `id` is a version or a lineage id.
    pub kind: RefKind,
    /// The referenced id.
    pub id: Uuid,
}

impl NewReference {
    /// The error of this reference when its target is not stored.
    pub fn dangling(&self) -> Error {
        Error::DanglingReference {
            type_name: self.holder.name.to_string(),
            id: self.holder_id,
            field: self.field.to_string(),
            target_type: self.target.name.to_string(),
            kind: self.kind,
            target: self.id,
        }
    }
}

/// The references of one target type and kind a commit must find stored
/// (see [`CommitPlan::reference_checks`]).
#[derive(Debug, Clone)]
pub struct ReferenceCheck<'p> {
    /// The referenced type.
    pub target: &'static EntityType,
    /// Whether the ids are version or lineage ids.
    pub kind: RefKind,
    /// The references, each target id once.
    pub references: Vec<&'p NewReference>,
}

impl ReferenceCheck<'_> {
    /// The ids to look for, each once.
    pub fn ids(&self) -> Vec<Uuid> {
        self.references.iter().map(|r| r.id).collect()
    }

    /// The first reference whose target is not among `found` (the ids the
    /// query found: `ecs_id`s or lineage ids, as the kind says).
    pub fn first_missing(&self, found: &HashSet<Uuid>) -> Option<&NewReference> {
        self.references
            .iter()
            .copied()
            .find(|r| !found.contains(&r.id))
    }
}

/// The references of the new version of `holder` (working-copy id
/// `holder_id`) with column `values` that `stored` (the values of the
/// version it forks from, if any) did not hold, appended to `out`. Only
/// references to types compiled into the program are noted.
pub(crate) fn new_references(
    holder: &'static EntityType,
    holder_id: Uuid,
    values: &[Value],
    stored: Option<&[Value]>,
    out: &mut Vec<NewReference>,
) {
    for (index, (column, value)) in holder.columns.iter().zip(values).enumerate() {
        let Some(reference) = column.references else {
            continue;
        };
        let (Some(target), Some(kind)) = (reference.target.resolve(), reference.kind) else {
            continue;
        };
        let before = stored.and_then(|s| s.get(index));
        if before == Some(value) {
            continue;
        }
        let ids = match value {
            Value::Uuid(id) => vec![*id],
            Value::Json(_) if reference.many => {
                let old: HashSet<Uuid> = before
                    .and_then(|b| reference_ids(b).ok())
                    .unwrap_or_default()
                    .into_iter()
                    .collect();
                let mut ids = reference_ids(value).unwrap_or_default();
                ids.retain(|id| !old.contains(id));
                ids
            }
            _ => Vec::new(),
        };
        out.extend(ids.into_iter().map(|id| NewReference {
            holder,
            holder_id,
            field: column.name,
            target,
            kind,
            id,
        }));
    }
}

impl CommitPlan {
    /// The new references this plan does not itself write the target of,
    /// grouped by target type and kind (in the order first met), each id
    /// once: what the store looks up before it commits, one statement per
    /// group.
    pub fn reference_checks(&self) -> Vec<ReferenceCheck<'_>> {
        let mut versions = HashSet::new();
        let mut lineages = HashSet::new();
        for batch in &self.batches {
            for row in &batch.rows {
                versions.insert((batch.entity_type.name, row.ecs_id));
                lineages.insert((batch.entity_type.name, row.lineage_id));
            }
        }
        let written = |target: &EntityType, kind: RefKind, id: Uuid| match kind {
            RefKind::Version => versions.contains(&(target.name, id)),
            RefKind::Lineage => lineages.contains(&(target.name, id)),
        };
        let mut checks: Vec<ReferenceCheck<'_>> = Vec::new();
        let mut asked = HashSet::new();
        for reference in &self.references {
            let (target, kind, id) = (reference.target, reference.kind, reference.id);
            if !asked.insert((target.name, kind, id)) || written(target, kind, id) {
                continue;
            }
            match checks
                .iter_mut()
                .find(|c| c.target.name == target.name && c.kind == kind)
            {
                Some(check) => check.references.push(reference),
                None => checks.push(ReferenceCheck {
                    target,
                    kind,
                    references: vec![reference],
                }),
            }
        }
        checks
    }
}
