//! Version metadata carried by every entity.

use crate::content::Content;
use crate::ids::{new_uuid, now};
use chrono::{DateTime, Utc};
use std::fmt;
use std::sync::Arc;
use uuid::Uuid;

/// The identity of one entity version: the field every entity struct holds
/// (named `meta` by convention) and that Verso maintains.
///
/// A new `Meta` already has its `ecs_id` and `lineage_id`, so entities can
/// reference each other (through [`Ref`](crate::Ref)) before they are
/// stored. The row `id` is assigned by the store.
///
/// ```
/// let meta = verso_core::Meta::new();
/// assert!(meta.id().is_none());
/// assert!(!meta.is_stored());
/// assert!(meta.parent_id().is_none());
/// ```
#[derive(Clone)]
pub struct Meta {
    pub(crate) id: Option<i64>,
    pub(crate) ecs_id: Uuid,
    pub(crate) lineage_id: Uuid,
    pub(crate) parent_id: Option<Uuid>,
    pub(crate) created_at: DateTime<Utc>,
    /// The content as it was last loaded or committed; `None` before the
    /// first store. Shared between clones, never mutated.
    pub(crate) stored: Option<Arc<Content>>,
    /// The version an interrupted commit may have stored for this entity
    /// (see [`is_unsettled`](Meta::is_unsettled)).
    pub(crate) pending: Option<Arc<PendingVersion>>,
}

/// A new version a commit planned for an entity, kept in its [`Meta`] when
/// the commit's outcome is unknown (its future was dropped, or the
/// connection was lost while it ran). The next commit of the entity asks
/// the store whether it landed: if so the entity becomes that version, if
/// not a commit of the same content stores it under the same id, so a
/// commit that lands late cannot make a second version beside it.
#[derive(Debug)]
pub(crate) struct PendingVersion {
    /// The commit that planned it: a commit lands whole, so when one of its
    /// versions is found, all of them were stored.
    pub(crate) commit: Uuid,
    pub(crate) ecs_id: Uuid,
    pub(crate) parent_id: Option<Uuid>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) content: Arc<Content>,
}

impl Meta {
    /// Metadata for a brand-new entity: fresh `ecs_id` and `lineage_id`.
    pub fn new() -> Self {
        Meta {
            id: None,
            ecs_id: new_uuid(),
            lineage_id: new_uuid(),
            parent_id: None,
            created_at: now(),
            stored: None,
            pending: None,
        }
    }

    /// Metadata of a stored version, as a driver read it. Used by
    /// hand-written entity mappings and by the loader.
    pub fn from_stored(row: &crate::driver::RowMeta) -> Self {
        Meta {
            id: Some(row.id),
            ecs_id: row.ecs_id,
            lineage_id: row.lineage_id,
            parent_id: row.parent_id,
            created_at: row.created_at,
            stored: None,
            pending: None,
        }
    }

    /// Database row id; `None` until the version is stored.
    pub fn id(&self) -> Option<i64> {
        self.id
    }
    /// UUID of this version.
    pub fn ecs_id(&self) -> Uuid {
        self.ecs_id
    }
    /// UUID shared by every version of this logical entity.
    pub fn lineage_id(&self) -> Uuid {
        self.lineage_id
    }
    /// The version this one was forked from.
    pub fn parent_id(&self) -> Option<Uuid> {
        self.parent_id
    }
    /// When this version was created (UTC, microseconds).
    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
    /// Whether this version exists in a store.
    pub fn is_stored(&self) -> bool {
        self.stored.is_some()
    }
    /// Whether a commit of this entity was interrupted with its outcome
    /// unknown: its future was dropped (a timeout, a cancelled task) or its
    /// connection was lost while it ran. The entity still shows the version
    /// it had before; the next commit that holds it first asks the store
    /// whether the interrupted commit landed, and takes its version if so.
    pub fn is_unsettled(&self) -> bool {
        self.pending.is_some()
    }
    /// The content last loaded or committed, if any.
    pub fn stored_content(&self) -> Option<&Content> {
        self.stored.as_deref()
    }
    pub(crate) fn set_stored(&mut self, content: Arc<Content>) {
        self.stored = Some(content);
    }
}

impl Default for Meta {
    fn default() -> Self {
        Meta::new()
    }
}

/// Two metadata values are equal when they name the same version.
impl PartialEq for Meta {
    fn eq(&self, other: &Self) -> bool {
        self.ecs_id == other.ecs_id
            && self.lineage_id == other.lineage_id
            && self.parent_id == other.parent_id
            && self.created_at == other.created_at
            && self.id == other.id
    }
}

impl fmt::Debug for Meta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Meta")
            .field("id", &self.id)
            .field("ecs_id", &self.ecs_id)
            .field("lineage_id", &self.lineage_id)
            .field("parent_id", &self.parent_id)
            .field("created_at", &self.created_at)
            .field("stored", &self.is_stored())
            .field("unsettled", &self.is_unsettled())
            .finish()
    }
}
