//! Whether a reference pins a version (`Ref`) or follows a lineage
//! (`LineageRef`).
//!
//! The catalog records the kind of each reference column; catalogs written
//! before Verso recorded it name only the target type, and the kind is
//! then read from the database: a `Ref` holds the `ecs_id` of a version of
//! its target type, a `LineageRef` the `lineage_id` of one of its
//! lineages. Either way the referenced ids of the versions shown are looked
//! up at once, two indexed statements per target type, to tell which are
//! missing.

use crate::database::Database;
use crate::failure::Failure;
use serde_json::{json, Map, Value as Json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use verso::{Diff, Reference, Uuid, Value, VersionQuery, VersionTree};

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

    /// The kind a column records.
    fn recorded(kind: verso::RefKind) -> RefKind {
        match kind {
            verso::RefKind::Version => RefKind::Version,
            verso::RefKind::Lineage => RefKind::Lineage,
        }
    }
}

/// What is known of one referenced id: the kind its column records (if
/// the catalog records it) and what the database holds under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Known {
    recorded: Option<RefKind>,
    found: RefKind,
}

impl Known {
    /// The reference's kind: the recorded one, else what was found; and
    /// whether its target is missing.
    fn kind(self) -> (RefKind, bool) {
        let missing = self.found == RefKind::Missing;
        (self.recorded.unwrap_or(self.found), missing)
    }
}

/// The kinds of the references of some versions, by target and id.
#[derive(Debug, Default)]
pub struct References {
    kinds: HashMap<(String, Uuid), Known>,
}

impl References {
    /// The kinds of every reference held by `trees` and their subtrees.
    pub async fn of_trees(
        database: &Database,
        trees: &[&VersionTree],
    ) -> Result<References, Failure> {
        let mut wanted = Wanted::new();
        for tree in trees {
            collect_tree(tree, &mut wanted);
        }
        Self::look_up(database, wanted).await
    }

    /// The kinds of every reference the diffs show: changed reference
    /// columns and the references of added and removed children.
    pub async fn of_diffs(database: &Database, diffs: &[&Diff]) -> Result<References, Failure> {
        let mut wanted = Wanted::new();
        for diff in diffs {
            collect_diff(database, diff, &mut wanted);
        }
        Self::look_up(database, wanted).await
    }

    async fn look_up(database: &Database, wanted: Wanted) -> Result<References, Failure> {
        let mut kinds = HashMap::new();
        for (target, ids) in wanted.ids {
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
                let found = if versions.iter().any(|v| v.ecs_id == id) {
                    RefKind::Version
                } else if lineages.iter().any(|v| v.lineage_id == id) {
                    RefKind::Lineage
                } else {
                    RefKind::Missing
                };
                let recorded = wanted.recorded.get(&id).copied();
                kinds.insert((target.to_string(), id), Known { recorded, found });
            }
        }
        Ok(References { kinds })
    }

    /// What the reference `value` to `target` is, and whether its target
    /// is missing. A list of references (a JSON array of ids) has the kind
    /// of its ids, and is missing a target when any of them is.
    fn kind(&self, target: &str, value: &Value) -> (RefKind, bool) {
        let known = |id: Uuid| {
            self.kinds
                .get(&(target.to_string(), id))
                .copied()
                .map_or((RefKind::Missing, true), Known::kind)
        };
        match value {
            Value::Uuid(id) => known(*id),
            Value::Json(_) => {
                let ids = verso::reference_ids(value).unwrap_or_default();
                let kinds: Vec<(RefKind, bool)> = ids.into_iter().map(known).collect();
                let kind = kinds.first().map_or(RefKind::Missing, |k| k.0);
                (kind, kinds.iter().any(|k| k.1))
            }
            _ => (RefKind::Missing, true),
        }
    }

    /// `Ref to Target`, `LineageRef list to Target`, `Ref to Target,
    /// missing`, or `reference to Target, missing` when nothing tells its
    /// kind: how text names a reference.
    pub fn label(&self, target: &str, value: &Value) -> String {
        let list = if matches!(value, Value::Json(_)) {
            " list"
        } else {
            ""
        };
        match self.kind(target, value) {
            (RefKind::Missing, _) => format!("reference{list} to {target}, missing"),
            (kind, true) => format!("{}{list} to {target}, missing", kind.name()),
            (kind, false) => format!("{}{list} to {target}", kind.name()),
        }
    }

    /// `{"kind": "Ref" | "LineageRef" | "missing", "type": Target}`, with
    /// `"many": true` for a list and `"missing": true` when a target whose
    /// kind is known is not stored: how JSON names a reference.
    pub fn json(&self, target: &str, value: &Value) -> Json {
        let (kind, missing) = self.kind(target, value);
        let mut named = json!({ "kind": kind.name(), "type": target });
        if matches!(value, Value::Json(_)) {
            named["many"] = json!(true);
        }
        if missing && kind != RefKind::Missing {
            named["missing"] = json!(true);
        }
        named
    }

    /// The JSON `references` of one version: each reference column that
    /// holds an id, by name.
    pub fn json_of(&self, tree: &VersionTree) -> Json {
        let map: Map<String, Json> = references(tree)
            .map(|(column, reference, value)| {
                (
                    column.to_string(),
                    self.json(reference.target.name(), value),
                )
            })
            .collect();
        Json::Object(map)
    }
}

