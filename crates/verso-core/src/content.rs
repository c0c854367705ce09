//! The content of a version: what change detection compares.

use crate::list::ChunkedList;
use crate::value::Value;
use std::sync::Arc;
use uuid::Uuid;

/// Everything that makes up one version's content: its column values
/// (fields and references) and, per child field, the ordered ids of its
/// children. Two versions with equal content are the same version.
#[derive(Debug, Clone)]
pub struct Content {
    /// Column values, in the order of the type's columns.
    pub values: Vec<Value>,
    /// Per child field (in declaration order), the children's `ecs_id`s in order.
    pub children: Vec<Vec<Uuid>>,
    /// Per child field, the chunk tree the list is stored as, once known: a
    /// cache that lets the next commit write only the chunks it changes.
    /// Equal children make equal trees, so it takes no part in equality.
    pub(crate) lists: Vec<Option<Arc<ChunkedList>>>,
}

impl Content {
    /// The content of a version with these values and children.
    pub fn new(values: Vec<Value>, children: Vec<Vec<Uuid>>) -> Self {
        Content {
            values,
            children,
            lists: Vec::new(),
        }
    }

    /// The stored chunk tree of child field `field`, when known.
    pub(crate) fn list(&self, field: usize) -> Option<&Arc<ChunkedList>> {
        self.lists.get(field).and_then(Option::as_ref)
    }
}

impl PartialEq for Content {
    fn eq(&self, other: &Self) -> bool {
        self.values == other.values && self.children == other.children
    }
}
