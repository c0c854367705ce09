//! The benchmark's own entity types: a chat thread owning an ordered
//! history of messages (the same shape as the suite's, kept separate so the
//! benchmark does not depend on the suite).

use verso::{Entity, Meta, Ref};

/// A message in a conversation.
#[derive(Clone, Debug, PartialEq, Entity)]
pub struct ChatMessage {
    /// Version metadata.
    pub meta: Meta,
    /// `"user"` or `"assistant"`.
    pub role: String,
    /// The text of the message.
    pub content: String,
    /// The message this one answers (threading, not versioning).
    pub parent_message: Option<Ref<ChatMessage>>,
}

/// A conversation: an ordered history of messages.
#[derive(Clone, Debug, PartialEq, Entity)]
pub struct ChatThread {
    /// Version metadata.
    pub meta: Meta,
    /// Display name.
    pub name: String,
    /// Whether the history is sent along with new prompts.
    pub use_history: bool,
    /// The messages, in order.
    #[verso(child)]
    pub history: Vec<ChatMessage>,
}

impl ChatThread {
    /// A new thread of `n` alternating user/assistant messages, each
    /// answering the one before it.
    pub fn with_messages(name: &str, n: usize) -> Self {
        let mut history: Vec<ChatMessage> = Vec::with_capacity(n);
        for i in 0..n {
            let message = ChatMessage::turn(i, history.last());
            history.push(message);
        }
        ChatThread {
            meta: Meta::new(),
            name: name.into(),
            use_history: true,
            history,
        }
    }
}

impl ChatMessage {
    /// Message number `i` of a conversation (user and assistant taking
    /// turns), answering `previous`.
    pub fn turn(i: usize, previous: Option<&ChatMessage>) -> Self {
        let role = if i.is_multiple_of(2) {
            "user"
        } else {
            "assistant"
        };
        ChatMessage {
            meta: Meta::new(),
            role: role.into(),
            content: format!("message {i}: {}", "lorem ipsum dolor sit amet ".repeat(3)),
            parent_message: previous.map(Ref::to),
        }
    }
}

/// A tiny entity without children, committed many times to grow a long
/// lineage for the lookup benchmarks.
#[derive(Clone, Debug, PartialEq, Entity)]
pub struct Tick {
    /// Version metadata.
    pub meta: Meta,
    /// Incremented by every commit.
    pub step: i64,
}
