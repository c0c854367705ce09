//! The entity types the scenarios use: the seed guide's chat domain, a
//! three-level tree, a reference cycle and a type with every scalar kind.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use verso::{DateTime, Entity, Field, LineageRef, Meta, Ref, Utc, Uuid};

/// Who speaks: a plain enum, stored as text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Field)]
pub enum MessageRole {
    System,
    User,
    Assistant,
    Tool,
}

/// Token usage of one model call.
#[derive(Clone, Debug, PartialEq, Entity)]
pub struct Usage {
    pub meta: Meta,
    pub model: String,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
}

impl Usage {
    pub fn new(model: &str, prompt_tokens: i64, completion_tokens: i64) -> Self {
        Usage {
            meta: Meta::new(),
            model: model.into(),
            prompt_tokens,
            completion_tokens,
        }
    }
}

/// A message in a conversation.
#[derive(Clone, Debug, PartialEq, Entity)]
pub struct ChatMessage {
    pub meta: Meta,
    pub role: MessageRole,
    pub content: String,
    pub timestamp: DateTime<Utc>,
    /// Threading (who answers whom), which is not versioning.
    pub parent_message: Option<Ref<ChatMessage>>,
    #[verso(child)]
    pub usage: Option<Usage>,
    /// The tools this message called (shared tool versions).
    #[verso(child)]
    pub tool_calls: Vec<Tool>,
}

impl ChatMessage {
    pub fn new(role: MessageRole, content: &str) -> Self {
        ChatMessage {
            meta: Meta::new(),
            role,
            content: content.into(),
            timestamp: verso::now(),
            parent_message: None,
            usage: None,
            tool_calls: Vec::new(),
        }
    }

    /// A message answering `parent`.
    pub fn reply_to(parent: &ChatMessage, role: MessageRole, content: &str) -> Self {
        ChatMessage {
            parent_message: Some(Ref::to(parent)),
            ..ChatMessage::new(role, content)
        }
    }
}

/// Links a message to the usage it cost, with data about the link.
#[derive(Clone, Debug, PartialEq, Entity)]
pub struct MessageUsage {
    pub meta: Meta,
    pub message: Ref<ChatMessage>,
    pub usage: Ref<Usage>,
    pub timestamp: DateTime<Utc>,
    pub context_size: i64,
}

/// A reusable system prompt.
#[derive(Clone, Debug, PartialEq, Entity)]
pub struct SystemPrompt {
    pub meta: Meta,
    pub name: String,
    pub content: String,
}

/// A tool backed by code.
#[derive(Clone, Debug, PartialEq, Entity)]
pub struct CallableTool {
    pub meta: Meta,
    pub name: String,
    pub docstring: Option<String>,
    pub callable_text: String,
    #[verso(json)]
    pub input_schema: serde_json::Value,
    #[verso(json)]
    pub output_schema: serde_json::Value,
    pub strict_schema: bool,
}

/// A tool that asks the model for structured output.
#[derive(Clone, Debug, PartialEq, Entity)]
pub struct StructuredTool {
    pub meta: Meta,
    pub name: String,
    pub description: String,
    pub instruction_string: String,
    #[verso(json)]
    pub json_schema: serde_json::Value,
    pub strict_schema: bool,
}

/// Either kind of tool, stored in one table with a discriminator.
#[derive(Clone, Debug, PartialEq, Entity)]
pub enum Tool {
    Callable(CallableTool),
    Structured(StructuredTool),
}

impl Tool {
    pub fn callable(name: &str) -> Tool {
        Tool::Callable(CallableTool {
            meta: Meta::new(),
            name: name.into(),
            docstring: Some(format!("Runs {name}.")),
            callable_text: format!("def {name}(x): return x"),
            input_schema: serde_json::json!({"type": "object", "properties": {"x": {"type": "number"}}}),
            output_schema: serde_json::json!({"type": "number"}),
            strict_schema: true,
        })
    }

    pub fn structured(name: &str) -> Tool {
        Tool::Structured(StructuredTool {
            meta: Meta::new(),
            name: name.into(),
            description: format!("Answers as {name}."),
            instruction_string: "Please follow this JSON schema for your response:".into(),
            json_schema: serde_json::json!({"type": "object", "required": ["answer"]}),
            strict_schema: false,
        })
    }

