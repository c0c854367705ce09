//! The seed guide's whole chat domain, playing a short agent session.
//!
//! ```text
//! cargo run --example chat_agent                     # SQLite file chat_agent.db
//! cargo run --example chat_agent --features postgres -- postgres://postgres@127.0.0.1:5432/test
//! ```
//!
//! Messages are appended turn by turn, a tool is called, a message is
//! edited, the conversation is forked from an earlier version, and the
//! lineage of the thread and of one message is printed.

use std::collections::BTreeMap;
use verso::{DateTime, Entity, Field, Meta, Ref, Store, Utc, Uuid};

/// Who speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Field)]
enum MessageRole {
    System,
    User,
    Assistant,
    Tool,
}

/// Tokens spent on one model call.
#[derive(Clone, Debug, Entity)]
struct Usage {
    meta: Meta,
    model: String,
    prompt_tokens: i64,
    completion_tokens: i64,
}

/// One message; `parent_message` threads the conversation.
#[derive(Clone, Debug, Entity)]
struct ChatMessage {
    meta: Meta,
    role: MessageRole,
    content: String,
    timestamp: DateTime<Utc>,
    parent_message: Option<Ref<ChatMessage>>,
    #[verso(child)]
    usage: Option<Usage>,
}

/// Association object: which usage a message cost, in what context.
#[derive(Clone, Debug, Entity)]
struct MessageUsage {
    meta: Meta,
    message: Ref<ChatMessage>,
    usage: Ref<Usage>,
    timestamp: DateTime<Utc>,
    context_size: i64,
}

#[derive(Clone, Debug, Entity)]
struct SystemPrompt {
    meta: Meta,
    name: String,
    content: String,
}

#[derive(Clone, Debug, Entity)]
struct CallableTool {
    meta: Meta,
    name: String,
    docstring: Option<String>,
    callable_text: String,
    #[verso(json)]
    input_schema: serde_json::Value,
    #[verso(json)]
    output_schema: serde_json::Value,
    strict_schema: bool,
}

#[derive(Clone, Debug, Entity)]
struct StructuredTool {
    meta: Meta,
    name: String,
    description: String,
    instruction_string: String,
    #[verso(json)]
    json_schema: serde_json::Value,
    strict_schema: bool,
}

/// Both kinds of tool, in one `tool` table with a `variant` column.
#[derive(Clone, Debug, Entity)]
enum Tool {
    Callable(CallableTool),
    Structured(StructuredTool),
}

#[derive(Clone, Debug, Entity)]
struct ChatThread {
    meta: Meta,
    name: String,
    use_history: bool,
    #[verso(json)]
    settings: BTreeMap<String, serde_json::Value>,
    #[verso(child)]
    system_prompt: Option<SystemPrompt>,
    #[verso(child)]
    history: Vec<ChatMessage>,
    #[verso(child)]
    tools: Vec<Tool>,
    #[verso(child)]
    usages: Vec<MessageUsage>,
}

impl ChatThread {
    /// Appends a message answering the last one, with its usage record.
    fn say(&mut self, role: MessageRole, content: &str, usage: Option<Usage>) -> Uuid {
        let message = ChatMessage {
            meta: Meta::new(),
            role,
            content: content.into(),
            timestamp: verso::now(),
            parent_message: self.history.last().map(Ref::to),
            usage: usage.clone(),
        };
        if let Some(usage) = usage {
            self.usages.push(MessageUsage {
                meta: Meta::new(),
                message: Ref::to(&message),
                usage: Ref::to(&usage),
                timestamp: verso::now(),
                context_size: self.history.len() as i64,
            });
        }
        let id = message.meta.lineage_id();
        self.history.push(message);
        id
    }
}

