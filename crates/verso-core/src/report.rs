//! What a commit did.

use uuid::Uuid;

/// The versions a commit created. Empty when nothing changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CommitReport {
    /// Entities stored for the first time.
    pub created: Vec<Created>,
    /// Entities that got a new version.
    pub forked: Vec<Forked>,
    /// The commit that stored them (see [`CommitInfo`](crate::CommitInfo));
    /// `None` when nothing changed and nothing was stored.
    pub commit_id: Option<Uuid>,
}

impl CommitReport {
    /// Whether the commit made no version at all.
    pub fn is_empty(&self) -> bool {
        self.created.is_empty() && self.forked.is_empty()
    }
}

/// An entity stored for the first time.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Created {
    /// Entity type name.
    pub type_name: &'static str,
    /// Its new lineage.
    pub lineage_id: Uuid,
    /// Its first version.
    pub ecs_id: Uuid,
}

/// An entity forked into a new version.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Forked {
    /// Entity type name.
    pub type_name: &'static str,
    /// Its lineage.
    pub lineage_id: Uuid,
    /// The version it was forked from.
    pub from: Uuid,
    /// The new version.
    pub to: Uuid,
}
