//! Plain structs the hand-written baselines read and write: what an
//! application without an ORM would keep for a versioned chat thread.

use chrono::{DateTime, SubsecRound, Utc};
use std::collections::HashSet;
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
    /// The metadata of the first version of a new lineage (row id not yet
    /// known).
    pub fn first() -> VersionRow {
        VersionRow {
            id: 0,
            ecs_id: Uuid::now_v7(),
            lineage_id: Uuid::now_v7(),
            parent_id: None,
            created_at: Utc::now().trunc_subsecs(6),
        }
    }

    /// The metadata of a new version forked from `self` (row id not yet
    /// known), created after it: now, or a microsecond after `self` when
    /// the clock has not moved on (as Verso does).
    pub fn fork(&self) -> VersionRow {
        VersionRow {
            id: 0,
            ecs_id: Uuid::now_v7(),
            lineage_id: self.lineage_id,
            parent_id: Some(self.ecs_id),
            created_at: Utc::now()
                .trunc_subsecs(6)
                .max(self.created_at + chrono::Duration::microseconds(1)),
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

impl PlainMessage {
    /// Message number `i` of a new conversation, answering `previous`: the
    /// same fields as [`ChatMessage::turn`](crate::model::ChatMessage::turn).
    pub fn turn(i: usize, previous: Option<&PlainMessage>) -> Self {
        PlainMessage {
            version: VersionRow::first(),
            role: if i.is_multiple_of(2) {
                "user"
            } else {
                "assistant"
            }
            .into(),
            content: format!("message {i}: {}", "lorem ipsum dolor sit amet ".repeat(3)),
            parent_message: previous.map(|m| m.version.ecs_id),
        }
    }
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
    /// The messages, in list order.
    pub history: Vec<PlainMessage>,
    /// The ids of the chunks of this version's stored history list (empty
    /// until stored): what the next commit need not write again.
    pub stored_chunks: HashSet<Uuid>,
}

impl PlainThread {
    /// A new thread of `n` messages, as
    /// [`ChatThread::with_messages`](crate::model::ChatThread::with_messages).
    pub fn with_messages(name: &str, n: usize) -> Self {
        let mut history: Vec<PlainMessage> = Vec::with_capacity(n);
        for i in 0..n {
            let message = PlainMessage::turn(i, history.last());
            history.push(message);
        }
        PlainThread {
            version: VersionRow::first(),
            name: name.into(),
            use_history: true,
            history,
            stored_chunks: HashSet::new(),
        }
    }

    /// The ids of the messages, in order: the thread's child list.
    pub fn children(&self) -> Vec<Uuid> {
        self.history.iter().map(|m| m.version.ecs_id).collect()
    }
}

/// One version of a [`Tick`](crate::model::Tick).
#[derive(Clone, Debug, PartialEq)]
pub struct PlainTick {
    /// Version metadata.
    pub version: VersionRow,
    /// The counter.
    pub step: i64,
}

/// The child field Verso writes for `ChatThread::history`.
pub const HISTORY_FIELD: &str = "history";
/// The child type name stored in `verso_lists.child_type`.
pub const MESSAGE_TYPE: &str = "ChatMessage";

/// A version's metadata as Verso reports it and as a baseline read it are
/// the same version.
pub fn assert_same_version(meta: &verso::RowMeta, row: &VersionRow, what: &str) {
    assert_eq!(meta.id, row.id, "{what}: row id");
    assert_eq!(meta.ecs_id, row.ecs_id, "{what}: ecs_id");
    assert_eq!(meta.lineage_id, row.lineage_id, "{what}: lineage_id");
    assert_eq!(meta.parent_id, row.parent_id, "{what}: parent_id");
    assert_eq!(meta.created_at, row.created_at, "{what}: created_at");
}

/// A tick loaded by Verso and one loaded by a baseline are the same.
pub fn assert_same_tick(verso: &crate::model::Tick, plain: &PlainTick, what: &str) {
    let meta = &verso.meta;
    assert_eq!(meta.id(), Some(plain.version.id), "{what}: row id");
    assert_eq!(meta.ecs_id(), plain.version.ecs_id, "{what}: ecs_id");
    assert_eq!(
        meta.lineage_id(),
        plain.version.lineage_id,
        "{what}: lineage_id"
    );
    assert_eq!(
        meta.parent_id(),
        plain.version.parent_id,
        "{what}: parent_id"
    );
    assert_eq!(
        meta.created_at(),
        plain.version.created_at,
        "{what}: created_at"
    );
    assert_eq!(verso.step, plain.step, "{what}: step");
}

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