fn usage(prompt_tokens: i64, completion_tokens: i64) -> Option<Usage> {
    Some(Usage {
        meta: Meta::new(),
        model: "gpt-x".into(),
        prompt_tokens,
        completion_tokens,
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> verso::Result<()> {
    let url = std::env::args().nth(1).unwrap_or_else(|| {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("chat_agent.db{suffix}"));
        }
        "sqlite:chat_agent.db".into()
    });
    let store = Store::open(&url).await?;
    store.register::<ChatThread>().await?;
    println!("Agent session on {url}\n");

    let mut thread = ChatThread {
        meta: Meta::new(),
        name: "calculator".into(),
        use_history: true,
        settings: BTreeMap::from([("temperature".into(), serde_json::json!(0.2))]),
        system_prompt: Some(SystemPrompt {
            meta: Meta::new(),
            name: "default".into(),
            content: "You are a careful calculator.".into(),
        }),
        history: Vec::new(),
        tools: vec![
            Tool::Callable(CallableTool {
                meta: Meta::new(),
                name: "add".into(),
                docstring: Some("Adds two numbers.".into()),
                callable_text: "def add(a, b): return a + b".into(),
                input_schema: serde_json::json!({"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}),
                output_schema: serde_json::json!({"type": "number"}),
                strict_schema: true,
            }),
            Tool::Structured(StructuredTool {
                meta: Meta::new(),
                name: "final_answer".into(),
                description: "The answer, as JSON.".into(),
                instruction_string: "Please follow this JSON schema for your response:".into(),
                json_schema: serde_json::json!({"type": "object", "required": ["answer"]}),
                strict_schema: true,
            }),
        ],
        usages: Vec::new(),
    };
    let report = store.commit(&mut thread).await?;
    println!(
        "turn 0: new thread, {} versions created",
        report.created.len()
    );

    // Turn by turn: each traced edit appends and commits.
    let question = store
        .edit(&mut thread, |t| {
            Ok::<_, verso::Error>(t.say(MessageRole::User, "What is 2 + 3?", None))
        })
        .await?
        .value;
    let after_question = thread.meta.ecs_id();
    println!("turn 1: user asks            -> thread {after_question}");
    store
        .edit(&mut thread, |t| {
            t.say(MessageRole::Assistant, "call add(a=2, b=3)", usage(42, 9));
            t.say(MessageRole::Tool, "5", None);
            Ok::<_, verso::Error>(())
        })
        .await?;
    println!(
        "turn 2: tool call and result -> thread {}",
        thread.meta.ecs_id()
    );
    store
        .edit(&mut thread, |t| {
            t.say(MessageRole::Assistant, "{\"answer\": 5}", usage(60, 7));
            Ok::<_, verso::Error>(())
        })
        .await?;
    println!(
        "turn 3: final answer         -> thread {}",
        thread.meta.ecs_id()
    );

    // An edited message: the user rewords the question.
    thread.history[0].content = "What is 2 + 3, exactly?".into();
    let report = store.commit(&mut thread).await?;
    println!(
        "edit:   question reworded    -> {} versions forked",
        report.forked.len()
    );

    // A forked conversation: continue from the version after turn 1.
    let mut branch: ChatThread = store.get(after_question).await?;
    branch.say(MessageRole::Assistant, "Five.", usage(30, 2));
    store.commit(&mut branch).await?;
    println!(
        "fork:   answered directly    -> thread {}",
        branch.meta.ecs_id()
    );

    println!("\nLineage of the thread (oldest first):");
    for version in store
        .versions::<ChatThread>(thread.meta.lineage_id())
        .await?
    {
        let t: ChatThread = store.get(version.ecs_id).await?;
        let parent = version.parent_id.map_or("-".to_string(), short);
        let last = t.history.last().map_or(String::new(), |m| {
            format!("last: {:?} {:?}", m.role, m.content)
        });
        println!(
            "  {} parent {:<8} {} messages  {last}",
            short(version.ecs_id),
            parent,
            t.history.len()
        );
    }
    let heads = store.heads::<ChatThread>(thread.meta.lineage_id()).await?;
    println!(
        "  heads: {}",
        heads
            .iter()
            .map(|h| short(h.meta.ecs_id()))
            .collect::<Vec<_>>()
            .join(", ")
    );

    println!("\nLineage of the question:");
    for version in store.versions::<ChatMessage>(question).await? {
        let m: ChatMessage = store.get(version.ecs_id).await?;
        println!(
            "  {} {} {:?}",
            short(version.ecs_id),
            version.created_at.format("%H:%M:%S%.6f"),
            m.content
        );
    }

    let usages: Vec<MessageUsage> = store.list(verso::Versions::Newest).await?;
    println!("\n{} usage associations; tokens per message:", usages.len());
    for link in usages {
        let message: ChatMessage = store.resolve(&link.message).await?;
        let usage: Usage = store.resolve(&link.usage).await?;
        println!(
            "  {:<24} {:>3} prompt + {:>2} completion (context {})",
            format!("{:?}", message.content),
            usage.prompt_tokens,
            usage.completion_tokens,
            link.context_size
        );
    }
    Ok(())
}

/// The random tail of a UUID (v7 ids made together share their head).
fn short(id: Uuid) -> String {
    id.simple().to_string()[24..].to_string()
}
