//! Typed references between entities.

use crate::entity::Entity;
use crate::field::Field;
use crate::value::{ColumnType, Value};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use uuid::Uuid;

/// A reference to one version of another entity, by its `ecs_id`.
///
/// References do not own: the target is not part of the holder's tree, so
/// references may form cycles (A -> B -> C -> A) and a new version of the
/// target does not fork the holder. Pointing the reference elsewhere does.
///
/// A `Ref` pins exactly the version it was made from. When its target is
/// edited, even in the same commit as the holder, the `Ref` keeps pointing
/// at the version it was made from (the target's new version is another
/// `ecs_id`); re-point it (`Ref::to(&target)` after the commit) to follow.
/// Use [`LineageRef`] to always see the newest version.
///
/// A commit refuses a `Ref` to a version that is neither stored nor
/// written by that same commit ([`Error::DanglingReference`](crate::Error::DanglingReference)).
///
/// ```ignore
/// reply.parent_message = Some(Ref::to(&question));
/// let question: ChatMessage = store.resolve(&reply.parent_message.unwrap()).await?;
/// ```
pub struct Ref<T> {
    ecs_id: Uuid,
    target: PhantomData<fn() -> T>,
}

impl<T: Entity> Ref<T> {
    /// A reference to the current version of `entity`.
    pub fn to(entity: &T) -> Self {
        Ref::from_id(entity.meta().ecs_id())
    }
}

impl<T> Ref<T> {
    /// A reference to the version with this `ecs_id`.
    pub fn from_id(ecs_id: Uuid) -> Self {
        Ref {
            ecs_id,
            target: PhantomData,
        }
    }
    /// The referenced version's `ecs_id`.
    pub fn id(&self) -> Uuid {
        self.ecs_id
    }
}

impl<T> Clone for Ref<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Ref<T> {}
impl<T> PartialEq for Ref<T> {
    fn eq(&self, other: &Self) -> bool {
        self.ecs_id == other.ecs_id
    }
}
impl<T> Eq for Ref<T> {}
impl<T> Hash for Ref<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.ecs_id.hash(state)
    }
}
impl<T> fmt::Debug for Ref<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ref<{}>({})", std::any::type_name::<T>(), self.ecs_id)
    }
}

impl<T: Entity> Field for Ref<T> {
    const COLUMN: ColumnType = ColumnType::Uuid;
    const REFERENCES: Option<crate::Reference> = Some(crate::Reference::one(
        crate::TypeRef::Static(T::entity_type),
        crate::RefKind::Version,
    ));
    fn to_value(&self) -> Value {
        Value::Uuid(self.ecs_id)
    }
    fn from_value(value: Value) -> Result<Self, String> {
        Uuid::from_value(value).map(Ref::from_id)
    }
}

/// A reference to a lineage: it follows the lineage's newest version.
///
/// Use it where a link should see later edits of its target (a thread's
/// current system prompt), and [`Ref`] where it must keep pointing at the
/// version it was made with (the message a reply answered). Like `Ref`, it
/// does not own its target. A commit refuses a `LineageRef` to a lineage
/// that has no stored version and gets none in that commit.
///
/// ```ignore
/// thread.prompt = Some(LineageRef::to(&prompt));
/// let current: SystemPrompt = store.follow(&thread.prompt.unwrap()).await?;
/// ```
pub struct LineageRef<T> {
    lineage_id: Uuid,
    target: PhantomData<fn() -> T>,
}

impl<T: Entity> LineageRef<T> {
    /// A reference to the lineage of `entity`.
    pub fn to(entity: &T) -> Self {
        LineageRef::from_id(entity.meta().lineage_id())
    }
}

impl<T> LineageRef<T> {
    /// A reference to the lineage with this id.
    pub fn from_id(lineage_id: Uuid) -> Self {
        LineageRef {
            lineage_id,
            target: PhantomData,
        }
    }
    /// The referenced lineage's id.
    pub fn lineage_id(&self) -> Uuid {
        self.lineage_id
    }
}

impl<T> Clone for LineageRef<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for LineageRef<T> {}
impl<T> PartialEq for LineageRef<T> {
    fn eq(&self, other: &Self) -> bool {
        self.lineage_id == other.lineage_id
    }
}
impl<T> Eq for LineageRef<T> {}
impl<T> Hash for LineageRef<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.lineage_id.hash(state)
    }
}
impl<T> fmt::Debug for LineageRef<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "LineageRef<{}>({})",
            std::any::type_name::<T>(),
            self.lineage_id
        )
    }
}

impl<T: Entity> Field for LineageRef<T> {
    const COLUMN: ColumnType = ColumnType::Uuid;
    const REFERENCES: Option<crate::Reference> = Some(crate::Reference::one(
        crate::TypeRef::Static(T::entity_type),
        crate::RefKind::Lineage,
    ));
    fn to_value(&self) -> Value {
        Value::Uuid(self.lineage_id)
    }
    fn from_value(value: Value) -> Result<Self, String> {
        Uuid::from_value(value).map(LineageRef::from_id)
    }
}
