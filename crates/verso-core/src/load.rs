//! Turning loaded rows back into entity trees.

use crate::content::Content;
use crate::driver::{LoadedRows, StoredRow};
use crate::entity::{Children, Entity, Node};
use crate::error::{Error, Result};
use crate::field::{json_from_value, Field};
use crate::list::ChunkedList;
use crate::meta::Meta;
use serde::de::DeserializeOwned;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use uuid::Uuid;

/// The children of one child list, in order, with the chunk tree they were
/// read from.
type ReadList = (Vec<Uuid>, Arc<ChunkedList>);

/// Rebuilds entities from the rows of one load. Generated `decode`
/// functions call back into it for columns and children.
pub struct Assembly<'a> {
    rows: &'a HashMap<Uuid, StoredRow>,
    /// Per parent version and child field, the children in order and the
    /// chunk tree they were read from.
    children: HashMap<(Uuid, &'a str), ReadList>,
    /// The versions with child lists being built, root first.
    building: HashSet<Uuid>,
}

impl<'a> Assembly<'a> {
    /// Reads the child lists of `loaded` from their chunks.
    ///
    /// Errors: a list whose chunks are missing or malformed is an
    /// [`Error::Decode`] naming the parent version and the field.
    pub fn new(loaded: &'a LoadedRows) -> Result<Self> {
        let mut children = HashMap::with_capacity(loaded.lists.len());
        for list in &loaded.lists {
            let (ids, shape) = ChunkedList::read_stored(list, &loaded.chunks)?;
            children.insert((list.parent, list.field.as_ref()), (ids, Arc::new(shape)));
        }
        Ok(Assembly {
            rows: &loaded.rows,
            children,
            building: HashSet::new(),
        })
    }

    /// Builds the version `ecs_id` as a `T`, with its subtree.
    pub fn build<T: Entity>(&mut self, ecs_id: Uuid) -> Result<T> {
        let expected = T::entity_type();
        let row = self.rows.get(&ecs_id).ok_or_else(|| Error::NotFound {
            type_name: expected.name.to_string(),
            id: ecs_id,
        })?;
        if row.entity_type.name != expected.name {
            return Err(Error::WrongType {
                expected: expected.name.to_string(),
                actual: row.entity_type.name.to_string(),
                id: ecs_id,
            });
        }
        // Only a version with child lists can be its own descendant (a
        // damaged database): refuse to build it inside itself.
        let nests = !expected.children.is_empty();
        if nests && !self.building.insert(ecs_id) {
            return Err(Error::Decode {
                type_name: expected.name.to_string(),
                id: ecs_id,
                column: "children".into(),
                detail: format!(
                    "{} {ecs_id} is listed among its own descendants in {}",
                    expected.name,
                    crate::list::LISTS_TABLE_NAME
                ),
            });
        }
        let decoded = T::decode(row, self);
        if nests {
            self.building.remove(&ecs_id);
        }
        let mut entity = decoded?;
        let mut content = content_of(&entity)?;
        content.lists = expected
            .children
            .iter()
            .map(|field| {
                self.children
                    .get(&(ecs_id, field.name))
                    .map(|(_, shape)| shape.clone())
            })
            .collect();
        entity.meta_mut().set_stored(Arc::new(content));
        Ok(entity)
    }

    /// The metadata of `row`.
    pub fn meta(&self, row: &StoredRow) -> Meta {
        Meta::from_stored(&row.meta)
    }

    /// Column `index` of `row`, as a `F`.
    pub fn column<F: Field>(&self, row: &StoredRow, index: usize) -> Result<F> {
        let value = self.value(row, index)?;
        F::from_value(value).map_err(|detail| decode_error(row, index, detail))
    }

    /// Column `index` of `row`, read as JSON into a `F`.
    pub fn json_column<F: DeserializeOwned>(&self, row: &StoredRow, index: usize) -> Result<F> {
        let value = self.value(row, index)?;
        json_from_value(value).map_err(|detail| decode_error(row, index, detail))
    }