    pub fn name(&self) -> &str {
        match self {
            Tool::Callable(t) => &t.name,
            Tool::Structured(t) => &t.name,
        }
    }
}

/// A conversation: an ordered history of messages, tools, a system prompt
/// and the usage associations of its messages.
#[derive(Clone, Debug, PartialEq, Entity)]
pub struct ChatThread {
    pub meta: Meta,
    pub name: String,
    pub use_history: bool,
    #[verso(json)]
    pub settings: BTreeMap<String, serde_json::Value>,
    #[verso(child)]
    pub history: Vec<ChatMessage>,
    #[verso(child)]
    pub tools: Vec<Tool>,
    #[verso(child)]
    pub system_prompt: Option<SystemPrompt>,
    #[verso(child)]
    pub usages: Vec<MessageUsage>,
    /// The prompt library entry this thread follows (its newest version).
    pub prompt_source: Option<LineageRef<SystemPrompt>>,
}

impl ChatThread {
    pub fn new(name: &str, history: Vec<ChatMessage>) -> Self {
        ChatThread {
            meta: Meta::new(),
            name: name.into(),
            use_history: true,
            settings: BTreeMap::new(),
            history,
            tools: Vec::new(),
            system_prompt: None,
            usages: Vec::new(),
            prompt_source: None,
        }
    }

    /// A thread of `n` alternating user/assistant messages.
    pub fn with_messages(name: &str, n: usize) -> Self {
        let history = (0..n)
            .map(|i| {
                let role = if i % 2 == 0 {
                    MessageRole::User
                } else {
                    MessageRole::Assistant
                };
                ChatMessage::new(role, &format!("message {i}"))
            })
            .collect();
        ChatThread::new(name, history)
    }
}

/// Bottom of the three-level tree.
#[derive(Clone, Debug, PartialEq, Entity)]
pub struct Leaf {
    pub meta: Meta,
    pub value: i64,
}

/// Middle of the three-level tree.
#[derive(Clone, Debug, PartialEq, Entity)]
pub struct Branch {
    pub meta: Meta,
    pub label: String,
    #[verso(child)]
    pub leaves: Vec<Leaf>,
}

/// Top of the three-level tree, with every child cardinality.
#[derive(Clone, Debug, PartialEq, Entity)]
pub struct Root {
    pub meta: Meta,
    pub title: String,
    #[verso(child)]
    pub branches: Vec<Branch>,
    #[verso(child)]
    pub pinned: Option<Leaf>,
    #[verso(child)]
    pub anchor: Leaf,
}

impl Root {
    /// Two branches of two leaves each, no pinned leaf.
    pub fn sample() -> Self {
        let branch = |label: &str, base: i64| Branch {
            meta: Meta::new(),
            label: label.into(),
            leaves: vec![leaf(base), leaf(base + 1)],
        };
        Root {
            meta: Meta::new(),
            title: "root".into(),
            branches: vec![branch("left", 0), branch("right", 10)],
            pinned: None,
            anchor: leaf(100),
        }
    }
}

/// A new leaf.
pub fn leaf(value: i64) -> Leaf {
    Leaf {
        meta: Meta::new(),
        value,
    }
}

/// A stop on a circular line: references may form cycles.
#[derive(Clone, Debug, PartialEq, Entity)]
pub struct Station {
    pub meta: Meta,
    pub name: String,
    pub next: Option<Ref<Station>>,
}

/// A circular line, owning its stations: a cycle of pinned references is
/// committed in one tree, each pointing to a version of the same commit.
#[derive(Clone, Debug, PartialEq, Entity)]
pub struct Line {
    pub meta: Meta,
    #[verso(child)]
    pub stations: Vec<Station>,
}

/// A plain serde value stored as JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub temperature: f64,
    pub stop: Vec<String>,
}

/// One field of every supported kind.
#[derive(Clone, Debug, PartialEq, Entity)]
pub struct Sample {
    pub meta: Meta,
    pub text: String,
    pub small: i32,
    pub big: i64,
    pub ratio: f64,
    pub flag: bool,
    pub key: Uuid,
    pub at: DateTime<Utc>,
    pub maybe_text: Option<String>,
    pub maybe_int: Option<i64>,
    pub maybe_at: Option<DateTime<Utc>>,
    #[verso(json)]
    pub settings: Settings,
    #[verso(json)]
    pub tags: BTreeMap<String, String>,
}
