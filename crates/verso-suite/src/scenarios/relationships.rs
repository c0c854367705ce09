//! Relationships: polymorphic entities, association objects, references,
//! JSON and enum fields, traced edits and queries around lineages.

use crate::cost;
use crate::model::*;
use std::collections::BTreeMap;
use verso::{Entity, Error, LineageRef, Meta, Ref, Store, Uuid, Versions};

fn tool_names(tools: &[Tool]) -> Vec<&str> {
    tools.iter().map(Tool::name).collect()
}

fn callable(tool: &Tool) -> &CallableTool {
    match tool {
        Tool::Callable(t) => t,
        other => panic!("expected a callable tool, found {other:?}"),
    }
}

async fn thread_with_tools(store: &Store) -> ChatThread {
    let mut thread = ChatThread::new("tools", vec![ChatMessage::new(MessageRole::User, "hi")]);
    thread.tools = vec![
        Tool::callable("add"),
        Tool::structured("answer"),
        Tool::callable("mul"),
    ];
    store.commit(&mut thread).await.unwrap();
    thread
}

pub async fn polymorphic_tools_round_trip_in_order(store: &Store) {
    let thread = thread_with_tools(store).await;
    let loaded: ChatThread = store.get(thread.meta.ecs_id()).await.unwrap();
    assert_eq!(tool_names(&loaded.tools), ["add", "answer", "mul"]);
    assert!(matches!(loaded.tools[0], Tool::Callable(_)));
    assert!(matches!(loaded.tools[1], Tool::Structured(_)));
    assert!(matches!(loaded.tools[2], Tool::Callable(_)));
    assert_eq!(loaded, thread);
    let columns: Vec<&str> = <Tool as Entity>::entity_type()
        .columns
        .iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(
        columns[0], "variant",
        "one table with a discriminator column"
    );
    assert!(columns.contains(&"callable_text") && columns.contains(&"json_schema"));
}

pub async fn editing_a_variant_field_forks_tool_and_thread(store: &Store) {
    let mut thread = thread_with_tools(store).await;
    let before = thread.clone();
    if let Tool::Callable(add) = &mut thread.tools[0] {
        add.docstring = Some("Adds two numbers.".into());
    }
    let report = store.commit(&mut thread).await.unwrap();
    let forked: Vec<&str> = report.forked.iter().map(|f| f.type_name).collect();
    assert_eq!(forked, ["Tool", "ChatThread"]);
    assert_eq!(
        thread.tools[1], before.tools[1],
        "the other tools keep their versions"
    );
    let old: ChatThread = store.get(before.meta.ecs_id()).await.unwrap();
    assert_eq!(
        callable(&old.tools[0]).docstring.as_deref(),
        Some("Runs add.")
    );
}

pub async fn a_tool_changing_variant_stays_in_its_lineage(store: &Store) {
    let mut thread = thread_with_tools(store).await;
    let old = callable(&thread.tools[0]).clone();
    thread.tools[0] = Tool::Structured(StructuredTool {
        meta: old.meta.clone(), // same entity, now structured
        name: old.name.clone(),
        description: "Adds, as JSON.".into(),
        instruction_string: "Answer with {\"sum\": number}".into(),
        json_schema: serde_json::json!({"type": "object"}),
        strict_schema: true,
    });
    let report = store.commit(&mut thread).await.unwrap();
    assert_eq!(report.forked[0].type_name, "Tool");
    assert_eq!(report.forked[0].from, old.meta.ecs_id());
    let versions = store.versions::<Tool>(old.meta.lineage_id()).await.unwrap();
    assert_eq!(versions.len(), 2, "a new version of the same lineage");
    let first: Tool = store.get(versions[0].ecs_id).await.unwrap();
    let second: Tool = store.get(versions[1].ecs_id).await.unwrap();
    assert!(matches!(first, Tool::Callable(_)));
    assert!(matches!(second, Tool::Structured(_)));
}