    /// The children of child field `index` of `row`.
    pub fn children<C: Children>(&mut self, row: &StoredRow, index: usize) -> Result<C> {
        let field = &row.entity_type.children[index];
        let ids = self.child_ids(row.meta.ecs_id, field.name).to_vec();
        let mut items = Vec::with_capacity(ids.len());
        for child in ids {
            let built = crate::deep::descend(|| self.build::<C::Item>(child));
            items.push(built.map_err(|e| match e {
                Error::NotFound { id, .. } => Error::Decode {
                    type_name: row.entity_type.name.to_string(),
                    id: row.meta.ecs_id,
                    column: field.name.to_string(),
                    detail: format!("child {id} is missing"),
                },
                other => other,
            })?);
        }
        let count = items.len();
        C::from_items(items).ok_or_else(|| Error::Decode {
            type_name: row.entity_type.name.to_string(),
            id: row.meta.ecs_id,
            column: field.name.to_string(),
            detail: format!("{count} children stored for a field of kind {:?}", C::KIND),
        })
    }

    /// The loaded row of version `ecs_id`.
    pub(crate) fn row(&self, ecs_id: Uuid) -> Option<&'a StoredRow> {
        self.rows.get(&ecs_id)
    }

    /// The children linked under `parent`'s field `field`, in order.
    pub(crate) fn child_ids(&self, parent: Uuid, field: &'a str) -> &[Uuid] {
        self.children
            .get(&(parent, field))
            .map_or(&[], |(ids, _)| ids.as_slice())
    }

    fn value(&self, row: &StoredRow, index: usize) -> Result<crate::Value> {
        row.values
            .get(index)
            .cloned()
            .ok_or_else(|| decode_error(row, index, "column missing from the row".into()))
    }
}

fn decode_error(row: &StoredRow, index: usize, detail: String) -> Error {
    Error::Decode {
        type_name: row.entity_type.name.to_string(),
        id: row.meta.ecs_id,
        column: row
            .entity_type
            .columns
            .get(index)
            .map_or_else(|| format!("#{index}"), |c| c.name.to_string()),
        detail,
    }
}

/// The content of a node as it is now: its column values and the ids of its
/// children as they currently stand.
pub(crate) fn content_of(node: &dyn Node) -> Result<Content> {
    let mut children = vec![Vec::new(); node.node_type().children.len()];
    node.for_each_child(&mut |field, child| children[field].push(child.meta().ecs_id()));
    Ok(Content::new(node.column_values()?, children))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::RowMeta;
    use crate::list::ListRow;
    use std::borrow::Cow;
    use verso_derive::Entity;

    #[derive(Clone, Debug, PartialEq, Entity)]
    #[verso(crate = "crate")]
    struct Folder {
        meta: Meta,
        #[verso(child)]
        folders: Vec<Folder>,
    }

    #[test]
    fn a_version_listed_among_its_own_descendants_is_a_decode_error() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let row = |id: Uuid| StoredRow {
            entity_type: Folder::entity_type(),
            meta: RowMeta {
                id: 1,
                ecs_id: id,
                lineage_id: id,
                parent_id: None,
                created_at: chrono::DateTime::UNIX_EPOCH,
            },
            values: Vec::new(),
        };
        let list = |parent: Uuid, child: Uuid| ListRow {
            parent,
            field: Cow::Borrowed("folders"),
            child_type: Cow::Borrowed("Folder"),
            height: 0,
            entries: vec![child],
        };
        // A damaged database: a lists b, and b lists a.
        let loaded = LoadedRows {
            rows: [(a, row(a)), (b, row(b))].into_iter().collect(),
            lists: vec![list(a, b), list(b, a)],
            chunks: HashMap::new(),
            selected: Vec::new(),
        };
        match Assembly::new(&loaded).unwrap().build::<Folder>(a) {
            Err(Error::Decode { id, detail, .. }) => {
                assert_eq!(id, a);
                assert!(detail.contains("its own descendants"), "{detail}");
            }
            other => panic!("expected a decode error, got {other:?}"),
        }
    }
}
