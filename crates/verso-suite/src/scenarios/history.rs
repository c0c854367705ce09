//! History: diffs between any two versions, time travel, lineage trees,
//! revert, and the catalog that lets tools read a store without its types.

use crate::model::*;
use std::time::Duration;
use verso::{Assembly, Entity, Error, FieldChange, Forked, LoadRequest, Ref, Store, Uuid, Value};

async fn pause() {
    tokio::time::sleep(Duration::from_millis(5)).await;
}

fn lineage_of(message: &ChatMessage) -> Uuid {
    message.meta.lineage_id()
}

pub async fn a_diff_of_non_adjacent_versions_reports_every_kind_of_change(store: &Store) {
    let mut thread = ChatThread::new(
        "Support",
        ["a", "b", "c", "d"]
            .map(|text| ChatMessage::new(MessageRole::User, text))
            .into(),
    );
    store.commit(&mut thread).await.unwrap();
    let first = thread.meta.ecs_id();
    let [a, b, c, d] = [0, 1, 2, 3].map(|i| lineage_of(&thread.history[i]));
    let old_b = thread.history[1].meta.ecs_id();

    thread.name = "Support (escalated)".into();
    store.commit(&mut thread).await.unwrap();

    // d to the front, b edited and given a usage, c removed, e appended,
    // a now answering d.
    let moved = thread.history.remove(3);
    thread.history.insert(0, moved);
    thread.history[2].content = "b, edited".into();
    thread.history[2].usage = Some(Usage::new("gpt-4o", 12, 3));
    thread.history.remove(3);
    thread
        .history
        .push(ChatMessage::new(MessageRole::Assistant, "e"));
    thread.history[1].parent_message = Some(Ref::to(&thread.history[0]));
    store.commit(&mut thread).await.unwrap();
    let third = thread.meta.ecs_id();
    let e = lineage_of(&thread.history[3]);

    let diff = store.diff::<ChatThread>(first, third).await.unwrap();
    assert_eq!((diff.old, diff.new), (first, third));
    assert_eq!(
        diff.fields,
        vec![FieldChange {
            field: "name",
            old: Value::Text("Support".into()),
            new: Value::Text("Support (escalated)".into()),
            references: None,
        }],
        "only the name changed among the thread's own fields"
    );
    let [history] = diff.children.as_slice() else {
        panic!("only the history changed: {diff}")
    };
    assert_eq!(history.field, "history");
    let placed = |list: &[verso::PlacedChild]| -> Vec<(usize, Uuid)> {
        list.iter()
            .map(|p| (p.position, p.child.meta.lineage_id))
            .collect()
    };
    assert_eq!(placed(&history.added), vec![(3, e)]);
    assert_eq!(placed(&history.removed), vec![(2, c)]);
    let moved: Vec<_> = history
        .moved
        .iter()
        .map(|m| (m.lineage_id, m.from, m.to))
        .collect();
    assert_eq!(moved, vec![(d, 3, 0)], "a and b only shifted");

    let changed = |lineage: Uuid| {
        history
            .changed
            .iter()
            .find(|c| c.diff.lineage_id == lineage)
            .unwrap_or_else(|| panic!("{lineage} changed: {diff}"))
    };
    assert_eq!(history.changed.len(), 2, "a and b changed: {diff}");
    let b_change = changed(b);
    assert_eq!((b_change.from, b_change.to), (1, 2));
    assert_eq!(b_change.diff.old, old_b);
    assert_eq!(
        b_change
            .diff
            .fields
            .iter()
            .map(|f| f.field)
            .collect::<Vec<_>>(),
        vec!["content"]
    );
    assert_eq!(b_change.diff.children[0].field, "usage");
    assert_eq!(b_change.diff.children[0].added.len(), 1, "usage added to b");

    let a_change = changed(a);
    assert_eq!((a_change.from, a_change.to), (0, 1));
    assert_eq!(
        a_change.diff.fields,
        vec![FieldChange {
            field: "parent_message",
            old: Value::Null,
            new: Value::Uuid(thread.history[0].meta.ecs_id()),
            references: Some("ChatMessage"),
        }],
        "a reference whose target changed"
    );
    assert_eq!(
        diff.summary(),
        "name changed; history: 1 added, 1 removed, 1 moved, 2 changed"
    );
}

