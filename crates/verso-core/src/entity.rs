//! The traits `#[derive(Entity)]` implements.

use crate::driver::StoredRow;
use crate::error::Result;
use crate::load::Assembly;
use crate::meta::Meta;
use crate::schema::{ChildKind, EntityType};
use crate::value::Value;

/// An entity seen without its concrete type: what commit planning walks.
///
/// Implemented by `#[derive(Entity)]`; implement it by hand (with
/// [`Entity`]) only for types the derive cannot describe.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a Verso entity",
    label = "not an entity",
    note = "add `#[derive(verso::Entity)]` to `{Self}` (a struct with a `Meta` field, or an enum of entity structs)"
)]
pub trait Node: Send + Sync {
    /// The stored shape of this entity.
    fn node_type(&self) -> &'static EntityType;
    /// Version metadata.
    fn meta(&self) -> &Meta;
    /// Version metadata, for Verso to update after a commit.
    fn meta_mut(&mut self) -> &mut Meta;
    /// Column values, in the order of `node_type().columns`. Fails (with
    /// [`Error::InvalidInput`](crate::Error::InvalidInput)) when a JSON field
    /// cannot be serialized.
    fn column_values(&self) -> Result<Vec<Value>>;
    /// Whether [`column_values`](Self::column_values) would be `stored`:
    /// how a commit tells an unchanged entity. Derived entities compare
    /// field by field without building the values; the default builds them.
    fn columns_equal(&self, stored: &[Value]) -> Result<bool> {
        Ok(self.column_values()? == stored)
    }
    /// Calls `visit(field_index, child)` for every owned child, field by
    /// field in declaration order, each list in order.
    fn for_each_child(&self, visit: &mut dyn FnMut(usize, &dyn Node));
    /// Mutable counterpart of [`for_each_child`](Self::for_each_child); must
    /// visit in the same order.
    fn for_each_child_mut(&mut self, visit: &mut dyn FnMut(usize, &mut dyn Node));
}

/// A versioned entity type: a plain struct with a [`Meta`] field.
///
/// ```ignore
/// #[derive(Clone, Debug, verso::Entity)]
/// struct ChatThread {
///     meta: verso::Meta,
///     name: String,
///     #[verso(child)]
///     history: Vec<ChatMessage>,
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a Verso entity",
    label = "not an entity",
    note = "add `#[derive(verso::Entity)]` to `{Self}` (a struct with a `Meta` field, or an enum of entity structs)"
)]
pub trait Entity: Node + Clone + Sized + 'static {
    /// The stored shape of this type.
    fn entity_type() -> &'static EntityType;
    /// Rebuilds a version from its stored row, taking its children from
    /// `assembly`.
    fn decode(row: &StoredRow, assembly: &mut Assembly<'_>) -> Result<Self>;
}

/// A field holding owned children: `T`, `Option<T>` or `Vec<T>` of an entity.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot hold owned children",
    label = "not `T`, `Option<T>` or `Vec<T>` of an entity",
    note = "a `#[verso(child)]` field holds entities: add `#[derive(verso::Entity)]` to the child type, or drop `#[verso(child)]` to store the value as a column"
)]
pub trait Children: Sized {
    /// Cardinality of the field.
    const KIND: ChildKind;
    /// The child entity type.
    type Item: Entity;
    /// The stored shape of the child type.
    fn item_type() -> &'static EntityType {
        Self::Item::entity_type()
    }
    /// Visits each child in order.
    fn each(&self, visit: &mut dyn FnMut(&dyn Node));
    /// Visits each child mutably, in the same order.
    fn each_mut(&mut self, visit: &mut dyn FnMut(&mut dyn Node));
    /// Builds the field from loaded children; `None` when their number does
    /// not fit the cardinality.
    fn from_items(items: Vec<Self::Item>) -> Option<Self>;
}

impl<T: Entity> Children for T {
    const KIND: ChildKind = ChildKind::One;
    type Item = T;
    fn each(&self, visit: &mut dyn FnMut(&dyn Node)) {
        visit(self)
    }
    fn each_mut(&mut self, visit: &mut dyn FnMut(&mut dyn Node)) {
        visit(self)
    }
    fn from_items(items: Vec<T>) -> Option<Self> {
        let mut items = items.into_iter();
        match (items.next(), items.next()) {
            (Some(item), None) => Some(item),
            _ => None,
        }
    }
}

impl<T: Entity> Children for Option<T> {
    const KIND: ChildKind = ChildKind::Optional;
    type Item = T;
    fn each(&self, visit: &mut dyn FnMut(&dyn Node)) {
        if let Some(item) = self {
            visit(item)
        }
    }
    fn each_mut(&mut self, visit: &mut dyn FnMut(&mut dyn Node)) {
        if let Some(item) = self {
            visit(item)
        }
    }
    fn from_items(items: Vec<T>) -> Option<Self> {
        let mut items = items.into_iter();
        match (items.next(), items.next()) {
            (item, None) => Some(item),
            _ => None,
        }
    }
}

impl<T: Entity> Children for Vec<T> {
    const KIND: ChildKind = ChildKind::Many;
    type Item = T;
    fn each(&self, visit: &mut dyn FnMut(&dyn Node)) {
        for item in self {
            visit(item)
        }
    }
    fn each_mut(&mut self, visit: &mut dyn FnMut(&mut dyn Node)) {
        for item in self {
            visit(item)
        }
    }
    fn from_items(items: Vec<T>) -> Option<Self> {
        Some(items)
    }
}
