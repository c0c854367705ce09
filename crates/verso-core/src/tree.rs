//! Version trees without Rust types: one stored version with its subtree,
//! as columns and child lists. What diffs compare and tools print.

use crate::driver::RowMeta;
use crate::error::{Error, Result};
use crate::load::Assembly;
use crate::schema::EntityType;
use crate::value::Value;
use uuid::Uuid;

/// One stored version with its whole subtree, read without the Rust type:
/// the version's metadata, its column values and its children, field by
/// field. Built from the rows of one load by [`Assembly::tree`].
#[derive(Debug, Clone, PartialEq)]
pub struct VersionTree {
    /// The version's entity type.
    pub entity_type: &'static EntityType,
    /// Its metadata.
    pub meta: RowMeta,
    /// Its column values, in the order of `entity_type.columns`.
    pub values: Vec<Value>,
    /// Its children, one list per child field of `entity_type`, in
    /// declaration order.
    pub children: Vec<ChildList>,
}

/// The children of one child field, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct ChildList {
    /// The child field's name.
    pub field: &'static str,
    /// The child versions, each with its subtree.
    pub versions: Vec<VersionTree>,
}

impl VersionTree {
    /// The value of column `name`, if the type has one.
    pub fn value(&self, name: &str) -> Option<&Value> {
        let index = self
            .entity_type
            .columns
            .iter()
            .position(|c| c.name == name)?;
        self.values.get(index)
    }

    /// The children in child field `field` (empty for an unknown field).
    pub fn children_of(&self, field: &str) -> &[VersionTree] {
        self.children
            .iter()
            .find(|list| list.field == field)
            .map_or(&[], |list| list.versions.as_slice())
    }
}

impl Assembly<'_> {
    /// The version `ecs_id` with its subtree, as a [`VersionTree`].
    ///
    /// Errors: [`Error::NotFound`] when the load does not hold `ecs_id`,
    /// [`Error::Decode`] when a linked child is missing or the links form a
    /// cycle (which Verso never writes).
    pub fn tree(&self, ecs_id: Uuid) -> Result<VersionTree> {
        let row = self.row(ecs_id).ok_or_else(|| Error::NotFound {
            type_name: "version".into(),
            id: ecs_id,
        })?;
        self.subtree(ecs_id, &mut vec![row.meta.ecs_id])
    }

    /// The tree under `ecs_id`, whose row exists; `path` holds the versions
    /// from the root down to it.
    fn subtree(&self, ecs_id: Uuid, path: &mut Vec<Uuid>) -> Result<VersionTree> {
        let row = self.row(ecs_id).expect("checked by the caller");
        let ty = row.entity_type;
        let mut children = Vec::with_capacity(ty.children.len());
        for field in ty.children {
            let mut versions = Vec::new();
            for &child in self.child_ids(ecs_id, field.name) {
                let broken = |detail: String| Error::Decode {
                    type_name: ty.name.to_string(),
                    id: ecs_id,
                    column: field.name.to_string(),
                    detail,
                };
                let Some(child_row) = self.row(child) else {
                    return Err(broken(format!("child {child} is missing")));
                };
                if path.contains(&child) {
                    return Err(broken(format!("child {child} contains itself")));
                }
                if child_row.entity_type.name != field.target.name() {
                    // A polymorphic type may have two child fields of one
                    // name; each takes the children of its own type.
                    continue;
                }
                path.push(child);
                versions.push(crate::deep::descend(|| self.subtree(child, path))?);
                path.pop();
            }
            children.push(ChildList {
                field: field.name,
                versions,
            });
        }
        Ok(VersionTree {
            entity_type: ty,
            meta: row.meta.clone(),
            values: row.values.clone(),
            children,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::{LoadedRows, StoredRow};
    use crate::list::ListRow;
    use crate::schema::{ChildField, ChildKind, Column, TypeRef};
    use crate::value::ColumnType;
    use std::borrow::Cow;

    static LEAF_COLUMNS: [Column; 1] = [Column {
        name: "value",
        ty: ColumnType::Int,
        nullable: false,
        references: None,
    }];
    static LEAF: EntityType = EntityType {
        name: "Leaf",
        table: "leaf",
        origin: crate::Origin::UNKNOWN,
        columns: &LEAF_COLUMNS,
        children: &[],
        variants: &[],
    };
    static NODE_CHILDREN: [ChildField; 1] = [ChildField {
        name: "leaves",
        kind: ChildKind::Many,
        target: TypeRef::Named("Leaf"),
    }];
    static NODE: EntityType = EntityType {
        name: "Node",
        table: "node",
        origin: crate::Origin::UNKNOWN,
        columns: &[],
        children: &NODE_CHILDREN,
        variants: &[],
    };

    fn row(ty: &'static EntityType, id: u128, values: Vec<Value>) -> StoredRow {
        StoredRow {
            entity_type: ty,
            meta: RowMeta {
                id: id as i64,
                ecs_id: Uuid::from_u128(id),
                lineage_id: Uuid::from_u128(id + 1000),
                parent_id: None,
                created_at: chrono::DateTime::UNIX_EPOCH,
            },
            values,
        }
    }

    /// The list of `parent`'s leaves, short enough to sit in its row.
    fn list(parent: u128, children: &[u128]) -> ListRow {
        ListRow {
            parent: Uuid::from_u128(parent),
            field: Cow::Borrowed("leaves"),
            child_type: Cow::Borrowed("Leaf"),
            height: 0,
            entries: children.iter().map(|&c| Uuid::from_u128(c)).collect(),
        }
    }

    fn loaded(rows: Vec<StoredRow>, lists: Vec<ListRow>) -> LoadedRows {
        LoadedRows {
            rows: rows.into_iter().map(|r| (r.meta.ecs_id, r)).collect(),
            lists,
            chunks: Default::default(),
            selected: Vec::new(),
        }
    }

    #[test]
    fn children_come_in_list_order() {
        let rows = loaded(
            vec![
                row(&NODE, 1, vec![]),
                row(&LEAF, 2, vec![Value::Int(20)]),
                row(&LEAF, 3, vec![Value::Int(30)]),
            ],
            vec![list(1, &[3, 2])],
        );
        let tree = Assembly::new(&rows)
            .unwrap()
            .tree(Uuid::from_u128(1))
            .unwrap();
        let values: Vec<_> = tree
            .children_of("leaves")
            .iter()
            .map(|leaf| leaf.value("value").cloned())
            .collect();
        assert_eq!(values, vec![Some(Value::Int(30)), Some(Value::Int(20))]);
        assert!(tree.children_of("nothing").is_empty());
    }

    #[test]
    fn a_missing_child_or_a_cycle_is_a_decode_error() {
        let missing = loaded(vec![row(&NODE, 1, vec![])], vec![list(1, &[9])]);
        let error = Assembly::new(&missing)
            .unwrap()
            .tree(Uuid::from_u128(1))
            .unwrap_err();
        assert!(error.to_string().contains("is missing"), "{error}");

        let cycle = loaded(vec![row(&NODE, 1, vec![])], vec![list(1, &[1])]);
        let error = Assembly::new(&cycle)
            .unwrap()
            .tree(Uuid::from_u128(1))
            .unwrap_err();
        assert!(error.to_string().contains("contains itself"), "{error}");
    }
}