pub async fn a_diff_needs_two_versions_of_one_lineage(store: &Store) {
    let mut one = ChatThread::with_messages("one", 1);
    let mut other = ChatThread::with_messages("other", 1);
    store.commit(&mut one).await.unwrap();
    store.commit(&mut other).await.unwrap();

    let error = store
        .diff::<ChatThread>(one.meta.ecs_id(), other.meta.ecs_id())
        .await
        .unwrap_err();
    match &error {
        Error::InvalidInput { type_name, id, .. } => {
            assert_eq!(type_name, "ChatThread");
            assert_eq!(*id, other.meta.ecs_id());
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    assert!(error.to_string().contains("two lineages"), "{error}");

    let message = one.history[0].meta.ecs_id();
    let error = store
        .diff::<ChatThread>(one.meta.ecs_id(), message)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::WrongType { id, .. } if id == message));

    let same = store
        .diff::<ChatThread>(one.meta.ecs_id(), one.meta.ecs_id())
        .await
        .unwrap();
    assert!(same.is_empty());
}

pub async fn as_of_a_time_between_two_versions_returns_the_earlier_one(store: &Store) {
    let mut thread = ChatThread::new(
        "first",
        vec![ChatMessage::new(MessageRole::User, "original")],
    );
    store.commit(&mut thread).await.unwrap();
    let first = thread.clone();
    pause().await;
    let between = verso::now();
    pause().await;

    thread.name = "second".into();
    thread.history[0].content = "edited".into();
    thread
        .history
        .push(ChatMessage::new(MessageRole::Assistant, "added"));
    store.commit(&mut thread).await.unwrap();
    let lineage = thread.meta.lineage_id();

    let then: ChatThread = store.as_of(lineage, between).await.unwrap();
    assert_eq!(then, first, "the earlier version, with its own children");
    assert_eq!(then.history[0].content, "original");

    let now: ChatThread = store
        .as_of(lineage, thread.meta.created_at())
        .await
        .unwrap();
    assert_eq!(now, thread, "a version counts from its creation time on");

    let before = first.meta.created_at() - Duration::from_micros(1);
    let error = store
        .as_of::<ChatThread>(lineage, before)
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::NotFound { id, .. } if id == lineage),
        "the lineage did not exist yet: {error:?}"
    );
}

pub async fn revert_makes_a_new_head_equal_to_the_old_version(store: &Store) {
    let mut thread = ChatThread::new(
        "draft",
        vec![
            ChatMessage::new(MessageRole::User, "a"),
            ChatMessage::new(MessageRole::Assistant, "b"),
        ],
    );
    store.commit(&mut thread).await.unwrap();
    let first = thread.clone();

    thread.name = "edited".into();
    thread.history[0].content = "a, edited".into();
    thread
        .history
        .push(ChatMessage::new(MessageRole::User, "c"));
    store.commit(&mut thread).await.unwrap();
    let second = thread.clone();
    thread.history.remove(1);
    store.commit(&mut thread).await.unwrap();
    let third = thread.clone();

    let (head, report) = store
        .revert::<ChatThread>(first.meta.ecs_id())
        .await
        .unwrap();
    assert_eq!(head.meta.parent_id(), Some(third.meta.ecs_id()));
    assert_eq!(head.meta.lineage_id(), first.meta.lineage_id());
    assert_eq!(
        report.forked,
        vec![Forked {
            type_name: "ChatThread",
            lineage_id: first.meta.lineage_id(),
            from: third.meta.ecs_id(),
            to: head.meta.ecs_id(),
        }],
        "one new version, for the thread only: the children are the old ones"
    );
    assert!(report.created.is_empty());

    let latest: ChatThread = store.latest(first.meta.lineage_id()).await.unwrap();
    assert_eq!(latest, head);
    assert_eq!(latest.name, "draft");
    assert_eq!(
        latest.history, first.history,
        "the old children, as they were"
    );
    let diff = store
        .diff::<ChatThread>(first.meta.ecs_id(), head.meta.ecs_id())
        .await
        .unwrap();
    assert!(diff.is_empty(), "same content as the old version: {diff}");

    let versions = store
        .versions::<ChatThread>(first.meta.lineage_id())
        .await
        .unwrap();
    let ids: Vec<Uuid> = versions.iter().map(|v| v.ecs_id).collect();
    assert_eq!(
        ids,
        vec![
            first.meta.ecs_id(),
            second.meta.ecs_id(),
            third.meta.ecs_id(),
            head.meta.ecs_id()
        ],
        "the lineage keeps every version"
    );
    for old in [&first, &second, &third] {
        let reread: ChatThread = store.get(old.meta.ecs_id()).await.unwrap();
        assert_eq!(&reread, old);
    }

    let (again, report) = store
        .revert::<ChatThread>(head.meta.ecs_id())
        .await
        .unwrap();
    assert!(report.is_empty(), "reverting to the head changes nothing");
    assert_eq!(again, head);
}

