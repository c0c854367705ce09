//! The entity types the reliability parts write: a thread of messages
//! whose every field is derived from a few numbers, so any stored version
//! can be checked on its own ("is this version whole?") as well as against
//! what a writer acknowledged ("is it exactly what was committed?").

use verso::{Entity, Meta};

/// A conversation: the root of every tree the parts commit.
#[derive(Clone, Debug, PartialEq, Entity)]
#[verso(table = "rel_thread")]
pub struct Thread {
    /// Version identity.
    pub meta: Meta,
    /// Who created the thread (`-1` for a thread shared by every writer).
    pub owner: i64,
    /// How many messages this version holds: a version that lost children
    /// on the way to the disk no longer matches it.
    pub message_count: i64,
    /// The messages, in order.
    #[verso(child)]
    pub messages: Vec<Message>,
}

/// One message of a [`Thread`].
#[derive(Clone, Debug, PartialEq, Entity)]
#[verso(table = "rel_message")]
pub struct Message {
    /// Version identity.
    pub meta: Meta,
    /// The writer that appended it.
    pub writer: i64,
    /// The writer's own counter: the `step`-th message this writer appended.
    pub step: i64,
    /// Its position in the thread when it was appended.
    pub position: i64,
    /// How often it was edited.
    pub revision: i64,
    /// Text derived from the fields above ([`expected_body`]).
    pub body: String,
}

/// The body a message with these numbers must have, padded to `padding`
/// bytes so trees can be made large.
pub fn expected_body(writer: i64, step: i64, revision: i64, padding: usize) -> String {
    let mut body = format!("writer {writer} step {step} revision {revision}:");
    while body.len() < padding {
        body.push_str(" lorem ipsum");
    }
    body
}

impl Thread {
    /// An empty thread owned by `owner`.
    pub fn new(owner: i64) -> Thread {
        Thread {
            meta: Meta::new(),
            owner,
            message_count: 0,
            messages: Vec::new(),
        }
    }

    /// Appends the `step`-th message of `writer`, keeping `message_count`.
    pub fn append(&mut self, writer: i64, step: i64, padding: usize) {
        let position = self.messages.len() as i64;
        self.messages.push(Message {
            meta: Meta::new(),
            writer,
            step,
            position,
            revision: 0,
            body: expected_body(writer, step, 0, padding),
        });
        self.message_count = self.messages.len() as i64;
    }

    /// Edits the message at `index`: its revision goes up by one and its
    /// body follows.
    pub fn edit(&mut self, index: usize) {
        let message = &mut self.messages[index];
        let padding = message.body.len();
        message.revision += 1;
        message.body = expected_body(message.writer, message.step, message.revision, padding);
    }

    /// Why this version is not whole, if it is not: a message count that
    /// differs from the messages loaded, a position out of place, or a body
    /// that does not match its numbers.
    pub fn defects(&self) -> Vec<String> {
        let mut defects = Vec::new();
        let id = self.meta.ecs_id();
        if self.message_count != self.messages.len() as i64 {
            defects.push(format!(
                "thread {id}: message_count {} but {} messages loaded",
                self.message_count,
                self.messages.len()
            ));
        }
        for (index, message) in self.messages.iter().enumerate() {
            if message.position != index as i64 {
                defects.push(format!(
                    "thread {id}: message {index} says it is at position {}",
                    message.position
                ));
            }
            let padding = message.body.len();
            let expected = expected_body(message.writer, message.step, message.revision, padding);
            if message.body != expected {
                defects.push(format!(
                    "thread {id}: message {index} has body {:?}, expected {expected:?}",
                    message.body
                ));
            }
        }
        defects
    }

    /// A digest of everything a version holds: its own fields and, for
    /// every message in order, its version id and fields. Two versions
    /// with the same fingerprint have the same content and the same
    /// child versions.
    pub fn fingerprint(&self) -> u64 {
        let mut digest = Fnv::new();
        digest.write(&self.owner.to_le_bytes());
        digest.write(&self.message_count.to_le_bytes());
        for message in &self.messages {
            digest.write(message.meta.ecs_id().as_bytes());
            for number in [
                message.writer,
                message.step,
                message.position,
                message.revision,
            ] {
                digest.write(&number.to_le_bytes());
            }
            digest.write(message.body.as_bytes());
            digest.write(&[0]);
        }
        digest.finish()
    }
}

/// FNV-1a, 64 bits: a digest every process of the suite computes alike.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_built_by_append_and_edit_is_whole() {
        let mut thread = Thread::new(3);
        for step in 0..5 {
            thread.append(3, step, 40);
        }
        thread.edit(2);
        assert_eq!(thread.defects(), Vec::<String>::new());
        assert_eq!(thread.messages[2].revision, 1);
    }

    #[test]
    fn a_lost_message_or_a_wrong_body_is_a_defect() {
        let mut thread = Thread::new(0);
        for step in 0..3 {
            thread.append(0, step, 0);
        }
        let mut lost = thread.clone();
        lost.messages.remove(1);
        assert_eq!(lost.defects().len(), 2, "{:?}", lost.defects());

        let mut garbled = thread.clone();
        garbled.messages[0].body.push('!');
        assert_eq!(garbled.defects().len(), 1);
    }

    #[test]
    fn the_fingerprint_sees_content_and_child_identity() {
        let mut thread = Thread::new(0);
        thread.append(0, 0, 0);
        let before = thread.fingerprint();
        assert_eq!(before, thread.clone().fingerprint());

        let mut edited = thread.clone();
        edited.edit(0);
        assert_ne!(edited.fingerprint(), before);

        let mut other_child = thread.clone();
        other_child.messages[0].meta = Meta::new();
        assert_ne!(other_child.fingerprint(), before);
    }
}
