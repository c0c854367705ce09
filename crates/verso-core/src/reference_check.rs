//! Which references a commit must find stored: the ones its new versions
//! hold that the versions they fork from did not.
//!
//! A reference that did not change was checked when it was first
//! committed (versions are never deleted), so a commit checks only what it
//! changes: the planner notes each new reference
//! ([`new_references`]), and [`CommitPlan::reference_checks`] groups those
//! whose target is neither written by the commit nor a stored version of
//! the committed tree by target type and kind, for one statement per
//! group.

use crate::entity::Node;
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

/// A reference's target: type name, kind, id.
type Target = (&'static str, RefKind, Uuid);

impl CommitPlan {
    /// The new references whose target is neither written by this plan
    /// nor a stored version of the trees under `roots` (the trees it was
    /// planned from, whose loaded or committed versions are stored, with
    /// their lineages), grouped by target type and kind (in the order
    /// first met), each id once: what the store looks up before it
    /// commits, one statement per group. The tree is walked only when
    /// some reference is left after the plan's own versions.
    pub fn reference_checks(&self, roots: &[&dyn Node]) -> Vec<ReferenceCheck<'_>> {
        let mut written = HashSet::new();
        for batch in &self.batches {
            for row in &batch.rows {
                written.insert((batch.entity_type.name, RefKind::Version, row.ecs_id));
                written.insert((batch.entity_type.name, RefKind::Lineage, row.lineage_id));
            }
        }
        let target = |r: &NewReference| (r.target.name, r.kind, r.id);
        let mut unknown: HashSet<Target> = self
            .references
            .iter()
            .map(target)
            .filter(|t| !written.contains(t))
            .collect();
        let mut ids: Vec<Uuid> = unknown.iter().map(|t| t.2).collect();
        ids.sort_unstable();
        for root in roots {
            if unknown.is_empty() {
                break;
            }
            forget_stored(*root, 0, &ids, &mut unknown);
        }
        let mut checks: Vec<ReferenceCheck<'_>> = Vec::new();
        for reference in &self.references {
            // Each target once: the first reference to it is the one named.
            if !unknown.remove(&target(reference)) {
                continue;
            }
            let (target, kind) = (reference.target, reference.kind);
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

/// Removes from `targets` the versions and lineages of the stored nodes of
/// the tree under `node` (at `depth`), until none is left. Each node costs
/// a binary search of `ids` (the targets' ids, sorted) and nothing more
/// unless it is one of them: the walk runs on every commit that appends a
/// reply to a loaded message, so it must stay as cheap as the planner's.
fn forget_stored(node: &dyn Node, depth: usize, ids: &[Uuid], targets: &mut HashSet<Target>) {
    let meta = node.meta();
    if meta.is_stored() {
        let (version, lineage) = (meta.ecs_id(), meta.lineage_id());
        if ids.binary_search(&version).is_ok() || ids.binary_search(&lineage).is_ok() {
            let name = node.node_type().name;
            targets.remove(&(name, RefKind::Version, version));
            targets.remove(&(name, RefKind::Lineage, lineage));
        }
    }
    node.for_each_child(&mut |_, child| {
        if !targets.is_empty() {
            crate::deep::descend_at(depth + 1, || forget_stored(child, depth + 1, ids, targets));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{apply_commit, plan_commit};
    use crate::{LineageRef, Meta, Ref};
    use verso_derive::Entity;

    #[derive(Clone, Debug, PartialEq, Entity)]
    #[verso(crate = "crate")]
    struct Target {
        meta: Meta,
        label: String,
    }

    #[derive(Clone, Debug, PartialEq, Entity)]
    #[verso(crate = "crate")]
    struct Holder {
        meta: Meta,
        pinned: Vec<Ref<Target>>,
        followed: Option<LineageRef<Target>>,
        #[verso(child)]
        owned: Vec<Target>,
    }

    fn target(label: &str) -> Target {
        Target {
            meta: Meta::new(),
            label: label.into(),
        }
    }

    /// Plans and applies a commit as if the driver stored it.
    fn commit(holder: &mut Holder) {
        let planned = plan_commit(holder, false).unwrap();
        let row_ids = planned.plan.numbered_row_ids();
        apply_commit(holder, planned, &row_ids);
    }

    /// `(kind, ids)` of each check, in order.
    fn checks(holder: &Holder) -> Vec<(RefKind, Vec<Uuid>)> {
        let plan = plan_commit(holder, false).unwrap().plan;
        let checks = plan.reference_checks(&[holder]);
        checks.iter().map(|c| (c.kind, c.ids())).collect()
    }

    #[test]
    fn new_references_are_grouped_by_kind_each_id_once() {
        let (a, b) = (target("a"), target("b"));
        let holder = Holder {
            meta: Meta::new(),
            pinned: vec![Ref::to(&a), Ref::to(&b), Ref::to(&a)],
            followed: Some(LineageRef::to(&a)),
            owned: Vec::new(),
        };
        assert_eq!(
            checks(&holder),
            [
                (RefKind::Version, vec![a.meta.ecs_id(), b.meta.ecs_id()]),
                (RefKind::Lineage, vec![a.meta.lineage_id()]),
            ]
        );
    }

    #[test]
    fn targets_the_commit_writes_or_the_tree_holds_stored_are_not_looked_up() {
        let (outside, kept) = (target("outside"), target("kept"));
        let mut holder = Holder {
            meta: Meta::new(),
            pinned: Vec::new(),
            followed: None,
            owned: vec![kept, target("new")],
        };
        holder.pinned = vec![Ref::to(&holder.owned[1])];
        holder.followed = Some(LineageRef::to(&holder.owned[1]));
        assert!(checks(&holder).is_empty(), "written by the same commit");
        commit(&mut holder);

        holder.pinned = vec![Ref::to(&holder.owned[0]), Ref::to(&outside)];
        holder.followed = Some(LineageRef::to(&holder.owned[0]));
        assert_eq!(
            checks(&holder),
            [(RefKind::Version, vec![outside.meta.ecs_id()])],
            "only the target outside the tree"
        );
    }

    #[test]
    fn only_the_ids_a_list_gains_are_checked() {
        let (a, b) = (target("a"), target("b"));
        let mut holder = Holder {
            meta: Meta::new(),
            pinned: vec![Ref::to(&a)],
            followed: None,
            owned: Vec::new(),
        };
        commit(&mut holder);
        holder.pinned = vec![Ref::to(&b), Ref::to(&a)];
        assert_eq!(checks(&holder), [(RefKind::Version, vec![b.meta.ecs_id()])]);
        commit(&mut holder);
        holder.pinned.reverse();
        assert!(checks(&holder).is_empty(), "a reordered list gains nothing");
        holder.pinned.pop();
        assert!(checks(&holder).is_empty(), "nor does a shorter one");
    }

    #[test]
    fn a_dangling_reference_names_holder_field_and_target() {
        let missing = target("missing");
        let holder = Holder {
            meta: Meta::new(),
            pinned: vec![Ref::to(&missing)],
            followed: None,
            owned: Vec::new(),
        };
        let plan = plan_commit(&holder, false).unwrap().plan;
        let checks = plan.reference_checks(&[&holder]);
        let dangling = checks[0].first_missing(&HashSet::new()).unwrap().dangling();
        assert_eq!(
            dangling.to_string(),
            format!(
                "Holder {}: field pinned references Target version {}, which is not stored",
                holder.meta.ecs_id(),
                missing.meta.ecs_id()
            )
        );
    }
}
