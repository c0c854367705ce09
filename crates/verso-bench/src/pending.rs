//! What a baseline commit writes, decided before any statement is sent:
//! the same rows Verso's commit plan holds for the same change, worked out
//! by hand from what the caller did (the baseline knows which message it
//! edited or appended; Verso has to find out).

use crate::lists::{plan_list, Change, ListWrite};
use crate::plain::{PlainMessage, PlainThread, VersionRow};
use uuid::Uuid;

/// Where the new message versions go in the thread once stored.
#[derive(Clone, Copy, Debug)]
enum Slot {
    /// The one new message replaces the message at this position.
    Edit(usize),
    /// The one new message is appended.
    Append,
    /// The thread is new: the new messages are its history.
    Create,
}

/// The rows of one baseline commit of a thread.
#[derive(Clone, Debug)]
pub struct PendingCommit {
    /// New message versions (row ids not yet known), in insert order.
    pub messages: Vec<PlainMessage>,
    /// The new thread version.
    pub thread: VersionRow,
    /// The new thread version's history list.
    pub list: ListWrite,
    /// The children the list gained or lost.
    pub changes: Vec<Change>,
    /// `(lineage_id, ecs_id)` of the versions that stop being heads.
    pub replaced_heads: Vec<(Uuid, Uuid)>,
    slot: Slot,
}

impl PendingCommit {
    /// A new version of message `index` (whose content the caller changed)
    /// and of the thread.
    pub fn edit(thread: &PlainThread, index: usize) -> Self {
        let old = &thread.history[index];
        let mut message = old.clone();
        message.version = old.version.fork();
        let mut children = thread.children();
        children[index] = message.version.ecs_id;
        let changes = vec![
            Change {
                child: message.version.ecs_id,
                position: index as i64,
                added: true,
            },
            Change {
                child: old.version.ecs_id,
                position: index as i64,
                added: false,
            },
        ];
        let replaced_heads = vec![
            (old.version.lineage_id, old.version.ecs_id),
            (thread.version.lineage_id, thread.version.ecs_id),
        ];
        PendingCommit {
            thread: thread.version.fork(),
            list: plan_list(&children, &thread.stored_chunks),
            messages: vec![message],
            changes,
            replaced_heads,
            slot: Slot::Edit(index),
        }
    }

    /// A new message appended to the thread, and a new version of the
    /// thread.
    pub fn append(thread: &PlainThread, message: PlainMessage) -> Self {
        let mut children = thread.children();
        children.push(message.version.ecs_id);
        let changes = vec![Change {
            child: message.version.ecs_id,
            position: thread.history.len() as i64,
            added: true,
        }];
        PendingCommit {
            thread: thread.version.fork(),
            list: plan_list(&children, &thread.stored_chunks),
            messages: vec![message],
            changes,
            replaced_heads: vec![(thread.version.lineage_id, thread.version.ecs_id)],
            slot: Slot::Append,
        }
    }

    /// The first version of a new thread and of all its messages.
    pub fn create(thread: &PlainThread) -> Self {
        let children = thread.children();
        let changes = children
            .iter()
            .enumerate()
            .map(|(position, child)| Change {
                child: *child,
                position: position as i64,
                added: true,
            })
            .collect();
        PendingCommit {
            thread: thread.version.clone(),
            list: plan_list(&children, &Default::default()),
            messages: thread.history.clone(),
            changes,
            replaced_heads: Vec::new(),
            slot: Slot::Create,
        }
    }

    /// `(lineage_id, ecs_id)` of every new version: the new heads.
    pub fn new_heads(&self) -> impl Iterator<Item = (Uuid, Uuid)> + '_ {
        self.messages
            .iter()
            .map(|m| (m.version.lineage_id, m.version.ecs_id))
            .chain([(self.thread.lineage_id, self.thread.ecs_id)])
    }

    /// Whether the new thread version has a list row (an empty list has
    /// none).
    pub fn has_list(&self) -> bool {
        !self.list.entries.is_empty()
    }

    /// Rows the commit inserts (chunks already stored are counted only if
    /// they are inserted: the caller adds what the chunk insert affected).
    pub fn rows_besides_chunks(&self) -> u64 {
        // Versions, the list row (an empty list has none), the changes and
        // one head per version.
        (2 * (self.messages.len() + 1) + usize::from(self.has_list()) + self.changes.len()) as u64
    }

    /// Updates `thread` to the stored versions, with the row ids the
    /// inserts returned (`message_ids` in the order of
    /// [`messages`](Self::messages)).
    pub fn apply(self, thread: &mut PlainThread, message_ids: &[i64], thread_id: i64) {
        let mut messages = self.messages;
        for (message, id) in messages.iter_mut().zip(message_ids) {
            message.version.id = *id;
        }
        match self.slot {
            Slot::Edit(index) => thread.history[index] = messages.remove(0),
            Slot::Append => thread.history.extend(messages),
            Slot::Create => thread.history = messages,
        }
        thread.version = VersionRow {
            id: thread_id,
            ..self.thread
        };
        thread.stored_chunks = self.list.chunk_ids;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_replaces_one_child_and_both_heads() {
        let thread = PlainThread::with_messages("t", 3);
        let pending = PendingCommit::edit(&thread, 1);
        let old = thread.history[1].version.ecs_id;
        let new = pending.messages[0].version.ecs_id;
        assert_eq!(pending.messages[0].version.parent_id, Some(old));
        assert_eq!(
            pending.list.entries[1], new,
            "three children fit in the root"
        );
        assert_eq!(
            pending
                .changes
                .iter()
                .map(|c| (c.child, c.added))
                .collect::<Vec<_>>(),
            [(new, true), (old, false)]
        );
        assert_eq!(pending.replaced_heads.len(), 2);
        // Two versions, their heads, the list row and two changes.
        assert_eq!(pending.rows_besides_chunks(), 7);
    }

    #[test]
    fn applying_an_append_extends_the_history() {
        let mut thread = PlainThread::with_messages("t", 0);
        let pending = PendingCommit::create(&thread);
        assert!(!pending.has_list(), "an empty list has no row");
        pending.apply(&mut thread, &[], 1);
        let message = PlainMessage::turn(0, None);
        let pending = PendingCommit::append(&thread, message);
        assert_eq!(
            pending.replaced_heads,
            [(thread.version.lineage_id, thread.version.ecs_id)]
        );
        pending.apply(&mut thread, &[7], 2);
        assert_eq!(thread.history.len(), 1);
        assert_eq!((thread.history[0].version.id, thread.version.id), (7, 2));
    }
}