/// The ids to look up, by target type, and the kind recorded for each
/// (when its column records one).
struct Wanted {
    ids: BTreeMap<&'static str, BTreeSet<Uuid>>,
    recorded: HashMap<Uuid, RefKind>,
}

impl Wanted {
    fn new() -> Self {
        Wanted {
            ids: BTreeMap::new(),
            recorded: HashMap::new(),
        }
    }

    /// Notes the ids `value` (one id, or a list of them) of a reference
    /// column described by `reference`.
    fn note(&mut self, reference: &Reference, value: &Value) {
        let ids = match value {
            Value::Uuid(id) => vec![*id],
            Value::Json(_) if reference.many => verso::reference_ids(value).unwrap_or_default(),
            _ => Vec::new(),
        };
        for id in ids {
            self.ids
                .entry(reference.target.name())
                .or_default()
                .insert(id);
            if let Some(kind) = reference.kind {
                self.recorded.insert(id, RefKind::recorded(kind));
            }
        }
    }
}

/// The reference columns of `tree` that hold an id or a list of ids:
/// (column, reference, value).
fn references(tree: &VersionTree) -> impl Iterator<Item = (&'static str, Reference, &Value)> {
    tree.entity_type
        .fields_of(&tree.values)
        .into_iter()
        .filter_map(|(column, value)| match (column.references, value) {
            (Some(reference), Value::Uuid(_)) => Some((column.name, reference, value)),
            (Some(reference), Value::Json(_)) if reference.many => {
                Some((column.name, reference, value))
            }
            _ => None,
        })
}

fn collect_tree(tree: &VersionTree, wanted: &mut Wanted) {
    // Iteratively: a deep tree must not exhaust the stack.
    let mut pending = vec![tree];
    while let Some(tree) = pending.pop() {
        for (_, reference, value) in references(tree) {
            wanted.note(&reference, value);
        }
        pending.extend(tree.children.iter().flat_map(|list| &list.versions));
    }
}

fn collect_diff(database: &Database, diff: &Diff, wanted: &mut Wanted) {
    let mut pending = vec![diff];
    while let Some(diff) = pending.pop() {
        let columns = database.type_by_name(diff.type_name).map(|t| t.columns);
        for field in &diff.fields {
            let column = columns
                .into_iter()
                .flatten()
                .find(|c| c.name == field.field);
            if let Some(reference) = column.and_then(|c| c.references) {
                for value in [&field.old, &field.new] {
                    wanted.note(&reference, value);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn references(entries: &[(Uuid, Option<RefKind>, RefKind)]) -> References {
        let kinds = entries
            .iter()
            .map(|&(id, recorded, found)| (("Message".to_string(), id), Known { recorded, found }))
            .collect();
        References { kinds }
    }

    #[test]
    fn the_recorded_kind_names_a_reference_even_when_its_target_is_missing() {
        let id = Uuid::from_u128(1);
        let refs = references(&[(id, Some(RefKind::Lineage), RefKind::Missing)]);
        assert_eq!(
            refs.label("Message", &Value::Uuid(id)),
            "LineageRef to Message, missing"
        );
        assert_eq!(
            refs.json("Message", &Value::Uuid(id)),
            json!({"kind": "LineageRef", "type": "Message", "missing": true})
        );
    }

    #[test]
    fn without_a_recorded_kind_the_stored_id_tells_it() {
        let (version, gone) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let refs = references(&[
            (version, None, RefKind::Version),
            (gone, None, RefKind::Missing),
        ]);
        assert_eq!(
            refs.label("Message", &Value::Uuid(version)),
            "Ref to Message"
        );
        assert_eq!(
            refs.label("Message", &Value::Uuid(gone)),
            "reference to Message, missing"
        );
    }

    #[test]
    fn a_list_of_references_is_named_as_a_list() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let refs = references(&[
            (a, Some(RefKind::Version), RefKind::Version),
            (b, Some(RefKind::Version), RefKind::Version),
        ]);
        let list = Value::Json(json!([a.to_string(), b.to_string()]));
        assert_eq!(refs.label("Message", &list), "Ref list to Message");
        assert_eq!(
            refs.json("Message", &list),
            json!({"kind": "Ref", "type": "Message", "many": true})
        );
    }
}
