//! A lineage as a tree of versions: which version was forked from which.

use crate::driver::RowMeta;
use std::collections::HashMap;
use uuid::Uuid;

/// Every version of one lineage with the versions forked from it, ready
/// to draw. Built from version metadata alone, so tools without the Rust
/// types can build it too.
///
/// Versions are kept in a flat list, oldest first (by `created_at`, then
/// row id), so every version comes after its parent and the roots come
/// first; links are indexes into that list. A lineage edited 10,000 times
/// is a 10,000-deep tree, which a flat list holds without recursion.
///
/// ```
/// # use verso_core::{LineageTree, RowMeta};
/// # use uuid::Uuid;
/// let version = |n: u128, parent: Option<u128>| RowMeta {
///     id: n as i64,
///     ecs_id: Uuid::from_u128(n),
///     lineage_id: Uuid::from_u128(99),
///     parent_id: parent.map(Uuid::from_u128),
///     created_at: chrono::DateTime::from_timestamp(n as i64, 0).unwrap(),
/// };
/// // 1 -> 2 -> 3, and 2 -> 4: a branch.
/// let tree = LineageTree::new("Doc", Uuid::from_u128(99), vec![
///     version(1, None), version(2, Some(1)), version(3, Some(2)), version(4, Some(2)),
/// ]);
/// assert_eq!(tree.versions[1].children, vec![2, 3]);
/// let heads: Vec<u128> = tree.heads().map(|v| v.version.ecs_id.as_u128()).collect();
/// assert_eq!(heads, vec![3, 4]);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct LineageTree {
    /// The entity type of the lineage.
    pub type_name: String,
    /// The lineage id.
    pub lineage_id: Uuid,
    /// Every version, oldest first.
    pub versions: Vec<LineageNode>,
}

/// One version in a [`LineageTree`].
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct LineageNode {
    /// The version's metadata.
    pub version: RowMeta,
    /// Index of the version it was forked from; `None` for a root (the
    /// first version, or one whose parent is not in the lineage).
    pub parent: Option<usize>,
    /// Indexes of the versions forked from it, oldest first.
    pub children: Vec<usize>,
}

impl LineageTree {
    /// The tree of `versions`, all of lineage `lineage_id` of type
    /// `type_name`, in any order.
    pub fn new(type_name: impl Into<String>, lineage_id: Uuid, mut versions: Vec<RowMeta>) -> Self {
        versions.sort_by_key(|v| (v.created_at, v.id));
        let index: HashMap<Uuid, usize> = versions
            .iter()
            .enumerate()
            .map(|(i, v)| (v.ecs_id, i))
            .collect();
        let mut nodes: Vec<LineageNode> = versions
            .into_iter()
            .map(|version| LineageNode {
                parent: version.parent_id.and_then(|p| index.get(&p).copied()),
                version,
                children: Vec::new(),
            })
            .collect();
        for i in 0..nodes.len() {
            if let Some(parent) = nodes[i].parent {
                nodes[parent].children.push(i);
            }
        }
        LineageTree {
            type_name: type_name.into(),
            lineage_id,
            versions: nodes,
        }
    }

    /// The versions with no parent in the lineage, oldest first.
    pub fn roots(&self) -> impl Iterator<Item = &LineageNode> {
        self.versions.iter().filter(|v| v.parent.is_none())
    }

    /// The versions nobody forked from, oldest first.
    pub fn heads(&self) -> impl Iterator<Item = &LineageNode> {
        self.versions.iter().filter(|v| v.children.is_empty())
    }

    /// The index of version `ecs_id`.
    pub fn position(&self, ecs_id: Uuid) -> Option<usize> {
        self.versions
            .iter()
            .position(|v| v.version.ecs_id == ecs_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(n: u128, parent: Option<u128>, second: i64) -> RowMeta {
        RowMeta {
            id: n as i64,
            ecs_id: Uuid::from_u128(n),
            lineage_id: Uuid::nil(),
            parent_id: parent.map(Uuid::from_u128),
            created_at: chrono::DateTime::from_timestamp(second, 0).unwrap(),
        }
    }

    #[test]
    fn versions_are_sorted_and_linked_whatever_the_input_order() {
        let tree = LineageTree::new(
            "Doc",
            Uuid::nil(),
            vec![
                version(3, Some(1), 30),
                version(1, None, 10),
                version(2, Some(1), 20),
            ],
        );
        let order: Vec<u128> = tree
            .versions
            .iter()
            .map(|v| v.version.ecs_id.as_u128())
            .collect();
        assert_eq!(order, vec![1, 2, 3]);
        assert_eq!(tree.versions[0].children, vec![1, 2]);
        assert_eq!(tree.versions[2].parent, Some(0));
        assert_eq!(tree.roots().count(), 1);
        assert_eq!(tree.position(Uuid::from_u128(3)), Some(2));
    }

    #[test]
    fn a_version_whose_parent_is_elsewhere_is_a_root() {
        let tree = LineageTree::new("Doc", Uuid::nil(), vec![version(2, Some(9), 1)]);
        assert_eq!(tree.roots().count(), 1);
        assert_eq!(tree.heads().count(), 1);
    }
}
