//! Plain structs the hand-written baselines read and write: what an
//! application without an ORM would keep for a versioned chat thread.

use chrono::{DateTime, SubsecRound, Utc};
use uuid::Uuid;

/// The metadata columns every version row starts with.
#[derive(Clone, Debug, PartialEq)]
pub struct VersionRow {
    /// Row id assigned by the database.
    pub id: i64,
    /// Id of this version.
    pub ecs_id: Uuid,
    /// Id shared by every version of the entity.
    pub lineage_id: Uuid,
    /// The version this one was forked from.
    pub parent_id: Option<Uuid>,
    /// Creation time (microseconds).
    pub created_at: DateTime<Utc>,
}

impl VersionRow {
    /// The metadata of a new version forked from `self` (row id not yet
    /// known).
    pub fn fork(&self) -> VersionRow {
        VersionRow {
            id: 0,
            ecs_id: Uuid::now_v7(),
            lineage_id: self.lineage_id,
            parent_id: Some(self.ecs_id),
            created_at: Utc::now().trunc_subsecs(6),
        }
    }
}

/// One message version.
#[derive(Clone, Debug, PartialEq)]
pub struct PlainMessage {
    /// Version metadata.
    pub version: VersionRow,
    /// `"user"` or `"assistant"`.
    pub role: String,
    /// The text.
    pub content: String,
    /// The message this one answers.
    pub parent_message: Option<Uuid>,
}

/// One thread version with its messages in order.
#[derive(Clone, Debug, PartialEq)]
pub struct PlainThread {
    /// Version metadata.
    pub version: VersionRow,
    /// Display name.
    pub name: String,
    /// Whether the history is sent with new prompts.
    pub use_history: bool,
    /// The messages, in link position order.
    pub history: Vec<PlainMessage>,
}

/// The link field and child type Verso writes for `ChatThread::history`.
pub const HISTORY_FIELD: &str = "history";
/// The child type name stored in `verso_links.child_type`.
pub const MESSAGE_TYPE: &str = "ChatMessage";

/// Compares a thread loaded by Verso with one loaded by a baseline: same
/// versions, same field values, same message order. Panics on a mismatch
/// (the benchmark is only meaningful if both sides see the same data).
pub fn assert_same_thread(verso: &crate::model::ChatThread, plain: &PlainThread) {
    let same_meta = |meta: &verso::Meta, row: &VersionRow, what: &str| {
        assert_eq!(meta.id(), Some(row.id), "{what}: row id");
        assert_eq!(meta.ecs_id(), row.ecs_id, "{what}: ecs_id");
        assert_eq!(meta.lineage_id(), row.lineage_id, "{what}: lineage_id");
        assert_eq!(meta.parent_id(), row.parent_id, "{what}: parent_id");
        assert_eq!(meta.created_at(), row.created_at, "{what}: created_at");
    };
    same_meta(&verso.meta, &plain.version, "thread");
    assert_eq!(verso.name, plain.name);
    assert_eq!(verso.use_history, plain.use_history);
    assert_eq!(verso.history.len(), plain.history.len(), "history length");
    for (i, (m, p)) in verso.history.iter().zip(&plain.history).enumerate() {
        same_meta(&m.meta, &p.version, &format!("message {i}"));
        assert_eq!(m.role, p.role, "message {i}: role");
        assert_eq!(m.content, p.content, "message {i}: content");
        assert_eq!(
            m.parent_message.map(|r| r.id()),
            p.parent_message,
            "message {i}: parent_message"
        );
    }
}