pub async fn an_association_links_message_and_usage_both_ways(store: &Store) {
    let mut message = ChatMessage::new(MessageRole::Assistant, "42");
    let usage = Usage::new("gpt", 120, 8);
    message.usage = Some(usage.clone());
    let mut thread = ChatThread::new("usage", vec![message.clone()]);
    thread.usages.push(MessageUsage {
        meta: Meta::new(),
        message: Ref::to(&message),
        usage: Ref::to(&usage),
        timestamp: verso::now(),
        context_size: 4096,
    });
    store.commit(&mut thread).await.unwrap();

    let from_message: Vec<MessageUsage> = store
        .referencing(MessageUsage::FIELDS.message, &[message.meta.ecs_id()])
        .await
        .unwrap();
    let from_usage: Vec<MessageUsage> = store
        .referencing(MessageUsage::FIELDS.usage, &[usage.meta.ecs_id()])
        .await
        .unwrap();
    assert_eq!(from_message, thread.usages);
    assert_eq!(from_usage, thread.usages);
    let reached: ChatMessage = store.resolve(&from_usage[0].message).await.unwrap();
    assert_eq!(reached, thread.history[0], "from the usage to its message");

    // Editing the link's payload forks the link and its owner only.
    thread.usages[0].context_size = 8192;
    let report = store.commit(&mut thread).await.unwrap();
    let forked: Vec<&str> = report.forked.iter().map(|f| f.type_name).collect();
    assert_eq!(forked, ["MessageUsage", "ChatThread"]);
    let now: Vec<MessageUsage> = store
        .referencing(MessageUsage::FIELDS.message, &[message.meta.ecs_id()])
        .await
        .unwrap();
    assert_eq!(now[0].context_size, 8192, "the newest version of the link");
    assert!(matches!(
        // A handle built by hand on a column that holds no reference.
        store
            .referencing(
                verso::Col::<MessageUsage, Ref<ChatMessage>>::field("context_size"),
                &[]
            )
            .await,
        Err(Error::InvalidInput { .. })
    ));
}

pub async fn a_branched_conversation_round_trips_as_a_tree(store: &Store) {
    let question = ChatMessage::new(MessageRole::User, "Name a colour");
    let replies: Vec<ChatMessage> = ["red", "green", "blue"]
        .iter()
        .map(|c| ChatMessage::reply_to(&question, MessageRole::Assistant, c))
        .collect();
    let mut history = vec![question.clone()];
    history.extend(replies);
    let mut thread = ChatThread::new("branches", history);
    store.commit(&mut thread).await.unwrap();

    let loaded: ChatThread = store.get(thread.meta.ecs_id()).await.unwrap();
    let root = &loaded.history[0];
    let children: Vec<&str> = loaded
        .history
        .iter()
        .filter(|m| m.parent_message == Some(Ref::to(root)))
        .map(|m| m.content.as_str())
        .collect();
    assert_eq!(
        children,
        ["red", "green", "blue"],
        "three replies to one message"
    );
    let parents = store
        .resolve_all(
            &loaded.history[1..]
                .iter()
                .map(|m| m.parent_message.unwrap())
                .collect::<Vec<_>>(),
        )
        .await
        .unwrap();
    assert!(parents.iter().all(|p| p == root));
}

/// A thread of `n` messages, each answering the previous one, each with a
/// usage, an association and two shared tool calls.
fn rich_thread(n: usize) -> ChatThread {
    let tools = vec![Tool::callable("search"), Tool::structured("answer")];
    let mut thread = ChatThread::new("rich", Vec::new());
    thread.tools = tools.clone();
    thread.system_prompt = Some(SystemPrompt {
        meta: Meta::new(),
        name: "default".into(),
        content: "Be brief.".into(),
    });
    for i in 0..n {
        let mut message = match thread.history.last() {
            Some(previous) => {
                ChatMessage::reply_to(previous, MessageRole::Assistant, &format!("m{i}"))
            }
            None => ChatMessage::new(MessageRole::User, "m0"),
        };
        let usage = Usage::new("gpt", 10 + i as i64, 5);
        message.usage = Some(usage.clone());
        message.tool_calls = tools.clone();
        thread.usages.push(MessageUsage {
            meta: Meta::new(),
            message: Ref::to(&message),
            usage: Ref::to(&usage),
            timestamp: verso::now(),
            context_size: i as i64,
        });
        thread.history.push(message);
    }
    thread
}

pub async fn loading_a_rich_thread_costs_the_same_queries_for_any_size(store: &Store) {
    let mut costs = Vec::new();
    for n in [10, 1_000] {
        let mut thread = rich_thread(n);
        let (_, report) = cost!(store, store.commit(&mut thread).await.unwrap());
        let tools_created = report
            .created
            .iter()
            .filter(|c| c.type_name == "Tool")
            .count();
        assert_eq!(tools_created, 2, "shared tool versions are stored once");

        let (cost, (loaded, parents, links)) = cost!(store, {
            let loaded: ChatThread = store.get(thread.meta.ecs_id()).await.unwrap();
            let refs: Vec<Ref<ChatMessage>> = loaded
                .history
                .iter()
                .filter_map(|m| m.parent_message)
                .collect();
            let parents = store.resolve_all(&refs).await.unwrap();
            let ids: Vec<Uuid> = loaded.history.iter().map(|m| m.meta.ecs_id()).collect();
            let links: Vec<MessageUsage> = store
                .referencing(MessageUsage::FIELDS.message, &ids)
                .await
                .unwrap();
            (loaded, parents, links)
        });
        assert_eq!(loaded, thread);
        assert_eq!(parents.len(), n - 1);
        assert_eq!(links.len(), n);
        assert!(loaded
            .history
            .iter()
            .all(|m| m.tool_calls.len() == 2 && m.usage.is_some()));
        costs.push(cost.statements);
    }
    assert_eq!(costs[0], costs[1], "{costs:?}");
}

