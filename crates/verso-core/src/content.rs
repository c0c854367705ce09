//! The content of a version: what change detection compares.

use crate::value::Value;
use uuid::Uuid;

/// Everything that makes up one version's content: its column values
/// (fields and references) and, per child field, the ordered ids of its
/// children. Two versions with equal content are the same version.
#[derive(Debug, Clone, PartialEq)]
pub struct Content {
    /// Column values, in the order of the type's columns.
    pub values: Vec<Value>,
    /// Per child field (in declaration order), the children's `ecs_id`s in order.
    pub children: Vec<Vec<Uuid>>,
}
