//! Whether a reference pins a version (`Ref`) or follows a lineage
//! (`LineageRef`).
//!
//! The catalog records the type a reference column points to, not which
//! of the two it is, so the kind is read from the database: a `Ref` holds
//! the `ecs_id` of a version of its target type, a `LineageRef` the
//! `lineage_id` of one of its lineages. The referenced ids of the versions
//! shown are looked up at once, two indexed statements per target type.

use crate::database::Database;
use crate::failure::Failure;
use serde_json::{json, Map, Value as Json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use verso::{Diff, Uuid, Value, VersionQuery, VersionTree};

/// What a referenced id turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefKind {
    /// A version of the target type: a `Ref`.
    Version,
    /// A lineage of the target type: a `LineageRef`.
    Lineage,
    /// Neither: the target is not in this database.
    Missing,
}

impl RefKind {
    /// The Rust type of the reference, or how it is missing.
    fn name(self) -> &'static str {
        match self {
            RefKind::Version => "Ref",
            RefKind::Lineage => "LineageRef",
            RefKind::Missing => "missing",
        }
    }
}

/// The kinds of the references of some versions, by target and id.
#[derive(Debug, Default)]
pub struct References {
    kinds: HashMap<(String, Uuid), RefKind>,
}

impl References {
    /// The kinds of every reference held by `trees` and their subtrees.
    pub async fn of_trees(
        database: &Database,
        trees: &[&VersionTree],
    ) -> Result<References, Failure> {
        let mut wanted = BTreeMap::new();
        for tree in trees {
            collect_tree(tree, &mut wanted);
        }
        Self::look_up(database, wanted).await
    }

    /// The kinds of every reference the diffs show: changed reference
    /// columns and the references of added and removed children.
    pub async fn of_diffs(database: &Database, diffs: &[&Diff]) -> Result<References, Failure> {
        let mut wanted = BTreeMap::new();
        for diff in diffs {
            collect_diff(diff, &mut wanted);
        }
        Self::look_up(database, wanted).await
    }

    async fn look_up(
        database: &Database,
        wanted: BTreeMap<&'static str, BTreeSet<Uuid>>,
    ) -> Result<References, Failure> {
        let mut kinds = HashMap::new();
        for (target, ids) in wanted {
            let Some(ty) = database.type_by_name(target) else {
                continue;
            };
            let ids: Vec<Uuid> = ids.into_iter().collect();
            let driver = database.driver();
            let versions = driver
                .select_versions(ty, &VersionQuery::ecs_ids(ids.clone()))
                .await?;
            let lineages = driver
                .select_versions(ty, &VersionQuery::lineages(ids.clone()).newest())
                .await?;
            for id in ids {
                let kind = if versions.iter().any(|v| v.ecs_id == id) {
                    RefKind::Version
                } else if lineages.iter().any(|v| v.lineage_id == id) {
                    RefKind::Lineage
                } else {
                    RefKind::Missing
                };
                kinds.insert((target.to_string(), id), kind);
            }
        }
        Ok(References { kinds })
    }

    /// What the id `value` referencing `target` is.
    pub fn kind(&self, target: &str, value: &Value) -> RefKind {
        match value {
            Value::Uuid(id) => self
                .kinds
                .get(&(target.to_string(), *id))
                .copied()
                .unwrap_or(RefKind::Missing),
            _ => RefKind::Missing,
        }
    }

    /// `Ref to Target`, `LineageRef to Target`, or `reference to Target,
    /// missing`: how text names a reference.
    pub fn label(&self, target: &str, value: &Value) -> String {
        match self.kind(target, value) {
            RefKind::Missing => format!("reference to {target}, missing"),
            kind => format!("{} to {target}", kind.name()),
        }
    }

    /// `{"kind": "Ref" | "LineageRef" | "missing", "type": Target}`: how
    /// JSON names a reference.
    pub fn json(&self, target: &str, value: &Value) -> Json {
        json!({ "kind": self.kind(target, value).name(), "type": target })
    }

    /// The JSON `references` of one version: each reference column that
    /// holds an id, by name.
    pub fn json_of(&self, tree: &VersionTree) -> Json {
        let map: Map<String, Json> = references(tree)
            .map(|(column, target, value)| (column.to_string(), self.json(target, value)))
            .collect();
        Json::Object(map)
    }
}

/// The reference columns of `tree` that hold an id: (column, target, value).
fn references(tree: &VersionTree) -> impl Iterator<Item = (&'static str, &'static str, &Value)> {
    tree.entity_type
        .fields_of(&tree.values)
        .into_iter()
        .filter_map(|(column, value)| match (column.references, value) {
            (Some(target), Value::Uuid(_)) => Some((column.name, target.name(), value)),
            _ => None,
        })
}

fn collect_tree(tree: &VersionTree, wanted: &mut BTreeMap<&'static str, BTreeSet<Uuid>>) {
    // Iteratively: a deep tree must not exhaust the stack.
    let mut pending = vec![tree];
    while let Some(tree) = pending.pop() {
        for (_, target, value) in references(tree) {
            if let Value::Uuid(id) = value {
                wanted.entry(target).or_default().insert(*id);
            }
        }
        pending.extend(tree.children.iter().flat_map(|list| &list.versions));
    }
}

fn collect_diff(diff: &Diff, wanted: &mut BTreeMap<&'static str, BTreeSet<Uuid>>) {
    let mut pending = vec![diff];
    while let Some(diff) = pending.pop() {
        for field in &diff.fields {
            if let Some(target) = field.references {
                for value in [&field.old, &field.new] {
                    if let Value::Uuid(id) = value {
                        wanted.entry(target).or_default().insert(*id);
                    }
                }
            }
        }
        for children in &diff.children {
            for placed in children.added.iter().chain(&children.removed) {
                collect_tree(&placed.child, wanted);
            }
            pending.extend(children.changed.iter().map(|c| &c.diff));
        }
    }
}