pub async fn json_fields_compare_by_value(store: &Store) {
    let mut thread = ChatThread::new("json", Vec::new());
    thread.settings = BTreeMap::from([
        ("temperature".to_string(), serde_json::json!(0.5)),
        ("stop".to_string(), serde_json::json!({"b": 1, "a": [1, 2]})),
    ]);
    thread.tools = vec![Tool::callable("f")];
    store.commit(&mut thread).await.unwrap();

    // The same document written with its keys in another order is no change.
    let mut loaded: ChatThread = store.get(thread.meta.ecs_id()).await.unwrap();
    if let Tool::Callable(f) = &mut loaded.tools[0] {
        f.input_schema =
            serde_json::from_str(r#"{"properties": {"x": {"type": "number"}}, "type": "object"}"#)
                .unwrap();
    }
    loaded.settings.insert(
        "stop".into(),
        serde_json::from_str(r#"{"a": [1, 2], "b": 1}"#).unwrap(),
    );
    let (cost, report) = cost!(store, store.commit(&mut loaded).await.unwrap());
    assert!(report.is_empty(), "{report:?}");
    assert_eq!(cost.statements, 0);

    loaded
        .settings
        .insert("temperature".into(), serde_json::json!(0.7));
    assert_eq!(store.commit(&mut loaded).await.unwrap().forked.len(), 1);
}

pub async fn a_plain_enum_is_stored_as_its_variant_name(store: &Store) {
    let columns = <ChatMessage as Entity>::entity_type().columns;
    let role = columns.iter().find(|c| c.name == "role").unwrap();
    assert_eq!(role.ty, verso::ColumnType::Text);
    assert_eq!(
        verso::Field::to_value(&MessageRole::Assistant),
        verso::Value::Text("assistant".into())
    );
    let mut message = ChatMessage::new(MessageRole::Tool, "result");
    store.commit(&mut message).await.unwrap();
    let loaded: ChatMessage = store.get(message.meta.ecs_id()).await.unwrap();
    assert_eq!(loaded.role, MessageRole::Tool);
}

pub async fn a_lineage_reference_follows_the_head_and_a_ref_stays_pinned(store: &Store) {
    let mut prompt = SystemPrompt {
        meta: Meta::new(),
        name: "library".into(),
        content: "v1".into(),
    };
    store.commit(&mut prompt).await.unwrap();
    let pinned = Ref::to(&prompt);
    let mut thread = ChatThread::new("follows", Vec::new());
    thread.prompt_source = Some(LineageRef::to(&prompt));
    store.commit(&mut thread).await.unwrap();

    prompt.content = "v2".into();
    store.commit(&mut prompt).await.unwrap();
    let (cost, report) = cost!(store, store.commit(&mut thread).await.unwrap());
    assert!(
        report.is_empty() && cost.statements == 0,
        "a new target version is not a change"
    );

    let followed = store.follow(&thread.prompt_source.unwrap()).await.unwrap();
    assert_eq!(followed.content, "v2");
    assert_eq!(store.resolve(&pinned).await.unwrap().content, "v1");
    let all = store
        .follow_all(&[thread.prompt_source.unwrap()])
        .await
        .unwrap();
    assert_eq!(all, vec![followed]);
}

pub async fn a_traced_edit_versions_what_the_code_changed(store: &Store) {
    let mut thread = ChatThread::with_messages("draft", 1);
    store.commit(&mut thread).await.unwrap();
    let before = thread.clone();
    let edited = store
        .edit(&mut thread, |t| {
            t.name = "renamed".into();
            t.history
                .push(ChatMessage::new(MessageRole::User, "created inside"));
            Ok::<_, Error>(t.history.len())
        })
        .await
        .unwrap();
    assert_eq!(edited.value, 2);
    assert_eq!(edited.report.forked.len(), 1);
    assert_eq!(
        edited.report.created.len(),
        1,
        "the new message is registered"
    );
    let old: ChatThread = store.get(before.meta.ecs_id()).await.unwrap();
    assert_eq!(old, before, "the old version is kept");
    let new: ChatThread = store.get(thread.meta.ecs_id()).await.unwrap();
    assert_eq!(new.name, "renamed");
}

pub async fn an_async_traced_edit_versions_what_the_code_changed(store: &Store) {
    let mut thread = ChatThread::with_messages("draft", 1);
    store.commit(&mut thread).await.unwrap();
    let before = thread.meta.ecs_id();
    let edited = store
        .edit_async(&mut thread, async |t: &mut ChatThread| {
            tokio::task::yield_now().await;
            t.name = "renamed later".into();
            Ok::<_, Error>(())
        })
        .await
        .unwrap();
    assert_eq!(edited.report.forked.len(), 1);
    assert_eq!(thread.meta.parent_id(), Some(before));
    let new: ChatThread = store.get(thread.meta.ecs_id()).await.unwrap();
    assert_eq!(new.name, "renamed later");
}

pub async fn a_traced_edit_that_changes_nothing_makes_no_version(store: &Store) {
    let mut thread = ChatThread::with_messages("same", 2);
    store.commit(&mut thread).await.unwrap();
    let (cost, edited) = cost!(
        store,
        store
            .edit(&mut thread, |t| {
                let name = t.name.clone();
                t.name = name;
                Ok::<_, Error>(())
            })
            .await
            .unwrap()
    );
    assert!(edited.report.is_empty());
    assert_eq!(cost.statements, 0);
    let (cost, edited) = cost!(
        store,
        store
            .edit_async(&mut thread, async |_: &mut ChatThread| Ok::<_, Error>(()))
            .await
            .unwrap()
    );
    assert!(edited.report.is_empty());
    assert_eq!(cost.statements, 0);
    let versions = store
        .versions::<ChatThread>(thread.meta.lineage_id())
        .await
        .unwrap();
    assert_eq!(versions.len(), 1);
}

pub async fn a_failing_traced_edit_stores_nothing(store: &Store) {
    let mut thread = ChatThread::with_messages("stable", 1);
    store.commit(&mut thread).await.unwrap();
    let before = thread.clone();
    let stats = store.stats();
    let result = store
        .edit(&mut thread, |t| {
            t.name = "half done".into();
            t.history.clear();
            Err::<(), _>(Error::InvalidInput {
                type_name: "ChatThread".into(),
                id: t.meta.ecs_id(),
                detail: "the model refused".into(),
            })
        })
        .await;
    assert!(result.is_err());
    let result = store
        .edit_async(&mut thread, async |t: &mut ChatThread| {
            t.name = "half done".into();
            Err::<(), _>(Error::NotFound {
                type_name: "Tool".into(),
                id: Uuid::nil(),
            })
        })
        .await;
    assert!(result.is_err());
    assert_eq!(
        store.stats().statements,
        stats.statements,
        "nothing was sent"
    );
    assert_eq!(thread, before, "the working copy is restored");
}

pub async fn children_across_versions_returns_each_lineage_once(store: &Store) {
    let mut thread = ChatThread::with_messages("five edits", 2);
    store.commit(&mut thread).await.unwrap();
    for edit in 0..5 {
        match edit {
            0 => thread.history[0].content = "edited".into(),
            1 => thread
                .history
                .push(ChatMessage::new(MessageRole::User, "third")),
            2 => {
                thread.history.remove(1);
            }
            3 => thread.history[1].content = "third, edited".into(),
            _ => thread.name = "renamed".into(),
        }
        store.commit(&mut thread).await.unwrap();
    }
    let versions = store
        .versions::<ChatThread>(thread.meta.lineage_id())
        .await
        .unwrap();
    assert_eq!(versions.len(), 6);
    let (cost, children) = cost!(
        store,
        store
            .children_across_versions(thread.meta.lineage_id(), ChatThread::FIELDS.history)
            .await
            .unwrap()
    );
    let contents: Vec<&str> = children.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(
        contents,
        ["edited", "message 1", "third, edited"],
        "each lineage once, newest version"
    );
    assert!(cost.statements <= 6, "{cost:?}");
    assert!(matches!(
        store
            .children_across_versions(
                thread.meta.lineage_id(),
                verso::ChildCol::<ChatThread, Vec<ChatMessage>>::field("nope")
            )
            .await,
        Err(Error::InvalidInput { .. })
    ));
}

pub async fn listing_a_type_gives_newest_or_all_versions(store: &Store) {
    let mut a = Usage::new("a", 1, 1);
    let mut b = Usage::new("b", 2, 2);
    store.commit(&mut a).await.unwrap();
    store.commit(&mut b).await.unwrap();
    a.prompt_tokens = 10;
    store.commit(&mut a).await.unwrap();

    let newest: Vec<Usage> = store.list(Versions::Newest).await.unwrap();
    let mut models: Vec<(String, i64)> = newest
        .iter()
        .map(|u| (u.model.clone(), u.prompt_tokens))
        .collect();
    models.sort();
    assert_eq!(models, [("a".to_string(), 10), ("b".to_string(), 2)]);
    let all: Vec<Usage> = store.list(Versions::All).await.unwrap();
    assert_eq!(all.len(), 3);
}
