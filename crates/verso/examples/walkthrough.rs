//! The seed guide's chat-thread walkthrough, on an embedded SQLite file.
//!
//! ```text
//! cargo run --example walkthrough            # writes ./walkthrough.db
//! cargo run --example walkthrough -- sqlite:/tmp/other.db
//! cargo run --example walkthrough --features postgres -- postgres://postgres@127.0.0.1:5432/test
//! ```

use verso::{CommitInfo, Entity, Meta, Ref, Store};

/// One message of a conversation.
#[derive(Clone, Debug, Entity)]
struct ChatMessage {
    meta: Meta,
    role: String,
    content: String,
    /// Threading (which message this one answers), not versioning.
    parent_message: Option<Ref<ChatMessage>>,
}

/// A conversation.
#[derive(Clone, Debug, Entity)]
struct ChatThread {
    meta: Meta,
    name: String,
    use_history: bool,
    #[verso(child)]
    history: Vec<ChatMessage>,
}

const DEFAULT_DB: &str = "walkthrough.db";

#[tokio::main(flavor = "current_thread")]
async fn main() -> verso::Result<()> {
    let url = std::env::args().nth(1).unwrap_or_else(|| {
        // A fresh file each run, so the output below is the whole story.
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{DEFAULT_DB}{suffix}"));
        }
        format!("sqlite:{DEFAULT_DB}")
    });
    let store = Store::open(&url).await?;
    println!("Verso walkthrough on {url}\n");

    // 1. A thread with two messages, the second answering the first.
    let hello = ChatMessage {
        meta: Meta::new(),
        role: "user".into(),
        content: "Hello, world!".into(),
        parent_message: None,
    };
    let reply = ChatMessage {
        meta: Meta::new(),
        role: "assistant".into(),
        content: "Hi there! How can I help?".into(),
        parent_message: Some(Ref::to(&hello)),
    };
    let mut thread = ChatThread {
        meta: Meta::new(),
        name: "Test Thread".into(),
        use_history: true,
        history: vec![hello, reply],
    };

    // 2. Store it: every entity gets its first version.
    let report = store.commit(&mut thread).await?;
    println!(
        "1. Stored a new thread: {} versions created",
        report.created.len()
    );
    let original_thread = thread.meta.ecs_id();
    let original_reply = thread.history[1].meta.ecs_id();

    // 3. Read it back by id, whole.
    let loaded: ChatThread = store.get(original_thread).await?;
    println!("\n2. Read back thread {original_thread}:");
    print_thread(&loaded);

    // 4. Edit a message and commit: the message and its thread are forked.
    let mut edited = loaded;
    edited.history[1].content = "Updated response".into();
    let info = CommitInfo::new().author("ana").message("Reword the reply");
    let report = store.commit_with(&mut edited, info).await?;
    println!("\n3. Edited the reply and committed (by ana):");
    for fork in &report.forked {
        println!("   {:<12} {} -> {}", fork.type_name, fork.from, fork.to);
    }

    // 5. Both versions of the thread and of the message, with their lineage.
    println!(
        "\n4. Versions of the thread (lineage {}):",
        edited.meta.lineage_id()
    );
    for version in store
        .versions::<ChatThread>(edited.meta.lineage_id())
        .await?
    {
        print_version(&version);
    }
    println!(
        "\n   Versions of the reply (lineage {}):",
        edited.history[1].meta.lineage_id()
    );
    for version in store
        .versions::<ChatMessage>(edited.history[1].meta.lineage_id())
        .await?
    {
        print_version(&version);
    }
    println!(
        "   The first message was not touched: both thread versions share {}",
        edited.history[0].meta.ecs_id()
    );

    // 6. The original versions are unchanged.
    let old: ChatThread = store.get(original_thread).await?;
    let old_reply: ChatMessage = store.get(original_reply).await?;
    println!("\n5. The original thread {original_thread} still reads:");
    print_thread(&old);
    assert_eq!(old_reply.content, "Hi there! How can I help?");
    let new: ChatThread = store.get(edited.meta.ecs_id()).await?;
    println!("\n   and the new one {}:", new.meta.ecs_id());
    print_thread(&new);

    // 7. The same history, read back by the `verso` command-line tool,
    //    which needs none of the Rust types above.
    let verso = format!("cargo run -p verso-cli -- --db {}", shell_word(&url));
    let lineage = new.meta.lineage_id();
    println!("\n6. Explore this history with the verso command-line tool:");
    println!("   {verso} log {lineage}");
    println!("   {verso} diff {original_thread} {}", new.meta.ecs_id());
    println!("   {verso} tree {lineage}");
    println!("   {verso} show {}", new.meta.ecs_id());
    Ok(())
}

/// `word` as one shell word (URLs may hold `?`, `&` or brackets).
fn shell_word(word: &str) -> String {
    let plain = word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/:._-@".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

fn print_thread(thread: &ChatThread) {
    println!(
        "   {:?} (row id {:?})",
        thread.name,
        thread.meta.id().unwrap_or_default()
    );
    for message in &thread.history {
        let answers = message
            .parent_message
            .map(|p| format!(" (answers {})", short(p.id())))
            .unwrap_or_default();
        println!(
            "   - {} {:<9} {:?}{answers}",
            short(message.meta.ecs_id()),
            message.role,
            message.content
        );
    }
}

fn print_version(version: &verso::RowMeta) {
    let parent = version
        .parent_id
        .map_or_else(|| "(first version)".to_string(), |p| format!("parent {p}"));
    println!(
        "   {} {} {parent}",
        version.ecs_id,
        version.created_at.format("%H:%M:%S%.6f")
    );
}

/// The random tail of a UUID (v7 ids made in the same millisecond share
/// their head).
fn short(id: verso::Uuid) -> String {
    id.simple().to_string()[24..].to_string()
}
