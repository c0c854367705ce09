//! Typed diffs between two versions of a lineage.
//!
//! [`diff`] compares two [`VersionTree`]s: column by column, then child
//! field by child field, matching children by lineage so that a child
//! replaced by a later version of itself is *changed* (with its own diff),
//! not removed and added again.

mod order;
mod text;

use crate::tree::VersionTree;
use crate::value::Value;
use std::collections::{HashMap, VecDeque};
use uuid::Uuid;

pub use text::{DiffLine, LineKind, ReferenceNaming};

/// What differs between two versions of one entity (see [`diff`]).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Diff {
    /// The entity type.
    pub type_name: &'static str,
    /// The lineage of the newer side.
    pub lineage_id: Uuid,
    /// The version compared from.
    pub old: Uuid,
    /// The version compared to.
    pub new: Uuid,
    /// The columns whose value differs, in column order.
    pub fields: Vec<FieldChange>,
    /// The child fields whose children differ, in declaration order.
    pub children: Vec<ChildrenDiff>,
}

/// One column whose value differs.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct FieldChange {
    /// Column (field) name.
    pub field: &'static str,
    /// The value in the old version.
    pub old: Value,
    /// The value in the new version.
    pub new: Value,
    /// For a reference column, the referenced type: the reference now
    /// points to another target.
    pub references: Option<&'static str>,
}

/// How the children of one child field differ.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ChildrenDiff {
    /// The child field.
    pub field: &'static str,
    /// Children of a lineage the old version did not hold, at their new
    /// positions.
    pub added: Vec<PlacedChild>,
    /// Children of a lineage the new version does not hold, at their old
    /// positions.
    pub removed: Vec<PlacedChild>,
    /// Children whose order relative to the others changed (the fewest
    /// that explain the new order: a child that only shifted because
    /// others were added or removed before it did not move).
    pub moved: Vec<MovedChild>,
    /// Children held by both sides in different versions, with their diff.
    pub changed: Vec<ChangedChild>,
}

/// A child added or removed, at its position in the list that holds it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PlacedChild {
    /// Position in the child list, from 0.
    pub position: usize,
    /// The child with its subtree.
    pub child: VersionTree,
}

/// A child whose place in the order changed.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct MovedChild {
    /// The child's type.
    pub type_name: &'static str,
    /// The child's lineage.
    pub lineage_id: Uuid,
    /// The child's version in the new list.
    pub ecs_id: Uuid,
    /// Position in the old list.
    pub from: usize,
    /// Position in the new list.
    pub to: usize,
}

/// A child held by both sides, in two different versions.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ChangedChild {
    /// Position in the old list.
    pub from: usize,
    /// Position in the new list.
    pub to: usize,
    /// How the child's versions differ (possibly only in version, for a
    /// fork without change).
    pub diff: Diff,
}

impl Diff {
    /// Whether the two versions have the same content.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.children.is_empty()
    }
}

impl ChildrenDiff {
    fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.moved.is_empty()
            && self.changed.is_empty()
    }
}

/// What differs from `old` to `new`, two versions of one entity type
/// (normally of one lineage; see `Store::diff`).
///
/// Columns are compared by value. Children are matched by lineage, in
/// order: the first child of a lineage in `old` with the first of that
/// lineage in `new`, and so on. Matched children in the same version are
/// equal (versions are immutable) and are not descended into.
pub fn diff(old: &VersionTree, new: &VersionTree) -> Diff {
    let mut result = Diff {
        type_name: new.entity_type.name,
        lineage_id: new.meta.lineage_id,
        old: old.meta.ecs_id,
        new: new.meta.ecs_id,
        fields: Vec::new(),
        children: Vec::new(),
    };
    if old.meta.ecs_id == new.meta.ecs_id {
        return result;
    }
    for (column, value) in new.entity_type.columns.iter().zip(&new.values) {
        let before = old.value(column.name).unwrap_or(&Value::Null);
        if before != value {
            result.fields.push(FieldChange {
                field: column.name,
                old: before.clone(),
                new: value.clone(),
                references: column.references.map(|r| r.target.name()),
            });
        }
    }
    for list in &new.children {
        let children = diff_children(list.field, old.children_of(list.field), &list.versions);
        if !children.is_empty() {
            result.children.push(children);
        }
    }
    result
}

fn diff_children(field: &'static str, old: &[VersionTree], new: &[VersionTree]) -> ChildrenDiff {
    let mut result = ChildrenDiff {
        field,
        added: Vec::new(),
        removed: Vec::new(),
        moved: Vec::new(),
        changed: Vec::new(),
    };
    // Match each new child with an old one: the same version first, then
    // another version of the same lineage.
    let mut match_of_new: Vec<Option<usize>> = vec![None; new.len()];
    let mut matched_old = vec![false; old.len()];
    let mut same_version: HashMap<Uuid, VecDeque<usize>> = HashMap::new();
    for (i, child) in old.iter().enumerate() {
        same_version
            .entry(child.meta.ecs_id)
            .or_default()
            .push_back(i);
    }
    for (j, child) in new.iter().enumerate() {
        if let Some(i) = same_version
            .get_mut(&child.meta.ecs_id)
            .and_then(VecDeque::pop_front)
        {
            match_of_new[j] = Some(i);
            matched_old[i] = true;
        }
    }
    let mut unmatched: HashMap<Uuid, VecDeque<usize>> = HashMap::new();
    for (i, child) in old.iter().enumerate().filter(|(i, _)| !matched_old[*i]) {
        unmatched
            .entry(child.meta.lineage_id)
            .or_default()
            .push_back(i);
    }
    // (old position, new position) of each matched child, in new order.
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for (j, child) in new.iter().enumerate() {
        let matched = match_of_new[j].or_else(|| {
            unmatched
                .get_mut(&child.meta.lineage_id)
                .and_then(VecDeque::pop_front)
        });
        match matched {
            Some(i) => pairs.push((i, j)),
            None => result.added.push(PlacedChild {
                position: j,
                child: child.clone(),
            }),
        }
    }
    let mut left: Vec<usize> = unmatched.into_values().flatten().collect();
    left.sort_unstable();
    result.removed = left
        .into_iter()
        .map(|i| PlacedChild {
            position: i,
            child: old[i].clone(),
        })
        .collect();

    let old_positions: Vec<usize> = pairs.iter().map(|&(i, _)| i).collect();
    let stayed: Vec<bool> = pairs.iter().map(|&(i, j)| i == j).collect();
    let in_order = order::longest_increasing(&old_positions, &stayed);
    for (k, &(i, j)) in pairs.iter().enumerate() {
        if !in_order[k] {
            result.moved.push(MovedChild {
                type_name: new[j].entity_type.name,
                lineage_id: new[j].meta.lineage_id,
                ecs_id: new[j].meta.ecs_id,
                from: i,
                to: j,
            });
        }
        if old[i].meta.ecs_id != new[j].meta.ecs_id {
            result.changed.push(ChangedChild {
                from: i,
                to: j,
                diff: crate::deep::descend(|| diff(&old[i], &new[j])),
            });
        }
    }
    result
}

#[cfg(test)]
mod tests;