pub async fn the_lineage_tree_shows_each_branch(store: &Store) {
    let mut thread = ChatThread::with_messages("root", 1);
    store.commit(&mut thread).await.unwrap();
    let mut other = thread.clone();
    thread.name = "left".into();
    store.commit(&mut thread).await.unwrap();
    let left = thread.meta.ecs_id();
    other.name = "right".into();
    store.commit(&mut other).await.unwrap();
    thread.name = "left again".into();
    store.commit(&mut thread).await.unwrap();

    let tree = store
        .lineage_tree::<ChatThread>(thread.meta.lineage_id())
        .await
        .unwrap();
    assert_eq!(tree.type_name, "ChatThread");
    assert_eq!(tree.versions.len(), 4);
    assert_eq!(tree.roots().count(), 1);
    let children: Vec<Uuid> = tree.versions[0]
        .children
        .iter()
        .map(|&i| tree.versions[i].version.ecs_id)
        .collect();
    assert_eq!(children, vec![left, other.meta.ecs_id()], "a branch point");
    let heads: Vec<Uuid> = tree.heads().map(|n| n.version.ecs_id).collect();
    assert_eq!(heads, vec![other.meta.ecs_id(), thread.meta.ecs_id()]);
}

pub async fn the_catalog_reads_a_store_without_its_rust_types(store: &Store) {
    let mut thread = ChatThread::with_messages("catalogued", 2);
    thread.tools.push(Tool::callable("search"));
    thread.history[0].usage = Some(Usage::new("gpt-4o", 5, 7));
    store.commit(&mut thread).await.unwrap();
    thread.name = "catalogued, edited".into();
    store.commit(&mut thread).await.unwrap();

    let driver = store.driver();
    let catalog = driver.catalog().await.unwrap().expect("a catalog");
    let names: Vec<&str> = catalog.iter().map(|e| e.type_name.as_str()).collect();
    for expected in ["ChatMessage", "ChatThread", "Tool", "Usage"] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    let types: Vec<&'static verso::EntityType> = catalog
        .iter()
        .map(|entry| entry.entity_type().unwrap())
        .collect();
    let thread_type = *types.iter().find(|t| t.name == "ChatThread").unwrap();
    assert_eq!(
        thread_type.definition(),
        ChatThread::entity_type().definition()
    );

    // Load without the Rust types and compare with the typed load.
    let id = thread.meta.ecs_id();
    let untyped = driver
        .load(&LoadRequest {
            root_type: thread_type,
            roots: vec![id],
            types: types.clone(),
        })
        .await
        .unwrap();
    let typed = driver
        .load(&LoadRequest {
            root_type: ChatThread::entity_type(),
            roots: vec![id],
            types: verso::reachable_types(ChatThread::entity_type()),
        })
        .await
        .unwrap();
    let tree = Assembly::new(&untyped).unwrap().tree(id).unwrap();
    assert_eq!(tree, Assembly::new(&typed).unwrap().tree(id).unwrap());
    assert_eq!(tree.children_of("history").len(), 2);
    assert_eq!(tree.children_of("tools").len(), 1);

    let counts = driver.count_versions(&[thread_type]).await.unwrap();
    assert_eq!((counts[0].lineages, counts[0].versions), (1, 2));
    let lineages = driver.lineages(thread_type).await.unwrap();
    assert_eq!(lineages.len(), 1);
    assert_eq!(lineages[0].lineage_id, thread.meta.lineage_id());
    assert_eq!(lineages[0].versions, 2);
    assert_eq!(lineages[0].head, id);
    assert_eq!(lineages[0].head_created_at, thread.meta.created_at());

    assert_eq!(
        driver
            .find_lineage_type(thread.history[1].meta.lineage_id())
            .await
            .unwrap()
            .as_deref(),
        Some("ChatMessage")
    );
    assert_eq!(driver.find_lineage_type(id).await.unwrap(), None);
}
